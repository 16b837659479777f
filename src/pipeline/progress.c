/* progress.c: messages and the progress line of a run (stderr, one lock). */

#include "config.h"
#include "src/pipeline/run_impl.h"
#include "src/util/alloc.h"
#include <pthread.h>
#include <stdio.h>
#include <string.h>

double run_now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void run_clear_progress_locked(run_job *job)
{
    if (job->drawn) {
        fputs("\r\033[K", stderr);
        job->drawn = 0;
    }
}

void run_log(void *user, int level, const char *msg)
{
    run_job *job = user;
    const char *tag = level == VO_LOG_ERROR ? "error: " : level == VO_LOG_WARN ? "warning: " : "";
    pthread_mutex_lock(&job->lock);
    run_clear_progress_locked(job);
    fprintf(stderr, "varco-ocr: %s%s\n", tag, msg);
    pthread_mutex_unlock(&job->lock);
}

void run_progress_page(run_job *job, const char *current)
{
    if (!job->progress)
        return;
    pthread_mutex_lock(&job->lock);
    job->pages_seen++;
    double t = run_now_seconds();
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
