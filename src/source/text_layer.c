/* text_layer.c: a born-digital page's own text, from MuPDF's structured
 * text, as a page model with boxes in pixels of the rendered raster. */
#include "src/source/mupdf_doc.h"
#include "src/util/alloc.h"
#include "src/util/buf.h"

#include <math.h>
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

/* A character's quad with the PDF's own ascent and descent: MuPDF spans
 * the font program's ascender to descender; poppler, whose boxes other
 * tools compare with, spans the FontDescriptor's (or the standard 14
 * fonts' AFM) values. The quad's up side is trm applied to (0, ascender −
 * descender), so the same vector rescaled gives the new sides; the
 * horizontal extent stays MuPDF's. Vertical writing and unknown fonts keep
 * MuPDF's quad. */
static fz_quad
text_char_quad(fz_context *fz, const fz_stext_line *l, const fz_stext_char *ch,
               const mupdf_fonts *fonts)
{
    fz_quad q = ch->quad;
    const mupdf_font_metrics *m;
    if (l->wmode != 0 || !ch->font || !(m = mupdf_fonts_find(fonts, ch->font)))
        return q;
    float h = fz_font_ascender(fz, ch->font) - fz_font_descender(fz, ch->font);
    if (!(h > 1e-3f))
        return q;
    fz_point up = {(q.ul.x - q.ll.x) / h, (q.ul.y - q.ll.y) / h};
    fz_point adv = {q.lr.x - q.ll.x, q.lr.y - q.ll.y};
    fz_point o = ch->origin;
    q.ll = fz_make_point(o.x + m->descent * up.x, o.y + m->descent * up.y);
    q.ul = fz_make_point(o.x + m->ascent * up.x, o.y + m->ascent * up.y);
    q.lr = fz_make_point(q.ll.x + adv.x, q.ll.y + adv.y);
    q.ur = fz_make_point(q.ul.x + adv.x, q.ul.y + adv.y);
    return q;
}

static int
text_quad_is_thin(fz_quad q)
{
    return fabsf(q.lr.x - q.ll.x) < 1e-3f && fabsf(q.lr.y - q.ll.y) < 1e-3f;
}

/* Part k of n of q, cut along its baseline. */
static fz_quad
text_quad_part(fz_quad q, int k, int n)
{
    float a = (float)k / (float)n, b = (float)(k + 1) / (float)n;
    fz_quad r;
    r.ll = fz_make_point(q.ll.x + a * (q.lr.x - q.ll.x), q.ll.y + a * (q.lr.y - q.ll.y));
    r.ul = fz_make_point(q.ul.x + a * (q.ur.x - q.ul.x), q.ul.y + a * (q.ur.y - q.ul.y));
    r.lr = fz_make_point(q.ll.x + b * (q.lr.x - q.ll.x), q.ll.y + b * (q.lr.y - q.ll.y));
    r.ur = fz_make_point(q.ul.x + b * (q.ur.x - q.ul.x), q.ul.y + b * (q.ur.y - q.ul.y));
    return r;
}

/* The quads of a line's characters. A glyph that stands for several
 * characters (a ligature "ﬁ" expanded to "f" "i", or a ToUnicode entry of
 * several code points) reaches us as one character with the glyph's width
 * followed by characters of zero width: the glyph's quad is shared evenly
 * among them all. Zero-width characters after no glyph keep their empty
 * quads (and are dropped later). */
static void
text_line_quads(fz_context *fz, const fz_stext_line *l, const mupdf_fonts *fonts, fz_quad *q,
                int n)
{
    const fz_stext_char *ch = l->first_char;
    for (int i = 0; i < n; i++, ch = ch->next)
        q[i] = text_char_quad(fz, l, ch, fonts);
    ch = l->first_char;
    for (int i = 0; i < n;) {
        int j = i + 1;
        const fz_stext_char *c = ch->next;
        while (j < n && text_quad_is_thin(q[j]) && !text_is_space(c->c)) {
            j++;
            c = c->next;
        }
        if (j - i > 1 && !text_quad_is_thin(q[i]) && !text_is_space(ch->c)) {
            fz_quad whole = q[i];
            for (int k = i; k < j; k++)
                q[k] = text_quad_part(whole, k - i, j - i);
        }
        for (; i < j; i++)
            ch = ch->next;
    }
}

