#!/bin/sh
# inflight.sh: pages in flight (--batch) through the command line with the
# tiny model: four scans recognised by four workers sharing decode steps give
# byte-identical outputs to one worker and one page at a time; -v says how
# many pages may be in flight; a bad --batch is a usage error.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
MODEL="$top_srcdir/tests/data/fixtures/tiny-varco"
[ -f "$MODEL/config.json" ] || skip_all "$MODEL/config.json absent"

for bad in 0 17 -1 x; do
    run_vo --batch "$bad" "$SAMPLES/hello.png"
    [ $rc -eq 1 ] && grep -q -- '--batch takes a number from 1 to 16' "$TMP/err"
    ok $? "inflight 1.1: --batch $bad is a usage error (rc=$rc)"
done

mkdir -p "$TMP/in"
cp "$SAMPLES/hello.png" "$SAMPLES/ko-en-2col.png" "$SAMPLES/ko-poem-skew.png" \
    "$top_srcdir/tests/data/pdf/synth-1col.png" "$TMP/in/"
run_vo --model "$MODEL" --max-tokens 30 -j 1 --batch 1 -f txt,hocr,alto,tsv,json -O "$TMP/one" \
    "$TMP/in"
rc1=$rc
run_vo -v --model "$MODEL" --max-tokens 30 -j 4 --batch 4 -f txt,hocr,alto,tsv,json \
    -O "$TMP/four" "$TMP/in"
[ $rc1 -eq 0 ] && [ $rc -eq 0 ]
ok $? "inflight 2.1: four scans with -j 1 --batch 1 and with -j 4 --batch 4 (rc=$rc1, $rc)"
grep -q 'up to 4 pages in flight' "$TMP/err"
ok $? "inflight 2.2: -v says how many pages may be in flight"
# no --batch: as many as the memory has room for (the tiny model's caches
# are small: the most, 16)
run_vo -v --model "$MODEL" --max-tokens 4 -j 1 -f txt -O "$TMP/def" "$SAMPLES/hello.png"
[ $rc -eq 0 ] && grep -q "up to 16 pages in flight (--batch's default: the KV caches of 16 pages of 10000 tokens, 0.00 GiB each, fit in half of the [0-9.]* GiB of memory available)" "$TMP/err"
ok $? "inflight 2.4: without --batch, -v says the default comes from the memory available (rc=$rc)"
n=$(ls "$TMP/one" | grep -c '\.\(txt\|hocr\|tsv\|json\|alto\.xml\)$')
[ "$n" -eq 20 ] && diff -r -x .varco-ocr "$TMP/one" "$TMP/four" >"$TMP/diff" 2>&1
ok $? "inflight 2.3: the $n outputs are byte-identical whether pages shared decode steps or not"
[ -s "$TMP/diff" ] && sed 's/^/# /' "$TMP/diff" | head -10
done_testing
