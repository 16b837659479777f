#!/usr/bin/env python3
"""make-actualtext-pdf.py OUT.pdf: a page whose marked content gives the
text by /ActualText where the glyphs say something else (Helvetica, nothing
embedded). Prints the text a reader should get, a line each:
  line 1: "Flag" then a glyph X marked as U+1F1F0 U+1F1F7 (a flag emoji)
  line 2: "before", a span of two Tj ("ABC", "DEF") marked as "xyz" with a
          nested /P BDC inside, "after": one text object
  line 3: "hyphen-" with the hyphen marked as no text (ActualText ""), as
          at the end of a line
  line 4: a span given by a name of the page's /Properties: "Ω" for "O"."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from minipdf import stream, write  # noqa: E402


def utf16(s):
    return b"<feff" + s.encode("utf-16-be").hex().encode() + b">"


CONTENT = (b"BT /F1 14 Tf 20 160 Td (Flag ) Tj /Span << /ActualText " + utf16("\U0001F1F0\U0001F1F7")
           + b" >> BDC (X) Tj EMC ET\n"
           b"BT /F1 14 Tf 20 120 Td (before ) Tj /Span << /ActualText (xyz) >> BDC (ABC) Tj "
           b"/P << /MCID 0 >> BDC (DEF) Tj EMC EMC ( after) Tj ET\n"
           b"BT /F1 14 Tf 20 80 Td (hyphen) Tj /Span << /ActualText () >> BDC (-) Tj EMC ET\n"
           b"BT /F1 14 Tf 20 40 Td /Span /MC0 BDC (O) Tj EMC ( mega) Tj ET\n")

WANT = ["Flag \U0001F1F0\U0001F1F7", "before xyz after", "hyphen", "\u03a9 mega"]


def main(out):
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 200] "
        b"/Resources << /Font << /F1 4 0 R >> /Properties << /MC0 << /ActualText "
        + utf16("\u03a9") + b" >> >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        stream(b"", CONTENT),
    ]
    write(out, objs)
    print("\n".join(WANT))


if __name__ == "__main__":
    main(sys.argv[1])
