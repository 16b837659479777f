#!/usr/bin/env python3
"""Writes text-quality.pdf: four pages of the same visible text in
Helvetica, whose text layer is (1) right, (2) unmappable (a /Differences
encoding with glyph names that say nothing: U+FFFD), (3) private-use code
points (a ToUnicode CMap into U+E000..), (4) control characters (a
ToUnicode CMap into U+0001..); then two pages of the same text invisible
(3 Tr, as an earlier OCR leaves it) over black bars, as over a scan's
lines: (5) on the bars, (6) in the upper half while the bars are in the
lower half, a layer that does not match the page; (7) the text in a
Type0 font without its /DescendantFonts, which MuPDF cannot load; (8)
two lines of it on the page and six right of it, off the page.
Usage: make-text-quality-pdf.py OUT.pdf"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from minipdf import write  # noqa: E402

TEXT = b"The quick brown fox jumps over the lazy dog 0123456789"

def tounicode(base):
    codes = sorted(set(TEXT) - {32})
    lines = [b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
             b"/CMapName /Q def 1 begincodespacerange <00> <FF> endcodespacerange",
             b"%d beginbfchar" % (len(codes) + 1)]
    lines += [b"<%02X> <%04X>" % (c, base + i) for i, c in enumerate(codes)]
    lines += [b"<20> <0020>", b"endbfchar endcmap CMapName currentdict /CMap defineresource pop end end"]
    return b"\n".join(lines)

def main(out):
    objs = []
    def add(body):
        objs.append(body)
        return len(objs)
    fonts = []
    fonts.append(add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"))
    diffs = b" ".join(b"/zz%02x" % c for c in range(33, 127))
    fonts.append(add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Differences [33 " +
                     diffs + b"] >> >>"))
    for base in (0xE000, 0x0001):
        cm = tounicode(base)
        s = add(b"<< /Length %d >>\nstream\n" % len(cm) + cm + b"\nendstream")
        fonts.append(add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding "
                         b"/ToUnicode %d 0 R >>" % s))
    broken = add(b"<< /Type /Font /Subtype /Type0 /BaseFont /Lost /Encoding /Identity-H >>")
    pages_id = len(objs) + 2 * (len(fonts) + 4) + 1  # two objects a page
    kids = []
    for f in fonts:
        ops = b"BT /F1 14 Tf 72 720 Td " + b" ".join(b"(%s) Tj 0 -20 Td" % TEXT for _ in range(8)) + b" ET"
        c = add(b"<< /Length %d >>\nstream\n" % len(ops) + ops + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                        b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (pages_id, c, f)))
    for shift in (0, 360):
        bars = b" ".join(b"%d %d 400 12 re" % (72, 718 - shift - 20 * i) for i in range(8)) + b" f\n"
        ops = (b"0 g " + bars + b"BT 3 Tr /F1 14 Tf 72 720 Td " +
               b" ".join(b"(%s) Tj 0 -20 Td" % TEXT for _ in range(8)) + b" ET")
        c = add(b"<< /Length %d >>\nstream\n" % len(ops) + ops + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                        b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (pages_id, c, fonts[0])))
    ops = b"BT /F1 14 Tf 72 720 Td " + b" ".join(b"(%s) Tj 0 -20 Td" % TEXT for _ in range(8)) + b" ET"
    c = add(b"<< /Length %d >>\nstream\n" % len(ops) + ops + b"\nendstream")
    kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                    b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (pages_id, c, broken)))
    ops = b"BT /F1 14 Tf " + b" ".join(b"1 0 0 1 %d %d Tm (%s) Tj" % (72 if i < 2 else 700, 720 - 20 * i, TEXT)
                                      for i in range(8)) + b" ET"
    c = add(b"<< /Length %d >>\nstream\n" % len(ops) + ops + b"\nendstream")
    kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                    b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (pages_id, c, fonts[0])))
    assert add(b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) +
               b"] /Count %d >>" % len(kids)) == pages_id
    root = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    write(out, objs, root=root, header=b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

if __name__ == "__main__":
    main(sys.argv[1])
