/* draft.c: the OCR grammar's drafter (see draft.h). It follows the tokens
 * of one page as they are accepted: where it is in the grammar (outside an
 * item, in a character's text, in its box) and the boxes of the items so
 * far; then it writes out what it expects next, as token ids. */
#include "src/vlm/draft.h"
#include "src/util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BOX_TEXT_MAX 64 /* "0.123, 0.456, 0.789, 0.012" is 26 bytes */

enum draft_where {
    DRAFT_OUTSIDE,     /* before an item: `<char>` comes next */
    DRAFT_TEXT,        /* after `<char>`: the character's text */
    DRAFT_CHAR_CLOSED, /* after `</char>`: `<bbox>` comes next */
    DRAFT_BOX,         /* after `<bbox>`: the numbers */
};

struct vo_drafter {
    vo_draft_ids id;
    int seen;                   /* output tokens read */
    enum draft_where where;
    int n_text;                 /* tokens of the current character's text */
    char box[BOX_TEXT_MAX + 1]; /* the current box's text so far */
    int box_len;
    int box_bad;                /* a token in the box that is not a number's */
    int have_prev;              /* a previous item's box is known */
    float prev[4];              /* x1, y1, x2, y2 of the previous item */
    float pitch;                /* y1 step between the last two lines (0: none yet) */
};

/* ---- the pieces' ids, read from the tokenizer ---- */

static vo_status one_token(vo_ctx *ctx, const vo_tokenizer *tok, const char *s, int32_t *id)
{
    int32_t *ids = NULL;
    size_t n = 0;
    vo_status st = vo_tokenizer_encode(ctx, tok, s, strlen(s), &ids, &n);
    if (st)
        return st;
    int good = n == 1;
    *id = good ? ids[0] : -1;
    vo_free(ids);
    return good ? VO_OK : vo_fail(ctx, VO_ERR_UNSUPPORTED, "the tokenizer makes %zu tokens of "
                                  "'%s' (drafted decoding needs one)", n, s);
}

vo_status vo_draft_ids_read(vo_ctx *ctx, const vo_tokenizer *tok, vo_draft_ids *d)
{
    vo_status st;
    if ((st = one_token(ctx, tok, "<char>", &d->char_open)) ||
        (st = one_token(ctx, tok, "</char>", &d->char_close)) ||
        (st = one_token(ctx, tok, "<bbox>", &d->bbox_open)) ||
        (st = one_token(ctx, tok, "</bbox>", &d->bbox_close)) ||
        (st = one_token(ctx, tok, ".", &d->dot)) ||
        (st = one_token(ctx, tok, ",", &d->comma)) ||
        (st = one_token(ctx, tok, " ", &d->space)))
        return st;
    for (int i = 0; i < 10; i++) {
        char s[2] = {(char)('0' + i), 0};
        if ((st = one_token(ctx, tok, s, &d->digit[i])))
            return st;
    }
    /* the pieces in context split the same way: an item as the model writes it */
    static const char item[] = "<char>가</char><bbox>0.172, 0.266, 1.000, 0.341</bbox><char>";
    int32_t *ids = NULL;
    size_t n = 0;
    if ((st = vo_tokenizer_encode(ctx, tok, item, strlen(item), &ids, &n)))
        return st;
    const char *box = strstr(item, "<bbox>") + 6, *end = strstr(item, "</bbox>");
    size_t want = 2 + (size_t)(end - box) + 2; /* after the text: </char> <bbox> ... </bbox> <char> */
    int good = n >= want + 2 && ids[0] == d->char_open && ids[n - 1] == d->char_open &&
               ids[n - 2] == d->bbox_close;
    size_t at = n - want; /* the first id after the character's text */
    good = good && ids[at] == d->char_close && ids[at + 1] == d->bbox_open;
    for (const char *c = box; good && c < end; c++) {
        int32_t w = *c >= '0' && *c <= '9' ? d->digit[*c - '0']
                    : *c == '.'           ? d->dot
                    : *c == ','           ? d->comma
                                          : d->space;
        good = ids[at + 2 + (size_t)(c - box)] == w;
    }
    vo_free(ids);
    return good ? VO_OK : vo_fail(ctx, VO_ERR_UNSUPPORTED, "the tokenizer does not split the OCR "
                                  "grammar into one token per tag, digit and separator");
}

/* ---- following the output ---- */

vo_drafter *vo_drafter_new(const vo_draft_ids *ids)
{
    vo_drafter *d = vo_calloc(1, sizeof *d);
    if (d)
        d->id = *ids;
    return d;
}

void vo_drafter_free(vo_drafter *d) { vo_free(d); }

static int digit_of(const vo_drafter *d, int32_t t)
{
    for (int i = 0; i < 10; i++)
        if (d->id.digit[i] == t)
            return i;
    return -1;
}

/* a finished box: the next item is predicted from it */
static void box_done(vo_drafter *d)
{
    float v[4];
    d->box[d->box_len] = 0;
    if (d->box_bad || sscanf(d->box, "%f, %f, %f, %f", &v[0], &v[1], &v[2], &v[3]) != 4)
        return;
    if (d->have_prev) {
        float h = d->prev[3] - d->prev[1];
        float step = v[1] - d->prev[1];
        if (step > 0.5f * h && v[0] < d->prev[0]) /* a new line below */
            d->pitch = step;
    }
    memcpy(d->prev, v, sizeof v);
    d->have_prev = 1;
}

