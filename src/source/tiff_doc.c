/* tiff_doc.c: TIFF files through libtiff: every page (IFD) of the main
 * chain, Orientation applied, resolution read, decoded to 8-bit RGB. */
#include "src/source/source_impl.h"
#include "src/source/raster.h"
#include "src/util/alloc.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <tiffio.h>

typedef struct tiff_document {
    vo_document super;
    TIFF *tif;
    char err[512];      /* libtiff's last error message, for our own */
} tiff_document;

/* Page facts read from one IFD; resolution already checked and defaulted. */
typedef struct tiff_facts {
    uint32_t width, height;   /* as stored */
    int orientation;          /* 1..8 */
    float dpi_x, dpi_y;       /* of the stored pixels */
} tiff_facts;

/* --- messages --- */

/* libtiff reports through per-file handlers (set at open); messages with
 * no file yet go to the process-wide handlers, which route them to the
 * document this thread is opening. */
static _Thread_local tiff_document *tiff_opening;

static void
tiff_note(tiff_document *td, int is_error, const char *module, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (module && !strcmp(module, td->super.path))
        module = NULL; /* libtiff names the file as module: we name it already */
    if (is_error)
        snprintf(td->err, sizeof td->err, "%s%s%s", module ? module : "", module ? ": " : "", msg);
    else if (td->super.ctx && vo_verbosity(td->super.ctx) >= 2)
        vo_warn(td->super.ctx, "%s: libtiff: %s%s%s", td->super.path, module ? module : "",
                module ? ": " : "", msg);
}

static int
tiff_on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    tiff_note(user, 1, module, fmt, ap);
    return 1;
}

static int
tiff_on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    tiff_note(user, 0, module, fmt, ap);
    return 1;
}

static void
tiff_global_error(const char *module, const char *fmt, va_list ap)
{
    if (tiff_opening)
        tiff_note(tiff_opening, 1, module, fmt, ap);
}

static void
tiff_global_warning(const char *module, const char *fmt, va_list ap)
{
    if (tiff_opening)
        tiff_note(tiff_opening, 0, module, fmt, ap);
}

static pthread_once_t tiff_handlers_once = PTHREAD_ONCE_INIT;

static void
tiff_set_global_handlers(void)
{
    TIFFSetErrorHandler(tiff_global_error);
    TIFFSetWarningHandler(tiff_global_warning);
}

static vo_status
tiff_fail(tiff_document *td, vo_status st, int page, const char *what)
{
    const char *why = td->err[0] ? td->err : "no reason given by libtiff";
    if (page > 0)
        return vo_fail(td->super.ctx, st, "%s: page %d: %s: %s (the TIFF file is damaged or uses "
                       "an unsupported feature)", td->super.path, page, what, why);
    return vo_fail(td->super.ctx, st, "%s: %s: %s (the TIFF file is damaged or uses an "
                   "unsupported feature)", td->super.path, what, why);
}

/* --- page facts --- */

/* Make page's directory the current one. Pages are mostly visited in
 * order: the next one is read from the current directory's link, as the
 * chain is; TIFFSetDirectory walks the chain from the start (65,535 pages
 * in order cost minutes that way). 0 on failure. */
static int
tiff_goto_page(tiff_document *td, int page)
{
    tdir_t want = (tdir_t)(page - 1);
    tdir_t cur = TIFFCurrentDirectory(td->tif);
    if (cur == want)
        return 1;
    if (cur != (tdir_t)-1 && cur + 1 == want && TIFFReadDirectory(td->tif))
        return TIFFCurrentDirectory(td->tif) == want;
    return TIFFSetDirectory(td->tif, want);
}

