#!/usr/bin/env python3
"""breachscope diff: two quarterly audits of a generated tree.

Usage: check_diff.py BREACHSCOPE

Quarter 1: exports/export_2025-03.csv (e-mail only), site/a.csv (30 persons),
gone.csv (names). Quarter 2: exports/export_2025-06.csv (e-mail moved to
another column, and a NIR column added), site/a.csv and site/b.csv (300
persons in the folder), new.csv (diagnoses), gone.csv deleted. Checks the
dated files are matched, the gained category, the moved column, the folder
growth, new and removed files, exit 1; diff of a report with itself: exit 0
and nothing listed; a non-report: exit 2.
"""
import json
import os
import subprocess
import sys
import tempfile


def nir(i):
    body = f"1{85 + i % 10:02d}{(i % 12) + 1:02d}75{100 + i:03d}{i % 1000:03d}"
    return body + f"{97 - int(body) % 97:02d}"


def write(path, header, rows):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        f.write(";".join(header) + "\n")
        for r in rows:
            f.write(";".join(r) + "\n")


def scan(binary, tree, out):
    subprocess.run([binary, "scan", "--no-progress", "-q", "--format", "json", "-o", out,
                    "."], cwd=tree, capture_output=True)


def main():
    binary = sys.argv[1]
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        q1, q2 = os.path.join(tmp, "q1"), os.path.join(tmp, "q2")
        write(f"{q1}/exports/export_2025-03.csv", ["email", "ref"],
              [[f"p{i}@exemple.fr", str(i)] for i in range(20)])
        write(f"{q1}/site/a.csv", ["email", "nom"],
              [[f"s{i}@exemple.fr", f"Nom{i}"] for i in range(30)])
        write(f"{q1}/gone.csv", ["nom", "prenom", "email"],
              [["Martin", "Paul", "paul.m@exemple.fr"]] * 3)
        write(f"{q2}/exports/export_2025-06.csv", ["ref", "nir", "email"],
              [[str(i), nir(i), f"p{i}@exemple.fr"] for i in range(20)])
        write(f"{q2}/site/a.csv", ["email", "nom"],
              [[f"s{i}@exemple.fr", f"Nom{i}"] for i in range(30)])
        write(f"{q2}/site/b.csv", ["email", "nom"],
              [[f"t{i}@exemple.fr", f"Nom{i}"] for i in range(270)])
        write(f"{q2}/new.csv", ["email", "diagnostic_cim10"],
              [[f"n{i}@exemple.fr", "E11.9"] for i in range(5)])
        o1, o2 = os.path.join(tmp, "q1.json"), os.path.join(tmp, "q2.json")
        scan(binary, q1, o1)
        scan(binary, q2, o2)
        r = subprocess.run([binary, "diff", "--format", "json", o1, o2], capture_output=True,
                           text=True)
        if r.returncode != 1:
            errors.append(f"exposure grew: exit {r.returncode}, want 1: {r.stderr}")
        d = json.loads(r.stdout.replace('"./', '"'))
        ch = {c["path"]: c for c in d["changed"]}
        e = ch.get("exports/export_2025-06.csv")
        if not e or e["old_path"] != "exports/export_2025-03.csv":
            errors.append(f"dated exports not matched: {list(ch)}")
        else:
            if "national_id" not in e["gained"]:
                errors.append(f"gained national_id not seen: {e['gained']}")
            if not any(m["category"] == "email" for m in e["moved"]):
                errors.append(f"moved e-mail column not seen: {e['moved']}")
        if [n["path"] for n in d["new"]] != ["new.csv"] and \
                sorted(n["path"] for n in d["new"]) != ["new.csv", "site/b.csv"]:
            errors.append(f"new files: {[n['path'] for n in d['new']]}")
        if [x["path"] for x in d["removed"]] != ["gone.csv"]:
            errors.append(f"removed files: {[x['path'] for x in d['removed']]}")
        fo = {f["folder"]: f for f in d["folders"]}
        if "site/" not in fo or fo["site/"]["persons_before"] != 30 or \
                fo["site/"]["persons_after"] != 300:
            errors.append(f"folder growth 30 -> 300 not seen: {d['folders']}")
        t = subprocess.run([binary, "diff", o1, o2], capture_output=True, text=True)
        if "GREW" not in t.stdout or "national_id" not in t.stdout or t.returncode != 1:
            errors.append(f"text diff: exit {t.returncode}: {t.stdout[:300]!r}")
        h = subprocess.run([binary, "diff", "--format", "html", "--lang", "fr", o1, o2],
                           capture_output=True, text=True)
        if h.returncode != 1 or "data-grew=\"1\"" not in h.stdout or \
                "national_id" not in h.stdout or "export_2025-03.csv" not in h.stdout or \
                "http" in h.stdout or "<script" in h.stdout:
            errors.append(f"html diff: exit {h.returncode}: {h.stdout[:300]!r}")
        s = subprocess.run([binary, "diff", "--format", "json", o2, o2], capture_output=True,
                           text=True)
        same = json.loads(s.stdout)
        if s.returncode != 0 or same["new"] or same["changed"] or same["folders"]:
            errors.append(f"a report against itself: exit {s.returncode}, {same}")
        b = subprocess.run([binary, "diff", o1, os.path.join(tmp, "q1")], capture_output=True,
                           text=True)
        if b.returncode != 3:
            errors.append(f"a non-report: exit {b.returncode}, want 3 (could not run)")
    for e in errors:
        print(e)
    print(f"diff: {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
