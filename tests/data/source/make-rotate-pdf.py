#!/usr/bin/env python3
# make-rotate-pdf.py: writes rotate.pdf, 4 pages of the same text with
# /Rotate 0, 90, 180, 270 (test data for tests/source/pdf.c).
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from minipdf import write  # noqa: E402

def main(out):
    objs = []
    kids = []
    content = b"BT /F1 24 Tf 72 700 Td (Hello World) Tj 0 -40 Td (Rotate Test) Tj ET"
    # 1 catalog, 2 pages, 3 font, 4 content, 5.. pages
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objs.append(None)
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    objs.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    for i, rot in enumerate((0, 90, 180, 270)):
        kids.append(5 + i)
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Rotate %d "
                    b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>" % rot)
    objs[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    write(out, objs)

main(sys.argv[1] if len(sys.argv) > 1 else "rotate.pdf")
