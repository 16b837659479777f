/* pdf_pdfa.c: what makes the searchable PDF of page images PDF/A-2b
 * (ISO 19005-2, level B) beyond what the writer does anyway: the XMP
 * metadata with the PDF/A identification and the Info entries it must
 * mirror, an sRGB OutputIntent for the Device colour spaces of the page
 * images, a file identifier. The rest of level B holds by construction:
 * the one font (the glyphless text font) is embedded with widths that
 * match its glyphs, nothing is encrypted, no JavaScript, actions, LZW or
 * transfer functions are written. tests/pdf/pdfa.sh checks each
 * requirement on the files we write. */
#include "formats/pdf_pdfa.h"
#include "src/util/alloc.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* sRGB.icc of Debian's icc-profiles-free (Zlib; formats/data/) */
static const unsigned char srgb_icc[] = {
#include "formats/data/sRGB.icc.inc"
};

/* s with &, <, > and " as XML entities, into out (cut at cap) */
static void xml_escape(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; s && *s && n + 7 < cap; s++) {
        const char *e = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;"
                        : *s == '"' ? "&quot;" : NULL;
        if (e) {
            memcpy(out + n, e, strlen(e));
            n += strlen(e);
        } else if ((unsigned char)*s >= 0x20 || *s == '\t') {
            out[n++] = *s;
        }
    }
    out[n] = 0;
}

static void put_xmp(fz_context *fz, pdf_document *doc, const char *producer, const char *title,
                    const char *created)
{
    char etitle[2048], eprod[256];
    xml_escape(title, etitle, sizeof etitle);
    xml_escape(producer, eprod, sizeof eprod);
    fz_buffer *xmp = fz_new_buffer(fz, 1024);
    pdf_obj *meta = NULL;
    fz_var(meta);
    fz_try(fz) {
        fz_append_printf(fz, xmp,
            "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
            "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
            " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
            "  <rdf:Description rdf:about=\"\"\n"
            "    xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\"\n"
            "    xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\"\n"
            "    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n"
            "    xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
            "   <pdfaid:part>2</pdfaid:part>\n"
            "   <pdfaid:conformance>B</pdfaid:conformance>\n"
            "   <pdf:Producer>%s</pdf:Producer>\n", eprod);
        if (created)
            fz_append_printf(fz, xmp, "   <xmp:CreateDate>%s</xmp:CreateDate>\n", created);
        if (title && *etitle)
            fz_append_printf(fz, xmp, "   <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">%s"
                             "</rdf:li></rdf:Alt></dc:title>\n", etitle);
        fz_append_string(fz, xmp, "  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n"
                                  "<?xpacket end=\"w\"?>");
        meta = pdf_add_stream(fz, doc, xmp, NULL, 0);
        pdf_dict_put(fz, meta, PDF_NAME(Type), PDF_NAME(Metadata));
        pdf_dict_put(fz, meta, PDF_NAME(Subtype), PDF_NAME(XML));
        pdf_obj *root = pdf_dict_get(fz, pdf_trailer(fz, doc), PDF_NAME(Root));
        pdf_dict_put(fz, root, PDF_NAME(Metadata), meta);
    }
    fz_always(fz) {
        pdf_drop_obj(fz, meta);
        fz_drop_buffer(fz, xmp);
    }
    fz_catch(fz)
        fz_rethrow(fz);
}

static void put_output_intent(fz_context *fz, pdf_document *doc)
{
    fz_buffer *icc = fz_new_buffer_from_shared_data(fz, srgb_icc, sizeof srgb_icc);
    pdf_obj *profile = NULL, *intent = NULL, *list = NULL;
    fz_var(profile);
    fz_var(intent);
    fz_var(list);
    fz_try(fz) {
        profile = pdf_add_stream(fz, doc, icc, NULL, 0);
        pdf_dict_put_int(fz, profile, PDF_NAME(N), 3);
        intent = pdf_new_dict(fz, doc, 6);
        pdf_dict_put(fz, intent, PDF_NAME(Type), PDF_NAME(OutputIntent));
        pdf_dict_put_drop(fz, intent, PDF_NAME(S), pdf_new_name(fz, "GTS_PDFA1"));
        pdf_dict_put_text_string(fz, intent, PDF_NAME(OutputConditionIdentifier),
                                 "sRGB IEC61966-2.1");
        pdf_dict_puts_drop(fz, intent, "RegistryName",
                           pdf_new_text_string(fz, "http://www.color.org"));
        pdf_dict_put_text_string(fz, intent, PDF_NAME(Info), "sRGB IEC61966-2.1");
        pdf_dict_put(fz, intent, PDF_NAME(DestOutputProfile), profile);
        list = pdf_new_array(fz, doc, 1);
        pdf_array_push(fz, list, intent);
        pdf_obj *root = pdf_dict_get(fz, pdf_trailer(fz, doc), PDF_NAME(Root));
        pdf_dict_put(fz, root, PDF_NAME(OutputIntents), list);
    }
    fz_always(fz) {
        pdf_drop_obj(fz, list);
        pdf_drop_obj(fz, intent);
        pdf_drop_obj(fz, profile);
        fz_drop_buffer(fz, icc);
    }
    fz_catch(fz)
        fz_rethrow(fz);
}

