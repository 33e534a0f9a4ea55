#!/usr/bin/env python3
"""The CI gate as a new user meets it (issue 16), end to end on the binary:

- `-o FILE` writes the format its extension names, `FMT:FILE` wins, a name
  that says nothing is a usage error (exit 3), for scan, merge and report;
- exit codes: 0 clean, 1 found, 2 incomplete, 3 could not run;
- the text speaks of a policy only when one is loaded, and names the rule
  each violating finding breaks;
- merge (and report) refuse one shard given twice;
- --exclude, --include and .breachscopeignore, relative to each root (".",
  "./", absolute, two roots, -j), not inside archives;
- policy globs relative to each root, and a warning for a glob that
  matches nothing.

Usage: check_gate.py BINARY FIXTURES
Fixtures are built in a temporary directory from synthetic values.
"""
import json
import os
import subprocess
import sys
import tempfile
import zipfile

PATIENTS = ("nom;prenom;date_naissance;diagnostic_cim10\n"
            "DUPONT;Jean;1980-02-01;E11.9\n"
            "MARTIN;Anne;1975-06-12;I10\n")
CLEAN = "region;annee;effectif;taux\nBretagne;2021;18342;4,7\nBretagne;2022;18977;4,9\n"


def run(binary, args, cwd, want=None, errors=None):
    r = subprocess.run([binary] + args, cwd=cwd, capture_output=True, text=True)
    if want is not None and r.returncode != want and errors is not None:
        errors.append(f"{' '.join(args)}: exit {r.returncode}, want {want}: {r.stderr.strip()}")
    return r


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def kind_of(path):
    """What a report file is, from its first bytes."""
    with open(path, encoding="utf-8-sig") as f:
        head = f.read(400)
    if head.startswith("<?xml") and "<testsuites" in head:
        return "junit"
    if head.lstrip().startswith("<!DOCTYPE html"):
        return "html"
    if '"$schema"' in head and "sarif" in head:
        return "sarif"
    if '"schema": "breachscope.report/1"' in head:
        return "json"
    if head.startswith('{"type":'):
        return "jsonl"
    if head.startswith('"path","status"'):
        return "csv"
    if head.startswith("Breach scope summary"):
        return "summary"
    return "text"


def check_outputs(binary, tmp, errors):
    data = os.path.join(tmp, "data")
    write(os.path.join(data, "patients.csv"), PATIENTS)
    out = os.path.join(tmp, "out")
    os.makedirs(out)
    names = {"r.json": "json", "r.jsonl": "jsonl", "r.ndjson": "jsonl", "scan.sarif": "sarif",
             "s.sarif.json": "sarif", "f.csv": "csv", "junit.xml": "junit", "r.html": "html",
             "r.htm": "html", "r.txt": "text", "summary:notify.txt": "summary",
             "json:forced.sarif": "json"}
    args = ["scan", "--no-progress", "-q"]
    for n in names:
        args += ["-o", n]
    run(binary, args + [data], out, 1, errors)
    for n, want in names.items():
        path = os.path.join(out, n.split(":")[-1])
        if not os.path.exists(path):
            errors.append(f"-o {n}: no file {path}")
        elif kind_of(path) != want:
            errors.append(f"-o {n}: wrote {kind_of(path)}, want {want}")
    if any(":" in f for f in os.listdir(out)):
        errors.append(f"a file named after its prefix: {os.listdir(out)}")
    # merge and report: the same rules.
    rep = os.path.join(out, "r.json")
    for cmd in ("merge", "report"):
        d = os.path.join(tmp, cmd)
        os.makedirs(d)
        run(binary, [cmd, "-q", "-o", "json:m.json", "-o", "summary:x.txt", "-o", "m.sarif", rep],
            d, 1, errors)
        got = {f: kind_of(os.path.join(d, f)) for f in sorted(os.listdir(d))}
        if got != {"m.json": "json", "x.txt": "summary", "m.sarif": "sarif"}:
            errors.append(f"{cmd} -o: wrote {got}")
    # merge to one JSON file, through the prefix: the file is m1.json.
    d = os.path.join(tmp, "merge1")
    os.makedirs(d)
    run(binary, ["merge", "-q", "-o", "json:m1.json", rep], d, 1, errors)
    if os.listdir(d) != ["m1.json"]:
        errors.append(f"merge -o json:m1.json wrote {os.listdir(d)}")
    # Names that say nothing: exit 3, nothing written, the fix named.
    d = os.path.join(tmp, "bad")
    os.makedirs(d)
    for args in (["scan", "-o", "scan.out", data], ["merge", "-o", "merged", rep],
                 ["report", "-o", "r.md", rep], ["scan", "-f", "sarif", "-o", "r.json", data],
                 ["diff", "-o", "d.sarif", rep, rep]):
        r = run(binary, args, d, 3, errors)
        if "Try 'breachscope --help'" not in r.stderr:
            errors.append(f"{' '.join(args)}: no hint: {r.stderr!r}")
    if "FMT:FILE" not in run(binary, ["scan", "-o", "scan.out", data], d).stderr:
        errors.append("an unknown extension does not name the FMT:FILE form")
    if os.listdir(d):
        errors.append(f"a refused -o wrote {os.listdir(d)}")


