/* ground.c: a byte-level state machine over the model's generated text
 * that turns grounded items into spans; see ground.h for the grammar. */
#include "src/ocr/ground.h"
#include "src/util/alloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define GROUND_TAG_MAX 32 /* longest tag name we try to recognise */
#define GROUND_NUM_MAX 96 /* longest text inside <bbox> we keep */

enum ground_state {
    ST_OUTSIDE,    /* between items: text here is stray (or a text whose <char> was lost) */
    ST_TEXT,       /* after <char>/<obj>: collecting the item's text */
    ST_AFTER_TEXT, /* after </char>: waiting for <bbox> */
    ST_BBOX,       /* after <bbox>: collecting the numbers */
    ST_AFTER_BOX,  /* after </bbox>: a <delim> may add a box for the same text */
};

struct vo_ground {
    vo_ctx *ctx;
    size_t max_span_bytes, max_spans;
    float tolerance;
    char *where;
    int state;
    int finished;

    char tag[GROUND_TAG_MAX + 1]; /* pending "<name" while we look for '>' */
    size_t tag_len;
    int in_tag;

    char *text;       /* raw bytes of the current text (cap max_span_bytes) */
    size_t text_len;
    int text_cut;     /* bytes were dropped at max_span_bytes */
    int text_inked;   /* holds something other than whitespace */
    double lp_sum;    /* log-probs of the tokens that made the text */
    size_t lp_n;
    unsigned long tok;         /* id of the piece being fed */
    unsigned long tok_counted; /* last piece whose log-prob entered lp_sum (+1) */
    float tok_lp;

    char *item;       /* the current item's cleaned text (NULL: none) */
    float item_conf;

    char num[GROUND_NUM_MAX];
    size_t num_len;
    int num_cut;

    vo_span *spans;
    size_t n_spans, cap_spans;
    size_t counts[VO_GROUND_EVENT_COUNT_];
    vo_status oom; /* a failed allocation inside the byte loop */
};

static const char *const event_names[VO_GROUND_EVENT_COUNT_] = {
    [VO_GROUND_STRAY_TEXT] = "text outside items",
    [VO_GROUND_UNKNOWN_TAG] = "misplaced or doubled tags",
    [VO_GROUND_NO_BOX] = "texts without a box",
    [VO_GROUND_NO_TEXT] = "boxes without text",
    [VO_GROUND_BAD_NUMBER] = "boxes that are not four numbers",
    [VO_GROUND_OUT_OF_RANGE] = "coordinates out of range",
    [VO_GROUND_ZERO_AREA] = "boxes of zero area",
    [VO_GROUND_TRUNCATED] = "items cut at the end of the output",
    [VO_GROUND_TOO_MANY] = "items beyond the limit",
    [VO_GROUND_CLAMPED] = "coordinates clamped to [0,1]",
    [VO_GROUND_SWAPPED] = "boxes with swapped corners",
    [VO_GROUND_LONG_TEXT] = "texts cut to the length limit",
    [VO_GROUND_BAD_UTF8] = "texts with invalid UTF-8 replaced",
    [VO_GROUND_CONTROL_CHAR] = "texts with control characters removed",
};

const char *
vo_ground_event_name(vo_ground_event ev)
{
    return (unsigned)ev < VO_GROUND_EVENT_COUNT_ ? event_names[ev] : "unknown event";
}

size_t
vo_ground_count(const vo_ground *g, vo_ground_event ev)
{
    return g && (unsigned)ev < VO_GROUND_EVENT_COUNT_ ? g->counts[ev] : 0;
}

const vo_span *
vo_ground_spans(const vo_ground *g, size_t *n)
{
    *n = g ? g->n_spans : 0;
    return g ? g->spans : NULL;
}

vo_status
vo_ground_new(vo_ctx *ctx, const vo_ground_opts *opts, vo_ground **out)
{
    *out = NULL;
    vo_ground *g = vo_calloc(1, sizeof *g);
    if (!g)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory making the output parser");
    g->ctx = ctx;
    g->max_span_bytes = opts && opts->max_span_bytes ? opts->max_span_bytes : 1024;
    g->max_spans = opts && opts->max_spans ? opts->max_spans : 20000;
    g->tolerance = opts && opts->tolerance > 0 ? opts->tolerance : 0.02f;
    g->text = vo_malloc(g->max_span_bytes + 1);
    if (opts && opts->where && !(g->where = vo_strdup(opts->where)))
        goto fail;
    if (!g->text)
        goto fail;
    g->state = ST_OUTSIDE;
    *out = g;
    return VO_OK;
fail:
    vo_drop_ground(g);
    return vo_fail(ctx, VO_ERR_NOMEM, "out of memory making the output parser");
}