static vo_status
tiff_select(tiff_document *td, int page, tiff_facts *f)
{
    uint16_t orientation = ORIENTATION_TOPLEFT, unit = RESUNIT_INCH;
    float xres = 0, yres = 0;
    td->err[0] = 0;
    if (!tiff_goto_page(td, page))
        return tiff_fail(td, VO_ERR_FORMAT, page, "cannot read the image directory");
    if (!TIFFGetField(td->tif, TIFFTAG_IMAGEWIDTH, &f->width) ||
        !TIFFGetField(td->tif, TIFFTAG_IMAGELENGTH, &f->height) || f->width == 0 ||
        f->height == 0)
        return vo_fail(td->super.ctx, VO_ERR_FORMAT, "%s: page %d: the image has no size "
                       "(the TIFF file is damaged)", td->super.path, page);
    TIFFGetFieldDefaulted(td->tif, TIFFTAG_ORIENTATION, &orientation);
    f->orientation = orientation >= 1 && orientation <= 8 ? orientation : 1;
    TIFFGetFieldDefaulted(td->tif, TIFFTAG_RESOLUTIONUNIT, &unit);
    if (!TIFFGetField(td->tif, TIFFTAG_XRESOLUTION, &xres) ||
        !TIFFGetField(td->tif, TIFFTAG_YRESOLUTION, &yres))
        xres = yres = 0;
    double scale = unit == RESUNIT_CENTIMETER ? 2.54 : unit == RESUNIT_INCH ? 1.0 : 0.0;
    f->dpi_x = source_sane_dpi(xres * scale);
    f->dpi_y = source_sane_dpi(yres * scale);
    if (f->dpi_x == 0 || f->dpi_y == 0) /* none, no unit, or silly: assume a 300 dpi scan */
        f->dpi_x = f->dpi_y = SOURCE_DEFAULT_DPI;
    if (td->super.image_dpi > 0) /* --image-dpi */
        f->dpi_x = f->dpi_y = td->super.image_dpi;
    return VO_OK;
}

/* --- decoding --- */

/* Everything TIFFRGBAImage handles: 1/2/4/8/16-bit gray, palette, RGB,
 * YCbCr, CMYK, Lab, old and new JPEG, fax, tiles and strips. The raster
 * keeps the stored layout: asking for the file's own orientation turns
 * libtiff's flips off; source_orient_raster applies the tag after. */
static vo_status
tiff_decode_rgba(tiff_document *td, int page, const tiff_facts *f, vo_raster *r)
{
    TIFFRGBAImage img;
    char emsg[1024] = "";
    uint32_t *px;
    size_t n;
    if (vo_mul_size(&n, (size_t)f->width, (size_t)f->height) != VO_OK ||
        vo_mul_size(&n, n, sizeof *px) != VO_OK || !(px = vo_malloc(n)))
        return vo_fail(td->super.ctx, VO_ERR_NOMEM, "%s: page %d: out of memory for %ux%u pixels",
                       td->super.path, page, f->width, f->height);
    if (!TIFFRGBAImageBegin(&img, td->tif, 1, emsg)) {
        vo_free(px);
        snprintf(td->err, sizeof td->err, "%s", emsg);
        return tiff_fail(td, VO_ERR_UNSUPPORTED, page, "cannot decode the image");
    }
    img.req_orientation = (uint16_t)f->orientation;
    int done = TIFFRGBAImageGet(&img, px, f->width, f->height);
    TIFFRGBAImageEnd(&img);
    if (!done) {
        vo_free(px);
        return tiff_fail(td, VO_ERR_FORMAT, page, "cannot decode the image");
    }
    for (uint32_t y = 0; y < f->height; y++) {
        const uint32_t *s = px + (size_t)y * f->width;
        uint8_t *d = r->rgb + (size_t)y * r->stride;
        for (uint32_t x = 0; x < f->width; x++, d += 3) {
            uint32_t v = s[x], white = 255 - TIFFGetA(v); /* premultiplied: over white */
            uint32_t c[3] = {TIFFGetR(v) + white, TIFFGetG(v) + white, TIFFGetB(v) + white};
            for (int k = 0; k < 3; k++)
                d[k] = (uint8_t)(c[k] > 255 ? 255 : c[k]);
        }
    }
    vo_free(px);
    return VO_OK;
}

/* One sample of `bps` bits at sample index i of a decoded row, scaled to
 * 0..255. 16- and 32-bit samples come in host order from libtiff; other
 * sizes are packed most significant bit first. */
static uint8_t
tiff_sample(const uint8_t *row, size_t i, int bps)
{
    uint64_t v = 0, max = bps >= 32 ? 0xffffffffu : ((uint64_t)1 << bps) - 1;
    if (bps == 8)
        return row[i];
    if (bps == 16) {
        uint16_t s;
        memcpy(&s, row + 2 * i, 2);
        v = s;
    } else if (bps == 32) {
        uint32_t s;
        memcpy(&s, row + 4 * i, 4);
        v = s;
    } else {
        size_t bit = i * (size_t)bps;
        for (int k = 0; k < bps; k++, bit++)
            v = (v << 1) | ((row[bit >> 3] >> (7 - (bit & 7))) & 1);
    }
    return (uint8_t)((v * 255 + max / 2) / max);
}

