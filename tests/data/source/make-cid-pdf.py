#!/usr/bin/env python3
"""make-cid-pdf.py FONT.ttf OUT.pdf: a PDF as Korean word processors write
it: a TrueType font embedded whole as a CIDFontType2 with Identity-H
encoding, CIDs = glyph ids (CIDToGIDMap /Identity), and NO ToUnicode: the
text can be read back only through the font's own cmap. Two lines, Hangul
and Latin; the text it shows is printed on standard output (one line each).
"""
import struct
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from minipdf import stream, write  # noqa: E402

LINES = ["대한민국 헌법 제1조", "Korea 2025 국민주권"]


def tables_of(ttf):
    n = struct.unpack(">H", ttf[4:6])[0]
    tables = {}
    for i in range(n):
        tag, _, off, length = struct.unpack(">4sIII", ttf[12 + 16 * i:28 + 16 * i])
        tables[tag] = (off, length)
    return tables


def advance(ttf):
    """glyph id -> advance in 1/1000 em (hmtx, hhea, head)."""
    t = tables_of(ttf)
    upem = struct.unpack(">H", ttf[t[b"head"][0] + 18:t[b"head"][0] + 20])[0]
    n_hm = struct.unpack(">H", ttf[t[b"hhea"][0] + 34:t[b"hhea"][0] + 36])[0]
    hmtx = t[b"hmtx"][0]

    def adv(g):
        g = min(g, n_hm - 1)
        return round(struct.unpack(">H", ttf[hmtx + 4 * g:hmtx + 4 * g + 2])[0] * 1000 / upem)
    return adv


def cmap_unicode(ttf):
    """Unicode -> glyph id from the font's (3,1) or (0,x) format 4 cmap."""
    base = tables_of(ttf)[b"cmap"][0]
    count = struct.unpack(">H", ttf[base + 2:base + 4])[0]
    for i in range(count):
        pid, eid, off = struct.unpack(">HHI", ttf[base + 4 + 8 * i:base + 12 + 8 * i])
        sub = base + off
        if struct.unpack(">H", ttf[sub:sub + 2])[0] == 4 and (pid, eid) in ((3, 1), (0, 3), (0, 1)):
            break
    else:
        sys.exit("no format 4 Unicode cmap")
    segx2 = struct.unpack(">H", ttf[sub + 6:sub + 8])[0]
    ends = sub + 14
    starts = ends + segx2 + 2
    deltas = starts + segx2
    ranges = deltas + segx2

    def gid(c):
        for s in range(segx2 // 2):
            end = struct.unpack(">H", ttf[ends + 2 * s:ends + 2 * s + 2])[0]
            if c > end:
                continue
            start = struct.unpack(">H", ttf[starts + 2 * s:starts + 2 * s + 2])[0]
            if c < start:
                return 0
            delta = struct.unpack(">h", ttf[deltas + 2 * s:deltas + 2 * s + 2])[0]
            ro = struct.unpack(">H", ttf[ranges + 2 * s:ranges + 2 * s + 2])[0]
            if ro == 0:
                return (c + delta) & 0xFFFF
            at = ranges + 2 * s + ro + 2 * (c - start)
            g = struct.unpack(">H", ttf[at:at + 2])[0]
            return (g + delta) & 0xFFFF if g else 0
        return 0
    return gid


def main(font_path, out):
    ttf = open(font_path, "rb").read()
    gid = cmap_unicode(ttf)
    adv = advance(ttf)
    used = sorted({gid(ord(ch)) for line in LINES for ch in line})
    widths = b" ".join(b"%d [%d]" % (g, adv(g)) for g in used)
    content = b"BT /F1 24 Tf"
    y = 140
    for line in LINES:
        codes = b"".join(struct.pack(">H", gid(ord(ch))) for ch in line)
        if 0 in struct.unpack(">%dH" % len(line), codes):
            sys.exit("the font lacks a character of %r" % line)
        content += b" 1 0 0 1 20 %d Tm <%s> Tj" % (y, codes.hex().encode())
        y -= 60
    content += b" ET"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 200] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 7 0 R >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /NanumGothic /Encoding /Identity-H "
        b"/DescendantFonts [5 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NanumGothic "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        b"/FontDescriptor 6 0 R /DW 1000 /W [" + widths + b"] /CIDToGIDMap /Identity >>",
        b"<< /Type /FontDescriptor /FontName /NanumGothic /Flags 4 /Ascent 800 /Descent -200 "
        b"/CapHeight 700 /FontBBox [0 -200 1000 800] /ItalicAngle 0 /StemV 80 "
        b"/FontFile2 8 0 R >>",
        stream(b"", content),
        stream(b"/Length1 %d" % len(ttf), ttf),
    ]
    write(out, objs)
    print("\n".join(LINES))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
