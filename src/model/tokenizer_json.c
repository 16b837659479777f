/* tokenizer_json.c: one strict pass over tokenizer.json that finds
 * model.vocab / model.merges, and cursors that walk them without a tree. */
#include "src/model/tokenizer_json.h"

#include <stdio.h>
#include <string.h>

#include "src/util/alloc.h"

/* --- strings (shared by the scan and the cursors) --- */

/* Length of the valid UTF-8 sequence at p (first byte >= 0x80), or 0:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t tj_utf8(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0], lo = 0x80, hi = 0xbf;
    size_t need;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        lo = c == 0xe0 ? 0xa0 : 0x80;
        hi = c == 0xed ? 0x9f : 0xbf;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    if ((size_t)(end - p) <= need || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t k = 2; k <= need; k++)
        if ((p[k] & 0xc0) != 0x80)
            return 0;
    return need + 1;
}

static int tj_hex4(const unsigned char *p, const unsigned char *end, unsigned *out)
{
    unsigned v = 0;
    if (end - p < 4)
        return 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (c | 0x20) - 'a' + 10;
        else
            return 0;
        v = v << 4 | d;
    }
    *out = v;
    return 1;
}

static size_t tj_put_utf8(unsigned cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18);
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

typedef struct {
    const char *msg; /* NULL with at == NULL: out of memory */
    const char *at;
} tj_err;

/* The JSON string whose opening quote is at p: returns the position past
 * the closing quote, *s and *n its decoded bytes (in the text when it has no
 * escape, else in out). With out NULL only validates (*s NULL when there
 * was an escape). NULL on bad input or no memory, with *err. */
