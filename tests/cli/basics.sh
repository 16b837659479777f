#!/bin/sh
# basics.sh: options, exit codes, stdout/stderr discipline, page ranges,
# standard input, several inputs with a bad one.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
PDF="$SAMPLES/multicolumn.pdf"
KO="$SAMPLES/korean-interview.pdf"

run_vo --help
ok $(( rc != 0 )) "cli 1.1: --help exits 0"
grep -q -- '--text-layer' "$TMP/out"; ok $? "cli 1.2: --help goes to stdout and lists --text-layer"
[ ! -s "$TMP/err" ]; ok $? "cli 1.3: --help writes nothing on stderr"

run_vo --version
head -1 "$TMP/out" | grep -Eq '^varco-ocr [0-9]+\.[0-9]+\.[0-9]+$'; ok $? "cli 1.4: --version first line is 'varco-ocr X.Y.Z'"
grep -q 'MuPDF' "$TMP/out" && grep -q 'CC BY-NC' "$TMP/out"; ok $? "cli 1.5: --version names MuPDF and the model licence"

run_vo --bogus "$PDF"
[ "$rc" -eq 1 ] && grep -q "Try 'varco-ocr --help'" "$TMP/err"; ok $? "cli 2.1: unknown option exits 1 with a hint"
grep -q "^varco-ocr: unrecognized option '--bogus'" "$TMP/err"; ok $? "cli 2.1b: getopt's message starts with the program name, not its path"
run_vo --output-dir= "$PDF"
[ "$rc" -eq 1 ] && grep -q 'output-dir' "$TMP/err"; ok $? "cli 2.1c: an empty --output-dir is a usage error (rc=$rc)"
run_vo --pages 3-1 "$PDF"
[ "$rc" -eq 1 ] && grep -q 'backwards' "$TMP/err"; ok $? "cli 2.2: backwards page range is a usage error"
run_vo --pages 0 "$PDF"
[ "$rc" -eq 1 ]; ok $? "cli 2.3: page 0 is a usage error (pages are 1-based)"
run_vo -f txt,hocr "$PDF"
[ "$rc" -eq 1 ] && grep -q 'output-dir' "$TMP/err"; ok $? "cli 2.4: several formats without --output-dir exit 1"
run_vo -f docx "$PDF"
[ "$rc" -eq 1 ] && grep -q "unknown format 'docx'" "$TMP/err"; ok $? "cli 2.5: unknown format named"
run_vo - - ; ok $(( rc != 1 )) "cli 2.6: stdin twice is a usage error"
echo "$PDF" | "$VO" --files-from - - >"$TMP/out" 2>"$TMP/err"; rc=$?
[ "$rc" -eq 1 ] && grep -q 'only once' "$TMP/err"; ok $? "cli 2.6b: --files-from - with a '-' operand is a usage error (rc=$rc)"
run_vo
[ "$rc" -eq 1 ]; ok $? "cli 2.7: no input is a usage error"
run_vo --dpi 5 "$PDF"
[ "$rc" -eq 1 ]; ok $? "cli 2.8: --dpi out of range is a usage error"

run_vo "$TMP/does-not-exist.pdf"
[ "$rc" -eq 2 ] && grep -q 'does-not-exist.pdf' "$TMP/err"; ok $? "cli 3.1: missing input exits 2 naming the file"
[ ! -s "$TMP/out" ]; ok $? "cli 3.2: nothing on stdout after a failure"

run_vo "$PDF"
[ "$rc" -eq 0 ] && [ -s "$TMP/out" ]; ok $? "cli 4.1: text of a born-digital PDF on stdout (rc=$rc)"
grep -q 'multicolumn.pdf' "$TMP/out"; ok $(( $? == 0 )) "cli 4.2: no message mixed into the data on stdout"
run_vo -q "$PDF"
[ ! -s "$TMP/err" ]; ok $? "cli 4.3: -q prints nothing on success"

run_vo --text-layer only -o - "$KO"
grep -q '인터뷰' "$TMP/out"; ok $? "cli 4.4: Korean text of a CID-font PDF"

