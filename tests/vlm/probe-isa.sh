#!/bin/sh
# probe-isa.sh: one fixture case (tiny-varco ocr_wide_150x90: image, 7 tiles,
# 20 generated ids) end to end with each kernel instruction set the CPU has
# (VO_CPU_ISA=avx512, avx2, scalar): every dump within the golden's
# tolerances, the generated ids identical. tests/vlm/probe.sh runs every
# case; this keeps each path covered by make check.
. "$top_srcdir/tests/tap.sh"
PROBE="$top_builddir/tests/vlm-probe"
CMP="$top_srcdir/tests/vlm/compare-dump.py"
FX="$top_srcdir/tests/data/fixtures/tiny-varco"
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
command -v "$PY" >/dev/null 2>&1 || skip_all "python3 not found (needed to read the manifest)"
[ -d "$FX/golden" ] || skip_all "tests/data/fixtures/tiny-varco not found"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vo-probe-isa-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
MAN="$FX/golden/manifest.json" CASE=ocr_wide_150x90
GOLD="$FX/golden/$CASE"
prompt=$("$PY" -c "import json,sys; sys.stdout.write(json.load(open(sys.argv[1]))['cases'][sys.argv[2]]['prompt_text'])" "$MAN" "$CASE"; printf x)
grep -q avx512f /proc/cpuinfo 2>/dev/null && has_avx512=1 || has_avx512=0
grep -q avx2 /proc/cpuinfo 2>/dev/null && grep -q ' fma' /proc/cpuinfo && has_avx2=1 || has_avx2=0
for isa in avx512 avx2 scalar; do
    case $isa in
    avx512) [ $has_avx512 = 1 ] || { echo "ok $((tap_n += 1)) # SKIP CPU has no AVX-512"; continue; } ;;
    avx2) [ $has_avx2 = 1 ] || { echo "ok $((tap_n += 1)) # SKIP CPU has no AVX2 with FMA"; continue; } ;;
    esac
    out="$TMP/$isa"
    mkdir -p "$out"
    VO_CPU_ISA=$isa "$PROBE" --model "$FX" --image "$GOLD/image.png" --prompt "${prompt%x}" \
        --generate 20 --threads 2 --dump "$out" 2>"$out.err"
    rc=$?
    [ $rc -eq 0 ] || sed 's/^/# /' "$out.err"
    "$PY" "$CMP" "$MAN" "$CASE" "$out" --e2e \
        --require input_ids,logits_last,final_hidden_last,generated_ids,vision_selected_all,projector_out >"$out.cmp"
    c=$?
    [ $c -eq 0 ] || sed 's/^/# /' "$out.cmp"
    [ $rc -eq 0 ] && [ $c -eq 0 ]
    ok $? "probe-isa 1: VO_CPU_ISA=$isa: tiny-varco/$CASE matches the goldens, ids identical ($(grep -o 'logits_last: max abs err [^ ]*' "$out.cmp"))"
done
VO_CPU_ISA=avx1024 "$PROBE" --model "$FX" --prompt hi --dump "$TMP/bad" 2>"$TMP/err"
[ $? -eq 1 ] && grep -q "VO_CPU_ISA=avx1024: unknown instruction set" "$TMP/err"
ok $? "probe-isa 2: an unknown VO_CPU_ISA fails the probe, named"
done_testing
