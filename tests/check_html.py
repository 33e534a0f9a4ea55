#!/usr/bin/env python3
"""The HTML report, checked in a real browser (headless Chromium).

Usage: check_html.py BREACHSCOPE FIXTURES_DIR BUILD_DIR

Scans the csv and text fixtures plus an archive made here, writes the JSON
and the HTML reports (French and English), loads each page in headless
Chromium (--dump-dom: the DOM after the page's script ran) and checks:
the key figures in the DOM equal the JSON summary; one matrix row per file
or member; one coverage row per item not fully read; the script ran; no
resource is fetched from anywhere; no raw value from a fixture is in the
page (and with --show-values one is: the check can fail). Saves
screenshots as BUILD_DIR/html-report-fr.png and html-report-en.png.

Exit 77 (skipped) with a message only when Chromium is not installed or
cannot start; scripts/setup installs it (Debian package chromium).
"""
import html.parser
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

SKIP = 77


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def browser(exe, args, profile):
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-extensions",
           "--no-first-run", f"--user-data-dir={profile}"] + args
    return subprocess.run(cmd, capture_output=True, timeout=180)


class Dom(html.parser.HTMLParser):
    """Text of elements by id, matrix rows, coverage rows, script state."""

    def __init__(self):
        super().__init__()
        self.stack = []
        self.text = {}
        self.matrix_rows = 0
        self.coverage_rows = 0
        self.in_table = []
        self.ready = False
        self.fetches = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body" and a.get("data-ready") == "1":
            self.ready = True
        for k in ("src", "href", "action", "data", "poster"):
            if a.get(k) and not a[k].startswith("#"):
                self.fetches.append(f"<{tag} {k}={a[k]}>")
        if tag == "link":
            self.fetches.append("<link>")
        if tag == "table":
            self.in_table.append(a.get("class") or a.get("id") or "")
        if tag == "tr" and "data-p" in a and self.in_table:
            if self.in_table[-1] == "m":
                self.matrix_rows += 1
            elif self.in_table[-1] == "not-examined":
                self.coverage_rows += 1
        if tag in ("br", "meta", "input", "rect", "img", "link"):
            return
        self.stack.append(a.get("id"))
        if a.get("id"):
            self.text[a["id"]] = ""

    def handle_endtag(self, tag):
        if tag == "table" and self.in_table:
            self.in_table.pop()
        if tag in ("br", "meta", "input", "rect", "img", "link"):
            return
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        for i in self.stack:
            if i:
                self.text[i] += data


def make_data(fixtures, dest):
    for d in ("csv", "text"):
        shutil.copytree(os.path.join(fixtures, d), os.path.join(dest, d))
    with zipfile.ZipFile(os.path.join(dest, "dump.zip"), "w") as z:
        z.write(os.path.join(fixtures, "csv", "patients-fr-semicolon.csv"),
                arcname="exports/patients.csv")


def raw_values(fixtures):
    """Cell values of a fixture that must never appear masked-off."""
    vals = []
    with open(os.path.join(fixtures, "csv", "patients-fr-semicolon.csv"), encoding="utf-8") as f:
        rows = [l.rstrip("\n").split(";") for l in f]
    for r in rows[1:]:
        vals += [v for v in r if "@" in v or re.fullmatch(r"[12]\d{12,14}", v.replace(" ", ""))]
    return vals


def big_report(path, n):
    """A synthetic JSON report of n files in folders of 100 (no data read)."""
    items = []
    for i in range(n):
        f = {"category": "email", "class": "identity", "rule": "r",
             "location": {"column": 1, "header": "mail", "line": 2}, "count": 3,
             "confidence": "high", "evidence": ["value"], "subject": "patient",
             "sample": "j\u2022\u2022\u2022@\u2022\u2022\u2022.fr", "note": None,
             "fingerprint": "x", "violation": True, "suppressed": None}
        items.append({"path": f"site{i // 100:03d}/export_{i:05d}</script>.csv",
                      "container": None, "format": "csv",
                      "status": "complete", "records": 3, "members": None,
                      "severity": "contact", "identity": ["email"], "medical": [],
                      "persons": {"count": 3}, "findings": [f]})
    doc = {"schema": "breachscope.report/1", "items": items,
           "summary": {"items": n, "records": 3 * n, "identity": ["email"],
                       "medical": [], "severity": "contact",
                       "persons": {"count": 3 * n}}}
    with open(path, "w") as out:
        json.dump(doc, out)


