/* engine.c: one page image to OCR text: the stages of src/vlm glued
 * together with the model folder's config, tokenizer and template (§12). */
#include "src/vlm/engine.h"
#include "src/vlm/engine_impl.h"
#include "src/backend/cpu/cpu.h"
#include "src/backend/select.h"
#include "src/model/config.h"
#include "src/model/image_geom.h"
#include "src/model/prompt.h"
#include "src/model/safetensors.h"
#include "src/model/tokenizer.h"
#include "src/util/alloc.h"
#include "src/util/clock.h"
#include "src/util/sysmem.h"
#include "src/vlm/generate.h"
#include "src/vlm/pack.h"
#include "src/vlm/preprocess.h"
#include "src/vlm/projector.h"
#include "src/vlm/qwen3.h"
#include "src/vlm/resize.h"
#include "src/vlm/siglip.h"

#include <string.h>

#define TILES_PER_PASS 8      /* vision tiles per forward: bounds activation memory */

void vo_engine_set_cancel(vo_engine *e, const volatile sig_atomic_t *flag)
{
    if (e) {
        e->cancel = flag;
        vo_backend_set_cancel(e->be, flag); /* ends a running vision tower or prefill */
    }
}

vo_status engine_check_cancel(vo_ctx *ctx, const vo_engine *e, const char *stage)
{
    if (e->cancel && *e->cancel)
        return vo_fail(ctx, VO_ERR_ABORT, "OCR cancelled %s", stage);
    return VO_OK;
}

static void add_stop(vo_engine *e, int32_t id)
{
    if (id < 0 || e->n_stop >= ENGINE_MAX_STOP)
        return;
    for (int i = 0; i < e->n_stop; i++)
        if (e->stop[i] == id)
            return;
    e->stop[e->n_stop++] = id;
}

/* The backend named by opts.device; which one runs is said at -v. */
static vo_status open_backend(vo_ctx *ctx, vo_engine *e)
{
    vo_buf what = VO_BUF_INIT;
    vo_status st = vo_backend_open(ctx, e->opts.device, e->opts.threads, &e->be, &what);
    if (!st)
        vo_info(ctx, "recognition runs on %s", what.data ? what.data : "?");
    vo_buf_free(&what);
    return st;
}

/* opts.kv_type → the element type of the LM's KV caches, if the backend
 * writes (copy) and reads (attention) it */
static vo_status set_kv_type(vo_ctx *ctx, vo_engine *e)
{
    static const vo_type types[] = {[VO_KV_F32] = VO_F32, [VO_KV_BF16] = VO_BF16,
                                    [VO_KV_F16] = VO_F16, [VO_KV_Q8] = VO_Q8ROW};
    int k = e->opts.kv_type;
    if (k < 0 || k >= (int)(sizeof types / sizeof types[0]))
        return vo_fail(ctx, VO_ERR_ARGUMENT, "KV cache type %d is not 0 (f32), 1 (bf16), "
                       "2 (f16) or 3 (q8)", k);
    vo_type t = types[k];
    if (e->lm.head_dim % vo_type_block(t))
        return vo_fail(ctx, VO_ERR_UNSUPPORTED, "a %s KV cache needs a head size that is a "
                       "multiple of %lld, this model's is %d", vo_type_name(t),
                       (long long)vo_type_block(t), e->lm.head_dim);
    if (!vo_backend_supports(e->be, VO_OP_COPY, t) ||
        !vo_backend_supports(e->be, VO_OP_ATTENTION, t))
        return vo_fail(ctx, VO_ERR_UNSUPPORTED, "the %s backend cannot keep a %s KV cache",
                       vo_backend_name(e->be), vo_type_name(t));
    e->lm.kv_type = t;
    return VO_OK;
}

bool vo_engine_copy_weights(uint64_t copy_bytes, uint64_t mem_bytes)
{
    return mem_bytes > 0 && copy_bytes <= mem_bytes && mem_bytes - copy_bytes >= VO_ENGINE_COPY_SPARE;
}

/* opts.weights auto: bf16 on the CPU where the folder's matrices are bf16
 * (the same values; a decode step read them up to 6 times slower from the
 * mapped file on VMs whose host drops cached file pages) and the copy fits;
 * else as stored */
