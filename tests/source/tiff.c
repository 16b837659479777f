/* tiff.c: TIFF input through libtiff, checked against tiffinfo (libtiff
 * 4.5.0) facts: page count, size, orientation, resolution. */
#include "tests/source/source-test.h"

#include <math.h>

/* tiffinfo facts: IFDs of the main chain, stored width x height of page 1,
 * Orientation tag, X/Y resolution in dpi (0: none). */
static const struct tiff_fact {
    const char *file;
    int pages, width, height, orientation;
    float xres, yres;
} tiff_facts[] = {
    {"imagetiff__12bit.cropped.tiff", 1, 64, 64, 1, 72, 72},
    {"imagetiff__BigTIFF.tif", 1, 64, 64, 1, 0, 0},
    {"imagetiff__fax2d.tif", 1, 1728, 1082, 1, 204, 98},
    {"imagetiff__tiled-jpeg-ycbcr.tif", 1, 374, 499, 1, 72, 72},
    {"libtiff__lzw-single-strip.tiff", 1, 7795, 3122, 1, 400, 400},
    {"libtiff__minisblack-1c-16b.tiff", 1, 157, 151, 1, 0, 0},
    {"libtiff__miniswhite-1c-1b.tiff", 1, 157, 151, 1, 0, 0},
    {"libtiff__ojpeg_chewey_subsamp21_multi_strip.tiff", 1, 392, 575, 1, 300, 300},
    {"libtiff__palette-1c-8b.tiff", 1, 157, 151, 1, 0, 0},
    {"libtiff__quad-lzw-compat.tiff", 1, 512, 384, 1, 0, 0},
    {"libtiff__rgb-3c-16b.tiff", 1, 157, 151, 1, 0, 0},
    {"libtiff__testfax4.tiff", 1, 2453, 3369, 1, 300, 300},
    {"pillow__g4-multi.tiff", 3, 3307, 4677, 1, 400, 400},
    {"pillow__g4_orientation_1.tif", 1, 590, 88, 1, 96, 96},
    {"pillow__g4_orientation_3.tif", 1, 590, 88, 3, 96, 96},
    {"pillow__g4_orientation_6.tif", 1, 88, 590, 6, 96, 96},
    {"pillow__g4_orientation_8.tif", 1, 88, 590, 8, 96, 96},
    {"pillow__hopper_jpg.tif", 1, 128, 128, 1, 96, 96},
    {"pillow__multipage.tiff", 3, 10, 10, 1, 0, 0},
    {"pillow__pport_g4.tif", 1, 2548, 3296, 1, 200, 200},
    {"pillow__tiff_adobe_deflate.tif", 1, 278, 374, 1, 72, 72},
    {"pillow__tiff_strip_ycbcr_jpeg_2x2_sampling.tif", 1, 480, 360, 1, 0, 0},
};

/* Files copied into tests/data/source, checked without the corpus too. */
static const char *const local_files[] = {
    "pillow__g4_orientation_1.tif", "pillow__g4_orientation_6.tif",
    "pillow__multipage.tiff", "imagetiff__fax2d.tif",
};

static const struct tiff_fact *
fact_of(const char *file)
{
    for (size_t i = 0; i < sizeof tiff_facts / sizeof tiff_facts[0]; i++)
        if (!strcmp(tiff_facts[i].file, file))
            return &tiff_facts[i];
    return NULL;
}

/* Open, count, page info and default render of one file against its facts. */
static void
check_file(vo_ctx *ctx, const char *path, const struct tiff_fact *f, const char *tag)
{
    vo_document *doc = NULL;
    vo_raster *r = NULL;
    vo_page_info info;
    vo_status st = vo_open_document(ctx, path, NULL, &doc);
    ok(st == VO_OK && !strcmp(vo_document_kind(doc), "tiff") &&
           vo_document_page_count(doc) == f->pages,
       "%s.1: %s opens as TIFF with %d page(s) (%s)", tag, f->file, f->pages,
       st ? vo_last_error(ctx) : "ok");
    if (st != VO_OK)
        return;
    int swap = f->orientation >= 5;
    float dx = f->xres > 0 ? f->xres : 300, dy = f->yres > 0 ? f->yres : 300;
    float ddx = swap ? dy : dx, ddy = swap ? dx : dy;
    float dpi = dx > dy ? dx : dy;
    int want_w = swap ? f->height : f->width, want_h = swap ? f->width : f->height;
    /* non-square pixels are resampled to the higher resolution */
    want_w = (int)floor(want_w * dpi / ddx + 0.5);
    want_h = (int)floor(want_h * dpi / ddy + 0.5);
    st = vo_document_page_info(ctx, doc, 1, &info);
    ok(st == VO_OK && info.native_dpi_x == ddx && info.native_dpi_y == ddy &&
           fabsf(info.width_pt - (swap ? f->height : f->width) * 72 / ddx) < 0.01f,
       "%s.2: page info %gx%g dpi, %g pt wide", tag, info.native_dpi_x, info.native_dpi_y,
       info.width_pt);
    st = vo_render_page(ctx, doc, 1, 0, NULL, &r);
    ok(st == VO_OK && r->width == want_w && r->height == want_h && r->dpi_x == dpi &&
           r->dpi_y == dpi,
       "%s.3: page 1 renders %dx%d at %g dpi (got %dx%d%s%s)", tag, want_w, want_h, dpi,
       r ? r->width : 0, r ? r->height : 0, st ? ": " : "", st ? vo_last_error(ctx) : "");
    vo_drop_raster(r);
    r = NULL;
    vo_page *p = NULL;
    st = vo_extract_text_layer(ctx, doc, 1, 0, &p);
    ok(st == VO_OK && !p, "%s.4: a TIFF has no text layer", tag);
    vo_drop_document(doc);
}

