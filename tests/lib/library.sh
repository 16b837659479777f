#!/bin/sh
# library.sh: libvarco-ocr as a program outside the tree uses it: through
# pkg-config, the public header alone and the installed shared library, from
# C (tests/lib/demo.c) and from Python (tests/lib/demo.py). Each gives the
# page model the command's `-f json` gives for the same page: a page with a
# text layer (no model) and a scan through the tiny fixture model, which is
# cut at its token limit and so also recognised in bands.
# In make check the library is installed into a temporary prefix first; in
# make installcheck (VO_LIB_INSTALLED set, distcheck's _inst tree) the
# installed one is used.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"

CC=${VO_CC:-cc}
MODEL="$top_srcdir/tests/data/fixtures/tiny-varco"
LIBSRC="$top_srcdir/tests/lib"

if [ -n "${VO_LIB_INSTALLED+set}" ]; then
    LIBDIR=$VO_LIBDIR
    PCDIR="$VO_LIBDIR/pkgconfig"
    PYDIR=${VO_PYTHONDIR:-}
    PCDEF=""
    diag "the installed library in $LIBDIR"
else
    # make install's layout in $TMP/inst, from the build tree
    LIBDIR="$TMP/inst/lib"
    PCDIR="$top_builddir"
    PYDIR="$TMP/inst/python"
    mkdir -p "$LIBDIR" "$TMP/inst/include" "$PYDIR/varco_ocr"
    "$top_builddir/libtool" --mode=install cp "$top_builddir/libvarco-ocr.la" "$LIBDIR/" \
        >"$TMP/install.log" 2>&1
    ok $? "library 0.1: libtool installs libvarco-ocr.la into a prefix"
    cp "$top_srcdir/include/varco-ocr.h" "$TMP/inst/include/"
    cp "$top_srcdir/python/varco_ocr/__init__.py" "$PYDIR/varco_ocr/"
    printf "LIBDIR = '%s'\n" "$LIBDIR" >"$PYDIR/varco_ocr/_config.py"
    PCDEF="--define-variable=libdir=$LIBDIR --define-variable=includedir=$TMP/inst/include"
fi
PKG="env PKG_CONFIG_PATH=$PCDIR pkg-config $PCDEF"

# --- the library and its pkg-config file ---
$PKG --exists varco-ocr
ok $? "library 1.1: pkg-config finds varco-ocr.pc"
ver=$($PKG --modversion varco-ocr)
[ -n "$ver" ] && "$VO" --version | grep -q -- "$ver"
ok $? "library 1.2: the .pc's version ($ver) is the command's"
ls "$LIBDIR"/libvarco-ocr.so.0 >/dev/null 2>&1
ok $? "library 1.3: libvarco-ocr.so.0 (libtool's soname) is installed"
# the exported symbols are the public header's, nothing of MuPDF or ours
nm -D --defined-only "$LIBDIR/libvarco-ocr.so.0" | awk '$2 == "T" {print $3}' | sort >"$TMP/exported"
sort "$top_srcdir/src/api/varco-ocr.sym" >"$TMP/listed"
cmp -s "$TMP/exported" "$TMP/listed"
ok $? "library 1.4: the library exports exactly the $(wc -l <"$TMP/listed") calls of varco-ocr.sym"
[ -s "$TMP/exported" ] && while read -r f; do
    grep -q "^[a-z_ *]*\\b$f(" "$top_srcdir/include/varco-ocr.h" || { echo "# $f not in the header"; exit 1; }
done <"$TMP/exported"
ok $? "library 1.5: every exported call is declared in include/varco-ocr.h"

# --- the C program ---
[ "$(wc -l <"$LIBSRC/demo.c")" -lt 30 ] && [ "$(wc -l <"$LIBSRC/demo.py")" -lt 30 ]
ok $? "library 2.1: the C program and the Python script are under 30 lines each"
# shellcheck disable=SC2046,SC2086
$CC -std=c11 -Wall -Wextra -Werror ${VO_SAN_CFLAGS:-} -o "$TMP/demo" "$LIBSRC/demo.c" \
    $($PKG --cflags --libs varco-ocr) >"$TMP/cc.log" 2>&1
