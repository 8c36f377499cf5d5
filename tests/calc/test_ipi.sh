#!/bin/bash
# test_ipi.sh - vitrum's i-PI server (src/calc/ipi.c) against an independently written client:
# ASE's SocketClient (Debian python3-ase) wrapping ASE's EMT (UNIX socket) and Lennard-Jones (TCP)
# on rattled triclinic cells. vitrum's side is tests/calc/ipi_driver.c ($VT_IPI_DRIVER). Checks:
#   1. energy, forces, stress vitrum receives == ASE computing directly, to 1e-10 relative
#      (the only differences are unit conversions Bohr/Hartree both ways, ASE's own constants);
#   2. the positions and cell ASE received == the frames vitrum sent, to 1e-14 relative;
#   3. a raw client checks the POSDATA layout (h with lattice vectors as columns, row-major, and
#      its inverse, Bohr) and then dies mid-step: vitrum reports it clearly;
#   4. no client at all: the connect timeout fires with a clear message; a stale socket file is
#      replaced; the UNIX socket file is removed at the end.
set -u
PY=/usr/bin/python3
DRIVER=${VT_IPI_DRIVER:-}
if [ -z "$DRIVER" ] || [ ! -x "$DRIVER" ]; then echo "skipped: VT_IPI_DRIVER not set"; exit 77; fi
if ! $PY -c "import ase.calculators.socketio" 2>/dev/null; then echo "skipped: no python3-ase"; exit 77; fi
WORK=$(mktemp -d)
NAME="vt_test_$$"
trap 'rm -rf "$WORK"; rm -f /tmp/ipi_${NAME}*' EXIT
cd "$WORK" || exit 1

fail=0
note() { echo "$*"; }
bad() { echo "FAIL: $*"; fail=1; }

# ---- frames: rattled, sheared fcc Cu (EMT) and Ar (LJ), written by ASE as extended XYZ ----
$PY - <<'EOF' || exit 1
import numpy as np
from ase.build import bulk
from ase.io import write
rng = np.random.default_rng(7)
for sym, a, name in (("Cu", 3.6, "cu"), ("Ar", 5.3, "ar")):
    frames = []
    for k in range(3):
        at = bulk(sym, "fcc", a=a, cubic=True).repeat((2, 1, 1))
        cell = at.cell.array.copy()
        cell[1] += [0.31, 0.0, 0.07]      # triclinic, not upper triangular
        cell[2] += [0.12, -0.23, 0.0]
        cell *= 1.0 + 0.02 * k             # different volumes: stress changes sign
        at.set_cell(cell, scale_atoms=True)
        at.rattle(0.08, seed=11 + k)
        frames.append(at)
    write(name + ".xyz", frames, format="extxyz")
EOF

# The client side: ASE's SocketClient wrapping a calculator; records what it received.
cat > client.py <<'EOF'
import json, os, sys, time
import numpy as np
from ase.io import read
from ase.calculators.socketio import SocketClient
from ase.calculators.emt import EMT
from ase.calculators.lj import LennardJones
kind, frames_file, out = sys.argv[1], sys.argv[2], sys.argv[3]
atoms = read(frames_file, index=0)
if kind.startswith("unix:"):
    name = kind[5:]
    for _ in range(200):
        if os.path.exists("/tmp/ipi_" + name): break
        time.sleep(0.05)
    client = SocketClient(unixsocket=name)
    atoms.calc = EMT()
else:
    port = int(kind[4:])
    for _ in range(200):
        try:
            client = SocketClient(host="localhost", port=port)
            break
        except ConnectionRefusedError:
            time.sleep(0.05)
    atoms.calc = LennardJones(sigma=3.4, epsilon=0.0104, rc=8.0, smooth=True)
seen = []
for _ in client.irun(atoms, use_stress=True):
    seen.append({"cell": atoms.cell.array.tolist(), "positions": atoms.positions.tolist()})
json.dump(seen, open(out, "w"))
EOF

# Compare vitrum's JSON with ASE direct on the same frames, and what the client saw.
cat > compare.py <<'EOF'
import json, sys
import numpy as np
from ase.io import read
from ase.calculators.emt import EMT
from ase.calculators.lj import LennardJones
kind, frames_file, vt_json, seen_json = sys.argv[1:5]
frames = read(frames_file, index=":")
got = json.load(open(vt_json))["frames"]
seen = json.load(open(seen_json))
assert len(got) == len(frames) == len(seen), (len(got), len(frames), len(seen))
worst = {"E": 0.0, "F": 0.0, "S": 0.0, "pos": 0.0, "cell": 0.0}
def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / max(1.0, np.max(np.abs(b))))
for at, g, s in zip(frames, got, seen):
    at.calc = EMT() if kind == "emt" else LennardJones(sigma=3.4, epsilon=0.0104, rc=8.0, smooth=True)
    e, f = at.get_potential_energy(), at.get_forces()
    st = at.get_stress(voigt=False) * 160.21766208   # eV/A^3 -> GPa (ASE's sign)
    worst["E"] = max(worst["E"], abs(g["energy_eV"] - e) / max(1.0, abs(e)))
    worst["F"] = max(worst["F"], rel(g["forces"], f))
    worst["S"] = max(worst["S"], rel(g["stress_GPa"], st))
    worst["pos"] = max(worst["pos"], rel(s["positions"], at.positions))
    worst["cell"] = max(worst["cell"], rel(s["cell"], at.cell.array))
    print("  E vitrum %.12f  ASE %.12f eV | F[0] vitrum %s ASE %s | P vitrum %.6f ASE %.6f GPa" % (
        g["energy_eV"], e, np.round(g["forces"][0], 8), np.round(f[0], 8),
        -np.trace(g["stress_GPa"]) / 3, -np.trace(st) / 3))
