/* raw.c: write, read (untrusted) and re-render the per-page raw-output
 * file of the model (format in raw.h). */
#include "src/ocr/raw.h"
#include "src/page/page_turn.h"
#include "src/util/alloc.h"
#include "src/util/buf.h"
#include "src/util/output.h"

#include <jansson.h>
#include <math.h>
#include <string.h>
#include <utf8proc.h>

#define RAW_FORMAT "varco-ocr-raw"
#define RAW_VERSION 2 /* 2: "rotation" and "skew" */
#define RAW_MAX_SIDE 1000000
#define RAW_HINT "; write it again with --raw-out"

void
vo_raw_free(vo_raw_page *raw)
{
    if (!raw)
        return;
    vo_free(raw->source);
    vo_free(raw->text);
    vo_free(raw->model);
    vo_free(raw->method);
    vo_free(raw->settings);
    vo_free(raw->tokens);
    memset(raw, 0, sizeof *raw);
}

vo_status
vo_raw_file_name(vo_ctx *ctx, const char *base, int page, char **out)
{
    *out = NULL;
    if (!base || page < 1)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "raw file name: bad base name or page %d", page);
    vo_buf b = VO_BUF_INIT;
    if (vo_buf_printf(&b, "%s.p%04d.raw.json", base, page)) {
        vo_buf_free(&b);
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory naming the raw file of %s", base);
    }
    *out = vo_buf_take(&b);
    return VO_OK;
}

/* --- write ------------------------------------------------------------- */

/* JSON needs valid UTF-8: copy text with invalid bytes as U+FFFD, moving
 * the token offsets along. *toks is NULL when there are no tokens. */
static vo_status
raw_valid_text(const vo_raw_page *raw, char **text, size_t *len, vo_token_lp **toks)
{
    size_t cap;
    *text = NULL;
    *toks = NULL;
    if (vo_mul_size(&cap, raw->text_len, 3) || vo_add_size(&cap, cap, 1))
        return VO_ERR_LIMIT;
    char *t = vo_malloc(cap);
    vo_token_lp *k = raw->n_tokens ? vo_malloc(raw->n_tokens * sizeof *k) : NULL;
    if (!t || (raw->n_tokens && !k)) {
        vo_free(t);
        vo_free(k);
        return VO_ERR_NOMEM;
    }
    size_t o = 0, ti = 0;
    const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)raw->text;
    for (size_t i = 0; i <= raw->text_len;) {
        for (; ti < raw->n_tokens && raw->tokens[ti].offset <= i; ti++)
            k[ti] = (vo_token_lp){o, raw->tokens[ti].logprob};
        if (i == raw->text_len)
            break;
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = s[i] ? utf8proc_iterate(s + i, (utf8proc_ssize_t)(raw->text_len - i), &cp) : 1;
        if (n <= 0) {
            o += (size_t)utf8proc_encode_char(0xfffd, (utf8proc_uint8_t *)t + o);
            i++;
        } else {
            memcpy(t + o, s + i, (size_t)n);
            o += (size_t)n;
            i += (size_t)n;
        }
    }
    for (; ti < raw->n_tokens; ti++) /* offsets past the end */
        k[ti] = (vo_token_lp){o, raw->tokens[ti].logprob};
    t[o] = 0;
    *text = t;
    *len = o;
    *toks = k;
    return VO_OK;
}

static int
raw_set(json_t *obj, const char *key, json_t *v)
{
    return !v || json_object_set_new(obj, key, v) != 0;
}

static json_t *
raw_number(double v)
{
    return v == floor(v) && fabs(v) < 1e15 ? json_integer((json_int_t)v) : json_real(v);
}

