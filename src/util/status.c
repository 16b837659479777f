/* status.c: per-thread error context, warnings that collapse repeats. */
#include "src/util/status.h"
#include "src/util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VO_MSG_MAX 2048

struct vo_ctx {
    vo_status last;
    char msg[VO_MSG_MAX];
    vo_log_fn *log;
    void *log_user;
    int verbosity;
    char warn_last[VO_MSG_MAX];
    int warn_repeats;
};

static void default_log(void *user, int level, const char *msg)
{
    (void)user;
    const char *tag = level == VO_LOG_ERROR ? "error: " : level == VO_LOG_WARN ? "warning: " : "";
    fprintf(stderr, "varco-ocr: %s%s\n", tag, msg);
}

vo_ctx *vo_new_ctx(void)
{
    /* plain calloc: a context must exist to report the failure of others */
    vo_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    ctx->log = default_log;
    ctx->verbosity = 1;
    return ctx;
}

void vo_drop_ctx(vo_ctx *ctx)
{
    if (!ctx)
        return;
    vo_flush_warnings(ctx);
    free(ctx);
}

void vo_set_log(vo_ctx *ctx, vo_log_fn *fn, void *user)
{
    ctx->log = fn ? fn : default_log;
    ctx->log_user = user;
}

void vo_set_verbosity(vo_ctx *ctx, int level) { ctx->verbosity = level; }
int vo_verbosity(const vo_ctx *ctx) { return ctx->verbosity; }

vo_status vo_fail(vo_ctx *ctx, vo_status st, const char *fmt, ...)
{
    if (!ctx)
        return st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->msg, sizeof ctx->msg, fmt, ap);
    va_end(ap);
    ctx->last = st;
    return st;
}

vo_status vo_fail_where(vo_ctx *ctx, const char *fmt, ...)
{
    if (!ctx)
        return VO_ERR_ARGUMENT;
    char where[VO_MSG_MAX];
    char old[VO_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(where, sizeof where, fmt, ap);
    va_end(ap);
    memcpy(old, ctx->msg, sizeof old);
    snprintf(ctx->msg, sizeof ctx->msg, "%s%s", where, old);
    return ctx->last;
}

const char *vo_last_error(const vo_ctx *ctx) { return ctx ? ctx->msg : ""; }
vo_status vo_last_status(const vo_ctx *ctx) { return ctx ? ctx->last : VO_OK; }

void vo_clear_error(vo_ctx *ctx)
{
    ctx->last = VO_OK;
    ctx->msg[0] = 0;
}

void vo_flush_warnings(vo_ctx *ctx)
{
    if (ctx->warn_repeats > 0 && ctx->verbosity >= VO_LOG_WARN) {
        char line[VO_MSG_MAX + 64];
        snprintf(line, sizeof line, "%.*s (repeated %d more times)", VO_MSG_MAX - 1,
                 ctx->warn_last, ctx->warn_repeats);
        ctx->log(ctx->log_user, VO_LOG_WARN, line);
    }
    ctx->warn_repeats = 0;
    ctx->warn_last[0] = 0;
}

static void vlog(vo_ctx *ctx, int level, const char *fmt, va_list ap)
{
    if (!ctx || ctx->verbosity < level)
        return;
    char line[VO_MSG_MAX];
    vsnprintf(line, sizeof line, fmt, ap);
    if (level == VO_LOG_WARN) {
        if (strcmp(line, ctx->warn_last) == 0) {
            ctx->warn_repeats++;
            return;
        }
        vo_flush_warnings(ctx);
        memcpy(ctx->warn_last, line, sizeof line);
    }
    ctx->log(ctx->log_user, level, line);
}

void vo_warn(vo_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(ctx, VO_LOG_WARN, fmt, ap);
    va_end(ap);
}

void vo_info(vo_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(ctx, VO_LOG_INFO, fmt, ap);
    va_end(ap);
}

void vo_debug(vo_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(ctx, VO_LOG_DEBUG, fmt, ap);
    va_end(ap);
}

const char *vo_status_name(vo_status st)
{
    static const char *const names[VO_ERR_COUNT_] = {
        "ok", "out of memory", "i/o error", "library error", "invalid argument",
        "limit exceeded", "unsupported", "format error", "device error", "aborted",
        "password required", "missing dependency",
    };
    return (unsigned)st < VO_ERR_COUNT_ ? names[st] : "unknown error";
}
