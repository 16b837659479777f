#!/bin/sh
# run.sh: `make fuzz`: builds the libFuzzer targets (build.sh) and runs each
# for FUZZ_SECONDS; fails when one finds a crash, leak or timeout.
#
# Env: top_srcdir, top_builddir, VO_SHARED (extra seeds when present), TMPDIR
# (the targets' temp files; default /dev/shm when writable),
# FUZZ_SECONDS (per target, default 60), FUZZ_TARGETS (default: all seven),
# FUZZ_ARGS (more libFuzzer options).
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$PWD}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_TARGETS=${FUZZ_TARGETS:-"safetensors config tokenizer ground pdf tiff cli eval"}
out="$top_builddir/fuzz-build"
export top_srcdir top_builddir

top_srcdir=$top_srcdir top_builddir=$top_builddir sh "$top_srcdir/tests/fuzz/build.sh"
rc=$?
if [ $rc = 77 ]; then
    echo "run.sh: skipped: no clang with libFuzzer (see build.sh's message)"
    exit 0
elif [ $rc != 0 ]; then
    echo "run.sh: the fuzz targets did not build" >&2
    exit 1
fi

# Seeds: ours, then shared corpus and fixtures when they are there.
shared_seeds() {
    [ -n "${VO_SHARED:-}" ] && [ -d "$VO_SHARED" ] || return 0
    case $1 in
    config) for d in "$VO_SHARED"/fixtures/*/; do [ -f "$d/config.json" ] && echo "$d/config.json"; done ;;
    pdf) echo "$VO_SHARED/corpus/pdf $VO_SHARED/corpus/malformed/pdf $VO_SHARED/corpus/malformed/image" ;;
    tiff) echo "$VO_SHARED/corpus/tiff $VO_SHARED/corpus/malformed/tiff" ;;
    eval) echo "$VO_SHARED/corpus/formats/alto $VO_SHARED/corpus/formats/hocr $VO_SHARED/corpus/formats/page" ;;
    esac
}

# CPU seconds used by finished children, from the shell's `times` (its second
# line); called in this shell, not in $(...), where the count would be zero
times_file="$out/times.tmp"
children_cpu() {
    awk 'NR == 2 { s = 0
        for (i = 1; i <= NF; i++) { m = $i; sub(/m.*/, "", m); x = $i
            sub(/^[0-9]+m/, "", x); sub(/s$/, "", x); s += m * 60 + x }
        printf "%.0f", s }' "$times_file"
}

# The model-folder targets write their input to files each run: on a tmpfs
# they run 2-10 times faster (config 11,000 runs/s in /dev/shm, 700-3,900 on
# disk) than on a disk that is busy.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
    TMPDIR=/dev/shm
    export TMPDIR
fi

export VO_FUZZ_TOKENIZER="$top_srcdir/tests/data/fixtures/tiny-varco/tokenizer.json"
failed=""
for t in $FUZZ_TARGETS; do
    corpus="$out/corpus/$t"
    art="$out/artifacts/$t"
    mkdir -p "$corpus" "$art"
    # single seed files are copied in: libFuzzer reads folders
    extra=""
    for s in $(shared_seeds "$t"); do
        if [ -f "$s" ]; then
            cp "$s" "$corpus/shared-$(echo "$s" | tr / _)"
        elif [ -d "$s" ]; then
            extra="$extra $s"
        fi
    done
    case $t in
    pdf | tiff) maxlen=65536 ;;
    tokenizer | safetensors | config) maxlen=16384 ;;
    *) maxlen=4096 ;;
    esac
    # stdout closed; stderr too for the CLI, whose usage errors would fill
    # the log (sanitizer reports still come through libFuzzer)
    fdmask=1
    [ "$t" = cli ] && fdmask=3
    log="$out/fuzz-$t.log"
    echo "run.sh: fuzz-$t for ${FUZZ_SECONDS}s (log: $log)"
    before=$(ls "$art" | wc -l)
    times > "$times_file"
    cpu0=$(children_cpu)
    # shellcheck disable=SC2086
    "$out/fuzz-$t" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=20 \
        -max_len=$maxlen -close_fd_mask=$fdmask -print_final_stats=1 \
        -artifact_prefix="$art/" ${FUZZ_ARGS:-} \
        "$corpus" "$top_srcdir/tests/data/fuzz/$t" $extra > "$log" 2>&1
    st=$?
    times > "$times_file"
    cpu=$(($(children_cpu) - cpu0))
    # every run's CPU time, so the hours spent on a target can be added up
    printf '%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$t" "$cpu" >> "$out/cpu-seconds.tsv"
    echo "  cpu: ${cpu}s ($out/cpu-seconds.tsv has every run)"
    grep -E '^#[0-9]+[[:space:]]+DONE|^stat::number_of_executed_units|^stat::peak_rss_mb|^Done [0-9]+ runs' "$log" | sed 's/^/  /'
    after=$(ls "$art" | wc -l)
    if [ $st != 0 ] || [ "$after" != "$before" ]; then
        failed="$failed $t"
        echo "run.sh: fuzz-$t FAILED (exit $st); the end of its log:" >&2
        tail -n 40 "$log" >&2
        for a in $(ls -t "$art" | head -3); do
            echo "run.sh: reproducer: $art/$a" >&2
            echo "run.sh:   rerun: $out/fuzz-$t $art/$a" >&2
        done
        echo "run.sh: fix it, then add the reproducer to tests/data/fuzz/$t/ (tests/fuzz/regress.c replays it)" >&2
    fi
done
rm -f "$times_file"
if [ -n "$failed" ]; then
    echo "run.sh: failing targets:$failed" >&2
    exit 1
fi
echo "run.sh: all targets ran ${FUZZ_SECONDS}s without a crash, leak or timeout"
