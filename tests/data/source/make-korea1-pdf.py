#!/usr/bin/env python3
"""make-korea1-pdf.py [--no-descriptor] CMAP OUT.pdf: a PDF as Korean word processors write it
with a CID-keyed font of the Adobe-Korea1 collection: a Type0 font, Identity-H
(the codes are CIDs), CIDSystemInfo Adobe-Korea1-2, no ToUnicode, the font
not embedded. Its text is Hangul and Latin, coded with the Korea1 CIDs read
from CMAP (poppler-data's Adobe-Korea1/UniKS-UTF16-H: Unicode -> CID).
--no-descriptor: the CID font has no FontDescriptor (as some writers leave
it; MuPDF 1.21 refuses such a font). Prints the lines shown."""
import re
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from minipdf import stream, write  # noqa: E402

LINES = ["대한민국 헌법", "Korea 2025 국민주권"]


def read_cmap(path):
    """Unicode -> CID from a CMap's cidchar and cidrange sections."""
    text = open(path, encoding="latin-1").read()
    out = {}
    for block in re.findall(r"begincidchar(.*?)endcidchar", text, re.S):
        for src, cid in re.findall(r"<([0-9a-fA-F]+)>\s+(\d+)", block):
            if len(src) == 4:
                out[int(src, 16)] = int(cid)
    for block in re.findall(r"begincidrange(.*?)endcidrange", text, re.S):
        for lo, hi, cid in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s+(\d+)", block):
            if len(lo) == 4:
                for u in range(int(lo, 16), int(hi, 16) + 1):
                    out[u] = int(cid) + u - int(lo, 16)
    return out


def main(cmap, out, descriptor=True):
    cids = read_cmap(cmap)
    content = b"BT /F1 24 Tf"
    y = 140
    for line in LINES:
        missing = [c for c in line if ord(c) not in cids]
        if missing:
            sys.exit("the CMap lacks %r" % missing)
        codes = b"".join(cids[ord(c)].to_bytes(2, "big") for c in line)
        content += b" 1 0 0 1 20 %d Tm <%s> Tj" % (y, codes.hex().encode())
        y -= 60
    content += b" ET"
    # Korea1's first CIDs are proportional Latin: half an em, as a word
    # processor's /W gives them (DW 1000 is for the Hangul)
    half = sorted({cids[ord(c)] for line in LINES for c in line if ord(c) < 0x80})
    widths = b" ".join(b"%d [500]" % c for c in half)
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 200] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 7 0 R >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Batang /Encoding /Identity-H "
        b"/DescendantFonts [5 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /Batang "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Korea1) /Supplement 2 >> " +
        (b"/FontDescriptor 6 0 R " if descriptor else b"") + b"/DW 1000 /W [" + widths + b"] >>",
        b"<< /Type /FontDescriptor /FontName /Batang /Flags 6 /Ascent 880 /Descent -120 "
        b"/CapHeight 700 /FontBBox [0 -120 1000 880] /ItalicAngle 0 /StemV 80 >>",
        stream(b"", content),
    ]
    write(out, objs)
    print("\n".join(LINES))


if __name__ == "__main__":
    if sys.argv[1] == "--no-descriptor":
        main(sys.argv[2], sys.argv[3], descriptor=False)
    else:
        main(sys.argv[1], sys.argv[2])
