#!/bin/sh
# malformed-resume.sh: malformed files inside a batch are reported and
# skipped, every good file is completed; a rerun does not redo the good
# files and retries the failed ones (one of them repaired in between).
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
. "$top_srcdir/tests/batch/common.sh"
mkdir -p "$TMP/in"
cp "$SAMPLES/multicolumn.pdf" "$SAMPLES/four-pages.pdf" "$SAMPLES/korean-interview.pdf" "$TMP/in/"
printf '%%PDF-1.4\nthis is no PDF\n' >"$TMP/in/broken.pdf"
printf 'II*\0garbage' >"$TMP/in/bad-scan.tif"
n_bad=2
if SH=$(shared_dir); then
    for f in "$SH"/corpus/malformed/pdf/qpdf__bad1.pdf "$SH"/corpus/malformed/tiff/pillow__seek_too_large.tif; do
        [ -f "$f" ] && cp "$f" "$TMP/in/" && n_bad=$((n_bad + 1))
    done
fi
ARGS="--text-layer only -j 2 -f txt,alto"
run_vo $ARGS -O "$TMP/o" --report "$TMP/r1.json" "$TMP/in"
[ $rc -eq 11 ]; ok $? "malformed 1.1: a batch with broken files exits 11 (rc=$rc)"
grep -q 'broken.pdf' "$TMP/err" && grep -q 'bad-scan.tif' "$TMP/err"
ok $? "malformed 1.2: the broken files are named on standard error"
[ -s "$TMP/o/multicolumn.txt" ] && [ -s "$TMP/o/four-pages.txt" ] &&
    grep -q '인터뷰' "$TMP/o/korean-interview.txt" && [ -s "$TMP/o/four-pages.p0004.alto.xml" ]
ok $? "malformed 1.3: every good file is complete"
[ ! -e "$TMP/o/broken.txt" ] && [ ! -e "$TMP/o/broken.p0001.alto.xml" ]
ok $? "malformed 1.4: no output for a broken file"
summary() { # summary REPORT STATUS: number of files with that status
    "$PY" -c "
import json,sys
r=json.load(open(sys.argv[1]))
print(sum(1 for f in r['files'] if f['status']==sys.argv[2]))" "$1" "$2"
}
[ "$(summary "$TMP/r1.json" done)" -eq 3 ] && [ "$(summary "$TMP/r1.json" failed)" -ge 2 ]
ok $? "malformed 1.5: the report lists 3 files done and the broken ones failed"

cp "$TMP/o/four-pages.txt" "$TMP/keep.txt"
touch -d '2001-01-01' "$TMP/o/four-pages.txt"
# repair one broken file: the rerun must retry it
cp "$SAMPLES/four-pages.pdf" "$TMP/in/broken.pdf"
run_vo $ARGS -v -O "$TMP/o" --report "$TMP/r2.json" "$TMP/in"
[ $rc -eq 11 ]; ok $? "malformed 2.1: the rerun exits 11 (one broken file left) (rc=$rc)"
[ "$(summary "$TMP/r2.json" already-done)" -eq 3 ]
ok $? "malformed 2.2: the rerun does not redo the 3 good files (already-done)"
[ "$(stat -c %Y "$TMP/o/four-pages.txt")" = "$(date -d 2001-01-01 +%s)" ]
ok $? "malformed 2.3: a good file's output is not rewritten"
[ -s "$TMP/o/broken.txt" ] && [ "$(summary "$TMP/r2.json" done)" -eq 1 ]
ok $? "malformed 2.4: the repaired file is retried and done"
grep -q 'bad-scan.tif' "$TMP/err" && [ "$(summary "$TMP/r2.json" failed)" -eq $((n_bad - 1)) ]
ok $? "malformed 2.5: the still broken files are tried again and reported"
done_testing