vo_status
vo_raw_write(vo_ctx *ctx, const char *path, const vo_raw_page *raw)
{
    if (!raw || !raw->source || !raw->text || raw->page < 1 || raw->width < 1 ||
        raw->height < 1 || !(raw->dpi > 0) || !isfinite(raw->dpi))
        return vo_fail(ctx, VO_ERR_ARGUMENT, "%s: raw page misses source, text, page, size or dpi",
                       path);
    char *text = NULL, *dump = NULL;
    size_t len = 0;
    vo_token_lp *toks = NULL;
    vo_output *out = NULL;
    json_t *root = NULL;
    vo_status st = raw_valid_text(raw, &text, &len, &toks);
    if (st) {
        st = vo_fail(ctx, st, "%s: text too large or out of memory", path);
        goto fail;
    }
    root = json_object();
    int bad = !root;
    if (!bad) {
        bad |= raw_set(root, "format", json_string(RAW_FORMAT));
        int turned = (raw->quarter_turns & 3) || raw->skew_deg != 0;
        /* a turned page is version 2: an older reader would place its boxes wrong */
        bad |= raw_set(root, "version", json_integer(turned ? 2 : 1));
        bad |= raw_set(root, "source", json_stringn(raw->source, strlen(raw->source)));
        bad |= raw_set(root, "page", json_integer(raw->page));
        bad |= raw_set(root, "width", json_integer(raw->width));
        bad |= raw_set(root, "height", json_integer(raw->height));
        bad |= raw_set(root, "dpi", raw_number(raw->dpi));
        if (raw->model)
            bad |= raw_set(root, "model", json_string(raw->model));
        if (raw->method)
            bad |= raw_set(root, "method", json_string(raw->method));
        if (raw->settings)
            bad |= raw_set(root, "settings", json_string(raw->settings));
        bad |= raw_set(root, "text", json_stringn(text, len));
    }
    if (!bad && raw->n_tokens) {
        json_t *arr = json_array();
        bad |= raw_set(root, "logprobs", arr);
        for (size_t i = 0; !bad && i < raw->n_tokens; i++) {
            float lp = toks[i].logprob;
            json_t *pair = json_pack("[I, f]", (json_int_t)toks[i].offset,
                                     isfinite(lp) ? (double)lp : (lp < 0 ? -1e30 : 1.0));
            bad |= !pair || json_array_append_new(arr, pair) != 0;
        }
    }
    if (!bad && raw->gen_seconds >= 0 && isfinite(raw->gen_seconds))
        bad |= raw_set(root, "generation_seconds", json_real(raw->gen_seconds));
    if (!bad && (raw->quarter_turns & 3))
        bad |= raw_set(root, "rotation", json_integer(90 * (raw->quarter_turns & 3)));
    if (!bad && raw->skew_deg != 0 && isfinite(raw->skew_deg))
        bad |= raw_set(root, "skew", raw_number(raw->skew_deg));
    /* invalid UTF-8 in source or model leaves a NULL value above */
    if (bad || !(dump = json_dumps(root, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(7)))) {
        st = vo_fail(ctx, VO_ERR_ARGUMENT,
                     "%s: cannot encode the raw page (out of memory, or source/model not UTF-8)",
                     path);
        goto fail;
    }
    if ((st = vo_output_open_file(ctx, path, &out)) || (st = vo_output_puts(ctx, out, dump)) ||
        (st = vo_output_puts(ctx, out, "\n")) || (st = vo_output_close(ctx, out)))
        goto fail;
fail:
    vo_output_drop(out);
    free(dump); /* jansson's allocator */
    json_decref(root);
    vo_free(text);
    vo_free(toks);
    return st;
}

/* --- read -------------------------------------------------------------- */

static vo_status
raw_bad(vo_ctx *ctx, const char *path, const char *what)
{
    return vo_fail(ctx, VO_ERR_FORMAT, "%s: not a raw page file: %s" RAW_HINT, path, what);
}

/* Integer field in [lo, hi]. */
static vo_status
raw_get_int(vo_ctx *ctx, const char *path, json_t *root, const char *key, long lo, long hi,
            int *out)
{
    json_t *v = json_object_get(root, key);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return vo_fail(ctx, VO_ERR_FORMAT,
                       "%s: not a raw page file: \"%s\" must be an integer from %ld to %ld" RAW_HINT,
                       path, key, lo, hi);
    *out = (int)json_integer_value(v);
    return VO_OK;
}

