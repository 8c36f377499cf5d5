"""lammps_compare.py DIR NAME COUL - compare vitrum's and LAMMPS' energy, forces and stress.

DIR holds vitrum.json (`vitrum calc --format json`), log.lammps (a "PE e PRESS pxx pyy pzz pyz pxz
pxy" line), forces.dump (fx fy fz sorted by id) and charge.data (the configuration LAMMPS read).
COUL is "dsf ALPHA RC", "ewald RC" (alpha: LAMMPS' G vector from its log), "none", or
"forces-only" (energies and stress not compared: LAMMPS pair zbl adds a constant below its inner
cutoff).

LAMMPS' coul/dsf and coul/long evaluate erfc by the polynomial of Abramowitz & Stegun 7.1.26
(absolute error up to 1.5e-7), vitrum by libm's erfc. Both results are printed: raw, and with
LAMMPS' energy and forces corrected by sum over pairs of q_i q_j qqr2e (erfc_poly - erfc)(alpha r)
/ r (and its radial force), computed here by brute force over periodic images.
Pass: |dE| <= 1e-6 |E| and max |dF| <= 1e-6 max |F| (corrected values), stress within 1e-6 of its
largest component (raw; LAMMPS' pressure tensor in bar, virial only, stress = -P).
"""
import json
import math
import sys

import numpy as np

QQR2E = 14.399645  # LAMMPS metal units
P, A = 0.3275911, (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def erfc_poly(x):
    t = 1.0 / (1.0 + P * x)
    return t * (A[0] + t * (A[1] + t * (A[2] + t * (A[3] + t * A[4])))) * np.exp(-x * x)


def read_data(path):
    """Lattice rows, charges and positions of a LAMMPS data file in charge style."""
    lines = open(path).read().split("\n")
    bounds, tilt = {}, [0.0, 0.0, 0.0]
    for ln in lines:
        t = ln.split()
        for ax in "xyz":
            if ln.endswith(f"{ax}lo {ax}hi"):
                bounds[ax] = float(t[1]) - float(t[0])
        if ln.endswith("xy xz yz"):
            tilt = [float(x) for x in t[:3]]
    L = np.array([[bounds["x"], 0, 0], [tilt[0], bounds["y"], 0], [tilt[1], tilt[2], bounds["z"]]])
    start = next(i for i, ln in enumerate(lines) if ln.startswith("Atoms"))
    rows = sorted((ln.split() for ln in lines[start + 2:] if len(ln.split()) >= 6), key=lambda t: int(t[0]))
    q = np.array([float(t[2]) for t in rows])
    x = np.array([[float(v) for v in t[3:6]] for t in rows])
    return L, q, x


def erfc_correction(L, q, x, alpha, rc):
    """LAMMPS minus exact: energy (eV) and forces (eV/A) from the erfc polynomial."""
    inv = np.linalg.inv(L)
    width = 1.0 / np.linalg.norm(inv, axis=0)
    m = [int(math.ceil(rc / w)) + 1 for w in width]
    dE, dF = 0.0, np.zeros_like(x)
    qq = np.outer(q, q) * QQR2E
    erfc = np.vectorize(math.erfc)
    for i0 in range(-m[0], m[0] + 1):
        for i1 in range(-m[1], m[1] + 1):
            for i2 in range(-m[2], m[2] + 1):
                s = i0 * L[0] + i1 * L[1] + i2 * L[2]
                d = x[None, :, :] + s - x[:, None, :]  # from i to j
                r = np.linalg.norm(d, axis=2)
                mask = (r < rc) & (r > 1e-12)
                if not mask.any():
                    continue
                rr = np.where(mask, r, 1.0)
                de = np.where(mask, qq * (erfc_poly(alpha * rr) - erfc(alpha * rr)) / rr, 0.0)
                dE += 0.5 * de.sum()
                # force on i from the energy term de(r): -d/dx_i = +de'/r... de ~ 1/r: F_i = -(de/r) d/r
                dF -= ((de / rr)[:, :, None] * d / rr[:, :, None]).sum(axis=1)
    return dE, dF


def main():
    d, name, coul = sys.argv[1], sys.argv[2], sys.argv[3].split()
    v = json.load(open(d + "/vitrum.json"))
    pe = press = None
    g_ewald = None
    for ln in open(d + "/log.lammps"):
        if ln.startswith("PE "):
            t = ln.split()
            pe, press = float(t[1]), [float(x) for x in t[3:9]]
        if "G vector" in ln:
            g_ewald = float(ln.split("=")[1])
    rows = open(d + "/forces.dump").read().split("ITEM: ATOMS")[1].split("\n")[1:]
    fl = np.array([[float(x) for x in r.split()[1:4]] for r in rows if r.strip()])
    fv = np.array(v["forces_eV_A"])
    cE, cF = 0.0, np.zeros_like(fl)
    if coul[0] not in ("none", "forces-only"):
        alpha, rc = (float(coul[1]), float(coul[2])) if coul[0] == "dsf" else (g_ewald, float(coul[1]))
        L, q, x = read_data(d + "/charge.data")
        cE, cF = erfc_correction(L, q, x, alpha, rc)
    fmax = np.abs(fl).max()
    dF_raw, dF = np.abs(fv - fl).max(), np.abs(fv - (fl - cF)).max()
    dE_raw, dE = abs(v["energy_eV"] - pe), abs(v["energy_eV"] - (pe - cE))
    sl = [-p * 1e-4 for p in press]
    sv = [v["stress_GPa"][i][j] for i, j in ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))]
    smax = max(abs(s) for s in sl)
    dS = max(abs(a - b) for a, b in zip(sv, sl))
    if coul[0] == "forces-only":
        ok = dF <= 1e-6 * fmax
        print(f"{name:13s} {len(fl):3d} atoms  forces (max {fmax:.2f} eV/A): rel diff {dF / fmax:.1e}  "
              f"{'ok' if ok else 'FAIL'}")
        sys.exit(0 if ok else 1)
    ok = dE <= 1e-6 * abs(pe) and dF <= 1e-6 * fmax and dS <= 1e-6 * smax
    print(f"{name:13s} {len(fl):3d} atoms  E vitrum {v['energy_eV']:.10f} LAMMPS {pe:.10f} eV: rel diff "
          f"{dE_raw / abs(pe):.1e} raw, {dE / abs(pe):.1e} erfc-corrected | forces (max {fmax:.2f} eV/A): "
          f"{dF_raw / fmax:.1e} raw, {dF / fmax:.1e} corrected | stress (max {smax:.2f} GPa): {dS / smax:.1e}"
          f"  {'ok' if ok else 'FAIL'}")
    sys.exit(0 if ok else 1)


main()
