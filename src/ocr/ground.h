/* ground.h: the streaming parser of the model's grounded output
 * ("<char>TEXT</char><bbox>x1, y1, x2, y2</bbox>", MODEL.md §11) into spans.
 *
 * Fed piece by piece as tokens arrive; tolerant of anything the model may
 * emit. Accepted items become spans {NFC text, box normalized to [0,1],
 * confidence}; everything else is dropped and counted per reason. It never
 * fails a page on bad model output: the only errors are VO_ERR_NOMEM and
 * VO_ERR_ARGUMENT. One parser is used by one thread at a time.
 *
 * Accepted forms:
 *   <char>T</char><bbox>x1, y1, x2, y2</bbox>     (2.0-OCR)
 *   <obj>T</obj><bbox>..</bbox><delim><bbox>..</bbox>  (VARCO-1 grounding:
 *       several boxes for one text; each box gives a span with that text)
 * Repairs: missing </char> or </bbox> before the next tag, missing <bbox>
 * before the numbers, doubled tags, swapped corners, values at most
 * `tolerance` outside [0,1] (clamped). Text outside items and special
 * tokens (<|im_end|>) are skipped. A '<' that starts none of our tags stays
 * text ("<i>", "1 < 2"; writers escape XML specials). Invalid UTF-8 becomes U+FFFD; NUL and
 * other control characters are removed (tab/newline become spaces). */
#ifndef VO_OCR_GROUND_H
#define VO_OCR_GROUND_H

#include <stddef.h>
#include "src/page/page.h"
#include "src/util/status.h"
#include "src/util/token_lp.h"

/* Pass as logprob when the token's log-probability is unknown (any value
 * above 0, or NaN, means "unknown"). */
#define VO_LOGPROB_NONE 1.0f

/* One accepted item. */
typedef struct vo_span {
    char *text;  /* UTF-8, NFC, never empty; may be whitespace only (a word break) */
    vo_box box;  /* normalized to the image the model saw: 0 <= x0 < x1 <= 1, same for y */
    float conf;  /* exp(mean log-prob of the tokens of the text), or VO_CONF_NONE */
} vo_span;

typedef struct vo_ground_opts {
    size_t max_span_bytes; /* text longer than this is cut (0: 1024) */
    size_t max_spans;      /* items after this many are dropped (0: 20000) */
    float tolerance;       /* how far outside [0,1] a value is clamped, not dropped (0: 0.02) */
    const char *where;     /* "scan.pdf: page 3", prefixed to warnings (NULL: none) */
} vo_ground_opts;

/* Why something was dropped or repaired; counted by the parser. */
typedef enum vo_ground_event {
    VO_GROUND_STRAY_TEXT,   /* text outside any item (counted per run of text) */
    VO_GROUND_UNKNOWN_TAG,  /* a misplaced or doubled tag */
    VO_GROUND_NO_BOX,       /* text without a box */
    VO_GROUND_NO_TEXT,      /* box without text, or empty text */
    VO_GROUND_BAD_NUMBER,   /* a box that is not four numbers */
    VO_GROUND_OUT_OF_RANGE, /* a value far outside [0,1] */
    VO_GROUND_ZERO_AREA,    /* a box of zero width or height */
    VO_GROUND_TRUNCATED,    /* an item cut by the end of the output */
    VO_GROUND_TOO_MANY,     /* items beyond max_spans */
    /* repairs: the item was kept */
    VO_GROUND_CLAMPED,      /* a value slightly outside [0,1] clamped */
    VO_GROUND_SWAPPED,      /* corners swapped back */
    VO_GROUND_LONG_TEXT,    /* text cut at max_span_bytes */
    VO_GROUND_BAD_UTF8,     /* invalid UTF-8 replaced by U+FFFD */
    VO_GROUND_CONTROL_CHAR, /* NUL or control characters removed */
    VO_GROUND_EVENT_COUNT_
} vo_ground_event;

/* The first VO_GROUND_CLAMPED events are drops, the rest repairs. */
#define VO_GROUND_FIRST_REPAIR VO_GROUND_CLAMPED

typedef struct vo_ground vo_ground;

/* Make a parser; opts may be NULL (defaults). *out is NULL on failure
 * (VO_ERR_NOMEM). The ctx is borrowed and must outlive the parser. */
vo_status vo_ground_new(vo_ctx *ctx, const vo_ground_opts *opts, vo_ground **out);
/* Accepts NULL. */
void vo_drop_ground(vo_ground *g);

/* Feed one piece of generated text (one token, or any split of the text:
 * the spans do not depend on where it is cut). logprob: the token's
 * log-probability, or VO_LOGPROB_NONE. Returns VO_ERR_NOMEM (the parser
 * stays usable but may have lost the current item) or VO_ERR_ARGUMENT
 * after vo_ground_finish. */
vo_status vo_ground_feed(vo_ground *g, const char *piece, size_t len, float logprob);

/* End of the output: an open item is dropped as truncated, and one warning
 * per kind of drop goes to the ctx. Further feeds are refused. */
vo_status vo_ground_finish(vo_ground *g);

/* The spans accepted so far (borrowed; valid until the next feed or drop). */
const vo_span *vo_ground_spans(const vo_ground *g, size_t *n);
/* How many times `ev` happened. */
size_t vo_ground_count(const vo_ground *g, vo_ground_event ev);
/* A short English name of the event ("coordinates out of range"). */
const char *vo_ground_event_name(vo_ground_event ev);


/* One shot: parse a whole text. tokens (sorted by offset, may be NULL)
 * give per-token log-probs; bytes before the first token have none. On
 * success *out is a finished parser to read with vo_ground_spans and drop. */
vo_status vo_ground_parse(vo_ctx *ctx, const vo_ground_opts *opts, const char *text,
                          size_t len, const vo_token_lp *tokens, size_t n_tokens,
                          vo_ground **out);

/* Map a normalized box to page-raster pixels (X = x·W, Y = y·H, continuous),
 * clamped to the page. */
vo_box vo_ground_box_to_page(vo_box norm, int width, int height);

#endif
