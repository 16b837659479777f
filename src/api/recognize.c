/* recognize.c: a page image through the model, whole or in bands; the
 * tokens collected with their byte offsets and log-probs, cuts and loops
 * noted. */

#include "config.h"
#include "src/api/recognize.h"
#include "src/ocr/bands.h"
#include "src/util/alloc.h"
#include "src/util/clock.h"
#include <string.h>

vo_raw_page vo_recognize_raw_page(const char *source, int page, const vo_raster *r,
                                  const vo_buf *text, vo_token_lp *tokens, size_t n_tokens)
{
    vo_raw_page raw;
    memset(&raw, 0, sizeof raw);
    raw.source = (char *)source;
    raw.page = page;
    raw.width = r->width;
    raw.height = r->height;
    raw.dpi = r->dpi_x;
    raw.text = text->data ? text->data : (char *)"";
    raw.text_len = text->len;
    raw.tokens = tokens;
    raw.n_tokens = n_tokens;
    return raw;
}

/* What watches a pass as its pieces arrive (the engine keeps each
 * piece's offset and log-prob): progress, the deadline, loops. */
typedef struct ocr_collect {
    int n;             /* pieces so far */
    double deadline;   /* monotonic seconds, 0 = none */
    int timed_out;     /* the callback stopped the engine at the deadline */
    vo_ground *items;  /* the items so far, for the loop check */
    int looped;        /* the callback stopped a model writing the same items again */
    const vo_recognize_opts *opts;
    double since, last; /* when the pass began, when progress was last shown */
} ocr_collect;

static int collect_piece(const char *piece, size_t len, float logprob, void *user)
{
    ocr_collect *c = user;
    (void)logprob;
    c->n++;
    if (c->opts->on_tokens)
        c->opts->on_tokens(c->opts->user, c->n, c->since, &c->last);
    if (c->deadline > 0 && vo_monotonic_seconds() > c->deadline) {
        c->timed_out = 1;
        return 1; /* stop this page: it is abandoned */
    }
    if (c->items && vo_ground_feed(c->items, piece, len, VO_LOGPROB_NONE) == VO_OK) {
        size_t n = 0;
        const vo_span *spans = vo_ground_spans(c->items, &n);
        if (vo_spans_loop(spans, n)) {
            c->looped = 1;
            return 1; /* a loop: this part of the page is recognised again in bands */
        }
    }
    return 0;
}

#define BAND_DEPTH 3          /* halvings at most: 8 bands */

#define BAND_MIN_ROWS 64      /* a band is not split below this */

/* One image given to the model: rows [band.y0, band.y1) of the page. */
typedef struct band_leaf {
    vo_band band;
    vo_buf text;
    vo_token_lp *tokens;
    size_t n_tokens;
    int n_gen;            /* tokens the model generated */
    int cut, looped, timed_out;
} band_leaf;

static void band_leaf_free(band_leaf *b)
{
    vo_buf_free(&b->text);
    vo_free(b->tokens);
    b->tokens = NULL;
}