/* Counts c into the quality tally (white space is not a character). */
static void
text_count_char(vo_text_quality *q, int32_t c)
{
    if (!utf8proc_codepoint_valid(c)) {
        q->chars++;
        q->invalid++;
        return;
    }
    utf8proc_category_t cat = utf8proc_category(c);
    if (cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL ||
        cat == UTF8PROC_CATEGORY_ZP || c == '\t' || c == '\n' || c == '\r')
        return;
    q->chars++;
    q->replacement += c == 0xfffd;
    q->private_use += cat == UTF8PROC_CATEGORY_CO;
    q->control += cat == UTF8PROC_CATEGORY_CC;
}

/* The verdict of vo_extract_text_layer_checked (document.h). */
static void
text_judge(vo_text_quality *q)
{
    int bad = q->replacement + q->private_use + q->control + q->invalid;
    q->problem_n = bad, q->problem_of = q->chars;
    if (bad >= 3 && bad * 50 > q->chars) {
        q->problem = q->replacement >= q->private_use && q->replacement >= q->control + q->invalid
                         ? "characters whose font gives no Unicode (U+FFFD)"
                     : q->private_use >= q->control + q->invalid
                         ? "private-use characters (a font's own numbering, not Unicode)"
                         : "control or invalid characters";
    } else if (q->no_box >= 3 && q->no_box * 5 > q->chars) {
        q->problem = "glyphs with no area on the page";
        q->problem_n = q->no_box;
    } else if (q->outside >= 10 && q->outside * 5 > q->glyphs) {
        q->problem = "text outside the page";
        q->problem_n = q->outside, q->problem_of = q->glyphs;
    } else if (q->fallback >= 3 && q->fallback * 50 > q->chars) {
        q->problem = "text in a font that could not be loaded (its letters guessed)";
        q->problem_n = q->fallback;
    } else if (q->invisible_blank >= 10 && q->invisible_blank * 2 > q->invisible) {
        q->problem = "invisible text with nothing drawn under it (a layer that does not match "
                     "the page)";
        q->problem_n = q->invisible_blank, q->problem_of = q->invisible;
    }
}

/* b, one horizontal line of one or two characters at least twice as high
 * as the first line of next, stands at that line's left and spans it: a
 * large initial, which MuPDF gives as a block of its own. Its characters
 * begin that line (and its first word, unless the line starts with a
 * space). */
static int
text_is_initial(const fz_stext_block *b, const fz_stext_block *next)
{
    const fz_stext_line *l = b->u.t.first_line, *nl = next->u.t.first_line;
    if (!l || l->next || !nl || fabsf(l->dir.y) > 0.01f || l->dir.x <= 0 ||
        fabsf(nl->dir.y) > 0.01f || nl->dir.x <= 0)
        return 0;
    int n = 0;
    for (const fz_stext_char *ch = l->first_char; ch; ch = ch->next)
        n += !text_is_space(ch->c);
    float h = l->bbox.y1 - l->bbox.y0, nh = nl->bbox.y1 - nl->bbox.y0;
    float gap = nl->bbox.x0 - l->bbox.x1;
    return n >= 1 && n <= 2 && nh > 0 && h >= 2 * nh && gap >= -0.25f * nh &&
           gap <= 1.5f * nh && nl->bbox.y0 >= l->bbox.y0 - 0.5f * nh &&
           nl->bbox.y1 <= l->bbox.y1 + 0.5f * nh;
}

/* Walk the structured text: block → block + paragraph, line → line,
 * characters → words split on separators. Characters set in fallback
 * (MuPDF's stand-in for a font it could not load) are counted in q. */
