/* page_turn.c: boxes of a turned raster mapped back to the page's. */
#include "src/page/page_turn.h"

#include <math.h>

int vo_page_turn_is_identity(const vo_page_turn *t)
{
    return (t->quarter_turns & 3) == 0 && t->skew_deg == 0;
}

void vo_page_turn_size(const vo_page_turn *t, int *width, int *height)
{
    int odd = t->quarter_turns & 1;
    *width = odd ? t->src_height : t->src_width;
    *height = odd ? t->src_width : t->src_height;
}

/* Rotate (x, y) by deg clockwise (y grows downwards) about (cx, cy). */
static void rotate_about(double deg, double cx, double cy, double *x, double *y)
{
    double a = deg * M_PI / 180, c = cos(a), s = sin(a);
    double dx = *x - cx, dy = *y - cy;
    *x = cx + dx * c - dy * s;
    *y = cy + dx * s + dy * c;
}

void vo_page_turn_point(const vo_page_turn *t, double x, double y, double *tx, double *ty)
{
    double w = t->src_width, h = t->src_height;
    /* one clockwise quarter turn of a w x h raster: (x, y) -> (h - y, x) */
    for (int k = 0; k < (t->quarter_turns & 3); k++) {
        double nx = h - y, ny = x;
        x = nx, y = ny;
        double sw = w;
        w = h, h = sw;
    }
    rotate_about(t->skew_deg, w / 2, h / 2, &x, &y);
    *tx = x, *ty = y;
}

void vo_page_turn_point_back(const vo_page_turn *t, double x, double y, double *ox, double *oy)
{
    int tw, th;
    vo_page_turn_size(t, &tw, &th);
    rotate_about(-t->skew_deg, tw / 2.0, th / 2.0, &x, &y);
    double w = tw, h = th; /* of the raster being turned back */
    /* the inverse of a clockwise quarter turn of a w' x h' raster into
     * w x h (w = h', h = w'): (x, y) -> (y, w - x) */
    for (int k = 0; k < (t->quarter_turns & 3); k++) {
        double nx = y, ny = w - x;
        x = nx, y = ny;
        double sw = w;
        w = h, h = sw;
    }
    *ox = x, *oy = y;
}

static float clampf(double v, double hi)
{
    return (float)(v < 0 ? 0 : v > hi ? hi : v);
}

vo_box vo_page_turn_box_back(const vo_page_turn *t, vo_box b)
{
    double xs[4] = {b.x0, b.x1, b.x1, b.x0}, ys[4] = {b.y0, b.y0, b.y1, b.y1};
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (int i = 0; i < 4; i++) {
        double x, y;
        vo_page_turn_point_back(t, xs[i], ys[i], &x, &y);
        x0 = fmin(x0, x), x1 = fmax(x1, x);
        y0 = fmin(y0, y), y1 = fmax(y1, y);
    }
    vo_box r = {clampf(x0, t->src_width), clampf(y0, t->src_height), clampf(x1, t->src_width),
                clampf(y1, t->src_height)};
    return r;
}

/* The baseline of line l (hOCR: y = slope * x + offset from the box's
 * bottom-left) mapped back with its box, for an even turn. */
static void unturn_baseline(vo_line *l, vo_box old, const vo_page_turn *t)
{
    double ax = old.x0, ay = old.y1 + l->baseline_offset;
    double bx = old.x1, by = ay + l->baseline_slope * (old.x1 - old.x0);
    vo_page_turn_point_back(t, ax, ay, &ax, &ay);
    vo_page_turn_point_back(t, bx, by, &bx, &by);
    if (fabs(bx - ax) < 1e-6) {
        l->has_baseline = 0;
        return;
    }
    double slope = (by - ay) / (bx - ax);
    /* a 180 degree turn makes b the left end */
    double lx = ax < bx ? ax : bx, ly = ax < bx ? ay : by;
    l->baseline_slope = (float)slope;
    l->baseline_offset = (float)(ly + slope * (l->box.x0 - lx) - l->box.y1);
}

void vo_page_unturn(vo_page *p, const vo_page_turn *t)
{
    if (!p || vo_page_turn_is_identity(t))
        return;
    for (int b = 0; b < p->n_blocks; b++) {
        vo_block *bl = &p->blocks[b];
        bl->box = vo_page_turn_box_back(t, bl->box);
        for (int q = 0; q < bl->n_pars; q++) {
            vo_par *par = &bl->pars[q];
            par->box = vo_page_turn_box_back(t, par->box);
            for (int l = 0; l < par->n_lines; l++) {
                vo_line *ln = &par->lines[l];
                vo_box old = ln->box;
                ln->box = vo_page_turn_box_back(t, ln->box);
                if (ln->has_baseline && (t->quarter_turns & 1))
                    ln->has_baseline = 0;
                else if (ln->has_baseline)
                    unturn_baseline(ln, old, t);
                for (int w = 0; w < ln->n_words; w++) {
                    vo_word *wd = &ln->words[w];
                    wd->box = vo_page_turn_box_back(t, wd->box);
                    for (int g = 0; g < wd->n_glyphs; g++)
                        wd->glyphs[g].box = vo_page_turn_box_back(t, wd->glyphs[g].box);
                }
            }
        }
    }
    p->width = t->src_width;
    p->height = t->src_height;
    if (t->quarter_turns & 1) { /* the raster's resolution turns with it */
        float d = p->dpi_x;
        p->dpi_x = p->dpi_y;
        p->dpi_y = d;
    }
}
