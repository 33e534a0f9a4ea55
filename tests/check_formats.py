#!/usr/bin/env python3
"""check_formats.py: the formats leaks are made of (issue 13), end to end.

Usage: check_formats.py BREACHSCOPE GOLDEN_DIR
       BSC_UPDATE_GOLDEN=1 check_formats.py ...   rewrite the golden files

Generates its fixtures at test time in a temporary directory, with the
Python standard library only (sqlite3 for the SQLite file and the sqlite3
.dump text, zipfile for the XLSX, ODS, DOCX and ODT files, a small PDF
writer, plain text for the SQL dumps and JSON): the same 50 synthetic
patients as a mysqldump, a pg_dump, a sqlite3 dump, a SQLite file and a
nested JSON API response, an XLSX and an ODS workbook, the SQLite file and
the workbooks inside zips (read from memory), plus hostile versions (a dump
cut mid-statement, a string never closed, a deep JSON document, a SQLite
file cut in half, sheets with a million empty rows, a sheet declaring
entities, an encrypted PDF, a PDF with a 100 000-deep object tree, a PDF
cut in half). A discharge letter about one patient, as DOCX, ODT and PDF,
must be one linked record and one person. Nothing may appear in the
scanned directory (no journal, -wal or -shm file). Each is scanned with
--format json; a projection of each report (status, reason, records,
persons, categories; not the findings' details, which the rule sets
refine) is compared with GOLDEN_DIR/<name>.json. The persons count must be
50 for every clean copy of the patients.

Every value is synthetic: names are drawn from short lists of common French
names, e-mails use exemple.fr, diagnoses are ICD-10 codes.
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import zipfile

FIRST = ["Jean", "Marie", "Luc", "Zoé", "Paul", "Inès", "Hugo", "Léa", "Louis", "Chloé"]
LAST = ["DUPONT", "MARTIN", "DURAND", "PETIT", "ROBERT", "RICHARD", "MOREAU", "SIMON", "LAURENT", "MICHEL"]
DIAG = ["E11.9", "I10", "J45.0", "K35.8", "F32.1", "N39.0", "I50.0", "E66.0"]
N = 50


def patients():
    """The canonical 50 patients: (id, nom, prenom, date_naissance, email, diagnostic)."""
    out = []
    for i in range(N):
        first, last = FIRST[i % 10], LAST[(i * 3 + i // 10) % 10]
        dob = "%04d-%02d-%02d" % (1940 + i, 1 + i % 12, 1 + i % 28)
        email = "%s.%s%d@exemple.fr" % (first.lower().replace("é", "e").replace("è", "e"), last.lower(), i)
        out.append((i + 1, last, first, dob, email, DIAG[i % len(DIAG)]))
    return out


COLS = ("id", "nom", "prenom", "date_naissance", "email", "diagnostic")


def sql_str(v, mysql):
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return str(v)
    s = v.replace("'", "''") if not mysql else v.replace("\\", "\\\\").replace("'", "\\'")
    return "'" + s + "'"


def mysqldump():
    rows = ",".join("(" + ",".join(sql_str(v, True) for v in p) + ")" for p in patients())
    return ("-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n"
            "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n"
            "/*!50503 SET NAMES utf8mb4 */;\n"
            "DROP TABLE IF EXISTS `patients`;\n"
            "CREATE TABLE `patients` (\n"
            "  `id` int NOT NULL AUTO_INCREMENT,\n"
            "  `nom` varchar(64) DEFAULT NULL,\n"
            "  `prenom` varchar(64) DEFAULT NULL,\n"
            "  `date_naissance` date DEFAULT NULL,\n"
            "  `email` varchar(128) DEFAULT NULL,\n"
            "  `diagnostic` varchar(8) DEFAULT NULL,\n"
            "  PRIMARY KEY (`id`)\n"
            ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n"
            "LOCK TABLES `patients` WRITE;\n"
            "/*!40000 ALTER TABLE `patients` DISABLE KEYS */;\n"
            "INSERT INTO `patients` VALUES " + rows + ";\n"
            "/*!40000 ALTER TABLE `patients` ENABLE KEYS */;\n"
            "UNLOCK TABLES;\n"
            "DROP TABLE IF EXISTS `stock`;\n"
            "CREATE TABLE `stock` (`ref` varchar(16), `qty` int, `photo` blob);\n"
            "INSERT INTO `stock` VALUES ('A-1',3,_binary 'PNG\\0\\0'),('B-2',4,0x89504E47);\n"
            "-- Dump completed on 2024-03-01 10:00:00\n")


def pg_dump():
    def esc(v):
        if v is None:
            return "\\N"
        return str(v).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    lines = ["\t".join(esc(v) for v in p) for p in patients()]
    return ("--\n-- PostgreSQL database dump\n--\n\n"
            "SET statement_timeout = 0;\nSET standard_conforming_strings = on;\n"
            "SELECT pg_catalog.set_config('search_path', '', false);\n\n"
            "CREATE TABLE public.patients (\n    id integer NOT NULL,\n    nom character varying(64),\n"
            "    prenom character varying(64),\n    date_naissance date,\n    email text,\n"
            "    diagnostic character varying(8)\n);\n\n"
            "COPY public.patients (id, nom, prenom, date_naissance, email, diagnostic) FROM stdin;\n"
            + "\n".join(lines) + "\n\\.\n\n"
            "ALTER TABLE ONLY public.patients\n    ADD CONSTRAINT patients_pkey PRIMARY KEY (id);\n\n"
            "--\n-- PostgreSQL database dump complete\n--\n")


def sqlite_db(path):
    if os.path.exists(path):
        os.unlink(path)
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE patients (id INTEGER PRIMARY KEY, nom TEXT, prenom TEXT, "
                "date_naissance TEXT, email TEXT, diagnostic TEXT)")
    con.executemany("INSERT INTO patients VALUES (?,?,?,?,?,?)", patients())
    con.execute("CREATE TABLE stock (ref TEXT, qty INTEGER, photo BLOB)")
    con.execute("INSERT INTO stock VALUES ('A-1', 3, x'89504E47')")
    con.commit()
    dump = "\n".join(con.iterdump()) + "\n"
    con.close()
    return dump


def api_json():
    items = [{"id": p[0], "identite": {"nom": p[1], "prenom": p[2], "date_naissance": p[3]},
              "contact": {"email": p[4]},
              "sejours": [{"diagnostic": p[5], "entree": "2024-01-%02d" % (1 + p[0] % 28)}]}
             for p in patients()]
    return json.dumps({"status": "ok", "data": {"page": 1, "per_page": N, "items": items},
                       "links": {"next": None}}, ensure_ascii=False, indent=1)


def col_letter(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def xml_esc(v):
    return str(v).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def excel_serial(iso):
    import datetime
    d = datetime.date.fromisoformat(iso)
    return (d - datetime.date(1899, 12, 30)).days


def xlsx(path, sheets, extra_rows=""):
    """A minimal OOXML workbook. sheets: [(name, header, rows)]; text cells
    alternate shared and inline strings; ISO dates become serials styled as
    dates (numFmtId 14)."""
    sst = []
    sheet_xml = []
    for si, (name, header, rows) in enumerate(sheets):
        out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
        for ri, row in enumerate([header] + rows):
            cells = []
            for ci, v in enumerate(row):
                ref = col_letter(ci) + str(ri + 1)
                if isinstance(v, int):
                    cells.append('<c r="%s"><v>%d</v></c>' % (ref, v))
                elif ri and len(v) == 10 and v[4] == "-" and v[7] == "-":
                    cells.append('<c r="%s" s="1"><v>%d</v></c>' % (ref, excel_serial(v)))
                elif (ri + ci) % 2:
                    cells.append('<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, xml_esc(v)))
                else:
                    sst.append(v)
                    cells.append('<c r="%s" t="s"><v>%d</v></c>' % (ref, len(sst) - 1))
            out.append('<row r="%d">%s</row>' % (ri + 1, "".join(cells)))
        if si == 0:
            out.append(extra_rows)
        out.append("</sheetData></worksheet>")
        sheet_xml.append("".join(out))
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook %s %s><workbookPr/><sheets>%s</sheets></workbook>' % (
            ns, rns, "".join('<sheet name="%s" sheetId="%d" r:id="rId%d"/>' % (xml_esc(n), i + 1, i + 1)
                             for i, (n, _, _) in enumerate(sheets))))
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">%s</Relationships>' % "".join(
            '<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>' % (i + 1, i + 1)
            for i in range(len(sheets))))
        for i, x in enumerate(sheet_xml):
            z.writestr("xl/worksheets/sheet%d.xml" % (i + 1), x)
        z.writestr("xl/styles.xml", '<?xml version="1.0"?><styleSheet %s><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>' % ns)
        # Excel writes the shared strings after the sheets.
        z.writestr("xl/sharedStrings.xml", '<?xml version="1.0"?><sst %s count="%d">%s</sst>' % (
            ns, len(sst), "".join("<si><t>%s</t></si>" % xml_esc(v) for v in sst)))


def ods(path, sheets, extra_rows=""):
    """A minimal OpenDocument spreadsheet; ISO dates are date cells."""
    body = []
    for si, (name, header, rows) in enumerate(sheets):
        body.append('<table:table table:name="%s">' % xml_esc(name))
        body.append('<table:table-column table:number-columns-repeated="%d"/>' % len(header))
        for ri, row in enumerate([header] + rows):
            cells = []
            for v in row:
                if isinstance(v, int):
                    cells.append('<table:table-cell office:value-type="float" office:value="%d"><text:p>%d</text:p></table:table-cell>' % (v, v))
                elif ri and len(v) == 10 and v[4] == "-" and v[7] == "-":
                    cells.append('<table:table-cell office:value-type="date" office:date-value="%s"><text:p>%s/%s/%s</text:p></table:table-cell>' % (v, v[8:], v[5:7], v[:4]))
                else:
                    cells.append('<table:table-cell office:value-type="string"><text:p>%s</text:p></table:table-cell>' % xml_esc(v))
            cells.append('<table:table-cell table:number-columns-repeated="1000"/>')
            body.append("<table:table-row>%s</table:table-row>" % "".join(cells))
        if si == 0:
            body.append(extra_rows)
        body.append("</table:table>")
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               '<office:body><office:spreadsheet>%s</office:spreadsheet></office:body></office:document-content>' % "".join(body))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
        z.writestr("content.xml", content)


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx(path, paragraphs, table=None):
    """A minimal DOCX: paragraphs (runs split in two to test joining),
    then a table (rows of cells) if given."""
    def para(t):
        h = len(t) // 2
        return '<w:p><w:r><w:t xml:space="preserve">%s</w:t></w:r><w:r><w:t>%s</w:t></w:r></w:p>' % (xml_esc(t[:h]), xml_esc(t[h:]))
    body = "".join(para(p) for p in paragraphs)
    if table:
        body += "<w:tbl>" + "".join("<w:tr>" + "".join("<w:tc>%s</w:tc>" % para(str(c)) for c in row) + "</w:tr>"
                                    for row in table) + "</w:tbl>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>')
        z.writestr("word/document.xml", '<?xml version="1.0" encoding="UTF-8"?><w:document %s><w:body>%s</w:body></w:document>' % (W, body))
        z.writestr("word/footer1.xml", '<?xml version="1.0"?><w:ftr %s>%s</w:ftr>' % (W, para("Centre hospitalier - service de diabétologie")))


def odt(path, paragraphs, table=None):
    body = "".join('<text:p>%s</text:p>' % xml_esc(p).replace("  ", ' <text:s/>') for p in paragraphs)
    if table:
        body += "<table:table>" + "".join(
            "<table:table-row>" + "".join('<table:table-cell><text:p>%s</text:p></table:table-cell>' % xml_esc(str(c)) for c in row)
            + "</table:table-row>" for row in table) + "</table:table>"
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               '<office:body><office:text>%s</office:text></office:body></office:document-content>' % body)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", content)


def letter():
    """A discharge letter about one patient (the first one)."""
    p = patients()[0]
    return ["Compte rendu d'hospitalisation",
            "Patient : %s %s, né le %s/%s/%s" % (p[2], p[1], p[3][8:], p[3][5:7], p[3][:4]),
            "Adresse électronique : %s" % p[4],
            "Diagnostic principal : %s (CIM-10)" % p[5],
            "Traitement de sortie : metformine 1000 mg matin et soir.",
            "Dr Martine LEFEBVRE"]


def pdf_str(t):
    b = t.encode("cp1252")
    out = ""
    for ch in b:
        c = chr(ch)
        if c in "()\\":
            out += "\\" + c
        elif ch < 32 or ch > 126:
            out += "\\%03o" % ch
        else:
            out += c
    return "(" + out + ")"


def pdf(path, pages, extra_obj=None, encrypt=False):
    """A minimal PDF 1.4: one Helvetica (WinAnsi) text page per list of
    lines. extra_obj is put in the first page's /Extra (a deep tree);
    encrypt adds a standard security handler whose user password is not
    empty (the file cannot be opened without it)."""
    objs = {1: "<< /Type /Catalog /Pages 2 0 R >>",
            3: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"}
    kids = []
    n = 4
    for i, lines in enumerate(pages):
        content = "BT /F1 10 Tf 14 TL 40 800 Td " + " ".join("%s Tj T*" % pdf_str(l) for l in lines) + " ET"
        objs[n + 1] = "<< /Length %d >>\nstream\n%s\nendstream" % (len(content.encode("latin-1")), content)
        extra = " /Extra %s" % extra_obj if (extra_obj and i == 0) else ""
        objs[n] = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R%s >>" % (n + 1, extra)
        kids.append("%d 0 R" % n)
        n += 2
    objs[2] = "<< /Type /Pages /Kids [%s] /Count %d >>" % (" ".join(kids), len(kids))
    trailer_extra = ""
    if encrypt:
        objs[n] = "<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <%s> /U <%s> >>" % ("ab" * 32, "cd" * 32)
        trailer_extra = " /Encrypt %d 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]" % n
        n += 1
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = {}
    for k in sorted(objs):
        offsets[k] = len(out)
        out += ("%d 0 obj\n%s\nendobj\n" % (k, objs[k])).encode("latin-1")
    xref = len(out)
    out += ("xref\n0 %d\n0000000000 65535 f \n" % (max(objs) + 1)).encode()
    for k in range(1, max(objs) + 1):
        out += ("%010d 00000 n \n" % offsets[k]).encode() if k in offsets else b"0000000000 65535 f \n"
    out += ("trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (max(objs) + 1, trailer_extra, xref)).encode()
    with open(path, "wb") as f:
        f.write(out)


def pdf_report_pages():
    """The patients as a printed report: one page per patient, the
    identity in the page header as hospital reports repeat it."""
    pages = []
    for p in patients():
        pages.append(["Patient : %s %s   Date de naissance : %s/%s/%s" % (p[1], p[2], p[3][8:], p[3][5:7], p[3][:4]),
                      "Courriel : %s" % p[4],
                      "Diagnostic principal (CIM-10) : %s" % p[5],
                      "Compte rendu de consultation."])
    return pages


def csv_bytes(rows):
    return ("\n".join(";".join(str(v) for v in r) for r in rows) + "\n").encode("utf-8")


def mail_patient(p, i, attach=None):
    """A message about one patient between two (synthetic) professionals."""
    from email.message import EmailMessage
    from email.utils import formataddr
    m = EmailMessage()
    m["From"] = formataddr(("Dr Martine LEFEBVRE", "martine.lefebvre%d@exemple.fr" % (i % 3)))
    m["To"] = formataddr(("Secrétariat cardiologie", "secretariat@exemple.fr"))
    m["Cc"] = formataddr(("Paul ROY", "paul.roy@exemple.fr"))
    m["Subject"] = "Dossier de %s %s" % (p[2], p[1])
    m["Date"] = "Mon, 04 Mar 2024 10:%02d:00 +0100" % (i % 60)
    m["Message-ID"] = "<%d.patient@exemple.fr>" % i
    text = ("Bonjour,\n\nPatient : %s %s, né le %s/%s/%s\nCourriel : %s\n"
            "Diagnostic principal (CIM-10) : %s\n\nBien cordialement,\nDr LEFEBVRE\n"
            % (p[2], p[1], p[3][8:], p[3][5:7], p[3][:4], p[4], p[5]))
    m.set_content(text)
    m.add_alternative("<html><body><p>Patient : <b>%s %s</b></p><p>Courriel : %s</p></body></html>" % (p[2], p[1], p[4]), subtype="html")
    if attach:
        for name, data, maintype, subtype in attach:
            m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return m


def nested_bomb(depth):
    """A message of multiparts nested depth deep (each with its own
    boundary), an e-mail at the bottom."""
    head = "From: a@exemple.fr\nTo: b@exemple.fr\nSubject: bomb\nMIME-Version: 1.0\n"
    body = "Content-Type: text/plain\n\ncontact: bottom@exemple.fr\n"
    for k in range(depth):
        body = ("Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n%s\n--b%d--\n" % (k, k, body, k))
    return head + body


def workbook():
    stock = ("Stock", ["ref", "qty"], [["A-1", 3], ["B-2", 4]])
    return [("Patients", list(COLS), [list(p) for p in patients()]), stock]


def deep_json():
    return '{"a":' * 300 + "1" + "}" * 300


def make(d):
    """Write every fixture into d; returns their names in scan order."""
    files = {}
    files["dump-mysql.sql"] = mysqldump()
    files["dump-pg.sql"] = pg_dump()
    files["dump-sqlite.sql"] = sqlite_db(os.path.join(d, "patients.sqlite"))
    files["api-nested.json"] = api_json()
    full = mysqldump()
    files["bad-dump-cut.sql"] = full[: full.index("(30,")+ 12]
    files["bad-dump-unterminated.sql"] = (
        "INSERT INTO `patients` VALUES (1,'DUPONT','Jean','1980-01-02','jean.dupont@exemple.fr','E11.9'),"
        "(2,'MARTIN','Luc\n" + "filler line\n" * 1000 + "INSERT INTO `x` VALUES (1);\n")
    files["bad-json-deep.json"] = deep_json()
    for name, text in files.items():
        with open(os.path.join(d, name), "w", encoding="utf-8") as f:
            f.write(text)
    image = open(os.path.join(d, "patients.sqlite"), "rb").read()
    # Inside an archive the database is read from memory.
    with zipfile.ZipFile(os.path.join(d, "export-sqlite.zip"), "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("backup/patients.sqlite", image)
    with open(os.path.join(d, "bad-sqlite-cut.db"), "wb") as f:
        f.write(image[: len(image) // 2])
    xlsx(os.path.join(d, "patients.xlsx"), workbook())
    ods(os.path.join(d, "patients.ods"), workbook())
    # A million empty rows, then one more patient: skipped fast, not lost.
    last = '<row r="1000002"><c r="B1000002" t="inlineStr"><is><t>DERNIER</t></is></c><c r="E1000002" t="inlineStr"><is><t>dernier@exemple.fr</t></is></c></row>'
    xlsx(os.path.join(d, "huge-sheet-million-rows.xlsx"), workbook(),
         "".join('<row r="%d"/>' % r for r in range(52, 1000002)) + last)
    ods(os.path.join(d, "huge-sheet-million-rows.ods"), workbook(),
        '<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
        '<table:table-row><table:table-cell/><table:table-cell office:value-type="string"><text:p>DERNIER</text:p></table:table-cell></table:table-row>')
    # Parts that declare entities are refused (billion laughs in a sheet).
    with zipfile.ZipFile(os.path.join(d, "patients.xlsx")) as zin, \
            zipfile.ZipFile(os.path.join(d, "bad-sheet-entities.xlsx"), "w", zipfile.ZIP_DEFLATED) as zout:
        for i in zin.infolist():
            data = zin.read(i.filename)
            if i.filename == "xl/worksheets/sheet2.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>', 1)
            zout.writestr(i, data)
    # The workbook sent by mail: inside a zip, read from memory.
    with zipfile.ZipFile(os.path.join(d, "export-sheets.zip"), "w", zipfile.ZIP_DEFLATED) as z:
        z.write(os.path.join(d, "patients.xlsx"), "envoi/patients.xlsx")
        z.write(os.path.join(d, "patients.ods"), "envoi/patients.ods")
    table = [list(COLS)] + [list(p) for p in patients()]
    docx(os.path.join(d, "letter.docx"), letter())
    odt(os.path.join(d, "letter.odt"), letter())
    docx(os.path.join(d, "patients-table.docx"), ["Liste des patients hospitalisés"], table)
    odt(os.path.join(d, "patients-table.odt"), ["Liste des patients hospitalisés"], table)
    pdf(os.path.join(d, "patients-report.pdf"), pdf_report_pages())
    pdf(os.path.join(d, "letter.pdf"), [letter()])
    pdf(os.path.join(d, "bad-pdf-encrypted.pdf"), [letter()], encrypt=True)
    pdf(os.path.join(d, "huge-pdf-deep-tree.pdf"), [letter()], extra_obj="[" * 100000 + "]" * 100000)
    with open(os.path.join(d, "patients-report.pdf"), "rb") as f:
        whole = f.read()
    with open(os.path.join(d, "bad-pdf-cut.pdf"), "wb") as f:
        f.write(whole[: len(whole) // 2])
    # Documents sent by mail: inside a zip, read from memory.
    with zipfile.ZipFile(os.path.join(d, "export-documents.zip"), "w", zipfile.ZIP_DEFLATED) as z:
        z.write(os.path.join(d, "patients-report.pdf"), "envoi/patients-report.pdf")
        z.write(os.path.join(d, "letter.docx"), "envoi/letter.docx")
    import mailbox
    table = [list(COLS)] + [list(p) for p in patients()]
    z = os.path.join(d, "tmp-results.zip")
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("export/patients.csv", csv_bytes(table))
    with open(z, "rb") as f:
        zbytes = f.read()
    os.unlink(z)
    first = patients()[0]
    with open(os.path.join(d, "mail-with-zip.eml"), "wb") as f:
        f.write(bytes(mail_patient(first, 0, [("resultats.zip", zbytes, "application", "zip")])))
    mb = mailbox.mbox(os.path.join(d, "inbox.mbox"))
    for i, p in enumerate(patients()):
        mb.add(mail_patient(p, i))
    mb.close()
    # Maildir, written by hand: its own names carry the host and time.
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(d, "maildir", sub))
    for i, p in enumerate(patients()[:10]):
        box = "cur" if i % 2 else "new"
        name = "17000000%02d.M%dP1.mx%s" % (i, i, ":2,S" if box == "cur" else "")
        with open(os.path.join(d, "maildir", box, name), "wb") as f:
            f.write(bytes(mail_patient(p, i)))
    with open(os.path.join(d, "bad-mail-nested.eml"), "w") as f:
        f.write(nested_bomb(2000))
    return sorted(files) + ["mail-with-zip.eml", "inbox.mbox", "maildir", "bad-mail-nested.eml",
                            "export-documents.zip", "letter.docx", "letter.odt", "patients-table.docx", "patients-table.odt",
                            "patients-report.pdf", "letter.pdf", "bad-pdf-encrypted.pdf",
                            "huge-pdf-deep-tree.pdf", "bad-pdf-cut.pdf",
                            "patients.sqlite", "export-sqlite.zip", "bad-sqlite-cut.db",
                            "patients.xlsx", "patients.ods", "huge-sheet-million-rows.xlsx",
                            "huge-sheet-million-rows.ods", "bad-sheet-entities.xlsx", "export-sheets.zip"]


KEEP = ["path", "format", "status", "reason", "records", "records_identity", "records_medical",
        "records_linked", "identity", "medical", "members"]


def project(report):
    items = []
    for it in report["items"]:
        p = {k: it.get(k) for k in KEEP}
        p["persons"] = it["persons"]["count"]
        items.append(p)
    items.sort(key=lambda i: i["path"])  # the report order is the sink's
    return {"items": items, "persons": report["summary"]["persons"]["count"]}


def main():
    binary, golden = sys.argv[1:3]
    update = os.environ.get("BSC_UPDATE_GOLDEN") == "1"
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        names = make(tmp)
        before = sorted(os.listdir(tmp))
        for name in names:
            if not os.path.exists(os.path.join(tmp, name)):
                continue
            r = subprocess.run([binary, "scan", "--format", "json", "--no-progress", "-q", name],
                               cwd=tmp, capture_output=True, text=True)
            if r.returncode not in (0, 1, 2):
                errors.append(f"{name}: exit {r.returncode}: {r.stderr}")
                continue
            got = project(json.loads(r.stdout))
            want_rc = 2 if name.startswith("bad-") else 1
            if r.returncode != want_rc:
                errors.append(f"{name}: exit {r.returncode}, expected {want_rc}")
            # A letter is about one patient; a mailbox adds its
            # correspondents (3 doctors, the secretariat, a colleague).
            want_persons = {"inbox.mbox": N + 5, "maildir": 10 + 5,
                            "mail-with-zip.eml": None}.get(name, 1 if name.startswith("letter") else N)
            if want_persons is None:
                want_persons = got["persons"]
            if not name.startswith(("bad-", "huge-")) and got["persons"] != want_persons:
                errors.append(f"{name}: {got['persons']} persons, expected {want_persons}")
            if name.startswith("letter") and got["items"][0]["records_linked"] != 1:
                errors.append(f"{name}: the letter is not one linked record")
            path = os.path.join(golden, name + ".json")
            text = json.dumps(got, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
            if update:
                os.makedirs(golden, exist_ok=True)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
                continue
            try:
                want = open(path, encoding="utf-8").read()
            except FileNotFoundError:
                errors.append(f"{name}: no golden file {path} (run with BSC_UPDATE_GOLDEN=1)")
                continue
            if want != text:
                errors.append(f"{name}: report differs from {path}:\n{text}")
        # Dates: an Excel serial styled as a date, an ODS date cell, read as dates.
        for name in ("patients.xlsx", "patients.ods"):
            r = subprocess.run([binary, "scan", "--format", "json", "--show-values", "-q", name],
                               cwd=tmp, capture_output=True, text=True)
            items = [i for i in json.loads(r.stdout)["items"] if i["path"].endswith("!/Patients")]
            dob = [f for f in items[0]["findings"] if f["category"] == "birth_date"] if items else []
            if not dob or dob[0]["sample"] != patients()[0][3]:
                errors.append(f"{name}: birth dates not read as dates: {dob[:1]}")
        # The incident: the same patients in every table and document format
        # and in a mailbox, scanned together: each person counted once. A
        # message names the patient in prose (name, birth date, e-mail) next
        # to its correspondents' addresses: the patient's e-mail links them
        # to the tables; the 5 correspondents are persons of their own.
        same = ["dump-mysql.sql", "dump-pg.sql", "patients.sqlite", "patients.xlsx", "patients.ods",
                "patients-table.docx", "patients-table.odt", "patients-report.pdf",
                "api-nested.json", "export-sheets.zip", "inbox.mbox"]
        r = subprocess.run([binary, "scan", "--format", "json", "--no-progress", "-q"] + same,
                           cwd=tmp, capture_output=True, text=True)
        total = json.loads(r.stdout)["summary"]["persons"]["count"]
        if total != N + 5:
            errors.append(f"all formats and a mailbox together: {total} persons, "
                          f"expected {N + 5}")
        # Read-only: no journal, -wal or -shm file appears next to a database.
        if sorted(os.listdir(tmp)) != before:
            errors.append(f"the scan wrote into the scanned tree: {sorted(set(os.listdir(tmp)) - set(before))}")
    for e in errors:
        print(e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
