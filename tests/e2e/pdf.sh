#!/bin/sh
# pdf.sh: issue 7 through the command line: synthesized Korean+English pages
# (one and two columns) with their ground truth as model output, -f pdf,
# checked with poppler and qpdf; a PDF input keeps its pages untouched.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
for t in pdftotext pdffonts pdfinfo pdfimages qpdf mutool; do
    command -v "$t" >/dev/null || skip_all "$t not installed (Debian: poppler-utils, qpdf, mupdf-tools)"
done
SYNTH="$top_builddir/samples/vo-synth"
WORDS="$top_srcdir/tests/e2e/pdfwords.py"
KO1="$top_srcdir/tests/data/pdf/synth-1col.txt"
KO2="$top_srcdir/tests/data/pdf/synth-2col.txt"
EN="$SAMPLES/english.txt"

# small pages written at test time; sources are relative: run inside $TMP
mkdir -p "$TMP/s" && cd "$TMP/s" || exit 1
"$SYNTH" --page a6 --dpi 150 --chars 250 one "$KO1" "$EN" >/dev/null 2>&1 &&
    "$SYNTH" --page a5 --dpi 150 --columns 2 --mixed --chars 300 two "$KO2" "$EN" >/dev/null 2>&1
ok $? "pdf 1.1: vo-synth wrote a one-column A6 and a two-column A5 page"
run_vo --from-raw one.raw.json --from-raw two.raw.json -f pdf -O "$TMP/o"
ok $rc "pdf 1.2: --from-raw of both pages with -f pdf exits 0 (rc=$rc)"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$TMP/err" | head -5
for n in one two; do
    pdf="$TMP/o/$n.pdf"
    pdftotext -enc UTF-8 "$pdf" "$TMP/$n.ptxt" 2>/dev/null
    sim=$("$PY" "$TEXTCMP" sim "$n.txt" "$TMP/$n.ptxt")
    diag "$n: pdftotext character similarity to the ground truth $sim"
    awk -v s="${sim:-0}" 'BEGIN { exit !(s >= 0.995) }'
    ok $? "pdf 2.1: $n: pdftotext gives the ground-truth text, similarity >= 99.5% ($sim)"
    # MuPDF (PyMuPDF, SumatraPDF, zathura) takes the embedded font's own
    # advances and culls glyphs with empty bounds: it must read the same
    mutool draw -q -F txt -o "$TMP/$n.mtxt" "$pdf" 2>/dev/null
    sim=$("$PY" "$TEXTCMP" sim "$n.txt" "$TMP/$n.mtxt")
    awk -v s="${sim:-0}" 'BEGIN { exit !(s >= 0.995) }'
    ok $? "pdf 2.1m: $n: mutool draw -F txt gives the ground-truth text, similarity >= 99.5% ($sim)"
    # and our own reader (MuPDF's structured text) takes it back word for word
    run_vo --text-layer only -f txt -o "$TMP/$n.back.txt" "$pdf"
    sim=$("$PY" "$TEXTCMP" sim "$n.txt" "$TMP/$n.back.txt")
    awk -v s="${sim:-0}" 'BEGIN { exit !(s >= 0.995) }'
    ok $? "pdf 2.1r: $n: varco-ocr --text-layer only reads the PDF back as the ground truth ($sim)"
    mutool trace "$pdf" 2>/dev/null | "$PY" -c "
import re, sys
# every glyph of the text layer: the font's advance (adv, in em) times the
# size (trm) must be the pen's step to the next glyph of its span
bad = n = 0
for span in re.findall(r'<span [^>]*trm=\"([-.0-9]+) [^>]*>(.*?)</span>', sys.stdin.read(), re.S):
    a = float(span[0])
    g = re.findall(r'x=\"([-.0-9]+)\" y=\"[-.0-9]+\" adv=\"([-.0-9]+)\"', span[1])
    for (x0, adv), (x1, _) in zip(g, g[1:]):
        n += 1
        bad += abs(float(x1) - float(x0) - float(adv) * a) > 0.01 * abs(a) + 0.01
print(bad, n)" >"$TMP/adv"
    set -- $(cat "$TMP/adv")
    [ "${2:-0}" -gt 50 ] && [ "${1:-1}" -eq 0 ]
    ok $? "pdf 2.1a: $n: mutool trace: every glyph's own advance is its step (${1:-?} of ${2:-?} differ)"
    pdftotext -bbox "$pdf" "$TMP/$n.html" 2>/dev/null
    set -- $("$PY" "$WORDS" "$n.gt.json" "$TMP/$n.html" | head -1)
    diag "$n: $2 words, $4 matched by text, IoU >= 0.8 on $6"
    awk -v w="${2:-0}" -v g="${6:-0}" 'BEGIN { exit !(w > 50 && g >= 0.95 * w) }'
    ok $? "pdf 2.2: $n: pdftotext -bbox word boxes IoU >= 0.8 on >= 95% of words (${6:-?}/${2:-?})"
    qpdf --check "$pdf" >"$TMP/qpdf" 2>&1 && ! grep -qi 'warning\|error:' "$TMP/qpdf"
    ok $? "pdf 2.3: $n: qpdf --check clean"
    [ "$(pdfimages -list "$pdf" 2>/dev/null | tail -n +3 | wc -l)" -eq 1 ]
    ok $? "pdf 2.4: $n: the page image is in the PDF"
