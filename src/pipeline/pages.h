/* pages.h: page-range lists as users write them ("1-3,7,10-end"), 1-based
 * like OCRmyPDF. */
#ifndef VO_PAGES_H
#define VO_PAGES_H

#include "src/util/status.h"

#define VO_PAGE_END (-1) /* "end": the last page of the document */

typedef struct vo_page_range {
    int first, last;     /* 1-based, inclusive; VO_PAGE_END for "end" */
} vo_page_range;

typedef struct vo_page_ranges {
    vo_page_range *items; /* NULL with n == 0 means every page */
    int n;
} vo_page_ranges;

/* Parse `spec`. Errors (VO_ERR_ARGUMENT) say what part is wrong. */
vo_status vo_parse_page_ranges(vo_ctx *ctx, const char *spec, vo_page_ranges *out);
void vo_page_ranges_free(vo_page_ranges *r);
/* 1 when page (1-based) of a document of n_pages is selected. */
int vo_page_ranges_contains(const vo_page_ranges *r, int page, int n_pages);

#endif
