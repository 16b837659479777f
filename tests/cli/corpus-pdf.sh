#!/bin/sh
# corpus-pdf.sh: every PDF of the shared corpus in text-layer mode: ALTO and
# PAGE valid against the schemas, hOCR read by OCRmyPDF's hocrtransform,
# text and word boxes against poppler's pdftotext (an independent extractor).
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
SH=$(shared_dir) || skip_all "the shared corpus is not beside the clone (set VO_SHARED to its folder)"
SCHEMAS="$top_srcdir/tests/data/schemas"
ALTO_XSD=$(find "$SCHEMAS" -name 'alto-4-4-offline.xsd' | head -1)
PAGE_XSD=$(find "$SCHEMAS" -name 'pagecontent-2019-07-15.xsd' | head -1)
[ -n "$ALTO_XSD" ] && [ -n "$PAGE_XSD" ]; ok $? "corpus 0.1: schemas in tests/data/schemas"
for t in xmllint pdftotext; do
    command -v $t >/dev/null 2>&1; ok $? "corpus 0.2: $t installed (tests/deps.sh --test)"
done
"$PY" -c 'import ocrmypdf.hocrtransform' 2>/dev/null; have_ocrmypdf=$?
ok $have_ocrmypdf "corpus 0.3: OCRmyPDF's hocrtransform importable (Debian package ocrmypdf)"

for f in "$SH"/corpus/pdf/*.pdf; do
    name=$(basename "$f" .pdf)
    pw=""; popw=""
    case "$name" in *aes-256*) pw="--password=foo"; popw="-opw foo" ;; esac
    out="$TMP/$name"
    run_vo --text-layer only $pw -O "$out" -f alto,page,txt,json "$f"
    ok $rc "corpus 1.1: $name: text-layer run exits 0"
    n_alto=$(ls "$out"/*.alto.xml 2>/dev/null | wc -l)
    n_pages=$(pdfinfo $popw "$f" 2>/dev/null | awk '/^Pages:/ {print $2}')
    [ "$n_alto" -eq "${n_pages:-0}" ]; ok $? "corpus 1.2: $name: one ALTO file per page ($n_alto of $n_pages)"
    xmllint --nonet --noout --schema "$ALTO_XSD" "$out"/*.alto.xml 2>"$TMP/xmllint.err"
    ok $? "corpus 1.3: $name: ALTO valid against ALTO 4.4"
    xmllint --nonet --noout --schema "$PAGE_XSD" "$out"/*.page.xml 2>"$TMP/xmllint.err"
    ok $? "corpus 1.4: $name: PAGE valid against PAGE 2019-07-15"

    # text against pdftotext, page by page (both put a form feed between
    # pages): the same characters in the same words, order aside (the
    # extractors order multi-column pages differently); the ordered
    # similarity is printed too
    pdftotext $popw -enc UTF-8 "$f" "$TMP/pop.txt" 2>/dev/null
    set -- $("$PY" - "$TMP/pop.txt" "$out/$name.txt" "$TEXTCMP" <<'PYEOF'
import sys, importlib.util
spec = importlib.util.spec_from_file_location("textcmp", sys.argv[3])
t = importlib.util.module_from_spec(spec); spec.loader.exec_module(t)
pop = open(sys.argv[1], encoding="utf-8", errors="replace").read().split("\f")
ours = open(sys.argv[2], encoding="utf-8", errors="replace").read().split("\f")
worst, worst_ordered, worst_page, ordered_page = 1.0, 1.0, 1, 1
for i, o in enumerate(ours):
    p = pop[i] if i < len(pop) else ""
    # either measure may pass: same text in the same order, or the same
    # words in another order
    ordered = t.similarity(t.dehyphenate(o), t.dehyphenate(p))
    c = max(t.content_similarity(o, p), ordered)
    if c < worst:
        worst, worst_page = c, i + 1
    if ordered < worst_ordered:
        worst_ordered, ordered_page = ordered, i + 1
print("%.4f %.4f %d %d" % (worst, worst_ordered, worst_page, ordered_page))
PYEOF
)
    worst=${1:-0}; ordered=${2:-0}; wpage=${3:-0}; opage=${4:-0}
    awk -v w="$worst" 'BEGIN { exit !(w >= 0.98) }'
    ok $? "corpus 2.1: $name: text vs pdftotext, worst page $wpage similarity $worst >= 0.98 (in order: $ordered, least on page $opage)"
done

# word boxes: ours at 72 dpi (pixels = points) against pdftotext -bbox-layout
for name in pypdf__multicolumn pypdf__pdflatex-4-pages pdfjs__issue5010 pypdf__google-doc-document pdfjs__pdkids pdfminer__simple1; do
    f="$SH/corpus/pdf/$name.pdf"
    run_vo --text-layer only --dpi 72 -f json -o "$TMP/$name.72.json" "$f"
    pdftotext -bbox-layout "$f" "$TMP/$name.bbox.html" 2>/dev/null
    set -- $("$PY" "$TEXTCMP" boxes "$TMP/$name.72.json" "$TMP/$name.bbox.html")
    total=${1:-0}; matched=${2:-0}; good=${3:-0}
    awk -v t="$total" -v g="$good" 'BEGIN { exit !(t > 0 && g >= 0.95 * t) }'
    ok $? "corpus 3.1: $name: $good of $total words have IoU >= 0.9 with poppler's ($matched matched)"
done

# hOCR through OCRmyPDF's hocrtransform, page 1 of the Latin-script PDFs
for name in pypdf__multicolumn pypdf__pdflatex-4-pages pypdf__google-doc-document pdfminer__simple1 pdfjs__pdkids; do
    [ $have_ocrmypdf -eq 0 ] || break
    f="$SH/corpus/pdf/$name.pdf"
    run_vo --text-layer only --pages 1 -f hocr -o "$TMP/$name.hocr" "$f"
    "$PY" -m ocrmypdf.hocrtransform -r 300 --interword-spaces "$TMP/$name.hocr" "$TMP/$name.ht.pdf" >/dev/null 2>"$TMP/ht.err"
    ok $? "corpus 4.1: $name: hocrtransform accepts our hOCR"
    pdftotext "$TMP/$name.ht.pdf" "$TMP/$name.ht.txt" 2>/dev/null
    run_vo --text-layer only --pages 1 -o "$TMP/$name.p1.txt" "$f"
    rec=$("$PY" "$TEXTCMP" recall "$TMP/$name.p1.txt" "$TMP/$name.ht.txt")
    awk -v s="$rec" 'BEGIN { exit !(s >= 0.95) }'
    ok $? "corpus 4.2: $name: pdftotext of hocrtransform's PDF gives back our words ($rec of them)"
done
done_testing
