/* raw.h: the raw-output file of one page (issue 6: --raw-out, --from-raw):
 * the model's generated text with what is needed to re-render it later.
 *
 * One JSON object per page, named NAME.pNNNN.raw.json:
 *   {"format": "varco-ocr-raw", "version": 1,
 *    "source": "scan.pdf", "page": 3, "width": 1240, "height": 1754, "dpi": 150,
 *    "text": "<char>…</char><bbox>…</bbox>…",      (special tokens kept)
 *    "model": "NCSOFT/VARCO-VISION-2.0-1.7B-OCR",  (optional)
 *    "method": "…", "settings": "…",              (optional: how the text was
 *                 made, for the outputs' metadata; a re-render says the same)
 *    "logprobs": [[0, -0.01], [6, -0.2], …],        (optional: [byte offset of a
 *                 token in text, its log-prob], offsets increasing)
 *    "generation_seconds": 12.5,                    (optional)
 *    "rotation": 90, "skew": -2.5}                  (version 2, optional: the
 *                 raster was turned clockwise by rotation, then skew degrees,
 *                 before recognition; width and height are the turned
 *                 raster's; the page is mapped back to the page's raster)
 * Coordinates in text are normalized to the page raster width × height. */
#ifndef VO_OCR_RAW_H
#define VO_OCR_RAW_H

#include <stddef.h>
#include "src/ocr/ground.h"
#include "src/ocr/layout.h"
#include "src/page/page.h"

#define VO_RAW_MAX_BYTES (64u << 20) /* a raw file larger than this is refused */

typedef struct vo_raw_page {
    char *source;          /* path of the input document or image */
    int page;              /* 1-based */
    int width, height;     /* page raster in pixels */
    float dpi;             /* raster resolution */
    char *text;            /* generated text, NUL-terminated (UTF-8; see vo_raw_write) */
    size_t text_len;       /* bytes of text (may hold NULs) */
    char *model;           /* model id, or NULL */
    vo_token_lp *tokens;   /* per-token log-probs, or NULL */
    size_t n_tokens;
    double gen_seconds;    /* generation time, < 0 when unknown */
    char *method;          /* how the text was made (vo_doc_info.method), or NULL */
    char *settings;        /* the settings of that run (vo_doc_info.settings), or NULL */
    /* the raster the text is of was the page's turned (--rotate-pages,
     * --deskew; src/page/page_turn.h): width x height are the turned
     * raster's, and the page is brought back to its own raster */
    int quarter_turns;     /* clockwise, 0-3 */
    float skew_deg;        /* then clockwise about the centre */
} vo_raw_page;

/* Write one page atomically (temp file + rename, src/util/output.h).
 * Invalid UTF-8 in text is stored as U+FFFD (token offsets follow), which
 * the parser would do anyway. Errors (VO_ERR_IO naming the path,
 * VO_ERR_ARGUMENT for missing fields, VO_ERR_NOMEM) leave no file. */
vo_status vo_raw_write(vo_ctx *ctx, const char *path, const vo_raw_page *raw);

/* Read and check one page file (untrusted: size limit, every type and
 * range checked). On failure *out is zeroed and the message names the path
 * and what is wrong (VO_ERR_IO, VO_ERR_FORMAT, VO_ERR_LIMIT,
 * VO_ERR_UNSUPPORTED for a newer version, VO_ERR_NOMEM). */
vo_status vo_raw_read(vo_ctx *ctx, const char *path, vo_raw_page *out);

/* Free what vo_raw_read filled (or a page filled by hand with vo_malloc'd
 * strings); the struct is zeroed. Accepts NULL. */
void vo_raw_free(vo_raw_page *raw);

/* Parse the text (with its log-probs) and lay it out into a new page of
 * the raw page's size, number, dpi and source (VO_PAGE_FROM_OCR). gopts and
 * lopts may be NULL. *out is NULL on failure; drop it with vo_drop_page. */
vo_status vo_raw_to_page(vo_ctx *ctx, const vo_raw_page *raw, const vo_ground_opts *gopts,
                         const vo_layout_opts *lopts, vo_page **out);

/* "BASE.pNNNN.raw.json" (4 digits at least, 1-based page) in a new string
 * to vo_free. Returns VO_ERR_ARGUMENT for page < 1, VO_ERR_NOMEM. */
vo_status vo_raw_file_name(vo_ctx *ctx, const char *base, int page, char **out);

#endif