static int auto_weights(vo_ctx *ctx, const vo_engine *e)
{
    if (strcmp(vo_backend_name(e->be), "cpu") != 0)
        return VO_WEIGHTS_AS_STORED;  /* a device's weights are in its memory already */
    bool all;
    uint64_t bytes = qwen3_matrix_bytes(&e->lm, VO_BF16, &all), mem = vo_mem_available();
    if (!all || bytes == 0)
        return VO_WEIGHTS_AS_STORED;  /* f32 or mixed: no copy gives the same values */
    if (!vo_engine_copy_weights(bytes, mem)) {
        vo_info(ctx, "the language model's weights stay mapped from the file: a copy of %.1f "
                "GiB would leave less than %.0f GiB of the %.1f GiB of memory available "
                "(--weights bf16 copies them anyway)", (double)bytes / (1 << 30),
                (double)VO_ENGINE_COPY_SPARE / (1 << 30), (double)mem / (1 << 30));
        return VO_WEIGHTS_AS_STORED;
    }
    return VO_WEIGHTS_BF16;
}

/* opts.weights: the LM's matrices and head converted once, here */
static vo_status set_weights(vo_ctx *ctx, vo_engine *e)
{
    if (e->opts.weights == VO_WEIGHTS_AUTO)
        e->opts.weights = auto_weights(ctx, e);
    if (e->opts.weights == VO_WEIGHTS_AS_STORED)
        return VO_OK;
    if (e->opts.weights != VO_WEIGHTS_Q8 && e->opts.weights != VO_WEIGHTS_Q4 &&
        e->opts.weights != VO_WEIGHTS_BF16)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "weight type %d is not 0 (auto), 1 (q8), "
                       "2 (q4), 3 (bf16) or 4 (as stored)", e->opts.weights);
    vo_type t = e->opts.weights == VO_WEIGHTS_Q8 ? VO_Q8
                : e->opts.weights == VO_WEIGHTS_Q4 ? VO_Q4 : VO_BF16;
    /* q8 and q4 blocks are dequantized by the CPU's and OpenCL's matmuls;
     * bf16 copies the mapped values into the backend's own memory, where
     * OpenCL's weights are from the load already */
    if (!vo_backend_supports(e->be, VO_OP_MATMUL, t))
        return vo_fail(ctx, VO_ERR_UNSUPPORTED, "the %s backend multiplies no %s weights: "
                       "use --device cpu, or --weights as-stored", vo_backend_name(e->be),
                       vo_type_name(t));
    if (t == VO_BF16 && strcmp(vo_backend_name(e->be), "cpu") != 0)
        return VO_OK;
    if (t == VO_BF16) {
        bool all;
        vo_info(ctx, "copying the language model's weights (%.2f GiB of bf16) into memory "
                "(--weights as-stored uses them from the mapped file)",
                (double)qwen3_matrix_bytes(&e->lm, VO_BF16, &all) / (1 << 30));
    } else
        vo_info(ctx, "converting the language model's weights to %s", vo_type_name(t));
    int threads = e->opts.threads > 0 ? e->opts.threads : vo_cpu_count();
    return qwen3_convert_weights(ctx, e->be, e->w, &e->lm, t, threads);
}

/* opts.matmul: the CPU's products of bf16 weights with bf16 activations */
static vo_status set_matmul(vo_ctx *ctx, vo_engine *e)
{
    if (e->opts.matmul == VO_MATMUL_EXACT)
        return VO_OK;
    if (e->opts.matmul != VO_MATMUL_BF16)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "matmul mode %d is not 0 (exact) or 1 (bf16)",
                       e->opts.matmul);
    if (strcmp(vo_backend_name(e->be), "cpu") != 0) {
        vo_warn(ctx, "bf16 activations (--matmul bf16) are a CPU setting: the %s backend "
                "multiplies as it does", vo_backend_name(e->be));
        return VO_OK;
    }
    vo_status st = vo_cpu_round_activations(ctx, e->be, true);
    if (st == VO_ERR_UNSUPPORTED) {
        vo_warn(ctx, "bf16 activations (--matmul bf16) are off: %s; the products stay exact",
                vo_last_error(ctx));
        vo_clear_error(ctx);
        return VO_OK;
    }
    if (st == VO_OK)
        vo_info(ctx, "the image tiles and the prompt are multiplied with bf16 activations "
                "(vdpbf16ps)");
    return st;
}

/* Drafted decoding where it is exact: the CPU backend computes each row of a
 * step alone, so a drafted pass gives the tokens of plain steps; and where
 * the tokenizer splits the OCR grammar into single tokens. */