/* What TIFFRGBAImage refuses but scans use: gray or RGB with 3..32-bit
 * unsigned samples (12-bit medical and camera scans), strips or tiles,
 * one plane. */
static vo_status
tiff_decode_deep(tiff_document *td, int page, const tiff_facts *f, vo_raster *r)
{
    TIFF *tif = td->tif;
    uint16_t bps = 0, spp = 1, photometric = 0, planar = PLANARCONFIG_CONTIG,
             format = SAMPLEFORMAT_UINT;
    uint32_t tw = f->width, th = 0;
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &format);
    TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric);
    int gray = photometric == PHOTOMETRIC_MINISBLACK || photometric == PHOTOMETRIC_MINISWHITE;
    int rgb = photometric == PHOTOMETRIC_RGB && spp >= 3;
    if (bps < 1 || bps > 32 || spp < 1 || spp > 8 || planar != PLANARCONFIG_CONTIG ||
        format != SAMPLEFORMAT_UINT || !(gray || rgb))
        return vo_fail(td->super.ctx, VO_ERR_UNSUPPORTED,
                       "%s: page %d: unsupported TIFF pixel layout (%u bits x %u samples, "
                       "photometric %u, sample format %u); convert it with tiffcp or ImageMagick",
                       td->super.path, page, bps, spp, photometric, format);
    int tiled = TIFFIsTiled(tif);
    if (tiled) {
        TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
        TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
    } else {
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &th);
        if (th > f->height || th == 0)
            th = f->height;
    }
    if (tw == 0 || th == 0)
        return vo_fail(td->super.ctx, VO_ERR_FORMAT, "%s: page %d: bad tile or strip size",
                       td->super.path, page);
    tmsize_t chunk = tiled ? TIFFTileSize(tif) : TIFFStripSize(tif);
    size_t row_bytes = ((size_t)tw * spp * bps + 7) / 8, need;
    if (chunk <= 0 || vo_mul_size(&need, row_bytes, th) != VO_OK || (size_t)chunk < need)
        return tiff_fail(td, VO_ERR_FORMAT, page, "bad strip or tile size");
    uint8_t *buf = vo_malloc((size_t)chunk);
    if (!buf)
        return vo_fail(td->super.ctx, VO_ERR_NOMEM, "%s: page %d: out of memory", td->super.path,
                       page);
    for (uint32_t y0 = 0; y0 < f->height; y0 += th)
        for (uint32_t x0 = 0; x0 < f->width; x0 += tw) {
            tmsize_t got = tiled ? TIFFReadTile(tif, buf, x0, y0, 0, 0)
                                 : TIFFReadEncodedStrip(tif, TIFFComputeStrip(tif, y0, 0), buf,
                                                        chunk);
            if (got < 0) {
                vo_free(buf);
                return tiff_fail(td, VO_ERR_FORMAT, page, "cannot decode the image");
            }
            for (uint32_t dy = 0; dy < th && y0 + dy < f->height; dy++) {
                const uint8_t *row = buf + (size_t)dy * row_bytes;
                uint8_t *d = r->rgb + (size_t)(y0 + dy) * r->stride + (size_t)x0 * 3;
                if ((size_t)(dy + 1) * row_bytes > (size_t)got)
                    break; /* short strip: the rest stays white */
                for (uint32_t dx = 0; dx < tw && x0 + dx < f->width; dx++, d += 3) {
                    size_t i = (size_t)dx * spp;
                    if (gray) {
                        uint8_t v = tiff_sample(row, i, bps);
                        d[0] = d[1] = d[2] = photometric == PHOTOMETRIC_MINISWHITE ? 255 - v : v;
                    } else {
                        for (int k = 0; k < 3; k++)
                            d[k] = tiff_sample(row, i + (size_t)k, bps);
                    }
                }
            }
        }
    vo_free(buf);
    return VO_OK;
}

/* --- back end entries --- */

static vo_status
tiff_page_info(vo_document *doc, int page, vo_page_info *info)
{
    tiff_document *td = (tiff_document *)doc;
    tiff_facts f;
    vo_status st = tiff_select(td, page, &f);
    if (st != VO_OK)
        return st;
    int swap = f.orientation >= 5;
    info->native_dpi_x = swap ? f.dpi_y : f.dpi_x;
    info->native_dpi_y = swap ? f.dpi_x : f.dpi_y;
    info->width_pt = (float)(swap ? f.height : f.width) * 72.0f / info->native_dpi_x;
    info->height_pt = (float)(swap ? f.width : f.height) * 72.0f / info->native_dpi_y;
    return VO_OK;
}

