/* common.c: helpers shared by the format writers (boxes, confidences, clean
 * NFC text, numbers, languages, and an xmlTextWriter over a vo_output). */
#include "formats/common.h"
#include "src/util/alloc.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <utf8proc.h>

/* --- boxes and numbers --- */

static int clip_int(double v, int lo, int hi)
{
    if (!(v > lo)) /* also NaN */
        return lo;
    if (v > hi)
        return hi;
    return (int)v;
}

fmt_ibox
fmt_int_box(vo_box b, const vo_page *page)
{
    int w = page->width > 0 ? page->width : 0;
    int h = page->height > 0 ? page->height : 0;
    fmt_ibox r;
    r.x0 = clip_int(floor(b.x0), 0, w);
    r.y0 = clip_int(floor(b.y0), 0, h);
    r.x1 = clip_int(ceil(b.x1), 0, w);
    r.y1 = clip_int(ceil(b.y1), 0, h);
    if (r.x1 < r.x0)
        r.x1 = r.x0;
    if (r.y1 < r.y0)
        r.y1 = r.y0;
    return r;
}

int
fmt_conf_known(float conf)
{
    return conf >= 0.0f; /* false for VO_CONF_NONE and NaN */
}

float
fmt_conf01(float conf)
{
    if (!fmt_conf_known(conf))
        return 0.0f;
    return conf > 1.0f ? 1.0f : conf;
}

int
fmt_conf100(float conf)
{
    if (!fmt_conf_known(conf))
        return -1;
    return (int)lround(fmt_conf01(conf) * 100.0);
}

const char *
fmt_num(char s[32], double v, int decimals)
{
    /* only broken input (a corrupt cache, a hostile PDF) gives such values;
     * the limit keeps the digits within s instead of cutting them */
    if (!isfinite(v))
        v = 0;
    else if (fabs(v) > 1e15)
        v = v < 0 ? -1e15 : 1e15;
    if (decimals > 6)
        decimals = 6;
    snprintf(s, 32, "%.*f", decimals, v);
    char *dot = strchr(s, '.');
    if (dot) {
        char *e = s + strlen(s) - 1;
        while (e > dot && *e == '0')
            *e-- = '\0';
        if (e == dot)
            *e = '\0';
    }
    if (strcmp(s, "-0") == 0)
        strcpy(s, "0");
    return s;
}

const char *
fmt_iso_time(char s[32], long long t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(s, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
        strcpy(s, "1970-01-01T00:00:00Z");
    return s;
}

/* --- text --- */

/* Code points we never write: C0/C1 controls (tab and newline too: words
 * and names never hold them; writers add their own separators) and the
 * non-characters U+FFFE/U+FFFF, which XML 1.0 forbids. */
static int dropped_code_point(utf8proc_int32_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0xfffe || c == 0xffff;
}

/* Decode one code point at s (n bytes left); invalid input gives -1 and
 * consumes one byte. */
static utf8proc_ssize_t next_code_point(const char *s, size_t n, utf8proc_int32_t *c)
{
    utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s,
                                          n > 8 ? 8 : (utf8proc_ssize_t)n, c);
    if (k <= 0) {
        *c = -1;
        return 1;
    }
    return k;
}

vo_status
fmt_clean_text(vo_ctx *ctx, const char *s, vo_buf *out)
{
    vo_buf_reset(out);
    if (vo_buf_append(out, "", 0))
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory while writing text");
    if (!s)
        return VO_OK;
    size_t n = strlen(s);
    int plain = 1; /* pure printable ASCII needs no NFC pass */
    for (size_t i = 0; i < n;) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = next_code_point(s + i, n - i, &c);
        vo_status st = VO_OK;
        if (c < 0) {
            st = vo_buf_puts(out, "\xEF\xBF\xBD"); /* U+FFFD */
            plain = 0;
        } else if (!dropped_code_point(c)) {
            st = vo_buf_append(out, s + i, (size_t)k);
            plain &= c < 0x80;
        }
        if (st)
            return vo_fail(ctx, VO_ERR_NOMEM, "out of memory while writing text");
        i += (size_t)k;
    }
    if (plain || out->len == 0)
        return VO_OK;
    utf8proc_uint8_t *nfc = NULL;
    utf8proc_ssize_t m = utf8proc_map((const utf8proc_uint8_t *)out->data,
                                      (utf8proc_ssize_t)out->len, &nfc,
                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (m < 0) {
        /* cannot happen on valid UTF-8 except out of memory: keep as is */
        if (m == UTF8PROC_ERROR_NOMEM)
            return vo_fail(ctx, VO_ERR_NOMEM, "out of memory while normalising text");
        return VO_OK;
    }
    vo_buf_reset(out);
    vo_status st = vo_buf_append(out, nfc, (size_t)m);
    free(nfc); /* utf8proc allocates with malloc */
    if (st)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory while writing text");
    return VO_OK;
}

