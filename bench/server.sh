#!/usr/bin/env bash
# server.sh - throughput and latency of `vitrum serve` on 10^4 entries (acceptance 4 of issue 7),
# measured with wrk (Debian) on this machine: OPTIMADE filter queries per second and p99 latency,
# beside GET /versions (no database, no JSON: the HTTP floor of the same server) as the reference.
# Goal: >= 2,000 requests/s and p99 < 20 ms for filter queries on 2 cores. Measured twice: with the
# reply cache (the default: repeated queries on an unchanged database) and with --no-cache (every
# request runs its SQL: COUNT(*) for data_returned over the 10^4 entries, then the page).
#   bench/server.sh [BUILD_DIR]     (default build; env SECONDS_PER_RUN=10, CONNECTIONS=32)
# The 10^4 entries are a seeded synthetic feature table (formula, D x 1000 at 4 temperatures)
# imported with `vitrum db import`, so every run measures the same database.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
VT=$BUILD/vitrum
DUR=${SECONDS_PER_RUN:-10}
CONN=${CONNECTIONS:-32}
command -v wrk >/dev/null || { echo "bench/server.sh needs wrk (Debian package wrk)"; exit 1; }
[ -x "$VT" ] || { echo "no $VT: build first"; exit 1; }
tmp=$(mktemp -d /tmp/vt-bench-server.XXXXXX)
SERVER=
trap '[ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null; rm -rf "$tmp"' EXIT

/usr/bin/python3 - "$tmp/entries.dat" <<'PY'
import random, sys
rng = random.Random(2024)
others = ["B", "O", "Si", "P", "S", "Al", "Ge", "Sn", "Zr", "La", "Ti", "N", "Cl", "Br", "Ga", "Nb", "Ta", "W", "Mg", "Zn"]
seen, rows = set(), []
while len(seen) < 10000:
    els = rng.sample(others, rng.randint(1, 3))
    parts = ["Li%d" % rng.randint(1, 12)] + ["%s%d" % (e, rng.randint(1, 9)) for e in els]
    f = "".join(parts)
    if f in seen:
        continue
    seen.add(f)
    ea, d0 = rng.uniform(0.2, 0.9), 10 ** rng.uniform(-3.5, -2)
    for T in (1000, 1500, 2000, 2500):
        D = d0 * 2.718281828459045 ** (-ea / (8.617333262e-5 * T))
        rows.append("%s %.7g %d" % (f, D * 1000, T))
with open(sys.argv[1], "w") as out:
    out.write("formula diff_coeff_mul_thousand temperature\n" + "\n".join(rows) + "\n")
PY
"$VT" db import "$tmp/entries.dat" --db "$tmp/bench.db"
enc() { /usr/bin/python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
# name | path
QUERIES=(
  "reference: /versions (no database)|/versions"
  "elements HAS ALL Li,Si AND D(1000K) > 1e-6|/v1/structures?filter=$(enc 'elements HAS ALL "Li","Si" AND _vitrum_d_li_1000k > 1e-6')"
  "D(1500K) > 2e-5 AND NOT elements HAS ANY O,S|/v1/structures?filter=$(enc '_vitrum_d_li_1500k > 2e-5 AND NOT elements HAS ANY "O","S"')"
  "nelements = 3 AND chemical_formula_reduced STARTS Li|/v1/structures?filter=$(enc 'nelements = 3 AND chemical_formula_reduced STARTS WITH "Li"')"
  "chemical_formula_reduced = (exact match)|/v1/structures?filter=$(enc 'chemical_formula_reduced = "Li3O2Si"')"
)
start() {
  [ -z "$SERVER" ] || { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; }
  : >"$tmp/server.log" # now: the redirection below happens in the child, maybe after the first grep
  "$VT" serve --db "$tmp/bench.db" --port 0 "$@" >"$tmp/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do grep -q serving "$tmp/server.log" && break; sleep 0.1; done
  BASE=$(sed -n 's|.* at \(http://[0-9.]*:[0-9]*\)/ .*|\1|p' "$tmp/server.log")
}

for mode in cache no-cache; do
  if [ "$mode" = cache ]; then start; else start --no-cache; fi
  echo "== $mode"
  printf '%-56s %10s %9s %9s  %s\n' "query (wrk -t2 -c$CONN -d${DUR}s, page_limit 20)" "req/s" "p50 ms" "p99 ms" "goal"
  for q in "${QUERIES[@]}"; do
    name=${q%%|*}; path=${q#*|}
    curl -sf -o /dev/null "$BASE$path" || { echo "query failed: $name"; exit 1; }
    out=$(wrk -t2 -c"$CONN" -d"${DUR}s" --latency "$BASE$path")
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    ms() { awk -v p="$1" '$1 == p { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
           print (u == "us" ? v / 1000 : u == "s" ? v * 1000 : v) }' <<<"$out"; }
    p50=$(ms 50%); p99=$(ms 99%)
    ok=$(awk -v r="$rps" -v p="$p99" 'BEGIN { print (r >= 2000 && p < 20) ? "met" : "MISSED" }')
    [[ $name == reference* ]] && ok="(reference)"
    errs=$(grep -E "Non-2xx|Socket errors" <<<"$out" || true)
    printf '%-56s %10s %9s %9s  %s %s\n' "$name" "$rps" "$p50" "$p99" "$ok" "$errs"
  done
done
