/* makers.c: several pages of one document in flight. A page is made (read
 * from the page cache, or from the document: text layer, render, model) by
 * run_make_page; the input's worker writes the pages in order
 * (process.c), while up to --batch page makers make the pages after the
 * one it writes, so that they meet in the engine's decode steps. */

#include "config.h"
#include "src/pipeline/run_impl.h"
#include "src/model/config.h"
#include "src/util/alloc.h"
#include "src/util/clock.h"
#include "src/util/sysmem.h"
#include <string.h>

#define RUN_MAKE_AHEAD 64

/* Pages that may be in the engine at once: --batch, by default as many as
 * the memory has room for (run_default_batch; --jobs when unknown), at
 * most VO_ENGINE_BATCH_MAX. */
int run_pages_in_flight(const run_job *job)
{
    const vo_run_opts *opts = job->opts;
    int batch = opts->batch > 0           ? opts->batch
                : job->batch_default > 0 ? job->batch_default
                                         : opts->jobs;
    return batch < VO_ENGINE_BATCH_MAX ? batch : VO_ENGINE_BATCH_MAX;
}

/* --batch not given: the pages whose KV caches fit in half of the memory
 * available, from the model folder's shapes (vo_engine_default_batch);
 * left to --jobs when the folder's config cannot be read (the model's
 * loading then says why) or the memory is unknown. */
void run_default_batch(vo_ctx *ctx, run_job *job)
{
    vo_config cfg;
    if (job->opts->batch > 0 || !job->model_dir || job->opts->text_layer == VO_TEXT_ONLY)
        return;
    if (vo_load_config(ctx, job->model_dir, &cfg) != VO_OK) {
        vo_clear_error(ctx);
        return;
    }
    uint64_t page_bytes = 0, mem = vo_mem_available();
    job->batch_default = vo_engine_default_batch(cfg.num_hidden_layers, cfg.num_key_value_heads,
                                                 cfg.head_dim, job->opts->kv_type, mem,
                                                 &page_bytes);
    job->batch_mem = mem;
    job->batch_page_bytes = page_bytes;
}

/* Where a page stood when its --page-timeout was checked. */
static const char *deadline_stage(page_source source)
{
    switch (source) {
    case SOURCE_TEXT_LAYER: return "after reading its text layer";
    case SOURCE_RAW: return "after reading its saved raw output";
    case SOURCE_BLANK: return "after it was found blank";
    default: return "when it was done";
    }
}

/* Everything of page m->page that reads the input: the page from the
 * cache of an earlier run, or made from the document or its raw pages. */
void run_make_page(vo_ctx *ctx, run_job *job, provider *pv, const vo_input *in,
                   const doc_state *d, int cached, made_page *m)
{
    const vo_run_opts *opts = job->opts;
    int p = m->page;
    m->t0 = vo_monotonic_seconds();
    run_progress_page_start(job, in->path, p);
    if (cached && opts->resume && (m->out = run_load_page_cache(ctx, d, p))) {
        m->resumed = 1;
        return;
    }
    double deadline = opts->page_timeout > 0 ? m->t0 + opts->page_timeout : 0;
    ocr_note note;
    memset(&note, 0, sizeof note);
    vo_status st = run_get_page(ctx, job, pv, p, in, &deadline, &m->out, &m->rec.source, &note,
                                &m->model_error);
    m->rec.text_layer_problem = note.text_layer_problem;
    m->rec.bands = note.bands;
    m->rec.cut = note.cut;
    m->rec.looped = note.looped;
    m->rec.tokens = note.tokens;
    m->rec.passes = note.passes;
    m->rec.stages = note.stages;
    if (!st)
        st = run_check_deadline(ctx, job, deadline, in->path, p, deadline_stage(m->rec.source));
    if (!st && (st = run_check_unchanged(ctx, pv, in->path)))
        m->changed = 1;
    m->st = st;
}

typedef struct maker_state {
    page_makers *mk;
    made_page *slot; /* the page being made */
} maker_state;

/* A maker's messages: warnings kept for its page's record (the worker
 * moves them into the report), then said as the verbosity asks. */
static void maker_log(void *user, int level, const char *msg)
{
    maker_state *s = user;
    run_say(s->mk->job, s->slot ? &s->slot->rec.warnings : NULL, level, msg);
}