size_t
fmt_count_code_points(const char *s)
{
    size_t n = s ? strlen(s) : 0, count = 0;
    for (size_t i = 0; i < n; count++) {
        utf8proc_int32_t c;
        i += (size_t)next_code_point(s + i, n - i, &c);
    }
    return count;
}

int
fmt_word_has_text(const vo_word *w)
{
    const char *s = w->text;
    size_t n = s ? strlen(s) : 0;
    for (size_t i = 0; i < n;) {
        utf8proc_int32_t c;
        i += (size_t)next_code_point(s + i, n - i, &c);
        if (c < 0 || !dropped_code_point(c))
            return 1;
    }
    return 0;
}

int
fmt_line_has_text(const vo_line *l)
{
    for (int i = 0; i < l->n_words; i++)
        if (fmt_word_has_text(&l->words[i]))
            return 1;
    return 0;
}

int
fmt_par_has_text(const vo_par *p)
{
    for (int i = 0; i < p->n_lines; i++)
        if (fmt_line_has_text(&p->lines[i]))
            return 1;
    return 0;
}

int
fmt_block_has_text(const vo_block *b)
{
    for (int i = 0; i < b->n_pars; i++)
        if (fmt_par_has_text(&b->pars[i]))
            return 1;
    return 0;
}

int
fmt_glyphs_spell_word(vo_ctx *ctx, const vo_word *w, const char *clean, int one_code_point,
                      vo_buf *tmp, vo_buf *tmp2, vo_status *st)
{
    *st = VO_OK;
    if (w->n_glyphs <= 0)
        return 0;
    vo_buf_reset(tmp2);
    for (int g = 0; g < w->n_glyphs; g++) {
        if ((*st = fmt_clean_text(ctx, w->glyphs[g].text, tmp)))
            return 0;
        if (one_code_point && fmt_count_code_points(tmp->data) != 1)
            return 0;
        if (vo_buf_puts(tmp2, tmp->data)) {
            *st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory while writing text");
            return 0;
        }
    }
    return tmp2->len == strlen(clean) && !memcmp(tmp2->data, clean, tmp2->len);
}

/* --- languages --- */

static const struct {
    const char *code3, *code2, *english, *script;
} langs[] = {
    {"kor", "ko", "Korean", "Hang"},
    {"eng", "en", "English", "Latn"},
    {"jpn", "ja", "Japanese", "Jpan"},
    {"chi_sim", "zh", "Chinese", "Hani"},
    {"zho", "zh", "Chinese", "Hani"},
    {"deu", "de", "German", "Latn"},
    {"fra", "fr", "French", "Latn"},
    {"spa", "es", "Spanish", "Latn"},
};

static int find_lang(const char *code)
{
    if (!code)
        return -1;
    for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++)
        if (!strcmp(code, langs[i].code3) || !strcmp(code, langs[i].code2))
            return (int)i;
    return -1;
}

const char *
fmt_lang_bcp47(const char *code)
{
    int i = find_lang(code);
    return i < 0 ? NULL : langs[i].code2;
}

const char *
fmt_lang_english(const char *code)
{
    int i = find_lang(code);
    return i < 0 ? NULL : langs[i].english;
}

const char *
fmt_lang_script(const char *code)
{
    int i = find_lang(code);
    return i < 0 ? NULL : langs[i].script;
}

