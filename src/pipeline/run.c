/* run.c: the flow of one command: inputs → documents (or saved raw pages)
 * → page models (text layer, OCR) → every writer; in --output-dir mode each
 * page is cached as it is done, so a batch resumes after any crash. */
#include "config.h"
#include "run.h"
#include "inputs.h"
#include "outlock.h"
#include "src/cli/signals.h"
#include "formats/overlay.h"
#include "src/ocr/bands.h"
#include "src/ocr/raw.h"
#include "src/page/page_io.h"
#include "src/source/blank.h"
#include "src/source/document.h"
#include "src/util/alloc.h"
#include "src/util/buf.h"
#include "src/util/tempfile.h"
#include "src/vlm/engine.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t vo_run_stop;

/* --- what happened, for the report and the exit code --- */

typedef struct page_rec {
    int page;
    char status;    /* 'd' done, 'f' failed, 'r' resumed (from an earlier run) */
    char source;    /* 't' text layer, 'o' OCR, 'w' raw output, 'e' empty, 'b' blank, '-' */
    float seconds;
    char *error;
    int bands;      /* OCR: bands the page was recognised in (0: not by the model) */
    int cut, looped; /* OCR: some text reached the token limit / a loop, even so */
    const char *text_layer_problem; /* why its own text was not trusted (static text) */
} page_rec;

typedef struct input_rec {
    vo_status status;
    int model_error; /* 1: the model folder is unusable, 2: the engine failed */
    int skipped;    /* 1 other shard, 2 already complete, 3 the same file as an earlier input */
    int input_error;
    double seconds;
    char *error;
    page_rec *pages;
    int n_pages;
    size_t cap_pages;
} input_rec;

/* --- pages saved by --raw-out, grouped by their source document --- */

typedef struct raw_ref {
    int page;
    char *path;
} raw_ref;

typedef struct raw_group {
    raw_ref *refs;  /* sorted by page */
    int n;
    size_t cap;
} raw_group;

typedef struct run_job {
    const vo_cli *cli;
    int out_fd;
    vo_input_list inputs;
    raw_group *groups;       /* --from-raw: one per input */
    input_rec *recs;
    atomic_int next;
    char *model_dir;
    atomic_int model_advice;  /* the how-to-get-the-model advice was given */
    long long timestamp;
    pthread_mutex_t lock;    /* messages, progress */
    /* progress */
    int progress;
    long total_pages;        /* -1 unknown */
    long pages_seen;
    double t0, last_draw;
    int drawn;
    int raw_errors;          /* --from-raw files that could not be read */
    /* the model, opened at the first page that needs OCR; one page at a time */
    pthread_mutex_t engine_lock;
    vo_engine *engine;
    int engine_tried;
    vo_status engine_status;
    char *engine_error;
} run_job;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* --- messages and progress --- */

static void clear_progress_locked(run_job *job)
{
    if (job->drawn) {
        fputs("\r\033[K", stderr);
        job->drawn = 0;
    }
}

static void run_log(void *user, int level, const char *msg)
{
    run_job *job = user;
    const char *tag = level == VO_LOG_ERROR ? "error: " : level == VO_LOG_WARN ? "warning: " : "";
    pthread_mutex_lock(&job->lock);
    clear_progress_locked(job);
    fprintf(stderr, "varco-ocr: %s%s\n", tag, msg);
    pthread_mutex_unlock(&job->lock);
}

static void progress_page(run_job *job, const char *current)
{
    if (!job->progress)
        return;
    pthread_mutex_lock(&job->lock);
    job->pages_seen++;
    double t = now_seconds();
    if (t - job->last_draw >= 0.2 || job->pages_seen == job->total_pages) {
        job->last_draw = t;
        double rate = job->pages_seen / (t - job->t0 > 1e-3 ? t - job->t0 : 1e-3);
        char eta[32] = "";
        if (job->total_pages > 0 && rate > 0) {
            long left = (long)((job->total_pages - job->pages_seen) / rate);
            snprintf(eta, sizeof eta, ", ETA %ld:%02ld", left / 60, left % 60);
        }
        const char *slash = strrchr(current, '/');
        if (job->total_pages > 0)
            fprintf(stderr, "\r\033[Kvarco-ocr: %ld/%ld pages, %.2f pages/s%s, %.40s",
                    job->pages_seen, job->total_pages, rate, eta, slash ? slash + 1 : current);
        else
            fprintf(stderr, "\r\033[Kvarco-ocr: %ld pages, %.2f pages/s, %.40s", job->pages_seen,
                    rate, slash ? slash + 1 : current);
        job->drawn = 1;
    }
    pthread_mutex_unlock(&job->lock);
}

/* Print the context's last error, prefixed by `where` unless the message
 * already starts with it; keep it for the report. */
static void report_error(vo_ctx *ctx, run_job *job, const char *where, char **keep)
{
    const char *msg = vo_last_error(ctx);
    char line[4096];
    if (where && strncmp(msg, where, strlen(where)) != 0)
        snprintf(line, sizeof line, "%s: %s", where, msg);
    else
        snprintf(line, sizeof line, "%s", msg);
    run_log(job, VO_LOG_ERROR, line);
    if (keep && !*keep)
        *keep = vo_strdup(line);
}

static page_rec *add_page_rec(input_rec *r, int page)
{
    if (vo_grow((void **)&r->pages, &r->cap_pages, (size_t)r->n_pages + 1, sizeof(page_rec)))
        return NULL;
    page_rec *p = &r->pages[r->n_pages++];
    memset(p, 0, sizeof *p);
    p->page = page;
    p->source = '-';
    return p;
}

static const char *page_status_name(char c)
{
    return c == 'd' ? "done" : c == 'r' ? "resumed" : c == 'f' ? "failed" : "unknown";
}

static const char *page_source_name(char c)
{
    return c == 't' ? "text-layer" : c == 'o' ? "ocr" : c == 'w' ? "raw" : c == 'e' ? "empty"
         : c == 'b' ? "blank" : NULL;
}

/* --- model folder --- */

static int is_model_dir(const char *dir)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/config.json", dir) >= (int)sizeof path)
        return 0;
    return access(path, R_OK) == 0;
}

char *vo_find_model_dir(const char *option)
{
    if (option)
        return is_model_dir(option) ? vo_strdup(option) : NULL;
    const char *env = getenv("VARCO_OCR_MODEL");
    if (env && *env)
        return is_model_dir(env) ? vo_strdup(env) : NULL;
    char path[PATH_MAX];
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    if (xdg && *xdg)
        snprintf(path, sizeof path, "%s/varco-ocr/VARCO-VISION-2.0-1.7B-OCR", xdg);
    else if (home && *home)
        snprintf(path, sizeof path, "%s/.local/share/varco-ocr/VARCO-VISION-2.0-1.7B-OCR", home);
    else
        path[0] = 0;
    if (path[0] && is_model_dir(path))
        return vo_strdup(path);
    snprintf(path, sizeof path, "%s/VARCO-VISION-2.0-1.7B-OCR", VO_DATADIR);
    return is_model_dir(path) ? vo_strdup(path) : NULL;
}

static char *path_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *path_printf(const char *fmt, ...)
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

/* --- standard input --- */

/* A suffix from the first bytes, since MuPDF chooses its handler by name. */
static const char *sniff_suffix(const unsigned char *b, size_t n)
{
    if (n >= 4 && memcmp(b, "%PDF", 4) == 0)
        return ".pdf";
    if (n >= 4 && (memcmp(b, "II*\0", 4) == 0 || memcmp(b, "MM\0*", 4) == 0 ||
                   memcmp(b, "II+\0", 4) == 0 || memcmp(b, "MM\0+", 4) == 0))
        return ".tif";
    if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
        return ".png";
    if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        return ".jpg";
    if (n >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '7')
        return ".pnm";
    return ".pdf"; /* MuPDF then says clearly that it is not a PDF */
}

/* The spool file of standard input: $TMPDIR/varco-ocr-stdin-XXXXXX.SUF,
 * listed for the signal handlers (src/util/tempfile.h) until removed. */
typedef struct spool_file {
    char *path;     /* full name, for the document reader */
    int has_dir;    /* dirfd is open */
    int dirfd;      /* $TMPDIR */
    char name[NAME_MAX + 1];
    int slot;
} spool_file;

static void remove_spool(spool_file *sp)
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
static vo_status spool_stdin(vo_ctx *ctx, unsigned long long limit, spool_file *sp)
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
        const char *suffix = sniff_suffix((const unsigned char *)chunk, n);
        fd = vo_temp_create(sp->dirfd, "varco-ocr-stdin-", suffix, sp->name, sizeof sp->name);
        if (fd < 0)
            st = vo_fail(ctx, VO_ERR_IO, "%s: cannot spool standard input there: %s (set TMPDIR)",
                         dir, strerror(errno));
        else if (!(sp->path = path_printf("%s/%s", dir, sp->name)))
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
        remove_spool(sp);
    return st;
}

/* --- output paths --- */

/* What check_parent_dirs does with a directory that is not there. */
typedef enum parent_dirs { PARENTS_CHECK, PARENTS_CREATE } parent_dirs;

/* mkdir -p for the directories of `path` below `root` (root itself too),
 * or with PARENTS_CHECK only the check: a symbolic link on the way is
 * refused, so outputs never leave root. */
