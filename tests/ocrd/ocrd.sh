#!/bin/sh
# ocrd.sh: ocrd-varco-ocr, the OCR-D processor: its tool description, a
# workspace of three page images recognised into PAGE-XML (the model's
# saved output replayed, and the tiny fixture model), the METS updated, the
# output checked against OCR-D's rules (page-rules.py), and its errors.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"

OCRD="$top_builddir/ocrd-varco-ocr"
RULES="$top_srcdir/tests/ocrd/page-rules.py"
MODEL="$top_srcdir/tests/data/fixtures/tiny-varco"

# --- the tool's description ---
"$OCRD" -J >"$TMP/tool.json" 2>"$TMP/err"
ok $? "ocrd 1.1: -J prints the tool's description"
"$PY" - "$TMP/tool.json" "$top_srcdir/src/ocrd/ocrd-tool.json" "$("$VO" --version | head -1)" \
    <<'EOF' >"$TMP/out" 2>&1
# the rules of OCR-D's ocrd-tool.json schema (spec/ocrd_tool.schema.yml)
import json, sys
tool = json.load(open(sys.argv[1]))
full = json.load(open(sys.argv[2]))
bad = []
if full["tools"].get("ocrd-varco-ocr") != tool:
    bad.append("-J is not the tools entry of ocrd-tool.json")
if full["version"] not in sys.argv[3]:
    bad.append("ocrd-tool.json's version %s is not the program's (%s)" % (full["version"], sys.argv[3]))
for k in ("executable", "categories", "description", "steps"):
    if k not in tool:
        bad.append("no " + k)
if tool.get("executable") != "ocrd-varco-ocr":
    bad.append("executable")
steps = {"recognition/text-recognition", "recognition/font-identification",
         "recognition/post-correction", "layout/segmentation/region",
         "layout/segmentation/line", "layout/segmentation/word"}
if not tool["steps"] or not set(tool["steps"]) <= steps:
    bad.append("steps %r" % tool["steps"])
if tool["categories"] != ["Text recognition and optimization"]:
    bad.append("categories %r" % tool["categories"])
types = {"string": str, "number": (int, float), "boolean": bool, "object": dict, "array": list}
for name, p in tool["parameters"].items():
    if p.get("type") not in types or "description" not in p:
        bad.append(name + ": type or description")
    elif "default" not in p and not p.get("required"):
        bad.append(name + ": neither a default nor required")
    elif "default" in p and not isinstance(p["default"], types[p["type"]]):
        bad.append(name + ": default of another type")
    elif "enum" in p and p["default"] not in p["enum"]:
        bad.append(name + ": default not in enum")
print("\n".join(bad) or "valid: %d parameters" % len(tool["parameters"]))
sys.exit(1 if bad else 0)
EOF
ok $? "ocrd 1.2: the description follows OCR-D's tool schema; its version is the program's"
sed 's/^/# /' "$TMP/out"
"$OCRD" --help | grep -q -- '--input-file-grp' && "$OCRD" -V | grep -q "$("$VO" --version | head -1 | awk '{print $NF}')"
ok $? "ocrd 1.3: --help and -V"
[ "$("$OCRD" -D)" = "$("$OCRD" -D | sed 's|/$||')" ] && "$OCRD" -D | grep -q 'varco-ocr$'
ok $? "ocrd 1.4: -D names the module folder"

# --- a workspace of three page images and their saved model output ---
WS="$TMP/ws"
mkdir -p "$WS/OCR-D-IMG" "$TMP/raw"
cp "$SAMPLES/ko-en-2col.png" "$SAMPLES/ko-poem-skew.png" "$top_srcdir/tests/data/pdf/synth-2col.png" "$WS/OCR-D-IMG/"
cp "$SAMPLES/ko-en-2col.raw.json" "$SAMPLES/ko-poem-skew.raw.json" "$top_srcdir/tests/data/pdf/synth-2col.raw.json" "$TMP/raw/"
{
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo '<mets:mets xmlns:mets="http://www.loc.gov/METS/" xmlns:xlink="http://www.w3.org/1999/xlink">'
    echo '  <mets:metsHdr CREATEDATE="2026-01-01T00:00:00"/>'
    echo '  <mets:fileSec><mets:fileGrp USE="OCR-D-IMG">'
    n=0
    for f in ko-en-2col ko-poem-skew synth-2col; do
        n=$((n + 1))
        echo "    <mets:file ID=\"OCR-D-IMG_000$n\" MIMETYPE=\"image/png\"><mets:FLocat LOCTYPE=\"OTHER\" OTHERLOCTYPE=\"FILE\" xlink:href=\"OCR-D-IMG/$f.png\"/></mets:file>"
    done
    echo '  </mets:fileGrp></mets:fileSec>'
    echo '  <mets:structMap TYPE="PHYSICAL"><mets:div TYPE="physSequence">'
    for n in 1 2 3; do
        echo "    <mets:div TYPE=\"page\" ID=\"PHYS_000$n\"><mets:fptr FILEID=\"OCR-D-IMG_000$n\"/></mets:div>"
    done
    echo '  </mets:div></mets:structMap>'
    echo '</mets:mets>'
} >"$WS/mets.xml"
cp "$WS/mets.xml" "$TMP/mets.orig"

