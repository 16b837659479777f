/* pagexml.c: PAGE-XML 2019-07-15 (FORMATS.md §3), one page per file:
 * ReadingOrder, TextRegion per paragraph, TextLine, Word, Glyph. */
#include "formats/pagexml.h"
#include "formats/common.h"
#include "src/util/alloc.h"

#include "config.h"

#include <math.h>
#include <string.h>

#define PAGE_NS "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"

typedef struct pagexml_writer {
    vo_writer super;
    fmt_xml xml;
    int n_pages;
    long long timestamp;
    char *source;          /* info->source */
    vo_buf tmp, word, glyphs, text;
} pagexml_writer;

/* <Coords points="x0,y0 x1,y0 x1,y1 x0,y1"/> */
static vo_status
pagexml_coords(fmt_xml *x, const char *indent, fmt_ibox b)
{
    FMT_TRY(fmt_xml_space(x, indent));
    FMT_TRY(fmt_xml_start(x, "Coords"));
    FMT_TRY(fmt_xml_attrf(x, "points", "%d,%d %d,%d %d,%d %d,%d", b.x0, b.y0, b.x1, b.y0, b.x1,
                          b.y1, b.x0, b.y1));
    return fmt_xml_end(x);
}

/* <TextEquiv conf="…"><Unicode>text</Unicode></TextEquiv>; text is clean. */
static vo_status
pagexml_text_equiv(fmt_xml *x, const char *indent, const char *text, float conf)
{
    char s[32];
    FMT_TRY(fmt_xml_space(x, indent));
    FMT_TRY(fmt_xml_start(x, "TextEquiv"));
    if (fmt_conf_known(conf))
        FMT_TRY(fmt_xml_attr_raw(x, "conf", fmt_num(s, fmt_conf01(conf), 4)));
    FMT_TRY(fmt_xml_start(x, "Unicode"));
    FMT_TRY(fmt_xml_text_raw(x, text));
    FMT_TRY(fmt_xml_end(x));
    return fmt_xml_end(x);
}

/* Append the line's cleaned words joined by one space to p->text. */
static vo_status
pagexml_line_text(pagexml_writer *p, vo_ctx *ctx, const vo_line *l)
{
    int first = 1;
    for (int i = 0; i < l->n_words; i++) {
        if (!fmt_word_has_text(&l->words[i]))
            continue;
        FMT_TRY(fmt_clean_text(ctx, l->words[i].text, &p->word));
        if ((!first && vo_buf_putc(&p->text, ' ')) || vo_buf_puts(&p->text, p->word.data))
            return vo_fail(ctx, VO_ERR_NOMEM, "out of memory writing PAGE-XML");
        first = 0;
    }
    return VO_OK;
}

static vo_status
pagexml_word(pagexml_writer *p, vo_ctx *ctx, const vo_page *page, const vo_word *w,
             const char *id)
{
    fmt_xml *x = &p->xml;
    char gid[96];
    FMT_TRY(fmt_xml_space(x, "\n        "));
    FMT_TRY(fmt_xml_start(x, "Word"));
    FMT_TRY(fmt_xml_attr_raw(x, "id", id));
    if (fmt_lang_english(w->lang))
        FMT_TRY(fmt_xml_attr_raw(x, "language", fmt_lang_english(w->lang)));
    FMT_TRY(pagexml_coords(x, "\n          ", fmt_int_box(w->box, page)));
    FMT_TRY(fmt_clean_text(ctx, w->text, &p->word));
    vo_status st = VO_OK;
    if (fmt_glyphs_spell_word(ctx, w, p->word.data, 0, &p->tmp, &p->glyphs, &st)) {
        for (int g = 0; g < w->n_glyphs; g++) {
            const vo_glyph *glyph = &w->glyphs[g];
            FMT_TRY(fmt_clean_text(ctx, glyph->text, &p->tmp));
            if (!p->tmp.len)
                continue;
            snprintf(gid, sizeof gid, "%sg%d", id, g + 1);
            FMT_TRY(fmt_xml_space(x, "\n          "));
            FMT_TRY(fmt_xml_start(x, "Glyph"));
            FMT_TRY(fmt_xml_attr_raw(x, "id", gid));
            FMT_TRY(pagexml_coords(x, "\n            ", fmt_int_box(glyph->box, page)));
            FMT_TRY(pagexml_text_equiv(x, "\n            ", p->tmp.data, glyph->conf));
            FMT_TRY(fmt_xml_space(x, "\n          "));
            FMT_TRY(fmt_xml_end(x));
        }
    }
    FMT_TRY(st);
    FMT_TRY(pagexml_text_equiv(x, "\n          ", p->word.data, w->conf));
    FMT_TRY(fmt_xml_space(x, "\n        "));
    return fmt_xml_end(x);
}