static vo_status check_parent_dirs(vo_ctx *ctx, const char *root, const char *path,
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

static vo_status make_parent_dirs(vo_ctx *ctx, const char *root, const char *path)
{
    return check_parent_dirs(ctx, root, path, PARENTS_CREATE);
}

/* Refuse to overwrite the input itself. */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

static vo_status open_output(vo_ctx *ctx, run_job *job, const char *path, const char *input,
                             vo_output **out)
{
    if (strcmp(path, "-") == 0)
        return vo_output_open_fd(ctx, job->out_fd, "-", out);
    if (same_file(path, input))
        return vo_fail(ctx, VO_ERR_IO, "%s: refusing to write an output over the input", path);
    if (job->cli->output_dir) { /* never through a link below DIR */
        vo_status st = make_parent_dirs(ctx, job->cli->output_dir, path);
        return st ? st : vo_output_open_file(ctx, path, out);
    }
    /* -o FILE: the user's own name; a device is written in place, a link's
     * target replaced */
    return vo_output_open_named(ctx, path, VO_OUTPUT_DEVICES_IN_PLACE | VO_OUTPUT_FOLLOW_LINK, out);
}

/* ALTO goes one file per page in --output-dir mode (METS practice);
 * PAGE-XML holds one page per file in every mode. */
static int per_page_format(const vo_cli *cli, vo_format f)
{
    return (cli->output_dir && f == VO_FORMAT_ALTO) || f == VO_FORMAT_PAGE;
}

/* Write one whole file from a list of pages through a fresh writer. */
static vo_status write_file(vo_ctx *ctx, run_job *job, const char *path, const char *input,
                            vo_format f, const vo_doc_info *info, const vo_writer_opts *wopts,
                            vo_page *const *pages, int n)
{
    vo_output *out = NULL;
    vo_status st = open_output(ctx, job, path, input, &out);
    if (!st)
        st = vo_write_document(ctx, f, out, wopts, info, pages, n);
    if (!st)
        st = vo_output_close(ctx, out);
    vo_output_drop(out);
    return st;
}

/* --- where pages come from: a document, or saved raw pages --- */

typedef struct provider {
    vo_document *doc;
    raw_group *raw;
    int n_pages;            /* last page number */
    spool_file spool;       /* standard input copied to a file (spool.path) */
    int overlay_failed;     /* the source of raw pages could not be opened */
} provider;

static int provider_has_page(const provider *pv, const vo_cli *cli, int page)
{
    if (pv->raw) {
        for (int i = 0; i < pv->raw->n; i++)
            if (pv->raw->refs[i].page == page)
                return vo_page_ranges_contains(&cli->pages, page, pv->n_pages);
        return 0;
    }
    return vo_page_ranges_contains(&cli->pages, page, pv->n_pages);
}

/* An empty page of the right size, for pages kept without text (text-layer
 * only mode; a failed page in a multi-page stream, so numbering stays). */
static vo_page *empty_page(vo_ctx *ctx, provider *pv, int page, float dpi, const char *source)
{
    if (!pv->doc)
        return vo_new_page(page, 1, 1, 72, 72, source);
    vo_page_info info;
    memset(&info, 0, sizeof info);
    vo_document_page_info(ctx, pv->doc, page, &info);
    float dx = dpi, dy = dpi;
    if (dpi <= 0) {
        dx = info.native_dpi_x > 0 ? info.native_dpi_x : 300;
        dy = info.native_dpi_y > 0 ? info.native_dpi_y : dx;
    }
    int w = (int)ceilf(info.width_pt * dx / 72.0f - 0.01f);
    int h = (int)ceilf(info.height_pt * dy / 72.0f - 0.01f);
    vo_page *p = vo_new_page(page, w > 0 ? w : 1, h > 0 ? h : 1, dx, dy, source);
    if (p)
        p->origin = VO_PAGE_FROM_TEXT_LAYER;
    return p;
}

/* Log-probs of the generated tokens, by byte offset in the text. */
typedef struct ocr_collect {
    vo_buf *text;
    vo_token_lp *tokens;
    size_t n, cap;
    int failed;
    double deadline;   /* --page-timeout: monotonic seconds, 0 = none */
    int timed_out;     /* the callback stopped the engine at the deadline */
    vo_ground *items;  /* the items so far, for the loop check (NULL: none) */
    int looped;        /* the callback stopped a model writing the same items again */
} ocr_collect;

static int collect_piece(const char *piece, size_t len, float logprob, void *user)
{
    ocr_collect *c = user;
    (void)piece;
    /* the engine has appended the piece to the text already */
    if (vo_grow((void **)&c->tokens, &c->cap, c->n + 1, sizeof *c->tokens)) {
        c->failed = 1;
        return 0;
    }
    c->tokens[c->n].offset = c->text->len >= len ? c->text->len - len : 0;
    c->tokens[c->n].logprob = logprob;
    c->n++;
    if (c->deadline > 0 && now_seconds() > c->deadline) {
        c->timed_out = 1;
        return 1; /* stop this page: it is abandoned */
    }
    if (c->items && vo_ground_feed(c->items, piece, len, VO_LOGPROB_NONE) == VO_OK) {
        size_t n = 0;
        const vo_span *spans = vo_ground_spans(c->items, &n);
        if (vo_spans_loop(spans, n)) {
            c->looped = 1;
            return 1; /* a loop: this part of the page is recognised again in bands */
        }
    }
    return 0;
}

static vo_status open_engine_locked(vo_ctx *ctx, run_job *job)
{
    if (job->engine_tried) {
        if (job->engine)
            return VO_OK;
        return vo_fail(ctx, job->engine_status, "%s", job->engine_error ? job->engine_error : "");
    }
    job->engine_tried = 1;
    int batch = job->cli->batch > 0 ? job->cli->batch : job->cli->jobs;
    batch = batch < VO_ENGINE_BATCH_MAX ? batch : VO_ENGINE_BATCH_MAX;
    vo_engine_opts eo = {job->cli->threads, job->cli->max_tokens, 0, job->cli->device,
                         job->cli->kv_type, batch, job->cli->no_draft};
    vo_status st = vo_engine_open(ctx, job->model_dir, &eo, &job->engine);
    vo_engine_set_cancel(job->engine, &vo_run_stop); /* SIGINT/SIGTERM: the page is dropped */
    vo_signals_install(); /* ours again: PoCL's LLVM installs its own */
    if (!st)
        vo_info(ctx, "up to %d pages in flight (--batch; pages come from the %d --jobs workers)",
                batch, job->cli->jobs);
    if (st) {
        job->engine_status = st;
        vo_fail_where(ctx, "%s: cannot load the model: ", job->model_dir);
        job->engine_error = vo_strdup(vo_last_error(ctx));
    }
    return st;
}

/* --page-timeout: a page past its deadline is abandoned between stages
 * (the engine's piece callback stops generation at the deadline). */
static vo_status check_deadline(vo_ctx *ctx, const run_job *job, double deadline,
                                const char *source, int page, const char *stage)
{
    if (deadline <= 0 || now_seconds() <= deadline)
        return VO_OK;
    return vo_fail(ctx, VO_ERR_LIMIT,
                   "%s: page %d: abandoned %s: it took longer than --page-timeout %g s; the "
                   "other pages go on (raise --page-timeout to allow it more time)",
                   source, page, stage, job->cli->page_timeout);
}

/* --- bands: a page too dense for one pass is recognised again in parts --- */

#define BAND_DEPTH 3          /* halvings at most: 8 bands */
#define BAND_MIN_ROWS 64      /* a band is not split below this */

/* What a page's recognition says besides its text (the report's "bands",
 * "cut", "looped"). */
typedef struct ocr_note {
    int blank;   /* no ink that could be writing: not sent to the model */
    const char *text_layer_problem; /* why the page's own text was not used */
    int bands;   /* bands it was recognised in (1: the whole page) */
    int cut;     /* some of it reached the token limit even so */
    int looped;  /* some of it fell into a loop even so */
} ocr_note;

/* One image given to the model: rows [band.y0, band.y1) of the page. */
typedef struct band_leaf {
    vo_band band;
    vo_buf text;
    vo_token_lp *tokens;
    size_t n_tokens;
    int n_gen;            /* tokens the model generated */
    int cut, looped, timed_out;
} band_leaf;

static void band_leaf_free(band_leaf *b)
{
    vo_buf_free(&b->text);
    vo_free(b->tokens);
    b->tokens = NULL;
}

/* The model over rows b->band of the raster (a view: no copy). */
static vo_status recognise_rows(vo_ctx *ctx, run_job *job, const vo_raster *r, const char *source,
                                int page, double deadline, band_leaf *b)
{
    ocr_collect col = {&b->text, NULL, 0, 0, 0, deadline, 0, NULL, 0};
    vo_status st = vo_ground_new(ctx, NULL, &col.items);
    if (st)
        return st;
    /* one of the pages in flight: the -j workers' pages share decode steps */
    vo_engine_page pg = {r->rgb + (size_t)b->band.y0 * (size_t)r->stride, r->width,
                         b->band.y1 - b->band.y0, r->stride, collect_piece, &col, &b->text,
                         0, false, false, 0, 0};
    st = vo_engine_ocr_page(ctx, job->engine, &pg);
    vo_drop_ground(col.items);
    if (!st)
        vo_info(ctx, "%s: page %d: rows %d-%d: %d tokens in %d passes over the model (%.2f a "
                "token), up to %d pages in flight", source, page, b->band.y0, b->band.y1,
                pg.n_tokens, pg.n_passes,
                pg.n_tokens > 0 ? (double)pg.n_passes / pg.n_tokens : 0.0, pg.in_flight);
    if (!st && col.failed)
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    b->tokens = col.tokens;
    b->n_tokens = col.n;
    b->n_gen = pg.n_tokens;
    b->cut = pg.cut;
    b->looped = col.looped;
    b->timed_out = col.timed_out;
    return st;
}

/* A recognised band (*b, taken over): kept as a leaf, or, while it is cut
 * or loops and may be halved (depth > 0, rows enough), recognised again as
 * two halves that share `overlap` rows, each in turn the same way. The
 * leaves go to *leaves in order, top to bottom. */
static vo_status recognise_split(vo_ctx *ctx, run_job *job, const vo_raster *r, const char *source,
                                 int page, double deadline, band_leaf *b, int depth, int overlap,
                                 band_leaf **leaves, size_t *n, size_t *cap)
{
    vo_band halves[2];
    vo_status st = VO_OK;
    if (!b->timed_out && (b->cut || b->looped) && depth > 0 &&
        b->band.y1 - b->band.y0 >= BAND_MIN_ROWS && vo_band_split(b->band, overlap, halves)) {
        band_leaf_free(b);
        for (int k = 0; k < 2 && !st; k++) {
            band_leaf h = {halves[k], VO_BUF_INIT, NULL, 0, 0, 0, 0, 0};
            st = recognise_rows(ctx, job, r, source, page, deadline, &h);
            if (!st)
                st = recognise_split(ctx, job, r, source, page, deadline, &h, depth - 1, overlap,
                                     leaves, n, cap);
            else
                band_leaf_free(&h);
        }
        return st;
    }
    if (vo_grow((void **)leaves, cap, *n + 1, sizeof **leaves)) {
        band_leaf_free(b);
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    }
    (*leaves)[(*n)++] = *b;
    *b = (band_leaf){b->band, VO_BUF_INIT, NULL, 0, 0, 0, 0, 0};
    return VO_OK;
}

/* rows shared by neighbouring bands: more than two lines high at any
 * resolution */
static int band_overlap(const vo_raster *r)
{
    return r->height / 16 > 64 ? r->height / 16 : 64;
}

/* 1 when the whole page can be halved into bands */
static int can_band(const vo_raster *r)
{
    vo_band halves[2];
    return r->height >= BAND_MIN_ROWS &&
           vo_band_split((vo_band){0, r->height}, band_overlap(r), halves);
}

/* The page in bands; its merged text and log-probs into text and col. */
static vo_status recognise_banded(vo_ctx *ctx, run_job *job, const vo_raster *r,
                                  const char *source, int page, double deadline, band_leaf *whole,
                                  vo_buf *text, ocr_collect *col, ocr_note *note)
{
    int overlap = band_overlap(r);
    band_leaf *leaves = NULL;
    size_t n = 0, cap = 0;
    vo_status st = recognise_split(ctx, job, r, source, page, deadline, whole, BAND_DEPTH,
                                   overlap, &leaves, &n, &cap);
    vo_band *bands = vo_malloc(sizeof *bands * (n ? n : 1));
    const char **texts = vo_malloc(sizeof *texts * (n ? n : 1));
    size_t *lens = vo_malloc(sizeof *lens * (n ? n : 1)), *nt = vo_malloc(sizeof *nt * (n ? n : 1));
    const vo_token_lp **toks = vo_malloc(sizeof *toks * (n ? n : 1));
    if (!st && (!bands || !texts || !lens || !nt || !toks))
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; !st && i < n; i++) {
        bands[i] = leaves[i].band;
        texts[i] = leaves[i].text.data ? leaves[i].text.data : "";
        lens[i] = leaves[i].text.len;
        toks[i] = leaves[i].tokens;
        nt[i] = leaves[i].n_tokens;
        note->cut |= leaves[i].cut;
        note->looped |= leaves[i].looped;
        col->timed_out |= leaves[i].timed_out;
    }
    size_t items = 0, dups = 0;
    if (!st) {
        vo_buf_reset(text);
        col->n = 0;
        st = vo_bands_merge(ctx, bands, texts, lens, toks, nt, (int)n, r->width, r->height, text,
                            &col->tokens, &col->n, &items, &dups);
        col->cap = col->n;
    }
    if (!st) {
        note->bands = (int)n;
        vo_info(ctx, "%s: page %d: recognised in %zu bands: %zu items, %zu seen twice at the "
                "seams kept once", source, page, n, items, dups);
    }
    for (size_t i = 0; i < n; i++)
        band_leaf_free(&leaves[i]);
    vo_free(leaves);
    vo_free(bands);
    vo_free(texts);
    vo_free(lens);
    vo_free(nt);
    vo_free(toks);
    return st;
}

