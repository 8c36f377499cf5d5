"""optimade_check.py - OPTIMADE v1.1 conformance and filter checks against a live `vitrum serve`.

Driven by tests/server/test_optimade.sh:  optimade_check.py BASE_URL TABLE FIXTURE PHASE
  BASE_URL  http://127.0.0.1:PORT (the server)
  TABLE     data/feature_target.dat (the paper's table, imported into the served database)
  FIXTURE   the MPContribs-style JSON the script also imported (structures, Ea, RDF)
  PHASE     "read" (read-only server: every MUST below, filters, hostile input)
            "upload" (server with a token: POST /upload, downloads)
Each "MUST" of the spec the project claims (docs/server.md) is one check() with the spec section.
Expected filter results come from an independent oracle: pymatgen's Composition over the table and
the fixture, never from vitrum. Exit status 1 on any failed check."""
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

from pymatgen.core import Composition

BASE, TABLE, FIXTURE, PHASE = sys.argv[1:5]
FAILED = []
N_CHECKS = [0]


def check(cond, what):
    N_CHECKS[0] += 1
    if not cond:
        FAILED.append(what)
        print("FAIL:", what, file=sys.stderr)


def get(path, params=None, method="GET", body=None, headers=None):
    """(status, content type, parsed JSON or text) of one request; never raises on HTTP errors."""
    url = BASE + path + ("?" + urllib.parse.urlencode(params) if params else "")
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, ctype, raw = r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        status, ctype, raw = e.code, e.headers.get("Content-Type", ""), e.read()
    if "json" in ctype:
        return status, ctype, json.loads(raw)
    return status, ctype, raw.decode("utf-8", "replace")


def check_meta(doc, where):
    m = doc.get("meta")
    check(isinstance(m, dict), where + ": meta present (Common Fields MUST)")
    if not isinstance(m, dict):
        return
    check(re.fullmatch(r"\d+\.\d+\.\d+", m.get("api_version", "")) is not None, where + ": meta.api_version without 'v'")
    check(isinstance(m.get("query", {}).get("representation"), str), where + ": meta.query.representation")
    check(isinstance(m.get("more_data_available"), bool), where + ": meta.more_data_available")
    p = m.get("provider", {})
    check(all(isinstance(p.get(k), str) for k in ("name", "description", "prefix")), where + ": meta.provider")


def check_error(status, doc, want, where):
    """An error document: the status wanted, errors[] with detail, no data, meta."""
    check(status == want, f"{where}: HTTP {status}, want {want}")
    check(isinstance(doc, dict) and "data" not in doc, where + ": error documents have no data")
    errs = doc.get("errors") if isinstance(doc, dict) else None
    check(isinstance(errs, list) and errs and all(isinstance(e.get("detail"), str) for e in errs),
          where + ": errors[].detail (MUST)")
    if isinstance(errs, list) and errs:
        check(errs[0].get("status") == str(status), where + ": errors[0].status matches HTTP status")
    if isinstance(doc, dict):
        check_meta(doc, where)


# ---- the oracle: what the database holds, computed without vitrum ----
def oracle():
    entries = {}
    with open(TABLE) as f:
        header = f.readline()
        cols = re.findall(r'"[^"]*"|\S+', header)
        for line in f:
            v = line.split()
            row = dict(zip(cols, v))
            e = entries.setdefault(row["formula"], {"formula": row["formula"], "d": {}, "nsites": None, "ea": None})
            e["d"][float(row["temperature"])] = float(row["diff_coeff_mul_thousand"]) / 1000.0
    with open(FIXTURE) as f:
        for c in json.load(f)["contributions"]:
            e = {"formula": c["formula"], "d": {}, "nsites": None, "ea": None}
            for k, v in c["data"].items():
                if k.startswith("D|"):
                    e["d"][float(k[2:-1])] = float(v.split()[0])
                if k == "Ea":
                    e["ea"] = float(v.split()[0])
            if c.get("structures"):
                e["nsites"] = min((s for s in c["structures"]), key=lambda s: float(s["name"].split("K")[0]))
                e["nsites"] = len(e["nsites"]["sites"])
            entries[c["identifier"]] = e
    for e in entries.values():
        comp = Composition(e["formula"])
        e["elements"] = sorted(el.symbol for el in comp.elements)
    return entries


