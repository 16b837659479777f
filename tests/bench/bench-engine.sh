#!/bin/sh
# bench-engine.sh (make bench): peak RSS of the probe on a random-weight folder
# in the real 1.7B shapes (one 384-px page, 64 decode steps), and speed figures,
# each with an f32 and a bf16 KV cache.
# VO_RANDOM_MODEL=DIR reuses (or keeps) the generated folder; VO_BENCH_THREADS.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
THREADS=${VO_BENCH_THREADS:-0}
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
[ -x /usr/bin/time ] || { echo "bench-engine: /usr/bin/time not found: skipped"; exit 0; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vo-bench-engine-XXXXXX")
MODEL=${VO_RANDOM_MODEL:-$TMP/model}
trap 'rm -rf "$TMP"' EXIT
. "$top_srcdir/tests/bench/random-model.sh"
random_model bench-engine "$MODEL" 6000000
case $? in 0) ;; 2) exit 0 ;; *) exit 1 ;; esac
wbytes=$(stat -c %s "$MODEL/model.safetensors")
limit_kb=$(( wbytes / 1024 + 1536 * 1024 ))
# the probe and the speed figures once with each KV cache type: f32 (the
# default) and bf16 (vo_engine_opts.kv_type 1: half the cache memory)
for kv in f32 bf16; do
    mkdir -p "$TMP/dump-$kv"
    /usr/bin/time -v "$top_builddir/tests/vlm-probe" --model "$MODEL" --image "$MODEL/page-384.png" \
        --generate 64 --threads "$THREADS" --kv-type $kv --dump "$TMP/dump-$kv" 2>"$TMP/time-$kv.log"
    rc=$?
    if [ $rc -ne 0 ]; then
        echo "bench-engine: the probe ($kv KV) failed (exit $rc):"; cat "$TMP/time-$kv.log"; exit 1
    fi
    eval "peak_$kv=\$(awk -F': ' '/Maximum resident set size/ { print \$2 }' \"\$TMP/time-$kv.log\")"
    eval "wall_$kv=\$(awk -F': ' '/Elapsed \\(wall clock\\)/ { print \$2 }' \"\$TMP/time-$kv.log\")"
    "$top_builddir/tests/bench/bench-engine" "$MODEL" "$THREADS" 128 16 $kv >"$TMP/speed-$kv.txt" || exit 1
done
ntok=$(( $(stat -c %s "$TMP/dump-f32/input_ids.bin") / 4 ))
cmp -s "$TMP/dump-f32/generated_ids.bin" "$TMP/dump-bf16/generated_ids.bin" && same=yes || same=no
printf '%-34s %12s %12s\n' "measure" "f32 KV" "bf16 KV"
printf '%-34s %12d\n' "bf16 weight file, MiB" $((wbytes / 1048576))
printf '%-34s %12d\n' "prompt tokens (2 tiles + text)" "$ntok"
printf '%-34s %12d %12d\n' "probe peak RSS, MiB" $((peak_f32 / 1024)) $((peak_bf16 / 1024))
printf '%-34s %12d\n' "limit (weights + 1.5 GiB), MiB" $((limit_kb / 1024))
printf '%-34s %12s %12s\n' "probe wall time (page + 64 steps)" "$wall_f32" "$wall_bf16"
printf '%-34s %12s\n' "64 generated ids same f32 / bf16" "$same"
# bench-engine's own lines side by side (its first line is the header)
tail -n +3 "$TMP/speed-f32.txt" | cut -c 1-47 >"$TMP/a"
tail -n +3 "$TMP/speed-bf16.txt" | cut -c 35-47 >"$TMP/b"
paste -d '' "$TMP/a" "$TMP/b"
for kv in f32 bf16; do
    eval "pk=\$peak_$kv"
    if [ "$pk" -ge "$limit_kb" ]; then
        echo "bench-engine: FAIL: peak RSS ($kv KV) $((pk / 1024)) MiB >= $((limit_kb / 1024)) MiB"
        exit 1
    fi
done
echo "bench-engine: peak RSS below the bf16 weights + 1.5 GiB with f32 and bf16 KV caches"
