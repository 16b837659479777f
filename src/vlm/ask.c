/* ask.c: a question about several images (MODEL.md §3.8, §7): each image
 * prepared by the prompt's rule (square single tiles, or anyres), their
 * features packed in prompt order, the chat template's user turn, then the
 * same greedy generation as OCR. */

#include "config.h"
#include "src/model/image_geom.h"
#include "src/util/alloc.h"
#include "src/vlm/engine_impl.h"
#include "src/vlm/pack.h"
#include "src/vlm/preprocess.h"
#include <string.h>

/* §3-§7 for an ask prompt: pixels of every image, features, packing,
 * prompt ids with each image's tokens; the token stream of the answer. */
static vo_status ask_prepare(vo_ctx *ctx, vo_engine *e, vo_engine_question *a, page_prep *pp)
{
    const vo_config *cfg = &e->cfg;
    int n = a->n_images, S = cfg->vision_image_size, C = cfg->vision_num_channels;
    int P = cfg->patches_per_tile;
    int square = n > 1 && a->rule == VO_IMAGES_NESTED;
    vo_image_geom g[VO_ASK_MAX_IMAGES];
    int tiles[VO_ASK_MAX_IMAGES], total_tiles = 0;
    size_t n_img[VO_ASK_MAX_IMAGES];
    int64_t N = 0;
    vo_status st = VO_OK;
    for (int k = 0; k < n; k++) {
        const vo_engine_image *im = &a->images[k];
        if (!im->rgb || im->w < 1 || im->h < 1 || im->stride < 3 * im->w)
            return vo_fail(ctx, VO_ERR_ARGUMENT, "image %d: %dx%d with stride %d is not an RGB "
                           "image", k + 1, im->w, im->h, im->stride);
        if (square) {
            tiles[k] = 1;
            a->image_tokens[k] = P + 1;
        } else {
            if ((st = vo_image_geom_compute(ctx, cfg, im->h, im->w, &g[k])) != VO_OK)
                return vo_fail_where(ctx, "image %d: ", k + 1);
            tiles[k] = g[k].n_tiles;
            a->image_tokens[k] = g[k].num_image_tokens;
        }
        n_img[k] = (size_t)a->image_tokens[k];
        total_tiles += tiles[k];
        N += a->image_tokens[k];
    }
    uint8_t fill[3];
    vo_pixel_norm norm = engine_pixel_norm(cfg, fill);
    size_t tile_floats = (size_t)C * S * S;
    float *pixels = n ? vo_malloc(sizeof(float) * tile_floats * (size_t)total_tiles) : NULL;
    vo_tensor *feats = NULL;
    vo_buf prompt = VO_BUF_INIT;
    if (n && !pixels) {
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory for %d image tiles", total_tiles);
        goto done;
    }
    for (int k = 0, t = 0; k < n && !st; t += tiles[k], k++) {
        const vo_engine_image *im = &a->images[k];
        float *px = pixels + tile_floats * (size_t)t;
        if (square) {
            int side = im->w > im->h ? im->w : im->h;
            uint8_t *sq = vo_malloc((size_t)side * side * 3);
            st = sq ? vo_preprocess_square(ctx, im->rgb, im->w, im->h, im->stride, S, fill, &norm,
                                           px, sq)
                    : vo_fail(ctx, VO_ERR_NOMEM, "out of memory for image %d", k + 1);
            vo_free(sq);
        } else {
            st = vo_preprocess_anyres(ctx, &g[k], S, im->rgb, im->stride, &norm, px, NULL, NULL);
        }
    }
    if (st)
        goto done;
    if (n) { /* §4-§6 */
        feats = vo_tensor_new(e->be, VO_F32, e->lm.dim, P, total_tiles, 1, "features");
        pp->packed = vo_tensor_new(e->be, VO_F32, e->lm.dim, N, 1, 1, "packed");
        if (feats && pp->packed) {
            engine_image_features(e, pixels, total_tiles, feats);
            int64_t tile = 0, tok = 0;
            for (int k = 0; k < n; k++) {
                vo_tensor fv = vo_view(feats, e->lm.dim, P, tiles[k], 1, 0, 0, 0,
                                       (size_t)tile * feats->nb[2]);
                vo_tensor ov = vo_view(pp->packed, e->lm.dim, a->image_tokens[k], 1, 1, 0, 0, 0,
                                       (size_t)tok * pp->packed->nb[1]);
                if (square)
                    pack_single_tile(e->be, &fv, e->proj.newline, &ov);
                else
                    pack_anyres(e->be, &g[k], cfg->patches_per_side, &fv, e->proj.newline, &ov);
                tile += tiles[k];
                tok += a->image_tokens[k];
            }
        }
        if ((st = vo_backend_sync(e->be, ctx)) != VO_OK)
            goto done;
    }
    /* §7 the user's turn */
    if ((st = vo_prompt_render(ctx, e->tmpl, NULL, a->text, n, &prompt)) ||
        (st = vo_prompt_encode(ctx, e->tok, prompt.data, prompt.len, cfg->image_token_index,
                               n_img, (size_t)n, &pp->ids, &pp->n_ids)))
        goto done;
    a->n_prompt = (int)pp->n_ids;
    pp->max_new = vo_engine_token_budget(e->opts.max_tokens, cfg->max_position_embeddings,
                                         (int64_t)pp->n_ids);
    if (pp->max_new < 1) {
        st = vo_fail(ctx, VO_ERR_LIMIT, "the prompt (%zu tokens, %lld of them for the images) "
                     "fills the model's context of %lld: give fewer or smaller images",
                     pp->n_ids, (long long)N, (long long)cfg->max_position_embeddings);
        goto done;
    }
    st = vo_new_token_stream(ctx, e->tok, &pp->ps.stream);
done:
    vo_buf_free(&prompt);
    vo_free(pixels);
    vo_tensor_free(e->be, feats);
    return st;
}