def check_exit_codes(binary, fixtures, tmp, errors):
    data = os.path.join(tmp, "codes")
    write(os.path.join(data, "clean", "stats.csv"), CLEAN)
    write(os.path.join(data, "found", "patients.csv"), PATIENTS)
    with open(os.path.join(fixtures, "csv", "bad-unterminated-quote.csv")) as f:
        write(os.path.join(data, "broken", "bad.csv"), f.read())
    write(os.path.join(data, "typo.yml"), "rules:\n  - pth: '*.csv'\n")
    q = ["scan", "--no-progress", "-q"]
    run(binary, q + ["clean"], data, 0, errors)
    run(binary, q + ["found"], data, 1, errors)
    run(binary, q + ["broken"], data, 2, errors)
    run(binary, q + ["found", "broken"], data, 2, errors)  # 2 wins over 1
    run(binary, q + ["--policy", "typo.yml", "clean"], data, 3, errors)
    run(binary, q + ["--policy", "no-such.yml", "clean"], data, 3, errors)
    run(binary, q + ["--rules", "no-such-rules.yml", "clean"], data, 3, errors)
    run(binary, q + ["--baseline", "no-such.json", "clean"], data, 3, errors)
    run(binary, q + ["-o", os.path.join(data, "no", "such", "dir", "r.json"), "clean"], data, 3,
        errors)
    run(binary, ["scan", "--frobnicate", "clean"], data, 3, errors)
    run(binary, ["merge", "no-such.json"], data, 3, errors)
    run(binary, ["report", "typo.yml"], data, 3, errors)
    run(binary, ["diff", "typo.yml", "typo.yml"], data, 3, errors)
    run(binary, ["rules", "check", "no-such-rules.yml"], data, 3, errors)


