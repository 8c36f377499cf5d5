# campaign_lib.sh - sourced by the campaign end-to-end tests: the quick PMMCS campaign of Li
# oxides, a single-worker reference run, a worker killed with SIGKILL in the middle of a job, and
# the oracle (check.py, reading `vitrum db export` JSON and the jobs table with Python).
#   camp_files DIR N               DIR/formulas.txt (the first N compositions), DIR/schedule.txt
#   camp_work URL DIR LOG [args]   one worker in the background (pid in $!)
#   camp_kill_mid_job URL DIR LOG  start a worker, SIGKILL it once its job's run has started;
#                                  sets KILLED_KEY (its job) and KILLED_PID
#   camp_check REF_JSON JSON JOBS_TSV N   the oracle (exit 1 on any difference)
# Compositions: every element is in data/potentials/pmmcs.pot, and each one melts and converges
# on the quick schedule at a starting density of 2.0 g/cm^3 with the melt at 3000 K (PMMCS Li2O
# and Li4SiO4 do not from 2.0, hence their absence; Li2Ge2O5 and LiAlSiO4 get a negative D fit for
# one element at one temperature, which the store refuses). About 2-3 s a job on the 2-core machine.
CAMP_FORMULAS=(Li2SiO3 Li2ZrO3 Li2TiO3 Li3PO4 Li2GeO3 Li6Si2O7 Li4GeO4 Li2Si2O5 Li2MgSiO4 Li2CaSiO4
               LiKSiO4 Li2SrSiO4 Li2BaSiO4 Li2ZnGeO4 LiAlGeO4 Li2Ti2O5 Li2Si3O7 Li4TiO4 Li2MgGeO4 Li2CaGeO4)
CAMP_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Short leases so that a killed worker's job is claimed again within seconds.
CAMP_LEASE=(--heartbeat 0.5 --timeout 2)

camp_files() {
  mkdir -p "$1"
  printf '%s\n' "${CAMP_FORMULAS[@]:0:$2}" >"$1/formulas.txt"
  cat >"$1/schedule.txt" <<'SCHED'
# the quick schedule on PMMCS (docs/campaign.md: `vitrum run` options, one per line)
calc = pmmcs
quick
density = 2.0
--melt-temp 3000
SCHED
}

camp_work() {
  local url=$1 dir=$2 log=$3
  shift 3
  "$VT_BIN" campaign work --db "$url" --workdir "$dir/runs" "${CAMP_LEASE[@]}" "$@" >"$log" 2>&1 &
}

camp_kill_mid_job() {
  local url=$1 dir=$2 log=$3 t
  camp_work "$url" "$dir" "$log"
  KILLED_PID=$!
  KILLED_KEY=
  for t in $(seq 1 600); do # up to 60 s
    KILLED_KEY=$(sed -n 's/^campaign: job \([^:]*\): claimed by.*/\1/p' "$log" | tail -n 1)
    [ -n "$KILLED_KEY" ] && [ -f "$dir/runs/$KILLED_KEY/settings.json" ] && break
    sleep 0.1
  done
  sleep 0.3 # into its melt
  kill -9 "$KILLED_PID"
  wait "$KILLED_PID" 2>/dev/null
  echo "killed worker $KILLED_PID during job $KILLED_KEY"
}

camp_check() {
  /usr/bin/python3 "$CAMP_HERE/check.py" "$@"
}
