#!/usr/bin/env bash
# test_forest_sklearn.sh - oracle: vitrum's random forest / extra-trees (src/ml/forest.c, run
# through tests/ml/forest_driver.c) against Debian's scikit-learn (/usr/bin/python3; the python3
# first on PATH may be another one without it).
#  1. Friedman #1 (sklearn make_friedman1, 10 features, noise 1, random_state 0; 400 train + 200
#     test rows): test RMSE, mean over seeds 1..5, within 3% of scikit-learn's mean over
#     random_state 1..5, for RandomForestRegressor(n_estimators=100) with default settings, with
#     max_features=0.33, min_samples_leaf=5 and max_depth=6, and ExtraTreesRegressor (extra-trees,
#     no bootstrap). The tolerance is the seed-to-seed scatter of a 5-seed mean (about 1%) with room.
#  2. The paper's data ($VT_SHARED/paper/feature_target.dat, when present): 43 inputs (columns 4..),
#     target column 3, test rows from dev_split_test_rows.txt; 100 trees. vitrum's mean test RMSE
#     over seeds 1..5 must be at most 1.03 x scikit-learn's with random_state=62 (the paper's RF;
#     0.136 in shared/paper/README.md). Fit times (one thread each) are printed, not checked.
# Exit 77 ("skipped") when /usr/bin/python3 lacks scikit-learn.
set -euo pipefail

PY=/usr/bin/python3
if ! "$PY" -c 'import sklearn, numpy' 2>/dev/null; then
    echo "skipped: /usr/bin/python3 has no scikit-learn"
    exit 77
fi
: "${VT_FOREST_DRIVER:?set VT_FOREST_DRIVER to the forest_driver executable (ctest does)}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

VT_TMP="$tmp" VT_SHARED="${VT_SHARED:-../shared}" "$PY" - <<'EOF'
import os, subprocess, sys, time
import numpy as np
import sklearn
from sklearn.datasets import make_friedman1
from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor

tmp, driver, shared = os.environ["VT_TMP"], os.environ["VT_FOREST_DRIVER"], os.environ["VT_SHARED"]
SEEDS = range(1, 6)
failures = 0

def write_csv(path, X, y):
    header = ",".join(["y"] + ["x%d" % j for j in range(X.shape[1])])
    np.savetxt(path, np.column_stack([y, X]), delimiter=",", fmt="%.17g", header=header, comments="")

def rmse(a, b):
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))

def vitrum(train, test, seed, opts):
    out = subprocess.run([driver, train, test, "seed=%d" % seed, "threads=1"] + opts,
                         check=True, capture_output=True, text=True).stdout
    vals = dict(line.split() for line in out.splitlines())
    return float(vals["rmse"]), float(vals["fit_s"])

def sklearn_fit(cls, kw, seed, Xtr, ytr, Xte, yte):
    m = cls(n_estimators=100, random_state=seed, n_jobs=1, **kw)
    t0 = time.perf_counter()
    m.fit(Xtr, ytr)
    return rmse(m.predict(Xte), yte), time.perf_counter() - t0

print("scikit-learn %s, numpy %s" % (sklearn.__version__, np.__version__))
X, y = make_friedman1(n_samples=600, n_features=10, noise=1.0, random_state=0)
train, test = os.path.join(tmp, "f1_train.csv"), os.path.join(tmp, "f1_test.csv")
write_csv(train, X[:400], y[:400])
write_csv(test, X[400:], y[400:])
cases = [  # name, sklearn estimator and arguments, forest_driver options
    ("RF", RandomForestRegressor, {}, []),
    ("RF max_features=0.33", RandomForestRegressor, {"max_features": 0.33}, ["max_features=0.33"]),
    ("RF min_samples_leaf=5", RandomForestRegressor, {"min_samples_leaf": 5}, ["min_samples_leaf=5"]),
    ("RF max_depth=6", RandomForestRegressor, {"max_depth": 6}, ["max_depth=6"]),
    ("ET", ExtraTreesRegressor, {}, ["extra=1", "bootstrap=0"]),
]
for name, cls, kw, opts in cases:
    sk = np.mean([sklearn_fit(cls, kw, s, X[:400], y[:400], X[400:], y[400:])[0] for s in SEEDS])
    vt = np.mean([vitrum(train, test, s, opts)[0] for s in SEEDS])
    ok = abs(vt / sk - 1) <= 0.03
    failures += not ok
    print("Friedman #1 %-22s test RMSE vitrum %.4f  sklearn %.4f  ratio %.3f  %s"
          % (name, vt, sk, vt / sk, "ok" if ok else "FAIL (tolerance 3%)"))

dat = os.path.join(shared, "paper", "feature_target.dat")
if not os.path.exists(dat):
    print("paper data: skipped (%s not found)" % dat)
else:
    rows = [line.split(" ") for line in open(dat).read().splitlines()[1:] if line.strip()]
    Xp = np.array([[float(v) for v in r[3:]] for r in rows])
    yp = np.array([float(r[2]) for r in rows])
    split = os.path.join(shared, "paper", "dev_split_test_rows.txt")
    is_test = np.zeros(len(yp), bool)
    is_test[[int(l) for l in open(split) if l.strip() and not l.startswith("#")]] = True
    assert Xp.shape[1] == 43, Xp.shape
    ptrain, ptest = os.path.join(tmp, "paper_train.csv"), os.path.join(tmp, "paper_test.csv")
    write_csv(ptrain, Xp[~is_test], yp[~is_test])
    write_csv(ptest, Xp[is_test], yp[is_test])
    sk, sk_s = sklearn_fit(RandomForestRegressor, {}, 62, Xp[~is_test], yp[~is_test],
                           Xp[is_test], yp[is_test])
    sk_seeds = [sklearn_fit(RandomForestRegressor, {}, s, Xp[~is_test], yp[~is_test],
                            Xp[is_test], yp[is_test]) for s in SEEDS]
    runs = [vitrum(ptrain, ptest, s, []) for s in SEEDS]
    vt, vt_s = np.mean([r[0] for r in runs]), min(r[1] for r in runs)
    ok = vt <= 1.03 * sk
    failures += not ok
    print("paper RF (%d train, %d test rows, 43 inputs): test RMSE vitrum %.4f (mean of seeds 1..5)"
          "  sklearn %.4f (random_state=62), %.4f (mean of random_state 1..5)  %s"
          % ((~is_test).sum(), is_test.sum(), vt, sk, np.mean([r[0] for r in sk_seeds]),
             "ok" if ok else "FAIL (limit 1.03 x sklearn)"))
    print("paper RF fit, 100 trees, 1 thread (fastest of 5 fits each): vitrum %.3f s  sklearn %.3f s"
          % (vt_s, min([sk_s] + [r[1] for r in sk_seeds])))
sys.exit(1 if failures else 0)
EOF
