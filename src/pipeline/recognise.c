/* recognise.c: a page through the model: the model folder, the engine
 * opened once, the page image recognised whole or in bands, the tokens
 * collected with their byte offsets and log-probs, cuts and loops noted. */

#include "config.h"
#include "src/pipeline/run_impl.h"
#include "src/ocr/bands.h"
#include "src/ocr/raw.h"
#include "src/source/blank.h"
#include "src/util/alloc.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A model's name for the outputs: its folder's last component (a copy). */
char *run_model_name(const char *model_dir)
{
    size_t n = strlen(model_dir);
    while (n > 1 && model_dir[n - 1] == '/')
        n--;
    const char *start = model_dir + n;
    while (start > model_dir && start[-1] != '/')
        start--;
    char *name = vo_malloc((size_t)(model_dir + n - start) + 1);
    if (name) {
        memcpy(name, start, (size_t)(model_dir + n - start));
        name[model_dir + n - start] = 0;
    }
    return name;
}

/* What the outputs say of how their pages were made (ALTO's Processing,
 * hOCR's ocr-system): the model by its folder's name, the mode in words,
 * the settings the text depends on. */
vo_status run_describe_method(run_job *job)
{
    const vo_run_opts *opts = job->opts;
    int uses_model = job->model_dir && opts->text_layer != VO_TEXT_ONLY;
    if (uses_model && !(job->model_name = run_model_name(job->model_dir)))
        return VO_ERR_NOMEM;
    vo_buf m = VO_BUF_INIT, s = VO_BUF_INIT;
    vo_status st;
    if (opts->text_layer == VO_TEXT_ONLY)
        st = vo_buf_puts(&m, "each page's own text layer (--text-layer only: no model used)");
    else if (!uses_model)
        st = vo_buf_puts(&m, "each page's own text layer (no model folder was found: pages "
                             "without a reliable one fail)");
    else if (opts->text_layer == VO_TEXT_IGNORE)
        st = vo_buf_printf(&m, "grounded OCR of every page by the VARCO-VISION-2.0 model %s",
                           job->model_name);
    else
        st = vo_buf_printf(&m, "each page's own text layer where it is reliable, else grounded "
                           "OCR by the VARCO-VISION-2.0 model %s", job->model_name);
    static const char *const modes[] = {"auto", "only", "ignore"};
    static const char *const kv[] = {"f32", "bf16", "f16", "q8"};
    if (!st)
        st = vo_buf_printf(&s, "text-layer=%s; dpi=", modes[opts->text_layer]);
    if (!st)
        st = opts->dpi > 0 ? vo_buf_printf(&s, "%g", (double)opts->dpi)
                           : vo_buf_puts(&s, "default");
    if (!st && opts->image_dpi > 0)
        st = vo_buf_printf(&s, "; image-dpi=%g", (double)opts->image_dpi);
    if (!st && uses_model)
        st = vo_buf_printf(&s, "; device=%s; kv-type=%s; bands=%s; blank-skip=%s",
                           opts->device ? opts->device : "auto",
                           opts->kv_type >= 0 && opts->kv_type < 4 ? kv[opts->kv_type] : "?",
                           opts->no_band ? "off" : "on", opts->no_blank_skip ? "off" : "on");
    static const char *const weights[] = {"as-stored", "q8", "q4"};
    if (!st && uses_model)
        st = vo_buf_printf(&s, "; weights=%s", opts->weights >= 0 && opts->weights < 3
                                                   ? weights[opts->weights] : "?");
    if (!st && uses_model && opts->max_tokens > 0)
        st = vo_buf_printf(&s, "; max-tokens=%d", opts->max_tokens);
    if (st) {
        vo_buf_free(&m);
        vo_buf_free(&s);
        return st;
    }
    job->method = vo_buf_take(&m);
    job->settings = vo_buf_take(&s);
    return VO_OK;
}

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
    run_job *job;      /* for progress (NULL: none) */
    const char *source;
    int page;
    double since, last; /* when the pass began, when progress was last shown */
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
    if (c->job)
        run_progress_tokens(c->job, c->source, c->page, (int)c->n, c->since, &c->last);
    if (c->deadline > 0 && run_now_seconds() > c->deadline) {
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
    int batch = job->opts->batch > 0 ? job->opts->batch : job->opts->jobs;
    batch = batch < VO_ENGINE_BATCH_MAX ? batch : VO_ENGINE_BATCH_MAX;
    vo_engine_opts eo = {job->opts->threads, job->opts->max_tokens, 0, job->opts->device,
                         job->opts->kv_type, batch, job->opts->no_draft, job->opts->weights};
    vo_status st = vo_engine_open(ctx, job->model_dir, &eo, &job->engine);
    vo_engine_set_cancel(job->engine, &vo_run_stop); /* SIGINT/SIGTERM: the page is dropped */
    if (job->opts->signals_install) /* ours again: PoCL's LLVM installs its own */
        job->opts->signals_install();
    if (!st)
        vo_info(ctx, "up to %d pages in flight (--batch; pages come from the %d --jobs workers)",
                batch, job->opts->jobs);
    if (st) {
        job->engine_status = st;
        vo_fail_where(ctx, "%s: cannot load the model: ", job->model_dir);
        job->engine_error = vo_strdup(vo_last_error(ctx));
    }
    return st;
}

