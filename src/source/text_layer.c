/* text_layer.c: a born-digital page's own text, from MuPDF's structured
 * text, as a page model with boxes in pixels of the rendered raster. */
#include "src/source/mupdf_doc.h"
#include "src/util/alloc.h"
#include "src/util/buf.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Characters of the word being built: raw UTF-8 and one box per glyph. */
typedef struct text_word {
    vo_buf text;
    vo_box *boxes;
    size_t *ends;       /* byte offset in text where glyph i ends */
    int n;
    size_t cap;
} text_word;

static int
text_is_hangul(int32_t c)
{
    return (c >= 0xac00 && c <= 0xd7a3) || (c >= 0x1100 && c <= 0x11ff) ||
           (c >= 0x3130 && c <= 0x318f) || (c >= 0xa960 && c <= 0xa97f) ||
           (c >= 0xd7b0 && c <= 0xd7ff);
}

static int
text_is_latin_letter(int32_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= 0xc0 && c <= 0x24f && c != 0xd7 && c != 0xf7) || (c >= 0x1e00 && c <= 0x1eff) ||
           (c >= 0xfb00 && c <= 0xfb06);
}

/* Separators end a word; other unusable code points are dropped. */
static int
text_is_space(int32_t c)
{
    utf8proc_category_t cat = utf8proc_category(c);
    return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL ||
           cat == UTF8PROC_CATEGORY_ZP || cat == UTF8PROC_CATEGORY_CC;
}

/* NFC of `len` bytes, appended as a word or glyph by `add`. */
static char *
text_nfc(const char *s, size_t len, size_t *out_len)
{
    utf8proc_uint8_t *nfc = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &nfc,
                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (n < 0)
        return NULL;
    *out_len = (size_t)n;
    return (char *)nfc;
}

static const char *
text_word_lang(const char *s, size_t len)
{
    int latin = 0;
    utf8proc_int32_t c;
    for (size_t i = 0; i < len;) {
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                              (utf8proc_ssize_t)(len - i), &c);
        if (k <= 0)
            break;
        if (text_is_hangul(c))
            return "kor";
        latin |= text_is_latin_letter(c);
        i += (size_t)k;
    }
    return latin ? "eng" : NULL;
}

/* Add the word being built to the page (NFC text, union box, glyphs). */
static vo_status
text_flush_word(vo_page *page, text_word *w, int *lang_counts)
{
    vo_status st = VO_OK;
    size_t len;
    char *nfc;
    if (w->n == 0)
        return VO_OK;
    vo_box box = w->boxes[0];
    for (int i = 1; i < w->n; i++)
        box = vo_box_union(box, w->boxes[i]);
    if (!(nfc = text_nfc(w->text.data, w->text.len, &len)))
        return VO_ERR_NOMEM;
    const char *lang = text_word_lang(nfc, len);
    lang_counts[lang == NULL ? 0 : lang[0] == 'k' ? 1 : 2]++;
    st = vo_page_add_word(page, nfc, len, box, VO_CONF_NONE, lang);
    free(nfc);
    for (int i = 0; i < w->n && st == VO_OK; i++) {
        size_t start = i ? w->ends[i - 1] : 0, glen;
        char *g = text_nfc(w->text.data + start, w->ends[i] - start, &glen);
        if (!g)
            return VO_ERR_NOMEM;
        st = vo_page_add_glyph(page, g, glen, w->boxes[i], VO_CONF_NONE);
        free(g);
    }
    vo_buf_reset(&w->text);
    w->n = 0;
    return st;
}

static vo_status
text_add_char(text_word *w, int32_t c, vo_box box)
{
    utf8proc_uint8_t enc[4];
    utf8proc_ssize_t k = utf8proc_encode_char(c, enc);
    if (k <= 0)
        return VO_OK;
    if ((size_t)w->n + 1 > w->cap) {
        size_t cap_b = w->cap, cap_e = w->cap;
        if (vo_grow((void **)&w->boxes, &cap_b, (size_t)w->n + 1, sizeof *w->boxes) != VO_OK ||
            vo_grow((void **)&w->ends, &cap_e, (size_t)w->n + 1, sizeof *w->ends) != VO_OK)
            return VO_ERR_NOMEM;
        w->cap = cap_b < cap_e ? cap_b : cap_e;
    }
    if (vo_buf_append(&w->text, enc, (size_t)k) != VO_OK)
        return VO_ERR_NOMEM;
    w->boxes[w->n] = box;
    w->ends[w->n] = w->text.len;
    w->n++;
    return VO_OK;
}

/* Walk the structured text: block → block + paragraph, line → line,
 * characters → words split on separators. */