static vo_status set_draft(vo_ctx *ctx, vo_engine *e)
{
    e->draft = false;
    if (e->opts.no_draft)
        return VO_OK;
    if (strcmp(vo_backend_name(e->be), "cpu") != 0) {
        vo_info(ctx, "drafted decoding is off on the %s backend (it runs on the CPU backend)",
                vo_backend_name(e->be));
        return VO_OK;
    }
    vo_ctx *quiet = vo_new_ctx();
    vo_status st = quiet ? vo_draft_ids_read(quiet, e->tok, &e->draft_ids) : VO_ERR_NOMEM;
    if (st == VO_ERR_NOMEM) { /* not a model without the grammar's tokens */
        vo_drop_ctx(quiet);
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory reading the tokens drafts are made of");
    }
    const vo_draft_ids *d = &e->draft_ids;
    int32_t hi = d->char_open;
    const int32_t all[] = {d->char_close, d->bbox_open, d->bbox_close, d->dot, d->comma, d->space};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        hi = all[i] > hi ? all[i] : hi;
    for (int i = 0; i < 10; i++)
        hi = d->digit[i] > hi ? d->digit[i] : hi;
    if (st == VO_OK && hi < e->lm.vocab)
        e->draft = true;
    else
        vo_info(ctx, "drafted decoding is off: %s",
                st ? vo_last_error(quiet) : "the grammar's tokens are outside the model's vocabulary");
    vo_drop_ctx(quiet);
    return VO_OK;
}

vo_status vo_engine_open(vo_ctx *ctx, const char *model_dir, const vo_engine_opts *opts,
                         vo_engine **out)
{
    *out = NULL;
    vo_engine *e = vo_calloc(1, sizeof *e);
    if (!e)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory for the engine");
    if (opts)
        e->opts = *opts;
    vo_status st;
    if ((st = engine_flight_init(ctx, e)) ||
        (st = vo_load_config(ctx, model_dir, &e->cfg)) ||
        (st = vo_open_weights(ctx, model_dir, &e->w)) ||
        (st = vo_load_tokenizer(ctx, model_dir, &e->tok)) ||
        (st = vo_load_chat_template(ctx, model_dir, &e->tmpl)) ||
        (st = open_backend(ctx, e)) ||
        (st = siglip_load(ctx, e->be, &e->cfg, e->w, &e->vis)) ||
        (st = projector_load(ctx, e->be, &e->cfg, e->w, &e->proj)) ||
        (st = qwen3_load(ctx, e->be, &e->cfg, e->w, &e->lm)) ||
        (st = set_weights(ctx, e)) ||
        (st = set_matmul(ctx, e)) ||
        (st = set_kv_type(ctx, e)) ||
        (st = set_draft(ctx, e))) {
        vo_engine_close(e);
        return vo_fail_where(ctx, "%s: ", model_dir);
    }
    /* §10: the folder's eos ids plus <|im_end|> and <|endoftext|> */
    for (int i = 0; i < e->cfg.n_eos; i++)
        add_stop(e, e->cfg.eos_token_ids[i]);
    add_stop(e, vo_tokenizer_token_id(e->tok, "<|im_end|>"));
    add_stop(e, vo_tokenizer_token_id(e->tok, "<|endoftext|>"));
    *out = e;
    return VO_OK;
}

void vo_engine_close(vo_engine *e)
{
    if (!e)
        return;
    engine_flight_free(e);
    if (e->be) {
        siglip_free(e->be, &e->vis);
        projector_free(e->be, &e->proj);
        qwen3_free(e->be, &e->lm);
        vo_backend_drop(e->be);
    }
    vo_drop_chat_template(e->tmpl);
    vo_drop_tokenizer(e->tok);
    vo_drop_weights(e->w);
    vo_free(e);
}

/* vision tower + projector over all tiles, TILES_PER_PASS at a time:
 * pixels [n_tiles, C, S, S] (host) → feats [Dt, P, n_tiles]. The pixels go
 * up in one write first: on a queue, a write waits for the ops before it,
 * so writing each pass's tiles would hold the caller until the previous
 * pass had run (a side stream's work would not overlap anything). */
