/* pipeline-pages.c: page-range lists ("1-3,7,10-end"), table-driven. */
#include "src/pipeline/pages.h"
#include "tests/tap.h"

static const struct {
    const char *spec;
    int n_pages;
    const char *want; /* '1' for each selected page, '0' otherwise; NULL: refused */
} cases[] = {
    {"1", 3, "100"},
    {"1-3,7,10-end", 12, "111000100111"},
    {"end", 4, "0001"},
    {"2-end", 4, "0111"},
    {"3,1", 3, "101"},
    {"1 , 3", 3, "101"},
    {"5-9", 6, "000011"},
    {"2-2", 2, "01"},
    {"0", 3, NULL},
    {"3-1", 3, NULL},
    {"end-2", 3, NULL},
    {"", 3, NULL},
    {"1,", 3, NULL},
    {"a-b", 3, NULL},
    {"1-", 3, NULL},
    {"99999999999", 3, NULL},
    {"-3", 3, NULL},
};

int main(void)
{
    vo_ctx *ctx = vo_new_ctx();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vo_page_ranges r;
        vo_status st = vo_parse_page_ranges(ctx, cases[i].spec, &r);
        if (!cases[i].want) {
            ok(st == VO_ERR_ARGUMENT && *vo_last_error(ctx), "pages 1.%zu: '%s' refused (%s)", i,
               cases[i].spec, vo_last_error(ctx));
            continue;
        }
        char got[64] = {0};
        for (int p = 1; p <= cases[i].n_pages; p++)
            got[p - 1] = vo_page_ranges_contains(&r, p, cases[i].n_pages) ? '1' : '0';
        ok(st == VO_OK && strcmp(got, cases[i].want) == 0, "pages 1.%zu: '%s' of %d pages -> %s (got %s)",
           i, cases[i].spec, cases[i].n_pages, cases[i].want, got);
        vo_page_ranges_free(&r);
    }
    vo_page_ranges all = {NULL, 0};
    ok(vo_page_ranges_contains(&all, 1, 1) && !vo_page_ranges_contains(&all, 2, 1),
       "pages 2.1: an empty list selects every page and nothing past the end");
    vo_drop_ctx(ctx);
    return done_testing();
}
