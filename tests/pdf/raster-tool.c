/* raster-tool.c: helper of tests/pdf/tiff-pages.sh: our own raster of a
 * document page as a PPM, and a pixel comparison of two PPM files.
 *   raster-tool page DOC PAGE OUT.ppm   writes the page raster, prints
 *       "W H XDPI YDPI": vo_render_page's raster (default dpi); a page with
 *       non-square pixels (a 204x98 dpi fax) is written on its stored grid,
 *       Orientation applied, not resampled (a renderer draws it at XDPI x
 *       YDPI to the same grid)
 *   raster-tool cmp REF.ppm B.ppm [X Y W H]  compares the window X,Y,W,H of
 *       REF (default: all of it) with B, which is that window drawn k times
 *       larger (k >= 1 whole): each REF pixel against the centre of its
 *       k x k block; prints "DIFFERING-SAMPLES MAX-DIFF PSNR-DB" (PSNR 999
 *       when equal); exit 2 when B is not a whole multiple of the window
 * Files are binary PPM (P6) or PGM (P5), maxval 255. */
#include "src/source/document.h"
#include "src/source/raster.h"
#include "src/util/alloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int write_ppm(const vo_raster *r, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 1;
    fprintf(f, "P6\n%d %d\n255\n", r->width, r->height);
    for (int y = 0; y < r->height; y++)
        fwrite(r->rgb + (size_t)y * (size_t)r->stride, 1, (size_t)r->width * 3, f);
    return fclose(f) != 0;
}

static int page_raster(const char *doc_path, int page, const char *out)
{
    vo_ctx *ctx = vo_new_ctx();
    vo_document *doc = NULL;
    vo_raster *r = NULL;
    vo_page_image *img = NULL;
    vo_status st = vo_open_document(ctx, doc_path, NULL, &doc);
    if (st == VO_OK)
        st = vo_render_page(ctx, doc, page, 0, NULL, &r);
    if (st == VO_OK && vo_get_page_image(ctx, doc, page, NULL, &img) == VO_OK &&
        img->pixels->dpi_x != img->pixels->dpi_y) {
        vo_drop_raster(r);
        r = img->pixels;
        img->pixels = NULL;
        st = source_orient_raster(ctx, doc_path, &r, img->orientation);
    }
    int rc = 1;
    if (st == VO_OK && write_ppm(r, out) == 0) {
        printf("%d %d %g %g\n", r->width, r->height, r->dpi_x, r->dpi_y);
        rc = 0;
    } else if (st != VO_OK)
        fprintf(stderr, "raster-tool: %s\n", vo_last_error(ctx));
    vo_drop_page_image(img);
    vo_drop_raster(r);
    vo_drop_document(doc);
    vo_drop_ctx(ctx);
    return rc;
}

/* A binary PPM or PGM: *w, *h and RGB samples (vo_free). */
static unsigned char *read_ppm(const char *path, int *w, int *h)
{
    FILE *f = fopen(path, "rb");
    int maxval = 0, kind = 0;
    unsigned char *px = NULL;
    if (!f)
        return NULL;
    if (fscanf(f, "P%d %d %d %d", &kind, w, h, &maxval) == 4 && (kind == 5 || kind == 6) &&
        maxval == 255 && fgetc(f) != EOF && *w > 0 && *h > 0 && *w < 200000 && *h < 200000) {
        size_t n = (size_t)*w * (size_t)*h, got;
        px = vo_malloc(n * 3);
        if (px) {
            got = fread(px, 1, kind == 6 ? n * 3 : n, f);
            if (got != (kind == 6 ? n * 3 : n)) {
                vo_free(px);
                px = NULL;
            } else if (kind == 5)
                for (size_t i = n; i-- > 0;)
                    px[3 * i] = px[3 * i + 1] = px[3 * i + 2] = px[i];
        }
    }
    fclose(f);
    return px;
}

static int compare(const char *a_path, const char *b_path, int x0, int y0, int ww, int wh)
{
    int aw, ah, bw, bh;
    unsigned char *a = read_ppm(a_path, &aw, &ah), *b = read_ppm(b_path, &bw, &bh);
    int rc = 0;
    if (ww <= 0 || wh <= 0) {
        ww = aw - x0;
        wh = ah - y0;
    }
    int k = ww > 0 ? bw / ww : 0;
    if (!a || !b) {
        fprintf(stderr, "raster-tool: cannot read %s\n", a ? b_path : a_path);
        rc = 1;
    } else if (x0 < 0 || y0 < 0 || x0 + ww > aw || y0 + wh > ah || k < 1 || bw != k * ww ||
               bh != k * wh) {
        printf("size: window %dx%d of %dx%d vs %dx%d\n", ww, wh, aw, ah, bw, bh);
        rc = 2;
    } else {
        size_t differ = 0, n = 0;
        int max = 0;
        double sse = 0;
        for (int y = 0; y < wh; y++)
            for (int x = 0; x < ww; x++)
                for (int c = 0; c < 3; c++, n++) {
                    size_t ia = ((size_t)(y0 + y) * (size_t)aw + (size_t)(x0 + x)) * 3 + c;
                    size_t ib = ((size_t)(k * y + k / 2) * (size_t)bw + (size_t)(k * x + k / 2)) * 3 + c;
                    int d = abs((int)a[ia] - (int)b[ib]);
                    differ += d != 0;
                    max = d > max ? d : max;
                    sse += (double)d * d;
                }
        double psnr = sse == 0 ? 999 : 10 * log10(255.0 * 255.0 * (double)n / sse);
        printf("%zu %d %.2f\n", differ, max, psnr);
    }
    vo_free(a);
    vo_free(b);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "page"))
        return page_raster(argv[2], atoi(argv[3]), argv[4]);
    if (argc == 4 && !strcmp(argv[1], "cmp"))
        return compare(argv[2], argv[3], 0, 0, 0, 0);
    if (argc == 8 && !strcmp(argv[1], "cmp"))
        return compare(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]), atoi(argv[6]),
                       atoi(argv[7]));
    fprintf(stderr, "usage: raster-tool page DOC PAGE OUT.ppm | "
            "raster-tool cmp REF.ppm B.ppm [X Y W H]\n");
    return 1;
}
