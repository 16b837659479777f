/* run.c: the flow of one command: inputs → documents → pages (text layer or
 * OCR) → page models → every requested writer, outputs committed atomically. */
#include "config.h"
#include "run.h"
#include "src/source/document.h"
#include "src/util/alloc.h"
#include "src/util/buf.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct run_job {
    const vo_cli *cli;
    int out_fd;
    vo_input_result *results;
    atomic_int next;
    char *model_dir;
    long long timestamp;
    pthread_mutex_t log_lock;
} run_job;

/* --- messages --- */

static void run_log(void *user, int level, const char *msg)
{
    run_job *job = user;
    const char *tag = level == VO_LOG_ERROR ? "error: " : level == VO_LOG_WARN ? "warning: " : "";
    pthread_mutex_lock(&job->log_lock);
    fprintf(stderr, "varco-ocr: %s%s\n", tag, msg);
    pthread_mutex_unlock(&job->log_lock);
}

/* Print the context's last error, prefixed by `where` unless the message
 * already starts with it. */
static void report_error(vo_ctx *ctx, run_job *job, const char *where)
{
    const char *msg = vo_last_error(ctx);
    char line[4096];
    if (where && strncmp(msg, where, strlen(where)) != 0)
        snprintf(line, sizeof line, "%s: %s", where, msg);
    else
        snprintf(line, sizeof line, "%s", msg);
    run_log(job, VO_LOG_ERROR, line);
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

static vo_status spool_stdin(vo_ctx *ctx, char **out_path)
{
    vo_buf data = VO_BUF_INIT;
    char chunk[65536];
    ssize_t n;
    while ((n = read(0, chunk, sizeof chunk)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            vo_buf_free(&data);
            return vo_fail(ctx, VO_ERR_IO, "-: cannot read standard input: %s", strerror(errno));
        }
        if (vo_buf_append(&data, chunk, (size_t)n)) {
            vo_buf_free(&data);
            return vo_fail(ctx, VO_ERR_NOMEM, "-: out of memory spooling standard input");
        }
    }
    if (data.len == 0) {
        vo_buf_free(&data);
        return vo_fail(ctx, VO_ERR_FORMAT, "-: standard input is empty");
    }
    const char *tmp = getenv("TMPDIR");
    const char *suffix = sniff_suffix((const unsigned char *)data.data, data.len);
    char *path = vo_malloc(PATH_MAX);
    if (!path) {
        vo_buf_free(&data);
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    }
    snprintf(path, PATH_MAX, "%s/varco-ocr-stdin-XXXXXX%s", tmp && *tmp ? tmp : "/tmp", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    vo_status st = VO_OK;
    if (fd < 0) {
        st = vo_fail(ctx, VO_ERR_IO, "%s: cannot spool standard input: %s", path, strerror(errno));
    } else {
        size_t off = 0;
        while (off < data.len && !st) {
            ssize_t w = write(fd, data.data + off, data.len - off);
            if (w < 0 && errno != EINTR)
                st = vo_fail(ctx, VO_ERR_IO, "%s: cannot spool standard input: %s", path,
                             strerror(errno));
            else if (w > 0)
                off += (size_t)w;
        }
        close(fd);
        if (st)
            unlink(path);
    }
    vo_buf_free(&data);
    if (st) {
        vo_free(path);
        return st;
    }
    *out_path = path;
    return VO_OK;
}

/* --- output names --- */

/* NAME of INPUT: its file name without the last extension ("stdin" for -). */
static char *input_base_name(const char *input)
{
    if (strcmp(input, "-") == 0)
        return vo_strdup("stdin");
    const char *slash = strrchr(input, '/');
    const char *name = slash ? slash + 1 : input;
    const char *dot = strrchr(name, '.');
    size_t len = dot && dot != name ? (size_t)(dot - name) : strlen(name);
    return vo_strndup(name, len);
}

static vo_status make_dirs(vo_ctx *ctx, const char *dir)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return vo_fail(ctx, VO_ERR_IO, "%s: path too long", dir);
    for (char *p = path + 1;; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir(path, 0777) != 0 && errno != EEXIST)
                return vo_fail(ctx, VO_ERR_IO, "%s: cannot create the output directory: %s",
                               path, strerror(errno));
            *p = c;
            if (!c)
                break;
        }
    }
    return VO_OK;
}

/* ALTO and PAGE go one file per page in --output-dir mode (METS practice);
 * PAGE-XML holds one page per file in every mode. */