def check_policy_wording(binary, tmp, errors):
    """Policy words only with a policy; each violating finding names its rule."""
    data = os.path.join(tmp, "wording")
    write(os.path.join(data, "exports", "patients.csv"), PATIENTS)
    write(os.path.join(data, "ci.yml"), "version: 1\nrules:\n"
          "  - path: 'stats/**'\n    allow: []\n"
          "  - path: '**'\n    allow: [identity]\n"
          "  - path: 'never/**'\n    name: unused\n    allow: []\n")
    q = ["scan", "--no-progress"]
    for lang, words in (("en", ("policy", "violates")), ("fr", ("politique", "enfreint"))):
        r = run(binary, q + ["--lang", lang, "exports"], data, 1, errors)
        for w in words:
            if w in r.stdout:
                errors.append(f"no policy, --lang {lang}: '{w}' in the text: {r.stdout!r}")
        r = run(binary, q + ["--lang", lang, "--policy", "ci.yml", "exports"], data, 1, errors)
        want = ("violates rule 2 (**) of ci.yml" if lang == "en"
                else "enfreint la règle 2 (**) de ci.yml")
        if r.stdout.count(want) != 1:  # the diagnosis: identity is allowed
            errors.append(f"--policy, --lang {lang}: want 1 x '{want}': {r.stdout!r}")
        tail = ("finding(s) break the policy (ci.yml)" if lang == "en"
                else "constat(s) enfreignent la politique (ci.yml)")
        if r.stdout.count(tail) != 2:  # the item and the summary
            errors.append(f"--policy, --lang {lang}: want '{tail}' twice: {r.stdout!r}")
    r = run(binary, q + ["--fail-on", "medical", "exports"], data, 1, errors)
    if "violates --fail-on medical" not in r.stdout or "break the policy (--fail-on medical)" \
            not in r.stdout:
        errors.append(f"--fail-on: {r.stdout!r}")
    # JSON carries it; report shows the scan's text again.
    rep = os.path.join(data, "r.json")
    t = run(binary, q + ["--policy", "ci.yml", "-o", rep, "-o", "-", "exports"], data, 1, errors)
    doc = json.load(open(rep))
    if doc["run"].get("policy") != "ci.yml":
        errors.append(f"run.policy: {doc['run'].get('policy')!r}")
    vs = sorted({f.get("violates") for i in doc["items"] for f in i["findings"] if f["violation"]})
    if vs != ["rule 2 (**) of ci.yml"]:
        errors.append(f"violates in JSON: {vs}")
    again = run(binary, ["report", rep], data, 1, errors)
    if again.stdout != t.stdout:
        errors.append("report of the JSON does not give the scan's text")
    plain = os.path.join(data, "plain.json")
    run(binary, q + ["-o", plain, "exports"], data, 1, errors)
    doc = json.load(open(plain))
    if "policy" in doc["run"] or any("violates" in f for i in doc["items"] for f in i["findings"]):
        errors.append("JSON without a policy names one")


def check_merge_twice(binary, tmp, errors):
    """merge refuses one shard given twice, naming both arguments."""
    data = os.path.join(tmp, "shards")
    for i in range(6):
        write(os.path.join(data, "exports", f"p{i}.csv"), PATIENTS)
    q = ["scan", "--no-progress", "-q"]
    for k in (1, 2):
        run(binary, q + ["--shard", f"{k}/2", "-o", f"s{k}.json", "exports"], data, 1, errors)
    run(binary, q + ["--shard", "1/2", "-o", "again.json", "exports"], data, 1, errors)
    run(binary, q + ["-o", "all.json", "exports"], data, 1, errors)
    run(binary, q + ["-o", "all2.json", "exports"], data, 1, errors)
    with open(os.path.join(data, "s1.json")) as f, open(os.path.join(data, "copy.json"), "w") as g:
        g.write(f.read())
    r = run(binary, ["merge", "s1.json", "s2.json"], data, 1, errors)
    if json.loads(r.stdout)["summary"]["items"] != 6:
        errors.append("merge of two shards: not 6 items")
    for second, why in (("s1.json", "same file"), ("./s1.json", "same file"),
                        ("copy.json", "same content"), ("again.json", "--shard")):
        for cmd in ("merge", "report"):
            r = run(binary, [cmd, "s1.json", "s2.json", second], data, 3, errors)
            if f"s1.json and {second}" not in r.stderr or why not in r.stderr or r.stdout:
                errors.append(f"{cmd} s1 s2 {second}: {r.stderr!r}")
    r = run(binary, ["merge", "all.json", "all2.json"], data, 3, errors)
    if "all.json and all2.json" not in r.stderr or "same items" not in r.stderr:
        errors.append(f"the same scan twice: {r.stderr!r}")


def items_of(binary, args, cwd, errors, want=1):
    r = run(binary, ["scan", "--no-progress", "-q", "-f", "json"] + args, cwd, want, errors)
    try:
        d = json.loads(r.stdout)
    except ValueError:
        errors.append(f"{args}: no JSON: {r.stderr}")
        return [], 0, r
    return [i["path"] for i in d["items"]], d["summary"].get("excluded", 0), r