static vo_status
text_build_page(fz_context *fz, fz_stext_block *const *blocks, int n_blocks,
                const mupdf_fonts *fonts, const fz_font *fallback, fz_matrix ctm, fz_irect ibox,
                vo_page *page, vo_text_quality *q)
{
    text_word w = {VO_BUF_INIT, NULL, NULL, 0, 0};
    int lang_counts[3] = {0, 0, 0};
    float pw = (float)page->width, ph = (float)page->height;
    fz_quad *quads = NULL;
    size_t quads_cap = 0;
    vo_status st = VO_OK;
    for (int bi = 0; bi < n_blocks && st == VO_OK; bi++) {
        const fz_stext_block *b = blocks[bi];
        /* a large initial's characters wait in w for the line beside it */
        int initial = bi + 1 < n_blocks && text_is_initial(b, blocks[bi + 1]);
        if (!initial &&
            ((st = vo_page_add_block(page)) != VO_OK || (st = vo_page_add_par(page)) != VO_OK))
            break;
        for (fz_stext_line *l = b->u.t.first_line; l && st == VO_OK; l = l->next) {
            if (!initial && (st = vo_page_add_line(page)) != VO_OK)
                break;
            int n = 0;
            for (fz_stext_char *ch = l->first_char; ch; ch = ch->next)
                n++;
            if ((st = vo_grow((void **)&quads, &quads_cap, (size_t)n + 1, sizeof *quads)) !=
                VO_OK)
                break;
            text_line_quads(fz, l, fonts, quads, n);
            int i = 0;
            for (fz_stext_char *ch = l->first_char; ch && st == VO_OK; ch = ch->next, i++) {
                int32_t c = ch->c;
                text_count_char(q, c);
                q->fallback += fallback && ch->font == fallback && !text_is_space(c);
                if (!utf8proc_codepoint_valid(c) || text_is_space(c)) {
                    if (!initial) /* an initial has no line of its own yet */
                        st = text_flush_word(page, &w, lang_counts);
                    continue;
                }
                fz_rect r = fz_transform_rect(fz_rect_from_quad(quads[i]), ctm);
                vo_box box = {r.x0 - ibox.x0, r.y0 - ibox.y0, r.x1 - ibox.x0, r.y1 - ibox.y0};
                box.x0 = box.x0 < 0 ? 0 : box.x0 > pw ? pw : box.x0;
                box.x1 = box.x1 < 0 ? 0 : box.x1 > pw ? pw : box.x1;
                box.y0 = box.y0 < 0 ? 0 : box.y0 > ph ? ph : box.y0;
                box.y1 = box.y1 < 0 ? 0 : box.y1 > ph ? ph : box.y1;
                if (!(box.x1 > box.x0 && box.y1 > box.y0)) {
                    q->no_box++; /* no box, no glyph */
                    continue;
                }
                st = text_add_char(&w, c, box);
            }
            if (st == VO_OK && !initial)
                st = text_flush_word(page, &w, lang_counts);
        }
    }
    vo_buf_free(&w.text);
    vo_free(w.boxes);
    vo_free(w.ends);
    vo_free(quads);
    page->lang = lang_counts[1] && lang_counts[1] >= lang_counts[2] ? "kor"
                 : lang_counts[2]                                  ? "eng"
                                                                   : NULL;
    return st;
}

/* A block's extent in the frame of its text: along its lines (u) and in
 * the direction the lines follow each other (v, "down"); its first line's
 * direction says which way that is (a page shown upside down, vertical
 * Japanese: lines run downwards and follow each other leftwards). */
typedef struct text_frame_box {
    fz_point dir;
    float u0, u1, v0, v1;
} text_frame_box;

static text_frame_box
text_frame(const fz_stext_block *b)
{
    const fz_stext_line *l = b->u.t.first_line;
    fz_point d = l ? l->dir : fz_make_point(1, 0), down = {-d.y, d.x};
    fz_point c[4] = {{b->bbox.x0, b->bbox.y0}, {b->bbox.x1, b->bbox.y0},
                     {b->bbox.x0, b->bbox.y1}, {b->bbox.x1, b->bbox.y1}};
    text_frame_box f = {d, INFINITY, -INFINITY, INFINITY, -INFINITY};
    for (int i = 0; i < 4; i++) {
        float u = c[i].x * d.x + c[i].y * d.y, v = c[i].x * down.x + c[i].y * down.y;
        f.u0 = fminf(f.u0, u), f.u1 = fmaxf(f.u1, u);
        f.v0 = fminf(f.v0, v), f.v1 = fmaxf(f.v1, v);
    }
    return f;
}

/* b comes wholly before a in their text's frame (a quarter of the smaller
 * one's line of slack) and their lines run the same way */
static int
text_block_before(const text_frame_box *b, const text_frame_box *a)
{
    if (fabsf(b->dir.x - a->dir.x) > 0.1f || fabsf(b->dir.y - a->dir.y) > 0.1f)
        return 0;
    float slack = 0.25f * fminf(b->v1 - b->v0, a->v1 - a->v0);
    return b->v1 <= a->v0 + slack;
}

