#!/usr/bin/env bash
# The M3GNet back end never runs on fewer threads than asked: its float results' last bits depend
# on the thread count (docs/m3gnet.md), so a thread the system cannot give at once (pthread_create:
# EAGAIN) is asked for again, and one it cannot give at all stops the evaluation with an error.
# pthread_create is made to fail by an LD_PRELOAD shim (tests/calc/fail_threads.c):
#   3 failures  -> the same energy, forces and stress, byte for byte, as without the shim;
#   always      -> exit status non-zero, a one-line error naming the thread, no result printed.
# Units of the compared output: eV, eV/A, GPa.
set -u
bin=${VT_BIN:?}
shim=${VT_FAIL_THREADS_LIB:?}
# ASan's own pthread_create, linked into the binary, comes before any LD_PRELOAD library.
[ -z "${VT_SANITIZED:-}" ] || { echo "skipped: sanitizer build (ASan intercepts pthread_create first)"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=$((fail + 1)); fi; }
# one thread for OpenBLAS (no thread pool of its own), so that every pthread_create is M3GNet's
export OPENBLAS_NUM_THREADS=1
"$bin" pack Li2SiO3 --atoms 48 --density 2.3 --min-dist 1.6 --seed 5 --out "$tmp/cell.vasp" >/dev/null ||
  { echo "FAIL: pack"; exit 1; }
calc=(calc --calc m3gnet:threads=2 "$tmp/cell.vasp" --format json)

"$bin" "${calc[@]}" >"$tmp/ref.json" 2>"$tmp/ref.err" || { cat "$tmp/ref.err"; exit 1; }
VT_FAIL_THREADS=3 LD_PRELOAD=$shim "$bin" "${calc[@]}" >"$tmp/retry.json" 2>"$tmp/retry.err"
rc=$?
check "3 failed thread starts: exit 0 (rc $rc)" "[ $rc -eq 0 ]"
check "3 failed thread starts: nothing on stderr (the shim loaded)" "[ ! -s '$tmp/retry.err' ]"
check "3 failed thread starts: result identical to the 2-thread reference" "cmp -s '$tmp/ref.json' '$tmp/retry.json'"
# the check above can fail: one thread's result differs from two threads' in its last bits
"$bin" calc --calc m3gnet:threads=1 "$tmp/cell.vasp" --format json >"$tmp/one.json"
check "1 thread gives other bits than 2 (so a silent fall-back would be seen)" "! cmp -s '$tmp/ref.json' '$tmp/one.json'"

VT_FAIL_THREADS=1000000 LD_PRELOAD=$shim "$bin" "${calc[@]}" >"$tmp/never.json" 2>"$tmp/never.err"
rc=$?
echo "with no thread to be had: rc $rc, stderr: $(cat "$tmp/never.err")"
check "no thread to be had: non-zero exit" "[ $rc -ne 0 ]"
check "no thread to be had: one line naming the thread" \
  "[ \$(wc -l < '$tmp/never.err') -eq 1 ] && grep -q 'could not start thread 2 of 2' '$tmp/never.err'"
check "no thread to be had: no result printed" "[ ! -s '$tmp/never.json' ]"
[ "$fail" -eq 0 ] || exit 1
echo "all checks passed"
