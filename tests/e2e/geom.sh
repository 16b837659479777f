#!/bin/sh
# geom.sh: the real engine end to end with the real-geometry fixture
# (geom-varco: 384-px tiles, 36 pinpoints, tiny width): an A4 page at 150 dpi.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
SHARED=$(shared_dir) || skip_all "no shared folder (set VO_SHARED) for fixtures/geom-varco"
MODEL="$SHARED/fixtures/geom-varco"
[ -f "$MODEL/model.safetensors" ] || skip_all "$MODEL/model.safetensors absent"
SCHEMAS="$top_srcdir/tests/data/schemas"
SYNTH="$top_builddir/samples/vo-synth"

"$SYNTH" --page a4 --dpi 150 --chars 300 "$TMP/a4" "$SAMPLES/english.txt" >/dev/null 2>&1
ok $? "geom 1.1: vo-synth wrote an A4 page at 150 dpi"
t0=$(date +%s.%N)
run_vo --model "$MODEL" --max-tokens 16 --no-band -f txt,hocr,alto,page,json,pdf -O "$TMP/o" \
    --raw-out "$TMP/raw" "$TMP/a4.png"
t1=$(date +%s.%N)
ok $rc "geom 1.2: varco-ocr --model geom-varco on the A4 page exits 0 (rc=$rc)"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$TMP/err" | head -5
diag "A4 150 dpi page through geom-varco, --max-tokens 16: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
"$PY" -c "
import json, sys
r = json.load(open('$TMP/raw/a4.p0001.raw.json'))
j = json.load(open('$TMP/o/a4.json'))
p = j['pages'][0]
sys.exit(0 if (r['width'], r['height'], round(r['dpi'])) == (1240, 1754, 150)
         and (p['width'], p['height']) == (1240, 1754) and len(r.get('logprobs', [])) > 0 else 1)"
ok $? "geom 1.3: raw output and JSON of the 1240x1754 page at 150 dpi, with log-probs"
xmllint --nonet --noout --schema "$SCHEMAS/alto-4-4-offline.xsd" "$TMP/o/a4.p0001.alto.xml" 2>/dev/null
ok $? "geom 1.4: ALTO valid"
xmllint --nonet --noout --schema "$SCHEMAS/pagecontent-2019-07-15.xsd" "$TMP/o/a4.p0001.page.xml" 2>/dev/null
ok $? "geom 1.5: PAGE valid"
xmllint --nonet --noout "$TMP/o/a4.hocr" 2>/dev/null; ok $? "geom 1.6: hOCR well-formed"
if command -v qpdf >/dev/null; then
    qpdf --check "$TMP/o/a4.pdf" >/dev/null 2>&1; ok $? "geom 1.7: searchable PDF passes qpdf --check"
fi
[ -e "$TMP/o/a4.txt" ]; ok $? "geom 1.8: txt written"
done_testing
