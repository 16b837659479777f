#!/bin/sh
# by-content.sh: inputs are read as what their content is; the suffix is a
# hint, and one that says otherwise is reported. A directory walk takes
# documents by content too (a PDF saved as "scan.dat"), not text files.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"

cp "$SAMPLES/hello.png" "$TMP/photo.pdf"
cp "$SAMPLES/four-pages.pdf" "$TMP/notes.txt"
run_vo --text-layer only "$SAMPLES/four-pages.pdf"
cp "$TMP/out" "$TMP/want.txt"

run_vo --text-layer only "$TMP/notes.txt"
[ $rc -eq 0 ] && cmp -s "$TMP/out" "$TMP/want.txt" &&
    grep -q 'notes.txt: the name ends in .txt but the content is a PDF: read as a PDF' "$TMP/err"
ok $? "content 1: a PDF named .txt is read as a PDF, the same text, and said (rc=$rc)"

run_vo --text-layer only -f hocr "$TMP/photo.pdf"
[ $rc -eq 0 ] && grep -q 'ocr_page' "$TMP/out" &&
    grep -q 'photo.pdf: the name says PDF but the content is a PNG image: read as a PNG image' "$TMP/err"
ok $? "content 2: a PNG named .pdf is read as a PNG, and said (rc=$rc)"

run_vo --text-layer only "$SAMPLES/four-pages.pdf"
[ $rc -eq 0 ] && ! grep -q 'content is' "$TMP/err"
ok $? "content 3: a PDF named .pdf: no warning (rc=$rc)"

mkdir -p "$TMP/tree/sub"
cp "$SAMPLES/four-pages.pdf" "$TMP/tree/sub/scan.dat"
cp "$SAMPLES/four-pages.pdf" "$TMP/tree/a.pdf"
cp "$SAMPLES/four-pages.pdf" "$TMP/tree/noext"
printf 'just some notes\n' >"$TMP/tree/readme.txt"
printf '<x/>\n' >"$TMP/tree/page.xml"
run_vo --text-layer only -f txt -O "$TMP/o" "$TMP/tree"
[ $rc -eq 0 ] && cmp -s "$TMP/o/sub/scan.txt" "$TMP/want.txt" && cmp -s "$TMP/o/a.txt" "$TMP/want.txt" &&
    cmp -s "$TMP/o/noext.txt" "$TMP/want.txt" && [ ! -e "$TMP/o/readme.txt" ] && [ ! -e "$TMP/o/page.txt" ]
ok $? "content 4: a directory walk takes sub/scan.dat and noext (PDFs) with a.pdf, not the text files (rc=$rc)"

run_vo --text-layer only -f txt -O "$TMP/o2" --include '*.pdf' "$TMP/tree"
[ $rc -eq 0 ] && [ -s "$TMP/o2/a.txt" ] && [ ! -e "$TMP/o2/sub/scan.txt" ]
ok $? "content 5: --include globs still decide alone (rc=$rc)"
done_testing
