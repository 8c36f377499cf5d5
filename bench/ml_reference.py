#!/usr/bin/python3
"""ml_reference.py - the scikit-learn / xgboost side of bench/ml.sh (Debian's python3 only).

usage: ml_reference.py DATA TEST_ROWS FOLD_FILE_OUT
Prints 'key value' lines: RF test RMSE per seed, fit and predict seconds (n_jobs=1), XGB test
RMSE, and the GroupKFold(5)-by-formula RF RMSE; writes sklearn's fold of every row to
FOLD_FILE_OUT so that vitrum is scored on exactly the same folds."""
import sys
import time

import numpy as np
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import GroupKFold


def load(path):
    with open(path) as f:
        header = f.readline().split()
        rows = [line.split() for line in f if line.strip()]
    # header: "Unnamed: 0" is two tokens; data rows: id formula target temperature features...
    formula = np.array([r[1] for r in rows])
    y = np.array([float(r[2]) for r in rows])
    X = np.array([[float(v) for v in r[3:]] for r in rows])
    return formula, X, y, header


def main():
    data, test_rows_path, fold_out = sys.argv[1:4]
    formula, X, y, _ = load(data)
    test = np.array([int(l) for l in open(test_rows_path) if l.strip() and not l.startswith("#")])
    train = np.setdiff1d(np.arange(len(y)), test)
    for seed in (62, 1, 2, 3, 4):
        rf = RandomForestRegressor(n_estimators=100, random_state=seed, n_jobs=1)
        t0 = time.perf_counter()
        rf.fit(X[train], y[train])
        t1 = time.perf_counter()
        predict_s = float("inf")
        for _ in range(5):  # best of 5, as vitrum times it
            t2 = time.perf_counter()
            p = rf.predict(X[test])
            predict_s = min(predict_s, time.perf_counter() - t2)
        print(f"rf_rmse_seed{seed} {np.sqrt(np.mean((p - y[test]) ** 2)):.6f}")
        print(f"rf_fit_s_seed{seed} {t1 - t0:.6f}")
        print(f"rf_predict_s_seed{seed} {predict_s:.6f}")
    try:
        import xgboost as xgb
        m = xgb.XGBRegressor(tree_method="hist", n_estimators=100, max_depth=4, learning_rate=0.1,
                             reg_alpha=0.8, base_score=float(y[train].mean()), n_jobs=1)
        m.fit(X[train], y[train])
        p = m.predict(X[test])
        print(f"xgb_rmse {np.sqrt(np.mean((p - y[test]) ** 2)):.6f}")
    except ImportError:
        print("xgb_rmse nan")
    folds = np.zeros(len(y), dtype=int)
    rmses = []
    for k, (tr, te) in enumerate(GroupKFold(n_splits=5).split(X, y, formula)):
        folds[te] = k
        rf = RandomForestRegressor(n_estimators=100, random_state=62, n_jobs=1).fit(X[tr], y[tr])
        rmses.append(np.sqrt(np.mean((rf.predict(X[te]) - y[te]) ** 2)))
    print(f"group_rf_rmse {np.mean(rmses):.6f}")
    print(f"group_rf_rmse_sd {np.std(rmses):.6f}")
    with open(fold_out, "w") as f:
        f.write("# fold of each data row: sklearn GroupKFold(5) by formula\n")
        f.writelines(f"{k}\n" for k in folds)


if __name__ == "__main__":
    main()
