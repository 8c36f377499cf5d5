#!/usr/bin/env bash
# test_l0_paper.sh - acceptance 1 of issue 4: vitrum's exhaustive L0 search (src/ml/l0.c, run through
# tests/ml/sisso_driver.c) on lnD = ln(D / (cm^2/s)) with inputs 1/(kB T) and the 42 features of
# $VT_SHARED/paper/feature_target.dat:
#   1. the best 1D-3D subsets and their RMSEs are those of shared/paper/README.md: 1D 0.75210
#      {1/kBT}, 2D 0.50508 {LNC, 1/kBT}, 3D 0.39795 {LNC, Li_percentage, 1/kBT}, to 1e-4;
#   2. the 5 best models of every dimension 1..4 (subsets, RMSE and MaxAE to 1e-9 relative) equal
#      an independent numpy exhaustive search (bench/l0_numpy.py, Debian's /usr/bin/python3);
#   3. one and two threads print the same models (MaxAE ranking: tests/ml/test_l0.c).
# Exit 77 ("skipped") when the data or numpy is absent.
set -euo pipefail

PY=/usr/bin/python3
DATA="${VT_SHARED:-../shared}/paper/feature_target.dat"
ORACLE="$(cd "$(dirname "$0")/../.." && pwd)/bench/l0_numpy.py"
if [ ! -f "$DATA" ]; then echo "skipped: $DATA not found"; exit 77; fi
if ! "$PY" -c 'import numpy' 2>/dev/null; then echo "skipped: /usr/bin/python3 has no numpy"; exit 77; fi
: "${VT_SISSO_DRIVER:?set VT_SISSO_DRIVER to the sisso_driver executable (ctest does)}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$VT_SISSO_DRIVER" l0 "$DATA" max_dim=4 top=5 threads=1 > "$tmp/vt1.txt"
"$VT_SISSO_DRIVER" l0 "$DATA" max_dim=4 top=5 threads=2 > "$tmp/vt2.txt"
OPENBLAS_NUM_THREADS=1 "$PY" "$ORACLE" "$DATA" --max-dim 4 --top 5 > "$tmp/np.txt"
if ! diff <(grep '^model' "$tmp/vt1.txt") <(grep '^model' "$tmp/vt2.txt") > /dev/null; then
    echo "FAIL: 1 and 2 threads differ"; exit 1
fi

VT_TMP="$tmp" "$PY" - <<'EOF'
import os, sys
tmp = os.environ["VT_TMP"]

def models(path):
    out = {}
    for line in open(path):
        if not line.startswith("model "):
            continue
        kv = dict(f.split("=", 1) for f in line.split()[1:])
        out[(int(kv["dim"]), int(kv["rank"]))] = (float(kv["rmse"]), float(kv["maxae"]),
                                                   frozenset(kv["features"].split("|")))
    return out

vt, npy = models(os.path.join(tmp, "vt1.txt")), models(os.path.join(tmp, "np.txt"))
failures = 0
readme = {1: (0.75210, {"inv_kBT"}), 2: (0.50508, {"LNC", "inv_kBT"}),
          3: (0.39795, {"LNC", "Li_percentage", "inv_kBT"})}
for k, (rmse, feats) in readme.items():
    got = vt[(k, 1)]
    ok = abs(got[0] - rmse) <= 1e-4 and got[2] == feats
    failures += not ok
    print("%dD best: vitrum %.5f {%s}   README %.5f {%s}  %s" % (k, got[0], ", ".join(sorted(got[2])), rmse,
          ", ".join(sorted(feats)), "ok" if ok else "FAIL"))
for key in sorted(npy):
    a, b = vt.get(key), npy[key]
    ok = a is not None and a[2] == b[2] and abs(a[0] - b[0]) <= 1e-9 * b[0] and abs(a[1] - b[1]) <= 1e-9 * b[1]
    failures += not ok
    if key[1] == 1 or not ok:
        print("%dD rank %d: vitrum %s  numpy %.10f {%s}  %s" % (key[0], key[1],
              "%.10f" % a[0] if a else "missing", b[0], ", ".join(sorted(b[2])), "ok" if ok else "FAIL"))
if len(vt) != len(npy):
    failures += 1
    print("FAIL: vitrum reported %d models, numpy %d" % (len(vt), len(npy)))
print("%d of %d models agree with numpy" % (sum(1 for k in npy if k in vt and vt[k][2] == npy[k][2]), len(npy)))
sys.exit(1 if failures else 0)
EOF