rc=$?
ok $rc "library 2.2: demo.c builds with only pkg-config's flags (-std=c11 -Werror)"
[ $rc -ne 0 ] && sed 's/^/# /' "$TMP/cc.log"
DEMO="env LD_LIBRARY_PATH=$LIBDIR $TMP/demo"

# same JSON pages: same A B [--no-words]
same() { "$PY" "$LIBSRC/same-page.py" "$@" >"$TMP/diff" 2>&1 || { sed 's/^/# /' "$TMP/diff"; return 1; }; }
# the same warnings in ERR_A and ERR_B (the library names the limit max_tokens)
same_warnings() {
    grep 'warning:' "$1" | sed 's/--max-tokens/max_tokens/' >"$TMP/wa"
    grep 'warning:' "$2" >"$TMP/wb"
    [ -s "$TMP/wa" ] && diff "$TMP/wa" "$TMP/wb" | sed 's/^/# /' && cmp -s "$TMP/wa" "$TMP/wb"
}

PDF="$SAMPLES/four-pages.pdf"
run_vo -f json --pages 2 -o "$TMP/cli-layer.json" "$PDF"
ok $rc "library 3.1: the command writes page 2 of four-pages.pdf as JSON"
$DEMO - "$PDF" 2 >"$TMP/c-layer.json" 2>"$TMP/c.err"
ok $? "library 3.2: demo.c reads page 2 from its text layer without a model"
same "$TMP/cli-layer.json" "$TMP/c-layer.json"
ok $? "library 3.3: demo.c's page equals the command's (text layer)"

IMG="$SAMPLES/ko-poem-skew.png"
run_vo --model "$MODEL" --threads 1 --max-tokens 8 -f json -o "$TMP/cli-ocr.json" "$IMG"
ok $rc "library 3.4: the command recognises ko-poem-skew.png with the tiny model"
cp "$TMP/err" "$TMP/cli-ocr.err"
grep -q '"origin":"ocr"' "$TMP/cli-ocr.json" && grep -q 'in a band, after banding' "$TMP/err"
ok $? "library 3.5: ... by OCR, cut at 8 tokens and recognised in bands"
VO_DEMO_MAX_TOKENS=8 $DEMO "$MODEL" "$IMG" 1 >"$TMP/c-ocr.json" 2>"$TMP/c.err"
ok $? "library 3.6: demo.c recognises ko-poem-skew.png with the tiny model"
same "$TMP/cli-ocr.json" "$TMP/c-ocr.json" --no-words
ok $? "library 3.7: demo.c's page equals the command's (OCR in bands)"
same_warnings "$TMP/cli-ocr.err" "$TMP/c.err"
ok $? "library 3.8: the library says what the command says of the page: the same text in the same 8 bands, cut"

$DEMO - "$TMP/none.pdf" 1 >/dev/null 2>"$TMP/c.err"
[ $? -eq 1 ] && grep -q 'none.pdf' "$TMP/c.err"
ok $? "library 3.9: a missing file fails with a message naming it"
$DEMO - "$IMG" 1 >/dev/null 2>"$TMP/c.err"
[ $? -eq 1 ] && grep -q 'no model was given' "$TMP/c.err" && grep -q 'missing' "$TMP/c.err"
ok $? "library 3.10: a page that needs OCR without a model is VO_ERR_MISSING, said"
$DEMO "$TMP" "$IMG" 1 >/dev/null 2>"$TMP/c.err"
[ $? -eq 1 ] && grep -q 'not a model folder' "$TMP/c.err"
ok $? "library 3.11: a folder that is not a model is refused, named"
$DEMO - "$PDF" 9 >/dev/null 2>"$TMP/c.err"
[ $? -eq 1 ] && grep -q 'no page 9: it has 4 pages' "$TMP/c.err"
ok $? "library 3.12: a page past the end is refused"

# --- the Python binding ---
PYRUN="env PYTHONPATH=$PYDIR VARCO_OCR_LIBRARY= $PY"
if [ -n "${VO_SAN_CFLAGS:-}" ]; then
    # the library is built with ASan+UBSan: their runtimes come first
    PYRUN="env LD_PRELOAD=$($CC -print-file-name=libasan.so):$($CC -print-file-name=libubsan.so) ASAN_OPTIONS=detect_leaks=0 $PYRUN"
