/* bands.c: the items of a page recognised in bands, put back on the page
 * once each; and the loop check of an output (bands.h). */
#include "src/ocr/bands.h"
#include "src/util/alloc.h"

#include <math.h>
#include <string.h>

int vo_band_split(vo_band whole, int overlap, vo_band out[2])
{
    int h = whole.y1 - whole.y0;
    if (overlap < 0 || h < 2 * overlap || h < 2)
        return 0;
    int mid = whole.y0 + h / 2;
    out[0] = (vo_band){whole.y0, mid + overlap / 2};
    out[1] = (vo_band){mid - (overlap - overlap / 2), whole.y1};
    return 1;
}

static vo_status put_token(vo_ctx *ctx, vo_token_lp **tokens, size_t *n, size_t *cap,
                           size_t offset, float logprob)
{
    if (vo_grow((void **)tokens, cap, *n + 1, sizeof **tokens))
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory merging bands");
    (*tokens)[(*n)++] = (vo_token_lp){offset, logprob};
    return VO_OK;
}

/* one item at page coordinates, its confidence kept as its text's log-prob */
static vo_status put_item(vo_ctx *ctx, const vo_span *s, vo_box b, vo_buf *out,
                          vo_token_lp **tokens, size_t *n, size_t *cap)
{
    vo_status st;
    size_t at = out->len;
    if ((st = put_token(ctx, tokens, n, cap, at, VO_LOGPROB_NONE)) ||
        (st = vo_buf_puts(out, "<char>")))
        return st;
    float lp = s->conf >= 0 ? logf(s->conf > 1e-30f ? s->conf : 1e-30f) : VO_LOGPROB_NONE;
    if ((st = put_token(ctx, tokens, n, cap, out->len, lp)) || (st = vo_buf_puts(out, s->text)) ||
        (st = put_token(ctx, tokens, n, cap, out->len, VO_LOGPROB_NONE)))
        return st;
    return vo_buf_printf(out, "</char><bbox>%.4f, %.4f, %.4f, %.4f</bbox>", (double)b.x0,
                         (double)b.y0, (double)b.x1, (double)b.y1);
}

vo_status vo_bands_merge(vo_ctx *ctx, const vo_band *bands, const char *const *texts,
                         const size_t *lens, const vo_token_lp *const *band_tokens,
                         const size_t *band_n_tokens, int n, int page_w, int page_h,
                         vo_buf *out, vo_token_lp **tokens, size_t *n_tokens, size_t *n_items,
                         size_t *n_dups)
{
    (void)page_w;
    size_t cap = *n_tokens;
    *n_items = *n_dups = 0;
    if (page_h < 1)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "bands of a page of %d rows", page_h);
    for (int i = 0; i < n; i++) {
        const vo_band *b = &bands[i];
        int bh = b->y1 - b->y0;
        if (bh < 1 || (i > 0 && bands[i - 1].y0 > b->y0))
            return vo_fail(ctx, VO_ERR_ARGUMENT, "band %d (rows %d-%d) is empty or out of order",
                           i + 1, b->y0, b->y1);
        /* the rows this band owns: shared rows split at their middle */
        double lo = i == 0 ? -INFINITY : 0.5 * (bands[i - 1].y1 + b->y0);
        double hi = i == n - 1 ? INFINITY : 0.5 * (b->y1 + bands[i + 1].y0);
        vo_ground *g = NULL;
        vo_status st = vo_ground_parse(ctx, NULL, texts[i], lens[i],
                                       band_tokens ? band_tokens[i] : NULL,
                                       band_n_tokens ? band_n_tokens[i] : 0, &g);
        if (st)
            return st;
        size_t ns = 0;
        const vo_span *spans = vo_ground_spans(g, &ns);
        for (size_t k = 0; k < ns && st == VO_OK; k++) {
            const vo_span *s = &spans[k];
            double cy = b->y0 + 0.5 * (s->box.y0 + s->box.y1) * bh;
            if (cy < lo || cy >= hi) {
                (*n_dups)++;
                continue;
            }
            vo_box pb = {s->box.x0, (float)((b->y0 + s->box.y0 * bh) / page_h), s->box.x1,
                         (float)((b->y0 + s->box.y1 * bh) / page_h)};
            st = put_item(ctx, s, pb, out, tokens, n_tokens, &cap);
            (*n_items)++;
        }
        vo_drop_ground(g);
        if (st)
            return st;
    }
    return VO_OK;
}

static int same_span(const vo_span *a, const vo_span *b)
{
    return fabsf(a->box.x0 - b->box.x0) < 1e-3f && fabsf(a->box.y0 - b->box.y0) < 1e-3f &&
           fabsf(a->box.x1 - b->box.x1) < 1e-3f && fabsf(a->box.y1 - b->box.y1) < 1e-3f &&
           !strcmp(a->text, b->text);
}

int vo_spans_loop(const vo_span *spans, size_t n)
{
    if (n < VO_LOOP_RUN + 1)
        return 0;
    for (size_t k = n - VO_LOOP_RUN; k < n; k++) {
        size_t from = k > VO_LOOP_WINDOW ? k - VO_LOOP_WINDOW : 0;
        int seen = 0;
        for (size_t j = from; j < k && !seen; j++)
            seen = same_span(&spans[j], &spans[k]);
        if (!seen)
            return 0;
    }
    return 1;
}
