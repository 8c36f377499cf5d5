#!/usr/bin/env bash
# bench/ml.sh - vitrum against Debian's scikit-learn and xgboost on the paper's table, in one run.
# Prints accuracy side by side (paper split, GroupKFold by formula on sklearn's own folds) and the
# RF fit / predict time ratios (both single-threaded, timed inside each process, so interpreter
# start-up does not count). Usage: bench/ml.sh [BUILD_DIR]   (default: build)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/build}/vitrum
shared=${VT_SHARED:-$top/../shared}
data=$shared/paper/feature_target.dat
rows=$shared/paper/dev_split_test_rows.txt
[ -f "$data" ] || { echo "skipped: $data not found"; exit 0; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

/usr/bin/python3 "$top/bench/ml_reference.py" "$data" "$rows" "$tmp/folds.txt" >"$tmp/ref.txt"
ref() { awk -v k="$1" '$1 == k { print $2 }' "$tmp/ref.txt"; }

# vitrum: paper RF over 5 seeds (sklearn: 62 and 1..4), timing lines from vitrum itself
: >"$tmp/rf.txt"
for seed in 62 1 2 3 4; do
  "$bin" ml train --algo rf --data "$data" --test-rows "$rows" --seed "$seed" --threads 1 --out "$tmp/rf.json" >>"$tmp/rf.txt"
done
vt_rf_rmse=$(awk '/^test/ { s += $5; n++ } END { printf "%.4f", s / n }' "$tmp/rf.txt")
vt_rf_fit=$(awk '/^timing/ { gsub(",", "", $3); s += $3; n++ } END { printf "%.4f", s / n }' "$tmp/rf.txt")
vt_rf_pred=$(awk '/^timing/ { s += $6; n++ } END { printf "%.6f", s / n }' "$tmp/rf.txt")
sk_rf_rmse=$(for s in 62 1 2 3 4; do ref "rf_rmse_seed$s"; done | awk '{ s += $1 } END { printf "%.4f", s / NR }')
sk_rf_fit=$(for s in 62 1 2 3 4; do ref "rf_fit_s_seed$s"; done | awk '{ s += $1 } END { printf "%.4f", s / NR }')
sk_rf_pred=$(for s in 62 1 2 3 4; do ref "rf_predict_s_seed$s"; done | awk '{ s += $1 } END { printf "%.6f", s / NR }')
vt_xgb=$("$bin" ml train --algo xgb --data "$data" --test-rows "$rows" --threads 1 --bootstrap-models 0 --out "$tmp/x.json" | awk '/^test/ { print $5 }')

cv() { "$bin" ml cv --data "$data" --folds 5 --fold-file "$tmp/folds.txt" "$@" | awk '/^cv/ { print $4, $6 }'; }
vt_group_rf=$(cv --algo rf --seed 62)
vt_group_struct=$(cv --seed 62)
vt_group_comp=$(cv --seed 62 --features composition)
sk_group=$(ref group_rf_rmse)

printf '\n== paper split (%s test rows), test RMSE of D x 1000\n' "$(grep -vc '^#' "$rows")"
printf '%-44s %10s %10s %8s\n' "" vitrum reference ratio
printf '%-44s %10s %10s %8.3f   (goal <= 1.03)\n' "random forest, mean of 5 seeds" "$vt_rf_rmse" "$sk_rf_rmse" "$(echo "$vt_rf_rmse / $sk_rf_rmse" | bc -l)"
printf '%-44s %10s %10s %8.3f   (goal within 3%%)\n' "XGBoost, paper settings" "$vt_xgb" "$(ref xgb_rmse)" "$(echo "$vt_xgb / $(ref xgb_rmse)" | bc -l)"
printf '\n== GroupKFold(5) by formula, sklearn'"'"'s folds: mean fold RMSE of D x 1000 (+- sd over folds)\n'
printf '%-44s %s   (reference)\n' "scikit-learn RF, paper settings" "$sk_group +- $(ref group_rf_rmse_sd)"
printf '%-44s %s\n' "vitrum RF, paper settings" "${vt_group_rf/ / +- }"
printf '%-44s %s   ratio %.3f (goal <= 0.85)\n' "vitrum default, structure-aware (et)" "${vt_group_struct/ / +- }" "$(echo "${vt_group_struct%% *} / $sk_group" | bc -l)"
printf '%-44s %s   ratio %.3f (goal <= 1.00)\n' "vitrum predict model, formula only (et)" "${vt_group_comp/ / +- }" "$(echo "${vt_group_comp%% *} / $sk_group" | bc -l)"
printf '\n== random forest speed, 100 trees, 1 thread, mean of 5 fits (seconds)\n'
printf '%-44s %10s %10s %8s\n' "" vitrum sklearn speedup
printf '%-44s %10s %10s %8.1fx  (goal >= 2x)\n' "fit, 541 rows x 43 inputs" "$vt_rf_fit" "$sk_rf_fit" "$(echo "$sk_rf_fit / $vt_rf_fit" | bc -l)"
printf '%-44s %10s %10s %8.1fx  (goal >= 10x)\n' "predict, 96 rows (best of 5 calls)" "$vt_rf_pred" "$sk_rf_pred" "$(echo "$sk_rf_pred / $vt_rf_pred" | bc -l)"
