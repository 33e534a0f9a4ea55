#!/usr/bin/env python3
"""The figures a DPO signs, on the synthetic incident of fixtures/incident/.

Usage: check_incident.py BREACHSCOPE FIXTURES_DIR

1. One scan: distinct persons, persons with health data exposed, contactable
   persons and minors against truth.json (persons within 1 %, the others within
   the tolerance written below, with why); files whose truth is known; every
   archive carries its members' roll-up; organisations and professionals are no
   persons; patients per category of data (the same tolerances, an appointment
   under a family phone being nobody's in particular), per file and per
   archive roll-up exactly; professionals and relatives counted apart.
2. Shards: three shard reports under one --person-key-file, merged, give the
   figures of one scan under that key.
3. Budget: past --max-persons-exact the figure is labelled an estimate in JSON
   and in the text and summary reports ("about").
4. Secrets: a password given on the command line appears in no output of any
   format, shard report, merge, nor on stderr.
5. The text report in French with --lang fr.
6. Lookup: --person-index holds hashes only, and `lookup` finds a patient by
   NIR, name + birth date or e-mail, nobody for a stranger, and refuses
   another key.
"""
import json
import os
import subprocess
import sys
import tempfile

PATHS = ["exports", "hl7", "cda", "dump.tar.gz", "formats"]
FORMATS = ["json", "jsonl", "sarif", "csv", "junit", "summary", "text"]


def run(binary, args, cwd):
    r = subprocess.run([binary] + args, cwd=cwd, capture_output=True, text=True)
    if r.returncode not in (0, 1, 2):
        raise SystemExit(f"{' '.join(args)}: exit {r.returncode}: {r.stderr}")
    return r


def within(got, want, rel, what, errors):
    if abs(got - want) > rel * max(want, 1):
        errors.append(f"{what}: {got}, truth {want} (tolerance {rel:.0%})")


def check_truth(doc, truth, errors):
    p = doc["summary"]["persons"]
    if p["precision"] != "exact":
        errors.append(f"persons: precision {p['precision']} under the budget")
    within(p["count"], truth["persons"], 0.01, "distinct persons", errors)
    within(p["minors"], truth["minors"], 0.01, "minors", errors)
    within(p["contactable"], truth["contactable"], 0.01, "contactable persons", errors)
    # An appointment booked under a family phone belongs to one member we
    # cannot tell: those few are not counted as exposed (README).
    within(p["health"], truth["health_exposed"], 0.03, "persons with health data exposed",
           errors)
    check_categories(p, truth, errors)
    items = {it["path"]: it for it in doc["items"]}
    for rel, t in truth["files"].items():
        it = items.get(rel)
        if it is None:
            errors.append(f"{rel}: not in the report")
            continue
        ip = it["persons"]
        if ip["count"] != t["persons"]:
            errors.append(f"{rel}: {ip['count']} persons, truth {t['persons']}")
        for k, want in t.get("by_category", {}).items():
            if ip["by_category"].get(k, 0) != want:
                errors.append(f"{rel}: {ip['by_category'].get(k, 0)} persons with {k}, "
                              f"truth {want}")
        for k in ("professionals", "relatives"):
            if k in t and ip[k]["count"] != t[k]:
                errors.append(f"{rel}: {ip[k]['count']} {k}, truth {t[k]}")
    for it in doc["items"]:
        if it["members"] is None:
            continue
        inside = [x for x in doc["items"] if x["container"] == it["path"]]
        for k in ("identity", "medical"):
            union = set().union(*[set(x[k]) for x in inside])
            if set(it[k]) != union:
                errors.append(f"{it['path']}: {k} {it[k]} is not its members' {sorted(union)}")
        if any(x["persons"]["count"] for x in inside) and not it["persons"]["count"]:
            errors.append(f"{it['path']}: 0 persons although its members hold some")
        if it["severity"] == "none" and any(x["severity"] != "none" for x in inside):
            errors.append(f"{it['path']}: severity none although its members are not")


def check_categories(p, truth, errors):
    """Patients per category of data, professionals and relatives."""
    if p["categories_precision"] != "exact":
        errors.append(f"persons per category: precision {p['categories_precision']}")
    for k, want in truth["by_category"].items():
        got = p["by_category"].get(k, 0)
        gap = truth["unattributable"].get(k, 0)
        if not want - gap - 0.01 * want <= got <= want + 0.01 * want:
            errors.append(f"persons with {k}: {got}, truth {want} (less {gap} unattributable, 1 %)")
    extra = set(p["by_category"]) - set(truth["by_category"])
    if extra:
        errors.append(f"persons per category: categories the incident does not hold: {extra}")
    within(p["with_medical"], truth["with_medical"], 0.03, "persons with medical data", errors)
    if p["with_identity"] != p["count"]:
        errors.append(f"persons with identity data {p['with_identity']} != persons {p['count']}")
    for k in ("professionals", "relatives"):
        if p[k]["count"] != truth[k] or p[k]["precision"] != "exact":
            errors.append(f"{k}: {p[k]}, truth {truth[k]}")
    if p["count"] > truth["persons"] * 1.01:
        errors.append("professionals or relatives counted as persons")


