/* paths.c: output paths of a run: parent folders made without
 * following links, files opened and written through the output tree. */

#include "config.h"
#include "src/pipeline/run_impl.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

char *run_path_printf(const char *fmt, ...)
{
    vo_buf b = VO_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    vo_status st = vo_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (st) {
        vo_buf_free(&b);
        return NULL;
    }
    return vo_buf_take(&b);
}

/* mkdir -p for the directories of `path` below `root` (root itself too),
 * or with PARENTS_CHECK only the check: a symbolic link on the way is
 * refused, so outputs never leave root. */
vo_status run_check_parent_dirs(vo_ctx *ctx, const char *root, const char *path,
                                parent_dirs mode)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return vo_fail(ctx, VO_ERR_IO, "%s: path too long", path);
    char *last = strrchr(buf, '/');
    if (!last)
        return VO_OK;
    *last = 0;
    size_t root_len = strlen(root);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            struct stat sb;
            if (lstat(buf, &sb) == 0) {
                if (S_ISLNK(sb.st_mode) && strlen(buf) > root_len)
                    return vo_fail(ctx, VO_ERR_IO,
                                   "%s: is a symbolic link inside the output directory; "
                                   "refusing to follow it", buf);
                if (!S_ISDIR(sb.st_mode) && !S_ISLNK(sb.st_mode))
                    return vo_fail(ctx, VO_ERR_IO, "%s: exists and is not a directory", buf);
            } else if (mode == PARENTS_CHECK) {
                return VO_OK; /* nothing below a missing directory */
            } else if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
                return vo_fail(ctx, VO_ERR_IO, "%s: cannot create the directory: %s", buf,
                               strerror(errno));
            }
            *p = c;
            if (!c)
                break;
        }
    }
    return VO_OK;
}

vo_status run_make_parent_dirs(vo_ctx *ctx, const char *root, const char *path)
{
    return run_check_parent_dirs(ctx, root, path, PARENTS_CREATE);
}

/* Refuse to overwrite the input itself. */
int run_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

vo_status run_open_output(vo_ctx *ctx, run_job *job, const char *path, const char *input,
                          vo_output **out)
{
    if (strcmp(path, "-") == 0)
        return vo_output_open_fd(ctx, job->out_fd, "-", out);
    if (run_same_file(path, input))
        return vo_fail(ctx, VO_ERR_IO, "%s: refusing to write an output over the input", path);
    if (job->opts->output_dir) { /* never through a link below DIR */
        vo_status st = run_make_parent_dirs(ctx, job->opts->output_dir, path);
        return st ? st : vo_output_open_file(ctx, path, out);
    }
    /* -o FILE: the user's own name; a device is written in place, a link's
     * target replaced */
    return vo_output_open_named(ctx, path, VO_OUTPUT_DEVICES_IN_PLACE | VO_OUTPUT_FOLLOW_LINK, out);
}

/* ALTO goes one file per page in --output-dir mode (METS practice);
 * PAGE-XML holds one page per file in every mode. */
int run_per_page_format(const vo_run_opts *opts, vo_format f)
{
    return (opts->output_dir && f == VO_FORMAT_ALTO) || f == VO_FORMAT_PAGE;
}

/* Write one whole file from a list of pages through a fresh writer. */
vo_status run_write_file(vo_ctx *ctx, run_job *job, const char *path, const char *input,
                         vo_format f, const vo_doc_info *info, const vo_writer_opts *wopts,
                         vo_page *const *pages, int n)
{
    vo_output *out = NULL;
    vo_status st = run_open_output(ctx, job, path, input, &out);
    if (!st)
        st = vo_write_document(ctx, f, out, wopts, info, pages, n);
    if (!st)
        st = vo_output_close(ctx, out);
    vo_output_drop(out);
    return st;
}

/* The folder part of `path` ("." when none), in buf. */
const char *run_dir_of(const char *path, char *buf, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return ".";
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, path, n);
    buf[n] = 0;
    return buf;
}

/* 1 when folders a and b are one folder (the same text when neither is
 * there yet). */
int run_same_dir(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    return strcmp(a, b) == 0;
}
