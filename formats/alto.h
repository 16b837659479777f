/* alto.h: the writer of ALTO 4.4 (one Page element per page; the CLI makes per-page files). */
#ifndef VO_FORMATS_ALTO_H
#define VO_FORMATS_ALTO_H

#include "formats/writer.h"

/* Create the writer over `out` (borrowed); opts may be NULL (defaults).
 * Returns VO_ERR_NOMEM on failure, *w NULL. Not thread-safe: one writer
 * per thread. */
vo_status vo_new_alto_writer(vo_ctx *ctx, vo_output *out, const vo_writer_opts *opts,
                             vo_writer **w);

#endif
