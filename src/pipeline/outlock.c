/* outlock.c: the advisory lock of an output tree (see outlock.h). */
#include "src/pipeline/outlock.h"
#include "src/util/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* What a lock file says about its holder: "process N", or "it". */
static void holder_of(int fd, char *out, size_t cap)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    long pid = 0;
    if (n > 0) {
        buf[n] = 0;
        pid = strtol(buf, NULL, 10);
    }
    if (pid > 0)
        snprintf(out, cap, "process %ld", pid);
    else
        snprintf(out, cap, "it");
}

/* Open (making it) a lock file without following a link; a regular file. */
static int open_lock_file(vo_ctx *ctx, const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        int e = fd < 0 ? errno : 0;
        if (fd >= 0)
            close(fd);
        if (e == ELOOP)
            vo_fail(ctx, VO_ERR_IO, "%s: is a symbolic link; refusing to follow it (remove it)",
                    path);
        else if (e)
            vo_fail(ctx, VO_ERR_IO, "%s: cannot create the lock of the output folder: %s", path,
                    strerror(e));
        else
            vo_fail(ctx, VO_ERR_IO, "%s: is not a regular file (remove it)", path);
        return -1;
    }
    return fd;
}

/* Lock `path` (LOCK_SH or LOCK_EX). The holder's pid is named when it is
 * known to hold it alone: when we only asked to share it, or for a part.
 * A lock that is taken is waited for as `wait` says, polled every 0.1 s so
 * that *stop (SIGINT/SIGTERM) ends the wait. */
static vo_status take(vo_ctx *ctx, const char *out_dir, const char *path, int how,
                      const char *whose, int name_holder, const vo_out_lock_wait *wait,
                      int *fd_out)
{
    int fd = open_lock_file(ctx, path);
    if (fd < 0)
        return vo_last_status(ctx);
    double t0 = vo_monotonic_seconds();
    int said = 0;
    while (flock(fd, how | LOCK_NB) != 0) {
        if (errno == EINTR)
            continue;
        int e = errno;
        char holder[48] = "it";
        if (name_holder)
            holder_of(fd, holder, sizeof holder);
        double waited = vo_monotonic_seconds() - t0;
        if (e == EWOULDBLOCK && wait && wait->seconds != 0 &&
            (wait->seconds < 0 || waited < wait->seconds) && !(wait->stop && *wait->stop)) {
            if (!said) {
                vo_warn(ctx, "%s: another varco-ocr run%s is writing into this output folder "
                        "(%s holds %s): waiting for it to end (--wait-lock)",
                        out_dir, whose, holder, path);
                said = 1;
            }
            nanosleep(&(struct timespec){0, 100000000}, NULL);
            continue;
        }
        close(fd);
        if (e == EWOULDBLOCK && wait && wait->stop && *wait->stop)
            return vo_fail(ctx, VO_ERR_ABORT, "%s: interrupted while waiting for the lock %s",
                           out_dir, path);
        if (e == EWOULDBLOCK && said)
            return vo_fail(ctx, VO_ERR_IO,
                           "%s: another varco-ocr run%s still writes into this output folder "
                           "after %.1f s (%s holds %s): give --wait-lock more time, or another "
                           "--output-dir", out_dir, whose, waited, holder, path);
        if (e == EWOULDBLOCK)
            return vo_fail(ctx, VO_ERR_IO,
                           "%s: another varco-ocr run%s is writing into this output folder "
                           "(%s holds %s): wait for it to end (--wait-lock does), or give "
                           "another --output-dir; the shards of one job (--shard I/N) run side "
                           "by side", out_dir, whose, holder, path);
        return vo_fail(ctx, VO_ERR_IO, "%s: cannot lock: %s", path, strerror(e));
    }
    if (how == LOCK_EX) { /* for the message of a run that finds it taken */
        char pid[32];
        int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
        if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) != n)
            (void)ftruncate(fd, 0);
    }
    *fd_out = fd;
    return VO_OK;
}

vo_status vo_out_lock_take(vo_ctx *ctx, const char *out_dir, const char *cache_dir,
                           int shard_index, int shard_count, const vo_out_lock_wait *wait,
                           vo_out_lock *lk)
{
    char path[PATH_MAX];
    lk->fd_tree = lk->fd_part = -1;
    if (snprintf(path, sizeof path, "%s/run.lock", cache_dir) >= (int)sizeof path)
        return vo_fail(ctx, VO_ERR_IO, "%s: path too long", cache_dir);
    vo_status st = take(ctx, out_dir, path, shard_count ? LOCK_SH : LOCK_EX,
                        shard_count ? " without --shard" : "", shard_count != 0, wait,
                        &lk->fd_tree);
    if (st || !shard_count)
        return st;
    char whose[64];
    snprintf(whose, sizeof whose, " of the same shard %d/%d", shard_index, shard_count);
    if (snprintf(path, sizeof path, "%s/run-%d-of-%d.lock", cache_dir, shard_index, shard_count) >=
        (int)sizeof path)
        st = vo_fail(ctx, VO_ERR_IO, "%s: path too long", cache_dir);
    else
        st = take(ctx, out_dir, path, LOCK_EX, whose, 1, wait, &lk->fd_part);
    if (st)
        vo_out_lock_release(lk);
    return st;
}

void vo_out_lock_release(vo_out_lock *lk)
{
    if (lk->fd_part >= 0)
        close(lk->fd_part);
    if (lk->fd_tree >= 0)
        close(lk->fd_tree);
    lk->fd_tree = lk->fd_part = -1;
}
