#!/usr/bin/env python3
"""A zip file with a huge central directory is read by its local headers.

Usage: check_bigzip.py BREACHSCOPE

libarchive's seekable zip reader holds the whole central directory in
memory (issue 17: 199.6 MB for 1,000,000 entries). A zip file whose
end-of-central-directory record announces more than 65,536 entries is
read by its local headers instead (scanner/containers/container.c,
zip_stream_if_huge). This check builds, in a temporary directory:

- big.zip: 70,000 tiny CSV members (more than 65,535, so Python writes
  a ZIP64 end record, the path that reads the 64-bit count), the last
  one holding a NIR: the archive must say how it was read, list every
  member, stay complete and still find the NIR in the last member;
- small.zip: the same 40 first members: read by its central directory,
  no such note;
- big.zip again, its end record now claiming 3 entries (a hostile zip
  hiding the size of its directory): the directory's span (4.9 MB) still
  sends it to the local headers.

Fails on the first difference.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import zipfile

NOTE = "read by its local headers"


def nir_with_key(body):
    key = 97 - int(body) % 97
    return f"{body}{key:02d}"


def write_zip(path, n, last_nir):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for i in range(n):
            if last_nir and i == n - 1:
                data = "nom;nir\nDUPONT;" + nir_with_key("2840575123456") + "\n"
            else:
                data = "code;qte\nA%d;1\n" % i
            z.writestr("export/patients/m%06d.csv" % i, data)


def lie_about_count(path, claim):
    """Rewrite the end records' entry counts (a hostile zip)."""
    data = bytearray(open(path, "rb").read())
    i = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, i + 8, claim, claim)
    j = data.rfind(b"PK\x06\x06")
    if j >= 0:
        struct.pack_into("<QQ", data, j + 24, claim, claim)
    open(path, "wb").write(bytes(data))


def scan(binary, path):
    p = subprocess.run([binary, "scan", "--format", "json", "--no-progress",
                        "-q", path], capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"FAIL: exit {p.returncode} on {path}: {p.stderr}")
    rep = json.loads(p.stdout)
    top = [it for it in rep["items"] if it["path"] == path]
    if len(top) != 1:
        sys.exit(f"FAIL: no item for {path}")
    return rep, top[0]


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        big = os.path.join(tmp, "big.zip")
        write_zip(big, 70000, True)
        rep, it = scan(binary, big)
        if NOTE not in (it.get("note") or ""):
            sys.exit(f"FAIL: big.zip: no note saying how it was read: {it}")
        if "70000 entries" not in it["note"]:
            sys.exit(f"FAIL: big.zip: the ZIP64 count is not read: {it['note']}")
        if it["members"] != 70000 or it["status"] != "complete":
            sys.exit(f"FAIL: big.zip: {it['members']} members, {it['status']}")
        last = [m for m in rep["items"] if m["path"].endswith("m069999.csv")]
        if not last or "national_id" not in last[0].get("identity", []):
            sys.exit(f"FAIL: big.zip: the NIR of the last member is lost: {last}")

        small = os.path.join(tmp, "small.zip")
        write_zip(small, 40, False)
        _, it = scan(binary, small)
        if NOTE in (it.get("note") or "") or it["members"] != 40:
            sys.exit(f"FAIL: small.zip read unlike a zip file: {it}")

        lie_about_count(big, 3)
        _, it = scan(binary, big)
        if NOTE not in (it.get("note") or "") or it["members"] != 70000:
            sys.exit(f"FAIL: big.zip claiming 3 entries: {it}")
    print("ok: big zip read by its local headers; small one by its directory")


if __name__ == "__main__":
    main()