void pdfa_mark(fz_context *fz, pdf_document *doc, const char *producer, const char *title,
               long long timestamp)
{
    char created[40] = "";
    if (timestamp > 0) {
        time_t t = (time_t)timestamp;
        struct tm tm;
        if (!gmtime_r(&t, &tm) || !strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm))
            created[0] = 0;
    }
    put_xmp(fz, doc, producer, title, created[0] ? created : NULL);
    put_output_intent(fz, doc);
    /* a file ID; MuPDF's writer makes its value (from the clock), pdfa_fix_id
     * sets it from the file's bytes */
    pdf_obj *id = pdf_new_array(fz, doc, 2);
    fz_try(fz) {
        pdf_array_push_string(fz, id, "0123456789abcdef", 16);
        pdf_array_push_string(fz, id, "0123456789abcdef", 16);
        pdf_dict_put(fz, pdf_trailer(fz, doc), PDF_NAME(ID), id);
    }
    fz_always(fz)
        pdf_drop_obj(fz, id);
    fz_catch(fz)
        fz_rethrow(fz);
}

/* The end of the PDF string at p (a literal "(...)" with nesting and \
 * escapes, or a hex "<...>"), or NULL. */
static const unsigned char *string_end(const unsigned char *p, const unsigned char *end)
{
    if (p < end && *p == '<') {
        const unsigned char *q = memchr(p, '>', (size_t)(end - p));
        return q ? q + 1 : NULL;
    }
    if (p >= end || *p != '(')
        return NULL;
    int depth = 0;
    for (; p < end; p++) {
        if (*p == '\\')
            p++;
        else if (*p == '(')
            depth++;
        else if (*p == ')' && --depth == 0)
            return p + 1;
    }
    return NULL;
}

unsigned char *pdfa_fix_id(const unsigned char *data, size_t len, size_t *out_len)
{
    /* the last trailer's ID, "/ID[FIRST SECOND]": FIRST is our placeholder
     * (a new document) or the input's own, kept (a PDF input); SECOND is
     * MuPDF's, hex or literal. The trailer follows the xref table, so its
     * length may change. */
    static const char key[] = "/ID[";
    static const char ours[] = "(0123456789abcdef)";
    const size_t klen = sizeof key - 1;
    const unsigned char *id = NULL, *end = data + len;
    for (size_t i = len > klen + 40 ? len - klen - 40 : 0; i > 0 && i + 4096 > len; i--)
        if (!memcmp(data + i, key, klen)) {
            id = data + i + klen;
            break;
        }
    const unsigned char *first_end = id ? string_end(id, end) : NULL;
    const unsigned char *second_end = first_end ? string_end(first_end, end) : NULL;
    if (!second_end || second_end >= end || *second_end != ']')
        return NULL;
    int placeholder = (size_t)(end - id) >= sizeof ours - 1 && !memcmp(id, ours, sizeof ours - 1);
    size_t head = (size_t)(first_end - data), tail = (size_t)(end - second_end);
    size_t n = head + 34 + tail;
    unsigned char *out = vo_malloc(n);
    if (!out)
        return NULL;
    memcpy(out, data, head);
    memset(out + head, '0', 34);
    out[head] = '<';
    out[head + 33] = '>';
    memcpy(out + head + 34, second_end, tail);
    unsigned char *first = out + (id - data), *second = out + head + 1;
    if (placeholder)
        memset(first + 1, '0', 16);
    fz_md5 md5;
    unsigned char digest[16];
    fz_md5_init(&md5);
    fz_md5_update(&md5, out, n);
    fz_md5_final(&md5, digest);
    static const char hex[] = "0123456789ABCDEF";
    for (int k = 0; k < 16; k++) {
        second[2 * k] = (unsigned char)hex[digest[k] >> 4];
        second[2 * k + 1] = (unsigned char)hex[digest[k] & 15];
    }
    if (placeholder)
        memcpy(first + 1, second, 16); /* the same 16 characters, as a string */
    *out_len = n;
    return out;
}

int pdfa_is_marked(fz_context *fz, pdf_document *doc)
{
    pdf_obj *root = pdf_dict_get(fz, pdf_trailer(fz, doc), PDF_NAME(Root));
    pdf_obj *meta = pdf_dict_get(fz, root, PDF_NAME(Metadata));
    int marked = 0;
    if (!pdf_is_stream(fz, meta))
        return 0;
    fz_buffer *b = NULL;
    fz_var(b);
    fz_try(fz) {
        b = pdf_load_stream(fz, meta);
        unsigned char *data;
        size_t n = fz_buffer_storage(fz, b, &data);
        marked = n > 0 && fz_memmem(data, n, "pdfaid", 6) != NULL;
    }
    fz_always(fz)
        fz_drop_buffer(fz, b);
    fz_catch(fz)
        marked = 0;
    return marked;
}