/* The page's pixels as stored (no Orientation, no resampling), at the
 * file's resolution; the pixel limit is checked before libtiff decodes. */
static vo_status
tiff_decode_stored(tiff_document *td, int page, const tiff_facts *f,
                   const vo_source_limits *limits, vo_raster **out)
{
    vo_raster *r = NULL;
    char emsg[1024];
    vo_status st = source_new_raster(td->super.ctx, td->super.path, page, f->width, f->height,
                                     limits, &r);
    if (st != VO_OK)
        return st;
    r->dpi_x = f->dpi_x;
    r->dpi_y = f->dpi_y;
    if (TIFFRGBAImageOK(td->tif, emsg))
        st = tiff_decode_rgba(td, page, f, r);
    else
        st = tiff_decode_deep(td, page, f, r);
    if (st != VO_OK) {
        vo_drop_raster(r);
        return st;
    }
    *out = r;
    return VO_OK;
}

static vo_status
tiff_render(vo_document *doc, int page, float dpi, const vo_source_limits *limits,
            vo_raster **out)
{
    tiff_document *td = (tiff_document *)doc;
    tiff_facts f;
    vo_raster *r = NULL;
    vo_status st = tiff_select(td, page, &f);
    if (st == VO_OK)
        st = tiff_decode_stored(td, page, &f, limits, &r);
    if (st == VO_OK)
        st = source_orient_raster(doc->ctx, doc->path, &r, f.orientation);
    if (st == VO_OK)
        st = source_resample_raster(doc->ctx, doc->path, &r,
                                    dpi > 0 ? dpi : (f.dpi_x > f.dpi_y ? f.dpi_x : f.dpi_y),
                                    limits);
    if (st != VO_OK) {
        vo_drop_raster(r);
        return st;
    }
    *out = r;
    return VO_OK;
}

/* --- the stored image, for writers that embed it --- */

static vo_image_colors
tiff_colors_of(const vo_raster *r)
{
    vo_image_colors c = VO_IMAGE_BILEVEL;
    for (int y = 0; y < r->height; y++) {
        const uint8_t *p = r->rgb + (size_t)y * r->stride;
        for (int x = 0; x < r->width; x++, p += 3) {
            if (p[0] != p[1] || p[0] != p[2])
                return VO_IMAGE_RGB;
            if (p[0] != 0 && p[0] != 255)
                c = VO_IMAGE_GRAY;
        }
    }
    return c;
}

/* The fax-coded strips of a bilevel page, read as they are: one strip of
 * G4 (each G4 strip restarts from a white line, so several do not join),
 * any number of G3 or Modified Huffman strips (every row stands alone or
 * follows a one-dimensional row). Leaves img->coding NONE when the page is
 * coded otherwise; fails only when memory or the file fails. */
static vo_status
tiff_read_ccitt(tiff_document *td, int page, vo_page_image *img)
{
    TIFF *tif = td->tif;
    uint16_t compression = COMPRESSION_NONE, bps = 1, spp = 1, photometric = 0;
    uint32_t t4 = 0;
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric) || bps != 1 || spp != 1 ||
        TIFFIsTiled(tif) ||
        (photometric != PHOTOMETRIC_MINISWHITE && photometric != PHOTOMETRIC_MINISBLACK))
        return VO_OK;
    uint32_t n_strips = TIFFNumberOfStrips(tif);
    if (compression == COMPRESSION_CCITTFAX4 && n_strips == 1)
        img->ccitt_k = -1;
    else if (compression == COMPRESSION_CCITTFAX3) {
        TIFFGetFieldDefaulted(tif, TIFFTAG_GROUP3OPTIONS, &t4);
        img->ccitt_k = (t4 & GROUP3OPT_2DENCODING) ? 1 : 0;
        img->ccitt_byte_align = (t4 & GROUP3OPT_FILLBITS) != 0;
        img->ccitt_eol = 1; /* TIFF's G3 rows are preceded by EOL codes */
    } else if (compression == COMPRESSION_CCITTRLE) {
        img->ccitt_k = 0;
        img->ccitt_byte_align = 1;
    } else
        return VO_OK;
    size_t total = 0;
    for (uint32_t i = 0; i < n_strips; i++) {
        uint64_t n = TIFFGetStrileByteCount(tif, i);
        if (n == 0 || n > SOURCE_DEFAULT_MAX_PIXELS || total + n > SOURCE_DEFAULT_MAX_PIXELS)
            return VO_OK; /* odd strips: the decoded pixels are embedded instead */
        total += (size_t)n;
    }
    if (!(img->coded = vo_malloc(total ? total : 1)))
        return vo_fail(td->super.ctx, VO_ERR_NOMEM, "%s: page %d: out of memory",
                       td->super.path, page);
    size_t at = 0;
    for (uint32_t i = 0; i < n_strips; i++) {
        tmsize_t got = TIFFReadRawStrip(tif, i, img->coded + at, (tmsize_t)(total - at));
        if (got < 0) {
            vo_free(img->coded);
            img->coded = NULL;
            return VO_OK;
        }
        at += (size_t)got;
    }
    img->coded_len = at;
    uint16_t fill = FILLORDER_MSB2LSB;
    TIFFGetFieldDefaulted(tif, TIFFTAG_FILLORDER, &fill);
    if (fill == FILLORDER_LSB2MSB) /* PDF reads the first bit from the top of each byte */
        TIFFReverseBits(img->coded, (tmsize_t)at);
    img->ccitt_black_is_1 = photometric == PHOTOMETRIC_MINISBLACK;
    img->coding = VO_IMAGE_CODED_CCITT;
    return VO_OK;
}

