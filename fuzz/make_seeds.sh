#!/usr/bin/env bash
# fuzz/make_seeds.sh: (re)generate the seed corpora fuzz/corpus/<target>/ from the project's
# own fixtures (fixtures/, patterns/): readers get the fixture files of their format, each
# container type gets small archives of two fixtures built here with bsdtar and the
# compressors, the loaders get the rule and policy fixtures. Inputs are cut to 8 KiB
# (archives to 64 KiB, the harness's -max_len). Needs libarchive-tools, zstd, lz4.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/fuzz/corpus
rm -rf "$out"
mkdir -p "$out"
put() { # put TARGET FILE...: copy (cut) into the target's corpus, named by content hash
  local t=$1; shift
  mkdir -p "$out/$t"
  for f in "$@"; do
    local h
    h=$(head -c 8192 "$f" | sha1sum | cut -c1-16)
    head -c 8192 "$f" >"$out/$t/$h"
  done
}
put csv fixtures/csv/*.csv fixtures/csv/*.tsv
put hl7 fixtures/hl7/*.hl7
put json fixtures/fhir/*.json fixtures/fhir/*.ndjson
put text fixtures/text/*.txt
put xml fixtures/xml/*.xml fixtures/fhir/*.xml
put rules fixtures/rules/valid/*.yml fixtures/rules/invalid/*.yml patterns/identity/*.yml
put policy fixtures/policy/*.yml fixtures/policy/invalid/*.yml
put sql fixtures/incident/formats/dump.sql
put mail fixtures/incident/formats/formulaire.mbox
# binary readers: whole files up to 64 KiB (a cut PDF or package loses its
# directory); a small SQLite database made here with Python's sqlite3
put64() { # put64 TARGET FILE...
  local t=$1; shift
  mkdir -p "$out/$t"
  for f in "$@"; do head -c 65536 "$f" >"$out/$t/$(basename "$f")"; done
}
put64 pdf fixtures/incident/formats/comptes-rendus.pdf
put64 sheet fixtures/incident/formats/patients.xlsx fixtures/incident/formats/patients.ods
put64 doc fixtures/incident/formats/lettre.docx

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/in/exports"
cp fixtures/csv/patients-fr-semicolon.csv "$tmp/in/exports/patients.csv"
cp fixtures/hl7/oru-r01-lf.hl7 "$tmp/in/exports/oru.hl7"
arc() { # arc TARGET NAME BSDTAR-ARGS...: an archive of tmp/in, at most 64 KiB
  local t=$1 name=$2; shift 2
  mkdir -p "$out/$t"
  (cd "$tmp/in" && bsdtar -cf "$tmp/$name" "$@" exports)
  head -c 65536 "$tmp/$name" >"$out/$t/$name"
}
arc zip store.zip --format zip --options zip:compression=store
arc zip deflate.zip --format zip
arc 7z a.7z --format 7zip
arc tar ustar.tar --format ustar
arc tar pax.tar --format pax
arc tar gnu.tar --format gnutar
arc cpio newc.cpio --format newc
arc cpio odc.cpio --format odc
arc ar a.ar --format ar
arc iso a.iso --format iso9660
arc gz a.tar.gz --format ustar --gzip
arc bz2 a.tar.bz2 --format ustar --bzip2
arc xz a.tar.xz --format ustar --xz
arc lzma a.tar.lzma --format ustar --lzma
arc zst a.tar.zst --format ustar --zstd
arc lz4 a.tar.lz4 --format ustar --lz4
arc lz a.tar.lz --format ustar --lzip
arc Z a.tar.Z --format ustar --compress
python3 - "$tmp/patients.sqlite" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA page_size=1024")
db.execute("CREATE TABLE patient (ipp TEXT, nom TEXT, prenom TEXT, "
           "date_naissance TEXT, nir TEXT, diagnostic TEXT)")
db.executemany("INSERT INTO patient VALUES (?,?,?,?,?,?)",
               [("IPP%04d" % i, "NOM%d" % i, "Prenom", "1980-01-%02d" % (i + 1),
                 "1800175123456", "E11.9") for i in range(20)])
db.commit()
db.close()
PY
put64 sqlite "$tmp/patients.sqlite"
f=$tmp/in/exports/patients.csv
gzip -c "$f" >"$out/gz/patients.csv.gz"
bzip2 -c "$f" >"$out/bz2/patients.csv.bz2"
xz -c "$f" >"$out/xz/patients.csv.xz"
xz --format=lzma -c "$f" >"$out/lzma/patients.csv.lzma"
zstd -q -c "$f" >"$out/zst/patients.csv.zst"
lz4 -q -c "$f" >"$out/lz4/patients.csv.lz4"
du -sh "$out"
