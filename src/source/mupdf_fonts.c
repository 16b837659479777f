/* mupdf_fonts.c: the vertical metrics of a PDF page's fonts as the PDF
 * itself states them (FontDescriptor /Ascent and /Descent, or the standard
 * 14 fonts' AFM values), keyed by the fz_font MuPDF draws with. MuPDF's
 * structured text sizes glyph boxes from the font program's own ascender
 * and descender; poppler and most PDF tools use these numbers instead, so
 * the text layer re-derives its boxes from them. */
#include "src/source/mupdf_doc.h"

#include <ft2build.h>
#include FT_FREETYPE_H
#include <mupdf/pdf.h>
#include <string.h>

/* How deep form XObjects may nest inside each other before we stop
 * looking for fonts in them. */
#define FONTS_MAX_DEPTH 12

/* --- metrics from the font dictionary --- */

/* The standard 14 families' AFM ascender/descender (÷1000). */
static const struct {
    const char *family;
    float ascent, descent;
} fonts_base14[] = {
    {"Courier", 0.629f, -0.157f},     {"Helvetica", 0.718f, -0.207f},
    {"Symbol", 1.010f, -0.293f},      {"Times", 0.683f, -0.217f},
    {"ZapfDingbats", 0.820f, -0.143f},
};

/* Which standard family a /BaseFont names, by the names PDF writers use
 * for them (Arial for Helvetica, Times New Roman for Times, …, with a
 * style after ',' or '-'); -1 for another font. Spaces are ignored. */
static int
fonts_base14_family(const char *name)
{
    static const struct {
        const char *stem;
        int family;
        int needs_style; /* "Times" alone is not a standard name */
    } stems[] = {
        {"Courier", 0, 0},       {"CourierNew", 0, 0},   {"CourierNewPS", 0, 1},
        {"CourierNewPSMT", 0, 0}, {"Arial", 1, 0},       {"ArialMT", 1, 0},
        {"Helvetica", 1, 0},     {"Symbol", 2, 0},       {"SymbolMT", 2, 0},
        {"Times", 3, 1},         {"TimesNewRoman", 3, 0}, {"TimesNewRomanPS", 3, 0},
        {"TimesNewRomanPSMT", 3, 0}, {"ZapfDingbats", 4, 0},
    };
    static const char *styles[] = {
        "Bold", "Italic", "BoldItalic", "Oblique", "BoldOblique", "Roman",
        "BoldMT", "ItalicMT", "BoldItalicMT",
    };
    char buf[64];
    size_t n = 0;
    for (const char *s = name; *s && n < sizeof buf - 1; s++)
        if (*s != ' ')
            buf[n++] = *s;
    buf[n] = 0;
    size_t stem_len = strcspn(buf, ",-");
    const char *style = buf[stem_len] ? buf + stem_len + 1 : NULL;
    for (size_t i = 0; i < sizeof stems / sizeof stems[0]; i++) {
        if (strlen(stems[i].stem) != stem_len || memcmp(stems[i].stem, buf, stem_len))
            continue;
        if (!style)
            return stems[i].needs_style ? -1 : stems[i].family;
        for (size_t k = 0; k < sizeof styles / sizeof styles[0]; k++)
            if (!strcmp(style, styles[k]))
                return stems[i].family;
        return -1;
    }
    return -1;
}

/* /Ascent and /Descent of a FontDescriptor where they are usable: a
 * negative ascent or positive descent is taken by its size, zero and
 * absurd values (3 em or more) are ignored. */
static void
fonts_read_descriptor(fz_context *fz, pdf_obj *desc, float *ascent, float *descent)
{
    pdf_obj *a = pdf_dict_get(fz, desc, PDF_NAME(Ascent));
    pdf_obj *d = pdf_dict_get(fz, desc, PDF_NAME(Descent));
    if (pdf_is_number(fz, a)) {
        float t = pdf_to_real(fz, a) / 1000.0f;
        t = t < 0 ? -t : t;
        if (t != 0 && t < 3)
            *ascent = t;
    }
    if (pdf_is_number(fz, d)) {
        float t = pdf_to_real(fz, d) / 1000.0f;
        t = t > 0 ? -t : t;
        if (t != 0 && t > -3)
            *descent = t;
    }
}

