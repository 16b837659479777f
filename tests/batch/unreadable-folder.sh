#!/bin/sh
# unreadable-folder.sh: a folder of the tree that cannot be read is that
# folder's failure only: the other documents are done, the report gives the
# folder as failed with the reason, the exit code says partial success (11).
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
# as root every folder can be read: run as nobody then (setpriv, util-linux)
if [ "$(id -u)" = 0 ]; then
    runner() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
else
    runner() { "$@"; }
fi
W="$TMP/w"
mkdir -p "$W/tree/ok" "$W/tree/locked" "$W/o"
cp "$SAMPLES/four-pages.pdf" "$W/tree/ok/a.pdf"
cp "$SAMPLES/four-pages.pdf" "$W/tree/b.pdf"
cp "$SAMPLES/four-pages.pdf" "$W/tree/locked/c.pdf"
chmod 755 "$TMP"
[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$W"
chmod 000 "$W/tree/locked"

runner "$VO" --text-layer only -f txt -O "$W/o" --report "$W/o/r.json" "$W/tree" >"$TMP/out" 2>"$TMP/err"
rc=$?
chmod 755 "$W/tree/locked"
[ $rc -eq 11 ] && [ -s "$W/o/ok/a.txt" ] && [ -s "$W/o/b.txt" ] &&
    grep -q 'tree/locked: cannot read the directory: Permission denied' "$TMP/err" &&
    [ "$("$PY" -c "import json,sys; r=json.load(open(sys.argv[1])); print(sorted((f['output'], f['status']) for f in r['files']))" "$W/o/r.json")" = \
      "[('b', 'done'), ('locked', 'failed'), ('ok/a', 'done')]" ]
ok $? "folder 1: an unreadable folder fails alone, said; the other documents are done; exit 11 (rc=$rc)"
[ $rc -eq 11 ] || sed 's/^/# /' "$TMP/err" | head -5
done_testing
