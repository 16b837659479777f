/* output.c: byte sinks for writers; file outputs are atomic (temp file in
 * the target directory, fsync, rename on close). */
#include "output.h"
#include "alloc.h"
#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* OUT_DEVICE: an existing device, FIFO or socket named as the output
 * (-o /dev/null, a named pipe): written in place, never replaced. */
enum { OUT_FILE, OUT_FD, OUT_BUFFER, OUT_DEVICE };

struct vo_output {
    int kind;
    int fd;
    int closed;
    char *path;     /* final name */
    char *tmp;      /* temp name (OUT_FILE) */
    vo_buf buf;     /* OUT_BUFFER data, or pending bytes for fds */
};

static atomic_long write_countdown;

void vo_output_fail_after(long n) { atomic_store(&write_countdown, n > 0 ? n : 0); }

static int injected_write_fault(void)
{
    long c = atomic_load(&write_countdown);
    if (c <= 0)
        return 0;
    if (c == 1)
        return 1;
    atomic_fetch_sub(&write_countdown, 1);
    return 0;
}

static vo_output *new_output(int kind)
{
    vo_output *o = vo_calloc(1, sizeof *o);
    if (o) {
        o->kind = kind;
        o->fd = -1;
    }
    return o;
}

vo_status vo_output_open_file(vo_ctx *ctx, const char *path, vo_output **out)
{
    *out = NULL;
    struct stat sb, lb;
    int exists = stat(path, &sb) == 0;
    if (exists && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)) {
        vo_output *d = new_output(OUT_DEVICE);
        if (!d || !(d->path = vo_strdup(path))) {
            vo_output_drop(d);
            return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", path);
        }
        d->fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (d->fd < 0) {
            int e = errno;
            vo_output_drop(d);
            return vo_fail(ctx, VO_ERR_IO, "%s: cannot open: %s", path, strerror(e));
        }
        *out = d;
        return VO_OK;
    }
    vo_output *o = new_output(OUT_FILE);
    if (!o)
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", path);
    /* a symbolic link to a file (such as /dev/stdout redirected to one):
     * the file it names is replaced, not the link */
    char *real = exists && lstat(path, &lb) == 0 && S_ISLNK(lb.st_mode) ? realpath(path, NULL) : NULL;
    size_t n = strlen(real ? real : path);
    o->path = vo_strdup(real ? real : path);
    free(real);
    o->tmp = vo_malloc(n + 32);
    if (!o->path || !o->tmp) {
        vo_output_drop(o);
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", path);
    }
    /* the temp file sits beside the target so rename stays atomic */
    snprintf(o->tmp, n + 32, "%s.tmp-XXXXXX", o->path);
    o->fd = mkstemp(o->tmp);
    if (o->fd < 0) {
        int e = errno;
        o->tmp[0] = 0;
        vo_output_drop(o);
        return vo_fail(ctx, VO_ERR_IO, "%s: cannot create: %s", path, strerror(e));
    }
    (void)fchmod(o->fd, 0644); /* mkstemp makes 0600; outputs are ordinary files */
    *out = o;
    return VO_OK;
}

vo_status vo_output_open_fd(vo_ctx *ctx, int fd, const char *name, vo_output **out)
{
    *out = NULL;
    vo_output *o = new_output(OUT_FD);
    if (!o || !(o->path = vo_strdup(name ? name : "-"))) {
        vo_output_drop(o);
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    }
    o->fd = fd;
    *out = o;
    return VO_OK;
}

vo_status vo_output_open_buffer(vo_ctx *ctx, vo_output **out)
{
    *out = NULL;
    vo_output *o = new_output(OUT_BUFFER);
    if (!o || !(o->path = vo_strdup("(memory)"))) {
        vo_output_drop(o);
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    }
    *out = o;
    return VO_OK;
}

static vo_status write_all(vo_ctx *ctx, vo_output *o, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(o->fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return vo_fail(ctx, VO_ERR_IO, "%s: write failed: %s", o->path, strerror(errno));
        }
        p += w;
        n -= (size_t)w;
    }
    return VO_OK;
}

static vo_status flush_pending(vo_ctx *ctx, vo_output *o)
{
    if (o->kind == OUT_BUFFER || o->buf.len == 0)
        return VO_OK;
    vo_status st = write_all(ctx, o, o->buf.data, o->buf.len);
    vo_buf_reset(&o->buf);
    return st;
}

vo_status vo_output_write(vo_ctx *ctx, vo_output *o, const void *data, size_t n)
{
    if (o->closed)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "%s: write after close", o->path);
    if (injected_write_fault())
        return vo_fail(ctx, VO_ERR_IO, "%s: write failed: injected fault", o->path);
    if (vo_buf_append(&o->buf, data, n))
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", o->path);
    if (o->kind != OUT_BUFFER && o->buf.len >= 65536)
        return flush_pending(ctx, o);
    return VO_OK;
}

vo_status vo_output_puts(vo_ctx *ctx, vo_output *o, const char *s)
{
    return vo_output_write(ctx, o, s, strlen(s));
}

vo_status vo_output_printf(vo_ctx *ctx, vo_output *o, const char *fmt, ...)
{
    vo_buf tmp = VO_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    vo_status st = vo_buf_vprintf(&tmp, fmt, ap);
    va_end(ap);
    if (st) {
        vo_buf_free(&tmp);
        return vo_fail(ctx, st, "%s: out of memory", o->path);
    }
    st = vo_output_write(ctx, o, tmp.data, tmp.len);
    vo_buf_free(&tmp);
    return st;
}

vo_status vo_output_close(vo_ctx *ctx, vo_output *o)
{
    if (o->closed)
        return VO_OK;
    vo_status st = flush_pending(ctx, o);
    if (st)
        return st;
    if (o->kind == OUT_FILE) {
        if (fsync(o->fd) != 0)
            return vo_fail(ctx, VO_ERR_IO, "%s: fsync failed: %s", o->path, strerror(errno));
        if (close(o->fd) != 0) {
            o->fd = -1;
            return vo_fail(ctx, VO_ERR_IO, "%s: close failed: %s", o->path, strerror(errno));
        }
        o->fd = -1;
        if (rename(o->tmp, o->path) != 0)
            return vo_fail(ctx, VO_ERR_IO, "%s: cannot rename the finished file into place: %s",
                           o->path, strerror(errno));
        o->tmp[0] = 0;
    } else if (o->kind == OUT_DEVICE) {
        int r = close(o->fd);
        o->fd = -1;
        if (r != 0)
            return vo_fail(ctx, VO_ERR_IO, "%s: close failed: %s", o->path, strerror(errno));
    }
    o->closed = 1;
    return VO_OK;
}

void vo_output_drop(vo_output *o)
{
    if (!o)
        return;
    if (o->kind == OUT_FILE) {
        if (o->fd >= 0)
            close(o->fd);
        if (o->tmp && o->tmp[0])
            unlink(o->tmp);
    } else if (o->kind == OUT_DEVICE && o->fd >= 0) {
        close(o->fd);
    }
    vo_buf_free(&o->buf);
    vo_free(o->path);
    vo_free(o->tmp);
    vo_free(o);
}

const char *vo_output_data(const vo_output *o, size_t *len)
{
    if (o->kind != OUT_BUFFER)
        return NULL;
    if (len)
        *len = o->buf.len;
    return o->buf.data ? o->buf.data : "";
}

const char *vo_output_name(const vo_output *o) { return o->path; }
