/* mupdf_doc.c: PDFs and images (PNG, JPEG, PNM, …) through MuPDF: open
 * (with password), page info, and rendering to an 8-bit RGB raster. */
#include "src/source/mupdf_doc.h"
#include "src/util/alloc.h"

#include <math.h>
#include <string.h>

/* --- errors and messages --- */

vo_status
mupdf_caught(mupdf_document *md, int page, const char *what)
{
    int code = fz_caught(md->fz);
    const char *msg = fz_caught_message(md->fz);
    vo_status st = code == FZ_ERROR_MEMORY  ? VO_ERR_NOMEM
                   : code == FZ_ERROR_ABORT ? VO_ERR_ABORT
                                            : VO_ERR_FORMAT;
    const char *hint = st == VO_ERR_FORMAT ? " (the file is damaged or not a supported document)"
                                           : "";
    if (page > 0)
        return vo_fail(md->super.ctx, st, "%s: page %d: %s: %s%s", md->super.path, page, what,
                       msg, hint);
    return vo_fail(md->super.ctx, st, "%s: %s: %s%s", md->super.path, what, msg, hint);
}

/* MuPDF's own warnings and error traces reach the user only through our
 * ctx, and only when asked for (-v). */
static void
mupdf_on_message(void *user, const char *msg)
{
    mupdf_document *md = user;
    if (md->super.ctx && vo_verbosity(md->super.ctx) >= 2)
        vo_warn(md->super.ctx, "%s: mupdf: %s", md->super.path, msg);
}

/* --- geometry --- */

void
mupdf_page_geometry(fz_context *fz, fz_page *page, float dpi, float *dpi_out, fz_matrix *ctm,
                    fz_irect *box, float *capped_from)
{
    fz_rect bounds = fz_bound_page(fz, page);
    if (dpi <= 0) {
        mupdf_probe probe;
        float dx, dy;
        mupdf_probe_page(fz, page, &probe);
        mupdf_probe_scan_dpi(&probe, bounds, &dx, &dy);
        mupdf_probe_clear(fz, &probe);
        dpi = dx > 0 ? fmaxf(dx, dy) : SOURCE_DEFAULT_DPI;
    }
    float side = fmaxf(bounds.x1 - bounds.x0, bounds.y1 - bounds.y0);
    *capped_from = 0;
    if (side > 0 && side * dpi / 72.0f > SOURCE_MAX_SIDE) { /* a huge /UserUnit */
        *capped_from = dpi;
        dpi = fmaxf(floorf(SOURCE_MAX_SIDE * 72.0f / side * 1000.0f) / 1000.0f, 0.001f);
    }
    *dpi_out = dpi;
    *ctm = fz_scale(dpi / 72.0f, dpi / 72.0f);
    *box = fz_round_rect(fz_transform_rect(bounds, *ctm));
}

void
mupdf_say_capped(vo_document *doc, int page, float capped_from, float dpi, const fz_irect *box)
{
    if (capped_from > 0)
        vo_warn(doc->ctx, "%s: page %d is %.0f x %.0f inches (a huge /UserUnit?): taken at %g dpi "
                "instead of %g, so that it stays within %.0f pixels a side; its boxes are in "
                "pixels at that resolution", doc->path, page,
                (box->x1 - (double)box->x0) / dpi, (box->y1 - (double)box->y0) / dpi, dpi,
                capped_from, (double)SOURCE_MAX_SIDE);
}

/* --- image files --- */

/* MuPDF's orientation numbers (fz_image_orientation) as EXIF numbers. */
static int
mupdf_exif_orientation(int o)
{
    static const int exif[9] = {1, 1, 8, 3, 6, 2, 5, 4, 7};
    return o >= 0 && o <= 8 ? exif[o] : 1;
}

/* Copy a decoded pixmap into an RGB raster, over white where it has alpha
 * (MuPDF pixmaps are premultiplied). */
