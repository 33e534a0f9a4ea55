#!/usr/bin/env python3
"""breachscope report: a saved JSON report shown again in every format gives
the bytes the scan itself wrote in that format.

Usage: check_render.py BREACHSCOPE FIXTURES_DIR

Scans the csv and text fixtures plus archives made here (a zip holding a
tar.gz holding CSVs: nested archive_begin order) once, writing every format
at the same time, then renders the JSON report with `breachscope report`
into every format and compares the bytes. Also: `merge --format summary`
equals `report --format summary` of the merged JSON; the exit code of
report is the scan's; a file that is not a report is refused with exit 2.
"""
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile

FORMATS = ["text", "json", "jsonl", "csv", "summary", "junit", "sarif", "inventory", "html"]


def run(binary, args, cwd):
    r = subprocess.run([binary] + args, cwd=cwd, capture_output=True)
    if r.returncode not in (0, 1, 2):
        raise SystemExit(f"{' '.join(args)}: exit {r.returncode}: {r.stderr!r}")
    return r


def make_archives(fixtures, dest):
    """A zip with a CSV and a tar.gz member that holds two CSVs."""
    csvs = sorted(os.listdir(os.path.join(fixtures, "csv")))[:3]
    tbuf = io.BytesIO()
    with tarfile.open(fileobj=tbuf, mode="w:gz") as t:
        for name in csvs[:2]:
            t.add(os.path.join(fixtures, "csv", name), arcname=f"exports/{name}")
    with zipfile.ZipFile(os.path.join(dest, "dump.zip"), "w") as z:
        z.write(os.path.join(fixtures, "csv", csvs[2]), arcname=csvs[2])
        z.writestr("inner.tar.gz", tbuf.getvalue())
        z.writestr("notes.bin", bytes(range(256)) * 4)


def check_inventory(binary, data, tmp):
    """--format inventory: one row per file x category, French Excel with fr."""
    import csv
    errors = []
    saved = os.path.join(tmp, "inv.json")
    run(binary, ["scan", "--no-progress", "-q", "--format", "json", "-o", saved, "."], data)
    doc = json.load(open(saved))
    want = {}
    for it in doc["items"]:
        if it["members"] is not None:
            continue  # archives: their members are the rows
        cats = it["identity"] + it["medical"]
        want[it["path"]] = sorted(cats) if cats else [""]
    for lang, sep, bom in (("fr", ";", True), ("en", ",", False)):
        c = run(binary, ["report", "--format", "csv", "--lang", lang, saved], tmp).stdout
        crow = list(csv.reader(io.StringIO(c.decode("utf-8-sig")), delimiter=sep))
        if c.startswith(b"\xef\xbb\xbf") != bom or len(crow[0]) != 16 or \
                (crow[0][0] == "chemin") != (lang == "fr"):
            errors.append(f"csv {lang}: BOM, separator or headers wrong: {crow[0][:3]!r}")
        r = run(binary, ["report", "--format", "inventory", "--lang", lang, saved], tmp)
        raw = r.stdout
        if raw.startswith(b"\xef\xbb\xbf") != bom:
            errors.append(f"inventory {lang}: byte order mark {'missing' if bom else 'present'}")
        text = raw.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=sep))
        head, body = rows[0], rows[1:]
        if len(head) != 16 or any(len(x) != len(head) for x in body):
            errors.append(f"inventory {lang}: ragged rows with separator {sep!r}: {head!r}")
            continue
        got = {}
        for x in body:
            got.setdefault(x[0], []).append(x[4])
        got = {k: sorted(v) for k, v in got.items()}
        if got != want:
            missing = set(want) ^ set(got)
            errors.append(f"inventory {lang}: rows differ from the JSON (files {sorted(missing)[:3]}, "
                          f"{sum(len(v) for v in got.values())} rows, want "
                          f"{sum(len(v) for v in want.values())})")
        if lang == "fr" and head[0] != "chemin":
            errors.append(f"inventory fr: headers not in French: {head[:3]!r}")
        for x in body:
            if x[4] and (not x[6].isdigit() or int(x[6]) == 0):
                errors.append(f"inventory {lang}: {x[0]} {x[4]}: no value count")
                break
        # persons who have the category: the JSON's, and never more than
        # the file's persons
        items = {it["path"]: it for it in doc["items"]}
        seen = 0
        for x in body:
            if not x[4]:
                continue
            pp = items[x[0]]["persons"]
            want_n = pp["by_category"].get(x[4], 0)
            seen += want_n
            if x[14] != str(want_n) or x[15] != pp["categories_precision"]:
                errors.append(f"inventory {lang}: {x[0]} {x[4]}: persons with it {x[14]!r} "
                              f"({x[15]}), the JSON says {want_n}")
                break
        if not seen:
            errors.append(f"inventory {lang}: no person has any category (the check is void)")
    return errors


def check_mtime(binary, tmp):
    """--hash: modification times of files and archive members, in UTC."""
    errors = []
    d = os.path.join(tmp, "mt")
    os.mkdir(d)
    with open(os.path.join(d, "a.csv"), "w") as f:
        f.write("email\np@exemple.fr\n")
    t = 1740816000  # 2025-03-01T08:00:00Z
    os.utime(os.path.join(d, "a.csv"), (t, t))
    with zipfile.ZipFile(os.path.join(d, "z.zip"), "w") as z:
        z.writestr(zipfile.ZipInfo("in/b.csv", (2024, 6, 2, 10, 30, 0)), "email\nq@exemple.fr\n")
    env = dict(os.environ, TZ="UTC")
    out = subprocess.run([binary, "scan", "-q", "--no-progress", "--hash", "--format", "json", "."],
                         cwd=d, capture_output=True, env=env).stdout
    got = {it["path"]: it["mtime"] for it in json.loads(out)["items"]}
    if got.get("./a.csv") != "2025-03-01T08:00:00Z" or \
            got.get("./z.zip!/in/b.csv") != "2024-06-02T10:30:00Z":
        errors.append(f"mtime with --hash: {got}")
    out = subprocess.run([binary, "scan", "-q", "--no-progress", "--format", "json", "."],
                         cwd=d, capture_output=True).stdout
    if any(it["mtime"] for it in json.loads(out)["items"]):
        errors.append("mtime without --hash: the same input must give the same bytes")
    return errors


