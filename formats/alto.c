/* alto.c: ALTO 4.4 (FORMATS.md §2): Description with unit and Processing,
 * then one Page per page: TextBlock per paragraph, TextLine, String, SP, Glyph. */
#include "formats/alto.h"
#include "formats/common.h"
#include "src/util/alloc.h"

#include "config.h"

#include <math.h>
#include <string.h>


typedef struct alto_writer {
    vo_writer super;
    vo_writer_opts opts;
    fmt_xml xml;
    int head_written;
    long long timestamp;
    char *source;       /* info->source */
    char *method, *settings; /* info->method, info->settings (may be NULL) */
    vo_buf tmp, word, glyphs;
    double sx, sy;      /* pixels → unit of the current page */
} alto_writer;

/* --- units --- */

/* One position in the file's unit: integers for pixels, else 2 decimals. */
static const char *
alto_pos(alto_writer *a, char s[32], double px, int vertical)
{
    if (a->opts.alto_unit == VO_ALTO_PIXEL)
        return fmt_num(s, round(px), 0);
    return fmt_num(s, px * (vertical ? a->sy : a->sx), 2);
}

static vo_status
alto_box_attrs(alto_writer *a, fmt_ibox b)
{
    char s[32];
    fmt_xml *x = &a->xml;
    FMT_TRY(fmt_xml_attr_raw(x, "HPOS", alto_pos(a, s, b.x0, 0)));
    FMT_TRY(fmt_xml_attr_raw(x, "VPOS", alto_pos(a, s, b.y0, 1)));
    FMT_TRY(fmt_xml_attr_raw(x, "WIDTH", alto_pos(a, s, b.x1 - b.x0, 0)));
    return fmt_xml_attr_raw(x, "HEIGHT", alto_pos(a, s, b.y1 - b.y0, 1));
}

static vo_status
alto_set_scale(alto_writer *a, vo_ctx *ctx, const vo_page *page)
{
    a->sx = a->sy = 1.0;
    if (a->opts.alto_unit == VO_ALTO_PIXEL)
        return VO_OK;
    if (!(page->dpi_x > 0) || !(page->dpi_y > 0))
        return vo_fail(ctx, VO_ERR_ARGUMENT,
                       "page %d has no resolution, which ALTO's %s unit needs; "
                       "write pixels instead or give the resolution",
                       page->number, a->opts.alto_unit == VO_ALTO_MM10 ? "mm10" : "inch1200");
    double per_inch = a->opts.alto_unit == VO_ALTO_MM10 ? 254.0 : 1200.0;
    a->sx = per_inch / page->dpi_x;
    a->sy = per_inch / page->dpi_y;
    return VO_OK;
}

/* --- header --- */

static vo_status
alto_head(alto_writer *a, const vo_page *first)
{
    fmt_xml *x = &a->xml;
    static const char *const units[] = {"pixel", "mm10", "inch1200"};
    char when[32];
    FMT_TRY(fmt_xml_start(x, "alto"));
    FMT_TRY(fmt_xml_attr_raw(x, "xmlns", "http://www.loc.gov/standards/alto/ns-v4#"));
    FMT_TRY(fmt_xml_attr_raw(x, "xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"));
    FMT_TRY(fmt_xml_attr_raw(x, "xsi:schemaLocation",
                             "http://www.loc.gov/standards/alto/ns-v4# "
                             "http://www.loc.gov/standards/alto/v4/alto-4-4.xsd"));
    FMT_TRY(fmt_xml_attr_raw(x, "SCHEMAVERSION", "4.4"));
    FMT_TRY(fmt_xml_space(x, "\n  "));
    FMT_TRY(fmt_xml_start(x, "Description"));
    FMT_TRY(fmt_xml_space(x, "\n    "));
    FMT_TRY(fmt_xml_element(x, &a->tmp, "MeasurementUnit", units[a->opts.alto_unit]));
    FMT_TRY(fmt_xml_space(x, "\n    "));
    FMT_TRY(fmt_xml_start(x, "sourceImageInformation"));
    FMT_TRY(fmt_xml_space(x, "\n      "));
    const char *name = first && first->image_name ? first->image_name
                       : first && first->source  ? first->source
                                                 : a->source;
    FMT_TRY(fmt_xml_element(x, &a->tmp, "fileName", name ? name : ""));
    FMT_TRY(fmt_xml_space(x, "\n    "));
    FMT_TRY(fmt_xml_end(x)); /* sourceImageInformation */
    FMT_TRY(fmt_xml_space(x, "\n    "));
    FMT_TRY(fmt_xml_start(x, "Processing"));
    FMT_TRY(fmt_xml_attr_raw(x, "ID", "proc_1"));
    FMT_TRY(fmt_xml_space(x, "\n      "));
    FMT_TRY(fmt_xml_element(x, &a->tmp, "processingCategory", "contentGeneration"));
    FMT_TRY(fmt_xml_space(x, "\n      "));
    FMT_TRY(fmt_xml_element(x, &a->tmp, "processingDateTime", fmt_iso_time(when, a->timestamp)));
    FMT_TRY(fmt_xml_space(x, "\n      "));
    if (a->method) {
        FMT_TRY(fmt_xml_element(x, &a->tmp, "processingStepDescription", a->method));
        FMT_TRY(fmt_xml_space(x, "\n      "));
    }
    if (a->settings) {
        FMT_TRY(fmt_xml_element(x, &a->tmp, "processingStepSettings", a->settings));
        FMT_TRY(fmt_xml_space(x, "\n      "));
    }
    FMT_TRY(fmt_xml_start(x, "processingSoftware"));
    FMT_TRY(fmt_xml_space(x, "\n        "));
    FMT_TRY(fmt_xml_element(x, &a->tmp, "softwareName", PACKAGE_NAME));
    FMT_TRY(fmt_xml_space(x, "\n        "));
    FMT_TRY(fmt_xml_element(x, &a->tmp, "softwareVersion", PACKAGE_VERSION));
    FMT_TRY(fmt_xml_space(x, "\n      "));
    FMT_TRY(fmt_xml_end(x)); /* processingSoftware */
    FMT_TRY(fmt_xml_space(x, "\n    "));
    FMT_TRY(fmt_xml_end(x)); /* Processing */
    FMT_TRY(fmt_xml_space(x, "\n  "));
    FMT_TRY(fmt_xml_end(x)); /* Description */
    FMT_TRY(fmt_xml_space(x, "\n  "));
    FMT_TRY(fmt_xml_start(x, "Layout"));
    a->head_written = 1;
    return VO_OK;
}