/* ... and they share at least half of the narrower one's width: one
 * column */
static int
text_block_over(const text_frame_box *b, const text_frame_box *a)
{
    float overlap = fminf(a->u1, b->u1) - fmaxf(a->u0, b->u0);
    float narrow = fminf(a->u1 - a->u0, b->u1 - b->u0);
    return text_block_before(b, a) && overlap >= 0.5f * narrow;
}

/* a block with no character but spaces (a form's blank line): it has no
 * place of its own in the reading order */
static int
text_block_blank(const fz_stext_block *b)
{
    for (const fz_stext_line *l = b->u.t.first_line; l; l = l->next)
        for (const fz_stext_char *c = l->first_char; c; c = c->next)
            if (c->c != ' ' && c->c != '\t' && c->c != 0xa0)
                return 0;
    return 1;
}

/* The contents' text blocks in reading order where the content stream drew
 * a block after blocks that lie below it:
 * - a stack drawn from the bottom up (footnotes 1, 2, 3 drawn from the
 *   last): each block goes before the blocks just ahead of it in the stream
 *   that lie below it in its column, unless that stops it halfway, under a
 *   block of another column that also lies below it (neither place would be
 *   right: the stream's is kept);
 * - a block drawn after the body it heads (a form's field under the title,
 *   drawn last): it goes before all the blocks just ahead of it that lie
 *   below it, in any column, when that puts it right under a block that
 *   lies wholly above it (or first) and more than half of those blocks lie
 *   under it (the page's width, not the other column of two).
 * Blocks side by side (columns, table cells) keep the stream's order;
 * blank blocks neither stop a move nor anchor one. */
static void
text_order_blocks(fz_stext_block **blocks, int n)
{
    for (int i = 1; i < n; i++) {
        if (text_block_blank(blocks[i]))
            continue;
        text_frame_box b = text_frame(blocks[i]);
        /* j: the start of the run below it in its column; k: of the run
         * below it in any column (passed blocks, `under` it) */
        int j = i, k = i, column = 1, passed = 0, under = 0;
        while (k > 0) {
            if (!text_block_blank(blocks[k - 1])) {
                text_frame_box a = text_frame(blocks[k - 1]);
                if (!text_block_before(&b, &a))
                    break;
                column = column && text_block_over(&b, &a);
                passed++;
                under += fminf(a.u1, b.u1) > fmaxf(a.u0, b.u0);
            }
            k--;
            if (column)
                j = k;
        }
        int to = i;
        if (j < i) {
            int m = j;
            while (m > 0 && text_block_blank(blocks[m - 1]))
                m--;
            text_frame_box a;
            if (m == 0 || (a = text_frame(blocks[m - 1]), !text_block_before(&b, &a)))
                to = j;
        }
        if (to == i && 2 * under > passed) {
            text_frame_box a;
            if (k == 0 || (a = text_frame(blocks[k - 1]), text_block_before(&a, &b)))
                to = k;
        }
        if (to == i)
            continue;
        fz_stext_block *t = blocks[i];
        memmove(blocks + to + 1, blocks + to, sizeof *blocks * (size_t)(i - to));
        blocks[to] = t;
    }
}

/* The page's structured text from everything it draws: its contents (with
 * their /ActualText), then its annotations and form widgets (as rendered:
 * a button's caption is text on the page). fz_new_stext_page_from_page
 * runs the contents only. skip_invisible: without the invisible text
 * (3 Tr). *from_annots: the first block that annotations or widgets began
 * (NULL: none). census: as mupdf_run_text_contents's. Throws. */
static fz_stext_page *
text_extract(fz_context *fz, fz_page *pg, const fz_stext_options *opts, int skip_invisible,
             fz_stext_block **from_annots, mupdf_text_census *census)
{
    fz_stext_page *stext = fz_new_stext_page(fz, fz_bound_page(fz, pg));
    fz_device *dev = NULL;
    fz_var(dev);
    fz_try(fz) {
        dev = fz_new_stext_device(fz, stext, opts);
        mupdf_run_text_contents(fz, pg, dev, skip_invisible, census);
        fz_stext_block *last = stext->last_block;
        mupdf_run_text_annots(fz, pg, dev);
        fz_close_device(fz, dev);
        *from_annots = last ? last->next : stext->first_block;
    }
    fz_always(fz)
        fz_drop_device(fz, dev);
    fz_catch(fz) {
        fz_drop_stext_page(fz, stext);
        fz_rethrow(fz);
    }
    return stext;
}

