#!/usr/bin/env bash
# Kill-and-resume through the CLI is bit-identical (issue 5, acceptance 4): `vitrum md` on a packed
# SiO2 cell with the shipped PMMCS potential runs once uninterrupted, then again killed with
# SIGKILL at two random points of its progress and restarted with the same command; trajectory,
# thermo log and final structure must be byte-identical (cmp). Done for the Langevin thermostat
# with a binary .vtraj trajectory and for the Nose-Hoover chain with an extxyz one. A restart with
# other settings is refused with one error line (exit 2).
set -u
bin=${VT_BIN:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # check WHAT COND
  if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=$((fail + 1)); fi
}

"$bin" pack SiO2 --atoms 48 --density 2.2 --seed 3 --out "$tmp/cell.vasp" >/dev/null || exit 1
if ! "$bin" calc --calc pmmcs "$tmp/cell.vasp" >/dev/null 2>"$tmp/err"; then
  if grep -q "not built yet" "$tmp/err"; then echo "skipped: --calc pmmcs is not built yet"; exit 77; fi
  cat "$tmp/err"; exit 1
fi

# packed cells have close contacts: relax them first (not converging within the steps is fine)
"$bin" relax --in "$tmp/cell.vasp" --calc pmmcs --out "$tmp/cell.vasp" --fmax 0.1 --steps 500 >/dev/null 2>"$tmp/err" ||
  grep -q "not converged" "$tmp/err" || { cat "$tmp/err"; exit 1; }

size() { stat -c %s "$1" 2>/dev/null || echo 0; }

# md_cmd DIR THERMOSTAT TRAJ: the command (in array cmd), the same every time it is (re)started.
# It is run directly, not in a function or subshell, so that $! is vitrum itself and SIGKILL hits it.
md_cmd() {
  cmd=("$bin" md --in "$tmp/cell.vasp" --calc pmmcs --ensemble nvt --thermostat "$2" --temp 3000 --temp-end 2500
    --steps 1500 --dt 1 --seed 9 --traj "$1/$3" --traj-every 25 --log "$1/md.log" --log-every 5
    --checkpoint "$1/md.ckpt" --checkpoint-every 60 --out "$1/final.extxyz")
}

for variant in "langevin traj.vtraj" "nhc traj.xyz"; do
  set -- $variant
  th=$1 traj=$2
  mkdir -p "$tmp/$th-ref" "$tmp/$th-kill"
  md_cmd "$tmp/$th-ref" "$th" "$traj"
  "${cmd[@]}" >"$tmp/$th-ref/stdout" 2>"$tmp/$th-ref/stderr" || { echo "FAIL: reference run"; cat "$tmp/$th-ref/stderr"; exit 1; }
  md_cmd "$tmp/$th-kill" "$th" "$traj"
  full=$(size "$tmp/$th-ref/md.log")
  kills=0
  for pct in $((10 + RANDOM % 35)) $((55 + RANDOM % 35)); do
    "${cmd[@]}" >"$tmp/$th-kill/stdout" 2>"$tmp/$th-kill/stderr" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null && [ "$(size "$tmp/$th-kill/md.log")" -lt $((full * pct / 100)) ]; do sleep 0.005; done
    if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
    wait "$pid" 2>/dev/null
  done
  "${cmd[@]}" >"$tmp/$th-kill/stdout" 2>"$tmp/$th-kill/stderr" || { echo "FAIL: resumed run"; cat "$tmp/$th-kill/stderr"; fail=$((fail + 1)); }
  echo "$th: killed $kills times; $(head -1 "$tmp/$th-kill/stdout")"
  check "$th: killed twice and resumed" '[ $kills -eq 2 ] && grep -q "(resumed)" "$tmp/$th-kill/stdout"'
  for f in md.log "$traj" final.extxyz; do
    check "$th: $f byte-identical" 'cmp -s "$tmp/$th-ref/$f" "$tmp/$th-kill/$f"'
  done
done

# a restart with another time step is refused, naming the setting
"$bin" md --in "$tmp/cell.vasp" --calc pmmcs --ensemble nvt --thermostat nhc --temp 3000 --temp-end 2500 \
  --steps 1500 --dt 2 --seed 9 --traj "$tmp/nhc-kill/traj.xyz" --traj-every 25 --log "$tmp/nhc-kill/md.log" \
  --log-every 5 --checkpoint "$tmp/nhc-kill/md.ckpt" --checkpoint-every 60 >/dev/null 2>"$tmp/err"
rc=$?
want="'dt_fs 1' there, 'dt_fs 2' now"
check "other settings refused (exit $rc): $(cat "$tmp/err")" \
  '[ $rc -eq 2 ] && [ $(wc -l <"$tmp/err") -eq 1 ] && grep -qF "$want" "$tmp/err"'
check "refused run left the files alone" 'cmp -s "$tmp/nhc-ref/md.log" "$tmp/nhc-kill/md.log"'
[ "$fail" -eq 0 ]
