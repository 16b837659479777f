/* resume.c: resuming a batch: the stamp of a done input, the page
 * cache, which files belong to this run's outputs, stale temporaries. */

#include "config.h"
#include "src/pipeline/run_impl.h"
#include "src/page/page_io.h"
#include "src/util/alloc.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *run_make_stamp(const run_job *job, const vo_input *in, int with_formats)
{
    const vo_run_opts *opts = job->opts;
    struct stat sb;
    long long size = -1, mtime = -1;
    if (stat(in->path, &sb) == 0) {
        size = (long long)sb.st_size;
        mtime = (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
    }
    vo_buf b = VO_BUF_INIT;
    vo_status st = vo_buf_printf(&b, "varco-ocr %s|%s|%lld|%lld|dpi %g|text %d%s%s%s|model %s",
                                 PACKAGE_VERSION, in->rel, size, mtime, (double)opts->dpi,
                                 opts->text_layer, opts->redo_ocr ? " redo" : "",
                                 opts->deskew ? " deskew" : "",
                                 opts->rotate_pages ? " rotate" : "",
                                 job->model_dir ? job->model_dir : "-");
    if (with_formats) {
        for (int i = 0; !st && i < opts->n_formats; i++)
            st = vo_buf_printf(&b, "|%s", vo_format_name(opts->formats[i]));
        if (!st)
            st = vo_buf_printf(&b, "|unit %d|pages %s", opts->alto_unit,
                               opts->pages_spec ? opts->pages_spec : "all");
    }
    if (st) {
        vo_buf_free(&b);
        return NULL;
    }
    return vo_buf_take(&b);
}

/* The size and FNV-1a (64 bits) of a file's bytes, read without following
 * a link: what a done marker records of each output. 0 when it was read. */
static int output_digest(const char *path, long long *size, unsigned long long *hash)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat sb;
    if (fd < 0)
        return -1;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return -1;
    }
    uint64_t h = 1469598103934665603ULL;
    long long total = 0;
    unsigned char buf[16384];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            h = (h ^ buf[i]) * 1099511628211ULL;
        total += n;
    }
    close(fd);
    if (n < 0)
        return -1;
    *size = total;
    *hash = h;
    return 0;
}

/* The done marker's lines that say what each output of the input was,
 * "output SIZE HASH SUFFIX" (the file is d->base + SUFFIX), so a resume can
 * tell a deleted or changed output from one it may keep. */
vo_status run_write_marker_outputs(vo_ctx *ctx, run_job *job, const doc_state *d,
                                   const int *pages, int n, vo_output *mo)
{
    const vo_run_opts *opts = job->opts;
    vo_status st = VO_OK;
    for (int i = 0; i < opts->n_formats && !st; i++) {
        vo_format f = opts->formats[i];
        int per_page = run_per_page_format(opts, f);
        for (int k = 0; k < (per_page ? n : 1) && !st; k++) {
            char suffix[64], path[PATH_MAX];
            if (per_page)
                snprintf(suffix, sizeof suffix, ".p%04d%s", pages[k], vo_format_suffix(f));
            else
                snprintf(suffix, sizeof suffix, "%s", vo_format_suffix(f));
            long long size;
            unsigned long long hash;
            if (snprintf(path, sizeof path, "%s%s", d->base, suffix) >= (int)sizeof path)
                return vo_fail(ctx, VO_ERR_IO, "%s%s: path too long", d->base, suffix);
            errno = 0;
            if (output_digest(path, &size, &hash) != 0)
                return vo_fail(ctx, VO_ERR_IO, "%s: cannot read the finished file back: %s",
                               path, errno ? strerror(errno) : "not a regular file");
            st = vo_output_printf(ctx, mo, "output %lld %016llx %s\n", size, hash, suffix);
        }
    }
    return st;
}

