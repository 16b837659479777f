#!/bin/sh
# bench-memory.sh: memory stays flat over a batch: peak RSS of a 200-page
# text-layer batch within 10 % of a 20-page one (the same 20-page document
# once, then ten times under other names). Run by `make bench`.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
[ -x /usr/bin/time ] || skip_all "/usr/bin/time is not installed (Debian package time)"
if SH=$(shared_dir); then
    doc="$SH/corpus/pdf/pdfjs__pdkids.pdf"; pages="--pages 1-20"   # 55-page book
else
    doc="$SAMPLES/four-pages.pdf"; pages=""
fi
mkdir -p "$TMP/in20" "$TMP/in200"
if [ -n "$pages" ]; then n=1; else n=5; fi
i=0
while [ $i -lt $n ]; do cp "$doc" "$TMP/in20/d$i.pdf"; i=$((i + 1)); done
i=0
while [ $i -lt $((n * 10)) ]; do cp "$doc" "$TMP/in200/d$i.pdf"; i=$((i + 1)); done

peak() { # peak RSS in KiB of one batch over $1 into $2
    /usr/bin/time -f '%M %e' -o "$TMP/time" "$VO" -q --text-layer only -j 1 $pages \
        -f txt,alto,hocr,json -O "$2" --report "$2.json" "$1" || return 1
    cat "$TMP/time"
}
set -- $(peak "$TMP/in20" "$TMP/o20"); kb20=$1; s20=$2
set -- $(peak "$TMP/in200" "$TMP/o200"); kb200=$1; s200=$2
p20=$("$PY" -c "import json;print(json.load(open('$TMP/o20.json'))['summary']['pages_done'])")
p200=$("$PY" -c "import json;print(json.load(open('$TMP/o200.json'))['summary']['pages_done'])")
diag "peak RSS: $kb20 KiB after $p20 pages ($s20 s), $kb200 KiB after $p200 pages ($s200 s)"
[ "$p20" -eq 20 ] && [ "$p200" -eq 200 ]; ok $? "memory 1.1: 20 and 200 pages done ($p20, $p200)"
awk -v a="$kb20" -v b="$kb200" 'BEGIN { exit !(b <= a * 1.10) }'
ok $? "memory 1.2: peak RSS after 200 pages within 10 % of after 20 ($kb200 vs $kb20 KiB)"
done_testing
