#!/usr/bin/env python3
"""Validates breachscope JSON reports against docs/report.schema.json.

Usage: check_schema.py BREACHSCOPE SCHEMA FIXTURES_DIR
Scans the fixtures (all of them, bad-* included) and every golden file in
fixtures/expected/, and checks each document against the schema, plus the
invariants the schema cannot state (linked <= identity, medical <= records,
sorted category lists, per-subject lists that add up to the unions, summary =
sum of the items that are not archives, an archive's member count = the items
it holds, which come after it, an archive's figures = the roll-up of its
members, and persons per category: categories the item lists, never more than
the persons unless labelled an upper bound, an archive's never more than its
members' together).
"""
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile

import jsonschema


def persons_categories(pp, cats, p):
    """Persons per category: known categories, bounded by the persons."""
    errs = []
    if set(pp["by_category"]) - set(cats):
        errs.append(f"{p}: persons.by_category has categories the item does not list: "
                    f"{sorted(set(pp['by_category']) - set(cats))}")
    if pp["categories_precision"] == "exact" and pp["precision"] == "exact":
        for k, v in list(pp["by_category"].items()) + [
                ("with_identity", pp["with_identity"]), ("with_medical", pp["with_medical"])]:
            if v > pp["count"]:
                errs.append(f"{p}: persons.{k} {v} exceeds the persons {pp['count']}")
    return errs


def invariants(doc, where):
    errs = []
    s = doc["summary"]
    errs += persons_categories(s["persons"], s["identity"] + s["medical"], f"{where}: summary")
    for it in doc["items"]:
        p = f"{where}: {it['path']}"
        errs += persons_categories(it["persons"], it["identity"] + it["medical"], p)
        if it["records_linked"] > min(it["records_identity"], it["records_medical"]):
            errs.append(f"{p}: records_linked exceeds identity/medical")
        if max(it["records_identity"], it["records_medical"]) > it["records"]:
            errs.append(f"{p}: records_identity/medical exceed records")
        for k in ("identity", "medical"):
            if it[k] != sorted(it[k]):
                errs.append(f"{p}: {k} not sorted")
        if it["members"] is not None:
            errs += archive_rollup(doc, it, p)
            continue
        cats = {f["category"] for f in it["findings"]
                if f["confidence"] != "low" and f["subject"] != "organization"}
        if (set(it["identity"]) | set(it["medical"])) - cats:
            errs.append(f"{p}: a listed category has no medium/high finding")
        # subjects split the unions: together they give them back exactly
        for k in ("identity", "medical"):
            split = set()
            for who, sc in it["subjects"].items():
                if sc[k] != sorted(sc[k]):
                    errs.append(f"{p}: subjects.{who}.{k} not sorted")
                split |= set(sc[k])
                mine = {f["category"] for f in it["findings"]
                        if f["confidence"] != "low" and f["subject"] == who}
                if set(sc[k]) - mine:
                    errs.append(f"{p}: subjects.{who}.{k} has a category "
                                "without a finding of that subject")
            if split != set(it[k]):
                errs.append(f"{p}: subjects do not add up to {k}")
        for who, sc in it["subjects"].items():
            if not sc["identity"] and not sc["medical"]:
                errs.append(f"{p}: subjects.{who} is empty")
    # Items are streamed: an archive comes after its members (its status
    # and member count are only known then), and nested archives close in
    # order, so every open container is closed by its own report.
    listed = {it["path"]: i for i, it in enumerate(doc["items"])}
    for i, it in enumerate(doc["items"]):
        c = it["container"]
        if c is not None:
            if listed.get(c, -1) <= i:
                errs.append(f"{where}: {it['path']}: its archive {c} is not listed after it")
            if not it["path"].startswith(c + "!"):
                errs.append(f"{where}: {it['path']}: path does not start with {c}!")
        if it["members"] is not None:
            n = sum(1 for x in doc["items"] if x["container"] == it["path"])
            if n != it["members"]:
                errs.append(f"{where}: {it['path']}: members {it['members']} but {n} items inside")
    if s["archives"] != sum(1 for it in doc["items"] if it["members"] is not None):
        errs.append(f"{where}: summary.archives != number of archive items")
    if s["members"] != sum(1 for it in doc["items"] if it["container"] is not None):
        errs.append(f"{where}: summary.members != number of items inside archives")
    if s["items"] != len(doc["items"]):
        errs.append(f"{where}: summary.items != number of items")
    if sum(s["by_status"].values()) != s["items"]:
        errs.append(f"{where}: by_status does not add up")
    for k in ("records", "records_identity", "records_medical", "records_linked"):
        if s[k] != sum(it[k] for it in doc["items"] if it["members"] is None):
            errs.append(f"{where}: summary.{k} != sum over the items that are not archives")
    return errs


