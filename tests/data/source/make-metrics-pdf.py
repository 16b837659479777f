#!/usr/bin/env python3
# make-metrics-pdf.py: writes metrics.pdf (test data for tests/source/pdf.c):
#  - "filled" in Helvetica 20 pt whose "fi" is one ligature glyph (code 128
#    named /fi), baseline at y = 150;
#  - "Metrics" in a non-embedded font whose FontDescriptor says /Ascent 800
#    /Descent -200, 20 pt, baseline at y = 100;
#  - a push button (Widget) whose appearance stream shows "Caption".
# The page is 300 x 200 pt.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from minipdf import stream, write  # noqa: E402


def main(out):
    content = (b"BT /F1 20 Tf 20 150 Td (\\200lled) Tj ET\n"
               b"BT /F2 20 Tf 20 100 Td (Metrics) Tj ET")
    caption = b"BT /F1 12 Tf 5 10 Td (Caption) Tj ET"
    widths = b" ".join(b"600" for _ in range(32, 127))
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [8 0 R] >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] "
        b"/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 7 0 R /Annots [8 0 R] >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding "
        b"/BaseEncoding /WinAnsiEncoding /Differences [128 /fi] >> >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /VoTestSans /FirstChar 32 /LastChar 126 "
        b"/Widths [" + widths + b"] /FontDescriptor 6 0 R >>",
        b"<< /Type /FontDescriptor /FontName /VoTestSans /Flags 32 /Ascent 800 /Descent -200 "
        b"/CapHeight 700 /FontBBox [0 -200 1000 800] /ItalicAngle 0 /StemV 80 >>",
        stream(b"", content),
        b"<< /Type /Annot /Subtype /Widget /FT /Btn /Ff 65536 /T (button) /F 4 "
        b"/Rect [20 20 120 50] /P 3 0 R /AP << /N 9 0 R >> >>",
        stream(b"/Type /XObject /Subtype /Form /BBox [0 0 100 30] "
               b"/Resources << /Font << /F1 4 0 R >> >>", caption),
    ]
    write(out, objs)


main(sys.argv[1] if len(sys.argv) > 1 else "metrics.pdf")
