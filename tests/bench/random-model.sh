# random-model.sh: sourced by the bench scripts (after $PY, $top_srcdir are
# set). random_model WHO DIR MIN_KB [make-random-model options]: DIR holds a
# random-weight model in the real shapes, made now unless it is there;
# returns 0 when it is there, 2 when the disk has less than MIN_KB free
# (said), 1 when making it failed.
random_model() {
    who=$1 dir=$2 min_kb=$3
    shift 3
    [ -f "$dir/model.safetensors" ] && return 0
    mkdir -p "$dir"
    free_kb=$(df -Pk "$dir" | awk 'NR == 2 { print $4 }')
    if [ "$free_kb" -lt "$min_kb" ]; then
        echo "$who: $dir has $((free_kb / 1024)) MiB free, $((min_kb / 1000000)) GB needed: skipped"
        return 2
    fi
    echo "$who: writing a random-weight model into $dir"
    "$PY" "$top_srcdir/tests/bench/make-random-model" "$@" \
        "$top_srcdir/tests/data/fixtures/tiny-varco" "$dir" >/dev/null || return 1
}
