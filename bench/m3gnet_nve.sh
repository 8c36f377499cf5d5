#!/bin/bash
# bench/m3gnet_nve.sh - energy conservation of vitrum's native M3GNet (issue 8, acceptance 3):
# a 102-atom Li2SiO3 melt (`vitrum pack Li2SiO3 --atoms 100 --density 2.0`), NVT_PS of NVT at
# 3000 K (Nose-Hoover chain, 1 fs), then NVE_PS of NVE at DT from that state (velocities kept).
# Drift = least-squares slope of the conserved energy (total energy in NVE) against time over the
# whole NVE run, per atom; also the end-to-end change and the RMS deviation from the line.
# Goal: |drift| < 1e-3 eV/atom/ps at 1 fs over >= 2 ps. Takes ~2.5 min on 2 free cores, too long
# for a unit test. Note: the model's radial basis has no envelope, so its energy is continuous at
# the 5 A cutoff but its force is not; every bond crossing 5 A gives the NVE energy a small kick.
# Env: VT_BIN (vitrum binary; default build/vitrum), THREADS (2), NVT_PS (0.5), NVE_PS (2),
#      DT (fs, 1), SEED (1), VITRUM_M3GNET_DIR (model folder; default the shipped one).
# Units: eV, ps, fs, K.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=${VT_BIN:-$SRC/build/vitrum}
THREADS=${THREADS:-2} NVT_PS=${NVT_PS:-0.5} NVE_PS=${NVE_PS:-2} DT=${DT:-1} SEED=${SEED:-1}
[ -x "$BIN" ] || { echo "bench/m3gnet_nve.sh: no vitrum binary at $BIN (set VT_BIN)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CALC="m3gnet:threads=$THREADS"
steps() { awk -v ps="$1" -v dt="$2" 'BEGIN { printf "%d\n", ps * 1000 / dt + 0.5 }'; }

"$BIN" pack Li2SiO3 --atoms 100 --density 2.0 --seed "$SEED" --out "$tmp/packed.vasp" > /dev/null
n_at=$(sed -n 7p "$tmp/packed.vasp" | awk '{ for (i = 1; i <= NF; i++) s += $i; print s }')
echo "cell: $n_at-atom Li2SiO3 at 2.0 g/cm^3; NVT ${NVT_PS} ps at 3000 K (1 fs), NVE ${NVE_PS} ps at ${DT} fs;" \
     "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(date +%s)
"$BIN" md --in "$tmp/packed.vasp" --calc "$CALC" --ensemble nvt --temp 3000 --dt 1 --seed "$SEED" \
    --steps "$(steps "$NVT_PS" 1)" --log "$tmp/nvt.log" --log-every 10 --out "$tmp/hot.extxyz" > /dev/null
"$BIN" md --in "$tmp/hot.extxyz" --calc "$CALC" --ensemble nve --velocities keep --dt "$DT" \
    --steps "$(steps "$NVE_PS" "$DT")" --log "$tmp/nve.log" --log-every 10 > /dev/null
t1=$(date +%s)
# columns of the log: step time_fs T_K Epot_eV Ekin_eV Etot_eV P_GPa conserved_eV
awk -v n_at="$n_at" -v secs=$((t1 - t0)) '!/^#/ {
    n++; t[n] = $2 / 1000; y[n] = $8; T += $3; st += t[n]; sy += y[n]; stt += t[n] ^ 2; sty += t[n] * y[n] }
  END {
    b = (n * sty - st * sy) / (n * stt - st * st); a = (sy - b * st) / n
    for (i = 1; i <= n; i++) r += (y[i] - a - b * t[i]) ^ 2
    printf "NVE: <T> %.0f K over %.2f ps; conserved energy: drift %.3g eV/atom/ps (least squares; goal |drift| < 1e-3),", T / n, t[n] - t[1], b / n_at
    printf " end - start %.3g eV/atom, RMS about the line %.3g eV/atom; %d s wall\n", (y[n] - y[1]) / n_at, sqrt(r / n) / n_at, secs }' "$tmp/nve.log"
