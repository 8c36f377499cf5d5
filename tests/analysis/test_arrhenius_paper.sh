#!/bin/bash
# `vitrum arrhenius` on the paper's D(T) (../shared/paper/feature_target.dat, D x 1000 -> cm^2/s):
# per formula an unweighted fit of ln D vs 1/(kB T); over the formulas with >= 3 temperatures the
# median and interquartile range of Ea must equal numpy's (numpy.polyfit per formula,
# numpy.percentile), and every formula's Ea, its sigma (residual scatter, n - 2 degrees of
# freedom) and R^2 must match. Tolerance 1e-9 eV (relative 1e-9 for R^2).
set -euo pipefail
PY=/usr/bin/python3
SHARED=${VT_SHARED:-../shared}
DAT=$SHARED/paper/feature_target.dat
[ -f "$DAT" ] || { echo "skipped: $DAT not found"; exit 77; }
$PY -c "import numpy" 2>/dev/null || { echo "skipped: numpy missing"; exit 77; }
BIN=${VT_BIN:?VT_BIN not set}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
$PY - "$DAT" "$W/d.csv" <<'PYEOF'
import sys
rows = [l.split() for l in open(sys.argv[1])]
h = [x for x in rows[0] if x not in ('"Unnamed:', '0"')]
fi, di, ti = h.index("formula"), h.index("diff_coeff_mul_thousand"), h.index("temperature")
with open(sys.argv[2], "w") as f:
    f.write("label,T_K,D_cm2_s\n")
    for r in rows[1:]:
        r = r[1:]  # the row id
        f.write(f"{r[fi]},{r[ti]},{float(r[di]) / 1000!r}\n")
PYEOF
"$BIN" arrhenius "$W/d.csv" --format json > "$W/v.json"
"$BIN" arrhenius "$W/d.csv" | tail -1
$PY - "$W/d.csv" "$W/v.json" <<'PYEOF'
import csv, json, sys
import numpy as np
kB = 8.617333262145e-5
series = {}
for r in csv.DictReader(open(sys.argv[1])):
    series.setdefault(r["label"], []).append((float(r["T_K"]), float(r["D_cm2_s"])))
got = {f["label"]: f for f in json.load(open(sys.argv[2]))["fits"]}
v = json.load(open(sys.argv[2]))["Ea_summary"]
bad, eas = 0, []
for label, pts in series.items():
    T, D = np.array(pts).T
    x, y = 1 / (kB * T), np.log(D)
    slope, icept = np.polyfit(x, y, 1)
    g = got[label]
    ok = abs(g["Ea_eV"] + slope) <= 1e-9
    if len(pts) >= 3:
        eas.append(-slope)
        res = y - (icept + slope * x)
        s_ea = np.sqrt(res @ res / (len(x) - 2) / np.sum((x - x.mean()) ** 2))
        r2 = 1 - res @ res / np.sum((y - y.mean()) ** 2)
        ok = ok and abs(g["Ea_sigma_eV"] - s_ea) <= 1e-9 and abs(g["r2"] - r2) <= 1e-9 * max(1, abs(r2))
    if not ok:
        bad += 1
        print(f"{label}: vitrum {g} numpy Ea {-slope}  FAIL")
q25, med, q75 = np.percentile(eas, [25, 50, 75])
print(f"{len(series)} formulas, {len(eas)} with >= 3 temperatures")
print(f"Ea median: vitrum {v['median_eV']:.12f} numpy {med:.12f} eV")
print(f"Ea IQR:    vitrum {v['iqr_eV']:.12f} numpy {q75 - q25:.12f} eV (q25 {q25:.6f}, q75 {q75:.6f})")
bad += v["n_series"] != len(eas) or abs(v["median_eV"] - med) > 1e-9 or abs(v["iqr_eV"] - (q75 - q25)) > 1e-9
print(f"{bad} failed")
sys.exit(1 if bad else 0)
PYEOF
