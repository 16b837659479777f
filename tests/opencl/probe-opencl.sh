#!/bin/sh
# probe-opencl.sh: the network through the OpenCL kernels (PoCL in CI):
# every fixture check of tests/vlm/probe.sh with --backend opencl and with
# --backend opencl-gpu-kernels (the GPU kernels on this device), then the
# OpenCL and CPU backends on the same inputs: same generated ids, logits
# within 1e-3; then with q8 and q4 weights (--weights, converted at load) on
# every tiny-varco case: q8 the same ids and logits within 1e-3 of the
# CPU's; q4 the same ids and logits within 2 % (relative L2) of the CPU's,
# whose decode multiplies q4 by activations rounded to q8 blocks where
# OpenCL keeps them f32.
. "$top_srcdir/tests/tap.sh"
PROBE="$top_builddir/tests/vlm-probe"
FX="$top_srcdir/tests/data/fixtures"
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
"$top_builddir/varco-ocr" --list-devices 2>/dev/null | grep -q '^[0-9]*\.[0-9]' ||
    skip_all "no OpenCL device (install pocl-opencl-icd: tests/deps.sh --test does)"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vo-probe-cl-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
. "$top_srcdir/tests/vlm/fixture-case.sh"

# 1. the fixture checks, with the OpenCL backend: the kernels this device
# takes (PoCL: the CPU-driver ones), then the GPU kernels on it (tiled and
# split attention, vec and skinny matmuls, as a GPU runs them)
for be in opencl:1.1 opencl-gpu-kernels:1.2; do
    VO_PROBE_BACKEND=${be%:*} sh "$top_srcdir/tests/vlm/probe.sh" >"$TMP/probe.tap" 2>&1
    rc=$?
    n_ok=$(grep -c '^ok' "$TMP/probe.tap")
    n_bad=$(grep -c '^not ok' "$TMP/probe.tap")
    [ $rc -eq 0 ] && [ "$n_bad" -eq 0 ] && [ "$n_ok" -gt 10 ]
    ok $? "opencl-probe ${be#*:}: every fixture check of probe.sh passes with --backend ${be%:*} ($n_ok ok, $n_bad not ok)"
    grep '^not ok' "$TMP/probe.tap" | sed 's/^/# /'
done

# 2. OpenCL against CPU on the same inputs
MAN="$FX/tiny-varco/golden/manifest.json"
for be in cpu opencl; do
    mkdir -p "$TMP/$be"
    fx_probe "$MAN" ocr_wide_150x90 "$FX/tiny-varco" 20 --backend $be --threads 2 \
        --dump "$TMP/$be" 2>"$TMP/$be.err"
    ok $? "opencl-probe 2.1: tiny-varco ocr_wide_150x90 on $be"
done
"$PY" - "$TMP/cpu" "$TMP/opencl" <<'PYEOF'
import array, sys
def load(d, name, code):
    a = array.array(code)
    a.frombytes(open("%s/%s.bin" % (d, name), "rb").read())
    return a
ids_c, ids_o = load(sys.argv[1], "generated_ids", "i"), load(sys.argv[2], "generated_ids", "i")
lc, lo = load(sys.argv[1], "logits_last", "f"), load(sys.argv[2], "logits_last", "f")
diff = max(abs(a - b) for a, b in zip(lc, lo)) if len(lc) == len(lo) and lc else 1e9
print("# ids equal: %s, %d logits, max |cpu - opencl| = %.3g" % (list(ids_c) == list(ids_o), len(lc), diff))
sys.exit(0 if list(ids_c) == list(ids_o) and len(ids_c) > 0 and diff <= 1e-3 else 1)
PYEOF
ok $? "opencl-probe 2.2: same generated ids, logits within 1e-3 of the CPU backend"

# 3. q8 and q4 weights, OpenCL against CPU, every case
for w in q8 q4; do
    for case in $(fx_cases "$MAN"); do
        gen=$(fx_generated "$MAN" "$case")
        rc=0
        for be in cpu opencl; do
            mkdir -p "$TMP/$w-$case-$be"
            fx_probe "$MAN" "$case" "$FX/tiny-varco" "$gen" \
                --backend $be --threads 2 --weights $w --dump "$TMP/$w-$case-$be" \
                2>"$TMP/$w-$case-$be.err" || { rc=1; sed 's/^/# /' "$TMP/$w-$case-$be.err"; }
        done
        res=$("$PY" - "$TMP/$w-$case-cpu" "$TMP/$w-$case-opencl" $w <<'PYEOF'
import array, math, sys
def load(d, name, code):
    a = array.array(code)
    a.frombytes(open("%s/%s.bin" % (d, name), "rb").read())
    return a
try:
    ids_c, ids_o = list(load(sys.argv[1], "generated_ids", "i")), list(load(sys.argv[2], "generated_ids", "i"))
    lc, lo = load(sys.argv[1], "logits_last", "f"), load(sys.argv[2], "logits_last", "f")
except OSError as e:
    print("1 missing %s" % e.filename)
    sys.exit()
same = len(lc) == len(lo) and len(lc) > 0
diff = max(abs(a - b) for a, b in zip(lc, lo)) if same else float("inf")
den = sum(a * a for a in lc)
rel = math.sqrt(sum((a - b) ** 2 for a, b in zip(lc, lo)) / den) if same and den > 0 else float("inf")
good = ids_c == ids_o and len(ids_c) > 0 and (diff <= 1e-3 if sys.argv[3] == "q8" else rel <= 0.02)
print("%d ids %s, max |cpu - opencl| %.3g, relative L2 %.4f" % (
    0 if good else 1, "identical" if ids_c == ids_o else "DIFFER", diff, rel))
PYEOF
)
        [ $rc -eq 0 ] && [ "${res%% *}" = 0 ]
        ok $? "opencl-probe 3.1: tiny-varco/$case with $w weights, OpenCL against CPU: ${res#* }"
    done
done
done_testing
