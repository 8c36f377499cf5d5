#!/usr/bin/env bash
# sisso_cv.sh - acceptance 3 of issue 4: SISSO with operators (4D descriptor, target lnD =
# ln(D / (cm^2/s)), primaries 1/(kB T) + the 42 features of ../shared/paper/feature_target.dat)
# against the best 4D L0 model over the same primaries (no operators: the paper's SISSO as it ran):
#   training RMSE on all rows, and the RMSE of 5-fold GroupKFold by formula
#   (vt_folds_assign(d, 5, 1, seed 1, ...)), the whole search (feature space, SIS, L0) rerun on
#   the training part of every fold, so no test row leaks into the features chosen.
# SISSO runs with vitrum's default settings (rung 2, all operators, sis_size 100; printed below)
# plus any key=value given; L0 is the same search with rung = 0.
# usage: bench/sisso_cv.sh [BUILD_DIR] [key=value ...]   (BUILD_DIR default: build)
# Runtime: about 6 fits of rung 2 (the full data and 5 folds), ~1 min CPU each on 2 cores.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$here/../build
if [ $# -gt 0 ] && [[ "$1" != *=* ]]; then build=$1; shift; fi
driver=$build/tests/sisso_driver
data=${VT_SHARED:-$here/../../shared}/paper/feature_target.dat
[ -x "$driver" ] || { echo "sisso_cv.sh: $driver not found (cmake --build $build)"; exit 1; }
[ -f "$data" ] || { echo "sisso_cv.sh: $data not found"; exit 1; }
t0=$(date +%s)

value() { sed -n "s/^$1 //p" | head -n 1; }

l0_fit=$("$driver" fit - "$data" rung=0 progress=0)
l0_cv=$("$driver" cv - "$data" 5 1 rung=0 progress=0)
sisso_fit=$("$driver" fit - "$data" "$@")
sisso_cv=$("$driver" cv - "$data" 5 1 "$@")

echo "== SISSO settings (defaults plus: ${*:-nothing})"
grep -E '^[a-z_]+ = ' <<< "$sisso_fit"
echo
echo "== L0, 4D over the 43 primaries (no operators)"
grep '^dim 4 ' <<< "$l0_fit"
echo "== SISSO, per dimension (training on all $(($(wc -l < "$data") - 1)) rows)"
grep '^dim ' <<< "$sisso_fit"
grep -E '^(features_screened|fit_seconds)' <<< "$sisso_fit"
echo "== 5-fold GroupKFold by formula (seed 1), RMSE of lnD per fold"
paste <(grep '^fold' <<< "$l0_cv" | sed 's/^/L0 /') <(grep '^fold' <<< "$sisso_cv" | sed 's/^/SISSO /')
grep cv_seconds <<< "$sisso_cv" | sed 's/^/SISSO /'

l0_train=$(grep '^dim 4 ' <<< "$l0_fit" | awk '{print $4}')
s_train=$(grep '^dim 4 ' <<< "$sisso_fit" | awk '{print $4}')
l0_cvr=$(value cv_rmse <<< "$l0_cv")
s_cvr=$(value cv_rmse <<< "$sisso_cv")
echo
printf "%-22s %12s %12s\n" "lnD RMSE, 4D" "train" "GroupKFold"
printf "%-22s %12s %12s\n" "L0 (no operators)" "$l0_train" "$l0_cvr"
printf "%-22s %12s %12s\n" "SISSO" "$s_train" "$s_cvr"
echo "total time $(($(date +%s) - t0)) s"
awk -v a="$s_train" -v b="$l0_train" -v c="$s_cvr" -v d="$l0_cvr" \
    'BEGIN { ok = a < b && c < d; print (ok ? "PASS" : "FAIL") ": SISSO below L0 in training and in GroupKFold"; exit !ok }'
