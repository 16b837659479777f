#!/bin/sh
# path-safety.sh: output names derived from inputs never leave -O DIR:
# absolute and ../ paths in @LIST files, raw files' "source", and symbolic
# links inside the output tree (never followed).
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
mkdir -p "$TMP/docs/deep" "$TMP/w" "$TMP/outside"
cp "$SAMPLES/four-pages.pdf" "$TMP/docs/abs.pdf"
cp "$SAMPLES/multicolumn.pdf" "$TMP/docs/rel.pdf"
cp "$SAMPLES/korean-interview.pdf" "$TMP/docs/deep/dots.pdf"
printf '%s\n../docs/rel.pdf\n../docs/deep/../deep/dots.pdf\n' "$TMP/docs/abs.pdf" >"$TMP/w/list"
touch "$TMP/stamp"
sleep 1
(cd "$TMP/w" && "$VO" -q --text-layer only -f txt,alto -O out @list) 2>"$TMP/err"
rc=$?
ok $rc "path 1.1: @LIST with absolute and ../ paths exits 0 (rc=$rc)"
[ -s "$TMP/w/out/abs.txt" ] && [ -s "$TMP/w/out/rel.txt" ] && [ -s "$TMP/w/out/dots.txt" ]
ok $? "path 1.2: they are named by their file name inside DIR"
leaked=$(find "$TMP" -newer "$TMP/stamp" -type f ! -path "$TMP/w/out/*" ! -path "$TMP/err" | head -3)
[ -z "$leaked" ]; ok $? "path 1.3: nothing written outside DIR${leaked:+: $leaked}"

# raw pages whose source is outside, absolute, or only dots
mkdir -p "$TMP/raw"
n=0
for src in '../../../escape/up.pdf' '/tmp/abs/from-root.pdf' '..' 'a/../../b/../../c.pdf'; do
    n=$((n + 1))
    printf '{"format": "varco-ocr-raw", "version": 1, "source": "%s", "page": 1, "width": 100, "height": 50, "dpi": 72, "text": "<char>x</char><bbox>0.1, 0.1, 0.5, 0.5</bbox>"}\n' \
        "$src" >"$TMP/raw/r$n.p0001.raw.json"
done
touch "$TMP/stamp"
sleep 1
(cd "$TMP/w" && "$VO" -q --from-raw ../raw -f txt -O rawout) 2>"$TMP/err"
rc=$?
ok $rc "path 2.1: --from-raw with hostile sources exits 0 (rc=$rc)"
[ -s "$TMP/w/rawout/up.txt" ] && [ -s "$TMP/w/rawout/from-root.txt" ] && [ -s "$TMP/w/rawout/c.txt" ] &&
    [ -s "$TMP/w/rawout/input.txt" ]
ok $? "path 2.2: raw sources are named by their file name inside DIR ('..' becomes 'input')"
leaked=$(find "$TMP" /tmp/abs -newer "$TMP/stamp" -type f ! -path "$TMP/w/rawout/*" ! -path "$TMP/err" 2>/dev/null | head -3)
[ -z "$leaked" ]; ok $? "path 2.3: nothing written outside DIR${leaked:+: $leaked}"

# symbolic links inside the output tree are never followed
mkdir -p "$TMP/tree/sub" "$TMP/o1"
cp "$SAMPLES/four-pages.pdf" "$TMP/tree/sub/x.pdf"
ln -s "$TMP/outside" "$TMP/o1/sub"
run_vo --text-layer only -f txt -O "$TMP/o1" "$TMP/tree"
[ $rc -ne 0 ] && grep -q 'symbolic link' "$TMP/err" && [ -z "$(ls -A "$TMP/outside")" ]
ok $? "path 3.1: a linked folder in DIR is refused, nothing written through it (rc=$rc)"
mkdir -p "$TMP/o2"
ln -s "$TMP/outside" "$TMP/o2/.varco-ocr"
run_vo --text-layer only -f txt -O "$TMP/o2" "$SAMPLES/four-pages.pdf"
[ $rc -ne 0 ] && grep -q 'symbolic link' "$TMP/err" && [ -z "$(ls -A "$TMP/outside")" ]
ok $? "path 3.2: a linked DIR/.varco-ocr is refused, nothing written through it (rc=$rc)"
mkdir -p "$TMP/o3"
echo precious >"$TMP/outside/target.txt"
ln -s "$TMP/outside/target.txt" "$TMP/o3/four-pages.txt"
run_vo --text-layer only -f txt -O "$TMP/o3" "$SAMPLES/four-pages.pdf"
[ $rc -ne 0 ] && grep -q 'symbolic link' "$TMP/err" && [ "$(cat "$TMP/outside/target.txt")" = precious ] &&
    [ -L "$TMP/o3/four-pages.txt" ]
ok $? "path 3.3: an output that is a link is neither followed nor replaced (rc=$rc)"
done_testing
