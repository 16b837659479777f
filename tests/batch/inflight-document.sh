#!/bin/sh
# inflight-document.sh: several pages of ONE document in flight (--batch
# page makers) with the tiny model. A 16-page scanned PDF (made here with
# mutool create from the sample scans) gives byte-identical outputs and the
# same report with --batch 1 and 8 and -j 1 and 2; its pages share decode
# steps; pages that fail while others are in flight fail the same way, in
# order; kill -9 during a batched run and a rerun lose no kept page and give
# the same outputs; SIGTERM stops the page makers and exits 130.
# --no-band: the tiny model fills its 24 tokens on every page, and banding
# would recognise each such page 16 times (3 minutes a run under ASan, nine
# runs); inflight.sh checks banded pages in flight.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
. "$top_srcdir/tests/batch/common.sh"
MODEL="$top_srcdir/tests/data/fixtures/tiny-varco"
[ -f "$MODEL/config.json" ] || skip_all "$MODEL/config.json absent"
command -v mutool >/dev/null || skip_all "mutool absent (tests/deps.sh installs mupdf-tools)"
export SOURCE_DATE_EPOCH=1700000000

# 16 image-only pages: the four sample scans four times over, each drawn at
# 150 dpi on a page of its size
mkdir -p "$TMP/make" "$TMP/in"
i=0
for k in 1 2 3 4; do
    for f in "$SAMPLES/hello.png" "$SAMPLES/ko-en-2col.png" "$SAMPLES/ko-poem-skew.png" \
        "$top_srcdir/tests/data/pdf/synth-1col.png"; do
        i=$((i + 1))
        wh=$(od -An -tu1 -j16 -N8 "$f" | awk '{ printf "%g %g", ($1*16777216+$2*65536+$3*256+$4)*72/150, ($5*16777216+$6*65536+$7*256+$8)*72/150 }')
        printf '%%%%MediaBox 0 0 %s\n%%%%Image Im0 %s\nq %s 0 0 %s 0 0 cm /Im0 Do Q\n' \
            "$wh" "$f" "${wh% *}" "${wh#* }" >"$TMP/make/p$(printf %02d $i).txt"
    done
