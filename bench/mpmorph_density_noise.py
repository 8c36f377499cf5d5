#!/usr/bin/python3
"""How far the paper's M3GNet densities can scatter: the volume search of its M3GNet flow replayed
on our pressures.

The paper's M3GNet runs (its ref. to github.com/Tinaatucsd/mpmorph, branch
chgnet_fm_refactor-pv-extract, src/mpmorph/jobs/pv_from_calc.py and equilibrate_volume.py) find
the volume with a Birch-Murnaghan P(V) fit through one pressure per NVT run, and that pressure is
the static stress of the run's *last frame* only, not a time average; runs at 0.8, 1.0, 1.2 x the
packed volume, then, while the fitted V0 lies outside the sampled range, one more run at
V0 +- 0.1 x the packed volume, at most 5 runs in all beyond which the search fails; no convergence
run. A single frame of a 100-atom liquid at 5000 K has a static pressure that scatters by about a
GPa, so that search lands on a random volume.

This script replays that search many times on the P(V) sampled by bench/m3gnet_rdf.sh (OUT/<F>/
pv.txt: volume A^3, mean static pressure GPa; OUT/<F>/eos-<k>.log: thermo logs) with each run's
pressure drawn as the mean P(V) (piecewise linear through the sampled points) plus a Gaussian of the
single-frame spread measured at the nearest sampled volume, and prints, per composition, the spread
of the volume it finds (16th-84th percentile, relative to our V*) and how often it fails.

usage: bench/mpmorph_density_noise.py OUT [FORMULA ...]   (/usr/bin/python3, numpy, scipy)
Units: A^3, GPa; 160.21766208 GPa per eV/A^3.
"""
import os
import sys

import numpy as np
from scipy.optimize import leastsq

EV_A3_GPA = 160.21766208
TRIALS = 2000
MAX_RUNS = 6        # three starting runs plus extra ones; equilibrate_volume.py raises beyond that
OFFSET = 0.1        # equilibrate_volume.py: next run at V0/V_packed +- OFFSET


def static_pressures(log, volume):
    """Static pressure (GPa) of every logged frame in the second half of a vitrum thermo log."""
    rows = np.array([[float(x) for x in line.split()] for line in open(log) if not line.startswith("#")])
    static = rows[:, 6] - 2.0 * rows[:, 4] / (3.0 * volume) * EV_A3_GPA
    return static[len(static) // 2:]


def birch_murnaghan_p(v, v0, b0, b0p):
    n = (v0 / v) ** (1.0 / 3.0)
    return 1.5 * b0 * (n ** 7 - n ** 5) * (1.0 + 0.75 * (b0p - 4.0) * (n ** 2 - 1.0))


def fit_v0(volumes, pressures):
    """V0 of a third-order Birch-Murnaghan P(V), started as equilibrate_volume.py starts it."""
    v, p = np.asarray(volumes), np.asarray(pressures)
    quad = np.polyfit(v, p, 2)
    v_start = v.mean()
    b_start = -(2.0 * quad[0] * v_start ** 2 + quad[1] * v_start)
    params, status = leastsq(lambda q: birch_murnaghan_p(v, *q) - p, (v_start, b_start, 4.0))
    return params[0] if status in (1, 2, 3, 4) and np.isfinite(params[0]) else None


def replay(pv, spread, v_packed, rng):
    """One MPMorph-style search on noisy single-frame pressures; the volume found, or None."""
    order = np.argsort(pv[:, 0])
    grid_v, grid_p = pv[order, 0], pv[order, 1]

    def mean_pressure(v):
        if grid_v[0] <= v <= grid_v[-1]:
            return np.interp(v, grid_v, grid_p)
        end = slice(0, 2) if v < grid_v[0] else slice(-2, None)   # linear beyond the sampled range
        return np.polyval(np.polyfit(grid_v[end], grid_p[end], 1), v)

    def pressure(v):
        return mean_pressure(v) + rng.normal(0.0, spread[np.argmin(abs(pv[:, 0] - v))])

    volumes = [s * v_packed for s in (0.8, 1.0, 1.2)]
    pressures = [pressure(v) for v in volumes]
    while True:
        v0 = fit_v0(volumes, pressures)
        if v0 is None or v0 <= 0:
            return None
        if min(volumes) < v0 < max(volumes):
            return v0
        if len(volumes) >= MAX_RUNS:
            return None
        scale = v0 / v_packed + (OFFSET if v0 > max(volumes) else -OFFSET)
        if scale <= 0:
            return None
        volumes.append(scale * v_packed)
        pressures.append(pressure(volumes[-1]))


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: bench/mpmorph_density_noise.py OUT [FORMULA ...]")
    out = sys.argv[1]
    formulas = sys.argv[2:] or sorted(d for d in os.listdir(out) if os.path.exists(os.path.join(out, d, "result.txt")))
    print(f"{'formula':10s} {'V* A^3':>8s} {'sd P_frame GPa':>14s} {'-dP/dlnV GPa':>12s} "
          f"{'V found / V*: 16%':>18s} {'50%':>6s} {'84%':>6s} {'fails':>6s}")
    for formula in formulas:
        d = os.path.join(out, formula)
        pv = np.loadtxt(os.path.join(d, "pv.txt"), ndmin=2)
        v_star = float(open(os.path.join(d, "result.txt")).read().split()[2])
        spread = np.array([static_pressures(os.path.join(d, f"eos-{k}.log"), v).std() for k, v in enumerate(pv[:, 0])])
        order = np.argsort(pv[:, 0])
        slope = np.gradient(pv[order, 1], pv[order, 0])[np.argmin(abs(pv[order, 0] - v_star))]
        rng = np.random.default_rng(1)
        found = [replay(pv, spread, pv[1, 0], rng) for _ in range(TRIALS)]
        ok = np.array([v for v in found if v is not None]) / v_star
        q16, q50, q84 = np.percentile(ok, [16, 50, 84]) if len(ok) else (np.nan,) * 3
        print(f"{formula:10s} {v_star:8.1f} {spread[np.argmin(abs(pv[:, 0] - v_star))]:14.2f} {-slope * v_star:12.1f} "
              f"{q16:18.3f} {q50:6.3f} {q84:6.3f} {1 - len(ok) / TRIALS:6.1%}")


if __name__ == "__main__":
    main()
