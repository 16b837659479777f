/* document.c: the document front end: picks the back end (libtiff for
 * TIFF, MuPDF for the rest), checks page numbers, names file and page. */
#include "src/source/source_impl.h"
#include "src/source/raster.h"
#include "src/source/sniff.h"
#include "src/util/alloc.h"
#include "src/util/infile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const volatile sig_atomic_t *_Atomic cancel_flag;

void
vo_source_set_cancel(const volatile sig_atomic_t *flag)
{
    cancel_flag = flag;
}

int
source_cancelled(void)
{
    const volatile sig_atomic_t *f = cancel_flag;
    return f && *f;
}

/* A call that ended while the run was cancelled may have read a cut file:
 * its result is not used. */
static vo_status
document_check_cancel(vo_ctx *ctx, vo_status st, const char *path, int page)
{
    if (!source_cancelled() || st == VO_ERR_NOMEM)
        return st;
    if (page > 0)
        return vo_fail(ctx, VO_ERR_ABORT, "%s: page %d: interrupted while reading it", path, page);
    return vo_fail(ctx, VO_ERR_ABORT, "%s: interrupted while reading it", path);
}

/* Warn when the name's suffix claims another format than the content. */
static void
document_check_suffix(vo_ctx *ctx, const char *path, vo_doc_format content)
{
    vo_doc_format named = vo_format_of_name(path);
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash + 1 : path, '.');
    if (content == VO_DOC_UNKNOWN || named == content || !dot || dot[1] == 0)
        return;
    if (named != VO_DOC_UNKNOWN)
        vo_warn(ctx, "%s: the name says %s but the content is a %s: read as a %s", path,
                vo_doc_format_name(named), vo_doc_format_name(content),
                vo_doc_format_name(content));
    else
        vo_warn(ctx, "%s: the name ends in %s but the content is a %s: read as a %s", path, dot,
                vo_doc_format_name(content), vo_doc_format_name(content));
}

static vo_status
document_open(vo_ctx *ctx, const char *path, const char *password, vo_document **doc)
{
    unsigned char head[VO_SNIFF_BYTES];
    size_t n = 0;
    *doc = NULL;
    if (!path || !strcmp(path, "-"))
        return vo_fail(ctx, VO_ERR_ARGUMENT,
                       "standard input must be copied to a file before it is opened");
    int fd = vo_open_regular(ctx, path, " as documents (give '-' to read standard input)");
    if (fd < 0)
        return vo_last_status(ctx);
    while (n < sizeof head) {
        ssize_t got = read(fd, head + n, sizeof head - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    if (n == 0)
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: the file is empty", path);
    vo_doc_format format = vo_sniff_format(head, n);
    document_check_suffix(ctx, path, format);
    if (format == VO_DOC_TIFF)
        return source_open_tiff(ctx, path, doc);
    /* MuPDF picks its reader by the name given: the content's usual suffix,
     * else the file's own name (MuPDF reads more kinds than we sniff) */
    const char *as = format != VO_DOC_UNKNOWN ? vo_doc_format_suffix(format) : path;
    return source_open_mupdf(ctx, path, as, password, doc);
}

vo_status
vo_open_document(vo_ctx *ctx, const char *path, const char *password, vo_document **doc)
{
    vo_status st = document_open(ctx, path, password, doc);
    if (!source_cancelled())
        return st;
    vo_drop_document(*doc);
    *doc = NULL;
    return document_check_cancel(ctx, st, path, 0);
}

void
vo_drop_document(vo_document *doc)
{
    if (!doc)
        return;
    char *path = doc->path, *title = doc->title;
    doc->ops->drop(doc);
    vo_free(path);
    vo_free(title);
}

int
vo_document_page_count(const vo_document *doc)
{
    return doc ? doc->n_pages : 0;
}

const char *
vo_document_title(const vo_document *doc)
{
    return doc ? doc->title : NULL;
}

void
vo_document_set_image_dpi(vo_document *doc, float dpi)
{
    if (doc)
        doc->image_dpi = dpi > 0 ? dpi : 0;
}

void
vo_document_set_skip_invisible_text(vo_document *doc, int skip)
{
    if (doc)
        doc->skip_invisible = skip != 0;
}

const char *
vo_document_kind(const vo_document *doc)
{
    return doc ? doc->kind : NULL;
}

static vo_status
document_check_page(vo_ctx *ctx, vo_document *doc, int page)
{
    if (!doc)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "no document");
    doc->ctx = ctx;
    if (page < 1 || page > doc->n_pages)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "%s: no page %d (the document has %d page%s)",
                       doc->path, page, doc->n_pages, doc->n_pages == 1 ? "" : "s");
    return VO_OK;
}

