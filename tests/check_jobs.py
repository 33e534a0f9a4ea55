#!/usr/bin/env python3
"""-j N: the reports are byte-identical whatever the number of workers.

Usage: check_jobs.py BREACHSCOPE FIXTURES_DIR

Copies the fixtures into a temporary tree, adds a tar.gz, a zip and a
gzip made from some of them (archives replay their members' reports and
their archive_begin events through the scheduler), then scans the tree
with -j 1, -j 2 and -j 3 in every report format, with and without a
shared --person-key-file (the report then carries the person hash sets),
and compares standard output, standard error and the exit code byte for
byte. Fails on the first difference, naming the format and -j.
"""
import gzip
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile

FORMATS = ["json", "jsonl", "text", "sarif", "csv", "junit", "summary"]


def make_tree(fixtures, root):
    tree = os.path.join(root, "tree")
    shutil.copytree(fixtures, tree)
    members = []
    for sub in ("csv", "hl7", "fhir"):
        d = os.path.join(fixtures, sub)
        if os.path.isdir(d):
            for name in sorted(os.listdir(d))[:6]:
                p = os.path.join(d, name)
                if os.path.isfile(p):
                    members.append((f"{sub}/{name}", p))
    with tarfile.open(os.path.join(tree, "bundle.tar.gz"), "w:gz") as t:
        for arc, p in members:
            t.add(p, arcname=arc)
    with zipfile.ZipFile(os.path.join(tree, "bundle.zip"), "w") as z:
        for arc, p in members:
            z.write(p, arcname=arc)
    if members:
        with open(members[0][1], "rb") as f, \
                gzip.open(os.path.join(tree, "single.csv.gz"), "wb") as g:
            g.write(f.read())
    return tree


def scan(binary, tree, fmt, jobs, extra):
    r = subprocess.run([binary, "scan", "--no-progress", "-f", fmt, "-j", str(jobs)] + extra + ["tree"],
                       capture_output=True, cwd=os.path.dirname(tree))
    if r.returncode not in (0, 1, 2):
        raise SystemExit(f"-f {fmt} -j {jobs}: exit {r.returncode}: {r.stderr.decode(errors='replace')}")
    return r.returncode, r.stdout, r.stderr


def main():
    binary, fixtures = os.path.abspath(sys.argv[1]), sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        tree = make_tree(fixtures, tmp)
        key = os.path.join(tmp, "key")
        with open(key, "w") as f:
            f.write("0123456789abcdef" * 4 + "\n")
        failures = 0
        runs = 0
        for extra in ([], ["--person-key-file", key]):
            for fmt in FORMATS:
                ref = scan(binary, tree, fmt, 1, extra)
                if not ref[1]:
                    print(f"-f {fmt}: empty report", file=sys.stderr)
                    failures += 1
                for jobs in (2, 3):
                    got = scan(binary, tree, fmt, jobs, extra)
                    runs += 1
                    for what, a, b in (("exit code", ref[0], got[0]), ("stdout", ref[1], got[1]),
                                       ("stderr", ref[2], got[2])):
                        if a != b:
                            failures += 1
                            print(f"-f {fmt} {' '.join(extra)}: -j {jobs} differs from -j 1 in {what}",
                                  file=sys.stderr)
        if failures:
            raise SystemExit(f"{failures} difference(s) in {runs} comparisons")
        print(f"ok: {runs} scans with -j 2 and -j 3 identical to -j 1")


if __name__ == "__main__":
    main()
