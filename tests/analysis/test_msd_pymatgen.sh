#!/bin/bash
# MSD and D of `vitrum analyze` (FFT over all time origins) against bench/msd_pymatgen.py, an
# independent numpy re-implementation of pymatgen-analysis-diffusion's lag-by-lag algorithm, on the
# same wrapped triclinic trajectory (20 Li walkers, 20 vibrating O, a common drift): all three
# modes (max, constant, none) and a one-species cell (no framework: centre-of-mass drift).
# Tolerance: relative 1e-6 on D, its per-direction values, pymatgen's sigma and the MSD at every
# fitted lag (measured: ~1e-13).
set -euo pipefail
PY=/usr/bin/python3
$PY -c "import numpy, ase" 2>/dev/null || { echo "skipped: numpy/ase missing"; exit 77; }
BIN=${VT_BIN:?VT_BIN not set}
SRC=${VT_SOURCE:?VT_SOURCE not set}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
ORACLE=$SRC/bench/msd_pymatgen.py
$PY "$ORACLE" --make "$W/t.xyz" 7 2500 20 20
$PY "$ORACLE" --make "$W/li.xyz" 8 1500 30 0 --li-only
for m in max constant none; do
    $PY "$ORACLE" "$W/t.xyz" 10 $m > "$W/ref_$m.json"
    "$BIN" analyze "$W/t.xyz" --dt 10 --mode $m --rdf-every 0 --format json --msd-csv "$W/msd_$m.csv" > "$W/v_$m.json"
done
$PY "$ORACLE" "$W/li.xyz" 10 max > "$W/ref_li.json"
"$BIN" analyze "$W/li.xyz" --dt 10 --rdf-every 0 --format json --msd-csv "$W/msd_li.csv" > "$W/v_li.json"
$PY - "$W" <<'PYEOF'
import csv, json, sys
import numpy as np
w = sys.argv[1]
bad = 0
def rel(a, b):
    return abs(a - b) / max(abs(a), 1e-300)
for case in ["max", "constant", "none", "li"]:
    ref = json.load(open(f"{w}/ref_{case}.json"))
    got = json.load(open(f"{w}/v_{case}.json"))["diffusion"]
    rows = list(csv.DictReader(open(f"{w}/msd_{case}.csv")))
    for r, g in zip(ref, got):
        assert r["species"] == g["species"]
        errs = {"D": rel(r["D"], g["D_cm2_s"]), "sigma_pmg": rel(r["sigma_pmg"], g["D_sigma_pmg_cm2_s"]),
                "D_xyz": max(rel(a, b) for a, b in zip(r["D_xyz"], g["D_xyz_cm2_s"])),
                "sigma_xyz_pmg": max(rel(a, b) for a, b in zip(r["sigma_xyz_pmg"], g["D_xyz_sigma_pmg_cm2_s"]))}
        msd = np.array([float(x["msd_A2"]) for x in rows if x["species"] == r["species"]])
        comp = np.array([[float(x[k]) for k in ("msd_x_A2", "msd_y_A2", "msd_z_A2")] for x in rows if x["species"] == r["species"]])
        lags, rm, rc = np.array(r["lags"]), np.array(r["msd"]), np.array(r["msd_xyz"])
        pos = rm > 0  # lag 0 of "none"/"constant" is exactly 0 on both sides
        errs["msd"] = float(np.max(np.abs(msd[lags][pos] / rm[pos] - 1)))
        errs["msd_xyz"] = float(np.max(np.abs(comp[lags][pos] / rc[pos] - 1)))
        if not pos.all():
            errs["msd0"] = float(np.max(np.abs(msd[lags][~pos])))
        fl = g["fit_lags"]
        same_window = list(range(fl["first"], fl["stop"], fl["stride"])) == r["lags"]
        worst = max(errs.values())
        ok = worst <= 1e-6 and same_window
        bad += not ok
        print(f"{case:8s} {r['species']:2s} D vitrum {g['D_cm2_s']:.12e} numpy {r['D']:.12e} "
              f"(max rel err {worst:.1e} over {', '.join(errs)}; {len(lags)} lags, same window {same_window})"
              + ("" if ok else "  FAIL"))
print("0 failed" if not bad else f"{bad} failed")
sys.exit(1 if bad else 0)
PYEOF
