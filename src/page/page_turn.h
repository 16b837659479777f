/* page_turn.h: a page recognised from a turned raster (--rotate-pages,
 * --deskew) brought back to the page's own raster: every box of it mapped
 * through the inverse turn. Geometry only. */
#ifndef VO_PAGE_TURN_H
#define VO_PAGE_TURN_H

#include "src/page/page.h"

/* How the raster the model saw was made from the page's raster of
 * src_width x src_height pixels: turned quarter_turns times 90 degrees
 * clockwise (0-3; odd turns swap width and height), then rotated by
 * skew_deg degrees clockwise about its centre, its size kept. */
typedef struct vo_page_turn {
    int quarter_turns;
    float skew_deg;
    int src_width, src_height;
} vo_page_turn;

/* 1 when t changes nothing. */
int vo_page_turn_is_identity(const vo_page_turn *t);

/* Size of the turned raster. */
void vo_page_turn_size(const vo_page_turn *t, int *width, int *height);

/* A point of the turned raster (pixels, continuous: 0..width) to the
 * page's raster, and back. */
void vo_page_turn_point_back(const vo_page_turn *t, double x, double y, double *ox, double *oy);
void vo_page_turn_point(const vo_page_turn *t, double x, double y, double *tx, double *ty);

/* The smallest box of the page's raster holding box b of the turned one
 * (its four corners mapped back), clipped to the page. */
vo_box vo_page_turn_box_back(const vo_page_turn *t, vo_box b);

/* Page p, laid out on the turned raster, mapped back: every block,
 * paragraph, line, word and glyph box; its size becomes src_width x
 * src_height. A line keeps its baseline only when its text stays
 * horizontal (even quarter turns), with the slope the skew gives it. */
void vo_page_unturn(vo_page *p, const vo_page_turn *t);

#endif
