#!/bin/sh
# stop-anywhere.sh: a batch of the corpus (PDF, TIFF, malformed files) and
# made files (an unreadable file and folder, a FIFO, a link loop, a .pdf
# that is a PNG, a .txt that is a PDF, a blank page) stopped by SIGINT,
# SIGTERM and kill -9 at three moments each (one each under sanitizers),
# then run again: after every
# stop and every rerun the report says of each input exactly what is on
# disk, the exit code agrees with it, and the final outputs are those of a
# run that was never stopped.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
SH=$(shared_dir) || { diag "no shared folder (../shared or \$VO_SHARED): the corpus batch is not run"; ok 1 "stop 0: the shared corpus is there"; done_testing; exit; }
# as root every file can be read: the batch runs as nobody then
if [ "$(id -u)" = 0 ]; then
    AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
else
    AS_NOBODY=
fi
W="$TMP/w"
IN="$W/in"
mkdir -p "$IN/pdf" "$IN/tiff" "$IN/bad" "$IN/made" "$IN/locked"
cp "$SH"/corpus/pdf/*.pdf "$IN/pdf/"
cp "$SH"/corpus/tiff/* "$IN/tiff/"
cp "$SH"/corpus/malformed/pdf/* "$IN/bad/" 2>/dev/null
cp "$SAMPLES/hello.png" "$IN/made/png-named.pdf"
cp "$SAMPLES/four-pages.pdf" "$IN/made/pdf-named.txt"
cp "$SAMPLES/four-pages.pdf" "$IN/made/unreadable.pdf"
cp "$SAMPLES/four-pages.pdf" "$IN/locked/hidden.pdf"
mkfifo "$IN/made/pipe.pdf"
ln -s loop.pdf "$IN/made/loop.pdf"
"$PY" -c "
import zlib, struct, sys
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
w, h = 1275, 1650   # a blank letter page at 150 dpi
raw = b''.join(b'\0' + b'\xff' * w for _ in range(h))
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0)) + \
      chunk(b'pHYs', struct.pack('>IIB', 5906, 5906, 1)) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')
open(sys.argv[1], 'wb').write(png)" "$IN/made/blank.png"
chmod 755 "$TMP" "$W"
[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$W"
chmod 000 "$IN/made/unreadable.pdf" "$IN/locked"

# check.py REPORT OUT RC: the report against the files in OUT and the exit code
cat >"$TMP/check.py" <<'EOF'
import json, os, sys
rep, out, rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
r = json.load(open(rep))
s = r['summary']
bad = []
count = {'done': 0, 'failed': 0, 'skipped': 0, 'not-started': 0, 'interrupted': 0}
for f in r['files']:
    st, name = f['status'], f['output']
    marker = os.path.join(out, '.varco-ocr', name + '.done')
    whole = [os.path.join(out, name + x) for x in ('.txt', '.pdf')]
    if st in ('done', 'already-done'):
        count['done' if st == 'done' else 'skipped'] += 1
        if not os.path.exists(marker) or not all(os.path.exists(w) for w in whole):
            bad.append(('done but its files are not all there', name))
        for p in f.get('pages', []):
            alto = os.path.join(out, '%s.p%04d.alto.xml' % (name, p['page']))
            if p['status'] in ('done', 'resumed') and not os.path.exists(alto):
                bad.append(('page done without its ALTO', name, p['page']))
    elif st in ('failed', 'interrupted', 'not-started'):
        count[st] += 1
        # a failed input may have written some whole files before the one
        # that failed (its report says which failed): never its marker
        if os.path.exists(marker) or (st != 'failed' and any(os.path.exists(w) for w in whole)):
            bad.append((st + ' but finished files are there', name))
        if st == 'failed' and not f.get('error'):
            bad.append(('failed without a reason', name))
    else:
        bad.append(('unknown status', st, name))
if s['inputs'] != len(r['files']):
    bad.append(('summary inputs', s['inputs'], len(r['files'])))
if (s['inputs_done'], s['inputs_failed'] - count['interrupted'], s['inputs_skipped'], s['inputs_not_started']) != \
        (count['done'], count['failed'], count['skipped'], count['not-started']):
    bad.append(('summary counts', s, count))
if s['interrupted'] != (rc == 130):
    bad.append(('interrupted flag vs exit code', s['interrupted'], rc))
if rc != 130 and count['interrupted'] + count['not-started']:
    bad.append(('inputs left undone without exit 130', rc))
print(bad[:3] if bad else 'ok', count)
sys.exit(1 if bad else 0)
EOF
# the batch: -O, three formats, the report; stderr holds JSON events. In
# the background, exec'd so that $! is varco-ocr itself, with SIGINT as a
# terminal's Ctrl-C leaves it (sh ignores it in background jobs)
batch() {
    rm -f "$TMP/ev" # the last run's events must not be counted as this one's
    (exec env --default-signal=INT $AS_NOBODY "$VO" --text-layer only -f txt,alto,pdf -j 2 \
        --progress=json -O "$1" --report "$1.json" "$IN" >"$TMP/out" 2>"$TMP/ev") &
    pid=$!
}
# page-done events so far (0 before the run has written any)
pages_done() { c=$(grep -c '"event":"page-done"' "$TMP/ev" 2>/dev/null); echo "${c:-0}"; }
same_tree() { diff -r -x .varco-ocr "$1" "$2" >"$TMP/diff" 2>&1 || { sed "s/^/# /" "$TMP/diff" | head -5; false; }; }

mkdir -p "$W/ref"
chown 65534:65534 "$W/ref" 2>/dev/null
batch "$W/ref/o"
watchdog $pid 300
wait $pid
ref_rc=$?
unwatch
pages=$(grep -c '"event":"page-done"' "$TMP/ev")
"$PY" "$TMP/check.py" "$W/ref/o.json" "$W/ref/o" $ref_rc >"$TMP/ck"
[ $? -eq 0 ] && [ $ref_rc -eq 11 ] && [ "$pages" -gt 60 ]
ok $? "stop 1: the batch run once through: $pages pages, the report true, exit 11 (failed inputs) (rc=$ref_rc, $(cat "$TMP/ck"))"
"$PY" -c "
import json, sys
r = json.load(open(sys.argv[1]))
want = {'made/png-named.pdf': 'done', 'made/pdf-named.txt': 'done', 'made/unreadable.pdf': 'failed',
        'made/pipe.pdf': 'failed', 'made/loop.pdf': 'failed', 'made/blank.png': 'done', 'locked': 'failed'}
got = {f['input'].split('/in/', 1)[1]: f['status'] for f in r['files'] if f['input'].split('/in/', 1)[1] in want}
blank = [p['source'] for f in r['files'] if f['input'].endswith('blank.png') for p in f['pages']]
sys.exit(0 if got == want and blank == ['blank'] else print('#', got, blank) or 1)" "$W/ref/o.json"
ok $? "stop 2: the made files each get their status: a misnamed PNG and PDF done, unreadable, FIFO, link loop and locked folder failed with reasons, the blank page written empty and reported blank (--text-layer only)"

# Each signal at a quarter, half and three quarters of the pages (by
# page-done events). A sanitizer build runs a batch 5-8 times slower (the
# nine stops took 20 minutes of CI under ASan): there each signal stops it
# at one moment, the three moments still each taken once; the plain build
# runs all nine.
n=2
for sig in INT TERM KILL; do
    moments="1 2 3"
    if [ -n "${VO_SAN_CFLAGS:-}" ]; then
        case $sig in INT) moments=1 ;; TERM) moments=2 ;; KILL) moments=3 ;; esac
    fi
    for at in $moments; do
        k=$((pages * at / 4))
        n=$((n + 1))
        o="$W/$sig-$at/o"
        mkdir -p "$W/$sig-$at"
        chown 65534:65534 "$W/$sig-$at" 2>/dev/null
        batch "$o"
        watchdog $pid 300
        i=0
        while [ "$(pages_done)" -lt $k ] && kill -0 $pid 2>/dev/null && [ $i -lt 6000 ]; do
            sleep 0.01
            i=$((i + 1))
        done
        kill -$sig $pid 2>/dev/null
        wait $pid
        rc=$?
        unwatch
        done_at=$(pages_done)
        if [ $sig = KILL ]; then
            [ $rc -eq 137 ] || [ $rc -eq $ref_rc ] # it may have ended first
            r1=$?
            c1="no report after kill -9"
        else
            "$PY" "$TMP/check.py" "$o.json" "$o" $rc >"$TMP/ck"
            r1=$?
            c1=$(cat "$TMP/ck")
        fi
        batch "$o"
        watchdog $pid 300
        wait $pid
        rc2=$?
        unwatch
        "$PY" "$TMP/check.py" "$o.json" "$o" $rc2 >"$TMP/ck"
        r2=$?
        [ $r1 -eq 0 ] && [ $r2 -eq 0 ] && [ $rc2 -eq $ref_rc ] && same_tree "$o" "$W/ref/o"
        ok $? "stop $n: SIG$sig after $done_at of $pages pages (rc=$rc: $c1), then a rerun: report true, rc=$rc2, the outputs of the run never stopped ($(cat "$TMP/ck"))"
    done
done
chmod 755 "$IN/locked"
chmod 644 "$IN/made/unreadable.pdf"
done_testing