/* 1 when the done marker's first line is `stamp` and every output it lists
 * is there as it was written; then the page caches a crash may have left
 * behind (after the marker, before their removal) go. A marker that is not
 * a regular file, or below a linked folder, is no marker (the writes that
 * follow refuse the link and say so). An output that is missing or changed
 * is said, and the input is done again. */
int run_done_marker_matches(vo_ctx *ctx, const char *root, const char *marker,
                            const char *stamp, const char *cache, const char *base,
                            const char *input)
{
    if (run_check_parent_dirs(ctx, root, marker, PARENTS_CHECK)) {
        vo_clear_error(ctx);
        return 0;
    }
    int fd = open(marker, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat sb;
    FILE *f = fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) ? fdopen(fd, "r") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    char *got = NULL, *listed = NULL;
    size_t cap = 0;
    ssize_t n = getline(&got, &cap, f);
    int same = n > 0 && got[n - 1] == '\n' && (size_t)(n - 1) == strlen(stamp) &&
               memcmp(got, stamp, (size_t)(n - 1)) == 0;
    if (same && (n = getline(&got, &cap, f)) > 6 && strncmp(got, "pages ", 6) == 0)
        listed = vo_strdup(got + 6);
    while (same && (n = getline(&got, &cap, f)) > 0) {
        long long size, now_size = -1;
        unsigned long long hash, now_hash = 0;
        int end = 0;
        if (got[n - 1] == '\n')
            got[--n] = 0;
        if (sscanf(got, "output %lld %llx %n", &size, &hash, &end) != 2 || end == 0 ||
            !got[end] || strchr(got + end, '/')) {
            same = 0; /* not a marker this version wrote */
            break;
        }
        char path[PATH_MAX];
        if (snprintf(path, sizeof path, "%s%s", base, got + end) >= (int)sizeof path ||
            output_digest(path, &now_size, &now_hash) != 0 || now_size != size ||
            now_hash != hash) {
            struct stat ls;
            vo_warn(ctx, "%s: %s since the run that wrote it: %s is done again", path,
                    lstat(path, &ls) != 0   ? "missing"
                    : !S_ISREG(ls.st_mode) ? "no longer a regular file (a link, folder or device)"
                                           : "changed",
                    input);
            same = 0;
        }
    }
    if (same && listed) {
        char path[PATH_MAX];
        char *p = listed, *end;
        long first = strtol(p, &end, 10);
        snprintf(path, sizeof path, "%s.p%04ld.json", cache, first);
        if (end != p && access(path, F_OK) == 0) {
            for (long k; (k = strtol(p, &end, 10)), end != p; p = end) {
                snprintf(path, sizeof path, "%s.p%04ld.json", cache, k);
                unlink(path);
            }
        }
    }
    vo_free(listed);
    free(got);
    fclose(f);
    return same;
}

/* Per-page files of pages the document no longer has (it was shorter when
 * rewritten): DIR/NAME.pNNNN.SUFFIX with NNNN past n_pages, for the
 * per-page formats of this run. Removed once the input is done again. */
void run_remove_stale_page_files(vo_ctx *ctx, run_job *job, const doc_state *d, int n_pages)
{
    const vo_run_opts *opts = job->opts;
    char dir[PATH_MAX];
    const char *slash = strrchr(d->base, '/');
    if (!slash || (size_t)(slash - d->base) >= sizeof dir)
        return;
    memcpy(dir, d->base, (size_t)(slash - d->base));
    dir[slash - d->base] = 0;
    const char *name = slash + 1;
    size_t len = strlen(name);
    DIR *dh = opendir(dir);
    if (!dh)
        return;
    struct dirent *e;
    while ((e = readdir(dh))) {
        const char *s = e->d_name;
        if (strncmp(s, name, len) != 0 || strncmp(s + len, ".p", 2) != 0)
            continue;
        char *end;
        const char *digits = s + len + 2;
        if (*digits < '0' || *digits > '9')
            continue;
        long page = strtol(digits, &end, 10);
        if (page <= n_pages)
            continue;
        for (int i = 0; i < opts->n_formats; i++)
            if (run_per_page_format(opts, opts->formats[i]) &&
                strcmp(end, vo_format_suffix(opts->formats[i])) == 0) {
                if (unlinkat(dirfd(dh), s, 0) == 0)
                    vo_warn(ctx, "%s/%s removed: the document has only %d page%s now", dir, s,
                            n_pages, n_pages == 1 ? "" : "s");
                break;
            }
    }
    closedir(dh);
}