static const char *tj_string(const char *p, const char *end, vo_buf *out, const char **s, size_t *n, tj_err *err)
{
    const unsigned char *q = (const unsigned char *)p + 1, *e = (const unsigned char *)end;
    const unsigned char *start = q, *seg = q;
    int escaped = 0;
    if (out)
        vo_buf_reset(out);
    for (;;) {
        while (q < e && *q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\')
            q++;
        if (q >= e) {
            err->msg = "unterminated string";
            err->at = p;
            return NULL;
        }
        unsigned c = *q;
        if (c == '"')
            break;
        if (c < 0x20) {
            err->msg = "control character inside a string";
            err->at = (const char *)q;
            return NULL;
        }
        if (c >= 0x80) {
            size_t k = tj_utf8(q, e);
            if (!k) {
                err->msg = "invalid UTF-8 inside a string";
                err->at = (const char *)q;
                return NULL;
            }
            q += k;
            continue;
        }
        /* a backslash escape */
        const unsigned char *esc = q;
        char o[4];
        size_t on = 1;
        if (q + 1 >= e)
            goto bad_escape;
        switch (q[1]) {
        case '"': o[0] = '"'; break;
        case '\\': o[0] = '\\'; break;
        case '/': o[0] = '/'; break;
        case 'b': o[0] = '\b'; break;
        case 'f': o[0] = '\f'; break;
        case 'n': o[0] = '\n'; break;
        case 'r': o[0] = '\r'; break;
        case 't': o[0] = '\t'; break;
        case 'u': {
            unsigned u, lo;
            if (!tj_hex4(q + 2, e, &u))
                goto bad_escape;
            q += 4;
            if (u >= 0xdc00 && u <= 0xdfff) {
                err->msg = "\\u escape of a lone low surrogate";
                err->at = (const char *)esc;
                return NULL;
            }
            if (u >= 0xd800 && u <= 0xdbff) {
                if (e - q < 8 || q[2] != '\\' || q[3] != 'u' || !tj_hex4(q + 4, e, &lo) || lo < 0xdc00 ||
                    lo > 0xdfff) {
                    err->msg = "\\u escape of a high surrogate not followed by a low one";
                    err->at = (const char *)esc;
                    return NULL;
                }
                u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
                q += 6;
            }
            if (u == 0) {
                err->msg = "\\u0000 inside a string";
                err->at = (const char *)esc;
                return NULL;
            }
            on = tj_put_utf8(u, o);
            break;
        }
        default:
            goto bad_escape;
        }
        q += 2;
        if (out && (vo_buf_append(out, seg, (size_t)(esc - seg)) != VO_OK || vo_buf_append(out, o, on) != VO_OK)) {
            err->msg = err->at = NULL;
            return NULL;
        }
        seg = q;
        escaped = 1;
    }
    if (!escaped) {
        *s = (const char *)start;
        *n = (size_t)(q - start);
    } else if (out) {
        if (vo_buf_append(out, seg, (size_t)(q - seg)) != VO_OK) {
            err->msg = err->at = NULL;
            return NULL;
        }
        *s = out->data;
        *n = out->len;
    } else {
        *s = NULL;
        *n = 0;
    }
    return (const char *)q + 1;
bad_escape:
    err->msg = "bad escape inside a string";
    err->at = (const char *)q;
    return NULL;
}

static const char *tj_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

static int tj_digit(const char *p, const char *end)
{
    return p < end && *p >= '0' && *p <= '9';
}

/* JSON number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static const char *tj_number(const char *p, const char *end)
{
    if (p < end && *p == '-')
        p++;
    if (!tj_digit(p, end))
        return NULL;
    if (*p == '0')
        p++;
    else
        while (tj_digit(p, end))
            p++;
    if (p < end && *p == '.') {
        if (!tj_digit(++p, end))
            return NULL;
        while (tj_digit(p, end))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (!tj_digit(p, end))
            return NULL;
        while (tj_digit(p, end))
            p++;
    }
    return p;
}

/* --- the scan --- */

enum { TJ_ANY, TJ_ROOT, TJ_MODEL };

typedef struct {
    const vo_tokjson_limits *lim;
    vo_tokjson *doc;
    const char *text, *end;
    vo_buf key;
    tj_err err;
    int limit_hit;
    char msg[128];
} tj_scan;

static const char *tj_fail(tj_scan *s, const char *at, const char *msg)
{
    s->err.at = at;
    s->err.msg = msg;
    return NULL;
}

static int tj_cut(tj_scan *s, const char *from, const char *to)
{
    vo_tokjson *d = s->doc;
    if (to <= from)
        return 1;
    if (vo_grow((void **)&d->cut, &d->cap_cut, d->n_cut + 1, sizeof *d->cut) != VO_OK)
        return 0;
    d->cut[d->n_cut].at = (size_t)(from - s->text);
    d->cut[d->n_cut].len = (size_t)(to - from);
    d->n_cut++;
    return 1;
}

static int tj_is(const char *k, size_t n, const char *want)
{
    return k && n == strlen(want) && !memcmp(k, want, n);
}

/* One value at p (after whitespace); *count = members / elements of a
 * container, which may hold at most max_count (what names it). */
static const char *tj_value(tj_scan *s, const char *p, size_t depth, int role, size_t max_count, const char *what,
                            size_t *count)
{
    const char *end = s->end;
    *count = 0;
    if (p >= end)
        return tj_fail(s, p, "unexpected end of the file");
    switch (*p) {
    case '"': {
        const char *str;
        size_t n;
        return tj_string(p, end, NULL, &str, &n, &s->err);
    }
    case 't':
        return end - p >= 4 && !memcmp(p, "true", 4) ? p + 4 : tj_fail(s, p, "unknown literal");
    case 'f':
        return end - p >= 5 && !memcmp(p, "false", 5) ? p + 5 : tj_fail(s, p, "unknown literal");
    case 'n':
        return end - p >= 4 && !memcmp(p, "null", 4) ? p + 4 : tj_fail(s, p, "unknown literal");
    case '{':
    case '[':
        break;
    default: {
        const char *q = tj_number(p, end);
        return q ? q : tj_fail(s, p, "not a JSON value");
    }
    }
    if (depth >= s->lim->max_depth) {
        snprintf(s->msg, sizeof s->msg, "nesting deeper than %zu levels", s->lim->max_depth);
        s->limit_hit = 1;
        return tj_fail(s, p, s->msg);
    }
    int obj = *p == '{';
    char close = obj ? '}' : ']';
    p = tj_ws(p + 1, end);
    if (p < end && *p == close)
        return p + 1;
    for (;;) {
        if (++*count > max_count) {
            snprintf(s->msg, sizeof s->msg, "%s has more than %zu entries", what, max_count);
            s->limit_hit = 1;
            return tj_fail(s, p, s->msg);
        }
        int child = TJ_ANY, capture = 0; /* 1 vocab, 2 merges */
        if (obj) {
            const char *k = NULL;
            size_t kn = 0;
            if (p >= end || *p != '"')
                return tj_fail(s, p, "expected a string key");
            p = tj_string(p, end, role == TJ_ANY ? NULL : &s->key, &k, &kn, &s->err);
            if (!p)
                return NULL;
            p = tj_ws(p, end);
            if (p >= end || *p != ':')
                return tj_fail(s, p, "expected ':' after a key");
            p = tj_ws(p + 1, end);
            if (role == TJ_ROOT && tj_is(k, kn, "model")) {
                s->doc->has_vocab = s->doc->has_merges = 0; /* a later "model" replaces an earlier one */
                child = p < end && *p == '{' ? TJ_MODEL : TJ_ANY;
            } else if (role == TJ_MODEL && tj_is(k, kn, "vocab")) {
                s->doc->has_vocab = 0;
                capture = p < end && *p == '{' ? 1 : 0;
            } else if (role == TJ_MODEL && tj_is(k, kn, "merges")) {
                s->doc->has_merges = 0;
                capture = p < end && *p == '[' ? 2 : 0;
            }
        }
        size_t n;
        const char *q = tj_value(s, p, depth + 1, child,
                                 capture == 1   ? s->lim->max_vocab
                                 : capture == 2 ? s->lim->max_merges
                                                : (size_t)-1,
                                 capture == 1 ? "model.vocab" : "model.merges", &n);
        if (!q)
            return NULL;
        if (capture) {
            vo_tokjson *d = s->doc;
            if (!tj_cut(s, p + 1, q - 1)) {
                s->err.msg = s->err.at = NULL;
                return NULL;
            }
            if (capture == 1) {
                d->has_vocab = 1;
                d->vocab_off = (size_t)(p - s->text);
                d->vocab_end = (size_t)(q - s->text);
                d->n_vocab = n;
            } else {
                d->has_merges = 1;
                d->merges_off = (size_t)(p - s->text);
                d->merges_end = (size_t)(q - s->text);
                d->n_merges = n;
            }
        }
        p = tj_ws(q, end);
        if (p < end && *p == ',') {
            p = tj_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == close)
            return p + 1;
        return tj_fail(s, p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static size_t tj_line(const char *text, size_t pos)
{
    size_t line = 1;
    for (const char *p = text; (p = memchr(p, '\n', (size_t)(text + pos - p))) != NULL; p++)
        line++;
    return line;
}

vo_status vo_tokjson_scan(vo_ctx *ctx, const char *path, const char *text, size_t len,
                          const vo_tokjson_limits *lim, vo_tokjson *doc)
{
    memset(doc, 0, sizeof *doc);
    doc->text = text;
    doc->len = len;
    tj_scan s;
    memset(&s, 0, sizeof s);
    s.lim = lim;
    s.doc = doc;
    s.text = text;
    s.end = text + len;
    const char *p = tj_ws(text, s.end);
    size_t n;
    const char *q = p < s.end ? tj_value(&s, p, 0, *p == '{' ? TJ_ROOT : TJ_ANY, (size_t)-1, "", &n)
                              : tj_fail(&s, p, "no JSON value");
    vo_buf_free(&s.key);
    if (q && (q = tj_ws(q, s.end)) != s.end)
        q = tj_fail(&s, q, "data after the JSON value");
    if (!q && !s.err.at)
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", path);
    if (!q)
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: %s (line %zu: %s)", path,
                       s.limit_hit ? "refused" : "not valid JSON", tj_line(text, (size_t)(s.err.at - text)),
                       s.err.msg);
    /* rest: the text without the cut spans */
    size_t from = 0;
    for (size_t i = 0; i <= doc->n_cut; i++) {
        size_t to = i < doc->n_cut ? doc->cut[i].at : len;
        if (vo_buf_append(&doc->rest, text + from, to - from) != VO_OK)
            return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", path);
        if (i < doc->n_cut)
            from = to + doc->cut[i].len;
    }
    return VO_OK;
}

void vo_tokjson_free(vo_tokjson *doc)
{
    vo_buf_free(&doc->rest);
    vo_free(doc->cut);
    memset(doc, 0, sizeof *doc);
}

size_t vo_tokjson_rest_line(const vo_tokjson *doc, size_t pos)
{
    size_t orig = pos;
    for (size_t i = 0; i < doc->n_cut && doc->cut[i].at <= orig; i++)
        orig += doc->cut[i].len;
    return tj_line(doc->text, orig < doc->len ? orig : doc->len);
}

/* --- cursors --- */

void vo_tokjson_vocab_begin(const vo_tokjson *doc, vo_tokjson_cursor *c)
{
    memset(c, 0, sizeof *c);
    c->p = doc->has_vocab ? doc->text + doc->vocab_off + 1 : doc->text;
    c->end = doc->has_vocab ? doc->text + doc->vocab_end - 1 : doc->text;
}

void vo_tokjson_merges_begin(const vo_tokjson *doc, vo_tokjson_cursor *c)
{
    memset(c, 0, sizeof *c);
    c->p = doc->has_merges ? doc->text + doc->merges_off + 1 : doc->text;
    c->end = doc->has_merges ? doc->text + doc->merges_end - 1 : doc->text;
}

void vo_tokjson_cursor_free(vo_tokjson_cursor *c)
{
    vo_buf_free(&c->scratch[0]);
    vo_buf_free(&c->scratch[1]);
}

/* Skip whitespace and the ',' before every entry but the first; 0 at the end. */
static int tj_entry(vo_tokjson_cursor *c)
{
    c->p = tj_ws(c->p, c->end);
    if (c->p >= c->end)
        return 0;
    if (c->count) {
        if (*c->p != ',')
            return -1;
        c->p = tj_ws(c->p + 1, c->end);
    }
    c->index = c->count;
    return 1;
}

/* A string at c->p into scratch k; 1, or a VO_TOKJSON_ result. */
static int tj_cursor_string(vo_tokjson_cursor *c, int k, const char **s, size_t *n)
{
    tj_err err = {NULL, NULL};
    if (c->p >= c->end || *c->p != '"')
        return VO_TOKJSON_BAD;
    const char *q = tj_string(c->p, c->end, &c->scratch[k], s, n, &err);
    if (!q)
        return err.at ? VO_TOKJSON_BAD : VO_TOKJSON_NOMEM;
    c->p = tj_ws(q, c->end);
    return 1;
}

int vo_tokjson_vocab_next(vo_tokjson_cursor *c, const char **key, size_t *klen, int64_t *id)
{
    int r = tj_entry(c);
    if (r <= 0)
        return r ? VO_TOKJSON_BAD : VO_TOKJSON_END;
    if ((r = tj_cursor_string(c, 0, key, klen)) != 1)
        return r;
    if (c->p >= c->end || *c->p != ':')
        return VO_TOKJSON_BAD;
    c->p = tj_ws(c->p + 1, c->end);
    const char *q = tj_number(c->p, c->end);
    *id = -1;
    if (!q) { /* not a number: the caller stops here, and so does the cursor */
        c->p = c->end;
        c->count++;
        return VO_TOKJSON_ENTRY;
    }
    int neg = *c->p == '-', integer = 1, big = 0;
    uint64_t v = 0;
    for (const char *d = c->p + neg; d < q; d++) {
        if (*d < '0' || *d > '9') {
            integer = 0;
            break;
        }
        if (v > ((uint64_t)INT64_MAX - 9) / 10)
            big = 1;
        else
            v = v * 10 + (uint64_t)(*d - '0');
    }
    if (integer && !big && (!neg || v == 0))
        *id = (int64_t)v;
    c->p = q;
    c->count++;
    return VO_TOKJSON_ENTRY;
}

int vo_tokjson_merges_next(vo_tokjson_cursor *c, const char **a, size_t *la, const char **b, size_t *lb)
{
    int r = tj_entry(c);
    if (r <= 0)
        return r ? VO_TOKJSON_BAD : VO_TOKJSON_END;
    if (c->p < c->end && *c->p == '"') {
        const char *s;
        size_t n;
        if ((r = tj_cursor_string(c, 0, &s, &n)) != 1)
            return r;
        const char *sp = memchr(s, ' ', n);
        if (!sp)
            return VO_TOKJSON_BAD;
        *a = s;
        *la = (size_t)(sp - s);
        *b = sp + 1;
        *lb = n - *la - 1;
    } else if (c->p < c->end && *c->p == '[') {
        c->p = tj_ws(c->p + 1, c->end);
        if ((r = tj_cursor_string(c, 0, a, la)) != 1)
            return r;
        if (c->p >= c->end || *c->p != ',')
            return VO_TOKJSON_BAD;
        c->p = tj_ws(c->p + 1, c->end);
        if ((r = tj_cursor_string(c, 1, b, lb)) != 1)
            return r;
        if (c->p >= c->end || *c->p != ']')
            return VO_TOKJSON_BAD;
        c->p++;
    } else {
        return VO_TOKJSON_BAD;
    }
    c->count++;
    return VO_TOKJSON_ENTRY;
}
