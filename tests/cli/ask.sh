#!/bin/sh
# ask.sh: `varco-ocr ask`, a question about images: its answers equal the
# goldens' generated text (tiny-varco-multi's two images by the nested and
# the flat rule, text-only prompts of tiny-varco and tiny-varco-v1), each
# image's token count equals the reference's, PDF pages and images mixed,
# the answer streamed, and its errors.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"

MODEL="$top_srcdir/tests/data/fixtures/tiny-varco"
. "$top_srcdir/tests/vlm/fixture-case.sh"
# the user's text of a golden prompt (between 'user\n' and the end of the turn, images left out)
question() { fx_value "$1" "$2" "c['prompt_text'].split('<|im_start|>user\\n')[1].split('<|im_end|>')[0].replace('<image>\\n', '')"; }

# answer.json KEY: a value of the --json answer
aj() { "$PY" -c "import json,sys; sys.stdout.write(str(json.load(open(sys.argv[1]))[sys.argv[2]]))" "$TMP/out" "$1"; }

SH=$(shared_dir) || SH=""
if [ -n "$SH" ] && [ -d "$SH/fixtures/tiny-varco-multi" ]; then
    MAN="$SH/fixtures/tiny-varco-multi/golden/manifest.json"
    for rule in nested flat; do
        case=multi_2img_$rule
        G="$SH/fixtures/tiny-varco-multi/golden/$case"
        flag=""
        [ $rule = flat ] && flag=--images-flat
        q=$(question "$MAN" $case; printf x)
        run_vo ask --model "$MODEL" --max-tokens 20 --threads 1 $flag --json \
            -i "$G/image0.png" -i "$G/image1.png" "${q%x}"
        ok $rc "ask 1.1: two images ($rule rule) answered"
        [ $rc -ne 0 ] && sed 's/^/# /' "$TMP/err"
        [ "$(aj answer)" = "$(fx_value "$MAN" $case "c['generated_text']")" ]
        ok $? "ask 1.2: the answer ($rule) is the reference's generated text"
        [ "$(aj image_tokens)" = "$(fx_value "$MAN" $case "c['facts']['tokens_per_image']")" ] &&
            [ "$(aj prompt_tokens)" = "$(fx_value "$MAN" $case "len(c['input_ids'])")" ]
        ok $? "ask 1.3: image tokens $(aj image_tokens) and $(aj prompt_tokens) prompt tokens ($rule) are the reference's"
    done
    # streamed: the same text on standard output, then a newline
    G="$SH/fixtures/tiny-varco-multi/golden/multi_2img_nested"
    q=$(question "$MAN" multi_2img_nested; printf x)
    "$VO" ask --model "$MODEL" --max-tokens 20 -i "$G/image0.png" -i "$G/image1.png" "${q%x}" \
        >"$TMP/stream" 2>"$TMP/err"
    rc=$?
    fx_value "$MAN" multi_2img_nested "c['generated_text'] + chr(10)" >"$TMP/want"
    [ $rc -eq 0 ] && cmp -s "$TMP/stream" "$TMP/want" && grep -q 'limit of 20 tokens' "$TMP/err"
    ok $? "ask 1.4: streamed, the answer is the same; the cut at --max-tokens is said"
    # the weights copied into memory: the same values, the reference's answer
    run_vo ask --model "$MODEL" --max-tokens 20 --threads 1 --weights bf16 -v --json \
        -i "$G/image0.png" -i "$G/image1.png" "${q%x}"
    [ $rc -eq 0 ] && [ "$(aj answer)" = "$(fx_value "$MAN" multi_2img_nested "c['generated_text']")" ] &&
        grep -q "copying the language model's weights (0.0[0-9] GiB of bf16) into memory" "$TMP/err"
    ok $? "ask 1.5: --weights bf16 (copied, said with -v) gives the reference's answer"
else
    skip "ask 1: tiny-varco-multi" "not in \$VO_SHARED/fixtures"
fi

# text only: the fixture's text_only prompt, tiny-varco and the first generation
for fx in "$top_srcdir/tests/data/fixtures/tiny-varco" "${SH:+$SH/fixtures/tiny-varco-v1}"; do
    [ -n "$fx" ] && [ -d "$fx" ] || { skip "ask 2: text only, tiny-varco-v1" "not in \$VO_SHARED/fixtures"; continue; }
    MAN="$fx/golden/manifest.json"
    q=$(question "$MAN" text_only; printf x)
    run_vo ask --model "$fx" --max-tokens 20 --json "${q%x}"
    [ $rc -eq 0 ] && [ "$(aj answer)" = "$(fx_value "$MAN" text_only "c['generated_text']")" ] &&
        [ "$(aj prompt_tokens)" = "$(fx_value "$MAN" text_only "len(c['input_ids'])")" ] &&
        [ "$(aj image_tokens)" = "[]" ]
    ok $? "ask 2.1: $(basename "$fx"): a question without images gets the reference's answer"
done

