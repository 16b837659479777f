/* pdf_png.c: a PNG's IDAT stream passed into the PDF, checked by decoding
 * it back. */
#include "formats/pdf_png.h"
#include "formats/pdf_image.h"

#include <string.h>

typedef struct png_info {
    int w, h, depth, color;  /* IHDR */
    int n_palette;
    unsigned char palette[3 * 256];
} png_info;

static unsigned be32(const unsigned char *p)
{
    return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
}

/* The IDAT bytes of the PNG in data (n bytes) into idat, its header into
 * *pi; 0 when it is not a PNG this path takes. */
static int png_parse(fz_context *fz, const unsigned char *data, size_t n, png_info *pi,
                     fz_buffer *idat)
{
    static const unsigned char sig[8] = {137, 'P', 'N', 'G', 13, 10, 26, 10};
    memset(pi, 0, sizeof *pi);
    if (n < 8 || memcmp(data, sig, 8))
        return 0;
    int seen_ihdr = 0, ended = 0;
    for (size_t at = 8; at + 12 <= n && !ended;) {
        size_t len = be32(data + at);
        const unsigned char *type = data + at + 4, *body = data + at + 8;
        if (len > n - at - 12)
            return 0; /* truncated */
        if (!memcmp(type, "IHDR", 4)) {
            if (len != 13 || seen_ihdr)
                return 0;
            seen_ihdr = 1;
            pi->w = (int)be32(body);
            pi->h = (int)be32(body + 4);
            pi->depth = body[8];
            pi->color = body[9];
            /* compression 0, filter method 0, no interlace */
            if (body[10] || body[11] || body[12] || pi->w <= 0 || pi->h <= 0)
                return 0;
        } else if (!memcmp(type, "PLTE", 4)) {
            if (len % 3 || len / 3 > 256 || len == 0)
                return 0;
            pi->n_palette = (int)(len / 3);
            memcpy(pi->palette, body, len);
        } else if (!memcmp(type, "IDAT", 4)) {
            if (!seen_ihdr)
                return 0;
            fz_append_data(fz, idat, body, len);
        } else if (!memcmp(type, "IEND", 4)) {
            ended = 1;
        } else if (!memcmp(type, "tRNS", 4) || !memcmp(type, "iCCP", 4) ||
                   !memcmp(type, "acTL", 4)) {
            return 0; /* transparency, a colour profile, an animation */
        }
        at += len + 12;
    }
    if (!seen_ihdr || !ended || fz_buffer_storage(fz, idat, NULL) == 0)
        return 0;
    switch (pi->color) {
    case 0: return pi->depth == 1 || pi->depth == 2 || pi->depth == 4 || pi->depth == 8;
    case 2: return pi->depth == 8;
    case 3: return pi->n_palette > 0 && (pi->depth == 1 || pi->depth == 2 || pi->depth == 4 ||
                                         pi->depth == 8);
    default: return 0;
    }
}

/* An fz_image of the IDAT bytes (taken) as PDF reads them. */
static fz_image *png_image(fz_context *fz, const png_info *pi, fz_buffer *idat)
{
    fz_colorspace *cs = NULL;
    fz_compressed_buffer *cbuf = NULL;
    fz_image *image = NULL;
    unsigned char *lookup = NULL;
    fz_var(cs);
    fz_var(cbuf);
    fz_var(image);
    fz_var(lookup);
    fz_try(fz) {
        if (pi->color == 3) {
            lookup = fz_malloc(fz, 3 * (size_t)pi->n_palette);
            memcpy(lookup, pi->palette, 3 * (size_t)pi->n_palette);
            cs = fz_new_indexed_colorspace(fz, fz_device_rgb(fz), pi->n_palette - 1, lookup);
            lookup = NULL; /* the colorspace's */
        } else
            cs = fz_keep_colorspace(fz, pi->color == 2 ? fz_device_rgb(fz) : fz_device_gray(fz));
        cbuf = fz_malloc_struct(fz, fz_compressed_buffer);
        cbuf->params.type = FZ_IMAGE_FLATE;
        cbuf->params.u.flate.columns = pi->w;
        cbuf->params.u.flate.colors = pi->color == 2 ? 3 : 1;
        cbuf->params.u.flate.predictor = 15;
        cbuf->params.u.flate.bpc = pi->depth;
        cbuf->buffer = fz_keep_buffer(fz, idat);
        image = fz_new_image_from_compressed_buffer(fz, pi->w, pi->h, pi->depth, cs, 72, 72, 0,
                                                    0, NULL, NULL, cbuf, NULL);
        cbuf = NULL; /* the image's */
    }
    fz_always(fz) {
        fz_drop_colorspace(fz, cs);
        fz_free(fz, lookup);
    }
    fz_catch(fz) {
        fz_drop_compressed_buffer(fz, cbuf);
        fz_rethrow(fz);
    }
    return image;
}

