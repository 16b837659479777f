#!/bin/sh
# straighten.sh: --deskew. Synthesized Korean, mixed two-column and English
# pages skewed from -10 to 10 degrees at 150 and 300 dpi: the skew found
# (Leptonica) is the page's within 0.3 degrees, Korean and English apart,
# also on pages lying on their side; a photograph is not deskewed.
# The orientation (--rotate-pages) is right on the English pages turned by
# 0/90/180/270 degrees (Leptonica's test) and on the Korean ones (the
# strokes of Hangul lines: src/source/orient_lines.c), among them pages set
# in Nanum Myeongjo and Nanum Gothic and a page of 30 lines of Tesseract's
# Korean test data (tesseract-ocr/test, kor.Arial_Unicode_MS.exp0.lstmf
# entries 0-29, Apache-2.0; tests/data/source/tesseract__kor-lines.png), and
# on two English scans of Tesseract's test data (phototest.tif and
# eurotext.tif, Apache-2.0, in tests/data/source; their skew is not known,
# so only their orientation is checked). The
# command turns a page on its side or upside down upright. Boxes of a turned
# raster come back onto the page as it is: the model output of the straight
# page, replayed (--from-raw) with "skew" or "rotation" onto the skewed or
# turned page, lands on that page's ground-truth glyphs (IoU >= 0.8).
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
SYNTH="$top_builddir/samples/vo-synth"
PROBE="$top_builddir/tests/source/straighten-probe"
CHECK="$top_srcdir/tests/source/straighten_check.py"

# 1. pages: LANG_SKEW_N.png (SKEW with m for minus)
i=0
for dpi in 150 300; do
    for s in -10 -6 -3 0 3 6 10; do
        [ $dpi = 300 ] && [ $s != -6 ] && [ $s != 3 ] && continue
        sn=$(echo $s | tr - m)
        i=$((i + 1))
        "$SYNTH" --dpi $dpi --skew $s --seed $i "$TMP/en_${sn}_$dpi" "$SAMPLES/english.txt" &&
            "$SYNTH" --dpi $dpi --skew $s --seed $i "$TMP/ko_${sn}_$dpi" \
                "$SAMPLES/ko-poem-skew.txt" &&
            "$SYNTH" --dpi $dpi --mixed --columns 2 --skew $s --seed $i "$TMP/ko_${sn}_m$dpi" \
                "$SAMPLES/ko-en-2col.txt" || break
    done >/dev/null 2>&1
done
# two more fonts (fonts-nanum: tests/deps.sh), and Tesseract's Korean lines
for f in NanumMyeongjo:nm NanumGothic:ng; do
    "$SYNTH" --dpi 150 --font "/usr/share/fonts/truetype/nanum/${f%:*}.ttf" --seed 7 \
        "$TMP/ko_0_${f#*:}150" "$SAMPLES/ko-poem-skew.txt" >/dev/null 2>&1
done
"$SYNTH" --dpi 150 --mixed --columns 2 --font /usr/share/fonts/truetype/nanum/NanumGothic.ttf \
    --seed 8 "$TMP/ko_0_ngm150" "$SAMPLES/ko-en-2col.txt" >/dev/null 2>&1
cp "$top_srcdir/tests/data/source/tesseract__kor-lines.png" "$TMP/ko_0_tess.png"
for f in phototest eurotext; do
    cp "$top_srcdir/tests/data/source/tess__$f.tif" "$TMP/scan_0_$f.tif"
