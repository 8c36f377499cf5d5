#!/usr/bin/env bash
# The TF m3gnet model MP-2021.2.8-EFS (--calc m3gnet:DIR with models/m3gnet-mp-2021.2.8-efs)
# against an independent float64 numpy implementation of the TensorFlow model
# (tests/calc/m3gnet_tf_numpy.py, written from the m3gnet repository's source).
#   1. The oracle itself reproduces the values the m3gnet repository's tests assert (selftest).
#   2. Four random periodic triclinic cells (Li-Si 50, Li-P-S 72, Li-La-Zr-O 96, Li-Si dense 64
#      atoms, no two atoms closer than 1.8 A): energy, four force components and the six stress
#      components of `vitrum calc` against the oracle (forces and stress: central differences of its
#      energy, h = 1e-4 A and strain 1e-5). Tolerances, relative (absolute below 1 eV/A or 1 GPa):
#        precision=double  energy 3e-7, forces and stress 1e-5
#        precision=float   energy 1e-6, forces and stress 1e-5 (the production path)
#      The oracle uses data_std and the element references in double, vitrum their float32 copies.
# Units: eV, eV/A, GPa. Skipped (77) without numpy in /usr/bin/python3.
set -u
bin=${VT_BIN:?}
src=${VT_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
py=/usr/bin/python3
"$py" -c "import numpy" 2>/dev/null || { echo "skipped: /usr/bin/python3 has no numpy"; exit 77; }
model=$src/models/m3gnet-mp-2021.2.8-efs
[ -f "$model/weights.bin" ] || { echo "skipped: no $model"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export VT_SOURCE=$src

"$py" "$src/tests/calc/m3gnet_tf_numpy.py" selftest || { echo "FAIL: the oracle misses the TF test values"; exit 1; }

"$py" - "$bin" "$model" "$tmp" "$src/tests/calc" <<'EOF'
import json, subprocess, sys
import numpy as np
vitrum, model, tmp, here = sys.argv[1:5]
sys.path.insert(0, here)
import m3gnet_tf_numpy as oracle

SYM = {3: "Li", 8: "O", 14: "Si", 15: "P", 16: "S", 40: "Zr", 57: "La"}
rng = np.random.default_rng(20240607)

def random_cell(n, vpa, Z, w):
    """Triclinic cell of volume n * vpa, lattice vectors >= 4.5 A, atoms >= 1.8 A apart (any image)."""
    while True:
        L = np.eye(3) + 0.25 * rng.standard_normal((3, 3))
        L *= (vpa * n / abs(np.linalg.det(L))) ** (1 / 3)
        if np.linalg.det(L) > 0 and min(np.linalg.norm(L, axis=1)) > 4.5:
            break
    inv, imgs = np.linalg.inv(L), np.array([[a, b, c] for a in (-1, 0, 1) for b in (-1, 0, 1) for c in (-1, 0, 1)])
    pos = np.zeros((0, 3))
    while len(pos) < n:
        p = rng.random(3) @ L
        if len(pos):
            df = (pos - p) @ inv
            df -= np.round(df)
            d = np.linalg.norm((df[:, None, :] + imgs[None]) @ L, axis=2)
            if d.min() < 1.8:
                continue
        pos = np.vstack([pos, p])
    return list(rng.choice(Z, n, p=np.asarray(w) / sum(w))), pos, L

def vitrum_calc(path, precision):
    out = subprocess.run([vitrum, "calc", "--calc", f"m3gnet:dir={model},precision={precision}", path,
                          "--format", "json"], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"FAIL: vitrum calc: {out.stderr}")
    return json.loads(out.stdout)

def err(a, b):
    return abs(a - b) / max(1.0, abs(b))

systems = [("Li-Si", 50, 18, [3, 14], [3, 1]), ("Li-P-S", 72, 17, [3, 15, 16], [3, 1, 4]),
           ("Li-La-Zr-O", 96, 14, [3, 57, 40, 8], [7, 3, 2, 12]), ("Li-Si dense", 64, 13, [3, 14], [1, 1])]
fails = 0
for name, n, vpa, Zs, w in systems:
    Z, pos, L = random_cell(n, vpa, Zs, w)
    path = f"{tmp}/{name.replace(' ', '_')}.extxyz"
    with open(path, "w") as f:
        f.write(f"{n}\nLattice=\"{' '.join('%.17g' % x for x in L.ravel())}\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n")
        for z, p in zip(Z, pos):
            f.write(f"{SYM[z]} {p[0]:.17g} {p[1]:.17g} {p[2]:.17g}\n")
    m = oracle.Model()
    E = m.energy(Z, pos, L)
    comps = [(int(rng.integers(n)), int(rng.integers(3))) for _ in range(4)]
    F = {c: oracle.fd_force(m, Z, pos, L, *c) for c in comps}
    ab = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))
    S = {c: oracle.fd_stress(m, Z, pos, L, *c) for c in ab}
    for precision, tol_e in (("double", 3e-7), ("float", 1e-6)):
        r = vitrum_calc(path, precision)
        fv, sv = np.array(r["forces_eV_A"]), np.array(r["stress_GPa"])
        e_e = abs(r["energy_eV"] - E) / abs(E)
        e_f = max(err(fv[c], F[c]) for c in comps)
        e_s = max(err(sv[c], S[c]) for c in ab)
        ok = e_e <= tol_e and e_f <= 1e-5 and e_s <= 1e-5
        fails += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name:12s} {n:3d} atoms {precision:6s}: E vitrum {r['energy_eV']:.7f} "
              f"oracle {E:.7f} eV (rel {e_e:.1e}); forces {e_f:.1e}, stress {e_s:.1e} "
              f"(|F| up to {max(abs(v) for v in F.values()):.2f} eV/A, sigma_xx {S[(0, 0)]:.3f} GPa)")
sys.exit(1 if fails else 0)
EOF