static vo_status ocr_page(vo_ctx *ctx, run_job *job, provider *pv, int page, const vo_input *in,
                          double *deadline, vo_page **out, ocr_note *note, int *model_error)
{
    const char *source = in->path;
    vo_raster *r = NULL;
    vo_source_limits limits = {job->cli->max_pixels};
    vo_status st = vo_render_page(ctx, pv->doc, page, job->cli->dpi, &limits, &r);
    if (!st)
        st = check_deadline(ctx, job, *deadline, source, page, "after rendering");
    if (!st && !job->cli->no_blank_skip) { /* a blank page needs no model */
        vo_blank_check blank;
        st = vo_check_blank(ctx, r, &blank);
        if (!st && blank.blank) {
            note->blank = 1;
            vo_info(ctx, "%s: page %d is blank (%d specks, borders or holes set aside): written "
                    "empty, not recognised", source, page, blank.set_aside);
            *out = vo_new_page(page, r->width, r->height, r->dpi_x, r->dpi_y, source);
            vo_drop_raster(r);
            return *out ? VO_OK : vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        }
    }
    if (st) {
        vo_drop_raster(r);
        return st;
    }
    if (!job->model_dir) {
        vo_drop_raster(r);
        *model_error = 1;
        /* how to get the model: said once a run, not for every page */
        if (!atomic_exchange(&job->model_advice, 1)) {
            const char *xdg = getenv("XDG_DATA_HOME");
            char advice[PATH_MAX + 512];
            snprintf(advice, sizeof advice,
                     "pages without a text layer need OCR, but no model folder was found: "
                     "download it with 'huggingface-cli download "
                     "NCSOFT/VARCO-VISION-2.0-1.7B-OCR --local-dir "
                     "%s/varco-ocr/VARCO-VISION-2.0-1.7B-OCR' or pass --model DIR "
                     "(--text-layer only never needs the model)",
                     xdg && *xdg ? xdg : "~/.local/share");
            run_log(job, VO_LOG_ERROR, advice);
        }
        return vo_fail(ctx, VO_ERR_MISSING,
                       "%s: page %d has no text layer and needs OCR, but no model folder was "
                       "found", source, page);
    }
    vo_buf text = VO_BUF_INIT;
    ocr_collect col = {&text, NULL, 0, 0, 0, 0, 0, NULL, 0};
    double t0 = now_seconds();
    pthread_mutex_lock(&job->engine_lock);
    if (*deadline > 0) { /* waiting for the model to load does not count */
        *deadline += now_seconds() - t0;
        col.deadline = *deadline;
    }
    st = open_engine_locked(ctx, job);
    pthread_mutex_unlock(&job->engine_lock);
    if (st) {
        *model_error = 1;
    } else {
        band_leaf whole = {{0, r->height}, VO_BUF_INIT, NULL, 0, 0, 0, 0, 0};
        st = recognise_rows(ctx, job, r, source, page, col.deadline, &whole);
        int whole_tokens = whole.n_gen;
        col.timed_out = whole.timed_out;
        note->bands = 1;
        if (!st && !whole.timed_out && (whole.cut || whole.looped) && !job->cli->no_band &&
            can_band(r)) {
            /* too dense for one pass, or a loop: the page again in bands */
            vo_info(ctx, "%s: page %d: %s; recognised again in bands", source, page,
                    whole.looped ? "the model wrote the same items again and again"
                                 : "the model's output did not fit its token limit");
            st = recognise_banded(ctx, job, r, source, page, col.deadline, &whole, &text, &col,
                                  note);
        } else if (!st) {
            vo_buf_free(&text);
            text = whole.text;
            whole.text = (vo_buf)VO_BUF_INIT;
            col.tokens = whole.tokens;
            col.n = whole.n_tokens;
            whole.tokens = NULL;
            note->cut = whole.cut;
            note->looped = whole.looped;
        }
        band_leaf_free(&whole);
        if (st && !(st == VO_ERR_ABORT && vo_run_stop))
            *model_error = 2;
        const char *limit = job->cli->max_tokens > 0 ? "--max-tokens" : "the model's context";
        if (!st && note->cut && note->bands > 1)
            vo_warn(ctx, "%s: page %d: the model's output reached its limit (%s) in a band, after "
                    "banding: the text at the end of that band is missing", source, page, limit);
        else if (!st && note->cut)
            vo_warn(ctx, "%s: page %d: the model's output reached its limit of %d tokens (%s) "
                    "before the end of the page: the text after that is missing", source, page,
                    whole_tokens, limit);
        if (!st && note->looped)
            vo_warn(ctx, "%s: page %d: the model kept writing the same items%s; they were "
                    "stopped and are kept once", source, page,
                    note->bands > 1 ? " in a band, after banding" : "");
    }
    if (!st && col.failed)
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    if (!st && col.timed_out)
        st = check_deadline(ctx, job, col.deadline, source, page, "during recognition");
    vo_raw_page raw;
    memset(&raw, 0, sizeof raw);
    raw.source = (char *)source;
    raw.page = page;
    raw.width = r->width;
    raw.height = r->height;
    raw.dpi = r->dpi_x;
    raw.text = text.data ? text.data : (char *)"";
    raw.text_len = text.len;
    raw.model = job->model_dir;
    raw.tokens = col.tokens;
    raw.n_tokens = col.n;
    raw.gen_seconds = now_seconds() - t0;
    if (!st && job->cli->raw_out) {
        char *base = path_printf("%s/%s", job->cli->raw_out, in->rel);
        char *path = NULL;
        st = base ? vo_raw_file_name(ctx, base, page, &path)
                  : vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        if (!st)
            st = make_parent_dirs(ctx, job->cli->raw_out, path);
        if (!st)
            st = vo_raw_write(ctx, path, &raw);
        vo_free(base);
        vo_free(path);
    }
    if (!st)
        st = vo_raw_to_page(ctx, &raw, NULL, NULL, out);
    vo_free(col.tokens);
    vo_buf_free(&text);
    vo_drop_raster(r);
    return st;
}

