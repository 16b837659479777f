#!/bin/sh
# png-pass.sh: a PNG page goes into the searchable PDF as its own IDAT
# bytes (FlateDecode with PNG predictors), decoding to the same pixels
# (poppler's pdfimages against an independent decode of the PNG, here in
# Python); a black-and-white page as a 1-bit image instead, an opaque RGBA
# one as RGB pixels; one whose alpha shows as before (MuPDF's soft mask). Sizes against the old way
# (MuPDF decoding and deflating again) on the corpus scan that showed it.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
for t in qpdf pdfimages; do
    command -v "$t" >/dev/null || skip_all "$t not installed (Debian: qpdf, poppler-utils)"
done
TOOL="$top_srcdir/tests/pdf/png_tool.py"

# image_dict PDF: the dictionary of the PDF's one image, as JSON
image_dict() {
    qpdf --json "$1" | "$PY" -c "
import json, sys
objs = json.load(sys.stdin)['qpdf'][1]
ims = [(k, v['stream']['dict']) for k, v in objs.items()
       if isinstance(v, dict) and v.get('stream', {}).get('dict', {}).get('/Subtype') == '/Image']
print(json.dumps(ims[0][1]) if len(ims) == 1 else '')
print(ims[0][0].split(':')[1].split(' ')[0] if len(ims) == 1 else '')"
}

n=0
for kind in gray8 rgb8 pal4; do
    n=$((n + 1))
    "$PY" "$TOOL" make $kind "$TMP/$kind.png"
    run_vo -vv --text-layer only -f pdf -o "$TMP/$kind.pdf" "$TMP/$kind.png"
    [ $rc -eq 0 ] && grep -q "image kept as the PNG's IDAT bytes" "$TMP/err"
    ok $? "png $n.1: $kind: the page is written, its image kept as the PNG's IDAT bytes (rc=$rc)"
    image_dict "$TMP/$kind.pdf" >"$TMP/dict"
    num=$(sed -n 2p "$TMP/dict")
    qpdf --show-object="$num" --raw-stream-data "$TMP/$kind.pdf" >"$TMP/raw" 2>/dev/null
    "$PY" -c "
import sys
want = bytes.fromhex(sys.argv[1]); got = open(sys.argv[2], 'rb').read()
sys.exit(0 if got == want else 1)" "$("$PY" "$TOOL" idat "$TMP/$kind.png")" "$TMP/raw"
    ok $? "png $n.2: $kind: the image stream is the IDAT bytes, byte for byte"
    grep -q '"/Predictor": 15' "$TMP/dict" && grep -q '"/Filter": "/FlateDecode"' "$TMP/dict"
    ok $? "png $n.3: $kind: under FlateDecode with /Predictor 15: $(head -1 "$TMP/dict" | cut -c1-160)"
    rm -f "$TMP"/ex-*
    pdfimages -png "$TMP/$kind.pdf" "$TMP/ex"
    [ "$("$PY" "$TOOL" pixels "$TMP/$kind.png")" = "$("$PY" "$TOOL" pixels "$TMP/ex-000.png")" ]
    ok $? "png $n.4: $kind: poppler decodes it to the PNG's pixels"
done
grep -q '"/ColorSpace": \["/Indexed", "/DeviceRGB", 15' "$TMP/dict"
ok $? "png 3.5: the palette page is an Indexed image"

"$PY" "$TOOL" make bilevel8 "$TMP/bw.png"
run_vo -vv --text-layer only -f pdf -o "$TMP/bw.pdf" "$TMP/bw.png"
image_dict "$TMP/bw.pdf" >"$TMP/dict"
[ $rc -eq 0 ] && grep -q "image kept as its lossless pixels" "$TMP/err" && grep -q '"/BitsPerComponent": 1' "$TMP/dict"
ok $? "png 4.1: a black-and-white 8-bit PNG goes as a 1-bit image (rc=$rc)"
rm -f "$TMP"/ex-*
pdfimages -png "$TMP/bw.pdf" "$TMP/ex"
[ "$("$PY" "$TOOL" pixels "$TMP/bw.png")" = "$("$PY" "$TOOL" pixels "$TMP/ex-000.png")" ]
ok $? "png 4.2: ... with the PNG's pixels"

"$PY" "$TOOL" make rgba8 "$TMP/rgba.png"
run_vo -vv --text-layer only -f pdf -o "$TMP/rgba.pdf" "$TMP/rgba.png"
[ $rc -eq 0 ] && ! grep -q "image kept as" "$TMP/err" && [ -s "$TMP/rgba.pdf" ]
ok $? "png 5.1: a PNG whose alpha shows is left to MuPDF (its soft mask), and written (rc=$rc)"
"$PY" "$TOOL" make rgba8opaque "$TMP/opaque.png"
run_vo -vv --text-layer only -f pdf -o "$TMP/opaque.pdf" "$TMP/opaque.png"
image_dict "$TMP/opaque.pdf" >"$TMP/dict"
[ $rc -eq 0 ] && grep -q "image kept as its lossless pixels" "$TMP/err" &&
    grep -q '"/ColorSpace": "/DeviceRGB"' "$TMP/dict" && ! grep -q SMask "$TMP/dict"
ok $? "png 5.2: an alpha of 255 everywhere goes: RGB pixels, no soft mask (rc=$rc)"
rm -f "$TMP"/ex-*
pdfimages -png "$TMP/opaque.pdf" "$TMP/ex"
[ "$("$PY" "$TOOL" pixels "$TMP/opaque.png")" = "$("$PY" "$TOOL" pixels "$TMP/ex-000.png")" ] &&
    [ "$(wc -c <"$TMP/opaque.pdf")" -lt "$(wc -c <"$TMP/rgba.pdf")" ]
ok $? "png 5.3: ... with the PNG's pixels, in $(wc -c <"$TMP/opaque.pdf") bytes ($(wc -c <"$TMP/rgba.pdf") with the mask)"

if SH=$(shared_dir) && [ -f "$SH/corpus/images-gt/ocrmypdf/ocrmypdf__linn.png" ]; then
    f="$SH/corpus/images-gt/ocrmypdf/ocrmypdf__linn.png"
    run_vo --text-layer only -f pdf -o "$TMP/linn.pdf" "$f"
    in=$(wc -c <"$f"); out=$(wc -c <"$TMP/linn.pdf")
    # before: 307,951 bytes (MuPDF decoded the 1-bit palette PNG and deflated it again)
    [ $rc -eq 0 ] && [ "$out" -lt "$in" ]
    ok $? "png 6.1: the corpus scan ocrmypdf__linn.png ($in bytes) makes a PDF of $out bytes (it was 307,951)"
else
    skip "png 6.1: the corpus scan" "the shared corpus is not beside the clone (set VO_SHARED)"
fi
done_testing
