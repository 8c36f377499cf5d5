#!/usr/bin/env bash
# test_db_cli.sh - `vitrum db` on SQLite (or, with VT_STORE_PG=1 from test_store_pg.sh, on the
# running PostgreSQL cluster):
#  1. the paper's table (data/feature_target.dat): import -> export CSV -> import -> export is
#     byte-identical, the JSON export too, and the exported table holds the paper's numbers
#     (python's float() of both files: features exact, D x 1000 within 1 ulp);
#  2. MPContribs-style JSON whose structures pymatgen wrote (Structure.as_dict()): the same round
#     trip, the exported structures keep pymatgen's "xyz" bit for bit, ASE reads the extxyz export;
#  3. bad input (malformed JSON, unknown keys, wrong units, a bad table column, a bad element in
#     a structure): exit 2, one line naming the file and the field, the database unchanged.
set -euo pipefail
V=${VT_BIN:?}
SRC=${VT_SOURCE:?}
PY=/usr/bin/python3
work=$(mktemp -d /tmp/vt-db-cli.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
unset VITRUM_DB
if [ -n "${VT_STORE_PG:-}" ]; then
  # shellcheck source=pg.sh
  source "$(dirname "$0")/pg.sh"
  newdb() { pg_newdb "$1"; }
else
  newdb() { echo "$work/$1.db"; }
fi
fail() { echo "FAIL: $*"; exit 1; }

# ---- 1. the paper's table
A=$(newdb paper_a); B=$(newdb paper_b); C=$(newdb paper_c)
$V db init --db "$A" >/dev/null
$V db import --db "$A" "$SRC/data/feature_target.dat" | grep -q "166 runs imported" || fail "paper import"
$V db export --db "$A" --out a.csv >/dev/null
$V db export --db "$A" --out a.json >/dev/null
$V db import --db "$B" a.csv >/dev/null
$V db export --db "$B" --out b.csv >/dev/null
cmp a.csv b.csv || fail "CSV round trip not byte-identical"
$V db import --db "$C" a.json >/dev/null
$V db export --db "$C" --out c.json >/dev/null
$V db export --db "$C" --out c.csv >/dev/null
cmp a.json c.json || fail "JSON round trip not byte-identical"
cmp a.csv c.csv || fail "CSV via JSON differs"
$PY - "$SRC/data/feature_target.dat" a.csv <<'PY'
import csv, math, sys
orig = [l.split() for l in open(sys.argv[1]) if l.strip()]
head = orig[0][1:]          # '"Unnamed:' '0"' split in two: drop the id name's halves
head = ['Unnamed: 0'] + orig[0][2:]
rows = {(r[1], float(r[3])): r for r in orig[1:]}
out = list(csv.reader(open(sys.argv[2])))
assert out[0][1:] == head[1:], "header differs from the paper's"
assert len(out) - 1 == len(rows), (len(out) - 1, len(rows))
exact_y = 0
for r in out[1:]:
    o = rows[(r[1], float(r[3]))]
    for k in range(4, len(r)):
        assert float(r[k]) == float(o[k]), (r[1], r[3], head[k])
    y, y0 = float(r[2]), float(o[2])
    assert abs(y - y0) <= 2.3e-16 * y0, (r[1], r[3], y, y0)
    exact_y += y == y0
print(f"paper table: {len(out) - 1} rows, 42 features exact, D x 1000 exact in {exact_y}, within 1 ulp in all")
PY

# ---- 2. MPContribs-style JSON with pymatgen structures, an RDF table, sigmas and Ea
$PY - > mp.json <<'PY'
import json, random
from pymatgen.core import Lattice, Structure
random.seed(7)
def cell(n_li, n_o):
    lat = Lattice([[4.61 + random.random(), 0.1, 0], [0.2, 4.7, 0.05], [0, 0.3, 4.9 + random.random()]])
    sp = ["Li"] * n_li + ["O"] * n_o
    return Structure(lat, sp, [[random.random() for _ in range(3)] for _ in sp])
features = {f"{k}|1000K": random.random() * 10 for k in ["AAV", "LBI", "SLPW_pp", "avg_X_wiout_Li"]}
data = {"D|1000K": "1.234e-05 cm^2/s", "sigmaD|1000K": "2e-07 cm²/s", "D_Li|1500K": "3.3e-5 cm^2/s",
        "D_O|1500K": "1e-8 cm^2/s", "Ea": "0.321 eV", "sigmaEa": "0.012 eV", "D0": "0.0015 cm^2/s", **features}
s1, s2 = cell(8, 4), cell(8, 4)
structs = [dict(s1.as_dict(), name="1000K/0"), dict(s2.as_dict(), name="1500K/20")]
rdf = {"name": "rdf|1000K", "columns": ["r", "Li-Li", "Li-O", "O-O"],
       "data": [[0.1 * k, random.random(), random.random(), random.random()] for k in range(1, 6)]}
doc = {"project": "vitrum-test", "contributions": [
    {"identifier": "mp-li2o-1", "formula": "Li2O", "data": data, "structures": structs, "tables": [rdf],
     "run": {"backend": "pmmcs", "seed": 12345678901234567890, "status": "done",
             "created_at": "2024-05-01T12:00:00Z", "provenance": {"source": "test", "doi": "10.1/x"}}},
    {"identifier": "mp-li3n", "formula": "Li3N", "data": {"D|1000K": "5e-5 cm^2/s"}}]}
doc["contributions"][0]["run"]["seed"] = str(doc["contributions"][0]["run"]["seed"])
json.dump(doc, open("/dev/stdout", "w"))
PY
M=$(newdb mp_a); N=$(newdb mp_b)
$V db import --db "$M" mp.json | grep -q "2 runs imported" || fail "MPContribs import"
$V db export --db "$M" --out m1.json >/dev/null
$V db import --db "$N" m1.json >/dev/null
$V db export --db "$N" --out m2.json >/dev/null
cmp m1.json m2.json || fail "MPContribs round trip not byte-identical"
$V db export --db "$N" --out m2.xyz | grep -q "2 items" || fail "extxyz export"
$PY - mp.json m2.json m2.xyz <<'PY'
import json, sys
from pymatgen.core import Structure
from ase.io import read
src, out = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
a, b = src["contributions"][0], out["contributions"][0]
assert b["run"]["seed"] == "12345678901234567890" and b["run"]["provenance"] == {"source": "test", "doi": "10.1/x"}
assert b["data"]["D_Li|1000K"] == "1.234e-05 cm^2/s" and b["data"]["sigmaD_Li|1000K"] == "2e-07 cm^2/s"
assert b["data"]["Ea_Li"] == "0.321 eV" and b["data"]["D0_Li"] == "0.0015 cm^2/s" and "sigmaD0_Li" not in b["data"]
for k, v in a["data"].items():
    if "|1000K" in k and not k.startswith(("D", "sigma")):
        assert b["data"][k] == v, k
assert b["tables"][0]["data"] == a["tables"][0]["data"] and b["tables"][0]["columns"] == a["tables"][0]["columns"]
frames = read(sys.argv[3], index=":")
for k, (s, fr) in enumerate(zip(a["structures"], frames)):
    # vitrum reads "xyz" (Angstrom) and writes it back exactly; pymatgen rebuilds positions from
    # "abc", which vitrum recomputes, so through pymatgen they agree to rounding (1e-12 A)
    xyz = [site["xyz"] for site in s["sites"]]
    assert [site["xyz"] for site in b["structures"][k]["sites"]] == xyz
    want, got = Structure.from_dict(s), Structure.from_dict(b["structures"][k])
    assert b["structures"][k]["name"] == s["name"]
    assert (got.lattice.matrix == want.lattice.matrix).all() and abs(got.cart_coords - want.cart_coords).max() < 1e-12
    assert [str(x) for x in got.species] == [str(x) for x in want.species]
    assert fr.positions.tolist() == xyz and (fr.cell.array == want.lattice.matrix).all()
    assert fr.info["run"] == "mp-li2o-1" and fr.info["frame"] == int(s["name"].split("/")[1])
print("MPContribs JSON: values, structures (xyz bit for bit; pymatgen to 1e-12 A) and extxyz (ASE, exact) agree")
PY

# ---- 3. bad input: exit 2, one line with file and field, database unchanged
$V db export --db "$M" --out before.json >/dev/null
$V db info --db "$M" > before.info
bad() { # bad FILE FIELD-TEXT [--format F]
  local file=$1 want=$2 rc=0; shift 2
  $V db import --db "$M" "$file" "$@" >out.txt 2>err.txt || rc=$?
  [ "$rc" = 2 ] || fail "$file: exit $rc, want 2 ($(cat err.txt))"
  [ "$(wc -l <err.txt)" = 1 ] || fail "$file: error is not one line: $(cat err.txt)"
  grep -qF "$file" err.txt || fail "$file: error does not name the file: $(cat err.txt)"
  grep -qF -- "$want" err.txt || fail "$file: error does not name '$want': $(cat err.txt)"
  $V db export --db "$M" --out after.json >/dev/null
  cmp before.json after.json || fail "$file: database changed"
  $V db info --db "$M" | cmp - before.info || fail "$file: row counts changed"
  echo "  rejected $file: $(cat err.txt)"
}
# each bad file is fresh.json (new identifiers, imports cleanly: checked last) with one defect
$PY -c 'import json; d=json.load(open("mp.json")); [c.update(identifier="new-%d" % k) for k, c in enumerate(d["contributions"])]; json.dump(d, open("fresh.json","w"))'
printf '{"contributions": [\n  {"identifier": "x" "formula": "Li2O"}\n]}\n' > syntax.json
bad syntax.json "syntax.json:2: JSON syntax error"
$PY -c 'import json; d=json.load(open("fresh.json")); d["contributions"][1]["colour"]="red"; json.dump(d, open("key.json","w"))'
bad key.json "contributions[1].colour: unknown key"
$PY -c 'import json; d=json.load(open("fresh.json")); d["contributions"][1]["data"]["Dx|1000K"]="1 cm^2/s"; json.dump(d, open("dkey.json","w"))'
bad dkey.json "contributions[1].data.Dx|1000K"
$PY -c 'import json; d=json.load(open("fresh.json")); d["contributions"][1]["data"]["D|1000K"]="5e-9 m^2/s"; json.dump(d, open("unit.json","w"))'
bad unit.json "contributions[1].data.D|1000K: unit 'm^2/s' not accepted"
$PY -c 'import json; d=json.load(open("fresh.json")); d["contributions"][1]["data"]["sigmaD|1500K"]="1e-9 cm^2/s"; json.dump(d, open("sigma.json","w"))'
bad sigma.json "contributions[1].data.sigmaD|1500K: no matching D|1500K"
$PY -c 'import json; d=json.load(open("fresh.json")); d["contributions"][0]["structures"][0]["sites"][1]["species"][0]["element"]="Xx"; json.dump(d, open("site.json","w"))'
bad site.json "contributions[0].structures[0].sites[1].species[0].element"
$PY -c 'import json; d=json.load(open("fresh.json")); d["contributions"][1]["run"]={"backend": "x", "seed": -1}; json.dump(d, open("seed.json","w"))'
bad seed.json "contributions[1].run.seed"
bad mp.json "identifier 'mp-li2o-1' is already in the database"
sed '1s/AAV/AAX/' "$SRC/data/feature_target.dat" > column.dat
bad column.dat "AAX: unknown column"
sed -n '1,3p' "$SRC/data/feature_target.dat" > twice.dat; sed -n '3p' "$SRC/data/feature_target.dat" >> twice.dat
bad twice.dat "data row 3 (Li2Si2Os at 2000 K): temperature: a second row"
$V db import --db "$M" fresh.json | grep -q "2 runs imported" || fail "fresh.json, the bad files' base, does not import"

rc=0; $V db export --db "$M" --out x.txt 2>err.txt || rc=$?
[ "$rc" = 2 ] && grep -q "cannot tell the format" err.txt || fail "export to an unknown extension: exit $rc"
rc=0; $V db 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "vitrum db without a subcommand: exit $rc"
$V help db import | grep -q -- "--format" || fail "vitrum help db import"
if [ -z "${VT_STORE_PG:-}" ]; then # the default database: vitrum.db here
  $V db init | grep -q "sqlite database ready" && [ -f vitrum.db ] || fail "default database vitrum.db"
fi
echo "db CLI: round trips byte-identical, bad input rejected with the database unchanged"
