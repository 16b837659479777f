#!/bin/sh
# bench-engine.sh (make bench): peak RSS of the probe on a random-weight folder
# in the real 1.7B shapes (one 384-px page, 64 decode steps), and speed figures.
# VO_RANDOM_MODEL=DIR reuses (or keeps) the generated folder; VO_BENCH_THREADS.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
THREADS=${VO_BENCH_THREADS:-0}
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
[ -x /usr/bin/time ] || { echo "bench-engine: /usr/bin/time not found: skipped"; exit 0; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vo-bench-engine-XXXXXX")
MODEL=${VO_RANDOM_MODEL:-$TMP/model}
trap 'rm -rf "$TMP"' EXIT
if [ ! -f "$MODEL/model.safetensors" ]; then
    mkdir -p "$MODEL"
    free_kb=$(df -Pk "$MODEL" | awk 'NR == 2 { print $4 }')
    if [ "$free_kb" -lt 6000000 ]; then
        echo "bench-engine: $MODEL has $((free_kb / 1024)) MiB free, 6 GB needed: skipped"
        exit 0
    fi
    echo "bench-engine: writing a random 1.7B-shaped model into $MODEL"
    "$PY" "$top_srcdir/tests/bench/make-random-model" "$top_srcdir/tests/data/fixtures/tiny-varco" \
        "$MODEL" >/dev/null || exit 1
fi
wbytes=$(stat -c %s "$MODEL/model.safetensors")
mkdir -p "$TMP/dump"
/usr/bin/time -v "$top_builddir/tests/vlm-probe" --model "$MODEL" --image "$MODEL/page-384.png" \
    --generate 64 --threads "$THREADS" --dump "$TMP/dump" 2>"$TMP/time.log"
rc=$?
if [ $rc -ne 0 ]; then
    echo "bench-engine: the probe failed (exit $rc):"; cat "$TMP/time.log"; exit 1
fi
peak_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$TMP/time.log")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$TMP/time.log")
ntok=$(( $(stat -c %s "$TMP/dump/input_ids.bin") / 4 ))
limit_kb=$(( wbytes / 1024 + 1536 * 1024 ))
printf '%-34s %12s\n' "measure" "value"
printf '%-34s %12d\n' "bf16 weight file, MiB" $((wbytes / 1048576))
printf '%-34s %12d\n' "prompt tokens (2 tiles + text)" "$ntok"
printf '%-34s %12d\n' "probe peak RSS, MiB" $((peak_kb / 1024))
printf '%-34s %12d\n' "limit (weights + 1.5 GiB), MiB" $((limit_kb / 1024))
printf '%-34s %12s\n' "probe wall time (page + 64 steps)" "$wall"
"$top_builddir/tests/bench/bench-engine" "$MODEL" "$THREADS" | tail -n +2 || exit 1
if [ "$peak_kb" -ge "$limit_kb" ]; then
    echo "bench-engine: FAIL: peak RSS $((peak_kb / 1024)) MiB >= $((limit_kb / 1024)) MiB"
    exit 1
fi
echo "bench-engine: peak RSS below the bf16 weights + 1.5 GiB"
