#!/bin/sh
# dump-config.sh: `varco-ocr --model DIR --dump-config` prints what each
# fixture folder's JSON files say (checked against the files with python).
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
dirs="$top_srcdir/tests/data/fixtures/tiny-varco $top_srcdir/tests/data/fixtures/tiny-varco-alt"
if SH=$(shared_dir); then
    for f in geom-varco tiny-varco-multi tiny-varco-v1; do
        [ -d "$SH/fixtures/$f" ] && dirs="$dirs $SH/fixtures/$f"
    done
else
    diag "no shared fixtures beside the clone: only the two copied into tests/data"
fi
for d in $dirs; do
    name=$(basename "$d")
    run_vo --model "$d" --dump-config
    ok $rc "dump-config 1.1: $name: exit 0"
    "$PY" - "$d/config.json" "$TMP/out" <<'PYEOF'
import json, sys
cfg = json.load(open(sys.argv[1]))
got = {}
for line in open(sys.argv[2], encoding="utf-8"):
    if " = " in line:
        k, v = line.rstrip("\n").split(" = ", 1)
        got[k] = v
t, v = cfg.get("text_config", {}), cfg.get("vision_config", {})
want = {
    "text.hidden_size": t.get("hidden_size"),
    "text.num_hidden_layers": t.get("num_hidden_layers"),
    "text.num_attention_heads": t.get("num_attention_heads"),
    "text.num_key_value_heads": t.get("num_key_value_heads"),
    "text.intermediate_size": t.get("intermediate_size"),
    "text.vocab_size": t.get("vocab_size"),
    "text.rms_norm_eps": t.get("rms_norm_eps"),
    "text.rope_theta": t.get("rope_theta"),
    "vision.hidden_size": v.get("hidden_size"),
    "vision.num_hidden_layers": v.get("num_hidden_layers"),
    "vision.image_size": v.get("image_size"),
    "vision.patch_size": v.get("patch_size"),
    "vision_feature_layer": cfg.get("vision_feature_layer"),
    "image_token_index": cfg.get("image_token_index"),
}
if "head_dim" in t:
    want["text.head_dim"] = t["head_dim"]
bad = []
for k, w in want.items():
    if w is None:
        continue
    g = got.get(k)
    try:
        same = g is not None and float(g) == float(w)
    except ValueError:
        same = False
    if not same:
        bad.append("%s: file %r, printed %r" % (k, w, g))
pins = cfg.get("image_grid_pinpoints")
if pins is not None:
    line = [v for k, v in got.items() if k.startswith("image_grid_pinpoints")]
    if not line or ("(%d," % len(pins)) not in [k for k in got if k.startswith("image_grid_pinpoints")][0]:
        bad.append("image_grid_pinpoints count %d not printed" % len(pins))
for b in bad:
    print("# " + b)
sys.exit(1 if bad else 0)
PYEOF
    ok $? "dump-config 1.2: $name: printed values equal config.json's"
done
mkdir -p "$TMP/broken"; echo '{"text_config": {"hidden_size": "big"}}' >"$TMP/broken/config.json"
run_vo --model "$TMP/broken" --dump-config
[ "$rc" -eq 9 ] && grep -q 'config.json' "$TMP/err" && grep -q 'hidden_size' "$TMP/err"
ok $? "dump-config 2.1: a wrong type exits 9 naming the file and key (rc=$rc)"
done_testing
