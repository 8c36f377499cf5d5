#!/bin/bash
# test_cp2k.sh - vitrum's CP2K back end (src/calc/cp2k.c over the i-PI server of ipi.c): an
# 8-atom Si diamond cell (rattled), a single point and 3 NVE steps of 2 fs of vitrum's MD engine through
# `--calc cp2k:SETTINGS` (tests/calc/ipi_driver.c, $VT_IPI_DRIVER). Frames 0 (single point) and 3
# are then recomputed by CP2K directly (RUN_TYPE ENERGY_FORCE, an input written here, not by
# vitrum, coordinates in Bohr exactly as vitrum sent them) and compared:
#   forces to 1e-6 eV/A, energy to 1e-6 eV, stress to 1e-4 GPa (CP2K prints 12 digits; its sign
#   is pressure-positive, vitrum's is ASE's, so vitrum = -CP2K).
# Cheap on purpose: cutoff 150 Ry / rel. cutoff 30 Ry and DZVP basis are far from converged for Si,
# which does not matter for "the same numbers through both paths". Smearing is on (8-atom Si at
# Gamma has almost no gap), so the diagonalisation path is tested. Skipped (77) without cp2k.
# Also: an element without a MOLOPT basis (La) is refused naming it; an unknown key is an error.
set -u
[ -z "${VT_SANITIZED:-}" ] || { echo "skipped: sanitizer build (the time is CP2K itself; test_ipi and test_ipi_md cover the socket code under ASan)"; exit 77; }
PY=/usr/bin/python3
DRIVER=${VT_IPI_DRIVER:-}
if [ -z "$DRIVER" ] || [ ! -x "$DRIVER" ]; then echo "skipped: VT_IPI_DRIVER not set"; exit 77; fi
command -v cp2k > /dev/null || { echo "skipped: no cp2k"; exit 77; }
[ -r /usr/share/cp2k/BASIS_MOLOPT ] || { echo "skipped: no cp2k-data"; exit 77; }
$PY -c "import ase" 2>/dev/null || { echo "skipped: no python3-ase"; exit 77; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1
fail=0
bad() { echo "FAIL: $*"; fail=1; }

$PY - <<'EOF' || exit 1
from ase.build import bulk
from ase.io import write
at = bulk("Si", "diamond", a=5.43, cubic=True)
at.rattle(0.05, seed=3)
write("si8.xyz", at, format="extxyz")
at = bulk("La", "fcc", a=5.3)
write("la.xyz", at, format="extxyz")
EOF

cat > cp2k.settings <<'EOF'
# test settings: tiny cutoff for speed (not converged), tight SCF for comparable forces
cutoff_Ry = 150
rel_cutoff_Ry = 30
smearing = on
electronic_temperature_K = 300
added_mos = 8
scf_eps = 1e-10
threads = 1
EOF

start=$(date +%s)
"$DRIVER" "cp2k:cp2k.settings" si8.xyz md 3 2.0 > vt.json 2> vt.err || { bad "vitrum's cp2k run failed"; cat vt.err; exit 1; }
echo "vitrum: single point + 3 MD steps through CP2K in $(( $(date +%s) - start )) s"

# Direct CP2K runs of frames 0 and 3, input written independently of vitrum.
$PY - <<'EOF' || exit 1
import json
from ase.units import Bohr
frames = json.load(open("vt.json"))["frames"]
assert len(frames) == 4, len(frames)
for k in (0, 3):
    f = frames[k]
    cell = "\n".join("      %s [bohr] %r %r %r" % (ax, *(x / Bohr for x in v)) for ax, v in zip("ABC", f["lattice"]))
    coord = "\n".join("      Si %r %r %r" % tuple(x / Bohr for x in p) for p in f["positions"])
    open("direct%d.inp" % k, "w").write(f"""&GLOBAL
  PROJECT direct{k}
  RUN_TYPE ENERGY_FORCE
  PRINT_LEVEL LOW
&END GLOBAL
&FORCE_EVAL
  METHOD QS
  STRESS_TENSOR ANALYTICAL
  &DFT
    BASIS_SET_FILE_NAME /usr/share/cp2k/BASIS_MOLOPT
    POTENTIAL_FILE_NAME /usr/share/cp2k/GTH_POTENTIALS
    &MGRID
      CUTOFF 150
      REL_CUTOFF 30
    &END MGRID
    &QS
      EPS_DEFAULT 1e-12
    &END QS
    &SCF
      EPS_SCF 1e-10
      MAX_SCF 100
      ADDED_MOS 8
      &DIAGONALIZATION
        ALGORITHM STANDARD
      &END DIAGONALIZATION
      &MIXING
        METHOD BROYDEN_MIXING
        ALPHA 0.4
      &END MIXING
      &SMEAR ON
        METHOD FERMI_DIRAC
        ELECTRONIC_TEMPERATURE [K] 300
      &END SMEAR
    &END SCF
    &XC
      &XC_FUNCTIONAL PBE
      &END XC_FUNCTIONAL
    &END XC
  &END DFT
  &SUBSYS
    &CELL
{cell}
      PERIODIC XYZ
    &END CELL
    &COORD
      UNIT bohr
{coord}
    &END COORD
    &KIND Si
      BASIS_SET DZVP-MOLOPT-SR-GTH-q4
      POTENTIAL GTH-PBE-q4
    &END KIND
  &END SUBSYS
  &PRINT
    &FORCES ON
      NDIGITS 15
    &END FORCES
    &STRESS_TENSOR ON
    &END STRESS_TENSOR
  &END PRINT
&END FORCE_EVAL
""")
EOF
for k in 0 3; do
    OMP_NUM_THREADS=1 cp2k -i direct$k.inp -o direct$k.out > /dev/null 2>&1 || { bad "direct CP2K run $k failed"; tail direct$k.out; }
done

$PY - <<'EOF' || fail=1
import json, re, sys
import numpy as np
from ase.units import Bohr, Hartree
frames = json.load(open("vt.json"))["frames"]
ok = True
moved = np.max(np.abs(np.array(frames[3]["positions"]) - np.array(frames[0]["positions"])))
print("  atoms moved up to %.4f A over 3 steps" % moved)
ok &= moved > 1e-3
for k in (0, 3):
    out = open("direct%d.out" % k).read()
    e = float(re.search(r"ENERGY\| Total FORCE_EVAL \( QS \) energy \[a\.u\.\]:\s+(\S+)", out).group(1)) * Hartree
    block = out.split("ATOMIC FORCES in [a.u.]")[1].split("SUM OF ATOMIC FORCES")[0]
    f = np.array([[float(x) for x in l.split()[3:6]] for l in block.splitlines() if re.match(r"\s+\d+\s+\d+\s+Si", l)])
    f *= Hartree / Bohr
    s = out.split("Analytical stress tensor [GPa]")[1].splitlines()[2:5]
    s = -np.array([[float(x) for x in l.split()[2:5]] for l in s])
    g = frames[k]
    dF = np.max(np.abs(np.array(g["forces"]) - f))
    dE = abs(g["energy_eV"] - e)
    dS = np.max(np.abs(np.array(g["stress_GPa"]) - s))
    print("  frame %d: E vitrum %.9f CP2K %.9f eV (|d| %.1e) | max|dF| %.1e eV/A (max|F| %.3f) | max|dS| %.1e GPa (P %.4f GPa)"
          % (k, g["energy_eV"], e, dE, dF, np.max(np.abs(f)), dS, -np.trace(s) / 3))
    print("    F[0] vitrum %s  CP2K %s" % (np.round(g["forces"][0], 9), np.round(f[0], 9)))
    ok &= dF < 1e-6 and dE < 1e-6 and dS < 1e-4
sys.exit(0 if ok else 1)
EOF
[ $? -eq 0 ] || bad "vitrum's CP2K results differ from CP2K direct"

# Refusals: no basis for La; an unknown settings key.
"$DRIVER" "cp2k" la.xyz > /dev/null 2> la.err && bad "La accepted"
grep -q "no DZVP-MOLOPT(-SR)-GTH basis set for La" la.err || { bad "La refusal unclear"; cat la.err; }
echo "  La: $(tail -1 la.err)"
echo "cutof_Ry = 100" > badkey.settings
"$DRIVER" "cp2k:badkey.settings" si8.xyz > /dev/null 2> key.err && bad "unknown key accepted"
grep -q "badkey.settings:1: cutof_Ry: unknown key" key.err || { bad "unknown key message unclear"; cat key.err; }
echo "  unknown key: $(tail -1 key.err)"
ls /tmp/ipi_vt_* 2> /dev/null | grep -q . && echo "note: /tmp/ipi_vt_* sockets exist (other runs?)"

[ $fail -eq 0 ] && echo "test_cp2k: all checks passed"
exit $fail
