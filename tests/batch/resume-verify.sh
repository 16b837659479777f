#!/bin/sh
# resume-verify.sh: a resume keeps only what it checked: a done document
# whose output was deleted or changed is done again, the per-page files of
# pages a shorter document no longer has are removed, an input rewritten
# while its pages are read fails instead of mixing two versions, and
# --wait-lock waits for the run that holds the output folder.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
MODEL="$top_srcdir/tests/data/fixtures/tiny-varco"
mkdir -p "$TMP/in"
cp "$SAMPLES/four-pages.pdf" "$TMP/in/a.pdf"
rj() { "$PY" -c "import json,sys; r=json.load(open(sys.argv[1])); print($1)" "$TMP/r.json"; }
statuses() { rj "[i['status'] for i in r['files']]"; }
# text-layer runs of a.pdf into $TMP/o
run_a() { run_vo --text-layer only -f txt,alto -O "$TMP/o" --report "$TMP/r.json" "$@" "$TMP/in/a.pdf"; }
# wait_for FILE SECONDS: 0 once FILE exists
wait_for() {
    n=0
    while [ ! -e "$1" ] && [ $n -lt $(($2 * 20)) ]; do sleep 0.05; n=$((n + 1)); done
    [ -e "$1" ]
}

# 1. the done marker lists every output with its size and hash
run_a
cp -r "$TMP/o" "$TMP/ref"
[ $rc -eq 0 ] && [ "$(grep -c '^output [0-9]* [0-9a-f]\{16\} ' "$TMP/o/.varco-ocr/a.done")" = 5 ] &&
    grep -q '^output [0-9]* [0-9a-f]* \.p0004\.alto\.xml$' "$TMP/o/.varco-ocr/a.done"
ok $? "verify 1.1: the done marker records a.txt and the four ALTO pages (rc=$rc)"

run_a
[ $rc -eq 0 ] && [ "$(statuses)" = "['already-done']" ] && ! grep -q warning "$TMP/err"
ok $? "verify 1.2: outputs as written: the document is skipped, nothing said (rc=$rc)"

rm "$TMP/o/a.txt"
run_a
[ $rc -eq 0 ] && [ "$(statuses)" = "['done']" ] && cmp -s "$TMP/o/a.txt" "$TMP/ref/a.txt" &&
    grep -q 'o/a.txt: missing since the run that wrote it: .*a.pdf is done again' "$TMP/err"
ok $? "verify 1.3: a deleted a.txt is said and made again, the same bytes (rc=$rc)"

# the same size, one byte changed: only the hash can tell
printf 'X' | dd of="$TMP/o/a.p0002.alto.xml" bs=1 seek=600 conv=notrunc 2>/dev/null
run_a
[ $rc -eq 0 ] && [ "$(statuses)" = "['done']" ] &&
    cmp -s "$TMP/o/a.p0002.alto.xml" "$TMP/ref/a.p0002.alto.xml" &&
    grep -q 'a.p0002.alto.xml: changed since the run that wrote it' "$TMP/err"
ok $? "verify 1.4: an ALTO page changed in place (same size) is found and made again (rc=$rc)"

rm "$TMP/o/a.p0003.alto.xml"
ln -s "$TMP/ref/a.p0003.alto.xml" "$TMP/o/a.p0003.alto.xml"
run_a
[ $rc -ne 0 ] && grep -q 'a.p0003.alto.xml: no longer a regular file' "$TMP/err" &&
    grep -q 'symbolic link' "$TMP/err"
ok $? "verify 1.5: a link put at an output is no output: the document is done again and the link refused (rc=$rc)"
rm "$TMP/o/a.p0003.alto.xml"
run_a
[ $rc -eq 0 ] && cmp -s "$TMP/o/a.p0003.alto.xml" "$TMP/ref/a.p0003.alto.xml"
ok $? "verify 1.6: with the link gone, the next run completes it (rc=$rc)"

# 2. the document gets shorter: its pages 2-4 go
cp "$SAMPLES/korean-interview.pdf" "$TMP/in/a.pdf"
run_a
[ $rc -eq 0 ] && [ -s "$TMP/o/a.p0001.alto.xml" ] && [ ! -e "$TMP/o/a.p0002.alto.xml" ] &&
    [ ! -e "$TMP/o/a.p0004.alto.xml" ] && [ -s "$TMP/ref/a.p0004.alto.xml" ] &&
    [ "$(grep -c 'alto.xml removed: the document has only 1 page now' "$TMP/err")" = 3 ]
ok $? "verify 2.1: a.pdf now of one page: the ALTO files of pages 2-4 are removed, and said (rc=$rc)"

