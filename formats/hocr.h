/* hocr.h: the writer of hOCR 1.2 in Tesseract's profile
 * (one file per document, one ocr_page per page). */
#ifndef VO_FORMATS_HOCR_H
#define VO_FORMATS_HOCR_H

#include "formats/writer.h"

/* Create the writer over `out` (borrowed); opts may be NULL (defaults).
 * Returns VO_ERR_NOMEM on failure, *w NULL. Not thread-safe: one writer
 * per thread. */
vo_status vo_new_hocr_writer(vo_ctx *ctx, vo_output *out, const vo_writer_opts *opts,
                             vo_writer **w);

#endif