static int per_page_format(const vo_cli *cli, vo_format f)
{
    return (cli->output_dir && f == VO_FORMAT_ALTO) || f == VO_FORMAT_PAGE;
}

/* Refuse to overwrite the input itself. */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* --- one document's outputs --- */

typedef struct doc_out {
    vo_output *out[VO_FORMAT_COUNT_];
    vo_writer *w[VO_FORMAT_COUNT_];
    char *base;  /* DIR/NAME for --output-dir, else NULL */
} doc_out;

static vo_status open_output(vo_ctx *ctx, run_job *job, const char *path, const char *input,
                             vo_output **out)
{
    if (strcmp(path, "-") == 0)
        return vo_output_open_fd(ctx, job->out_fd, "-", out);
    if (same_file(path, input))
        return vo_fail(ctx, VO_ERR_IO, "%s: refusing to write an output over the input", path);
    return vo_output_open_file(ctx, path, out);
}

static vo_status open_doc_outputs(vo_ctx *ctx, run_job *job, const char *input,
                                  const vo_doc_info *info, const vo_writer_opts *wopts,
                                  doc_out *d)
{
    const vo_cli *cli = job->cli;
    vo_status st;
    if (cli->output_dir) {
        char *name = input_base_name(input);
        vo_buf b = VO_BUF_INIT;
        if (!name || vo_buf_printf(&b, "%s/%s", cli->output_dir, name)) {
            vo_free(name);
            vo_buf_free(&b);
            return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        }
        vo_free(name);
        d->base = vo_buf_take(&b);
        if ((st = make_dirs(ctx, cli->output_dir)))
            return st;
    }
    for (int i = 0; i < cli->n_formats; i++) {
        vo_format f = cli->formats[i];
        if (per_page_format(cli, f))
            continue;
        vo_buf path = VO_BUF_INIT;
        if (d->base)
            st = vo_buf_printf(&path, "%s%s", d->base, vo_format_suffix(f));
        else
            st = vo_buf_puts(&path, cli->output ? cli->output : "-");
        if (st) {
            vo_buf_free(&path);
            return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        }
        st = open_output(ctx, job, path.data, input, &d->out[f]);
        vo_buf_free(&path);
        if (st)
            return st;
        if ((st = vo_new_writer(ctx, f, d->out[f], wopts, &d->w[f])))
            return st;
        if ((st = d->w[f]->begin(ctx, d->w[f], info)))
            return st;
    }
    return VO_OK;
}

static vo_status write_page_file(vo_ctx *ctx, run_job *job, const char *input, vo_format f,
                                 const doc_out *d, const vo_doc_info *info,
                                 const vo_writer_opts *wopts, const vo_page *page)
{
    const vo_cli *cli = job->cli;
    vo_buf path = VO_BUF_INIT;
    vo_status st;
    if (d->base)
        st = vo_buf_printf(&path, "%s.p%04d%s", d->base, page->number, vo_format_suffix(f));
    else
        st = vo_buf_puts(&path, cli->output ? cli->output : "-");
    if (st) {
        vo_buf_free(&path);
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    }
    vo_output *out = NULL;
    vo_writer *w = NULL;
    vo_doc_info one = *info;
    one.n_pages = 1;
    st = open_output(ctx, job, path.data, input, &out);
    if (!st)
        st = vo_new_writer(ctx, f, out, wopts, &w);
    if (!st)
        st = w->begin(ctx, w, &one);
    if (!st)
        st = w->page(ctx, w, page);
    if (!st)
        st = w->end(ctx, w);
    if (!st)
        st = vo_output_close(ctx, out);
    vo_drop_writer(w);
    vo_output_drop(out);
    vo_buf_free(&path);
    return st;
}

static void drop_doc_outputs(doc_out *d)
{
    for (int f = 0; f < VO_FORMAT_COUNT_; f++) {
        vo_drop_writer(d->w[f]);
        vo_output_drop(d->out[f]);
    }
    vo_free(d->base);
    memset(d, 0, sizeof *d);
}

/* --- pages --- */

/* An empty page of the right size, for pages that are kept without text
 * (text-layer only mode, or a failed page, so page numbering stays). */