static int
fonts_is_embedded(fz_context *fz, pdf_obj *desc)
{
    return pdf_is_stream(fz, pdf_dict_get(fz, desc, PDF_NAME(FontFile))) ||
           pdf_is_stream(fz, pdf_dict_get(fz, desc, PDF_NAME(FontFile2))) ||
           pdf_is_stream(fz, pdf_dict_get(fz, desc, PDF_NAME(FontFile3)));
}

/* The ascent and descent (in em, descent negative) that the PDF gives
 * `font`: a composite font's from its descendant's descriptor; a simple
 * font's from its descriptor, where the standard 14 fonts start from
 * their AFM values and keep them when not embedded; 0.95 and -0.35 where
 * nothing says. 0 for Type 3 fonts, whose glyph space is their own. */
static int
fonts_pdf_metrics(fz_context *fz, pdf_obj *font, float *ascent, float *descent)
{
    pdf_obj *subtype = pdf_dict_get(fz, font, PDF_NAME(Subtype));
    *ascent = 0.95f;
    *descent = -0.35f;
    if (pdf_name_eq(fz, subtype, PDF_NAME(Type3)))
        return 0;
    if (pdf_name_eq(fz, subtype, PDF_NAME(Type0))) {
        pdf_obj *cid = pdf_array_get(fz, pdf_dict_get(fz, font, PDF_NAME(DescendantFonts)), 0);
        fonts_read_descriptor(fz, pdf_dict_get(fz, cid, PDF_NAME(FontDescriptor)), ascent,
                              descent);
        return 1;
    }
    pdf_obj *desc = pdf_dict_get(fz, font, PDF_NAME(FontDescriptor));
    int family = fonts_base14_family(pdf_dict_get_name(fz, font, PDF_NAME(BaseFont)));
    if (family >= 0) {
        *ascent = fonts_base14[family].ascent;
        *descent = fonts_base14[family].descent;
        if (!fonts_is_embedded(fz, desc))
            return 1;
    }
    fonts_read_descriptor(fz, desc, ascent, descent);
    return 1;
}

/* --- Unicode for CID fonts that do not say it --- */

static int
fonts_private_use(unsigned long c)
{
    return c >= 0xE000 && c <= 0xF8FF;
}

/* A composite (Type0) font with neither a ToUnicode CMap nor a character
 * collection MuPDF can map (Identity ordering: word processors' embedded
 * TrueType subsets) gives U+FFFD for every character. Its own cmap table,
 * read backwards (glyph → character), says what each glyph is: CID →
 * glyph (CIDToGIDMap, or the same number) → character, as poppler does.
 * Set on the font MuPDF caches, so the page's text run uses it. */