static vo_raster *
render(vo_ctx *ctx, const char *path, int page, float dpi)
{
    vo_document *doc = NULL;
    vo_raster *r = NULL;
    if (vo_open_document(ctx, path, NULL, &doc) == VO_OK)
        vo_render_page(ctx, doc, page, dpi, NULL, &r);
    vo_drop_document(doc);
    return r;
}

/* Pixels that differ between two rasters of the same size, or -1. With
 * `mirror`, b is compared flipped left-right (a wrong orientation). */
static long
differing(const vo_raster *a, const vo_raster *b, int mirror)
{
    long n = 0;
    if (!a || !b || a->width != b->width || a->height != b->height)
        return -1;
    for (int y = 0; y < a->height; y++)
        for (int x = 0; x < a->width; x++) {
            int bx = mirror ? a->width - 1 - x : x;
            n += memcmp(a->rgb + (size_t)y * a->stride + (size_t)x * 3,
                        b->rgb + (size_t)y * b->stride + (size_t)bx * 3, 3) != 0;
        }
    return n;
}

/* The files were encoded one by one, so a few edge pixels differ: at most
 * 1 % of the picture may, where a mirrored picture differs in > 5 %. */
#define SAME_PICTURE(n, r) ((n) >= 0 && (n) <= (long)(r)->width * (r)->height / 100)

int
main(void)
{
    vo_ctx *ctx = test_ctx();
    char path[4096], tag[64];

    /* 1: the copies in tests/data/source */
    for (size_t i = 0; i < sizeof local_files / sizeof local_files[0]; i++) {
        snprintf(tag, sizeof tag, "tiff 1.%zu", i + 1);
        check_file(ctx, test_data(local_files[i]), fact_of(local_files[i]), tag);
    }

    /* 2: orientation: 3, 6 and 8 show the same picture as 1 */
    vo_raster *base = render(ctx, test_data("pillow__g4_orientation_1.tif"), 1, 0);
    vo_raster *rot6 = render(ctx, test_data("pillow__g4_orientation_6.tif"), 1, 0);
    ok(base && test_ink(base, (vo_box){0, 0, 590, 88}) > 100, "tiff 2.1: orientation 1 has ink");
    long diff = differing(base, rot6, 0), diff_m = differing(base, rot6, 1);
    ok(base && SAME_PICTURE(diff, base), "tiff 2.2: orientation 6 (stored 88x590) shows the "
       "picture of orientation 1 (%ld pixels differ)", diff);
    ok(base && diff_m > (long)base->width * base->height / 20,
       "tiff 2.2.m: its mirror image does not (%ld pixels differ)", diff_m);
    vo_drop_raster(rot6);
    const char *corpus = test_corpus("tiff");
    if (corpus) {
        static const char *const others[] = {"pillow__g4_orientation_3.tif",
                                             "pillow__g4_orientation_8.tif"};
        for (int i = 0; i < 2; i++) {
            snprintf(path, sizeof path, "%s/%s", corpus, others[i]);
            vo_raster *r = render(ctx, path, 1, 0);
            diff = differing(base, r, 0);
            ok(base && SAME_PICTURE(diff, base), "tiff 2.%d: %s shows the picture of "
               "orientation 1 (%ld pixels differ)", i + 3, others[i], diff);
            vo_drop_raster(r);
        }
    }
    vo_drop_raster(base);

    /* 3: multi-page: page 3 of multipage.tiff is 20x20, page 4 does not exist */
    {
        vo_document *doc = NULL;
        vo_raster *r = NULL;
        vo_status st = vo_open_document(ctx, test_data("pillow__multipage.tiff"), NULL, &doc);
        if (st == VO_OK)
            st = vo_render_page(ctx, doc, 3, 0, NULL, &r);
        ok(st == VO_OK && r->width == 20 && r->height == 20 && r->page == 3,
           "tiff 3.1: page 3 of multipage.tiff is 20x20 as tiffinfo says");
        vo_drop_raster(r);
        r = NULL;
        if (doc)
            st = vo_render_page(ctx, doc, 4, 0, NULL, &r);
        ok(st == VO_ERR_ARGUMENT && !r, "tiff 3.2: page 4 of 3 is refused");
        /* 4: explicit dpi and the pixel limit */
        if (doc)
            st = vo_render_page(ctx, doc, 1, 600, NULL, &r);
        ok(st == VO_OK && r->width == 20 && r->height == 20 && r->dpi_x == 600,
           "tiff 4.1: 10 px at the assumed 300 dpi become 20 px at 600 dpi");
        vo_drop_raster(r);
        r = NULL;
        vo_drop_document(doc);
        doc = NULL;
        vo_source_limits lim = {1000000};
        st = vo_open_document(ctx, test_data("imagetiff__fax2d.tif"), NULL, &doc);
        if (st == VO_OK)
            st = vo_render_page(ctx, doc, 1, 0, &lim, &r);
        ok(st == VO_ERR_LIMIT && !r && strstr(vo_last_error(ctx), "fax2d.tif"),
           "tiff 4.2: max_pixels 10^6 refuses the 1728x1082 fax, naming the file");
        vo_drop_document(doc);
    }

    /* 5: every TIFF of the corpus */
    if (!corpus) {
        diag("tiff 5: skipped: the shared corpus (VO_SHARED) is absent");
    } else {
        for (size_t i = 0; i < sizeof tiff_facts / sizeof tiff_facts[0]; i++) {
            snprintf(path, sizeof path, "%s/%s", corpus, tiff_facts[i].file);
            snprintf(tag, sizeof tag, "tiff 5.%zu", i + 1);
            check_file(ctx, path, &tiff_facts[i], tag);
        }
    }
    vo_drop_ctx(ctx);
    return done_testing();
}