done
mutool create -o "$TMP/in/scan16.pdf" "$TMP/make"/p*.txt 2>"$TMP/err"
n=$(mutool info "$TMP/in/scan16.pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }')
[ "${n:-0}" -eq 16 ]
ok $? "doc 1.1: the scanned PDF has 16 pages ($n)"
cp "$SAMPLES/hello.png" "$TMP/in/"

ARGS="--model $MODEL --max-tokens 24 --no-band -f txt,hocr,alto,tsv,json,pdf"
run_vo $ARGS -j 1 --batch 1 -O "$TMP/b1" --report "$TMP/b1.json" "$TMP/in"
rc1=$rc
run_vo -v $ARGS -j 1 --batch 8 -O "$TMP/b8" --report "$TMP/b8.json" "$TMP/in"
rc8=$rc
cp "$TMP/err" "$TMP/b8.log"
run_vo $ARGS -j 2 --batch 8 -O "$TMP/j2" --report "$TMP/j2.json" "$TMP/in"
rcj=$rc
run_vo $ARGS -j 2 --batch 1 -O "$TMP/j2b1" "$TMP/in"
[ $rc1 -eq 0 ] && [ $rc8 -eq 0 ] && [ $rcj -eq 0 ] && [ $rc -eq 0 ]
ok $? "doc 2.1: -j 1/2 with --batch 1/8 all exit 0 (rc=$rc1 $rc8 $rcj $rc)"
n=$(ls "$TMP/b1" | grep -c '\.\(txt\|hocr\|tsv\|json\|alto\.xml\|pdf\)$')
same=0
for o in b8 j2 j2b1; do
    same_tree "$TMP/b1" "$TMP/$o" || { diag "$o differs from b1"; same=1; }
done
[ "$n" -eq 27 ] && [ $same -eq 0 ]
ok $? "doc 2.2: the $n outputs are byte-identical with -j 1/2 and --batch 1/8"
# the pages of the one document met in the engine: some page's decode
# steps carried other pages too (one page at a time says 1)
most=$(sed -n 's/.*scan16\.pdf: page [0-9]*: rows .*up to \([0-9]*\) pages in flight$/\1/p' \
    "$TMP/b8.log" | sort -n | tail -1)
diag "at most ${most:-?} pages of scan16.pdf shared a decode step with --batch 8 -j 1"
[ "${most:-0}" -ge 2 ]
ok $? "doc 2.3: pages of one document shared decode steps with -j 1 --batch 8 (up to $most)"
# the pages are reported in order, each with what was said of it
"$PY" -c "
import json,sys
def pages(f):
    r=json.load(open(f))
    return {x['input']: [{k: v for k, v in p.items() if k != 'seconds'} for p in x['pages']]
            for x in r['files']}
a, b, c = (pages(f) for f in sys.argv[1:4])
nums = [p['page'] for p in b[[k for k in b if k.endswith('scan16.pdf')][0]]]
sys.exit(0 if a == b == c and nums == list(range(1, 17)) else 1)" \
    "$TMP/b1.json" "$TMP/b8.json" "$TMP/j2.json"
ok $? "doc 2.4: the reports list pages 1-16 in order with the same statuses and warnings"
grep -q 'scan16.pdf: page 16 done' "$TMP/b8.log" &&
    [ "$(grep -o 'scan16.pdf: page [0-9]* done' "$TMP/b8.log" | sed 's/.*page \([0-9]*\) done/\1/' | tr '\n' ' ')" = "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 " ]
ok $? "doc 2.5: -v says the pages done in page order"

# pages that fail (too many pixels) among pages in flight
run_vo $ARGS --max-pixels 600000 -j 1 --batch 1 -O "$TMP/f1" --report "$TMP/f1.json" \
    "$TMP/in/scan16.pdf"
rcf1=$rc
cp "$TMP/err" "$TMP/f1.err"
run_vo $ARGS --max-pixels 600000 -j 1 --batch 8 -O "$TMP/f8" --report "$TMP/f8.json" \
    "$TMP/in/scan16.pdf"
# (warnings are said when heard, so in the order the pages got them; the
# errors in page order)
grep 'error:' "$TMP/f1.err" >"$TMP/f1.errors"
grep 'error:' "$TMP/err" >"$TMP/f8.errors"
failed=$(grep -c 'page [0-9]*: raster of .* exceeds the limit of 600000 pixels' "$TMP/f8.errors")
[ $rcf1 -ne 0 ] && [ $rc -eq $rcf1 ] && [ "$failed" -eq 4 ] &&
    cmp -s "$TMP/f1.errors" "$TMP/f8.errors" && same_tree "$TMP/f1" "$TMP/f8"
ok $? "doc 3.1: 4 failing pages among pages in flight: the same errors in the same order, exit $rc, the same kept pages"
"$PY" -c "
import json,sys
def pages(f):
    return [(p['page'], p['status'], p.get('error')) for p in json.load(open(f))['files'][0]['pages']]
a, b = pages(sys.argv[1]), pages(sys.argv[2])
sys.exit(0 if a == b and [p for p, s, e in a if s == 'failed'] == [2, 6, 10, 14] else 1)" \
    "$TMP/f1.json" "$TMP/f8.json"
ok $? "doc 3.2: the reports say pages 2, 6, 10 and 14 failed, with the same errors"

# kill -9 once some pages are kept, then a rerun
"$VO" -v $ARGS -j 1 --batch 8 -O "$TMP/k" "$TMP/in/scan16.pdf" 2>"$TMP/k.log" &
pid=$!
kept=0
t=0
# the first 8 pages end together; under ASan on a 2-vCPU Zen 3 that took
# 53 s, so the wait allows 5 minutes (it stops at the third kept page)
while [ $t -lt 6000 ]; do
    kept=$(ls "$TMP/k/.varco-ocr" 2>/dev/null | grep -c '^scan16\.p[0-9]*\.json$')
    [ "$kept" -ge 3 ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
    t=$((t + 1))
done
kill -9 $pid 2>/dev/null
killed=$?
wait $pid 2>/dev/null
kept=$(ls "$TMP/k/.varco-ocr" 2>/dev/null | grep -c '^scan16\.p[0-9]*\.json$')
diag "killed with $kept pages kept"
[ $killed -eq 0 ] && [ "$kept" -ge 3 ] && [ "$kept" -lt 16 ]
ok $? "doc 4.1: the batched run was killed with some pages kept ($kept of 16)"
"$VO" -v $ARGS -j 1 --batch 8 -O "$TMP/k" "$TMP/in/scan16.pdf" 2>"$TMP/k2.log"
rc=$?
resumed=$(grep -c 'scan16.pdf: page [0-9]* resumed' "$TMP/k2.log")
cp -R "$TMP/b1" "$TMP/kref" # its scan16 files only
rm -f "$TMP/kref"/hello.* "$TMP/kref"/.varco-ocr/hello.* "$TMP/kref"/.varco-ocr/run*.lock
[ $rc -eq 0 ] && [ "$resumed" -eq "$kept" ] && same_tree "$TMP/kref" "$TMP/k"
ok $? "doc 4.2: the rerun exits 0 ($rc), resumes the $kept kept pages ($resumed) and gives the same outputs"
dups=$(cat "$TMP/k.log" "$TMP/k2.log" | grep ': page [0-9]* done (' | sed 's/ done (.*//' | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ]
ok $? "doc 4.3: no page was done twice over the killed run and the rerun ($dups)"

# SIGTERM while pages are in flight: the makers stop, exit 130, a rerun ends
"$VO" -v $ARGS -j 1 --batch 8 -O "$TMP/t" "$TMP/in/scan16.pdf" 2>"$TMP/t.log" &
pid=$!
t=0
while [ $t -lt 6000 ] && ! grep -q 'scan16.pdf: page [0-9]*: rows' "$TMP/t.log"; do
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
    t=$((t + 1))
done
kill -TERM $pid 2>/dev/null
sent=$?
wait $pid
rc=$?
[ $sent -eq 0 ] && [ $rc -eq 130 ] && [ -z "$(find "$TMP/t" -name '*.tmp-*')" ]
ok $? "doc 5.1: SIGTERM with pages in flight exits 130 and leaves no temporary file (rc=$rc)"
run_vo $ARGS -j 1 --batch 8 -O "$TMP/t" "$TMP/in/scan16.pdf"
[ $rc -eq 0 ] && same_tree "$TMP/kref" "$TMP/t"
ok $? "doc 5.2: the rerun after SIGTERM exits 0 and gives the same outputs (rc=$rc)"
done_testing