done
[ "$(ls "$TMP"/*.png | wc -l)" -eq 31 ]
ok $? "straighten 1.1: vo-synth made 30 pages (9 English, 21 Korean; 27 skewed), with the Korean lines of Tesseract's test data 31"
"$PROBE" detect "$TMP"/*.png "$TMP"/*.tif >"$TMP/probe.txt"
ok $? "straighten 1.2: the probe ran on each page turned 4 ways"
"$PY" "$CHECK" detect "$TMP/probe.txt" >"$TMP/checks"
while read -r verdict rest; do
    case $verdict in
    ok) ok 0 "straighten 1.3: $rest" ;;
    "not") ok 1 "straighten 1.3: ${rest#ok }" ;;
    *) diag "$verdict $rest" ;;
    esac
done <"$TMP/checks"
[ "$(grep -c '^ok\|^not ok' "$TMP/checks")" -eq 5 ]
ok $? "straighten 1.4: five checks came out (skew and orientation, en and ko; orientation of the scans)"

# 2. a photograph is not deskewed, nor turned
# (corpus pillow__hopper_jpg.tif, Pillow's test image, MIT-CMU licence)
"$PROBE" detect "$top_srcdir/tests/data/source/pillow__hopper_jpg.tif" >"$TMP/photo.txt" 2>&1
awk '$3 != 0 || $5 != 0 { bad = 1 } END { exit bad || NR != 4 }' "$TMP/photo.txt"
ok $? "straighten 2.1: a photograph (Grace Hopper) is left as it is: $(head -1 "$TMP/photo.txt")"

# 3. boxes mapped back: the straight page's model output onto the skewed page
sk=$(awk '$1 ~ /ko_m6_m150.png$/ && $2 == 0 { print $5 }' "$TMP/probe.txt")
"$PY" "$CHECK" raw "$TMP/ko_0_m150.raw.json" "$TMP/ko_m6_m150.png" "$sk" 0 "$TMP/sk.p0001.raw.json"
run_vo --from-raw "$TMP/sk.p0001.raw.json" -f json -o "$TMP/sk.json"
set -- $("$PY" "$CHECK" iou "$TMP/sk.json" "$TMP/ko_m6_m150.gt.json" 0 0 0)
[ $rc -eq 0 ] && "$PY" -c "import sys; sys.exit(not (float('$1') >= 0.98 and float('$2') >= 0.5))"
ok $? "straighten 3.1: replayed with skew $sk, $3 glyphs land on the skewed page's: $1 with IoU >= 0.8, the least $2"
# the same glyphs mapped with no skew are off: the check can fail
"$PY" "$CHECK" raw "$TMP/ko_0_m150.raw.json" "$TMP/ko_m6_m150.png" 0 0 "$TMP/flat.p0001.raw.json"
run_vo --from-raw "$TMP/flat.p0001.raw.json" -f json -o "$TMP/flat.json"
set -- $("$PY" "$CHECK" iou "$TMP/flat.json" "$TMP/ko_m6_m150.gt.json" 0 0 0)
"$PY" -c "import sys; sys.exit(not float('$1') < 0.5)"
ok $? "straighten 3.2: without the skew only $1 of them would (the check tells)"

# 4. a page lying on its side (turned 90 degrees clockwise): "rotation": 270
"$PROBE" turn 1 "$TMP/ko_0_m150.png" "$TMP/side.ppm"
ok $? "straighten 4.1: the straight page turned 90 degrees clockwise"
"$PY" "$CHECK" raw "$TMP/ko_0_m150.raw.json" "$TMP/side.ppm" 0 270 "$TMP/side.p0001.raw.json"
run_vo --from-raw "$TMP/side.p0001.raw.json" -f json -o "$TMP/side.json"
wh=$("$PY" -c "import json; g = json.load(open('$TMP/ko_0_m150.gt.json')); print(g['width'], g['height'])")
set -- $("$PY" "$CHECK" iou "$TMP/side.json" "$TMP/ko_0_m150.gt.json" 1 $wh)
[ $rc -eq 0 ] && "$PY" -c "import sys; sys.exit(not (float('$1') >= 0.99))"
ok $? "straighten 4.2: $3 glyphs land on the turned page's: $1 with IoU >= 0.8, the least $2 (rc=$rc)"
"$PY" -c "
import json, sys
p = json.load(open('$TMP/side.json'))['pages'][0]
w, h = $(echo $wh | tr ' ' ,)
sys.exit(not (p['width'] == h and p['height'] == w))"
ok $? "straighten 4.3: the page is the turned raster's size (its width and height swapped)"
grep -q '"version": 2' "$TMP/side.p0001.raw.json" || grep -q '"version":2' "$TMP/side.p0001.raw.json"
ok $? "straighten 4.4: a turned raw page is version 2"

# 5. the command: --deskew straightens the page the model sees (the tiny
# fixture model, a few tokens), records the skew in the raw page, and the
# replay of that raw page gives the run's own outputs
MODEL="$top_srcdir/tests/data/fixtures/tiny-varco"
pg="$TMP/ko_m6_m150.png"
want=$(awk -v p="$pg" '$1 == p && $2 == 0 { print $5 }' "$TMP/probe.txt")
run_vo --deskew -v --model "$MODEL" --max-tokens 24 --no-band --raw-out "$TMP/raw" -f json,hocr \
    -O "$TMP/live" "$pg"
got=$(sed -n 's/.*page 1: deskewed by \([-0-9.]*\) degrees.*/\1/p' "$TMP/err")
[ $rc -eq 0 ] && [ -n "$got" ] && "$PY" -c "import sys; sys.exit(not abs($got - 6.0) <= 0.3)"
ok $? "straighten 5.1: --deskew -v says the page was deskewed by $got degrees (made -6; rc=$rc)"
set -- "$TMP"/raw/*.raw.json
[ $# -eq 1 ] && "$PY" -c "
import json, sys
r = json.load(open('$1'))
sys.exit(not (r['version'] == 2 and abs(r['skew'] - $want) < 0.001))"
ok $? "straighten 5.2: the raw page records the skew the probe found ($want)"
run_vo --from-raw "$TMP/raw" -f json,hocr -O "$TMP/replay"
[ $rc -eq 0 ] && cmp -s "$TMP/live/ko_m6_m150.json" "$TMP/replay/ko_m6_m150.json" &&
    cmp -s "$TMP/live/ko_m6_m150.hocr" "$TMP/replay/ko_m6_m150.hocr"
ok $? "straighten 5.3: its replay gives the run's JSON and hOCR byte for byte (rc=$rc)"
run_vo --model "$MODEL" --max-tokens 24 --no-band -v -f json -o "$TMP/plain.json" "$pg"
[ $rc -eq 0 ] && ! grep -q deskewed "$TMP/err"
ok $? "straighten 5.4: without --deskew nothing is straightened (rc=$rc)"

# 6. the command: --rotate-pages turns a Korean page lying on its side and
# an English page upside down upright for the model, records the turn in
# the raw page, gives the boxes on the page as it is; a photograph is left
"$PROBE" turn 2 "$TMP/en_0_150.png" "$TMP/en_down.ppm"
for pg in side en_down; do
    run_vo --rotate-pages -v --model "$MODEL" --max-tokens 24 --no-band --raw-out "$TMP/raw6" \
        -f json -O "$TMP/rot" "$TMP/$pg.ppm"
    cp "$TMP/err" "$TMP/$pg.err"
    eval "rc_$pg=$rc"
done
grep -q 'side.ppm: page 1: turned 270 degrees clockwise to stand upright (the strokes of Hangul lines)' \
    "$TMP/side.err" && [ "$rc_side" -eq 0 ]
ok $? "straighten 6.1: the Korean page on its side is turned 270 degrees (rc=$rc_side): $(grep 'page 1: turned\|orientation' "$TMP/side.err" | head -1)"
grep -q 'en_down.ppm: page 1: turned 180 degrees clockwise to stand upright (Leptonica, Latin lines)' \
    "$TMP/en_down.err" && [ "$rc_en_down" -eq 0 ]
ok $? "straighten 6.2: the English page upside down is turned 180 degrees (rc=$rc_en_down): $(grep 'page 1: turned\|orientation' "$TMP/en_down.err" | head -1)"
"$PY" -c "
import json, sys
for name, rot, src in (('side', 270, '$TMP/side.ppm'), ('en_down', 180, '$TMP/en_down.ppm')):
    r = json.load(open('$TMP/raw6/%s.p0001.raw.json' % name))
    p = json.load(open('$TMP/rot/%s.json' % name))['pages'][0]
    w, h = (int(x) for x in open(src, 'rb').read(64).split()[1:3])
    if r.get('rotation') != rot or r['version'] != 2 or (p['width'], p['height']) != (w, h):
        sys.exit('%s: rotation %s, page %sx%s, file %dx%d' % (name, r.get('rotation'), p['width'], p['height'], w, h))"
ok $? "straighten 6.3: the raw pages record rotation 270 and 180; the outputs' pages are the files' own size"
run_vo --rotate-pages -v --model "$MODEL" --max-tokens 24 --no-band -f json -O "$TMP/photo" \
    "$top_srcdir/tests/data/source/pillow__hopper_jpg.tif"
[ $rc -eq 0 ] && grep -q 'page 1: orientation not decided (.*): left as it is' "$TMP/err"
ok $? "straighten 6.4: a photograph is left as it is (rc=$rc): $(grep 'orientation' "$TMP/err" | head -1)"
done_testing
