#!/bin/bash
# slurm-campaign.sh - a vitrum campaign as a Slurm array job (docs/campaign.md). Every array task
# is one worker: it claims jobs from the shared PostgreSQL queue until none is left, so the array
# size is the number of concurrent workers, not the number of compositions. A task killed at its
# time limit leaves its job running with a lease that expires after --timeout; the next claimer
# resumes it from the checkpoints in $WORKDIR/<job key>. Tested for syntax only (bash -n, in
# tests/campaign/test_campaign_report.sh).
#
# Once, from a login node:
#   vitrum campaign create --db "$VITRUM_DB" --formulas formulas.txt --schedule schedule.txt
# then:
#   sbatch docs/slurm-campaign.sh            # 32 workers, each with 4 cores
#   vitrum campaign status --db "$VITRUM_DB" # at any time; report: vitrum campaign report --out DIR
#
#SBATCH --job-name=vitrum-campaign
#SBATCH --array=0-31
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=4
#SBATCH --time=24:00:00
#SBATCH --output=logs/campaign-%A_%a.out
set -euo pipefail

# The queue: one PostgreSQL database every node can reach (a password in ~/.pgpass, not here).
export VITRUM_DB=${VITRUM_DB:-postgresql://vitrum@db.example.org:5432/campaign}
# Run directories on a file system all nodes see, so that a re-queued job resumes anywhere.
WORKDIR=${WORKDIR:-$SCRATCH/vitrum-campaign}
mkdir -p "$WORKDIR" logs

# The MD engine's threads (M3GNet's OpenBLAS, the pair back end) use this task's cores.
export OMP_NUM_THREADS=$SLURM_CPUS_PER_TASK OPENBLAS_NUM_THREADS=$SLURM_CPUS_PER_TASK

# Leave time to finish: Slurm sends SIGTERM, then SIGKILL; either way the lease (--timeout)
# returns the job to the queue. The heartbeat every 30 s keeps long jobs leased.
srun --ntasks=1 vitrum campaign work --db "$VITRUM_DB" --workdir "$WORKDIR" \
    --heartbeat 30 --timeout 300 --max-attempts 3