/* The page model of one page; *kind says where it came from. */
static vo_status get_page(vo_ctx *ctx, run_job *job, provider *pv, int page, const vo_input *in,
                          double *deadline, vo_page **out, char *kind, ocr_note *note,
                          int *model_error)
{
    const char *source = in->path;
    const vo_cli *cli = job->cli;
    *out = NULL;
    vo_status st;
    if (pv->raw) {
        for (int i = 0; i < pv->raw->n; i++) {
            if (pv->raw->refs[i].page != page)
                continue;
            vo_raw_page raw;
            if ((st = vo_raw_read(ctx, pv->raw->refs[i].path, &raw)))
                return st;
            /* the source as found from the raw file's folder (collect_raw) */
            char *found = vo_strdup(source);
            if (!found) {
                vo_raw_free(&raw);
                return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
            }
            vo_free(raw.source);
            raw.source = found;
            st = vo_raw_to_page(ctx, &raw, NULL, NULL, out);
            vo_raw_free(&raw);
            *kind = 'w';
            return st;
        }
        return vo_fail(ctx, VO_ERR_ARGUMENT, "%s: no saved page %d", source, page);
    }
    if (cli->text_layer != VO_TEXT_IGNORE) {
        vo_page_info info;
        if ((st = vo_document_page_info(ctx, pv->doc, page, &info)))
            return st;
        if (info.has_text) {
            vo_text_quality q;
            if ((st = vo_extract_text_layer_checked(ctx, pv->doc, page, cli->dpi, out, &q)))
                return st;
            if (*out && q.problem && cli->text_layer == VO_TEXT_AUTO) {
                vo_warn(ctx, "%s: page %d: its text layer is unreliable (%s: %d of %d "
                        "characters); the page is recognised by the model instead", source,
                        page, q.problem, q.replacement + q.private_use + q.control + q.invalid,
                        q.chars);
                note->text_layer_problem = q.problem;
                vo_drop_page(*out);
                *out = NULL;
            } else if (*out) {
                if (q.problem) {
                    vo_warn(ctx, "%s: page %d: its text layer is unreliable (%s: %d of %d "
                            "characters); kept as it is (--text-layer only)", source, page,
                            q.problem, q.replacement + q.private_use + q.control + q.invalid,
                            q.chars);
                    note->text_layer_problem = q.problem;
                }
                *kind = 't';
                return VO_OK;
            }
        }
        if (cli->text_layer == VO_TEXT_ONLY) {
            *out = empty_page(ctx, pv, page, cli->dpi, source);
            *kind = 'e';
            return *out ? VO_OK : vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        }
    }
    *kind = 'o';
    st = ocr_page(ctx, job, pv, page, in, deadline, out, note, model_error);
    if (note->blank)
        *kind = 'b';
    return st;
}

/* --- identity of an input and its settings (resume) --- */

static char *make_stamp(const run_job *job, const vo_input *in, int with_formats)
{
    const vo_cli *cli = job->cli;
    struct stat sb;
    long long size = -1, mtime = -1;
    if (stat(in->path, &sb) == 0) {
        size = (long long)sb.st_size;
        mtime = (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
    }
    vo_buf b = VO_BUF_INIT;
    vo_status st = vo_buf_printf(&b, "varco-ocr %s|%s|%lld|%lld|dpi %g|text %d|model %s",
                                 PACKAGE_VERSION, in->rel, size, mtime, (double)cli->dpi,
                                 cli->text_layer, job->model_dir ? job->model_dir : "-");
    if (with_formats) {
        for (int i = 0; !st && i < cli->n_formats; i++)
            st = vo_buf_printf(&b, "|%s", vo_format_name(cli->formats[i]));
        if (!st)
            st = vo_buf_printf(&b, "|unit %d|pages %s", cli->alto_unit,
                               cli->pages_spec ? cli->pages_spec : "all");
    }
    if (st) {
        vo_buf_free(&b);
        return NULL;
    }
    return vo_buf_take(&b);
}

/* 1 when the done marker's first line is `stamp`; then the page caches a
 * crash may have left behind (after the marker, before their removal) go.
 * A marker that is not a regular file, or below a linked folder, is no
 * marker (the writes that follow refuse the link and say so). */
static int done_marker_matches(vo_ctx *ctx, const char *root, const char *marker,
                               const char *stamp, const char *cache)
{
    if (check_parent_dirs(ctx, root, marker, PARENTS_CHECK)) {
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
    char *got = NULL;
    size_t cap = 0;
    ssize_t n = getline(&got, &cap, f);
    int same = n > 0 && got[n - 1] == '\n' && (size_t)(n - 1) == strlen(stamp) &&
               memcmp(got, stamp, (size_t)(n - 1)) == 0;
    if (same && (n = getline(&got, &cap, f)) > 6 && strncmp(got, "pages ", 6) == 0) {
        char path[PATH_MAX];
        char *p = got + 6, *end;
        long first = strtol(p, &end, 10);
        snprintf(path, sizeof path, "%s.p%04ld.json", cache, first);
        if (end != p && access(path, F_OK) == 0) {
            for (long k; (k = strtol(p, &end, 10)), end != p; p = end) {
                snprintf(path, sizeof path, "%s.p%04ld.json", cache, k);
                unlink(path);
            }
        }
    }
    free(got);
    fclose(f);
    return same;
}

/* Deterministic shard of an input: FNV-1a of its output name. */
static int in_shard(const vo_cli *cli, const vo_input *in)
{
    if (!cli->shard_count)
        return 1;
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)in->rel; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return (int)(h % (uint64_t)cli->shard_count) == cli->shard_index - 1;
}

/* --- temporary files that a killed run left in the output tree --- */

/* `name` (n bytes, below the output directory, or below its .varco-ocr
 * when in_cache) is one of the files varco-ocr writes for output name rel. */
static int is_output_of(const vo_cli *cli, const char *name, size_t n, const char *rel,
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
    for (int i = 0; i < cli->n_formats; i++) {
        const char *suffix = vo_format_suffix(cli->formats[i]);
        if (per_page == per_page_format(cli, cli->formats[i]) && strlen(suffix) == m &&
            memcmp(rest, suffix, m) == 0)
            return 1;
    }
    return 0;
}

/* --- the report's own path --- */

/* The folder part of `path` ("." when none), in buf. */
static const char *dir_of(const char *path, char *buf, size_t cap)
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
static int same_dir(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    return strcmp(a, b) == 0;
}

/* --report FILE may be neither an input nor a file the run writes (-o
 * FILE, an output in DIR or DIR/.varco-ocr): checked before the first page
 * and again before the report is written. */
static vo_status check_report_path(vo_ctx *ctx, run_job *job)
{
    const vo_cli *cli = job->cli;
    const char *rp = cli->report;
    if (!rp)
        return VO_OK;
    const char *slash = strrchr(rp, '/');
    const char *rbase = slash ? slash + 1 : rp;
    char rdir[PATH_MAX], odir[PATH_MAX];
    dir_of(rp, rdir, sizeof rdir);
    for (int i = 0; i < job->inputs.n; i++) {
        const vo_input *in = &job->inputs.items[i];
        if (strcmp(in->path, "-") != 0 && same_file(rp, in->path))
            return vo_fail(ctx, VO_ERR_ARGUMENT, "--report %s: is the input %s; refusing to "
                           "write the report over it (give another file)", rp, in->path);
    }
    if (cli->output && strcmp(cli->output, "-") != 0) {
        const char *os = strrchr(cli->output, '/');
        if (same_file(rp, cli->output) ||
            (strcmp(os ? os + 1 : cli->output, rbase) == 0 &&
             same_dir(rdir, dir_of(cli->output, odir, sizeof odir))))
            return vo_fail(ctx, VO_ERR_ARGUMENT, "--report %s: is the output (-o %s); refusing "
                           "to write the report over it (give another file)", rp, cli->output);
    }
    if (cli->sidecar && strcmp(cli->sidecar, "-") != 0 &&
        (same_file(rp, cli->sidecar) || strcmp(rp, cli->sidecar) == 0))
        return vo_fail(ctx, VO_ERR_ARGUMENT, "--report %s: is the --sidecar file; refusing to "
                       "write the report over it (give another file)", rp);
    char *state = cli->output_dir ? path_printf("%s/.varco-ocr", cli->output_dir) : NULL;
    int in_state = state && same_dir(rdir, state);
    vo_free(state);
    if (in_state) /* the locks and markers there are ours */
        return vo_fail(ctx, VO_ERR_ARGUMENT, "--report %s: is in %s/.varco-ocr, where the run "
                       "keeps its state; give a file elsewhere", rp, cli->output_dir);
    for (int i = 0; cli->output_dir && i < job->inputs.n; i++) {
        const vo_input *in = &job->inputs.items[i];
        const char *rs = strrchr(in->rel, '/');
        const char *name = rs ? rs + 1 : in->rel;
        for (int in_cache = 0; in_cache <= 1; in_cache++) {
            char *base = path_printf("%s%s/%s", cli->output_dir, in_cache ? "/.varco-ocr" : "",
                                     in->rel);
            int clash = base && same_dir(rdir, dir_of(base, odir, sizeof odir)) &&
                        is_output_of(cli, rbase, strlen(rbase), name, in_cache);
            vo_free(base);
            if (clash)
                return vo_fail(ctx, VO_ERR_ARGUMENT, "--report %s: is a file this run writes for "
                               "%s in %s; refusing to write the report over it (give another "
                               "file)", rp, in->path, cli->output_dir);
        }
    }
    return VO_OK;
}

/* Remove DIR/…/NAME.tmp-XXXXXX files (src/util/output.c) whose NAME is an
 * output of an input of this run and shard: a run killed with kill -9
 * leaves them; each document belongs to one shard, so no other process
 * is writing them. Symbolic links are not followed. */
static void remove_stale_temps(run_job *job, const char *dir, size_t root_len, int depth)
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
        char *path = path_printf("%s/%s", dir, name);
        struct stat sb;
        if (!path || lstat(path, &sb) != 0) {
            vo_free(path);
            continue;
        }
        size_t n = strlen(path);
        if (S_ISDIR(sb.st_mode)) {
            remove_stale_temps(job, path, root_len, depth + 1);
        } else if (S_ISREG(sb.st_mode) && n > root_len + 12 &&
                   memcmp(path + n - 11, ".tmp-", 5) == 0) {
            const char *rel = path + root_len + 1;
            int in_cache = strncmp(rel, ".varco-ocr/", 11) == 0;
            if (in_cache)
                rel += 11;
            size_t len = (size_t)(path + n - 11 - rel);
            for (int i = 0; i < job->inputs.n; i++) {
                const vo_input *in = &job->inputs.items[i];
                if (strcmp(in->path, "-") != 0 && in_shard(job->cli, in) &&
                    is_output_of(job->cli, rel, len, in->rel, in_cache)) {
                    unlink(path);
                    break;
                }
            }
        }
        vo_free(path);
    }
    closedir(dp);
}

