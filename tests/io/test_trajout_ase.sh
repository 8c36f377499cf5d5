#!/usr/bin/env bash
# test_trajout_ase.sh - the files of vitrum's streaming trajectory writer read by independent code:
# Debian's python3-ase reads the extxyz (8 frames, velocities, image counts, changing triclinic
# cell) and the constant-cell XDATCAR; the vtraj files are decoded by the Python reader printed in
# docs/vtraj-format.md (extracted from the document, so the spec itself is tested). Checks:
#   ASE extxyz positions + image x lattice == vtraj unwrapped positions (1e-12 A), velocities
#   (the vel column ASE keeps, A/fs, 1e-12) and lattices equal, step/time keys in atoms.info equal the
#   vtraj step and time; ASE XDATCAR positions == vtraj positions of the constant-cell run (1e-12 A).
# The files come from `test_trajout write DIR` (tests/io/test_trajout.c). Skips (77) without ASE.
set -euo pipefail
bin=${VT_BIN:?}
src=${VT_SOURCE:?}
writer=$(dirname "$bin")/tests/test_trajout
[ -x "$writer" ] || { echo "skipped: $writer not built"; exit 77; }
if ! /usr/bin/python3 -c 'import ase.io, numpy' 2>/dev/null; then
  echo "skipped: /usr/bin/python3 cannot import ase"; exit 77
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$writer" write "$tmp" >/dev/null
# the reader from the spec: the first ```python block of docs/vtraj-format.md
sed -n '/^```python$/,/^```$/p' "$src/docs/vtraj-format.md" | sed '1d;$d' >"$tmp/vtraj_spec.py"

/usr/bin/python3 - "$tmp" <<'EOF'
import sys
import numpy as np
from ase.io import read

tmp = sys.argv[1]
sys.path.insert(0, tmp)
from vtraj_spec import read_vtraj  # noqa: E402

bad = 0
def check(what, err, tol):
    global bad
    ok = err <= tol
    bad += not ok
    print(f"{what:58s} max |diff| {err:.3g}  {'ok' if ok else 'FAIL'}")

Z, frames = read_vtraj(f"{tmp}/traj.vtraj")
xyz = read(f"{tmp}/traj.xyz", index=":")
check("frames: vtraj 8, ASE extxyz 8", abs(len(frames) - 8) + abs(len(xyz) - 8), 0)
e_pos = e_vel = e_lat = e_info = 0.0
for a, f in zip(xyz, frames):
    assert list(a.numbers) == list(Z)
    unwrapped = a.positions + a.arrays["image"] @ a.cell.array
    e_pos = max(e_pos, np.abs(unwrapped - f["positions"]).max())
    e_vel = max(e_vel, np.abs(a.arrays["vel"] - f["velocities"]).max())  # ASE keeps the vel column as written
    e_lat = max(e_lat, np.abs(a.cell.array - f["lattice"]).max())
    e_info = max(e_info, abs(a.info["step"] - f["step"]) + abs(a.info["time_fs"] - f["time_fs"]))
check("extxyz (ASE) pos + image.lattice vs vtraj unwrapped, A", e_pos, 1e-12)
check("extxyz (ASE) velocities vs vtraj, A/fs", e_vel, 1e-12)
check("extxyz (ASE) lattice vs vtraj, A", e_lat, 0.0)
check("extxyz (ASE) info step, time_fs vs vtraj", e_info, 0.0)

Z2, const = read_vtraj(f"{tmp}/const.vtraj")
xd = read(f"{tmp}/XDATCAR", index=":", format="vasp-xdatcar")
check("frames: vtraj 8, ASE XDATCAR 8", abs(len(const) - 8) + abs(len(xd) - 8), 0)
e_pos = max(np.abs(a.positions - f["positions"]).max() for a, f in zip(xd, const))
e_lat = max(np.abs(a.cell.array - f["lattice"]).max() for a, f in zip(xd, const))
assert all(list(a.numbers) == list(Z2) for a in xd) and const[0]["velocities"] is None
check("XDATCAR (ASE) positions vs vtraj, A", e_pos, 1e-12)
check("XDATCAR (ASE) lattice vs vtraj, A", e_lat, 1e-14)
sys.exit(1 if bad else 0)
EOF
