#!/bin/sh
# blank-quality.sh: a blank scan is written empty without the model (report
# source "blank"; --no-blank-skip sends it to the model); a page with text
# is never taken for blank. A text layer that is unreliable (U+FFFD,
# private-use, control characters) is recognised by the model instead in
# auto mode and kept with a warning in --text-layer only, the reason in the
# report; a right layer is used as it is. In --text-layer only mode a page
# without text is looked at too: blank, or empty with a warning.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
MODEL="$top_srcdir/tests/data/fixtures/tiny-varco"
QPDF="$top_srcdir/tests/data/source/text-quality.pdf"
rj() { "$PY" -c "import json,sys; r=json.load(open(sys.argv[1])); print($1)" "$TMP/r.json"; }

# an A4 scan at 200 dpi (a PNG that says so) of blank paper: noise, a
# black border on the left, two punch holes, dust
"$PY" - "$TMP/blank.png" <<'PY'
import random, struct, sys, zlib
w, h = 1654, 2339
random.seed(7)
px = bytearray(random.choice(range(222, 249)) for _ in range(w * h))
def rect(x0, y0, x1, y1, v):
    for y in range(y0, y1):
        px[y * w + x0:y * w + x1] = bytes([v]) * (x1 - x0)
rect(0, 0, 30, h, 15)
for cy in (850, 1490):
    for y in range(cy - 24, cy + 25):
        for x in range(94 - 24, 94 + 25):
            if (x - 94) ** 2 + (y - cy) ** 2 <= 24 * 24:
                px[y * w + x] = 30
for i in range(30):
    x, y = random.randrange(200, 1400), random.randrange(200, 2100)
    rect(x, y, x + 2, y + 2, 0)
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
rows = b"".join(b"\0" + bytes(px[y * w:(y + 1) * w]) for y in range(h))
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) +
       chunk(b"pHYs", struct.pack(">IIB", 7874, 7874, 1)) + chunk(b"IDAT", zlib.compress(rows, 6)) +
       chunk(b"IEND", b""))
open(sys.argv[1], "wb").write(png)
PY

run_vo -v -f txt -O "$TMP/b" --report "$TMP/r.json" "$TMP/blank.png"
[ $rc -eq 0 ] && [ -e "$TMP/b/blank.txt" ] && [ ! -s "$TMP/b/blank.txt" ] &&
    grep -q 'blank.png: page 1 is blank' "$TMP/err" &&
    [ "$(rj "r['files'][0]['pages'][0]['source']")" = blank ]
ok $? "blank 1: a blank scan is written empty without any model, reported as blank (rc=$rc)"

run_vo --no-blank-skip -f txt -O "$TMP/b2" "$TMP/blank.png"
[ $rc -eq 3 ] && grep -q 'needs OCR, but no model folder was found' "$TMP/err"
ok $? "blank 2: --no-blank-skip sends it to the model (none here: exit 3) (rc=$rc)"

run_vo -f txt -O "$TMP/b3" "$SAMPLES/hello.png"
[ $rc -eq 3 ] && grep -q 'hello.png: page 1 has no text layer and needs OCR' "$TMP/err"
ok $? "blank 3: a page with text is not blank: it needs the model (rc=$rc)"

# --text-layer only: no model, but a page without text is still looked at
run_vo --text-layer only -f txt -O "$TMP/b4" --report "$TMP/r.json" "$TMP/blank.png" "$SAMPLES/hello.png"
[ $rc -eq 0 ] && [ ! -s "$TMP/b4/blank.txt" ] && [ ! -s "$TMP/b4/hello.txt" ] &&
    [ "$(rj "[f['pages'][0]['source'] for f in r['files']]")" = "['blank', 'empty']" ] &&
    [ "$(rj "[len(f['pages'][0].get('warnings', [])) for f in r['files']]")" = "[0, 1]" ] &&
    [ "$(grep -c 'no text layer but is not blank' "$TMP/err")" = 1 ] &&
    grep -q 'hello.png: page 1 has no text layer but is not blank (.* marks: a scan or a drawing?): it is written without text (--text-layer only)' "$TMP/err"
ok $? "blank 4: --text-layer only: the blank scan is reported blank, the page with ink empty with a warning that its text is not there (rc=$rc)"

run_vo --text-layer only -f txt -O "$TMP/q" --report "$TMP/r.json" "$QPDF"
[ $rc -eq 0 ] && [ "$(grep -c 'its text layer is unreliable' "$TMP/err")" = 6 ] &&
    grep -q 'text-quality.pdf: page 2: its text layer is unreliable (characters whose font gives no Unicode (U+FFFD): 360 of 360 characters); kept as it is' "$TMP/err" &&
    [ "$(rj "[(p['source'], p.get('text_layer_problem', '')[:11]) for p in r['files'][0]['pages']]")" = \
      "[('text-layer', ''), ('text-layer', 'characters '), ('text-layer', 'private-use'), ('text-layer', 'control or '), ('text-layer', ''), ('text-layer', 'invisible t'), ('text-layer', 'text in a f'), ('text-layer', 'text outsid')]" ] &&
    grep -q 'text-quality.pdf: page 6: its text layer is unreliable (invisible text with nothing drawn under it (a layer that does not match the page): 360 of 360 characters); kept as it is' "$TMP/err"
ok $? "quality 1: --text-layer only keeps unreliable layers, warned, the reasons in the report (rc=$rc)"

run_vo -f txt -O "$TMP/q2" --report "$TMP/r.json" "$QPDF"
[ $rc -eq 11 ] && grep -q 'text-quality.pdf: page 3: its text layer is unreliable (private-use' "$TMP/err" &&
    grep -q 'page 3 has no text layer and needs OCR' "$TMP/err" &&
    [ "$(rj "[p['status'] for p in r['files'][0]['pages']]")" = "['done', 'failed', 'failed', 'failed', 'done', 'failed', 'failed', 'failed']" ]
ok $? "quality 2: in auto mode the unreliable pages go to the model (none here: they fail), page 1 is done (rc=$rc)"

if [ -f "$MODEL/config.json" ]; then
    run_vo --model "$MODEL" --max-tokens 8 -f txt -O "$TMP/q3" --report "$TMP/r.json" "$QPDF"
    [ $rc -eq 0 ] &&
        [ "$(rj "[p['source'] for p in r['files'][0]['pages']]")" = "['text-layer', 'ocr', 'ocr', 'ocr', 'text-layer', 'ocr', 'ocr', 'ocr']" ] &&
        [ "$(rj "r['files'][0]['pages'][1]['text_layer_problem']")" = "characters whose font gives no Unicode (U+FFFD)" ] &&
        ! grep -q "$(printf '\357\277\275')" "$TMP/q3/text-quality.txt"
    ok $? "quality 3: with a model, pages 2-4 and 6-8 are recognised by it; no U+FFFD in the text (rc=$rc)"
else
    ok 1 "quality 3.0: tests/data/fixtures/tiny-varco present"
fi
done_testing