/* <Baseline points="…"/> from the hOCR-style slope and offset, clipped. */
static vo_status
pagexml_baseline(fmt_xml *x, const vo_page *page, const vo_line *l)
{
    if (!l->has_baseline || !isfinite(l->baseline_slope) || !isfinite(l->baseline_offset))
        return VO_OK;
    fmt_ibox b = fmt_int_box(l->box, page);
    double ya = l->box.y1 + l->baseline_offset + l->baseline_slope * (b.x0 - l->box.x0);
    double yb = l->box.y1 + l->baseline_offset + l->baseline_slope * (b.x1 - l->box.x0);
    double h = page->height > 0 ? page->height : 0; /* points: integers in the page */
    FMT_TRY(fmt_xml_space(x, "\n        "));
    FMT_TRY(fmt_xml_start(x, "Baseline"));
    FMT_TRY(fmt_xml_attrf(x, "points", "%d,%ld %d,%ld", b.x0, lround(fmin(fmax(ya, 0), h)),
                          b.x1, lround(fmin(fmax(yb, 0), h))));
    return fmt_xml_end(x);
}

static vo_status
pagexml_line(pagexml_writer *p, vo_ctx *ctx, const vo_page *page, const vo_line *l,
             const char *id)
{
    fmt_xml *x = &p->xml;
    char wid[80];
    FMT_TRY(fmt_xml_space(x, "\n      "));
    FMT_TRY(fmt_xml_start(x, "TextLine"));
    FMT_TRY(fmt_xml_attr_raw(x, "id", id));
    FMT_TRY(pagexml_coords(x, "\n        ", fmt_int_box(l->box, page)));
    FMT_TRY(pagexml_baseline(x, page, l));
    int n = 0;
    for (int i = 0; i < l->n_words; i++) {
        if (!fmt_word_has_text(&l->words[i]))
            continue;
        snprintf(wid, sizeof wid, "%sw%d", id, ++n);
        FMT_TRY(pagexml_word(p, ctx, page, &l->words[i], wid));
    }
    vo_buf_reset(&p->text);
    FMT_TRY(pagexml_line_text(p, ctx, l));
    FMT_TRY(pagexml_text_equiv(x, "\n        ", p->text.data ? p->text.data : "", l->conf));
    FMT_TRY(fmt_xml_space(x, "\n      "));
    return fmt_xml_end(x);
}

static vo_status
pagexml_region(pagexml_writer *p, vo_ctx *ctx, const vo_page *page, const vo_par *par, int n)
{
    fmt_xml *x = &p->xml;
    char id[32], lid[64];
    snprintf(id, sizeof id, "r%d", n);
    FMT_TRY(fmt_xml_space(x, "\n    "));
    FMT_TRY(fmt_xml_start(x, "TextRegion"));
    FMT_TRY(fmt_xml_attr_raw(x, "id", id));
    FMT_TRY(fmt_xml_attr_raw(x, "type", "paragraph"));
    if (fmt_lang_english(par->lang))
        FMT_TRY(fmt_xml_attr_raw(x, "primaryLanguage", fmt_lang_english(par->lang)));
    FMT_TRY(pagexml_coords(x, "\n      ", fmt_int_box(par->box, page)));
    int n_line = 0;
    for (int l = 0; l < par->n_lines; l++) {
        if (!fmt_line_has_text(&par->lines[l]))
            continue;
        snprintf(lid, sizeof lid, "%sl%d", id, ++n_line);
        FMT_TRY(pagexml_line(p, ctx, page, &par->lines[l], lid));
    }
    /* region text: the lines joined by \n */
    vo_buf_reset(&p->text);
    int first = 1;
    for (int l = 0; l < par->n_lines; l++) {
        if (!fmt_line_has_text(&par->lines[l]))
            continue;
        if (!first && vo_buf_putc(&p->text, '\n'))
            return vo_fail(ctx, VO_ERR_NOMEM, "out of memory writing PAGE-XML");
        FMT_TRY(pagexml_line_text(p, ctx, &par->lines[l]));
        first = 0;
    }
    FMT_TRY(pagexml_text_equiv(x, "\n      ", p->text.data ? p->text.data : "", VO_CONF_NONE));
    FMT_TRY(fmt_xml_space(x, "\n    "));
    return fmt_xml_end(x);
}

