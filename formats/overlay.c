/* overlay.c: the overlay PNG: page image with tinted boxes per level, and
 * the recognized text set beside it (HarfBuzz + FreeType), PNG by MuPDF. */
#include "formats/overlay.h"
#include "formats/font.h"
#include "src/util/alloc.h"
#include "src/util/output.h"

#include <ft2build.h>
#include FT_FREETYPE_H
#include <hb-ft.h>
#include <hb.h>
#include <math.h>
#include <mupdf/fitz.h>
#include <string.h>

#define MAX_OVERLAY_PIXELS (1u << 27) /* 128 Mpixel canvas */

typedef struct rgb {
    unsigned char r, g, b;
} rgb;

/* Palette: one hue per level, readable on paper-white and on scans. */
static const rgb BLOCK = {40, 90, 200}, LINE = {30, 150, 70}, WORD = {235, 130, 20},
                 GLYPH = {200, 40, 150}, INK = {25, 35, 90}, PANEL = {250, 250, 246};

typedef struct canvas {
    unsigned char *px; /* RGB */
    int w, h;
    FT_Library ft;
    FT_Face face;
    hb_font_t *hb;
    hb_buffer_t *buf;
} canvas;

static void blend(canvas *c, int x, int y, rgb col, unsigned a)
{
    if (x < 0 || y < 0 || x >= c->w || y >= c->h || a == 0)
        return;
    unsigned char *p = c->px + ((size_t)y * c->w + x) * 3;
    p[0] = (unsigned char)((p[0] * (255 - a) + col.r * a) / 255);
    p[1] = (unsigned char)((p[1] * (255 - a) + col.g * a) / 255);
    p[2] = (unsigned char)((p[2] * (255 - a) + col.b * a) / 255);
}

static void fill(canvas *c, double x0, double y0, double x1, double y1, rgb col, unsigned a)
{
    for (int y = (int)floor(y0); y < (int)ceil(y1); y++)
        for (int x = (int)floor(x0); x < (int)ceil(x1); x++)
            blend(c, x, y, col, a);
}

static void outline(canvas *c, vo_box b, double dx, double s, int t, rgb col, unsigned a)
{
    double x0 = b.x0 * s + dx, y0 = b.y0 * s, x1 = b.x1 * s + dx, y1 = b.y1 * s;
    fill(c, x0, y0, x1, y0 + t, col, a);
    fill(c, x0, y1 - t, x1, y1, col, a);
    fill(c, x0, y0 + t, x0 + t, y1 - t, col, a);
    fill(c, x1 - t, y0 + t, x1, y1 - t, col, a);
}

/* Set `text` with its left end at x, baseline at base, em size px, squeezed
 * to max_w when wider. */
static void draw_text(canvas *c, const char *text, double x, double base, double px, double max_w,
                      rgb col)
{
    if (!c->hb || px < 3)
        return;
    FT_Set_Char_Size(c->face, 0, (FT_F26Dot6)lround(px * 64), 72, 72);
    hb_ft_font_changed(c->hb);
    hb_buffer_clear_contents(c->buf);
    hb_buffer_add_utf8(c->buf, text, -1, 0, -1);
    hb_buffer_guess_segment_properties(c->buf);
    hb_shape(c->hb, c->buf, NULL, 0);
    unsigned n;
    hb_glyph_info_t *info = hb_buffer_get_glyph_infos(c->buf, &n);
    hb_glyph_position_t *pos = hb_buffer_get_glyph_positions(c->buf, &n);
    double adv = 0;
    for (unsigned i = 0; i < n; i++)
        adv += pos[i].x_advance / 64.0;
    double sq = adv > max_w && max_w > 0 ? max_w / adv : 1.0;
    for (unsigned i = 0; i < n; i++) {
        if (FT_Load_Glyph(c->face, info[i].codepoint, FT_LOAD_RENDER) == 0) {
            FT_GlyphSlot g = c->face->glyph;
            int gx = (int)lround(x + pos[i].x_offset / 64.0 * sq) + g->bitmap_left;
            int gy = (int)lround(base - pos[i].y_offset / 64.0) - g->bitmap_top;
            for (unsigned r = 0; r < g->bitmap.rows; r++)
                for (unsigned k = 0; k < g->bitmap.width; k++)
                    blend(c, gx + (int)k, gy + (int)r, col,
                          g->bitmap.buffer[r * (unsigned)g->bitmap.pitch + k]);
        }
        x += pos[i].x_advance / 64.0 * sq;
    }
}

