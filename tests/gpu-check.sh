#!/bin/sh
# gpu-check.sh: build, list OpenCL devices, run the OpenCL op tests (and the
# engine's fixture checks when present) and a short benchmark on each GPU.
#
# usage: tests/gpu-check.sh [BUILD_DIR]   (from the source tree; default build-gpu)
# Exit status 0 when every check that ran passed. On NVIDIA containers
# without /etc/OpenCL/vendors/nvidia.icd but with libnvidia-opencl.so.1, the
# driver is registered for this run only (OCL_ICD_VENDORS, a temp folder).

set -u
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-gpu}
jobs=$(nproc 2>/dev/null || echo 2)
summary=""
status=0
note() { summary="$summary$1
"; echo "== $1"; }
fail() { note "FAIL: $1"; status=1; }

# --- the NVIDIA ICD file, when the container lacks it ---
tmp_icd=""
if [ ! -e /etc/OpenCL/vendors/nvidia.icd ] && [ -z "${OCL_ICD_VENDORS:-}" ]; then
    lib=$(ldconfig -p 2>/dev/null | awk '/libnvidia-opencl\.so\.1/ {print $NF; exit}')
    for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/nvidia/lib64; do
        [ -z "$lib" ] && [ -e "$d/libnvidia-opencl.so.1" ] && lib=$d/libnvidia-opencl.so.1
    done
    if [ -n "$lib" ]; then
        tmp_icd=$(mktemp -d)
        cp /etc/OpenCL/vendors/*.icd "$tmp_icd"/ 2>/dev/null
        echo "libnvidia-opencl.so.1" > "$tmp_icd/nvidia.icd"
        OCL_ICD_VENDORS=$tmp_icd
        export OCL_ICD_VENDORS
        note "registered $lib through OCL_ICD_VENDORS=$tmp_icd (no /etc/OpenCL/vendors/nvidia.icd)"
    fi
fi
trap '[ -n "$tmp_icd" ] && rm -rf "$tmp_icd"' EXIT

# --- build ---
if [ ! -x "$src/configure" ]; then
    (cd "$src" && autoreconf -fi) || { echo "autoreconf failed"; exit 1; }
fi
mkdir -p "$build"
if [ ! -f "$build/Makefile" ]; then
    (cd "$build" && "$src/configure" > configure.log 2>&1) ||
        { echo "configure failed: see $build/configure.log"; exit 1; }
fi
if ! make -C "$build" -j"$jobs" libvarco.a tests/opencl/test-opencl-ops \
        tests/opencl/opencl-bench > "$build/gpu-check-make.log" 2>&1; then
    tail -30 "$build/gpu-check-make.log"
    echo "build failed: see $build/gpu-check-make.log"
    exit 1
fi
note "built in $build"

# --- devices ---
bench=$build/tests/opencl/opencl-bench
if ! list=$("$bench" --list 2>&1); then
    note "no OpenCL device: $list"
    printf '\n--- summary ---\n%s' "$summary"
    exit 1
fi
echo "$list"
gpus=$(echo "$list" | awk '$2 == "gpu" {print $1}')
[ -z "$gpus" ] && note "no OpenCL GPU found; checking the first device instead"
devices=${gpus:-$(echo "$list" | awk 'NR == 1 {print $1}')}

# --- op tests, fixture checks and a benchmark per device ---
for d in $devices; do
    name=$(echo "$list" | awk -v d="$d" '$1 == d {$1 = ""; $2 = ""; sub(/^ +/, ""); print}')
    note "device $d: $name"
    log=$build/gpu-check-ops-$d.log
    if VO_TEST_OPENCL_DEVICE=$d "$build/tests/opencl/test-opencl-ops" > "$log" 2>&1; then
        note "  op tests: $(grep -c '^ok' "$log") passed"
    else
        grep '^not ok' "$log" | head -20
        fail "  op tests on $d: $(grep -c '^not ok' "$log") failed (see $log)"
    fi
    grep '^# start-up' "$log" | sed 's/^# /  /'
    if make -C "$build" tests/vlm-probe > /dev/null 2>&1 && [ -x "$build/tests/vlm-probe" ]; then
        if "$build/tests/vlm-probe" --help 2>&1 | grep -q -- --backend; then
            if VO_TEST_OPENCL_DEVICE=$d "$build/tests/vlm-probe" --backend opencl \
                    > "$build/gpu-check-probe-$d.log" 2>&1; then
                note "  fixture checks (vlm-probe --backend opencl): passed"
            else
                fail "  fixture checks on $d (see $build/gpu-check-probe-$d.log)"
            fi
        else
            note "  fixture checks: vlm-probe has no --backend option yet, skipped"
        fi
    else
        note "  fixture checks: no tests/vlm-probe yet, skipped"
    fi
    if out=$("$bench" --device "$d" 2>&1); then
        echo "$out"
        summary="$summary$(echo "$out" | sed 's/^/  /')
"
    else
        fail "  benchmark on $d: $out"
    fi
done

printf '\n--- summary ---\n%s' "$summary"
exit $status