/* --- one input --- */

typedef struct doc_state {
    char *base;       /* DIR/REL, or NULL */
    char *cache;      /* DIR/.varco-ocr/REL */
    char *stamp;      /* page cache stamp */
    char *done_stamp; /* + formats */
    vo_output *out[VO_FORMAT_COUNT_];  /* streamed per-document outputs */
    vo_writer *w[VO_FORMAT_COUNT_];
    vo_output *side_out;              /* --sidecar: the text beside -o's output */
    vo_writer *side_w;
} doc_state;

static void drop_doc_state(doc_state *d)
{
    for (int f = 0; f < VO_FORMAT_COUNT_; f++) {
        vo_drop_writer(d->w[f]);
        vo_output_drop(d->out[f]);
    }
    vo_drop_writer(d->side_w);
    vo_output_drop(d->side_out);
    vo_free(d->base);
    vo_free(d->cache);
    vo_free(d->stamp);
    vo_free(d->done_stamp);
    memset(d, 0, sizeof *d);
}

/* Streamed outputs (no --output-dir, or standard input, which is not kept
 * for resuming, into it): open them and write the headers. */
static vo_status open_stream_outputs(vo_ctx *ctx, run_job *job, const char *input,
                                     const vo_doc_info *info, const vo_writer_opts *wopts,
                                     doc_state *d)
{
    const vo_cli *cli = job->cli;
    vo_status st;
    for (int i = 0; i < cli->n_formats; i++) {
        vo_format f = cli->formats[i];
        if (per_page_format(cli, f))
            continue;
        char *path = d->base ? path_printf("%s%s", d->base, vo_format_suffix(f))
                             : vo_strdup(cli->output ? cli->output : "-");
        if (!path)
            return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        st = open_output(ctx, job, path, input, &d->out[f]);
        vo_free(path);
        if (st)
            return st;
        if ((st = vo_new_writer(ctx, f, d->out[f], wopts, &d->w[f])))
            return st;
        if ((st = d->w[f]->begin(ctx, d->w[f], info)))
            return st;
    }
    if (cli->sidecar) {
        if ((st = open_output(ctx, job, cli->sidecar, input, &d->side_out)) ||
            (st = vo_new_writer(ctx, VO_FORMAT_TXT, d->side_out, wopts, &d->side_w)) ||
            (st = d->side_w->begin(ctx, d->side_w, info)))
            return st;
    }
    return VO_OK;
}

static vo_status write_per_page_files(vo_ctx *ctx, run_job *job, const char *input,
                                      const doc_state *d, const vo_doc_info *info,
                                      const vo_writer_opts *wopts, vo_page *page, int only_missing)
{
    const vo_cli *cli = job->cli;
    vo_status st = VO_OK;
    vo_doc_info one = *info;
    one.n_pages = 1;
    for (int i = 0; i < cli->n_formats && !st; i++) {
        vo_format f = cli->formats[i];
        if (!per_page_format(cli, f))
            continue;
        char *path = d->base ? path_printf("%s.p%04d%s", d->base, page->number, vo_format_suffix(f))
                             : vo_strdup(cli->output ? cli->output : "-");
        if (!path)
            return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        if (!(only_missing && access(path, F_OK) == 0))
            st = write_file(ctx, job, path, input, f, &one, wopts, &page, 1);
        vo_free(path);
    }
    return st;
}

static vo_status save_page_cache(vo_ctx *ctx, run_job *job, const doc_state *d, const vo_page *p)
{
    char *path = path_printf("%s.p%04d.json", d->cache, p->number);
    if (!path)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    vo_status st = make_parent_dirs(ctx, job->cli->output_dir, path);
    if (!st)
        st = vo_page_save_file(ctx, p, d->stamp, path);
    vo_free(path);
    return st;
}

static vo_page *load_page_cache(vo_ctx *ctx, const doc_state *d, int page)
{
    char *path = path_printf("%s.p%04d.json", d->cache, page);
    vo_page *p = NULL;
    struct stat sb; /* a link or a FIFO put there is no cache: the page is redone */
    if (path && lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
        vo_page_load(ctx, path, d->stamp, &p) != VO_OK)
        vo_clear_error(ctx); /* stale or broken: the page is done again */
    vo_free(path);
    return p;
}

/* --output-dir: every page is cached; the per-document files are written
 * from the caches once every page is there, then the caches are removed
 * and a done marker written. */
static vo_status assemble_outputs(vo_ctx *ctx, run_job *job, const char *input, doc_state *d,
                                  const vo_doc_info *info, const vo_writer_opts *wopts,
                                  const int *pages, int n)
{
    const vo_cli *cli = job->cli;
    vo_status st = VO_OK;
    for (int i = 0; i < cli->n_formats && !st; i++) {
        vo_format f = cli->formats[i];
        if (per_page_format(cli, f))
            continue;
        char *path = path_printf("%s%s", d->base, vo_format_suffix(f));
        vo_output *out = NULL;
        vo_writer *w = NULL;
        if (!path)
            return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        st = open_output(ctx, job, path, input, &out);
        if (!st)
            st = vo_new_writer(ctx, f, out, wopts, &w);
        if (!st)
            st = w->begin(ctx, w, info);
        for (int k = 0; k < n && !st; k++) {
            vo_page *p = load_page_cache(ctx, d, pages[k]);
            if (!p) {
                st = vo_fail(ctx, VO_ERR_IO, "%s: page %d: its cached result disappeared", input,
                             pages[k]);
                break;
            }
            st = w->page(ctx, w, p);
            vo_drop_page(p);
        }
        if (!st)
            st = w->end(ctx, w);
        if (!st)
            st = vo_output_close(ctx, out);
        vo_drop_writer(w);
        vo_output_drop(out);
        vo_free(path);
    }
    if (st)
        return st;
    /* the marker first, so a crash between the two leaves only stale caches */
    char *marker = path_printf("%s.done", d->cache);
    vo_output *mo = NULL;
    if (!marker)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    st = make_parent_dirs(ctx, cli->output_dir, marker);
    if (!st)
        st = vo_output_open_file(ctx, marker, &mo);
    if (!st)
        st = vo_output_printf(ctx, mo, "%s\npages", d->done_stamp);
    for (int k = 0; k < n && !st; k++)
        st = vo_output_printf(ctx, mo, " %d", pages[k]);
    if (!st)
        st = vo_output_printf(ctx, mo, "\n");
    if (!st)
        st = vo_output_close(ctx, mo);
    vo_output_drop(mo);
    vo_free(marker);
    /* last page first: while the first page's cache is there, some may be
     * left (a crash here), and a rerun removes them (drop_done_caches) */
    for (int k = n - 1; k >= 0 && !st; k--) {
        char *path = path_printf("%s.p%04d.json", d->cache, pages[k]);
        if (path)
            unlink(path);
        vo_free(path);
    }
    return st;
}

