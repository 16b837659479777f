/* bench-decode.c: decode speed of the language model on a model folder (the
 * random 1.7B one of make-random-model): tokens/s with 1, 4 and 8 sequences
 * sharing each step (pages in flight), the same with 1 to 16 sequences at a
 * page's context (16-bit and 8-bit KV caches), and drafted against plain
 * decoding of one page. Random weights never write the OCR grammar, so the drafted run
 * forces the tokens taken to follow a real page's output (the first 20
 * Korean text lines of tests/data/ocr, as the model writes them, through
 * the model folder's tokenizer; vo_gen_seq.force): the passes and the time
 * are those of a page whose model writes that text. Prints a table and, last,
 * one JSON line. The language model's weights are used as the tool's default
 * (--weights auto) uses them on the CPU: copied into memory where the copy
 * leaves room (vo_engine_copy_weights), else from the mapped file; the table
 * and the JSON ("decode.weights") say which. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/backend/cpu/cpu.h"
#include "src/model/config.h"
#include "src/model/safetensors.h"
#include "src/model/tokenizer.h"
#include "src/util/alloc.h"
#include "src/util/sysmem.h"
#include "src/vlm/draft.h"
#include "src/vlm/engine.h"
#include "src/vlm/generate.h"
#include "src/vlm/qwen3.h"
#include "tests/vlm/ocr-lines.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* `steps` decode steps over the n started sequences s (unless st says the
 * start failed): tokens/s, 0 on failure; then the sequences and g freed */
static double timed_steps(vo_ctx *ctx, vo_generator *g, vo_status st, vo_gen_request *r,
                          vo_gen_seq *s, int n, int steps)
{
    vo_gen_seq *run[VO_GEN_STEP_MAX];
    for (int i = 0; i < n; i++)
        run[i] = &s[i];
    double t0 = now(), tok_s = 0;
    for (int k = 0; k < steps && st == VO_OK; k++)
        st = vo_gen_step(ctx, g, run, n);
    if (st == VO_OK)
        tok_s = (double)n * steps / (now() - t0);
    for (int i = 0; i < n; i++) {
        vo_gen_seq_end(g, &s[i]);
        vo_free(r[i].out_ids);
        vo_free(r[i].out_logprobs);
    }
    vo_generator_free(g);
    return tok_s;
}

/* n sequences of `prompt` random ids, prefilled together, then `steps`
 * steps over all of them: decode tokens/s */
static double batch_tok_s(vo_ctx *ctx, vo_backend *be, const qwen3_model *lm, int n, int prompt,
                          int steps)
{
    vo_gen_request r[8];
    vo_gen_seq s[8], *run[8];
    int32_t *ids = malloc(sizeof(int32_t) * (size_t)prompt * (size_t)n);
    double tok_s = 0;
    if (!ids)
        return 0;
    memset(r, 0, sizeof r);
    srand(7);
    for (int i = 0; i < prompt * n; i++)
        ids[i] = rand() % (lm->vocab < 150000 ? lm->vocab : 150000);
    for (int i = 0; i < n; i++) {
        r[i].ids = ids + (size_t)i * prompt;
        r[i].n_ids = prompt;
        r[i].max_new = steps + 1;
        s[i] = (vo_gen_seq){.req = &r[i], .index = i};
        run[i] = &s[i];
    }
    vo_generator g;
    vo_generator_init(&g, be, lm, -1, NULL, 0);
    vo_status st = vo_gen_start(ctx, &g, run, n);
    tok_s = timed_steps(ctx, &g, st, r, s, n, steps);
    free(ids);
    return tok_s;
}

/* n sequences at a page's context: each is prefilled with 64 random ids,
 * then its cache is taken to ctx_tokens rows (zeros: what the keys hold
 * does not change what a step reads) and `steps` forced steps run over all
 * of them with the KV cache of type kv: decode tokens/s. The attention of
 * each step reads all ctx_tokens rows of every sequence, as on a page. */
