#!/usr/bin/env bash
# `vitrum predict --structure FILE` (issue 6: D_Li from a simulated structure, as the paper
# proposes) against the independent path through the same model: `vitrum features --structure`
# gives the 42 features as CSV, a temperature column is added here, `vitrum ml predict` predicts
# D x 1000 at each training temperature; the Arrhenius law that predict --structure fits through
# those points must pass within 3 sigma of each. Plus the usage errors.
set -u
bin=${VT_BIN:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
model=$(dirname "$bin")/models/vitrum-structure.json
[ -f "$model" ] || { echo "skipped: $model not built"; exit 77; }
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=$((fail + 1)); fi; }

"$bin" pack Li3PS4 --atoms 64 --density 1.9 --seed 4 --out "$tmp/cell.extxyz" >/dev/null || exit 1
"$bin" predict --structure "$tmp/cell.extxyz" --temp 1000,1500,2000,2500 --format csv >"$tmp/pred.csv" || exit 1
"$bin" features --structure "$tmp/cell.extxyz" --format csv >"$tmp/feat.csv" || exit 1
{ printf 'temperature,%s\n' "$(head -1 "$tmp/feat.csv")"
  for T in 1000 1500 2000 2500; do printf '%s,%s\n' "$T" "$(sed -n 2p "$tmp/feat.csv")"; done; } >"$tmp/rows.csv"
"$bin" ml predict --model "$model" --data "$tmp/rows.csv" >"$tmp/ml.csv" || exit 1
# pred.csv: formula,temperature_K,D_cm2_s,sigma_cm2_s,...; ml.csv: D x 1000 (column named by its header)
n_ok=$(/usr/bin/python3 - "$tmp/pred.csv" "$tmp/ml.csv" <<'PY'
import csv, sys
pred = list(csv.DictReader(open(sys.argv[1])))
ml = list(csv.DictReader(open(sys.argv[2])))
col = [c for c in ml[0] if c.startswith("pred")][0]
ok = 0
for p, m in zip(pred, ml):
    d, s, want = float(p["D_cm2_s"]), float(p["sigma_cm2_s"]), float(m[col]) / 1000
    ok += d > 0 and abs(d - want) <= 3 * s
print(ok)
PY
)
check "Arrhenius fit within 3 sigma of the model at all 4 training temperatures ($n_ok)" "[ '$n_ok' = 4 ]"
"$bin" predict Li2O --structure "$tmp/cell.extxyz" >/dev/null 2>&1
check "formula and --structure together refused" "[ $? -eq 2 ]"
"$bin" predict >/dev/null 2>&1
check "neither refused" "[ $? -eq 2 ]"
[ "$fail" -eq 0 ] || exit 1
echo "all checks passed"