def check_excludes(binary, tmp, errors):
    """--exclude, --include, .breachscopeignore: relative to each root."""
    base = os.path.join(tmp, "ex")
    root = os.path.join(base, "export")
    for rel in ("a.csv", "keep/b.csv", "tmp/c.csv", "build/sub/d.csv", "docs/e.csv",
                "docs/keep.csv", "x.log", "sub/build/f.csv"):
        write(os.path.join(root, rel), PATIENTS)
    with zipfile.ZipFile(os.path.join(root, "dump.zip"), "w") as z:
        z.writestr("tmp/m.csv", PATIENTS)
        z.writestr("m.log", PATIENTS)
    write(os.path.join(root, ".breachscopeignore"),
          "# generated\n\n*.log\ntmp/\n/build\ndocs/*.csv\n!docs/keep.csv\n")
    want = ["a.csv", "docs/keep.csv", "dump.zip!/m.log", "dump.zip!/tmp/m.csv", "dump.zip",
            "keep/b.csv", "sub/build/f.csv"]
    # The same items and count from ".", "./", an absolute root, and -j 3.
    for cwd, arg, prefix in ((root, ".", "./"), (root, "./", "./"), (base, "export", "export/"),
                             (base, "export/", "export/"), (base, root, root + "/"),
                             (base, root + "/", root + "/")):
        for j in ("1", "3"):
            paths, excl, r = items_of(binary, ["-j", j, arg], cwd, errors)
            got = sorted(p[len(prefix):] for p in paths if p.startswith(prefix))
            got = [g for g in got if g != ".breachscopeignore"]
            if got != sorted(want) or len(paths) != len(want) + 1:
                errors.append(f"scan {arg} -j {j} (in {cwd}): {paths}")
            if excl != 4:  # x.log, tmp, build, docs/e.csv
                errors.append(f"scan {arg} -j {j}: excluded {excl}, want 4")
            if r.returncode != 1:
                errors.append(f"excluded items make the scan exit {r.returncode}")
    # Two roots: each its own ignore file and relative paths.
    other = os.path.join(base, "other")
    write(os.path.join(other, "tmp", "z.csv"), PATIENTS)
    write(os.path.join(other, "docs", "e.csv"), PATIENTS)
    paths, excl, _ = items_of(binary, ["export", "other"], base, errors)
    if "other/docs/e.csv" not in paths or "other/tmp/z.csv" not in paths or excl != 4:
        errors.append(f"two roots: {paths}, excluded {excl}")
    paths, excl, _ = items_of(binary, ["--exclude", "tmp/", "export", "other"], base, errors)
    if "other/tmp/z.csv" in paths or excl != 5:
        errors.append(f"two roots, --exclude tmp/: {paths}, excluded {excl}")
    # A glob names the path under the root, not the root itself.
    paths, excl, _ = items_of(binary, ["--exclude", "export/a.csv", "export"], base, errors)
    if "export/a.csv" not in paths:
        errors.append("--exclude matched the root's own name")
    paths, excl, _ = items_of(binary, ["--exclude", "/a.csv", root], base, errors)
    if root + "/a.csv" in paths or excl != 5:
        errors.append(f"--exclude /a.csv with an absolute root: {paths}")
    # Negation order on the command line, after the file.
    paths, _, _ = items_of(binary, ["--exclude", "*.csv", "--exclude", "!keep/b.csv", "export"],
                           base, errors)
    if [p for p in paths if p.endswith(".csv") and "!" not in p] != ["export/keep/b.csv"]:
        errors.append(f"*.csv then !keep/b.csv: {paths}")
    paths, _, _ = items_of(binary, ["--exclude", "!keep/b.csv", "--exclude", "*.csv", "export"],
                           base, errors)
    if any(p.endswith(".csv") and "!" not in p for p in paths):
        errors.append(f"!keep/b.csv then *.csv: {paths}")
    # --include; --no-ignore-file; --ignore-file.
    paths, excl, _ = items_of(binary, ["--include", "*.log", "--no-ignore-file", "export"],
                              base, errors)
    if [p for p in paths if not p.startswith("export/dump.zip")] != ["export/x.log"]:
        errors.append(f"--include *.log: {paths}")
    write(os.path.join(base, "more.ignore"), "keep\n")
    paths, _, _ = items_of(binary, ["--ignore-file", "more.ignore", "export"], base, errors)
    if "export/keep/b.csv" in paths:
        errors.append("--ignore-file not applied")
    run(binary, ["scan", "--ignore-file", "no-such.ignore", "export"], base, 3, errors)
    # The text report says how many were left out; a file operand is scanned.
    t = run(binary, ["scan", "--no-progress", "export"], base, 1, errors)
    if "excluded: 4 file(s) or folder(s)" not in t.stdout:
        errors.append("the text report does not count the excluded entries")
    paths, _, _ = items_of(binary, ["export/x.log"], base, errors)
    if paths != ["export/x.log"]:
        errors.append(f"a file named on the command line was left out: {paths}")


