#!/bin/bash
# Partial RDFs of `vitrum rdf --grid bins` against ASE's get_rdf (ase.ga.utilities, Debian
# python3-ase) on the same frames: 6 frames of 48 random atoms (Li, Si, O) in a skewed 12 A cell,
# r_max 5.5 A (ASE needs r_max below half the cell), dr 0.1 A. ASE normalises a partial a-b by
# N_a N / V instead of N_a N_b / V, so its values are multiplied by N / N_b here.
# Tolerance: 1e-9 absolute on g (measured ~1e-15).
set -euo pipefail
PY=/usr/bin/python3
$PY -c "import numpy, ase" 2>/dev/null || { echo "skipped: numpy/ase missing"; exit 77; }
BIN=${VT_BIN:?VT_BIN not set}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
$PY - "$W" <<'PYEOF'
import sys
import numpy as np
import ase, ase.io
rng = np.random.default_rng(11)
cell = np.array([[12.0, 0, 0], [1.5, 12.2, 0], [-1.0, 0.8, 12.5]])
sym = ["Li"] * 16 + ["Si"] * 12 + ["O"] * 20
frames = [ase.Atoms(sym, scaled_positions=rng.random((48, 3)), cell=cell * (1 + 0.01 * f), pbc=True) for f in range(6)]
ase.io.write(sys.argv[1] + "/t.xyz", frames, format="extxyz")
PYEOF
"$BIN" rdf "$W/t.xyz" --grid bins --rmax 5.5 --dr 0.1 --out "$W/v.csv"
$PY - "$W" <<'PYEOF'
import csv, sys
import numpy as np
import ase.io
from ase.data import atomic_numbers
from ase.ga.utilities import get_rdf
w = sys.argv[1]
frames = ase.io.read(w + "/t.xyz", ":")
rows = list(csv.reader(open(w + "/v.csv")))
head, data = rows[0], np.array([[float(x) for x in r] for r in rows[1:]])
n = len(frames[0])
worst = 0.0
for c, pair in enumerate(head[1:-1], start=1):
    a, b = pair.split("-")
    za, zb = atomic_numbers[a], atomic_numbers[b]
    nb = sum(1 for s in frames[0].get_chemical_symbols() if s == b)
    g = np.mean([get_rdf(f, 5.5, 55, elements=[za, zb], no_dists=True) for f in frames], axis=0) * n / nb
    err = float(np.max(np.abs(g - data[:, c])))
    worst = max(worst, err)
    print(f"{pair:6s} max |vitrum - ASE x N/N_b| = {err:.2e} (peak g {g.max():.3f})")
r_ok = np.allclose(data[:, -1], (np.arange(55) + 0.5) * 0.1, atol=1e-12)
print("bin centres match ASE's:", r_ok)
bad = worst > 1e-9 or not r_ok
print("1 failed" if bad else "0 failed")
sys.exit(1 if bad else 0)
PYEOF