static vo_status open_provider(vo_ctx *ctx, run_job *job, int idx, provider *pv)
{
    const vo_input *in = &job->inputs.items[idx];
    memset(pv, 0, sizeof *pv);
    if (job->groups) {
        pv->raw = &job->groups[idx];
        pv->n_pages = pv->raw->n ? pv->raw->refs[pv->raw->n - 1].page : 0;
        return VO_OK;
    }
    const char *path = in->path;
    vo_status st;
    if (in->error)
        return vo_fail(ctx, VO_ERR_IO, "%s: %s", path, in->error);
    if (strcmp(path, "-") == 0) {
        if ((st = spool_stdin(ctx, job->cli->max_input_size, &pv->spool)))
            return st;
        path = pv->spool.path;
    }
    if ((st = vo_open_document(ctx, path, job->cli->password, &pv->doc))) {
        if (pv->spool.path) { /* name the input as the user gave it, not the spool file */
            char msg[2048];
            const char *m = vo_last_error(ctx);
            size_t n = strlen(pv->spool.path);
            if (strncmp(m, pv->spool.path, n) == 0 && m[n] == ':')
                snprintf(msg, sizeof msg, "-%s", m + n);
            else
                snprintf(msg, sizeof msg, "-: %s", m);
            vo_fail(ctx, st, "%s", msg); /* msg: the error buffer is rewritten here */
        }
        return st;
    }
    pv->n_pages = vo_document_page_count(pv->doc);
    int max = job->cli->max_pages > 0 ? job->cli->max_pages : 100000;
    if (pv->n_pages > max)
        return vo_fail(ctx, VO_ERR_LIMIT,
                       "%s: the document has %d pages, more than the limit of %d: raise it with "
                       "--max-pages if the document is genuine",
                       in->path, pv->n_pages, max);
    return VO_OK;
}

static void close_provider(provider *pv)
{
    vo_drop_document(pv->doc);
    remove_spool(&pv->spool);
    memset(pv, 0, sizeof *pv);
}

/* --overlay: the page image with the boxes and text drawn, for a person to
 * check. Pages from saved raw output open their source again. */
static vo_status write_overlay(vo_ctx *ctx, run_job *job, provider *pv, const vo_input *in,
                               const vo_page *page)
{
    const vo_cli *cli = job->cli;
    vo_status st;
    if (!pv->doc) {
        if (pv->overlay_failed)
            return VO_OK;
        if ((st = vo_open_document(ctx, in->path, cli->password, &pv->doc))) {
            pv->overlay_failed = 1;
            vo_warn(ctx, "%s: no overlay: %s", in->path, vo_last_error(ctx));
            return VO_OK;
        }
    }
    vo_raster *r = NULL;
    vo_source_limits limits = {cli->max_pixels};
    st = vo_render_page(ctx, pv->doc, page->number, page->dpi_x, &limits, &r);
    char *path = st ? NULL : path_printf("%s/%s.p%04d.overlay.png", cli->overlay, in->rel,
                                         page->number);
    if (!st && !path)
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    if (!st)
        st = make_parent_dirs(ctx, cli->overlay, path);
    if (!st)
        st = vo_write_overlay(ctx, r, page, cli->font, path);
    vo_free(path);
    vo_drop_raster(r);
    return st;
}