void engine_image_features(vo_engine *e, const float *pixels, int n_tiles, vo_tensor *feats)
{
    vo_backend *be = e->be;
    int S = e->cfg.vision_image_size, C = e->cfg.vision_num_channels;
    int64_t P = e->cfg.patches_per_tile, Dv = e->cfg.vision_hidden_size;
    int chunk = n_tiles < TILES_PER_PASS ? n_tiles : TILES_PER_PASS;
    vo_tensor *px = vo_tensor_new(be, VO_F32, S, S, C, n_tiles, "pixels");
    vo_tensor *vs = vo_tensor_new(be, VO_F32, Dv, P, chunk, 1, "vision.out");
    if (px)
        vo_tensor_set(be, px, pixels, sizeof(float) * (size_t)C * S * S * n_tiles);
    for (int t0 = 0; px && vs && t0 < n_tiles; t0 += chunk) {
        int n = n_tiles - t0 < chunk ? n_tiles - t0 : chunk;
        vo_tensor pv = vo_view(px, S, S, C, n, 0, 0, 0, (size_t)t0 * px->nb[3]);
        vo_tensor ov = vo_view(vs, Dv, P, n, 1, 0, 0, 0, 0);
        vo_tensor fv = vo_view(feats, feats->ne[0], P, n, 1, 0, 0, 0, (size_t)t0 * feats->nb[2]);
        siglip_forward(be, &e->vis, &pv, &ov);       /* §4 */
        projector_forward(be, &e->proj, &ov, &fv);    /* §5 */
    }
    vo_tensor_free(be, px);
    vo_tensor_free(be, vs);
}

int engine_on_token(void *user, int seq, int32_t id, float logprob)
{
    (void)seq;
    piece_sink *ps = user;
    /* every decode step passes here: a cancel ends the page at once */
    if ((ps->st = engine_check_cancel(ps->ctx, ps->e, "during decoding")) != VO_OK)
        return 1;
    vo_buf_reset(&ps->piece);
    if ((ps->st = vo_token_stream_push(ps->ctx, ps->stream, id, &ps->piece)) != VO_OK)
        return 1;
    if (ps->piece.len == 0)
        return 0;
    vo_engine_page *pg = ps->page;
    if (vo_grow((void **)&pg->pieces, &ps->cap_pieces, pg->n_pieces + 1, sizeof *pg->pieces) ||
        vo_buf_append(ps->out, ps->piece.data, ps->piece.len) != VO_OK) {
        ps->st = vo_fail(ps->ctx, VO_ERR_NOMEM, "out of memory for the page's text");
        return 1;
    }
    pg->pieces[pg->n_pieces++] = (vo_token_lp){ps->out->len - ps->piece.len, logprob};
    return ps->cb ? ps->cb(ps->piece.data, ps->piece.len, logprob, ps->user) : 0;
}

void engine_prep_free(vo_engine *e, page_prep *pp)
{
    vo_free(pp->ids);
    vo_tensor_free(e->be, pp->packed);
    vo_drop_token_stream(pp->ps.stream);
    vo_buf_free(&pp->ps.piece);
    memset(pp, 0, sizeof *pp);
}

vo_pixel_norm engine_pixel_norm(const vo_config *cfg, uint8_t fill[3])
{
    vo_pixel_norm norm = {cfg->rescale_factor, {0}, {0}};
    for (int c = 0; c < 3; c++) {
        norm.mean[c] = (float)cfg->image_mean[c];
        norm.std[c] = (float)cfg->image_std[c];
        if (fill)
            fill[c] = (uint8_t)(int)(cfg->image_mean[c] * 255.0);
    }
    return norm;
}

int vo_engine_default_batch(int layers, int kv_heads, int head_dim, int kv_type,
                            uint64_t mem_bytes, uint64_t *page_bytes)
{
    /* bytes of one head row of K or V: VO_Q8ROW keeps int8 and an f32 scale */
    uint64_t row = kv_type == VO_KV_BF16 || kv_type == VO_KV_F16 ? 2 * (uint64_t)head_dim
                   : kv_type == VO_KV_Q8                         ? (uint64_t)head_dim + 4
                                                                 : 4 * (uint64_t)head_dim;
    uint64_t per_token = 2 * row * (uint64_t)(layers > 0 ? layers : 1) *
                         (uint64_t)(kv_heads > 0 ? kv_heads : 1);
    *page_bytes = per_token * VO_ENGINE_PAGE_TOKENS;
    if (mem_bytes == 0)
        return 0;
    uint64_t n = mem_bytes / 2 / *page_bytes;
    return n < 1 ? 1 : n > VO_ENGINE_BATCH_MAX ? VO_ENGINE_BATCH_MAX : (int)n;
}

