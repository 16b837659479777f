/* json.c: varco-ocr's own JSON (docs/json-format.md): the page model as
 * nested objects, boxes rounded to 0.01 px, written page by page. */
#include "formats/json.h"
#include "formats/common.h"
#include "src/util/alloc.h"

#include <stdio.h>

typedef struct json_writer {
    vo_writer super;
    int n_pages;  /* pages written so far */
    vo_buf out;   /* the part being built */
    vo_buf tmp;   /* one cleaned string */
} json_writer;

/* Append `s` (cleaned first) as a JSON string. */
static vo_status
json_string(vo_ctx *ctx, json_writer *j, const char *s)
{
    vo_status st = fmt_clean_text(ctx, s, &j->tmp);
    if (st)
        return st;
    st = vo_buf_putc(&j->out, '"');
    for (const char *p = j->tmp.data; !st && *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\')
            st = vo_buf_printf(&j->out, "\\%c", c);
        else if (c < 0x20) /* cleaned text has none; kept for safety */
            st = vo_buf_printf(&j->out, "\\u%04x", c);
        else
            st = vo_buf_putc(&j->out, (char)c);
    }
    if (!st)
        st = vo_buf_putc(&j->out, '"');
    return st ? vo_fail(ctx, VO_ERR_NOMEM, "out of memory writing JSON") : VO_OK;
}

static vo_status
json_box(json_writer *j, vo_box b)
{
    char s[4][32];
    return vo_buf_printf(&j->out, "\"bbox\":[%s,%s,%s,%s]", fmt_num(s[0], b.x0, 2),
                         fmt_num(s[1], b.y0, 2), fmt_num(s[2], b.x1, 2), fmt_num(s[3], b.y1, 2));
}

static vo_status
json_conf(json_writer *j, float conf)
{
    char s[32];
    if (!fmt_conf_known(conf))
        return VO_OK;
    return vo_buf_printf(&j->out, ",\"conf\":%s", fmt_num(s, fmt_conf01(conf), 4));
}

static vo_status
json_lang(vo_ctx *ctx, json_writer *j, const char *lang)
{
    if (!lang)
        return VO_OK;
    if (vo_buf_puts(&j->out, ",\"lang\":"))
        return VO_ERR_NOMEM;
    return json_string(ctx, j, lang);
}

static vo_status
json_word(vo_ctx *ctx, json_writer *j, const vo_word *w)
{
    vo_status st = vo_buf_puts(&j->out, "{\"text\":");
    if (!st)
        st = json_string(ctx, j, w->text);
    if (!st)
        st = vo_buf_putc(&j->out, ',');
    if (!st)
        st = json_box(j, w->box);
    if (!st)
        st = json_conf(j, w->conf);
    if (!st)
        st = json_lang(ctx, j, w->lang);
    if (!st && w->n_glyphs > 0)
        st = vo_buf_puts(&j->out, ",\"glyphs\":[");
    for (int g = 0; !st && g < w->n_glyphs; g++) {
        const vo_glyph *glyph = &w->glyphs[g];
        st = vo_buf_puts(&j->out, g ? ",{\"text\":" : "{\"text\":");
        if (!st)
            st = json_string(ctx, j, glyph->text);
        if (!st)
            st = vo_buf_putc(&j->out, ',');
        if (!st)
            st = json_box(j, glyph->box);
        if (!st)
            st = json_conf(j, glyph->conf);
        if (!st)
            st = vo_buf_putc(&j->out, '}');
        if (!st && g == w->n_glyphs - 1)
            st = vo_buf_putc(&j->out, ']');
    }
    if (!st)
        st = vo_buf_putc(&j->out, '}');
    return st;
}

static vo_status
json_line(vo_ctx *ctx, json_writer *j, const vo_line *l)
{
    vo_status st = vo_buf_putc(&j->out, '{');
    if (!st)
        st = json_box(j, l->box);
    if (!st)
        st = json_conf(j, l->conf);
    if (!st)
        st = vo_buf_puts(&j->out, ",\"words\":[");
    int first = 1;
    for (int i = 0; !st && i < l->n_words; i++) {
        if (!fmt_word_has_text(&l->words[i]))
            continue;
        if (!first)
            st = vo_buf_putc(&j->out, ',');
        if (!st)
            st = json_word(ctx, j, &l->words[i]);
        first = 0;
    }
    if (!st)
        st = vo_buf_puts(&j->out, "]}");
    return st;
}

