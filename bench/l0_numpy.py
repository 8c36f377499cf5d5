#!/usr/bin/python3
"""l0_numpy.py - the oracle for vitrum's exhaustive L0 search (src/ml/l0.c): best k-feature linear
least-squares models (with intercept) by training RMSE, written independently with numpy only.

usage: l0_numpy.py DATA [--max-dim K] [--top N] [--pool] [--time-dim K] [--eps E]
  DATA: the paper's feature_target.dat (target lnD = ln(D x 1000 / 1000), D in cm^2/s; inputs
        1/(kB T) in 1/eV, named inv_kBT, and the 42 feature columns), or with --pool a CSV whose
        first column is the target and whose other columns are the candidate features.
Prints, per dimension k = 1..K, the N best models:
  model dim=k rank=r rmse=R maxae=M features=a|b|c
with --time-dim K also one line
  rate dim=K n_feat=P subsets=S seconds=T models_per_s=X
(the k-subset pass only; numpy's solve is one thread: run with OPENBLAS_NUM_THREADS=1).

Method (deliberately unlike vitrum's, which updates Cholesky factors along a depth-first walk):
standardise the columns, form the correlation matrix C and c = corr(x, y) once; for each batch of
k-subsets gather the k x k blocks and solve them with np.linalg.solve (LU); SSE/SST = 1 - b.c.
A subset is singular, and skipped, when a pivot of its Cholesky factor in subset order, obtained
here as a ratio of leading principal minors (np.linalg.det), is below eps (1e-10, as vitrum): e.g.
ENS and avg_X_wiout_Li are equal to 1e-11. The reported models are refitted with np.linalg.lstsq
on the rows, so their RMSE and MaxAE do not depend on the screening arithmetic."""
import argparse
import itertools
import math
import sys
import time

import numpy as np

KB_EV_PER_K = 8.617333262145e-5  # Boltzmann constant, eV/K
BATCH = 1 << 18                   # subsets per numpy batch (bounds memory: ~ BATCH * k^2 * 8 B)


def load_paper(path):
    with open(path) as f:
        header = f.readline().replace('"Unnamed: 0"', "id").split()
        rows = [line.split() for line in f if line.strip()]
    names = ["inv_kBT"] + header[4:]
    y = np.log(np.array([float(r[2]) for r in rows]) / 1000.0)
    X = np.array([[float(v) for v in r[3:]] for r in rows])
    X[:, 0] = 1.0 / (KB_EV_PER_K * X[:, 0])
    return names, X, y


def load_pool(path):
    with open(path) as f:
        names = f.readline().strip().split(",")[1:]
    a = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return names, a[:, 1:], a[:, 0]


def subsets(p, k):
    """All k-subsets of range(p) in lexicographic order, in batches of index arrays."""
    it = itertools.combinations(range(p), k)
    while True:
        chunk = np.array(list(itertools.islice(it, BATCH)), dtype=np.intp).reshape(-1, k)
        if len(chunk) == 0:
            return
        yield chunk


def screen(C, c, k, eps, top):
    """The `top` lowest SSE/SST of all k-subsets (ties: first subset in lexicographic order)."""
    best = []  # (sse, subset) candidates, kept short
    for idx in subsets(C.shape[0], k):
        G = C[idx[:, :, None], idx[:, None, :]]
        ok = np.ones(len(idx), bool)
        prev = np.ones(len(idx))
        for m in range(1, k + 1):
            minor = np.linalg.det(G[:, :m, :m])
            ok &= minor > eps * prev
            prev = np.where(minor > 0, minor, 1.0)
        G[~ok] = np.eye(k)
        b = np.linalg.solve(G, c[idx][:, :, None])[:, :, 0]
        sse = 1.0 - np.sum(b * c[idx], axis=1)
        sse[~ok] = np.inf
        order = np.argsort(sse, kind="stable")[:top]
        best += [(sse[i], tuple(idx[i])) for i in order if np.isfinite(sse[i])]
        best = sorted(best)[:top]
    return best


def refit(X, y, subset):
    A = np.column_stack([np.ones(len(y))] + [X[:, j] for j in subset])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    r = y - A @ coef
    return math.sqrt(np.mean(r * r)), float(np.max(np.abs(r)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--max-dim", type=int, default=4)
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--pool", action="store_true")
    ap.add_argument("--time-dim", type=int, default=0)
    ap.add_argument("--eps", type=float, default=1e-10)
    a = ap.parse_args()
    names, X, y = load_pool(a.data) if a.pool else load_paper(a.data)
    keep = np.std(X, axis=0) > 0
    Z = (X - X.mean(0)) / np.where(keep, np.sqrt(np.sum((X - X.mean(0)) ** 2, 0)), 1.0)
    yc = (y - y.mean()) / math.sqrt(np.sum((y - y.mean()) ** 2))
    C, c = Z.T @ Z, Z.T @ yc
    for j in np.flatnonzero(~keep):  # a constant column is singular with the intercept
        C[j, :] = C[:, j] = 0.0
    for k in range(1, a.max_dim + 1):
        for rank, (_, s) in enumerate(screen(C, c, k, a.eps, a.top), 1):
            rmse, maxae = refit(X, y, s)
            print("model dim=%d rank=%d rmse=%.10f maxae=%.10f features=%s"
                  % (k, rank, rmse, maxae, "|".join(names[j] for j in s)))
        sys.stdout.flush()
    if a.time_dim:
        t0 = time.perf_counter()
        screen(C, c, a.time_dim, a.eps, a.top)
        dt = time.perf_counter() - t0
        n = math.comb(X.shape[1], a.time_dim)
        print("rate dim=%d n_feat=%d subsets=%d seconds=%.4f models_per_s=%.4g"
              % (a.time_dim, X.shape[1], n, dt, n / dt))


if __name__ == "__main__":
    main()
