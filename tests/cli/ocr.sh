#!/bin/sh
# ocr.sh: the whole OCR path with the tiny fixture model (real architecture,
# random weights: the text is random), --raw-out, and --from-raw giving back
# the same outputs without the model.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
MODEL="$top_srcdir/tests/data/fixtures/tiny-varco"
SCHEMAS="$top_srcdir/tests/data/schemas"
ALTO_XSD=$(find "$SCHEMAS" -name 'alto-4-4-offline.xsd' | head -1)
[ -f "$MODEL/config.json" ]; ok $? "ocr 0.1: tiny fixture model in tests/data"

run_vo --model "$MODEL" --max-tokens 48 -f txt,hocr,alto,json,pdf -O "$TMP/a" --raw-out "$TMP/raw" \
    "$SAMPLES/hello.png"
ok $rc "ocr 1.1: an image through the engine exits 0 (rc=$rc)"
for f in hello.txt hello.hocr hello.p0001.alto.xml hello.json hello.pdf; do
    [ -e "$TMP/a/$f" ]; ok $? "ocr 1.2: $f written"
done
[ -f "$TMP/raw/hello.p0001.raw.json" ]; ok $? "ocr 1.3: raw output saved as NAME.p0001.raw.json"
"$PY" -c "
import json,sys
r=json.load(open('$TMP/raw/hello.p0001.raw.json'))
ok = r['page']==1 and r['width']>0 and r['height']>0 and r['source'].endswith('hello.png') and isinstance(r['text'],str) and len(r.get('logprobs',[]))>0
sys.exit(0 if ok else 1)"; ok $? "ocr 1.4: raw file has source, page, size, text and log-probs"
n=$("$PY" -c "import json; print(len(json.load(open('$TMP/raw/hello.p0001.raw.json'))['logprobs']))")
if [ "$n" -eq 48 ]; then # the random model did not end the page by itself
    grep -q "hello.png: page 1: the model's output reached its limit of 48 tokens (--max-tokens)" \
        "$TMP/err"
    ok $? "ocr 1.4b: a page cut by --max-tokens is a warning naming the file and page"
else
    ! grep -q "reached its limit" "$TMP/err"
    ok $? "ocr 1.4b: a page that ended after $n tokens has no cut warning"
fi
xmllint --nonet --noout --schema "$ALTO_XSD" "$TMP/a/hello.p0001.alto.xml" 2>/dev/null
ok $? "ocr 1.5: ALTO of OCR output valid"
xmllint --noout "$TMP/a/hello.hocr" 2>/dev/null; ok $? "ocr 1.6: hOCR well-formed"
qpdf --check "$TMP/a/hello.pdf" >/dev/null 2>&1; ok $? "ocr 1.7: searchable PDF passes qpdf --check"

# the same outputs again from the saved raw output, no model needed
run_vo --from-raw "$TMP/raw" -f txt,hocr,alto,json -O "$TMP/b"
ok $rc "ocr 2.1: --from-raw exits 0 without a model (rc=$rc)"
same=0
for f in hello.txt hello.hocr hello.p0001.alto.xml hello.json; do
    cmp -s "$TMP/a/$f" "$TMP/b/$f" || same=1
done
ok $same "ocr 2.2: --from-raw gives byte-identical txt, hOCR, ALTO and JSON"
echo '{"format": "varco-ocr-raw", "version": 1, "page": "x"}' >"$TMP/raw/broken.p0001.raw.json"
run_vo --from-raw "$TMP/raw" -f txt -O "$TMP/c"
[ "$rc" -eq 11 ] && [ -e "$TMP/c/hello.txt" ] && grep -q 'broken.p0001.raw.json' "$TMP/err"
ok $? "ocr 2.3: a broken raw file is named, the good ones still rendered (rc=$rc)"