WORKED = {
    "patients.csv": "IPP;NIR;NOM;PRENOM;DATE_NAISSANCE;TELEPHONE\n"
                    "8012;185057800608491;MARTIN;Luc;01/02/1980;06 12 34 56 78\n",
    "sejours.csv": "IPP;DATE_ENTREE;DP\n8012;03/01/2025;E11.9\n",
    "adt.hl7": "MSH|^~\\&|GAM|HOPITAL_A|DPI|HOPITAL_A|202503010000||ADT^A01^ADT_A01|M1|P|2.5\r"
               "PID|1||8012^^^HOPITAL_A&1.2.250.1.71.4.2.7&ISO||Martin^Luc||19800201|M\r"
               "PV1|1|I|CARDIO\r"
               "DG1|1||I10^Hypertension essentielle^I10\r",
    "contacts.csv": "nom,prenom,date_naissance,telephone,email\n"
                    "Martin,Luc,1980-02-01,+33 6 12 34 56 78,famille.martin@exemple.fr\n"
                    "Martin,Zoé,2011-05-06,+33 6 12 34 56 78,famille.martin@exemple.fr\n",
    "rdv.csv": "telephone;date_rdv\n06.12.34.56.78;2025-04-03 09:30\n",
}


def check_worked_example(binary, tmp, errors):
    """The worked example of README "Distinct persons", as written there."""
    d = os.path.join(tmp, "worked")
    os.mkdir(d)
    for name, text in WORKED.items():
        with open(os.path.join(d, name), "w", encoding="utf-8") as f:
            f.write(text)
    out = os.path.join(tmp, "worked.json")
    run(binary, ["scan", "--no-progress", "-q", "-o", f"json:{out}", "worked"], tmp)
    p = json.load(open(out))["summary"]["persons"]
    want = {"count": 2, "health": 1, "contactable": 2, "minors": 1}
    got = {k: p[k] for k in want}
    if got != want:
        errors.append(f"README worked example: {got}, README says {want}")


def check_lookup(binary, base, key, tmp, errors):
    """--person-index then lookup: the items holding a person, by several of
    the person's keys; nothing found for a stranger; another key refused;
    no value in the index."""
    index = os.path.join(tmp, "persons.idx")
    run(binary, ["scan", "--no-progress", "-q", "--person-key-file", key,
                 "--person-index", index] + PATHS, base)
    text = open(index).read()
    # patient 0 of make_incident.py, known by every key
    first = open(os.path.join(base, "exports", "patients.csv")).read().splitlines()[1].split(";")
    ipp, nir, last, first_name, dob, email = first[0], first[1], first[2], first[3], first[4], first[7]
    for v in (nir, last, email, ipp):
        if v and v in text:
            errors.append(f"person index: holds a raw value ({v[:2]}...)")
    def lookup(args):
        r = subprocess.run([binary, "lookup", "--person-key-file", key, "--index", index] + args,
                           cwd=base, capture_output=True, text=True)
        return r.returncode, r.stdout
    rc, out = lookup(["--nir", nir])
    if rc != 0 or "exports/patients.csv" not in out:
        errors.append(f"lookup --nir: exit {rc}, {out!r}")
    rc, out = lookup(["--name", f"{first_name} {last}", "--birth-date", dob])
    if rc != 0 or "exports/patients.csv" not in out:
        errors.append(f"lookup --name --birth-date: exit {rc}, {out!r}")
    rc, out = lookup(["--email", email.upper()])
    if rc != 0 or "exports/patients.csv" not in out:
        errors.append(f"lookup --email: exit {rc}, {out!r}")
    rc, out = lookup(["--email", "nobody.at.all@exemple.fr"])
    if rc != 1 or "0 item(s)" not in out:
        errors.append(f"lookup of a stranger: exit {rc}, {out!r}")
    other = os.path.join(tmp, "other.key")
    with open(other, "w") as f:
        f.write("01" * 32 + "\n")
    r = subprocess.run([binary, "lookup", "--person-key-file", other, "--index", index,
                        "--nir", nir], cwd=base, capture_output=True, text=True)
    if r.returncode != 3 or "another --person-key-file" not in r.stderr:
        errors.append(f"lookup with another key: exit {r.returncode}, {r.stderr!r}")