static vo_status
pagexml_reading_order(fmt_xml *x, int n_regions)
{
    if (n_regions == 0)
        return VO_OK; /* an OrderedGroup needs at least one member */
    FMT_TRY(fmt_xml_space(x, "\n    "));
    FMT_TRY(fmt_xml_start(x, "ReadingOrder"));
    FMT_TRY(fmt_xml_space(x, "\n      "));
    FMT_TRY(fmt_xml_start(x, "OrderedGroup"));
    FMT_TRY(fmt_xml_attr_raw(x, "id", "ro_1"));
    FMT_TRY(fmt_xml_attr_raw(x, "caption", "Regions reading order"));
    for (int i = 0; i < n_regions; i++) {
        FMT_TRY(fmt_xml_space(x, "\n        "));
        FMT_TRY(fmt_xml_start(x, "RegionRefIndexed"));
        FMT_TRY(fmt_xml_attrf(x, "index", "%d", i));
        FMT_TRY(fmt_xml_attrf(x, "regionRef", "r%d", i + 1));
        FMT_TRY(fmt_xml_end(x));
    }
    FMT_TRY(fmt_xml_space(x, "\n      "));
    FMT_TRY(fmt_xml_end(x));
    FMT_TRY(fmt_xml_space(x, "\n    "));
    return fmt_xml_end(x);
}

static vo_status
pagexml_write_page(pagexml_writer *p, vo_ctx *ctx, const vo_page *page)
{
    fmt_xml *x = &p->xml;
    char when[32];
    fmt_iso_time(when, p->timestamp);
    FMT_TRY(fmt_xml_start(x, "PcGts"));
    FMT_TRY(fmt_xml_attr_raw(x, "xmlns", PAGE_NS));
    FMT_TRY(fmt_xml_attr_raw(x, "xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"));
    FMT_TRY(fmt_xml_attr_raw(x, "xsi:schemaLocation",
                             PAGE_NS " " PAGE_NS "/pagecontent.xsd"));
    FMT_TRY(fmt_xml_space(x, "\n  "));
    FMT_TRY(fmt_xml_start(x, "Metadata"));
    FMT_TRY(fmt_xml_space(x, "\n    "));
    FMT_TRY(fmt_xml_element(x, &p->tmp, "Creator", PACKAGE_NAME " " PACKAGE_VERSION));
    FMT_TRY(fmt_xml_space(x, "\n    "));
    FMT_TRY(fmt_xml_element(x, &p->tmp, "Created", when));
    FMT_TRY(fmt_xml_space(x, "\n    "));
    FMT_TRY(fmt_xml_element(x, &p->tmp, "LastChange", when));
    FMT_TRY(fmt_xml_space(x, "\n  "));
    FMT_TRY(fmt_xml_end(x)); /* Metadata */
    FMT_TRY(fmt_xml_space(x, "\n  "));
    FMT_TRY(fmt_xml_start(x, "Page"));
    const char *name = page->image_name ? page->image_name
                       : page->source   ? page->source
                                        : p->source;
    FMT_TRY(fmt_xml_attr(x, &p->tmp, "imageFilename", name ? name : ""));
    FMT_TRY(fmt_xml_attrf(x, "imageWidth", "%d", page->width > 0 ? page->width : 0));
    FMT_TRY(fmt_xml_attrf(x, "imageHeight", "%d", page->height > 0 ? page->height : 0));
    if (fmt_lang_english(page->lang))
        FMT_TRY(fmt_xml_attr_raw(x, "primaryLanguage", fmt_lang_english(page->lang)));
    int n_regions = 0;
    for (int b = 0; b < page->n_blocks; b++)
        for (int r = 0; r < page->blocks[b].n_pars; r++)
            n_regions += fmt_par_has_text(&page->blocks[b].pars[r]);
    FMT_TRY(pagexml_reading_order(x, n_regions));
    int n = 0;
    for (int b = 0; b < page->n_blocks; b++)
        for (int r = 0; r < page->blocks[b].n_pars; r++)
            if (fmt_par_has_text(&page->blocks[b].pars[r]))
                FMT_TRY(pagexml_region(p, ctx, page, &page->blocks[b].pars[r], ++n));
    FMT_TRY(fmt_xml_space(x, "\n  "));
    FMT_TRY(fmt_xml_end(x)); /* Page */
    FMT_TRY(fmt_xml_space(x, "\n"));
    FMT_TRY(fmt_xml_end(x)); /* PcGts */
    FMT_TRY(fmt_xml_space(x, "\n"));
    FMT_TRY(xmlTextWriterEndDocument(x->w) < 0 ? fmt_xml_fail(x) : VO_OK);
    return fmt_xml_flush(x);
}

