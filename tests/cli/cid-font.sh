#!/bin/sh
# cid-font.sh: a PDF as Korean word processors write it — a TrueType font
# embedded as a CID font (Identity-H, CIDs = glyph ids) with no ToUnicode —
# gives its Hangul and Latin text from the font's own cmap read backwards
# (MuPDF alone gives U+FFFD, poppler gives the glyph ids as characters),
# while a glyphless OCR font without ToUnicode still counts as unreliable;
# and a CID-keyed Adobe-Korea1 font without ToUnicode (not embedded) gives
# its text through the collection, even with no FontDescriptor.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"

# words of a text, one a line
words() { tr -s ' \n' '\n\n' <"$1" | grep -v '^$'; }

FONT=/usr/share/fonts/truetype/nanum/NanumGothic.ttf
if [ ! -f "$FONT" ]; then
    skip "cid 1: a word processor's CID font" "$FONT is missing (tests/deps.sh --test installs fonts-nanum)"
else
    "$PY" "$top_srcdir/tests/data/source/make-cid-pdf.py" "$FONT" "$TMP/cid.pdf" >"$TMP/want.txt"
    ok $? "cid 1.1: made a PDF with NanumGothic as CIDFontType2, Identity-H, no ToUnicode"
    ! grep -aq ToUnicode "$TMP/cid.pdf"
    ok $? "cid 1.2: ... and it has no ToUnicode"
    if command -v mutool >/dev/null 2>&1; then
        mutool draw -F txt "$TMP/cid.pdf" 2>/dev/null >"$TMP/mutool.txt"
        grep -q "$(printf '\357\277\275')" "$TMP/mutool.txt"
        ok $? "cid 1.3: MuPDF by itself gives U+FFFD for it (what this test guards against)"
    else
        skip "cid 1.3: MuPDF by itself" "mutool is not installed"
    fi
    run_vo --text-layer only -f txt -o "$TMP/got.txt" "$TMP/cid.pdf"
    [ $rc -eq 0 ] && [ ! -s "$TMP/err" ]
    ok $? "cid 1.4: read without a warning (rc=$rc)"
    sed 's/^/# /' "$TMP/err"
    words "$TMP/want.txt" >"$TMP/w1"
    words "$TMP/got.txt" >"$TMP/w2"
    cmp -s "$TMP/w1" "$TMP/w2"
    ok $? "cid 1.5: its words are the Hangul and Latin it shows: $(tr '\n' ' ' <"$TMP/w2")"
    run_vo -f json -o "$TMP/got.json" --report "$TMP/report.json" "$TMP/cid.pdf"
    [ $rc -eq 0 ] && grep -q '"origin":"text-layer"' "$TMP/got.json"
    ok $? "cid 1.6: --text-layer auto takes the layer as reliable: no model needed (rc=$rc)"
fi

# our own searchable PDF with its ToUnicode taken away: a glyphless font,
# whose glyphs say nothing of the characters, stays unreliable
run_vo --from-raw "$SAMPLES/ko-en-2col.raw.json" -f pdf --no-pdfa -o "$TMP/ours.pdf"
qpdf --qdf --object-streams=disable "$TMP/ours.pdf" "$TMP/q.pdf" &&
    sed 's|/ToUnicode \([0-9]* 0 R\)|/NoUnicode \1|' "$TMP/q.pdf" >"$TMP/nomap.pdf" &&
    ! grep -aq '/ToUnicode' "$TMP/nomap.pdf"
ok $? "cid 2.1: our searchable PDF with its ToUnicode renamed away"
run_vo --text-layer only -f txt -o "$TMP/nomap.txt" "$TMP/nomap.pdf"
[ $rc -eq 0 ] && grep -q 'text layer is unreliable' "$TMP/err"
ok $? "cid 2.2: its glyphless font is not read backwards: the layer is unreliable, said"

# 3. a CID-keyed font of the Adobe-Korea1 collection, not embedded, with no
# ToUnicode (Identity-H: the codes are Korea1 CIDs): its Unicode comes from
# the collection (MuPDF's built-in Adobe-Korea1-UCS2); the CIDs of the test
# PDF are read from poppler-data's UniKS-UTF16-H, another source
CMAP=/usr/share/poppler/cMap/Adobe-Korea1/UniKS-UTF16-H
if [ ! -f "$CMAP" ]; then
    skip "cid 3: an Adobe-Korea1 CID font" "$CMAP is missing (tests/deps.sh --test installs poppler-data)"
else
    "$PY" "$top_srcdir/tests/data/source/make-korea1-pdf.py" "$CMAP" "$TMP/korea1.pdf" >"$TMP/want1.txt"
    ok $? "cid 3.1: made a PDF with an Adobe-Korea1-2 CIDFontType0, Identity-H, no ToUnicode"
    ! grep -aq ToUnicode "$TMP/korea1.pdf" && ! grep -aq FontFile "$TMP/korea1.pdf"
    ok $? "cid 3.2: ... with no ToUnicode and no embedded font"
    run_vo --text-layer only -f txt -o "$TMP/got1.txt" "$TMP/korea1.pdf"
    words "$TMP/want1.txt" >"$TMP/w1"
    words "$TMP/got1.txt" >"$TMP/w2"
    [ $rc -eq 0 ] && [ ! -s "$TMP/err" ] && cmp -s "$TMP/w1" "$TMP/w2"
    ok $? "cid 3.3: its words are the Hangul and Latin it shows, without a warning: $(tr '\n' ' ' <"$TMP/w2")(rc=$rc)"
    run_vo -f json -o "$TMP/got1.json" "$TMP/korea1.pdf"
    [ $rc -eq 0 ] && grep -q '"origin":"text-layer"' "$TMP/got1.json"
    ok $? "cid 3.4: --text-layer auto takes the layer as reliable: no model needed (rc=$rc)"
    # the same font with no FontDescriptor: MuPDF 1.21 refuses it
    "$PY" "$top_srcdir/tests/data/source/make-korea1-pdf.py" --no-descriptor "$CMAP" \
        "$TMP/nodesc.pdf" >/dev/null && ! grep -aq "/FontDescriptor [0-9]* 0 R" "$TMP/nodesc.pdf"
    ok $? "cid 4.1: made it again with no FontDescriptor"
    if command -v mutool >/dev/null 2>&1; then
        mutool draw -F txt "$TMP/nodesc.pdf" >"$TMP/mutool4.txt" 2>"$TMP/mutool4.err"
        grep -q "missing font descriptor" "$TMP/mutool4.err" && ! grep -q "대한민국" "$TMP/mutool4.txt"
        ok $? "cid 4.2: MuPDF by itself refuses the font and loses its text (what this guards against)"
    else
        skip "cid 4.2: MuPDF by itself" "mutool is not installed"
    fi
    run_vo --text-layer only -f txt -o "$TMP/got4.txt" "$TMP/nodesc.pdf"
    words "$TMP/got4.txt" >"$TMP/w4"
    [ $rc -eq 0 ] && [ ! -s "$TMP/err" ] && cmp -s "$TMP/w1" "$TMP/w4"
    ok $? "cid 4.3: we read its words, without a warning: $(tr '\n' ' ' <"$TMP/w4")(rc=$rc)"
fi

done_testing
