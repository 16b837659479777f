#!/bin/sh
# redo-ocr.sh: --redo-ocr removes an earlier OCR's invisible text (3 Tr)
# from a PDF input before ours is added, and does not take it as the page's
# text: an OCRmyPDF page (OCRmyPDF 14 + Tesseract 5) and a made PDF with
# invisible text shown by Tj, TJ, ' and " inside q/Q, in a form and in a
# form inside it, a text object that mixes both (kept, with a warning) and
# a page with none (untouched). Each page must render to the same pixels
# before and after: only invisible text may go. No model is needed.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
for t in qpdf pdftotext pdftoppm; do
    command -v "$t" >/dev/null || skip_all "$t not installed (Debian: qpdf, poppler-utils)"
done
DATA="$top_srcdir/tests/data/pdf"

# words FILE: the words of pdftotext -raw FILE, one a line
words() { pdftotext -raw "$1" - 2>/dev/null | tr -s ' \n\f' '\n\n\n' | grep -v '^$'; }
# same_pixels A B: every page of A and B renders (poppler, 72 dpi) alike
same_pixels() {
    rm -f "$TMP"/px-*.pgm
    pdftoppm -r 72 -gray "$1" "$TMP/px-a" && pdftoppm -r 72 -gray "$2" "$TMP/px-b" || return 1
    n=0
    for a in "$TMP"/px-a-*.pgm; do
        cmp -s "$a" "$TMP/px-b-${a##*px-a-}" || return 1
        n=$((n + 1))
    done
    [ "$n" -gt 0 ]
}

# 1. the made PDF
"$PY" "$DATA/make-ocr-layers.py" "$TMP/in.pdf"
ok $? "redo 1.1: made a 3-page PDF with invisible text in the page, in q/Q, in forms"
words "$TMP/in.pdf" >"$TMP/in.words"
[ "$(grep -c HIDDEN "$TMP/in.words")" -ge 6 ]
ok $? "redo 1.2: poppler reads its invisible words (what is to go): $(grep HIDDEN "$TMP/in.words" | tr '\n' ' ')"

run_vo --redo-ocr --text-layer only -v -f pdf -o "$TMP/out.pdf" "$TMP/in.pdf"
ok $rc "redo 1.3: --redo-ocr --text-layer only -f pdf exits 0 (rc=$rc)"
sed 's/^/# /' "$TMP/err"
words "$TMP/out.pdf" >"$TMP/out.words"
printf '%s\n' VISIBLEONE VISIBLETWO VISIBLETHREE VISIBLEFOUR FORMVISIBLE MIXHIDDENMIXVISIBLE \
    PLAINPAGE >"$TMP/want.words"
cmp -s "$TMP/want.words" "$TMP/out.words"
ok $? "redo 1.4: the invisible words are gone, the visible ones stay in order: $(tr '\n' ' ' <"$TMP/out.words")"
grep -q "page 1: its invisible text layer is removed (6 text operators in 3 content streams)" "$TMP/err"
ok $? "redo 1.5: said for page 1: Tj, TJ, ', \" of the page, and one in each form"
grep -q "warning: .*in.pdf: page 2: 1 content stream places visible text by the advance of invisible text" "$TMP/err"
ok $? "redo 1.6: the mixed text object of page 2 is kept, with a warning"
! grep -q "page 3: its invisible" "$TMP/err"
ok $? "redo 1.7: page 3 (no invisible text) is not touched"
same_pixels "$TMP/in.pdf" "$TMP/out.pdf"
ok $? "redo 1.8: every page renders to the same pixels as before (only invisible text went)"
qpdf --check "$TMP/out.pdf" >"$TMP/qpdf" 2>&1
ok $? "redo 1.9: qpdf --check clean"

# the text of the pages leaves the invisible words out, with --redo-ocr only
run_vo --redo-ocr --text-layer only -f txt -o "$TMP/redo.txt" "$TMP/in.pdf"
[ $rc -eq 0 ] && ! grep -q HIDDEN "$TMP/redo.txt" && grep -q MIXVISIBLE "$TMP/redo.txt"
ok $? "redo 1.10: with --redo-ocr the text layer is the visible text (rc=$rc)"
run_vo --text-layer only -f txt -o "$TMP/plain.txt" "$TMP/in.pdf"
[ $rc -eq 0 ] && [ "$(grep -c HIDDEN "$TMP/plain.txt")" -ge 5 ]
ok $? "redo 1.11: without it the invisible words are the page's text, as before (rc=$rc)"

