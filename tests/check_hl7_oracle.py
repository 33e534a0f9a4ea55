#!/usr/bin/env python3
"""Cross-checks the HL7 v2 splitter against python3-hl7, an independent parser.

Usage: check_hl7_oracle.py HL7_DUMP FIXTURES_DIR
For every fixtures/hl7/*.hl7 file except bad-*, the file is cut into messages (at MSH, after
dropping MLLP bytes and batch envelope segments), each message is parsed by python3-hl7
(Debian package python3-hl7), and every non-empty leaf value (segment, field, repetition,
component, subcomponent, unescaped value) is compared with what hl7_dump prints for the same
file (the splitter of scanner/format_hl7.c). Values are compared after folding whitespace runs
to one space, since the two decode formatting escapes (\\.br\\) differently, and highlighting
is dropped on both sides; HL7 nulls ("") are not values for the scanner.
"""
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import hl7
from hl7.containers import Component, Repetition

ENVELOPE = ("FHS", "BHS", "BTS", "FTS")
# python3-hl7 renders highlighting (\H\ ... \N\) as "_"; the scanner drops it.
NO_HIGHLIGHT = {"H": "", "N": ""}


def fold(v):
    return re.sub(r"\s+", " ", v).strip()


def leaves(msg):
    """(segment, field, rep, comp, sub, value) for every non-empty leaf."""
    for seg in msg:
        sid = str(seg[0])
        for fi in range(1, len(seg)):
            if sid == "MSH" and fi in (1, 2):
                continue
            field = seg[fi]
            items = list(field)
            reps = items if items and isinstance(items[0], Repetition) else [items]
            for ri, rep in enumerate(reps, 1):
                comps = list(rep)
                if not comps or not isinstance(comps[0], Component):
                    comps = [comps]
                for ci, comp in enumerate(comps, 1):
                    subs = list(comp) if not isinstance(comp, str) else [comp]
                    for si, sub in enumerate(subs, 1):
                        raw = str(sub)
                        if raw == '""':
                            continue
                        v = fold(msg.unescape(raw, app_map=NO_HIGHLIGHT))
                        if v:
                            yield (sid, fi, ri, ci, si, v)


def python_side(data, enc):
    text = data.decode(enc).replace("\x0b", "\r").replace("\x1c", "\r")
    lines = [ln for ln in re.split(r"\r\n|\r|\n", text) if ln.strip()]
    msgs, cur = [], None
    for ln in lines:
        if ln.startswith(ENVELOPE):
            continue
        if ln.startswith("MSH"):
            cur = []
            msgs.append(cur)
        if cur is not None:
            cur.append(ln)
    out = Counter()
    for i, m in enumerate(msgs, 1):
        for leaf in leaves(hl7.parse("\r".join(m))):
            out[(i,) + leaf] += 1
    return out


def c_side(dump, path, enc):
    run = subprocess.run([dump, str(path)], capture_output=True, check=True)
    out = Counter()
    for ln in run.stdout.decode(enc).splitlines():
        msg, seg, f, r, c, s, _slot, v = ln.split("\t", 7)
        v = fold(v)
        if v:
            out[(int(msg), seg, int(f), int(r), int(c), int(s), v)] += 1
    return out


def main():
    dump, fixtures = sys.argv[1], Path(sys.argv[2])
    files = sorted(p for p in (fixtures / "hl7").glob("*.hl7") if not p.name.startswith("bad-"))
    bad = 0
    for p in files:
        data = p.read_bytes()
        try:
            data.decode("utf-8")
            enc = "utf-8"
        except UnicodeDecodeError:
            enc = "latin-1"  # the splitter sees bytes; both sides read them alike
        py, c = python_side(data, enc), c_side(dump, p, enc)
        if py != c:
            bad += 1
            print(f"{p.name}: splitter and python3-hl7 disagree")
            for k in sorted((py - c).keys())[:10]:
                print("  only python3-hl7:", k)
            for k in sorted((c - py).keys())[:10]:
                print("  only breachscope:", k)
        else:
            print(f"{p.name}: {sum(c.values())} values agree")
    if not files:
        print("no fixtures/hl7/*.hl7 files")
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