const char *
fmt_basename(const char *path)
{
    if (!path)
        return "";
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

/* --- XML through libxml2 --- */

static int xml_write_cb(void *user, const char *data, int len)
{
    fmt_xml *x = user;
    if (x->io_status)
        return -1;
    vo_status st = vo_output_write(x->ctx, x->out, data, (size_t)len);
    if (st) {
        x->io_status = st;
        return -1;
    }
    return len;
}

static int xml_close_cb(void *user)
{
    (void)user;
    return 0;
}

static void xml_structured_error(void *user, xmlErrorPtr err)
{
    fmt_xml *x = user;
    if (err && err->message) {
        snprintf(x->lib_error, sizeof x->lib_error, "%s", err->message);
        size_t n = strlen(x->lib_error);
        if (n && x->lib_error[n - 1] == '\n')
            x->lib_error[n - 1] = '\0';
    }
}

__attribute__((format(printf, 2, 3)))
static void xml_generic_error(void *user, const char *msg, ...)
{
    fmt_xml *x = user;
    va_list ap;
    va_start(ap, msg);
    vsnprintf(x->lib_error, sizeof x->lib_error, msg, ap);
    va_end(ap);
}

void
fmt_xml_enter(fmt_xml *x)
{
    x->saved_handler = xmlStructuredError;
    x->saved_handler_ctx = xmlStructuredErrorContext;
    x->saved_generic = xmlGenericError;
    x->saved_generic_ctx = xmlGenericErrorContext;
    xmlSetStructuredErrorFunc(x, xml_structured_error);
    xmlSetGenericErrorFunc(x, xml_generic_error);
}

void
fmt_xml_leave(fmt_xml *x)
{
    xmlSetStructuredErrorFunc(x->saved_handler_ctx, x->saved_handler);
    xmlSetGenericErrorFunc(x->saved_generic_ctx, x->saved_generic);
}

/* libxml2 (2.9) must be initialized once before threads use it: writers
 * run in the CLI's worker threads, and two first uses at once race in
 * xmlInitParser. */
static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init_once(void)
{
    xmlInitParser();
}

vo_status
fmt_xml_open(vo_ctx *ctx, vo_output *out, fmt_xml *x)
{
    pthread_once(&xml_once, xml_init_once);
    x->w = NULL;
    x->ctx = ctx;
    x->out = out;
    x->io_status = VO_OK;
    x->lib_error[0] = '\0';
    fmt_xml_enter(x);
    xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(xml_write_cb, xml_close_cb, x, NULL);
    if (ob)
        x->w = xmlNewTextWriter(ob); /* owns ob from here, even on failure */
    fmt_xml_leave(x);
    if (!x->w)
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory starting the XML writer",
                       vo_output_name(out));
    return VO_OK;
}

vo_status
fmt_xml_fail(fmt_xml *x)
{
    if (x->io_status)
        return x->io_status; /* vo_output_write set the message */
    return vo_fail(x->ctx, VO_ERR_LIBRARY, "%s: libxml2 failed to write XML (%s)",
                   vo_output_name(x->out), x->lib_error[0] ? x->lib_error : "no reason given");
}

vo_status
fmt_xml_flush(fmt_xml *x)
{
    if (xmlTextWriterFlush(x->w) < 0 || x->io_status)
        return fmt_xml_fail(x);
    return VO_OK;
}

void
fmt_xml_close(fmt_xml *x)
{
    if (!x->w)
        return;
    fmt_xml_enter(x);
    x->io_status = VO_ERR_IO; /* drop what is left: the writer flushed or failed */
    xmlFreeTextWriter(x->w);
    fmt_xml_leave(x);
    x->w = NULL;
}

vo_status
fmt_xml_start(fmt_xml *x, const char *name)
{
    return xmlTextWriterStartElement(x->w, BAD_CAST name) < 0 ? fmt_xml_fail(x) : VO_OK;
}

vo_status
fmt_xml_end(fmt_xml *x)
{
    return xmlTextWriterEndElement(x->w) < 0 ? fmt_xml_fail(x) : VO_OK;
}

vo_status
fmt_xml_attr_raw(fmt_xml *x, const char *name, const char *value)
{
    return xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST value) < 0
               ? fmt_xml_fail(x) : VO_OK;
}

vo_status
fmt_xml_attr(fmt_xml *x, vo_buf *tmp, const char *name, const char *value)
{
    vo_status st = fmt_clean_text(x->ctx, value, tmp);
    return st ? st : fmt_xml_attr_raw(x, name, tmp->data);
}

vo_status
fmt_xml_attrf(fmt_xml *x, const char *name, const char *fmt, ...)
{
    char s[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s, sizeof s, fmt, ap);
    va_end(ap);
    return fmt_xml_attr_raw(x, name, s);
}

vo_status
fmt_xml_text_raw(fmt_xml *x, const char *text)
{
    if (!text[0])
        return VO_OK;
    return xmlTextWriterWriteString(x->w, BAD_CAST text) < 0 ? fmt_xml_fail(x) : VO_OK;
}

vo_status
fmt_xml_space(fmt_xml *x, const char *ws)
{
    return xmlTextWriterWriteRaw(x->w, BAD_CAST ws) < 0 ? fmt_xml_fail(x) : VO_OK;
}

vo_status
fmt_xml_text(fmt_xml *x, vo_buf *tmp, const char *text)
{
    vo_status st = fmt_clean_text(x->ctx, text, tmp);
    return st ? st : fmt_xml_text_raw(x, tmp->data);
}

vo_status
fmt_xml_element(fmt_xml *x, vo_buf *tmp, const char *name, const char *text)
{
    vo_status st = fmt_xml_start(x, name);
    if (!st)
        st = fmt_xml_text(x, tmp, text);
    if (!st)
        st = fmt_xml_end(x);
    return st;
}
