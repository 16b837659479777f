#!/bin/sh
# actualtext.sh: the /ActualText of marked content is the text of the
# glyphs it covers (MuPDF 1.21 ignores it): a flag emoji drawn from one
# glyph, a span of two text-showing operators with a nested marked span, a
# hyphen marked as no text, a span named in the page's /Properties; and the
# flags of the shared corpus's Google Docs PDF, which came out as
# private-use characters.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"

words() { tr -s ' \n' '\n\n' <"$1" | grep -v '^$'; }

"$PY" "$top_srcdir/tests/data/source/make-actualtext-pdf.py" "$TMP/at.pdf" >"$TMP/want.txt"
ok $? "actualtext 1.1: made a page with four /ActualText spans"
if command -v mutool >/dev/null 2>&1; then
    mutool draw -F txt "$TMP/at.pdf" 2>/dev/null >"$TMP/mutool.txt"
    grep -q "Flag X" "$TMP/mutool.txt" && grep -q "ABCDEF" "$TMP/mutool.txt"
    ok $? "actualtext 1.2: MuPDF by itself gives the glyphs' text (X, ABCDEF): what this guards against"
else
    skip "actualtext 1.2: MuPDF by itself" "mutool is not installed"
fi
run_vo --text-layer only -f txt -o "$TMP/got.txt" "$TMP/at.pdf"
words "$TMP/want.txt" >"$TMP/w1"
words "$TMP/got.txt" >"$TMP/w2"
[ $rc -eq 0 ] && [ ! -s "$TMP/err" ] && cmp -s "$TMP/w1" "$TMP/w2"
ok $? "actualtext 1.3: the text is the ActualText, in order: $(tr '\n' ' ' <"$TMP/w2")(rc=$rc)"
run_vo --text-layer only -f json -o "$TMP/got.json" "$TMP/at.pdf"
"$PY" - "$TMP/got.json" <<'PY'
import json, sys
page = json.load(open(sys.argv[1]))["pages"][0]
words = [w for b in page["blocks"] for p in b["paragraphs"] for l in p["lines"] for w in l["words"]]
flag = [w for w in words if w["text"] == "\U0001F1F0\U0001F1F7"]
flagword = [w for w in words if w["text"] == "Flag"]
# the flag sits right of "Flag", on its line, with a box of its own
ok = (len(flag) == 1 and len(flagword) == 1 and flag[0]["bbox"][0] > flagword[0]["bbox"][2]
      and flag[0]["bbox"][2] > flag[0]["bbox"][0]
      and abs(flag[0]["bbox"][3] - flagword[0]["bbox"][3]) < 5)
sys.exit(0 if ok else 1)
PY
ok $? "actualtext 1.4: the flag's box is where its glyph is, right of \"Flag\" on its line"

if SH=$(shared_dir) && [ -f "$SH/corpus/pdf/pypdf__google-doc-document.pdf" ]; then
    f="$SH/corpus/pdf/pypdf__google-doc-document.pdf"
    run_vo --text-layer only -f txt -o "$TMP/gd.txt" "$f"
    "$PY" - "$TMP/gd.txt" <<'PY'
import sys
s = open(sys.argv[1], encoding="utf-8").read()
pua = [c for c in s if 0xE000 <= ord(c) <= 0xF8FF or ord(c) >= 0xF0000]
flags = ["Indonesia \U0001F1EE\U0001F1E9", "Germany \U0001F1E9\U0001F1EA",
         "Austria \U0001F1E6\U0001F1F9", "Vatican \U0001F1FB\U0001F1E6"]
sys.exit(0 if not pua and all(f in s for f in flags) else 1)
PY
    ok $? "actualtext 2.1: the corpus Google Docs PDF: no private-use character, its four flags as poppler gives them (rc=$rc)"
else
    skip "actualtext 2.1: the corpus Google Docs PDF" "the shared corpus is not beside the clone (set VO_SHARED)"
fi
done_testing
