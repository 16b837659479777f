# tokenizer-js.sh: our token ids against the JS implementation
# @huggingface/tokenizers on every line of shared/corpus/text-ko/ + English.
. "$top_srcdir/tests/tap.sh"
js="$top_srcdir/tests/tokenizer-js"
command -v node >/dev/null 2>&1 || skip_all "node is not installed"
[ -d "$js/node_modules/@huggingface/tokenizers" ] ||
    skip_all "npm package missing: run (cd tests/tokenizer-js && npm ci)"
model="$top_srcdir/tests/data/fixtures/tiny-varco"
files=""
if shared=$(shared_dir); then
    files=$(ls "$shared"/corpus/text-ko/*.txt 2>/dev/null)
else
    diag "no shared folder: English strings only"
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086
node "$js/encode.mjs" "$model" "$tmp/texts.jsonl" "$tmp/want.jsonl" $files
ok $? "tokenizer-js 1: JS reference encodes the text set"
"$top_builddir/tests/vlm-probe" --model "$model" --tokenize < "$tmp/texts.jsonl" > "$tmp/got.jsonl"
ok $? "tokenizer-js 2: vlm-probe --tokenize runs"
total=$(wc -l < "$tmp/want.jsonl")
tr -d " " < "$tmp/got.jsonl" > "$tmp/got-compact.jsonl"
diff "$tmp/want.jsonl" "$tmp/got-compact.jsonl" > "$tmp/diff.txt"
same=$?
diag "$total lines compared; $(grep -c '^<' "$tmp/diff.txt") differ"
ok $same "tokenizer-js 3: ids identical to @huggingface/tokenizers on all $total lines"
[ "$total" -gt 7 ]
ok $? "tokenizer-js 4: the text set is not empty"
done_testing
