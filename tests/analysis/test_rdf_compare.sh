#!/bin/bash
# `vitrum rdf compare DFT.csv M3GNet.csv` on the paper's 30 RDF pairs (../shared/paper/rdf) against
# numpy: all pair columns concatenated, R^2 = 1 - SSE/SST with DFT as truth (the paper's Fig. 6
# statistic). Tolerance 1e-9 on R^2 (vitrum prints 9 decimals). Also prints the share above
# 0.85 / 0.9 / 0.95 next to the paper's (91% / 85% / 68% over its 245 compositions).
set -euo pipefail
PY=/usr/bin/python3
SHARED=${VT_SHARED:-../shared}
D=$SHARED/paper/rdf
[ -d "$D" ] || { echo "skipped: $D not found"; exit 77; }
$PY -c "import numpy" 2>/dev/null || { echo "skipped: numpy missing"; exit 77; }
BIN=${VT_BIN:?VT_BIN not set}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
for f in "$D"/DFT_RDF_*.csv; do
    name=${f##*/DFT_RDF_}; name=${name%.csv}
    r2=$("$BIN" rdf compare "$f" "$D/M3GNet_RDF_$name.csv" | sed -n 's/^R^2 = \([^ ]*\) .*/\1/p')
    echo "$name $r2 $f $D/M3GNet_RDF_$name.csv" >> "$W/v.txt"
done
$PY - "$W/v.txt" <<'PYEOF'
import csv, sys
import numpy as np
bad = 0
vals = []
for line in open(sys.argv[1]):
    name, r2, a, b = line.split()
    ra, rb = list(csv.reader(open(a))), list(csv.reader(open(b)))
    ha, hb = ra[0], rb[0]
    A = np.array([[float(x) for x in r] for r in ra[1:]])
    B = np.array([[float(x) for x in r] for r in rb[1:]])
    y = np.concatenate([A[:, ha.index(p)] for p in ha[1:-1]])
    p = np.concatenate([B[:, hb.index(p)] for p in ha[1:-1]])
    ref = 1 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2)
    ok = abs(float(r2) - ref) <= 1e-9
    bad += not ok
    vals.append(ref)
    print(f"{name:12s} vitrum {float(r2):.9f} numpy {ref:.9f}" + ("" if ok else "  FAIL"))
v = np.array(vals)
print(f"R^2 > 0.85: {np.mean(v > 0.85):.0%}, > 0.9: {np.mean(v > 0.9):.0%}, > 0.95: {np.mean(v > 0.95):.0%} "
      f"of {len(v)} (paper, 245 compositions: 91%, 85%, 68%)")
print(f"{bad} failed")
sys.exit(1 if bad else 0)
PYEOF
