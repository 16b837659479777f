/* mupdf_probe.c: a MuPDF device that only counts what a page draws (text,
 * images, paths) and keeps its first image: tells scans from vector pages. */
#include "src/source/mupdf_doc.h"

#include <math.h>
#include <string.h>

typedef struct probe_device {
    fz_device super;
    mupdf_probe *probe;
} probe_device;

static void
probe_count_text(const fz_text *text, mupdf_probe *p)
{
    for (const fz_text_span *span = text->head; span; span = span->next)
        for (int i = 0; i < span->len; i++) {
            int u = span->items[i].ucs;
            if (u > 32 && u != 0xa0 && u != 0x3000)
                p->n_text++;
        }
}

static void
probe_fill_text(fz_context *fz, fz_device *dev, const fz_text *text, fz_matrix ctm,
                fz_colorspace *cs, const float *color, float alpha, fz_color_params cp)
{
    probe_count_text(text, ((probe_device *)dev)->probe);
}

static void
probe_stroke_text(fz_context *fz, fz_device *dev, const fz_text *text,
                  const fz_stroke_state *ss, fz_matrix ctm, fz_colorspace *cs,
                  const float *color, float alpha, fz_color_params cp)
{
    probe_count_text(text, ((probe_device *)dev)->probe);
}

static void
probe_clip_text(fz_context *fz, fz_device *dev, const fz_text *text, fz_matrix ctm,
                fz_rect scissor)
{
    probe_count_text(text, ((probe_device *)dev)->probe);
}

static void
probe_ignore_text(fz_context *fz, fz_device *dev, const fz_text *text, fz_matrix ctm)
{
    mupdf_probe *p = ((probe_device *)dev)->probe;
    int before = p->n_text;
    probe_count_text(text, p);
    p->n_invisible += p->n_text - before;
}

static void
probe_add_image(fz_context *fz, mupdf_probe *p, fz_image *img, fz_matrix ctm)
{
    if (p->n_images++ == 0) {
        p->image = fz_keep_image(fz, img);
        p->image_ctm = ctm;
    }
}

static void
probe_fill_image(fz_context *fz, fz_device *dev, fz_image *img, fz_matrix ctm, float alpha,
                 fz_color_params cp)
{
    probe_add_image(fz, ((probe_device *)dev)->probe, img, ctm);
}

static void
probe_fill_image_mask(fz_context *fz, fz_device *dev, fz_image *img, fz_matrix ctm,
                      fz_colorspace *cs, const float *color, float alpha, fz_color_params cp)
{
    probe_add_image(fz, ((probe_device *)dev)->probe, img, ctm);
}

static void
probe_fill_path(fz_context *fz, fz_device *dev, const fz_path *path, int even_odd,
                fz_matrix ctm, fz_colorspace *cs, const float *color, float alpha,
                fz_color_params cp)
{
    ((probe_device *)dev)->probe->n_other++;
}

static void
probe_stroke_path(fz_context *fz, fz_device *dev, const fz_path *path,
                  const fz_stroke_state *ss, fz_matrix ctm, fz_colorspace *cs,
                  const float *color, float alpha, fz_color_params cp)
{
    ((probe_device *)dev)->probe->n_other++;
}

static void
probe_fill_shade(fz_context *fz, fz_device *dev, fz_shade *shd, fz_matrix ctm, float alpha,
                 fz_color_params cp)
{
    ((probe_device *)dev)->probe->n_other++;
}

void
mupdf_probe_page(fz_context *fz, fz_page *page, mupdf_probe *probe)
{
    probe_device *dev = NULL;
    memset(probe, 0, sizeof *probe);
    fz_var(dev);
    fz_try(fz) {
        dev = (probe_device *)fz_new_device_of_size(fz, sizeof(probe_device));
        dev->probe = probe;
        dev->super.fill_text = probe_fill_text;
        dev->super.stroke_text = probe_stroke_text;
        dev->super.clip_text = probe_clip_text;
        dev->super.clip_stroke_text = NULL;
        dev->super.ignore_text = probe_ignore_text;
        dev->super.fill_image = probe_fill_image;
        dev->super.fill_image_mask = probe_fill_image_mask;
        dev->super.fill_path = probe_fill_path;
        dev->super.stroke_path = probe_stroke_path;
        dev->super.fill_shade = probe_fill_shade;
        fz_run_page(fz, page, &dev->super, fz_identity, NULL);
        fz_close_device(fz, &dev->super);
    }
    fz_always(fz)
        fz_drop_device(fz, dev ? &dev->super : NULL);
    fz_catch(fz) {
        mupdf_probe_clear(fz, probe);
        fz_rethrow(fz);
    }
}

void
mupdf_probe_clear(fz_context *fz, mupdf_probe *probe)
{
    fz_drop_image(fz, probe->image);
    probe->image = NULL;
}

void
mupdf_probe_scan_dpi(const mupdf_probe *p, fz_rect bounds, float *dpi_x, float *dpi_y)
{
    *dpi_x = *dpi_y = 0;
    if (p->n_images != 1 || p->n_text > 0 || !p->image || fz_is_empty_rect(bounds))
        return;
    /* a scan: its one image covers at least 90 % of the page */
    fz_rect r = fz_intersect_rect(fz_transform_rect(fz_unit_rect, p->image_ctm), bounds);
    double page_area = (double)(bounds.x1 - bounds.x0) * (bounds.y1 - bounds.y0);
    double covered = fz_is_empty_rect(r) ? 0 : (double)(r.x1 - r.x0) * (r.y1 - r.y0);
    if (covered < 0.9 * page_area)
        return;
    double len_x = hypot(p->image_ctm.a, p->image_ctm.b);
    double len_y = hypot(p->image_ctm.c, p->image_ctm.d);
    if (len_x <= 0 || len_y <= 0)
        return;
    *dpi_x = source_sane_dpi(p->image->w * 72.0 / len_x);
    *dpi_y = source_sane_dpi(p->image->h * 72.0 / len_y);
    if (*dpi_x == 0 || *dpi_y == 0)
        *dpi_x = *dpi_y = 0;
}
