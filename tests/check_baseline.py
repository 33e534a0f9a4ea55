#!/usr/bin/env python3
"""Baselines that survive real life (issue 16), run on the built binary.

Every case builds its own synthetic export in a temporary directory (never
in the source tree): a CSV of persons with generated names, birth dates and
e-mails, NIRs computed with their key. Each case is a trap the old baseline
fell into or one the new one could fall into:

- the export renamed with a date (ps.csv -> ps_2025-04.csv), moved to the
  next month's directory, or given an inserted column keeps its findings;
- a new column of a new category (a NIR) is new, and only it;
- 300 -> 3,000 persons fails with --max-growth 0 and passes with 1000;
- two months of the same export side by side: each matches the baseline
  item, but the total grew;
- estimates (--max-persons-exact 1) are compared beyond their error: a 2 %
  growth passes as an estimate and fails when counted exactly;
- --write-baseline exits 0 whatever is found, holds no value, and a JSON
  report (new or with old unprefixed fingerprints) is accepted too;
- usage errors exit 3 (could not run).

Usage: check_baseline.py BREACHSCOPE
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

BIN = os.path.abspath(sys.argv[1])
problems = []


def check(cond, what):
    if not cond:
        problems.append(what)
        print("FAIL:", what)


def nir(i):
    """A valid synthetic NIR: sex 1, 1985-05, department 78, commune 006,
    order i (1..999), with its key (97 - n mod 97)."""
    body = "1850578006" + "%03d" % (i % 999 + 1)
    return body + "%02d" % (97 - int(body) % 97)


def persons_csv(path, n, start=0, extra=None, nir_col=False):
    """n distinct persons (name + birth date + e-mail), optional columns."""
    cols = ["nom", "prenom", "date_naissance", "email"]
    if extra:
        cols.insert(0, extra)
    if nir_col:
        cols.append("nir")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(",".join(cols) + "\n")
        for k in range(start, start + n):
            name = "Durand" + "".join(
                chr(65 + (k // 26 ** j) % 26) for j in range(3))
            row = [name, "Jean", "%d-%02d-%02d" % (1940 + k % 60,
                                                  1 + k % 12, 1 + k % 28),
                   "p%d@exemple.fr" % k]
            if extra:
                row.insert(0, "actif")
            if nir_col:
                row.append(nir(k))
            f.write(",".join(row) + "\n")


def scan(cwd, *args):
    p = subprocess.run([BIN, "scan", "--no-progress"] + list(args), cwd=cwd,
                       capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def scan_json(cwd, *args):
    code, out, err = scan(cwd, "--format", "json", *args)
    return code, json.loads(out), err


def counted(doc):
    return [f for it in doc["items"] for f in it["findings"]
            if f["confidence"] != "low"]


def case_write_then_rename(d):
    persons_csv(os.path.join(d, "data", "ps.csv"), 300)
    code, out, err = scan(d, "--write-baseline", "base.json", "data")
    check(code == 0, "write-baseline with findings exits 0, got %d" % code)
    check("baseline written to base.json" in err, "write-baseline says so")
    text = open(os.path.join(d, "base.json")).read()
    base = json.loads(text)
    check(base["schema"] == "breachscope.baseline/1", "baseline schema")
    check("p1@exemple.fr" not in text and "Durand" not in text,
          "the baseline holds no value")
    check(base["items"][0]["persons"]["count"] == 300, "baseline persons")
    # -o baseline:FILE writes the same bytes, with the gate's exit code
    code, _, _ = scan(d, "-o", "baseline:again.json", "data")
    check(code == 1 and open(os.path.join(d, "again.json")).read() == text,
          "-o baseline: is the same file, deterministic (exit %d)" % code)
    code, _, _ = scan(d, "--baseline", "base.json", "data")
    check(code == 0, "unchanged export passes, got %d" % code)
    scan(d, "--format", "json", "-o", "r0.json", "data")
    os.rename(os.path.join(d, "data", "ps.csv"),
              os.path.join(d, "data", "ps_2025-04.csv"))
    code, doc, _ = scan_json(d, "--baseline", "base.json", "data")
    check(code == 0, "renamed dated file still matched, got %d" % code)
    check(all(f["suppressed"] == "baseline" for f in counted(doc)),
          "every finding of the renamed file is accepted by the baseline")
    # the same export with an inserted column in front
    persons_csv(os.path.join(d, "data", "ps_2025-04.csv"), 300,
                extra="statut")
    code, doc, _ = scan_json(d, "--baseline", "base.json", "data")
    check(code == 0, "inserted column still matched, got %d" % code)
    check(doc["items"][0]["findings"][0]["location"]["column"] == 2,
          "the columns did move")
    # diff matches the two files by the same stable name
    scan(d, "--format", "json", "-o", "new.json", "data")
    p = subprocess.run([BIN, "diff", "--format", "json", "r0.json",
                        "new.json"], cwd=d, capture_output=True, text=True)
    ch = {c["path"]: c for c in json.loads(p.stdout)["changed"]}
    check(ch.get("data/ps_2025-04.csv", {}).get("old_path") == "data/ps.csv",
          "diff pairs ps.csv with ps_2025-04.csv: %s" % list(ch))
    # a new column of a new category: new, and only it
    persons_csv(os.path.join(d, "data", "ps_2025-04.csv"), 300,
                extra="statut", nir_col=True)
    code, doc, _ = scan_json(d, "--baseline", "base.json", "data")
    bad = [f["category"] for f in counted(doc) if f["violation"]]
    check(code == 1, "a new NIR column fails, got %d" % code)
    check(bad == ["national_id"], "only the NIR is new: %s" % bad)


def case_dated_directory(d):
    persons_csv(os.path.join(d, "exports", "2025-03", "ps.csv"), 50)
    code, _, _ = scan(d, "--write-baseline", "b.json", "exports")
    check(code == 0, "write-baseline exits 0")
    shutil.move(os.path.join(d, "exports", "2025-03"),
                os.path.join(d, "exports", "2025-04"))
    code, _, _ = scan(d, "--baseline", "b.json", "exports")
    check(code == 0, "next month's directory still matched, got %d" % code)
    # but another directory is another export
    shutil.move(os.path.join(d, "exports", "2025-04"),
                os.path.join(d, "exports", "public"))
    code, _, _ = scan(d, "--baseline", "b.json", "exports")
    check(code == 1, "a move to another directory is new, got %d" % code)


def case_growth(d):
    persons_csv(os.path.join(d, "data", "ps.csv"), 300)
    scan(d, "--write-baseline", "base.json", "data")
    persons_csv(os.path.join(d, "data", "ps.csv"), 3000)
    code, out, _ = scan(d, "--baseline", "base.json", "data")
    check(code == 1, "300 -> 3000 persons fails, got %d" % code)
    check("persons 300 -> 3000 (+900 %), more than --max-growth 0 %" in out,
          "the text says why")
    code, out, _ = scan(d, "--lang", "fr", "--baseline", "base.json", "data")
    check(code == 1 and "croissance : personnes 300 -> 3000 (+900 %)" in out,
          "and in French")
    code, doc, _ = scan_json(d, "--baseline", "base.json", "data")
    g = doc["items"][0]["growth"]
    check(g is not None and g["persons"] == {"baseline": 300, "now": 3000,
                                            "estimated": False},
          "the item's JSON growth: %s" % g)
    check(doc["summary"]["grown"] == 2 and
          doc["summary"]["growth"]["persons"]["now"] == 3000,
          "the summary's JSON growth")
    check(doc["summary"]["violations"] == 0, "no finding is new")
    # JUnit fails the grown item and the run's totals, not silently green
    code, _, _ = scan(d, "--baseline", "base.json", "-q", "-o", "g.xml",
                      "data")
    xml = open(os.path.join(d, "g.xml"), encoding="utf-8").read()
    check(code == 1 and xml.count("<failure") == 2 and
          "persons 300 -&gt; 3000 (+900 %)" in xml and
          "(run totals)" in xml, "JUnit shows the growth: %s" % xml[:600])
    # the saved report says the same when shown again
    scan(d, "--baseline", "base.json", "--format", "json", "-o", "g.json",
         "data")
    p = subprocess.run([BIN, "report", "g.json"], cwd=d, capture_output=True,
                       text=True)
    check(p.returncode == 1 and "growth:   persons 300 -> 3000" in p.stdout,
          "breachscope report of a grown scan: exit %d" % p.returncode)
    code, _, _ = scan(d, "--baseline", "base.json", "--max-growth", "1000",
                      "data")
    check(code == 0, "--max-growth 1000 passes, got %d" % code)
    code, _, _ = scan(d, "--baseline", "base.json", "--max-growth", "899",
                      "data")
    check(code == 1, "--max-growth 899 fails, got %d" % code)
    code, _, _ = scan(d, "--baseline", "base.json", "--max-growth",
                      "900.0%", "data")
    check(code == 0, "--max-growth 900.0%% passes (x10 is +900 %%), got %d" %
          code)
    # fewer persons never fail
    persons_csv(os.path.join(d, "data", "ps.csv"), 100)
    code, _, _ = scan(d, "--baseline", "base.json", "data")
    check(code == 0, "a smaller export passes, got %d" % code)


def case_total(d):
    persons_csv(os.path.join(d, "data", "ps_2025-03.csv"), 300)
    scan(d, "--write-baseline", "base.json", "data")
    persons_csv(os.path.join(d, "data", "ps_2025-04.csv"), 300, start=300)
    code, doc, _ = scan_json(d, "--baseline", "base.json", "data")
    check(code == 1, "two months side by side: the total grew, got %d" %
          code)
    check(all(it["growth"] is None for it in doc["items"]),
          "each month matches the baseline item")
    check(doc["summary"]["growth"]["persons"] == {
        "baseline": 300, "now": 600, "estimated": False},
        "the total's growth: %s" % doc["summary"]["growth"])
    # the same whatever the number of threads
    code2, doc2, _ = scan_json(d, "-j", "2", "--baseline", "base.json",
                               "data")
    check(code2 == code and doc2["summary"]["growth"] ==
          doc["summary"]["growth"] and [it["growth"] for it in doc2["items"]]
          == [it["growth"] for it in doc["items"]], "-j 2 gives the same")
    # shards: each compares its items and its own total (a total grown
    # only across shards is not seen); merge adds up what they found
    persons_csv(os.path.join(d, "data", "ps_2025-03.csv"), 600)
    for k in ("1", "2"):
        scan(d, "--shard", k + "/2", "--baseline", "base.json", "--format",
             "json", "-o", "s%s.json" % k, "data")
    p = subprocess.run([BIN, "merge", "s1.json", "s2.json"], cwd=d,
                       capture_output=True, text=True)
    check(p.returncode == 1 and json.loads(p.stdout)["summary"]["grown"] >= 1,
          "merge keeps growth failing the run: exit %d" % p.returncode)


def case_estimates(d):
    persons_csv(os.path.join(d, "data", "ps.csv"), 300)
    scan(d, "--max-persons-exact", "1", "--write-baseline", "est.json",
         "data")
    scan(d, "--write-baseline", "exact.json", "data")
    base = json.load(open(os.path.join(d, "est.json")))
    check(base["summary"]["persons"]["precision"] == "estimate",
          "the baseline holds an estimate")
    persons_csv(os.path.join(d, "data", "ps.csv"), 306)
    code, _, _ = scan(d, "--max-persons-exact", "1", "--baseline",
                      "est.json", "data")
    check(code == 0, "+2 %% of an estimate is within its error, got %d" %
          code)
    code, _, _ = scan(d, "--baseline", "exact.json", "data")
    check(code == 1, "+2 %% counted exactly fails, got %d" % code)
    persons_csv(os.path.join(d, "data", "ps.csv"), 3000)
    code, doc, _ = scan_json(d, "--max-persons-exact", "1", "--baseline",
                             "est.json", "data")
    g = doc["summary"]["growth"]
    check(code == 1 and g and g["persons"]["estimated"],
          "x10 is beyond any error, and says it is an estimate: %s" % g)


def case_report_baselines(d):
    persons_csv(os.path.join(d, "data", "ps.csv"), 20)
    code, _, _ = scan(d, "--format", "json", "-o", "r.json", "data")
    check(code == 1, "findings without a baseline fail")
    code, _, err = scan(d, "--baseline", "r.json", "data")
    check(code == 0 and "recomputed" not in err,
          "a JSON report is a baseline, got %d" % code)
    # a report of an older breachscope: fingerprints without "fp2:"
    doc = json.load(open(os.path.join(d, "r.json")))
    for it in doc["items"]:
        for f in it["findings"]:
            f["fingerprint"] = f["fingerprint"].split(":")[-1]
    json.dump(doc, open(os.path.join(d, "old.json"), "w"))
    os.rename(os.path.join(d, "data", "ps.csv"),
              os.path.join(d, "data", "ps_v2.csv"))
    code, _, err = scan(d, "--baseline", "old.json", "data")
    check(code == 0, "an old report is still a baseline, got %d" % code)
    check("recomputed" in err and "--write-baseline" in err,
          "and the warning says to rewrite it: %r" % err)
    # a baseline written from a scan that was not complete
    with open(os.path.join(d, "data", "bad.csv"), "w") as f:
        f.write('nom,email\nA,"a@exemple.fr\n')
    code, _, err = scan(d, "--write-baseline", "inc.json", "data")
    check(code == 2 and os.path.exists(os.path.join(d, "inc.json")),
          "an incomplete scan writes the baseline and exits 2, got %d" %
          code)


def case_clean_baseline(d):
    """A baseline of a clean tree: no finding, nobody; then a person."""
    os.makedirs(os.path.join(d, "data"))
    with open(os.path.join(d, "data", "stock.csv"), "w") as f:
        f.write("produit,quantite\nvis,12\nclou,40\n")
    code, _, _ = scan(d, "--write-baseline", "b.json", "data")
    check(code == 0, "a clean baseline is written, got %d" % code)
    code, _, _ = scan(d, "--baseline", "b.json", "data")
    check(code == 0, "and accepts the clean tree, got %d" % code)
    persons_csv(os.path.join(d, "data", "ps.csv"), 3)
    code, doc, _ = scan_json(d, "--baseline", "b.json", "--max-growth",
                             "1000000", "data")
    check(code == 1 and doc["summary"]["growth"]["persons"]["baseline"] == 0,
          "growth from nobody fails whatever --max-growth, got %d" % code)


def case_usage(d):
    os.makedirs(os.path.join(d, "data"))
    with open(os.path.join(d, "nope.json"), "w") as f:
        f.write('{"schema": "something/else", "items": []}')
    for args in (["--max-growth", "10", "data"],
                 ["--baseline", "nope.json", "--max-growth", "x", "data"],
                 ["--baseline", "nope.json", "--max-growth", "-1", "data"],
                 ["--baseline", "nope.json", "data"],
                 ["--baseline", "missing.json", "data"]):
        code, _, err = scan(d, *args)
        check(code == 3 and err, "%s: exit %d, want 3" % (args, code))


for case in (case_write_then_rename, case_dated_directory, case_growth,
             case_total, case_estimates, case_report_baselines,
             case_clean_baseline, case_usage):
    with tempfile.TemporaryDirectory(prefix="bsc-baseline-") as tmp:
        case(tmp)

print("baseline checks: %d problems" % len(problems))
sys.exit(1 if problems else 0)
