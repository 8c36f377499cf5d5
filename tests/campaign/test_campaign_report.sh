#!/usr/bin/env bash
# test_campaign_report.sh - `vitrum campaign report` on a small SQLite campaign (3 oxides that run
# on the quick PMMCS schedule, a sulfide and a bromide that fail on it): the page and its 3 SVG
# figures are well-formed (Python's XML parser), the D(T) figure has one marker per stored Li
# diffusivity and a legend row only for the anion group that has some, the D values in the page
# equal the database's (`vitrum db export`, read by Python), anion groups and element counts are
# right, and the page renders in headless Chromium (screenshot kept in the build folder as
# campaign_report.png). Also checks docs/slurm-campaign.sh with `bash -n`. Skipped (77) without
# chromium.
set -u
bin=${VT_BIN:?}
src=${VT_SOURCE:?}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=campaign_lib.sh
source "$here/campaign_lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=$((fail + 1)); fi; }

check "docs/slurm-campaign.sh parses (bash -n)" "bash -n '$src/docs/slurm-campaign.sh'"
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "skipped: no chromium (Debian package chromium)"; exit 77; }

camp_files "$tmp" 3
printf 'Li3PS4\nLiBr\n' >>"$tmp/formulas.txt"
"$bin" campaign create --db "$tmp/c.db" --formulas "$tmp/formulas.txt" --schedule "$tmp/schedule.txt" >/dev/null || exit 1
"$bin" campaign work --db "$tmp/c.db" --workdir "$tmp/runs" >"$tmp/work.log" 2>&1 || { cat "$tmp/work.log"; exit 1; }
"$bin" campaign report --db "$tmp/c.db" --out "$tmp/report" >"$tmp/report.out" || exit 1
cat "$tmp/report.out"
check "report summary line" "grep -q 'index.html: 5 jobs (3 done), 9 Li diffusivities, anion groups Br O S' '$tmp/report.out'"
"$bin" db export --db "$tmp/c.db" --out "$tmp/c.json" >/dev/null

/usr/bin/python3 - "$tmp/report" "$tmp/c.json" >"$tmp/py.out" <<'PY'
import json, re, sys, xml.etree.ElementTree as ET
d, export = sys.argv[1], json.load(open(sys.argv[2]))
ns = "{http://www.w3.org/2000/svg}"
for name in ("d_vs_T.svg", "ea_by_anion.svg", "coverage.svg"):
    ET.parse(d + "/" + name)  # raises on malformed XML
print("svg well-formed")
circles = len(ET.parse(d + "/d_vs_T.svg").getroot().findall(".//" + ns + "circle"))
print("d_vs_T points", circles)  # svg.c: exactly one <circle> per data point
texts = [t.text or "" for t in ET.parse(d + "/d_vs_T.svg").getroot().iter(ns + "text")]
print("d_vs_T legend", " ".join(sorted(t for t in texts if re.fullmatch(r"\w+ \(\d+\)", t))))
cov = {g.find(ns + "title").text.split(":")[0]: int(g.find(ns + "title").text.split(": ")[1])
       for g in ET.parse(d + "/coverage.svg").getroot().findall(ns + "g")}
print("coverage Li O S Br Si Na", cov["Li"], cov["O"], cov["S"], cov["Br"], cov["Si"], cov["Na"])
html = open(d + "/index.html").read()
assert html.count("<img src=") == 3
rows = re.findall(r"<tr class=\"(\w+)\"><td>([^<]*)</td><td>(\w+)</td>.*?</td><td>\d+</td><td>(.*?)</td>", html)
ok = 0
for state, formula, anion, dcell in rows:
    want = {k.split("|")[1]: float(v.split()[0]) for c in export["contributions"] if c["formula"] == formula
            for k, v in c["data"].items() if k.startswith("D_Li|")}
    got = dict((t + "K", float(v)) for t, v in re.findall(r"(\d+) K: ([0-9.e+-]+)", dcell))
    assert set(got) == set(want), (formula, got, want)
    assert all(abs(got[t] / want[t] - 1) < 6e-4 for t in want), (formula, got, want)  # printed %.3e
    ok += len(want)
print("html D values equal the database", ok)
print("anions", " ".join(sorted("%s=%s" % (f, a) for _, f, a, _ in rows)))
PY
cat "$tmp/py.out"
check "figures well-formed" "grep -q '^svg well-formed' '$tmp/py.out'"
check "D(T) figure: 9 points (3 jobs x 3 T)" "grep -q '^d_vs_T points 9$' '$tmp/py.out'"
check "D(T) legend: only the group with points (S and Br failed)" "grep -q '^d_vs_T legend O (3)$' '$tmp/py.out'"
check "coverage counts" "grep -q '^coverage Li O S Br Si Na 5 3 1 1 1 0$' '$tmp/py.out'"
check "page D values equal the database" "grep -q '^html D values equal the database 9$' '$tmp/py.out'"
check "anion groups" "grep -q '^anions Li2SiO3=O Li2TiO3=O Li2ZrO3=O Li3PS4=S LiBr=Br$' '$tmp/py.out'"
check "the failures are in the page" "grep -q 'element S is not in the parameter file' '$tmp/report/index.html'"

shot=$(dirname "$bin")/campaign_report.png
rm -f "$shot"
# --no-sandbox: Chromium refuses to run as root with its sandbox; the page is a local file.
timeout 60 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,1600 \
  --screenshot="$shot" "file://$tmp/report/index.html" >"$tmp/chromium.log" 2>&1
check "chromium renders the page ($shot)" "[ -s '$shot' ] && [ \$(stat -c %s '$shot') -gt 20000 ] || { tail -5 '$tmp/chromium.log'; false; }"
[ "$fail" -eq 0 ] || { echo "$fail check(s) failed"; exit 1; }
echo "all checks passed"