CONTACTS = ("nom;prenom;email\nDUPONT;Jean;jean.dupont@exemple.fr\n"
            "MARTIN;Anne;anne.martin@exemple.fr\n")


def violations(binary, args, cwd, errors, want):
    r = run(binary, ["scan", "--no-progress", "-f", "json"] + args, cwd, want, errors)
    try:
        d = json.loads(r.stdout)
    except ValueError:
        errors.append(f"{args}: no JSON: {r.stderr}")
        return -1, {}, r
    return d["summary"]["violations"], d["run"], r


def check_policy_roots(binary, tmp, errors):
    """Policy globs match paths relative to each scanned root (issue 16:
    9 violations instead of 1 with an absolute path); a glob that matches
    nothing is a warning, once, naming it and the policy file."""
    base = os.path.join(tmp, "roots")
    root = os.path.join(base, "export")
    for name in ("a.csv", "b.csv"):
        write(os.path.join(root, "public", name), CONTACTS)
    write(os.path.join(root, "private", "p.csv"), PATIENTS)
    write(os.path.join(base, "ci.yml"), "version: 1\nrules:\n"
          "  - path: 'public/**'\n    allow: [identity]\n"
          "  - path: 'private/**'\n    allow: [identity]\n"
          "  - path: '**'\n    allow: []\n")
    pol = os.path.join(base, "ci.yml")
    for cwd, arg in ((root, "."), (root, "./"), (base, "export"), (base, "export/"),
                     (base, root), ("/", root[1:])):
        for j in ("1", "2"):
            n, runobj, r = violations(binary, ["--policy", pol, "-j", j, arg], cwd, errors, 1)
            if n != 1:
                errors.append(f"cd {cwd}; scan {arg}: {n} violations, want 1 (the diagnosis)")
            if "warnings" in runobj or "warning" in r.stderr:
                errors.append(f"cd {cwd}; scan {arg}: unexpected warning {r.stderr!r}")
    # Two roots: each item relative to its own.
    n, _, _ = violations(binary, ["--policy", pol, "export/public", "export/private"], base,
                         errors, 1)
    if n != 10:  # under its own root, public/a.csv is 'a.csv': the '**' rule, allow nothing
        errors.append(f"two roots: {n} violations, want 10")
    # A file operand is matched by its own name (and as shown).
    n, _, _ = violations(binary, ["--policy", pol, os.path.join(root, "private", "p.csv")],
                         base, errors, 1)
    if n != 4:  # '**' allows nothing: 3 identity + 1 medical
        errors.append(f"a file operand: {n} violations, want 4")
    # A policy written for the command line's paths still works.
    write(os.path.join(base, "old.yml"), "version: 1\nrules:\n"
          "  - path: 'export/public/**'\n    allow: [identity]\n"
          "  - path: 'export/private/**'\n    allow: [identity]\n")
    n, _, _ = violations(binary, ["--policy", "old.yml", "export"], base, errors, 1)
    if n != 1:
        errors.append(f"a policy with the command line's paths: {n} violations, want 1")
    # With the absolute path that policy matches nothing: every finding (10)
    # fails, as in the issue (9 instead of 1), and
    # a warning per glob, naming it and the file, on stderr and in reports.
    n, runobj, r = violations(binary, ["--policy", "old.yml", root], base, errors, 1)
    if n != 10:
        errors.append(f"old policy, absolute root: {n} violations, want 10")
    for g in ("export/public/**", "export/private/**"):
        if r.stderr.count(f"'{g}'") != 1 or "old.yml" not in r.stderr:
            errors.append(f"no single warning for {g}: {r.stderr!r}")
    if len(runobj.get("warnings", [])) != 2:
        errors.append(f"run.warnings: {runobj.get('warnings')}")
    t = run(binary, ["scan", "--no-progress", "--policy", "old.yml", root], base, 1, errors)
    if t.stdout.count("warning:") != 2 or "matches no scanned path" not in t.stdout:
        errors.append("the text report does not carry the warnings")
    q = run(binary, ["scan", "--no-progress", "-q", "--policy", "old.yml", root], base, 1, errors)
    if q.stderr:
        errors.append(f"-q still warns: {q.stderr!r}")
    # An ignore that matches nothing warns too; --shard does not warn.
    write(os.path.join(base, "ign.yml"), "version: 1\nignore:\n"
          "  - path: 'nowhere/**'\n    reason: test\n")
    _, runobj, r = violations(binary, ["--policy", "ign.yml", "export"], base, errors, 1)
    if "'nowhere/**'" not in r.stderr or "ignore 1" not in r.stderr:
        errors.append(f"unmatched ignore: {r.stderr!r}")
    _, runobj, r = violations(binary, ["--policy", "old.yml", "--shard", "1/2", root], base,
                              errors, 1)
    if "warnings" in runobj:
        errors.append("--shard warns about globs the other shard may match")


