#!/bin/sh
# tiff-pages.sh: every TIFF page of the shared corpus through -f pdf
# (--text-layer only: no model) renders, with poppler's pdftoppm and with
# mutool draw, to exactly the pixels of our own libtiff raster of that page;
# bilevel pages stay 1-bit in the PDF; a fax page keeps its CCITT bytes.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
for t in pdftoppm pdfimages mutool qpdf; do
    command -v "$t" >/dev/null || skip_all "$t not installed (Debian: poppler-utils, mupdf-tools, qpdf)"
done
TOOL="$top_builddir/tests/pdf/raster-tool"
LOCAL="$top_srcdir/tests/data/source"
if SH=$(shared_dir); then
    TIFFS=$(ls "$SH"/corpus/tiff/*.tif "$SH"/corpus/tiff/*.tiff 2>/dev/null)
else
    diag "the shared corpus is not beside the clone (set VO_SHARED): only the TIFF files of tests/data/source"
    TIFFS=$(ls "$LOCAL"/*.tif "$LOCAL"/*.tiff)
fi
[ -n "$TIFFS" ]; ok $? "tiff 0.1: TIFF files to check"

# same_pixels REF.ppm B.ppm [X Y W H]: sets $cmp ("DIFFERING MAX PSNR")
same_pixels() {
    cmp=$("$TOOL" cmp "$@" 2>&1)
    [ "${cmp%% *}" = 0 ]
}

# pdftoppm (poppler's Splash) smooths every image it does not enlarge 4
# times or more, even at its own size: it draws the page 4 times larger
# (the whole page up to 2 M pixels, else three 400 x 400 windows: top left,
# centre, bottom right) and each of our pixels is checked against the
# centre of its 4 x 4 block
splash_same() { # splash_same PDF PAGE W H
    if [ $(($3 * $4)) -le 2000000 ]; then
        set -- "$1" "$2" "$3" "$4" "0 0 $3 $4"
    else
        set -- "$1" "$2" "$3" "$4" "0 0 400 400" \
            "$((($3 - 400) / 2)) $((($4 - 400) / 2)) 400 400" "$(($3 - 400)) $(($4 - 400)) 400 400"
    fi
    pdf=$1 pg=$2 sw=$(($3 * 4)) sh=$(($4 * 4))
    shift 4
    all=""
    for win in "$@"; do
        set -- $win
        rm -f "$TMP"/pop*.ppm
        pdftoppm -f "$pg" -l "$pg" -singlefile -scale-to-x "$sw" -scale-to-y "$sh" \
            -x $(($1 * 4)) -y $(($2 * 4)) -W $(($3 * 4)) -H $(($4 * 4)) "$pdf" "$TMP/pop" 2>/dev/null
        same_pixels "$TMP/ref.ppm" "$TMP/pop.ppm" "$1" "$2" "$3" "$4" || { cmp="window $win: $cmp"; return 1; }
        all="$all[$win: $cmp] "
    done
    cmp=$all
}

n_pages_total=0
for f in $TIFFS; do
    name=$(basename "$f")
    run_vo --text-layer only -f pdf -o "$TMP/$name.pdf" "$f"
    ok $rc "tiff 1.1: $name: -f pdf --text-layer only exits 0"
    [ "$rc" -eq 0 ] || { sed 's/^/# /' "$TMP/err" | head -3; continue; }
    qpdf --check "$TMP/$name.pdf" >"$TMP/qpdf" 2>&1
    ok $? "tiff 1.3: $name: qpdf --check clean"
    n=$(pdfinfo "$TMP/$name.pdf" 2>/dev/null | awk '/^Pages:/ {print $2}')
    [ "${n:-0}" -ge 1 ] || { ok 1 "tiff 1.2: $name: pdfinfo reads the PDF"; continue; }
    for p in $(seq 1 "$n"); do
        n_pages_total=$((n_pages_total + 1))
        set -- $("$TOOL" page "$f" "$p" "$TMP/ref.ppm")
        w=${1:-0}; h=${2:-0}; xdpi=${3:-0}; ydpi=${4:-0}
        [ "$w" -gt 0 ]; ok $? "tiff 2.1: $name p$p: our raster ${w}x${h} at ${xdpi}x${ydpi} dpi"
        splash_same "$TMP/$name.pdf" "$p" "$w" "$h"
        ok $? "tiff 2.2: $name p$p: pdftoppm draws our raster exactly (differing samples, max, PSNR: $cmp)"
        mutool draw -q -w "$w" -h "$h" -f -c rgb -F ppm -o "$TMP/mu.ppm" "$TMP/$name.pdf" "$p" 2>/dev/null
        same_pixels "$TMP/ref.ppm" "$TMP/mu.ppm"
        ok $? "tiff 2.3: $name p$p: mutool draw draws our raster exactly ($cmp)"
    done
    # bilevel pages stay 1 bit a pixel (size); fax pages keep their coding
    pdfimages -list "$TMP/$name.pdf" 2>/dev/null | tail -n +3 >"$TMP/images"
    tiffinfo "$f" 2>/dev/null | grep -q 'CCITT Group 4\|CCITT Group 3' && {
        ! awk '$8 != 1' "$TMP/images" | grep -q .
        ok $? "tiff 3.1: $name: fax pages are 1-bit images in the PDF ($(awk '{print $7, $8}' "$TMP/images" | sort -u | tr '\n' ' '))"
    }
done
diag "$n_pages_total TIFF pages checked"

# fax bytes kept as they are: single-strip G4 and G3 files
for f in $TIFFS; do
    case $(basename "$f") in pillow__g4_orientation_6.tif | imagetiff__fax2d.tif) ;; *) continue ;; esac
    name=$(basename "$f")
    pdfimages -list "$TMP/$name.pdf" 2>/dev/null | tail -n +3 | awk '{print $9}' >"$TMP/enc"
    grep -qx ccitt "$TMP/enc"
    ok $? "tiff 4.1: $name: the PDF keeps the file's CCITT stream ($(cat "$TMP/enc"))"
done

# the check in the writer is a real one: a file whose fax bytes MuPDF
# decodes otherwise than libtiff is embedded from our pixels (libtiff's
# testfax4 differs from row 235), still exact above
done_testing
