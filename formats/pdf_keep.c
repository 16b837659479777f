/* pdf_keep.c: one PDF input kept as the output document: opened, its
 * unchosen pages removed, Producer and ModDate updated in Info and XMP. */
#include "formats/pdf_keep.h"

#include <string.h>
#include <time.h>

pdf_document *pdfkeep_open(fz_context *fz, const char *path, const char *password)
{
    pdf_document *src = pdf_open_document(fz, path), *doc = NULL;
    fz_buffer *copy = NULL;
    fz_output *out = NULL;
    fz_stream *in = NULL;
    fz_var(doc);
    fz_var(copy);
    fz_var(out);
    fz_var(in);
    fz_try(fz) {
        /* an encrypted source: without authentication its streams would be
         * written undecrypted (the page comes out blank) */
        if (pdf_needs_password(fz, src) &&
            !pdf_authenticate_password(fz, src, password ? password : ""))
            fz_throw(fz, FZ_ERROR_GENERIC, "%s: wrong password; use --password with the "
                     "document's password", path);
        /* written out once as it is, decrypted, and read back: a file with a
         * broken cross-reference table (MuPDF reads on) would otherwise give
         * the objects we add numbers its table cannot hold */
        pdf_write_options opts = pdf_default_write_options;
        opts.do_encrypt = PDF_ENCRYPT_NONE;
        copy = fz_new_buffer(fz, 64 * 1024);
        out = fz_new_output_with_buffer(fz, copy);
        pdf_write_document(fz, src, out, &opts);
        fz_close_output(fz, out);
        in = fz_open_buffer(fz, copy);
        doc = pdf_open_document_with_stream(fz, in);
    }
    fz_always(fz) {
        fz_drop_stream(fz, in);
        fz_drop_output(fz, out);
        fz_drop_buffer(fz, copy);
        pdf_drop_document(fz, src);
    }
    fz_catch(fz) {
        pdf_drop_document(fz, doc);
        fz_rethrow(fz);
    }
    return doc;
}

/* 1 when the explicit destination `dest` ([page /XYZ ...], or a GoTo
 * action's /D) names a page object that is not among the n numbers of
 * kept[]; named destinations are left alone. */
static int dest_is_gone(fz_context *fz, pdf_obj *dest, const int *kept, int n)
{
    if (!pdf_is_array(fz, dest))
        return 0;
    pdf_obj *page = pdf_array_get(fz, dest, 0);
    if (!pdf_is_indirect(fz, page))
        return 0; /* a page number (remote documents) */
    int num = pdf_to_num(fz, page);
    for (int i = 0; i < n; i++)
        if (kept[i] == num)
            return 0;
    return 1;
}

/* Remove the destination of an outline item or link annotation that led
 * to a removed page; 1 when one was removed. */
static int drop_gone_dest(fz_context *fz, pdf_obj *item, const int *kept, int n)
{
    if (dest_is_gone(fz, pdf_dict_get(fz, item, PDF_NAME(Dest)), kept, n)) {
        pdf_dict_del(fz, item, PDF_NAME(Dest));
        return 1;
    }
    pdf_obj *action = pdf_dict_get(fz, item, PDF_NAME(A));
    if (pdf_name_eq(fz, pdf_dict_get(fz, action, PDF_NAME(S)), PDF_NAME(GoTo)) &&
        dest_is_gone(fz, pdf_dict_get(fz, action, PDF_NAME(D)), kept, n)) {
        pdf_dict_del(fz, item, PDF_NAME(A));
        return 1;
    }
    return 0;
}

/* Outline items from `first` on (their children too); at most *budget
 * items are visited, so that a loop in a hostile file ends. */
static int drop_gone_outlines(fz_context *fz, pdf_obj *first, const int *kept, int n,
                              int *budget, int depth)
{
    int dropped = 0;
    for (pdf_obj *item = first; pdf_is_dict(fz, item) && *budget > 0 && depth < 64;
         item = pdf_dict_get(fz, item, PDF_NAME(Next))) {
        (*budget)--;
        dropped += drop_gone_dest(fz, item, kept, n);
        dropped += drop_gone_outlines(fz, pdf_dict_get(fz, item, PDF_NAME(First)), kept, n,
                                      budget, depth + 1);
    }
    return dropped;
}

/* the pages not written go; returns how many */
static int drop_unwritten_pages(fz_context *fz, pdf_document *doc, const unsigned char *written,
                                int n)
{
    int removed = 0;
    for (int i = pdf_count_pages(fz, doc) - 1; i >= 0; i--)
        if (i >= n || !written[i]) {
            pdf_delete_page(fz, doc, i);
            removed++;
        }
    return removed;
}

int pdfkeep_drop_unwritten(fz_context *fz, pdf_document *doc, const unsigned char *written,
                           int n)
{
    if (!drop_unwritten_pages(fz, doc, written, n))
        return 0;
    int n_kept = pdf_count_pages(fz, doc), dropped = 0, budget = 1000000;
    int *kept = fz_malloc_array(fz, n_kept > 0 ? n_kept : 1, int);
    fz_var(dropped);
    fz_try(fz) {
        for (int i = 0; i < n_kept; i++)
            kept[i] = pdf_to_num(fz, pdf_lookup_page_obj(fz, doc, i));
        pdf_obj *root = pdf_dict_get(fz, pdf_trailer(fz, doc), PDF_NAME(Root));
        pdf_obj *outlines = pdf_dict_get(fz, root, PDF_NAME(Outlines));
        dropped = drop_gone_outlines(fz, pdf_dict_get(fz, outlines, PDF_NAME(First)), kept,
                                     n_kept, &budget, 0);
        for (int i = 0; i < n_kept; i++) {
            pdf_obj *annots = pdf_dict_get(fz, pdf_lookup_page_obj(fz, doc, i),
                                           PDF_NAME(Annots));
            for (int k = 0; k < pdf_array_len(fz, annots); k++) {
                pdf_obj *a = pdf_array_get(fz, annots, k);
                if (pdf_name_eq(fz, pdf_dict_get(fz, a, PDF_NAME(Subtype)), PDF_NAME(Link)))
                    dropped += drop_gone_dest(fz, a, kept, n_kept);
            }
        }
    }
    fz_always(fz)
        fz_free(fz, kept);
    fz_catch(fz)
        fz_rethrow(fz);
    return dropped;
}