fi
if [ -z "$PYDIR" ] || [ ! -f "$PYDIR/varco_ocr/__init__.py" ]; then
    diag "no Python binding in '$PYDIR' (configure found no python3?)"
    ok 1 "library 4.0: the Python binding is installed"
else
    $PYRUN "$LIBSRC/demo.py" - "$PDF" 2 >"$TMP/py-layer.json" 2>"$TMP/py.err"
    ok $? "library 4.1: demo.py reads page 2 through the binding"
    same "$TMP/cli-layer.json" "$TMP/py-layer.json"
    ok $? "library 4.2: demo.py's page equals the command's (text layer)"
    VO_DEMO_MAX_TOKENS=8 $PYRUN "$LIBSRC/demo.py" "$MODEL" "$IMG" 1 >"$TMP/py-ocr.json" 2>"$TMP/py.err"
    ok $? "library 4.3: demo.py recognises ko-poem-skew.png with the tiny model"
    same "$TMP/cli-ocr.json" "$TMP/py-ocr.json" --no-words && same_warnings "$TMP/cli-ocr.err" "$TMP/py.err"
    ok $? "library 4.4: demo.py's page and warnings equal the command's (OCR in bands)"
    $PYRUN - "$TMP" "$PDF" "$MODEL" <<'EOF' >"$TMP/py.out" 2>&1
import sys, varco_ocr
tmp, pdf, model_dir = sys.argv[1], sys.argv[2], sys.argv[3]
assert varco_ocr.page_count(pdf) == 4, "page_count"
with varco_ocr.Model(model_dir, threads=1, max_tokens=8) as m:
    rgb = bytearray(b"\xff" * (96 * 64 * 3))
    for y in range(20, 30):
        rgb[(y * 96 + 10) * 3:(y * 96 + 86) * 3] = b"\0" * (76 * 3)
    page = m.recognize_image(bytes(rgb), 96, 64, dpi=200)
    assert (page["width"], page["height"], page["dpi"], page["origin"]) == (96, 64, [200, 200], "ocr"), page
    try:
        m.recognize_image(b"\xff" * 10, 96, 64)
        sys.exit("short image accepted")
    except ValueError:
        print("short image refused")
# the whole options struct reaches the library: bf16 activations (exact
# products with a warning on a CPU without them) give the same page here
with varco_ocr.Model(model_dir, threads=1, max_tokens=8, matmul="bf16") as m:
    assert m.recognize_image(bytes(rgb), 96, 64, dpi=200) == page, "matmul bf16"
    print("matmul bf16: the same page")
# bf16 weights copied into memory: the same values, the same page
with varco_ocr.Model(model_dir, threads=1, max_tokens=8, weights="bf16") as m:
    assert m.recognize_image(bytes(rgb), 96, 64, dpi=200) == page, "weights bf16"
    print("weights bf16: the same page")
for bad in (lambda: varco_ocr.Model(tmp), lambda: varco_ocr.recognize_file(tmp + "/none.pdf"),
            lambda: varco_ocr.recognize_file(pdf, 5)):
    try:
        bad()
        sys.exit("no error raised")
    except varco_ocr.Error as e:
        print(e.status, e)
try:
    varco_ocr.recognize_file(pdf, 1, text_layer="sometimes")
    sys.exit("no ValueError")
except ValueError:
    print("ValueError")
EOF
    rc=$?
    sed 's/^/# /' "$TMP/py.out"
    [ $rc -eq 0 ] && grep -q '^11 .*not a model folder' "$TMP/py.out" &&
        grep -q 'none.pdf' "$TMP/py.out" && grep -q '^4 .*no page 5' "$TMP/py.out" &&
        grep -q '^ValueError' "$TMP/py.out" && grep -q '^short image refused' "$TMP/py.out" &&
        grep -q '^matmul bf16: the same page' "$TMP/py.out" &&
        grep -q '^weights bf16: the same page' "$TMP/py.out"
    ok $? "library 4.5: page_count, recognize_image (also with matmul=\"bf16\" and weights=\"bf16\"); errors raise varco_ocr.Error with the status and message"
fi

done_testing
