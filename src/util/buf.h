/* buf.h: a growable byte buffer (strings, file contents). */
#ifndef VO_BUF_H
#define VO_BUF_H

#include <stddef.h>
#include "src/util/status.h"

typedef struct vo_buf {
    char *data;   /* always NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t cap;
} vo_buf;

#define VO_BUF_INIT {NULL, 0, 0}

vo_status vo_buf_append(vo_buf *b, const void *data, size_t n);
vo_status vo_buf_puts(vo_buf *b, const char *s);
vo_status vo_buf_putc(vo_buf *b, char c);
vo_status vo_buf_printf(vo_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
vo_status vo_buf_vprintf(vo_buf *b, const char *fmt, va_list ap);
void vo_buf_reset(vo_buf *b);   /* len = 0, keeps memory */
void vo_buf_free(vo_buf *b);    /* frees and re-initialises */
/* Hand the string over to the caller (to be vo_free'd); b is re-initialised. */
char *vo_buf_take(vo_buf *b);

/* Read a whole file (at most max_bytes; 0 = no limit) into b. Errors name
 * the path; on an error b is freed (empty). */
vo_status vo_read_file(vo_ctx *ctx, const char *path, size_t max_bytes, vo_buf *b);

#endif
