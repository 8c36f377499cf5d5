#!/usr/bin/env bash
# l0.sh - speed of the exhaustive L0 search (issue 4, acceptance 2): 4-feature least-squares models
# evaluated per second per core, vitrum (src/ml/l0.c through tests/ml/sisso_driver.c) against the
# numpy search bench/l0_numpy.py, in one run, on the same pools:
#   paper  the 43 inputs of ../shared/paper/feature_target.dat (1/kBT + 42): C(43,4) = 123,410
#   sis100 the 100 rung-1 features most correlated with lnD (SISSO's space): C(100,4) = 3,921,225
#   sis300 the 300 best (vitrum only: numpy would need about 8 minutes): C(300,4) = 330,791,175
# Per core = one thread (vitrum: fastest of 5 runs, Gram matrix included; numpy: its batched solve
# with OPENBLAS_NUM_THREADS=1). Both must find the same best 4D model on the shared pools.
# usage: bench/l0.sh [BUILD_DIR]   (default: build; needs BUILD_DIR/tests/sisso_driver)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
driver=$build/tests/sisso_driver
data=${VT_SHARED:-$here/../../shared}/paper/feature_target.dat
PY=/usr/bin/python3
[ -x "$driver" ] || { echo "l0.sh: $driver not found (cmake --build $build)"; exit 1; }
[ -f "$data" ] || { echo "l0.sh: $data not found"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

"$driver" pool - "$data" 100 "$tmp/sis100.csv" rung=1 progress=0 > /dev/null
"$driver" pool - "$data" 300 "$tmp/sis300.csv" rung=1 progress=0 > /dev/null

# field value of "key=value" in a line
get() { tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }

printf "%-7s %11s | %-30s | %-30s | %s\n" pool subsets "vitrum, 1 thread" "numpy, 1 thread" "ratio"
for pool in paper sis100 sis300; do
    if [ "$pool" = paper ]; then vargs=(l0 "$data"); nargs=("$data"); else vargs=(l0-pool "$tmp/$pool.csv"); nargs=("$tmp/$pool.csv" --pool); fi
    vt=$("$driver" "${vargs[@]}" max_dim=4 top=1 threads=1 repeat=5)
    vt_all=$("$driver" "${vargs[@]}" max_dim=4 top=1 threads=0 repeat=5)
    subsets=$(grep '^time' <<< "$vt" | get subsets)
    vt_s=$(grep '^time' <<< "$vt" | get seconds)
    vt_all_s=$(grep '^time' <<< "$vt_all" | get seconds)
    vt_rate=$(awk -v n="$subsets" -v t="$vt_s" 'BEGIN { printf "%.3g", n / t }')
    vt_best=$(grep '^model dim=4' <<< "$vt" | get features)
    if [ "$pool" = sis300 ]; then
        printf "%-7s %11s | %9s models/s (%7.4f s) | %-30s | %s\n" "$pool" "$subsets" "$vt_rate" "$vt_s" "(not run)" "-"
    else
        np=$("$PY" "$here/l0_numpy.py" "${nargs[@]}" --max-dim 4 --top 1 --time-dim 4)
        np_rate=$(grep '^rate' <<< "$np" | get models_per_s)
        np_s=$(grep '^rate' <<< "$np" | get seconds)
        np_best=$(grep '^model dim=4' <<< "$np" | get features)
        ratio=$(awk -v a="$vt_rate" -v b="$np_rate" 'BEGIN { printf "%.0fx", a / b }')
        printf "%-7s %11s | %9s models/s (%7.4f s) | %9s models/s (%7.3f s) | %s\n" "$pool" "$subsets" "$vt_rate" "$vt_s" \
            "$np_rate" "$np_s" "$ratio"
        [ "$vt_best" = "$np_best" ] || { echo "  best 4D models differ: vitrum $vt_best, numpy $np_best"; exit 1; }
    fi
    awk -v n="$subsets" -v t="$vt_all_s" -v c="$(getconf _NPROCESSORS_ONLN)" \
        'BEGIN { printf "        vitrum, all %d cores: %.3g models/s (%.4f s)\n", c, n / t, t }'
done
echo "goal: >= 1e7 models/s/core; best 4D models agree with numpy on the shared pools"
