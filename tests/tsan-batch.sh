#!/bin/sh
# tsan-batch.sh: build varco-ocr with ThreadSanitizer in its own folder and
# run mixed batches with -j 2 (PDFs and TIFFs to every format with
# overlays; saved raw pages; the tiny model, with pages of one document in
# flight): any data race fails.
#   sh tests/tsan-batch.sh        (CI runs it after the sanitizer suite)
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
[ -x configure ] || autoreconf -fi
rm -rf build-tsan && mkdir build-tsan && cd build-tsan
"$top/configure" --enable-werror CFLAGS="-O1 -g -fsanitize=thread" LDFLAGS="-fsanitize=thread" >/dev/null
make -j"$(nproc 2>/dev/null || echo 2)" varco-ocr samples/vo-synth >/dev/null
VO="$top/build-tsan/varco-ocr"
cd "$top"
out=$(mktemp -d "${TMPDIR:-/tmp}/vo-tsan-XXXXXX")
trap 'rm -rf "$out"' EXIT
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1"
fail=0
run() { # run NAME ARGS...: exit 66 means a race
    name=$1; shift
    "$VO" -q -j 2 "$@" 2>"$out/$name.err"
    rc=$?
    if [ $rc -eq 66 ] || grep -q 'ThreadSanitizer' "$out/$name.err"; then
        echo "tsan-batch: $name: data race:"; sed 's/^/  /' "$out/$name.err" | head -60; fail=1
    else
        echo "tsan-batch: $name: no race (exit $rc)"
    fi
}
set +e
run text --text-layer only -f txt,hocr,alto,page,tsv,json,pdf -O "$out/a" --overlay "$out/a/ov" \
    samples/multicolumn.pdf samples/four-pages.pdf samples/korean-interview.pdf samples/hello.png \
    tests/data/source
mkdir -p "$out/raw"
for i in 1 2 3 4; do
    sed "s#\"source\": *\"[^\"]*\"#\"source\": \"page$i.png\"#" samples/ko-en-2col.raw.json \
        >"$out/raw/p$i.p0001.raw.json"
done
run raw --from-raw "$out/raw" -f txt,hocr,alto,json -O "$out/b"
run ocr --model tests/data/fixtures/tiny-varco --max-tokens 16 -f txt,alto -O "$out/c" \
    --raw-out "$out/c/raw" samples/hello.png samples/korean-interview.pdf --text-layer ignore
# several pages of one document in flight: page makers read the document in
# turn and meet in the engine while the worker writes (--no-band: the tiny
# model fills its 16 tokens on every page, and recognising each page again
# in bands took 8 of this script's 12 minutes; the run above bands)
run pages --model tests/data/fixtures/tiny-varco --max-tokens 16 --no-band --batch 4 -f txt,alto,pdf \
    -O "$out/d" --overlay "$out/d/ov" samples/four-pages.pdf samples/multicolumn.pdf \
    --text-layer ignore
exit $fail