static vo_status
tiff_image(vo_document *doc, int page, const vo_source_limits *limits, vo_page_image *img)
{
    tiff_document *td = (tiff_document *)doc;
    tiff_facts f;
    vo_status st = tiff_select(td, page, &f);
    if (st == VO_OK)
        st = tiff_decode_stored(td, page, &f, limits, &img->pixels);
    if (st != VO_OK)
        return st;
    img->orientation = f.orientation;
    img->colors = tiff_colors_of(img->pixels);
    if (img->colors != VO_IMAGE_BILEVEL)
        return VO_OK;
    return tiff_read_ccitt(td, page, img);
}

static void
tiff_drop(vo_document *doc)
{
    tiff_document *td = (tiff_document *)doc;
    if (td->tif)
        TIFFClose(td->tif);
    vo_free(td);
}

static const source_ops tiff_ops = {tiff_page_info, tiff_render, NULL, tiff_image, tiff_drop};

/* --- open --- */

vo_status
source_open_tiff(vo_ctx *ctx, const char *path, vo_document **out)
{
    tiff_document *td = vo_calloc(1, sizeof *td);
    TIFFOpenOptions *opts = NULL;
    vo_status st;
    *out = NULL;
    if (!td || !(td->super.path = vo_strdup(path))) {
        vo_free(td);
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", path);
    }
    td->super.ops = &tiff_ops;
    td->super.ctx = ctx;
    td->super.kind = "tiff";
    pthread_once(&tiff_handlers_once, tiff_set_global_handlers);
    if (!(opts = TIFFOpenOptionsAlloc())) {
        st = vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", path);
        goto fail;
    }
    TIFFOpenOptionsSetErrorHandlerExtR(opts, tiff_on_error, td);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, tiff_on_warning, td);
    /* one allocation inside libtiff is never larger than a page at the
     * default pixel limit, 4 bytes a pixel */
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts, (tmsize_t)(SOURCE_DEFAULT_MAX_PIXELS * 4));
    tiff_opening = td;
    td->tif = TIFFOpenExt(path, "r", opts);
    tiff_opening = NULL;
    TIFFOpenOptionsFree(opts);
    if (!td->tif) {
        st = tiff_fail(td, VO_ERR_FORMAT, 0, "cannot open");
        goto fail;
    }
    tdir_t n = TIFFNumberOfDirectories(td->tif);
    if (n == 0 || n > 65535) {
        st = vo_fail(ctx, VO_ERR_FORMAT, "%s: the TIFF file has %u pages (the file is damaged)",
                     path, (unsigned)n);
        goto fail;
    }
    td->super.n_pages = (int)n;
    /* a chain whose last page links on (back to an earlier page: libtiff
     * stops there) is damaged: its distinct pages are read, and it is said */
    if (TIFFSetDirectory(td->tif, n - 1) && !TIFFLastDirectory(td->tif))
        vo_warn(ctx, "%s: the TIFF file's chain of pages goes on after page %u where it cannot "
                "(it loops back, or points at no page: the file is damaged); its %u pages are "
                "read", path, (unsigned)n, (unsigned)n);
    *out = &td->super;
    return VO_OK;
fail: {
    char *p = td->super.path; /* libtiff's handlers may name it while closing */
    tiff_drop(&td->super);
    vo_free(p);
    return st;
}
}
