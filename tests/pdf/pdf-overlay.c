/* pdf-overlay.c: the overlay PNG of a synthesized page: size, tinted word
 * boxes on the image side, text on the panel side, errors. */
#include "formats/overlay.h"
#include "tests/pdf/pdfcheck.h"
#include "tests/tap.h"

#include <jansson.h>
#include <mupdf/fitz.h>
#include <stdlib.h>
#include <string.h>
#include <fontconfig/fontconfig.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/vo-pdf-overlay-XXXXXX";
static int n_warnings;

static void count_log(void *user, int level, const char *msg)
{
    (void)user;
    (void)msg;
    n_warnings += level == VO_LOG_WARN;
}

/* Load a PNG as an RGB raster (test helper; MuPDF directly). */
static vo_raster *load_png(fz_context *fz, const char *path)
{
    vo_raster *r = NULL;
    fz_image *img = NULL;
    fz_pixmap *pix = NULL, *rgb = NULL;
    fz_var(img);
    fz_var(pix);
    fz_var(rgb);
    fz_var(r);
    fz_try(fz) {
        img = fz_new_image_from_file(fz, path);
        pix = fz_get_pixmap_from_image(fz, img, NULL, NULL, NULL, NULL);
        rgb = fz_convert_pixmap(fz, pix, fz_device_rgb(fz), NULL, NULL, fz_default_color_params, 0);
        r = calloc(1, sizeof *r);
        r->width = rgb->w;
        r->height = rgb->h;
        r->stride = 3 * rgb->w;
        r->rgb = malloc((size_t)r->stride * r->height);
        for (int y = 0; y < r->height; y++)
            memcpy(r->rgb + (size_t)y * r->stride, rgb->samples + (size_t)y * rgb->stride,
                   (size_t)r->stride);
    }
    fz_always(fz) {
        fz_drop_pixmap(fz, rgb);
        fz_drop_pixmap(fz, pix);
        fz_drop_image(fz, img);
    }
    fz_catch(fz)
        r = NULL;
    return r;
}

static void free_raster(vo_raster *r)
{
    if (r)
        free(r->rgb);
    free(r);
}

static int differs(const vo_raster *a, int ax, int ay, const vo_raster *b, int bx, int by)
{
    const unsigned char *p = a->rgb + (size_t)ay * a->stride + 3 * ax;
    const unsigned char *q = b->rgb + (size_t)by * b->stride + 3 * bx;
    return memcmp(p, q, 3) != 0;
}

int main(void)
{
    const char *srcdir = getenv("top_srcdir");
    char gt_path[600], png[600], out[700];
    snprintf(gt_path, sizeof gt_path, "%s/tests/data/pdf/synth-2col.gt.json", srcdir ? srcdir : ".");
    snprintf(png, sizeof png, "%s/tests/data/pdf/synth-2col.png", srcdir ? srcdir : ".");
    json_error_t err;
    json_t *gt = json_load_file(gt_path, 0, &err);
    if (!gt || !mkdtemp(tmpdir))
        skip_all("cannot read %s or make a temporary directory", gt_path);
    fz_context *fz = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
    vo_ctx *ctx = vo_new_ctx();
    vo_set_log(ctx, count_log, NULL);
    vo_page *page = pc_page_from_gt(gt, png);
    vo_raster *img = load_png(fz, png);
    ok(img && img->width == page->width, "overlay 1.1: the sample page image loads");
    if (!img) {
        fz_drop_context(fz);
        return done_testing();
    }

    /* VO_OVERLAY_SAMPLE=DIR keeps this overlay as DIR/synth-2col.overlay.png */
    const char *sample_dir = getenv("VO_OVERLAY_SAMPLE");
    snprintf(out, sizeof out, "%s/synth-2col.overlay.png", sample_dir ? sample_dir : tmpdir);
    vo_status st = vo_write_overlay(ctx, img, page, NULL, out);
    ok(st == VO_OK, "overlay 1.2: written (%s)", st == VO_OK ? "ok" : vo_last_error(ctx));
    vo_raster *ov = load_png(fz, out);
    ok(ov && ov->width == 2 * img->width && ov->height == img->height,
       "overlay 1.3: image and text panel side by side (%dx%d)", ov ? ov->width : 0, ov ? ov->height : 0);
    if (ov) {
        /* inside the first word, on a white pixel: tinted on the image side */
        const vo_word *w = &page->blocks[0].pars[0].lines[0].words[0];
        int tinted = 0, inked = 0, panel_plain = 1;
        for (int y = (int)w->box.y0 + 2; y < (int)w->box.y1 - 2; y++)
            for (int x = (int)w->box.x0 + 2; x < (int)w->box.x1 - 2; x++) {
                const unsigned char *p = img->rgb + (size_t)y * img->stride + 3 * x;
                if (p[0] == 255 && p[1] == 255 && p[2] == 255 && differs(ov, x, y, img, x, y))
                    tinted++;
                const unsigned char *q = ov->rgb + (size_t)y * ov->stride + 3 * (x + img->width);
                inked += q[0] < 128 && q[2] > q[0];
            }
        ok(tinted > 0, "overlay 1.4: word boxes are tinted on the image side");
        ok(inked > 0, "overlay 1.5: the word's text is drawn on the panel (%d ink pixels)", inked);
        /* far from any box (the bottom-right corner): the plain panel colour */
        const unsigned char *q = ov->rgb + (size_t)(ov->height - 2) * ov->stride + 3 * (ov->width - 2);
        panel_plain = q[0] == 250 && q[1] == 250 && q[2] == 246;
        ok(panel_plain, "overlay 1.6: the panel is plain outside boxes");
    }
    free_raster(ov);

    /* a font that cannot be loaded: boxes only, with a warning */
    n_warnings = 0;
    snprintf(out, sizeof out, "%s/nofont.png", tmpdir);
    st = vo_write_overlay(ctx, img, page, "/nonexistent/font.ttf", out);
    ok(st == VO_OK && n_warnings == 1 && access(out, R_OK) == 0,
       "overlay 2.1: an unusable font gives boxes only and one warning");

    vo_raster empty = {0, 0, 0, NULL, 0, 0, 1};
    ok(vo_write_overlay(ctx, &empty, page, NULL, out) == VO_ERR_ARGUMENT,
       "overlay 2.2: an empty image is refused");
    snprintf(out, sizeof out, "%s/no/such/dir/x.png", tmpdir);
    st = vo_write_overlay(ctx, img, page, NULL, out);
    ok(st == VO_ERR_IO && strstr(vo_last_error(ctx), "x.png"), "overlay 2.3: an unwritable path is an "
       "I/O error naming it");

    free_raster(img);
    vo_drop_page(page);
    json_decref(gt);

    vo_drop_ctx(ctx);
    FcFini(); /* fontconfig keeps its parsed configuration until then */
    fz_drop_context(fz);
    if (!getenv("VO_KEEP")) {
        char cmd[600];
        int rc;
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        free(pc_run(cmd, &rc));
    }
    return done_testing();
}
