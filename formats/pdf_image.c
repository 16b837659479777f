/* pdf_image.c: a TIFF page's stored image into the searchable PDF: the
 * fax bytes as they are or our own pixels, checked by decoding them back. */
#include "formats/pdf_image.h"

#include <stdlib.h>
#include <string.h>

/* Row r of a decoded MuPDF pixmap against the same row of our pixels: gray
 * pixmaps against the red channel (our bilevel and gray pages are R=G=B). */
static int pdfimg_same_row(const fz_pixmap *pix, const vo_raster *r, int y)
{
    const unsigned char *p = pix->samples + (size_t)y * (size_t)pix->stride;
    const uint8_t *q = r->rgb + (size_t)y * (size_t)r->stride;
    if (pix->n == 1) {
        for (int x = 0; x < r->width; x++)
            if (p[x] != q[3 * x])
                return 0;
        return 1;
    }
    return memcmp(p, q, (size_t)r->width * 3) == 0;
}

/* 1 when MuPDF decodes the image object `ref` of doc to exactly r. */
static int pdfimg_matches(fz_context *fz, pdf_document *doc, pdf_obj *ref, const vo_raster *r)
{
    fz_image *image = NULL;
    fz_pixmap *pix = NULL;
    int same = 0;
    fz_var(same);
    fz_var(image);
    fz_var(pix);
    fz_try(fz) {
        image = pdf_load_image(fz, doc, ref);
        pix = fz_get_pixmap_from_image(fz, image, NULL, NULL, NULL, NULL);
        same = pix->w == r->width && pix->h == r->height && pix->alpha == 0 &&
               (pix->n == 1 || pix->n == 3);
        for (int y = 0; same && y < r->height; y++)
            same = pdfimg_same_row(pix, r, y);
    }
    fz_always(fz) {
        fz_drop_pixmap(fz, pix);
        fz_drop_image(fz, image);
    }
    fz_catch(fz) {
        if (fz_caught(fz) == FZ_ERROR_MEMORY)
            fz_rethrow(fz);
        same = 0; /* a decoder that refuses the bytes disagrees */
    }
    return same;
}

/* An image of `buf` (taken) with compression `params`. */
static fz_image *pdfimg_new(fz_context *fz, const vo_page_image *img, int bpc,
                            fz_colorspace *cs, fz_compression_params params, fz_buffer *buf)
{
    fz_compressed_buffer *cbuf = NULL;
    fz_var(cbuf);
    fz_try(fz)
        cbuf = fz_malloc_struct(fz, fz_compressed_buffer);
    fz_catch(fz) {
        fz_drop_buffer(fz, buf);
        fz_rethrow(fz);
    }
    cbuf->params = params;
    cbuf->buffer = buf;
    const vo_raster *r = img->pixels;
    return fz_new_image_from_compressed_buffer(fz, r->width, r->height, bpc, cs,
                                               (int)(r->dpi_x + 0.5f), (int)(r->dpi_y + 0.5f),
                                               0, 0, NULL, NULL, cbuf, NULL);
}

/* The file's fax bytes, as PDF's CCITTFaxDecode reads them. */
static fz_image *pdfimg_coded(fz_context *fz, const vo_page_image *img)
{
    fz_compression_params params;
    memset(&params, 0, sizeof params);
    params.type = FZ_IMAGE_FAX;
    params.u.fax.columns = img->pixels->width;
    params.u.fax.rows = img->pixels->height;
    params.u.fax.k = img->ccitt_k;
    params.u.fax.encoded_byte_align = img->ccitt_byte_align;
    params.u.fax.end_of_line = img->ccitt_eol;
    params.u.fax.end_of_block = 1;
    params.u.fax.black_is_1 = img->ccitt_black_is_1;
    fz_buffer *buf = fz_new_buffer_from_copied_data(fz, img->coded, img->coded_len);
    return pdfimg_new(fz, img, 1, fz_device_gray(fz), params, buf);
}

/* How an image is tried, best first. */
typedef enum pdfimg_way {
    PDFIMG_WAY_CODED = 0, /* the file's fax bytes */
    PDFIMG_WAY_FLATE,     /* our pixels deflated here, PNG row filters if smaller */
    PDFIMG_WAY_RAW        /* our pixels, left to the writer (Flate; G4 for bilevel) */
} pdfimg_way;

