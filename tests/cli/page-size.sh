#!/bin/sh
# page-size.sh: page sizes and counts. /UserUnit is honoured, and a page
# too large for a raster at its resolution (/UserUnit 75000: 208,333 inches
# wide) is taken at the resolution that fits, said, with all of its text,
# never clamped silently; a TIFF of 65,535 pages opens in linear time and
# a TIFF whose chain of pages loops, or a PDF whose page tree does, is
# said to be damaged and its pages read (not 50,000 failed pages).
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
D="$top_srcdir/tests/data/source"
# the page's bbox and the largest x1 of any box in an hOCR file
bbox() { sed -n 's/.*class="ocr_page".*bbox 0 0 \([0-9]*\) \([0-9]*\);.*/\1 \2/p' "$1" | head -1; }
max_x() { grep -o 'bbox [0-9]* [0-9]* [0-9]*' "$1" | awk '{ if ($4 > m) m = $4 } END { print m }'; }

run_vo --text-layer only "$SAMPLES/korean-interview.pdf"
cp "$TMP/out" "$TMP/want.txt"
run_vo --text-layer only -f hocr -o "$TMP/plain.hocr" "$SAMPLES/korean-interview.pdf"
run_vo --text-layer only -f hocr -o "$TMP/u2.hocr" "$D/userunit2.pdf"
set -- $(bbox "$TMP/plain.hocr")
w=$1 h=$2
set -- $(bbox "$TMP/u2.hocr")
[ $rc -eq 0 ] && [ -n "$w" ] && [ "$1" -ge $((2 * w - 1)) ] && [ "$1" -le $((2 * w + 1)) ] &&
    [ "$2" -ge $((2 * h - 1)) ] && [ "$2" -le $((2 * h + 1)) ] && ! grep -q warning "$TMP/err"
ok $? "size 1.1: /UserUnit 2 doubles the page ($w x $h to $1 x $2 pixels at 300 dpi), nothing said (rc=$rc)"

run_vo --text-layer only "$D/userunit.pdf"
[ $rc -eq 0 ] && cmp -s "$TMP/out" "$TMP/want.txt" &&
    grep -q 'userunit.pdf: page 1 is 208333 x 52083 inches (a huge /UserUnit?): taken at 5.033 dpi instead of 300' "$TMP/err"
ok $? "size 2.1: /UserUnit 75000: all of the text, the page taken at 5.033 dpi and said so (rc=$rc)"

run_vo --text-layer only -f hocr -o "$TMP/u.hocr" "$D/userunit.pdf"
set -- $(bbox "$TMP/u.hocr")
m=$(max_x "$TMP/u.hocr")
[ $rc -eq 0 ] && [ "$1" -le 1048576 ] && [ "$1" -gt 1000000 ] && [ "$m" -le "$1" ] && [ "$m" -lt 16777216 ]
ok $? "size 2.2: its hOCR page is $1 pixels wide, within 2^20, and no box reaches past it (largest x1 $m) (rc=$rc)"
"$PY" "$D/make-many-pages-tiff.py" 65535 "$TMP/many.tif"
t0=$(date +%s%N)
run_vo --text-layer only -f txt -o "$TMP/many.txt" "$TMP/many.tif"
ms=$((($(date +%s%N) - t0) / 1000000))
# a text file of 65,535 empty pages: a form feed between pages
[ $rc -eq 0 ] && [ "$(tr -cd '\f' <"$TMP/many.txt" | wc -c)" = 65534 ] && [ $ms -lt 10000 ]
ok $? "size 3.1: a TIFF of 65,535 pages is read to the end in $ms ms (page after page, not from the start each time) (rc=$rc)"

"$PY" "$D/make-many-pages-tiff.py" 3 "$TMP/loop.tif" --loop
run_vo --text-layer only -f txt -o "$TMP/loop.txt" "$TMP/loop.tif"
[ $rc -eq 0 ] && [ "$(tr -cd '\f' <"$TMP/loop.txt" | wc -c)" = 2 ] &&
    grep -q "loop.tif: the TIFF file's chain of pages goes on after page 3 where it cannot" "$TMP/err"
ok $? "size 3.2: a chain of pages that loops back: its 3 pages are read and the damage said (rc=$rc)"
"$PY" -c "
import pikepdf, sys
p = pikepdf.open(sys.argv[1])
p.Root.Pages.Kids.append(p.Root.Pages)   # the page tree points back at its root
p.Root.Pages.Count = 50000
p.save(sys.argv[2])" "$SAMPLES/four-pages.pdf" "$TMP/looptree.pdf"
run_vo --text-layer only -f txt -o "$TMP/plain.txt" "$SAMPLES/four-pages.pdf"
run_vo --text-layer only -f txt -o "$TMP/lt.txt" "$TMP/looptree.pdf"
[ $rc -eq 0 ] && cmp -s "$TMP/lt.txt" "$TMP/plain.txt" && [ "$(wc -l <"$TMP/err")" -eq 1 ] &&
    grep -q 'looptree.pdf: the document says it has 50000 pages but its page tree breaks after page 4' "$TMP/err"
ok $? "size 3.3: a PDF page tree that loops (Count 50000): its 4 pages read, one warning, not 49,996 errors (rc=$rc)"
done_testing
