#!/usr/bin/env python3
"""Checks breachscope's SARIF output.

Usage: check_sarif.py BREACHSCOPE SUBSET_SCHEMA FIXTURES_DIR

Scans all fixtures with --format sarif and checks every document, and every
golden file fixtures/expected/**/*.sarif, against the SARIF 2.1.0 subset
schema (tests/sarif-2.1.0-subset.schema.json). It also checks what a schema
cannot state but GitHub code scanning needs: every ruleId is a rule of the
driver and ruleIndex points at it, URIs are relative (no scheme, no leading
slash, percent-encoded), every result has a breachscope fingerprint, and no
raw value of a fixture appears in a message.
"""
import json
import os
import re
import subprocess
import sys

import jsonschema


def semantic(doc, where):
    errs = []
    for run in doc["runs"]:
        rules = [r["id"] for r in run["tool"]["driver"].get("rules", [])]
        if len(rules) != len(set(rules)):
            errs.append(f"{where}: duplicate rule ids")
        for i, res in enumerate(run.get("results", [])):
            p = f"{where}: result {i}"
            if res["ruleId"] not in rules:
                errs.append(f"{p}: ruleId {res['ruleId']} is not a driver rule")
            elif res.get("ruleIndex") != rules.index(res["ruleId"]):
                errs.append(f"{p}: ruleIndex does not point at its rule")
            for loc in res["locations"]:
                uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                if re.match(r"^[a-z][a-z0-9+.-]*:", uri) or uri.startswith("/"):
                    errs.append(f"{p}: uri {uri!r} is not relative")
                if re.search(r"[ \"<>\\^`{|}]", uri):
                    errs.append(f"{p}: uri {uri!r} is not encoded")
            if not res.get("partialFingerprints", {}).get("breachscope/v1"):
                errs.append(f"{p}: no breachscope/v1 fingerprint")
    return errs


def main():
    binary, schema_path, fixtures = sys.argv[1:4]
    schema = json.load(open(schema_path))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    docs = []
    run = subprocess.run([binary, "scan", "--format", "sarif", "--no-progress", "-q",
                          "csv", "text"], cwd=fixtures, capture_output=True, text=True)
    if run.returncode not in (0, 1, 2):
        print(f"scan exited {run.returncode}: {run.stderr}")
        return 1
    docs.append(("sarif scan of fixtures/", json.loads(run.stdout)))
    for root, _, files in os.walk(os.path.join(fixtures, "expected")):
        for f in sorted(files):
            if f.endswith(".sarif"):
                path = os.path.join(root, f)
                docs.append((os.path.relpath(path, fixtures), json.load(open(path))))
    errors = []
    for where, doc in docs:
        for e in validator.iter_errors(doc):
            errors.append(f"{where}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
        errors += semantic(doc, where)
    # No raw value of the richest fixture in any message.
    raw = open(os.path.join(fixtures, "csv", "patients-fr-semicolon.csv"), encoding="utf-8").read()
    values = {v for line in raw.splitlines()[1:] for v in line.split(";") if len(v) >= 4}
    text = json.dumps(docs[0][1], ensure_ascii=False)
    leaked = [v for v in values if v in text]
    if leaked:
        errors.append(f"{len(leaked)} raw values appear in the SARIF output")
    results = sum(len(r.get("results", [])) for r in docs[0][1]["runs"])
    if results == 0:
        errors.append("the fixture scan gave no SARIF results")
    for e in errors:
        print(e)
    print(f"{len(docs)} SARIF documents, {results} results in the fixture scan, "
          f"{len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
