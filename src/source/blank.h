/* blank.h: is a rendered page blank? A cheap look at the raster before the
 * model sees it: the page is reduced to about 100 dpi, ink is what stands
 * out from the paper by more than its noise, and the ink marks are counted
 * after those that are not writing are set aside (specks of dust, scanner
 * borders that touch the edge, punch holes in the margin). A page is blank
 * only when no mark is left: a wrong "not blank" costs a model run, a wrong
 * "blank" would lose text. */
#ifndef VO_SOURCE_BLANK_H
#define VO_SOURCE_BLANK_H

#include "src/source/document.h"

typedef struct vo_blank_check {
    int blank;          /* 1: no mark that could be writing */
    int marks;          /* marks that could be writing */
    int set_aside;      /* marks set aside: specks, borders, punch holes */
    float paper;        /* paper level, 0 (black) .. 255 (white) */
    float threshold;    /* a pixel darker than this is ink */
} vo_blank_check;

/* Looks at r (any resolution; a resolution below 10 dpi or unknown counts
 * as 300 dpi). Fails only for lack of memory. */
vo_status vo_check_blank(vo_ctx *ctx, const vo_raster *r, vo_blank_check *out);

#endif
