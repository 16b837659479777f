#!/bin/sh
# bench-draft.sh (make bench): drafted decoding replayed on realistic model
# output, the corpus's 310 Korean and 300 English text lines with exact
# character boxes (tests/data/ocr), stacked into pages of 20: passes over
# the model per generated token, Korean and English apart, as JSON.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
top_srcdir=$top_srcdir "$top_builddir/tests/vlm/test-vlm-draft" |
    grep -E '^(ok|not ok) [0-9]+ - draft 2|^# \{' | sed 's/^# //'