static vo_status
text_build_page(fz_stext_page *stext, fz_matrix ctm, fz_irect ibox, vo_page *page)
{
    text_word w = {VO_BUF_INIT, NULL, NULL, 0, 0};
    int lang_counts[3] = {0, 0, 0};
    float pw = (float)page->width, ph = (float)page->height;
    vo_status st = VO_OK;
    for (fz_stext_block *b = stext->first_block; b && st == VO_OK; b = b->next) {
        if (b->type != FZ_STEXT_BLOCK_TEXT)
            continue;
        if ((st = vo_page_add_block(page)) != VO_OK || (st = vo_page_add_par(page)) != VO_OK)
            break;
        for (fz_stext_line *l = b->u.t.first_line; l && st == VO_OK; l = l->next) {
            if ((st = vo_page_add_line(page)) != VO_OK)
                break;
            for (fz_stext_char *ch = l->first_char; ch && st == VO_OK; ch = ch->next) {
                int32_t c = ch->c;
                if (!utf8proc_codepoint_valid(c) || text_is_space(c)) {
                    st = text_flush_word(page, &w, lang_counts);
                    continue;
                }
                fz_rect r = fz_transform_rect(fz_rect_from_quad(ch->quad), ctm);
                vo_box box = {r.x0 - ibox.x0, r.y0 - ibox.y0, r.x1 - ibox.x0, r.y1 - ibox.y0};
                box.x0 = box.x0 < 0 ? 0 : box.x0 > pw ? pw : box.x0;
                box.x1 = box.x1 < 0 ? 0 : box.x1 > pw ? pw : box.x1;
                box.y0 = box.y0 < 0 ? 0 : box.y0 > ph ? ph : box.y0;
                box.y1 = box.y1 < 0 ? 0 : box.y1 > ph ? ph : box.y1;
                if (!(box.x1 > box.x0 && box.y1 > box.y0))
                    continue; /* no box, no glyph */
                st = text_add_char(&w, c, box);
            }
            if (st == VO_OK)
                st = text_flush_word(page, &w, lang_counts);
        }
    }
    vo_buf_free(&w.text);
    vo_free(w.boxes);
    vo_free(w.ends);
    page->lang = lang_counts[1] && lang_counts[1] >= lang_counts[2] ? "kor"
                 : lang_counts[2]                                  ? "eng"
                                                                   : NULL;
    return st;
}

vo_status
mupdf_text_layer(vo_document *doc, int page, float dpi, vo_page **out)
{
    mupdf_document *md = (mupdf_document *)doc;
    fz_context *fz = md->fz;
    fz_page *pg = NULL;
    fz_stext_page *stext = NULL;
    fz_matrix ctm = fz_identity;
    fz_irect box = fz_empty_irect;
    /* ligatures split into letters; whitespace folded to spaces; spaces
     * added at gaps; characters outside the page dropped */
    fz_stext_options opts;
    memset(&opts, 0, sizeof opts);
    opts.flags = FZ_STEXT_MEDIABOX_CLIP;
    vo_page *p;
    vo_status st;
    *out = NULL;
    fz_var(pg);
    fz_var(stext);
    fz_var(dpi);
    fz_var(ctm);
    fz_var(box);
    fz_try(fz) {
        pg = fz_load_page(fz, md->doc, page - 1);
        mupdf_fixup_page(fz, pg);
        mupdf_page_geometry(fz, pg, dpi, &dpi, &ctm, &box);
        stext = fz_new_stext_page_from_page(fz, pg, &opts);
    }
    fz_always(fz)
        fz_drop_page(fz, pg);
    fz_catch(fz) {
        fz_drop_stext_page(fz, stext);
        return mupdf_caught(md, page, "cannot extract the text layer");
    }
    p = vo_new_page(page, box.x1 - box.x0, box.y1 - box.y0, dpi, dpi, doc->path);
    if (!p) {
        fz_drop_stext_page(fz, stext);
        return vo_fail(doc->ctx, VO_ERR_NOMEM, "%s: page %d: out of memory", doc->path, page);
    }
    p->origin = VO_PAGE_FROM_TEXT_LAYER;
    st = text_build_page(stext, ctm, box, p);
    fz_drop_stext_page(fz, stext);
    if (st != VO_OK) {
        vo_drop_page(p);
        return vo_fail(doc->ctx, st, "%s: page %d: out of memory while reading the text layer",
                       doc->path, page);
    }
    vo_page_finish(p);
    if (vo_page_count_words(p) == 0) {
        vo_drop_page(p);
        return VO_OK;
    }
    *out = p;
    return VO_OK;
}
