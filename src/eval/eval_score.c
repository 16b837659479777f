/* eval_score.c: one page of OCR output against its ground truth: edit
 * distances over code points after NFC (a Hangul syllable is one), over
 * jamo after NFD, and over words; the same words as bags (order-free);
 * word boxes matched one to one at IoU >= 0.5. A page's text is its lines
 * in order, words joined by one space, lines by one newline. */
#include "src/eval/eval_impl.h"
#include "src/util/alloc.h"
#include "src/util/buf.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

int64_t eval_distance(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    if (na < nb) {      /* the row over the shorter one */
        const uint32_t *t = a;
        a = b, b = t;
        size_t tn = na;
        na = nb, nb = tn;
    }
    int64_t *row = vo_malloc((nb + 1) * sizeof *row);
    if (!row)
        return -1;
    for (size_t j = 0; j <= nb; j++)
        row[j] = (int64_t)j;
    for (size_t i = 1; i <= na; i++) {
        int64_t diag = row[0];
        row[0] = (int64_t)i;
        for (size_t j = 1; j <= nb; j++) {
            int64_t up = row[j];
            int64_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    int64_t d = row[nb];
    vo_free(row);
    return d;
}

/* the page's text: lines in order, words joined by a space, lines by a newline */
static vo_status page_text(const eval_page *pg, vo_buf *out)
{
    vo_buf_reset(out);
    vo_status st = vo_buf_puts(out, "");
    for (size_t i = 0; pg && i < pg->n && !st; i++) {
        if (i > 0)
            st = vo_buf_putc(out, pg->words[i].line != pg->words[i - 1].line ? '\n' : ' ');
        if (!st)
            st = vo_buf_puts(out, pg->words[i].text);
    }
    return st;
}

/* s normalized (NFC, or NFD for jamo) as code points; white space inside
 * a word becomes one space */
static vo_status code_points(const char *s, bool nfd, uint32_t **out, size_t *n)
{
    utf8proc_uint8_t *norm = NULL;
    utf8proc_option_t o = UTF8PROC_STABLE | (nfd ? UTF8PROC_DECOMPOSE : UTF8PROC_COMPOSE);
    utf8proc_ssize_t len = utf8proc_map((const utf8proc_uint8_t *)s, 0, &norm,
                                        o | UTF8PROC_NULLTERM);
    if (len < 0)
        return len == UTF8PROC_ERROR_NOMEM ? VO_ERR_NOMEM : VO_ERR_FORMAT;
    uint32_t *cp = vo_malloc(((size_t)len + 1) * sizeof *cp);
    if (!cp) {
        free(norm);
        return VO_ERR_NOMEM;
    }
    size_t k = 0;
    for (utf8proc_ssize_t i = 0; i < len;) {
        utf8proc_int32_t c;
        utf8proc_ssize_t r = utf8proc_iterate(norm + i, len - i, &c);
        if (r <= 0)
            break;
        i += r;
        bool space = c == ' ' || c == '\t' || c == '\r' || c == 0xa0;
        if (space && k > 0 && cp[k - 1] == ' ')
            continue;
        cp[k++] = space ? ' ' : (uint32_t)c;
    }
    free(norm);
    *out = cp;
    *n = k;
    return VO_OK;
}

/* ids of the words of both pages: equal words (after NFC) equal ids */
typedef struct { const char *text; size_t side, index; } word_ref;

static int cmp_ref(const void *a, const void *b)
{
    return strcmp(((const word_ref *)a)->text, ((const word_ref *)b)->text);
}

static vo_status word_ids(const eval_page *gt, const eval_page *pred, uint32_t *ids[2],
                          uint32_t *n_ids)
{
    const eval_page *side[2] = {gt, pred};
    size_t n = (gt ? gt->n : 0) + (pred ? pred->n : 0), k = 0;
    word_ref *refs = vo_malloc((n + 1) * sizeof *refs);
    char **norm = vo_calloc(n + 1, sizeof *norm);
    vo_status st = refs && norm ? VO_OK : VO_ERR_NOMEM;
    for (int s = 0; s < 2 && !st; s++)
        for (size_t i = 0; side[s] && i < side[s]->n && !st; i++) {
            utf8proc_uint8_t *t = NULL;
            utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)side[s]->words[i].text,
                                              0, &t, UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                                              UTF8PROC_NULLTERM);
            if (r < 0) {
                st = r == UTF8PROC_ERROR_NOMEM ? VO_ERR_NOMEM : VO_ERR_FORMAT;
                break;
            }
            norm[k] = (char *)t;
            refs[k] = (word_ref){norm[k], (size_t)s, i};
            k++;
        }
    if (!st && k)
        qsort(refs, k, sizeof *refs, cmp_ref);
    uint32_t id = 0;
    for (size_t i = 0; i < k && !st; i++) {
        if (i > 0 && strcmp(refs[i].text, refs[i - 1].text) != 0)
            id++;
        ids[refs[i].side][refs[i].index] = id;
    }
    *n_ids = k ? id + 1 : 0;
    for (size_t i = 0; norm && i < k; i++)
        free(norm[i]);
    vo_free(norm);
    vo_free(refs);
    return st;
}