(cd "$WS" && "$OCRD" -I OCR-D-IMG -O OCR-D-OCR -P raw_dir "$TMP/raw") >"$TMP/out" 2>"$TMP/err"
ok $? "ocrd 2.1: three pages of saved model output into OCR-D-OCR (-m defaults to ./mets.xml)"
sed 's/^/# /' "$TMP/err"
[ "$(ls "$WS/OCR-D-OCR" | wc -l)" -eq 3 ] && [ -f "$WS/OCR-D-OCR/OCR-D-OCR_PHYS_0002.xml" ]
ok $? "ocrd 2.2: OCR-D-OCR/OCR-D-OCR_PHYS_000N.xml for each page"
"$PY" "$RULES" "$WS" OCR-D-IMG OCR-D-OCR >"$TMP/out" 2>&1
ok $? "ocrd 2.3: the output follows OCR-D's rules: $(tail -1 "$TMP/out")"
grep -q 'words' "$TMP/out" && ! grep -q ' 0 words' "$TMP/out"
ok $? "ocrd 2.4: ... with words and glyphs to check"
grep -q 'OTHERROLE="recognition/text-recognition"' "$WS/mets.xml" &&
    grep -q '"raw_dir":' "$WS/mets.xml" && grep -q 'ocrd-varco-ocr v' "$WS/mets.xml"
ok $? "ocrd 2.5: the METS records the agent, its groups and parameters"
grep -c 'Glyph id=' "$WS/OCR-D-OCR/OCR-D-OCR_PHYS_0001.xml" >"$TMP/n"
[ "$(cat "$TMP/n")" -gt 100 ] && grep -q 'imageFilename="OCR-D-IMG/ko-en-2col.png"' "$WS/OCR-D-OCR/OCR-D-OCR_PHYS_0001.xml"
ok $? "ocrd 2.6: page 1 has a glyph for every character ($(cat "$TMP/n")) and cites its image as the METS does"

# the check can fail: a glyph that does not spell its word
cp -r "$WS" "$TMP/bad"
sed -i '0,/<Unicode>대<\/Unicode>/s//<Unicode>X<\/Unicode>/' "$TMP/bad/OCR-D-OCR/OCR-D-OCR_PHYS_0001.xml"
"$PY" "$RULES" "$TMP/bad" OCR-D-IMG OCR-D-OCR >"$TMP/out" 2>&1
[ $? -ne 0 ] && grep -q 'is not its glyphs' "$TMP/out"
ok $? "ocrd 2.7: page-rules.py finds a glyph that does not spell its word"

# --- again: refused without --overwrite, nothing changed ---
cp "$WS/mets.xml" "$TMP/mets.done"
"$OCRD" -m "$WS/mets.xml" -I OCR-D-IMG -O OCR-D-OCR -P raw_dir "$TMP/raw" 2>"$TMP/err"
rc=$?
[ $rc -eq 1 ] && grep -q 'give --overwrite' "$TMP/err" && cmp -s "$WS/mets.xml" "$TMP/mets.done"
ok $? "ocrd 3.1: an output group that has the pages already is refused (exit $rc), the METS untouched"
"$OCRD" -m "$WS/mets.xml" -I OCR-D-IMG -O OCR-D-OCR -g PHYS_0002 --overwrite -P raw_dir "$TMP/raw" 2>"$TMP/err"
ok $? "ocrd 3.2: --overwrite -g PHYS_0002 replaces that page"
"$PY" "$RULES" "$WS" OCR-D-IMG OCR-D-OCR >"$TMP/out" 2>&1 &&
    [ "$(grep -o ' ID="OCR-D-OCR_PHYS_0002"' "$WS/mets.xml" | wc -l)" -eq 1 ] &&
    [ "$(grep -o 'FILEID="OCR-D-OCR_PHYS_0002"' "$WS/mets.xml" | wc -l)" -eq 1 ]
ok $? "ocrd 3.3: ... once: one file and one pointer for it, still consistent"

# --- PAGE files as input: their images are recognised ---
"$OCRD" -m "$WS/mets.xml" -I OCR-D-OCR -O OCR-D-OCR2 -P raw_dir "$TMP/raw" 2>"$TMP/err" &&
    "$PY" "$RULES" "$WS" OCR-D-OCR OCR-D-OCR2 >"$TMP/out" 2>&1
ok $? "ocrd 4.1: an input group of PAGE-XML: each Page's imageFilename is recognised"