vo_status
mupdf_text_layer(vo_document *doc, int page, float dpi, vo_page **out, vo_text_quality *q)
{
    mupdf_document *md = (mupdf_document *)doc;
    fz_context *fz = md->fz;
    fz_page *pg = NULL;
    fz_stext_page *stext = NULL;
    fz_stext_block *from_annots = NULL;
    fz_matrix ctm = fz_identity;
    fz_irect box = fz_empty_irect;
    float capped_from = 0;
    mupdf_fonts fonts = {NULL, 0, 0};
    mupdf_text_census census;
    memset(&census, 0, sizeof census);
    int invisible_blank = 0;
    pdf_font_desc *fallback = NULL;
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
    fz_var(from_annots);
    fz_var(dpi);
    fz_var(ctm);
    fz_var(box);
    fz_var(capped_from);
    fz_var(fonts);
    fz_var(census);
    fz_var(invisible_blank);
    fz_var(fallback);
    fz_try(fz) {
        /* the font MuPDF sets text in when its own fails to load: held, so
         * that the run below gets this one from the store */
        pdf_document *pdoc = pdf_specifics(fz, md->doc);
        if (pdoc)
            fallback = pdf_load_hail_mary_font(fz, pdoc);
        pg = fz_load_page(fz, md->doc, page - 1);
        mupdf_fixup_page(fz, pg);
        mupdf_page_geometry(fz, pg, dpi, &dpi, &ctm, &box, &capped_from);
        /* first: holding the fonts keeps them the ones the run uses */
        mupdf_fonts_load(fz, pg, &fonts);
        census.page = fz_bound_page(fz, pg);
        stext = text_extract(fz, pg, &opts, md->super.skip_invisible, &from_annots, &census);
        /* an earlier OCR's layer, kept: does it lie on the scan? */
        if (census.invisible.n >= 10)
            invisible_blank = mupdf_count_blank_boxes(fz, pg, &census.invisible);
    }
    fz_always(fz) {
        fz_drop_page(fz, pg);
        fz_free(fz, census.invisible.r);
    }
    fz_catch(fz) {
        fz_drop_stext_page(fz, stext);
        mupdf_fonts_clear(fz, &fonts);
        pdf_drop_font(fz, fallback);
        return mupdf_caught(md, page, "cannot extract the text layer");
    }
    mupdf_say_capped(doc, page, capped_from, dpi, &box);
    /* the text blocks: the contents' in reading order, then the annotations' */
    int n_blocks = 0, n_content = 0;
    for (fz_stext_block *b = stext->first_block; b; b = b->next)
        n_blocks += b->type == FZ_STEXT_BLOCK_TEXT;
    fz_stext_block **blocks = vo_malloc(sizeof *blocks * (size_t)(n_blocks ? n_blocks : 1));
    p = blocks ? vo_new_page(page, box.x1 - box.x0, box.y1 - box.y0, dpi, dpi, doc->path) : NULL;
    if (blocks) {
        int in_content = 1;
        n_blocks = 0;
        for (fz_stext_block *b = stext->first_block; b; b = b->next) {
            in_content &= b != from_annots;
            if (b->type != FZ_STEXT_BLOCK_TEXT)
                continue;
            blocks[n_blocks++] = b;
            n_content += in_content;
        }
        text_order_blocks(blocks, n_content);
    }
    if (!p) {
        vo_free(blocks);
        fz_drop_stext_page(fz, stext);
        mupdf_fonts_clear(fz, &fonts);
        pdf_drop_font(fz, fallback);
        return vo_fail(doc->ctx, VO_ERR_NOMEM, "%s: page %d: out of memory", doc->path, page);
    }
    p->origin = VO_PAGE_FROM_TEXT_LAYER;
    q->invisible = census.invisible.n;
    q->invisible_blank = invisible_blank;
    q->glyphs = census.glyphs, q->outside = census.outside;
    st = text_build_page(fz, blocks, n_blocks, &fonts, fallback ? fallback->font : NULL, ctm, box,
                         p, q);
    pdf_drop_font(fz, fallback);
    vo_free(blocks);
    text_judge(q);
    fz_drop_stext_page(fz, stext);
    mupdf_fonts_clear(fz, &fonts);
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
