#!/usr/bin/env python3
# make-order-pdf.py: writes order.pdf (test data for tests/cli/reading-order.sh):
# a page whose content stream draws its footnotes from the last up (3, 2, 1)
# and, after a full-width line, a stamp at the top right that lies above a
# short line in the other column; page 2 is the same page with /Rotate 180;
# page 3 draws a form's field under its title last, after the body; page 4
# is two columns, the left drawn first, the right one's top beside the
# left one's; page 5 has a superscript, raised bullets and a large initial
# beside two lines.
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
FORM = [
    (250, 740, "FORM TITLE"),
    (72, 660, "Body line one that runs across the whole width of the page, margin to margin."),
    (72, 620, "Body line two that runs across the whole width of the page, margin to margin."),
    (72, 580, "Short left"),
    (200, 700, "Field number ______"),
]

COLUMNS = [
    (72, 740, "Left column top"),
    (72, 700, "Left column middle"),
    (72, 660, "Left column bottom"),
    (320, 740, "Right column top"),
    (320, 700, "Right column middle"),
]


RAISED = (b"BT /F1 11 Tf 72 700 Td (Text with a note) Tj /F1 7 Tf 5 Ts (1) Tj 0 Ts /F1 11 Tf "
          b"( and more words here.) Tj ET\n"
          b"BT /F1 11 Tf 72 684 Td (The next line of the paragraph.) Tj ET\n"
          b"BT /F1 9 Tf 60 652 Td (>) Tj ET\n"
          b"BT /F1 11 Tf 72 648 Td (A bullet item with a raised marker) Tj ET\n"
          b"BT /F1 9 Tf 60 636 Td (>) Tj ET\n"
          b"BT /F1 11 Tf 72 632 Td (Another bullet item) Tj ET\n"
          b"BT /F1 30 Tf 72 580 Td (T) Tj ET\n"
          b"BT /F1 11 Tf 94 600 Td (his paragraph starts with a large initial) Tj ET\n"
          b"BT /F1 11 Tf 94 586 Td (that spans two lines beside it.) Tj ET\n"
          b"BT /F1 11 Tf 72 572 Td (The third line runs under it.) Tj ET\n")


def content(lines):
    return b"".join(b"BT /F1 11 Tf %d %d Td (%s) Tj ET\n" % (x, y, t.encode())
                    for x, y, t in lines)


def page(rot, contents):
    return (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Rotate %d "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (rot, contents))


def main(out):
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [7 0 R 8 0 R 9 0 R 10 0 R 12 0 R] /Count 5 >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            stream(b"", content(LINES)), stream(b"", content(FORM)),
            stream(b"", content(COLUMNS)),
            page(0, 4), page(180, 4), page(0, 5), page(0, 6),
            stream(b"", RAISED), page(0, 11)]
    write(out, objs)


main(sys.argv[1] if len(sys.argv) > 1 else "order.pdf")