/* Deterministic shard of an input: FNV-1a of its output name. */
int run_in_shard(const vo_run_opts *opts, const vo_input *in)
{
    if (!opts->shard_count)
        return 1;
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)in->rel; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return (int)(h % (uint64_t)opts->shard_count) == opts->shard_index - 1;
}

/* `name` (n bytes, below the output directory, or below its .varco-ocr
 * when in_cache) is one of the files varco-ocr writes for output name rel. */
static int is_output_of(const vo_run_opts *opts, const char *name, size_t n, const char *rel,
                        int in_cache)
{
    size_t r = strlen(rel);
    if (n <= r + 1 || memcmp(name, rel, r) != 0 || name[r] != '.')
        return 0;
    const char *rest = name + r;
    size_t m = n - r;
    if (in_cache && m == 5 && memcmp(rest, ".done", 5) == 0)
        return 1;
    int per_page = m > 2 && rest[1] == 'p' && rest[2] >= '0' && rest[2] <= '9';
    if (per_page) {
        size_t k = 2;
        while (k < m && rest[k] >= '0' && rest[k] <= '9')
            k++;
        rest += k;
        m -= k;
    }
    if (in_cache)
        return per_page && m == 5 && memcmp(rest, ".json", 5) == 0;
    for (int i = 0; i < opts->n_formats; i++) {
        const char *suffix = vo_format_suffix(opts->formats[i]);
        if (per_page == run_per_page_format(opts, opts->formats[i]) && strlen(suffix) == m &&
            memcmp(rest, suffix, m) == 0)
            return 1;
    }
    return 0;
}

/* --report FILE may be neither an input nor a file the run writes (-o
 * FILE, an output in DIR or DIR/.varco-ocr): checked before the first page
 * and again before the report is written. */
vo_status run_check_report_path(vo_ctx *ctx, run_job *job)
{
    const vo_run_opts *opts = job->opts;
    const char *rp = opts->report;
    if (!rp)
        return VO_OK;
    const char *slash = strrchr(rp, '/');
    const char *rbase = slash ? slash + 1 : rp;
    char rdir[PATH_MAX], odir[PATH_MAX];
    run_dir_of(rp, rdir, sizeof rdir);
    for (int i = 0; i < job->inputs.n; i++) {
        const vo_input *in = &job->inputs.items[i];
        if (strcmp(in->path, "-") != 0 && run_same_file(rp, in->path))
            return vo_fail(ctx, VO_ERR_ARGUMENT, "--report %s: is the input %s; refusing to "
                           "write the report over it (give another file)", rp, in->path);
    }
    if (opts->output && strcmp(opts->output, "-") != 0) {
        const char *os = strrchr(opts->output, '/');
        if (run_same_file(rp, opts->output) ||
            (strcmp(os ? os + 1 : opts->output, rbase) == 0 &&
             run_same_dir(rdir, run_dir_of(opts->output, odir, sizeof odir))))
            return vo_fail(ctx, VO_ERR_ARGUMENT, "--report %s: is the output (-o %s); refusing "
                           "to write the report over it (give another file)", rp, opts->output);
    }
    if (opts->sidecar && strcmp(opts->sidecar, "-") != 0 &&
        (run_same_file(rp, opts->sidecar) || strcmp(rp, opts->sidecar) == 0))
        return vo_fail(ctx, VO_ERR_ARGUMENT, "--report %s: is the --sidecar file; refusing to "
                       "write the report over it (give another file)", rp);
    char *state = opts->output_dir ? run_path_printf("%s/.varco-ocr", opts->output_dir) : NULL;
    int in_state = state && run_same_dir(rdir, state);
    vo_free(state);
    if (in_state) /* the locks and markers there are ours */
        return vo_fail(ctx, VO_ERR_ARGUMENT, "--report %s: is in %s/.varco-ocr, where the run "
                       "keeps its state; give a file elsewhere", rp, opts->output_dir);
    for (int i = 0; opts->output_dir && i < job->inputs.n; i++) {
        const vo_input *in = &job->inputs.items[i];
        const char *rs = strrchr(in->rel, '/');
        const char *name = rs ? rs + 1 : in->rel;
        for (int in_cache = 0; in_cache <= 1; in_cache++) {
            char *base = run_path_printf("%s%s/%s", opts->output_dir, in_cache ? "/.varco-ocr" : "",
                                         in->rel);
            int clash = base && run_same_dir(rdir, run_dir_of(base, odir, sizeof odir)) &&
                        is_output_of(opts, rbase, strlen(rbase), name, in_cache);
            vo_free(base);
            if (clash)
                return vo_fail(ctx, VO_ERR_ARGUMENT, "--report %s: is a file this run writes for "
                               "%s in %s; refusing to write the report over it (give another "
                               "file)", rp, in->path, opts->output_dir);
        }
    }
    return VO_OK;
}

