#!/bin/sh
# bench-cpu.sh (make bench, last): the CPU kernels against this machine's
# limits on one thread (tests/bench/bench-cpu): read bandwidth and FMA peaks
# measured in the same run, decode at batch 1 and prefill with each kernel
# instruction set. Its last line, one JSON object, goes into the one JSON
# line that ends make bench (run-all.sh). Model: make-random-model's real 1.7B shapes (~4.2 GB, written
# into $TMPDIR unless $VO_RANDOM_MODEL holds it). VO_BENCH_PREFILL (128),
# VO_BENCH_STEPS (16), VO_BENCH_REPS (3 rounds), VO_BENCH_CONTEXT (6000 keys
# for the attention figures); VO_CPU_ISA=NAME runs that path alone.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vo-bench-cpu-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
MODEL=${VO_RANDOM_MODEL:-$TMP/model}
. "$top_srcdir/tests/bench/random-model.sh"
random_model bench-cpu "$MODEL" 6000000
case $? in 0) ;; 2) exit 0 ;; *) exit 1 ;; esac
exec "$top_builddir/tests/bench/bench-cpu" "$MODEL" "${VO_BENCH_PREFILL:-128}" \
    "${VO_BENCH_STEPS:-16}" "${VO_BENCH_REPS:-3}"
