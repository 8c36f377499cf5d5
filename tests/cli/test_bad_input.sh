#!/usr/bin/env bash
# Bad input never crashes: truncated, binary, huge-number and malformed data files, formulas,
# models and options each give exit 2 (usage/input error) and exactly one line on stderr,
# "vitrum: error: ...", with no sanitizer report. Acceptance 5 of issue 3.
set -u
bin=${VT_BIN:?}
src=${VT_SOURCE:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0; n=0

want_rc=2        # input errors exit 2; I/O errors (a missing file) exit 1
expect_error() { # expect_error WHAT FRAGMENT CMD...
  local what=$1 frag=$2; shift 2
  n=$((n + 1))
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  local lines; lines=$(wc -l <"$tmp/err")
  if [ "$rc" -ne "$want_rc" ] || [ "$lines" -ne 1 ] || ! grep -q "^vitrum: error: " "$tmp/err" || ! grep -qF -- "$frag" "$tmp/err"; then
    echo "FAIL: $what: exit $rc, $lines stderr lines (want 2, 1 line containing '$frag'):"; head -5 "$tmp/err"; fail=$((fail + 1))
  fi
}

good="$src/fuzz/corpus/table/csv_ok"
# formulas
expect_error "unknown element" "position 3: unknown element 'Xx'" "$bin" features LiXx2
expect_error "empty formula" "empty formula" "$bin" features ""
expect_error "unbalanced" "missing ')'" "$bin" features "Li2(O"
expect_error "huge amount" "too large" "$bin" features "Li99999999999999999999O"
expect_error "binary formula" "position" "$bin" features $'\x01\x02'
expect_error "no Li" "has no Li" "$bin" features SiO2
# data files
head -c 300 "$src/data/feature_target.dat" >"$tmp/truncated.dat"
expect_error "table truncated in the header" "truncated.dat:1: GR5_M_with_: unknown column" "$bin" ml train --data "$tmp/truncated.dat" --out "$tmp/m.json"
head -c 1000 "$src/data/feature_target.dat" >"$tmp/truncated.dat"
expect_error "table truncated in a row" "truncated.dat:2: 40 fields, the header has 46" "$bin" ml train --data "$tmp/truncated.dat" --out "$tmp/m.json"
head -c 2000 "$bin" >"$tmp/binary.dat"
expect_error "binary table" "binary.dat" "$bin" ml train --data "$tmp/binary.dat" --out "$tmp/m.json"
printf 'formula,temperature,diff_coeff_mul_thousand\nLi2O,1000,1e999\n' >"$tmp/huge.csv"
expect_error "huge number" "huge.csv:2: diff_coeff_mul_thousand" "$bin" ml train --data "$tmp/huge.csv" --out "$tmp/m.json"
printf 'formula,temperature,diff_coeff_mul_thousand\nLi2O,1000,nan\n' >"$tmp/nan.csv"
expect_error "NaN target" "nan.csv:2: diff_coeff_mul_thousand" "$bin" ml train --data "$tmp/nan.csv" --out "$tmp/m.json"
printf 'formula,temperature,diff_coeff_mul_thousand\nLi2O,1000,-1\n' >"$tmp/neg.csv"
expect_error "negative target" "must be > 0" "$bin" ml train --data "$tmp/neg.csv" --out "$tmp/m.json"
printf 'formula,temperature,AAV,AAV\nLi2O,1000,1,1\n' >"$tmp/dup.csv"
expect_error "duplicate column" "dup.csv:1: AAV: duplicate column" "$bin" ml train --data "$tmp/dup.csv" --out "$tmp/m.json"
printf 'formula,temperature,AVV\nLi2O,1000,1\n' >"$tmp/unknown.csv"
expect_error "unknown column" "unknown.csv:1: AVV: unknown column" "$bin" ml train --data "$tmp/unknown.csv" --out "$tmp/m.json"
printf 'formula,temperature,diff_coeff_mul_thousand\nLi2O,1000\n' >"$tmp/ragged.csv"
expect_error "ragged row" "ragged.csv:2: 2 fields, the header has 3" "$bin" ml train --data "$tmp/ragged.csv" --out "$tmp/m.json"
printf 'formula,temperature,diff_coeff_mul_thousand\nLi2Qq,1000,1\n' >"$tmp/badformula.csv"
expect_error "bad formula in table" "badformula.csv:2: formula" "$bin" ml train --data "$tmp/badformula.csv" --out "$tmp/m.json"
want_rc=1 expect_error "missing file" "nope.csv: cannot open" "$bin" ml train --data "$tmp/nope.csv" --out "$tmp/m.json"
printf '0\n1\nx\n' >"$tmp/rows.txt"
expect_error "bad test rows" "rows.txt:3: row: expected a whole number 0..1" "$bin" ml train --data "$good" --out "$tmp/m.json" --test-rows "$tmp/rows.txt"
# models
printf '{"format": "vitrum-model", "format_version": 1, "algo": "rf"' >"$tmp/trunc.json"
expect_error "truncated model" "trunc.json: not valid JSON" "$bin" ml predict --model "$tmp/trunc.json" --data "$good"
expect_error "binary model" "binary.dat" "$bin" ml predict --model "$tmp/binary.dat" --data "$good"
printf '{"format": "vitrum-model", "format_version": 1, "algo": "rf", "target": "D_x1000", "inputs": [{"name": "temperature"}], "training": {"n_rows": 2, "seed": "1", "params": {}, "temperatures_K": [1000]}, "forest": {"n_trees": 1}}' >"$tmp/bad.json"
expect_error "malformed forest" "bad.json" "$bin" ml predict --model "$tmp/bad.json" --data "$good"
# options
expect_error "unknown option" "unknown option '--bogus'" "$bin" ml train --bogus --data "$good"
expect_error "unknown command" "unknown command" "$bin" frobnicate
expect_error "bad number" "--trees" "$bin" ml train --data "$good" --out "$tmp/m.json" --trees -5
expect_error "bad algo" "--algo" "$bin" ml train --data "$good" --out "$tmp/m.json" --algo svm
expect_error "bad temperature list" "--temp" "$bin" predict Li2O --temp 300,abc
expect_error "negative temperature" "--temp" "$bin" predict Li2O --temp -5
expect_error "missing required" "--data is required" "$bin" ml cv
[ ! -e "$tmp/m.json" ] || { echo "FAIL: a failed run left a model file"; fail=$((fail + 1)); }
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
