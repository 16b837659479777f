#!/bin/sh
# page-timeout.sh: --page-timeout abandons a page that takes longer (the
# engine stops generating at the deadline; text-layer pages are checked
# after reading), names it, and the batch goes on.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
MODEL="$top_srcdir/tests/data/fixtures/tiny-varco"

for bad in 0 -1 abc 1e99 nan; do
    run_vo --page-timeout "$bad" "$SAMPLES/four-pages.pdf"
    [ $rc -eq 1 ] && grep -q -- '--page-timeout' "$TMP/err"
    ok $? "timeout 1.1: --page-timeout $bad is a usage error (rc=$rc)"
done
run_vo --text-layer only --page-timeout 600 -O "$TMP/a" "$SAMPLES/four-pages.pdf"
[ $rc -eq 0 ] && [ -s "$TMP/a/four-pages.txt" ]; ok $? "timeout 1.2: a generous timeout changes nothing (rc=$rc)"

# every page of a text-layer document past a 1 µs deadline: abandoned
run_vo --text-layer only --page-timeout 0.000001 -O "$TMP/b" "$SAMPLES/four-pages.pdf"
[ $rc -eq 2 ] && grep -q 'four-pages.pdf: page 1: abandoned after reading its text layer' "$TMP/err"
ok $? "timeout 2.1: a page past the deadline fails with its file and page named (rc=$rc)"
[ ! -e "$TMP/b/four-pages.txt" ]; ok $? "timeout 2.2: no output claims the abandoned pages"

# the model: a long generation (random weights never stop) cut at 0.3 s,
# while another file of the batch is completed
if [ -f "$MODEL/config.json" ]; then
    t0=$(date +%s%N)
    run_vo --model "$MODEL" --max-tokens 100000 --page-timeout 0.3 -j 1 -f txt -O "$TMP/c" \
        --report "$TMP/c.json" "$SAMPLES/hello.png" "$SAMPLES/multicolumn.pdf"
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    [ $rc -eq 11 ]; ok $? "timeout 3.1: batch with a timed-out OCR page exits 11 (rc=$rc)"
    grep -q 'hello.png: page 1: abandoned during recognition' "$TMP/err"
    ok $? "timeout 3.2: the message names the page and says it was abandoned"
    [ -s "$TMP/c/multicolumn.txt" ]; ok $? "timeout 3.3: the other file of the batch is complete"
    [ $ms -lt 30000 ]; ok $? "timeout 3.4: the run did not wait for 100000 tokens ($ms ms)"
    "$PY" -c "
import json,sys
r=json.load(open(sys.argv[1]))
p=[f for f in r['files'] if f['input'].endswith('hello.png')][0]['pages'][0]
sys.exit(0 if p['status']=='failed' and 'page-timeout' in p['error'] else 1)" "$TMP/c.json"
    ok $? "timeout 3.5: the report gives the page as failed with the timeout"
else
    diag "tiny fixture model missing: the engine part is not run"
    ok 1 "timeout 3.0: tests/data/fixtures/tiny-varco present"
fi
done_testing
