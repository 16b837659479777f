#!/bin/sh
# bench-decode.sh (make bench): decode tokens/s of the random 1.7B-shaped
# model with 1, 4 and 8 sequences a step (pages in flight), one page's real
# output decoded plain and drafted, and 1, 4, 8 and 16 sequences a step at
# an A4 page's context (6,000 tokens each) with 16-bit and 8-bit KV caches
# (tests/bench/bench-decode.c), at 1 thread (the stable figure on shared
# machines) and at all threads. Needs about 12 GB of memory.
# VO_RANDOM_MODEL=DIR reuses (or keeps) the generated folder.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vo-bench-decode-XXXXXX")
MODEL=${VO_RANDOM_MODEL:-$TMP/model}
trap 'rm -rf "$TMP"' EXIT
. "$top_srcdir/tests/bench/random-model.sh"
random_model bench-decode "$MODEL" 6000000
case $? in 0) ;; 2) exit 0 ;; *) exit 1 ;; esac
LINES="$top_srcdir/tests/data/ocr/kor-lines.jsonl"
for t in 1 0; do
    echo "-- threads: $t (0: all cores)"
    "$top_builddir/tests/bench/bench-decode" "$MODEL" "$LINES" "$t" 200 16 6000 || exit 1
done
