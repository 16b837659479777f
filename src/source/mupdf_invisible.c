/* mupdf_invisible.c: whether a page's invisible text (3 Tr, an earlier
 * OCR's layer) lies on what the page draws: each glyph box looked at in
 * the page rendered small (50 dpi, 2,000 pixels a side at most). A layer
 * made for another scan, or shifted off it, lies on blank paper. */
#include "src/source/mupdf_doc.h"

#include <math.h>

#define BLANK_DPI 50.0f
#define BLANK_MAX_SIDE 2000.0f /* pixels: a huge /UserUnit page is looked at smaller */
#define INK_BELOW_PAPER 48     /* grey levels under the paper's that are ink */

int mupdf_count_blank_boxes(fz_context *fz, fz_page *pg, const mupdf_glyph_boxes *b)
{
    fz_rect bounds = fz_bound_page(fz, pg);
    float side = fmaxf(bounds.x1 - bounds.x0, bounds.y1 - bounds.y0), scale = BLANK_DPI / 72.0f;
    if (side * scale > BLANK_MAX_SIDE)
        scale = BLANK_MAX_SIDE / side;
    fz_matrix m = fz_scale(scale, scale);
    fz_pixmap *pix = fz_new_pixmap_from_page_contents(fz, pg, m, fz_device_gray(fz), 0);
    int w = fz_pixmap_width(fz, pix), h = fz_pixmap_height(fz, pix);
    int stride = fz_pixmap_stride(fz, pix), x0 = fz_pixmap_x(fz, pix), y0 = fz_pixmap_y(fz, pix);
    const unsigned char *s = fz_pixmap_samples(fz, pix);
    /* the paper: the median grey level */
    long hist[256] = {0};
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            hist[s[(size_t)y * stride + x]]++;
    long half = (long)w * h / 2, seen = 0;
    int paper = 255;
    for (int v = 0; v < 256; v++)
        if ((seen += hist[v]) > half) {
            paper = v;
            break;
        }
    int blank = 0;
    for (int i = 0; i < b->n; i++) {
        fz_irect r = fz_round_rect(fz_transform_rect(b->r[i], m));
        int ax = r.x0 - x0, ay = r.y0 - y0, bx = r.x1 - x0, by = r.y1 - y0;
        ax = ax < 0 ? 0 : ax, ay = ay < 0 ? 0 : ay;
        bx = bx > w ? w : bx, by = by > h ? h : by;
        if (ax >= bx || ay >= by) /* under a pixel: not judged */
            continue;
        int darkest = 255;
        for (int y = ay; y < by; y++)
            for (int x = ax; x < bx; x++)
                if (s[(size_t)y * stride + x] < darkest)
                    darkest = s[(size_t)y * stride + x];
        blank += darkest > paper - INK_BELOW_PAPER;
    }
    fz_drop_pixmap(fz, pix);
    return blank;
}
