#!/usr/bin/env python3
"""Checks breachscope's SARIF output against the official SARIF 2.1.0 schema
and against what GitHub code scanning needs to ingest and display it.

Usage: check_sarif.py BREACHSCOPE SCHEMA FIXTURES_DIR
       check_sarif.py BREACHSCOPE SCHEMA --tree DIR   (check a scan of DIR,
                                                       e.g. the shared corpus;
                                                       nothing is written there)

SCHEMA is tests/sarif-schema-2.1.0.json, the OASIS schema vendored as is
(tests/SCHEMAS.md). The fixture run copies the fixtures into a temporary
tree and adds archives made from them (a zip with a member in a folder, a
tar.gz holding that zip, a .csv.gz), then scans it from its root with
relative paths, as a CI job scans its checkout. It also scans with a policy
that allows findings and with a baseline, which must become suppressions,
scans 26,000 findings (at most GitHub's 25,000 results, the rest counted in
a notification), and checks every golden file fixtures/expected/**/*.sarif.

GitHub checks (the "SARIF support for code scanning" documentation and the
GitHub rules of the SARIF multitool, named after them):
- GH1011 version 2.1.0 and a $schema naming the final 2.1.0 schema;
- GH2012 every rule has shortDescription.text, fullDescription.text and
  help.text (and here help.markdown too);
- GH1001 every result has a location with artifactLocation.uri;
- GH1003 every location has a region with startLine >= 1;
- GH1005 URIs are relative (no scheme, no leading '/'), percent-encoded,
  and name a real file of the tree (no "x.zip!/member"): an archive member
  is the archive plus a logical location naming the member;
- ruleId is a driver rule and ruleIndex points at it; a non-empty
  message.text; partialFingerprints present;
- suppressions have kind inSource or external and a justification;
- limits: at most 20 runs, 25,000 results and 25,000 rules per run, 1,000
  locations per result, 20 tags per rule, 10 MB gzipped.
And what the regions mean: a CSV result's startLine/startColumn point at its
column's header cell, an HL7 result's line starts with its segment.
"""
import gzip
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse
import zipfile

import jsonschema

LIMITS = {"runs": 20, "results": 25000, "rules": 25000, "locations": 1000, "tags": 20,
          "gzip_bytes": 10 * 1024 * 1024}


def github_checks(doc, where, root=None, raw=None):
    """Problems GitHub code scanning would have with doc (a list of strings).
    root: the scanned tree, to check that URIs name real files and regions
    point where they say; raw: the SARIF text, for the size limit."""
    errs = []
    if raw is not None and len(gzip.compress(raw.encode())) > LIMITS["gzip_bytes"]:
        errs.append(f"{where}: larger than 10 MB gzipped")
    if doc.get("version") != "2.1.0" or not re.search(r"2\.1\.0(\.json)?$", doc.get("$schema", "")):
        errs.append(f"{where}: GH1011 version or $schema is not the final SARIF 2.1.0")
    if len(doc.get("runs", [])) > LIMITS["runs"]:
        errs.append(f"{where}: more than {LIMITS['runs']} runs")
    for run in doc.get("runs", []):
        rules = run["tool"]["driver"].get("rules", [])
        ids = [r["id"] for r in rules]
        if len(ids) != len(set(ids)):
            errs.append(f"{where}: duplicate rule ids")
        if len(rules) > LIMITS["rules"]:
            errs.append(f"{where}: more than {LIMITS['rules']} rules")
        for r in rules:
            p = f"{where}: rule {r['id']}"
            for key in ("shortDescription", "fullDescription", "help"):
                if not (r.get(key) or {}).get("text", "").strip():
                    errs.append(f"{p}: GH2012 no {key}.text")
            if not (r.get("help") or {}).get("markdown", "").strip():
                errs.append(f"{p}: no help.markdown")
            if len(r.get("properties", {}).get("tags", [])) > LIMITS["tags"]:
                errs.append(f"{p}: more than {LIMITS['tags']} tags")
        results = run.get("results", [])
        if len(results) > LIMITS["results"]:
            errs.append(f"{where}: {len(results)} results, more than {LIMITS['results']}")
        for i, res in enumerate(results):
            p = f"{where}: result {i}"
            if res.get("ruleId") not in ids:
                errs.append(f"{p}: ruleId {res.get('ruleId')} is not a driver rule")
            elif res.get("ruleIndex") != ids.index(res["ruleId"]):
                errs.append(f"{p}: ruleIndex does not point at its rule")
            if not res.get("message", {}).get("text", "").strip():
                errs.append(f"{p}: empty message")
            if not res.get("partialFingerprints", {}).get("breachscope/v2"):
                errs.append(f"{p}: no breachscope/v2 fingerprint")
            for s in res.get("suppressions", []):
                if s.get("kind") not in ("inSource", "external") or not s.get("justification"):
                    errs.append(f"{p}: suppression without kind or justification")
            locs = res.get("locations", [])
            if not locs:
                errs.append(f"{p}: GH1001 no location")
            if len(locs) > LIMITS["locations"]:
                errs.append(f"{p}: more than {LIMITS['locations']} locations")
            for loc in locs:
                errs += location_checks(loc, p, root)
    return errs


