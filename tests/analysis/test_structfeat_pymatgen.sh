#!/bin/bash
# The 21 structural features of `vitrum features --structure` against an independent Python
# implementation of the same definitions (docs/features.md) on pymatgen's neighbour finder
# (Structure.get_all_neighbors, its own periodic-image search) and numpy geometry:
#  - a random 40-atom Li-P-S-O cell in a skewed triclinic box (no symmetry, no ties),
#  - a 5-atom triclinic cell narrower than the 4 A cutoff (many images of every atom, own images),
#  - rock-salt LiF (the anion quirk: "Li" sorts after "F"),
# each with the default options, and the first also with --anion electronegative,
# --path-radius 0 (Sendek's path) and --paper-bond-stats. Tolerance: 1e-9 relative (measured:
# ~1e-15). Also the CLI: csv/json carry the 42 columns of feature_target.dat in order, formula
# mode unchanged, bad option combinations refused with exit 2.
set -euo pipefail
PY=/usr/bin/python3
$PY -c "import numpy, pymatgen.core" 2>/dev/null || { echo "skipped: numpy/pymatgen missing"; exit 77; }
BIN=${VT_BIN:?VT_BIN not set}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

$PY - "$W" <<'PYEOF'
import sys
import numpy as np
w = sys.argv[1]
rng = np.random.default_rng(11)

def poscar(path, L, species, frac):
    els = sorted(set(species), key=species.index)
    with open(path, "w") as f:
        f.write("test\n1.0\n")
        for row in L:
            f.write(" ".join(repr(float(x)) for x in row) + "\n")
        f.write(" ".join(els) + "\n" + " ".join(str(species.count(e)) for e in els) + "\nDirect\n")
        for e in els:
            for s, p in zip(species, frac):
                if s == e:
                    f.write(" ".join(repr(float(x)) for x in p) + "\n")

# random cell: rejection sampling with a 1.7 A minimum distance (all images)
L = np.array([[10.2, 0.0, 0.0], [2.9, 9.6, 0.0], [-1.8, 2.2, 9.9]])
species = ["Li"] * 16 + ["P"] * 4 + ["S"] * 14 + ["O"] * 6
pts = []
shifts = np.array([[a, b, c] for a in (-1, 0, 1) for b in (-1, 0, 1) for c in (-1, 0, 1)])
while len(pts) < len(species):
    p = rng.random(3)
    ok = all(np.min(np.linalg.norm(((p - q) + shifts) @ L, axis=1)) > 1.7 for q in pts)
    if ok:
        pts.append(p)
poscar(f"{w}/rand.vasp", L, species, pts)
# small triclinic cell: widths below 4 A
L2 = np.array([[3.1, 0.0, 0.0], [1.2, 3.3, 0.0], [0.7, -0.9, 3.6]])
poscar(f"{w}/small.vasp", L2, ["Li", "Li", "O", "S", "Li"],
       [[0, 0, 0], [0.52, 0.47, 0.1], [0.25, 0.7, 0.55], [0.8, 0.2, 0.6], [0.1, 0.4, 0.85]])
a = 4.03
poscar(f"{w}/lif.vasp", np.eye(3) * a, ["Li"] * 4 + ["F"] * 4,
       [[0, 0, 0], [0, .5, .5], [.5, 0, .5], [.5, .5, 0], [.5, 0, 0], [0, .5, 0], [0, 0, .5], [.5, .5, .5]])
PYEOF

run() { # name file options...
    local name=$1 file=$2; shift 2
    "$BIN" features --structure "$W/$file" --format json "$@" > "$W/$name.json"
    echo "$name $file $*" >> "$W/cases.txt"
}
run rand rand.vasp
run rand_en rand.vasp --anion electronegative
run rand_slab rand.vasp --path-radius 0
run rand_nm1 rand.vasp --paper-bond-stats
run small small.vasp
run small_slab small.vasp --path-radius 0
run lif lif.vasp

$PY - "$W" <<'PYEOF'
import json, sys
import numpy as np
from pymatgen.core import Structure, Element
w = sys.argv[1]
# Cordero covalent radii (A) of the elements used here
RCOV = {"Li": 1.28, "P": 1.07, "S": 1.05, "O": 0.66, "F": 0.57}

