"""check.py - oracle of the campaign end-to-end tests, independent of vitrum's C code: reads two
`vitrum db export` MPContribs JSON files (the single-worker reference and the campaign under test)
and the jobs table as TSV (key, state, attempts, worker, run_identifier, error), and checks that every
job ended done exactly once, that each done job names its stored run, that no run is stored twice,
and that every stored number (D and sigma per element and T, Ea, D0, features) equals the
reference's digit for digit. With KILLED_KEY KILLED_PID: that job was claimed twice, the second
time by another worker.
usage: check.py REF.json RUN.json JOBS.tsv N [KILLED_KEY KILLED_PID]"""
import json
import sys


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    ref = {c["identifier"]: c for c in json.load(open(sys.argv[1]))["contributions"]}
    run = json.load(open(sys.argv[2]))["contributions"]
    jobs = [line.rstrip("\n").split("\t") for line in open(sys.argv[3]) if line.strip()]
    n = int(sys.argv[4])
    if len(jobs) != n:
        fail("%d jobs in the table, expected %d" % (len(jobs), n))
    bad = [j for j in jobs if j[1] != "done"]
    if bad:
        fail("jobs not done: %s" % bad)
    ids = [c["identifier"] for c in run]
    if len(ids) != n or len(set(ids)) != n:
        fail("%d runs stored (%d distinct) for %d jobs" % (len(ids), len(set(ids)), n))
    if sorted(j[4] for j in jobs) != sorted(ids):
        fail("the jobs' run identifiers are not the stored runs")
    if set(ids) != set(ref):
        fail("runs differ from the reference's: %s" % sorted(set(ids) ^ set(ref)))
    n_values = n_dli = 0
    for c in run:
        want = ref[c["identifier"]]
        if c["formula"] != want["formula"]:
            fail("%s: formula %s, reference %s" % (c["identifier"], c["formula"], want["formula"]))
        if c["data"] != want["data"]:
            diff = sorted(k for k in set(c["data"]) | set(want["data"]) if c["data"].get(k) != want["data"].get(k))
            fail("%s: %d values differ from the single-worker run, e.g. %s: %s vs %s" % (
                c["identifier"], len(diff), diff[0], c["data"].get(diff[0]), want["data"].get(diff[0])))
        n_values += len(c["data"])
        dli = [k for k in c["data"] if k.startswith("D_Li|")]
        if len(dli) < 3 or not all(float(c["data"][k].split()[0]) > 0 for k in dli):
            fail("%s: expected D_Li > 0 at 3 temperatures, got %s" % (c["identifier"], dli))
        n_dli += len(dli)
    attempts = {j[0]: int(j[2]) for j in jobs}
    if len(sys.argv) > 6:
        key, pid = sys.argv[5], sys.argv[6]
        if attempts.get(key) != 2:
            fail("killed job %s: %s attempts, expected 2" % (key, attempts.get(key)))
        worker = [j[3] for j in jobs if j[0] == key][0]
        if worker.endswith(":" + pid):
            fail("killed job %s is still marked by the killed worker %s" % (key, worker))
        others = [k for k, a in attempts.items() if a != 1 and k != key]
    else:
        others = [k for k, a in attempts.items() if a != 1]
    if others:
        fail("jobs claimed more than once without a kill: %s" % others)
    print("ok: %d jobs done once, %d runs, %d stored values (%d D_Li) equal to the single-worker run"
          % (n, len(ids), n_values, n_dli))


main()
