#!/usr/bin/env python3
"""A zip or tar whose first member is a PDF stored as is stays an archive.

Usage: check_stored_pdf.py BREACHSCOPE SOURCE_ROOT

The PDF reader looks for "%PDF-" in the first KiB, as PDF readers do. A
stored zip (or a tar) whose first member is a PDF has "%PDF-" there too,
after the container's header: it used to bid as high as an office
package, so the whole archive was read as one PDF and every other member
went unread. Builds, in a temporary directory, a stored zip and a tar of
the incident set's PDF followed by a CSV with a NIR, and checks that the
archive is an archive and that the CSV member is read.
"""
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile

CSV = b"nom;nir\nDUPONT;284057512345672\n"


def main():
    binary, root = sys.argv[1], sys.argv[2]
    pdf = open(os.path.join(root, "fixtures", "incident", "formats",
                            "comptes-rendus.pdf"), "rb").read()
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        z = os.path.join(tmp, "a.zip")
        with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as f:
            f.writestr("cr.pdf", pdf)
            f.writestr("patients.csv", CSV)
        t = os.path.join(tmp, "a.tar")
        with tarfile.open(t, "w") as f:
            for name, data in (("cr.pdf", pdf), ("patients.csv", CSV)):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                f.addfile(info, io.BytesIO(data))
        for arc, fmt in ((z, "zip"), (t, "tar")):
            p = subprocess.run([binary, "scan", "-f", "json", "--no-progress", "-q", arc],
                               capture_output=True, text=True)
            items = {i["path"]: i for i in json.loads(p.stdout)["items"]}
            top = items.get(arc, {})
            if top.get("format") != fmt:
                problems.append(f"{fmt}: read as {top.get('format')}")
            member = items.get(arc + "!/patients.csv")
            if not member or "national_id" not in member.get("identity", []):
                problems.append(f"{fmt}: the CSV after the PDF is not read")
    for p in problems:
        print("FAIL", p)
    print(f"stored PDF first: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
