/* pdf-image.c: the PDF writer's TIFF page image (formats/pdf_image.c):
 * fax bytes kept only when MuPDF decodes them to our pixels, the check
 * after embedding, and the Orientation matrix against our own rotation. */
#include "formats/pdf_image.h"
#include "src/source/raster.h"
#include "tests/tap.h"

static const char *data_dir(void)
{
    const char *d = getenv("top_srcdir");
    return d ? d : ".";
}

/* Embed img into a new document; returns 1 when pdfimg_add kept it. */
static int embed(fz_context *fz, const vo_page_image *img, pdfimg_kept *kept, char *err,
                 size_t errlen)
{
    pdf_document *doc = NULL;
    pdf_obj *ref = NULL;
    int done = 0;
    fz_var(doc);
    fz_var(ref);
    fz_var(done);
    err[0] = 0;
    fz_try(fz) {
        doc = pdf_create_document(fz);
        ref = pdfimg_add(fz, doc, img, "test.tif", 1, kept);
        done = ref != NULL;
    }
    fz_always(fz) {
        pdf_drop_obj(fz, ref);
        pdf_drop_document(fz, doc);
    }
    fz_catch(fz)
        snprintf(err, errlen, "%s", fz_caught_message(fz));
    return done;
}

/* Where the matrix puts the centre of stored pixel (sx, sy) of a sw x sh
 * image, in pixels of the shown page, y down. */
static void shown_at(fz_matrix m, int sw, int sh, int dh, int sx, int sy, int *x, int *y)
{
    fz_point p = fz_transform_point(fz_make_point((sx + 0.5f) / sw, 1 - (sy + 0.5f) / sh), m);
    *x = (int)p.x;
    *y = dh - 1 - (int)p.y;
}

int main(void)
{
    vo_ctx *ctx = vo_new_ctx();
    fz_context *fz = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
    char path[1024], err[512];
    pdfimg_kept kept = PDFIMG_PIXELS;
    vo_document *doc = NULL;
    vo_page_image *img = NULL;
    snprintf(path, sizeof path, "%s/tests/data/source/pillow__g4_orientation_6.tif", data_dir());
    vo_status st = vo_open_document(ctx, path, NULL, &doc);
    if (st == VO_OK)
        st = vo_get_page_image(ctx, doc, 1, NULL, &img);
    ok(st == VO_OK && img, "image 1.1: the stored image of a G4 TIFF page (%s)", vo_last_error(ctx));
    if (!img)
        return done_testing();
    ok(img->colors == VO_IMAGE_BILEVEL && img->coding == VO_IMAGE_CODED_CCITT &&
       img->ccitt_k == -1 && img->orientation == 6,
       "image 1.2: bilevel, its G4 bytes given, Orientation 6 (colors %d coding %d K %d)",
       img->colors, img->coding, img->ccitt_k);

    int done = embed(fz, img, &kept, err, sizeof err);
    ok(done && kept == PDFIMG_CODED,
       "image 2.1: the G4 bytes are embedded as they are (kept %d) %s", kept, err);

    /* bytes that do not decode to the pixels: our pixels go in instead */
    unsigned char *good = img->coded;
    unsigned char junk[64];
    memset(junk, 0x5a, sizeof junk);
    img->coded = junk;
    size_t good_len = img->coded_len;
    img->coded_len = sizeof junk;
    done = embed(fz, img, &kept, err, sizeof err);
    ok(done && kept == PDFIMG_PIXELS,
       "image 2.2: fax bytes that decode otherwise are replaced by our pixels (kept %d) %s",
       kept, err);
    /* K of T.4 on T.6 bytes: the same bytes read another way are refused too */
    img->coded = good;
    img->coded_len = good_len;
    img->ccitt_k = 0;
    done = embed(fz, img, &kept, err, sizeof err);
    ok(done && kept == PDFIMG_PIXELS,
       "image 2.3: G4 bytes declared as G3 are not kept (kept %d)", kept);
    img->ccitt_k = -1;
    /* an image that cannot be what it claims: the check refuses it */
    vo_raster *px = img->pixels;
    int real_w = px->width;
    px->width = real_w - 1; /* the fax bytes have real_w columns */
    img->colors = VO_IMAGE_BILEVEL;
    done = embed(fz, img, &kept, err, sizeof err);
    ok(done && kept == PDFIMG_PIXELS,
       "image 2.4: fax bytes of another width are not kept (kept %d)", kept);
    px->width = real_w;
    /* pixels said bilevel that are not: 1 bit a pixel cannot hold them,
     * and the check after embedding fails the page */
    px->rgb[0] = px->rgb[1] = px->rgb[2] = 128;
    img->coding = VO_IMAGE_CODED_NONE;
    done = embed(fz, img, &kept, err, sizeof err);
    ok(!done && strstr(err, "test.tif: page 1") &&
       strstr(err, "does not decode"),
       "image 2.5: an embedded image that differs from the pixels is an error (%s)", err);

    /* the matrix shows stored pixels where source_orient_raster puts them */
    int sw = 5, sh = 3;
    for (int o = 1; o <= 8; o++) {
        vo_raster *r = NULL;
        source_new_raster(ctx, "t", 1, (uint64_t)sw, (uint64_t)sh, NULL, &r);
        for (int i = 0; i < sw * sh; i++)
            r->rgb[(size_t)(i / sw) * (size_t)r->stride + (size_t)(i % sw) * 3] = (uint8_t)i;
        source_orient_raster(ctx, "t", &r, o);
        fz_matrix m = pdfimg_matrix(o, (float)r->width, (float)r->height);
        int bad = 0;
        for (int i = 0; i < sw * sh; i++) {
            int x, y;
            shown_at(m, sw, sh, r->height, i % sw, i / sw, &x, &y);
            if (x < 0 || y < 0 || x >= r->width || y >= r->height ||
                r->rgb[(size_t)y * (size_t)r->stride + (size_t)x * 3] != i)
                bad++;
        }
        ok(bad == 0, "image 3.%d: Orientation %d: every stored pixel shown where our raster has "
           "it (%d misplaced)", o, o, bad);
        vo_drop_raster(r);
    }
    vo_drop_page_image(img);
    vo_drop_document(doc);
    fz_drop_context(fz);
    vo_drop_ctx(ctx);
    return done_testing();
}
