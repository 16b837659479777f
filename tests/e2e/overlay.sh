#!/bin/sh
# overlay.sh: --overlay DIR through the command line: one PNG per page, for
# saved model output of synthesized Korean pages and for a 4-page PDF.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
SYNTH="$top_builddir/samples/vo-synth"
KO="$top_srcdir/tests/data/pdf/synth-1col.txt"
# under --enable-sanitizers: fontconfig's own allocations only (see the file)
LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$top_srcdir/tests/e2e/lsan-fontconfig.supp"
export LSAN_OPTIONS

# png_size FILE: "WIDTH HEIGHT" of a PNG, nothing when it is not one
png_size() {
    "$PY" -c "
import struct, sys
h = open(sys.argv[1], 'rb').read(24)
if h[:8] == b'\x89PNG\r\n\x1a\n' and h[12:16] == b'IHDR':
    print('%d %d' % struct.unpack('>II', h[16:24]))" "$1"
}

mkdir -p "$TMP/s" && cd "$TMP/s" || exit 1
"$SYNTH" --page 74x105 --dpi 100 --chars 80 ko1 "$KO" >/dev/null 2>&1 &&
    "$SYNTH" --page 74x105 --dpi 100 --chars 80 --skip 2 ko2 "$KO" >/dev/null 2>&1
ok $? "overlay 1.1: vo-synth wrote two small Korean pages"
run_vo --from-raw ko1.raw.json --from-raw ko2.raw.json --overlay "$TMP/ov" -f txt -O "$TMP/t"
ok $rc "overlay 1.2: --from-raw with --overlay exits 0 (rc=$rc)"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$TMP/err" | head -5
n=$(ls "$TMP/ov" 2>/dev/null | grep -c '\.p0001\.overlay\.png$')
[ "$n" -eq 2 ]; ok $? "overlay 1.3: one NAME.p0001.overlay.png per page ($n)"
set -- $(png_size ko1.png)
pw=${1:-0} ph=${2:-0}
set -- $(png_size "$TMP/ov/ko1.p0001.overlay.png")
[ "${1:-0}" -ge "$pw" ] && [ "${2:-0}" -ge "$ph" ] && [ "$pw" -gt 0 ]
ok $? "overlay 1.4: the overlay is a PNG holding the whole page (${1:-?}x${2:-?} for ${pw}x${ph})"

# a raw page whose relative source sits beside it is found from another folder
mkdir -p "$TMP/elsewhere" && cd "$TMP/elsewhere" || exit 1
run_vo --from-raw ../s/ko1.raw.json --overlay "$TMP/ov1" -f txt,pdf -O "$TMP/t1"
ok $rc "overlay 1.5: --from-raw from another folder exits 0 (rc=$rc)"
[ -n "$(png_size "$TMP/ov1/ko1.p0001.overlay.png" 2>/dev/null)" ]
ok $? "overlay 1.6: the source is found beside the raw file: its overlay is written"
! grep -q 'source cannot be read' "$TMP/err"
ok $? "overlay 1.7: the PDF page has the source image (no blank-page warning)"
cd "$TMP/s" || exit 1

# a PDF input: one overlay per page
run_vo --text-layer only --dpi 40 --overlay "$TMP/ov4" -f txt -O "$TMP/t4" "$SAMPLES/four-pages.pdf"
ok $rc "overlay 2.1: four-pages.pdf with --overlay exits 0 (rc=$rc)"
n=0
for i in 1 2 3 4; do
    [ -n "$(png_size "$TMP/ov4/four-pages.p000$i.overlay.png" 2>/dev/null)" ] && n=$((n + 1))
done
[ "$n" -eq 4 ]; ok $? "overlay 2.2: four PNGs, four-pages.p0001..p0004.overlay.png ($n)"

# the committed sample shown in README
S="$SAMPLES/overlay-korean.png"
[ -n "$(png_size "$S")" ] && [ "$(wc -c <"$S")" -lt 204800 ]
ok $? "overlay 3.1: samples/overlay-korean.png is a PNG under 200 KB"
done_testing
