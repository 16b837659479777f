# bench-tokenizer.sh: `make bench` entry for issue 3: load time of an 11 MB
# tokenizer.json (hub format) and encode MB/s of Korean text, with targets.
bench="$top_builddir/tests/bench/bench-tokenizer"
src="$top_srcdir/tests/data/fixtures/tiny-varco"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vo-bench-tok-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
# the fixture holds Qwen3's real vocabulary and merges, compact; the hub
# file is the same indented by 2 with merges as pairs (11.4 MB)
"$bench" --make-big "$src" "$tmp" || exit 1
texts=""
if [ -n "$VO_SHARED" ] && ls "$VO_SHARED"/corpus/text-ko/*.txt >/dev/null 2>&1; then
    texts=$(ls "$VO_SHARED"/corpus/text-ko/*.txt)
else
    echo "no \$VO_SHARED/corpus/text-ko: encoding the fixture's tokenizer cases instead"
    texts="$top_srcdir/tests/data/fixtures/tokenizer-cases.jsonl"
fi
echo "hub-format copy:"
# shellcheck disable=SC2086
"$bench" "$tmp" $texts || exit 1
echo "compact fixture:"
"$bench" "$src" "$top_srcdir/tests/data/fixtures/tokenizer-cases.jsonl" | sed -n 1p
