/* page_io.h: save and load a page model exactly (floats round-trip), the
 * per-page cache that lets a batch resume where it stopped. */
#ifndef VO_PAGE_IO_H
#define VO_PAGE_IO_H

#include "src/page/page.h"
#include "src/util/output.h"

/* Write `page` as one JSON object to `out`, with `stamp` (a string naming
 * the input and the settings it was made with) kept beside it. */
vo_status vo_page_save(vo_ctx *ctx, const vo_page *page, const char *stamp, vo_output *out);

/* vo_page_save into the file `path`, written atomically (temp file and
 * rename, src/util/output.h): on failure no file is left. */
vo_status vo_page_save_file(vo_ctx *ctx, const vo_page *page, const char *stamp, const char *path);

/* Read a page saved by vo_page_save. When `stamp` is not NULL and differs
 * from the saved one, returns VO_ERR_ARGUMENT (stale cache) with *out NULL.
 * A malformed file is VO_ERR_FORMAT naming `path`. */
vo_status vo_page_load(vo_ctx *ctx, const char *path, const char *stamp, vo_page **out);

#endif
