/* hocr.c: hOCR 1.2 in Tesseract's profile (FORMATS.md §1): an XHTML shell,
 * one div.ocr_page per page, careas, paragraphs, lines, words, cinfo. */
#include "formats/hocr.h"
#include "formats/common.h"
#include "src/util/alloc.h"

#include "config.h"

#include <math.h>
#include <string.h>

typedef struct hocr_writer {
    vo_writer super;
    vo_writer_opts opts;
    fmt_xml xml;
    int head_written;
    int n_pages_hint;  /* info->n_pages */
    char *title;       /* document title, cleaned later */
    char *system;      /* ocr-system: the program and the model */
    vo_buf tmp, word, glyphs;
} hocr_writer;

/* --- document shell --- */

/* Add `code`'s BCP 47 form and script to the lists when not there yet. */
static void
hocr_note_lang(const char *code, const char *langs[], const char *scripts[], int *n_l,
               int *n_s)
{
    const char *l = fmt_lang_bcp47(code), *s = fmt_lang_script(code);
    int i;
    for (i = 0; l && i < *n_l && strcmp(langs[i], l); i++)
        ;
    if (l && i == *n_l && *n_l < 8)
        langs[(*n_l)++] = l;
    for (i = 0; s && i < *n_s && strcmp(scripts[i], s); i++)
        ;
    if (s && i == *n_s && *n_s < 8)
        scripts[(*n_s)++] = s;
}

/* Languages and scripts of a page, dominant first ("ko en", "Hang Latn"). */
static void
hocr_page_langs(const vo_page *page, char langs_out[64], char scripts_out[64])
{
    const char *langs[8], *scripts[8];
    int n_l = 0, n_s = 0;
    if (page) {
        hocr_note_lang(page->lang, langs, scripts, &n_l, &n_s);
        for (int b = 0; b < page->n_blocks; b++)
            for (int p = 0; p < page->blocks[b].n_pars; p++) {
                const vo_par *par = &page->blocks[b].pars[p];
                hocr_note_lang(par->lang, langs, scripts, &n_l, &n_s);
                for (int l = 0; l < par->n_lines; l++)
                    for (int w = 0; w < par->lines[l].n_words; w++)
                        hocr_note_lang(par->lines[l].words[w].lang, langs, scripts, &n_l, &n_s);
            }
    }
    langs_out[0] = scripts_out[0] = '\0';
    for (int i = 0; i < n_l; i++)
        strcat(strcat(langs_out, i ? " " : ""), langs[i]);
    for (int i = 0; i < n_s; i++)
        strcat(strcat(scripts_out, i ? " " : ""), scripts[i]);
}

static vo_status
hocr_meta(fmt_xml *x, const char *name, const char *content)
{
    FMT_TRY(fmt_xml_space(x, "\n  "));
    FMT_TRY(fmt_xml_start(x, "meta"));
    FMT_TRY(fmt_xml_attr_raw(x, "name", name));
    FMT_TRY(fmt_xml_attr_raw(x, "content", content));
    return fmt_xml_end(x);
}

/* <html> and <head>, written when the first page (or the end) comes, so
 * that the languages of the first page can be named. */
static vo_status
hocr_head(hocr_writer *h, const vo_page *first)
{
    fmt_xml *x = &h->xml;
    char langs[64], scripts[64];
    hocr_page_langs(first, langs, scripts);
    const char *main_lang = langs[0] ? langs : NULL;
    char lang1[8] = "";
    if (main_lang)
        snprintf(lang1, sizeof lang1, "%.*s", (int)strcspn(langs, " "), langs);

    FMT_TRY(fmt_xml_start(x, "html"));
    FMT_TRY(fmt_xml_attr_raw(x, "xmlns", "http://www.w3.org/1999/xhtml"));
    if (main_lang) {
        FMT_TRY(fmt_xml_attr_raw(x, "xml:lang", lang1));
        FMT_TRY(fmt_xml_attr_raw(x, "lang", lang1));
    }
    FMT_TRY(fmt_xml_space(x, "\n "));
    FMT_TRY(fmt_xml_start(x, "head"));
    FMT_TRY(fmt_xml_space(x, "\n  "));
    FMT_TRY(fmt_xml_element(x, &h->tmp, "title", h->title));
    FMT_TRY(fmt_xml_space(x, "\n  "));
    FMT_TRY(fmt_xml_start(x, "meta"));
    FMT_TRY(fmt_xml_attr_raw(x, "http-equiv", "Content-Type"));
    FMT_TRY(fmt_xml_attr_raw(x, "content", "text/html;charset=utf-8"));
    FMT_TRY(fmt_xml_end(x));
    FMT_TRY(hocr_meta(x, "ocr-system", h->system ? h->system : PACKAGE_NAME " " PACKAGE_VERSION));
    FMT_TRY(hocr_meta(x, "ocr-capabilities",
                      h->opts.hocr_char_boxes
                          ? "ocr_page ocr_carea ocr_par ocr_line ocrx_word ocrx_cinfo "
                            "ocrp_lang ocrp_wconf"
                          : "ocr_page ocr_carea ocr_par ocr_line ocrx_word ocrp_lang ocrp_wconf"));
    if (h->n_pages_hint > 0) {
        char n[32];
        snprintf(n, sizeof n, "%d", h->n_pages_hint);
        FMT_TRY(hocr_meta(x, "ocr-number-of-pages", n));
    }
    FMT_TRY(hocr_meta(x, "ocr-langs", main_lang ? langs : "unknown"));
    FMT_TRY(hocr_meta(x, "ocr-scripts", scripts[0] ? scripts : "Zyyy"));
    FMT_TRY(fmt_xml_space(x, "\n "));
    FMT_TRY(fmt_xml_end(x)); /* head */
    FMT_TRY(fmt_xml_space(x, "\n "));
    FMT_TRY(fmt_xml_start(x, "body"));
    h->head_written = 1;
    return VO_OK;
}