/* --- page content --- */

static vo_status
alto_glyph(alto_writer *a, vo_ctx *ctx, const vo_page *page, const vo_glyph *g)
{
    fmt_xml *x = &a->xml;
    char s[32];
    FMT_TRY(fmt_xml_space(x, "\n              "));
    FMT_TRY(fmt_xml_start(x, "Glyph"));
    FMT_TRY(fmt_clean_text(ctx, g->text, &a->tmp));
    FMT_TRY(fmt_xml_attr_raw(x, "CONTENT", a->tmp.data));
    FMT_TRY(alto_box_attrs(a, fmt_int_box(g->box, page)));
    if (fmt_conf_known(g->conf))
        FMT_TRY(fmt_xml_attr_raw(x, "GC", fmt_num(s, fmt_conf01(g->conf), 4)));
    return fmt_xml_end(x);
}

static vo_status
alto_string(alto_writer *a, vo_ctx *ctx, const vo_page *page, const vo_word *w, int id)
{
    fmt_xml *x = &a->xml;
    char s[32];
    FMT_TRY(fmt_clean_text(ctx, w->text, &a->word));
    FMT_TRY(fmt_xml_space(x, "\n            "));
    FMT_TRY(fmt_xml_start(x, "String"));
    FMT_TRY(fmt_xml_attrf(x, "ID", "string_%d_%d", page->number, id));
    FMT_TRY(alto_box_attrs(a, fmt_int_box(w->box, page)));
    FMT_TRY(fmt_xml_attr_raw(x, "CONTENT", a->word.data));
    if (fmt_conf_known(w->conf))
        FMT_TRY(fmt_xml_attr_raw(x, "WC", fmt_num(s, fmt_conf01(w->conf), 4)));
    if (fmt_lang_bcp47(w->lang))
        FMT_TRY(fmt_xml_attr_raw(x, "LANG", fmt_lang_bcp47(w->lang)));
    vo_status st = VO_OK;
    if (fmt_glyphs_spell_word(ctx, w, a->word.data, 1, &a->tmp, &a->glyphs, &st)) {
        for (int g = 0; g < w->n_glyphs; g++)
            FMT_TRY(alto_glyph(a, ctx, page, &w->glyphs[g]));
        FMT_TRY(fmt_xml_space(x, "\n            "));
    }
    FMT_TRY(st);
    return fmt_xml_end(x);
}

/* The space between two words: from the end of one to the start of the next. */
static vo_status
alto_sp(alto_writer *a, const vo_page *page, const vo_line *l, const vo_word *prev,
        const vo_word *next)
{
    fmt_xml *x = &a->xml;
    char s[32];
    fmt_ibox p = fmt_int_box(prev->box, page), n = fmt_int_box(next->box, page);
    fmt_ibox lb = fmt_int_box(l->box, page);
    FMT_TRY(fmt_xml_space(x, "\n            "));
    FMT_TRY(fmt_xml_start(x, "SP"));
    if (n.x0 > p.x1) {
        FMT_TRY(fmt_xml_attr_raw(x, "HPOS", alto_pos(a, s, p.x1, 0)));
        FMT_TRY(fmt_xml_attr_raw(x, "VPOS", alto_pos(a, s, lb.y0, 1)));
        FMT_TRY(fmt_xml_attr_raw(x, "WIDTH", alto_pos(a, s, n.x0 - p.x1, 0)));
    }
    return fmt_xml_end(x);
}