done

# a PDF input keeps its pages: same count, MediaBoxes and rendering, text layer added
IN="$SAMPLES/four-pages.pdf"
run_vo --text-layer only -f pdf -O "$TMP/p" "$IN"
ok $rc "pdf 3.1: four-pages.pdf with --text-layer only -f pdf exits 0 (rc=$rc)"
OUT="$TMP/p/four-pages.pdf"
pdfinfo -box -f 1 -l 99 "$IN" 2>/dev/null | grep -E '^Pages|MediaBox' >"$TMP/in.box"
pdfinfo -box -f 1 -l 99 "$OUT" 2>/dev/null | grep -E '^Pages|MediaBox' >"$TMP/out.box"
[ "$(grep -c MediaBox "$TMP/in.box")" -eq 4 ] && cmp -s "$TMP/in.box" "$TMP/out.box"
ok $? "pdf 3.2: same page count (4) and MediaBox of every page"
same=0
for i in 1 2 3 4; do
    mutool draw -q -r 72 -F pnm -o "$TMP/in$i.pnm" "$IN" "$i" 2>/dev/null
    mutool draw -q -r 72 -F pnm -o "$TMP/out$i.pnm" "$OUT" "$i" 2>/dev/null
    [ -s "$TMP/in$i.pnm" ] && cmp -s "$TMP/in$i.pnm" "$TMP/out$i.pnm" || same=1
done
ok $same "pdf 3.3: mutool renders every page at 72 dpi identical to the input"
# its own text is kept, and not doubled by an invisible copy of itself
pdftotext "$IN" "$TMP/in.txt" 2>/dev/null
pdftotext "$OUT" "$TMP/out.txt" 2>/dev/null
[ -s "$TMP/in.txt" ] && cmp -s "$TMP/in.txt" "$TMP/out.txt"
ok $? "pdf 3.4: a born-digital PDF's text comes out once, as in the input"
qpdf --check "$OUT" >/dev/null 2>&1; ok $? "pdf 3.5: qpdf --check clean"

# a scanned PDF input (an image-only page) keeps its page, with the
# recognised text added as an invisible layer
run_vo --text-layer only -f pdf -o "$TMP/scan.pdf" "$SAMPLES/hello.png"
ok $rc "pdf 4.1: an image-only PDF made from hello.png (rc=$rc)"
run_vo --text-layer only -f json -o "$TMP/scan.json" "$TMP/scan.pdf"
set -- $("$PY" -c "
import json,sys; p=json.load(open(sys.argv[1]))['pages'][0]; print(p['width'], p['height'], p['dpi'][0])" "$TMP/scan.json")
mkdir -p "$TMP/sraw"
"$PY" -c "
import json,sys
json.dump({'format': 'varco-ocr-raw', 'version': 1, 'source': sys.argv[1], 'page': 1,
           'width': int(sys.argv[2]), 'height': int(sys.argv[3]), 'dpi': float(sys.argv[4]),
           'text': '<char>인터뷰</char><bbox>0.05, 0.28, 0.22, 0.67</bbox><char>홍인혜</char><bbox>0.30, 0.28, 0.47, 0.67</bbox>'},
          open(sys.argv[5], 'w'), ensure_ascii=False)" "$TMP/scan.pdf" "$1" "$2" "$3" "$TMP/sraw/scan.p0001.raw.json"
run_vo --from-raw "$TMP/sraw" -f pdf -O "$TMP/sout"
ok $rc "pdf 4.2: --from-raw on the scanned PDF's page exits 0 (rc=$rc)"
pdftotext "$TMP/sout/scan.pdf" - 2>/dev/null | grep -q '인터뷰 홍인혜'
ok $? "pdf 4.3: the recognised words are in the text, with a space between them"
pdffonts "$TMP/sout/scan.pdf" 2>/dev/null | grep -q 'Identity-H'
ok $? "pdf 4.4: the text layer is in an Identity-H font"
mutool draw -q -r 72 -F pnm -o "$TMP/s-in.pnm" "$TMP/scan.pdf" 1 2>/dev/null
mutool draw -q -r 72 -F pnm -o "$TMP/s-out.pnm" "$TMP/sout/scan.pdf" 1 2>/dev/null
[ -s "$TMP/s-in.pnm" ] && cmp -s "$TMP/s-in.pnm" "$TMP/s-out.pnm"
ok $? "pdf 4.5: the page renders identical to the input (the layer is invisible)"
done_testing