/* --- page content --- */

/* "bbox x0 y0 x1 y1" into s. */
static const char *
hocr_bbox(char s[64], vo_box b, const vo_page *page)
{
    fmt_ibox i = fmt_int_box(b, page);
    snprintf(s, 64, "bbox %d %d %d %d", i.x0, i.y0, i.x1, i.y1);
    return s;
}

static vo_status
hocr_open(fmt_xml *x, const char *indent, const char *tag, const char *cls, const char *id_fmt,
          int page_no, int n)
{
    FMT_TRY(fmt_xml_space(x, indent));
    FMT_TRY(fmt_xml_start(x, tag));
    FMT_TRY(fmt_xml_attr_raw(x, "class", cls));
    return fmt_xml_attrf(x, "id", id_fmt, page_no, n);
}

static vo_status
hocr_cinfo(hocr_writer *h, vo_ctx *ctx, const vo_page *page, const vo_glyph *g)
{
    fmt_xml *x = &h->xml;
    FMT_TRY(fmt_clean_text(ctx, g->text, &h->tmp));
    if (!h->tmp.len)
        return VO_OK;
    fmt_ibox b = fmt_int_box(g->box, page);
    char title[96];
    int n = snprintf(title, sizeof title, "x_bboxes %d %d %d %d", b.x0, b.y0, b.x1, b.y1);
    if (fmt_conf_known(g->conf))
        snprintf(title + n, sizeof title - (size_t)n, "; x_conf %d", fmt_conf100(g->conf));
    FMT_TRY(fmt_xml_start(x, "span"));
    FMT_TRY(fmt_xml_attr_raw(x, "class", "ocrx_cinfo"));
    FMT_TRY(fmt_xml_attr_raw(x, "title", title));
    FMT_TRY(fmt_xml_text_raw(x, h->tmp.data));
    return fmt_xml_end(x);
}

static vo_status
hocr_word(hocr_writer *h, vo_ctx *ctx, const vo_page *page, const vo_par *par,
          const vo_word *w, int id)
{
    fmt_xml *x = &h->xml;
    char title[96];
    hocr_bbox(title, w->box, page);
    if (fmt_conf_known(w->conf))
        snprintf(title + strlen(title), sizeof title - strlen(title), "; x_wconf %d",
                 fmt_conf100(w->conf));
    FMT_TRY(fmt_clean_text(ctx, w->text, &h->word));
    FMT_TRY(hocr_open(x, "", "span", "ocrx_word", "word_%d_%d", page->number, id));
    FMT_TRY(fmt_xml_attr_raw(x, "title", title));
    if (w->lang && (!par->lang || strcmp(w->lang, par->lang)))
        FMT_TRY(fmt_xml_attr(x, &h->tmp, "lang", w->lang));
    vo_status st = VO_OK;
    if (h->opts.hocr_char_boxes &&
        fmt_glyphs_spell_word(ctx, w, h->word.data, 0, &h->tmp, &h->glyphs, &st)) {
        for (int g = 0; g < w->n_glyphs; g++)
            FMT_TRY(hocr_cinfo(h, ctx, page, &w->glyphs[g]));
    } else {
        FMT_TRY(st);
        FMT_TRY(fmt_xml_text_raw(x, h->word.data));
    }
    return fmt_xml_end(x);
}