static void
mupdf_copy_pixmap(fz_context *fz, fz_pixmap *pix, vo_raster *r)
{
    int n = fz_pixmap_components(fz, pix), alpha = fz_pixmap_alpha(fz, pix);
    int colors = fz_pixmap_colorants(fz, pix);
    ptrdiff_t stride = fz_pixmap_stride(fz, pix);
    const unsigned char *samples = fz_pixmap_samples(fz, pix);
    for (int y = 0; y < r->height; y++) {
        const unsigned char *s = samples + y * stride;
        uint8_t *d = r->rgb + (size_t)y * r->stride;
        for (int x = 0; x < r->width; x++, s += n, d += 3) {
            int a = alpha ? s[n - 1] : 255, white = 255 - a;
            if (colors >= 3) {
                d[0] = (uint8_t)(s[0] + white > 255 ? 255 : s[0] + white);
                d[1] = (uint8_t)(s[1] + white > 255 ? 255 : s[1] + white);
                d[2] = (uint8_t)(s[2] + white > 255 ? 255 : s[2] + white);
            } else if (colors >= 1) {
                d[0] = d[1] = d[2] = (uint8_t)(s[0] + white > 255 ? 255 : s[0] + white);
            } else { /* alpha only: ink where opaque */
                d[0] = d[1] = d[2] = (uint8_t)white;
            }
        }
    }
}

/* The image of page `page` of an image file, its native resolution and
 * orientation. */
static vo_status
mupdf_page_image(mupdf_document *md, int page, fz_image **image, float *dpi_x, float *dpi_y,
                 int *orientation)
{
    fz_context *fz = md->fz;
    fz_page *pg = NULL;
    mupdf_probe probe = {0};
    fz_var(pg);
    fz_var(probe);
    *image = NULL;
    fz_try(fz) {
        pg = fz_load_page(fz, md->doc, page - 1);
        mupdf_fixup_page(fz, pg);
        mupdf_probe_page(fz, pg, &probe);
    }
    fz_always(fz)
        fz_drop_page(fz, pg);
    fz_catch(fz)
        return mupdf_caught(md, page, "cannot read the image");
    if (!probe.image)
        return vo_fail(md->super.ctx, VO_ERR_FORMAT, "%s: page %d: no image found in the file",
                       md->super.path, page);
    *image = probe.image;
    *dpi_x = source_sane_dpi(probe.image->xres);
    *dpi_y = source_sane_dpi(probe.image->yres);
    if (*dpi_x == 0 || *dpi_y == 0)
        *dpi_x = *dpi_y = SOURCE_DEFAULT_DPI;
    if (md->super.image_dpi > 0) /* --image-dpi */
        *dpi_x = *dpi_y = md->super.image_dpi;
    *orientation = mupdf_exif_orientation(fz_image_orientation(fz, probe.image));
    return VO_OK;
}

