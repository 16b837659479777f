#!/bin/sh
# reading-order.sh: a text layer whose content stream draws a stack of
# blocks from the bottom up (footnotes 3, 2, 1) is read top to bottom, on a
# page shown upside down (/Rotate 180) too, in the frame of its text; a
# block that would stop halfway (a stamp at the top right, drawn last, held
# by a short line of the other column) keeps the stream's place; a form's
# field drawn after the body goes under the title it lies under; two
# columns keep their order; a superscript, raised bullets and a large
# initial (its own block in MuPDF's text) stay in their lines, the initial
# beginning its first line's first word; the corpus's Google Docs PDF, whose footnotes
# came out 3, 2, 1, and a pdf.js form whose field came out last.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"

# in_order FILE PAGE TEXT...: each TEXT is a line of page PAGE (pages split
# at form feeds), after the one before it
in_order() {
    f=$1 page=$2
    shift 2
    "$PY" - "$f" "$page" "$@" <<'PY'
import sys
pages = open(sys.argv[1], encoding="utf-8").read().split("\f")
lines = [l.strip() for l in pages[int(sys.argv[2]) - 1].splitlines()]
try:
    at = [lines.index(t) for t in sys.argv[3:]]
except ValueError as e:
    sys.exit("missing: %s" % e)
sys.exit(0 if at == sorted(at) else "order: %s" % at)
PY
}

"$PY" "$top_srcdir/tests/data/source/make-order-pdf.py" "$TMP/order.pdf"
ok $? "reading-order 1.1: made a page that draws its footnotes from the last up, twice (/Rotate 0, 180)"
run_vo --text-layer only -f txt -o "$TMP/order.txt" "$TMP/order.pdf"
[ $rc -eq 0 ]
ok $? "reading-order 1.2: read (rc=$rc)"
for page in 1 2; do
    in_order "$TMP/order.txt" $page "Reading order test" "Short" \
        "A body line that runs across the whole width of the page, margin to margin." \
        "Stamp 2025" "1 First note" "2 Second note" "3 Third note" 2>"$TMP/why"
    ok $? "reading-order 1.$((page + 2)): page $page: the footnotes 1, 2, 3 from the top, the stamp where the stream put it $(cat "$TMP/why")"
done
# the check can fail: the stream's own order
in_order "$TMP/order.txt" 1 "3 Third note" "2 Second note" "1 First note" 2>/dev/null
[ $? -ne 0 ]
ok $? "reading-order 1.5: the stream's order (3, 2, 1) is not what came out"
in_order "$TMP/order.txt" 3 "FORM TITLE" "Field number ______" \
    "Body line one that runs across the whole width of the page, margin to margin." \
    "Body line two that runs across the whole width of the page, margin to margin." \
    "Short left" 2>"$TMP/why"
ok $? "reading-order 1.6: page 3: the field drawn last comes under the title $(cat "$TMP/why")"
in_order "$TMP/order.txt" 3 "Short left" "Field number ______" 2>/dev/null
[ $? -ne 0 ]
ok $? "reading-order 1.7: page 3: not in the stream's order (the field last)"
in_order "$TMP/order.txt" 4 "Left column top" "Left column middle" "Left column bottom" \
    "Right column top" "Right column middle" 2>"$TMP/why"
ok $? "reading-order 1.8: page 4: the left column, then the right one $(cat "$TMP/why")"
in_order "$TMP/order.txt" 5 "Text with a note1 and more words here." "The next line of the paragraph." \
    "> A bullet item with a raised marker" "> Another bullet item" 2>"$TMP/why"
ok $? "reading-order 1.9: page 5: a superscript and raised bullets stay in their lines $(cat "$TMP/why")"
in_order "$TMP/order.txt" 5 "This paragraph starts with a large initial" \
    "that spans two lines beside it." "The third line runs under it." 2>"$TMP/why"
ok $? "reading-order 1.10: page 5: a large initial begins the first line beside it $(cat "$TMP/why")"
# the check can fail: the initial alone on a line
in_order "$TMP/order.txt" 5 "T" 2>/dev/null
[ $? -ne 0 ]
ok $? "reading-order 1.11: page 5: the initial is not a line of its own"

if SH=$(shared_dir) && [ -f "$SH/corpus/pdf/pypdf__google-doc-document.pdf" ]; then
    run_vo --text-layer only -f txt -o "$TMP/gd.txt" "$SH/corpus/pdf/pypdf__google-doc-document.pdf"
    in_order "$TMP/gd.txt" 1 "Population" "1 2021 estimate" "2 2020 estimate" "3 2020 estimate" \
        2>"$TMP/why"
    ok $? "reading-order 2.1: the corpus Google Docs PDF: its footnotes 1, 2, 3 after the table $(cat "$TMP/why")"
else
    skip "reading-order 2.1: the corpus Google Docs PDF" "the shared corpus is not beside the clone (set VO_SHARED)"
fi
if SH=$(shared_dir) && [ -f "$SH/corpus/pdf/pdfjs__bug1815476.pdf" ]; then
    run_vo --text-layer only -f txt -o "$TMP/form.txt" "$SH/corpus/pdf/pdfjs__bug1815476.pdf"
    in_order "$TMP/form.txt" 1 "A N E X O" "Nº EXPEDIENTE: ___________" "E X P O N E:" \
        "S O L I C I T A:" 2>"$TMP/why"
    ok $? "reading-order 2.2: the corpus pdf.js form: its field under the title, as drawn on the page $(cat "$TMP/why")"
else
    skip "reading-order 2.2: the corpus pdf.js form" "the shared corpus is not beside the clone (set VO_SHARED)"
fi
done_testing