typedef struct { double iou; size_t g, p; } box_pair;

static int cmp_pair(const void *a, const void *b)
{
    const box_pair *x = a, *y = b;
    if (x->iou != y->iou)
        return x->iou < y->iou ? 1 : -1;
    return x->g != y->g ? (x->g < y->g ? -1 : 1) : (x->p < y->p ? -1 : x->p > y->p);
}

/* words matched one to one by IoU >= 0.5, the best pairs first */
static vo_status match_boxes(const eval_page *gt, const eval_page *pred, double scale,
                             eval_counts *c)
{
    size_t ng = gt ? gt->n : 0, np = pred ? pred->n : 0;
    for (size_t i = 0; i < ng; i++)
        c->box_gt += gt->words[i].has_box;
    for (size_t j = 0; j < np; j++)
        c->box_pred += pred->words[j].has_box;
    c->box_pages = 1;
    box_pair *pairs = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < ng; i++) {
        if (!gt->words[i].has_box)
            continue;
        vo_box g = gt->words[i].box;
        for (size_t j = 0; j < np; j++) {
            if (!pred->words[j].has_box)
                continue;
            vo_box p = pred->words[j].box;
            p = (vo_box){(float)(p.x0 * scale), (float)(p.y0 * scale), (float)(p.x1 * scale),
                         (float)(p.y1 * scale)};
            if (p.x1 <= g.x0 || p.x0 >= g.x1 || p.y1 <= g.y0 || p.y0 >= g.y1)
                continue;
            double iou = vo_box_iou(g, p);
            if (iou < 0.5)
                continue;
            if (vo_grow((void **)&pairs, &cap, n + 1, sizeof *pairs)) {
                vo_free(pairs);
                return VO_ERR_NOMEM;
            }
            pairs[n++] = (box_pair){iou, i, j};
        }
    }
    if (n)
        qsort(pairs, n, sizeof *pairs, cmp_pair);
    bool *used = vo_calloc(ng + np + 1, sizeof *used);
    if (!used) {
        vo_free(pairs);
        return VO_ERR_NOMEM;
    }
    for (size_t k = 0; k < n; k++) {
        if (used[pairs[k].g] || used[ng + pairs[k].p])
            continue;
        used[pairs[k].g] = used[ng + pairs[k].p] = true;
        c->box_matched++;
        c->iou_sum += pairs[k].iou;
    }
    vo_free(used);
    vo_free(pairs);
    return VO_OK;
}

