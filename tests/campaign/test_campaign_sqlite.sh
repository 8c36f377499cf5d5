#!/usr/bin/env bash
# test_campaign_sqlite.sh - a campaign on one machine with the SQLite store: 10 Li-oxide
# compositions on the quick PMMCS schedule, 3 local worker processes, one of them killed with
# SIGKILL in the middle of a job. Every job must end done exactly once, its job claimed again and
# resumed by another worker, and the stored results (D and sigma per element and T, Ea, D0,
# features) equal a single-worker run digit for digit (tests/campaign/check.py reads both
# databases' `vitrum db export` with Python). Also: create is idempotent; schedule and formula
# files are strict (unknown keys, worker-owned keys, bad formulas: exit 2 naming file and line);
# a job that fails shows in `campaign status` with its message.
set -u
[ -z "${VT_SANITIZED:-}" ] || { echo "skipped: sanitizer build (tests/campaign/test_queue.c covers the queue under ASan)"; exit 77; }
bin=${VT_BIN:?}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=campaign_lib.sh
source "$here/campaign_lib.sh"
tmp=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=$((fail + 1)); fi; }
N=10
jobs_tsv() { # DB OUT: the jobs table as check.py reads it
  /usr/bin/python3 -c 'import sqlite3, sys
for r in sqlite3.connect(sys.argv[1]).execute("SELECT job_key, state, attempts, worker, run_identifier, error FROM campaign_jobs ORDER BY id"):
    print("\t".join("" if v is None else str(v) for v in r))' "$1" >"$2"
}

camp_files "$tmp" $N
create=(campaign create --formulas "$tmp/formulas.txt" --schedule "$tmp/schedule.txt")

# The reference: one worker.
t0=$(date +%s.%N)
"$bin" "${create[@]}" --db "$tmp/ref.db" >"$tmp/ref_create.out" || { cat "$tmp/ref_create.out"; exit 1; }
"$bin" campaign work --db "$tmp/ref.db" --workdir "$tmp/ref/runs" >"$tmp/ref.log" 2>&1 || { cat "$tmp/ref.log"; exit 1; }
t1=$(date +%s.%N)

# The campaign under test: 3 workers, the third killed during its first job.
"$bin" "${create[@]}" --db "$tmp/c.db" >"$tmp/create.out" || { cat "$tmp/create.out"; exit 1; }
check "create queues one job per formula" "grep -q '^campaign: 10 formulas, 10 new jobs, 0 already there; 10 jobs' '$tmp/create.out'"
"$bin" "${create[@]}" --db "$tmp/c.db" >"$tmp/create2.out"
check "re-creating adds nothing" "grep -q '^campaign: 10 formulas, 0 new jobs, 10 already there; 10 jobs' '$tmp/create2.out'"
camp_work "$tmp/c.db" "$tmp/par" "$tmp/w1.log"; w1=$!
camp_work "$tmp/c.db" "$tmp/par" "$tmp/w2.log"; w2=$!
camp_kill_mid_job "$tmp/c.db" "$tmp/par" "$tmp/w3.log"
wait $w1; rc1=$?
wait $w2; rc2=$?
t2=$(date +%s.%N)
check "the two surviving workers exit 0" "[ $rc1 = 0 ] && [ $rc2 = 0 ]"
check "the killed job was claimed again (attempt 2)" "grep -q 'job $KILLED_KEY: claimed by .*(attempt 2)' '$tmp/w1.log' '$tmp/w2.log'"
echo "single worker $(echo "$t1 - $t0" | bc) s, 3 workers (one killed) $(echo "$t2 - $t1" | bc) s"

"$bin" db export --db "$tmp/ref.db" --out "$tmp/ref.json" >/dev/null
"$bin" db export --db "$tmp/c.db" --out "$tmp/c.json" >/dev/null
jobs_tsv "$tmp/c.db" "$tmp/jobs.tsv"
check "results equal the single-worker run, every job done once" \
  "camp_check '$tmp/ref.json' '$tmp/c.json' '$tmp/jobs.tsv' $N '$KILLED_KEY' $KILLED_PID"
"$bin" campaign status --db "$tmp/c.db" >"$tmp/status.out"
check "status: 10 done, finished" "grep -q '^jobs        10: 10 done, 0 failed, 0 running, 0 queued' '$tmp/status.out' && grep -q '^ETA         finished' '$tmp/status.out'"

# A job that fails: its message in the status, the worker goes on.
printf 'LiNbO3\nLi2O\n' >"$tmp/bad.txt"
printf 'calc = pmmcs\nquick\ndensity = 2.4\nmelt-temp = 3000\n' >"$tmp/bad_sched.txt"
"$bin" campaign create --db "$tmp/f.db" --formulas "$tmp/bad.txt" --schedule "$tmp/bad_sched.txt" >/dev/null
"$bin" campaign work --db "$tmp/f.db" --workdir "$tmp/f" >"$tmp/f.log" 2>&1
check "a failing job does not stop the worker" "grep -q 'worker finished: 1 done, 1 failed' '$tmp/f.log'"
"$bin" campaign status --db "$tmp/f.db" >"$tmp/f_status.out"
check "status lists the failure with its message" \
  "grep -q '^  LiNbO3-[0-9a-f]* (attempt 1, .*): pair: .*element Nb is not in the parameter file' '$tmp/f_status.out'"

# Strict input: exit 2 and one line naming file, line and key.
bad_schedule() { # CONTENT WANT
  printf '%b' "$1" >"$tmp/s.txt"
  "$bin" campaign create --db "$tmp/x.db" --formulas "$tmp/formulas.txt" --schedule "$tmp/s.txt" >/dev/null 2>"$tmp/err"
  local rc=$?
  check "schedule '$(printf '%b' "$1" | tr '\n' '|')' refused: $2" "[ $rc = 2 ] && [ \$(wc -l <'$tmp/err') = 1 ] && grep -q -- '$2' '$tmp/err'"
}
bad_schedule 'quick\nbogus = 1\n' "s.txt:2: bogus: not a \`vitrum run\` option"
bad_schedule 'dir = /tmp/x\n' "s.txt:1: dir: set by each worker"
bad_schedule 'quick = yes\n' "s.txt:1: quick: a flag: takes no value"
bad_schedule 'density\n' "s.txt:1: density: needs a value RHO"
bad_schedule 'seed 1\nseed = 2\n' "s.txt:2: seed: given twice"
bad_schedule 'density = -1\n' "--density: expected a number"
printf 'Li2O\nLi2Xx3\n' >"$tmp/f.txt"
"$bin" campaign create --db "$tmp/x.db" --formulas "$tmp/f.txt" >/dev/null 2>"$tmp/err"
check "a bad formula is refused naming its line" "[ $? = 2 ] && grep -q 'f.txt:2: formula: ' '$tmp/err'"
check "nothing was queued by the refused creates" "[ ! -e '$tmp/x.db' ] || \"$bin\" campaign status --db '$tmp/x.db' | grep -q '^jobs        0:'"
"$bin" campaign work --db "$tmp/c.db" --heartbeat 5 --timeout 6 >/dev/null 2>"$tmp/err"
check "a lease shorter than two heartbeats is refused" "[ $? = 2 ] && grep -q 'at least twice --heartbeat' '$tmp/err'"
[ "$fail" -eq 0 ] || { echo "$fail check(s) failed"; exit 1; }
echo "all checks passed"