def check_lazy(binary, exe, tmp, profile):
    """Past 2,000 files, rows and details are JSON built on opening."""
    errors = []
    n = 2500
    src = os.path.join(tmp, "big.json")
    page = os.path.join(tmp, "big.html")
    big_report(src, n)
    subprocess.run([binary, "report", "-q", "--format", "html", "-o", page, src],
                   capture_output=True)
    text = open(page, encoding="utf-8").read()
    if "</script>.csv" in text:
        errors.append("lazy page: a file name closes a <script> element")
    rows = details = 0
    for kind, body in re.findall(r'<script type="application/json" id="([md])\d+">(.*?)</script>',
                                 text, re.S):
        data = json.loads(body)
        if kind == "m":
            rows += len(data)
        else:
            details += len(data)
    if rows != n or details != n:
        errors.append(f"lazy page: {rows} matrix rows and {details} details as data, want {n}")
    r = browser(exe, ["--dump-dom", "file://" + page], profile)
    dom = Dom()
    dom.feed(r.stdout.decode("utf-8", errors="replace"))
    if not dom.ready:
        errors.append("lazy page: the script did not run")
    if dom.matrix_rows != 0:
        errors.append(f"lazy page: {dom.matrix_rows} rows built before any folder was opened")
    if dom.text.get("persons", "").strip() != str(3 * n):
        errors.append(f"lazy page: #persons {dom.text.get('persons')!r}")
    # "#all" opens every folder (as printing does): every row is built.
    r = browser(exe, ["--dump-dom", "file://" + page + "#all"], profile)
    dom = Dom()
    dom.feed(r.stdout.decode("utf-8", errors="replace"))
    if dom.matrix_rows != n:
        errors.append(f"lazy page opened: {dom.matrix_rows} matrix rows, want {n}")
    return errors


