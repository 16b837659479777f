#!/bin/sh
# pdfa.sh: the searchable PDF of page images is PDF/A-2b by default: every
# requirement of level B that applies to what we write, checked one by one
# (tests/pdf/pdfa_check.py; Debian packages no PDF/A validator) on a
# recognised Korean/English page (through --from-raw, with a text layer), a
# G4 fax TIFF and a PNG without text; --no-pdfa writes a plain PDF; a PDF
# input that is not PDF/A is not made to claim it, and -v says so.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
CHECK="$top_srcdir/tests/pdf/pdfa_check.py"

# each line of the checker as a test of its own
checked() { # checked LABEL ARGS...: runs the checker, one TAP line per requirement
    label=$1; shift
    "$PY" "$CHECK" "$@" >"$TMP/check" 2>&1
    n=0
    while IFS= read -r line; do
        case $line in
            "ok - "*) ok 0 "pdfa $label: ${line#ok - }" ;;
            "not ok - "*) ok 1 "pdfa $label: ${line#not ok - }" ;;
            *) diag "$line"; continue ;;
        esac
        n=$((n + 1))
    done <"$TMP/check"
    [ "$n" -gt 0 ]; ok $? "pdfa $label: the checker ran ($n requirements)"
}

cd "$SAMPLES" || exit 1
run_vo --from-raw ko-en-2col.raw.json -f pdf -o "$TMP/ko.pdf"
ok $rc "pdfa 1.1: a recognised page to a searchable PDF (rc=$rc)"
checked 1 "$TMP/ko.pdf" ko-en-2col
pdftotext "$TMP/ko.pdf" - 2>/dev/null | grep -q '대한민국헌법'
ok $? "pdfa 1.2: the PDF/A's text layer reads back"

run_vo --text-layer only -f pdf -o "$TMP/g4.pdf" "$top_srcdir/tests/data/source/pillow__g4_orientation_6.tif"
ok $rc "pdfa 2.1: a G4 fax TIFF to a PDF (rc=$rc)"
checked 2 "$TMP/g4.pdf" g4-tiff

run_vo --text-layer only -f pdf -o "$TMP/png.pdf" "$SAMPLES/hello.png"
ok $rc "pdfa 3.1: a PNG without a text layer to a PDF (rc=$rc)"
checked 3 "$TMP/png.pdf" png

run_vo --no-pdfa --from-raw ko-en-2col.raw.json -f pdf -o "$TMP/plain.pdf"
checked 4 --plain "$TMP/plain.pdf" no-pdfa
# the checker says no to a plain PDF: it can fail
"$PY" "$CHECK" "$TMP/plain.pdf" plain >/dev/null 2>&1
[ $? -eq 1 ]; ok $? "pdfa 4.2: the checker refuses a plain PDF as PDF/A"

run_vo -v --text-layer only -f pdf -o "$TMP/four.pdf" "$SAMPLES/four-pages.pdf"
[ $rc -eq 0 ] && grep -q 'four-pages.pdf: the input is not PDF/A, nor is its searchable PDF' "$TMP/err"
ok $? "pdfa 5.1: a PDF input that is not PDF/A stays so, and -v says it (rc=$rc)"
checked 5 --plain "$TMP/four.pdf" pdf-input
SOURCE_DATE_EPOCH=1700000000 "$VO" --from-raw ko-en-2col.raw.json -f pdf -o "$TMP/again.pdf" 2>/dev/null
cmp -s "$TMP/ko.pdf" "$TMP/again.pdf"
ok $? "pdfa 6.1: the same page gives the same file, its ID included (SOURCE_DATE_EPOCH)"
done_testing
