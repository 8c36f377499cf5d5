#!/usr/bin/env bash
# Bad input to `vitrum md`, `vitrum relax` and `vitrum calc`: exactly one line on stderr,
# "vitrum: error: ...", exit 2 for usage and input errors, exit 1 for I/O errors (a missing file,
# as everywhere in vitrum: tests/cli/test_bad_input.sh), no sanitizer report, no output file left.
set -u
bin=${VT_BIN:?}
src=${VT_SOURCE:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0; n=0

want_rc=2
expect_error() { # expect_error WHAT FRAGMENT CMD...
  local what=$1 frag=$2; shift 2
  n=$((n + 1))
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  local lines; lines=$(wc -l <"$tmp/err")
  if [ "$rc" -ne "$want_rc" ] || [ "$lines" -ne 1 ] || ! grep -q "^vitrum: error: " "$tmp/err" || ! grep -qF -- "$frag" "$tmp/err"; then
    echo "FAIL: $what: exit $rc, $lines stderr lines (want $want_rc, 1 line containing '$frag'):"; head -5 "$tmp/err"; fail=$((fail + 1))
  fi
}

cell="$src/fuzz/corpus/poscar/ase_direct"
cp "$cell" "$tmp/POSCAR"
md=("$bin" md --in "$tmp/POSCAR" --calc pmmcs --steps 10 --out "$tmp/final.vasp")
expect_error "unknown option" "unknown option '--bogus'" "${md[@]}" --ensemble nve --bogus 3
expect_error "bad ensemble" "--ensemble: expected one of nve, nvt, got 'npt'" "${md[@]}" --ensemble npt --temp 300
expect_error "bad thermostat" "--thermostat: expected one of nhc, csvr, langevin, got 'berendsen'" "${md[@]}" --ensemble nvt --temp 300 --thermostat berendsen
expect_error "thermostat with nve" "--thermostat: only with --ensemble nvt" "${md[@]}" --ensemble nve --thermostat csvr
expect_error "nvt without temperature" "--ensemble nvt needs --temp" "${md[@]}" --ensemble nvt
expect_error "no ensemble" "--ensemble is required" "${md[@]}"
expect_error "no steps" "--steps is required" "$bin" md --in "$tmp/POSCAR" --calc pmmcs --ensemble nve
expect_error "no input" "--in is required" "$bin" md --calc pmmcs --ensemble nve --steps 1
expect_error "negative time step" "--dt" "${md[@]}" --ensemble nve --temp 300 --dt -1
expect_error "bad temperature" "--temp" "${md[@]}" --ensemble nvt --temp hot
expect_error "zero interval" "--*-every" "${md[@]}" --ensemble nve --temp 300 --log-every 0
expect_error "bad velocities" "--velocities: expected one of auto, mb, keep, rescale" "${md[@]}" --ensemble nve --velocities fast
expect_error "unknown calculator" "--calc: unknown back end 'lj'" "$bin" md --in "$tmp/POSCAR" --calc lj --ensemble nve --temp 300 --steps 1
head -c 120 "$cell" >"$tmp/trunc.vasp"
expect_error "truncated structure" "trunc.vasp:" "$bin" md --in "$tmp/trunc.vasp" --calc pmmcs --ensemble nve --temp 300 --steps 1
want_rc=1 expect_error "missing structure" "nope.vasp: cannot open" "$bin" md --in "$tmp/nope.vasp" --calc pmmcs --ensemble nve --temp 300 --steps 1
# relax and calc
expect_error "relax without --out" "--out is required" "$bin" relax --in "$tmp/POSCAR" --calc pmmcs
expect_error "relax bad fmax" "--fmax" "$bin" relax --in "$tmp/POSCAR" --calc pmmcs --out "$tmp/r.vasp" --fmax -1
expect_error "relax unknown option" "unknown option '--cel'" "$bin" relax --in "$tmp/POSCAR" --calc pmmcs --out "$tmp/r.vasp" --cel
want_rc=1 expect_error "relax missing structure" "nope.vasp: cannot open" "$bin" relax --in "$tmp/nope.vasp" --calc pmmcs --out "$tmp/r.vasp"
expect_error "calc bad format" "--format: expected table or json, got 'csv'" "$bin" calc --calc pmmcs "$tmp/POSCAR" --format csv
expect_error "calc without structure" "missing argument" "$bin" calc --calc pmmcs
expect_error "calc without --calc" "--calc is required" "$bin" calc "$tmp/POSCAR"
want_rc=1 expect_error "calc missing structure" "nope.vasp: cannot open" "$bin" calc --calc pmmcs "$tmp/nope.vasp"
for f in final.vasp r.vasp; do
  [ ! -e "$tmp/$f" ] || { echo "FAIL: a failed run left $f"; fail=$((fail + 1)); }
done
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
