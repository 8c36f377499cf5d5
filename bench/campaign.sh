#!/usr/bin/env bash
# bench/campaign.sh - scheduling overhead of the campaign queue per job (acceptance 2 of issue 9):
# 8 workers (vt_campaign_work: claim, run, finish) drain N jobs whose runner stores a trivial
# result the way a real one does (check the identifier, then one transaction with a run and a
# diffusivity), on a PostgreSQL server on loopback TCP (127.0.0.1, fsync on). The reference is
# the same N stores by 8 processes without the queue. Printed for both: time per job of the whole
# campaign (wall / N) and as one worker sees it (wall x 8 / N: on 2 cores the 8 workers and the
# server share the CPU), and the queue's share (claim + finish: two more commits per job). Goal:
# < 5 ms per job (wall / N), so that 10^4 jobs cost under a minute of queue time in all.
#   bench/campaign.sh [BUILD_DIR] [N]   (defaults: build, 4000)
# Uses Debian's postgresql (initdb, pg_ctl) in a throwaway cluster, as tests/store/pg.sh does,
# but listening on 127.0.0.1 at a free port instead of a UNIX socket.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
N=${2:-4000}
W=8
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$PG_BIN/initdb" ] || { echo "bench/campaign.sh needs PostgreSQL (Debian package postgresql)"; exit 1; }
[ -f "$build/libvitrum.a" ] || { echo "no $build/libvitrum.a: build first"; exit 1; }
tmp=$(mktemp -d /tmp/vt-bench-campaign.XXXXXX)
AS=()
if [ "$(id -u)" = 0 ]; then chown nobody "$tmp"; AS=(runuser -u nobody --); fi
stop() { (cd /tmp && "${AS[@]}" "$PG_BIN/pg_ctl" -D "$tmp/db" -m immediate -w stop >/dev/null 2>&1) || true; rm -rf "$tmp"; }
trap stop EXIT

cc -O2 -std=c17 -D_GNU_SOURCE -I"$top/include" "$top/bench/campaign_driver.c" "$build/libvitrum.a" \
   -lxgboost -lcjson -lfftw3 -lxtb -lopenblas -lsqlite3 -lpq -lcrypto -lmicrohttpd -lm -lpthread -o "$tmp/driver"
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd /tmp && "${AS[@]}" "$PG_BIN/initdb" -D "$tmp/db" -U vitrum --auth=trust -E UTF8 --locale=C >"$tmp/initdb.log" 2>&1)
(cd /tmp && "${AS[@]}" "$PG_BIN/pg_ctl" -D "$tmp/db" -l "$tmp/server.log" -w -t 60 \
   -o "-k $tmp -c listen_addresses=127.0.0.1 -p $port -c fsync=on -c max_connections=50" start >/dev/null)
"$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U vitrum queue
"$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U vitrum floor
q="postgresql://vitrum@127.0.0.1:$port/queue"
f="postgresql://vitrum@127.0.0.1:$port/floor"
"$tmp/driver" fill "$q" "$N" >/dev/null
"$tmp/driver" floor "$f" 1 warm >/dev/null # schema created outside the timing

now() { date +%s.%N; }
t0=$(now)
for w in $(seq 1 $W); do "$tmp/driver" work "$q" >"$tmp/work.$w" & done
wait
t1=$(now)
for w in $(seq 1 $W); do "$tmp/driver" floor "$f" $((N / W)) "w$w" >"$tmp/floor.$w" & done
wait
t2=$(now)
done_q=$(cat "$tmp"/work.* | awk '{s += $1} END {print s}')
done_f=$(cat "$tmp"/floor.* | awk '{s += $1} END {print s}')
[ "$done_q" = "$N" ] || { echo "queue: $done_q of $N jobs done"; exit 1; }
awk -v tq="$(echo "$t1 - $t0" | bc)" -v tf="$(echo "$t2 - $t1" | bc)" -v n="$N" -v nf="$done_f" -v w=$W 'BEGIN {
  q = tq / n * 1000; f = tf / nf * 1000
  printf "%d jobs, %d workers, PostgreSQL on 127.0.0.1 (fsync on), %d cores\n", n, w, '"$(nproc)"'
  printf "                                   per job (wall/N)   per job in one worker (wall x %d/N)\n", w
  printf "queue: claim + store + finish      %8.2f ms        %8.2f ms\n", q, q * w
  printf "store alone (reference)            %8.2f ms        %8.2f ms\n", f, f * w
  printf "queue overhead (claim + finish)    %8.2f ms        %8.2f ms   (%.2fx the store alone)\n", q - f, (q - f) * w, q / f
  printf "goal < 5 ms per job (wall/N, 8 workers): %s\n", q < 5 ? "met" : "NOT met"
}'
