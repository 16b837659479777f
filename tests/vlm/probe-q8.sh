#!/bin/sh
# probe-q8.sh: q8 weights (--weights q8: the language model's matrices and
# head quantized at load) on every tiny-varco case, end to end, with each
# kernel instruction set the CPU has: the generated ids identical to the
# golden's, the last logits within 3 % (relative L2) of the golden's. The
# figures are printed: they are what quantization costs on this model.
. "$top_srcdir/tests/tap.sh"
PROBE="$top_builddir/tests/vlm-probe"
FX="$top_srcdir/tests/data/fixtures/tiny-varco"
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
command -v "$PY" >/dev/null 2>&1 || skip_all "python3 not found (needed to read the manifest)"
[ -d "$FX/golden" ] || skip_all "tests/data/fixtures/tiny-varco not found"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vo-probe-q8-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
MAN="$FX/golden/manifest.json"
mf() { "$PY" -c "import json,sys; c=json.load(open(sys.argv[1]))['cases'][sys.argv[2]]; sys.stdout.write(str($2))" "$MAN" "$1"; }
cases=$("$PY" -c "import json,sys; print(' '.join(json.load(open(sys.argv[1]))['cases']))" "$MAN")
grep -q avx512f /proc/cpuinfo 2>/dev/null && has_avx512=1 || has_avx512=0
grep -q avx2 /proc/cpuinfo 2>/dev/null && grep -q ' fma' /proc/cpuinfo && has_avx2=1 || has_avx2=0
for isa in avx512 avx2 scalar; do
    case $isa in
    avx512) [ $has_avx512 = 1 ] || { echo "ok $((tap_n += 1)) # SKIP CPU has no AVX-512"; continue; } ;;
    avx2) [ $has_avx2 = 1 ] || { echo "ok $((tap_n += 1)) # SKIP CPU has no AVX2 with FMA"; continue; } ;;
    esac
    for case in $cases; do
        gold="$FX/golden/$case" out="$TMP/$isa-$case"
        mkdir -p "$out"
        set --
        [ -f "$gold/image.png" ] && set -- --image "$gold/image.png"
        [ "$(mf "$case" "c.get('facts', {}).get('card_pre_upscale', {}).get('applied', 0)")" = True ] &&
            set -- "$@" --ocr-upscale
        prompt=$(mf "$case" "c['prompt_text']"; printf x)
        gen=$(mf "$case" "len(c['generated_ids'])")
        # the scalar path is slow: its first ids only
        [ $isa = scalar ] && [ "$gen" -gt 4 ] && gen=4
        VO_CPU_ISA=$isa "$PROBE" --model "$FX" "$@" --prompt "${prompt%x}" --generate "$gen" \
            --threads 2 --weights q8 --dump "$out" 2>"$out.err"
        rc=$?
        [ $rc -eq 0 ] || sed 's/^/# /' "$out.err"
        res=$("$PY" - "$gold" "$out" "$gen" <<'PYEOF'
import array, math, sys
def load(d, n, c):
    a = array.array(c)
    a.frombytes(open("%s/%s.bin" % (d, n), "rb").read())
    return a
g, o, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    ids_g, ids_o = list(load(g, "generated_ids", "i"))[:n], list(load(o, "generated_ids", "i"))
    lg, lo = load(g, "logits_last", "f"), load(o, "logits_last", "f")
except OSError as e:
    print("1 missing %s" % e.filename)
    sys.exit()
num = sum((a - b) ** 2 for a, b in zip(lg, lo))
den = sum(a * a for a in lg)
rel = math.sqrt(num / den) if den > 0 and len(lg) == len(lo) else float("inf")
good = ids_g == ids_o and len(ids_o) == n and rel <= 0.03
print("%d ids %s, %d logits, relative L2 %.4f, max abs %.3g" % (
    0 if good else 1, "identical" if ids_g == ids_o else "DIFFER", len(lo), rel,
    max(abs(a - b) for a, b in zip(lg, lo)) if len(lg) == len(lo) else float("inf")))
PYEOF
)
        [ $rc -eq 0 ] && [ "${res%% *}" = 0 ]
        ok $? "probe-q8 1.1: $isa tiny-varco/$case with q8 weights: ${res#* }"
    done
done
done_testing
