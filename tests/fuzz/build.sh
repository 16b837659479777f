#!/bin/sh
# build.sh: compiles the libFuzzer targets with clang (ASan + UBSan) into
# $top_builddir/fuzz-build/, apart from the gcc build; recompiles what changed.
#
# Env: top_srcdir, top_builddir (default: this tree, the current folder),
# CC (default clang), FUZZ_JOBS (parallel compiles, default 2).
set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$PWD}
CC=${CC_FUZZ:-clang}
out="$top_builddir/fuzz-build"
mkdir -p "$out/obj"

command -v "$CC" >/dev/null 2>&1 || {
    echo "build.sh: $CC not found: install clang and libclang-rt-14-dev (Debian)" >&2
    exit 77
}

PKG_CONFIG=${PKG_CONFIG:-pkg-config}
mods="harfbuzz freetype2 libtiff-4 libxml-2.0 jansson libpcre2-8 libutf8proc fontconfig OpenCL lept"
dep_cflags="$($PKG_CONFIG --cflags mupdf $mods)"
dep_libs="$($PKG_CONFIG --static --libs mupdf) $($PKG_CONFIG --libs $mods) -lpthread -lm"

# config.h: the configured one, or the few names the sources use.
if [ -f "$top_builddir/config.h" ]; then
    cfg_dir="$top_builddir"
else
    cfg_dir="$out"
    cat > "$out/config.h" <<'EOF'
#define PACKAGE "varco-ocr"
#define PACKAGE_NAME "varco-ocr"
#define PACKAGE_VERSION "0.0-fuzz"
#define PACKAGE_STRING "varco-ocr 0.0-fuzz"
#define PACKAGE_BUGREPORT "https://github.com/varco-ocr/varco-ocr/issues"
#define VERSION "0.0-fuzz"
EOF
fi

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cflags="-g -O1 -std=gnu11 -D_GNU_SOURCE -DVO_DATADIR=\"/usr/share/varco-ocr\" \
-I$top_srcdir -I$cfg_dir $dep_cflags $san -fsanitize=fuzzer-no-link -w"

# The library code the targets reach (the gcc build's libvarco.la minus the
# engine and backends), the CLI's option parser, and the target bodies.
cd "$top_srcdir"
srcs=$(ls src/util/*.c src/page/*.c src/model/*.c src/ocr/*.c src/source/*.c formats/*.c src/eval/*.c \
    src/pipeline/pages.c src/cli/options.c tests/fuzz/targets.c)

# A changed header recompiles everything (no dependency tracking here).
newest_h=$(ls -t include/*.h src/*/*.h formats/*.h tests/fuzz/*.h | head -1)
if [ -f "$out/stamp" ] && [ "$newest_h" -nt "$out/stamp" ]; then
    rm -f "$out"/obj/*.o
fi

echo "$cflags" > "$out/cflags.new"
if ! cmp -s "$out/cflags.new" "$out/cflags" 2>/dev/null; then
    rm -f "$out"/obj/*.o
    mv "$out/cflags.new" "$out/cflags"
fi

todo=""
objs=""
for s in $srcs; do
    o="$out/obj/$(echo "$s" | tr / _ | sed 's/\.c$/.o/')"
    objs="$objs $o"
    if [ ! -f "$o" ] || [ "$s" -nt "$o" ]; then
        todo="$todo $s"
    fi
done
if [ -n "$todo" ]; then
    echo "build.sh: compiling$(echo $todo | wc -w | sed 's/^/ /') files with $CC"
    # shellcheck disable=SC2086
    printf '%s\n' $todo | xargs -P "${FUZZ_JOBS:-2}" -I{} sh -c \
        'o="$1/obj/$(echo "$2" | tr / _ | sed "s/\.c\$/.o/")"; '"$CC"' $3 -c "$2" -o "$o" || exit 255' \
        sh "$out" {} "$cflags"
fi

for t in safetensors config tokenizer ground pdf tiff cli eval; do
    bin="$out/fuzz-$t"
    src="tests/fuzz/fuzz-$t.c"
    need=0
    [ -f "$bin" ] || need=1
    for o in $objs $src; do
        [ "$need" = 1 ] && break
        [ "$o" -nt "$bin" ] && need=1
    done
    if [ "$need" = 1 ]; then
        echo "build.sh: linking fuzz-$t"
        # shellcheck disable=SC2086
        $CC $cflags -fsanitize=fuzzer "$src" $objs -o "$bin" $dep_libs
    fi
done
touch "$out/stamp"
echo "build.sh: targets in $out"
