#!/bin/sh
# image-dpi.sh: --image-dpi N declares the resolution of image inputs: the
# page size follows, no pixel is resampled, PDF inputs are untouched.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
size() { pdfinfo "$1" | sed -n 's/^Page size: *\([0-9.]* x [0-9.]*\) pts.*/\1/p'; }
# pdfimages -list of the first image: width height colour encoding; its ppi
img() { pdfimages -list "$1" | awk 'NR == 3 {print $4, $5, $6, $9}'; }
ppi() { pdfimages -list "$1" | awk 'NR == 3 {print $13, $14}'; }

run_vo --text-layer only -f pdf -o "$TMP/h150.pdf" "$SAMPLES/hello.png"
run_vo --text-layer only -f pdf -o "$TMP/h300.pdf" --image-dpi 300 "$SAMPLES/hello.png"
[ $rc -eq 0 ] && [ "$(size "$TMP/h150.pdf")" = "200.16 x 50.4" ] && [ "$(size "$TMP/h300.pdf")" = "100.08 x 25.2" ] &&
    [ "$(img "$TMP/h300.pdf")" = "$(img "$TMP/h150.pdf")" ] && [ "$(img "$TMP/h300.pdf")" = "417 105 rgb image" ] &&
    [ "$(ppi "$TMP/h300.pdf")" = "300 300" ]
ok $? "image-dpi 1.1: a 150 dpi PNG taken as 300 dpi: half the page size, the same 417x105 pixels (rc=$rc)"

run_vo --text-layer only -f hocr --image-dpi 300 "$SAMPLES/hello.png"
[ $rc -eq 0 ] && grep -q 'scan_res 300 300' "$TMP/out" && grep -q 'bbox 0 0 417 105' "$TMP/out"
ok $? "image-dpi 1.2: hOCR says scan_res 300 and keeps the boxes in the image's pixels (rc=$rc)"

G4="$top_srcdir/tests/data/source/pillow__g4_orientation_1.tif"
if [ -f "$G4" ]; then
    run_vo --text-layer only -f pdf -o "$TMP/g4.pdf" --image-dpi 100 "$G4"
    w=$(tiffinfo "$G4" 2>/dev/null | sed -n 's/.*Image Width: \([0-9]*\).*/\1/p' | head -1)
    [ $rc -eq 0 ] && [ -n "$w" ] && [ "$(img "$TMP/g4.pdf" | cut -d' ' -f1,4)" = "$w ccitt" ] &&
        [ "$(ppi "$TMP/g4.pdf")" = "100 100" ]
    ok $? "image-dpi 2.1: a G4 TIFF taken as 100 dpi keeps its CCITT bytes and its $w pixels a row (rc=$rc)"
else
    diag "tests/data/source/pillow__g4_orientation_1.tif missing"
    ok 1 "image-dpi 2.0: a G4 TIFF sample is there"
fi

run_vo --text-layer only -f pdf -o "$TMP/p1.pdf" "$SAMPLES/four-pages.pdf"
run_vo --text-layer only -f pdf -o "$TMP/p2.pdf" --image-dpi 72 "$SAMPLES/four-pages.pdf"
[ $rc -eq 0 ] && [ "$(size "$TMP/p1.pdf")" = "$(size "$TMP/p2.pdf")" ]
ok $? "image-dpi 3.1: a PDF input is not an image: its page size stays (rc=$rc)"

run_vo --image-dpi 5 "$SAMPLES/hello.png"
[ $rc -eq 1 ] && grep -q "image-dpi takes a number from 10 to 10000, not '5'" "$TMP/err"
ok $? "image-dpi 4.1: --image-dpi 5 is a usage error (rc=$rc)"
done_testing