# --- the tiny fixture model, one page ---
"$OCRD" -m "$WS/mets.xml" -I OCR-D-IMG -O OCR-D-TINY -g PHYS_0003 -P model "$MODEL" \
    -p '{"max_tokens": 8, "threads": 1}' 2>"$TMP/err"
rc=$?
ok $rc "ocrd 5.1: the tiny model recognises page 3 (-g, -P and -p together)"
[ $rc -ne 0 ] && sed 's/^/# /' "$TMP/err"
[ "$(ls "$WS/OCR-D-TINY")" = "OCR-D-TINY_PHYS_0003.xml" ] && "$PY" "$RULES" "$WS" OCR-D-IMG OCR-D-TINY PHYS_0003 >"$TMP/out" 2>&1
rc=$?
ok $rc "ocrd 5.2: only that page, consistent"
[ $rc -ne 0 ] && sed 's/^/# /' "$TMP/out"

# --- errors ---
"$OCRD" -m "$WS/mets.xml" -I OCR-D-IMG -O X -P colour red 2>"$TMP/err"
[ $? -eq 1 ] && grep -q "unknown parameter 'colour'" "$TMP/err"
ok $? "ocrd 6.1: an unknown parameter: exit 1, named"
"$OCRD" -m "$WS/mets.xml" -I OCR-D-IMG -O X -P weights q2 2>"$TMP/err"
[ $? -eq 1 ] && grep -q 'weights: "q2" is not one of its choices' "$TMP/err"
ok $? "ocrd 6.2: a value outside the parameter's enum: exit 1"
"$OCRD" -m "$WS/mets.xml" -I OCR-D-IMG -O X -P max_tokens '"many"' 2>"$TMP/err"
[ $? -eq 1 ] && grep -q 'max_tokens: "many" is not a whole number' "$TMP/err"
ok $? "ocrd 6.3: a value of the wrong type: exit 1"
"$OCRD" -m "$WS/mets.xml" -O X 2>"$TMP/err"
[ $? -eq 1 ] && grep -q -- '-I IN -O OUT' "$TMP/err"
ok $? "ocrd 6.4: no input group: exit 1"
"$OCRD" -m "$WS/mets.xml" -I NOPE -O X 2>"$TMP/err"
[ $? -eq 1 ] && grep -q "no file group 'NOPE'" "$TMP/err"
ok $? "ocrd 6.5: an unknown input group: exit 1, named"
"$OCRD" -m "$WS/mets.xml" -I OCR-D-IMG -O X -g PHYS_0009 -P raw_dir "$TMP/raw" 2>"$TMP/err"
[ $? -eq 1 ] && grep -q "no page 'PHYS_0009'" "$TMP/err"
ok $? "ocrd 6.6: an unknown page: exit 1, named"
"$OCRD" -m "$TMP/none.xml" -I OCR-D-IMG -O X -P raw_dir "$TMP/raw" 2>"$TMP/err"
[ $? -eq 5 ] && grep -q 'none.xml' "$TMP/err"
ok $? "ocrd 6.7: a missing METS: exit 5, named"
echo '<mets' >"$TMP/broken.xml"
"$OCRD" -m "$TMP/broken.xml" -I OCR-D-IMG -O X -P raw_dir "$TMP/raw" 2>"$TMP/err"
[ $? -eq 2 ] && grep -q 'cannot read the METS' "$TMP/err"
ok $? "ocrd 6.8: a METS that is not XML: exit 2"
"$OCRD" -m "$WS/mets.xml" -I OCR-D-IMG -O OCR-D-NOMODEL -P model "$TMP" -g PHYS_0001 2>"$TMP/err"
[ $? -eq 3 ] && grep -q 'not a model folder' "$TMP/err" && [ ! -d "$WS/OCR-D-NOMODEL" ]
ok $? "ocrd 6.9: a folder that is not a model: exit 3, nothing written"
# one page's output missing: the others are written, exit 11
rm "$TMP/raw/ko-poem-skew.raw.json"
cp "$WS/mets.xml" "$TMP/mets.before"
"$OCRD" -m "$WS/mets.xml" -I OCR-D-IMG -O OCR-D-PART -P raw_dir "$TMP/raw" 2>"$TMP/err"
rc=$?
[ $rc -eq 11 ] && grep -q 'page PHYS_0002' "$TMP/err" && grep -q '1 of 3 pages failed' "$TMP/err" &&
    [ "$(grep -o ' ID="OCR-D-PART_' "$WS/mets.xml" | wc -l)" -eq 2 ]
ok $? "ocrd 6.10: a page that fails is named, the other two are written and in the METS (exit $rc)"
"$PY" "$RULES" "$WS" OCR-D-IMG OCR-D-PART >"$TMP/out" 2>&1
[ $? -ne 0 ] && grep -q 'PHYS_0002: 0 files in OCR-D-PART' "$TMP/out"
ok $? "ocrd 6.11: ... and page-rules.py says which page has no output"

done_testing