cat "$KO" | "$VO" -f hocr - >"$TMP/stdin.hocr" 2>"$TMP/err"; rc=$?
[ "$rc" -eq 0 ] && grep -q 'ocrx_word' "$TMP/stdin.hocr"; ok $? "cli 5.1: a PDF read from standard input"
printf 'not a document at all' | "$VO" - >"$TMP/out" 2>"$TMP/err"; rc=$?
[ "$rc" -eq 2 ] && grep -q '^varco-ocr: .*-' "$TMP/err"; ok $? "cli 5.2: garbage on stdin exits 2 (rc=$rc)"

P4="$SAMPLES/four-pages.pdf"
run_vo --pages 2,4-end -f json -o "$TMP/sel.json" "$P4"
[ "$rc" -eq 0 ] && "$PY" -c "
import json,sys
d=json.load(open('$TMP/sel.json'))
sys.exit(0 if [p['page'] for p in d['pages']]==[2,4] else 1)"; ok $? "cli 6.1: --pages 2,4-end picks pages 2 and 4"
run_vo --pages 9 "$P4"
[ "$rc" -eq 1 ] && grep -q 'has 4 pages' "$TMP/err"; ok $? "cli 6.2: a page list outside the document is refused"

mkdir -p "$TMP/o"
run_vo -O "$TMP/o" -f txt,hocr,alto,page,tsv,json "$P4"
n=$(ls "$TMP/o" | wc -l)
[ "$rc" -eq 0 ] && [ "$n" -eq 12 ]; ok $? "cli 7.1: -O writes txt/hocr/tsv/json + 4 ALTO + 4 PAGE files ($n)"
[ -f "$TMP/o/four-pages.p0003.alto.xml" ] && [ -f "$TMP/o/four-pages.p0004.page.xml" ]; ok $? "cli 7.2: per-page names NAME.pNNNN.alto.xml"
ls "$TMP/o" | grep -q 'tmp'; ok $(( $? == 0 )) "cli 7.3: no temporary file left"

# several inputs, one bad: the good ones are done, exit 11
cp "$PDF" "$TMP/good1.pdf"; cp "$KO" "$TMP/good2.pdf"; printf '%%PDF-1.4 broken' >"$TMP/bad.pdf"
run_vo -O "$TMP/b" -j 2 "$TMP/good1.pdf" "$TMP/bad.pdf" "$TMP/good2.pdf"
[ "$rc" -eq 11 ]; ok $? "cli 8.1: one bad input among good ones exits 11 (rc=$rc)"
[ -s "$TMP/b/good1.txt" ] && [ -s "$TMP/b/good2.txt" ] && [ ! -e "$TMP/b/bad.txt" ]; ok $? "cli 8.2: the good inputs are complete, the bad one has no output"
grep -q 'bad.pdf' "$TMP/err"; ok $? "cli 8.3: the error names the bad file"

# an image needs OCR: without a model, exit 3 and say how to get it
run_vo "$SAMPLES/hello.png"
[ "$rc" -eq 3 ] && grep -q 'huggingface-cli download NCSOFT/VARCO-VISION-2.0-1.7B-OCR' "$TMP/err"; ok $? "cli 9.1: OCR without a model exits 3 with download advice (rc=$rc)"
run_vo --text-layer only "$SAMPLES/hello.png"
[ "$rc" -eq 0 ]; ok $? "cli 9.2: --text-layer only never needs the model"
run_vo --model "$TMP/nothing-here" "$PDF"
[ "$rc" -eq 3 ] && grep -q 'not a model folder' "$TMP/err"; ok $? "cli 9.3: --model without config.json exits 3"

# an output over the input is refused
cp "$PDF" "$TMP/same.txt"
run_vo -o "$TMP/same.txt" "$TMP/same.txt"
[ "$rc" -ne 0 ] && cmp -s "$PDF" "$TMP/same.txt"; ok $? "cli 10.1: never writes over the input"