/* Baseline relative to the whole-pixel box the title shows: the model's
 * line y = y1 + slope·(x − x0) + offset, moved to the rounded corner. */
static void
hocr_baseline(char *s, size_t n, const vo_line *l, const vo_page *page)
{
    fmt_ibox b = fmt_int_box(l->box, page);
    double off = l->baseline_offset + (l->box.y1 - b.y1) +
                 l->baseline_slope * (b.x0 - l->box.x0);
    char a[32], c[32];
    snprintf(s, n, "; baseline %s %s", fmt_num(a, l->baseline_slope, 3), fmt_num(c, off, 3));
}

static vo_status
hocr_line(hocr_writer *h, vo_ctx *ctx, const vo_page *page, const vo_par *par,
          const vo_line *l, int line_id, int *word_id)
{
    fmt_xml *x = &h->xml;
    char title[160];
    hocr_bbox(title, l->box, page);
    if (l->has_baseline && isfinite(l->baseline_slope) && isfinite(l->baseline_offset))
        hocr_baseline(title + strlen(title), sizeof title - strlen(title), l, page);
    FMT_TRY(hocr_open(x, "\n     ", "span", "ocr_line", "line_%d_%d", page->number, line_id));
    FMT_TRY(fmt_xml_attr_raw(x, "title", title));
    int first = 1;
    for (int i = 0; i < l->n_words; i++) {
        if (!fmt_word_has_text(&l->words[i]))
            continue;
        if (!first)
            FMT_TRY(fmt_xml_text_raw(x, " "));
        FMT_TRY(hocr_word(h, ctx, page, par, &l->words[i], ++*word_id));
        first = 0;
    }
    return fmt_xml_end(x);
}

static vo_status
hocr_page_content(hocr_writer *h, vo_ctx *ctx, const vo_page *page)
{
    fmt_xml *x = &h->xml;
    int n_block = 0, n_par = 0, n_line = 0, n_word = 0;
    char title[64];
    for (int b = 0; b < page->n_blocks; b++) {
        const vo_block *block = &page->blocks[b];
        if (!fmt_block_has_text(block))
            continue;
        FMT_TRY(hocr_open(x, "\n   ", "div", "ocr_carea", "block_%d_%d", page->number,
                          ++n_block));
        FMT_TRY(fmt_xml_attr_raw(x, "title", hocr_bbox(title, block->box, page)));
        for (int p = 0; p < block->n_pars; p++) {
            const vo_par *par = &block->pars[p];
            if (!fmt_par_has_text(par))
                continue;
            FMT_TRY(hocr_open(x, "\n    ", "p", "ocr_par", "par_%d_%d", page->number, ++n_par));
            if (par->lang)
                FMT_TRY(fmt_xml_attr(x, &h->tmp, "lang", par->lang));
            FMT_TRY(fmt_xml_attr_raw(x, "title", hocr_bbox(title, par->box, page)));
            for (int l = 0; l < par->n_lines; l++)
                if (fmt_line_has_text(&par->lines[l]))
                    FMT_TRY(hocr_line(h, ctx, page, par, &par->lines[l], ++n_line, &n_word));
            FMT_TRY(fmt_xml_space(x, "\n    "));
            FMT_TRY(fmt_xml_end(x)); /* p */
        }
        FMT_TRY(fmt_xml_space(x, "\n   "));
        FMT_TRY(fmt_xml_end(x)); /* div.ocr_carea */
    }
    return VO_OK;
}

static vo_status
hocr_write_page(hocr_writer *h, vo_ctx *ctx, const vo_page *page)
{
    fmt_xml *x = &h->xml;
    if (!h->head_written)
        FMT_TRY(hocr_head(h, page));
    /* image "NAME"; bbox 0 0 W H; ppageno P-1; scan_res X Y */
    FMT_TRY(fmt_clean_text(ctx, page->image_name ? page->image_name : page->source, &h->tmp));
    vo_buf_reset(&h->word);
    vo_status st = vo_buf_puts(&h->word, "image \"");
    for (const char *c = h->tmp.data; !st && *c; c++) /* a quote would end the name */
        if (*c != '"')
            st = vo_buf_putc(&h->word, *c);
    if (!st)
        st = vo_buf_printf(&h->word, "\"; bbox 0 0 %d %d; ppageno %d",
                           page->width > 0 ? page->width : 0,
                           page->height > 0 ? page->height : 0, page->number - 1);
    if (!st && page->dpi_x > 0 && page->dpi_y > 0)
        st = vo_buf_printf(&h->word, "; scan_res %ld %ld", lroundf(page->dpi_x),
                           lroundf(page->dpi_y));
    if (st)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory writing hOCR");
    FMT_TRY(fmt_xml_space(x, "\n  "));
    FMT_TRY(fmt_xml_start(x, "div"));
    FMT_TRY(fmt_xml_attr_raw(x, "class", "ocr_page"));
    FMT_TRY(fmt_xml_attrf(x, "id", "page_%d", page->number));
    FMT_TRY(fmt_xml_attr_raw(x, "title", h->word.data));
    FMT_TRY(hocr_page_content(h, ctx, page));
    FMT_TRY(fmt_xml_space(x, "\n  "));
    FMT_TRY(fmt_xml_end(x)); /* div.ocr_page */
    return fmt_xml_flush(x);
}