static void
fonts_recover_unicode(fz_context *fz, pdf_obj *font, pdf_font_desc *fd)
{
    if (!fd || !fd->font || fd->to_unicode || fd->cid_to_ucs ||
        !pdf_name_eq(fz, pdf_dict_get(fz, font, PDF_NAME(Subtype)), PDF_NAME(Type0)))
        return;
    FT_Face face = fz_font_ft_face(fz, fd->font);
    if (!face || face->num_glyphs < 1)
        return;
    long n_glyphs = face->num_glyphs;
    /* best effort: without memory for it the text stays unmapped */
    unsigned short *g2u = fz_calloc_no_throw(fz, (size_t)n_glyphs, sizeof *g2u);
    unsigned *per_glyph = fz_calloc_no_throw(fz, (size_t)n_glyphs, sizeof *per_glyph);
    if (!g2u || !per_glyph) {
        fz_free(fz, g2u);
        fz_free(fz, per_glyph);
        return;
    }
    int found = 0;
    unsigned entries = 0, most = 0;
    /* fz_lock without its debug build's checks, which Debian's libmupdf lacks */
    fz->locks.lock(fz->locks.user, FZ_LOCK_FREETYPE);
    if (FT_Select_Charmap(face, FT_ENCODING_UNICODE) == 0) {
        FT_UInt gid = 0;
        /* a glyph of several characters is the lowest ordinary one: never a
         * control character (fonts map CR and NUL to their space glyph) nor
         * a private-use one where another exists */
        for (FT_ULong c = FT_Get_First_Char(face, &gid); gid; c = FT_Get_Next_Char(face, c, &gid)) {
            if ((long)gid < n_glyphs) {
                entries++;
                most = ++per_glyph[gid] > most ? per_glyph[gid] : most;
            }
            int ordinary = c >= 0x20 && c <= 0xFFFF && !(c >= 0x7F && c < 0xA0) &&
                           !(c >= 0xD800 && c <= 0xDFFF);
            int better = (long)gid < n_glyphs &&
                         (!g2u[gid] || (fonts_private_use(g2u[gid]) && !fonts_private_use(c)));
            if (ordinary && better) {
                g2u[gid] = (unsigned short)c;
                found = 1;
            }
        }
    }
    fz->locks.unlock(fz->locks.user, FZ_LOCK_FREETYPE);
    fz_free(fz, per_glyph);
    /* a font that draws most characters with one glyph (a glyphless OCR
     * font) says nothing of what they are: its text stays unmapped, and the
     * layer's check sends the page to OCR */
    if (!found || (most > 8 && 2 * most > entries)) {
        fz_free(fz, g2u);
        return;
    }
    size_t n = fd->cid_to_gid ? fd->cid_to_gid_len : (size_t)n_glyphs;
    unsigned short *ucs = fz_calloc_no_throw(fz, n ? n : 1, sizeof *ucs);
    if (!ucs) {
        fz_free(fz, g2u);
        return;
    }
    for (size_t cid = 0; cid < n; cid++) {
        size_t gid = fd->cid_to_gid ? fd->cid_to_gid[cid] : cid;
        ucs[cid] = gid < (size_t)n_glyphs ? g2u[gid] : 0;
    }
    fz_free(fz, g2u);
    fd->cid_to_ucs = ucs;
    fd->cid_to_ucs_len = n;
    fd->size += n * sizeof *ucs;
}

/* --- the page's fonts --- */

static void
fonts_add(fz_context *fz, mupdf_fonts *t, pdf_document *doc, pdf_obj *rdb, pdf_obj *font)
{
    float ascent, descent;
    if (!pdf_is_dict(fz, font))
        return;
    if (!fonts_pdf_metrics(fz, font, &ascent, &descent)) {
        /* no metrics to keep, but its characters may need their Unicode */
        pdf_font_desc *fd = pdf_load_font(fz, doc, rdb, font);
        fonts_recover_unicode(fz, font, fd);
        pdf_drop_font(fz, fd);
        return;
    }
    pdf_font_desc *fd = pdf_load_font(fz, doc, rdb, font);
    fonts_recover_unicode(fz, font, fd); /* never throws */
    for (int i = 0; i < t->n; i++)
        if (t->items[i].desc == fd || t->items[i].desc->font == fd->font) {
            pdf_drop_font(fz, fd);
            return;
        }
    if (t->n == t->cap) {
        int cap = t->cap ? 2 * t->cap : 16;
        fz_try(fz)
            t->items = fz_realloc_array(fz, t->items, cap, mupdf_font_metrics);
        fz_catch(fz) {
            pdf_drop_font(fz, fd);
            fz_rethrow(fz);
        }
        t->cap = cap;
    }
    t->items[t->n].desc = fd; /* held: keeps fd->font alive and in MuPDF's cache */
    t->items[t->n].font = fd->font;
    t->items[t->n].ascent = ascent;
    t->items[t->n].descent = descent;
    t->n++;
}

static void fonts_walk_resources(fz_context *fz, mupdf_fonts *t, pdf_document *doc,
                                 pdf_obj *res, int depth, pdf_cycle_list *up);