static void take(vo_drafter *d, int32_t t)
{
    const vo_draft_ids *id = &d->id;
    if (t == id->char_open) {
        d->where = DRAFT_TEXT;
        d->n_text = 0;
        return;
    }
    if (t == id->char_close) {
        d->where = DRAFT_CHAR_CLOSED;
        return;
    }
    if (t == id->bbox_open) {
        d->where = DRAFT_BOX;
        d->box_len = 0;
        d->box_bad = 0;
        return;
    }
    if (t == id->bbox_close) {
        if (d->where == DRAFT_BOX)
            box_done(d);
        d->where = DRAFT_OUTSIDE;
        return;
    }
    if (d->where == DRAFT_TEXT) {
        d->n_text++;
        return;
    }
    if (d->where == DRAFT_BOX) {
        int g = digit_of(d, t);
        char c = g >= 0 ? (char)('0' + g) : t == id->dot ? '.' : t == id->comma ? ','
                                          : t == id->space ? ' ' : 0;
        if (!c || d->box_len >= BOX_TEXT_MAX)
            d->box_bad = 1;
        else
            d->box[d->box_len++] = c;
        return;
    }
    d->where = DRAFT_OUTSIDE; /* text outside items: wait for the next <char> */
}

/* ---- what comes next ---- */

static float clamp01(float v) { return v < 0 ? 0 : v > 1 ? 1 : v; }

/* The box's text as expected in full, given what is written of it (`cur`,
 * len bytes): the complete numbers as written, the current one completed
 * from its prediction (digit for digit by position), the others
 * predicted. Returns its length, or -1 when `cur` is not a box's start. */
static int expected_box(const vo_drafter *d, const char *cur, int len, char *out, size_t cap)
{
    /* read what is written: k complete numbers, then a partial number of
     * `part` bytes, or `sep` bytes of the ", " after number k */
    float known[4];
    int k = 0, part = 0, sep = -1;
    const char *num = cur;
    for (int i = 0; i < len; i++) {
        char c = cur[i];
        if (sep >= 0) { /* inside ", " */
            if (sep != 1 || c != ' ')
                return -1;
            sep = -1;
            num = cur + i + 1;
            part = 0;
            continue;
        }
        if (c == ',') {
            if (k >= 3 || part == 0)
                return -1;
            known[k++] = strtof(num, NULL);
            sep = 1;
            continue;
        }
        if (c == ' ')
            return -1;
        part++;
    }
    float h = d->have_prev ? d->prev[3] - d->prev[1] : 0.02f;
    float w = d->have_prev ? d->prev[2] - d->prev[0] : 0.02f;
    float p[4];
    p[0] = k > 0 ? known[0] : d->have_prev ? d->prev[2] : 0.0f;
    int newline = d->have_prev && k > 0 && known[0] < d->prev[0];
    p[1] = k > 1           ? known[1]
           : !d->have_prev ? 0.0f
           : newline       ? d->prev[1] + (d->pitch > 0 ? d->pitch : 1.5f * h)
                           : d->prev[1];
    p[2] = k > 2 ? known[2] : p[0] + w;
    p[3] = k > 3 ? known[3] : d->have_prev && !newline ? d->prev[3] : p[1] + h;
    if ((size_t)len + 40 >= cap)
        return -1;
    memcpy(out, cur, (size_t)len);
    size_t n = (size_t)len;
    for (int i = k; i < 4; i++) {
        char s[16];
        snprintf(s, sizeof s, "%.3f", (double)clamp01(p[i]));
        size_t from = 0, sl = strlen(s);
        if (i > k) {
            out[n++] = ',';
            out[n++] = ' ';
        } else if (sep >= 0) {
            out[n++] = ' '; /* the rest of the ", " before number k */
        } else {
            from = (size_t)part < sl ? (size_t)part : sl;
        }
        for (size_t j = from; j < sl; j++)
            out[n++] = s[j];
    }
    out[n] = 0;
    return (int)n;
}

static int put(int32_t *draft, int n, int max, int32_t id)
{
    if (n < max)
        draft[n++] = id;
    return n;
}

/* the box's remaining text and the item's end, as ids */
static int draft_box(const vo_drafter *d, const char *cur, int len, int32_t *draft, int n, int max)
{
    char want[BOX_TEXT_MAX + 32];
    int m = expected_box(d, cur, len, want, sizeof want);
    if (m < 0)
        return n;
    for (int i = len; i < m && n < max; i++) {
        char c = want[i];
        n = put(draft, n, max, c >= '0' && c <= '9' ? d->id.digit[c - '0']
                               : c == '.'           ? d->id.dot
                               : c == ','           ? d->id.comma
                                                    : d->id.space);
    }
    n = put(draft, n, max, d->id.bbox_close);
    return put(draft, n, max, d->id.char_open);
}

int vo_drafter_propose(void *drafter, const int32_t *ids, int n_ids, int32_t *draft, int max)
{
    vo_drafter *d = drafter;
    for (; d->seen < n_ids; d->seen++)
        take(d, ids[d->seen]);
    if (max < 1)
        return 0;
    switch (d->where) {
    case DRAFT_OUTSIDE:
        return put(draft, 0, max, d->id.char_open);
    case DRAFT_TEXT:
        if (d->n_text == 0)
            return 0; /* the character itself: no guess */
        return draft_box(d, "", 0, draft,
                         put(draft, put(draft, 0, max, d->id.char_close), max, d->id.bbox_open),
                         max);
    case DRAFT_CHAR_CLOSED:
        return draft_box(d, "", 0, draft, put(draft, 0, max, d->id.bbox_open), max);
    case DRAFT_BOX:
        if (d->box_bad)
            return 0;
        return draft_box(d, d->box, d->box_len, draft, 0, max);
    }
    return 0;
}
