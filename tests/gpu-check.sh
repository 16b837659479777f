#!/bin/sh
# gpu-check.sh: build, list OpenCL devices, run the OpenCL op tests (and the
# engine's fixture checks when present) and a short benchmark on each GPU.
#
# usage: tests/gpu-check.sh [--prebuilt DIR] [--model DIR] [BUILD_DIR]
#   BUILD_DIR   build here (default build-gpu in the source tree)
#   --prebuilt  use the binaries tests/gpu-pack.sh put in DIR instead of
#               building (a GPU machine without the build dependencies)
#   --model     a model folder for the whole-engine benchmark; default: a
#               random-weight one in the real shapes made in a temp folder
#               (python3, 4.3 GB of disk), none when that cannot be made
#   --profile   then the kernels' device times (VO_OPENCL_PROFILE) of decode
#               at batch 1 and 32 and at a 6,000-token context, and the
#               matmuls with the skinny kernel for every M up to 64
# Exit status 0 when every check that ran passed. On NVIDIA containers
# without /etc/OpenCL/vendors/nvidia.icd but with libnvidia-opencl.so.1, the
# driver is registered for this run only (OCL_ICD_VENDORS, a temp folder).

set -u
src=$(cd "$(dirname "$0")/.." && pwd)
prebuilt="" model="" profile=""
while [ $# -gt 0 ]; do
    case $1 in
        --prebuilt) prebuilt=$(cd "$2" && pwd) || exit 1; shift 2 ;;
        --model) model=$2; shift 2 ;;
        --profile) profile=1; shift ;;
        -*) echo "gpu-check: unknown option $1"; exit 2 ;;
        *) break ;;
    esac
done
build=${1:-$src/build-gpu}
[ -n "$prebuilt" ] && build=$prebuilt
if [ -n "$prebuilt" ] && [ -d "$prebuilt/lib" ]; then
    LD_LIBRARY_PATH=$prebuilt/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export LD_LIBRARY_PATH