/* A form XObject, pattern or appearance stream: its own resources. */
static void
fonts_walk_stream(fz_context *fz, mupdf_fonts *t, pdf_document *doc, pdf_obj *obj, int depth,
                  pdf_cycle_list *up)
{
    pdf_cycle_list here;
    if (depth >= FONTS_MAX_DEPTH || !pdf_is_dict(fz, obj) || pdf_cycle(fz, &here, up, obj))
        return;
    fonts_walk_resources(fz, t, doc, pdf_dict_get(fz, obj, PDF_NAME(Resources)), depth + 1, &here);
}

static void
fonts_walk_resources(fz_context *fz, mupdf_fonts *t, pdf_document *doc, pdf_obj *res,
                     int depth, pdf_cycle_list *up)
{
    pdf_obj *fonts = pdf_dict_get(fz, res, PDF_NAME(Font));
    int n = pdf_dict_len(fz, fonts);
    for (int i = 0; i < n; i++) {
        fz_try(fz)
            fonts_add(fz, t, doc, res, pdf_dict_get_val(fz, fonts, i));
        fz_catch(fz) {
            if (fz_caught(fz) == FZ_ERROR_MEMORY)
                fz_rethrow(fz);
            fz_warn(fz, "cannot read the metrics of a font: %s", fz_caught_message(fz));
        }
    }
    pdf_obj *xobjs = pdf_dict_get(fz, res, PDF_NAME(XObject));
    n = pdf_dict_len(fz, xobjs);
    for (int i = 0; i < n; i++) {
        pdf_obj *x = pdf_dict_get_val(fz, xobjs, i);
        if (pdf_name_eq(fz, pdf_dict_get(fz, x, PDF_NAME(Subtype)), PDF_NAME(Form)))
            fonts_walk_stream(fz, t, doc, x, depth, up);
    }
    pdf_obj *patterns = pdf_dict_get(fz, res, PDF_NAME(Pattern));
    n = pdf_dict_len(fz, patterns);
    for (int i = 0; i < n; i++)
        fonts_walk_stream(fz, t, doc, pdf_dict_get_val(fz, patterns, i), depth, up);
}

/* An annotation's normal appearance: one stream, or one per state. */
static void
fonts_walk_annot(fz_context *fz, mupdf_fonts *t, pdf_document *doc, pdf_annot *annot)
{
    pdf_obj *n = pdf_dict_get(fz, pdf_dict_get(fz, pdf_annot_obj(fz, annot), PDF_NAME(AP)),
                              PDF_NAME(N));
    if (pdf_is_stream(fz, n)) {
        fonts_walk_stream(fz, t, doc, n, 0, NULL);
        return;
    }
    int k = pdf_dict_len(fz, n);
    for (int i = 0; i < k; i++)
        fonts_walk_stream(fz, t, doc, pdf_dict_get_val(fz, n, i), 0, NULL);
}

void
mupdf_fonts_load(fz_context *fz, fz_page *page, mupdf_fonts *t)
{
    pdf_page *pp = pdf_page_from_fz_page(fz, page);
    if (!pp)
        return;
    pdf_document *doc = pp->doc;
    fonts_walk_resources(fz, t, doc, pdf_page_resources(fz, pp), 0, NULL);
    for (pdf_annot *a = pdf_first_annot(fz, pp); a; a = pdf_next_annot(fz, a))
        fonts_walk_annot(fz, t, doc, a);
    for (pdf_annot *a = pdf_first_widget(fz, pp); a; a = pdf_next_widget(fz, a))
        fonts_walk_annot(fz, t, doc, a);
}

const mupdf_font_metrics *
mupdf_fonts_find(const mupdf_fonts *t, const fz_font *font)
{
    for (int i = 0; i < t->n; i++)
        if (t->items[i].font == font)
            return &t->items[i];
    return NULL;
}

void
mupdf_fonts_clear(fz_context *fz, mupdf_fonts *t)
{
    for (int i = 0; i < t->n; i++)
        pdf_drop_font(fz, t->items[i].desc);
    fz_free(fz, t->items);
    memset(t, 0, sizeof *t);
}