def check_reports_and_vcs(binary, tmp, errors):
    """Every report this run writes stays out of its own scan, even when
    it already exists in the scanned folder (a second run); .git, .hg and
    .svn folders are left out and counted, unless re-included."""
    d = os.path.join(tmp, "inplace")
    write(os.path.join(d, "data", "patients.csv"), PATIENTS)
    write(os.path.join(d, "data", ".git", "objects", "ab", "cdef"), "x\x00\x01binary")
    write(os.path.join(d, "data", ".svn", "wc.db"), PATIENTS)
    args = ["scan", "--no-progress", "-q", "-o", "data/a.json", "-o", "data/b.sarif",
            "-o", "data/c.txt", "-o", "data/d.csv", "data"]
    for attempt in (1, 2):
        run(binary, args, d, 1, errors)
        doc = json.load(open(os.path.join(d, "data", "a.json"), encoding="utf-8"))
        read = sorted(it["path"] for it in doc["items"]
                      if not (it["status"] == "skipped" and
                              "report being written" in (it["reason"] or "")))
        if read != ["data/patients.csv"]:
            errors.append(f"run {attempt}: reports or VCS folders read: {read}")
        if doc["summary"].get("excluded") != 2:
            errors.append(f"run {attempt}: .git and .svn not counted as excluded: "
                          f"{doc['summary'].get('excluded')}")
    r = run(binary, ["scan", "--no-progress", "-q", "-f", "json", "--exclude", "!.svn/",
                     "data/patients.csv", "data/.svn"], d, 1, errors)
    paths = sorted(it["path"] for it in json.loads(r.stdout)["items"])
    if "data/.svn/wc.db" not in paths:
        errors.append(f"--exclude '!.svn/' does not bring .svn back: {paths}")


def main():
    binary, fixtures = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        check_outputs(binary, os.path.join(tmp, "o"), errors)
        check_exit_codes(binary, fixtures, tmp, errors)
        check_policy_wording(binary, tmp, errors)
        check_merge_twice(binary, tmp, errors)
        check_excludes(binary, tmp, errors)
        check_policy_roots(binary, tmp, errors)
        check_reports_and_vcs(binary, tmp, errors)
    for e in errors:
        print(e)
    print(f"gate: {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