run_vo --max-pages 3 "$SAMPLES/four-pages.pdf"
[ "$rc" -eq 2 ] && grep -q 'more than the limit of 3' "$TMP/err"; ok $? "cli 11.1: --max-pages refuses a longer document (rc=$rc)"
run_vo --max-pages 4 --pages 1 "$SAMPLES/four-pages.pdf"
[ "$rc" -eq 0 ]; ok $? "cli 11.2: --max-pages at the page count passes"

# a searchable PDF of an encrypted PDF keeps the page content (the source is
# opened with --password again for copying its pages, not only for its text)
qpdf --encrypt foo owner 256 -- "$PDF" "$TMP/enc.pdf" 2>/dev/null
run_vo --password foo -f pdf -o "$TMP/enc-out.pdf" "$TMP/enc.pdf"
dark=$(mutool draw -r 30 -F pgm -o - "$TMP/enc-out.pdf" 1 2>/dev/null | "$PY" -c "
import sys
d = sys.stdin.buffer.read()
h = d.split(b'\\n', 3)   # P5, width height, maxval, pixels
print(sum(1 for b in h[3] if b < 220) if len(h) == 4 else 0)")
[ "$rc" -eq 0 ] && [ "${dark:-0}" -gt 100 ] && ! grep -q 'aes\|read error' "$TMP/err"
ok $? "cli 12.1: -f pdf of an encrypted PDF keeps its page content (rc=$rc, $dark dark pixels)"

# a damaged PDF that MuPDF reads (after repair) but cannot write back (an
# OSS-Fuzz reproducer of qpdf, Apache-2.0: "invalid key in dict"): its
# pages are redrawn into a new PDF, said, instead of the PDF failing
DMG="$top_srcdir/tests/data/source/malformed/qpdf-fuzz__26994.pdf"
run_vo --text-layer only -f pdf,txt -O "$TMP/dmg" "$DMG"
pages=$(pdfinfo "$TMP/dmg/qpdf-fuzz__26994.pdf" 2>/dev/null | awk '/^Pages:/ {print $2}')
pdftotext "$TMP/dmg/qpdf-fuzz__26994.pdf" "$TMP/dmg.pdf.txt" 2>/dev/null
[ "$rc" -eq 0 ] && [ "$pages" = 30 ] && grep -q 'redrawn' "$TMP/err" &&
    [ "$(tr -s ' \n\f' '   ' <"$TMP/dmg.pdf.txt")" = "$(tr -s ' \n\f' '   ' <"$TMP/dmg/qpdf-fuzz__26994.txt")" ] &&
    grep -q 'Potato 29' "$TMP/dmg.pdf.txt"
ok $? "cli 12.3: a PDF MuPDF cannot write back: 30 pages redrawn, said, the same text as the txt (rc=$rc, $pages pages)"

# a directory operand written with its trailing slash (as the shell completes it)
mkdir -p "$TMP/dir"; cp "$PDF" "$TMP/dir/"
run_vo -v --text-layer only -O "$TMP/dir-out" "$TMP/dir/"
[ "$rc" -eq 0 ] && grep -q 'dir/multicolumn.pdf' "$TMP/err" && ! grep -q 'dir//' "$TMP/err"
ok $? "cli 13.1: files of 'DIR/' are named DIR/NAME in messages, not DIR//NAME (rc=$rc)"

# outputs that are not regular files are written in place, never replaced
mkfifo "$TMP/fifo"
timeout 30 cat "$TMP/fifo" >"$TMP/fifo.out" &
catpid=$!
timeout 30 "$VO" -o "$TMP/fifo" "$PDF" 2>"$TMP/err"; rc=$?
[ -p "$TMP/fifo" ] || kill $catpid 2>/dev/null   # replaced: cat would wait for a writer
wait $catpid
[ "$rc" -eq 0 ] && [ -p "$TMP/fifo" ] && [ -s "$TMP/fifo.out" ]; ok $? "cli 14.1: -o FIFO writes into the pipe and leaves it a pipe (rc=$rc)"
run_vo -o /dev/stdout "$PDF"
[ "$rc" -eq 0 ] && [ -s "$TMP/out" ] && ! grep -q 'Hello' "$TMP/err"; ok $? "cli 14.2: -o /dev/stdout is standard output (rc=$rc)"
if [ -c /dev/full ]; then
    "$VO" "$PDF" >/dev/full 2>"$TMP/err"; rc=$?
    [ "$rc" -eq 5 ] && grep -q 'No space' "$TMP/err"; ok $? "cli 14.3: standard output on a full disk exits 5 (rc=$rc)"
    "$VO" -o /dev/full "$PDF" 2>"$TMP/err"; rc=$?
    [ "$rc" -eq 5 ] && [ -c /dev/full ]; ok $? "cli 14.4: -o /dev/full exits 5 and leaves the device alone (rc=$rc)"
fi

# MuPDF's notes on a damaged source (korean-interview.pdf has a broken xref)
# are shown with -vv and name the file, for -f pdf as for the text
run_vo -f pdf -o "$TMP/ko.pdf" "$KO"
[ "$rc" -eq 0 ] && [ ! -s "$TMP/err" ]; ok $? "cli 15.1: -f pdf of a repaired PDF is quiet by default (rc=$rc)"
run_vo -vv -f pdf -o "$TMP/ko.pdf" "$KO"
! grep 'mupdf\|MuPDF' "$TMP/err" | grep -vq 'korean-interview.pdf: mupdf:'; ok $? "cli 15.2: with -vv each MuPDF note names the source"

# -f pdf of TIFFs MuPDF's image loader cannot decode (read with libtiff):
# a 1-bit palette TIFF and a BigTIFF
MPT="$top_srcdir/tests/data/source/pillow__multipage.tiff"
run_vo --text-layer only -f pdf -o "$TMP/mpt.pdf" "$MPT"
n=$(mutool info "$TMP/mpt.pdf" 2>/dev/null | grep -c 'DevRGB\|DevGray')
[ "$rc" -eq 0 ] && [ "$n" -eq 3 ]; ok $? "cli 16.1: -f pdf of a 1-bit palette TIFF: 3 pages with their image (rc=$rc, $n images)"
tiffcp -8 "$top_srcdir/tests/data/source/pillow__g4_orientation_1.tif" "$TMP/big.tif" 2>/dev/null
run_vo --text-layer only -f pdf -o "$TMP/big.pdf" "$TMP/big.tif"
n=$(mutool info "$TMP/big.pdf" 2>/dev/null | grep -c 'DevRGB\|DevGray')
[ "$rc" -eq 0 ] && [ "$n" -eq 1 ]; ok $? "cli 16.2: -f pdf of a BigTIFF has its image (rc=$rc)"

# the advice on getting the model is given once a run, not once a page
mkdir -p "$TMP/scans"; cp "$SAMPLES/hello.png" "$TMP/scans/a.png"; cp "$SAMPLES/hello.png" "$TMP/scans/b.png"
run_vo -j 2 -O "$TMP/scans-out" "$TMP/scans"
n=$(grep -c 'huggingface-cli download' "$TMP/err"); np=$(grep -c 'page 1 has no text layer' "$TMP/err")
[ "$rc" -eq 3 ] && [ "$n" -eq 1 ] && [ "$np" -eq 2 ]; ok $? "cli 17.1: two scans without a model: advice once, one error per page, exit 3 (rc=$rc, $n, $np)"

# standard input with --output-dir: its outputs are written as stdin.*
cat "$PDF" | "$VO" -O "$TMP/si" -f txt,alto - >"$TMP/out" 2>"$TMP/err"; rc=$?
[ "$rc" -eq 0 ] && [ -s "$TMP/si/stdin.txt" ] && [ -s "$TMP/si/stdin.p0001.alto.xml" ]
ok $? "cli 18.1: standard input with -O writes stdin.txt and stdin.p0001.alto.xml (rc=$rc)"
printf 'not a document at all' | "$VO" - >"$TMP/out" 2>"$TMP/err"
grep -q '^varco-ocr: error: -: cannot open' "$TMP/err" && ! grep -q 'varco-ocr-stdin' "$TMP/err"
ok $? "cli 18.2: a bad document on standard input is named '-', not by its spool file"
run_vo --pages 2,9 -o - "$SAMPLES/four-pages.pdf"
[ "$rc" -eq 0 ] && grep -q 'past the end; the document has 4 pages: only those it has are in the output' "$TMP/err"
ok $? "cli 12.1: --pages past the end is said, the pages there are done (rc=$rc)"
run_vo "$SAMPLES/hello.png"
grep -q "local-dir $XDG_DATA_HOME/varco-ocr/VARCO-VISION-2.0-1.7B-OCR" "$TMP/err"
ok $? "cli 12.2: the model advice names the folder where it will be looked for"
# -l LANG: Tesseract's language names are taken as a hint and change nothing
run_vo --text-layer only "$SAMPLES/korean-interview.pdf"
cp "$TMP/out" "$TMP/nolang.txt"
run_vo -l kor+eng --text-layer only "$SAMPLES/korean-interview.pdf"
[ $rc -eq 0 ] && cmp -s "$TMP/out" "$TMP/nolang.txt"
ok $? "cli 13.1: -l kor+eng is accepted and changes nothing (rc=$rc)"
for bad in "kor eng" "kor+" "+eng" "" "ko/kr"; do
    run_vo --language="$bad" --text-layer only "$SAMPLES/korean-interview.pdf"
    [ $rc -eq 1 ] && grep -q -- '--language takes Tesseract language names' "$TMP/err"
    ok $? "cli 13.2: --language '$bad' is a usage error (rc=$rc)"
done
# --sidecar: the text beside the -o output, as -f txt writes it
run_vo --text-layer only -f pdf -o "$TMP/side.pdf" --sidecar "$TMP/side.txt" "$SAMPLES/four-pages.pdf"
"$VO" --text-layer only -f txt -o "$TMP/plain.txt" "$SAMPLES/four-pages.pdf" 2>/dev/null
[ $rc -eq 0 ] && [ -s "$TMP/side.pdf" ] && [ -s "$TMP/side.txt" ] && cmp -s "$TMP/side.txt" "$TMP/plain.txt"
ok $? "cli 14.1: --sidecar writes the text the txt format gives, beside the PDF (rc=$rc)"
run_vo --sidecar "$TMP/x.txt" -f pdf -O "$TMP/sidedir" "$SAMPLES/four-pages.pdf"
[ $rc -eq 1 ] && grep -q -- '--sidecar goes with --output' "$TMP/err"
ok $? "cli 14.2: --sidecar with --output-dir is a usage error (rc=$rc)"
run_vo --sidecar "$TMP/same.pdf" -f pdf -o "$TMP/same.pdf" "$SAMPLES/four-pages.pdf"
[ $rc -eq 1 ]; ok $? "cli 14.3: --sidecar naming the -o file is a usage error (rc=$rc)"
run_vo --sidecar "$TMP/t.txt" -f txt -o "$TMP/o.txt" "$SAMPLES/four-pages.pdf"
[ $rc -eq 1 ]; ok $? "cli 14.4: --sidecar beside a text output is a usage error (rc=$rc)"
cp "$SAMPLES/four-pages.pdf" "$TMP/in.pdf"
run_vo --text-layer only -f pdf -o "$TMP/o2.pdf" --sidecar "$TMP/in.pdf" "$TMP/in.pdf"
[ $rc -ne 0 ] && cmp -s "$TMP/in.pdf" "$SAMPLES/four-pages.pdf"
ok $? "cli 14.5: --sidecar over the input is refused and the input kept (rc=$rc)"
# $VO_CPU_ISA: an unknown word or an instruction set the CPU lacks is a usage
# error before any input is read (exit 1), named in the message
VO_CPU_ISA=sse9 run_vo "$SAMPLES/hello.png"
[ "$rc" -eq 1 ] && grep -q "VO_CPU_ISA=sse9: unknown instruction set 'sse9'" "$TMP/err"
ok $? "cli 19.1: VO_CPU_ISA=sse9 is a usage error (rc=$rc)"
VO_CPU_ISA=scalar run_vo -o - "$SAMPLES/multicolumn.pdf"
[ "$rc" -eq 0 ]; ok $? "cli 19.2: VO_CPU_ISA=scalar is accepted (rc=$rc)"
done_testing