vo_status vo_engine_ask(vo_ctx *ctx, vo_engine *e, vo_engine_question *a)
{
    if (a->n_images < 0 || a->n_images > VO_ASK_MAX_IMAGES)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "%d images: one prompt takes at most %d",
                       a->n_images, VO_ASK_MAX_IMAGES);
    if (!a->text || !*a->text)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "no question: give the text to ask");
    if (!e->tok || !e->tmpl)
        return vo_fail(ctx, VO_ERR_MISSING, "the model folder has no tokenizer or chat "
                       "template: a question cannot be put to it");
    page_prep pp;
    vo_gen_request req;
    memset(&pp, 0, sizeof pp);
    memset(&req, 0, sizeof req);
    vo_engine_page pg = {.cb = a->cb, .user = a->user, .out_text = a->out_text};
    vo_status st = engine_check_cancel(ctx, e, "before the vision tower");
    if (!st)
        st = ask_prepare(ctx, e, a, &pp);
    if (!st) {
        engine_page_request(ctx, e, &pg, &pp, &req);
        if (!(st = engine_check_cancel(ctx, e, "before the prefill")))
            st = vo_generate(ctx, e->be, &e->lm, e->cfg.image_token_index, e->stop, e->n_stop,
                             &req, 1);
        if (!st)
            st = engine_page_finish(ctx, &pp, &req, &pg);
    }
    a->n_tokens = pg.n_tokens;
    a->hit_stop = pg.hit_stop;
    a->cut = pg.cut;
    vo_free(pg.pieces);
    vo_free(req.out_ids);
    vo_free(req.out_logprobs);
    engine_prep_free(e, &pp);
    vo_backend_clear_error(e->be);
    return st;
}

int vo_engine_has_special_token(const vo_engine *e, const char *token)
{
    int32_t id = e->tok ? vo_tokenizer_token_id(e->tok, token) : -1;
    return id >= 0 && vo_tokenizer_is_special(e->tok, id);
}
