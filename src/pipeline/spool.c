/* spool.c: standard input copied to a temporary file (MuPDF and libtiff
 * need to seek), with a size limit and removal on any signal. */

#include "config.h"
#include "src/pipeline/run_impl.h"
#include "src/source/sniff.h"
#include "src/util/alloc.h"
#include "src/util/tempfile.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

/* The spool file's suffix, from its first bytes as the source layer sniffs
 * them; a PDF's when they say nothing (MuPDF then says clearly that it is
 * not one). */
static const char *spool_suffix(const unsigned char *b, size_t n)
{
    const char *suffix = vo_doc_format_suffix(vo_sniff_format(b, n));
    return suffix ? suffix : ".pdf";
}

void run_remove_spool(spool_file *sp)
{
    if (sp->path) {
        unlinkat(sp->dirfd, sp->name, 0);
        vo_temp_untrack(sp->slot);
        vo_free(sp->path);
    }
    if (sp->has_dir)
        close(sp->dirfd);
    memset(sp, 0, sizeof *sp);
}

/* Wait until standard input has bytes (or its end); a SIGINT/SIGTERM ends
 * the wait within a fifth of a second, whichever thread it reached. */
static vo_status wait_stdin(vo_ctx *ctx)
{
    for (;;) {
        if (vo_run_stop)
            return vo_fail(ctx, VO_ERR_ABORT, "-: interrupted while reading standard input");
        struct pollfd pfd = {0, POLLIN, 0};
        int r = poll(&pfd, 1, 200);
        if (r > 0)
            return VO_OK;
        if (r < 0 && errno != EINTR)
            return VO_OK; /* read() says what is wrong */
    }
}

/* Up to `cap` bytes of standard input into buf (fewer only at its end). */
static vo_status read_stdin(vo_ctx *ctx, char *buf, size_t cap, size_t *got)
{
    *got = 0;
    while (*got < cap) {
        vo_status st = wait_stdin(ctx);
        if (st)
            return st;
        ssize_t n = read(0, buf + *got, cap - *got);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return vo_fail(ctx, VO_ERR_IO, "-: cannot read standard input: %s", strerror(errno));
        }
        *got += (size_t)n;
    }
    return VO_OK;
}

/* Standard input copied to a file (MuPDF and libtiff read files), chunk by
 * chunk as it comes, at most `limit` bytes; the suffix is sniffed from its
 * first bytes. */
vo_status run_spool_stdin(vo_ctx *ctx, unsigned long long limit, spool_file *sp)
{
    enum { CHUNK = 65536 };
    char *chunk = vo_malloc(CHUNK);
    if (!chunk)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    size_t n = 0;
    vo_status st = read_stdin(ctx, chunk, CHUNK, &n);
    if (!st && n == 0)
        st = vo_fail(ctx, VO_ERR_FORMAT, "-: standard input is empty");
    const char *tmp = getenv("TMPDIR");
    const char *dir = tmp && *tmp ? tmp : "/tmp";
    if (!st && (sp->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        st = vo_fail(ctx, VO_ERR_IO, "%s: cannot spool standard input there: %s (set TMPDIR)",
                     dir, strerror(errno));
    sp->has_dir = !st;
    int fd = -1;
    if (!st) {
        const char *suffix = spool_suffix((const unsigned char *)chunk, n);
        fd = vo_temp_create(sp->dirfd, "varco-ocr-stdin-", suffix, sp->name, sizeof sp->name);
        if (fd < 0)
            st = vo_fail(ctx, VO_ERR_IO, "%s: cannot spool standard input there: %s (set TMPDIR)",
                         dir, strerror(errno));
        else if (!(sp->path = run_path_printf("%s/%s", dir, sp->name)))
            st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        if (fd >= 0 && !sp->path)
            unlinkat(sp->dirfd, sp->name, 0);
        else if (fd >= 0) /* listed at once: a signal from here on removes it */
            sp->slot = vo_temp_track(sp->dirfd, sp->name);
    }
    unsigned long long total = 0;
    while (!st && n > 0) {
        if ((total += n) > limit) {
            st = vo_fail(ctx, VO_ERR_LIMIT,
                         "-: standard input is larger than --max-input-size (%llu bytes): "
                         "refused; raise the limit, or give the document as a file", limit);
            break;
        }
        for (size_t off = 0; off < n && !st;) {
            ssize_t w = write(fd, chunk + off, n - off);
            if (w < 0 && errno != EINTR)
                st = vo_fail(ctx, VO_ERR_IO, "%s: cannot spool standard input: %s", sp->path,
                             strerror(errno));
            else if (w > 0)
                off += (size_t)w;
        }
        if (!st)
            st = read_stdin(ctx, chunk, CHUNK, &n);
    }
    if (fd >= 0 && close(fd) != 0 && !st)
        st = vo_fail(ctx, VO_ERR_IO, "%s: cannot spool standard input: %s", sp->path,
                     strerror(errno));
    vo_free(chunk);
    if (st)
        run_remove_spool(sp);
    return st;
}
