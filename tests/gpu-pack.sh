#!/bin/sh
# gpu-pack.sh: copy the binaries tests/gpu-check.sh runs (stripped) and the
# shared libraries they need beyond the C library into DIR, for a GPU machine
# that has an OpenCL driver but not the build dependencies; there run
# tests/gpu-check.sh --prebuilt DIR.
#
# usage: tests/gpu-pack.sh BUILD_DIR DIR
set -u
[ $# -eq 2 ] || { echo "usage: tests/gpu-pack.sh BUILD_DIR DIR"; exit 2; }
build=$1 out=$2
bins="tests/opencl/test-opencl-ops tests/opencl/opencl-bench tests/opencl/engine-bench tests/vlm-probe"
mkdir -p "$out/lib" "$out/tests/opencl" || exit 1
for b in $bins; do
    [ -x "$build/$b" ] || { echo "gpu-pack: $build/$b is not built (make $b)"; exit 1; }
    strip -o "$out/$b" "$build/$b" || exit 1
    # the libraries ldd resolves, less the C library's own
    ldd "$build/$b" | awk '$3 ~ /^\// {print $3}' | while read -r lib; do
        case $(basename "$lib") in
            libc.so.*|libm.so.*|libdl.so.*|libpthread.so.*|librt.so.*|ld-linux*) ;;
            *) cp -L "$lib" "$out/lib/" ;;
        esac
    done
done
echo "gpu-pack: $(du -sh "$out" | cut -f1) in $out"