static void process_input(vo_ctx *ctx, run_job *job, int idx)
{
    const vo_cli *cli = job->cli;
    const vo_input *in = &job->inputs.items[idx];
    const char *input = in->path;
    input_rec *rec = &job->recs[idx];
    double t0 = now_seconds();
    provider pv;
    doc_state d;
    memset(&pv, 0, sizeof pv);
    memset(&d, 0, sizeof d);
    int *pages = NULL;
    vo_status st = VO_OK;

    if (!in_shard(cli, in)) {
        rec->skipped = 1;
        return;
    }
    if (in->duplicate) {
        rec->skipped = 3;
        return;
    }
    if (cli->output_dir) {
        d.base = path_printf("%s/%s", cli->output_dir, in->rel);
        d.cache = path_printf("%s/.varco-ocr/%s", cli->output_dir, in->rel);
        d.stamp = make_stamp(job, in, 0);
        d.done_stamp = make_stamp(job, in, 1);
        if (!d.base || !d.cache || !d.stamp || !d.done_stamp) {
            st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
            goto fail;
        }
        char *marker = path_printf("%s.done", d.cache);
        int done = cli->resume && marker && strcmp(input, "-") != 0 &&
                   done_marker_matches(ctx, cli->output_dir, marker, d.done_stamp, d.cache);
        vo_free(marker);
        if (done) {
            rec->skipped = 2;
            drop_doc_state(&d);
            return;
        }
    }
    if ((st = open_provider(ctx, job, idx, &pv))) {
        rec->input_error = 1;
        if (st == VO_ERR_ABORT && vo_run_stop)
            goto fail_quiet; /* interrupted reading standard input */
        goto fail;
    }
    int n_sel = 0;
    pages = vo_calloc((size_t)(pv.n_pages > 0 ? pv.n_pages : 1), sizeof *pages);
    if (!pages) {
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (int p = 1; p <= pv.n_pages; p++)
        if (provider_has_page(&pv, cli, p))
            pages[n_sel++] = p;
    if (n_sel == 0) {
        st = pv.n_pages == 0 ? vo_fail(ctx, VO_ERR_FORMAT, "%s: the document has no pages", input)
                             : vo_fail(ctx, VO_ERR_ARGUMENT,
                                       "%s: no page is in --pages %s (the document has %d pages)",
                                       input, cli->pages_spec, pv.n_pages);
        rec->input_error = 1;
        goto fail;
    }
    for (int i = 0; i < cli->pages.n; i++) /* said, not silently dropped */
        if (cli->pages.items[i].last > pv.n_pages || cli->pages.items[i].first > pv.n_pages) {
            vo_warn(ctx, "%s: --pages %s names pages past the end; the document has %d pages",
                    input, cli->pages_spec, pv.n_pages);
            break;
        }
    for (int i = 0; i < cli->n_formats; i++)
        if (cli->formats[i] == VO_FORMAT_PAGE && !cli->output_dir && n_sel > 1) {
            st = vo_fail(ctx, VO_ERR_ARGUMENT,
                         "%s: PAGE-XML holds one page per file: use --output-dir, or --pages "
                         "to pick one page", input);
            goto fail;
        }

    vo_doc_info info = {input, pv.doc ? vo_document_title(pv.doc) : NULL, n_sel, job->timestamp};
    vo_writer_opts wopts = {cli->alto_unit, 1, cli->password, cli->no_pdfa};
    int cached = cli->output_dir && !pv.spool.path;
    if (!cached && (st = open_stream_outputs(ctx, job, input, &info, &wopts, &d)))
        goto fail;

    int n_ok = 0, n_failed = 0;
    vo_status first_fail = VO_OK;
    for (int k = 0; k < n_sel; k++) {
        int p = pages[k];
        if (vo_run_stop) {
            st = vo_fail(ctx, VO_ERR_ABORT, "%s: interrupted before page %d", input, p);
            goto fail_quiet;
        }
        page_rec *pr = add_page_rec(rec, p);
        if (!pr) {
            st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
            goto fail;
        }
        double tp = now_seconds();
        vo_page *page = NULL;
        if (cached && cli->resume && (page = load_page_cache(ctx, &d, p))) {
            /* done by an earlier run: only missing per-page files are written */
            pr->status = 'r';
            st = write_per_page_files(ctx, job, input, &d, &info, &wopts, page, 1);
            vo_drop_page(page);
            if (st)
                goto fail;
            if (cli->verbosity >= 2) {
                char line[PATH_MAX + 100];
                snprintf(line, sizeof line, "%s: page %d resumed (kept from an earlier run)",
                         input, p);
                run_log(job, VO_LOG_INFO, line);
            }
            n_ok++;
            progress_page(job, input);
            continue;
        }
        int model_error = 0;
        double deadline = cli->page_timeout > 0 ? tp + cli->page_timeout : 0;
        ocr_note note = {0, NULL, 0, 0, 0};
        st = get_page(ctx, job, &pv, p, in, &deadline, &page, &pr->source, &note, &model_error);
        pr->text_layer_problem = note.text_layer_problem;
        pr->bands = note.bands;
        pr->cut = note.cut;
        pr->looped = note.looped;
        if (!st)
            st = check_deadline(ctx, job, deadline, input, p,
                                pr->source == 't' ? "after reading its text layer"
                                : pr->source == 'w' ? "after reading its saved raw output"
                                : pr->source == 'b' ? "after it was found blank"
                                : "when it was done");
        if (model_error && !rec->model_error)
            rec->model_error = model_error;
        if (st == VO_ERR_ABORT && vo_run_stop) {
            /* stopped by SIGINT/SIGTERM mid-page: not a failure of the page,
             * which is left undone (a rerun does it) */
            vo_drop_page(page);
            rec->n_pages--;
            goto fail_quiet;
        }
        if (st) {
            char where[PATH_MAX + 32];
            snprintf(where, sizeof where, "%s: page %d", input, p);
            report_error(ctx, job, where, &pr->error);
            if (!first_fail)
                first_fail = st;
            pr->status = 'f';
            n_failed++;
            vo_drop_page(page);
            page = NULL;
            if (!cached) { /* keep page numbering of streamed files */
                if (!(page = empty_page(ctx, &pv, p, cli->dpi, input))) {
                    st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
                    goto fail;
                }
            }
        } else {
            pr->status = 'd';
            n_ok++;
        }
        st = VO_OK;
        if (page) {
            if (!page->image_name)
                page->image_name = vo_strdup(input);
            /* the cache first: once any output of the page exists, a rerun
             * finds the page done (and writes only its missing files) */
            if (cached && pr->status == 'd')
                st = save_page_cache(ctx, job, &d, page);
            if (!st && pr->status == 'd')
                st = write_per_page_files(ctx, job, input, &d, &info, &wopts, page, 0);
            if (!st && pr->status == 'd' && cli->overlay)
                st = write_overlay(ctx, job, &pv, in, page);
            for (int i = 0; i < cli->n_formats && !st && !cached; i++) {
                vo_format f = cli->formats[i];
                if (d.w[f])
                    st = d.w[f]->page(ctx, d.w[f], page);
            }
            if (!st && !cached && d.side_w)
                st = d.side_w->page(ctx, d.side_w, page);
            vo_drop_page(page);
        }
        pr->seconds = (float)(now_seconds() - tp);
        if (!st && pr->status == 'd' && cli->verbosity >= 2) {
            char line[PATH_MAX + 100];
            snprintf(line, sizeof line, "%s: page %d done (%s, %.3f s)", input, p,
                     page_source_name(pr->source) ? page_source_name(pr->source) : "-",
                     (double)pr->seconds);
            run_log(job, VO_LOG_INFO, line);
        }
        progress_page(job, input);
        if (st) /* a write failure ends this input */
            goto fail;
    }
    if (n_ok == 0) {
        /* nothing recognised: leave no misleading empty outputs behind */
        st = first_fail;
        goto fail_quiet;
    }
    if (cached) {
        if (n_failed == 0)
            st = assemble_outputs(ctx, job, input, &d, &info, &wopts, pages, n_sel);
    } else {
        for (int i = 0; i < cli->n_formats && !st; i++) {
            vo_format f = cli->formats[i];
            if (d.w[f]) {
                st = d.w[f]->end(ctx, d.w[f]);
                if (!st)
                    st = vo_output_close(ctx, d.out[f]);
            }
        }
        if (!st && d.side_w) {
            st = d.side_w->end(ctx, d.side_w);
            if (!st)
                st = vo_output_close(ctx, d.side_out);
        }
    }
    if (st)
        goto fail;
    rec->status = first_fail;
    if (cli->verbosity >= 2 || (cli->verbosity >= 1 && !job->progress && job->inputs.n > 1)) {
        char line[PATH_MAX + 200];
        snprintf(line, sizeof line, "%s: %d of %d pages done%s", input, n_ok, n_sel,
                 n_failed ? " (see the errors above)" : "");
        run_log(job, VO_LOG_INFO, line);
    }
    goto out;

fail:
    report_error(ctx, job, input, &rec->error);
fail_quiet:
    rec->status = st ? st : VO_ERR_ABORT;
    if (!rec->error && st)
        rec->error = vo_strdup(vo_last_error(ctx));
out:
    rec->seconds = now_seconds() - t0;
    vo_free(pages);
    drop_doc_state(&d);
    close_provider(&pv);
}

/* --- --from-raw: collect the saved pages, one input per source --- */

static int by_page(const void *a, const void *b)
{
    return ((const raw_ref *)a)->page - ((const raw_ref *)b)->page;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A relative `source` names the document from the raw file's folder (where
 * --raw-out beside the input and the samples keep it), else from the
 * current folder as before. Returns an allocated path, or NULL. */
static char *raw_source_path(const char *raw_path, const char *source)
{
    const char *slash = strrchr(raw_path, '/');
    if (source[0] != '/' && slash) {
        struct stat sb;
        char *beside = path_printf("%.*s/%s", (int)(slash - raw_path), raw_path, source);
        if (!beside || stat(beside, &sb) == 0)
            return beside;
        vo_free(beside);
    }
    return vo_strdup(source);
}

static vo_status add_raw_file(vo_ctx *ctx, run_job *job, const char *path, vo_input_list *sources)
{
    vo_raw_page raw;
    vo_status st = vo_raw_read(ctx, path, &raw);
    if (st)
        return st;
    char *src_path = raw_source_path(path, raw.source);
    if (!src_path) {
        vo_raw_free(&raw);
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    }
    int g = 0;
    while (g < sources->n && strcmp(sources->items[g].path, src_path) != 0)
        g++;
    if (g == sources->n) {
        const char *slash = strrchr(raw.source, '/');
        st = vo_inputs_add_file(ctx, sources, src_path, slash ? slash + 1 : raw.source);
        vo_free(src_path);
        src_path = NULL;
        if (st) {
            vo_raw_free(&raw);
            return st;
        }
        raw_group *grown = vo_realloc(job->groups, sizeof(raw_group) * (size_t)sources->n);
        if (!grown) {
            vo_raw_free(&raw);
            return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        }
        job->groups = grown;
        memset(&job->groups[g], 0, sizeof(raw_group));
    }
    vo_free(src_path);
    raw_group *grp = &job->groups[g];
    for (int i = 0; i < grp->n; i++)
        if (grp->refs[i].page == raw.page) {
            st = vo_fail(ctx, VO_ERR_ARGUMENT, "%s and %s both hold page %d of %s", grp->refs[i].path,
                         path, raw.page, raw.source);
            vo_raw_free(&raw);
            return st;
        }
    if (vo_grow((void **)&grp->refs, &grp->cap, (size_t)grp->n + 1, sizeof(raw_ref)) ||
        !(grp->refs[grp->n].path = vo_strdup(path))) {
        vo_raw_free(&raw);
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    }
    grp->refs[grp->n++].page = raw.page;
    vo_raw_free(&raw);
    return VO_OK;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static vo_status collect_raw(vo_ctx *ctx, run_job *job)
{
    const vo_cli *cli = job->cli;
    vo_status st = VO_OK;
    for (int i = 0; i < cli->n_from_raw && !st; i++) {
        const char *arg = cli->from_raw[i];
        struct stat sb;
        if (stat(arg, &sb) != 0)
            return vo_fail(ctx, VO_ERR_IO, "%s: cannot open: %s", arg, strerror(errno));
        if (!S_ISDIR(sb.st_mode)) {
            st = add_raw_file(ctx, job, arg, &job->inputs);
            if (st && st != VO_ERR_NOMEM) { /* a broken file costs only itself */
                run_log(job, VO_LOG_ERROR, vo_last_error(ctx));
                job->raw_errors++;
                st = VO_OK;
            }
            continue;
        }
        struct dirent **names = NULL;
        int n = scandir(arg, &names, NULL, by_name);
        if (n < 0)
            return vo_fail(ctx, VO_ERR_IO, "%s: cannot read the directory: %s", arg, strerror(errno));
        for (int k = 0; k < n; k++) {
            if (!st && has_suffix(names[k]->d_name, ".raw.json")) {
                char *path = path_printf("%s/%s", arg, names[k]->d_name);
                st = path ? add_raw_file(ctx, job, path, &job->inputs)
                          : vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
                vo_free(path);
                if (st && st != VO_ERR_NOMEM) {
                    run_log(job, VO_LOG_ERROR, vo_last_error(ctx));
                    job->raw_errors++;
                    st = VO_OK;
                }
            }
            free(names[k]);
        }
        free(names);
    }
    for (int g = 0; g < job->inputs.n && job->groups; g++)
        qsort(job->groups[g].refs, (size_t)job->groups[g].n, sizeof(raw_ref), by_page);
    if (!st && job->inputs.n == 0)
        st = vo_fail(ctx, VO_ERR_ARGUMENT, "--from-raw: no NAME.pNNNN.raw.json file found");
    return st;
}

/* --- the report --- */


static vo_status write_report(vo_ctx *ctx, run_job *job, const vo_run_summary *sum)
{
    json_t *root = json_object(), *inputs = json_array();
    int bad = !root || !inputs;
    for (int i = 0; i < job->inputs.n && !bad; i++) {
        const input_rec *r = &job->recs[i];
        json_t *o = json_object(), *pages = json_array();
        const char *status = r->skipped == 1 ? "other-shard" : r->skipped == 2 ? "already-done"
                             : r->skipped == 3 ? "duplicate"
                             : r->status == VO_OK ? "done" : r->status == VO_ERR_ABORT ? "interrupted"
                             : "failed";
        bad |= !o || !pages || json_array_append_new(inputs, o);
        bad |= json_object_set_new(o, "input", json_string(job->inputs.items[i].path));
        bad |= json_object_set_new(o, "output", json_string(job->inputs.items[i].rel));
        if (job->inputs.items[i].renamed) /* another input had the same name */
            bad |= json_object_set_new(o, "output_renamed", json_true());
        bad |= json_object_set_new(o, "status", json_string(status));
        bad |= json_object_set_new(o, "seconds", json_real(r->seconds));
        if (r->error)
            bad |= json_object_set_new(o, "error", json_string(r->error));
        for (int k = 0; k < r->n_pages && !bad; k++) {
            const page_rec *p = &r->pages[k];
            json_t *po = json_pack("{s:i,s:s,s:f}", "page", p->page, "status",
                                   page_status_name(p->status), "seconds", (double)p->seconds);
            bad |= !po || json_array_append_new(pages, po);
            if (!bad && page_source_name(p->source))
                bad |= json_object_set_new(po, "source", json_string(page_source_name(p->source)));
            if (!bad && p->error)
                bad |= json_object_set_new(po, "error", json_string(p->error));
            if (!bad && p->bands > 1)
                bad |= json_object_set_new(po, "bands", json_integer(p->bands));
            if (!bad && p->cut)
                bad |= json_object_set_new(po, "cut", json_true());
            if (!bad && p->looped)
                bad |= json_object_set_new(po, "looped", json_true());
            if (!bad && p->text_layer_problem)
                bad |= json_object_set_new(po, "text_layer_problem",
                                           json_string(p->text_layer_problem));
        }
        bad |= json_object_set_new(o, "pages", pages);
    }
    json_t *s = json_pack("{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:b}", "inputs", sum->inputs, "inputs_done",
                          sum->inputs_ok, "inputs_failed", sum->inputs_failed, "inputs_skipped",
                          sum->inputs_skipped, "pages_done", sum->pages_done, "pages_failed",
                          sum->pages_failed, "pages_resumed", sum->pages_resumed, "interrupted",
                          sum->interrupted);
    bad |= !s || json_object_set_new(root, "summary", s);
    bad |= json_object_set_new(root, "version", json_integer(1));
    if (job->cli->shard_count)
        bad |= json_object_set_new(root, "shard", json_pack("[ii]", job->cli->shard_index,
                                                            job->cli->shard_count));
    bad |= json_object_set_new(root, "files", inputs);
    char *text = bad ? NULL : json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
    json_decref(root);
    if (!text)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory writing the report");
    vo_output *out = NULL;
    vo_status st = check_report_path(ctx, job); /* again: what exists now */
    if (st) {
        free(text);
        return st;
    }
    /* never through a link; a device or named pipe is written in place */
    st = vo_output_open_named(ctx, job->cli->report, VO_OUTPUT_DEVICES_IN_PLACE, &out);
    if (!st)
        st = vo_output_printf(ctx, out, "%s\n", text);
    if (!st)
        st = vo_output_close(ctx, out);
    vo_output_drop(out);
    free(text);
    return st;
}

/* --- the run --- */

static void *worker(void *arg)
{
    run_job *job = arg;
    vo_ctx *ctx = vo_new_ctx();
    if (!ctx)
        return NULL;
    vo_set_log(ctx, run_log, job);
    vo_set_verbosity(ctx, job->cli->verbosity);
    for (;;) {
        if (vo_run_stop)
            break;
        int i = atomic_fetch_add(&job->next, 1);
        if (i >= job->inputs.n)
            break;
        process_input(ctx, job, i);
        vo_flush_warnings(ctx);
    }
    vo_drop_ctx(ctx);
    return NULL;
}

static long long output_timestamp(void)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        long long v = strtoll(sde, &end, 10);
        if (*end == 0 && v >= 0)
            return v;
    }
    return (long long)time(NULL);
}

