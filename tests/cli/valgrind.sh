#!/bin/sh
# valgrind.sh: one end-to-end run of each path (text layer to every format,
# OCR with the tiny model, --from-raw) under valgrind: no invalid read or
# write, no definite or indirect leak.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
command -v valgrind >/dev/null 2>&1 || { diag "valgrind is not installed (tests/deps.sh --test installs it)"; ok 1 "valgrind 0.1: valgrind available"; done_testing; exit; }
if grep -q __asan_init "$VO" 2>/dev/null; then
    skip_all "this build uses AddressSanitizer, which valgrind cannot run"
fi
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect"
MODEL="$top_srcdir/tests/data/fixtures/tiny-varco"

$VG "$VO" --text-layer only -j 1 -f txt,hocr,alto,page,tsv,json,pdf -O "$TMP/a" \
    "$SAMPLES/korean-interview.pdf" >"$TMP/out" 2>"$TMP/vg1"
rc=$?
[ $rc -eq 0 ]; ok $? "valgrind 1.1: text layer to every format: clean (rc=$rc)"
[ $rc -eq 0 ] || sed 's/^/# /' "$TMP/vg1" | head -40

$VG "$VO" --device cpu --threads 1 --model "$MODEL" --max-tokens 8 -f txt,alto -O "$TMP/b" \
    --raw-out "$TMP/raw" "$SAMPLES/hello.png" >"$TMP/out" 2>"$TMP/vg2"
rc=$?
[ $rc -eq 0 ]; ok $? "valgrind 1.2: OCR with the tiny model: clean (rc=$rc)"
[ $rc -eq 0 ] || sed 's/^/# /' "$TMP/vg2" | head -40

$VG "$VO" --from-raw "$TMP/raw" -f hocr,json -O "$TMP/c" >"$TMP/out" 2>"$TMP/vg3"
rc=$?
[ $rc -eq 0 ]; ok $? "valgrind 1.3: --from-raw: clean (rc=$rc)"
[ $rc -eq 0 ] || sed 's/^/# /' "$TMP/vg3" | head -40
done_testing
