#!/bin/sh
# keep-pdf.sh: a PDF input keeps what it had in our searchable PDF: every
# PDF of the shared corpus through -f pdf (--text-layer only: no model),
# compared with qpdf --json (tests/pdf/pdfkeep.py): Info, XMP and its PDF/A
# identification, OutputIntents, annotations and links with the pages they
# lead to, outlines, page labels; --pages drops pages and the links to them
# (said); a PDF with an OCRmyPDF text layer gets no second one.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
for t in qpdf pdftotext pdfinfo; do
    command -v "$t" >/dev/null || skip_all "$t not installed (Debian: qpdf, poppler-utils)"
done
KEEP="$top_srcdir/tests/pdf/pdfkeep.py"
DATA="$top_srcdir/tests/data/pdf"

# kept_ok IN OUT [PASSWORD]: sets $diffs (the differences, on one line)
kept_ok() {
    diffs=$("$PY" "$KEEP" compare "$@" 2>&1 | head -5 | tr '\n' ';')
    [ -z "$diffs" ]
}
summary() { # summary FILE EXPRESSION [PASSWORD]: a value of pdfkeep.py's summary
    "$PY" "$KEEP" summary "$1" $3 | "$PY" -c "import json, sys; s = json.load(sys.stdin); print($2)"
}

# 1. the corpus (the files of tests/data/pdf without it)
if SH=$(shared_dir); then
    PDFS=$(ls "$SH"/corpus/pdf/*.pdf)
else
    diag "the shared corpus is not beside the clone (set VO_SHARED): only tests/data/pdf"
    PDFS=""
fi
PDFS="$PDFS $DATA/pdflatex-4-pages.pdf $DATA/ocrmypdf-ccitt.pdf"
for f in $PDFS; do
    name=$(basename "$f" .pdf)
    pw=""
    case "$name" in *aes-256_encrypted) pw=foo ;; esac # MANIFEST.tsv: owner password "foo"
    run_vo --text-layer only ${pw:+--password=$pw} -f pdf -o "$TMP/$name.pdf" "$f"
    ok $rc "keep 1.1: $name: -f pdf --text-layer only exits 0"
    [ "$rc" -eq 0 ] || { sed 's/^/# /' "$TMP/err" | head -3; continue; }
    kept_ok "$f" "$TMP/$name.pdf" $pw
    ok $? "keep 1.2: $name: Info, XMP, PDF/A id, OutputIntents, annotations, links, outlines, page labels kept ${diffs:+($diffs)}"
    qpdf --check "$TMP/$name.pdf" >"$TMP/qpdf" 2>&1
    ok $? "keep 1.3: $name: qpdf --check clean"
done

# 2. what the comparison above rests on, named
if [ -n "$SH" ]; then
    in=$(summary "$SH/corpus/pdf/pdfjs__pdkids.pdf" "sum(len(p['links']) for p in s['pages'])")
    out=$(summary "$TMP/pdfjs__pdkids.pdf" "sum(len(p['links']) for p in s['pages'])")
    [ "$in" -eq 21 ] && [ "$out" -eq 21 ]
    ok $? "keep 2.1: pdfjs__pdkids: 21 /Link annotations in, $out out"
    out=$(summary "$TMP/ocrmypdf__multipage.pdf" "s['outlines']")
    [ "$out" = "[1, 2, 3, 4]" ]
    ok $? "keep 2.2: ocrmypdf__multipage: its 4 outline entries lead to pages 1-4 ($out)"
fi
f="$TMP/ocrmypdf-ccitt.pdf"
[ "$(summary "$f" "s['pdfaid'].get('part', '') + s['pdfaid'].get('conformance', '') + str(s['output_intents'])")" = 2B1 ]
ok $? "keep 2.3: a PDF/A-2B input (OCRmyPDF) keeps its pdfaid 2B and its OutputIntent"
# PDF/A wants Info and XMP to agree: Producer and the dates we update
info=$(pdfinfo -isodates "$f" 2>/dev/null)
meta=$(pdfinfo -meta "$f" 2>/dev/null)
producer=$(echo "$info" | sed -n 's/^Producer: *//p')
moddate=$(echo "$info" | sed -n 's/^ModDate: *//p')
case "$producer" in varco-ocr*) true ;; *) false ;; esac &&
    echo "$meta" | grep -q "pdf:Producer=\"$producer\"\|<pdf:Producer>$producer<" &&
    echo "$meta" | grep -q "<xmp:ModifyDate>$moddate<\|xmp:ModifyDate=\"$moddate\""