# 3. an input rewritten while its pages are read (the tiny model is slow
# enough: about a second a page at 20 dpi; one page at a time, so that the
# pages after the first are read after the change)
if [ -f "$MODEL/config.json" ]; then
    cp "$SAMPLES/four-pages.pdf" "$TMP/in/b.pdf"
    ocr_b() {
        rm -f "$TMP/err" # what the last run said must not be read as this one's
        "$VO" --model "$MODEL" --text-layer ignore --dpi 20 --max-tokens 200 --no-band -v --batch 1 \
            --report "$TMP/r.json" "$@" "$TMP/in/b.pdf" >"$TMP/out" 2>"$TMP/err" &
        pid=$!
        watchdog $pid 600
    }
    ocr_b -O "$TMP/c"
    wait_for "$TMP/c/.varco-ocr/b.p0001.json" 300
    printf '%% appended\n' >>"$TMP/in/b.pdf"
    wait $pid
    rc=$?
    unwatch
    [ $rc -eq 2 ] && [ ! -e "$TMP/c/b.txt" ] && [ "$(statuses)" = "['failed']" ] &&
        grep -q 'b.pdf: the file changed while its pages were read (its size went from 24607 to 24618 bytes): it fails' "$TMP/err"
    ok $? "verify 3.1: pages read from a file that grew: the input fails with the reason, no b.txt (rc=$rc)"

    ocr_b -O "$TMP/c"
    wait $pid
    rc=$?
    unwatch
    [ $rc -eq 0 ] && [ -e "$TMP/c/b.txt" ] && [ "$(statuses)" = "['done']" ] &&
        [ "$(rj "[p['status'] for p in r['files'][0]['pages']]")" = "['done', 'done', 'done', 'done']" ]
    ok $? "verify 3.2: the next run does every page again from the new file (rc=$rc)"

    ocr_b -o "$TMP/b.txt"
    n=0
    while ! grep -q 'page 1 done' "$TMP/err" 2>/dev/null && [ $n -lt 6000 ]; do sleep 0.05; n=$((n + 1)); done
    touch -d '2001-02-03 04:05:06' "$TMP/in/b.pdf"
    wait $pid
    rc=$?
    unwatch
    [ $rc -eq 2 ] && [ ! -e "$TMP/b.txt" ] && grep -q 'b.pdf: the file changed .*(it was modified)' "$TMP/err"
    ok $? "verify 3.3: -o FILE: a file touched mid-run fails, and -o is not written (rc=$rc)"

    ocr_b -o "$TMP/b.txt"
    n=0
    while ! grep -q 'page 1 done' "$TMP/err" 2>/dev/null && [ $n -lt 6000 ]; do sleep 0.05; n=$((n + 1)); done
    cp "$TMP/in/b.pdf" "$TMP/in/b2.pdf" && mv "$TMP/in/b2.pdf" "$TMP/in/b.pdf"
    wait $pid
    rc=$?
    unwatch
    [ $rc -eq 2 ] && [ ! -e "$TMP/b.txt" ] && grep -q '(another file took its name)' "$TMP/err"
    ok $? "verify 3.4: a file replaced by another of the same name mid-run fails (rc=$rc)"
else
    diag "tiny fixture model missing: the input-change cases are not run"
    ok 1 "verify 3.0: tests/data/fixtures/tiny-varco present"
fi

# 4. --wait-lock
mkdir -p "$TMP/w/.varco-ocr"
LOCK="$TMP/w/.varco-ocr/run.lock"
hold() { flock -x "$LOCK" sleep "$1" & holder=$!; wait_for "$LOCK" 5; sleep 0.2; }
hold 2
t0=$(date +%s%N)
run_vo --text-layer only -O "$TMP/w" --wait-lock "$TMP/in/a.pdf"
ms=$((($(date +%s%N) - t0) / 1000000))
wait $holder
[ $rc -eq 0 ] && [ -s "$TMP/w/a.txt" ] && [ $ms -ge 1000 ] &&
    [ "$(grep -c 'waiting for it to end (--wait-lock)' "$TMP/err")" = 1 ]
ok $? "verify 4.1: --wait-lock waits for the run that holds the folder, said once, then runs (rc=$rc, $ms ms)"

hold 10
t0=$(date +%s%N)
run_vo --text-layer only -O "$TMP/w" --wait-lock=0.5 --no-resume "$TMP/in/a.pdf"
ms=$((($(date +%s%N) - t0) / 1000000))
[ $rc -eq 5 ] && [ $ms -lt 5000 ] && grep -q 'still writes into this output folder after 0\.[5-9] s' "$TMP/err"
ok $? "verify 4.2: --wait-lock=0.5 gives up after half a second, exit 5 (rc=$rc, $ms ms)"

rm -f "$TMP/err"
"$VO" --text-layer only -O "$TMP/w" --wait-lock --no-resume "$TMP/in/a.pdf" >"$TMP/out" 2>"$TMP/err" &
pid=$!
watchdog $pid 30
n=0
while ! grep -q 'waiting' "$TMP/err" 2>/dev/null && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
t0=$(date +%s%N)
kill -TERM $pid
wait $pid
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
unwatch
kill $holder 2>/dev/null
wait $holder 2>/dev/null
[ $rc -eq 130 ] && [ $ms -lt 2000 ] && grep -q 'interrupted: 0 pages done' "$TMP/err"
ok $? "verify 4.3: SIGTERM ends the wait at once, exit 130 (rc=$rc, $ms ms)"

run_vo --text-layer only --wait-lock=soon "$TMP/in/a.pdf"
r1=$rc
run_vo --text-layer only --wait-lock "$TMP/in/a.pdf"
[ $r1 -eq 1 ] && [ $rc -eq 1 ] && grep -q 'wait-lock needs --output-dir' "$TMP/err"
ok $? "verify 4.4: --wait-lock=soon and --wait-lock without -O are usage errors (rc=$r1, $rc)"
done_testing