/* --page-timeout: a page past its deadline is abandoned between stages
 * (the engine's piece callback stops generation at the deadline). */
vo_status run_check_deadline(vo_ctx *ctx, const run_job *job, double deadline,
                             const char *source, int page, const char *stage)
{
    if (deadline <= 0 || run_now_seconds() <= deadline)
        return VO_OK;
    return vo_fail(ctx, VO_ERR_LIMIT,
                   "%s: page %d: abandoned %s: it took longer than --page-timeout %g s; the "
                   "other pages go on (raise --page-timeout to allow it more time)",
                   source, page, stage, job->opts->page_timeout);
}

#define BAND_DEPTH 3          /* halvings at most: 8 bands */

#define BAND_MIN_ROWS 64      /* a band is not split below this */

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
                                int page, double deadline, band_leaf *b, ocr_note *note)
{
    ocr_collect col = {&b->text, NULL, 0, 0, 0, deadline, 0, NULL, 0,
                       job, source, page, run_now_seconds(), 0};
    vo_status st = vo_ground_new(ctx, NULL, &col.items);
    if (st)
        return st;
    run_progress_stage(job, source, page, "recognise");
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
    note->tokens += pg.n_tokens;
    note->passes += pg.n_passes;
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
                                 band_leaf **leaves, size_t *n, size_t *cap, ocr_note *note)
{
    vo_band halves[2];
    vo_status st = VO_OK;
    if (!b->timed_out && (b->cut || b->looped) && depth > 0 &&
        b->band.y1 - b->band.y0 >= BAND_MIN_ROWS && vo_band_split(b->band, overlap, halves)) {
        band_leaf_free(b);
        for (int k = 0; k < 2 && !st; k++) {
            band_leaf h = {halves[k], VO_BUF_INIT, NULL, 0, 0, 0, 0, 0};
            st = recognise_rows(ctx, job, r, source, page, deadline, &h, note);
            if (!st)
                st = recognise_split(ctx, job, r, source, page, deadline, &h, depth - 1, overlap,
                                     leaves, n, cap, note);
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
                                   overlap, &leaves, &n, &cap, note);
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

vo_status run_ocr_page(vo_ctx *ctx, run_job *job, provider *pv, int page, const vo_input *in,
                       double *deadline, vo_page **out, ocr_note *note, vo_model_error *model_error)
{
    const char *source = in->path;
    vo_raster *r = NULL;
    vo_source_limits limits = {job->opts->max_pixels};
    run_progress_stage(job, in->path, page, "render");
    vo_status st = vo_render_page(ctx, pv->doc, page, job->opts->dpi, &limits, &r);
    if (!st)
        st = run_check_deadline(ctx, job, *deadline, source, page, "after rendering");
    if (!st && !job->opts->no_blank_skip) { /* a blank page needs no model */
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
        *model_error = VO_MODEL_ERROR_FOLDER;
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
    ocr_collect col = {&text, NULL, 0, 0, 0, 0, 0, NULL, 0, NULL, NULL, 0, 0, 0};
    double t0 = run_now_seconds();
    pthread_mutex_lock(&job->engine_lock);
    if (*deadline > 0) { /* waiting for the model to load does not count */
        *deadline += run_now_seconds() - t0;
        col.deadline = *deadline;
    }
    st = open_engine_locked(ctx, job);
    pthread_mutex_unlock(&job->engine_lock);
    if (st) {
        *model_error = VO_MODEL_ERROR_FOLDER;
    } else {
        band_leaf whole = {{0, r->height}, VO_BUF_INIT, NULL, 0, 0, 0, 0, 0};
        st = recognise_rows(ctx, job, r, source, page, col.deadline, &whole, note);
        int whole_tokens = whole.n_gen;
        col.timed_out = whole.timed_out;
        note->bands = 1;
        if (!st && !whole.timed_out && (whole.cut || whole.looped) && !job->opts->no_band &&
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
            *model_error = VO_MODEL_ERROR_ENGINE;
        const char *limit = job->opts->max_tokens > 0 ? "--max-tokens" : "the model's context";
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
        st = run_check_deadline(ctx, job, col.deadline, source, page, "during recognition");
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
    raw.method = job->method;
    raw.settings = job->settings;
    raw.tokens = col.tokens;
    raw.n_tokens = col.n;
    raw.gen_seconds = run_now_seconds() - t0;
    if (!st && job->opts->raw_out) {
        char *base = run_path_printf("%s/%s", job->opts->raw_out, in->rel);
        char *path = NULL;
        st = base ? vo_raw_file_name(ctx, base, page, &path)
                  : vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        if (!st)
            st = run_make_parent_dirs(ctx, job->opts->raw_out, path);
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