/* The model over rows b->band of the raster (a view: no copy). */
static vo_status recognise_rows(vo_ctx *ctx, vo_engine *eng, const vo_raster *r,
                                const vo_recognize_opts *o, band_leaf *b, vo_recognize_note *note)
{
    ocr_collect col = {0, o->deadline, 0, NULL, 0, o, vo_monotonic_seconds(), 0};
    vo_status st = vo_ground_new(ctx, NULL, &col.items);
    if (st)
        return st;
    if (o->on_stage)
        o->on_stage(o->user, "recognise");
    /* one of the pages in flight: the -j workers' pages share decode steps */
    vo_engine_page pg = {.rgb = r->rgb + (size_t)b->band.y0 * (size_t)r->stride,
                         .w = r->width, .h = b->band.y1 - b->band.y0, .stride = r->stride,
                         .cb = collect_piece, .user = &col, .out_text = &b->text,
                         .deadline = o->deadline};
    st = vo_engine_ocr_page(ctx, eng, &pg);
    if (st == VO_ERR_LIMIT && pg.timed_out) { /* abandoned as a late decode step is */
        vo_clear_error(ctx);
        st = VO_OK;
        col.timed_out = 1;
    }
    vo_drop_ground(col.items);
    if (!st)
        vo_info(ctx, "%s: page %d: rows %d-%d: %d tokens in %d passes over the model (%.2f a "
                "token), up to %d pages in flight", o->source, o->page, b->band.y0, b->band.y1,
                pg.n_tokens, pg.n_passes,
                pg.n_tokens > 0 ? (double)pg.n_passes / pg.n_tokens : 0.0, pg.in_flight);
    b->tokens = pg.pieces;
    b->n_tokens = pg.n_pieces;
    b->n_gen = pg.n_tokens;
    note->tokens += pg.n_tokens;
    note->passes += pg.n_passes;
    note->wait_s += pg.wait_s;
    note->preprocess_s += pg.preprocess_s;
    note->vision_s += pg.vision_s;
    note->prefill_s += pg.prefill_s;
    note->decode_s += pg.decode_s;
    b->cut = pg.cut;
    b->looped = col.looped;
    b->timed_out = col.timed_out;
    return st;
}

/* A recognised band (*b, taken over): kept as a leaf, or, while it is cut
 * or loops and may be halved (depth > 0, rows enough), recognised again as
 * two halves that share `overlap` rows, each in turn the same way. The
 * leaves go to *leaves in order, top to bottom. */
static vo_status recognise_split(vo_ctx *ctx, vo_engine *eng, const vo_raster *r,
                                 const vo_recognize_opts *o, band_leaf *b, int depth, int overlap,
                                 band_leaf **leaves, size_t *n, size_t *cap,
                                 vo_recognize_note *note)
{
    vo_band halves[2];
    vo_status st = VO_OK;
    if (!b->timed_out && (b->cut || b->looped) && depth > 0 &&
        b->band.y1 - b->band.y0 >= BAND_MIN_ROWS && vo_band_split(b->band, overlap, halves)) {
        band_leaf_free(b);
        for (int k = 0; k < 2 && !st; k++) {
            band_leaf h = {halves[k], VO_BUF_INIT, NULL, 0, 0, 0, 0, 0};
            st = recognise_rows(ctx, eng, r, o, &h, note);
            if (!st)
                st = recognise_split(ctx, eng, r, o, &h, depth - 1, overlap, leaves, n, cap,
                                     note);
            else
                band_leaf_free(&h);
        }
        return st;
    }
    if (vo_grow((void **)leaves, cap, *n + 1, sizeof **leaves)) {
        band_leaf_free(b);
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    }
    (*leaves)[(*n)++] = *b;
    *b = (band_leaf){b->band, VO_BUF_INIT, NULL, 0, 0, 0, 0, 0};
    return VO_OK;
}

/* rows shared by neighbouring bands: more than two lines high at any
 * resolution */
static int band_overlap(const vo_raster *r)
{
    return r->height / 16 > 64 ? r->height / 16 : 64;
}

/* 1 when the whole page can be halved into bands */
static int can_band(const vo_raster *r)
{
    vo_band halves[2];
    return r->height >= BAND_MIN_ROWS &&
           vo_band_split((vo_band){0, r->height}, band_overlap(r), halves);
}