ok $? "keep 2.4: Producer ($producer) and ModDate ($moddate) the same in Info and XMP"
[ "$(echo "$meta" | grep -c 'pdfaid:part')" -eq 1 ]
ok $? "keep 2.5: the XMP packet is still one packet with one PDF/A identification"

# 3. page labels: the 4-page LaTeX file labelled i, ii, 1, 2 with pikepdf
if /usr/bin/python3 -c 'import pikepdf' 2>/dev/null; then
    /usr/bin/python3 - "$DATA/pdflatex-4-pages.pdf" "$TMP/labels.pdf" <<'PYEOF'
import sys, pikepdf
pdf = pikepdf.open(sys.argv[1])
pdf.Root.PageLabels = pikepdf.Dictionary(Nums=[0, pikepdf.Dictionary(S=pikepdf.Name.r),
                                               2, pikepdf.Dictionary(S=pikepdf.Name.D)])
pdf.save(sys.argv[2])
PYEOF
    run_vo --text-layer only -f pdf -o "$TMP/labels.out.pdf" "$TMP/labels.pdf"
    kept_ok "$TMP/labels.pdf" "$TMP/labels.out.pdf" &&
        [ "$(summary "$TMP/labels.out.pdf" "len(s['pagelabels'])")" -eq 2 ]
    ok $? "keep 3.1: page labels i, ii, 1, 2 kept ${diffs:+($diffs)}"
else
    diag "pikepdf (Debian: python3-pikepdf) not importable: no page-label input made, keep 3.1 not run"
fi

# 4. --pages: the pages not chosen go, and outline entries leading to them
# lose their destination, with a warning (a corpus file with 4 outlines)
if [ -n "$SH" ]; then
    run_vo --text-layer only --pages 2,4 -f pdf -o "$TMP/sub.pdf" "$SH/corpus/pdf/ocrmypdf__multipage.pdf"
    ok $rc "keep 4.1: --pages 2,4 of a 6-page PDF exits 0"
    [ "$(summary "$TMP/sub.pdf" "len(s['pages'])")" -eq 2 ] &&
        [ "$(summary "$TMP/sub.pdf" "s['outlines']")" = "[None, 1, None, 2]" ]
    ok $? "keep 4.2: 2 pages; outline entries of pages 2 and 4 lead to pages 1 and 2, the others nowhere"
    grep -q "2 outline entries and links led to pages left out" "$TMP/err"
    ok $? "keep 4.3: the lost destinations are said: $(head -1 "$TMP/err")"
    qpdf --check "$TMP/sub.pdf" >"$TMP/qpdf" 2>&1
    ok $? "keep 4.4: qpdf --check clean"
fi

# 5. an OCRmyPDF text layer (OCRmyPDF 14 + Tesseract 5 of corpus
# ocrmypdf__ccitt.pdf) is the page's text: by default no second layer
f="$DATA/ocrmypdf-ccitt.pdf"
run_vo -f pdf -o "$TMP/omp.pdf" "$f"
ok $rc "keep 5.1: default -f pdf of a PDF with an OCRmyPDF layer exits 0 (no model needed)"
pdftotext -raw "$f" "$TMP/omp-in.txt" 2>/dev/null
pdftotext -raw "$TMP/omp.pdf" "$TMP/omp-out.txt" 2>/dev/null
n_in=$(wc -w <"$TMP/omp-in.txt"); n_out=$(wc -w <"$TMP/omp-out.txt")
[ "$n_in" -gt 500 ] && [ "$n_in" -eq "$n_out" ] && cmp -s "$TMP/omp-in.txt" "$TMP/omp-out.txt"
ok $? "keep 5.2: pdftotext -raw gives the same $n_in words, once each ($n_out out)"
done_testing
