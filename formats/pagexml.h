/* pagexml.h: the writer of PAGE-XML 2019-07-15 (one page per file:
 * a second page is VO_ERR_ARGUMENT). */
#ifndef VO_FORMATS_PAGEXML_H
#define VO_FORMATS_PAGEXML_H

#include "formats/writer.h"

/* Create the writer over `out` (borrowed); opts may be NULL (defaults).
 * Returns VO_ERR_NOMEM on failure, *w NULL. Not thread-safe: one writer
 * per thread. */
vo_status vo_new_pagexml_writer(vo_ctx *ctx, vo_output *out, const vo_writer_opts *opts,
                             vo_writer **w);

#endif
