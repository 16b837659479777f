/* bands.c (test): a page recognised in bands gives every line once. The
 * recognised Korean/English two-column page (samples/ko-en-2col.raw.json,
 * 1240 rows) is cut as the pipeline cuts a page that does not fit: halved
 * twice into 4 bands that share rows; each band's output is what the model
 * would write for that band's image (the items it shows, clipped to its
 * rows, coordinates of the band, 3 decimals). Merged back, the page has the
 * lines of the whole-page output, each once and in the same order, while a
 * merge that keeps every item has lines twice. And the loop check. */
#include "src/ocr/bands.h"
#include "src/ocr/raw.h"
#include "src/util/alloc.h"
#include "tests/tap.h"

#include <math.h>

#define MAX_LINES 400

/* the page's lines as text: words joined by spaces */
static int page_lines(const vo_page *p, char **lines, int max)
{
    int n = 0;
    for (int b = 0; b < p->n_blocks; b++)
        for (int q = 0; q < p->blocks[b].n_pars; q++)
            for (int l = 0; l < p->blocks[b].pars[q].n_lines && n < max; l++) {
                const vo_line *ln = &p->blocks[b].pars[q].lines[l];
                vo_buf s = VO_BUF_INIT;
                for (int w = 0; w < ln->n_words; w++)
                    vo_buf_printf(&s, "%s%s", w ? " " : "", ln->words[w].text);
                lines[n++] = s.data ? s.data : vo_strdup("");
            }
    return n;
}

/* what the model would write for rows band of the page: the items it
 * shows (at least a third of their height inside), clipped, normalized */
static void band_output(const vo_span *spans, size_t ns, int h, vo_band band, vo_buf *out)
{
    double bh = band.y1 - band.y0;
    for (size_t k = 0; k < ns; k++) {
        double y0 = spans[k].box.y0 * h, y1 = spans[k].box.y1 * h;
        double c0 = fmax(y0, band.y0), c1 = fmin(y1, band.y1);
        if (c1 - c0 < (y1 - y0) / 3)
            continue;
        vo_buf_printf(out, "<char>%s</char><bbox>%.3f, %.3f, %.3f, %.3f</bbox>", spans[k].text,
                      (double)spans[k].box.x0, (c0 - band.y0) / bh, (double)spans[k].box.x1,
                      (c1 - band.y0) / bh);
    }
}

static vo_page *merged_page(vo_ctx *ctx, const vo_raw_page *whole, const vo_band *bands,
                            const char **texts, const size_t *lens, int n, size_t *dups)
{
    vo_buf text = VO_BUF_INIT;
    vo_token_lp *tokens = NULL;
    size_t nt = 0, items = 0;
    vo_page *p = NULL;
    if (vo_bands_merge(ctx, bands, texts, lens, NULL, NULL, n, whole->width, whole->height,
                       &text, &tokens, &nt, &items, dups) == VO_OK) {
        vo_raw_page r = *whole;
        r.text = text.data ? text.data : (char *)"";
        r.text_len = text.len;
        r.tokens = tokens;
        r.n_tokens = nt;
        if (vo_raw_to_page(ctx, &r, NULL, NULL, &p) != VO_OK)
            p = NULL;
    }
    vo_buf_free(&text);
    vo_free(tokens);
    return p;
}

