#!/usr/bin/env python3
"""Checks breachscope's JUnit output against the common junit-10.xsd.

Usage: check_junit.py BREACHSCOPE XMLLINT JUNIT_XSD FIXTURES_DIR

Scans the CSV, HL7, XML and FHIR fixtures with --format junit and checks
the document, and every golden file fixtures/expected/**/*.junit.xml, with
`xmllint --noout --schema tests/junit-10.xsd` (libxml2-utils; the schema is
vendored, see tests/SCHEMAS.md). It also checks what the schema cannot
say: the totals agree with the test cases, no failure prints "column 0",
and failures in HL7 and XML items give the location the reader gave (the
HL7 field, the XML path) and its line.
"""
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET


def xsd_errors(xmllint, xsd, path):
    run = subprocess.run([xmllint, "--noout", "--schema", xsd, path],
                         capture_output=True, text=True)
    return [] if run.returncode == 0 else [f"{path}: {run.stderr.strip()}"]


def content_errors(text):
    errs = []
    root = ET.fromstring(text)
    if "skipped" in root.attrib:
        errs.append("testsuites has a skipped attribute (junit-10.xsd forbids it)")
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        counts = {k: sum(1 for c in cases if c.find(k) is not None)
                  for k in ("failure", "error", "skipped")}
        if int(suite.get("tests")) != len(cases):
            errs.append("testsuite tests= is not the number of test cases")
        for k, attr in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            if int(suite.get(attr, "0")) != counts[k]:
                errs.append(f"testsuite {attr}= is {suite.get(attr)}, {counts[k]} test cases")
    hl7 = xml = 0
    for case in root.iter("testcase"):
        failure = case.find("failure")
        if failure is None or not failure.text:
            continue
        name = case.get("name")
        for line in failure.text.splitlines():
            if "column 0" in line:
                errs.append(f"{name}: 'column 0' in {line!r}")
            if name.endswith(".hl7"):
                hl7 += 1
                if not re.search(r"at '[A-Z][A-Z0-9]{2}-\d+[^']*', line \d+", line):
                    errs.append(f"{name}: no HL7 field and line in {line!r}")
            elif name.endswith(".xml"):
                xml += 1
                if not re.search(r"at '/[^']*', line \d+", line):
                    errs.append(f"{name}: no XML path and line in {line!r}")
    if not hl7 or not xml:
        errs.append(f"only {hl7} HL7 and {xml} XML failure lines to check")
    return errs


def main():
    binary, xmllint, xsd, fixtures = sys.argv[1:5]
    errors = []
    run = subprocess.run([binary, "scan", "--format", "junit", "--no-progress", "-q",
                          "csv", "hl7", "xml", "fhir"], cwd=fixtures, capture_output=True,
                         text=True)
    if run.returncode not in (0, 1, 2):
        print(f"scan exited {run.returncode}: {run.stderr}")
        return 1
    with tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False) as f:
        f.write(run.stdout)
    try:
        errors += xsd_errors(xmllint, xsd, f.name)
    finally:
        os.unlink(f.name)
    errors += content_errors(run.stdout)
    goldens = 0
    for dirpath, _, files in os.walk(os.path.join(fixtures, "expected")):
        for name in sorted(files):
            if name.endswith(".junit.xml"):
                path = os.path.join(dirpath, name)
                errors += xsd_errors(xmllint, xsd, path)
                goldens += 1
    for e in errors:
        print(e)
    print(f"JUnit: the fixture scan and {goldens} golden files, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