DB = oracle()


def ids(filt, extra=None):
    """All ids matching filt, following links.next (pagination), plus the last status."""
    params = {"page_limit": 50, "response_fields": "nelements"}
    if filt is not None:
        params["filter"] = filt
    params.update(extra or {})
    got, url, n_pages, returned = [], "/v1/structures", 0, None
    status, _, doc = get(url, params)
    while status == 200:
        got += [e["id"] for e in doc["data"]]
        returned = doc["meta"]["data_returned"]
        nxt = doc.get("links", {}).get("next")
        n_pages += 1
        if not nxt or n_pages > 100:
            break
        status, _, doc = get(nxt[len(BASE):].split("?")[0], dict(urllib.parse.parse_qsl(nxt.split("?", 1)[1])))
    return status, got, returned, doc


def expect(filt, pred):
    want = sorted(k for k, e in DB.items() if pred(e))
    status, got, returned, doc = ids(filt)
    check(status == 200, f"filter {filt!r}: HTTP {status} {doc.get('errors') if isinstance(doc, dict) else ''}")
    check(sorted(got) == want, f"filter {filt!r}: {len(got)} ids, oracle {len(want)}")
    check(returned == len(want), f"filter {filt!r}: meta.data_returned {returned}, oracle {len(want)}")


def read_phase():
    # /versions: text/csv, header "version", then the major versions (Versions Endpoint MUSTs)
    status, ctype, text = get("/versions")
    check(status == 200 and ctype.startswith("text/csv") and "header=present" in ctype, "/versions content type")
    check(text.splitlines()[:2] == ["version", "1"], "/versions lists version 1 first")
    # /v1/info (Base Info Endpoint MUSTs)
    status, ctype, doc = get("/v1/info")
    check(status == 200 and "json" in ctype, "/v1/info status")
    check_meta(doc, "/v1/info")
    d = doc.get("data", {})
    a = d.get("attributes", {})
    check(d.get("type") == "info" and d.get("id") == "/", "/v1/info type info, id /")
    check(a.get("api_version") == doc["meta"]["api_version"], "/v1/info api_version")
    check(all(set(v) >= {"url", "version"} and not v["version"].startswith("v") for v in a.get("available_api_versions", [])) and
          any(v["url"].endswith("/v1") for v in a.get("available_api_versions", [])), "/v1/info available_api_versions")
    check("json" in a.get("formats", []), "/v1/info formats has json")
    check("structures" in a.get("entry_types_by_format", {}).get("json", []), "/v1/info entry_types_by_format")
    check({"info", "links", "structures"} <= set(a.get("available_endpoints", [])), "/v1/info available_endpoints")
    # /v1/info/structures (Entry Listing Info MUSTs)
    status, _, doc = get("/v1/info/structures")
    d = doc.get("data", {})
    props = d.get("properties", {})
    check(status == 200 and isinstance(d.get("description"), str), "/v1/info/structures description")
    check(all(isinstance(p.get("description"), str) for p in props.values()), "/v1/info/structures descriptions")
    check("json" in d.get("formats", []), "/v1/info/structures formats")
    check(set(d.get("output_fields_by_format", {}).get("json", [])) <= set(props), "output_fields_by_format keys")
    check({"_vitrum_d_li_1000k", "_vitrum_ea_ev", "elements", "nelements", "nsites"} <= set(props), "properties listed")
    check(all(re.fullmatch(r"[a-z_][a-z_0-9]*", k) for k in props), "property names are identifiers")
    # /v1/links (Links Endpoint MUSTs: one root)
    status, _, doc = get("/v1/links")
    links = doc.get("data", [])
    check(status == 200 and all(l.get("type") == "links" and l.get("id") for l in links), "/v1/links type and id")
    check(all({"name", "description", "base_url", "homepage", "link_type"} <= set(l["attributes"]) for l in links),
          "/v1/links attributes")
    check(sum(l["attributes"]["link_type"] == "root" for l in links) == 1, "/v1/links exactly one root")
    # entry listing: required fields, pagination through links.next, no entry twice
    status, got, returned, doc = ids(None, {"page_limit": 7})
    check(status == 200 and sorted(got) == sorted(DB), f"listing by pages of 7: {len(got)} ids, {len(DB)} stored")
    check(len(set(got)) == len(got), "pagination returns no entry twice")
    check(returned == len(DB), "meta.data_returned of the whole listing")
    check(doc.get("links", {}).get("next") is None and doc["meta"]["more_data_available"] is False,
          "last page: links.next null, more_data_available false")
    status, _, doc = get("/v1/structures", {"page_limit": 3})
    check_meta(doc, "/v1/structures")
    check(len(doc["data"]) == 3 and doc["meta"]["more_data_available"] is True and doc["links"]["next"],
          "page_limit 3: 3 entries, more data, a next link")
    for e in doc["data"]:
        check(e.get("type") == "structures" and isinstance(e.get("id"), str) and "attributes" in e,
              "entries have type, id, attributes")
        check("last_modified" in e["attributes"] and "id" not in e["attributes"], "attributes: last_modified, no id")
    status, _, doc = get("/v1/structures", {"page_limit": 2, "page_offset": 1})
    check([e["id"] for e in doc["data"]] == [e["id"] for e in get("/v1/structures", {"page_limit": 3})[2]["data"]][1:],
          "page_offset shifts the page")
    # response_fields: requested + required only, unknown values null
    status, _, doc = get("/v1/structures", {"response_fields": "nsites,_vitrum_d_li_9999k,_other_x", "page_limit": 2})
    check(status == 200 and all(set(e["attributes"]) == {"nsites", "_vitrum_d_li_9999k", "_other_x"} for e in doc["data"]),
          "response_fields returns exactly the fields asked for")
    # single entry
    one = sorted(DB)[0]
    status, _, doc = get("/v1/structures/" + urllib.parse.quote(one, safe=""))
    check(status == 200 and isinstance(doc.get("data"), dict) and doc["data"]["id"] == one, "single entry endpoint")
    status, _, doc = get("/v1/structures/no-such-entry")
    check_error(status, doc, 404, "missing single entry")
    # filters against the oracle
    def d_at(e, T):
        return e["d"].get(T)
    expect('elements HAS ALL "Li","Si"', lambda e: {"Li", "Si"} <= set(e["elements"]))
    expect('elements HAS ANY "Ba","Os","Zr"', lambda e: bool({"Ba", "Os", "Zr"} & set(e["elements"])))
    expect('elements HAS ONLY "Li","Si","O"', lambda e: set(e["elements"]) <= {"Li", "Si", "O"})
    expect('elements HAS "B"', lambda e: "B" in e["elements"])
    expect('NOT elements HAS "Si"', lambda e: "Si" not in e["elements"])
    expect("nelements=2", lambda e: len(e["elements"]) == 2)
    expect("elements LENGTH 3", lambda e: len(e["elements"]) == 3)
    expect("3 < nelements", lambda e: len(e["elements"]) > 3)
    expect("NOT nelements >= 3 OR nelements = 4", lambda e: len(e["elements"]) < 3 or len(e["elements"]) == 4)
    expect('chemical_formula_reduced="Li2O"', lambda e: Composition(e["formula"]).reduced_formula == "Li2O")
    expect("_vitrum_d_li_1000k > 1e-4", lambda e: d_at(e, 1000) is not None and d_at(e, 1000) > 1e-4)
    expect("NOT _vitrum_d_li_1000k > 1e-4", lambda e: d_at(e, 1000) is not None and not d_at(e, 1000) > 1e-4)
    expect("_vitrum_d_li_1000k IS UNKNOWN", lambda e: d_at(e, 1000) is None)
    expect("NOT _vitrum_d_li_1500k IS KNOWN", lambda e: d_at(e, 1500) is None)
    expect("_vitrum_ea_ev < 0.5", lambda e: e["ea"] is not None and e["ea"] < 0.5)
    expect("nsites > 10", lambda e: e["nsites"] is not None and e["nsites"] > 10)
    expect("nsites IS KNOWN", lambda e: e["nsites"] is not None)
    expect('(elements HAS "Li" AND NOT (nelements > 2 OR elements HAS ANY "O", "S")) OR _vitrum_d_li_2500k >= 1.5e-3',
           lambda e: ("Li" in e["elements"] and not (len(e["elements"]) > 2 or {"O", "S"} & set(e["elements"])))
           or (d_at(e, 2500) is not None and d_at(e, 2500) >= 1.5e-3))
    expect('chemical_formula_descriptive STARTS WITH "Li2"', lambda e: e["formula"].startswith("Li2"))
    expect('chemical_formula_descriptive CONTAINS "Si2"', lambda e: "Si2" in e["formula"])
    expect('NOT chemical_formula_descriptive ENDS "O5"', lambda e: not e["formula"].endswith("O5"))
    expect('_other_db_x > 1 OR nelements = 2', lambda e: len(e["elements"]) == 2)
    expect('structure_features HAS ONLY "disorder"', lambda e: True)
    expect('last_modified > "2000-01-01T00:00:00+02:00"', lambda e: True)
    # hostile and malformed input: proper errors, never a crash, nothing written
    malformed = ['nelements >', '(nelements = 2', 'nelements = 2)', 'elements HAS', 'Nelements = 2', 'nelements == 2',
                 '"unterminated', 'nelements = 2 AND AND nelements = 3', 'x = "\\q"', 'nelements = 1.2.3', "",
                 "' OR 1=1; DROP TABLE runs; --", "nelements = 2; DROP TABLE runs", '\u00e9l\u00e9ments HAS "Li"',
                 "(" * 200 + "nelements = 2" + ")" * 200, "nelements = 2 " + "AND nelements = 2 " * 2000,
                 'nelements = 2\x00 OR 1 = 1', 'last_modified > "yesterday"', 'foo = 1', '_vitrum_nope = 1']
    for f in malformed:
        status, _, doc = get("/v1/structures", {"filter": f})
        check_error(status, doc, 400, f"malformed filter {f[:40]!r}")
    unsupported = ['nelements = "2"', 'elements:elements_ratios HAS "Li":0.5', 'nsites = nelements', '1 = 1',
                   'elements HAS > "Li"', 'lattice_vectors HAS 1', 'a.b = 1', 'nelements > 1e999', 'species LENGTH 2']
    for f in unsupported:
        status, _, doc = get("/v1/structures", {"filter": f})
        check_error(status, doc, 501, f"unsupported filter {f!r}")
    for f in ['chemical_formula_reduced = "\u03a9\u2603\U0001F600"', "chemical_formula_reduced = \"x' OR '1'='1\"",
              'chemical_formula_reduced = "\\" OR 1=1 --"', 'chemical_formula_descriptive CONTAINS "%"',
              'chemical_formula_descriptive STARTS "_"', 'id = "Li2O\\\\"']:
        status, _, doc = get("/v1/structures", {"filter": f})
        check(status == 200 and doc["meta"]["data_returned"] == 0, f"string literal {f!r}: 200, no match")
    for params, want in [({"page_limit": 10**9}, 403), ({"page_limit": 501}, 403), ({"page_limit": -1}, 400),
                         ({"page_limit": "1e3"}, 400), ({"page_offset": "x"}, 400), ({"sort": "lattice_vectors"}, 400),
                         ({"response_format": "xml"}, 400), ({"response_fields": "no_such_field"}, 400),
                         ({"page_cursor": "a"}, 400)]:
        status, _, doc = get("/v1/structures", params)
        check_error(status, doc, want, f"parameters {params}")
    status, _, doc = get("/v1/structures", {"page_limit": 500, "page_offset": 10**9})
    check(status == 200 and doc["data"] == [] and doc["meta"]["more_data_available"] is False, "offset past the end")
    status, _, doc = get("/v2/info")
    check_error(status, doc, 553, "unsupported version /v2")
    status, _, doc = get("/v1/info", method="POST", body=b"x")
    check_error(status, doc, 405, "POST on a GET endpoint")
    status, _, doc = get("/upload", method="POST", body=b"{}")
    check_error(status, doc, 403, "upload to a read-only server")
    # sort: Ea ascending, unknown last
    status, _, doc = get("/v1/structures", {"sort": "_vitrum_ea_ev", "response_fields": "_vitrum_ea_ev", "page_limit": 500})
    eas = [e["attributes"]["_vitrum_ea_ev"] for e in doc["data"]]
    known = [x for x in eas if x is not None]
    check(status == 200 and known == sorted(known) and eas[:len(known)] == known, "sort=_vitrum_ea_ev, nulls last")
    # the page and its plot
    status, ctype, text = get("/")
    check(status == 200 and ctype.startswith("text/html") and "app.js" in text, "GET / serves the page")
    status, ctype, text = get("/plot/arrhenius.svg", {"id": "Li2O"})
    check(status == 200 and ctype.startswith("image/svg+xml") and "<svg" in text, "Arrhenius SVG")


