#!/bin/bash
# bench/m3gnet.sh - speed of vitrum's native M3GNet (C, OpenBLAS, its own threads) against a PyTorch
# implementation of the same model (bench/m3gnet_torch.py, Debian python3-torch, autograd forces),
# in one run on the same machine, on a 102-atom Li2SiO3 liquid (packed at 2.3 g/cm^3, then 3000 K).
#   vitrum: MD steps per second of `vitrum md` (one energy + forces evaluation per step; stress on
#           log steps), neighbour list reused with its skin between steps.
#   PyTorch: force evaluations per second (graph + energy + forces + stress by autograd) on randomly
#           displaced copies of the same liquid.
# Also compares the two as oracles: energy, forces and stress of the final liquid structure, vitrum
# in float (production) and double precision against PyTorch (float32 network, float64 geometry).
# Goals (issue 8): >= 10x PyTorch and >= 5 steps/s on 2 cores.
# Env: VT_BIN (vitrum binary; default build/vitrum), THREADS (default 2), STEPS (default 200),
#      TORCH_EVALS (default 10), VITRUM_M3GNET_DIR (model folder; default the shipped one).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=${VT_BIN:-$SRC/build/vitrum}
THREADS=${THREADS:-2}
STEPS=${STEPS:-200}
TORCH_EVALS=${TORCH_EVALS:-10}
MODEL=${VITRUM_M3GNET_DIR:-$SRC/models/m3gnet-mp-2021.2.8-pes}
PY=/usr/bin/python3
[ -x "$BIN" ] || { echo "bench/m3gnet.sh: no vitrum binary at $BIN (set VT_BIN)" >&2; exit 1; }
$PY -c 'import torch' 2>/dev/null ||
  { echo "bench/m3gnet.sh: needs PyTorch for $PY (Debian: apt-get install python3-torch)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$BIN" pack Li2SiO3 --atoms 100 --density 2.3 --min-dist 1.6 --seed 3 --out "$tmp/packed.vasp" > /dev/null
echo "cell: 102-atom Li2SiO3, 2.3 g/cm^3; machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

# vitrum: STEPS steps of NVT MD at 3000 K (this also makes the liquid the rest of the bench uses)
t0=$(date +%s.%N)
"$BIN" md --in "$tmp/packed.vasp" --calc "m3gnet:dir=$MODEL,threads=$THREADS" --ensemble nvt --temp 3000 \
    --steps "$STEPS" --dt 1 --log "$tmp/md.log" --log-every 100 --out "$tmp/liquid.vasp" > /dev/null
t1=$(date +%s.%N)
vt_rate=$($PY -c "print(($STEPS + 1) / ($t1 - $t0))")

# PyTorch on the liquid, in its fastest set-up on this machine: its own THREADS intra-op threads and
# single-threaded BLAS below them. Debian's torch calls the system libblas.so.3, which is OpenBLAS
# once libopenblas is installed (vitrum's build needs it) and reference BLAS otherwise; OpenBLAS's
# own threads under torch's oversubscribe the cores (measured: 0.29 s per evaluation with
# OPENBLAS_NUM_THREADS=1, 0.65 s without, on 2 cores).
torch_bench() { # OUT EVALS [VAR=value ...]: time PyTorch on the liquid with that environment
  local out=$1 evals=$2
  shift 2
  env "$@" $PY "$SRC/bench/m3gnet_torch.py" "$MODEL" "$tmp/liquid.vasp" --evals "$evals" --threads "$THREADS" > "$out"
}
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo unknown)
torch_bench "$tmp/torch.json" "$TORCH_EVALS" OPENBLAS_NUM_THREADS=1
# and, for comparison with figures measured that way, on Debian's reference BLAS (package libblas3)
REF_BLAS=/usr/lib/x86_64-linux-gnu/blas
if [ -e "$REF_BLAS/libblas.so.3" ] && [ "$(readlink -f "$REF_BLAS/libblas.so.3")" != "$blas" ]; then
  torch_bench "$tmp/torch_ref.json" 3 LD_LIBRARY_PATH=$REF_BLAS
fi
"$BIN" calc --calc "m3gnet:dir=$MODEL,threads=$THREADS" "$tmp/liquid.vasp" --format json > "$tmp/vt_float.json"
"$BIN" calc --calc "m3gnet:dir=$MODEL,threads=$THREADS,precision=double" "$tmp/liquid.vasp" --format json > "$tmp/vt_double.json"

$PY - "$tmp" "$vt_rate" "$THREADS" "$blas" <<'EOF'
import json, sys
import numpy as np
tmp, vt_rate, threads, blas = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
t = json.load(open(f"{tmp}/torch.json"))
for prec in ("float", "double"):
    v = json.load(open(f"{tmp}/vt_{prec}.json"))
    n = len(t["forces"])
    dE = abs(v["energy_eV"] - t["energy_eV"])
    dF = np.abs(np.array(v["forces_eV_A"]) - np.array(t["forces"])).max()
    dS = np.abs(np.array(v["stress_GPa"]) - np.array(t["stress_GPa"])).max()
    print(f"oracle, vitrum {prec:6s} vs PyTorch: E {v['energy_eV']:.6f} vs {t['energy_eV']:.6f} eV "
          f"(|dE| {dE:.1e} eV = {dE / n:.1e} eV/atom), max |dF| {dF:.1e} eV/A, max |dsigma| {dS:.1e} GPa")
torch_rate = 1.0 / t["seconds_per_eval"]
print(f"PyTorch {t['torch']} ({threads} threads, BLAS {blas}): {torch_rate:.3f} force evaluations/s")
print(f"vitrum  ({threads} threads):            {vt_rate:.2f} MD steps/s (goal >= 5)")
print(f"ratio vitrum / PyTorch: {vt_rate / torch_rate:.1f}x (goal >= 10x)")
try:
    ref_rate = 1.0 / json.load(open(f"{tmp}/torch_ref.json"))["seconds_per_eval"]
    print(f"PyTorch on reference BLAS: {ref_rate:.3f} force evaluations/s, ratio {vt_rate / ref_rate:.1f}x "
          "(for comparison only: not its fastest set-up)")
except FileNotFoundError:
    pass
EOF
