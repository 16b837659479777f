/* writer.c: picks the writer of a format, names formats and their file
 * suffixes, and writes whole documents in one call. */
#include "formats/writer.h"
#include "formats/alto.h"
#include "formats/hocr.h"
#include "formats/json.h"
#include "formats/pagexml.h"
#include "formats/pdf.h"
#include "formats/tsv.h"
#include "formats/txt.h"

#include <string.h>

static const struct {
    const char *name, *suffix;
} format_names[VO_FORMAT_COUNT_] = {
    [VO_FORMAT_TXT] = {"txt", ".txt"},
    [VO_FORMAT_HOCR] = {"hocr", ".hocr"},
    [VO_FORMAT_ALTO] = {"alto", ".alto.xml"},
    [VO_FORMAT_PAGE] = {"page", ".page.xml"},
    [VO_FORMAT_TSV] = {"tsv", ".tsv"},
    [VO_FORMAT_JSON] = {"json", ".json"},
    [VO_FORMAT_PDF] = {"pdf", ".pdf"},
};

const char *
vo_format_name(vo_format fmt)
{
    return (unsigned)fmt < VO_FORMAT_COUNT_ ? format_names[fmt].name : "unknown";
}

const char *
vo_format_suffix(vo_format fmt)
{
    return (unsigned)fmt < VO_FORMAT_COUNT_ ? format_names[fmt].suffix : "";
}

vo_format
vo_format_from_name(const char *name, size_t len)
{
    for (int f = 0; name && f < VO_FORMAT_COUNT_; f++)
        if (strlen(format_names[f].name) == len && !strncmp(format_names[f].name, name, len))
            return (vo_format)f;
    return VO_FORMAT_COUNT_;
}

vo_status
vo_new_writer(vo_ctx *ctx, vo_format fmt, vo_output *out, const vo_writer_opts *opts,
              vo_writer **w)
{
    *w = NULL;
    switch (fmt) {
    case VO_FORMAT_TXT: return vo_new_txt_writer(ctx, out, opts, w);
    case VO_FORMAT_HOCR: return vo_new_hocr_writer(ctx, out, opts, w);
    case VO_FORMAT_ALTO: return vo_new_alto_writer(ctx, out, opts, w);
    case VO_FORMAT_PAGE: return vo_new_pagexml_writer(ctx, out, opts, w);
    case VO_FORMAT_TSV: return vo_new_tsv_writer(ctx, out, opts, w);
    case VO_FORMAT_JSON: return vo_new_json_writer(ctx, out, opts, w);
    case VO_FORMAT_PDF: return vo_new_pdf_writer(ctx, out, opts, w);
    default:
        break;
    }
    return vo_fail(ctx, VO_ERR_UNSUPPORTED, "output format %s is not supported by this build",
                   vo_format_name(fmt));
}

void
vo_drop_writer(vo_writer *w)
{
    if (w)
        w->drop(w);
}

vo_status
vo_write_document(vo_ctx *ctx, vo_format fmt, vo_output *out, const vo_writer_opts *opts,
                  const vo_doc_info *info, vo_page *const *pages, int n)
{
    vo_writer *w = NULL;
    vo_status st = vo_new_writer(ctx, fmt, out, opts, &w);
    if (!st)
        st = w->begin(ctx, w, info);
    for (int i = 0; !st && i < n; i++) {
        st = w->page(ctx, w, pages[i]);
        if (st)
            vo_fail_where(ctx, "page %d: ", pages[i]->number);
    }
    if (!st)
        st = w->end(ctx, w);
    vo_drop_writer(w);
    return st;
}