def upload_phase(token):
    doc = {"project": "vitrum-test", "contributions": [{
        "identifier": "upload-Li2O", "formula": "Li2O",
        "data": {"D|1000K": "2.5e-5 cm^2/s", "D|1500K": "1.5e-4 cm^2/s"}}]}
    body = json.dumps(doc).encode()
    for auth, want in [(None, 401), ("Bearer wrong-token-wrong-token", 401), ("Bearer " + token + "x", 401)]:
        status, _, d = get("/upload", method="POST", body=body, headers={"Authorization": auth} if auth else {})
        check_error(status, d, want, f"upload with authorization {auth!r}")
    status, _, d = get("/upload", method="POST", body=b'{"contributions": [{"identifier": "bad"}]}',
                       headers={"Authorization": "Bearer " + token})
    check_error(status, d, 400, "upload of an invalid document")
    status, _, d = get("/upload", method="POST", body=body, headers={"Authorization": "Bearer " + token})
    check(status == 200 and d["data"]["runs_imported"] == 1, f"upload with the token: {status} {d}")
    status, _, d = get("/v1/structures/upload-Li2O")
    check(status == 200 and abs(d["data"]["attributes"]["_vitrum_d_li_1000k"] - 2.5e-5) < 1e-20, "uploaded entry served")
    # downloads of a stored structure, read back by ASE (independent reader)
    import io
    import ase.io
    from pymatgen.core import Structure
    with open(FIXTURE) as f:
        c = json.load(f)["contributions"][0]
    ref = Structure.from_dict(min(c["structures"], key=lambda s: float(s["name"].split("K")[0])))
    for fmt, ase_fmt in [("poscar", "vasp"), ("extxyz", "extxyz"), ("cif", "cif")]:
        status, _, text = get("/download", {"id": c["identifier"], "format": fmt})
        ok = status == 200
        if ok:
            atoms = ase.io.read(io.StringIO(text), format=ase_fmt)
            ok = len(atoms) == len(ref) and abs(atoms.get_volume() - ref.volume) < 1e-6 * ref.volume
        check(ok, f"download {fmt}: {status}, read back by ASE with the stored cell")
    status, _, d = get("/v1/structures/" + c["identifier"], {"response_fields": "lattice_vectors,cartesian_site_positions,species_at_sites,species,nsites"})
    a = d["data"]["attributes"]
    check(a["nsites"] == len(ref) and len(a["cartesian_site_positions"]) == len(ref) and
          max(abs(x - y) for r1, r2 in zip(a["lattice_vectors"], ref.lattice.matrix.tolist()) for x, y in zip(r1, r2)) < 1e-12,
          "structure fields match the uploaded cell")
    check(sorted(set(a["species_at_sites"])) == sorted(s["name"] for s in a["species"]), "species cover species_at_sites")


if PHASE == "read":
    read_phase()
else:
    upload_phase(os.environ["VT_TOKEN"])
print(f"{N_CHECKS[0]} checks, {len(FAILED)} failed ({PHASE})")
sys.exit(1 if FAILED else 0)