def location_checks(loc, p, root):
    errs = []
    phys = loc.get("physicalLocation", {})
    uri = phys.get("artifactLocation", {}).get("uri")
    if not uri:
        return [f"{p}: GH1001 no artifactLocation.uri"]
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", uri) or uri.startswith("/"):
        errs.append(f"{p}: GH1005 uri {uri!r} is not relative")
    if re.search(r"[ \"<>\\^`{|}!]", uri):
        errs.append(f"{p}: uri {uri!r} is not encoded or names an archive member")
    start = phys.get("region", {}).get("startLine", 0)
    if start < 1:
        errs.append(f"{p}: GH1003 no region.startLine")
    if root is not None:
        path = os.path.join(root, urllib.parse.unquote(uri))
        if not os.path.isfile(path):
            errs.append(f"{p}: uri {uri!r} is not a file of the scanned tree")
    return errs


def lines_of(path):
    """The file's lines as SARIF counts them (CR LF, LF and CR end a line)."""
    with open(path, "rb") as f:
        data = f.read()
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    return re.split(r"\r\n|\n|\r", text)


def region_checks(doc, root, where):
    """CSV results point at their header cell, HL7 ones at their segment."""
    errs, checked = [], 0
    for run in doc["runs"]:
        for i, res in enumerate(run["results"]):
            loc = res["locations"][0]
            if loc.get("logicalLocations"):
                continue
            uri = urllib.parse.unquote(loc["physicalLocation"]["artifactLocation"]["uri"])
            region = loc["physicalLocation"]["region"]
            header = None
            m = re.search(r" '(.*?)'", res["message"]["text"])
            if m:
                header = m.group(1)
            path = os.path.join(root, uri)
            if not header or not os.path.isfile(path):
                continue
            lines = lines_of(path)
            line = lines[region["startLine"] - 1] if region["startLine"] <= len(lines) else None
            p = f"{where}: result {i} ({uri}, {header})"
            if uri.endswith((".csv", ".tsv")) and "utf16" not in uri and "startColumn" in region:
                col = region["startColumn"] - 1
                if line is None or not line[col:].lstrip('"').startswith(header):
                    errs.append(f"{p}: line {region['startLine']} column {col + 1} is not the header cell")
                checked += 1
            elif uri.endswith(".hl7") and re.match(r"^[A-Z][A-Z0-9]{2}-", header):
                if line is None or not line.lstrip("\x0b").startswith(header[:3]):
                    errs.append(f"{p}: line {region['startLine']} is not a {header[:3]} segment")
                checked += 1
    return errs, checked


def scan(binary, root, *args):
    run = subprocess.run([binary, "scan", "--format", "sarif", "--no-progress", "-q", *args],
                         cwd=root, capture_output=True, text=True)
    if run.returncode not in (0, 1, 2):
        raise SystemExit(f"scan {args} exited {run.returncode}: {run.stderr}")
    return run.stdout


def make_tree(fixtures, tmp):
    """Fixtures plus archives made from them, in tmp/tree."""
    tree = os.path.join(tmp, "tree")
    for sub in ("csv", "hl7", "xml", "fhir", "text"):
        shutil.copytree(os.path.join(fixtures, sub), os.path.join(tree, sub))
    src = os.path.join(fixtures, "csv", "patients-fr-semicolon.csv")
    hl7 = os.path.join(fixtures, "hl7", "oru-r01-lf.hl7")
    os.makedirs(os.path.join(tree, "archives"))
    zpath = os.path.join(tree, "archives", "export.zip")
    with zipfile.ZipFile(zpath, "w") as z:
        z.write(src, "dir/m.csv")
        z.write(hl7, "msgs/oru.hl7")
    buf = io.BytesIO()
    with tarfile.open(os.path.join(tree, "archives", "backup.tar.gz"), "w:gz") as t:
        t.add(zpath, "inner/export.zip")
    with open(src, "rb") as f, gzip.open(os.path.join(tree, "archives", "p.csv.gz"), "wb") as g:
        g.write(f.read())
    return tree