/* Total pages for the progress line (documents are opened once more). */
static long count_pages(run_job *job)
{
    vo_ctx *ctx = vo_new_ctx();
    long total = 0;
    if (!ctx)
        return -1;
    vo_set_verbosity(ctx, 0);
    for (int i = 0; i < job->inputs.n; i++) {
        if (job->groups) {
            total += job->groups[i].n;
            continue;
        }
        if (!in_shard(job->cli, &job->inputs.items[i]) || strcmp(job->inputs.items[i].path, "-") == 0)
            continue;
        vo_document *doc = NULL;
        if (vo_open_document(ctx, job->inputs.items[i].path, job->cli->password, &doc) == VO_OK) {
            int n = vo_document_page_count(doc);
            for (int p = 1; p <= n; p++)
                total += vo_page_ranges_contains(&job->cli->pages, p, n);
        }
        vo_drop_document(doc);
    }
    vo_drop_ctx(ctx);
    return total;
}

static void summarize(run_job *job, vo_run_summary *sum)
{
    sum->inputs = job->inputs.n;
    sum->all_failed_alike = 1;
    for (int i = 0; i < job->inputs.n; i++) {
        const input_rec *r = &job->recs[i];
        if (r->skipped) {
            sum->inputs_skipped++;
            continue;
        }
        int done = 0, failed = 0;
        for (int k = 0; k < r->n_pages; k++) {
            done += r->pages[k].status == 'd' || r->pages[k].status == 'r';
            failed += r->pages[k].status == 'f';
            sum->pages_resumed += r->pages[k].status == 'r';
        }
        sum->pages_done += done;
        sum->pages_failed += failed;
        if (r->status == VO_ERR_ABORT && vo_run_stop)
            sum->interrupted = 1;
        if (r->status == VO_OK && failed == 0) {
            sum->inputs_ok++;
            continue;
        }
        sum->inputs_failed++;
        if (done && failed)
            sum->any_partial = 1;
        vo_status st = r->status ? r->status : VO_ERR_ABORT;
        if (!sum->first_error) {
            sum->first_error = st;
            sum->input_error = r->input_error;
            sum->model_error = r->model_error;
        } else if (st != sum->first_error) {
            sum->all_failed_alike = 0;
        }
    }
    if (job->raw_errors) {
        sum->inputs_failed += job->raw_errors;
        if (!sum->first_error)
            sum->first_error = VO_ERR_FORMAT;
        else if (sum->first_error != VO_ERR_FORMAT)
            sum->all_failed_alike = 0;
    }
    if (vo_run_stop)
        sum->interrupted = 1;
}

void vo_run(const vo_cli *cli, int out_fd, vo_run_summary *sum)
{
    run_job job;
    memset(&job, 0, sizeof job);
    memset(sum, 0, sizeof *sum);
    job.cli = cli;
    job.out_fd = out_fd;
    atomic_init(&job.next, 0);
    atomic_init(&job.model_advice, 0);
    pthread_mutex_init(&job.lock, NULL);
    pthread_mutex_init(&job.engine_lock, NULL);
    vo_ctx *ctx = vo_new_ctx();
    if (!ctx) {
        sum->setup_error = VO_ERR_NOMEM;
        return;
    }
    vo_set_log(ctx, run_log, &job);
    vo_set_verbosity(ctx, cli->verbosity);
    vo_source_set_cancel(&vo_run_stop);
    vo_out_lock lock = VO_OUT_LOCK_INIT; /* SIGINT/SIGTERM end MuPDF's reads */

    /* the inputs */
    vo_status st = VO_OK;
    vo_input_filter filter = {(const char *const *)cli->include, (const char *const *)cli->exclude};
    if (cli->n_from_raw)
        st = collect_raw(ctx, &job);
    for (int i = 0; i < cli->n_inputs && !st; i++)
        st = vo_inputs_add(ctx, &job.inputs, cli->inputs[i], &filter);
    if (!st && cli->files_from)
        st = vo_inputs_add_list(ctx, &job.inputs, cli->files_from, &filter);
    if (!st && cli->output_dir)
        st = vo_inputs_resolve_names(ctx, &job.inputs);
    if (!st && job.inputs.n == 0)
        st = vo_fail(ctx, VO_ERR_ARGUMENT, "no input document found");
    if (!st)
        st = check_report_path(ctx, &job);
    if (!st && !(job.recs = vo_calloc((size_t)job.inputs.n, sizeof(input_rec))))
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    if (st) {
        run_log(&job, VO_LOG_ERROR, vo_last_error(ctx));
        sum->setup_error = st;
        goto out;
    }
    if (cli->output_dir) {
        /* one run per output tree: before the stale temps of this tree
         * (and shard) are removed, which another run might be writing */
        char *lock_in = path_printf("%s/.varco-ocr/run.lock", cli->output_dir);
        st = lock_in ? make_parent_dirs(ctx, cli->output_dir, lock_in)
                     : vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        if (!st) {
            *strrchr(lock_in, '/') = 0;
            st = vo_out_lock_take(ctx, cli->output_dir, lock_in, cli->shard_index,
                                  cli->shard_count, &lock);
        }
        vo_free(lock_in);
        if (st) {
            run_log(&job, VO_LOG_ERROR, vo_last_error(ctx));
            sum->setup_error = st;
            goto out;
        }
        remove_stale_temps(&job, cli->output_dir, strlen(cli->output_dir), 0);
    }
    job.model_dir = vo_find_model_dir(cli->model);
    job.timestamp = output_timestamp();
    job.progress = cli->progress == 1 ||
                   (cli->progress == -1 && cli->verbosity >= 1 && isatty(2) &&
                    !(getenv("TERM") && strcmp(getenv("TERM"), "dumb") == 0));
    if (job.progress) {
        job.total_pages = count_pages(&job);
        job.t0 = now_seconds();
    }

    /* outputs on stdout must come in input order: one worker then */
    int to_stdout = !cli->output_dir && (!cli->output || strcmp(cli->output, "-") == 0);
    int n = to_stdout ? 1 : cli->jobs;
    if (n > job.inputs.n)
        n = job.inputs.n;
    if (n <= 1) {
        worker(&job);
    } else {
        pthread_t *threads = vo_calloc((size_t)n, sizeof *threads);
        int started = 0;
        for (int i = 0; threads && i < n; i++)
            started += pthread_create(&threads[started], NULL, worker, &job) == 0;
        if (started == 0)
            worker(&job);
        for (int i = 0; i < started; i++)
            pthread_join(threads[i], NULL);
        vo_free(threads);
    }
    pthread_mutex_lock(&job.lock);
    clear_progress_locked(&job);
    pthread_mutex_unlock(&job.lock);
    summarize(&job, sum);
    if (cli->report && write_report(ctx, &job, sum)) {
        run_log(&job, VO_LOG_ERROR, vo_last_error(ctx));
        if (!sum->first_error)
            sum->first_error = VO_ERR_IO;
    }

out:
    for (int i = 0; job.recs && i < job.inputs.n; i++) {
        for (int k = 0; k < job.recs[i].n_pages; k++)
            vo_free(job.recs[i].pages[k].error);
        vo_free(job.recs[i].pages);
        vo_free(job.recs[i].error);
    }
    for (int g = 0; job.groups && g < job.inputs.n; g++) {
        for (int k = 0; k < job.groups[g].n; k++)
            vo_free(job.groups[g].refs[k].path);
        vo_free(job.groups[g].refs);
    }
    vo_out_lock_release(&lock);
    vo_free(job.groups);
    vo_free(job.recs);
    vo_inputs_free(&job.inputs);
    vo_free(job.model_dir);
    vo_engine_close(job.engine);
    vo_free(job.engine_error);
    vo_drop_ctx(ctx);
    pthread_mutex_destroy(&job.lock);
    pthread_mutex_destroy(&job.engine_lock);
}
