#!/bin/sh
# name-clash.sh: inputs that would write the same outputs under -O keep
# their suffixes (then -2, -3 in input order), said and reported; the same
# file given twice is recognised once. Never a refused run.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
mkdir -p "$TMP/d1" "$TMP/d2" "$TMP/w"
cp "$SAMPLES/four-pages.pdf" "$TMP/d1/a.pdf"
cp "$SAMPLES/multicolumn.pdf" "$TMP/d2/a.pdf"
cp "$SAMPLES/hello.png" "$TMP/d1/a.png"
rj() { "$PY" -c "import json,sys; r=json.load(open(sys.argv[1])); print($1)" "$TMP/r.json"; }

run_vo --text-layer only -O "$TMP/o1" --report "$TMP/r.json" "$TMP/d1/a.pdf" "$TMP/d1/a.png"
[ $rc -eq 0 ] && [ -s "$TMP/o1/a.pdf.txt" ] && [ -e "$TMP/o1/a.png.txt" ] && [ ! -e "$TMP/o1/a.txt" ] &&
    grep -q 'd1/a.png: another input would write the same outputs (a\.\*): its outputs are a.png.\*' "$TMP/err" &&
    [ "$(rj "[(i['output'], i.get('output_renamed')) for i in r['files']]")" = "[('a.pdf', True), ('a.png', True)]" ]
ok $? "clash 1: a.pdf and a.png write a.pdf.* and a.png.*, said and reported (rc=$rc)"

run_vo --text-layer only -O "$TMP/o2" --report "$TMP/r.json" "$TMP/d1/a.pdf" "$TMP/d2/a.pdf"
[ $rc -eq 0 ] && cmp -s "$TMP/o2/a.pdf.txt" "$TMP/o1/a.pdf.txt" && [ -s "$TMP/o2/a.pdf-2.txt" ] &&
    ! cmp -s "$TMP/o2/a.pdf-2.txt" "$TMP/o2/a.pdf.txt"
ok $? "clash 2: two a.pdf from two folders: a.pdf.* and a.pdf-2.* in input order (rc=$rc)"

run_vo --text-layer only -O "$TMP/o3" --report "$TMP/r.json" "$TMP/d1/a.pdf" "$TMP/d1/../d1/a.pdf"
[ $rc -eq 0 ] && cmp -s "$TMP/o3/a.txt" "$TMP/o1/a.pdf.txt" && [ "$(ls "$TMP/o3" | grep -c txt)" = 1 ] &&
    grep -q 'given twice' "$TMP/err" &&
    [ "$(rj "[i['status'] for i in r['files']]")" = "['done', 'duplicate']" ]
ok $? "clash 3: the same file twice is recognised once, the second reported as duplicate (rc=$rc)"

cp "$TMP/d1/a.pdf" "$TMP/d1/a.png" "$TMP/w/"
cp "$SAMPLES/four-pages.pdf" "$TMP/w/b.pdf"
run_vo --text-layer only -O "$TMP/o4" --report "$TMP/r.json" "$TMP/w"
[ $rc -eq 0 ] && [ -s "$TMP/o4/a.pdf.txt" ] && [ -e "$TMP/o4/a.png.txt" ] && [ -s "$TMP/o4/b.txt" ] &&
    [ "$(rj "sorted((i['output'], bool(i.get('output_renamed'))) for i in r['files'])")" = \
      "[('a.pdf', True), ('a.png', True), ('b', False)]" ]
ok $? "clash 4: in a folder walk too; b.pdf keeps its plain name (rc=$rc)"

run_vo --text-layer only -O "$TMP/o4" --report "$TMP/r.json" "$TMP/w"
[ $rc -eq 0 ] && [ "$(rj "[i['status'] for i in r['files']]")" = "['already-done', 'already-done', 'already-done']" ]
ok $? "clash 5: a rerun finds the renamed outputs done (rc=$rc)"
done_testing