# PDF pages and an image in one question: one square tile each (P + 1 tokens)
P=$("$PY" -c "import json,sys; v=json.load(open(sys.argv[1]))['vision_config']; print((v['image_size']//v['patch_size'])**2)" "$MODEL/config.json")
run_vo ask --model "$MODEL" --max-tokens 4 --json -i "$SAMPLES/four-pages.pdf#1" \
    -i "$SAMPLES/four-pages.pdf#2" -i "$SAMPLES/hello.png" "What do these pages say?"
[ $rc -eq 0 ] && [ "$(aj image_tokens)" = "[$((P + 1)), $((P + 1)), $((P + 1))]" ] &&
    [ "$(aj images)" = "[{'width': 2481, 'height': 3508}, {'width': 2481, 'height': 3508}, {'width': 417, 'height': 105}]" ]
ok $? "ask 3.1: two PDF pages (#1, #2) and a PNG: three images of $((P + 1)) tokens each"
run_vo ask --model "$MODEL" --max-tokens 4 --json --pages 2-3 --dpi 50 -i "$SAMPLES/four-pages.pdf" "?"
[ $rc -eq 0 ] && [ "$(aj image_tokens)" = "[$((P + 1)), $((P + 1))]" ] &&
    [ "$(aj images)" = "[{'width': 414, 'height': 585}, {'width': 414, 'height': 585}]" ]
ok $? "ask 3.2: --pages 2-3 --dpi 50 of a PDF: two pages at 50 dpi"
run_vo ask --model "$MODEL" --max-tokens 4 --json -i "$SAMPLES/hello.png" "?"
one=$(aj image_tokens)
run_vo ask --model "$MODEL" --max-tokens 4 --json --images-flat -i "$SAMPLES/hello.png" "?"
[ $rc -eq 0 ] && [ "$(aj image_tokens)" = "$one" ] && [ "$one" != "[$((P + 1))]" ]
ok $? "ask 3.3: one image gets the anyres tiles by either rule ($one tokens)"

# grounding and referring
printf '<obj>두 고양이</obj><bbox>0.1, 0.2, 0.5, 0.6<delim>0.6, 0.2, 0.9, 0.8</bbox> 와 <obj>담요</obj><bbox>0, 0.5, 1, 1</bbox> 위에.' >"$TMP/gro.txt"
run_vo ask --ground --answer-from "$TMP/gro.txt" -i "$SAMPLES/hello.png" "Describe the image."
[ $rc -eq 0 ] && [ ! -s "$TMP/err" ] && "$PY" - "$TMP/out" <<'EOF'
import json, sys
a = json.load(open(sys.argv[1]))
want = [{"text": "두 고양이", "boxes": [[41.7, 21.0, 208.5, 63.0], [250.2, 21.0, 375.3, 84.0]]},
        {"text": "담요", "boxes": [[0.0, 52.5, 417.0, 105.0]]}]