def main():
    binary, schema_path = sys.argv[1:3]
    schema = json.load(open(schema_path))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    errors, docs = [], []
    if sys.argv[3] == "--tree":
        root = os.path.abspath(sys.argv[4])
        raw = scan(binary, root, ".")
        docs.append(("scan of " + root, json.loads(raw), raw, root))
        fixtures = None
        errors += check_all(validator, docs)
    else:
        fixtures = sys.argv[3]
        tmp = tempfile.mkdtemp(prefix="bsc-sarif-")
        try:
            root = make_tree(fixtures, tmp)
            raw = scan(binary, root, "csv", "hl7", "xml", "fhir", "text", "archives")
            docs.append(("scan of the fixtures", json.loads(raw), raw, root))
            pol = os.path.join(os.path.abspath(fixtures), "policy", "annuaire-ok.yml")
            praw = scan(binary, root, "--policy", pol, "csv")
            docs.append(("scan with a policy", json.loads(praw), praw, root))
            base = os.path.join(tmp, "base.json")
            subprocess.run([binary, "scan", "--format", "json", "--no-progress", "-q",
                            "-o", base, "csv"], cwd=root, capture_output=True)
            braw = scan(binary, root, "--baseline", base, "csv")
            docs.append(("scan with a baseline", json.loads(braw), braw, root))
            errors += expectations(docs, root)
            errors += limit_checks(binary, os.path.join(tmp, "many"))
            for dirpath, _, files in os.walk(os.path.join(fixtures, "expected")):
                for f in sorted(files):
                    if f.endswith(".sarif"):
                        path = os.path.join(dirpath, f)
                        docs.append((os.path.relpath(path, fixtures), json.load(open(path)),
                                     None, fixtures))
            errors += check_all(validator, docs)
        finally:
            shutil.rmtree(tmp)
    if fixtures:
        # No raw value of the richest fixture in any message.
        raw = open(os.path.join(fixtures, "csv", "patients-fr-semicolon.csv"), encoding="utf-8").read()
        values = {v for line in raw.splitlines()[1:] for v in line.split(";") if len(v) >= 4}
        text = json.dumps(docs[0][1], ensure_ascii=False)
        leaked = [v for v in values if v in text]
        if leaked:
            errors.append(f"{len(leaked)} raw values appear in the SARIF output")
    results = sum(len(r.get("results", [])) for r in docs[0][1]["runs"])
    for e in errors[:200]:
        print(e)
    print(f"{len(docs)} SARIF documents, {results} results in the first scan, "
          f"{len(errors)} problems")
    return 1 if errors else 0


def check_all(validator, docs):
    errors = []
    for where, doc, raw, root in docs:
        for e in validator.iter_errors(doc):
            errors.append(f"{where}: schema: {'/'.join(map(str, e.absolute_path))}: {e.message}")
        errors += github_checks(doc, where, root, raw)
    return errors


def limit_checks(binary, root):
    """26 files of 1,000 e-mail columns: 26,000 findings, of which the SARIF
    keeps GitHub's 25,000 and counts the rest in a notification."""
    os.makedirs(root)
    for n in range(26):
        with open(os.path.join(root, f"f{n:02d}.csv"), "w") as f:
            f.write(";".join(f"mail{i}" for i in range(1000)) + "\n")
            for r in range(3):
                f.write(";".join(f"p{r}x{i}@exemple.fr" for i in range(1000)) + "\n")
    raw = scan(binary, root, ".")
    doc = json.loads(raw)
    errs = github_checks(doc, "scan of 26,000 findings", root, raw)
    notes = [n["message"]["text"] for n in doc["runs"][0]["invocations"][0]
             ["toolExecutionNotifications"]]
    if not any(t.startswith("1000 more finding(s)") for t in notes):
        errs.append(f"26,000 findings: no notification counts the 1000 left out ({notes[-1:]})")
    return errs


def expectations(docs, root):
    """What the fixture scans must show, beyond validity."""
    errs = []
    doc = docs[0][1]
    results = doc["runs"][0]["results"]
    if not results:
        return ["the fixture scan gave no SARIF results"]
    reg, checked = region_checks(doc, root, "scan of the fixtures")
    errs += reg
    if checked < 20:
        errs.append(f"only {checked} CSV/HL7 regions could be checked")
    members = {}
    for res in results:
        for loc in res["locations"]:
            for lg in loc.get("logicalLocations", []):
                uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                members.setdefault(uri, set()).add(lg["fullyQualifiedName"])
    want = {"archives/export.zip": {"dir/m.csv", "msgs/oru.hl7"},
            "archives/backup.tar.gz": {"inner/export.zip!/dir/m.csv",
                                       "inner/export.zip!/msgs/oru.hl7"}}
    for uri, names in want.items():
        if not names <= members.get(uri, set()):
            errs.append(f"archive members: {uri} names {sorted(members.get(uri, []))}, "
                        f"want {sorted(names)}")
    if "archives/p.csv.gz" not in members:
        errs.append("archive members: archives/p.csv.gz has no logical location")
    if not any(r.get("suppressions") for r in docs[1][1]["runs"][0]["results"]):
        errs.append("a policy that allows findings gave no suppressions")
    bres = docs[2][1]["runs"][0]["results"]
    alerts = [r for r in bres if r["level"] == "error" and not r.get("suppressions")]
    if not bres or alerts:
        errs.append(f"with a baseline of the same scan, {len(alerts)} results are still alerts")
    return errs


if __name__ == "__main__":
    sys.exit(main())
