/* engine.c (test): the public OCR engine end to end from the image pixels
 * on tiny-varco: the generated text equals the golden text (no pre-upscale,
 * as the goldens), pieces stream to the callback, a batch of pages gives
 * each page's text alone, a bf16 KV cache gives the same text, errors are
 * clean. */
#include "src/util/alloc.h"
#include "src/vlm/engine.h"
#include "tests/tap.h"
#include "tests/vlm/fixture.h"

#define SINK_MAX 64

/* what the callback saw: the text, and where each piece began with its
 * log-prob (the first SINK_MAX) */
typedef struct {
    vo_buf all;
    int calls;
    int lp_ok;
    vo_token_lp seen[SINK_MAX];
} sink;

static int on_piece(const char *piece, size_t len, float logprob, void *user)
{
    sink *s = user;
    if (s->calls < SINK_MAX)
        s->seen[s->calls] = (vo_token_lp){s->all.len, logprob};
    s->calls++;
    s->lp_ok &= logprob <= 0.0f && logprob > -100.0f;
    vo_buf_append(&s->all, piece, len);
    return 0;
}

/* the engine's pieces of a page are those the callback saw, in order:
 * same count, offsets and log-probs */
static int pieces_as_seen(const vo_engine_page *pg, const sink *s)
{
    if (!pg->pieces || pg->n_pieces != (size_t)s->calls || s->calls > SINK_MAX)
        return 0;
    for (size_t k = 0; k < pg->n_pieces; k++)
        if (pg->pieces[k].offset != s->seen[k].offset ||
            pg->pieces[k].logprob != s->seen[k].logprob ||
            (k && pg->pieces[k].offset <= pg->pieces[k - 1].offset))
            return 0;
    return 1;
}

/* an engine with opts recognises ocr_wide_150x90 as the golden text */
static int golden_text(vo_ctx *ctx, const char *dir, json_t *m, const vo_engine_opts *opts)
{
    vo_engine *eng = NULL;
    int good = vo_engine_open(ctx, dir, opts, &eng) == VO_OK;
    if (good) {
        json_t *cas = json_object_get(json_object_get(m, "cases"), "ocr_wide_150x90");
        int w, h;
        uint8_t *rgb = fx_case_image(dir, m, "ocr_wide_150x90", &w, &h);
        vo_buf text = VO_BUF_INIT;
        const char *gold = json_string_value(json_object_get(cas, "generated_text"));
        good = rgb && vo_engine_ocr(ctx, eng, rgb, w, h, w * 3, NULL, NULL, &text) == VO_OK &&
               gold && text.len == strlen(gold) && !memcmp(text.data, gold, text.len);
        vo_buf_free(&text);
        free(rgb);
    }
    vo_engine_close(eng);
    return good;
}

