/* output.c: byte sinks for writers; file outputs are atomic (temp file in
 * the target directory, fsync, rename on close). */
#include "src/util/output.h"
#include "src/util/alloc.h"
#include "src/util/buf.h"
#include "src/util/tempfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
    char *path;     /* final name, as given (messages) */
    int dirfd;      /* OUT_FILE: the directory that holds both names */
    char *base;     /* OUT_FILE: final name in dirfd */
    char *tmp;      /* OUT_FILE: temp name in dirfd ("" once renamed) */
    int slot;       /* OUT_FILE: its entry in the signal handler's list */
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
        o->dirfd = -1;
        o->slot = -1;
    }
    return o;
}

static const char *kind_of_file(mode_t m)
{
    return S_ISDIR(m) ? "a directory" : S_ISCHR(m) || S_ISBLK(m) ? "a device"
         : S_ISFIFO(m) ? "a named pipe" : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

/* Write into an existing device, FIFO or socket in place; through a link
 * only when `follow` (a link the user named as the output). */
static vo_status open_device(vo_ctx *ctx, const char *path, int dirfd, const char *base,
                             int follow, vo_output **out)
{
    vo_output *d = new_output(OUT_DEVICE);
    if (!d || !(d->path = vo_strdup(path))) {
        vo_output_drop(d);
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", path);
    }
    d->fd = openat(dirfd, base, O_WRONLY | O_NOCTTY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
    if (d->fd < 0) {
        int e = errno;
        vo_output_drop(d);
        return vo_fail(ctx, VO_ERR_IO, "%s: cannot open: %s", path, strerror(e));
    }
    *out = d;
    return VO_OK;
}

/* The atomic output for `path`: its directory is opened once, the final
 * name in it checked without following links, the temp file made beside it
 * exclusively, and on close renamed in that same directory. */
static vo_status open_atomic(vo_ctx *ctx, const char *path, vo_output_links links,
                             vo_output **out)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return vo_fail(ctx, VO_ERR_IO, "%s: names a directory, not a file", path);
    vo_output *o = new_output(OUT_FILE);
    if (!o)
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", path);
    size_t n = strlen(base);
    o->path = vo_strdup(path);
    o->base = vo_strdup(base);
    o->tmp = vo_malloc(n + 32);
    char *dir = slash ? vo_strndup(path, slash == path ? 1 : (size_t)(slash - path)) : vo_strdup(".");
    if (!o->path || !o->base || !o->tmp || !dir) {
        vo_free(dir);
        vo_output_drop(o);
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", path);
    }
    o->tmp[0] = 0;
    o->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    vo_free(dir);
    if (o->dirfd < 0) {
        int e = errno;
        vo_output_drop(o);
        return vo_fail(ctx, VO_ERR_IO, "%s: cannot create: %s", path, strerror(e));
    }
    struct stat sb;
    if (fstatat(o->dirfd, base, &sb, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(sb.st_mode)) {
        vo_status st;
        if (S_ISLNK(sb.st_mode))
            st = vo_fail(ctx, VO_ERR_IO, "%s: is a symbolic link; refusing to write through it "
                         "or replace it (remove it, or write somewhere else)", path);
        else if ((links & VO_OUTPUT_DEVICES_IN_PLACE) && !S_ISDIR(sb.st_mode))
            st = open_device(ctx, path, o->dirfd, base, 0, out);
        else
            st = vo_fail(ctx, VO_ERR_IO, "%s: is %s; refusing to replace it with an output "
                         "(remove it, or write somewhere else)", path, kind_of_file(sb.st_mode));
        vo_output_drop(o);
        return st;
    }
    /* the temp file sits beside the target so rename stays atomic */
    char prefix[NAME_MAX + 1];
    snprintf(prefix, sizeof prefix, "%s.tmp-", base);
    o->fd = strlen(base) + 5 < sizeof prefix ? vo_temp_create(o->dirfd, prefix, "", o->tmp, n + 32)
                                             : (errno = ENAMETOOLONG, -1);
    if (o->fd < 0) {
        int e = errno;
        o->tmp[0] = 0;
        vo_output_drop(o);
        return vo_fail(ctx, VO_ERR_IO, "%s: cannot create: %s", path, strerror(e));
    }
    o->slot = vo_temp_track(o->dirfd, o->tmp);
    *out = o;
    return VO_OK;
}

vo_status vo_output_open_file(vo_ctx *ctx, const char *path, vo_output **out)
{
    *out = NULL;
    return open_atomic(ctx, path, 0, out);
}

vo_status vo_output_open_named(vo_ctx *ctx, const char *path, vo_output_links links,
                               vo_output **out)
{
    *out = NULL;
    struct stat lb, sb;
    if (!(links & VO_OUTPUT_FOLLOW_LINK) || lstat(path, &lb) != 0 || !S_ISLNK(lb.st_mode))
        return open_atomic(ctx, path, links, out);
    /* a symbolic link the user named (such as /dev/stdout redirected to a
     * file): a device it names is written in place, a file it names is
     * replaced, not the link */
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode) &&
        (links & VO_OUTPUT_DEVICES_IN_PLACE))
        return open_device(ctx, path, AT_FDCWD, path, 1, out);
    char *real = realpath(path, NULL);
    if (!real) /* a dangling link: refused like any link */
        return open_atomic(ctx, path, links, out);
    vo_status st = open_atomic(ctx, real, links, out);
    free(real);
    return st;
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
        /* in the directory checked at open: a link put at the final name
         * since is replaced, never written through */
        if (renameat(o->dirfd, o->tmp, o->dirfd, o->base) != 0)
            return vo_fail(ctx, VO_ERR_IO, "%s: cannot rename the finished file into place: %s",
                           o->path, strerror(errno));
        o->tmp[0] = 0;
        vo_temp_untrack(o->slot);
        o->slot = -1;
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
            unlinkat(o->dirfd, o->tmp, 0);
        vo_temp_untrack(o->slot);
        if (o->dirfd >= 0)
            close(o->dirfd);
    } else if (o->kind == OUT_DEVICE && o->fd >= 0) {
        close(o->fd);
    }
    vo_buf_free(&o->buf);
    vo_free(o->path);
    vo_free(o->base);
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