/* --- the writer --- */

static vo_status
hocr_begin(vo_ctx *ctx, vo_writer *w, const vo_doc_info *info)
{
    hocr_writer *h = (hocr_writer *)w;
    fmt_xml *x = &h->xml;
    const char *title = info && info->title ? info->title
                        : fmt_basename(info ? info->source : NULL);
    h->n_pages_hint = info ? info->n_pages : 0;
    vo_buf system = VO_BUF_INIT;
    if (vo_buf_printf(&system, "%s %s", PACKAGE_NAME, PACKAGE_VERSION) ||
        (info && info->model && vo_buf_printf(&system, " (%s)", info->model)) ||
        !(h->title = vo_strdup(title))) {
        vo_buf_free(&system);
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory writing hOCR");
    }
    h->system = vo_buf_take(&system);
    fmt_xml_enter(x);
    vo_status st = xmlTextWriterStartDocument(x->w, "1.0", "UTF-8", NULL) < 0 ? fmt_xml_fail(x)
                   : xmlTextWriterWriteDTD(x->w, BAD_CAST "html",
                                           BAD_CAST "-//W3C//DTD XHTML 1.0 Transitional//EN",
                                           BAD_CAST "http://www.w3.org/TR/xhtml1/DTD/"
                                                    "xhtml1-transitional.dtd",
                                           NULL) < 0
                       ? fmt_xml_fail(x)
                       : fmt_xml_space(x, "\n");
    fmt_xml_leave(x);
    return st;
}

static vo_status
hocr_page(vo_ctx *ctx, vo_writer *w, const vo_page *page)
{
    hocr_writer *h = (hocr_writer *)w;
    fmt_xml_enter(&h->xml);
    vo_status st = hocr_write_page(h, ctx, page);
    fmt_xml_leave(&h->xml);
    return st;
}

static vo_status
hocr_finish(hocr_writer *h)
{
    fmt_xml *x = &h->xml;
    if (!h->head_written)
        FMT_TRY(hocr_head(h, NULL));
    FMT_TRY(fmt_xml_space(x, "\n "));
    FMT_TRY(fmt_xml_end(x)); /* body */
    FMT_TRY(fmt_xml_space(x, "\n"));
    FMT_TRY(fmt_xml_end(x)); /* html */
    FMT_TRY(fmt_xml_space(x, "\n"));
    FMT_TRY(xmlTextWriterEndDocument(x->w) < 0 ? fmt_xml_fail(x) : VO_OK);
    return fmt_xml_flush(x);
}

static vo_status
hocr_end(vo_ctx *ctx, vo_writer *w)
{
    (void)ctx;
    hocr_writer *h = (hocr_writer *)w;
    fmt_xml_enter(&h->xml);
    vo_status st = hocr_finish(h);
    fmt_xml_leave(&h->xml);
    return st;
}

static void
hocr_drop(vo_writer *w)
{
    hocr_writer *h = (hocr_writer *)w;
    fmt_xml_close(&h->xml);
    vo_free(h->title);
    vo_free(h->system);
    vo_buf_free(&h->tmp);
    vo_buf_free(&h->word);
    vo_buf_free(&h->glyphs);
    vo_free(h);
}

vo_status
vo_new_hocr_writer(vo_ctx *ctx, vo_output *out, const vo_writer_opts *opts, vo_writer **w)
{
    *w = NULL;
    hocr_writer *h = vo_calloc(1, sizeof *h);
    if (!h)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory creating the hOCR writer");
    h->super = (vo_writer){hocr_begin, hocr_page, hocr_end, hocr_drop, out};
    h->opts = opts ? *opts : (vo_writer_opts){.alto_unit = VO_ALTO_PIXEL, .hocr_char_boxes = 1};
    vo_status st = fmt_xml_open(ctx, out, &h->xml);
    if (st) {
        hocr_drop(&h->super);
        return st;
    }
    *w = &h->super;
    return VO_OK;
}
