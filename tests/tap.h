/* tap.h: the smallest TAP producer for C unit tests (automake tap-driver).
 * ok(cond, "part 1.2: what was checked"); done_testing() prints the plan. */
#ifndef VO_TAP_H
#define VO_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n_, tap_failed_;

#define ok(cond, ...) tap_ok_(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

__attribute__((format(printf, 4, 5), unused))
static int tap_ok_(int pass, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    tap_n_++;
    printf("%s %d - ", pass ? "ok" : "not ok", tap_n_);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!pass) {
        tap_failed_++;
        printf("#   failed at %s:%d\n", file, line);
    }
    fflush(stdout);
    return pass;
}

/* Diagnostics line. */
#define diag(...) (printf("# "), printf(__VA_ARGS__), printf("\n"))

/* One test skipped, with the reason printed. */
#define skip(...) (printf("ok %d # SKIP ", ++tap_n_), printf(__VA_ARGS__), printf("\n"))

/* Skip the whole test file, with the reason printed. */
#define skip_all(...) (printf("1..0 # SKIP "), printf(__VA_ARGS__), printf("\n"), exit(0))

__attribute__((unused))
static int done_testing(void)
{
    printf("1..%d\n", tap_n_);
    return tap_failed_ ? 1 : 0;
}

#endif