static void *maker(void *arg)
{
    maker_state s = {arg, NULL};
    page_makers *mk = s.mk;
    vo_ctx *ctx = vo_new_ctx();
    if (!ctx)
        return NULL; /* the worker makes the pages no maker takes */
    vo_set_log(ctx, maker_log, &s);
    int verbosity = mk->job->opts->verbosity;
    vo_set_verbosity(ctx, verbosity > VO_LOG_WARN ? verbosity : VO_LOG_WARN);
    for (;;) {
        pthread_mutex_lock(&mk->lock);
        while (!mk->stop && mk->next < mk->n && mk->next >= mk->written + mk->window)
            pthread_cond_wait(&mk->cond, &mk->lock);
        if (mk->stop || mk->next >= mk->n || vo_run_stop) {
            pthread_mutex_unlock(&mk->lock);
            break;
        }
        int k = mk->next++;
        made_page *m = &mk->slots[k % mk->window];
        memset(m, 0, sizeof *m);
        m->page = mk->pages[k];
        pthread_mutex_unlock(&mk->lock);

        s.slot = m;
        vo_clear_error(ctx);
        run_make_page(ctx, mk->job, mk->pv, mk->in, mk->d, mk->cached, m);
        if (m->st) /* said by the worker in page order (NULL: out of memory) */
            m->error = vo_strdup(vo_last_error(ctx));
        vo_flush_warnings(ctx); /* its repeats are said with its warnings */
        s.slot = NULL;

        pthread_mutex_lock(&mk->lock);
        m->done = 1;
        pthread_cond_broadcast(&mk->cond);
        pthread_mutex_unlock(&mk->lock);
    }
    vo_drop_ctx(ctx);
    return NULL;
}

/* Makers only where pages meet in the engine: a model may be used, pages
 * come from a document, and --batch lets more than one be in flight. */
void run_makers_start(vo_ctx *ctx, page_makers *mk, run_job *job, provider *pv,
                      const vo_input *in, const doc_state *d, int cached, const int *pages,
                      int n)
{
    memset(mk, 0, sizeof *mk);
    int makers = run_pages_in_flight(job);
    if (makers > n)
        makers = n;
    if (makers < 2 || pv->raw || !job->model_dir || job->opts->text_layer == VO_TEXT_ONLY)
        return;
    /* A page of many bands holds the writer back: the pages after it go on
     * being made, up to RUN_MAKE_AHEAD pages ahead (made pages are small;
     * only the makers' pages hold a raster) */
    int window = n < RUN_MAKE_AHEAD ? n : RUN_MAKE_AHEAD;
    mk->slots = vo_calloc((size_t)window, sizeof *mk->slots);
    mk->threads = vo_calloc((size_t)makers, sizeof *mk->threads);
    if (!mk->slots || !mk->threads || pthread_mutex_init(&mk->lock, NULL) != 0)
        goto alone;
    if (pthread_cond_init(&mk->cond, NULL) != 0) {
        pthread_mutex_destroy(&mk->lock);
        goto alone;
    }
    mk->job = job;
    mk->pv = pv;
    mk->in = in;
    mk->d = d;
    mk->cached = cached;
    mk->pages = pages;
    mk->n = n;
    mk->window = window;
    for (int i = 0; i < makers; i++)
        mk->n_threads += pthread_create(&mk->threads[mk->n_threads], NULL, maker, mk) == 0;
    if (mk->n_threads < makers)
        vo_info(ctx, "%s: %d of %d page makers started: fewer pages in flight", in->path,
                mk->n_threads, makers);
    return;
alone: /* no memory for makers: the worker makes its pages in turn */
    vo_free(mk->slots);
    vo_free(mk->threads);
    memset(mk, 0, sizeof *mk);
}

/* Page index k, the worker's next: made by a maker (waited for), or NULL
 * when no maker took it, and the worker makes it itself. */
made_page *run_makers_take(page_makers *mk, int k)
{
    if (!mk->window)
        return NULL;
    pthread_mutex_lock(&mk->lock);
    made_page *m = NULL;
    if (k >= mk->next) {
        mk->next = k + 1; /* the worker's own */
    } else {
        m = &mk->slots[k % mk->window];
        while (!m->done)
            pthread_cond_wait(&mk->cond, &mk->lock);
    }
    pthread_mutex_unlock(&mk->lock);
    return m;
}

static void drop_made(made_page *m)
{
    vo_drop_page(m->out);
    vo_free(m->error);
    run_free_warnings(&m->rec.warnings);
    memset(m, 0, sizeof *m);
}

/* The worker is through with page index k: its slot is free for the page
 * `window` later. */
void run_makers_release(page_makers *mk, int k)
{
    if (!mk->window)
        return;
    pthread_mutex_lock(&mk->lock);
    drop_made(&mk->slots[k % mk->window]); /* empty when the worker made k itself */
    mk->written = k + 1;
    pthread_cond_broadcast(&mk->cond);
    pthread_mutex_unlock(&mk->lock);
}

/* Makers told to take no more pages, waited for, and the pages they made
 * that were not written dropped (the input ended early). */
void run_makers_stop(page_makers *mk)
{
    if (!mk->window)
        return;
    pthread_mutex_lock(&mk->lock);
    mk->stop = 1;
    pthread_cond_broadcast(&mk->cond);
    pthread_mutex_unlock(&mk->lock);
    for (int i = 0; i < mk->n_threads; i++)
        pthread_join(mk->threads[i], NULL);
    for (int i = 0; i < mk->window; i++)
        drop_made(&mk->slots[i]);
    pthread_cond_destroy(&mk->cond);
    pthread_mutex_destroy(&mk->lock);
    vo_free(mk->slots);
    vo_free(mk->threads);
    memset(mk, 0, sizeof *mk);
}
