#!/usr/bin/env python3
"""The pre-commit hooks cover every format breachscope reads (issue 16).

.pre-commit-hooks.yaml defines two hooks (see its header):
- "breachscope" takes every file (types: [file], no name filter): readers
  are chosen by content, so that is the only list that cannot miss one;
- "breachscope-data" filters by name. Its regex must match the extension of
  every format the code names: the extensions the readers' bidders look at
  (scanner/readers/format_*.c), the containers' names and the compressed
  suffixes (scanner/containers/container.c), the extensions of the
  committed fixtures the scanner reads, and those of the files the
  'formats' golden reports were made from.

Then both hooks run as pre-commit would run them (its file selection, its
entry, the staged names as arguments) on a scratch repository: a linked
patient table under a name no filter knows is caught by "breachscope"; the
data hook selects data files whatever their case and leaves source files.

Usage: check_precommit.py BINARY SOURCE_ROOT. Exit 0 ok, 1 failed.
"""
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

import yaml

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def code_extensions(root):
    """Extensions the sniff and container code compares names against."""
    exts = set()
    for path in glob.glob(os.path.join(root, "scanner", "readers", "*.c")):
        text = open(path, encoding="utf-8").read()
        exts |= set(re.findall(r'strcmp\([a-z_>.-]*ext, "([A-Za-z0-9]+)"\)', text))
    cont = open(os.path.join(root, "scanner", "containers", "container.c"),
                encoding="utf-8").read()
    exts |= set(re.findall(r'^\s*\{"([a-z0-9]+)", bid_', cont, re.M))
    m = re.search(r'"\.gz", "\.gzip".*?\};', cont, re.S)
    exts |= set(re.findall(r'"\.([A-Za-z0-9]+)"', m.group(0))) if m else set()
    return exts


def fixture_extensions(root):
    """Extensions of the fixtures breachscope is meant to read."""
    exts = set()
    for path in glob.glob(os.path.join(root, "fixtures", "**", "*"), recursive=True):
        if not os.path.isfile(path) or "/expected/" in path or "/__pycache__/" in path:
            continue  # (Python's byte code of the fixture generators is not a fixture)
        name = os.path.basename(path)
        if name.endswith((".py", ".md", ".yml")) or name == "truth.json" or "." not in name:
            continue
        exts.add(name.rsplit(".", 1)[1])
    # The 'formats' golden reports are named after their input: X.EXT.json.
    for g in glob.glob(os.path.join(root, "tests", "golden", "formats", "*.json")):
        stem = os.path.basename(g)[:-len(".json")]
        if "." in stem and not stem.endswith(".maildir"):
            exts.add(stem.rsplit(".", 1)[1])
    return exts


def selected(hook, names):
    """The files pre-commit passes to hook: its files/exclude regexes
    (re.search, as pre-commit does) over the staged names."""
    inc = re.compile(hook.get("files", ""))
    exc = re.compile(hook["exclude"]) if hook.get("exclude") else None
    return [n for n in names if inc.search(n) and not (exc and exc.search(n))]


def run_hook(hook, files, cwd, bindir):
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    r = subprocess.run(shlex.split(hook["entry"]) + files, cwd=cwd, env=env,
                       capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check_precommit.py BINARY SOURCE_ROOT")
    binary, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    hooks = {h["id"]: h for h in yaml.safe_load(
        open(os.path.join(root, ".pre-commit-hooks.yaml"), encoding="utf-8"))}
    check(set(hooks) == {"breachscope", "breachscope-data"},
          f"hooks breachscope and breachscope-data ({sorted(hooks)})")
    every, data = hooks.get("breachscope", {}), hooks.get("breachscope-data", {})
    for h in (every, data):
        check(h.get("language") == "system" and
              shlex.split(h.get("entry", ""))[:2] == ["breachscope", "scan"],
              f"{h.get('id')}: runs 'breachscope scan' from PATH")
        check(h.get("require_serial") is True, f"{h.get('id')}: one process at a time")
    check("files" not in every and every.get("types") == ["file"],
          "breachscope: every file, no name filter (readers sniff content)")

    regex = re.compile(data.get("files", "^$"))
    code = code_extensions(root)
    check(len(code) >= 25, f"{len(code)} extensions found in the code (sanity)")
    for ext in sorted(code):
        check(regex.search("dump." + ext) is not None,
              f"breachscope-data selects .{ext} (named in scanner/)")
    for ext in sorted(fixture_extensions(root) - code):
        check(regex.search("dump." + ext) is not None,
              f"breachscope-data selects .{ext} (a fixture or golden input)")
    for name in ("PATIENTS.CSV", "exports/2025/dump.tar.gz", "a.csv.gz", "b.sqlite3"):
        check(regex.search(name) is not None, f"breachscope-data selects {name}")
    for name in ("src/main.c", "README.md", "logo.png", "setup.py", "archive.zipx"):
        check(regex.search(name) is None, f"breachscope-data leaves {name}")

    # Both hooks on a scratch repository, as pre-commit runs them.
    with tempfile.TemporaryDirectory(prefix="bsc-hook-") as tmp:
        bindir = os.path.join(tmp, "bin")
        os.mkdir(bindir)
        os.symlink(binary, os.path.join(bindir, "breachscope"))
        repo = os.path.join(tmp, "repo")
        os.makedirs(os.path.join(repo, "exports"))
        os.makedirs(os.path.join(repo, "src"))
        fx = os.path.join(root, "fixtures", "csv")
        shutil.copy(os.path.join(fx, "patients-en-comma.csv"),
                    os.path.join(repo, "exports", "extraction_2025"))   # no extension
        shutil.copy(os.path.join(fx, "clean-stats.csv"),
                    os.path.join(repo, "exports", "STATS.CSV"))
        with open(os.path.join(repo, "src", "main.c"), "w") as f:
            f.write("int main(void) { return 0; }\n")
        staged = ["exports/extraction_2025", "exports/STATS.CSV", "src/main.c"]

        files = selected(every, staged)
        check(files == staged, f"breachscope: all staged files passed ({files})")
        rc, out = run_hook(every, files, repo, bindir)
        check(rc == 1, f"breachscope: a linked table without extension fails the commit (exit {rc})")
        check("extraction_2025" in out, "breachscope: the report names the file")

        files = selected(data, staged)
        check(files == ["exports/STATS.CSV"], f"breachscope-data: data files only ({files})")
        rc, out = run_hook(data, files, repo, bindir)
        check(rc == 0, f"breachscope-data: a clean table passes (exit {rc})")

        os.rename(os.path.join(repo, "exports", "extraction_2025"),
                  os.path.join(repo, "exports", "extraction_2025.csv"))
        files = selected(data, ["exports/extraction_2025.csv", "src/main.c"])
        rc, out = run_hook(data, files, repo, bindir)
        check(rc == 1, f"breachscope-data: the same table as .csv fails the commit (exit {rc})")

    print(f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