vo_status
vo_document_page_info(vo_ctx *ctx, vo_document *doc, int page, vo_page_info *info)
{
    vo_status st = document_check_page(ctx, doc, page);
    if (st != VO_OK)
        return st;
    memset(info, 0, sizeof *info);
    return document_check_cancel(ctx, doc->ops->page_info(doc, page, info), doc->path, page);
}

vo_status
vo_render_page(vo_ctx *ctx, vo_document *doc, int page, float dpi,
               const vo_source_limits *limits, vo_raster **out)
{
    *out = NULL;
    vo_status st = document_check_page(ctx, doc, page);
    if (st != VO_OK)
        return st;
    if (!(dpi == 0 || source_sane_dpi(dpi) > 0))
        return vo_fail(ctx, VO_ERR_ARGUMENT, "%s: page %d: resolution %g dpi out of range "
                       "(use a --dpi above 1 and at most 10000)", doc->path, page, dpi);
    st = document_check_cancel(ctx, doc->ops->render(doc, page, dpi, limits, out), doc->path,
                               page);
    if (st != VO_OK) {
        vo_drop_raster(*out);
        *out = NULL;
    }
    return st;
}

vo_status
vo_extract_text_layer_checked(vo_ctx *ctx, vo_document *doc, int page, float dpi, vo_page **out,
                              vo_text_quality *q)
{
    vo_text_quality own;
    q = q ? q : &own;
    memset(q, 0, sizeof *q);
    *out = NULL;
    vo_status st = document_check_page(ctx, doc, page);
    if (st != VO_OK)
        return st;
    if (!(dpi == 0 || source_sane_dpi(dpi) > 0))
        return vo_fail(ctx, VO_ERR_ARGUMENT, "%s: page %d: resolution %g dpi out of range "
                       "(use a --dpi above 1 and at most 10000)", doc->path, page, dpi);
    if (!doc->ops->text_layer)
        return VO_OK;
    st = document_check_cancel(ctx, doc->ops->text_layer(doc, page, dpi, out, q), doc->path, page);
    if (st != VO_OK) {
        vo_drop_page(*out);
        *out = NULL;
    }
    return st;
}

vo_status
vo_extract_text_layer(vo_ctx *ctx, vo_document *doc, int page, float dpi, vo_page **out)
{
    return vo_extract_text_layer_checked(ctx, doc, page, dpi, out, NULL);
}

vo_status
vo_get_page_image(vo_ctx *ctx, vo_document *doc, int page, const vo_source_limits *limits,
                  vo_page_image **out)
{
    *out = NULL;
    vo_status st = document_check_page(ctx, doc, page);
    if (st != VO_OK)
        return st;
    if (!doc->ops->image)
        return vo_fail(ctx, VO_ERR_UNSUPPORTED, "%s: page %d: a %s page has no stored image "
                       "of its own (render it instead)", doc->path, page, doc->kind);
    vo_page_image *img = vo_calloc(1, sizeof *img);
    if (!img)
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: page %d: out of memory", doc->path, page);
    st = doc->ops->image(doc, page, limits, img);
    if (st != VO_OK) {
        vo_drop_page_image(img);
        return st;
    }
    *out = img;
    return VO_OK;
}

void
vo_drop_page_image(vo_page_image *img)
{
    if (!img)
        return;
    vo_drop_raster(img->pixels);
    vo_free(img->coded);
    vo_free(img);
}