vo_status engine_page_prepare(vo_ctx *ctx, vo_engine *e, const uint8_t *rgb, int w, int h,
                              int stride, bool wait, page_prep *pp)
{
    vo_status st = VO_OK;
    double t0 = vo_monotonic_seconds();
    uint8_t *big = NULL;
    float *pixels = NULL;
    vo_buf prompt = VO_BUF_INIT;
    vo_tensor *feats = NULL;
    /* §3.0 pre-upscale to the largest pinpoint side (2304 on the real model) */
    int target = 0;
    for (int i = 0; i < e->cfg.n_pinpoints; i++) {
        int s = e->cfg.pinpoints[i][0] > e->cfg.pinpoints[i][1] ? e->cfg.pinpoints[i][0]
                                                               : e->cfg.pinpoints[i][1];
        target = s > target ? s : target;
    }
    /* the 2.0 OCR card's practice; the first generation (Qwen2) does not
     * upscale (its card and the tiny-varco-v1 goldens) */
    if (!e->opts.no_upscale && strcmp(e->cfg.text_model_type, "qwen2") != 0) {
        int bw, bh;
        if ((st = vo_ocr_upscale(ctx, rgb, w, h, stride, target, &big, &bw, &bh)) != VO_OK)
            goto fail;
        rgb = big;
        w = bw;
        h = bh;
        stride = bw * 3;
    }
    /* §3 preprocess */
    vo_image_geom g;
    if ((st = vo_image_geom_compute(ctx, &e->cfg, h, w, &g)) != VO_OK)
        goto fail;
    int S = e->cfg.vision_image_size, C = e->cfg.vision_num_channels;
    vo_pixel_norm norm = engine_pixel_norm(&e->cfg, NULL);
    pixels = vo_malloc(sizeof(float) * (size_t)g.n_tiles * C * S * S);
    if (!pixels) {
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory for %d image tiles", g.n_tiles);
        goto fail;
    }
    if ((st = vo_preprocess_anyres(ctx, &g, S, rgb, stride, &norm, pixels, NULL, NULL)) != VO_OK)
        goto fail;
    /* §4-§6 features and packing */
    double t1 = vo_monotonic_seconds();
    pp->preprocess_s = t1 - t0;
    feats = vo_tensor_new(e->be, VO_F32, e->lm.dim, e->cfg.patches_per_tile, g.n_tiles, 1, "features");
    pp->packed = vo_tensor_new(e->be, VO_F32, e->lm.dim, g.num_image_tokens, 1, 1, "packed");
    if (feats && pp->packed) {
        engine_image_features(e, pixels, g.n_tiles, feats);
        pack_anyres(e->be, &g, e->cfg.patches_per_side, feats, e->proj.newline, pp->packed);
    }
    if ((st = wait ? vo_backend_sync(e->be, ctx) : vo_backend_status(e->be, ctx)) != VO_OK)
        goto fail;
    pp->vision_s = wait ? vo_monotonic_seconds() - t1 : 0;
    /* §7 prompt with N image ids */
    size_t n_img = (size_t)g.num_image_tokens;
    if ((st = vo_prompt_render_ocr(ctx, e->tmpl, &prompt)) ||
        (st = vo_prompt_encode(ctx, e->tok, prompt.data, prompt.len, e->cfg.image_token_index,
                               &n_img, 1, &pp->ids, &pp->n_ids)))
        goto fail;
    int max_new = vo_engine_token_budget(e->opts.max_tokens, e->cfg.max_position_embeddings,
                                         (int64_t)pp->n_ids);
    if (max_new < 1) {
        st = vo_fail(ctx, VO_ERR_LIMIT, "the prompt (%zu tokens) fills the context", pp->n_ids);
        goto fail;
    }
    pp->max_new = max_new;
    st = vo_new_token_stream(ctx, e->tok, &pp->ps.stream);
fail:
    vo_buf_free(&prompt);
    vo_free(pixels);
    vo_free(big);
    vo_tensor_free(e->be, feats);
    return st;
}