fi
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
    for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/nvidia/lib64 \
             /usr/local/nvidia/lib /usr/local/cuda/lib64 /usr/local/cuda/compat; do
        [ -z "$lib" ] && [ -e "$d/libnvidia-opencl.so.1" ] && lib=$d/libnvidia-opencl.so.1
    done
    if [ -n "$lib" ]; then
        tmp_icd=$(mktemp -d)
        cp /etc/OpenCL/vendors/*.icd "$tmp_icd"/ 2>/dev/null
        echo "$lib" > "$tmp_icd/nvidia.icd"
        OCL_ICD_VENDORS=$tmp_icd
        export OCL_ICD_VENDORS
        note "registered $lib through OCL_ICD_VENDORS=$tmp_icd (no /etc/OpenCL/vendors/nvidia.icd)"
    fi
fi
# the kernel binary cache of this run only
XDG_CACHE_HOME=$(mktemp -d)
export XDG_CACHE_HOME
trap '[ -n "$tmp_icd" ] && rm -rf "$tmp_icd"; rm -rf "$XDG_CACHE_HOME"' EXIT

# --- build ---
if [ -n "$prebuilt" ]; then
    note "prebuilt binaries from $prebuilt"
elif [ ! -x "$src/configure" ]; then
    (cd "$src" && autoreconf -fi) || { echo "autoreconf failed"; exit 1; }
fi
if [ -z "$prebuilt" ]; then
    mkdir -p "$build"
    if [ ! -f "$build/Makefile" ]; then
        (cd "$build" && "$src/configure" > configure.log 2>&1) ||
            { echo "configure failed: see $build/configure.log"; exit 1; }
    fi
    if ! make -C "$build" -j"$jobs" libvarco.la tests/opencl/test-opencl-ops \
            tests/opencl/opencl-bench tests/opencl/engine-bench tests/vlm-probe \
            > "$build/gpu-check-make.log" 2>&1; then
        tail -30 "$build/gpu-check-make.log"
        echo "build failed: see $build/gpu-check-make.log"
        exit 1
    fi
    note "built in $build"
fi
logs=${VO_GPU_LOGS:-$build}
mkdir -p "$logs"

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
    log=$logs/gpu-check-ops-$d.log
    if VO_TEST_OPENCL_DEVICE=$d "$build/tests/opencl/test-opencl-ops" > "$log" 2>&1; then
        note "  op tests: $(grep -c '^ok' "$log") passed"
    else
        grep '^not ok' "$log" | head -20
        fail "  op tests on $d: $(grep -c '^not ok' "$log") failed (see $log)"
    fi
    grep '^# start-up' "$log" | sed 's/^# /  /'
    # the fixture checks of tests/vlm/probe.sh with the backend's own choice
    # of kernels and with the GPU kernels forced (vlm-probe uses the first GPU)
    for be in opencl opencl-gpu-kernels; do
        plog=$logs/gpu-check-probe-$be-$d.log
        top_srcdir=$src top_builddir=$build VO_PROBE_BACKEND=$be \
            sh "$src/tests/vlm/probe.sh" > "$plog" 2>&1
        rc=$?
        n_ok=$(grep -c '^ok' "$plog") n_bad=$(grep -c '^not ok' "$plog")
        if [ $rc -eq 0 ] && [ "$n_bad" -eq 0 ] && [ "$n_ok" -gt 10 ]; then
            note "  fixture checks (probe.sh, --backend $be): $n_ok passed"
        else
            grep '^not ok' "$plog" | head -10
            fail "  fixture checks, --backend $be: $n_ok passed, $n_bad failed, rc $rc (see $plog)"
        fi
    done
    if out=$("$bench" --device "$d" --no-cpu 2>&1); then
        echo "$out"
        summary="$summary$(echo "$out" | sed 's/^/  /')
"
    else
        fail "  benchmark on $d: $out"
    fi
done

# --- the whole engine on the first GPU (a random-weight model in the real shapes) ---
if [ -z "$model" ] && command -v python3 > /dev/null 2>&1; then
    model=$(mktemp -d)/model
    trap '[ -n "$tmp_icd" ] && rm -rf "$tmp_icd"; rm -rf "$XDG_CACHE_HOME" "$(dirname "$model")"' EXIT
    python3 "$src/tests/bench/make-random-model" "$src/tests/data/fixtures/tiny-varco" \
        "$model" > /dev/null || { fail "cannot make a random model in $model"; model=""; }
fi
if [ -n "$model" ]; then
    elog=$logs/gpu-check-engine.log
    if "$build/tests/opencl/engine-bench" --gpu --batch 32 --page-tokens 2000 \
            "$model" 2 512 32 > "$elog" 2>&1; then
        cat "$elog"
        summary="$summary$(sed 's/^/  /' "$elog")
"
    else
        tail -5 "$elog"
        fail "engine benchmark (see $elog)"
    fi
else
    note "engine benchmark: no model (give --model DIR)"
fi

# --- where the time goes (--profile) ---
if [ -n "$profile" ] && [ -n "$model" ]; then
    echo "== matmuls with the skinny kernel for every M <= 64 (VO_OPENCL_MV_MAX_M=0)"
    VO_OPENCL_MV_MAX_M=0 "$bench" --no-cpu 2>&1 | grep matmul
    for run in "1 512 64" "32 512 64" "1 6000 32"; do
        set -- $run
        plog=$logs/gpu-check-profile-b$1-p$2.log
        VO_OPENCL_PROFILE=1 "$build/tests/opencl/engine-bench" --gpu --batch "$1" "$model" 1 "$2" \
            "$3" > "$plog" 2>&1 || fail "profile run (batch $1, prompt $2): see $plog"
        echo "== profile: batch $1, $2-token prompt, $3 steps"
        grep -E 'tok_s|tile|opencl profile|^  vo_' "$plog" | head -20
    done
fi

printf '\n--- summary ---\n%s' "$summary"
exit $status