void
vo_drop_ground(vo_ground *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n_spans; i++)
        vo_free(g->spans[i].text);
    vo_free(g->spans);
    vo_free(g->item);
    vo_free(g->text);
    vo_free(g->where);
    vo_free(g);
}

/* --- text of an item --------------------------------------------------- */

static void
ground_reset_text(vo_ground *g)
{
    g->text_len = 0;
    g->text_cut = 0;
    g->text_inked = 0;
    g->lp_sum = 0;
    g->lp_n = 0;
    g->tok_counted = 0;
}

static void
ground_drop_item(vo_ground *g)
{
    vo_free(g->item);
    g->item = NULL;
}

static int
ground_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
ground_text_byte(vo_ground *g, unsigned char c)
{
    if (g->text_len >= g->max_span_bytes) {
        g->text_cut = 1;
        return;
    }
    g->text[g->text_len++] = (char)c;
    if (!ground_is_space(c))
        g->text_inked = 1;
    /* Each token that gives bytes to the text counts once in its confidence. */
    if (g->tok_counted != g->tok + 1 && g->tok_lp <= 0) {
        g->lp_sum += g->tok_lp;
        g->lp_n++;
        g->tok_counted = g->tok + 1;
    }
}

static int
ground_is_control(int32_t cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0xfffe ||
           cp == 0xffff;
}

/* Cleaned NFC copy of bytes [0, len): invalid UTF-8 → U+FFFD, controls
 * removed, tab/newline → space. Returns NULL only when out of memory; *out
 * empty string when nothing is left. */
static vo_status
ground_clean_text(vo_ground *g, const char *s, size_t len, char **out)
{
    *out = NULL;
    size_t cap;
    if (vo_mul_size(&cap, len, 3) || vo_add_size(&cap, cap, 1))
        return VO_ERR_LIMIT;
    char *tmp = vo_malloc(cap); /* U+FFFD (3 bytes) may replace one byte */
    if (!tmp)
        return VO_ERR_NOMEM;
    size_t o = 0;
    int bad = 0, ctl = 0;
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                              (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0) {
            bad = 1;
            cp = 0xfffd;
            n = 1;
        }
        i += (size_t)n;
        if (cp == '\t' || cp == '\n' || cp == '\r')
            cp = ' ';
        else if (ground_is_control(cp)) {
            ctl = 1;
            continue;
        }
        o += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)tmp + o);
    }
    tmp[o] = 0;
    g->counts[VO_GROUND_BAD_UTF8] += bad;
    g->counts[VO_GROUND_CONTROL_CHAR] += ctl;
    utf8proc_uint8_t *nfc = utf8proc_NFC((const utf8proc_uint8_t *)tmp);
    vo_free(tmp);
    if (!nfc)
        return VO_ERR_NOMEM;
    /* utf8proc allocates with malloc: copy into our allocator's memory. */
    *out = vo_strdup((const char *)nfc);
    free(nfc);
    return *out ? VO_OK : VO_ERR_NOMEM;
}

/* The text buffer becomes the current item's text. */
static void
ground_close_text(vo_ground *g, int trim)
{
    ground_drop_item(g);
    const char *s = g->text;
    size_t len = g->text_len;
    if (g->text_cut) {
        g->counts[VO_GROUND_LONG_TEXT]++;
        /* do not leave half a character at the cut */
        size_t k = len;
        while (k > 0 && ((unsigned char)s[k - 1] & 0xc0) == 0x80 && len - k < 3)
            k--;
        if (k > 0) {
            unsigned char lead = (unsigned char)s[k - 1];
            size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
            if (len - (k - 1) < need)
                len = k - 1;
        }
    }
    if (trim) {
        while (len && ground_is_space((unsigned char)s[0]))
            s++, len--;
        while (len && ground_is_space((unsigned char)s[len - 1]))
            len--;
    }
    char *clean = NULL;
    vo_status st = ground_clean_text(g, s, len, &clean);
    if (st) {
        g->oom = VO_ERR_NOMEM;
    } else if (clean[0]) {
        g->item = clean;
        clean = NULL;
    }
    vo_free(clean);
    g->item_conf = g->lp_n ? (float)exp(g->lp_sum / (double)g->lp_n) : VO_CONF_NONE;
    ground_reset_text(g);
}