static vo_status
mupdf_render_image(mupdf_document *md, int page, float dpi, const vo_source_limits *limits,
                   vo_raster **out)
{
    fz_context *fz = md->fz;
    fz_image *img;
    fz_pixmap *pix = NULL, *rgb = NULL;
    float dpi_x, dpi_y;
    int orientation;
    vo_raster *r = NULL;
    vo_status st = mupdf_page_image(md, page, &img, &dpi_x, &dpi_y, &orientation);
    if (st != VO_OK)
        return st;
    /* refuse before decoding: the decoder allocates w*h*n bytes */
    if (img->w <= 0 || img->h <= 0 ||
        (uint64_t)img->w * (uint64_t)img->h > source_max_pixels(limits)) {
        st = vo_fail(md->super.ctx, VO_ERR_LIMIT,
                     "%s: page %d: image of %dx%d pixels exceeds the limit of %llu pixels",
                     md->super.path, page, img->w, img->h,
                     (unsigned long long)source_max_pixels(limits));
        fz_drop_image(fz, img);
        return st;
    }
    fz_var(pix);
    fz_var(rgb);
    fz_try(fz) {
        pix = fz_get_pixmap_from_image(fz, img, NULL, NULL, NULL, NULL);
        if (fz_pixmap_colorspace(fz, pix) && fz_pixmap_colorspace(fz, pix) != fz_device_rgb(fz) &&
            fz_pixmap_colorspace(fz, pix) != fz_device_gray(fz))
            rgb = fz_convert_pixmap(fz, pix, fz_device_rgb(fz), NULL, NULL,
                                    fz_default_color_params, 1);
    }
    fz_catch(fz) {
        fz_drop_pixmap(fz, pix);
        fz_drop_image(fz, img);
        return mupdf_caught(md, page, "cannot decode the image");
    }
    fz_pixmap *use = rgb ? rgb : pix;
    st = source_new_raster(md->super.ctx, md->super.path, page,
                           (uint64_t)fz_pixmap_width(fz, use), (uint64_t)fz_pixmap_height(fz, use),
                           limits, &r);
    if (st == VO_OK)
        mupdf_copy_pixmap(fz, use, r);
    fz_drop_pixmap(fz, rgb);
    fz_drop_pixmap(fz, pix);
    fz_drop_image(fz, img);
    if (st != VO_OK)
        return st;
    r->dpi_x = dpi_x;
    r->dpi_y = dpi_y;
    if ((st = source_orient_raster(md->super.ctx, md->super.path, &r, orientation)) != VO_OK ||
        (st = source_resample_raster(md->super.ctx, md->super.path, &r,
                                     dpi > 0 ? dpi : fmaxf(r->dpi_x, r->dpi_y), limits)) != VO_OK) {
        vo_drop_raster(r);
        return st;
    }
    *out = r;
    return VO_OK;
}

/* 1 when page (0-based) of doc can be loaded. */
static int
mupdf_page_loads(fz_context *fz, fz_document *doc, int page)
{
    fz_page *pg = NULL;
    int ok = 1;
    fz_var(pg);
    fz_try(fz)
        pg = fz_load_page(fz, doc, page);
    fz_always(fz)
        fz_drop_page(fz, pg);
    fz_catch(fz)
        ok = 0;
    return ok;
}

/* How many of the n pages a document claims can be reached: all when the
 * last loads; else (a page tree that loops or breaks: every page past the
 * break fails) the last that loads, found by bisection, so that a damaged
 * count of 50,000 is not 50,000 failed pages. A single bad last page stays
 * a page that fails on its own (and is reported so). */
