#!/usr/bin/env bash
# test_optimade.sh - OPTIMADE v1 conformance of `vitrum serve` (acceptance 2 of issue 7), on SQLite
# and, when Debian's postgresql is installed, on a throwaway PostgreSQL (tests/store/pg.sh).
# The database holds the paper's table and an MPContribs-style fixture made here with pymatgen
# (structures, Ea, an RDF table). A live server on a free loopback port (--port 0) is checked by
# tests/server/optimade_check.py: every MUST the project claims (docs/server.md), filters against
# an independent oracle (pymatgen Composition over the same data), malformed, unicode and
# SQL-injection-shaped filters and huge page limits (proper 4xx/501 errors). Afterwards the
# server must still be alive (no crash) and the database export byte-identical (nothing written).
# Then a server with an upload token: uploads (401 without/with a wrong token, 200 with it) and
# downloads read back by ASE.
set -euo pipefail
PY=/usr/bin/python3
: "${VT_BIN:?}" "${VT_SOURCE:?}"
"$PY" -c "import pymatgen.core, ase" 2>/dev/null || { echo "skipped: python3-pymatgen or python3-ase missing"; exit 77; }
command -v curl >/dev/null || { echo "skipped: curl missing"; exit 77; }

tmp=$(mktemp -d /tmp/vt-optimade.XXXXXX)
SERVER_PID=
cleanup() {
  [ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$tmp"
  if declare -F pg_stop >/dev/null; then pg_stop; fi
}
trap cleanup EXIT

# The fixture: two runs with structures (pymatgen dicts named "<T>K/<frame>"), Ea, an RDF table.
"$PY" - "$tmp/fixture.json" <<'EOF'
import json, sys
import numpy as np
from pymatgen.core import Lattice, Structure
rng = np.random.default_rng(7)
def cell(species, a):
    s = Structure(Lattice.from_parameters(a, a * 1.03, a * 0.98, 89.0, 91.5, 90.5), species, rng.random((len(species), 3)))
    return s.as_dict()
a300 = dict(cell(["Li"] * 4 + ["Si"] * 2 + ["O"] * 6, 6.1), name="300K/0")
a1000 = dict(cell(["Li"] * 4 + ["Si"] * 2 + ["O"] * 6, 6.3), name="1000K/7")
b300 = dict(cell(["Li"] * 4 + ["O"] * 2, 4.7), name="300K/0")
r = np.linspace(0.5, 6.0, 56)
rdf = {"name": "rdf|1000K", "columns": ["r", "Li-O", "Si-O"],
       "data": [[x, 1 + np.exp(-(x - 2.0) ** 2 / 0.05), 1 + 2 * np.exp(-(x - 1.6) ** 2 / 0.02)] for x in r]}
doc = {"project": "vitrum-test", "contributions": [
    {"identifier": "glass-Li2SiO3-a", "formula": "Li2SiO3",
     "data": {"D|1000K": "3.1e-6 cm^2/s", "D|1500K": "2.2e-5 cm^2/s", "D|2000K": "6.0e-5 cm^2/s",
              "sigmaD|1000K": "4e-7 cm^2/s", "Ea": "0.42 eV", "sigmaEa": "0.03 eV", "D0": "4.2e-4 cm^2/s",
              "AAV|1000K": 15.5},
     "structures": [a1000, a300], "tables": [rdf]},
    {"identifier": "glass-Li2O-b", "formula": "Li2O",
     "data": {"D|1000K": "9.9e-5 cm^2/s", "Ea": "0.61 eV"}, "structures": [b300]}]}
json.dump(doc, open(sys.argv[1], "w"))
EOF

# Start `vitrum serve` on a free port; sets SERVER_PID and BASE.
# The log is emptied here, not only by the redirection: that one happens in the background child,
# possibly after the first grep below, which would then find the previous server's "serving" line.
start_server() {
  : >"$tmp/server.log"
  "$VT_BIN" serve --port 0 "$@" >"$tmp/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 300); do
    grep -q "serving" "$tmp/server.log" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$tmp/server.log"; return 1; }
    sleep 0.1
  done
  BASE=$(sed -n 's|.* at \(http://[0-9.]*:[0-9]*\)/ .*|\1|p' "$tmp/server.log")
  [ -n "$BASE" ] || { echo "no server address in: $(cat "$tmp/server.log")"; return 1; }
}

stop_server() {
  kill -0 "$SERVER_PID" || { echo "FAIL: the server died"; cat "$tmp/server.log"; return 1; }
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID" || { echo "FAIL: the server did not exit cleanly"; return 1; }
  SERVER_PID=
}

suite() { # URL NAME
  local url=$1 name=$2
  echo "== $name"
  "$VT_BIN" db import "$VT_SOURCE/data/feature_target.dat" "$tmp/fixture.json" --db "$url" >/dev/null
  "$VT_BIN" db export --db "$url" --out "$tmp/before.json" >/dev/null
  start_server --db "$url"
  "$PY" "$VT_SOURCE/tests/server/optimade_check.py" "$BASE" "$VT_SOURCE/data/feature_target.dat" "$tmp/fixture.json" read
  # raw requests urllib would refuse or re-encode: bad percent escapes, NUL bytes, 100 kB and 400 kB URLs
  "$PY" - "$BASE" <<'EOF'
import http.client, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
for path in ["/v1/structures?filter=%ZZ", "/v1/structures/%00x", "/v1/structures?filter=nelements%3D2%00",
             "/v1/structures?filter=" + "a" * 100000, "/v1/structures?filter=" + "a" * 400000]:
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        c.request("GET", path)
        code = c.getresponse().status
    except (ConnectionError, http.client.HTTPException):
        code = 0  # the server may close on a request too large to read
    c.close()
    if not (400 <= code < 600 or (code == 0 and len(path) > 300000)):
        sys.exit(f"FAIL: {path[:40]}: HTTP {code}")
print("raw requests: proper errors")
EOF
  stop_server
  "$VT_BIN" db export --db "$url" --out "$tmp/after.json" >/dev/null
  cmp -s "$tmp/before.json" "$tmp/after.json" || { echo "FAIL: $name: the database changed under reads"; exit 1; }
  echo "database unchanged after the read phase"
  export VT_TOKEN=token-$RANDOM-$RANDOM-$RANDOM-0123456789
  printf '%s\n' "$VT_TOKEN" >"$tmp/token"
  start_server --db "$url" --token-file "$tmp/token"
  "$PY" "$VT_SOURCE/tests/server/optimade_check.py" "$BASE" "$VT_SOURCE/data/feature_target.dat" "$tmp/fixture.json" upload
  stop_server
}

suite "sqlite:$tmp/vitrum.db" sqlite
# shellcheck source=../store/pg.sh
. "$VT_SOURCE/tests/store/pg.sh"
if pg_start; then
  trap cleanup EXIT # pg_start installed its own
  suite "$(pg_newdb optimade)" postgresql
else
  echo "postgresql part skipped"
fi
echo "OPTIMADE conformance: all checks passed"