static int pdfimg_paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* data deflated. */
static fz_buffer *pdfimg_deflate(fz_context *fz, const unsigned char *data, size_t n)
{
    size_t len = fz_deflate_bound(fz, n);
    unsigned char *out = fz_malloc(fz, len);
    fz_buffer *buf = NULL;
    fz_try(fz) {
        fz_deflate(fz, out, &len, data, n, FZ_DEFLATE_BEST);
        buf = fz_new_buffer_from_data(fz, out, len); /* owns out from here */
    }
    fz_catch(fz) {
        fz_free(fz, out);
        fz_rethrow(fz);
    }
    return buf;
}

/* Rows of `row` bytes (bpp bytes a pixel, at least 1) with the PNG filter
 * each row compresses best under (the least sum of magnitudes), a filter
 * byte first, as PDF's /Predictor 15 reads them; then deflated. */
static fz_buffer *pdfimg_png_flate(fz_context *fz, const unsigned char *data, size_t row,
                                   int height, int bpp)
{
    size_t n = (row + 1) * (size_t)height;
    unsigned char *filtered = fz_malloc(fz, n), *best = NULL;
    fz_buffer *buf = NULL;
    fz_var(best);
    fz_try(fz) {
        best = fz_malloc(fz, 5 * row);
        for (int y = 0; y < height; y++) {
            const unsigned char *cur = data + (size_t)y * row;
            const unsigned char *up = y > 0 ? cur - row : NULL;
            unsigned long cost[5] = {0};
            for (size_t i = 0; i < row; i++) {
                int a = i >= (size_t)bpp ? cur[i - (size_t)bpp] : 0, b = up ? up[i] : 0;
                int c = up && i >= (size_t)bpp ? up[i - (size_t)bpp] : 0;
                unsigned char v[5] = {cur[i], (unsigned char)(cur[i] - a),
                                      (unsigned char)(cur[i] - b),
                                      (unsigned char)(cur[i] - (a + b) / 2),
                                      (unsigned char)(cur[i] - pdfimg_paeth(a, b, c))};
                for (int f = 0; f < 5; f++) {
                    best[(size_t)f * row + i] = v[f];
                    cost[f] += v[f] < 128 ? v[f] : 256 - v[f];
                }
            }
            int pick = 0;
            for (int f = 1; f < 5; f++)
                if (cost[f] < cost[pick])
                    pick = f;
            filtered[(size_t)y * (row + 1)] = (unsigned char)pick;
            memcpy(filtered + (size_t)y * (row + 1) + 1, best + (size_t)pick * row, row);
        }
        buf = pdfimg_deflate(fz, filtered, n);
    }
    fz_always(fz) {
        fz_free(fz, filtered);
        fz_free(fz, best);
    }
    fz_catch(fz)
        fz_rethrow(fz);
    return buf;
}

/* Our pixels, losslessly: bilevel as 1 bit a pixel (1 is white), gray as
 * 8 bits, else RGB; deflated here, with PNG row filters when that is
 * smaller (way FLATE), or left for the writer to compress (way RAW). */
static fz_image *pdfimg_pixels(fz_context *fz, const vo_page_image *img, pdfimg_way way)
{
    const vo_raster *r = img->pixels;
    int bpc = img->colors == VO_IMAGE_BILEVEL ? 1 : 8;
    int n = img->colors == VO_IMAGE_RGB ? 3 : 1;
    size_t row = ((size_t)r->width * (size_t)n * (size_t)bpc + 7) / 8;
    fz_buffer *buf = fz_new_buffer(fz, row * (size_t)r->height), *coded = NULL, *plain = NULL;
    int predictor = 15; /* PNG, a filter chosen per row */
    fz_var(buf);
    fz_var(coded);
    fz_var(plain);
    fz_var(predictor);
    fz_try(fz) {
        for (int y = 0; y < r->height; y++) {
            const uint8_t *p = r->rgb + (size_t)y * (size_t)r->stride;
            if (n == 3)
                fz_append_data(fz, buf, p, (size_t)r->width * 3);
            else if (bpc == 8)
                for (int x = 0; x < r->width; x++)
                    fz_append_byte(fz, buf, p[3 * x]);
            else
                for (int x = 0; x < r->width; x += 8) {
                    int byte = 0;
                    for (int k = 0; k < 8; k++)
                        byte = byte << 1 | (x + k < r->width && p[3 * (x + k)] == 255);
                    fz_append_byte(fz, buf, byte);
                }
        }
        if (way == PDFIMG_WAY_FLATE) {
            unsigned char *data;
            size_t len = fz_buffer_storage(fz, buf, &data);
            coded = pdfimg_png_flate(fz, data, row, r->height, n * bpc >= 8 ? n * bpc / 8 : 1);
            plain = pdfimg_deflate(fz, data, len);
            if (plain->len <= coded->len) { /* row filters did not pay (most bilevel pages) */
                fz_drop_buffer(fz, coded);
                coded = plain;
                predictor = 1;
            } else
                fz_drop_buffer(fz, plain);
            plain = NULL;
        }
    }
    fz_always(fz) {
        fz_drop_buffer(fz, plain);
        if (coded) {
            fz_drop_buffer(fz, buf);
            buf = coded;
        }
    }
    fz_catch(fz) {
        fz_drop_buffer(fz, buf);
        fz_rethrow(fz);
    }
    fz_compression_params params;
    memset(&params, 0, sizeof params);
    params.type = FZ_IMAGE_RAW;
    if (way == PDFIMG_WAY_FLATE) {
        params.type = FZ_IMAGE_FLATE;
        params.u.flate.columns = r->width;
        params.u.flate.colors = n;
        params.u.flate.predictor = predictor;
        params.u.flate.bpc = bpc;
    }
    return pdfimg_new(fz, img, bpc, n == 3 ? fz_device_rgb(fz) : fz_device_gray(fz), params,
                      buf);
}

