/* engine.c: one page image to OCR text: the stages of src/vlm glued
 * together with the model folder's config, tokenizer and template (§12). */
#include "src/vlm/engine.h"
#include "src/backend/cpu/cpu.h"
#include "src/model/config.h"
#include "src/model/image_geom.h"
#include "src/model/prompt.h"
#include "src/model/safetensors.h"
#include "src/model/tokenizer.h"
#include "src/util/alloc.h"
#include "src/vlm/generate.h"
#include "src/vlm/pack.h"
#include "src/vlm/preprocess.h"
#include "src/vlm/projector.h"
#include "src/vlm/qwen3.h"
#include "src/vlm/resize.h"
#include "src/vlm/siglip.h"

#include <string.h>

#define TILES_PER_PASS 8      /* vision tiles per forward: bounds activation memory */
#define MAX_STOP 20

struct vo_engine {
    vo_engine_opts opts;
    vo_config cfg;
    vo_weights *w;
    vo_tokenizer *tok;
    vo_chat_template *tmpl;
    vo_backend *be;
    siglip_model vis;
    projector_model proj;
    qwen3_model lm;
    int32_t stop[MAX_STOP];
    int n_stop;
};

static void add_stop(vo_engine *e, int32_t id)
{
    if (id < 0 || e->n_stop >= MAX_STOP)
        return;
    for (int i = 0; i < e->n_stop; i++)
        if (e->stop[i] == id)
            return;
    e->stop[e->n_stop++] = id;
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
    if ((st = vo_load_config(ctx, model_dir, &e->cfg)) ||
        (st = vo_open_weights(ctx, model_dir, &e->w)) ||
        (st = vo_load_tokenizer(ctx, model_dir, &e->tok)) ||
        (st = vo_load_chat_template(ctx, model_dir, &e->tmpl)) ||
        (st = vo_new_cpu_backend(ctx, e->opts.threads, &e->be)) ||
        (st = siglip_load(ctx, e->be, &e->cfg, e->w, &e->vis)) ||
        (st = projector_load(ctx, e->be, &e->cfg, e->w, &e->proj)) ||
        (st = qwen3_load(ctx, e->be, &e->cfg, e->w, &e->lm))) {
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
 * pixels [n_tiles, C, S, S] (host) → feats [Dt, P, n_tiles] */
static void image_features(vo_engine *e, const float *pixels, int n_tiles, vo_tensor *feats)
{
    vo_backend *be = e->be;
    int S = e->cfg.vision_image_size, C = e->cfg.vision_num_channels;
    int64_t P = e->cfg.patches_per_tile, Dv = e->cfg.vision_hidden_size;
    int chunk = n_tiles < TILES_PER_PASS ? n_tiles : TILES_PER_PASS;
    vo_tensor *px = vo_tensor_new(be, VO_F32, S, S, C, chunk, "pixels");
    vo_tensor *vs = vo_tensor_new(be, VO_F32, Dv, P, chunk, 1, "vision.out");
    for (int t0 = 0; px && vs && t0 < n_tiles; t0 += chunk) {
        int n = n_tiles - t0 < chunk ? n_tiles - t0 : chunk;
        vo_tensor pv = vo_view(px, S, S, C, n, 0, 0, 0, 0);
        vo_tensor ov = vo_view(vs, Dv, P, n, 1, 0, 0, 0, 0);
        vo_tensor fv = vo_view(feats, feats->ne[0], P, n, 1, 0, 0, 0, (size_t)t0 * feats->nb[2]);
        vo_tensor_set(be, &pv, pixels + (size_t)t0 * C * S * S, sizeof(float) * (size_t)C * S * S * n);
        siglip_forward(be, &e->vis, &pv, &ov);       /* §4 */
        projector_forward(be, &e->proj, &ov, &fv);    /* §5 */
    }
    vo_tensor_free(be, px);
    vo_tensor_free(be, vs);
}

typedef struct {
    vo_ctx *ctx;
    vo_token_stream *stream;
    vo_buf piece;
    vo_buf *out;
    vo_piece_fn *cb;
    void *user;
    vo_status st;
} piece_sink;

static int on_token(void *user, int seq, int32_t id, float logprob)
{
    (void)seq;
    piece_sink *ps = user;
    vo_buf_reset(&ps->piece);
    if ((ps->st = vo_token_stream_push(ps->ctx, ps->stream, id, &ps->piece)) != VO_OK)
        return 1;
    if (ps->piece.len == 0)
        return 0;
    if ((ps->st = vo_buf_append(ps->out, ps->piece.data, ps->piece.len)) != VO_OK)
        return 1;
    return ps->cb ? ps->cb(ps->piece.data, ps->piece.len, logprob, ps->user) : 0;
}

vo_status vo_engine_ocr(vo_ctx *ctx, vo_engine *e, const uint8_t *rgb, int w, int h,
                        int stride, vo_piece_fn *cb, void *user, vo_buf *out_text)
{
    vo_status st = VO_OK;
    uint8_t *big = NULL;
    float *pixels = NULL;
    int32_t *ids = NULL;
    size_t n_ids = 0;
    vo_buf prompt = VO_BUF_INIT;
    vo_tensor *feats = NULL, *packed = NULL;
    piece_sink ps = {ctx, NULL, VO_BUF_INIT, out_text, cb, user, VO_OK};
    vo_gen_request req;
    memset(&req, 0, sizeof req);
    /* §3.0 pre-upscale to the largest pinpoint side (2304 on the real model) */
    int target = 0;
    for (int i = 0; i < e->cfg.n_pinpoints; i++) {
        int s = e->cfg.pinpoints[i][0] > e->cfg.pinpoints[i][1] ? e->cfg.pinpoints[i][0]
                                                               : e->cfg.pinpoints[i][1];
        target = s > target ? s : target;
    }
    if (!e->opts.no_upscale) {
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
    vo_pixel_norm norm = {e->cfg.rescale_factor, {0}, {0}};
    for (int c = 0; c < 3; c++) {
        norm.mean[c] = (float)e->cfg.image_mean[c];
        norm.std[c] = (float)e->cfg.image_std[c];
    }
    pixels = vo_malloc(sizeof(float) * (size_t)g.n_tiles * C * S * S);
    if (!pixels) {
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory for %d image tiles", g.n_tiles);
        goto fail;
    }
    if ((st = vo_preprocess_anyres(ctx, &g, S, rgb, stride, &norm, pixels, NULL, NULL)) != VO_OK)
        goto fail;
    /* §4-§6 features and packing */
    feats = vo_tensor_new(e->be, VO_F32, e->lm.dim, e->cfg.patches_per_tile, g.n_tiles, 1, "features");
    packed = vo_tensor_new(e->be, VO_F32, e->lm.dim, g.num_image_tokens, 1, 1, "packed");
    if (feats && packed) {
        image_features(e, pixels, g.n_tiles, feats);
        pack_anyres(e->be, &g, e->cfg.patches_per_side, feats, e->proj.newline, packed);
    }
    if ((st = vo_backend_sync(e->be, ctx)) != VO_OK)
        goto fail;
    vo_tensor_free(e->be, feats);
    feats = NULL;
    /* §7 prompt with N image ids */
    size_t n_img = (size_t)g.num_image_tokens;
    if ((st = vo_prompt_render_ocr(ctx, e->tmpl, &prompt)) ||
        (st = vo_prompt_encode(ctx, e->tok, prompt.data, prompt.len, e->cfg.image_token_index,
                               &n_img, 1, &ids, &n_ids)))
        goto fail;
    /* §8-§10 prefill and greedy decoding */
    int max_new = e->opts.max_tokens > 0 ? e->opts.max_tokens : 8192;
    if (e->cfg.max_position_embeddings > 0 && (int64_t)n_ids + max_new > e->cfg.max_position_embeddings)
        max_new = e->cfg.max_position_embeddings - (int)n_ids;
    if (max_new < 1) {
        st = vo_fail(ctx, VO_ERR_LIMIT, "the prompt (%zu tokens) fills the context", n_ids);
        goto fail;
    }
    if ((st = vo_new_token_stream(ctx, e->tok, &ps.stream)) != VO_OK)
        goto fail;
    req.ids = ids;
    req.n_ids = (int64_t)n_ids;
    req.image_features = packed;
    req.max_new = max_new;
    req.cb = on_token;
    req.user = &ps;
    st = vo_generate(ctx, e->be, &e->lm, e->cfg.image_token_index, e->stop, e->n_stop, &req, 1);
    if (st == VO_OK && ps.st != VO_OK)
        st = ps.st;
    if (st == VO_OK) {
        vo_buf_reset(&ps.piece);
        st = vo_token_stream_flush(ctx, ps.stream, &ps.piece);
        if (st == VO_OK && ps.piece.len)
            st = vo_buf_append(out_text, ps.piece.data, ps.piece.len);
    }
    if (st == VO_OK && !req.hit_stop)
        vo_info(ctx, "OCR stopped at %d tokens without an end token", req.n_out);
fail:
    vo_free(req.out_ids);
    vo_free(req.out_logprobs);
    vo_drop_token_stream(ps.stream);
    vo_buf_free(&ps.piece);
    vo_buf_free(&prompt);
    vo_free(ids);
    vo_free(pixels);
    vo_free(big);
    vo_tensor_free(e->be, feats);
    vo_tensor_free(e->be, packed);
    vo_backend_clear_error(e->be);
    return st;
}
