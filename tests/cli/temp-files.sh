#!/bin/sh
# temp-files.sh: standard input is spooled up to --max-input-size, and no
# temp file survives an exit the process sees: the spool file of standard
# input and the temp file of -o FILE are removed after the limit, SIGTERM,
# SIGHUP and SIGPIPE.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
MODEL="$top_srcdir/tests/data/fixtures/tiny-varco"
PDF="$SAMPLES/four-pages.pdf"
LIMIT_MS=10000 # generous: a loaded 2-core machine under ASan

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# signal_and_wait SIG PID: send SIG, wait for PID (killed after 30 s if it
# hangs); sets rc and ms
signal_and_wait() {
    t0=$(date +%s%N)
    kill -"$1" "$2"
    n=0
    while kill -0 "$2" 2>/dev/null && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
    kill -KILL "$2" 2>/dev/null
    wait "$2"
    rc=$?
    ms=$(ms_since "$t0")
}

for bad in 0 1X -1 K 2P; do
    run_vo --max-input-size "$bad" - <"$PDF"
    [ $rc -eq 1 ] && grep -q -- '--max-input-size' "$TMP/err"
    ok $? "temp 1.1: --max-input-size $bad is a usage error (rc=$rc)"
done

mkdir -p "$TMP/spool"
size=$(wc -c <"$PDF")
TMPDIR="$TMP/spool" run_vo --text-layer only --max-input-size "$size" - <"$PDF"
[ $rc -eq 0 ] && [ -s "$TMP/out" ]
ok $? "temp 2.1: a document of exactly --max-input-size bytes on standard input is read (rc=$rc)"
TMPDIR="$TMP/spool" run_vo --text-layer only --max-input-size $((size - 1)) - <"$PDF"
[ $rc -eq 2 ] && grep -q 'standard input is larger than --max-input-size' "$TMP/err" && [ ! -s "$TMP/out" ]
ok $? "temp 2.2: one byte more is refused, exit 2, said (rc=$rc)"
[ -z "$(ls -A "$TMP/spool")" ]; ok $? "temp 2.3: the spool file is removed"
t0=$(date +%s%N)
TMPDIR="$TMP/spool" timeout -s KILL 60 "$VO" --max-input-size 64M - </dev/zero >"$TMP/out" 2>"$TMP/err"
rc=$?
ms=$(ms_since "$t0")
[ $rc -eq 2 ] && [ "$ms" -lt $LIMIT_MS ] && grep -q 'larger than --max-input-size (67108864 bytes)' "$TMP/err"
ok $? "temp 2.4: endless standard input (/dev/zero) stops at the limit (rc=$rc, $ms ms)"
[ -z "$(ls -A "$TMP/spool")" ]; ok $? "temp 2.5: ... and its spool file is removed"

# signals while standard input is being spooled: the spool file goes
for sig in TERM HUP PIPE; do
    case $sig in TERM) want=130 ;; HUP) want=129 ;; PIPE) want=141 ;; esac
    rm -f "$TMP/in"
    mkfifo "$TMP/in"
    TMPDIR="$TMP/spool" "$VO" - <"$TMP/in" >"$TMP/out" 2>"$TMP/err" &
    pid=$!
    exec 3>"$TMP/in"
    printf '%%PDF-1.4\n' >&3
    head -c 100000 /dev/zero >&3 # more than the first chunk: the spool file is made
    n=0
    while [ -z "$(ls -A "$TMP/spool")" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
    had=$(ls -A "$TMP/spool")
    signal_and_wait $sig $pid
    exec 3>&-
    [ -n "$had" ] && [ $rc -eq $want ] && [ -z "$(ls -A "$TMP/spool")" ]
    ok $? "temp 3: SIG$sig while spooling standard input: exit $want, the spool file removed (rc=$rc, $ms ms${had:+, had $had})"
done

# signals in the middle of recognition with -o FILE: its temp file goes
if [ -f "$MODEL/config.json" ]; then
    for sig in TERM HUP PIPE; do
        case $sig in TERM) want=130 ;; HUP) want=129 ;; PIPE) want=141 ;; esac
        rm -rf "$TMP/o"
        mkdir -p "$TMP/o"
        "$VO" --model "$MODEL" --max-tokens 1000000 -o "$TMP/o/h.txt" "$SAMPLES/hello.png" \
            >"$TMP/out" 2>"$TMP/err" &
        pid=$!
        n=0
        while [ -z "$(ls -A "$TMP/o")" ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
        had=$(ls -A "$TMP/o")
        sleep 1
        signal_and_wait $sig $pid
        [ -n "$had" ] && [ $rc -eq $want ] && [ -z "$(ls -A "$TMP/o")" ]
        ok $? "temp 4: SIG$sig mid-recognition with -o FILE: exit $want, no temp file left (rc=$rc, $ms ms${had:+, had $had})"
    done
else
    diag "tiny fixture model missing: the -o FILE cases are not run"
    ok 1 "temp 4.0: tests/data/fixtures/tiny-varco present"
fi
done_testing
