/* output.h: where writers put bytes. A file output is atomic: bytes go to a
 * temporary file in the target directory, and only vo_output_close fsyncs
 * and renames it to the final name; dropping it unclosed removes the temp. */
#ifndef VO_OUTPUT_H
#define VO_OUTPUT_H

#include <stddef.h>
#include "src/util/status.h"

typedef struct vo_output vo_output;

/* Open an atomic file output for `path`, never through a symbolic link:
 * the temp file is made exclusively in path's directory and renamed there;
 * a link, device, FIFO, socket or directory at `path` is refused (only a
 * regular file is replaced). Fails with VO_ERR_IO naming path. */
vo_status vo_output_open_file(vo_ctx *ctx, const char *path, vo_output **out);

/* What a path the user named (-o FILE, --report FILE) may be besides a
 * regular file. */
typedef enum vo_output_links {
    VO_OUTPUT_DEVICES_IN_PLACE = 1, /* a device, FIFO or socket: written in place */
    VO_OUTPUT_FOLLOW_LINK = 2,      /* a symbolic link: what it names is written */
} vo_output_links;
/* vo_output_open_file, with what `links` (VO_OUTPUT_* bits) allows. */
vo_status vo_output_open_named(vo_ctx *ctx, const char *path, vo_output_links links,
                               vo_output **out);
/* Wrap an already open descriptor (stdout): not atomic, not closed by us. */
vo_status vo_output_open_fd(vo_ctx *ctx, int fd, const char *name, vo_output **out);
/* In-memory output (tests, intermediate buffers). */
vo_status vo_output_open_buffer(vo_ctx *ctx, vo_output **out);

vo_status vo_output_write(vo_ctx *ctx, vo_output *out, const void *data, size_t n);
vo_status vo_output_puts(vo_ctx *ctx, vo_output *out, const char *s);
vo_status vo_output_printf(vo_ctx *ctx, vo_output *out, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Flush; for a file: fsync, rename to the final name. The output stays
 * allocated (buffer data readable) until vo_output_drop. */
vo_status vo_output_close(vo_ctx *ctx, vo_output *out);
/* Accepts NULL. An unclosed file output's temp file is removed. */
void vo_output_drop(vo_output *out);

/* Bytes written so far to a buffer output (NUL-terminated), else NULL. */
const char *vo_output_data(const vo_output *out, size_t *len);
/* The final path (or the name given to open_fd). */
const char *vo_output_name(const vo_output *out);

/* Test hook: make the Nth write from now fail with VO_ERR_IO (0 = off). */
void vo_output_fail_after(long n);

#endif