int main(void)
{
    vo_ctx *ctx = vo_new_ctx();
    vo_set_verbosity(ctx, 0);
    /* splitting */
    vo_band h[2];
    int split = vo_band_split((vo_band){0, 1000}, 100, h);
    ok(split && h[0].y0 == 0 && h[1].y1 == 1000 && h[0].y1 - h[1].y0 == 100 && h[0].y1 == 550 &&
       h[1].y0 == 450,
       "bands 1.1: 1000 rows in two bands sharing 100 around the middle (0-%d, %d-1000)", h[0].y1,
       h[1].y0);
    ok(!vo_band_split((vo_band){0, 150}, 100, h) && vo_band_split((vo_band){0, 200}, 100, h),
       "bands 1.2: rows fewer than twice the overlap are not split");

    const char *top = getenv("top_srcdir");
    char path[4096];
    snprintf(path, sizeof path, "%s/samples/ko-en-2col.raw.json", top ? top : "..");
    vo_raw_page whole;
    int good = vo_raw_read(ctx, path, &whole) == VO_OK;
    ok(good, "bands 2.0: %s read (%s)", path, vo_last_error(ctx));
    if (!good)
        return done_testing();
    vo_page *ref = NULL;
    vo_ground *g = NULL;
    good = vo_raw_to_page(ctx, &whole, NULL, NULL, &ref) == VO_OK &&
           vo_ground_parse(ctx, NULL, whole.text, whole.text_len, NULL, 0, &g) == VO_OK;
    size_t ns = 0;
    const vo_span *spans = good ? vo_ground_spans(g, &ns) : NULL;
    char *want[MAX_LINES], *got[MAX_LINES], *naive[MAX_LINES];
    int n_want = good ? page_lines(ref, want, MAX_LINES) : 0;

    /* 4 bands, as the pipeline halves a page twice */
    int H = whole.height, overlap = H / 16 > 64 ? H / 16 : 64;
    vo_band two[2], bands[4];
    good &= vo_band_split((vo_band){0, H}, overlap, two) &&
            vo_band_split(two[0], overlap, bands) && vo_band_split(two[1], overlap, bands + 2);
    vo_buf out[4] = {VO_BUF_INIT, VO_BUF_INIT, VO_BUF_INIT, VO_BUF_INIT};
    const char *texts[4];
    size_t lens[4];
    for (int i = 0; i < 4 && good; i++) {
        band_output(spans, ns, H, bands[i], &out[i]);
        texts[i] = out[i].data ? out[i].data : "";
        lens[i] = out[i].len;
    }
    size_t dups = 0;
    vo_page *mp = good ? merged_page(ctx, &whole, bands, texts, lens, 4, &dups) : NULL;
    int n_got = mp ? page_lines(mp, got, MAX_LINES) : 0;
    int same = mp && n_got == n_want;
    for (int i = 0; same && i < n_want; i++)
        same = !strcmp(want[i], got[i]);
    ok(n_want > 30 && same, "bands 2.1: 4 bands merged: the %d lines of the whole page, each once, "
       "in order (%d lines)", n_want, n_got);
    ok(dups > 0, "bands 2.2: %zu items seen by two bands were written once", dups);

    /* a merge that keeps every item (bands that do not overlap, so that no
     * item is left to a neighbour) has lines twice: the check above can fail */
    vo_band apart[4];
    for (int i = 0; i < 4; i++)
        apart[i] = (vo_band){bands[i].y0 + i * 10000, bands[i].y1 + i * 10000};
    size_t d2 = 0;
    vo_page *np = NULL;
    {
        /* the same outputs, as if each band were a page of its own, stacked */
        vo_raw_page tall = whole;
        tall.height = whole.height + 4 * 10000;
        np = merged_page(ctx, &tall, apart, texts, lens, 4, &d2);
    }
    int n_naive = np ? page_lines(np, naive, MAX_LINES) : 0;
    ok(np && d2 == 0 && n_naive > n_want,
       "bands 2.3: kept by every band that saw them, lines come twice (%d lines for %d)",
       n_naive, n_want);
    for (int i = 0; i < n_want; i++)
        vo_free(want[i]);
    for (int i = 0; i < n_got; i++)
        vo_free(got[i]);
    for (int i = 0; i < n_naive; i++)
        vo_free(naive[i]);
    for (int i = 0; i < 4; i++)
        vo_buf_free(&out[i]);
    vo_drop_page(mp);
    vo_drop_page(np);
    vo_drop_page(ref);

    /* a loop: the same 3 items again and again */
    size_t n = ns < 40 ? ns : 40;
    vo_span *rep = vo_calloc(60, sizeof *rep);
    for (int i = 0; rep && i < 60; i++)
        rep[i] = i < 20 ? spans[i % n] : spans[20 + (i % 3)];
    ok(rep && !vo_spans_loop(spans, n), "bands 3.1: a page's distinct items are no loop");
    ok(rep && !vo_spans_loop(rep, 20 + 3 + VO_LOOP_RUN - 1),
       "bands 3.2: %d repeats are not yet a loop", VO_LOOP_RUN - 1);
    ok(rep && vo_spans_loop(rep, 20 + 3 + VO_LOOP_RUN), "bands 3.3: %d repeats are a loop",
       VO_LOOP_RUN);
    vo_free(rep);
    vo_drop_ground(g);
    vo_raw_free(&whole);
    vo_drop_ctx(ctx);
    return done_testing();
}
