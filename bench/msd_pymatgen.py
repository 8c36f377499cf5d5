#!/usr/bin/python3
"""msd_pymatgen.py - an independent numpy re-implementation of pymatgen-analysis-diffusion's
DiffusionAnalyzer (from_structures + smoothed "max" / "constant" / False + get_diffusivity_from_msd),
lag by lag as pymatgen computes it (no FFT), for comparison with vitrum's FFT MSD.
Written from reading the algorithm (pymatgen.analysis.diffusion is not packaged in Debian):
  - displacements: fractional steps reduced by numpy.round, cumulated, times each frame's lattice;
  - drift: mean displacement of the atoms of other species (vitrum's extension when there are none:
    the mass-weighted centre of mass of all atoms);
  - "max": lags from int(1000 / dt) to min(n_ions N // min_obs, N), stride max(int(span / 200), 1),
    every origin; weights 1/t in the least squares; "constant": the first avg_nsteps origins;
    False: origin 0 only;
  - D = slope / 60 (A^2/fs -> cm^2/s, 3 dimensions), per direction slope / 20;
    sigma = sqrt(n SSR / ((n Sxx - Sx^2)(n - 2))) / 60 with unweighted Sx, Sxx.
Usage: msd_pymatgen.py TRAJ.xyz DT_FS MODE [SPECIES...]   -> JSON on stdout
       msd_pymatgen.py --make OUT.xyz SEED N_FRAMES N_LI N_O [--li-only]
"""
import json
import sys

import numpy as np


def displacements(frac, lattices):
    """frac: (frames, atoms, 3); lattices: (frames, 3, 3) rows. -> (atoms, frames, 3) Cartesian."""
    p = np.concatenate([frac[:1], frac], axis=0).transpose(1, 0, 2)  # initial frame repeated first
    dp = p[:, 1:] - p[:, :-1]
    dp = dp - np.round(dp)
    f_disp = np.cumsum(dp, axis=1)
    return np.einsum("atk,tkl->atl", f_disp, lattices)


def fit(msd, dt, weighted):
    a = np.ones((len(dt), 2))
    a[:, 0] = dt
    if weighted:
        w = (1.0 / dt) ** 0.5
        (m, c), res, _, _ = np.linalg.lstsq(a * w[:, None], msd * w, rcond=None)
    else:
        (m, c), res, _, _ = np.linalg.lstsq(a, msd, rcond=None)
    n = len(dt)
    denom = (n * np.sum((dt / 1000) ** 2) - np.sum(dt / 1000) ** 2) * (n - 2)
    return m, c, np.sqrt(n * res[0] / denom) / 1000


def analyze(disp, symbols, masses, species, dt_fs, mode, min_obs=30, avg_nsteps=1000):
    ions = [i for i, s in enumerate(symbols) if s == species]
    frame = [i for i, s in enumerate(symbols) if s != species]
    if frame:
        drift = np.average(disp[frame], axis=0)[None]
    else:  # vitrum's definition where pymatgen has no framework
        drift = (np.sum(disp * masses[:, None, None], axis=0) / masses.sum())[None]
    dc = disp - drift
    nsteps = dc.shape[1]
    if mode == "none":
        lags = np.arange(0, nsteps)
    elif mode == "constant":
        lags = np.arange(0, nsteps - avg_nsteps)
    else:
        lo = int(1000 / dt_fs)
        hi = min(len(ions) * nsteps // min_obs, nsteps)
        lags = np.arange(lo, hi, max(int((hi - lo) / 200), 1))
    t = lags * dt_fs
    msd = np.zeros(len(lags))
    comp = np.zeros((len(lags), 3))
    for i, n in enumerate(lags):
        if mode == "none":
            dx = dc[:, i:i + 1, :]
        elif mode == "constant":
            dx = dc[:, i:i + avg_nsteps, :] - dc[:, 0:avg_nsteps, :]
        else:
            dx = dc[:, n:, :] - dc[:, :-n, :]
        per_ion = np.average(np.sum(dx ** 2, axis=2), axis=1)
        msd[i] = np.average(per_ion[ions])
        comp[i] = np.average(dx[ions] ** 2, axis=(0, 1))
    weighted = mode == "max"
    m, c, s = fit(msd, t, weighted)
    out = {"species": species, "lags": lags.tolist(), "msd": msd.tolist(), "msd_xyz": comp.tolist(),
           "D": m / 60, "sigma_pmg": s / 60, "intercept": c, "D_xyz": [], "sigma_xyz_pmg": []}
    for d in range(3):
        md, _, sd = fit(comp[:, d], t, weighted)
        out["D_xyz"].append(md / 20)
        out["sigma_xyz_pmg"].append(sd / 20)
    return out


def make(path, seed, n_frames, n_li, n_o, li_only):
    """A wrapped random walk in a triclinic cell: Li diffusing, O vibrating, all drifting."""
    import ase
    import ase.io
    rng = np.random.default_rng(seed)
    cell = np.array([[11.0, 0.0, 0.0], [2.0, 10.5, 0.0], [-1.5, 1.0, 12.0]])
    n = n_li + (0 if li_only else n_o)
    start = rng.random((n, 3)) @ cell
    steps = rng.normal(0.0, 0.25, (n_frames, n, 3))
    steps[0] = 0
    walk = start + np.cumsum(steps, axis=0)
    if not li_only:  # O: vibrations about fixed sites
        walk[:, n_li:] = start[n_li:] + rng.normal(0.0, 0.1, (n_frames, n_o, 3))
    walk += np.cumsum(rng.normal(0.0, 0.05, (n_frames, 1, 3)), axis=0)  # common drift
    symbols = ["Li"] * n_li + ([] if li_only else ["O"] * n_o)
    frames = []
    for f in range(n_frames):
        a = ase.Atoms(symbols, positions=walk[f], cell=cell, pbc=True)
        a.wrap()
        frames.append(a)
    ase.io.write(path, frames, format="extxyz")


def main():
    if sys.argv[1] == "--make":
        make(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]),
             "--li-only" in sys.argv)
        return
    import ase.io
    frames = ase.io.read(sys.argv[1], ":")
    dt, mode = float(sys.argv[2]), sys.argv[3]
    frac = np.array([f.get_scaled_positions(wrap=False) for f in frames])
    lat = np.array([f.cell.array for f in frames])
    disp = displacements(frac, lat)
    symbols = frames[0].get_chemical_symbols()
    masses = frames[0].get_masses()
    species = sys.argv[4:] or sorted(set(symbols), key=symbols.index)
    print(json.dumps([analyze(disp, symbols, masses, s, dt, mode) for s in species]))


if __name__ == "__main__":
    main()