def main():
    binary, fixtures = sys.argv[1:3]
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        os.mkdir(data)
        for d in ("csv", "text"):
            shutil.copytree(os.path.join(fixtures, d), os.path.join(data, d))
        make_archives(fixtures, data)
        key = os.path.join(tmp, "key")
        with open(key, "w") as f:
            f.write("00112233445566778899aabbccddeeff" * 2 + "\n")
        for lang in ("en", "fr"):
            scan_dir = os.path.join(tmp, f"scan-{lang}")
            rend_dir = os.path.join(tmp, f"report-{lang}")
            os.mkdir(scan_dir)
            os.mkdir(rend_dir)
            outs = [a for fmt in FORMATS
                    for a in ("-o", f"{fmt}:{os.path.join(scan_dir, fmt)}")]
            s = run(binary, ["scan", "--no-progress", "-q", "--no-color", "--lang", lang,
                             "--person-key-file", key] + outs + ["."], data)
            saved = os.path.join(scan_dir, "json")
            outs = [a for fmt in FORMATS
                    for a in ("-o", f"{fmt}:{os.path.join(rend_dir, fmt)}")]
            r = run(binary, ["report", "-q", "--no-color", "--lang", lang] + outs + [saved],
                    tmp)
            if r.returncode != s.returncode:
                errors.append(f"{lang}: report exit {r.returncode}, scan exit {s.returncode}")
            for fmt in FORMATS:
                a = open(os.path.join(scan_dir, fmt), "rb").read()
                b = open(os.path.join(rend_dir, fmt), "rb").read()
                if a != b:
                    al, bl = a.splitlines(), b.splitlines()
                    first = next((i for i in range(min(len(al), len(bl))) if al[i] != bl[i]),
                                 min(len(al), len(bl)))
                    errors.append(f"{lang}: {fmt}: rendered report differs from the scan's at "
                                  f"line {first + 1}: {al[first:first + 1]!r} vs "
                                  f"{bl[first:first + 1]!r}")
                if len(a) < 20:
                    errors.append(f"{lang}: {fmt}: scan output is empty")
            # Standard output, --format: the same as -o.
            r = run(binary, ["report", "--format", "summary", "--lang", lang, saved], tmp)
            if r.stdout != open(os.path.join(scan_dir, "summary"), "rb").read():
                errors.append(f"{lang}: report --format summary on stdout differs")
        # merge accepts every format: the same as report on the merged JSON.
        halves = []
        for k in (1, 2):
            out = os.path.join(tmp, f"s{k}.json")
            run(binary, ["scan", "--no-progress", "-q", "--shard", f"{k}/2",
                         "--person-key-file", key, "--format", "json", "-o", out, "."], data)
            halves.append(out)
        merged = os.path.join(tmp, "merged.json")
        m = run(binary, ["merge", "-q", "-o", merged] + halves, tmp)
        a = run(binary, ["merge", "-q", "--format", "summary", "--lang", "fr"] + halves, tmp)
        b = run(binary, ["report", "-q", "--format", "summary", "--lang", "fr", merged], tmp)
        c = run(binary, ["report", "-q", "--format", "summary", "--lang", "fr"] + halves, tmp)
        if a.stdout != b.stdout or b.stdout != c.stdout or not a.stdout:
            errors.append("merge --format summary differs from report of the merged JSON")
        if not (a.returncode == b.returncode == m.returncode):
            errors.append(f"exit codes: merge {m.returncode}, merge --format summary "
                          f"{a.returncode}, report {b.returncode}")
        # Not a report: refused, with what to do.
        bad = os.path.join(tmp, "bad.json")
        with open(bad, "w") as f:
            f.write('{"schema": "something/1", "items": []}')
        r = subprocess.run([binary, "report", bad], cwd=tmp, capture_output=True)
        if r.returncode != 3 or b"not a breachscope JSON report" not in r.stderr:
            errors.append(f"a non-report: exit {r.returncode}, stderr {r.stderr!r}")
        # A damaged report (a cycle of containers) never loses an item.
        cyc = os.path.join(tmp, "cycle.json")
        with open(cyc, "w") as f:
            f.write('{"schema": "breachscope.report/1", "items": ['
                    '{"path": "a", "container": "b", "members": 1, "status": "complete"},'
                    '{"path": "b", "container": "a", "members": 1, "status": "complete"}],'
                    '"summary": {"items": 2}}')
        r = run(binary, ["report", "--format", "csv", cyc], tmp)
        lines = r.stdout.decode().splitlines()
        if not any(l.startswith("a,") or l.startswith('"a"') for l in lines) or \
                not any(l.startswith("b,") or l.startswith('"b"') for l in lines):
            errors.append(f"a cycle of containers loses items: {lines!r}")
        errors += check_inventory(binary, data, tmp)
        errors += check_mtime(binary, tmp)
    for e in errors:
        print(e)
    print(f"report re-rendering: {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