static double ctx_tok_s(vo_ctx *ctx, vo_backend *be, qwen3_model *lm, vo_type kv, int n,
                        int ctx_tokens, int steps)
{
    enum { PROMPT = 8, MAX_SEQS = VO_GEN_STEP_MAX };
    vo_gen_request r[MAX_SEQS];
    vo_gen_seq s[MAX_SEQS], *run[MAX_SEQS];
    int32_t *ids = malloc(sizeof(int32_t) * (size_t)(PROMPT + steps + 1));
    double tok_s = 0;
    if (!ids || n > MAX_SEQS) {
        free(ids);
        return 0;
    }
    memset(r, 0, sizeof r);
    for (int i = 0; i < PROMPT + steps + 1; i++)
        ids[i] = (int32_t)((i * 7919 + 13) % 150000);
    for (int i = 0; i < n; i++) {
        r[i].ids = ids;
        r[i].n_ids = PROMPT;
        r[i].max_new = ctx_tokens + steps + 1;
        s[i] = (vo_gen_seq){.req = &r[i], .index = i, .force = ids + PROMPT,
                            .n_force = steps + 1};
        run[i] = &s[i];
    }
    vo_type was = lm->kv_type;
    lm->kv_type = kv;
    vo_generator g;
    vo_generator_init(&g, be, lm, -1, NULL, 0);
    vo_status st = vo_gen_start(ctx, &g, run, n);
    int64_t per_seq = ((int64_t)ctx_tokens + steps + 1 + g.pool.block_rows - 1) /
                      g.pool.block_rows;
    if (st == VO_OK) /* the pool grown once, not by copies as each sequence fills */
        qwen3_kv_pool_reserve(be, &g.pool, (int64_t)n * per_seq);
    for (int i = 0; i < n && st == VO_OK; i++) {
        qwen3_seq_reserve(be, s[i].kv, (int64_t)ctx_tokens + steps + 1);
        s[i].kv->n_past = ctx_tokens;
    }
    if (st == VO_OK && (st = vo_backend_sync(be, ctx)) == VO_OK) {
        qwen3_kv_pool *pool = &g.pool;
        size_t most = 0;
        for (int l = 0; l < pool->n_layers; l++)
            most = vo_nbytes(pool->k[l]) > most ? vo_nbytes(pool->k[l]) : most;
        void *zero = calloc(1, most);
        for (int l = 0; zero && l < pool->n_layers; l++) {
            vo_tensor_set(be, pool->k[l], zero, vo_nbytes(pool->k[l]));
            vo_tensor_set(be, pool->v[l], zero, vo_nbytes(pool->v[l]));
        }
        st = zero ? vo_backend_sync(be, ctx) : VO_ERR_NOMEM;
        free(zero);
    }
    tok_s = timed_steps(ctx, &g, st, r, s, n, steps);
    lm->kv_type = was;
    free(ids);
    return tok_s;
}

/* one page's output (force[0..n)) decoded after a short prompt, with the
 * grammar's drafter or without: seconds and passes */
