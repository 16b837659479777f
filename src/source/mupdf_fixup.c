/* mupdf_fixup.c: repairs of a PDF page's objects, in memory, before MuPDF
 * reads its fonts: a ToUnicode CMap that names its base with a `usecmap`
 * operator in its text (common in Korean CID fonts) gets the equivalent
 * /UseCMap entry, which is the only form MuPDF 1.21 follows. */
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

static void
fixup_font(fz_context *fz, pdf_obj *font)
{
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
            fz_warn(fz, "cannot check the ToUnicode map of a font: %s", fz_caught_message(fz));
    }
}
