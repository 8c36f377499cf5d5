#!/usr/bin/python3
"""analysis_reference.py - the reference side of bench/analysis.sh.
  make-msd OUT SEED FRAMES ATOMS     raw Brownian trajectory (60% Li, 40% O framework), cubic 14 A
  make-rdf OUT SEED FRAMES ATOMS     raw trajectory of random Li/Si/O frames, cubic 11 A
  msd RAW DT                         numpy FFT MSD over every origin (pymatgen "max" window and
                                     weights), every species; prints seconds and D
  msd-lags RAW DT                    pymatgen's own lag-by-lag algorithm in numpy (msd_pymatgen.py)
  rdf RAW RMAX DR [FRAMES]           ASE get_rdf, every partial pair, first FRAMES frames
Raw format: see bench/analysis_driver.c. Timings exclude reading; one run each (they are slow)."""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def write_raw(path, lat, Z, pos):
    with open(path, "wb") as f:
        np.array([pos.shape[0], pos.shape[1]], dtype=np.int64).tofile(f)
        np.asarray(lat, dtype=np.float64).tofile(f)
        np.asarray(Z, dtype=np.int32).tofile(f)
        np.ascontiguousarray(pos, dtype=np.float64).tofile(f)


def read_raw(path):
    with open(path, "rb") as f:
        nf, na = np.fromfile(f, np.int64, 2)
        lat = np.fromfile(f, np.float64, 9).reshape(3, 3)
        Z = np.fromfile(f, np.int32, na)
        pos = np.fromfile(f, np.float64, nf * na * 3).reshape(nf, na, 3)
    return lat, Z, pos


def make_msd(path, seed, nf, na):
    rng = np.random.default_rng(seed)
    L = 14.0
    n_li = int(0.6 * na)
    x = rng.random((na, 3)) * L + np.cumsum(rng.normal(0, 0.14, (nf, na, 3)), axis=0)
    x[:, n_li:] = x[0, n_li:] + rng.normal(0, 0.1, (nf, na - n_li, 3))
    write_raw(path, np.eye(3) * L, [3] * n_li + [8] * (na - n_li), np.mod(x, L))


def make_rdf(path, seed, nf, na):
    rng = np.random.default_rng(seed)
    L = 11.0
    Z = [3] * (na * 2 // 5) + [14] * (na // 5) + [8] * (na - na * 2 // 5 - na // 5)
    write_raw(path, np.eye(3) * L, Z, rng.random((nf, na, 3)) * L)


def unwrap(lat, pos):
    frac = pos @ np.linalg.inv(lat)
    d = np.diff(frac, axis=0)
    d -= np.round(d)
    return np.concatenate([np.zeros_like(frac[:1]), np.cumsum(d, axis=0)]) @ lat


def fft_msd(x):
    """x: (atoms, frames, 3) -> MSD(k) averaged over atoms and all N - k origins."""
    n = x.shape[1]
    f = np.fft.rfft(x, n=2 * n, axis=1)
    s2 = np.fft.irfft(np.abs(f) ** 2, axis=1)[:, :n].sum(axis=(0, 2))
    sq = (x ** 2).sum(axis=(0, 2))
    p = np.concatenate([[0.0], np.cumsum(sq)])
    k = np.arange(n)
    s1 = (p[n] - p[k]) + p[n - k]
    return (s1 - 2 * s2) / (n - k) / x.shape[0]


def msd_fft(raw, dt):
    lat, Z, pos = read_raw(raw)
    t0 = time.perf_counter()
    disp = unwrap(lat, pos).transpose(1, 0, 2)
    out = []
    for z in dict.fromkeys(Z.tolist()):
        ions, frame = Z == z, Z != z
        dc = disp - disp[frame].mean(axis=0)[None]
        msd = fft_msd(dc[ions])
        n = pos.shape[0]
        lo, hi = int(1000 / dt), min(int(ions.sum()) * n // 30, n)
        lags = np.arange(lo, hi, max(int((hi - lo) / 200), 1))
        t, w = lags * dt, 1 / (lags * dt)
        a = np.stack([t, np.ones_like(t)], axis=1) * np.sqrt(w)[:, None]
        m = np.linalg.lstsq(a, msd[lags] * np.sqrt(w), rcond=None)[0][0]
        out.append((z, m / 60))
    print(f"seconds {time.perf_counter() - t0:.6f}")
    for z, d in out:
        print(f"D {z} {d:.12e}")


def msd_lags(raw, dt):
    import msd_pymatgen
    lat, Z, pos = read_raw(raw)
    sym = ["Li" if z == 3 else "O" for z in Z]
    t0 = time.perf_counter()
    frac = pos @ np.linalg.inv(lat)
    disp = msd_pymatgen.displacements(frac, np.repeat(lat[None], len(pos), axis=0))
    res = [msd_pymatgen.analyze(disp, sym, np.ones(len(Z)), s, dt, "max") for s in dict.fromkeys(sym)]
    print(f"seconds {time.perf_counter() - t0:.6f}")
    for r in res:
        print(f"D {r['species']} {r['D']:.12e}")


def rdf(raw, rmax, dr, frames):
    import ase
    from ase.ga.utilities import get_rdf
    lat, Z, pos = read_raw(raw)
    pos = pos[:frames]
    species = list(dict.fromkeys(Z.tolist()))
    pairs = [(a, b) for i, a in enumerate(species) for b in species[i:]]
    atoms = [ase.Atoms(numbers=Z, positions=p, cell=lat, pbc=True) for p in pos]
    nbins = int(round(rmax / dr))
    t0 = time.perf_counter()
    total = 0.0
    for a, b in pairs:
        g = np.mean([get_rdf(at, rmax, nbins, elements=[a, b], no_dists=True) for at in atoms], axis=0)
        total += g.sum() * len(Z) / np.sum(Z == b)
    print(f"seconds {time.perf_counter() - t0:.6f}")
    print(f"frames {len(pos)}")
    print(f"checksum {total:.10e}")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "make-msd":
        make_msd(args[0], int(args[1]), int(args[2]), int(args[3]))
    elif cmd == "make-rdf":
        make_rdf(args[0], int(args[1]), int(args[2]), int(args[3]))
    elif cmd == "msd":
        msd_fft(args[0], float(args[1]))
    elif cmd == "msd-lags":
        msd_lags(args[0], float(args[1]))
    elif cmd == "rdf":
        rdf(args[0], float(args[1]), float(args[2]), int(args[3]) if len(args) > 3 else 10 ** 9)