/* BASELINE="x0,y0 x1,y1" from the hOCR-style slope and offset. */
static vo_status
alto_baseline(alto_writer *a, const vo_page *page, const vo_line *l)
{
    if (!l->has_baseline || !isfinite(l->baseline_slope) || !isfinite(l->baseline_offset))
        return VO_OK;
    fmt_ibox b = fmt_int_box(l->box, page);
    double y0 = l->box.y1 + l->baseline_offset + l->baseline_slope * (b.x0 - l->box.x0);
    double y1 = l->box.y1 + l->baseline_offset + l->baseline_slope * (b.x1 - l->box.x0);
    char p[4][32], v[160];
    snprintf(v, sizeof v, "%s,%s %s,%s", alto_pos(a, p[0], b.x0, 0), alto_pos(a, p[1], y0, 1),
             alto_pos(a, p[2], b.x1, 0), alto_pos(a, p[3], y1, 1));
    return fmt_xml_attr_raw(&a->xml, "BASELINE", v);
}

static vo_status
alto_line(alto_writer *a, vo_ctx *ctx, const vo_page *page, const vo_line *l, int line_id,
          int *word_id)
{
    fmt_xml *x = &a->xml;
    FMT_TRY(fmt_xml_space(x, "\n          "));
    FMT_TRY(fmt_xml_start(x, "TextLine"));
    FMT_TRY(fmt_xml_attrf(x, "ID", "line_%d_%d", page->number, line_id));
    FMT_TRY(alto_box_attrs(a, fmt_int_box(l->box, page)));
    FMT_TRY(alto_baseline(a, page, l));
    const vo_word *prev = NULL;
    for (int i = 0; i < l->n_words; i++) {
        const vo_word *w = &l->words[i];
        if (!fmt_word_has_text(w))
            continue;
        if (prev)
            FMT_TRY(alto_sp(a, page, l, prev, w));
        FMT_TRY(alto_string(a, ctx, page, w, ++*word_id));
        prev = w;
    }
    FMT_TRY(fmt_xml_space(x, "\n          "));
    return fmt_xml_end(x);
}

static vo_status
alto_block(alto_writer *a, vo_ctx *ctx, const vo_page *page, const vo_par *par, int par_id,
           int *line_id, int *word_id)
{
    fmt_xml *x = &a->xml;
    FMT_TRY(fmt_xml_space(x, "\n        "));
    FMT_TRY(fmt_xml_start(x, "TextBlock"));
    FMT_TRY(fmt_xml_attrf(x, "ID", "block_%d_%d", page->number, par_id));
    FMT_TRY(alto_box_attrs(a, fmt_int_box(par->box, page)));
    if (fmt_lang_bcp47(par->lang))
        FMT_TRY(fmt_xml_attr_raw(x, "LANG", fmt_lang_bcp47(par->lang)));
    for (int l = 0; l < par->n_lines; l++)
        if (fmt_line_has_text(&par->lines[l]))
            FMT_TRY(alto_line(a, ctx, page, &par->lines[l], ++*line_id, word_id));
    FMT_TRY(fmt_xml_space(x, "\n        "));
    return fmt_xml_end(x);
}

static vo_status
alto_write_page(alto_writer *a, vo_ctx *ctx, const vo_page *page)
{
    fmt_xml *x = &a->xml;
    FMT_TRY(alto_set_scale(a, ctx, page));
    if (!a->head_written)
        FMT_TRY(alto_head(a, page));
    fmt_ibox whole = {0, 0, page->width > 0 ? page->width : 0,
                      page->height > 0 ? page->height : 0};
    char s[32];
    FMT_TRY(fmt_xml_space(x, "\n    "));
    FMT_TRY(fmt_xml_start(x, "Page"));
    FMT_TRY(fmt_xml_attrf(x, "ID", "page_%d", page->number));
    FMT_TRY(fmt_xml_attrf(x, "PHYSICAL_IMG_NR", "%d", page->number));
    FMT_TRY(fmt_xml_attr_raw(x, "PROCESSINGREFS", "proc_1"));
    FMT_TRY(fmt_xml_attr_raw(x, "WIDTH", alto_pos(a, s, whole.x1, 0)));
    FMT_TRY(fmt_xml_attr_raw(x, "HEIGHT", alto_pos(a, s, whole.y1, 1)));
    if (fmt_lang_bcp47(page->lang))
        FMT_TRY(fmt_xml_attr_raw(x, "LANG", fmt_lang_bcp47(page->lang)));
    FMT_TRY(fmt_xml_space(x, "\n      "));
    FMT_TRY(fmt_xml_start(x, "PrintSpace"));
    FMT_TRY(alto_box_attrs(a, whole));
    int n_par = 0, n_line = 0, n_word = 0;
    for (int b = 0; b < page->n_blocks; b++)
        for (int p = 0; p < page->blocks[b].n_pars; p++)
            if (fmt_par_has_text(&page->blocks[b].pars[p]))
                FMT_TRY(alto_block(a, ctx, page, &page->blocks[b].pars[p], ++n_par, &n_line,
                                   &n_word));
    if (n_par)
        FMT_TRY(fmt_xml_space(x, "\n      "));
    FMT_TRY(fmt_xml_end(x)); /* PrintSpace */
    FMT_TRY(fmt_xml_space(x, "\n    "));
    FMT_TRY(fmt_xml_end(x)); /* Page */
    return fmt_xml_flush(x);
}