int main(void)
{
    /* the token budget: --max-tokens, else the context the prompt leaves */
    ok(vo_engine_token_budget(0, 40960, 5761) == 35199 &&
       vo_engine_token_budget(-1, 40960, 100) == 40860,
       "engine 0.1: no --max-tokens: an A4 page may use all the context its prompt leaves");
    ok(vo_engine_token_budget(48, 40960, 5761) == 48 &&
       vo_engine_token_budget(40000, 40960, 5761) == 35199,
       "engine 0.2: --max-tokens bounded by the context");
    ok(vo_engine_token_budget(0, 0, 100) == 8192 && vo_engine_token_budget(20, 0, 100) == 20,
       "engine 0.3: a model without a context size: 8192, or --max-tokens");
    ok(vo_engine_token_budget(0, 4096, 4096) == 0 && vo_engine_token_budget(10, 4096, 5000) == 0,
       "engine 0.4: a prompt that fills the context leaves no token");
    /* --batch's default: pages of 10,000 tokens whose caches fit in half of
     * the memory, 1.7B shapes (28 layers, 8 KV heads of 128) */
    uint64_t pb = 0, gib = (uint64_t)1 << 30;
    int f32 = vo_engine_default_batch(28, 8, 128, VO_KV_F32, 20 * gib, &pb);
    ok(f32 == 4 && pb == 2293760000ull,
       "engine 0.5: f32 cache: 2.14 GiB a page, 4 pages in 20 GiB (%d, %llu)", f32,
       (unsigned long long)pb);
    int bf16 = vo_engine_default_batch(28, 8, 128, VO_KV_BF16, 20 * gib, &pb);
    ok(bf16 == 9 && pb == 1146880000ull, "engine 0.6: bf16 cache: 9 pages in 20 GiB (%d)", bf16);
    int q8 = vo_engine_default_batch(28, 8, 128, VO_KV_Q8, 20 * gib, &pb);
    ok(q8 == VO_ENGINE_BATCH_MAX && pb == 591360000ull,
       "engine 0.7: 8-bit cache (int8 and a scale a row): 18 would fit, capped at %d (%d)",
       VO_ENGINE_BATCH_MAX, q8);
    ok(vo_engine_default_batch(28, 8, 128, VO_KV_F32, gib, &pb) == 1 &&
       vo_engine_default_batch(28, 8, 128, VO_KV_F32, 0, &pb) == 0,
       "engine 0.8: at least 1 page when little memory is free; 0 (use --jobs) when unknown");
    /* --weights auto: the 1.7B model's 3.4 GB of bf16 matrices are copied
     * where the copy leaves 2 GiB, else they stay mapped */
    uint64_t w17 = 3441942528ull;
    ok(vo_engine_copy_weights(w17, 20 * gib) && vo_engine_copy_weights(w17, w17 + 2 * gib) &&
       !vo_engine_copy_weights(w17, w17 + 2 * gib - 1) && !vo_engine_copy_weights(w17, 4 * gib) &&
       !vo_engine_copy_weights(w17, w17 / 2) && !vo_engine_copy_weights(w17, 0),
       "engine 0.9: weights copied when 2 GiB are left after the copy; mapped when less or "
       "the memory is unknown");
    const char *d = fx_dir("tiny-varco");
    if (!d)
        skip_all("tests/data/fixtures/tiny-varco not found (set top_srcdir)");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", d);
    vo_ctx *ctx = vo_new_ctx();
    vo_engine *eng = NULL;
    vo_engine_opts o = {2, 20, 1, "cpu", VO_KV_F32, 1, 0, VO_WEIGHTS_AS_STORED, VO_MATMUL_EXACT};
    ok(vo_engine_open(ctx, dir, &o, &eng) == VO_OK, "engine 1.1: tiny-varco opens (%s)",
       vo_last_error(ctx));
    json_t *m = fx_manifest(dir);
    static const char *cases[] = {"ocr_wide_150x90", "ocr_tall_72x180"};
    for (int i = 0; i < 2 && eng; i++) {
        json_t *cas = json_object_get(json_object_get(m, "cases"), cases[i]);
        int w, h;
        uint8_t *rgb = fx_case_image(dir, m, cases[i], &w, &h);
        sink s = {VO_BUF_INIT, 0, 1, {{0, 0}}};
        vo_buf text = VO_BUF_INIT;
        vo_status st = vo_engine_ocr(ctx, eng, rgb, w, h, w * 3, on_piece, &s, &text);
        const char *gold = json_string_value(json_object_get(cas, "generated_text"));
        ok(st == VO_OK && gold && text.len == strlen(gold) && !memcmp(text.data, gold, text.len),
           "engine 2.%d: %s end to end from pixels gives the golden text", i + 1, cases[i]);
        ok(s.calls > 0 && s.lp_ok && s.all.len == text.len &&
           !memcmp(s.all.data, text.data, text.len),
           "engine 3.%d: %d streamed pieces add up to the text, log-probs in range", i + 1, s.calls);
        vo_buf_free(&s.all);
        vo_buf_free(&text);
        free(rgb);
    }
    /* a batch of three pages gives each page's text alone (the golden text) */
    static const char *bcases[] = {"ocr_wide_150x90", "ocr_tall_72x180", "ocr_large_300x200"};
    vo_engine_page pg[3];
    vo_buf btext[3];
    uint8_t *brgb[3];
    sink bs[3];
    memset(pg, 0, sizeof pg);
    for (int i = 0; i < 3; i++) {
        pg[i].rgb = brgb[i] = fx_case_image(dir, m, bcases[i], &pg[i].w, &pg[i].h);
        pg[i].stride = pg[i].w * 3;
        btext[i] = (vo_buf)VO_BUF_INIT;
        bs[i] = (sink){VO_BUF_INIT, 0, 1, {{0, 0}}};
        pg[i].out_text = &btext[i];
        pg[i].cb = on_piece;
        pg[i].user = &bs[i];
    }
    for (int n = 2; n <= 3 && eng; n++) {
        for (int i = 0; i < 3; i++) {
            vo_buf_reset(&btext[i]);
            vo_buf_reset(&bs[i].all);
            bs[i].calls = 0;
        }
        vo_status st = vo_engine_ocr_batch(ctx, eng, pg, n);
        int same = st == VO_OK, pieces = st == VO_OK;
        for (int i = 0; i < n && same; i++) {
            json_t *cas = json_object_get(json_object_get(m, "cases"), bcases[i]);
            const char *gold = json_string_value(json_object_get(cas, "generated_text"));
            same = gold && btext[i].len == strlen(gold) && !memcmp(btext[i].data, gold, btext[i].len) &&
                   bs[i].all.len == btext[i].len && pg[i].n_tokens == 20 && !pg[i].hit_stop;
            pieces &= pieces_as_seen(&pg[i], &bs[i]);
        }
        for (int i = 0; i < n; i++) {
            vo_free(pg[i].pieces);
            pg[i].pieces = NULL;
        }
        ok(same, "engine 5.%d: a batch of %d pages gives each page's text alone, streamed per page "
           "(%s)", n - 1, n, st == VO_OK ? "ok" : vo_last_error(ctx));
        ok(pieces, "engine 5.%db: each page's pieces come back with the byte offsets and "
           "log-probs the callback saw", n - 1);
    }
    ok(eng && vo_engine_ocr_batch(ctx, eng, pg, 0) == VO_ERR_ARGUMENT,
       "engine 5.3: an empty batch is an argument error");
    for (int i = 0; i < 3; i++) {
        vo_buf_free(&btext[i]);
        vo_buf_free(&bs[i].all);
        free(brgb[i]);
    }
    vo_engine_close(eng);
    eng = NULL;
    /* opts.kv_type: a bf16 KV cache gives the golden text; an unknown type fails */
    vo_engine_opts ob = {2, 20, 1, "cpu", VO_KV_BF16, 1, 0, VO_WEIGHTS_AS_STORED, VO_MATMUL_EXACT};
    int good = golden_text(ctx, dir, m, &ob);
    ok(good, "engine 6.1: kv_type VO_KV_BF16 gives the golden text of ocr_wide_150x90 (%s)",
       good ? "ok" : vo_last_error(ctx));
    ob.kv_type = 7;
    ok(vo_engine_open(ctx, dir, &ob, &eng) == VO_ERR_ARGUMENT && !eng &&
       strstr(vo_last_error(ctx), "KV cache type 7"),
       "engine 6.2: kv_type 7 is an argument error (%s)", vo_last_error(ctx));
    /* opts.weights: q8 made at load gives the golden text (the tiny model's
     * steps are no close calls); an unknown type fails */
    vo_engine_opts oq = {2, 20, 1, "cpu", VO_KV_F32, 1, 0, VO_WEIGHTS_Q8, VO_MATMUL_EXACT};
    good = golden_text(ctx, dir, m, &oq);
    ok(good, "engine 6.3: weights VO_WEIGHTS_Q8 gives the golden text of ocr_wide_150x90 (%s)",
       good ? "ok" : vo_last_error(ctx));
    oq.weights = 5;
    ok(vo_engine_open(ctx, dir, &oq, &eng) == VO_ERR_ARGUMENT && !eng &&
       strstr(vo_last_error(ctx), "weight type 5"),
       "engine 6.4: weights 5 is an argument error (%s)", vo_last_error(ctx));
    json_decref(m);
    ok(vo_engine_open(ctx, "/nonexistent-model-dir", NULL, &eng) != VO_OK && !eng &&
       strstr(vo_last_error(ctx), "/nonexistent-model-dir"),
       "engine 4.1: a missing folder fails with its path in the message");
    vo_drop_ctx(ctx);
    return done_testing();
}
