/* mupdf_fixup.c: repairs of a PDF page's objects, in memory, before MuPDF
 * reads its fonts: a ToUnicode CMap that names its base with a `usecmap`
 * operator in its text (common in Korean CID fonts) gets the equivalent
 * /UseCMap entry, which is the only form MuPDF 1.21 follows; a CID font
 * with no FontDescriptor (MuPDF 1.21 refuses it: "missing font
 * descriptor", and its text comes out as U+FFFD) gets a plain one, so that
 * it is loaded as a non-embedded font of its collection. */
#include "src/source/mupdf_doc.h"

#include <mupdf/pdf.h>
#include <string.h>

/* The name before `usecmap` in a CMap program ("/Adobe-Korea1-UCS2
 * usecmap"), copied into name; 0 when there is none. */
static int
fixup_usecmap_name(const unsigned char *s, size_t n, char *name, size_t size)
{
    static const char op[] = "usecmap";
    for (size_t i = 0; i + sizeof op - 1 <= n; i++) {
        if (memcmp(s + i, op, sizeof op - 1))
            continue;
        size_t end = i;
        while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\n' || s[end - 1] == '\r' ||
                           s[end - 1] == '\t'))
            end--;
        size_t start = end;
        while (start > 0 && s[start - 1] != '/' && s[start - 1] > ' ' && end - start < size - 1)
            start--;
        if (start == 0 || s[start - 1] != '/' || start == end || end - start >= size)
            return 0;
        memcpy(name, s + start, end - start);
        name[end - start] = 0;
        return 1;
    }
    return 0;
}

/* The descendant of a Type0 font without a FontDescriptor gets one that
 * names its BaseFont and nothing else it cannot know (the metrics of a
 * CJK font; Flags 4: symbolic, since a CID font's glyphs are its own). */
static void
fixup_descriptor(fz_context *fz, pdf_obj *font)
{
    if (!pdf_name_eq(fz, pdf_dict_get(fz, font, PDF_NAME(Subtype)), PDF_NAME(Type0)))
        return;
    pdf_obj *cid = pdf_array_get(fz, pdf_dict_get(fz, font, PDF_NAME(DescendantFonts)), 0);
    if (!pdf_is_dict(fz, cid) || pdf_dict_get(fz, cid, PDF_NAME(FontDescriptor)))
        return;
    pdf_obj *base = pdf_dict_get(fz, cid, PDF_NAME(BaseFont));
    pdf_obj *d = pdf_dict_put_dict(fz, cid, PDF_NAME(FontDescriptor), 10);
    pdf_dict_put(fz, d, PDF_NAME(Type), PDF_NAME(FontDescriptor));
    if (pdf_is_name(fz, base))
        pdf_dict_put(fz, d, PDF_NAME(FontName), base);
    else
        pdf_dict_put_name(fz, d, PDF_NAME(FontName), "Unnamed");
    pdf_dict_put_int(fz, d, PDF_NAME(Flags), 4);
    pdf_dict_put_rect(fz, d, PDF_NAME(FontBBox), fz_make_rect(0, -120, 1000, 880));
    pdf_dict_put_int(fz, d, PDF_NAME(ItalicAngle), 0);
    pdf_dict_put_int(fz, d, PDF_NAME(Ascent), 880);
    pdf_dict_put_int(fz, d, PDF_NAME(Descent), -120);
    pdf_dict_put_int(fz, d, PDF_NAME(CapHeight), 700);
    pdf_dict_put_int(fz, d, PDF_NAME(StemV), 80);
}

static void
fixup_font(fz_context *fz, pdf_obj *font)
{
    fixup_descriptor(fz, font);
    pdf_obj *tu = pdf_dict_get(fz, font, PDF_NAME(ToUnicode));
    char name[128];
    if (!pdf_is_stream(fz, tu) || pdf_dict_get(fz, tu, PDF_NAME(UseCMap)))
        return;
    fz_buffer *buf = pdf_load_stream(fz, tu);
    unsigned char *data;
    size_t n = fz_buffer_storage(fz, buf, &data);
    int found = fixup_usecmap_name(data, n, name, sizeof name);
    fz_drop_buffer(fz, buf);
    /* only MuPDF's built-in Unicode CMaps are worth naming */
    if (found && strstr(name, "UCS2"))
        pdf_dict_put_name(fz, tu, PDF_NAME(UseCMap), name);
}

void
mupdf_fixup_page(fz_context *fz, fz_page *page)
{
    pdf_page *pp = pdf_page_from_fz_page(fz, page);
    if (!pp)
        return;
    pdf_obj *fonts = pdf_dict_get(fz, pdf_page_resources(fz, pp), PDF_NAME(Font));
    int n = pdf_dict_len(fz, fonts);
    for (int i = 0; i < n; i++) {
        fz_try(fz)
            fixup_font(fz, pdf_dict_get_val(fz, fonts, i));
        fz_catch(fz)
            fz_warn(fz, "cannot check the ToUnicode map and descriptor of a font: %s",
                    fz_caught_message(fz));
    }
}