/* edits between the texts of the pages, normalized one way */
static vo_status text_edits(vo_ctx *ctx, const char *gt, const char *pred, bool nfd,
                            int64_t *len, int64_t *edits)
{
    uint32_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    vo_status st = code_points(gt, nfd, &a, &na);
    if (!st)
        st = code_points(pred, nfd, &b, &nb);
    if (!st && (na > EVAL_MAX_CHARS || nb > EVAL_MAX_CHARS))
        st = vo_fail(ctx, VO_ERR_LIMIT, "a page of %zu code points: eval compares pages of up "
                     "to %d; split the page's text into smaller pages (form feeds in text)",
                     na > nb ? na : nb, EVAL_MAX_CHARS);
    if (!st) {
        *len = (int64_t)na;
        *edits = eval_distance(a, na, b, nb);
        if (*edits < 0)
            st = VO_ERR_NOMEM;
    }
    vo_free(a);
    vo_free(b);
    return st;
}

vo_status eval_score_page(vo_ctx *ctx, const eval_page *gt, const eval_page *pred, bool boxes,
                          double scale, eval_counts *c)
{
    memset(c, 0, sizeof *c);
    c->pages = 1;
    vo_buf tg = VO_BUF_INIT, tp = VO_BUF_INIT;
    size_t ng = gt ? gt->n : 0, np = pred ? pred->n : 0;
    uint32_t *ids[2] = {vo_malloc((ng + 1) * sizeof(uint32_t)),
                        vo_malloc((np + 1) * sizeof(uint32_t))};
    uint32_t n_ids = 0;
    uint32_t *count = NULL;
    vo_status st = ids[0] && ids[1] ? VO_OK : VO_ERR_NOMEM;
    if (!st)
        st = page_text(gt, &tg);
    if (!st)
        st = page_text(pred, &tp);
    if (!st)
        st = text_edits(ctx, tg.data, tp.data, false, &c->chars, &c->char_edits);
    if (!st)
        st = text_edits(ctx, tg.data, tp.data, true, &c->jamo, &c->jamo_edits);
    if (!st)
        st = word_ids(gt, pred, ids, &n_ids);
    if (!st) {
        c->words = (int64_t)ng;
        c->pred_words = (int64_t)np;
        c->word_edits = eval_distance(ids[0], ng, ids[1], np);
        count = vo_calloc((size_t)n_ids + 1, 2 * sizeof *count);
        if (c->word_edits < 0 || !count)
            st = VO_ERR_NOMEM;
    }
    if (!st) {
        for (size_t i = 0; i < ng; i++)
            count[2 * ids[0][i]]++;
        for (size_t j = 0; j < np; j++)
            count[2 * ids[1][j] + 1]++;
        for (uint32_t k = 0; k < n_ids; k++) {
            int64_t g = count[2 * k], p = count[2 * k + 1];
            c->bow_missing += g > p ? g - p : 0;
            c->bow_extra += p > g ? p - g : 0;
        }
    }
    if (!st && boxes)
        st = match_boxes(gt, pred, scale, c);
    vo_free(count);
    vo_free(ids[0]);
    vo_free(ids[1]);
    vo_buf_free(&tg);
    vo_buf_free(&tp);
    if (st == VO_ERR_NOMEM)
        return vo_fail(ctx, st, "out of memory while scoring a page");
    if (st == VO_ERR_FORMAT)
        return vo_fail(ctx, st, "a word is not valid UTF-8");
    return st;
}

void eval_counts_add(eval_counts *s, const eval_counts *c)
{
    s->pages += c->pages;
    s->chars += c->chars;
    s->char_edits += c->char_edits;
    s->jamo += c->jamo;
    s->jamo_edits += c->jamo_edits;
    s->words += c->words;
    s->word_edits += c->word_edits;
    s->pred_words += c->pred_words;
    s->bow_missing += c->bow_missing;
    s->bow_extra += c->bow_extra;
    s->box_gt += c->box_gt;
    s->box_pred += c->box_pred;
    s->box_matched += c->box_matched;
    s->iou_sum += c->iou_sum;
    s->box_pages += c->box_pages;
}
