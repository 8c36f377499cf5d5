#!/usr/bin/env bash
# bench/analysis.sh - vitrum's trajectory analysis against the Python references, in one run:
#   MSD + D (pymatgen "max" mode, every species) of 200 atoms x 20,000 frames: vitrum (FFTW, per-ion
#     errors included) vs a vectorised numpy FFT MSD, and vs pymatgen's own lag-by-lag algorithm in
#     numpy (bench/msd_pymatgen.py); goal >= 30x the numpy FFT MSD;
#   all partial RDFs of 1,000 frames of 100 atoms (Li, Si, O; r_max 5 A, dr 0.1 A, ASE's bins):
#     vitrum vs ASE's get_rdf (ase.ga.utilities); goal >= 300x.
# Both sides time only the computation, inside their own process (vitrum: best of 3, through
# bench/analysis_driver.c compiled here against the build's libvitrum.a; Python: one run). The
# results are checked to agree (D to 1e-9 relative, RDF checksum to 1e-9).
# Usage: bench/analysis.sh [BUILD_DIR] [ASE_FRAMES]   (defaults: build, 1000; fewer ASE frames are
# timed on the same first frames and scaled to 1,000)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
ase_frames=${2:-1000}
py=/usr/bin/python3
ref=$top/bench/analysis_reference.py
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

cc -O2 -std=c17 -D_GNU_SOURCE -I"$top/include" "$top/bench/analysis_driver.c" "$build/libvitrum.a" \
   -lxgboost -lcjson -lfftw3 -lm -lpthread -o "$tmp/driver"
$py "$ref" make-msd "$tmp/msd.raw" 1 20000 200
$py "$ref" make-rdf "$tmp/rdf.raw" 2 1000 100
$py "$ref" make-rdf "$tmp/rdf_sub.raw" 2 "$ase_frames" 100   # the same first frames (same seed)

val() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
"$tmp/driver" msd "$tmp/msd.raw" 10 > "$tmp/v_msd.txt"
$py "$ref" msd "$tmp/msd.raw" 10 > "$tmp/n_msd.txt"
$py "$ref" msd-lags "$tmp/msd.raw" 10 > "$tmp/p_msd.txt"
"$tmp/driver" rdf "$tmp/rdf.raw" 5.0 0.1 > "$tmp/v_rdf.txt"
"$tmp/driver" rdf "$tmp/rdf_sub.raw" 5.0 0.1 > "$tmp/v_rdf_sub.txt"
$py "$ref" rdf "$tmp/rdf_sub.raw" 5.0 0.1 > "$tmp/a_rdf.txt"

# agreement: D per species (the drivers print them in the same species order), RDF checksums
paste <(awk '$1 == "D" { print $3 }' "$tmp/v_msd.txt") <(awk '$1 == "D" { print $3 }' "$tmp/n_msd.txt") \
      <(awk '$1 == "D" { print $3 }' "$tmp/p_msd.txt") > "$tmp/d.txt"
awk '{ e1 = ($1 - $2) / $2; e2 = ($1 - $3) / $3; if (e1 < 0) e1 = -e1; if (e2 < 0) e2 = -e2;
       if (e1 > 1e-9 || e2 > 1e-9) { print "D disagrees: " $0; exit 1 } }' "$tmp/d.txt"
awk -v a="$(val checksum "$tmp/v_rdf_sub.txt")" -v b="$(val checksum "$tmp/a_rdf.txt")" \
    'BEGIN { e = (a - b) / b; if (e < 0) e = -e; if (e > 1e-9) { print "RDF checksum disagrees: " a " " b; exit 1 } }'

vt_msd=$(val seconds "$tmp/v_msd.txt"); np_msd=$(val seconds "$tmp/n_msd.txt"); pm_msd=$(val seconds "$tmp/p_msd.txt")
vt_rdf=$(val seconds "$tmp/v_rdf.txt"); ase_rdf=$(val seconds "$tmp/a_rdf.txt")
echo "MSD + D, 200 atoms x 20,000 frames (2 species, max mode):"
printf "  vitrum %8.3f s | numpy FFT MSD %8.3f s (%.1fx) | pymatgen's lag-by-lag in numpy %8.3f s (%.1fx)   goal >= 30x numpy FFT\n" \
  "$vt_msd" "$np_msd" "$(echo "$np_msd / $vt_msd" | bc -l)" "$pm_msd" "$(echo "$pm_msd / $vt_msd" | bc -l)"
echo "All partial RDFs, 1,000 frames x 100 atoms (6 pairs, r_max 5 A):"
ase_full=$(echo "$ase_rdf * 1000 / $ase_frames" | bc -l)
printf "  vitrum %8.3f s | ASE get_rdf %8.2f s%s (%.0fx)   goal >= 300x\n" "$vt_rdf" "$ase_full" \
  "$([ "$ase_frames" = 1000 ] || echo " (timed on $ase_frames frames, scaled)")" "$(echo "$ase_full / $vt_rdf" | bc -l)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