print("  worst relative differences:", {k: "%.2e" % v for k, v in worst.items()})
ok = worst["E"] < 1e-10 and worst["F"] < 1e-10 and worst["S"] < 1e-10 and worst["pos"] < 1e-14 and worst["cell"] < 1e-14
sys.exit(0 if ok else 1)
EOF

run_pair() { # spec client-kind frames oracle-kind label
    "$DRIVER" "$1" "$3" > vt.json 2> vt.err &
    local dpid=$!
    $PY client.py "$2" "$3" seen.json 2> client.err
    local crc=$?
    wait $dpid
    local drc=$?
    if [ $drc -ne 0 ] || [ $crc -ne 0 ]; then
        bad "$5: driver rc=$drc client rc=$crc"; cat vt.err client.err; return
    fi
    note "$5:"
    $PY compare.py "$4" "$3" vt.json seen.json || bad "$5: results differ from ASE direct"
}

run_pair "ipi:unix:${NAME}" "unix:${NAME}" cu.xyz emt "UNIX socket, ASE EMT on Cu"
[ -e "/tmp/ipi_${NAME}" ] && bad "socket file /tmp/ipi_${NAME} left behind"
PORT=$($PY -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
run_pair "ipi:tcp:${PORT}" "tcp:${PORT}" ar.xyz lj "TCP loopback port ${PORT}, ASE Lennard-Jones on Ar"

# ---- raw client: check the POSDATA layout, then die in the middle of the step ----
cat > rawclient.py <<'EOF'
import os, socket, struct, sys, time
import numpy as np
from ase.io import read
from ase.units import Bohr
name, frames_file = sys.argv[1], sys.argv[2]
at = read(frames_file, index=0)
for _ in range(200):
    if os.path.exists("/tmp/ipi_" + name): break
    time.sleep(0.05)
s = socket.socket(socket.AF_UNIX); s.connect("/tmp/ipi_" + name)
def recv(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b)); assert c, "server closed"
        b += c
    return b
assert recv(12) == b"STATUS      "
s.sendall(b"NEEDINIT    ")                       # exercise INIT
assert recv(12) == b"INIT        "
bead, n = struct.unpack("ii", recv(8)); recv(n)
assert recv(12) == b"STATUS      "
s.sendall(b"READY       ")
assert recv(12) == b"POSDATA     "
h = np.frombuffer(recv(72)).reshape(3, 3); ih = np.frombuffer(recv(72)).reshape(3, 3)
nat, = struct.unpack("i", recv(4)); pos = np.frombuffer(recv(24 * nat)).reshape(nat, 3)
want_h = at.cell.array.T / Bohr                  # lattice vectors as columns, Bohr, row-major
e1 = np.max(np.abs(h - want_h)) / np.max(np.abs(want_h))
e2 = np.max(np.abs(ih @ h - np.eye(3)))
e3 = np.max(np.abs(pos - at.positions / Bohr)) / np.max(np.abs(at.positions / Bohr))
print("  POSDATA layout: |h - cell^T/Bohr| %.1e, |h^-1 h - 1| %.1e, positions %.1e" % (e1, e2, e3))
if nat != len(at) or e1 > 1e-15 or e2 > 1e-14 or e3 > 1e-15: sys.exit(3)
s.close()                                        # die mid-step
EOF
"$DRIVER" "ipi:unix:${NAME}" cu.xyz > /dev/null 2> vt.err &
dpid=$!
$PY rawclient.py "$NAME" cu.xyz || bad "raw client: POSDATA layout wrong (rc $?)"
wait $dpid
drc=$?
msg=$(tail -1 vt.err)
note "client dying mid-step: driver rc=$drc: $msg"
[ $drc -ne 0 ] && echo "$msg" | grep -q "lost the client (.*) while vitrum waited for the reply to STATUS" \
    || bad "death of the client mid-step not reported clearly"

# ---- nobody connects: the connect timeout fires; a stale socket file is replaced first ----
$PY -c "import socket; s=socket.socket(socket.AF_UNIX); s.bind('/tmp/ipi_${NAME}')"   # stale file
start=$(date +%s.%N)
"$DRIVER" "ipi:unix:${NAME},connect_timeout=1" cu.xyz > /dev/null 2> vt.err
drc=$?
took=$(echo "$(date +%s.%N) - $start" | bc)
msg=$(tail -1 vt.err)
note "no client, connect_timeout=1: rc=$drc after ${took} s: $msg"
[ $drc -ne 0 ] && echo "$msg" | grep -q "timed out waiting for a client to connect" || bad "connect timeout not reported"
[ "$(echo "$took < 5" | bc)" = 1 ] || bad "connect timeout took ${took} s"
[ -e "/tmp/ipi_${NAME}" ] && bad "socket file left behind after the timeout"

# ---- bad specs are refused up front ----
for spec in "ipi:unix:../etc" "ipi:tcp:0" "ipi:tcp:localhost:99999" "ipi:udp:1" "ipi:unix:x,timeout=3"; do
    "$DRIVER" "$spec" cu.xyz > /dev/null 2> vt.err && bad "spec $spec accepted"
    note "refused $spec: $(tail -1 vt.err)"
done

[ $fail -eq 0 ] && echo "test_ipi: all checks passed"
exit $fail