/* 1 when every sample of pix is 0 or 255 and its pixels are gray. */
static int bilevel(const fz_pixmap *pix)
{
    for (int y = 0; y < pix->h; y++) {
        const unsigned char *p = pix->samples + (size_t)y * (size_t)pix->stride;
        for (int x = 0; x < pix->w; x++, p += pix->n) {
            if (p[0] != 0 && p[0] != 255)
                return 0;
            for (int c = 1; c < pix->n; c++)
                if (p[c] != p[0])
                    return 0;
        }
    }
    return 1;
}

/* 1 when the two pixmaps hold the same samples. */
static int same_pixels(const fz_pixmap *a, const fz_pixmap *b)
{
    if (a->w != b->w || a->h != b->h || a->n != b->n || a->alpha != b->alpha)
        return 0;
    for (int y = 0; y < a->h; y++)
        if (memcmp(a->samples + (size_t)y * (size_t)a->stride,
                   b->samples + (size_t)y * (size_t)b->stride, (size_t)a->w * (size_t)a->n))
            return 0;
    return 1;
}

/* A bilevel page's pixels (MuPDF's decode) the way our TIFF pages go: 1 bit
 * a pixel, G4 by MuPDF's writer or deflated, whichever pdfimg_add takes,
 * checked there. */
static pdf_obj *png_bilevel(fz_context *fz, pdf_document *doc, const fz_pixmap *pix,
                            const char *path)
{
    vo_raster r;
    memset(&r, 0, sizeof r);
    r.width = pix->w;
    r.height = pix->h;
    r.stride = 3 * pix->w;
    r.dpi_x = r.dpi_y = 300;
    r.page = 1;
    r.rgb = fz_malloc(fz, (size_t)r.stride * (size_t)r.height);
    for (int y = 0; y < pix->h; y++) {
        const unsigned char *p = pix->samples + (size_t)y * (size_t)pix->stride;
        uint8_t *d = r.rgb + (size_t)y * (size_t)r.stride;
        for (int x = 0; x < pix->w; x++, p += pix->n, d += 3)
            d[0] = d[1] = d[2] = p[0];
    }
    vo_page_image img;
    memset(&img, 0, sizeof img);
    img.pixels = &r;
    img.orientation = 1;
    img.colors = VO_IMAGE_BILEVEL;
    img.coding = VO_IMAGE_CODED_NONE;
    pdf_obj *ref = NULL;
    fz_try(fz) {
        pdfimg_kept kept;
        ref = pdfimg_add(fz, doc, &img, path, 1, &kept);
    }
    fz_always(fz)
        fz_free(fz, r.rgb);
    fz_catch(fz)
        fz_rethrow(fz);
    return ref;
}

pdf_obj *pdfpng_add(fz_context *fz, pdf_document *doc, const char *path, int *as_idat)
{
    *as_idat = 0;
    fz_buffer *file = NULL, *idat = NULL;
    fz_image *ours = NULL, *theirs = NULL, *back = NULL;
    fz_pixmap *want = NULL, *got = NULL;
    pdf_obj *ref = NULL;
    int same = 0;
    fz_var(file);
    fz_var(idat);
    fz_var(ours);
    fz_var(theirs);
    fz_var(back);
    fz_var(want);
    fz_var(got);
    fz_var(ref);
    fz_var(same);
    fz_try(fz) {
        png_info pi;
        unsigned char *data;
        file = fz_read_file(fz, path);
        size_t n = fz_buffer_storage(fz, file, &data);
        idat = fz_new_buffer(fz, n);
        if (png_parse(fz, data, n, &pi, idat)) {
            /* MuPDF's own decode of the PNG: the page's raster */
            theirs = fz_new_image_from_buffer(fz, file);
            want = fz_get_pixmap_from_image(fz, theirs, NULL, NULL, NULL, NULL);
            if (bilevel(want)) {
                /* smaller as 1 bit a pixel than as an 8-bit PNG's bytes */
                ref = png_bilevel(fz, doc, want, path);
                same = 1;
            } else {
                ours = png_image(fz, &pi, idat);
                ref = pdf_add_image(fz, doc, ours);
                /* what a reader gets from the object */
                back = pdf_load_image(fz, doc, ref);
                got = fz_get_pixmap_from_image(fz, back, NULL, NULL, NULL, NULL);
                same = *as_idat = same_pixels(got, want);
            }
        }
    }
    fz_always(fz) {
        fz_drop_pixmap(fz, got);
        fz_drop_pixmap(fz, want);
        fz_drop_image(fz, back);
        fz_drop_image(fz, theirs);
        fz_drop_image(fz, ours);
        fz_drop_buffer(fz, idat);
        fz_drop_buffer(fz, file);
    }
    fz_catch(fz) {
        if (fz_caught(fz) == FZ_ERROR_MEMORY) {
            pdf_drop_obj(fz, ref);
            fz_rethrow(fz);
        }
        same = 0; /* a decoder that refuses the bytes disagrees */
    }
    if (!same) {
        *as_idat = 0;
        pdf_drop_obj(fz, ref); /* unreferenced: the writer's garbage pass drops it */
        ref = NULL;
    }
    return ref;
}
