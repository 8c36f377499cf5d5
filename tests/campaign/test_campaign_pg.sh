#!/usr/bin/env bash
# test_campaign_pg.sh - the campaign on a real PostgreSQL (a throwaway cluster, tests/store/pg.sh):
# first the queue's unit tests (test_queue) on a fresh database, then 20 Li-oxide compositions on
# the quick PMMCS schedule worked by `mpirun -n 2` (each rank a worker, named by its rank) plus a
# third worker killed with SIGKILL in the middle of a job. Every job must end done exactly once and
# the stored results equal a single-worker run on another database digit for digit (check.py).
# Skipped (77) without Debian's postgresql or openmpi-bin (mpirun).
set -u
[ -z "${VT_SANITIZED:-}" ] || { echo "skipped: sanitizer build (tests/campaign/test_queue.c covers the queue under ASan)"; exit 77; }
bin=${VT_BIN:?}
here=$(cd "$(dirname "$0")" && pwd)
tests_bin=$(dirname "$bin")/tests
command -v mpirun >/dev/null || { echo "skipped: no mpirun (Debian package openmpi-bin)"; exit 77; }
# shellcheck source=../store/pg.sh
source "$here/../store/pg.sh"
rc=0; pg_start || rc=$?
[ "$rc" = 0 ] || exit "$rc"
# shellcheck source=campaign_lib.sh
source "$here/campaign_lib.sh"
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; pg_stop; rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=$((fail + 1)); fi; }
N=20
jobs_tsv() { # URL OUT: the jobs table as check.py reads it
  "$VT_PG_BIN/psql" "$1" -X -q -A -t -F $'\t' \
    -c "SELECT job_key, state, attempts, worker, COALESCE(run_identifier, ''), COALESCE(error, '') FROM campaign_jobs ORDER BY id" >"$2"
}

VT_STORE_URL=$(pg_newdb queue) "$tests_bin/test_queue" || { echo "FAIL: test_queue on PostgreSQL"; exit 1; }

camp_files "$tmp" $N
ref=$(pg_newdb ref) && url=$(pg_newdb campaign) || exit 1
create=(campaign create --formulas "$tmp/formulas.txt" --schedule "$tmp/schedule.txt")
t0=$(date +%s.%N)
"$bin" "${create[@]}" --db "$ref" >/dev/null || exit 1
"$bin" campaign work --db "$ref" --workdir "$tmp/ref/runs" >"$tmp/ref.log" 2>&1 || { cat "$tmp/ref.log"; exit 1; }
t1=$(date +%s.%N)

"$bin" "${create[@]}" --db "$url" >"$tmp/create.out" || exit 1
check "create queues 20 jobs" "grep -q '^campaign: 20 formulas, 20 new jobs' '$tmp/create.out'"
# mpirun as root needs --allow-run-as-root; two ranks on two cores need no more slots, but the
# killed worker and PostgreSQL share them: --oversubscribe.
mpirun --allow-run-as-root --oversubscribe -n 2 "$bin" campaign work --db "$url" --workdir "$tmp/par/runs" \
  "${CAMP_LEASE[@]}" >"$tmp/mpi.log" 2>&1 &
mpi=$!
camp_kill_mid_job "$url" "$tmp/par" "$tmp/w3.log"
wait $mpi; rc=$?
t2=$(date +%s.%N)
check "mpirun exits 0" "[ $rc = 0 ] || { tail -20 '$tmp/mpi.log'; false; }"
check "both ranks worked, named by rank" "grep -q 'claimed by [^ ]*:rank0:' '$tmp/mpi.log' && grep -q 'claimed by [^ ]*:rank1:' '$tmp/mpi.log'"
check "the killed job was claimed again by a rank (attempt 2)" "grep -q 'job $KILLED_KEY: claimed by [^ ]*:rank[01]:.*(attempt 2)' '$tmp/mpi.log'"
echo "single worker $(echo "$t1 - $t0" | bc) s, 2 MPI ranks + 1 killed worker $(echo "$t2 - $t1" | bc) s"

"$bin" db export --db "$ref" --out "$tmp/ref.json" >/dev/null
"$bin" db export --db "$url" --out "$tmp/c.json" >/dev/null
jobs_tsv "$url" "$tmp/jobs.tsv"
check "results equal the single-worker run, every job done once" \
  "camp_check '$tmp/ref.json' '$tmp/c.json' '$tmp/jobs.tsv' $N '$KILLED_KEY' $KILLED_PID"
"$bin" campaign status --db "$url" >"$tmp/status.out"
check "status: 20 done on postgresql" "grep -q '(postgresql)' '$tmp/status.out' && grep -q '^jobs        20: 20 done, 0 failed' '$tmp/status.out'"
[ "$fail" -eq 0 ] || { echo "$fail check(s) failed"; exit 1; }
echo "all checks passed"
