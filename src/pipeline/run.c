/* run.c: the flow of one command: inputs → documents (or saved raw pages)
 * → page models (text layer, OCR) → every writer; in --output-dir mode each
 * page is cached as it is done, so a batch resumes after any crash. */

#include "config.h"
#include "src/pipeline/run_impl.h"
#include "src/pipeline/outlock.h"
#include "src/util/alloc.h"
#include "src/util/clock.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

volatile sig_atomic_t vo_run_stop;

typedef struct worker_state {
    run_job *job;
    input_rec *rec; /* the input being done */
} worker_state;

/* A worker's messages: warnings are kept for the report's input or page
 * (even with -q), then said as the verbosity asks. */
static void worker_log(void *user, int level, const char *msg)
{
    worker_state *w = user;
    run_say(w->job, w->rec ? run_warnings_now(w->rec) : NULL, level, msg);
}

static void *worker(void *arg)
{
    worker_state w = {arg, NULL};
    run_job *job = w.job;
    vo_ctx *ctx = vo_new_ctx();
    if (!ctx)
        return NULL;
    vo_set_log(ctx, worker_log, &w);
    vo_set_verbosity(ctx, job->opts->verbosity > VO_LOG_WARN ? job->opts->verbosity
                                                             : VO_LOG_WARN);
    for (;;) {
        if (vo_run_stop)
            break;
        int i = atomic_fetch_add(&job->next, 1);
        if (i >= job->inputs.n)
            break;
        w.rec = &job->recs[i];
        run_process_input(ctx, job, i);
        vo_flush_warnings(ctx);
        w.rec = NULL;
    }
    vo_drop_ctx(ctx);
    return NULL;
}

void vo_run(const vo_run_opts *opts, int out_fd, vo_run_summary *sum)
{
    run_job job;
    memset(&job, 0, sizeof job);
    memset(sum, 0, sizeof *sum);
    job.opts = opts;
    job.out_fd = out_fd;
    job.progress_mode = opts->progress; /* messages are events in JSON mode */
    job.t0 = vo_monotonic_seconds();
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
    vo_set_verbosity(ctx, opts->verbosity);
    vo_source_set_cancel(&vo_run_stop);
    vo_out_lock lock = VO_OUT_LOCK_INIT; /* SIGINT/SIGTERM end MuPDF's reads */

    /* the inputs */
    vo_status st = VO_OK;
    vo_input_filter filter = {(const char *const *)opts->include,
                              (const char *const *)opts->exclude};
    if (opts->n_from_raw)
        st = run_collect_raw(ctx, &job);
    for (int i = 0; i < opts->n_inputs && !st; i++)
        st = vo_inputs_add(ctx, &job.inputs, opts->inputs[i], &filter);
    if (!st && opts->files_from)
        st = vo_inputs_add_list(ctx, &job.inputs, opts->files_from, &filter);
    if (!st && opts->output_dir)
        st = vo_inputs_resolve_names(ctx, &job.inputs);
    if (!st && job.inputs.n == 0)
        st = vo_fail(ctx, VO_ERR_ARGUMENT, "no input document found");
    if (!st)
        st = run_check_report_path(ctx, &job);
    if (!st && !(job.recs = vo_calloc((size_t)job.inputs.n, sizeof(input_rec))))
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    if (st) {
        run_log(&job, VO_LOG_ERROR, vo_last_error(ctx));
        sum->setup_error = st;
        goto out;
    }
    if (opts->output_dir) {
        /* one run per output tree: before the stale temps of this tree
         * (and shard) are removed, which another run might be writing */
        char *lock_in = run_path_printf("%s/.varco-ocr/run.lock", opts->output_dir);
        st = lock_in ? run_make_parent_dirs(ctx, opts->output_dir, lock_in)
                     : vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        if (!st) {
            *strrchr(lock_in, '/') = 0;
            vo_out_lock_wait wait = {opts->wait_lock, &vo_run_stop};
            st = vo_out_lock_take(ctx, opts->output_dir, lock_in, opts->shard_index,
                                  opts->shard_count, &wait, &lock);
        }
        vo_free(lock_in);
        if (st == VO_ERR_ABORT && vo_run_stop) { /* SIGINT/SIGTERM while waiting: nothing done */
            sum->interrupted = 1;
            goto out;
        }
        if (st) {
            run_log(&job, VO_LOG_ERROR, vo_last_error(ctx));
            sum->setup_error = st;
            goto out;
        }
        run_remove_stale_temps(&job, opts->output_dir, strlen(opts->output_dir), 0);
    }
    job.model_dir = vo_find_model_dir(opts->model);
    run_default_batch(ctx, &job);
    if ((st = run_describe_method(&job))) {
        vo_fail(ctx, st, "out of memory");
        run_log(&job, VO_LOG_ERROR, vo_last_error(ctx));
        sum->setup_error = st;
        goto out;
    }
    job.timestamp = run_output_timestamp();
    int tty = isatty(2) && !(getenv("TERM") && strcmp(getenv("TERM"), "dumb") == 0);
    job.progress = opts->progress == VO_PROGRESS_ALWAYS || opts->progress == VO_PROGRESS_JSON ||
                   (opts->progress == VO_PROGRESS_AUTO && opts->verbosity >= 1 && tty);
    job.progress_tty = job.progress && opts->progress != VO_PROGRESS_JSON && tty;
    if (job.progress) {
        job.total_pages = run_count_pages(&job);
        run_progress_start(&job);
    }

    /* outputs on stdout must come in input order: one worker then */
    int to_stdout = !opts->output_dir && (!opts->output || strcmp(opts->output, "-") == 0);
    int n = to_stdout ? 1 : opts->jobs;
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
    run_clear_progress_locked(&job);
    pthread_mutex_unlock(&job.lock);
    run_summarize(&job, sum);
    if (opts->report && (sum->report_error = run_write_report(ctx, &job, sum)))
        run_log(&job, VO_LOG_ERROR, vo_last_error(ctx));
    run_progress_end(&job, sum);

out:
    for (int i = 0; job.recs && i < job.inputs.n; i++)
        run_free_input_rec(&job.recs[i]);
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
    vo_free(job.model_name);
    vo_free(job.method);
    vo_free(job.settings);
    vo_engine_close(job.engine);
    vo_free(job.engine_error);
    vo_drop_ctx(ctx);
    pthread_mutex_destroy(&job.lock);
    pthread_mutex_destroy(&job.engine_lock);
}
