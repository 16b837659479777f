#!/bin/sh
# bench-draft.sh (make bench): drafted decoding replayed on realistic model
# output, the whole of the shared corpus's Korean and English text lines
# (310 + 300 lines with exact character boxes, stacked into pages of 20):
# passes over the model per generated token, Korean and English apart.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
SH=${VO_SHARED:-$top_srcdir/../shared}
L="$SH/corpus/images-gt"
if [ ! -f "$L/tesseract-kor-lines/lines.jsonl" ] || [ ! -f "$L/tesseract-eng-lines/lines.jsonl" ]; then
    echo "bench-draft: $L/tesseract-{kor,eng}-lines/lines.jsonl not found: skipped"
    exit 0
fi
VO_DRAFT_LINES="$L/tesseract-kor-lines/lines.jsonl $L/tesseract-eng-lines/lines.jsonl" \
    "$top_builddir/tests/vlm/test-vlm-draft" | grep -E '^(ok|not ok) [0-9]+ - draft 2|^# \{' | sed 's/^# //'