static vo_page *empty_page(vo_ctx *ctx, vo_document *doc, int page, float dpi, const char *source)
{
    vo_page_info info;
    memset(&info, 0, sizeof info);
    vo_document_page_info(ctx, doc, page, &info);
    float dx = dpi, dy = dpi;
    if (dpi <= 0) {
        dx = info.native_dpi_x > 0 ? info.native_dpi_x : 300;
        dy = info.native_dpi_y > 0 ? info.native_dpi_y : dx;
    }
    int w = (int)ceilf(info.width_pt * dx / 72.0f - 0.01f);
    int h = (int)ceilf(info.height_pt * dy / 72.0f - 0.01f);
    return vo_new_page(page, w > 0 ? w : 1, h > 0 ? h : 1, dx, dy, source);
}

static vo_status ocr_page(vo_ctx *ctx, run_job *job, vo_document *doc, int page,
                          const char *source, vo_page **out)
{
    (void)doc;
    (void)out;
    if (!job->model_dir)
        return vo_fail(ctx, VO_ERR_MISSING,
                       "%s: page %d has no text layer and needs OCR, but no model folder was "
                       "found: download it with 'huggingface-cli download "
                       "NCSOFT/VARCO-VISION-2.0-1.7B-OCR --local-dir "
                       "~/.local/share/varco-ocr/VARCO-VISION-2.0-1.7B-OCR' or pass --model DIR "
                       "(--text-layer only never needs the model)",
                       source, page);
    return vo_fail(ctx, VO_ERR_UNSUPPORTED,
                   "%s: page %d needs OCR, and this build has no recognition engine yet",
                   source, page);
}

/* The page model of one page: its text layer, or OCR, or empty in
 * text-layer-only mode. *from_text tells which. */
static vo_status get_page(vo_ctx *ctx, run_job *job, vo_document *doc, int page,
                          const char *source, vo_page **out, int *from_text)
{
    const vo_cli *cli = job->cli;
    *out = NULL;
    *from_text = 0;
    vo_status st;
    if (cli->text_layer != VO_TEXT_IGNORE) {
        vo_page_info info;
        if ((st = vo_document_page_info(ctx, doc, page, &info)))
            return st;
        if (info.has_text) {
            if ((st = vo_extract_text_layer(ctx, doc, page, cli->dpi, out)))
                return st;
            if (*out) {
                *from_text = 1;
                return VO_OK;
            }
        }
        if (cli->text_layer == VO_TEXT_ONLY) {
            *out = empty_page(ctx, doc, page, cli->dpi, source);
            *from_text = 1;
            return *out ? VO_OK : vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        }
    }
    return ocr_page(ctx, job, doc, page, source, out);
}

/* --- one input --- */

