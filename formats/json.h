/* json.h: the writer of varco-ocr's own JSON (docs/json-format.md). */
#ifndef VO_FORMATS_JSON_H
#define VO_FORMATS_JSON_H

#include "formats/writer.h"

/* Create the writer over `out` (borrowed); opts may be NULL (defaults).
 * Returns VO_ERR_NOMEM on failure, *w NULL. Not thread-safe: one writer
 * per thread. */
vo_status vo_new_json_writer(vo_ctx *ctx, vo_output *out, const vo_writer_opts *opts,
                             vo_writer **w);

#endif