/* Stray text between items is counted once per run, then forgotten. */
static void
ground_forget_stray(vo_ground *g)
{
    if (g->text_inked)
        g->counts[VO_GROUND_STRAY_TEXT]++;
    ground_reset_text(g);
}

/* --- boxes ------------------------------------------------------------- */

/* Parse "x1, y1, x2, y2" (separators: commas, spaces, brackets). */
static int
ground_parse_numbers(const char *s, size_t len, double v[4])
{
    int n = 0;
    size_t i = 0;
    for (;;) {
        while (i < len && (ground_is_space((unsigned char)s[i]) || s[i] == ',' || s[i] == '[' ||
                           s[i] == ']' || s[i] == '(' || s[i] == ')'))
            i++;
        if (i == len)
            break;
        if (n == 4)
            return 0;
        double sign = 1, val = 0, scale = 1;
        int digits = 0;
        if (s[i] == '-' || s[i] == '+')
            sign = s[i++] == '-' ? -1 : 1;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            val = val * 10 + (s[i++] - '0');
            digits++;
        }
        if (i < len && s[i] == '.') {
            i++;
            while (i < len && s[i] >= '0' && s[i] <= '9') {
                scale /= 10;
                val += (s[i++] - '0') * scale;
                digits++;
            }
        }
        if (!digits || (i < len && !(ground_is_space((unsigned char)s[i]) || s[i] == ',' ||
                                     s[i] == ']' || s[i] == ')')))
            return 0;
        v[n++] = sign * val;
    }
    return n == 4;
}

static void
ground_add_span(vo_ground *g, vo_box box)
{
    if (g->n_spans >= g->max_spans) {
        g->counts[VO_GROUND_TOO_MANY]++;
        return;
    }
    char *text = vo_strdup(g->item);
    if (!text || vo_grow((void **)&g->spans, &g->cap_spans, g->n_spans + 1, sizeof *g->spans)) {
        vo_free(text);
        g->oom = VO_ERR_NOMEM;
        return;
    }
    g->spans[g->n_spans++] = (vo_span){text, box, g->item_conf};
}

/* The numbers collected after <bbox> end: check them and emit a span. */
static void
ground_close_box(vo_ground *g)
{
    double v[4];
    int ok = !g->num_cut && ground_parse_numbers(g->num, g->num_len, v);
    g->num_len = 0;
    g->num_cut = 0;
    if (!ok) {
        g->counts[VO_GROUND_BAD_NUMBER]++;
        return;
    }
    int clamped = 0;
    for (int i = 0; i < 4; i++) {
        if (!(v[i] >= -g->tolerance && v[i] <= 1.0 + g->tolerance)) {
            g->counts[VO_GROUND_OUT_OF_RANGE]++;
            return;
        }
        if (v[i] < 0 || v[i] > 1) {
            v[i] = v[i] < 0 ? 0 : 1;
            clamped = 1;
        }
    }
    g->counts[VO_GROUND_CLAMPED] += clamped;
    if (v[2] < v[0] || v[3] < v[1]) {
        g->counts[VO_GROUND_SWAPPED]++;
        double t;
        if (v[2] < v[0])
            t = v[0], v[0] = v[2], v[2] = t;
        if (v[3] < v[1])
            t = v[1], v[1] = v[3], v[3] = t;
    }
    vo_box box = {(float)v[0], (float)v[1], (float)v[2], (float)v[3]};
    if (!(box.x1 > box.x0) || !(box.y1 > box.y0)) {
        g->counts[VO_GROUND_ZERO_AREA]++;
        return;
    }
    if (!g->item) {
        g->counts[VO_GROUND_NO_TEXT]++;
        return;
    }
    ground_add_span(g, box);
}

/* --- the state machine ------------------------------------------------- */

static void ground_literal(vo_ground *g, unsigned char c);

/* Open a new item (<char>, <obj>). */
static void
ground_open_item(vo_ground *g)
{
    switch (g->state) {
    case ST_TEXT:
        if (g->text_len == 0) { /* <char><char>: doubled */
            g->counts[VO_GROUND_UNKNOWN_TAG]++;
            return;
        }
        g->counts[VO_GROUND_NO_BOX]++;
        break;
    case ST_AFTER_TEXT:
        if (g->item)
            g->counts[VO_GROUND_NO_BOX]++;
        break;
    case ST_BBOX:
        ground_close_box(g); /* </bbox> was missing */
        break;
    default:
        break;
    }
    ground_forget_stray(g);
    ground_drop_item(g);
    g->state = ST_TEXT;
}

