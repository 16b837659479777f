#!/bin/sh
# run-tests.sh: install test needs, build with warnings as errors, run the
# suite. The README's test command.
#   tests/run-tests.sh               make check + make distcheck
#   tests/run-tests.sh --sanitizers  make check under ASan+UBSan (own build dir)
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)
# fixtures and corpus beside the clone, when there (distcheck builds elsewhere)
if [ -d "$top/../shared" ]; then VO_SHARED=$(cd "$top/../shared" && pwd); export VO_SHARED; fi

sh tests/deps.sh --test
[ -x configure ] || autoreconf -fi

# README's first command configures and builds in the source folder; configure
# then refuses a build in another folder ("source directory already
# configured"). The suite then builds in place (that build is the user's, so
# it is rebuilt, not removed); the sanitizer build needs a folder of its own,
# so the in-place build is cleaned first.
inplace=""
if [ -f "$top/config.status" ]; then inplace=yes; fi

if [ "${1:-}" = "--sanitizers" ]; then
    if [ -n "$inplace" ]; then
        echo "run-tests.sh: removing the build in the source folder (make distclean): the sanitizer build needs its own folder"
        make distclean >/dev/null
    fi
    rm -rf build-asan && mkdir build-asan && cd build-asan
    "$top/configure" --enable-werror --enable-sanitizers CFLAGS="-O1 -g" >/dev/null
    # use_sigaltstack=0: gcc's libubsan sets its own alternate signal stack
    # too, and at a thread's exit ASan tried to unmap that one: "failed to
    # deallocate 0x134c0 (79040) bytes ... unable to unmap", exit 1, when the
    # workers of -j 4 --batch 4 ended (inflight.sh 2.1, on an AMD EPYC with
    # AVX-512; the same with the thread pool of before 245605a)
    # suppressions: PoCL's leaks when it compiles a kernel (tests/lsan-pocl.supp)
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:use_sigaltstack=0 \
    LSAN_OPTIONS=suppressions="$top/tests/lsan-pocl.supp":print_suppressions=0 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        make -j"$jobs" check || { cat test-suite.log 2>/dev/null | tail -200; exit 1; }
    exit 0
fi

if [ -n "$inplace" ]; then
    echo "run-tests.sh: the source folder is configured in place (README's first command): building and testing there"
else
    rm -rf build && mkdir build && cd build
fi
"$top/configure" --enable-werror >/dev/null
make -j"$jobs"
make -j"$jobs" check || { tail -200 test-suite.log; exit 1; }
make -j"$jobs" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror
