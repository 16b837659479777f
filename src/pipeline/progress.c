/* progress.c: messages and the progress of a run on stderr, under one lock:
 * a line redrawn in place on a terminal, plain lines into a file or pipe
 * (--progress=always), or one JSON object a line for each event
 * (--progress=json), where the messages are events too. */

#include "config.h"
#include "src/pipeline/run_impl.h"
#include "src/util/alloc.h"
#include "src/util/clock.h"
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define PLAIN_PAGE_EVERY 1.0   /* seconds between plain progress lines */
#define PLAIN_TOKENS_EVERY 10.0
#define DRAW_EVERY 0.2         /* seconds between redraws of the line */
#define JSON_TOKENS_EVERY 0.5

void run_clear_progress_locked(run_job *job)
{
    if (job->drawn) {
        fputs("\r\033[K", stderr);
        job->drawn = 0;
    }
}

/* A JSON string of text that may not be UTF-8 (a file name): bytes that
 * do not decode become U+FFFD, so the event is still one valid line. */
static json_t *text_json(const char *s)
{
    json_t *j = json_string(s);
    if (j || !s)
        return j ? j : json_null();
    size_t n = strlen(s);
    char *t = vo_malloc(3 * n + 1);
    if (!t)
        return json_null();
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            t[k++] = (char)c;
        } else {
            memcpy(t + k, "\xEF\xBF\xBD", 3);
            k += 3;
        }
    }
    t[k] = 0;
    j = json_string(t);
    vo_free(t);
    return j ? j : json_null();
}

/* Writes the event `o` (taken) with its time since the run began. */
static void emit_json_locked(run_job *job, json_t *o)
{
    if (!o)
        return;
    double t = vo_monotonic_seconds() - job->t0;
    json_object_set_new(o, "t", json_real((double)(long long)(t * 1000.0 + 0.5) / 1000.0));
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    if (s) {
        fprintf(stderr, "%s\n", s);
        fflush(stderr);
        free(s);
    }
    json_decref(o);
}

/* The event's name and its input (NULL: none) and page (0: none). */
static json_t *event(const char *name, const char *input, int page)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "event", json_string(name));
    if (input)
        json_object_set_new(o, "input", text_json(input));
    if (page > 0)
        json_object_set_new(o, "page", json_integer(page));
    return o;
}

void run_log(void *user, int level, const char *msg)
{
    run_job *job = user;
    pthread_mutex_lock(&job->lock);
    if (job->progress_mode == VO_PROGRESS_JSON) {
        json_t *o = event("message", NULL, 0);
        if (o) {
            json_object_set_new(o, "level", json_string(level == VO_LOG_ERROR  ? "error"
                                                        : level == VO_LOG_WARN ? "warning"
                                                                               : "info"));
            json_object_set_new(o, "text", text_json(msg));
        }
        emit_json_locked(job, o);
    } else {
        const char *tag = level == VO_LOG_ERROR ? "error: " : level == VO_LOG_WARN ? "warning: " : "";
        run_clear_progress_locked(job);
        fprintf(stderr, "varco-ocr: %s%s\n", tag, msg);
    }
    pthread_mutex_unlock(&job->lock);
}

/* The line of pages done, their rate and the time left, then `tail`. */
static void progress_line_locked(run_job *job, double t, const char *current, const char *tail)
{
    double rate = job->pages_seen / (t - job->t0 > 1e-3 ? t - job->t0 : 1e-3);
    char eta[32] = "";
    if (job->total_pages > 0 && rate > 0) {
        long left = (long)((job->total_pages - job->pages_seen) / rate);
        snprintf(eta, sizeof eta, ", ETA %ld:%02ld", left / 60, left % 60);
    }
    const char *slash = current ? strrchr(current, '/') : NULL;
    const char *name = slash ? slash + 1 : current ? current : "";
    const char *lead = job->progress_tty ? "\r\033[Kvarco-ocr: " : "varco-ocr: progress: ";
    if (job->total_pages > 0)
        fprintf(stderr, "%s%ld/%ld pages, %.2f pages/s%s, %.40s%s", lead, job->pages_seen,
                job->total_pages, rate, eta, name, tail);
    else
        fprintf(stderr, "%s%ld pages, %.2f pages/s, %.40s%s", lead, job->pages_seen, rate, name,
                tail);
    if (job->progress_tty)
        job->drawn = 1;
    else
        fputc('\n', stderr);
}

void run_progress_start(run_job *job)
{
    if (job->progress_mode != VO_PROGRESS_JSON)
        return;
    pthread_mutex_lock(&job->lock);
    json_t *o = event("run-start", NULL, 0);
    if (o) {
        json_object_set_new(o, "inputs", json_integer(job->inputs.n));
        json_object_set_new(o, "pages", job->total_pages >= 0 ? json_integer(job->total_pages)
                                                              : json_null());
    }
    emit_json_locked(job, o);
    pthread_mutex_unlock(&job->lock);
}

void run_progress_page_start(run_job *job, const char *input, int page)
{
    if (job->progress_mode != VO_PROGRESS_JSON)
        return;
    pthread_mutex_lock(&job->lock);
    emit_json_locked(job, event("page-start", input, page));
    pthread_mutex_unlock(&job->lock);
}

void run_progress_stage(run_job *job, const char *input, int page, const char *stage)
{
    if (job->progress_mode != VO_PROGRESS_JSON)
        return;
    pthread_mutex_lock(&job->lock);
    json_t *o = event("stage", input, page);
    if (o)
        json_object_set_new(o, "stage", json_string(stage));
    emit_json_locked(job, o);
    pthread_mutex_unlock(&job->lock);
}

void run_progress_tokens(run_job *job, const char *input, int page, int tokens, double since,
                         double *last)
{
    if (!job->progress)
        return;
    double t = vo_monotonic_seconds();
    double every = job->progress_mode == VO_PROGRESS_JSON ? JSON_TOKENS_EVERY
                   : job->progress_tty                   ? DRAW_EVERY
                                                         : PLAIN_TOKENS_EVERY;
    if (tokens > 1 && t - *last < every) /* the first token says decoding began */
        return;
    *last = t;
    double rate = t - since > 1e-3 ? tokens / (t - since) : 0;
    pthread_mutex_lock(&job->lock);
    if (job->progress_mode == VO_PROGRESS_JSON) {
        json_t *o = event("tokens", input, page);
        if (o) {
            json_object_set_new(o, "tokens", json_integer(tokens));
            json_object_set_new(o, "tokens_per_s",
                                json_real((double)(long long)(rate * 100.0 + 0.5) / 100.0));
        }
        emit_json_locked(job, o);
    } else {
        char tail[96];
        snprintf(tail, sizeof tail, ", page %d: %d tokens, %.1f tokens/s", page, tokens, rate);
        progress_line_locked(job, t, input, tail);
    }
    pthread_mutex_unlock(&job->lock);
}

void run_progress_page(run_job *job, const char *input, const page_rec *pr)
{
    if (!job->progress)
        return;
    pthread_mutex_lock(&job->lock);
    job->pages_seen++;
    double t = vo_monotonic_seconds();
    if (job->progress_mode == VO_PROGRESS_JSON) {
        json_t *o = event("page-done", input, pr->page);
        const char *source = run_page_source_name(pr->source);
        if (o) {
            json_object_set_new(o, "status", json_string(run_page_status_name(pr->status)));
            json_object_set_new(o, "source", source ? json_string(source) : json_null());
            json_object_set_new(o, "seconds", json_real(pr->seconds));
            const page_stages *g = &pr->stages;
            json_t *stages = json_pack("{s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f}", "render", g->render,
                                       "wait", g->wait, "preprocess", g->preprocess, "vision",
                                       g->vision, "prefill", g->prefill, "decode", g->decode,
                                       "layout", g->layout, "write", g->write);
            if (stages)
                json_object_set_new(o, "stages", stages);
            if (pr->source == SOURCE_OCR) {
                json_object_set_new(o, "tokens", json_integer(pr->tokens));
                json_object_set_new(o, "passes", json_integer(pr->passes));
            }
        }
        emit_json_locked(job, o);
    } else {
        double every = job->progress_tty ? DRAW_EVERY : PLAIN_PAGE_EVERY;
        if (t - job->last_draw >= every || job->pages_seen == job->total_pages) {
            job->last_draw = t;
            progress_line_locked(job, t, input, "");
        }
    }
    pthread_mutex_unlock(&job->lock);
}

void run_progress_file(run_job *job, const char *input, const input_rec *rec)
{
    if (job->progress_mode != VO_PROGRESS_JSON)
        return;
    int done = 0, failed = 0;
    for (int k = 0; k < rec->n_pages; k++) {
        done += rec->pages[k].status == PAGE_DONE || rec->pages[k].status == PAGE_RESUMED;
        failed += rec->pages[k].status == PAGE_FAILED;
    }
    pthread_mutex_lock(&job->lock);
    json_t *o = event("file-done", input, 0);
    if (o) {
        json_object_set_new(o, "status", json_string(run_input_status_name(rec)));
        json_object_set_new(o, "pages_done", json_integer(done));
        json_object_set_new(o, "pages_failed", json_integer(failed));
        if (rec->error)
            json_object_set_new(o, "error", text_json(rec->error));
    }
    emit_json_locked(job, o);
    pthread_mutex_unlock(&job->lock);
}

void run_progress_end(run_job *job, const vo_run_summary *sum)
{
    if (job->progress_mode != VO_PROGRESS_JSON)
        return;
    pthread_mutex_lock(&job->lock);
    json_t *o = event("run-done", NULL, 0);
    if (o) {
        json_object_set_new(o, "inputs_done", json_integer(sum->inputs_ok));
        json_object_set_new(o, "inputs_failed", json_integer(sum->inputs_failed));
        json_object_set_new(o, "inputs_skipped", json_integer(sum->inputs_skipped));
        json_object_set_new(o, "inputs_not_started", json_integer(sum->inputs_not_started));
        json_object_set_new(o, "pages_done", json_integer(sum->pages_done));
        json_object_set_new(o, "pages_failed", json_integer(sum->pages_failed));
        json_object_set_new(o, "interrupted", json_boolean(sum->interrupted));
    }
    emit_json_locked(job, o);
    pthread_mutex_unlock(&job->lock);
}

/* Print the context's last error, prefixed by `where` unless the message
 * already starts with it; keep it for the report. */
/* A worker's or page maker's message: a warning kept in `keep` for the
 * report (even with -q), then said as the verbosity asks. */
void run_say(run_job *job, warn_list *keep, int level, const char *msg)
{
    if (level == VO_LOG_WARN && keep)
        run_add_warning(keep, msg);
    if (level <= job->opts->verbosity)
        run_log(job, level, msg);
}

void run_report_error(vo_ctx *ctx, run_job *job, const char *where, char **keep)
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