static void open_font(vo_ctx *ctx, canvas *c, const char *font_path)
{
    char *found = NULL;
    int index = 0;
    if (!font_path) {
        if (vo_find_font(ctx, NULL, 0xAC00, &found, &index) != VO_OK) {
            vo_warn(ctx, "overlay without text: %s", vo_last_error(ctx));
            return;
        }
        font_path = found;
    }
    if (FT_Init_FreeType(&c->ft) == 0 && FT_New_Face(c->ft, font_path, index, &c->face) == 0) {
        c->hb = hb_ft_font_create_referenced(c->face);
        c->buf = hb_buffer_create();
    } else
        vo_warn(ctx, "overlay without text: cannot load font %s", font_path);
    vo_free(found);
}

static void close_font(canvas *c)
{
    if (c->buf)
        hb_buffer_destroy(c->buf);
    if (c->hb)
        hb_font_destroy(c->hb);
    if (c->face)
        FT_Done_Face(c->face);
    if (c->ft)
        FT_Done_FreeType(c->ft);
}

/* The page image scaled (nearest) into the left half, the panel right. */
static void paint_page(canvas *c, const vo_raster *img, int pw)
{
    for (int y = 0; y < c->h; y++) {
        int sy = (int)((long long)y * img->height / c->h);
        unsigned char *row = c->px + (size_t)y * c->w * 3;
        for (int x = 0; x < pw; x++) {
            int sx = (int)((long long)x * img->width / pw);
            memcpy(row + 3 * x, img->rgb + (size_t)sy * img->stride + 3 * sx, 3);
        }
        for (int x = pw; x < c->w; x++)
            memcpy(row + 3 * x, &PANEL, 3);
    }
}

static vo_box grow(vo_box b, double d)
{
    return (vo_box){(float)(b.x0 - d), (float)(b.y0 - d), (float)(b.x1 + d), (float)(b.y1 + d)};
}

/* Levels drawn apart: glyph ticks inside, word tint and edge, the line
 * and block frames set slightly outside so no two edges coincide. */
static void paint_boxes(canvas *c, const vo_page *page, int pw, double s)
{
    int t = pw > 1500 ? 2 : 1;
    for (int bi = 0; bi < page->n_blocks; bi++) {
        const vo_block *b = &page->blocks[bi];
        vo_box bb = grow(b->box, (3.0 + 2 * t) / s);
        fill(c, bb.x0 * s, bb.y0 * s, bb.x1 * s, bb.y1 * s, BLOCK, 14);
        for (int pi = 0; pi < b->n_pars; pi++)
            for (int li = 0; li < b->pars[pi].n_lines; li++) {
                const vo_line *l = &b->pars[pi].lines[li];
                for (int wi = 0; wi < l->n_words; wi++) {
                    const vo_word *w = &l->words[wi];
                    fill(c, w->box.x0 * s, w->box.y0 * s, w->box.x1 * s, w->box.y1 * s, WORD, 34);
                    for (int gi = 1; gi < w->n_glyphs; gi++) { /* a tick between glyphs */
                        double x = w->glyphs[gi].box.x0 * s;
                        fill(c, x, w->glyphs[gi].box.y1 * s - 0.25 * (w->box.y1 - w->box.y0) * s,
                             x + 1, w->glyphs[gi].box.y1 * s, GLYPH, 150);
                    }
                    outline(c, w->box, 0, s, 1, WORD, 170);
                    /* the same word, faint, on the text side */
                    outline(c, w->box, pw, s, 1, WORD, 60);
                }
                outline(c, grow(l->box, 1.0 + t), 0, s, t, LINE, 150);
            }
        outline(c, bb, 0, s, t + 1, BLOCK, 190);
        outline(c, bb, pw, s, 1, BLOCK, 80);
    }
}

