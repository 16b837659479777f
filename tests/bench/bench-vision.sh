#!/bin/sh
# bench-vision.sh (make bench): one 384-px tile through the vision tower and
# the projector (tests/bench/bench-vision): seconds per tile on one thread
# and on all threads, exact and with bf16 activations (--matmul bf16),
# against the FMA and bf16 dot peaks of the same run. Model: make-random-model's
# real shapes (~4.2 GB, written into $TMPDIR unless $VO_RANDOM_MODEL holds
# it). VO_BENCH_THREADS (all), VO_BENCH_REPS (3 rounds).
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vo-bench-vision-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
MODEL=${VO_RANDOM_MODEL:-$TMP/model}
. "$top_srcdir/tests/bench/random-model.sh"
random_model bench-vision "$MODEL" 6000000
case $? in 0) ;; 2) exit 0 ;; *) exit 1 ;; esac
exec "$top_builddir/tests/bench/bench-vision" "$MODEL" "${VO_BENCH_THREADS:-0}" \
    "${VO_BENCH_REPS:-3}"