static vo_status
json_par(vo_ctx *ctx, json_writer *j, const vo_par *p)
{
    vo_status st = vo_buf_putc(&j->out, '{');
    if (!st)
        st = json_box(j, p->box);
    if (!st)
        st = json_lang(ctx, j, p->lang);
    if (!st)
        st = vo_buf_puts(&j->out, ",\"lines\":[");
    int first = 1;
    for (int i = 0; !st && i < p->n_lines; i++) {
        if (!fmt_line_has_text(&p->lines[i]))
            continue;
        if (!first)
            st = vo_buf_putc(&j->out, ',');
        if (!st)
            st = json_line(ctx, j, &p->lines[i]);
        first = 0;
    }
    if (!st)
        st = vo_buf_puts(&j->out, "]}");
    return st;
}

static vo_status
json_block(vo_ctx *ctx, json_writer *j, const vo_block *b)
{
    vo_status st = vo_buf_puts(&j->out, "\n  {");
    if (!st)
        st = json_box(j, b->box);
    if (!st)
        st = vo_buf_puts(&j->out, ",\"paragraphs\":[");
    int first = 1;
    for (int i = 0; !st && i < b->n_pars; i++) {
        if (!fmt_par_has_text(&b->pars[i]))
            continue;
        if (!first)
            st = vo_buf_putc(&j->out, ',');
        if (!st)
            st = json_par(ctx, j, &b->pars[i]);
        first = 0;
    }
    if (!st)
        st = vo_buf_puts(&j->out, "]}");
    return st;
}

static vo_status
json_begin(vo_ctx *ctx, vo_writer *w, const vo_doc_info *info)
{
    json_writer *j = (json_writer *)w;
    vo_buf_reset(&j->out);
    vo_status st = vo_buf_puts(&j->out, "{\"version\":1,\"source\":");
    if (!st)
        st = json_string(ctx, j, info && info->source ? info->source : "");
    if (!st)
        st = vo_buf_puts(&j->out, ",\"pages\":[");
    if (st)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory writing JSON");
    return vo_output_write(ctx, w->out, j->out.data, j->out.len);
}

static vo_status
json_page(vo_ctx *ctx, vo_writer *w, const vo_page *page)
{
    json_writer *j = (json_writer *)w;
    char dx[32], dy[32];
    vo_buf_reset(&j->out);
    vo_status st = vo_buf_printf(&j->out,
                                 "%s\n{\"page\":%d,\"width\":%d,\"height\":%d,\"dpi\":[%s,%s]",
                                 j->n_pages ? "," : "", page->number, page->width, page->height,
                                 fmt_num(dx, page->dpi_x, 2), fmt_num(dy, page->dpi_y, 2));
    if (!st && page->origin == VO_PAGE_FROM_TEXT_LAYER)
        st = vo_buf_puts(&j->out, ",\"origin\":\"text-layer\"");
    else if (!st && page->origin == VO_PAGE_FROM_OCR)
        st = vo_buf_puts(&j->out, ",\"origin\":\"ocr\"");
    if (!st)
        st = json_lang(ctx, j, page->lang);
    if (!st)
        st = vo_buf_puts(&j->out, ",\"blocks\":[");
    int first = 1;
    for (int b = 0; !st && b < page->n_blocks; b++) {
        if (!fmt_block_has_text(&page->blocks[b]))
            continue;
        if (!first)
            st = vo_buf_putc(&j->out, ',');
        if (!st)
            st = json_block(ctx, j, &page->blocks[b]);
        first = 0;
    }
    if (!st)
        st = vo_buf_puts(&j->out, "]}");
    if (st)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory writing JSON");
    j->n_pages++;
    return vo_output_write(ctx, w->out, j->out.data, j->out.len);
}

static vo_status
json_end(vo_ctx *ctx, vo_writer *w)
{
    return vo_output_puts(ctx, w->out, "\n]}\n");
}

static void
json_drop(vo_writer *w)
{
    json_writer *j = (json_writer *)w;
    vo_buf_free(&j->out);
    vo_buf_free(&j->tmp);
    vo_free(j);
}

vo_status
vo_new_json_writer(vo_ctx *ctx, vo_output *out, const vo_writer_opts *opts, vo_writer **w)
{
    (void)opts;
    *w = NULL;
    json_writer *j = vo_calloc(1, sizeof *j);
    if (!j)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory creating the JSON writer");
    j->super = (vo_writer){json_begin, json_page, json_end, json_drop, out};
    *w = &j->super;
    return VO_OK;
}