/* Remove DIR/…/NAME.tmp-XXXXXX files (src/util/output.c) whose NAME is an
 * output of an input of this run and shard: a run killed with kill -9
 * leaves them; each document belongs to one shard, so no other process
 * is writing them. Symbolic links are not followed. */
void run_remove_stale_temps(run_job *job, const char *dir, size_t root_len, int depth)
{
    if (depth > 64)
        return;
    DIR *dp = opendir(dir);
    if (!dp)
        return;
    struct dirent *e;
    while ((e = readdir(dp))) {
        const char *name = e->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        char *path = run_path_printf("%s/%s", dir, name);
        struct stat sb;
        if (!path || lstat(path, &sb) != 0) {
            vo_free(path);
            continue;
        }
        size_t n = strlen(path);
        if (S_ISDIR(sb.st_mode)) {
            run_remove_stale_temps(job, path, root_len, depth + 1);
        } else if (S_ISREG(sb.st_mode) && n > root_len + 12 &&
                   memcmp(path + n - 11, ".tmp-", 5) == 0) {
            const char *rel = path + root_len + 1;
            int in_cache = strncmp(rel, ".varco-ocr/", 11) == 0;
            if (in_cache)
                rel += 11;
            size_t len = (size_t)(path + n - 11 - rel);
            for (int i = 0; i < job->inputs.n; i++) {
                const vo_input *in = &job->inputs.items[i];
                if (strcmp(in->path, "-") != 0 && run_in_shard(job->opts, in) &&
                    is_output_of(job->opts, rel, len, in->rel, in_cache)) {
                    unlink(path);
                    break;
                }
            }
        }
        vo_free(path);
    }
    closedir(dp);
}

vo_status run_save_page_cache(vo_ctx *ctx, run_job *job, const doc_state *d, const vo_page *p)
{
    char *path = run_path_printf("%s.p%04d.json", d->cache, p->number);
    if (!path)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    vo_status st = run_make_parent_dirs(ctx, job->opts->output_dir, path);
    if (!st)
        st = vo_page_save_file(ctx, p, d->stamp, path);
    vo_free(path);
    return st;
}

vo_page *run_load_page_cache(vo_ctx *ctx, const doc_state *d, int page)
{
    char *path = run_path_printf("%s.p%04d.json", d->cache, page);
    vo_page *p = NULL;
    struct stat sb; /* a link or a FIFO put there is no cache: the page is redone */
    if (path && lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
        vo_page_load(ctx, path, d->stamp, &p) != VO_OK)
        vo_clear_error(ctx); /* stale or broken: the page is done again */
    vo_free(path);
    return p;
}