# hello.png is 417 x 105: x = nx * 417, y = ny * 105
sys.exit(0 if a["objects"] == want and a["question"] == "<gro>\nDescribe the image." else 1)
EOF
ok $? "ask 5.1: a saved grounding answer: two objects, three boxes in the image's pixels where the normalized values say, no warning"
run_vo ask --model "$MODEL" --max-tokens 6 --ground -i "$SAMPLES/hello.png" "Describe the image."
[ $rc -eq 0 ] && ! grep -q 'no special token' "$TMP/err" && [ "$(aj question)" = "<gro>
Describe the image." ] && "$PY" -c "import json,sys; sys.exit(0 if isinstance(json.load(open(sys.argv[1]))['objects'], list) else 1)" "$TMP/out"
ok $? "ask 5.2: --ground runs end to end on the tiny model (its tokenizer has the task tokens): <gro> before the question, an objects list"
# a tokenizer without the task tokens: said
mkdir -p "$TMP/plain"
for f in "$MODEL"/*; do ln -s "$f" "$TMP/plain/"; done
rm "$TMP/plain/tokenizer.json"
"$PY" - "$MODEL/tokenizer.json" "$TMP/plain/tokenizer.json" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1], encoding="utf-8"))
t["added_tokens"] = [a for a in t["added_tokens"] if a["content"] != "<gro>"]
json.dump(t, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
EOF
run_vo ask --model "$TMP/plain" --max-tokens 2 --ground -i "$SAMPLES/hello.png" "Describe the image."
[ $rc -eq 0 ] && grep -q 'no special token <gro>: the grounding request is put to the model as plain text' "$TMP/err"
ok $? "ask 5.2b: a tokenizer without <gro>: grounding still runs, and says so"
run_vo ask --model "$MODEL" --max-tokens 6 --json --region 41,21,208,63 -i "$SAMPLES/hello.png" "What is written here?"
[ $rc -eq 0 ] && [ "$(aj question)" = "<obj>this region</obj><bbox>0.098, 0.2, 0.499, 0.6</bbox> What is written here?" ]
ok $? "ask 5.3: --region 41,21,208,63 of a 417x105 image is put as <bbox>0.098, 0.2, 0.499, 0.6</bbox>"
run_vo ask --ground --answer-from "$TMP/gro.txt" -i "$SAMPLES/hello.png" -i "$SAMPLES/hello.png" "?"
[ $rc -eq 1 ] && grep -q 'exactly one -i image' "$TMP/err"
ok $? "ask 5.4: --ground with two images: exit 1"
run_vo ask --model "$MODEL" --region 0,0,500,50 -i "$SAMPLES/hello.png" "?"
[ $rc -eq 1 ] && grep -q 'outside the image of 417x105' "$TMP/err"
ok $? "ask 5.5: a region outside the image: exit 1"
run_vo ask --model "$MODEL" --region 5,5,2,9 -i "$SAMPLES/hello.png" "?"
[ $rc -eq 1 ] && grep -q 'top-left corner before the bottom-right' "$TMP/err"
ok $? "ask 5.6: a region with its corners swapped: exit 1"
run_vo ask --ground --answer-from "$TMP/none.txt" -i "$SAMPLES/hello.png" "?"
[ $rc -eq 2 ] && grep -q 'none.txt' "$TMP/err"
ok $? "ask 5.7: a missing --answer-from file: exit 2, named"

run_vo ask --ground --answer-from "$TMP/gro.txt" --overlay "$TMP/gro.png" -i "$SAMPLES/hello.png" "?"
[ $rc -eq 0 ] && "$PY" - "$TMP/gro.png" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read(32)
w, h = struct.unpack(">II", d[16:24])
# the image with the boxes on the left, the texts set on the right
sys.exit(0 if d[:8] == b"\x89PNG\r\n\x1a\n" and w >= 2 * 417 and h >= 105 else 1)
EOF
ok $? "ask 5.8: --overlay writes the image with the objects' boxes and their texts beside it"
run_vo ask --overlay "$TMP/x.png" --answer-from "$TMP/gro.txt" -i "$SAMPLES/hello.png" "?"
[ $rc -eq 1 ] && grep -q 'give --ground too' "$TMP/err" && [ ! -e "$TMP/x.png" ]
ok $? "ask 5.9: --overlay without --ground: exit 1"

# errors
run_vo ask --model "$MODEL" -i "$SAMPLES/hello.png"
[ $rc -eq 1 ] && grep -q 'give one question' "$TMP/err"
ok $? "ask 4.1: no question: exit 1"
run_vo ask --model "$MODEL" -i "$SAMPLES/hello.png" what is this
[ $rc -eq 1 ] && grep -q 'not several words unquoted' "$TMP/err"
ok $? "ask 4.2: a question in several words: exit 1, said"
set --
for k in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17; do set -- "$@" -i "$SAMPLES/hello.png"; done
run_vo ask --model "$MODEL" "$@" "?"
[ $rc -eq 1 ] && grep -q 'more than 16 images' "$TMP/err"
ok $? "ask 4.3: 17 images: exit 1"
run_vo ask --model "$MODEL" --pages 1-4 -i "$SAMPLES/four-pages.pdf" -i "$SAMPLES/four-pages.pdf" \
    -i "$SAMPLES/four-pages.pdf" -i "$SAMPLES/four-pages.pdf" -i "$SAMPLES/hello.png" "?"
[ $rc -eq 1 ] && grep -q 'more than 16 images in all' "$TMP/err"
ok $? "ask 4.4: 17 pages in all: exit 1, said"
run_vo ask --model "$MODEL" -i "$TMP/none.png" "?"
[ $rc -eq 2 ] && grep -q 'none.png' "$TMP/err"
ok $? "ask 4.5: a missing image: exit 2, named"
run_vo ask --model "$MODEL" -i "$SAMPLES/four-pages.pdf#9" "?"
[ $rc -eq 2 ] && grep -q 'no page 9: it has 4' "$TMP/err"
ok $? "ask 4.6: a page past the end: exit 2"
run_vo ask -i "$SAMPLES/hello.png" "?"
[ $rc -eq 3 ] && grep -q 'no model folder' "$TMP/err"
ok $? "ask 4.7: no model folder: exit 3, how to get it said"
run_vo ask --model "$MODEL" --weights q9 "?"
[ $rc -eq 1 ] && grep -q 'auto, as-stored, bf16, q8 or q4' "$TMP/err"
ok $? "ask 4.8: a bad --weights: exit 1"
run_vo ask --model "$MODEL" --matmul fast "?"
[ $rc -eq 1 ] && grep -q 'exact or bf16' "$TMP/err"
ok $? "ask 4.11: a bad --matmul: exit 1, the modes named"
run_vo ask --model "$MODEL" --matmul bf16 --max-tokens 8 -i "$SAMPLES/hello.png" "What is written?"
[ $rc -eq 0 ] && [ -s "$TMP/out" ]
ok $? "ask 4.12: --matmul bf16 answers (rc=$rc)"
run_vo ask --model "$MODEL" --pages 3-x -i "$SAMPLES/hello.png" "?"
[ $rc -eq 1 ]
ok $? "ask 4.9: a bad --pages: exit 1"
"$VO" ask --help | grep -q 'images-flat' && "$VO" --help | grep -q 'varco-ocr ask'
ok $? "ask 4.10: ask --help, and the command's --help names ask"

done_testing