static void process_input(vo_ctx *ctx, run_job *job, int idx)
{
    const vo_cli *cli = job->cli;
    const char *input = cli->inputs[idx];
    vo_input_result *res = &job->results[idx];
    memset(res, 0, sizeof *res);
    char *spool = NULL;
    const char *path = input;
    vo_document *doc = NULL;
    doc_out d;
    memset(&d, 0, sizeof d);
    vo_status st;

    if (strcmp(input, "-") == 0) {
        if ((st = spool_stdin(ctx, &spool)))
            goto fail;
        path = spool;
    }
    if ((st = vo_open_document(ctx, path, cli->password, &doc))) {
        if (spool) /* name the input as the user gave it */
            vo_fail(ctx, st, "-: %s", vo_last_error(ctx));
        goto fail;
    }
    int n_pages = vo_document_page_count(doc);
    int n_sel = 0;
    for (int p = 1; p <= n_pages; p++)
        n_sel += vo_page_ranges_contains(&cli->pages, p, n_pages);
    if (n_sel == 0) {
        st = n_pages == 0 ? vo_fail(ctx, VO_ERR_FORMAT, "%s: the document has no pages", input)
                          : vo_fail(ctx, VO_ERR_ARGUMENT,
                                    "%s: no page is in --pages %s (the document has %d pages)",
                                    input, cli->pages_spec, n_pages);
        goto fail;
    }
    for (int i = 0; i < cli->n_formats; i++)
        if (cli->formats[i] == VO_FORMAT_PAGE && !cli->output_dir && n_sel > 1) {
            st = vo_fail(ctx, VO_ERR_ARGUMENT,
                         "%s: PAGE-XML holds one page per file: use --output-dir, or --pages "
                         "to pick one page", input);
            goto fail;
        }

    vo_doc_info info = {input, vo_document_title(doc), n_sel, job->timestamp};
    vo_writer_opts wopts = {cli->alto_unit, 1};
    if ((st = open_doc_outputs(ctx, job, input, &info, &wopts, &d)))
        goto fail;

    vo_status first_fail = VO_OK;
    for (int p = 1; p <= n_pages; p++) {
        if (!vo_page_ranges_contains(&cli->pages, p, n_pages))
            continue;
        vo_page *page = NULL;
        int from_text = 0;
        st = get_page(ctx, job, doc, p, input, &page, &from_text);
        int page_ok = st == VO_OK;
        if (st) {
            char where[PATH_MAX + 32];
            snprintf(where, sizeof where, "%s: page %d", input, p);
            report_error(ctx, job, where);
            if (!first_fail)
                first_fail = st;
            res->pages_failed++;
            vo_drop_page(page);
            /* keep page numbering in multi-page files with an empty page */
            page = empty_page(ctx, doc, p, cli->dpi, input);
            if (!page) {
                st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
                goto fail_outputs;
            }
        } else {
            res->pages_done++;
            if (from_text)
                res->pages_text++;
            else
                res->pages_ocr++;
        }
        if (!page->image_name)
            page->image_name = vo_strdup(input);
        st = VO_OK;
        for (int i = 0; i < cli->n_formats && !st; i++) {
            vo_format f = cli->formats[i];
            if (per_page_format(cli, f)) {
                /* a failed page gets no file of its own: none that looks finished */
                if (page_ok)
                    st = write_page_file(ctx, job, input, f, &d, &info, &wopts, page);
            } else {
                st = d.w[f]->page(ctx, d.w[f], page);
            }
        }
        vo_drop_page(page);
        if (st) /* a write failure ends this input */
            goto fail_outputs;
        st = VO_OK;
    }
    if (res->pages_done == 0) {
        /* nothing recognised: leave no misleading empty outputs behind */
        st = first_fail;
        goto fail_outputs_quiet;
    }
    for (int i = 0; i < cli->n_formats && !st; i++) {
        vo_format f = cli->formats[i];
        if (d.w[f]) {
            st = d.w[f]->end(ctx, d.w[f]);
            if (!st)
                st = vo_output_close(ctx, d.out[f]);
        }
    }
    if (st)
        goto fail_outputs;
    res->status = first_fail;
    if (cli->verbosity >= 1) {
        char line[PATH_MAX + 200];
        snprintf(line, sizeof line, "%s: %d page%s done (%d from the text layer, %d by OCR)%s",
                 input, res->pages_done, res->pages_done == 1 ? "" : "s", res->pages_text,
                 res->pages_ocr, res->pages_failed ? ", some pages failed" : "");
        run_log(job, VO_LOG_INFO, line);
    }
    drop_doc_outputs(&d);
    vo_drop_document(doc);
    if (spool) {
        unlink(spool);
        vo_free(spool);
    }
    return;

fail_outputs:
    report_error(ctx, job, input);
fail_outputs_quiet:
    res->status = st ? st : VO_ERR_ABORT;
    drop_doc_outputs(&d);
    vo_drop_document(doc);
    if (spool) {
        unlink(spool);
        vo_free(spool);
    }
    return;

fail:
    report_error(ctx, job, input);
    res->status = st;
    drop_doc_outputs(&d);
    vo_drop_document(doc);
    if (spool) {
        unlink(spool);
        vo_free(spool);
    }
}

static void *worker(void *arg)
{
    run_job *job = arg;
    vo_ctx *ctx = vo_new_ctx();
    if (!ctx)
        return NULL;
    vo_set_log(ctx, run_log, job);
    vo_set_verbosity(ctx, job->cli->verbosity);
    for (;;) {
        int i = atomic_fetch_add(&job->next, 1);
        if (i >= job->cli->n_inputs)
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

void vo_run_inputs(const vo_cli *cli, int out_fd, vo_input_result *results)
{
    run_job job;
    memset(&job, 0, sizeof job);
    job.cli = cli;
    job.out_fd = out_fd;
    job.results = results;
    atomic_init(&job.next, 0);
    job.model_dir = vo_find_model_dir(cli->model);
    job.timestamp = output_timestamp();
    pthread_mutex_init(&job.log_lock, NULL);
    for (int i = 0; i < cli->n_inputs; i++)
        results[i].status = VO_ERR_ABORT;

    /* outputs on stdout must come in input order: one worker then */
    int to_stdout = !cli->output_dir && (!cli->output || strcmp(cli->output, "-") == 0);
    int n = to_stdout ? 1 : cli->jobs;
    if (n > cli->n_inputs)
        n = cli->n_inputs;
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
    pthread_mutex_destroy(&job.log_lock);
    vo_free(job.model_dir);
}
