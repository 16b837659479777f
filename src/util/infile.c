/* infile.c: read-only opens that accept regular files only. */
#include "src/util/infile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *vo_file_kind(unsigned mode)
{
    return S_ISREG(mode) ? "a regular file" : S_ISDIR(mode) ? "a directory"
         : S_ISCHR(mode) ? "a character device" : S_ISBLK(mode) ? "a block device"
         : S_ISFIFO(mode) ? "a named pipe" : S_ISSOCK(mode) ? "a socket"
         : S_ISLNK(mode) ? "a symbolic link" : "not a regular file";
}

int vo_open_regular(vo_ctx *ctx, const char *path, const char *hint)
{
    /* O_NONBLOCK: opening a pipe with no writer returns at once */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0) {
        int e = errno;
        if (e == ENXIO && stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) /* a socket */
            vo_fail(ctx, VO_ERR_UNSUPPORTED, "%s: is %s, not a regular file; only regular files "
                    "are read%s", path, vo_file_kind(sb.st_mode), hint ? hint : "");
        else
            vo_fail(ctx, VO_ERR_IO, "%s: cannot open: %s", path, strerror(e));
        return -1;
    }
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        vo_fail(ctx, VO_ERR_IO, "%s: cannot open: %s", path, strerror(e));
        return -1;
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        vo_fail(ctx, VO_ERR_UNSUPPORTED, "%s: is %s, not a regular file; only regular files are "
                "read%s", path, vo_file_kind(sb.st_mode), hint ? hint : "");
        return -1;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    return fd;
}
