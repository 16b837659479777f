#!/usr/bin/env python3
# make-order-pdf.py: writes order.pdf (test data for tests/cli/reading-order.sh):
# a page whose content stream draws its footnotes from the last up (3, 2, 1)
# and, after a full-width line, a stamp at the top right that lies above a
# short line in the other column; page 2 is the same page with /Rotate 180.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from minipdf import stream, write  # noqa: E402

LINES = [  # (x, y, text) in the order the stream draws them
    (72, 740, "Reading order test"),
    (72, 640, "Short"),
    (72, 560, "A body line that runs across the whole width of the page, margin to margin."),
    (400, 700, "Stamp 2025"),
    (72, 60, "3 Third note"),
    (72, 100, "2 Second note"),
    (72, 140, "1 First note"),
]


def main(out):
    content = b"".join(b"BT /F1 11 Tf %d %d Td (%s) Tj ET\n" % (x, y, t.encode())
                       for x, y, t in LINES)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [5 0 R 6 0 R] /Count 2 >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            stream(b"", content)]
    for rot in (0, 180):
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Rotate %d "
                    b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>" % rot)
    write(out, objs)


main(sys.argv[1] if len(sys.argv) > 1 else "order.pdf")