static void
ground_tag(vo_ground *g, const char *name)
{
    if (!strcmp(name, "char") || !strcmp(name, "obj")) {
        ground_open_item(g);
    } else if (!strcmp(name, "/char") || !strcmp(name, "/obj")) {
        if (g->state == ST_TEXT) {
            ground_close_text(g, 0);
            g->state = ST_AFTER_TEXT;
        } else if (g->state == ST_OUTSIDE && g->text_inked) {
            ground_close_text(g, 1); /* the opening tag was lost: the stray text is the item */
            g->state = ST_AFTER_TEXT;
        } else {
            g->counts[VO_GROUND_UNKNOWN_TAG]++;
        }
    } else if (!strcmp(name, "bbox")) {
        switch (g->state) {
        case ST_TEXT:
            ground_close_text(g, 0); /* </char> was missing */
            break;
        case ST_AFTER_TEXT:
            break;
        case ST_BBOX:
            if (g->num_len == 0) {
                g->counts[VO_GROUND_UNKNOWN_TAG]++;
                return;
            }
            ground_close_box(g);
            break;
        default: /* a box with no text before it */
            ground_forget_stray(g);
            ground_drop_item(g);
            break;
        }
        g->num_len = 0;
        g->state = ST_BBOX;
    } else if (!strcmp(name, "/bbox")) {
        if (g->state == ST_BBOX) {
            ground_close_box(g);
            g->state = ST_AFTER_BOX;
        } else {
            g->counts[VO_GROUND_UNKNOWN_TAG]++;
        }
    } else if (!strcmp(name, "delim")) {
        if (g->state == ST_BBOX)
            ground_close_box(g);
        if (g->state == ST_BBOX || g->state == ST_AFTER_BOX)
            g->state = ST_AFTER_TEXT; /* next box, same text */
        else
            g->counts[VO_GROUND_UNKNOWN_TAG]++;
    } else if (name[0] == '|') { /* <|im_end|> and other special tokens: skipped, not counted */
    } else if (g->state != ST_TEXT && g->state != ST_OUTSIDE) {
        g->counts[VO_GROUND_UNKNOWN_TAG]++;
    } else { /* not ours ("<i>" in a recognized text): it stays text */
        ground_literal(g, '<');
        for (const char *p = name; *p; p++)
            ground_literal(g, (unsigned char)*p);
        ground_literal(g, '>');
    }
}

static void
ground_literal(vo_ground *g, unsigned char c)
{
    switch (g->state) {
    case ST_OUTSIDE:
        ground_text_byte(g, c); /* kept in case a </char> follows */
        break;
    case ST_TEXT:
        ground_text_byte(g, c);
        break;
    case ST_AFTER_TEXT:
        if (ground_is_space(c))
            break;
        if ((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == '[' || c == '(') {
            g->state = ST_BBOX; /* <bbox> was missing */
            g->num_len = 0;
            ground_literal(g, c);
            break;
        }
        if (g->item)
            g->counts[VO_GROUND_NO_BOX]++;
        ground_drop_item(g);
        g->state = ST_OUTSIDE;
        ground_text_byte(g, c);
        break;
    case ST_BBOX:
        if (g->num_len < sizeof g->num)
            g->num[g->num_len++] = (char)c;
        else
            g->num_cut = 1;
        break;
    case ST_AFTER_BOX:
        if (ground_is_space(c))
            break;
        ground_drop_item(g);
        g->state = ST_OUTSIDE;
        ground_text_byte(g, c);
        break;
    }
}

static int
ground_is_tag_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '/' || c == '|';
}

/* A '<' that started no tag: its bytes are ordinary text. */
static void
ground_flush_tag(vo_ground *g)
{
    g->in_tag = 0;
    ground_literal(g, '<');
    for (size_t i = 0; i < g->tag_len; i++)
        ground_literal(g, (unsigned char)g->tag[i]);
    g->tag_len = 0;
}

