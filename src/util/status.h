/* status.h: the one error model of varco-ocr (status classes, per-thread
 * context with the last message, warnings that collapse repeats). */
#ifndef VO_STATUS_H
#define VO_STATUS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Every fallible function returns one of these. Only main maps them to
 * exit codes (CLI-CONVENTIONS.md §4). */
typedef enum vo_status {
    VO_OK = 0,
    VO_ERR_NOMEM,       /* allocation failed */
    VO_ERR_IO,          /* read/write/open failed */
    VO_ERR_LIBRARY,     /* a library (MuPDF, libtiff, libxml2) failed */
    VO_ERR_ARGUMENT,    /* caller passed something invalid */
    VO_ERR_LIMIT,       /* a size or resource limit was hit */
    VO_ERR_UNSUPPORTED, /* valid but not supported input */
    VO_ERR_FORMAT,      /* malformed input file */
    VO_ERR_DEVICE,      /* compute device failed */
    VO_ERR_ABORT,       /* cancelled (signal, timeout) */
    VO_ERR_PASSWORD,    /* encrypted document, no or wrong password */
    VO_ERR_MISSING,     /* model or other dependency missing */
    VO_ERR_COUNT_
} vo_status;

/* Per-thread context: last error class and message, warning sink, verbosity.
 * Not shared between threads; make one per worker. */
typedef struct vo_ctx vo_ctx;

typedef void (vo_log_fn)(void *user, int level, const char *msg);

enum { VO_LOG_ERROR = 0, VO_LOG_WARN = 1, VO_LOG_INFO = 2, VO_LOG_DEBUG = 3 };

/* Returns NULL only when out of memory. */
vo_ctx *vo_new_ctx(void);
/* Accepts NULL. */
void vo_drop_ctx(vo_ctx *ctx);

/* Where warnings and info go; default: stderr, "varco-ocr: " prefix. */
void vo_set_log(vo_ctx *ctx, vo_log_fn *fn, void *user);
/* 0 = errors only, 1 = warnings (default), 2 = info, 3 = debug. */
void vo_set_verbosity(vo_ctx *ctx, int level);
int vo_verbosity(const vo_ctx *ctx);

/* Record an error and return its class, in one statement:
 *   return vo_fail(ctx, VO_ERR_FORMAT, "tensor %s ends past the file", n); */
vo_status vo_fail(vo_ctx *ctx, vo_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefix the last message with where it happened ("FILE: page 3: ") and
 * return the last status unchanged. */
vo_status vo_fail_where(vo_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Last error message ("" when none) and class. */
const char *vo_last_error(const vo_ctx *ctx);
vo_status vo_last_status(const vo_ctx *ctx);
void vo_clear_error(vo_ctx *ctx);

/* Warnings: an identical message repeated in a row is counted, not
 * printed again; the count is printed at the next different message
 * or at vo_flush_warnings. */
void vo_warn(vo_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vo_info(vo_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vo_debug(vo_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vo_flush_warnings(vo_ctx *ctx);

/* A short name of a status class ("format error", …). */
const char *vo_status_name(vo_status st);

/* "Impossible" states: asserts in debug builds, returns an error in
 * release builds (SQLite NEVER). */
#ifdef NDEBUG
#define VO_NEVER(x) (x)
#else
#include <assert.h>
#define VO_NEVER(x) (assert(!(x)), (x))
#endif

#endif
