#!/usr/bin/env python3
"""make-ocr-layers.py OUT.pdf: a 3-page PDF with invisible text (3 Tr) where
OCR tools put it and where they rarely do, for --redo-ocr.

Page 1: visible words (VISIBLE*), and invisible ones (HIDDEN*) shown by Tj,
TJ, ' and " inside q/Q, in a Form XObject and in a form inside that form
(with resources of its own); visible text after them placed anew (Td).
Page 2: one text object whose visible word is placed by the advance of an
invisible one (MIXHIDDEN then MIXVISIBLE): it cannot be split safely.
Page 3: visible text only (PLAINPAGE).
Every word is Helvetica, a standard font (nothing embedded)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "source"))
from minipdf import stream, write  # noqa: E402


PAGE1 = (b"BT /F1 12 Tf 72 700 Td (VISIBLEONE) Tj ET\n"
         b"q BT 3 Tr /F1 12 Tf 72 680 Td (HIDDENONE) Tj [(HIDDEN) -200 (TWO)] TJ 14 TL\n"
         b"(HIDDENTHREE) ' 2 1 (HIDDENFOUR) \"\n"
         b"0 -14 Td 0 Tr (VISIBLETWO) Tj ET Q\n"
         b"BT /F1 12 Tf 72 600 Td (VISIBLETHREE) Tj ET\n"
         b"q 3 Tr Q BT /F1 12 Tf 72 580 Td (VISIBLEFOUR) Tj ET\n"
         b"/Fm1 Do\n")
FORM1 = (b"BT /F1 12 Tf 3 Tr 72 500 Td (FORMHIDDEN) Tj 0 Tr 0 -14 Td (FORMVISIBLE) Tj ET\n"
         b"/Fm2 Do\n")
FORM2 = b"BT /F1 12 Tf 3 Tr 72 400 Td (NESTEDHIDDEN) Tj ET\n"
PAGE2 = b"BT /F1 12 Tf 72 700 Td 3 Tr (MIXHIDDEN) Tj 0 Tr (MIXVISIBLE) Tj ET\n"
PAGE3 = b"BT /F1 12 Tf 72 700 Td (PLAINPAGE) Tj ET\n"


def main(out):
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    res = b"/Resources << /Font << /F1 4 0 R >> >>"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 9 0 R 11 0 R] /Count 3 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> /XObject << /Fm1 6 0 R >> >> /Contents 5 0 R >>",
        font,
        stream(b"", PAGE1),
        stream(b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] "
               b"/Resources << /Font << /F1 4 0 R >> /XObject << /Fm2 7 0 R >> >>", FORM1),
        stream(b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources 8 0 R", FORM2),
        b"<< /Font << /F1 4 0 R >> >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] " + res + b" /Contents 10 0 R >>",
        stream(b"", PAGE2),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] " + res + b" /Contents 12 0 R >>",
        stream(b"", PAGE3),
    ]
    write(out, objs)


if __name__ == "__main__":
    main(sys.argv[1])