static void
ground_byte(vo_ground *g, unsigned char c)
{
    if (g->in_tag) {
        if (c == '>' && g->tag_len > 0) {
            g->tag[g->tag_len] = 0;
            g->in_tag = 0;
            g->tag_len = 0;
            ground_tag(g, g->tag);
            return;
        }
        if (g->tag_len < GROUND_TAG_MAX && ground_is_tag_char(c)) {
            g->tag[g->tag_len++] = (char)c;
            return;
        }
        ground_flush_tag(g);
    }
    if (c == '<') {
        g->in_tag = 1;
        g->tag_len = 0;
        return;
    }
    ground_literal(g, c);
}

vo_status
vo_ground_feed(vo_ground *g, const char *piece, size_t len, float logprob)
{
    if (!g || g->finished)
        return g ? vo_fail(g->ctx, VO_ERR_ARGUMENT, "output parser fed after its end") : VO_ERR_ARGUMENT;
    g->tok++;
    g->tok_lp = logprob <= 0 ? logprob : VO_LOGPROB_NONE; /* NaN → none */
    for (size_t i = 0; i < len; i++)
        ground_byte(g, (unsigned char)piece[i]);
    if (g->oom) {
        g->oom = VO_OK;
        return vo_fail(g->ctx, VO_ERR_NOMEM, "%s%sout of memory parsing the model output",
                       g->where ? g->where : "", g->where ? ": " : "");
    }
    return VO_OK;
}

vo_status
vo_ground_finish(vo_ground *g)
{
    if (!g || g->finished)
        return g ? vo_fail(g->ctx, VO_ERR_ARGUMENT, "output parser finished twice") : VO_ERR_ARGUMENT;
    g->tok++;
    g->tok_lp = VO_LOGPROB_NONE;
    if (g->in_tag)
        ground_flush_tag(g);
    switch (g->state) {
    case ST_OUTSIDE:
        ground_forget_stray(g);
        break;
    case ST_TEXT:
    case ST_BBOX:
        g->counts[VO_GROUND_TRUNCATED]++;
        break;
    case ST_AFTER_TEXT:
        if (g->item)
            g->counts[VO_GROUND_TRUNCATED]++;
        break;
    default:
        break;
    }
    ground_reset_text(g);
    ground_drop_item(g);
    g->finished = 1;
    const char *w = g->where ? g->where : "", *sep = g->where ? ": " : "";
    for (int ev = 0; ev < VO_GROUND_EVENT_COUNT_; ev++) {
        if (!g->counts[ev])
            continue;
        if (ev < VO_GROUND_FIRST_REPAIR)
            vo_warn(g->ctx, "%s%smodel output: %zu dropped (%s): not in any output file", w,
                    sep, g->counts[ev], event_names[ev]);
        else
            vo_info(g->ctx, "%s%smodel output: %zu repaired (%s): kept", w, sep, g->counts[ev],
                    event_names[ev]);
    }
    if (g->oom) {
        g->oom = VO_OK;
        return vo_fail(g->ctx, VO_ERR_NOMEM, "%s%sout of memory parsing the model output", w,
                       sep);
    }
    return VO_OK;
}

vo_status
vo_ground_parse(vo_ctx *ctx, const vo_ground_opts *opts, const char *text, size_t len,
                const vo_token_lp *tokens, size_t n_tokens, vo_ground **out)
{
    vo_ground *g;
    *out = NULL;
    vo_status st = vo_ground_new(ctx, opts, &g);
    if (st)
        return st;
    size_t at = 0;
    float lp = VO_LOGPROB_NONE;
    for (size_t i = 0; i <= n_tokens && !st; i++) {
        size_t end = i < n_tokens ? tokens[i].offset : len;
        if (end > len)
            end = len;
        if (end > at) {
            st = vo_ground_feed(g, text + at, end - at, lp);
            at = end;
        }
        if (i < n_tokens)
            lp = tokens[i].logprob;
    }
    if (!st)
        st = vo_ground_finish(g);
    if (st) {
        vo_drop_ground(g);
        return st;
    }
    *out = g;
    return VO_OK;
}

vo_box
vo_ground_box_to_page(vo_box n, int width, int height)
{
    float w = width > 0 ? (float)width : 0, h = height > 0 ? (float)height : 0;
    vo_box b = {n.x0 * w, n.y0 * h, n.x1 * w, n.y1 * h};
    b.x0 = fminf(fmaxf(b.x0, 0), w);
    b.x1 = fminf(fmaxf(b.x1, 0), w);
    b.y0 = fminf(fmaxf(b.y0, 0), h);
    b.y1 = fminf(fmaxf(b.y1, 0), h);
    return b;
}