/* A string field without NUL bytes, copied (NULL when absent and optional). */
static vo_status
raw_get_str(vo_ctx *ctx, const char *path, json_t *root, const char *key, int required,
            char **out)
{
    json_t *v = json_object_get(root, key);
    if (!v || json_is_null(v)) {
        if (required)
            return vo_fail(ctx, VO_ERR_FORMAT, "%s: not a raw page file: \"%s\" is missing" RAW_HINT,
                           path, key);
        return VO_OK;
    }
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        return vo_fail(ctx, VO_ERR_FORMAT,
                       "%s: not a raw page file: \"%s\" must be a string without NUL" RAW_HINT,
                       path, key);
    if (!(*out = vo_strdup(json_string_value(v))))
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", path);
    return VO_OK;
}

static vo_status
raw_get_tokens(vo_ctx *ctx, const char *path, json_t *arr, vo_raw_page *out)
{
    if (!arr || json_is_null(arr))
        return VO_OK;
    size_t n = json_is_array(arr) ? json_array_size(arr) : 0;
    if (!json_is_array(arr) || n > out->text_len + 1)
        return raw_bad(ctx, path, "\"logprobs\" must be an array of at most one entry per byte of text");
    if (n == 0)
        return VO_OK;
    if (!(out->tokens = vo_malloc(n * sizeof *out->tokens)))
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", path);
    for (size_t i = 0; i < n; i++) {
        json_t *p = json_array_get(arr, i);
        json_t *off = json_array_get(p, 0), *lp = json_array_get(p, 1);
        if (!json_is_array(p) || json_array_size(p) != 2 || !json_is_integer(off) ||
            !json_is_number(lp))
            return vo_fail(ctx, VO_ERR_FORMAT,
                           "%s: not a raw page file: logprobs[%zu] must be [byte offset, log-prob]" RAW_HINT,
                           path, i);
        json_int_t o = json_integer_value(off);
        if (o < 0 || (size_t)o > out->text_len || (i && (size_t)o < out->tokens[i - 1].offset))
            return vo_fail(ctx, VO_ERR_FORMAT,
                           "%s: not a raw page file: logprobs[%zu] offset %lld is outside the text "
                           "or goes backwards" RAW_HINT,
                           path, i, (long long)o);
        out->tokens[i] = (vo_token_lp){(size_t)o, (float)json_number_value(lp)};
        out->n_tokens = i + 1;
    }
    return VO_OK;
}

static vo_status
raw_from_json(vo_ctx *ctx, const char *path, json_t *root, vo_raw_page *out)
{
    vo_status st;
    if (!json_is_object(root))
        return raw_bad(ctx, path, "the top level is not a JSON object");
    json_t *v = json_object_get(root, "format");
    if (v && (!json_is_string(v) || strcmp(json_string_value(v), RAW_FORMAT)))
        return raw_bad(ctx, path, "\"format\" is not \"" RAW_FORMAT "\"");
    v = json_object_get(root, "version");
    if (v && !json_is_integer(v))
        return raw_bad(ctx, path, "\"version\" is not an integer");
    if (v && (json_integer_value(v) < 1 || json_integer_value(v) > RAW_VERSION))
        return vo_fail(ctx, VO_ERR_UNSUPPORTED,
                       "%s: raw page file version %lld; this varco-ocr reads version %d: "
                       "use a newer varco-ocr",
                       path, (long long)json_integer_value(v), RAW_VERSION);
    if ((st = raw_get_str(ctx, path, root, "source", 1, &out->source)) ||
        (st = raw_get_int(ctx, path, root, "page", 1, RAW_MAX_SIDE, &out->page)) ||
        (st = raw_get_int(ctx, path, root, "width", 1, RAW_MAX_SIDE, &out->width)) ||
        (st = raw_get_int(ctx, path, root, "height", 1, RAW_MAX_SIDE, &out->height)) ||
        (st = raw_get_str(ctx, path, root, "model", 0, &out->model)) ||
        (st = raw_get_str(ctx, path, root, "method", 0, &out->method)) ||
        (st = raw_get_str(ctx, path, root, "settings", 0, &out->settings)))
        return st;
    v = json_object_get(root, "dpi");
    if (!json_is_number(v) || !(json_number_value(v) > 0) || json_number_value(v) > 100000)
        return raw_bad(ctx, path, "\"dpi\" must be a number above 0 and at most 100000");
    out->dpi = (float)json_number_value(v);
    v = json_object_get(root, "text");
    if (!json_is_string(v))
        return raw_bad(ctx, path, "\"text\" is missing or not a string");
    out->text_len = json_string_length(v);
    if (!(out->text = vo_malloc(out->text_len + 1)))
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", path);
    memcpy(out->text, json_string_value(v), out->text_len + 1);
    if ((st = raw_get_tokens(ctx, path, json_object_get(root, "logprobs"), out)))
        return st;
    out->gen_seconds = -1;
    v = json_object_get(root, "generation_seconds");
    if (v && !json_is_null(v)) {
        if (!json_is_number(v) || !(json_number_value(v) >= 0))
            return raw_bad(ctx, path, "\"generation_seconds\" must be a number >= 0");
        out->gen_seconds = json_number_value(v);
    }
    v = json_object_get(root, "rotation");
    if (v) {
        json_int_t deg = json_is_integer(v) ? json_integer_value(v) : -1;
        if (deg != 0 && deg != 90 && deg != 180 && deg != 270)
            return raw_bad(ctx, path, "\"rotation\" must be 0, 90, 180 or 270");
        out->quarter_turns = (int)(deg / 90);
    }
    v = json_object_get(root, "skew");
    if (v) {
        if (!json_is_number(v) || !(fabs(json_number_value(v)) <= 45))
            return raw_bad(ctx, path, "\"skew\" must be a number of degrees from -45 to 45");
        out->skew_deg = (float)json_number_value(v);
    }
    return VO_OK;
}