/* The page in bands; its merged text and tokens into text and *tokens. */
static vo_status recognise_banded(vo_ctx *ctx, vo_engine *eng, const vo_raster *r,
                                  const vo_recognize_opts *o, band_leaf *whole, vo_buf *text,
                                  vo_token_lp **tokens, size_t *n_tokens, vo_recognize_note *note)
{
    int overlap = band_overlap(r);
    band_leaf *leaves = NULL;
    size_t n = 0, cap = 0;
    vo_status st = recognise_split(ctx, eng, r, o, whole, BAND_DEPTH, overlap, &leaves, &n, &cap,
                                   note);
    vo_band *bands = vo_malloc(sizeof *bands * (n ? n : 1));
    const char **texts = vo_malloc(sizeof *texts * (n ? n : 1));
    size_t *lens = vo_malloc(sizeof *lens * (n ? n : 1)), *nt = vo_malloc(sizeof *nt * (n ? n : 1));
    const vo_token_lp **toks = vo_malloc(sizeof *toks * (n ? n : 1));
    if (!st && (!bands || !texts || !lens || !nt || !toks))
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; !st && i < n; i++) {
        bands[i] = leaves[i].band;
        texts[i] = leaves[i].text.data ? leaves[i].text.data : "";
        lens[i] = leaves[i].text.len;
        toks[i] = leaves[i].tokens;
        nt[i] = leaves[i].n_tokens;
        note->cut |= leaves[i].cut;
        note->looped |= leaves[i].looped;
        note->timed_out |= leaves[i].timed_out;
    }
    size_t items = 0, dups = 0;
    if (!st) {
        vo_buf_reset(text);
        *n_tokens = 0;
        st = vo_bands_merge(ctx, bands, texts, lens, toks, nt, (int)n, r->width, r->height, text,
                            tokens, n_tokens, &items, &dups);
    }
    if (!st) {
        note->bands = (int)n;
        vo_info(ctx, "%s: page %d: recognised in %zu bands: %zu items, %zu seen twice at the "
                "seams kept once", o->source, o->page, n, items, dups);
    }
    for (size_t i = 0; i < n; i++)
        band_leaf_free(&leaves[i]);
    vo_free(leaves);
    vo_free(bands);
    vo_free(texts);
    vo_free(lens);
    vo_free(nt);
    vo_free(toks);
    return st;
}

vo_status vo_recognize_raster(vo_ctx *ctx, vo_engine *eng, const vo_raster *r,
                              const vo_recognize_opts *o, vo_buf *text,
                              vo_token_lp **tokens, size_t *n_tokens, vo_recognize_note *note)
{
    *tokens = NULL;
    *n_tokens = 0;
    *note = (vo_recognize_note){.bands = 1};
    vo_buf_reset(text);
    band_leaf whole = {{0, r->height}, VO_BUF_INIT, NULL, 0, 0, 0, 0, 0};
    vo_status st = recognise_rows(ctx, eng, r, o, &whole, note);
    int whole_tokens = whole.n_gen;
    note->timed_out = whole.timed_out;
    if (!st && !whole.timed_out && (whole.cut || whole.looped) && !o->no_band && can_band(r)) {
        /* too dense for one pass, or a loop: the page again in bands */
        vo_info(ctx, "%s: page %d: %s; recognised again in bands", o->source, o->page,
                whole.looped ? "the model wrote the same items again and again"
                             : "the model's output did not fit its token limit");
        st = recognise_banded(ctx, eng, r, o, &whole, text, tokens, n_tokens, note);
    } else if (!st) {
        vo_buf_free(text);
        *text = whole.text;
        whole.text = (vo_buf)VO_BUF_INIT;
        *tokens = whole.tokens;
        *n_tokens = whole.n_tokens;
        whole.tokens = NULL;
        note->cut = whole.cut;
        note->looped = whole.looped;
    }
    band_leaf_free(&whole);
    const char *limit = o->limit ? o->limit : "the token limit";
    if (!st && note->cut && note->bands > 1)
        vo_warn(ctx, "%s: page %d: the model's output reached its limit (%s) in a band, after "
                "banding: the text at the end of that band is missing", o->source, o->page, limit);
    else if (!st && note->cut)
        vo_warn(ctx, "%s: page %d: the model's output reached its limit of %d tokens (%s) "
                "before the end of the page: the text after that is missing", o->source, o->page,
                whole_tokens, limit);
    if (!st && note->looped)
        vo_warn(ctx, "%s: page %d: the model kept writing the same items%s; they were "
                "stopped and are kept once", o->source, o->page,
                note->bands > 1 ? " in a band, after banding" : "");
    return st;
}
