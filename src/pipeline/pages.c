/* pages.c: parse and test page-range lists ("1-3,7,10-end"). */
#include "src/pipeline/pages.h"
#include "src/util/alloc.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* One page number or "end"; advances *p. */
static int parse_page(const char **p, int *out)
{
    if (strncmp(*p, "end", 3) == 0) {
        *out = VO_PAGE_END;
        *p += 3;
        return 1;
    }
    if (!isdigit((unsigned char)**p))
        return 0;
    errno = 0;
    char *end;
    long v = strtol(*p, &end, 10);
    if (errno || v < 1 || v > INT_MAX)
        return 0;
    *out = (int)v;
    *p = end;
    return 1;
}

vo_status vo_parse_page_ranges(vo_ctx *ctx, const char *spec, vo_page_ranges *out)
{
    out->items = NULL;
    out->n = 0;
    size_t cap = 0;
    const char *p = spec;
    if (!*p)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "empty page list");
    for (;;) {
        while (*p == ' ')
            p++;
        const char *start = p;
        vo_page_range r;
        if (!parse_page(&p, &r.first))
            goto bad;
        r.last = r.first;
        if (*p == '-') {
            p++;
            if (!parse_page(&p, &r.last))
                goto bad;
        }
        if (r.first == VO_PAGE_END && r.last != VO_PAGE_END)
            goto bad;
        if (r.last != VO_PAGE_END && r.first != VO_PAGE_END && r.last < r.first) {
            vo_page_ranges_free(out);
            return vo_fail(ctx, VO_ERR_ARGUMENT, "page range '%.*s' runs backwards",
                           (int)(p - start), start);
        }
        while (*p == ' ')
            p++;
        if (vo_grow((void **)&out->items, &cap, (size_t)out->n + 1, sizeof r)) {
            vo_page_ranges_free(out);
            return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        }
        out->items[out->n++] = r;
        if (*p == 0)
            return VO_OK;
        if (*p != ',')
            goto bad;
        p++;
        continue;
    bad:
        vo_page_ranges_free(out);
        return vo_fail(ctx, VO_ERR_ARGUMENT,
                       "bad page list '%s' near '%.10s': use 1-based pages like 1-3,7,10-end",
                       spec, start);
    }
}

void vo_page_ranges_free(vo_page_ranges *r)
{
    vo_free(r->items);
    r->items = NULL;
    r->n = 0;
}

int vo_page_ranges_contains(const vo_page_ranges *r, int page, int n_pages)
{
    if (r->n == 0)
        return page >= 1 && page <= n_pages;
    for (int i = 0; i < r->n; i++) {
        int a = r->items[i].first == VO_PAGE_END ? n_pages : r->items[i].first;
        int b = r->items[i].last == VO_PAGE_END ? n_pages : r->items[i].last;
        if (page >= a && page <= b && page <= n_pages)
            return 1;
    }
    return 0;
}
