#!/bin/sh
# kill-resume.sh: a batch of 200+ pages killed with kill -9 at three random
# moments and rerun each time ends byte-identical to an uninterrupted run,
# and no page is done twice once it was kept; the same for --from-raw.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
. "$top_srcdir/tests/batch/common.sh"
make_corpus "$TMP/in"
ARGS="--text-layer only -j 2 -f txt,alto,hocr"

t0=$(date +%s%N)
"$VO" -q $ARGS -O "$TMP/one" --report "$TMP/one.json" "$TMP/in" 2>"$TMP/err"
rc=$?
t1=$(date +%s%N)
ok $rc "kill 1.1: the uninterrupted run exits 0 (rc=$rc)"
pages=$(pages_in_report "$TMP/one.json")
[ "${pages:-0}" -ge 200 ]; ok $? "kill 1.2: the batch has at least 200 pages ($pages)"
full_ms=$(( (t1 - t0) / 1000000 ))
diag "uninterrupted run: $pages pages in $full_ms ms"

# three kills, each after a random part (15-45 %) of the full duration
killed=0
for k in 1 2 3; do
    pct=$(awk -v s="$(od -An -N2 -tu2 /dev/urandom)" 'BEGIN { srand(s); print 15 + int(rand() * 31) }')
    delay=$(awk -v ms="$full_ms" -v p="$pct" 'BEGIN { printf "%.3f", ms * p / 100000 }')
    "$VO" -v $ARGS -O "$TMP/two" "$TMP/in" 2>>"$TMP/log" &
    pid=$!
    sleep "$delay"
    if kill -9 $pid 2>/dev/null; then killed=$((killed + 1)); fi
    wait $pid 2>/dev/null
    diag "kill $k after $delay s ($pct % of the full run)"
done
[ $killed -ge 1 ]; ok $? "kill 2.1: runs were killed while working ($killed of 3)"
"$VO" -v $ARGS -O "$TMP/two" --report "$TMP/two.json" "$TMP/in" 2>>"$TMP/log"
rc=$?
ok $rc "kill 2.2: the rerun after the kills exits 0 (rc=$rc)"
same_tree "$TMP/one" "$TMP/two"
ok $? "kill 2.3: the final tree is byte-identical to the uninterrupted run's"
[ -z "$(find "$TMP/two" -name '*.tmp-*')" ]; ok $? "kill 2.4: no temporary file is left"
# each page is logged 'done' (after it was kept) at most once over all runs
dups=$(grep ': page [0-9]* done (' "$TMP/log" | sed 's/ done (.*//' | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ]; ok $? "kill 3.1: no page was done twice after it was kept ($dups done twice)"
n_done=$(grep -c ': page [0-9]* done (' "$TMP/log")
n_res=$(grep -c ': page [0-9]* resumed' "$TMP/log")
diag "over the killed runs and the rerun: $n_done pages done, $n_res resumed from kept pages"
[ "$n_done" -le "$pages" ] && [ "$n_done" -gt 0 ]
ok $? "kill 3.2: pages done over all runs <= pages of the batch ($n_done <= $pages)"
"$PY" -c "
import json,sys
r=json.load(open(sys.argv[1]))
bad=[f['input'] for f in r['files'] if f['status'] not in ('done','already-done')]
sys.exit(1 if bad or r['summary']['pages_failed'] else 0)" "$TMP/two.json"
ok $? "kill 3.3: the last run's report has every file done or already done"

# --from-raw: 60 saved pages of 3 sources, killed once, resumed
mkdir -p "$TMP/raw"
for s in 1 2 3; do
    p=1
    while [ $p -le 20 ]; do
        printf '{"format": "varco-ocr-raw", "version": 1, "source": "src%d.pdf", "page": %d, "width": 800, "height": 600, "dpi": 100, "text": "<char>page %d</char><bbox>0.1, 0.1, 0.5, 0.2</bbox>\\n<char>of %d</char><bbox>0.1, 0.3, 0.4, 0.4</bbox>"}\n' \
            $s $p $p $s >"$TMP/raw/src$s.p$(printf %04d $p).raw.json"
        p=$((p + 1))
    done
done
"$VO" -q --from-raw "$TMP/raw" -f txt,alto,hocr -O "$TMP/r1" 2>"$TMP/err"
rc=$?
ok $rc "kill 4.1: --from-raw batch of 60 pages exits 0 (rc=$rc)"
"$VO" -v --from-raw "$TMP/raw" -f txt,alto,hocr -j 1 -O "$TMP/r2" 2>"$TMP/rlog" &
pid=$!
sleep 0.05
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
"$VO" -v --from-raw "$TMP/raw" -f txt,alto,hocr -O "$TMP/r2" 2>>"$TMP/rlog"
rc=$?
ok $rc "kill 4.2: --from-raw rerun after kill -9 exits 0 (rc=$rc)"
same_tree "$TMP/r1" "$TMP/r2"; ok $? "kill 4.3: --from-raw tree byte-identical after kill -9 and rerun"
dups=$(grep ': page [0-9]* done (' "$TMP/rlog" | sed 's/ done (.*//' | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ]; ok $? "kill 4.4: --from-raw: no page done twice ($dups)"

# SIGTERM: the pages in flight are finished, exit 130 with a line saying how
# to resume; the same command then completes the tree of one run
"$VO" $ARGS -O "$TMP/three" "$TMP/in" 2>"$TMP/terr" &
pid=$!
sleep "$(awk -v ms="$full_ms" 'BEGIN { printf "%.3f", ms * 0.3 / 1000 }')"
kill -TERM $pid 2>/dev/null
wait $pid
rc=$?
if [ $rc -eq 0 ]; then
    diag "the run ended before SIGTERM arrived"
    ok 0 "kill 5.1: SIGTERM (run already done)"
else
    [ $rc -eq 130 ] && grep -q 'run the same command again to resume' "$TMP/terr"
    ok $? "kill 5.1: SIGTERM exits 130 with a line saying how to resume (rc=$rc)"
fi
[ -z "$(find "$TMP/three" -name '*.tmp-*')" ]; ok $? "kill 5.2: SIGTERM leaves no temporary file"
"$VO" -q $ARGS -O "$TMP/three" "$TMP/in"
rc=$?
ok $rc "kill 5.3: the rerun after SIGTERM exits 0 (rc=$rc)"
same_tree "$TMP/one" "$TMP/three"; ok $? "kill 5.4: the tree after SIGTERM and rerun is byte-identical"
done_testing
