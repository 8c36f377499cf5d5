#!/usr/bin/env bash
# `vitrum run` end to end on the quick schedule with the shipped PMMCS potential (issue 6,
# acceptance 5 on a fast back end): Li2O melts, its volume search converges, every temperature
# gives D for Li and O with a sigma, Arrhenius fits, features, RDFs and an amorphous-limit energy,
# all stored in an SQLite database. Then the same run killed with SIGKILL at random points and
# restarted until it finishes must end with byte-identical stage results, trajectories, thermo
# logs and printed report; a re-run of a finished directory stores nothing twice; a directory made
# with other settings is refused with one line (exit 2).
set -u
bin=${VT_BIN:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # check WHAT COND
  if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=$((fail + 1)); fi
}
# The melt is run at 3000 K: with PMMCS, Li2O at 5000 K is a supercritical fluid without a volume
# of zero pressure (the paper's DFT and M3GNet keep it condensed).
args=(run Li2O --quick --calc pmmcs --density 2.0 --melt-temp 3000 --seed 5)

"$bin" "${args[@]}" --dir "$tmp/ref" --db "$tmp/ref.db" >"$tmp/ref.out" 2>"$tmp/ref.err" || { cat "$tmp/ref.err"; exit 1; }
check "report names both temperatures" "grep -q '^T1500 ' '$tmp/ref.out' && grep -q '^T2500 ' '$tmp/ref.out'"
check "Arrhenius fit for Li" "grep -q '^Arrhenius Li ' '$tmp/ref.out'"
check "amorphous limit" "grep -q '^amorphous limit: ' '$tmp/ref.out'"
check "stored" "grep -q '^stored: run Li2O-' '$tmp/ref.out'"
# D of Li at 2500 K above D at 1500 K, both positive with a sigma below the value
# (the last line of each label is its row of the D table: "T1500  D_Li +- sigma  D_O +- sigma")
d15=$(awk '$1 == "T1500" {v = $2 " " $4} END {print v}' "$tmp/ref.out")
d25=$(awk '$1 == "T2500" {v = $2 " " $4} END {print v}' "$tmp/ref.out")
check "D_Li(1500 K) > 0 with sigma < D ($d15)" "awk -v a='$d15' 'BEGIN {split(a, x, \" \"); exit !(x[1] > 0 && x[2] < x[1])}'"
check "D_Li(2500 K) > D_Li(1500 K)" "awk -v a='$d15' -v b='$d25' 'BEGIN {split(a, x, \" \"); split(b, y, \" \"); exit !(y[1] > x[1])}'"
# Every convergence run starts near equilibrium: from the final state of the EOS run nearest V0,
# relaxed when compressed. Before 3124d52 it started from the previous stage's last frame squeezed
# to V0: 51 GPa at step 0 of T1500 here, and a run-away for Li3PS4 on M3GNet.
p0=$(for f in "$tmp"/ref/*/converge-0/thermo.log; do awk '!/^#/ {print $7; exit}' "$f"; done | sort -g |
  awk 'NR == 1 {lo = $1} {hi = $1} END {print NR, lo, hi}')
check "3 convergence runs start within 10 GPa of P = 0 (runs, lowest and highest step-0 P: $p0)" \
  "awk -v a='$p0' 'BEGIN {split(a, x, \" \"); exit !(x[1] == 3 && x[2] > -10 && x[3] < 10)}'"
info=$("$bin" db info --db "$tmp/ref.db")
check "database: 1 run, 3 trajectories, 6 D, 2 Arrhenius fits, 3 RDFs" \
  "echo '$info' | awk '\$1 == \"runs\" && \$2 == 1 {r++} \$1 == \"trajectories\" && \$2 == 3 {r++} \$1 == \"diffusivities\" && \$2 == 6 {r++} \$1 == \"arrhenius\" && \$2 == 2 {r++} \$1 == \"rdfs\" && \$2 == 3 {r++} END {exit r != 5}'"
"$bin" "${args[@]}" --dir "$tmp/ref" --db "$tmp/ref.db" >"$tmp/again.out" 2>&1
check "a finished directory is read back and not stored twice" "grep -q '^already stored: ' '$tmp/again.out' && [ \"\$(\"$bin\" db info --db '$tmp/ref.db' | awk '\$1 == \"runs\" {print \$2}')\" = 1 ]"

# Killed at random points (RANDOM seeded for a reproducible test) up to 6 times, then run to the
# end (a slow build may never finish between kills).
RANDOM=7
kills=0
for attempt in 1 2 3 4 5 6; do
  "$bin" "${args[@]}" --dir "$tmp/kill" --no-db >"$tmp/kill.out" 2>"$tmp/kill.err" &
  pid=$!
  sleep "0.$((RANDOM % 4 + 1))"
  if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); wait "$pid" 2>/dev/null; continue; fi
  wait "$pid" && break
  cat "$tmp/kill.err"; fail=$((fail + 1)); break
done
"$bin" "${args[@]}" --dir "$tmp/kill" --no-db >"$tmp/kill.out" 2>"$tmp/kill.err" || { cat "$tmp/kill.err"; fail=$((fail + 1)); }
echo "killed $kills times"
check "killed at least twice before it finished" "[ $kills -ge 2 ]"
check "report identical after kills" "diff <(grep -v '^stored' '$tmp/ref.out') '$tmp/kill.out' >/dev/null"
same=0 differ=0
while IFS= read -r f; do
  rel=${f#"$tmp/ref/"}
  case $rel in *md.chk | *.tmp*) continue ;; esac
  if cmp -s "$f" "$tmp/kill/$rel"; then same=$((same + 1)); else differ=$((differ + 1)); echo "differs: $rel"; fi
done < <(find "$tmp/ref" -type f | sort)
check "every stage file byte-identical ($same files)" "[ $differ -eq 0 ] && [ $same -gt 20 ]"

"$bin" run Li2O --quick --calc pmmcs --density 2.1 --melt-temp 3000 --seed 5 --dir "$tmp/ref" --no-db >/dev/null 2>"$tmp/err"
rc=$?
check "other settings on the same directory refused (exit 2, one line)" "[ $rc -eq 2 ] && [ \$(wc -l <'$tmp/err') -eq 1 ]"
"$bin" run Li2O --quick --calc pmmcs --bogus >/dev/null 2>&1
check "unknown option refused" "[ $? -eq 2 ]"
"$bin" run Li2O --dry-run --calc pmmcs >"$tmp/dry" 2>&1
check "dry run prints the paper's schedule" "grep -q '5000 K, then 1000 1500 2000 2500 K' '$tmp/dry' && grep -q 'x 0.8 1 1.2' '$tmp/dry'"
[ "$fail" -eq 0 ] || { echo "$fail check(s) failed"; exit 1; }
echo "all checks passed"