/* --- XMP --- */

/* Where the value of property `name` ("xmp:ModifyDate") is in the XMP
 * packet, written as an element (<name>v</name>) or as an attribute
 * (name="v"): [*v0, *v1); 0 when the packet does not have it. */
static int xmp_find(const char *xmp, size_t len, const char *name, const char **v0,
                    const char **v1)
{
    char open[64], attr[64], close[64];
    snprintf(open, sizeof open, "<%s>", name);
    snprintf(attr, sizeof attr, "%s=\"", name);
    snprintf(close, sizeof close, "</%s>", name);
    size_t n_open = strlen(open), n_attr = strlen(attr), n_close = strlen(close);
    const char *end = xmp + len;
    for (const char *p = xmp; p < end; p++) {
        size_t left = (size_t)(end - p);
        if (left > n_open && !memcmp(p, open, n_open)) {
            for (const char *q = p + n_open; (size_t)(end - q) >= n_close; q++)
                if (!memcmp(q, close, n_close)) {
                    *v0 = p + n_open;
                    *v1 = q;
                    return 1;
                }
            return 0;
        }
        if (left > n_attr && !memcmp(p, attr, n_attr) && p > xmp &&
            (p[-1] == ' ' || p[-1] == '\n' || p[-1] == '\t' || p[-1] == '\r')) {
            const char *q = memchr(p + n_attr, '"', (size_t)(end - p) - n_attr);
            if (!q)
                return 0;
            *v0 = p + n_attr;
            *v1 = q;
            return 1;
        }
    }
    return 0;
}

/* The packet with the value of `name` replaced, or NULL when it does not
 * have the property. */
static fz_buffer *xmp_with(fz_context *fz, const char *xmp, size_t len, const char *name,
                           const char *value)
{
    const char *v0, *v1;
    if (!xmp_find(xmp, len, name, &v0, &v1))
        return NULL;
    /* room for all of it: the appends never grow the buffer, so never throw */
    fz_buffer *out = fz_new_buffer(fz, len + strlen(value));
    fz_append_data(fz, out, xmp, (size_t)(v0 - xmp));
    fz_append_string(fz, out, value); /* dates and our name: nothing to escape */
    fz_append_data(fz, out, v1, (size_t)(xmp + len - v1));
    return out;
}

/* Set property `name` in *xmp (replaced by the new buffer); 1 when the
 * packet had it. */
static int xmp_set(fz_context *fz, fz_buffer **xmp, const char *name, const char *value)
{
    unsigned char *data;
    size_t len = fz_buffer_storage(fz, *xmp, &data);
    fz_buffer *next = xmp_with(fz, (const char *)data, len, name, value);
    if (!next)
        return 0;
    fz_drop_buffer(fz, *xmp);
    *xmp = next;
    return 1;
}

void pdfkeep_update_metadata(fz_context *fz, pdf_document *doc, const char *producer,
                             long long timestamp)
{
    pdf_obj *trailer = pdf_trailer(fz, doc);
    pdf_obj *root = pdf_dict_get(fz, trailer, PDF_NAME(Root));
    pdf_obj *meta = pdf_dict_get(fz, root, PDF_NAME(Metadata));
    pdf_obj *info = pdf_dict_get(fz, trailer, PDF_NAME(Info));
    char pdf_date[40] = "", xmp_date[40] = "";
    if (timestamp > 0) {
        time_t t = (time_t)timestamp;
        struct tm tm;
        if (gmtime_r(&t, &tm)) {
            strftime(pdf_date, sizeof pdf_date, "D:%Y%m%d%H%M%SZ", &tm);
            strftime(xmp_date, sizeof xmp_date, "%Y-%m-%dT%H:%M:%SZ", &tm);
        }
    }
    fz_buffer *xmp = NULL;
    fz_var(xmp);
    fz_try(fz) {
        int has_xmp = pdf_is_stream(fz, meta);
        int set_producer = 1, set_date = pdf_date[0] != 0;
        if (has_xmp) {
            xmp = pdf_load_stream(fz, meta);
            set_producer = xmp_set(fz, &xmp, "pdf:Producer", producer);
            if (set_date) {
                set_date = xmp_set(fz, &xmp, "xmp:ModifyDate", xmp_date);
                set_date |= xmp_set(fz, &xmp, "xmp:MetadataDate", xmp_date) << 1;
            }
            if (set_producer || set_date)
                pdf_update_stream(fz, doc, meta, xmp, 0);
            set_date &= 1; /* ModDate: only with xmp:ModifyDate */
        }
        if (!pdf_is_dict(fz, info) && (set_producer || set_date)) {
            info = pdf_add_new_dict(fz, doc, 2);
            pdf_dict_put_drop(fz, trailer, PDF_NAME(Info), info);
        }
        if (set_producer)
            pdf_dict_put_text_string(fz, info, PDF_NAME(Producer), producer);
        if (set_date)
            pdf_dict_put_text_string(fz, info, PDF_NAME(ModDate), pdf_date);
    }
    fz_always(fz)
        fz_drop_buffer(fz, xmp);
    fz_catch(fz)
        fz_rethrow(fz);
}
