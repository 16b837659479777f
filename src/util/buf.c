/* buf.c: growable byte buffer and whole-file reads. */
#include "src/util/buf.h"
#include "src/util/alloc.h"
#include "src/util/infile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

vo_status vo_buf_append(vo_buf *b, const void *data, size_t n)
{
    size_t need;
    if (vo_add_size(&need, b->len, n) || vo_add_size(&need, need, 1))
        return VO_ERR_LIMIT;
    vo_status st = vo_grow((void **)&b->data, &b->cap, need, 1);
    if (st)
        return st;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = 0;
    return VO_OK;
}

vo_status vo_buf_puts(vo_buf *b, const char *s) { return vo_buf_append(b, s, strlen(s)); }
vo_status vo_buf_putc(vo_buf *b, char c) { return vo_buf_append(b, &c, 1); }

vo_status vo_buf_vprintf(vo_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return VO_ERR_ARGUMENT;
    if ((size_t)n < sizeof small)
        return vo_buf_append(b, small, (size_t)n);
    size_t need = b->len + (size_t)n + 1;
    vo_status st = vo_grow((void **)&b->data, &b->cap, need, 1);
    if (st)
        return st;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return VO_OK;
}

vo_status vo_buf_printf(vo_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vo_status st = vo_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return st;
}

void vo_buf_reset(vo_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = 0;
}

void vo_buf_free(vo_buf *b)
{
    vo_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

char *vo_buf_take(vo_buf *b)
{
    char *s = b->data;
    if (!s)
        s = vo_strdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

vo_status vo_read_file(vo_ctx *ctx, const char *path, size_t max_bytes, vo_buf *b)
{
    int fd = vo_open_regular(ctx, path, NULL);
    if (fd < 0)
        return vo_last_status(ctx);
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        int e = errno;
        close(fd);
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: cannot read: %s", path, strerror(e));
    }
    char chunk[65536];
    size_t n;
    vo_status st = VO_OK;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (max_bytes && b->len + n > max_bytes) {
            st = vo_fail(ctx, VO_ERR_LIMIT, "%s: larger than %zu bytes", path, max_bytes);
            break;
        }
        if ((st = vo_buf_append(b, chunk, n))) {
            st = vo_fail(ctx, st, "%s: out of memory reading the file", path);
            break;
        }
    }
    if (!st && ferror(f))
        st = vo_fail(ctx, VO_ERR_IO, "%s: read error: %s", path, strerror(errno));
    fclose(f);
    if (!st && !b->data && vo_buf_append(b, "", 0))
        st = vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory reading the file", path);
    if (st)
        vo_buf_free(b); /* nothing half read is left for the caller to free */
    return st;
}