SEVERITIES = ["none", "pseudonymous", "contact", "strong", "health", "health_linked"]


def archive_rollup(doc, arc, p):
    """An archive's report rolls up its direct members."""
    errs = []
    members = [x for x in doc["items"] if x["container"] == arc["path"]]
    for k in ("records", "records_identity", "records_medical", "records_linked"):
        if arc[k] != sum(m[k] for m in members):
            errs.append(f"{p}: {k} is not the sum over its members")
    for k in ("identity", "medical"):
        union = set().union(*[set(m[k]) for m in members]) if members else set()
        if set(arc[k]) != union:
            errs.append(f"{p}: {k} is not the union of its members'")
    sev = [m["severity"] for m in members if m["severity"] in SEVERITIES]
    if sev and arc["severity"] in SEVERITIES and \
            SEVERITIES.index(arc["severity"]) < max(SEVERITIES.index(x) for x in sev):
        errs.append(f"{p}: severity below a member's")
    if any(m["status"] in ("partial", "failed") for m in members) and \
            arc["status"] == "complete":
        errs.append(f"{p}: complete although a member is not")
    if arc["persons"]["count"] > sum(m["persons"]["count"] for m in members):
        errs.append(f"{p}: more persons than its members together")
    for k, v in arc["persons"]["by_category"].items():
        if v > sum(m["persons"]["by_category"].get(k, 0) for m in members):
            errs.append(f"{p}: more persons with {k} than its members together")
    for k in ("professionals", "relatives"):
        if arc["persons"][k]["count"] > sum(m["persons"][k]["count"] for m in members):
            errs.append(f"{p}: more {k} than its members together")
    return errs


def make_archives(dest, csv_path):
    """Archives for the schema check, made here: nested, special entries,
    a compressed single file, a truncated one and deeper than the limit."""
    data = open(csv_path, "rb").read()
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("patients.csv", data)
        z.writestr("empty/", b"")
    with tarfile.open(os.path.join(dest, "dump.tar.gz"), "w:gz") as t:
        for name, body in (("exports/nested.zip", inner.getvalue()),
                           ("exports/patients.csv", data)):
            ti = tarfile.TarInfo(name)
            ti.size = len(body)
            t.addfile(ti, io.BytesIO(body))
        ti = tarfile.TarInfo("exports/link")
        ti.type = tarfile.SYMTYPE
        ti.linkname = "../../etc/passwd"
        t.addfile(ti)
    blob = open(os.path.join(dest, "dump.tar.gz"), "rb").read()
    open(os.path.join(dest, "cut.tar.gz"), "wb").write(blob[: len(blob) * 2 // 3])
    import gzip
    open(os.path.join(dest, "patients.csv.gz"), "wb").write(gzip.compress(data, mtime=0))
    body, name = data, "patients.csv"
    for level in range(12, 0, -1):
        b = io.BytesIO()
        with zipfile.ZipFile(b, "w") as z:
            z.writestr(name, body)
        body, name = b.getvalue(), f"level{level}.zip"
    open(os.path.join(dest, "deep.zip"), "wb").write(body)


def main():
    binary, schema_path, fixtures = sys.argv[1:4]
    schema = json.load(open(schema_path))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    docs = []
    run = subprocess.run([binary, "scan", "--format", "json", "--no-progress", "-q", "."],
                         cwd=fixtures, capture_output=True, text=True)
    if run.returncode not in (0, 1, 2):
        print(f"scan exited {run.returncode}: {run.stderr}")
        return 1
    docs.append(("scan of fixtures/", json.loads(run.stdout)))
    with tempfile.TemporaryDirectory() as tmp:
        make_archives(tmp, os.path.join(fixtures, "csv", "patients-fr-semicolon.csv"))
        run = subprocess.run([binary, "scan", "--format", "json", "--no-progress", "-q", "."],
                             cwd=tmp, capture_output=True, text=True)
        if run.returncode != 2:
            print(f"archive scan exited {run.returncode} (want 2): {run.stderr}")
            return 1
        doc = json.loads(run.stdout)
        if doc["summary"]["archives"] < 10 or doc["summary"]["members"] < 10:
            print("archive scan: archives or members missing")
            return 1
        docs.append(("scan of generated archives", doc))
    exp = os.path.join(fixtures, "expected")
    for root, _, files in os.walk(exp):
        for f in sorted(files):
            if f.endswith(".json"):
                path = os.path.join(root, f)
                docs.append((os.path.relpath(path, fixtures), json.load(open(path))))
    errors = []
    for where, doc in docs:
        for e in validator.iter_errors(doc):
            errors.append(f"{where}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
        errors += invariants(doc, where)
    for e in errors:
        print(e)
    print(f"{len(docs)} reports checked, {len(errors)} problems")
    return 1 if errors or not docs else 0


if __name__ == "__main__":
    sys.exit(main())
