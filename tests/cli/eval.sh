#!/bin/sh
# eval.sh: varco-ocr eval. The corpus's 610 Korean and English text lines
# (tests/data/ocr/*.jsonl) as ground truth, against a --from-raw run of the
# same lines' model output deliberately corrupted: every line's CER, jamo
# CER, WER and bag-of-words error equal an independent computation (Debian's
# python3-levenshtein) to 1e-9, and box matching equals one done in Python;
# the same page read from ALTO, PAGE, hOCR and TSV scores 0; bad files and
# arguments get their errors while the rest is scored.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
CHECK="$top_srcdir/tests/cli/eval-check.py"
DATA="$top_srcdir/tests/data"

if ! "$PY" -c 'import Levenshtein' 2>/dev/null; then
    ok 1 "eval 0.1: python3-levenshtein installed (tests/deps.sh --test)"
    done_testing
    exit
fi

# 1. the corrupted model output of 610 lines
D="$TMP/lines"
n=$("$PY" "$CHECK" make "$DATA/ocr/kor-lines.jsonl" "$DATA/ocr/eng-lines.jsonl" "$D/gt")
mkdir -p "$D/raw" "$D/bad"
for f in "$D"/gt/*.bad.raw.json; do mv "$f" "$D/bad/$(basename "$f" .bad.raw.json).raw.json"; done
mv "$D"/gt/*.raw.json "$D/raw/"
"$VO" --from-raw "$D/bad" -f txt,alto -O "$D/pred" 2>"$TMP/err" &&
    "$VO" --from-raw "$D/raw" -f alto -O "$D/clean" 2>>"$TMP/err"
[ $? -eq 0 ] && [ "$n" = 610 ] && [ "$(ls "$D/pred" | grep -c '\.txt$')" = 610 ]
ok $? "eval 1.1: 610 lines of corrupted model output written by --from-raw"

run_vo eval --json "$D/gt" "$D/pred"
cp "$TMP/out" "$D/eval.json"
[ $rc -eq 0 ] && "$PY" "$CHECK" text "$D/gt" "$D/pred" "$D/eval.json" >"$TMP/check" 2>&1
ok $? "eval 1.2: CER, jamo CER, WER and bag-of-words error of each line and the total equal python3-levenshtein's to 1e-9 ($(tail -1 "$TMP/check"))"
[ $rc -eq 0 ] || cat "$TMP/err"

# boxes: one line, then the whole folder of ALTO (clean against corrupted)
mkdir -p "$D/ga" "$D/pa"
for f in "$D"/clean/*.p0001.alto.xml; do cp "$f" "$D/ga/$(basename "$f" .p0001.alto.xml).alto.xml"; done
for f in "$D"/pred/*.p0001.alto.xml; do cp "$f" "$D/pa/$(basename "$f" .p0001.alto.xml).alto.xml"; done
run_vo eval --json "$D/ga/0005.alto.xml" "$D/pa/0005.alto.xml"
cp "$TMP/out" "$D/b1.json"
[ $rc -eq 0 ] && "$PY" "$CHECK" boxes "$D/ga/0005.alto.xml" "$D/pa/0005.alto.xml" "$D/b1.json" >"$TMP/check" 2>&1
ok $? "eval 1.3: one line's boxes matched at IoU >= 0.5 as Python matches them ($(cat "$TMP/check"))"
run_vo eval "$D/ga" "$D/pa"
total=$(grep '^total' "$TMP/out")
f1=$(echo "$total" | awk '{print $(NF-1)}')
[ $rc -eq 0 ] && [ "$(grep -c '^0[0-9][0-9][0-9] ' "$TMP/out")" = 610 ] &&
    awk -v f="$f1" 'BEGIN { exit !(f > 0.8 && f < 1) }'
ok $? "eval 1.4: a folder of 610 ALTO pairs: a row per line and a total, box F1 below 1 where boxes moved ($total)"

# 2. one page in every format scores 0 against itself and the others
S="$TMP/fmt"
"$VO" --from-raw "$SAMPLES/ko-en-2col.raw.json" -f txt,alto,hocr,page,tsv,json -O "$S" 2>>"$TMP/err"
good=0
for p in "$S/ko-en-2col.p0001.alto.xml" "$S/ko-en-2col.p0001.page.xml" "$S/ko-en-2col.hocr" \
    "$S/ko-en-2col.tsv" "$S/ko-en-2col.json" "$S/ko-en-2col.txt"; do
    for g in "$SAMPLES/ko-en-2col.txt" "$SAMPLES/ko-en-2col.gt.json"; do
        run_vo eval --json "$g" "$p"
        "$PY" -c 'import json, sys; t = json.load(open(sys.argv[1]))["total"]; sys.exit(not (t["char_edits"] == 0 and t["word_edits"] == 0 and t["chars"] > 1000))' "$TMP/out" &&
            [ $rc -eq 0 ] && good=$((good + 1))
    done
done
[ $good -eq 12 ]
ok $? "eval 2.1: the sample page's text read from ALTO, PAGE, hOCR, TSV, JSON and txt: 0 edits against its ground truth as text and as {\"text\": ...} JSON ($good of 12)"
run_vo eval --json "$S/ko-en-2col.p0001.alto.xml" "$S/ko-en-2col.tsv"
"$PY" -c 'import json, sys; b = json.load(open(sys.argv[1]))["total"]["boxes"]; sys.exit(not (b and b["f1"] == 1 and b["mean_iou"] > 0.999))' "$TMP/out"
ok $? "eval 2.2: ALTO against TSV of the same page: every word box matched (F1 1)"
run_vo eval --json "$S/ko-en-2col.p0001.alto.xml" "$S/ko-en-2col.json"
"$PY" -c 'import json, sys; b = json.load(open(sys.argv[1]))["total"]["boxes"]; sys.exit(not (b and b["f1"] == 1))' "$TMP/out"
ok $? "eval 2.2b: ALTO against our JSON of the same page: every word box matched"
printf '{"a": 1}' >"$TMP/other.json"
run_vo eval "$TMP/other.json" "$S/ko-en-2col.json"
[ $rc -eq 2 ] && grep -q 'other.json: JSON with neither' "$TMP/err"
ok $? "eval 2.2c: JSON that is neither a page model nor a text: exit 2, said (rc=$rc)"
WETZEL="$DATA/eval/kba__wetzel_1901_0021"
run_vo eval --json "$WETZEL.alto.xml" "$WETZEL.hocr"
"$PY" -c 'import json, sys; t = json.load(open(sys.argv[1]))["total"]; sys.exit(not (t["char_edits"] == 0 and t["chars"] == 1239 and t["boxes"]["f1"] == 1))' "$TMP/out"
ok $? "eval 2.3: Tesseract's ALTO and hOCR of one page (kba/ocr-fileformat-samples): 1,239 characters, 0 edits, every box matched"

# two ground truths of one stem: one row, from the preferred (ALTO)
mkdir -p "$TMP/st/g" "$TMP/st/p"
cp "$WETZEL.alto.xml" "$TMP/st/g/w.alto.xml"
printf 'not this one\n' >"$TMP/st/g/w.gt.txt"
cp "$WETZEL.hocr" "$TMP/st/p/w.hocr"
run_vo eval --json "$TMP/st/g" "$TMP/st/p"
"$PY" -c '
import json, sys
p = json.load(open(sys.argv[1]))["pages"]
sys.exit(not (len(p) == 1 and p[0]["file"] == "w" and p[0]["char_edits"] == 0 and p[0]["chars"] == 1239))' "$TMP/out" && [ $rc -eq 0 ]
ok $? "eval 2.5: w.alto.xml and w.gt.txt in the ground truth: scored once, from the ALTO (rc=$rc)"

# a document's per-page ALTO files (--output-dir) against a two-page text
mkdir -p "$TMP/mp/g" "$TMP/mp/p"
printf 'a b\n\fc d e\n' >"$TMP/mp/g/x.gt.txt"
printf '<alto><Layout><Page><TextLine><String CONTENT="a"/><String CONTENT="b"/></TextLine></Page></Layout></alto>' >"$TMP/mp/p/x.p0001.alto.xml"
printf '<alto><Layout><Page><TextLine><String CONTENT="c"/><String CONTENT="d"/><String CONTENT="f"/></TextLine></Page></Layout></alto>' >"$TMP/mp/p/x.p0002.alto.xml"
run_vo eval --json "$TMP/mp/g" "$TMP/mp/p"
"$PY" -c '
import json, sys
p = json.load(open(sys.argv[1]))["pages"]
sys.exit(not ([(x["page"], x["char_edits"], x["word_edits"]) for x in p] == [(1, 0, 0), (2, 1, 1)]))' "$TMP/out" && [ $rc -eq 0 ]
ok $? "eval 2.4: x.p0001.alto.xml and x.p0002.alto.xml read as the two pages of x (rc=$rc)"

# 3. what goes wrong
printf 'abc\n' >"$TMP/a.txt"
printf 'abd\n' >"$TMP/b.txt"
printf '\377\376 not text' >"$TMP/bin.txt"
printf '<?xml version="1.0"?><alto><Layout>' >"$TMP/broken.xml"
run_vo eval "$TMP/a.txt" "$TMP/bin.txt"
[ $rc -eq 2 ] && grep -q 'bin.txt.*not UTF-8' "$TMP/err"
ok $? "eval 3.1: a prediction that is not text: exit 2, named, with the reason (rc=$rc: $(head -1 "$TMP/err"))"
run_vo eval "$TMP/broken.xml" "$TMP/a.txt"
[ $rc -eq 2 ] && grep -q 'broken.xml.*not well-formed' "$TMP/err"
ok $? "eval 3.2: ALTO that is not well-formed: exit 2 with the reason (rc=$rc)"
mkdir -p "$TMP/g" "$TMP/p"
cp "$TMP/a.txt" "$TMP/g/one.gt.txt"
cp "$TMP/a.txt" "$TMP/g/two.gt.txt"
cp "$TMP/a.txt" "$TMP/g/three.gt.txt"
cp "$TMP/b.txt" "$TMP/p/one.txt"
cp "$TMP/bin.txt" "$TMP/p/two.txt"
run_vo eval --json "$TMP/g" "$TMP/p"
"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = {p["file"]: p for p in d["pages"]}
sys.exit(not (set(f) == {"one", "three"} and f["one"]["char_edits"] == 1 and f["three"]["cer"] == 1
              and d["files_failed"] == 1))' "$TMP/out" && [ $rc -eq 2 ] &&
    grep -q 'three.gt.txt: no prediction' "$TMP/err"
ok $? "eval 3.3: folders: a bad prediction fails alone, a missing one counts every character, the rest is scored (rc=$rc)"
run_vo eval "$TMP/a.txt" "$TMP/g"
[ $rc -eq 1 ] && grep -q 'two files or two folders' "$TMP/err"
ok $? "eval 3.4: a file against a folder: exit 1 with what to give (rc=$rc)"
run_vo eval "$TMP/a.txt"
[ $rc -eq 1 ] && grep -q 'usage' "$TMP/err"
ok $? "eval 3.5: one argument: exit 1 with the usage (rc=$rc)"
sed 's/<MeasurementUnit>pixel</<MeasurementUnit>mm10</' "$S/ko-en-2col.p0001.alto.xml" >"$TMP/mm10.alto.xml"
run_vo eval --json "$S/ko-en-2col.p0001.alto.xml" "$TMP/mm10.alto.xml"
[ $rc -eq 0 ] && grep -q 'pixel against mm10' "$TMP/err" && grep -q '"boxes": null' "$TMP/out"
ok $? "eval 3.6: boxes in pixels against mm10: said, and no box figures (rc=$rc)"
cp "$top_srcdir/tests/data/fuzz/eval/crash-tsv-overflow" "$TMP/huge.tsv"
printf 'a word\n' >"$TMP/huge.gt.txt"
run_vo eval "$TMP/huge.tsv" "$TMP/huge.gt.txt"
[ $rc -eq 2 ] && grep -q 'huge.tsv: line 2: column 7 is 9223372036854775807, outside' "$TMP/err"
ok $? "eval 3.7: a TSV left of 2^63-1: the file, line and column named, no overflow (rc=$rc)"
run_vo eval --help
[ $rc -eq 0 ] && grep -q 'jamo' "$TMP/out"
ok $? "eval 3.8: eval --help"
done_testing
