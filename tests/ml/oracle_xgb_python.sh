#!/bin/bash
# oracle_xgb_python.sh - vitrum's XGBoost (tests/ml/xgb_driver) against Debian's python3-xgboost
# 1.7.4 on the paper's dev split: same inputs, python's
#   XGBRegressor(tree_method='hist', n_estimators=100, max_depth=4, learning_rate=0.1,
#                reg_alpha=0.8, base_score=ytrain.mean())
# Test RMSEs must agree within 3%, and in fact to 1e-6 (same libxgboost; predictions come out
# bit-identical), both ~0.1274 as in shared/paper/README.md.
# Usage: oracle_xgb_python.sh path/to/xgb_driver (CTest passes it).
# Skips (exit 77) without shared/paper or without xgboost in /usr/bin/python3 (Debian's, not the
# first python3 on PATH).
set -euo pipefail
driver=${1:?usage: oracle_xgb_python.sh path/to/xgb_driver}
data="${VT_SHARED:-../shared}/paper/feature_target.dat"
split="${VT_SHARED:-../shared}/paper/dev_split_test_rows.txt"
if [[ ! -f $data || ! -f $split ]]; then echo "skipped: $data or $split not found"; exit 77; fi
if ! /usr/bin/python3 -c 'import xgboost, numpy' 2>/dev/null; then
    echo "skipped: /usr/bin/python3 cannot import xgboost"; exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Columns: 1 id, 2 formula, 3 target (D x 1000), 4..46 temperature and the 42 features; the header's
# first name "Unnamed: 0" holds a space, so data rows have 46 fields. Output: target, then inputs,
# as written in the file (awk prints untouched fields verbatim). Row numbers are 0-based data rows.
awk -v train="$tmp/train.txt" -v test="$tmp/test.txt" '
    FNR == NR { if ($0 !~ /^#/ && NF) is_test[$1 + 0] = 1; next }
    FNR == 1 { next }
    NF != 46 { printf "%s:%d: %d fields, want 46\n", FILENAME, FNR, NF > "/dev/stderr"; exit 1 }
    {
        line = $3; for (i = 4; i <= NF; i++) line = line " " $i
        print line > ((FNR - 2) in is_test ? test : train)
    }' "$split" "$data"

"$driver" "$tmp/train.txt" "$tmp/test.txt" "$tmp/pred_vitrum.txt"

/usr/bin/python3 - "$tmp" <<'EOF'
import sys
import numpy as np
import xgboost as xgb

tmp = sys.argv[1]
train, test = np.loadtxt(f"{tmp}/train.txt"), np.loadtxt(f"{tmp}/test.txt")
Xtr, ytr, Xte, yte = train[:, 1:], train[:, 0], test[:, 1:], test[:, 0]
model = xgb.XGBRegressor(tree_method="hist", n_estimators=100, max_depth=4, learning_rate=0.1,
                         reg_alpha=0.8, base_score=ytr.mean(), n_jobs=1)
model.fit(Xtr, ytr)
py = model.predict(Xte).astype(np.float64)
vt = np.loadtxt(f"{tmp}/pred_vitrum.txt")
rmse_py = float(np.sqrt(np.mean((py - yte) ** 2)))
rmse_vt = float(np.sqrt(np.mean((vt - yte) ** 2)))
print(f"xgboost {xgb.__version__}: {len(ytr)} train rows, {len(yte)} test rows, "
      f"{Xtr.shape[1]} inputs")
print(f"test RMSE  python {rmse_py:.6f}  vitrum {rmse_vt:.6f}  (README: 0.1274)")
print(f"predictions: max |vitrum - python| = {np.max(np.abs(vt - py)):.3g}, "
      f"{np.count_nonzero(vt == py)} of {len(py)} identical")
ok = True
if Xtr.shape[1] != 43 or len(yte) != 96:
    print("FAIL: expected 43 inputs and 96 test rows"); ok = False
# The README's reference guards the split and columns: a wrong one would change both sides.
if abs(rmse_py - 0.1274) > 0.0005:
    print("FAIL: python's RMSE is not the README's 0.1274"); ok = False
if abs(rmse_vt - rmse_py) > 0.03 * rmse_py:
    print("FAIL: vitrum's RMSE is more than 3% from python's"); ok = False
# Both sides run the same Debian libxgboost.so (python's xgboost/lib links to it), so anything but
# equality means vitrum hands libxgboost other data or other parameters (base_score, float32).
elif abs(rmse_vt - rmse_py) > 1e-6:
    print("FAIL: vitrum's RMSE differs from python's by more than 1e-6"); ok = False
sys.exit(0 if ok else 1)
EOF