def main():
    binary, fixtures = sys.argv[1:3]
    base = os.path.join(fixtures, "incident")
    truth = json.load(open(os.path.join(base, "truth.json")))
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        key = os.path.join(tmp, "key")
        with open(key, "w") as f:
            f.write("8d3f" * 16 + "\n")
        common = ["--no-progress", "-q", "--person-key-file", key]
        full = os.path.join(tmp, "full.json")
        run(binary, ["scan", "-o", f"json:{full}"] + common + PATHS, base)
        doc = json.load(open(full))
        check_truth(doc, truth, errors)
        check_worked_example(binary, tmp, errors)
        check_lookup(binary, base, key, tmp, errors)
        r = run(binary, ["scan", "--no-progress", "--lang", "fr"] + PATHS, base)
        for word in ("Synthèse", "personnes:", "avec données de santé exposées",
                     "tous les membres ensemble", "couverture"):
            if word not in r.stdout:
                errors.append(f"text report with --lang fr: no '{word}'")
        if "Summary" in r.stdout or "persons:" in r.stdout:
            errors.append("text report with --lang fr: English left")

        shards = []
        for k in (1, 2, 3):
            out = os.path.join(tmp, f"s{k}.json")
            run(binary, ["scan", "--shard", f"{k}/3", "-o", f"json:{out}"] + common + PATHS,
                base)
            shards.append(out)
        merged = os.path.join(tmp, "merged.json")
        run(binary, ["merge", "-o", merged] + shards, base)
        m = json.load(open(merged))["summary"]["persons"]
        for k in ("count", "health", "contactable", "minors", "shared_contacts", "precision",
                  "by_category", "with_identity", "with_medical", "categories_precision",
                  "professionals", "relatives"):
            if m[k] != doc["summary"]["persons"][k]:
                errors.append(f"merge of 3 shards: persons.{k} {m[k]}, one scan "
                              f"{doc['summary']['persons'][k]}")

        small = os.path.join(tmp, "small.json")
        r = run(binary, ["scan", "--max-persons-exact", "20", "-o", f"json:{small}",
                         "-o", f"summary:{tmp}/small.txt", "-o", f"text:{tmp}/small-text.txt",
                         "--no-progress"] + PATHS, base)
        sp = json.load(open(small))["summary"]["persons"]
        if sp["precision"] != "estimate" or not sp["approximate"] or not sp["error"]:
            errors.append(f"past the budget: persons not labelled an estimate: {sp['precision']}")
        if sp["categories_precision"] != "upper_bound":
            errors.append("past the budget: persons per category not labelled an upper bound")
        full_p = doc["summary"]["persons"]
        for k, v in sp["by_category"].items():
            if v < full_p["by_category"].get(k, 0):
                errors.append(f"past the budget: {k}: bound {v} under the exact "
                              f"{full_p['by_category'].get(k, 0)}")
        if "about " not in open(f"{tmp}/small-text.txt").read() or \
                "about " not in open(f"{tmp}/small.txt").read():
            errors.append("past the budget: the text or summary report does not say 'about'")

        secret = "Tr0ub4dor&3-never-print-me"
        outs = []
        args = ["scan", "--no-progress", "--password", secret, f"--password={secret}x",
                "--person-key-file", key, "--hash"]
        for fmt in FORMATS:
            o = os.path.join(tmp, f"out.{fmt}")
            args += ["-o", f"{fmt}:{o}"]
            outs.append(o)
        r = run(binary, args + PATHS, base)
        shard = os.path.join(tmp, "shard-secret.json")
        r2 = run(binary, ["scan", "--shard", "1/2", "--password", secret, "-o", f"json:{shard}",
                          "--no-progress"] + PATHS, base)
        r3 = run(binary, ["merge", "-o", os.path.join(tmp, "m2.json"), shard], base)
        outs += [shard, os.path.join(tmp, "m2.json")]
        texts = [open(o, encoding="utf-8", errors="replace").read() for o in outs]
        texts += [r.stdout, r.stderr, r2.stdout, r2.stderr, r3.stdout, r3.stderr]
        for o, t in zip(outs + ["stdout/stderr"] * 6, texts):
            if secret in t:
                errors.append(f"{os.path.basename(o)}: holds the password")
        if "8d3f8d3f" in "".join(texts):
            errors.append("an output holds the person key")
        if "***" not in open(os.path.join(tmp, "out.json")).read():
            errors.append("run.options does not show the password as ***")
    for e in errors:
        print(e)
    print(f"incident: {len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
