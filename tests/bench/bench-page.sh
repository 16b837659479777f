#!/bin/sh
# bench-page.sh (make bench): whole A4 pages through varco-ocr on the random
# 1.7B-shaped model, stage by stage (render, wait for room, preprocess,
# vision, prefill, decode, layout, writers: --progress=json's page-done
# "stages"), one page with --batch 1 and 8 pages of one PDF with --batch 8.
# Each page generates exactly VO_BENCH_PAGE_TOKENS tokens (default 2000):
# random weights never write an end token, so --max-tokens ends every page
# at that length (--no-band: not recognised again). Nothing is forced: random
# weights never write the OCR grammar, so drafts would be refused and the
# run is --no-draft (bench-decode gives what drafts save on a real page's
# output). The page is vo-synth's A4 page at VO_BENCH_PAGE_DPI (300), about
# 5,800 prompt tokens; the KV cache VO_BENCH_PAGE_KV (bf16); the products
# VO_BENCH_PAGE_MATMUL (exact; bf16: --matmul bf16). Long: at the defaults
# about 40 minutes on 2 cores.
# VO_RANDOM_MODEL=DIR reuses (or keeps) the generated folder.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
TOKENS=${VO_BENCH_PAGE_TOKENS:-2000}
DPI=${VO_BENCH_PAGE_DPI:-300}
BATCH=${VO_BENCH_PAGE_BATCH:-8}
KV=${VO_BENCH_PAGE_KV:-bf16}
MATMUL=${VO_BENCH_PAGE_MATMUL:-exact}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vo-bench-page-XXXXXX")
MODEL=${VO_RANDOM_MODEL:-$TMP/model}
trap 'rm -rf "$TMP"' EXIT
. "$top_srcdir/tests/bench/random-model.sh"
random_model bench-page "$MODEL" 6000000
case $? in 0) ;; 2) exit 0 ;; *) exit 1 ;; esac
command -v mutool >/dev/null || { echo "bench-page: mutool not found (tests/deps.sh)"; exit 1; }

# one A4 page of Korean and English text, then PDFs of 1 and BATCH pages
"$top_builddir/samples/vo-synth" --page a4 --dpi "$DPI" --chars 3000 --mixed "$TMP/a4" \
    "$top_srcdir/samples/english.txt" "$top_srcdir/samples/ko-poem-skew.txt" >/dev/null ||
    { echo "bench-page: vo-synth failed"; exit 1; }
printf '%%%%MediaBox 0 0 595 842\n%%%%Image Im0 %s\nq 595 0 0 842 0 0 cm /Im0 Do Q\n' \
    "$TMP/a4.png" >"$TMP/page.txt"
i=0
while [ $i -lt "$BATCH" ]; do i=$((i + 1)); set -- "$@" "$TMP/page.txt"; done
mutool create -o "$TMP/one.pdf" "$TMP/page.txt" && mutool create -o "$TMP/many.pdf" "$@" ||
    { echo "bench-page: mutool create failed"; exit 1; }

ARGS="--model $MODEL --text-layer ignore --dpi $DPI --no-band --no-draft --max-tokens $TOKENS \
--kv-type $KV --matmul $MATMUL --progress=json -q -j 1 -f txt,hocr,alto,pdf"
for run in "1 one" "$BATCH many"; do
    set -- $run
    t0=$(date +%s.%N)
    "$top_builddir/varco-ocr" $ARGS --batch "$1" -O "$TMP/out-$2" "$TMP/$2.pdf" \
        2>"$TMP/events-$1.jsonl"
    rc=$?
    t1=$(date +%s.%N)
    if [ $rc -ne 0 ]; then
        echo "bench-page: varco-ocr --batch $1 failed (exit $rc):"; tail -5 "$TMP/events-$1.jsonl"
        exit 1
    fi
    echo "$t0 $t1" >"$TMP/wall-$1"
done
"$PY" - "$TMP" "$BATCH" "$TOKENS" "$KV" "$MATMUL" <<'PYEOF'
import json, sys
tmp, batch, tokens, kv, matmul = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
stages = ["render", "wait", "preprocess", "vision", "prefill", "decode", "layout", "write"]
fig, rows = {}, {}
for b in (1, batch):
    pages = [e for e in map(json.loads, open("%s/events-%d.jsonl" % (tmp, b)))
             if e.get("event") == "page-done"]
    t0, t1 = map(float, open("%s/wall-%d" % (tmp, b)).read().split())
    if not pages or any(p["status"] != "done" or p.get("tokens") != tokens for p in pages):
        print("bench-page: --batch %d: a page was not done with %d tokens" % (b, tokens))
        sys.exit(1)
    n = len(pages)
    rows[b] = {s: sum(p["stages"][s] for p in pages) / n for s in stages}
    rows[b]["wall per page"] = (t1 - t0) / n
    for s in stages:
        fig["page.b%d.%s_s" % (b, s)] = round(rows[b][s], 3)
    fig["page.b%d.pages" % b] = n
    fig["page.b%d.wall_s_per_page" % b] = round((t1 - t0) / n, 3)
    fig["page.b%d.run_tok_s" % b] = round(n * tokens / (t1 - t0), 3)
fig["page.tokens"] = tokens
fig["page.kv_type"] = kv
fig["page.matmul"] = matmul
fig["page.b%d_over_b1.pages_per_s" % batch] = round(rows[1]["wall per page"] /
                                                     rows[batch]["wall per page"], 3)
print("%-28s %14s %14s" % ("seconds a page, mean", "--batch 1", "--batch %d" % batch))
for s in stages + ["wall per page"]:
    print("%-28s %14.2f %14.2f" % (s, rows[1][s], rows[batch][s]))
print("%-28s %14.2f" % ("pages/s, batch %d over 1" % batch, fig["page.b%d_over_b1.pages_per_s" % batch]))
print(json.dumps(fig, sort_keys=True))
PYEOF
