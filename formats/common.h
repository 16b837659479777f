/* common.h: helpers shared by the format writers: integer boxes, confidence
 * scales, clean NFC text, number formatting, languages, and libxml2 output. */
#ifndef VO_FORMATS_COMMON_H
#define VO_FORMATS_COMMON_H

#include <libxml/xmlwriter.h>

#include "formats/writer.h"
#include "src/util/buf.h"

/* Return the status of `e` when it failed (functions holding nothing to
 * free use it to chain writes). */
#define FMT_TRY(e)                         \
    do {                                   \
        vo_status fmt_try_st_ = (e);       \
        if (fmt_try_st_ != VO_OK)          \
            return fmt_try_st_;            \
    } while (0)

/* --- boxes and numbers --- */

/* A box in whole pixels: x0,y0 floored, x1,y1 ceiled, all clipped to the
 * page (so 0 <= x0 <= x1 <= width). */
typedef struct fmt_ibox {
    int x0, y0, x1, y1;
} fmt_ibox;

fmt_ibox fmt_int_box(vo_box b, const vo_page *page);

/* Confidence 0..1 → rounded integer 0..100; -1 for VO_CONF_NONE. */
int fmt_conf100(float conf);
/* 1 when the confidence is known (not VO_CONF_NONE, not NaN). */
int fmt_conf_known(float conf);
/* Confidence clamped to 0..1. */
float fmt_conf01(float conf);

/* Format v with at most `decimals` decimals, trailing zeros and a lone
 * point removed, never "-0": 12.50 → "12.5". `s` holds 32 bytes: NaN and
 * infinities are written as 0, magnitudes over 1e15 as ±1e15, decimals
 * over 6 as 6. */
const char *fmt_num(char s[32], double v, int decimals);

/* "2025-01-01T00:00:00Z" for seconds since the epoch. `s` holds 32 bytes. */
const char *fmt_iso_time(char s[32], long long t);

/* --- text --- */

/* Replace `out`'s contents with `s` made safe for every format: invalid
 * UTF-8 becomes U+FFFD, characters not allowed in XML 1.0 and all control
 * characters (tab, newline included) are dropped, and the result is NFC.
 * s may be NULL (gives ""). Returns VO_ERR_NOMEM on failure. */
vo_status fmt_clean_text(vo_ctx *ctx, const char *s, vo_buf *out);
/* Number of code points in valid UTF-8 `s`. */
size_t fmt_count_code_points(const char *s);

/* 1 when the word's text is not empty once cleaned: writers skip the rest
 * (empty words, lines without such words, paragraphs without such lines). */
int fmt_word_has_text(const vo_word *w);
int fmt_line_has_text(const vo_line *l);
int fmt_par_has_text(const vo_par *p);
int fmt_block_has_text(const vo_block *b);

/* 1 when the word has glyphs whose cleaned texts, joined, equal `clean`
 * (the word's cleaned text), and — when one_code_point — each glyph holds
 * exactly one code point. Writers emit glyph elements only then, so that
 * every level spells the same text. tmp, tmp2: scratch; *st gets
 * VO_ERR_NOMEM on failure (and 0 is returned). */
int fmt_glyphs_spell_word(vo_ctx *ctx, const vo_word *w, const char *clean, int one_code_point,
                          vo_buf *tmp, vo_buf *tmp2, vo_status *st);

/* Language code ("kor", "eng", "ko") → BCP 47 ("ko"), and PAGE's English
 * name ("Korean"); NULL when unknown. */
const char *fmt_lang_bcp47(const char *code);
const char *fmt_lang_english(const char *code);
/* ISO 15924 script of a language ("Hang", "Latn"), NULL when unknown. */
const char *fmt_lang_script(const char *code);

/* Last path component of `path` ("" for NULL). */
const char *fmt_basename(const char *path);

/* --- XML through libxml2 --- */

/* An xmlTextWriter whose bytes go to a vo_output. libxml2's own error
 * messages are captured (never printed) and turned into statuses. */
typedef struct fmt_xml {
    xmlTextWriterPtr w;
    vo_ctx *ctx;
    vo_output *out;
    vo_status io_status;  /* first failure of the output, VO_OK if none */
    char lib_error[160];  /* last libxml2 message, "" if none */
    /* error handler active before fmt_xml_enter, restored by _leave */
    xmlStructuredErrorFunc saved_handler;
    void *saved_handler_ctx;
    xmlGenericErrorFunc saved_generic;
    void *saved_generic_ctx;
} fmt_xml;

/* Create the writer (indentation off; callers write their own newlines). */
vo_status fmt_xml_open(vo_ctx *ctx, vo_output *out, fmt_xml *x);
/* Flush everything to the output; reports any write error. */
vo_status fmt_xml_flush(fmt_xml *x);
/* Free the writer (flushes silently); accepts a never-opened one. */
void fmt_xml_close(fmt_xml *x);

/* Bracket every run of libxml2 calls (a writer's begin/page/end) so that
 * libxml2's error messages reach us instead of stderr. */
void fmt_xml_enter(fmt_xml *x);
void fmt_xml_leave(fmt_xml *x);

/* Status after a libxml2 call returned < 0: the output's I/O error, or a
 * library error, with a message naming the output. */
vo_status fmt_xml_fail(fmt_xml *x);

/* Convenience wrappers: each returns VO_OK or the failure status. Text and
 * attribute values are cleaned with fmt_clean_text unless said otherwise. */
vo_status fmt_xml_start(fmt_xml *x, const char *name);
vo_status fmt_xml_end(fmt_xml *x);
/* Attribute with a value already safe (numbers, ids, fixed words). */
vo_status fmt_xml_attr_raw(fmt_xml *x, const char *name, const char *value);
/* Attribute with a value from the page model or the user (cleaned). */
vo_status fmt_xml_attr(fmt_xml *x, vo_buf *tmp, const char *name, const char *value);
vo_status fmt_xml_attrf(fmt_xml *x, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Text content already safe (e.g. cleaned earlier, or "\n  "). */
vo_status fmt_xml_text_raw(fmt_xml *x, const char *text);
/* Layout whitespace ("\n  "), written as is, also outside the root. */
vo_status fmt_xml_space(fmt_xml *x, const char *ws);
/* Text content from the page model (cleaned). */
vo_status fmt_xml_text(fmt_xml *x, vo_buf *tmp, const char *text);
/* <name>text</name> with text cleaned. */
vo_status fmt_xml_element(fmt_xml *x, vo_buf *tmp, const char *name, const char *text);

#endif
