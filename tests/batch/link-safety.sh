#!/bin/sh
# link-safety.sh: no file varco-ocr writes is written through a symbolic
# link or into a device or pipe put in its place: the done marker and the
# page caches in DIR/.varco-ocr, --overlay and --raw-out files, --report,
# outputs in -O DIR. Each case plants the thing at the written path, runs,
# and checks that the file outside is untouched and the refusal is said.
# As root and as an unprivileged user (nobody) in a folder of their own.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
MODEL="$top_srcdir/tests/data/fixtures/tiny-varco"
PDF="$SAMPLES/four-pages.pdf"

# as_user USER CMD...: CMD as root, or as nobody (uid/gid 65534)
as_user() {
    u=$1
    shift
    if [ "$u" = root ]; then "$@"; else setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; fi
}

# check_refused WHO N WHAT: the run failed, said why, left the outside alone
check_refused() {
    [ "$rc" -ne 0 ] && grep -q "$4" "$W/err" && [ "$(cat "$W/outside/target")" = precious ]
    ok $? "links $2 ($1): $3: refused, the file outside untouched (rc=$rc)"
    [ "$rc" -ne 0 ] && grep -q "$4" "$W/err" || sed 's/^/# /' "$W/err" | head -3
}

# run_as WHO ARGS...: varco-ocr as WHO, within 60 s; rc, stderr in $W/err
run_as() {
    who=$1
    shift
    as_user "$who" timeout 60 "$VO" "$@" >"$W/out" 2>"$W/err"
    rc=$?
}

cases() {
    who=$1
    W="$TMP/$who"
    mkdir -p "$W/outside"
    echo precious >"$W/outside/target"
    [ "$who" = root ] || chown -R 65534:65534 "$W"

    # 1: the done marker
    as_user "$who" mkdir -p "$W/o1/.varco-ocr"
    as_user "$who" ln -s "$W/outside/target" "$W/o1/.varco-ocr/four-pages.done"
    run_as "$who" --text-layer only -f txt -O "$W/o1" "$PDF"
    check_refused "$who" 1 "a link at DIR/.varco-ocr/NAME.done" 'four-pages.done: is a symbolic link'
    [ -L "$W/o1/.varco-ocr/four-pages.done" ]; ok $? "links 1.2 ($who): the link is left as it was"

    # 2: a page cache
    as_user "$who" mkdir -p "$W/o2/.varco-ocr"
    as_user "$who" ln -s "$W/outside/target" "$W/o2/.varco-ocr/four-pages.p0001.json"
    run_as "$who" --text-layer only -f txt -O "$W/o2" "$PDF"
    check_refused "$who" 2 "a link at a page cache DIR/.varco-ocr/NAME.p0001.json" \
        'p0001.json: is a symbolic link'

    # 3: an --overlay file
    as_user "$who" mkdir -p "$W/ov"
    as_user "$who" ln -s "$W/outside/target" "$W/ov/four-pages.p0001.overlay.png"
    run_as "$who" --text-layer only --pages 1 -f txt -O "$W/o3" --overlay "$W/ov" "$PDF"
    check_refused "$who" 3 "a link at an --overlay PNG" 'overlay.png: is a symbolic link'

    # 4: a --raw-out file (the tiny model writes the raw page)
    if [ -f "$MODEL/config.json" ]; then
        as_user "$who" mkdir -p "$W/raw"
        as_user "$who" ln -s "$W/outside/target" "$W/raw/hello.p0001.raw.json"
        run_as "$who" --model "$MODEL" --max-tokens 8 -o "$W/hello.txt" --raw-out "$W/raw" \
            "$SAMPLES/hello.png"
        check_refused "$who" 4 "a link at a --raw-out file" 'raw.json: is a symbolic link'
    else
        diag "tiny fixture model missing: the --raw-out case is not run"
        ok 1 "links 4 ($who): tests/data/fixtures/tiny-varco present"
    fi

    # 5: the --report file
    as_user "$who" ln -s "$W/outside/target" "$W/report.json"
    run_as "$who" --text-layer only -f txt -O "$W/o5" --report "$W/report.json" "$PDF"
    check_refused "$who" 5 "a link at the --report file" 'report.json: is a symbolic link'
    [ -s "$W/o5/four-pages.txt" ]; ok $? "links 5.2 ($who): the outputs themselves were written"

    # 6: a named pipe at an output in -O DIR: refused, not waited on
    as_user "$who" mkdir -p "$W/o6"
    as_user "$who" mkfifo "$W/o6/four-pages.txt"
    run_as "$who" --text-layer only -f txt -O "$W/o6" "$PDF"
    [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -q 'four-pages.txt: is a named pipe' "$W/err" &&
        [ -p "$W/o6/four-pages.txt" ]
    ok $? "links 6 ($who): a named pipe at an output in DIR is refused at once (rc=$rc)"
}

cases root
if [ "$(id -u)" -ne 0 ]; then
    diag "not root: the unprivileged runs need setpriv as root"
    ok 1 "links 7: the tests run as root (to switch to nobody)"
elif ! setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
    diag "setpriv cannot switch to uid 65534 here"
    ok 1 "links 7: setpriv switches to nobody"
else
    chmod 755 "$TMP"
    cases nobody
fi
done_testing