def features(path, anion_rule="alphabetical", path_radius=3.0, nm1=False, rc=4.0, R=12.0):
    s = Structure.from_file(path)
    sym = [site.specie.symbol for site in s]
    X = np.array([Element(e).X for e in sym])
    r = np.array([RCOV[e] for e in sym])
    li = np.array([e == "Li" for e in sym])
    els = sorted(set(sym))
    anion = els[-1] if anion_rule == "alphabetical" else max((Element(e).X, e) for e in els if e != "Li")[1]
    an = np.array([e == anion for e in sym])
    nbrs = s.get_all_neighbors(R)
    V, N = s.volume, len(s)
    f = {"AAV": V / N, "VPA": V / an.sum(), "ENS": X[~li].mean()}
    vol = 4 / 3 * np.pi * r ** 3
    f["PF"], f["SPF"] = vol.sum() / V, vol[~li].sum() / V
    nb = [[n for n in nbrs[i] if 1e-8 < n.nn_distance <= rc + 1e-8] for i in range(N)]
    cnt = np.array([len(x) for x in nb])
    f["LNC"], f["SDLC"] = cnt[li].mean(), cnt[li].std()
    f["SNC"] = cnt[~li].mean()
    f["RNC"] = f["LNC"] / f["SNC"]
    f["LLB"] = np.mean([sum(li[n.index] for n in nb[i]) for i in np.where(li)[0]])
    lb = np.array([abs(X[i] - X[n.index]) for i in np.where(li)[0] for n in nb[i]])
    sb = np.array([abs(X[i] - X[n.index]) for i in np.where(~li)[0] for n in nb[i]])
    if nm1:
        f["LBI"] = lb.sum() / (len(lb) - 1)
        f["SDLI"] = np.sqrt(((lb - f["LBI"]) ** 2).sum() / (len(lb) - 1))
    else:
        f["LBI"], f["SDLI"] = lb.mean(), lb.std()
    f["SBI"] = sb.mean()
    f["RBI"] = f["LBI"] / f["SBI"]
    def nearest(i, mask):
        return min((n for n in nbrs[i] if mask[n.index] and n.nn_distance > 1e-8), key=lambda n: n.nn_distance)
    aasd, afc = [], []
    for i in np.where(an)[0]:
        r0 = nearest(i, an).nn_distance
        aasd.append(r0)
        afc.append(sum(1 for n in nbrs[i] if an[n.index] and 1e-8 < n.nn_distance <= r0 + 1 + 1e-8))
    f["AASD"], f["AFC"] = np.mean(aasd), np.mean(afc)
    f["LASD"] = np.mean([nearest(i, an).nn_distance for i in np.where(li)[0]])
    f["LLSD"] = np.mean([nearest(i, li).nn_distance for i in np.where(li)[0]])
    res = []
    for i in np.where(li)[0]:
        ci = s[i].coords
        d0 = nearest(i, li).nn_distance
        best = None
        for p in nbrs[i]:
            if not li[p.index] or p.nn_distance > d0 + 1e-9:
                continue
            D = p.coords - ci
            cand = []
            for n in nbrs[i]:
                if n.nn_distance <= 1e-8 or (n.index == p.index and np.allclose(n.image, p.image)):
                    continue
                v = n.coords - ci
                t = v @ D / (D @ D)
                if path_radius > 0:
                    if n.nn_distance > path_radius + 1e-8:
                        continue
                elif not (-1e-9 <= t <= 1 + 1e-9):
                    continue
                h = np.linalg.norm(v - t * D)
                cand.append((h - r[n.index], -X[n.index], h))
            if not cand:
                continue
            wmin = min(cand)
            path = (wmin[0], min(c[2] for c in cand), -wmin[1])
            if best is None or path[0] > best[0]:
                best = path
        if best is not None:
            res.append(best)
    res = np.array(res)
    f["SLPW"], f["SLPW_pp"], f["SLPE"] = res.mean(axis=0)
    return f

opts = {"": {}, "--anion electronegative": {"anion_rule": "electronegative"},
        "--path-radius 0": {"path_radius": 0.0}, "--paper-bond-stats": {"nm1": True}}
bad = 0
for line in open(f"{w}/cases.txt"):
    name, file, *rest = line.split()
    ref = features(f"{w}/{file}", **opts[" ".join(rest)])
    got = json.load(open(f"{w}/{name}.json"))["features"]
    worst = max(abs(got[k] - v) / max(1.0, abs(v)) for k, v in ref.items())
    print(f"{name:10s} worst relative difference over 21 features: {worst:.2e}"
          f"   (LNC {got['LNC']:.4f} vs {ref['LNC']:.4f}, SLPW {got['SLPW']:.6f} vs {ref['SLPW']:.6f})")
    if not worst <= 1e-9:
        bad += 1
        for k, v in ref.items():
            print(f"   {k}: vitrum {got[k]!r} pymatgen {v!r}")
sys.exit(1 if bad else 0)
PYEOF

# CLI: the 42 columns in feature_target.dat's order (structural first), formula mode unchanged
head -1 "$VT_SOURCE/data/feature_target.dat" | tr ' ' '\n' | tail -n 42 > "$W/want_cols"
"$BIN" features --structure "$W/lif.vasp" --format csv | head -1 | tr ',' '\n' | tail -n +2 > "$W/got_cols"
diff "$W/want_cols" "$W/got_cols"
"$BIN" features LiF Li2O --format csv | grep -q '^Li2O,'
"$BIN" features --structure "$W/lif.vasp" | grep -q '^LNC  *26 '
set +e
"$BIN" features LiF --structure "$W/lif.vasp" >/dev/null 2>&1; r1=$?
"$BIN" features LiF --cutoff 5 >/dev/null 2>&1; r2=$?
"$BIN" features --structure "$W/lif.vasp" --anion oxygen >/dev/null 2>&1; r3=$?
"$BIN" features >/dev/null 2>&1; r4=$?
set -e
[ "$r1$r2$r3$r4" = 2222 ] || { echo "usage errors: exit codes $r1 $r2 $r3 $r4, want 2 2 2 2"; exit 1; }
echo "CLI checks passed"
