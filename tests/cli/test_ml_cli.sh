#!/usr/bin/env bash
# End-to-end: vitrum ml train / predict / cv and vitrum predict on the paper's table.
# Checks: same seed -> identical model bytes, also across thread counts; ml predict reproduces
# the training run's test predictions; missing and extra columns are named (exit 2); Arrhenius
# predictions from a formula are physical (D rises with T, Ea > 0).
set -u
bin=${VT_BIN:?}
data=${VT_SHARED:-../shared}/paper/feature_target.dat
rows=${VT_SHARED:-../shared}/paper/dev_split_test_rows.txt
[ -f "$data" ] || { echo "skipped: $data not found"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi; }

"$bin" ml train --data "$data" --test-rows "$rows" --out "$tmp/a.json" --threads 1 --trees 20 >"$tmp/train.txt"
"$bin" ml train --data "$data" --test-rows "$rows" --out "$tmp/b.json" --threads 2 --trees 20 >/dev/null
check "same seed, 1 vs 2 threads: identical model bytes" 'cmp -s "$tmp/a.json" "$tmp/b.json"'
"$bin" ml train --data "$data" --test-rows "$rows" --out "$tmp/c.json" --trees 20 --seed 7 >/dev/null
check "another seed gives another model" '! cmp -s "$tmp/a.json" "$tmp/c.json"'

# The test rows as their own table (header + rows at those positions), without the target column.
/usr/bin/env awk -v rows="$rows" 'BEGIN { while ((getline l < rows) > 0) if (l !~ /^#/) keep[l + 0] = 1 }
  NR == 1 { $4 = ""; print; next } (NR - 2) in keep { $3 = ""; print }' "$data" | sed 's/  */ /g' >"$tmp/test.dat"
check "test table has 96 rows" '[ "$(($(wc -l <"$tmp/test.dat") - 1))" -eq 96 ]'
"$bin" ml predict --model "$tmp/a.json" --data "$tmp/test.dat" --out "$tmp/pred.csv"
check "predict CSV header" '[ "$(head -1 "$tmp/pred.csv")" = "formula,temperature,prediction,sigma" ]'
rmse=$(/usr/bin/env awk -F, 'NR == FNR { if (FNR > 1) p[FNR - 1] = $3; next }
  FNR > 1 { y = $3 } FNR > 1 { n++; e = y - p[n]; s += e * e } END { printf "%.4f", sqrt(s / n) }' \
  "$tmp/pred.csv" <(/usr/bin/env awk -v rows="$rows" 'BEGIN { while ((getline l < rows) > 0) if (l !~ /^#/) keep[l + 0] = 1 }
  NR == 1 { print; next } (NR - 2) in keep' "$data" | sed 's/"Unnamed: 0"/id/' | tr ' ' ','))
want=$(grep '^test' "$tmp/train.txt" | awk '{ print $5 }')
check "ml predict reproduces the training run's test RMSE ($rmse vs $want)" '[ "$rmse" = "$want" ]'

# keep id, formula, temperature, AAV, LBI (the quoted id is two words in the header)
awk 'NR == 1 { print $1, $2, $3, $4, $5, $6; next } { print $1, $2, $3, $4, $5 }' "$tmp/test.dat" >"$tmp/missing.dat"
"$bin" ml predict --model "$tmp/a.json" --data "$tmp/missing.dat" >/dev/null 2>"$tmp/err"; rc=$?
check "missing columns: exit 2 naming one (rc $rc)" '[ $rc -eq 2 ] && grep -q "needs 36 inputs that the data neither has nor vitrum can derive: SDLI, SBI" "$tmp/err"'
"$bin" ml train --data "$data" --features composition --out "$tmp/comp.json" --trees 20 >/dev/null
"$bin" ml predict --model "$tmp/comp.json" --data "$tmp/test.dat" >/dev/null 2>"$tmp/err"; rc=$?
check "extra columns: exit 2 naming one (rc $rc)" '[ $rc -eq 2 ] && grep -q "extra column" "$tmp/err"'

"$bin" predict Li3PS4 LiF --model "$tmp/comp.json" --temp 300,1000:2500:500 --format csv >"$tmp/p.csv"
check "predict: 2 formulas x 5 temperatures" '[ "$(($(wc -l <"$tmp/p.csv") - 1))" -eq 10 ]'
check "predict: D rises with T and Ea > 0" 'awk -F, "NR > 1 { if (\$1 == f && \$3 <= d) bad = 1; f = \$1; d = \$3; if (\$5 <= 0) bad = 1 } END { exit bad }" "$tmp/p.csv"'

"$bin" ml cv --data "$data" --group formula --trees 20 >"$tmp/cv.txt"
check "cv prints 5 folds and a grouped summary" '[ "$(grep -c "^fold" "$tmp/cv.txt")" -eq 5 ] && grep -q "grouped by formula" "$tmp/cv.txt"'
# L0 through the CLI: the paper's 4D subset on this table, settings printed, unknown keys fatal
"$bin" ml train --algo l0 --data "$data" --out "$tmp/l0.json" >"$tmp/l0.txt"
check "l0: resolved settings printed first" '[ "$(head -1 "$tmp/l0.txt")" = "# resolved settings" ] && grep -q "^rung = 0" "$tmp/l0.txt"'
check "l0: 4D equation on 1/kBT, LNC, LLB, PF" 'grep -Eq "^lnD = .*\(1/kBT\).*LNC.*LLB.*PF" "$tmp/l0.txt"'
"$bin" ml predict --model "$tmp/l0.json" --data "$tmp/test.dat" >/dev/null
check "l0 model predicts a table with more columns than it uses" '[ $? -eq 0 ]'
# the settings file reaches the fit: max_dim = 2 leaves a 2D law
printf 'max_dim = 2\n' >"$tmp/l0.cfg"
"$bin" ml train --algo l0 --config "$tmp/l0.cfg" --data "$data" --out "$tmp/l02.json" >"$tmp/l02.txt"
check "l0 --config is used by the fit (2D law)" '[ "$(tail -2 "$tmp/l02.txt" | head -1)" = "lnD = -3.65926 - 0.329124 * (1/kBT) - 0.111117 * LNC" ]'
printf 'rung = 1\nsis_sise = 10\n' >"$tmp/bad.cfg"
"$bin" ml train --algo sisso --config "$tmp/bad.cfg" --data "$data" --out "$tmp/s.json" >/dev/null 2>"$tmp/err"; rc=$?
check "sisso: misspelled key is fatal (rc $rc)" '[ $rc -eq 2 ] && grep -q "bad.cfg:2: sis_sise: unknown setting" "$tmp/err"'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
