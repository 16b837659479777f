#!/bin/sh
# probe.sh: tests/vlm-probe --dump on every tiny-varco / tiny-varco-alt case
# (tiny-varco-multi and geom-varco when shared): end to end and with --stage-inputs.
. "$top_srcdir/tests/tap.sh"
PROBE="$top_builddir/tests/vlm-probe"
CMP="$top_srcdir/tests/vlm/compare-dump.py"
FX="$top_srcdir/tests/data/fixtures"
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
command -v "$PY" >/dev/null 2>&1 || skip_all "python3 not found (needed to read the manifests)"
[ -d "$FX/tiny-varco" ] || skip_all "tests/data/fixtures/tiny-varco not found"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vo-probe-XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# mf MANIFEST CASE EXPR: a value of the case (python expression over c)
mf() { "$PY" -c "import json,sys; c=json.load(open(sys.argv[1]))['cases'][sys.argv[2]]; sys.stdout.write(str($3))" "$1" "$2"; }

# run_case FIXTURE_DIR MODEL_DIR CASE
run_case() {
    fx=$1 model=$2 case=$3
    man="$fx/golden/manifest.json" gold="$fx/golden/$case"
    set --
    for img in image.png image0.png image1.png; do
        [ -f "$gold/$img" ] && set -- "$@" --image "$gold/$img"
    done
    [ "$(mf "$man" "$case" "c.get('facts', {}).get('mode', '')")" = flat ] && set -- "$@" --images-flat
    [ "$(mf "$man" "$case" "c.get('facts', {}).get('card_pre_upscale', {}).get('applied', 0)")" = True ] &&
        set -- "$@" --ocr-upscale
    req=input_ids,logits_last,final_hidden_last,generated_ids
    [ -n "$(mf "$man" "$case" "c['files'].get('inputs_embeds', '')")" ] && req=$req,inputs_embeds
    if [ -n "$(mf "$man" "$case" "c['files'].get('pixel_values', '')")" ]; then
        req=$req,pixel_values,vision_selected_all,projector_out,packed_image_features
    elif [ $# -gt 0 ]; then
        req=$req,pixel_values,pixel_values_tile0,vision_selected_tile_last,projector_out_tile0,packed_image_features
    fi
    gen=$(mf "$man" "$case" "len(c['generated_ids'])")
    for how in e2e stage; do
        out="$TMP/$case-$how"
        mkdir -p "$out"
        extra=""
        [ $how = stage ] && extra="--stage-inputs $gold"
        if [ -f "$model/tokenizer.json" ]; then
            prompt=$(mf "$man" "$case" "c['prompt_text']"; printf x)
            "$PROBE" --model "$model" "$@" --prompt "${prompt%x}" --generate "$gen" \
                --backend "${VO_PROBE_BACKEND:-cpu}" --threads 2 $extra --dump "$out" 2>"$out.err"
        else
            "$PROBE" --model "$model" "$@" --ids "$gold/input_ids.bin" --generate "$gen" \
                --backend "${VO_PROBE_BACKEND:-cpu}" --threads 2 $extra --dump "$out" 2>"$out.err"
        fi
        rc=$?
        ok $rc "probe 1: $(basename "$fx")/$case ($how) runs"
        [ $rc -eq 0 ] || sed 's/^/# /' "$out.err"
        flag=""
        [ $how = e2e ] && flag=--e2e
        "$PY" "$CMP" "$man" "$case" "$out" $flag --require "$req" >"$out.cmp"
        rc=$?
        ok $rc "probe 2: $(basename "$fx")/$case ($how) dumps match the goldens ($(grep -c '^ok' "$out.cmp") keys)"
        [ $rc -eq 0 ] || sed "s/^/# /" "$out.cmp"
    done
}

for name in tiny-varco tiny-varco-alt; do
    for c in $("$PY" -c "import json,sys; print(' '.join(json.load(open(sys.argv[1]))['cases']))" "$FX/$name/golden/manifest.json"); do
        run_case "$FX/$name" "$FX/$name" "$c"
    done
done
if SH=$(shared_dir) && [ -d "$SH/fixtures/tiny-varco-multi" ]; then
    for c in multi_2img_nested multi_2img_flat; do
        run_case "$SH/fixtures/tiny-varco-multi" "$FX/tiny-varco" "$c"
    done
else
    diag "tiny-varco-multi not in \$VO_SHARED/fixtures: its two cases not run"
fi
if SH=$(shared_dir) && [ -d "$SH/fixtures/geom-varco" ]; then
    for c in tiny_40x25 a4_portrait_1240x1754; do
        run_case "$SH/fixtures/geom-varco" "$SH/fixtures/geom-varco" "$c"
    done
else
    diag "geom-varco not in \$VO_SHARED/fixtures: its cases not run"
fi

# the comparer can fail: one changed id, one value off by 1e-2
d="$TMP/ocr_wide_150x90-stage"
cp -r "$d" "$TMP/bad"
printf '\377' | dd of="$TMP/bad/generated_ids.bin" bs=1 seek=0 conv=notrunc 2>/dev/null
"$PY" "$CMP" "$FX/tiny-varco/golden/manifest.json" ocr_wide_150x90 "$TMP/bad" >/dev/null
[ $? -eq 1 ]; ok $? "probe 3.1: a changed generated id is caught"
cp "$d/generated_ids.bin" "$TMP/bad/"
"$PY" -c "import array,sys; a=array.array('f'); a.frombytes(open(sys.argv[1],'rb').read()); a[7]+=1e-2; open(sys.argv[1],'wb').write(a.tobytes())" "$TMP/bad/logits_last.bin"
"$PY" "$CMP" "$FX/tiny-varco/golden/manifest.json" ocr_wide_150x90 "$TMP/bad" >/dev/null
[ $? -eq 1 ]; ok $? "probe 3.2: a logit off by 1e-2 is caught"
"$PY" "$CMP" "$FX/tiny-varco/golden/manifest.json" text_only "$TMP/bad" --require pixel_values >/dev/null 2>&1
[ $? -eq 1 ]; ok $? "probe 3.3: a required key missing from the comparison is caught"

# usage and errors
"$PROBE" --model "$FX/tiny-varco" --prompt x --ids "$TMP/none" --dump "$TMP" 2>/dev/null
[ $? -eq 2 ]; ok $? "probe 4.1: --prompt with --ids is a usage error (exit 2)"
"$PROBE" --model "$FX/tiny-varco-alt" --prompt hello --dump "$TMP/bad" 2>"$TMP/err"
[ $? -eq 1 ] && grep -q -- --ids "$TMP/err"; ok $? "probe 4.2: a folder without tokenizer asks for --ids"
"$PROBE" --model "$FX/tiny-varco" --image "$TMP/none.png" --dump "$TMP/bad" 2>"$TMP/err"
[ $? -eq 1 ] && grep -q none.png "$TMP/err"; ok $? "probe 4.3: an unreadable image is named"
"$PROBE" --model "$FX/tiny-varco" --prompt hi --backend nosuch --dump "$TMP/bad" 2>"$TMP/err"
[ $? -eq 1 ] && grep -q nosuch "$TMP/err"; ok $? "probe 4.4: an unknown backend is named"
done_testing
