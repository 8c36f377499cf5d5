#!/usr/bin/env bash
# md.sh - MD speed of vitrum's built-in pair calculator against LAMMPS (Debian `lammps`), issue 5
# acceptance 3: a PMMCS SiO2 melt of 3375 atoms (Morse + B12/r^12, cutoff 5.5 A, shifted; Coulomb
# by DSF, alpha 0.2 1/A, cutoff 8 A), NVE, dt 1 fs, the same starting positions and velocities,
# neighbour skin 1 A in both, energy/pressure every 100 steps, one core each (run one after the
# other; LAMMPS is the serial Debian build run without mpirun).
#   start:  `vitrum pack` (2.2 g/cm^3), `vitrum relax` (200 FIRE steps), 300 steps of NVT at 4000 K
#   timed:  `vitrum md --calc pmmcs` for N steps, and LAMMPS `run N` in two spellings of the model:
#             overlay: hybrid/overlay coul/dsf + morse + lj/cut + born (B12/r^12 as lj/cut + born
#                      cancelling r^-6: the exact model, as tests/calc/test_lammps_oracle.sh checks it)
#             table:   hybrid/overlay coul/dsf + table linear (Morse + B12/r^12 tabulated in r, 5000
#                      points): the fastest way LAMMPS runs it, interpolated
# Each whole command is timed (startup included on both sides), by CPU time (user + sys: what one
# core spent, robust on a shared machine) and by wall time. Prints atom-steps/s of each and the
# ratio vitrum / (faster LAMMPS) for both clocks. Goal: >= 1.5.
# usage: bench/md.sh [BUILD_DIR] [STEPS]   (defaults: build, 1000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
steps=${2:-1000}
bin=$build/vitrum
LMP=/usr/bin/lmp
PY=/usr/bin/python3
[ -x "$bin" ] || { echo "md.sh: $bin not found (cmake --build $build)"; exit 1; }
[ -x "$LMP" ] || { echo "md.sh: $LMP not found (apt-get install lammps)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
quiet() { "$@" > "$tmp/last.log" 2>&1 || { cat "$tmp/last.log"; exit 1; }; }
# timed NAME CMD...: run CMD quietly, append "NAME cpu_s wall_s" to $tmp/times
timed() {
    local name=$1 t
    shift
    t=$( { TIMEFORMAT='%3U %3S %3R'; time "$@" > "$tmp/last.log" 2>&1 || { cat "$tmp/last.log" >&2; exit 1; }; } 2>&1 )
    echo "$name $t" | awk '{ print $1, $2 + $3, $4 }' >> "$tmp/times"
}

echo "preparing a 3375-atom SiO2 melt (pack, relax, 300 NVT steps at 4000 K) ..."
quiet "$bin" pack SiO2 --atoms 3375 --density 2.2 --min-dist 1.4 --seed 1 --out "$tmp/packed.data"
"$bin" relax --in "$tmp/packed.data" --calc pmmcs --out "$tmp/relaxed.data" --steps 200 --fmax 0.5 \
    > /dev/null 2>&1 || true # not converging in 200 steps is expected: it only removes overlaps
quiet "$bin" md --in "$tmp/relaxed.data" --calc pmmcs --ensemble nvt --temp 4000 --steps 300 --dt 1 \
    --log-every 100 --out "$tmp/melt.data"

# ---- vitrum ----
timed vitrum "$bin" md --in "$tmp/melt.data" --calc pmmcs --ensemble nve --velocities keep --steps "$steps" \
    --dt 1 --log "$tmp/vitrum.log" --log-every 100

# ---- LAMMPS ----
"$PY" "$here/../tests/calc/lammps_charges.py" "$tmp/melt.data" "$tmp/melt-q.data" "Si 2.4 O -1.2"
# PMMCS short-range Si-O (types: Si 1, O 2) and O-O, shifted to 0 at 5.5 A, as a LAMMPS table
"$PY" - "$tmp/pmmcs.table" <<'EOF'
import math, sys
rc, n, r0 = 5.5, 5000, 0.5
pairs = {"SIO": (0.340554, 2.006700, 2.100000, 1.0), "OO": (0.042395, 1.379316, 3.618701, 22.0)}
def e_f(p, r):
    D, a, re, B = p
    x = math.exp(-a * (r - re))
    return D * (x * x - 2 * x) + B / r**12, 2 * D * a * (x * x - x) + 12 * B / r**13
with open(sys.argv[1], "w") as f:
    for name, p in pairs.items():
        shift = e_f(p, rc)[0]
        f.write(f"{name}\nN {n} R {r0} {rc}\n\n")
        for k in range(n):
            r = r0 + (rc - r0) * k / (n - 1)
            e, force = e_f(p, r)
            f.write(f"{k + 1} {r:.10f} {e - shift:.12e} {force:.12e}\n")
        f.write("\n")
EOF
lammps_run() { # name, pair lines
    cat > "$tmp/in.$1" <<EOF
units metal
atom_style charge
boundary p p p
read_data $tmp/melt-q.data
$2
neighbor 1.0 bin
neigh_modify every 1 delay 0 check yes
timestep 0.001
fix 1 all nve
thermo 100
run $steps
EOF
    timed "$1" "$LMP" -in "$tmp/in.$1" -log "$tmp/log.$1" -screen none
}
lammps_run lammps-overlay "pair_style hybrid/overlay coul/dsf 0.2 8.0 morse 5.5 lj/cut 5.5 born 5.5
pair_coeff * * coul/dsf
pair_coeff 1 2 morse 0.340554 2.006700 2.100000
pair_coeff 1 2 lj/cut 0.25 1.0
pair_coeff 1 2 born 0.0 1.0 0.0 -1.0 0.0
pair_coeff 2 2 morse 0.042395 1.379316 3.618701
pair_coeff 2 2 lj/cut 5.5 1.0
pair_coeff 2 2 born 0.0 1.0 0.0 -22.0 0.0
pair_modify shift yes"
lammps_run lammps-table "pair_style hybrid/overlay coul/dsf 0.2 8.0 table linear 5000
pair_coeff * * coul/dsf
pair_coeff 1 2 table $tmp/pmmcs.table SIO 5.5
pair_coeff 2 2 table $tmp/pmmcs.table OO 5.5"

# ---- report ----
awk -v n=3375 -v s="$steps" '
    { cpu[$1] = $2; wall[$1] = $3 }
    END {
        printf "3375-atom PMMCS SiO2 melt, NVE, %d steps of 1 fs, 1 core; atom-steps/s by CPU time (wall)\n", s
        printf "  vitrum md --calc pmmcs           %10.0f (%10.0f)\n", n * s / cpu["vitrum"], n * s / wall["vitrum"]
        printf "  LAMMPS coul/dsf+morse+lj+born    %10.0f (%10.0f)\n", n * s / cpu["lammps-overlay"], n * s / wall["lammps-overlay"]
        printf "  LAMMPS coul/dsf+table linear     %10.0f (%10.0f)\n", n * s / cpu["lammps-table"], n * s / wall["lammps-table"]
        bc = cpu["lammps-table"] < cpu["lammps-overlay"] ? cpu["lammps-table"] : cpu["lammps-overlay"]
        bw = wall["lammps-table"] < wall["lammps-overlay"] ? wall["lammps-table"] : wall["lammps-overlay"]
        printf "  ratio vitrum / faster LAMMPS: %.2f by CPU time (%.2f by wall time); goal >= 1.5\n", bc / cpu["vitrum"], bw / wall["vitrum"]
    }' "$tmp/times"
echo "energy conservation, vitrum (Etot, eV):"
awk '!/^#/ { printf "  step %6d  Etot %.6f\n", $1, $6 }' "$tmp/vitrum.log" | sed -n '1p;$p'
