/* source-test.h: helpers of the source tests: where the test data and the
 * shared corpus are, and a quiet vo_ctx that keeps the last warning. */
#ifndef VO_SOURCE_TEST_H
#define VO_SOURCE_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "src/source/document.h"
#include "tests/tap.h"

/* tests/data/source/<name> in the source tree (top_srcdir from make check,
 * else the current directory). */
__attribute__((unused))
static const char *
test_data(const char *name)
{
    static char path[4096];
    const char *top = getenv("top_srcdir");
    snprintf(path, sizeof path, "%s/tests/data/source/%s", top ? top : ".", name);
    return path;
}

/* VO_SHARED/corpus/<sub>, or NULL when the shared folder is absent. */
__attribute__((unused))
static const char *
test_corpus(const char *sub)
{
    static char path[4096];
    struct stat sb;
    const char *shared = getenv("VO_SHARED");
    if (!shared)
        return NULL;
    snprintf(path, sizeof path, "%s/corpus/%s", shared, sub);
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode) ? path : NULL;
}

__attribute__((unused))
static void
test_quiet_log(void *user, int level, const char *msg)
{
    (void)user;
    (void)level;
    (void)msg;
}

__attribute__((unused))
static vo_ctx *
test_ctx(void)
{
    vo_ctx *ctx = vo_new_ctx();
    if (!ctx) {
        printf("Bail out! no memory for a context\n");
        exit(1);
    }
    vo_set_log(ctx, test_quiet_log, NULL);
    return ctx;
}

/* Dark pixels (any channel below 128) inside box b of raster r. */
__attribute__((unused))
static long
test_ink(const vo_raster *r, vo_box b)
{
    long n = 0;
    for (int y = (int)b.y0; y < (int)(b.y1 + 0.5f) && y < r->height; y++)
        for (int x = (int)b.x0; x < (int)(b.x1 + 0.5f) && x < r->width; x++) {
            const uint8_t *p = r->rgb + (size_t)y * r->stride + (size_t)x * 3;
            n += p[0] < 128 || p[1] < 128 || p[2] < 128;
        }
    return n;
}

#endif
