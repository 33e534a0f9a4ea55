#!/usr/bin/env python3
"""The golden reports agree with what fixtures/README.md says a good scanner SHOULD report.

Usage: check_expectations.py FIXTURES_DIR
fixtures/make_fixtures.py holds, for every fixture, its expected status, verdict, identity and
medical categories (a category in parentheses is optional) and, for HL7 v2 fixtures, the
categories per subject (patient, professional, related, unknown). This test loads that table
and compares it with fixtures/expected/<path>.json, so that a golden update cannot silently
contradict the documented expectations (or the reverse).
"""
import importlib.util
import json
import os
import sys


def main():
    fixtures = sys.argv[1]
    spec = importlib.util.spec_from_file_location(
        "make_fixtures", os.path.join(fixtures, "make_fixtures.py"))
    mf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mf)
    errs, checked = [], 0
    for f in mf.FIXTURES:
        golden = os.path.join(fixtures, "expected", f["path"] + ".json")
        if not os.path.exists(golden):
            continue
        checked += 1
        g = json.load(open(golden))["items"][0]
        p = f["path"]
        want = f["identity"] + f["medical"]
        req = {c for c in want if not c.startswith("(")}
        opt = {c.strip("()") for c in want if c.startswith("(")}
        got = set(g["identity"]) | set(g["medical"])
        if req - got:
            errs.append(f"{p}: missing {sorted(req - got)}")
        if got - req - opt:
            errs.append(f"{p}: not expected {sorted(got - req - opt)}")
        if f["status"] in ("complete", "partial", "failed", "skipped") and \
                f["status"] != g["status"]:
            errs.append(f"{p}: status {g['status']}, expected {f['status']}")
        if f["verdict"] != g["verdict"]:
            errs.append(f"{p}: verdict {g['verdict']}, expected {f['verdict']}")
        subjects = getattr(mf, "HL7", {}).get(p)
        if subjects is not None:
            gs = {k: set(v["identity"]) | set(v["medical"]) for k, v in g["subjects"].items()}
            ws = {k: set(v) for k, v in subjects.items()}
            if gs != ws:
                errs.append(f"{p}: subjects {gs}, expected {ws}")
    for e in errs:
        print(e)
    print(f"{checked} golden reports checked, {len(errs)} disagreements")
    return 1 if errs or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
