/* bands.h: a page too dense for one pass of the model (its output reached
 * the token limit or fell into a loop) is recognised again as overlapping
 * horizontal bands, each a smaller image with a shorter output; the bands'
 * items are put back on the page here, every item once. And the loop check
 * of a page's output as it arrives. */
#ifndef VO_OCR_BANDS_H
#define VO_OCR_BANDS_H

#include <stddef.h>

#include "src/ocr/ground.h"
#include "src/util/buf.h"
#include "src/util/status.h"

/* Rows [y0, y1) of the page raster. */
typedef struct vo_band {
    int y0, y1;
} vo_band;

/* Split rows [y0, y1) in two bands that share `overlap` rows around the
 * middle (at most half the rows). Returns 0 when the rows are too few to
 * split (fewer than 2 * overlap). */
int vo_band_split(vo_band whole, int overlap, vo_band out[2]);

/* The model's output for each band (texts[i], lens[i] bytes, in its
 * grammar, coordinates normalized to the band's image: the page's width,
 * the band's rows; band_tokens[i] its tokens' log-probs, or NULL) as one
 * text for the page in the same grammar, its
 * coordinates normalized to the page (4 decimals), appended to out; with
 * one log-prob per item (its text's confidence) appended to *tokens as
 * {offset in out, log-prob} (offsets counted from out's start). An item
 * belongs to the band that holds its centre away from an edge: overlapping
 * bands split their shared rows at the middle, so an item both bands saw
 * is written once. Bands must be in order, top to bottom. *n_items gets
 * the items written, *n_dups those left to a neighbour. */
vo_status vo_bands_merge(vo_ctx *ctx, const vo_band *bands, const char *const *texts,
                         const size_t *lens, const vo_token_lp *const *band_tokens,
                         const size_t *band_n_tokens, int n, int page_w, int page_h,
                         vo_buf *out, vo_token_lp **tokens, size_t *n_tokens, size_t *n_items,
                         size_t *n_dups);

/* 1 when the last VO_LOOP_RUN spans of an output each repeat (same text,
 * same box to 1/1000) one of the VO_LOOP_WINDOW spans before it: the model
 * writes the same items again and again. */
#define VO_LOOP_RUN 8
#define VO_LOOP_WINDOW 64
int vo_spans_loop(const vo_span *spans, size_t n);

#endif
