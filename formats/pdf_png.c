/* pdf_png.c: a PNG's IDAT stream passed into the PDF, checked by decoding
 * it back. */
#include "formats/pdf_png.h"
#include "formats/pdf_image.h"

#include <string.h>

typedef struct png_info {
    int w, h, depth, color;  /* IHDR */
    int interlaced;
    int n_palette;
    unsigned char palette[3 * 256];
} png_info;

static unsigned be32(const unsigned char *p)
{
    return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
}

/* The IDAT bytes of the PNG in data (n bytes) into idat, its header into
 * *pi; how it can go into the PDF. */
static pdfpng_way png_parse(fz_context *fz, const unsigned char *data, size_t n, png_info *pi,
                            fz_buffer *idat)
{
    int alpha = 0; /* a tRNS chunk: transparency as a colour or palette alpha */
    static const unsigned char sig[8] = {137, 'P', 'N', 'G', 13, 10, 26, 10};
    memset(pi, 0, sizeof *pi);
    if (n < 8 || memcmp(data, sig, 8))
        return PDFPNG_NONE;
    int seen_ihdr = 0, ended = 0;
    for (size_t at = 8; at + 12 <= n && !ended;) {
        size_t len = be32(data + at);
        const unsigned char *type = data + at + 4, *body = data + at + 8;
        if (len > n - at - 12)
            return PDFPNG_NONE; /* truncated */
        if (!memcmp(type, "IHDR", 4)) {
            if (len != 13 || seen_ihdr)
                return PDFPNG_NONE;
            seen_ihdr = 1;
            pi->w = (int)be32(body);
            pi->h = (int)be32(body + 4);
            pi->depth = body[8];
            pi->color = body[9];
            /* compression 0, filter method 0; interlaced is decoded */
            if (body[10] || body[11] || pi->w <= 0 || pi->h <= 0)
                return PDFPNG_NONE;
            pi->interlaced = body[12] != 0;
        } else if (!memcmp(type, "PLTE", 4)) {
            if (len % 3 || len / 3 > 256 || len == 0)
                return PDFPNG_NONE;
            pi->n_palette = (int)(len / 3);
            memcpy(pi->palette, body, len);
        } else if (!memcmp(type, "IDAT", 4)) {
            if (!seen_ihdr)
                return PDFPNG_NONE;
            fz_append_data(fz, idat, body, len);
        } else if (!memcmp(type, "IEND", 4)) {
            ended = 1;
        } else if (!memcmp(type, "tRNS", 4)) {
            alpha = 1;
        } else if (!memcmp(type, "iCCP", 4) || !memcmp(type, "acTL", 4)) {
            return PDFPNG_NONE; /* a colour profile, an animation: as MuPDF keeps them */
        }
        at += len + 12;
    }
    if (!seen_ihdr || !ended || fz_buffer_storage(fz, idat, NULL) == 0)
        return PDFPNG_NONE;
    int bytes_as_pdf = 0;
    switch (pi->color) {
    case 0: bytes_as_pdf = pi->depth <= 8; break;
    case 2: bytes_as_pdf = pi->depth == 8; break;
    case 3: bytes_as_pdf = pi->n_palette > 0; break;
    default: break; /* gray or RGB with alpha */
    }
    /* else its pixels, when they turn out opaque */
    return bytes_as_pdf && !alpha && !pi->interlaced ? PDFPNG_IDAT : PDFPNG_PIXELS;
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

/* What the colours of pix are (its alpha, if any, left aside). */
typedef enum png_colors { PNG_BILEVEL, PNG_GRAY, PNG_COLOR } png_colors;

static png_colors colors_of(const fz_pixmap *pix)
{
    int nc = pix->n - pix->alpha, gray = 1;
    for (int y = 0; y < pix->h; y++) {
        const unsigned char *p = pix->samples + (size_t)y * (size_t)pix->stride;
        for (int x = 0; x < pix->w; x++, p += pix->n) {
            for (int c = 1; c < nc; c++)
                if (p[c] != p[0])
                    return PNG_COLOR;
            if (p[0] != 0 && p[0] != 255)
                gray = 2;
        }
    }
    return gray == 1 ? PNG_BILEVEL : PNG_GRAY;
}

/* 1 when pix has no alpha or an alpha of 255 everywhere. */
static int opaque(const fz_pixmap *pix)
{
    if (!pix->alpha)
        return 1;
    for (int y = 0; y < pix->h; y++) {
        const unsigned char *p = pix->samples + (size_t)y * (size_t)pix->stride;
        for (int x = 0; x < pix->w; x++, p += pix->n)
            if (p[pix->n - 1] != 255)
                return 0;
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

/* The pixels (MuPDF's decode, opaque) the way our TIFF pages go, through
 * pdfimg_add (checked there): a bilevel page as 1 bit a pixel (G4 by
 * MuPDF's writer), gray as 8 bits, else RGB, deflated with PNG row
 * filters. */
static pdf_obj *png_pixels(fz_context *fz, pdf_document *doc, const fz_pixmap *pix,
                           png_colors colors, const char *path)
{
    vo_raster r;
    memset(&r, 0, sizeof r);
    r.width = pix->w;
    r.height = pix->h;
    r.stride = 3 * pix->w;
    r.dpi_x = r.dpi_y = 300;
    r.page = 1;
    r.rgb = fz_malloc(fz, (size_t)r.stride * (size_t)r.height);
    int nc = pix->n - pix->alpha;
    for (int y = 0; y < pix->h; y++) {
        const unsigned char *p = pix->samples + (size_t)y * (size_t)pix->stride;
        uint8_t *d = r.rgb + (size_t)y * (size_t)r.stride;
        for (int x = 0; x < pix->w; x++, p += pix->n, d += 3) {
            d[0] = p[0];
            d[1] = nc == 3 ? p[1] : p[0];
            d[2] = nc == 3 ? p[2] : p[0];
        }
    }
    vo_page_image img;
    memset(&img, 0, sizeof img);
    img.pixels = &r;
    img.orientation = 1;
    img.colors = colors == PNG_BILEVEL ? VO_IMAGE_BILEVEL
                 : colors == PNG_GRAY  ? VO_IMAGE_GRAY
                                       : VO_IMAGE_RGB;
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

pdf_obj *pdfpng_add(fz_context *fz, pdf_document *doc, const char *path, pdfpng_way *way)
{
    fz_buffer *file = NULL, *idat = NULL;
    fz_image *ours = NULL, *theirs = NULL, *back = NULL;
    fz_pixmap *want = NULL, *got = NULL;
    pdf_obj *ref = NULL;
    pdfpng_way how = PDFPNG_NONE;
    fz_var(file);
    fz_var(idat);
    fz_var(ours);
    fz_var(theirs);
    fz_var(back);
    fz_var(want);
    fz_var(got);
    fz_var(ref);
    fz_var(how);
    fz_try(fz) {
        png_info pi;
        unsigned char *data;
        file = fz_read_file(fz, path);
        size_t n = fz_buffer_storage(fz, file, &data);
        idat = fz_new_buffer(fz, n);
        how = png_parse(fz, data, n, &pi, idat);
        if (how != PDFPNG_NONE) {
            /* MuPDF's own decode of the PNG: the page's raster */
            theirs = fz_new_image_from_buffer(fz, file);
            want = fz_get_pixmap_from_image(fz, theirs, NULL, NULL, NULL, NULL);
            png_colors colors = colors_of(want);
            if (!opaque(want))
                how = PDFPNG_NONE; /* its alpha is kept as MuPDF keeps it (a soft mask) */
            else if (colors == PNG_BILEVEL || how == PDFPNG_PIXELS) {
                /* a bilevel page is smaller as 1 bit a pixel than as the
                 * bytes of an 8-bit PNG */
                ref = png_pixels(fz, doc, want, colors, path);
                how = PDFPNG_PIXELS;
            } else {
                ours = png_image(fz, &pi, idat);
                ref = pdf_add_image(fz, doc, ours);
                /* what a reader gets from the object */
                back = pdf_load_image(fz, doc, ref);
                got = fz_get_pixmap_from_image(fz, back, NULL, NULL, NULL, NULL);
                if (!same_pixels(got, want))
                    how = PDFPNG_NONE;
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
        how = PDFPNG_NONE; /* a decoder that refuses the bytes disagrees */
    }
    if (how == PDFPNG_NONE) {
        pdf_drop_obj(fz, ref); /* unreferenced: the writer's garbage pass drops it */
        ref = NULL;
    }
    *way = how;
    return ref;
}