/* --- the writer --- */

static vo_status
alto_begin(vo_ctx *ctx, vo_writer *w, const vo_doc_info *info)
{
    alto_writer *a = (alto_writer *)w;
    a->timestamp = info ? info->timestamp : 0;
    if ((info && info->source && !(a->source = vo_strdup(info->source))) ||
        (info && info->method && !(a->method = vo_strdup(info->method))) ||
        (info && info->settings && !(a->settings = vo_strdup(info->settings))))
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory writing ALTO");
    fmt_xml_enter(&a->xml);
    vo_status st = xmlTextWriterStartDocument(a->xml.w, "1.0", "UTF-8", NULL) < 0
                       ? fmt_xml_fail(&a->xml) : VO_OK;
    fmt_xml_leave(&a->xml);
    return st;
}

static vo_status
alto_page(vo_ctx *ctx, vo_writer *w, const vo_page *page)
{
    alto_writer *a = (alto_writer *)w;
    fmt_xml_enter(&a->xml);
    vo_status st = alto_write_page(a, ctx, page);
    fmt_xml_leave(&a->xml);
    return st;
}

static vo_status
alto_finish(alto_writer *a, vo_ctx *ctx)
{
    fmt_xml *x = &a->xml;
    /* ALTO needs at least one Page: a document without pages cannot be written */
    if (!a->head_written)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "%s: ALTO needs at least one page",
                       vo_output_name(a->super.out));
    FMT_TRY(fmt_xml_space(x, "\n  "));
    FMT_TRY(fmt_xml_end(x)); /* Layout */
    FMT_TRY(fmt_xml_space(x, "\n"));
    FMT_TRY(fmt_xml_end(x)); /* alto */
    FMT_TRY(fmt_xml_space(x, "\n"));
    FMT_TRY(xmlTextWriterEndDocument(x->w) < 0 ? fmt_xml_fail(x) : VO_OK);
    return fmt_xml_flush(x);
}

static vo_status
alto_end(vo_ctx *ctx, vo_writer *w)
{
    alto_writer *a = (alto_writer *)w;
    fmt_xml_enter(&a->xml);
    vo_status st = alto_finish(a, ctx);
    fmt_xml_leave(&a->xml);
    return st;
}

static void
alto_drop(vo_writer *w)
{
    alto_writer *a = (alto_writer *)w;
    fmt_xml_close(&a->xml);
    vo_free(a->source);
    vo_free(a->method);
    vo_free(a->settings);
    vo_buf_free(&a->tmp);
    vo_buf_free(&a->word);
    vo_buf_free(&a->glyphs);
    vo_free(a);
}

vo_status
vo_new_alto_writer(vo_ctx *ctx, vo_output *out, const vo_writer_opts *opts, vo_writer **w)
{
    *w = NULL;
    if (opts && (opts->alto_unit < VO_ALTO_PIXEL || opts->alto_unit > VO_ALTO_INCH1200))
        return vo_fail(ctx, VO_ERR_ARGUMENT, "unknown ALTO measurement unit %d "
                       "(0 pixel, 1 mm10, 2 inch1200)", opts->alto_unit);
    alto_writer *a = vo_calloc(1, sizeof *a);
    if (!a)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory creating the ALTO writer");
    a->super = (vo_writer){alto_begin, alto_page, alto_end, alto_drop, out};
    a->opts = opts ? *opts : (vo_writer_opts){.alto_unit = VO_ALTO_PIXEL, .hocr_char_boxes = 1};
    vo_status st = fmt_xml_open(ctx, out, &a->xml);
    if (st) {
        alto_drop(&a->super);
        return st;
    }
    *w = &a->super;
    return VO_OK;
}
