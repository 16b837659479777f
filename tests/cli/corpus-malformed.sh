#!/bin/sh
# corpus-malformed.sh: every malformed file of the shared corpus: no crash,
# no hang (30 s each), a message naming the file, a documented exit code;
# in a batch with good files, the good ones are completed.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
SH=$(shared_dir) || skip_all "the shared corpus is not beside the clone (set VO_SHARED to its folder)"
for f in "$SH"/corpus/malformed/*/*; do
    name=$(basename "$f")
    timeout 30 "$VO" --text-layer only -O "$TMP/m" -f txt,alto "$f" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    case $rc in
        0|2|3|11) ok 0 "malformed 1.1: $name: documented exit code $rc" ;;
        124) ok 1 "malformed 1.1: $name: hung (killed after 30 s)" ;;
        *) ok 1 "malformed 1.1: $name: exit code $rc (crash or undocumented)" ;;
    esac
    if [ $rc -ne 0 ]; then
        grep -q "$name" "$TMP/err"; ok $? "malformed 1.2: $name: the message names the file"
    fi
    grep -qi 'AddressSanitizer\|runtime error' "$TMP/err"; ok $(( $? == 0 )) "malformed 1.3: $name: no sanitizer report"
done
# a batch: malformed files between two good ones
set -- "$SAMPLES/multicolumn.pdf" "$SH"/corpus/malformed/pdf/*.pdf "$SAMPLES/korean-interview.pdf"
timeout 300 "$VO" --text-layer only -j 2 -O "$TMP/batch" -f txt "$@" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 11 ] || [ $rc -eq 0 ]; ok $? "malformed 2.1: batch exits 11 or 0 (rc=$rc)"
[ -s "$TMP/batch/multicolumn.txt" ] && grep -q '인터뷰' "$TMP/batch/korean-interview.txt"
ok $? "malformed 2.2: the good files of the batch are complete"
done_testing