vo_status
vo_raw_read(vo_ctx *ctx, const char *path, vo_raw_page *out)
{
    memset(out, 0, sizeof *out);
    vo_buf b = VO_BUF_INIT;
    vo_status st = vo_read_file(ctx, path, VO_RAW_MAX_BYTES, &b);
    if (st) {
        vo_buf_free(&b);
        return st;
    }
    json_error_t err;
    json_t *root = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
    vo_buf_free(&b);
    if (!root)
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: line %d: not valid JSON: %s" RAW_HINT, path,
                       err.line, err.text);
    st = raw_from_json(ctx, path, root, out);
    json_decref(root);
    if (st)
        vo_raw_free(out);
    return st;
}

/* --- re-render --------------------------------------------------------- */

vo_status
vo_raw_to_page(vo_ctx *ctx, const vo_raw_page *raw, const vo_ground_opts *gopts,
               const vo_layout_opts *lopts, vo_page **out)
{
    *out = NULL;
    if (!raw || !raw->text || raw->width < 1 || raw->height < 1)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "raw page without text or size");
    vo_buf where = VO_BUF_INIT;
    vo_ground_opts go = gopts ? *gopts : (vo_ground_opts){0};
    vo_ground *g = NULL;
    vo_page *page = vo_new_page(raw->page, raw->width, raw->height, raw->dpi, raw->dpi,
                                raw->source ? raw->source : "-");
    vo_status st = VO_OK;
    if (!page || vo_buf_printf(&where, "%s: page %d", raw->source ? raw->source : "-", raw->page)) {
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory re-rendering page %d", raw->page);
        goto fail;
    }
    if (!go.where)
        go.where = where.data;
    if ((st = vo_ground_parse(ctx, &go, raw->text, raw->text_len, raw->tokens, raw->n_tokens, &g)))
        goto fail;
    size_t n;
    const vo_span *spans = vo_ground_spans(g, &n);
    if ((st = vo_layout_page(ctx, spans, n, lopts, page)))
        goto fail;
    if ((raw->quarter_turns & 3) || raw->skew_deg != 0) {
        /* laid out upright, then brought back to the page's own raster */
        int odd = raw->quarter_turns & 1;
        vo_page_turn t = {raw->quarter_turns & 3, raw->skew_deg, odd ? raw->height : raw->width,
                          odd ? raw->width : raw->height};
        vo_page_unturn(page, &t);
    }
    vo_drop_ground(g);
    vo_buf_free(&where);
    *out = page;
    return VO_OK;
fail:
    vo_drop_ground(g);
    vo_drop_page(page);
    vo_buf_free(&where);
    return st;
}
