/* recognize.h: one page image through the model, whole or, when its output
 * is cut at the token limit or loops, again in bands; the text with each
 * token's byte offset and log-prob. The command's pages and the library's
 * vo_recognize_image both come here. */
#ifndef VO_RECOGNIZE_H
#define VO_RECOGNIZE_H

#include "src/ocr/ground.h"
#include "src/ocr/raw.h"
#include "src/source/document.h"
#include "src/util/buf.h"
#include "src/util/status.h"
#include "src/vlm/engine.h"

/* What the caller lets the recognition do, and hears of it. */
typedef struct vo_recognize_opts {
    const char *source;  /* the document, for messages */
    int page;            /* its page number, for messages */
    double deadline;     /* CLOCK_MONOTONIC seconds after which the page is abandoned; 0: none */
    int no_band;         /* 1: a cut or looping page is not recognised again in bands */
    const char *limit;   /* what bounds the tokens, for the cut warning ("--max-tokens") */
    /* may be NULL: a stage begins ("recognise"); n tokens so far since `since` */
    void (*on_stage)(void *user, const char *stage);
    void (*on_tokens)(void *user, int n, double since, double *last);
    void *user;
} vo_recognize_opts;

/* What the recognition did. */
typedef struct vo_recognize_note {
    int bands;      /* bands it was recognised in (1: the whole page) */
    int cut;        /* some of it reached the token limit even so */
    int looped;     /* some of it fell into a loop even so */
    int tokens;     /* tokens the model generated, all bands */
    int passes;     /* passes over the model for them */
    int timed_out;  /* the deadline stopped it: the text is incomplete */
    /* seconds in the engine's stages, all bands (vo_engine_page) */
    double wait_s, preprocess_s, vision_s, prefill_s, decode_s;
} vo_recognize_note;

/* The model's text of raster r into *text (reset first), its tokens into
 * *tokens (the caller frees them with vo_free) and what happened into
 * *note. A cut or a loop left after banding is said as a warning naming
 * the page. Errors: the engine's (VO_ERR_ABORT when cancelled), NOMEM. */
vo_status vo_recognize_raster(vo_ctx *ctx, vo_engine *eng, const vo_raster *r,
                              const vo_recognize_opts *opts, vo_buf *text,
                              vo_token_lp **tokens, size_t *n_tokens, vo_recognize_note *note);

/* The raw page (src/ocr/raw.h) of a recognised raster: its size and dpi,
 * the text and tokens borrowed; model, method and settings left NULL. */
vo_raw_page vo_recognize_raw_page(const char *source, int page, const vo_raster *r,
                                  const vo_buf *text, vo_token_lp *tokens, size_t n_tokens);

#endif