# 2. an OCRmyPDF page: its layer goes; ours (replayed with --from-raw) is the only one
f="$DATA/ocrmypdf-ccitt.pdf"
n_in=$(words "$f" | wc -l)
run_vo --redo-ocr --text-layer only -v -f pdf -o "$TMP/omp.pdf" "$f"
[ $rc -eq 0 ] && grep -q "page 1 has no text layer but is not blank" "$TMP/err" &&
    grep -q "page 1: its invisible text layer is removed" "$TMP/err"
ok $? "redo 2.1: the OCRmyPDF page has no text of its own with --redo-ocr, and its layer is removed (rc=$rc)"
[ "$n_in" -gt 500 ] && [ "$(words "$TMP/omp.pdf" | wc -l)" -eq 0 ]
ok $? "redo 2.2: $n_in words before, none left"
same_pixels "$f" "$TMP/omp.pdf"
ok $? "redo 2.3: the scan renders to the same pixels"
run_vo --redo-ocr -f txt -o "$TMP/omp.txt" "$f"
[ $rc -eq 3 ] && grep -q "page 1 has no text layer and needs OCR" "$TMP/err"
ok $? "redo 2.4: in auto mode the page goes to OCR (here: no model, rc=$rc)"

# our words, as if recognised
printf '{"format": "varco-ocr-raw", "version": 1, "source": "%s", "page": 1, "width": 2550, "height": 3300, "dpi": 300, "text": "%s"}\n' "$f" \
    "<char>R</char><bbox>0.100, 0.100, 0.120, 0.120</bbox><char>E</char><bbox>0.120, 0.100, 0.140, 0.120</bbox><char>D</char><bbox>0.140, 0.100, 0.160, 0.120</bbox><char>O</char><bbox>0.160, 0.100, 0.180, 0.120</bbox><char> </char><bbox>0.180, 0.100, 0.190, 0.120</bbox><char>다</char><bbox>0.190, 0.100, 0.210, 0.120</bbox><char>시</char><bbox>0.210, 0.100, 0.230, 0.120</bbox>" \
    >"$TMP/omp.p0001.raw.json"
run_vo --redo-ocr --from-raw "$TMP/omp.p0001.raw.json" -f pdf -o "$TMP/ours.pdf"
words "$TMP/ours.pdf" >"$TMP/ours.words"
[ $rc -eq 0 ] && [ "$(tr '\n' ' ' <"$TMP/ours.words")" = "REDO 다시 " ]
ok $? "redo 2.5: with --redo-ocr the PDF has exactly our words: $(tr '\n' ' ' <"$TMP/ours.words")(rc=$rc)"
run_vo --from-raw "$TMP/omp.p0001.raw.json" -f pdf -o "$TMP/both.pdf"
[ $rc -eq 0 ] && [ "$(words "$TMP/both.pdf" | wc -l)" -gt "$n_in" ]
ok $? "redo 2.6: without it both layers are there ($(words "$TMP/both.pdf" | wc -l) words)"

# 3. a rerun with --redo-ocr over outputs made without it does the pages again
run_vo --text-layer only -f txt -O "$TMP/o" "$TMP/in.pdf"
[ $rc -eq 0 ] && grep -q HIDDENFOUR "$TMP/o/in.txt"
ok $? "redo 3.1: a batch without --redo-ocr has the invisible words (rc=$rc)"
run_vo --redo-ocr --text-layer only -f txt -O "$TMP/o" "$TMP/in.pdf"
[ $rc -eq 0 ] && ! grep -q HIDDEN "$TMP/o/in.txt" && grep -q VISIBLEONE "$TMP/o/in.txt"
ok $? "redo 3.2: its rerun with --redo-ocr is not skipped as done: the words are gone (rc=$rc)"
done_testing
