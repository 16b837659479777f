#!/bin/sh
# true-exit.sh: exit codes and report counts say what happened: a report
# that cannot be written after every input was done is exit 5, a page whose
# file could not be written is a failed page, inputs a stop came before are
# "not-started" (never "done"), and the line after a stop says what a rerun
# does in each output mode.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
mkdir -p "$TMP/in"
cp "$SAMPLES/four-pages.pdf" "$TMP/in/a.pdf"
rj() { "$PY" -c "import json,sys; r=json.load(open(sys.argv[1])); print($1)" "$TMP/r.json"; }

# 1. the report alone fails
run_vo --text-layer only -o "$TMP/a.txt" --report "$TMP/no/such/dir/r.json" "$TMP/in/a.pdf"
[ $rc -eq 5 ] && [ -s "$TMP/a.txt" ] && grep -q 'r.json: cannot create' "$TMP/err"
ok $? "exit 1.1: every input done but --report cannot be written: exit 5, the outputs kept (rc=$rc)"

mkdir -p "$TMP/o1"
run_vo --text-layer only -O "$TMP/o1" --report "$TMP/no/such/dir/r.json" "$TMP/in/a.pdf" "$TMP/in/missing.pdf"
[ $rc -eq 11 ]
ok $? "exit 1.2: ... and with a failed input too, partial success stays 11 (rc=$rc)"

# 2. a page whose ALTO file cannot be written is a failed page
mkdir -p "$TMP/o2/a.p0002.alto.xml"
run_vo --text-layer only -f alto -O "$TMP/o2" --report "$TMP/r.json" "$TMP/in/a.pdf"
[ $rc -eq 11 ] && [ "$(rj "[p['status'] for p in r['files'][0]['pages']]")" = "['done', 'failed']" ] &&
    [ "$(rj "r['summary']['pages_failed']")" = 1 ] && [ "$(rj "r['summary']['pages_done']")" = 1 ]
ok $? "exit 2.1: page 2's file cannot be written: page 2 failed in the report and its counts, exit 11 (rc=$rc)"

# 3. a stop before the second input was taken
stop_on_stdin() {
    # $@: options and inputs; '-' is standard input that never ends
    rm -f "$TMP/fifo"
    mkfifo "$TMP/fifo"
    "$VO" --text-layer only -j 1 --report "$TMP/r.json" "$@" \
        <"$TMP/fifo" >"$TMP/out" 2>"$TMP/err" &
    pid=$!
    exec 7>"$TMP/fifo" # a writer that never writes: the run waits on it
    watchdog $pid 60
    sleep 1
    kill -TERM $pid
    wait $pid
    rc=$?
    unwatch
    exec 7>&-
}
stop_on_stdin -O "$TMP/o3" - "$TMP/in/a.pdf"
[ $rc -eq 130 ] && [ "$(rj "[i['status'] for i in r['files']]")" = "['interrupted', 'not-started']" ] &&
    [ "$(rj "r['summary']['inputs_not_started']")" = 1 ] && [ "$(rj "r['summary']['inputs_done']")" = 0 ] &&
    grep -q 'run the same command again to resume' "$TMP/err"
ok $? "exit 3.1: SIGTERM on input 1: input 2 is not-started, never done; -O: how to resume (rc=$rc)"

stop_on_stdin -o "$TMP/x.txt" -
[ $rc -eq 130 ] && [ ! -e "$TMP/x.txt" ] && grep -q 'the output is not complete; run the command again' "$TMP/err" &&
    ! grep -q 'to resume' "$TMP/err"
ok $? "exit 3.2: -o FILE: no output, and the line does not promise a resume (rc=$rc)"
# 4. the model's weights cannot be mapped for lack of address space: not a
# bad model folder (9) but a lack of memory (15)
MODEL="$top_srcdir/tests/data/fixtures/tiny-varco"
if grep -q __asan_init "$VO" 2>/dev/null; then
    skip "exit 4.1: weights that cannot be mapped for lack of memory" \
        "AddressSanitizer's shadow memory needs more address space than the limit leaves"
elif [ -f "$MODEL/config.json" ]; then
    mkdir -p "$TMP/big"
    for f in "$MODEL"/*; do [ -f "$f" ] && cp "$f" "$TMP/big/"; done
    rm -f "$TMP/big/model.safetensors"
    truncate -s 64G "$TMP/big/model.safetensors" # sparse: takes no disk
    run_vo() { prlimit --as=$((4 << 30)) "$VO" "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?; }
    run_vo --model "$TMP/big" --text-layer ignore -o "$TMP/big.txt" "$SAMPLES/hello.png"
    [ $rc -eq 15 ] && grep -q 'model.safetensors: not enough memory or address space to map its 68719476736 bytes' "$TMP/err"
    ok $? "exit 4.1: weights that cannot be mapped for lack of memory: exit 15, said, not 9 (rc=$rc)"
else
    diag "tiny fixture model missing"
    ok 1 "exit 4.0: tests/data/fixtures/tiny-varco present"
fi
done_testing