def main():
    binary, fixtures, build = sys.argv[1:4]
    exe = chromium()
    if not exe:
        print("SKIP: chromium is not installed (scripts/setup installs the Debian "
              "package chromium); the HTML report was not checked in a browser")
        return SKIP
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        profile = os.path.join(tmp, "profile")
        probe = os.path.join(tmp, "probe.html")
        with open(probe, "w") as f:
            f.write("<!DOCTYPE html><p id=x>ok</p>")
        try:
            r = browser(exe, ["--dump-dom", "file://" + probe], profile)
        except (OSError, subprocess.TimeoutExpired) as e:
            r = None
            err = str(e)
        if r is None or b"id=\"x\"" not in r.stdout:
            print("SKIP: chromium cannot start here: "
                  f"{(r.stderr.decode(errors='replace')[-300:] if r else err)}")
            return SKIP
        data = os.path.join(tmp, "data")
        os.mkdir(data)
        make_data(fixtures, data)
        secrets = raw_values(fixtures)
        if not secrets:
            errors.append("no raw values found in the fixture: the leak check is void")
        for lang in ("fr", "en"):
            page = os.path.join(tmp, f"report-{lang}.html")
            saved = os.path.join(tmp, f"report-{lang}.json")
            subprocess.run([binary, "scan", "--no-progress", "-q", "--lang", lang,
                            "-o", f"json:{saved}", "-o", f"html:{page}", "."],
                           cwd=data, capture_output=True)
            doc = json.load(open(saved))
            text = open(page, encoding="utf-8").read()
            for v in secrets:
                if v in text:
                    errors.append(f"{lang}: a raw value of the fixture is in the page")
                    break
            r = browser(exe, ["--dump-dom", "file://" + page], profile)
            dom = Dom()
            dom.feed(r.stdout.decode("utf-8", errors="replace"))
            if not dom.ready:
                errors.append(f"{lang}: the page's script did not run: "
                              f"{r.stderr.decode(errors='replace')[-300:]}")
            if dom.fetches:
                errors.append(f"{lang}: the page fetches resources: {dom.fetches[:3]}")
            p = doc["summary"]["persons"]
            want = {"persons": str(p["count"]), "persons-health": str(p["health"]),
                    "persons-contactable": str(p["contactable"]),
                    "persons-minors": str(p["minors"]),
                    "records": str(doc["summary"]["records"]),
                    "records-linked": str(doc["summary"]["records_linked"]),
                    "items": str(doc["summary"]["items"]),
                    "persons-professionals": str(p["professionals"]["count"]),
                    "persons-relatives": str(p["relatives"]["count"]),
                    "pc-with-medical": str(p["with_medical"]),
                    "pc-with-identity": str(p["with_identity"])}
            # persons per category of data: every one the JSON gives
            want.update({f"pc-{k}": str(v) for k, v in p["by_category"].items()})
            if len(p["by_category"]) < 3 or p["categories_precision"] != "exact":
                errors.append(f"{lang}: fixture persons per category too few or not exact: "
                              f"{p['by_category']}")
            shown = {k for k in dom.text if k.startswith("pc-")} - {"pc-with-medical",
                                                                     "pc-with-identity"}
            if shown != {f"pc-{k}" for k in p["by_category"]}:
                errors.append(f"{lang}: categories shown {sorted(shown)}, the JSON gives "
                              f"{sorted(p['by_category'])}")
            if p["precision"] != "exact":
                errors.append(f"{lang}: fixture persons not exact: the check needs exact figures")
            for k, v in want.items():
                if dom.text.get(k, "").strip() != v:
                    errors.append(f"{lang}: #{k} shows {dom.text.get(k)!r}, the JSON says {v}")
            files = sum(1 for it in doc["items"] if it["members"] is None)
            if dom.matrix_rows != files:
                errors.append(f"{lang}: {dom.matrix_rows} matrix rows, {files} files and members")
            bad = sum(1 for it in doc["items"] if it["status"] in ("partial", "failed"))
            if dom.coverage_rows != bad or not bad:
                errors.append(f"{lang}: {dom.coverage_rows} coverage rows, {bad} items not "
                              "fully read")
            words = {"fr": "données de santé liées", "en": "health data linked"}[lang]
            if words not in dom.text.get("verdict", ""):
                errors.append(f"{lang}: verdict {dom.text.get('verdict')!r} lacks {words!r}")
            shot = os.path.join(build, f"html-report-{lang}.png")
            r = browser(exe, ["--screenshot=" + shot, "--window-size=1280,1800",
                              "--hide-scrollbars", "file://" + page], profile)
            if not os.path.exists(shot) or os.path.getsize(shot) < 10000:
                errors.append(f"{lang}: no screenshot ({r.stderr.decode(errors='replace')[-200:]})")
        # --show-values puts raw values in the page: the leak check can fail.
        page = os.path.join(tmp, "shown.html")
        subprocess.run([binary, "scan", "--no-progress", "-q", "--show-values", "-o",
                        f"html:{page}", "csv/patients-fr-semicolon.csv"], cwd=data,
                       capture_output=True)
        if secrets and not any(v in open(page, encoding="utf-8").read() for v in secrets):
            errors.append("--show-values: no raw value in the page (the leak check is void)")
        # Hostile file names are escaped.
        hostile = os.path.join(data, "x<script>alert(1)<")
        os.mkdir(hostile)
        shutil.copy(os.path.join(fixtures, "csv", "patients-fr-semicolon.csv"),
                    os.path.join(hostile, "a.csv"))
        out = subprocess.run([binary, "scan", "--no-progress", "-q", "--format", "html",
                              "x<script>alert(1)<"], cwd=data, capture_output=True).stdout
        if b"<script>alert" in out:
            errors.append("a file name is written into the page unescaped")
        errors += check_lazy(binary, exe, tmp, profile)
    for e in errors:
        print(e)
    print(f"HTML report in Chromium: {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