/* The text side: every word at its box, sized from its line. */
static void paint_text(canvas *c, const vo_page *page, int pw, double s)
{
    for (int bi = 0; bi < page->n_blocks; bi++)
        for (int pi = 0; pi < page->blocks[bi].n_pars; pi++)
            for (int li = 0; li < page->blocks[bi].pars[pi].n_lines; li++) {
                const vo_line *l = &page->blocks[bi].pars[pi].lines[li];
                double h = (l->box.y1 - l->box.y0) * s;
                double px = fmin(h * 0.8, 200), base = l->box.y1 * s - 0.15 * h;
                for (int wi = 0; wi < l->n_words; wi++) {
                    const vo_word *w = &l->words[wi];
                    if (w->text)
                        draw_text(c, w->text, w->box.x0 * s + pw, base, px,
                                  (w->box.x1 - w->box.x0) * s * 1.15, INK);
                }
            }
}

static vo_status save_png(vo_ctx *ctx, const canvas *c, const char *path)
{
    fz_context *fz = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
    if (!fz)
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: cannot create a MuPDF context", path);
    fz_pixmap *pix = NULL;
    fz_buffer *png = NULL;
    vo_status st = VO_OK;
    fz_var(pix);
    fz_var(png);
    fz_try(fz) {
        pix = fz_new_pixmap_with_data(fz, fz_device_rgb(fz), c->w, c->h, NULL, 0, c->w * 3, c->px);
        png = fz_new_buffer_from_pixmap_as_png(fz, pix, fz_default_color_params);
    }
    fz_catch(fz)
        st = vo_fail(ctx, fz_caught(fz) == FZ_ERROR_MEMORY ? VO_ERR_NOMEM : VO_ERR_LIBRARY,
                     "%s: cannot encode the overlay PNG: %s", path, fz_caught_message(fz));
    if (st == VO_OK) {
        unsigned char *data;
        size_t len = fz_buffer_storage(fz, png, &data);
        vo_output *out = NULL;
        st = vo_output_open_file(ctx, path, &out);
        if (st == VO_OK)
            st = vo_output_write(ctx, out, data, len);
        if (st == VO_OK)
            st = vo_output_close(ctx, out);
        vo_output_drop(out);
    }
    fz_drop_buffer(fz, png);
    fz_drop_pixmap(fz, pix);
    fz_drop_context(fz);
    return st;
}

vo_status
vo_write_overlay(vo_ctx *ctx, const vo_raster *img, const vo_page *page, const char *font_path,
                 const char *png_path)
{
    if (!img || !img->rgb || img->width <= 0 || img->height <= 0 || !page)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "%s: no page image for the overlay", png_path);
    canvas c;
    memset(&c, 0, sizeof c);
    int pw = img->width;
    c.h = img->height;
    c.w = 2 * pw;
    size_t n;
    if (vo_mul_size(&n, (size_t)c.w, (size_t)c.h) != VO_OK || n > MAX_OVERLAY_PIXELS)
        return vo_fail(ctx, VO_ERR_LIMIT, "%s: page image %dx%d is too large for an overlay",
                       png_path, img->width, img->height);
    c.px = vo_malloc(n * 3);
    if (!c.px)
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory for the overlay", png_path);
    /* page-model pixels → image pixels */
    double s = page->width > 0 ? (double)pw / page->width : 1.0;
    paint_page(&c, img, pw);
    paint_boxes(&c, page, pw, s);
    open_font(ctx, &c, font_path);
    paint_text(&c, page, pw, s);
    close_font(&c);
    vo_status st = save_png(ctx, &c, png_path);
    vo_free(c.px);
    return st;
}