static int
mupdf_pages_readable(fz_context *fz, fz_document *doc, int n)
{
    if (mupdf_page_loads(fz, doc, n - 1))
        return n;
    if (n < 2 || mupdf_page_loads(fz, doc, n - 2))
        return n;
    int lo = 0, hi = n - 2; /* pages [0, lo) load; page hi does not */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (mupdf_page_loads(fz, doc, mid))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* --- back end entries --- */

static vo_status
mupdf_page_info(vo_document *doc, int page, vo_page_info *info)
{
    mupdf_document *md = (mupdf_document *)doc;
    fz_context *fz = md->fz;
    if (md->is_image) {
        fz_image *img;
        float dx, dy;
        int o;
        vo_status st = mupdf_page_image(md, page, &img, &dx, &dy, &o);
        if (st != VO_OK)
            return st;
        int swap = o >= 5;
        info->native_dpi_x = swap ? dy : dx;
        info->native_dpi_y = swap ? dx : dy;
        info->width_pt = (float)(swap ? img->h : img->w) * 72.0f / info->native_dpi_x;
        info->height_pt = (float)(swap ? img->w : img->h) * 72.0f / info->native_dpi_y;
        fz_drop_image(fz, img);
        return VO_OK;
    }
    fz_page *pg = NULL;
    mupdf_probe probe = {0};
    fz_rect bounds = fz_empty_rect;
    fz_var(pg);
    fz_var(probe);
    fz_var(bounds);
    fz_try(fz) {
        pg = fz_load_page(fz, md->doc, page - 1);
        mupdf_fixup_page(fz, pg);
        bounds = fz_bound_page(fz, pg);
        mupdf_probe_page(fz, pg, &probe);
    }
    fz_always(fz)
        fz_drop_page(fz, pg);
    fz_catch(fz)
        return mupdf_caught(md, page, "cannot read the page");
    info->width_pt = bounds.x1 - bounds.x0;
    info->height_pt = bounds.y1 - bounds.y0;
    info->has_text = probe.n_text - (md->super.skip_invisible ? probe.n_invisible : 0) > 0;
    mupdf_probe_scan_dpi(&probe, bounds, &info->native_dpi_x, &info->native_dpi_y);
    mupdf_probe_clear(fz, &probe);
    return VO_OK;
}

static vo_status
mupdf_render(vo_document *doc, int page, float dpi, const vo_source_limits *limits,
             vo_raster **out)
{
    mupdf_document *md = (mupdf_document *)doc;
    fz_context *fz = md->fz;
    fz_page *pg = NULL;
    fz_pixmap *pix = NULL;
    fz_device *dev = NULL;
    fz_matrix ctm;
    fz_irect box;
    float capped_from = 0;
    vo_raster *r = NULL;
    vo_status st;
    if (md->is_image)
        return mupdf_render_image(md, page, dpi, limits, out);
    fz_var(pg);
    fz_var(dpi);
    fz_var(ctm);
    fz_var(box);
    fz_var(capped_from);
    fz_try(fz) {
        pg = fz_load_page(fz, md->doc, page - 1);
        mupdf_fixup_page(fz, pg);
        mupdf_page_geometry(fz, pg, dpi, &dpi, &ctm, &box, &capped_from);
    }
    fz_catch(fz) {
        fz_drop_page(fz, pg);
        return mupdf_caught(md, page, "cannot read the page");
    }
    mupdf_say_capped(doc, page, capped_from, dpi, &box);
    st = source_new_raster(doc->ctx, doc->path, page, (uint64_t)(box.x1 - (int64_t)box.x0),
                           (uint64_t)(box.y1 - (int64_t)box.y0), limits, &r);
    if (st != VO_OK) {
        fz_drop_page(fz, pg);
        return st;
    }
    r->dpi_x = r->dpi_y = dpi;
    fz_var(pix);
    fz_var(dev);
    fz_try(fz) {
        /* MuPDF draws straight into our raster's memory */
        pix = fz_new_pixmap_with_bbox_and_data(fz, fz_device_rgb(fz), box, NULL, 0, r->rgb);
        dev = fz_new_draw_device(fz, fz_identity, pix);
        fz_run_page(fz, pg, dev, ctm, NULL);
        fz_close_device(fz, dev);
    }
    fz_always(fz) {
        fz_drop_device(fz, dev);
        fz_drop_pixmap(fz, pix);
        fz_drop_page(fz, pg);
    }
    fz_catch(fz) {
        vo_drop_raster(r);
        return mupdf_caught(md, page, "cannot render the page");
    }
    *out = r;
    return VO_OK;
}

static vo_status
mupdf_text_layer_entry(vo_document *doc, int page, float dpi, vo_page **out, vo_text_quality *q)
{
    if (((mupdf_document *)doc)->is_image)
        return VO_OK;
    return mupdf_text_layer(doc, page, dpi, out, q);
}

static void
mupdf_drop(vo_document *doc)
{
    mupdf_document *md = (mupdf_document *)doc;
    fz_drop_document(md->fz, md->doc);
    fz_drop_context(md->fz);
    vo_free(md);
}

static const source_ops mupdf_ops = {
    mupdf_page_info, mupdf_render, mupdf_text_layer_entry, NULL, mupdf_drop,
};

/* --- open --- */

static vo_status
mupdf_check_password(mupdf_document *md, const char *password)
{
    vo_ctx *ctx = md->super.ctx;
    if (!fz_needs_password(md->fz, md->doc))
        return VO_OK;
    if (!password)
        return vo_fail(ctx, VO_ERR_PASSWORD,
                       "%s: the document is encrypted; use --password to give its password",
                       md->super.path);
    if (!fz_authenticate_password(md->fz, md->doc, password))
        return vo_fail(ctx, VO_ERR_PASSWORD,
                       "%s: wrong password; use --password with the document's password",
                       md->super.path);
    return VO_OK;
}

vo_status
source_open_mupdf(vo_ctx *ctx, const char *path, const char *as, const char *password,
                  vo_document **out)
{
    mupdf_document *md = vo_calloc(1, sizeof *md);
    char format[64] = "", title[512] = "";
    vo_status st;
    int n = 0, needs = 0;
    *out = NULL;
    if (!md || !(md->super.path = vo_strdup(path))) {
        vo_free(md);
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", path);
    }
    md->super.ops = &mupdf_ops;
    md->super.ctx = ctx;
    mupdf_budget_init(&md->budget, 0);
    md->fz = fz_new_context(&md->budget.alloc, NULL, FZ_STORE_DEFAULT);
    if (!md->fz) {
        vo_free(md->super.path);
        vo_free(md);
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory for MuPDF", path);
    }
    fz_set_warning_callback(md->fz, mupdf_on_message, md);
    fz_set_error_callback(md->fz, mupdf_on_message, md);
    fz_var(n);
    fz_var(needs);
    fz_try(md->fz) {
        fz_register_document_handlers(md->fz);
        /* read through a stream that a cancel ends (xref repair of a huge
         * damaged file would otherwise run to its end) */
        const fz_document_handler *h = fz_recognize_document(md->fz, as);
        if (h && h->open_with_stream) {
            fz_stream *stm = mupdf_open_cancellable(md->fz, md, path);
            fz_try(md->fz)
                md->doc = fz_open_document_with_stream(md->fz, as, stm);
            fz_always(md->fz)
                fz_drop_stream(md->fz, stm);
            fz_catch(md->fz)
                fz_rethrow(md->fz);
        } else {
            md->doc = fz_open_document(md->fz, path);
        }
        needs = fz_needs_password(md->fz, md->doc);
    }
    fz_catch(md->fz) {
        st = mupdf_caught(md, 0, "cannot open");
        goto fail;
    }
    if (needs && (st = mupdf_check_password(md, password)) != VO_OK)
        goto fail;
    fz_try(md->fz) {
        n = fz_count_pages(md->fz, md->doc);
        fz_lookup_metadata(md->fz, md->doc, FZ_META_FORMAT, format, sizeof format);
        fz_lookup_metadata(md->fz, md->doc, FZ_META_INFO_TITLE, title, sizeof title);
    }
    fz_catch(md->fz) {
        st = mupdf_caught(md, 0, "cannot read the page tree");
        goto fail;
    }
    if (n <= 0) {
        st = vo_fail(ctx, VO_ERR_FORMAT, "%s: the document has no pages (the file is damaged or not a "
                     "supported document)", path);
        goto fail;
    }
    int readable = mupdf_pages_readable(md->fz, md->doc, n);
    if (readable < n) {
        if (readable == 0) {
            st = vo_fail(ctx, VO_ERR_FORMAT, "%s: the document says it has %d pages but none can "
                         "be read (a broken page tree: the file is damaged)", path, n);
            goto fail;
        }
        vo_warn(ctx, "%s: the document says it has %d pages but its page tree breaks after page "
                "%d (it loops, or points at no page: the file is damaged); its %d pages are read",
                path, n, readable, readable);
        n = readable;
    }
    md->super.n_pages = n;
    md->is_image = !strncmp(format, "Image", 5);
    md->super.kind = md->is_image ? "image" : "pdf";
    if (title[0] && !(md->super.title = vo_strdup(title))) {
        st = vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory", path);
        goto fail;
    }
    *out = &md->super;
    return VO_OK;
fail: {
    /* MuPDF flushes its warnings (which name the path) while the
     * context is dropped: free the strings after it */
    char *p = md->super.path, *t = md->super.title;
    mupdf_drop(&md->super);
    vo_free(p);
    vo_free(t);
    return st;
}
}
