/* status.h: the one error model of varco-ocr (status classes, per-thread
 * context with the last message, warnings that collapse repeats). */
#ifndef VO_STATUS_H
#define VO_STATUS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* The status classes, vo_ctx and its calls are the public interface's
 * (include/varco-ocr.h); only the programs map statuses to exit codes
 * (src/cli/exit_codes.h, CLI-CONVENTIONS.md §4). */
#include "include/varco-ocr.h"

/* Record an error and return its class, in one statement:
 *   return vo_fail(ctx, VO_ERR_FORMAT, "tensor %s ends past the file", n); */
vo_status vo_fail(vo_ctx *ctx, vo_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefix the last message with where it happened ("FILE: page 3: ") and
 * return the last status unchanged. */
vo_status vo_fail_where(vo_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Warnings: an identical message repeated in a row is counted, not
 * printed again; the count is printed at the next different message
 * or at vo_flush_warnings. */
void vo_warn(vo_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vo_info(vo_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vo_debug(vo_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vo_flush_warnings(vo_ctx *ctx);


/* "Impossible" states: asserts in debug builds, returns an error in
 * release builds (SQLite NEVER). */
#ifdef NDEBUG
#define VO_NEVER(x) (x)
#else
#include <assert.h>
#define VO_NEVER(x) (assert(!(x)), (x))
#endif

#endif