/* --- the writer --- */

static vo_status
pagexml_begin(vo_ctx *ctx, vo_writer *w, const vo_doc_info *info)
{
    pagexml_writer *p = (pagexml_writer *)w;
    p->timestamp = info ? info->timestamp : 0;
    if (info && info->source && !(p->source = vo_strdup(info->source)))
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory writing PAGE-XML");
    fmt_xml_enter(&p->xml);
    vo_status st = xmlTextWriterStartDocument(p->xml.w, "1.0", "UTF-8", NULL) < 0
                       ? fmt_xml_fail(&p->xml) : VO_OK;
    fmt_xml_leave(&p->xml);
    return st;
}

static vo_status
pagexml_page(vo_ctx *ctx, vo_writer *w, const vo_page *page)
{
    pagexml_writer *p = (pagexml_writer *)w;
    if (p->n_pages > 0)
        return vo_fail(ctx, VO_ERR_ARGUMENT,
                       "%s: PAGE-XML holds one page per file; write each page to its own "
                       "file (one PAGE writer per page)", vo_output_name(w->out));
    p->n_pages++;
    fmt_xml_enter(&p->xml);
    vo_status st = pagexml_write_page(p, ctx, page);
    fmt_xml_leave(&p->xml);
    return st;
}

static vo_status
pagexml_end(vo_ctx *ctx, vo_writer *w)
{
    pagexml_writer *p = (pagexml_writer *)w;
    if (p->n_pages == 0)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "%s: PAGE-XML needs one page",
                       vo_output_name(w->out));
    return VO_OK;
}

static void
pagexml_drop(vo_writer *w)
{
    pagexml_writer *p = (pagexml_writer *)w;
    fmt_xml_close(&p->xml);
    vo_free(p->source);
    vo_buf_free(&p->tmp);
    vo_buf_free(&p->word);
    vo_buf_free(&p->glyphs);
    vo_buf_free(&p->text);
    vo_free(p);
}

vo_status
vo_new_pagexml_writer(vo_ctx *ctx, vo_output *out, const vo_writer_opts *opts, vo_writer **w)
{
    (void)opts;
    *w = NULL;
    pagexml_writer *p = vo_calloc(1, sizeof *p);
    if (!p)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory creating the PAGE-XML writer");
    p->super = (vo_writer){pagexml_begin, pagexml_page, pagexml_end, pagexml_drop, out};
    vo_status st = fmt_xml_open(ctx, out, &p->xml);
    if (st) {
        pagexml_drop(&p->super);
        return st;
    }
    *w = &p->super;
    return VO_OK;
}