/* Add one image and check it; NULL (nothing kept) when it decodes
 * otherwise. */
static pdf_obj *pdfimg_try(fz_context *fz, pdf_document *doc, const vo_page_image *img,
                           pdfimg_way way)
{
    fz_image *image = way == PDFIMG_WAY_CODED ? pdfimg_coded(fz, img)
                                              : pdfimg_pixels(fz, img, way);
    pdf_obj *ref = NULL;
    fz_try(fz)
        ref = pdf_add_image(fz, doc, image);
    fz_always(fz)
        fz_drop_image(fz, image);
    fz_catch(fz)
        fz_rethrow(fz);
    if (pdfimg_matches(fz, doc, ref, img->pixels))
        return ref;
    pdf_drop_obj(fz, ref); /* unreferenced: the writer's garbage pass drops it */
    return NULL;
}

pdf_obj *pdfimg_add(fz_context *fz, pdf_document *doc, const vo_page_image *img,
                    const char *path, int page, pdfimg_kept *kept)
{
    pdf_obj *ref = NULL;
    if (img->coding == VO_IMAGE_CODED_CCITT && img->coded_len > 0 &&
        (ref = pdfimg_try(fz, doc, img, PDFIMG_WAY_CODED))) {
        *kept = PDFIMG_CODED;
        return ref;
    }
    /* bilevel pixels left raw are coded G4 by MuPDF's writer (far smaller
     * than Flate); gray and RGB ones are deflated here, with row filters */
    int bilevel = img->colors == VO_IMAGE_BILEVEL;
    pdfimg_way first = bilevel ? PDFIMG_WAY_RAW : PDFIMG_WAY_FLATE;
    pdfimg_way second = bilevel ? PDFIMG_WAY_FLATE : PDFIMG_WAY_RAW;
    if ((ref = pdfimg_try(fz, doc, img, first)) || (ref = pdfimg_try(fz, doc, img, second))) {
        *kept = PDFIMG_PIXELS;
        return ref;
    }
    fz_throw(fz, FZ_ERROR_GENERIC, "%s: page %d: the image written into the PDF does not "
             "decode to the page's pixels (a bug: please report it with the file)", path, page);
}

fz_matrix pdfimg_matrix(int orientation, float w_pt, float h_pt)
{
    float w = w_pt, h = h_pt;
    fz_matrix shown; /* image unit square (u right, v down) to the page, y down */
    switch (orientation) {
    case 2: shown = fz_make_matrix(-w, 0, 0, h, w, 0); break;   /* mirrored */
    case 3: shown = fz_make_matrix(-w, 0, 0, -h, w, h); break;  /* rotated 180 */
    case 4: shown = fz_make_matrix(w, 0, 0, -h, 0, h); break;   /* flipped */
    case 5: shown = fz_make_matrix(0, h, w, 0, 0, 0); break;    /* transposed */
    case 6: shown = fz_make_matrix(0, h, -w, 0, w, 0); break;   /* rotate 90 clockwise */
    case 7: shown = fz_make_matrix(0, -h, -w, 0, w, h); break;  /* transverse */
    case 8: shown = fz_make_matrix(0, -h, w, 0, 0, h); break;   /* rotate 90 counter-clockwise */
    default: shown = fz_make_matrix(w, 0, 0, h, 0, 0); break;
    }
    /* PDF: image space has its first row at the top (v = 1 - t), user
     * space has y up */
    fz_matrix m = fz_concat(fz_make_matrix(1, 0, 0, -1, 0, 1), shown);
    return fz_concat(m, fz_make_matrix(1, 0, 0, -1, 0, h));
}
