#!/usr/bin/env python3
"""Shards and merge: merging N shard reports gives the figures of one scan.

Usage: check_merge.py BREACHSCOPE FIXTURES_DIR [SCHEMA]

Scans the fixtures once, then as 3 and as 5 shards with the same
--person-key-file, merges the shard reports, and compares the summaries:
exact figures must be equal (distinct persons included: the shards carry
their keyed hash sets). Also checks that shards are disjoint and cover
every item, and that merging without shared keys is flagged approximate.
"""
import json
import os
import subprocess
import sys
import tempfile

EXACT = ["items", "by_status", "archives", "members", "records", "records_identity", "records_medical",
         "records_linked", "verdict", "severity", "violations", "identity", "medical"]


def run(binary, args, cwd):
    r = subprocess.run([binary] + args, cwd=cwd, capture_output=True, text=True)
    if r.returncode not in (0, 1, 2):
        raise SystemExit(f"{' '.join(args)}: exit {r.returncode}: {r.stderr}")
    return r


def main():
    binary, fixtures = sys.argv[1:3]
    schema_validator = None
    if len(sys.argv) > 3:
        import jsonschema
        schema_validator = jsonschema.Draft202012Validator(json.load(open(sys.argv[3])))
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        key = os.path.join(tmp, "key")
        with open(key, "w") as f:
            f.write("00112233445566778899aabbccddeeff" * 2 + "\n")
        full = os.path.join(tmp, "full.json")
        common = ["--no-progress", "-q", "--person-key-file", key]
        run(binary, ["scan", "--format", "json", "-o", full] + common + ["csv", "text"],
            fixtures)
        ref = json.load(open(full))
        for n in (3, 5):
            shards = []
            for k in range(1, n + 1):
                out = os.path.join(tmp, f"s{k}of{n}.json")
                run(binary, ["scan", "--shard", f"{k}/{n}", "--format", "json", "-o", out]
                    + common + ["csv", "text"], fixtures)
                shards.append(out)
            paths = [it["path"] for s in shards for it in json.load(open(s))["items"]]
            if sorted(paths) != sorted(it["path"] for it in ref["items"]):
                errors.append(f"{n} shards do not cover the items exactly once")
            merged = os.path.join(tmp, f"merged{n}.json")
            r = run(binary, ["merge", "-o", merged] + shards, fixtures)
            m = json.load(open(merged))
            if schema_validator:
                for e in schema_validator.iter_errors(m):
                    errors.append(f"merged report: {'/'.join(map(str, e.absolute_path))}: "
                                  f"{e.message}")
            for k in EXACT:
                if m["summary"][k] != ref["summary"][k]:
                    errors.append(f"{n} shards: summary.{k} {m['summary'][k]!r} "
                                  f"!= {ref['summary'][k]!r}")
            for k in ("count", "contactable", "keys", "records_without_key", "approximate",
                      "by_category", "with_identity", "with_medical", "categories_precision",
                      "professionals", "relatives"):
                if m["summary"]["persons"][k] != ref["summary"]["persons"][k]:
                    errors.append(f"{n} shards: persons.{k} "
                                  f"{m['summary']['persons'][k]!r} != "
                                  f"{ref['summary']['persons'][k]!r}")
            fl = lambda d: sorted((f["rule"], f["count"]) for f in d["summary"]["flags"])
            if fl(m) != fl(ref):
                errors.append(f"{n} shards: flags differ")
            if r.returncode != 2:  # the bad-* fixtures are incomplete
                errors.append(f"merge exit code {r.returncode}, want 2")
        # Past the exact budget, the count is an estimate within 2%.
        big = os.path.join(tmp, "big.csv")
        with open(big, "w") as f:
            f.write("email;diagnostic\n")
            for i in range(6000):
                f.write(f"p{i}@exemple.fr;E11.9\n")
                if i % 4 == 0:
                    f.write(f"p{i}@exemple.fr;I10\n")  # the same person again
        r = run(binary, ["scan", "--format", "json", "-q", "--max-persons-exact", "1000", big],
                fixtures)
        p = json.loads(r.stdout)["summary"]["persons"]
        if not p["approximate"] or not p["error"] or abs(p["count"] - 6000) > 120:
            errors.append(f"approximate path: {p['count']} persons, approximate "
                          f"{p['approximate']}, error {p['error']} (want ~6000 within 2%)")
        # ... and the persons per category are upper bounds, never under
        if p["categories_precision"] != "upper_bound" or \
                p["by_category"].get("diagnosis", 0) < 6000:
            errors.append(f"approximate path: persons with a diagnosis "
                          f"{p['by_category'].get('diagnosis')} "
                          f"({p['categories_precision']}), want an upper bound >= 6000")
        r = run(binary, ["scan", "--format", "json", "-q", big], fixtures)
        p = json.loads(r.stdout)["summary"]["persons"]
        if p["approximate"] or p["count"] != 6000:
            errors.append(f"exact path: {p['count']} persons (want exactly 6000)")
        if p["categories_precision"] != "exact" or p["by_category"].get("diagnosis") != 6000:
            errors.append(f"exact path: {p['by_category']} persons per category "
                          f"(want a diagnosis for exactly 6000)")
        # Without a shared key the shards cannot be deduplicated.
        a = os.path.join(tmp, "a.json")
        b = os.path.join(tmp, "b.json")
        run(binary, ["scan", "--format", "json", "-q", "-o", a, "csv/patients-fr-semicolon.csv"],
            fixtures)
        run(binary, ["scan", "--format", "json", "-q", "-o", b, "csv/patients-en-comma.csv"],
            fixtures)
        r = run(binary, ["merge", a, b], fixtures)
        p = json.loads(r.stdout)["summary"]["persons"]
        if not p["approximate"] or "not deduplicated" not in r.stderr:
            errors.append("merge without person sets must say it is approximate")
        if p["categories_precision"] != "upper_bound" or \
                p["professionals"]["precision"] != "upper_bound":
            errors.append("merge without person sets: per-category figures and "
                          "professionals must be upper bounds")
        if "set" in json.load(open(a))["summary"]["persons"]:
            errors.append("a report without --person-key-file must carry no hashes")
    for e in errors:
        print(e)
    print(f"merge equivalence: {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