static int page_run(vo_ctx *ctx, vo_backend *be, const qwen3_model *lm, const vo_draft_ids *dids,
                    const int32_t *force, int n, int drafted, double *secs, int *passes)
{
    int32_t prompt[32];
    for (int i = 0; i < 32; i++)
        prompt[i] = (int32_t)((i * 7919) % 150000);
    vo_gen_request r;
    memset(&r, 0, sizeof r);
    r.ids = prompt;
    r.n_ids = 32;
    r.max_new = n;
    vo_drafter *d = drafted ? vo_drafter_new(dids) : NULL;
    vo_gen_seq s = {.req = &r, .force = force, .n_force = n};
    if (d) {
        s.draft = vo_drafter_propose;
        s.draft_user = d;
    }
    vo_gen_seq *one = &s;
    vo_generator g;
    vo_generator_init(&g, be, lm, -1, NULL, 0);
    vo_status st = vo_gen_start(ctx, &g, &one, 1);
    double t0 = now();
    while (st == VO_OK && s.running)
        st = vo_gen_step(ctx, &g, &one, 1);
    *secs = now() - t0;
    *passes = s.n_passes;
    int good = st == VO_OK && r.n_out == n && !memcmp(r.out_ids, force, sizeof(int32_t) * (size_t)n);
    vo_gen_seq_end(&g, &s);
    vo_generator_free(&g);
    vo_drafter_free(d);
    vo_free(r.out_ids);
    vo_free(r.out_logprobs);
    return good;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench-decode MODEL_DIR LINES.jsonl [threads] [page_tokens] "
                "[steps] [context_tokens]\n");
        return 2;
    }
    int threads = argc > 3 ? atoi(argv[3]) : 0;
    int n_page = argc > 4 ? atoi(argv[4]) : 200;
    int steps = argc > 5 ? atoi(argv[5]) : 16;
    int ctx_tokens = argc > 6 ? atoi(argv[6]) : 6000; /* an A4 page's prompt: 5,761 image tokens */
    vo_ctx *ctx = vo_new_ctx();
    vo_config cfg;
    vo_weights *w = NULL;
    vo_backend *be = NULL;
    vo_tokenizer *tok = NULL;
    qwen3_model lm = {0};
    vo_draft_ids dids;
    vo_buf text = VO_BUF_INIT;
    int32_t *page = NULL;
    size_t n_ids = 0;
    int rc = 1;
    if (vo_load_config(ctx, argv[1], &cfg) || vo_open_weights(ctx, argv[1], &w) ||
        vo_load_tokenizer(ctx, argv[1], &tok) || vo_draft_ids_read(ctx, tok, &dids) ||
        vo_new_cpu_backend(ctx, threads, &be) || qwen3_load(ctx, be, &cfg, w, &lm)) {
        fprintf(stderr, "bench-decode: %s\n", vo_last_error(ctx));
        goto done;
    }
    bool all_bf16;
    uint64_t copy = qwen3_matrix_bytes(&lm, VO_BF16, &all_bf16);
    bool copied = all_bf16 && vo_engine_copy_weights(copy, vo_mem_available());
    int convert_threads = threads > 0 ? threads : vo_cpu_count();
    if (copied && qwen3_convert_weights(ctx, be, w, &lm, VO_BF16, convert_threads) != VO_OK) {
        fprintf(stderr, "bench-decode: %s\n", vo_last_error(ctx));
        goto done;
    }
    const char *weights = copied ? "bf16_copied" : "as_stored";
    if (!ocr_lines_first_page(argv[2], &text) ||
        vo_tokenizer_encode(ctx, tok, text.data, text.len, &page, &n_ids) || n_ids < 2) {
        fprintf(stderr, "bench-decode: %s: no page of text lines\n", argv[2]);
        goto done;
    }
    n_page = n_page < (int)n_ids ? n_page : (int)n_ids;
    double b1 = batch_tok_s(ctx, be, &lm, 1, 64, steps);
    double b4 = batch_tok_s(ctx, be, &lm, 4, 64, steps);
    double b8 = batch_tok_s(ctx, be, &lm, 8, 64, steps);
    double plain_s, draft_s;
    int plain_p, draft_p;
    int ok1 = page_run(ctx, be, &lm, &dids, page, n_page, 0, &plain_s, &plain_p);
    int ok2 = page_run(ctx, be, &lm, &dids, page, n_page, 1, &draft_s, &draft_p);
    /* at a page's context, 16-bit and 8-bit KV caches */
    static const int batches[4] = {1, 4, 8, VO_GEN_STEP_MAX};
    static const vo_type kvs[2] = {VO_BF16, VO_Q8ROW};
    static const char *const kv_names[2] = {"kv_bf16", "kv_q8"};
    double at_ctx[2][4];
    int ctx_ok = 1, ctx_steps = steps / 2 > 4 ? steps / 2 : 4;
    for (int k = 0; k < 2; k++)
        for (int b = 0; b < 4; b++)
            ctx_ok &= (at_ctx[k][b] = ctx_tok_s(ctx, be, &lm, kvs[k], batches[b], ctx_tokens,
                                                 ctx_steps)) > 0;
    /* what the paging costs: one sequence whose cache is one block (as it
     * was before the pool) against the pool's 128-token blocks */
    lm.kv_block = 8192;
    double one_block = ctx_tok_s(ctx, be, &lm, VO_BF16, 1, ctx_tokens, ctx_steps);
    lm.kv_block = 0;
    ctx_ok &= one_block > 0;
    if (b1 <= 0 || b4 <= 0 || b8 <= 0 || !ok1 || !ok2 || !ctx_ok) {
        fprintf(stderr, "bench-decode: a run failed: %s\n", vo_last_error(ctx));
        goto done;
    }
    printf("%-44s %12s\n", "measure (bf16 weights, f32 KV)", "value");
    printf("%-44s %12s\n", "weights (--weights auto)", weights);
    printf("%-44s %12.2f\n", "decode tokens/s, 1 sequence", b1);
    printf("%-44s %12.2f\n", "decode tokens/s, 4 sequences a step", b4);
    printf("%-44s %12.2f\n", "decode tokens/s, 8 sequences a step", b8);
    printf("%-44s %12.2f\n", "  8 sequences / 1 sequence", b8 / b1);
    printf("%-44s %12d\n", "page output replayed, tokens", n_page);
    printf("%-44s %12.2f\n", "  plain: tokens/s", n_page / plain_s);
    printf("%-44s %12.2f\n", "  drafted: tokens/s", n_page / draft_s);
    printf("%-44s %12.3f\n", "  drafted: passes per token", (double)(draft_p + 1) / n_page);
    printf("%-44s %12.2f\n", "  drafted / plain speed", plain_s / draft_s);
    for (int k = 0; k < 2; k++) {
        printf("decode tokens/s at a page's context (%d tokens), %s cache:\n", ctx_tokens,
               k ? "8-bit" : "16-bit");
        for (int b = 0; b < 4; b++)
            printf("  %2d sequences a step%24s %12.2f\n", batches[b], "", at_ctx[k][b]);
        printf("  8 sequences / 1 sequence%19s %12.2f\n", "", at_ctx[k][2] / at_ctx[k][0]);
    }
    printf("%-44s %12.2f\n", "  1 sequence, its cache one block (no paging)", one_block);
    printf("%-44s %12.3f\n", "  paged (128-token blocks) / one block", at_ctx[0][0] / one_block);
    /* keys of the 1-thread run plain, of another thread count with its count */
    char t[32] = "";
    if (threads != 1)
        snprintf(t, sizeof t, ".threads_%d", threads);
    printf("{\"decode.bf16.b1.step_tok_s%s\": %.3f, \"decode.bf16.b4.tok_s%s\": %.3f, "
           "\"decode.bf16.b8.tok_s%s\": %.3f, \"decode.bf16.b8_over_b1%s\": %.3f, "
           "\"draft.page.plain.tok_s%s\": %.3f, \"draft.page.drafted.tok_s%s\": %.3f, "
           "\"draft.page.passes_per_token%s\": %.4f, \"draft.page.speedup%s\": %.3f}\n",
           t, b1, t, b4, t, b8, t, b8 / b1, t, n_page / plain_s, t, n_page / draft_s, t,
           (double)(draft_p + 1) / n_page, t, plain_s / draft_s);
    printf("{\"decode.weights%s\": \"%s\", \"decode.page_ctx.tokens%s\": %d", t, weights, t,
           ctx_tokens);
    for (int k = 0; k < 2; k++) {
        for (int b = 0; b < 4; b++)
            printf(", \"decode.bf16.page_ctx.%s.b%d.tok_s%s\": %.3f", kv_names[k], batches[b], t,
                   at_ctx[k][b]);
        printf(", \"decode.bf16.page_ctx.%s.b8_over_b1%s\": %.3f", kv_names[k], t,
               at_ctx[k][2] / at_ctx[k][0]);
    }
    printf(", \"decode.bf16.page_ctx.kv_bf16.b1.one_block.tok_s%s\": %.3f, "
           "\"decode.bf16.page_ctx.kv_bf16.b1.paged_over_one_block%s\": %.3f",
           t, one_block, t, at_ctx[0][0] / one_block);
    printf("}\n");
    rc = 0;
done:
    if (be) {
        qwen3_free(be, &lm);
        vo_backend_drop(be);
    }
    vo_free(page);
    vo_buf_free(&text);
    vo_drop_tokenizer(tok);
    vo_drop_weights(w);
    vo_drop_ctx(ctx);
    return rc;
}