# the model folder is unusable: exit 9 with the file named
mkdir -p "$TMP/badmodel"; echo '{"text_config": 5}' >"$TMP/badmodel/config.json"
run_vo --model "$TMP/badmodel" "$SAMPLES/hello.png"
[ "$rc" -eq 9 ] && grep -q 'config.json' "$TMP/err"; ok $? "ocr 3.1: a broken model folder exits 9 naming config.json (rc=$rc)"
# the same recognition through the OpenCL kernels (PoCL on this CPU in CI)
run_vo --list-devices
cp "$TMP/out" "$TMP/devices"
[ "$rc" -eq 0 ] && grep -q '^cpu ' "$TMP/out"; ok $? "ocr 4.1: --list-devices lists the native CPU backend"
if grep -q '^[0-9]*\.[0-9]' "$TMP/out"; then
    run_vo --device cpu --model "$MODEL" --max-tokens 24 -o "$TMP/cpu.txt" "$SAMPLES/hello.png"
    "$VO" --device opencl --model "$MODEL" --max-tokens 24 -o "$TMP/cl.txt" "$SAMPLES/hello.png" 2>"$TMP/err"
    rc2=$?
    [ "$rc" -eq 0 ] && [ "$rc2" -eq 0 ] && cmp -s "$TMP/cpu.txt" "$TMP/cl.txt"
    ok $? "ocr 4.2: --device opencl recognises the same text as --device cpu"
    # pages in flight on OpenCL: each page's vision tower on the second
    # queue while the pages admitted before it decode; the model's text of
    # each page (the raw output: 24 tokens of the tiny model's words) the
    # same as with one queue (VO_OPENCL_SIDE_STREAM=0) and as on the CPU
    mkdir -p "$TMP/fl"
    cp "$SAMPLES/hello.png" "$SAMPLES/ko-en-2col.png" "$SAMPLES/ko-poem-skew.png" "$TMP/fl/"
    FL="--batch 3 --no-band --model $MODEL --max-tokens 24"
    run_vo -v --device opencl $FL --raw-out "$TMP/fl-two" -O "$TMP/fl-two-out" "$TMP/fl"
    rc_two=$rc
    grep -q "vision towers on a second queue" "$TMP/err"; said_two=$?
    export VO_OPENCL_SIDE_STREAM=0
    run_vo -v --device opencl $FL --raw-out "$TMP/fl-one" -O "$TMP/fl-one-out" "$TMP/fl"
    unset VO_OPENCL_SIDE_STREAM
    rc_one=$rc
    grep -q "; one queue" "$TMP/err"; said_one=$?
    run_vo --device cpu $FL --raw-out "$TMP/fl-cpu" -O "$TMP/fl-cpu-out" "$TMP/fl"
    raw_text() { sed -n 's/.*"text": \(".*"\), "logprobs".*/\1/p' "$1"; }
    same=0
    for f in hello ko-en-2col ko-poem-skew; do
        two=$(raw_text "$TMP/fl-two/$f.p0001.raw.json")
        [ ${#two} -gt 20 ] && [ "$two" = "$(raw_text "$TMP/fl-one/$f.p0001.raw.json")" ] &&
            [ "$two" = "$(raw_text "$TMP/fl-cpu/$f.p0001.raw.json")" ] || same=1
    done
    [ "$rc_two" -eq 0 ] && [ "$rc_one" -eq 0 ] && [ "$rc" -eq 0 ] && [ "$said_two" -eq 0 ] &&
        [ "$said_one" -eq 0 ] && [ "$same" -eq 0 ]
    ok $? "ocr 4.4: 3 pages in flight on OpenCL, vision towers on a second queue: the model's text of each page as with one queue and on the CPU (rc $rc_two/$rc_one/$rc)"
else
    diag "no OpenCL device listed (pocl-opencl-icd from tests/deps.sh --test provides one)"
    ok 1 "ocr 4.2: an OpenCL device is available"
fi
# a half-size attention cache: same outputs written, the engine reads it
run_vo --kv-type bf16 --model "$MODEL" --max-tokens 24 -o "$TMP/bf16.txt" "$SAMPLES/hello.png"
[ "$rc" -eq 0 ] && [ -e "$TMP/bf16.txt" ]; ok $? "ocr 5.1: --kv-type bf16 runs (rc=$rc)"
if grep -q '^[0-9]*\.[0-9]' "$TMP/devices" 2>/dev/null; then
    run_vo --kv-type f16 --device opencl --model "$MODEL" --max-tokens 24 -o "$TMP/f16cl.txt" "$SAMPLES/hello.png"
    [ "$rc" -eq 0 ]; ok $? "ocr 5.2: --kv-type f16 on OpenCL runs (rc=$rc)"
fi
# the stored weights and an f32 cache on the CPU: what 5.4 and 5.8 compare with
run_vo --weights as-stored --device cpu --model "$MODEL" --max-tokens 24 -f txt,alto -v \
    -O "$TMP/stored" "$SAMPLES/hello.png"
cp "$TMP/stored/hello.txt" "$TMP/stored.txt"
[ "$rc" -eq 0 ] && ! grep -q "copying the language model's weights" "$TMP/err"
ok $? "ocr 5.16: --weights as-stored on the CPU copies nothing (rc=$rc)"
run_vo --kv-type q8 --device cpu --model "$MODEL" --max-tokens 24 -o "$TMP/kvq8.txt" "$SAMPLES/hello.png"
[ "$rc" -eq 0 ] && cmp -s "$TMP/stored.txt" "$TMP/kvq8.txt"
ok $? "ocr 5.8: --kv-type q8 recognises the same text as the f32 cache (rc=$rc)"
if grep -q '^[0-9]*\.[0-9]' "$TMP/devices" 2>/dev/null; then
    run_vo --kv-type q8 --device opencl --model "$MODEL" --max-tokens 24 -o "$TMP/kvq8cl.txt" \
        "$SAMPLES/hello.png"
    [ "$rc" -ne 0 ] && grep -q "cannot keep a q8row KV cache" "$TMP/err"
    ok $? "ocr 5.9: --kv-type q8 on OpenCL is refused with a message (rc=$rc)"
fi
run_vo --kv-type int4 "$SAMPLES/hello.png"
[ "$rc" -eq 1 ]; ok $? "ocr 5.3: an unknown --kv-type is a usage error"
# q8 weights made at load (the tiny model's greedy steps are not close
# calls), bf16 weights copied into memory (the same values) and the default
# (auto: on the CPU the bf16 copy, the tiny model's few MB being far under
# what is free; on OpenCL no copy): the same text as the stored weights on
# this page, the ALTO's processing settings say which; the same text on
# OpenCL (q8 blocks dequantized in its matmul, bf16 already in device
# memory); unknown types refused
copied="copying the language model's weights (0.0[0-9] GiB of bf16) into memory"
for spec in q8:5.4:5.5 bf16:5.13:5.14 auto:5.17:5.18; do
    w=${spec%%:*} n=${spec#*:}
    n_cpu=${n%:*} n_cl=${n#*:}
    opt="--weights $w" what="--weights $w"
    [ $w = auto ] && opt="" what="the default weights (auto)"
    run_vo $opt --device cpu --model "$MODEL" --max-tokens 24 -f txt,alto -v -O "$TMP/w$w" \
        "$SAMPLES/hello.png"
    [ "$rc" -eq 0 ] && cmp -s "$TMP/stored.txt" "$TMP/w$w/hello.txt" &&
        grep -q "weights=$w" "$TMP/w$w/hello.p0001.alto.xml" &&
        grep -q 'weights=as-stored' "$TMP/stored/hello.p0001.alto.xml" &&
        { [ $w = q8 ] || grep -q "$copied" "$TMP/err"; }
    ok $? "ocr $n_cpu: $what recognises the same text as the stored weights, each ALTO names its weights; bf16 and auto copy them (-v says so) (rc=$rc)"
    if grep -q '^[0-9]*\.[0-9]' "$TMP/devices" 2>/dev/null; then
        run_vo $opt --device opencl --model "$MODEL" --max-tokens 24 -v -o "$TMP/${w}cl.txt" \
            "$SAMPLES/hello.png"
        [ "$rc" -eq 0 ] && cmp -s "$TMP/stored.txt" "$TMP/${w}cl.txt" && ! grep -q "$copied" "$TMP/err"
        ok $? "ocr $n_cl: $what on OpenCL recognises the same text as the stored weights, copies nothing (rc=$rc)"
    fi
done
run_vo --weights q3 "$SAMPLES/hello.png"
[ "$rc" -eq 1 ] && grep -q 'auto, as-stored, bf16, q8 or q4' "$TMP/err"
ok $? "ocr 5.6: an unknown --weights is a usage error naming the types"
run_vo --weights q4 --device cpu --model "$MODEL" --max-tokens 24 -f txt,alto -O "$TMP/q4" \
    "$SAMPLES/hello.png"
[ "$rc" -eq 0 ] && [ -e "$TMP/q4/hello.txt" ] && grep -q 'weights=q4' "$TMP/q4/hello.p0001.alto.xml"
ok $? "ocr 5.7: --weights q4 runs and the ALTO's settings say so (rc=$rc)"
if grep -q '^[0-9]*\.[0-9]' "$TMP/devices" 2>/dev/null; then
    run_vo --weights q4 --device opencl --model "$MODEL" --max-tokens 24 -f txt,alto \
        -O "$TMP/q4cl" "$SAMPLES/hello.png"
    [ "$rc" -eq 0 ] && [ -e "$TMP/q4cl/hello.txt" ] &&
        grep -q 'weights=q4' "$TMP/q4cl/hello.p0001.alto.xml"
    ok $? "ocr 5.15: --weights q4 runs on OpenCL and the ALTO's settings say so (rc=$rc)"
fi
# bf16 activations: where the CPU has AVX512_BF16, the same text as the
# exact products on this page, no warning, the ALTO's settings say so;
# forced to the AVX2 path (or on a CPU without it), a warning and the
# exact products' text; unknown modes refused
run_vo --matmul bf16 --device cpu --model "$MODEL" --max-tokens 24 -f txt,alto -O "$TMP/act" \
    -v "$SAMPLES/hello.png"
if grep -q avx512_bf16 /proc/cpuinfo 2>/dev/null; then
    [ "$rc" -eq 0 ] && ! grep -q "are off" "$TMP/err" &&
        grep -q "multiplied with bf16 activations (vdpbf16ps)" "$TMP/err"; warned=$?
else
    [ "$rc" -eq 0 ] && grep -q "bf16 activations (--matmul bf16) are off" "$TMP/err"; warned=$?
fi
[ "$warned" -eq 0 ] && cmp -s "$TMP/stored.txt" "$TMP/act/hello.txt" &&
    grep -q 'matmul=bf16' "$TMP/act/hello.p0001.alto.xml" &&
    ! grep -q 'matmul=' "$TMP/stored/hello.p0001.alto.xml"
ok $? "ocr 5.10: --matmul bf16 recognises the same text as the exact products, the ALTO says so (rc=$rc)"
export VO_CPU_ISA=avx2
run_vo --matmul bf16 --device cpu --model "$MODEL" --max-tokens 24 -o "$TMP/act2.txt" \
    "$SAMPLES/hello.png"
unset VO_CPU_ISA
[ "$rc" -eq 0 ] && grep -q "bf16 activations (--matmul bf16) are off: .*AVX512_BF16" "$TMP/err" &&
    cmp -s "$TMP/stored.txt" "$TMP/act2.txt"
ok $? "ocr 5.11: --matmul bf16 without the instructions: a warning, the exact text (rc=$rc)"
run_vo --matmul fast "$SAMPLES/hello.png"
[ "$rc" -eq 1 ] && grep -q 'exact or bf16' "$TMP/err"
ok $? "ocr 5.12: an unknown --matmul is a usage error naming the modes"
run_vo --device tpu "$SAMPLES/hello.png"
[ "$rc" -eq 1 ]; ok $? "ocr 4.3: an unknown --device is a usage error"

# without --max-tokens a page may use all of the context its prompt leaves
# (the random model never ends a page): the same model with a context of 400
# and of 500 positions generates exactly 100 tokens more with the larger one
ctx_run() { # ctx_run N: hello.png through the model with a context of N; sets $gen
    mkdir -p "$TMP/ctx$1"
    for f in "$MODEL"/*; do ln -sf "$f" "$TMP/ctx$1/"; done
    rm "$TMP/ctx$1/config.json"
    "$PY" -c "
import json, sys
c = json.load(open(sys.argv[1]))
c['text_config']['max_position_embeddings'] = int(sys.argv[3])
json.dump(c, open(sys.argv[2], 'w'))" "$MODEL/config.json" "$TMP/ctx$1/config.json" "$1"
    run_vo --model "$TMP/ctx$1" -f txt -O "$TMP/octx$1" --raw-out "$TMP/rctx$1" "$SAMPLES/hello.png"
    gen=$("$PY" -c "import json, sys; print(len(json.load(open(sys.argv[1]))['logprobs']))" \
        "$TMP/rctx$1/hello.p0001.raw.json" 2>/dev/null || echo 0)
}
ctx_run 500
rc500=$rc gen500=$gen
ctx_run 400
[ "$rc500" -eq 0 ] && [ "$rc" -eq 0 ] && [ "$gen" -gt 0 ] && [ $((gen500 - gen)) -eq 100 ]
ok $? "ocr 6.1: the default budget is the context left after the prompt ($gen and $gen500 tokens)"
grep -q "hello.png: page 1: the model's output reached its limit of $gen tokens (the model's context)" \
    "$TMP/err"
ok $? "ocr 6.2: a page cut by the full context is a warning naming the file and page"
# a page whose output does not fit: recognised again in bands, said in the
# report and on stderr; --no-band keeps it cut
run_vo --model "$MODEL" --max-tokens 30 -f txt -O "$TMP/band" --report "$TMP/band.json" \
    "$SAMPLES/ko-en-2col.png"
"$PY" -c "
import json, sys
p = json.load(open(sys.argv[1]))['files'][0]['pages'][0]
sys.exit(0 if p.get('bands') == 8 and p.get('cut') is True else 1)" "$TMP/band.json"
ok $? "ocr 7.1: a page cut at its limit is recognised again in 8 bands, still cut: the report says both (rc=$rc)"
# the whole page, its 2 halves, 4 quarters and 8 eighths, each cut at 30
"$PY" -c "
import json, sys
p = json.load(open(sys.argv[1]))['files'][0]['pages'][0]
w = [x for x in p.get('warnings', []) if 'in a band, after banding' in x]
sys.exit(0 if p.get('tokens') == 15 * 30 and 0 < p.get('passes', 0) <= 450 and len(w) == 1 and
         w[0].startswith(sys.argv[2] + ': page 1: ') else print('#', p) or 1)" "$TMP/band.json" \
    "$SAMPLES/ko-en-2col.png"
ok $? "ocr 7.4: the report gives the page's tokens over all its passes (15 x 30) and its warning"
grep -q "ko-en-2col.png: page 1: the model's output reached its limit (--max-tokens) in a band, after banding" "$TMP/err"
ok $? "ocr 7.2: the page still cut after banding is a warning naming the file and page"
run_vo --no-band --model "$MODEL" --max-tokens 30 -f txt -O "$TMP/noband" --report "$TMP/noband.json" \
    "$SAMPLES/ko-en-2col.png"
"$PY" -c "
import json, sys
p = json.load(open(sys.argv[1]))['files'][0]['pages'][0]
sys.exit(0 if 'bands' not in p and p.get('cut') is True else 1)" "$TMP/noband.json"
ok $? "ocr 7.3: --no-band keeps the cut page as it is, and the report says it is cut (rc=$rc)"
run_vo -q --no-band --model "$MODEL" --max-tokens 30 -f txt -O "$TMP/noband-q" \
    --report "$TMP/noband-q.json" "$SAMPLES/ko-en-2col.png"
"$PY" -c "
import json, sys
p = json.load(open(sys.argv[1]))['files'][0]['pages'][0]
sys.exit(0 if p.get('tokens') == 30 and any('reached its limit of 30 tokens' in x
         for x in p.get('warnings', [])) else print('#', p) or 1)" "$TMP/noband-q.json"
[ $? -eq 0 ] && [ $rc -eq 0 ] && ! grep -q warning "$TMP/err"
ok $? "ocr 7.5: with -q the warning is not said but kept in the report, with the page's 30 tokens (rc=$rc)"
# the first generation (VARCO-VISION-14B-HF layout) reads pages too: its OCR
# prompt from its own template, no pre-upscale (its card's way), the
# reference's text for the golden image
if SH=$(shared_dir) && [ -d "$SH/fixtures/tiny-varco-v1" ]; then
    V1="$SH/fixtures/tiny-varco-v1"
    run_vo --model "$V1" --max-tokens 20 --no-band -f txt -O "$TMP/v1" --raw-out "$TMP/v1raw" \
        "$V1/golden/ocr_wide_150x90/image.png"
    "$PY" -c "
import json, sys
raw = json.load(open(sys.argv[1]))
want = json.load(open(sys.argv[2]))['cases']['ocr_wide_150x90']['generated_text']
sys.exit(0 if raw['text'] == want else print('#', repr(raw['text']), repr(want)) or 1)" \
        "$TMP/v1raw/image.p0001.raw.json" "$V1/golden/manifest.json"
    ok $? "ocr 8.1: a tiny-varco-v1 folder: the page's model output is the reference's (rc=$rc)"
else
    skip "ocr 8.1: tiny-varco-v1" "not in \$VO_SHARED/fixtures"
fi
done_testing
