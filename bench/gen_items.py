#!/usr/bin/env python3
"""bench/gen_items.py N OUT.zip: a zip of N tiny CSV files (about 60 bytes each, a header and
one row with a name and an e-mail), for bench/mem. Written entry by entry (stored, not
compressed), so generating a million entries needs little memory."""
import sys
import zipfile

n, out = int(sys.argv[1]), sys.argv[2]
with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as z:
    for i in range(n):
        body = f"nom;email\nNOM{i};p{i}@exemple.fr\n".encode()
        z.writestr(f"d{i // 1000:04d}/f{i:07d}.csv", body)