int vo_engine_token_budget(int max_tokens, int64_t context, int64_t n_prompt)
{
    /* a dense page needs tens of thousands of tokens (23-27 per character with
     * its box): by default all the context that the prompt leaves is the page's */
    int64_t budget = max_tokens > 0 ? max_tokens : context > 0 ? context : 8192;
    if (context > 0 && n_prompt + budget > context)
        budget = context - n_prompt;
    return budget < 0 ? 0 : budget > INT32_MAX ? INT32_MAX : (int)budget;
}

void engine_page_request(vo_ctx *ctx, const vo_engine *e, vo_engine_page *pg, page_prep *pp,
                         vo_gen_request *req)
{
    pp->ps = (piece_sink){ctx, pp->ps.stream, VO_BUF_INIT, pg->out_text, pg->cb, pg->user, VO_OK,
                          e, pg, 0};
    pg->pieces = NULL;
    pg->n_pieces = 0;
    memset(req, 0, sizeof *req);
    req->ids = pp->ids;
    req->n_ids = (int64_t)pp->n_ids;
    req->image_features = pp->packed;
    req->max_new = pp->max_new;
    req->cb = engine_on_token;
    req->user = &pp->ps;
}

vo_status engine_page_finish(vo_ctx *ctx, page_prep *pp, const vo_gen_request *req,
                             vo_engine_page *pg)
{
    piece_sink *ps = &pp->ps;
    vo_status st = ps->st;
    if (st != VO_OK)
        return st;
    vo_buf_reset(&ps->piece);
    st = vo_token_stream_flush(ctx, ps->stream, &ps->piece);
    if (st == VO_OK && ps->piece.len && vo_buf_append(ps->out, ps->piece.data, ps->piece.len))
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory for the page's text");
    pg->n_tokens = req->n_out;
    pg->hit_stop = req->hit_stop;
    pg->cut = !req->hit_stop && req->n_out >= req->max_new;
    if (st == VO_OK && !req->hit_stop)
        vo_info(ctx, "OCR stopped at %d tokens without an end token", req->n_out);
    return st;
}

vo_status vo_engine_ocr_batch(vo_ctx *ctx, vo_engine *e, vo_engine_page *pages, int n)
{
    if (n < 1)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "an OCR batch needs at least one page");
    vo_status st = VO_OK;
    for (int i = 0; i < n; i++) {
        pages[i].pieces = NULL;
        pages[i].n_pieces = 0;
    }
    page_prep *pp = vo_calloc((size_t)n, sizeof *pp);
    vo_gen_request *req = vo_calloc((size_t)n, sizeof *req);
    if (!pp || !req) {
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory for a batch of %d pages", n);
        goto fail;
    }
    for (int i = 0; i < n; i++) {
        vo_engine_page *pg = &pages[i];
        if ((st = engine_check_cancel(ctx, e, "before the vision tower")) != VO_OK)
            goto fail;
        if ((st = engine_page_prepare(ctx, e, pg->rgb, pg->w, pg->h, pg->stride, true, &pp[i])) != VO_OK) {
            if (n > 1)
                vo_fail_where(ctx, "page %d of the batch: ", i + 1);
            goto fail;
        }
        engine_page_request(ctx, e, pg, &pp[i], &req[i]);
    }
    /* §8-§10 one prefill over all prompts, then greedy steps over every page
     * still running */
    if ((st = engine_check_cancel(ctx, e, "before the prefill")) != VO_OK)
        goto fail;
    st = vo_generate(ctx, e->be, &e->lm, e->cfg.image_token_index, e->stop, e->n_stop, req, n);
    for (int i = 0; i < n && st == VO_OK; i++)
        st = engine_page_finish(ctx, &pp[i], &req[i], &pages[i]);
fail:
    for (int i = 0; req && pp && i < n; i++) {
        vo_free(req[i].out_ids);
        vo_free(req[i].out_logprobs);
        engine_prep_free(e, &pp[i]);
    }
    vo_free(req);
    vo_free(pp);
    vo_backend_clear_error(e->be);
    return st;
}

vo_status vo_engine_ocr(vo_ctx *ctx, vo_engine *e, const uint8_t *rgb, int w, int h,
                        int stride, vo_piece_fn *cb, void *user, vo_buf *out_text)
{
    vo_engine_page pg = {.rgb = rgb, .w = w, .h = h, .stride = stride, .cb = cb, .user = user,
                         .out_text = out_text};
    vo_status st = vo_engine_ocr_batch(ctx, e, &pg, 1);
    vo_free(pg.pieces);
    return st;
}
