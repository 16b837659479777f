# fixture-case.sh: a golden case of a fixture's manifest.json, for the
# scripts that drive tests/vlm-probe with it or read its values (sourced;
# $PY is python3). Variables are fx_-prefixed: sh functions share the
# caller's.

# fx_value MANIFEST CASE EXPR: a value of the case (a python expression over c)
fx_value() {
    "$PY" -c "import json,sys; c=json.load(open(sys.argv[1]))['cases'][sys.argv[2]]; sys.stdout.write(str($3))" "$1" "$2"
}

# fx_cases MANIFEST: the names of its cases, on one line
fx_cases() {
    "$PY" -c "import json,sys; print(' '.join(json.load(open(sys.argv[1]))['cases']))" "$1"
}

# fx_generated MANIFEST CASE: how many ids the reference generated
fx_generated() {
    fx_value "$1" "$2" "len(c['generated_ids'])"
}

# fx_probe MANIFEST CASE MODEL GEN [ARGS...]: $PROBE (tests/vlm-probe) on
# the case as the reference ran it: its images (image.png, or image0.png and
# image1.png), --images-flat and --ocr-upscale where its facts say so, its
# prompt (its input ids where MODEL has no tokenizer), GEN generated tokens,
# then ARGS
fx_probe() {
    fx_man=$1 fx_case=$2 fx_model=$3 fx_gen=$4
    shift 4
    fx_gold=$(dirname "$fx_man")/$fx_case
    for fx_img in image1.png image0.png image.png; do
        [ -f "$fx_gold/$fx_img" ] && set -- --image "$fx_gold/$fx_img" "$@"
    done
    [ "$(fx_value "$fx_man" "$fx_case" "c.get('facts', {}).get('mode', '')")" = flat ] &&
        set -- --images-flat "$@"
    [ "$(fx_value "$fx_man" "$fx_case" \
        "c.get('facts', {}).get('card_pre_upscale', {}).get('applied', 0)")" = True ] &&
        set -- --ocr-upscale "$@"
    if [ -f "$fx_model/tokenizer.json" ]; then
        fx_prompt=$(fx_value "$fx_man" "$fx_case" "c['prompt_text']"; printf x)
        "$PROBE" --model "$fx_model" --prompt "${fx_prompt%x}" --generate "$fx_gen" "$@"
    else
        "$PROBE" --model "$fx_model" --ids "$fx_gold/input_ids.bin" --generate "$fx_gen" "$@"
    fi
}
