/* txt.c: plain text like Tesseract's txt output: words joined by one space,
 * one line per text line, a blank line after each paragraph, \f between pages. */
#include "formats/txt.h"
#include "formats/common.h"
#include "src/util/alloc.h"

typedef struct txt_writer {
    vo_writer super;
    int n_pages;  /* pages written so far */
    vo_buf text;  /* the page being built */
    vo_buf word;  /* one cleaned word */
} txt_writer;

static vo_status
txt_begin(vo_ctx *ctx, vo_writer *w, const vo_doc_info *info)
{
    (void)ctx, (void)w, (void)info;
    return VO_OK;
}

static vo_status
txt_add_line(vo_ctx *ctx, txt_writer *t, const vo_line *line)
{
    int first = 1;
    for (int i = 0; i < line->n_words; i++) {
        if (!fmt_word_has_text(&line->words[i]))
            continue;
        vo_status st = fmt_clean_text(ctx, line->words[i].text, &t->word);
        if (st)
            return st;
        if ((!first && vo_buf_putc(&t->text, ' ')) || vo_buf_puts(&t->text, t->word.data))
            return vo_fail(ctx, VO_ERR_NOMEM, "out of memory writing text");
        first = 0;
    }
    if (vo_buf_putc(&t->text, '\n'))
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory writing text");
    return VO_OK;
}

static vo_status
txt_page(vo_ctx *ctx, vo_writer *w, const vo_page *page)
{
    txt_writer *t = (txt_writer *)w;
    vo_buf_reset(&t->text);
    if (t->n_pages++ > 0 && vo_buf_putc(&t->text, '\f'))
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory writing text");
    for (int b = 0; b < page->n_blocks; b++) {
        const vo_block *block = &page->blocks[b];
        for (int p = 0; p < block->n_pars; p++) {
            const vo_par *par = &block->pars[p];
            if (!fmt_par_has_text(par))
                continue;
            for (int l = 0; l < par->n_lines; l++) {
                if (!fmt_line_has_text(&par->lines[l]))
                    continue;
                vo_status st = txt_add_line(ctx, t, &par->lines[l]);
                if (st)
                    return st;
            }
            if (vo_buf_putc(&t->text, '\n'))
                return vo_fail(ctx, VO_ERR_NOMEM, "out of memory writing text");
        }
    }
    if (t->text.len == 0)
        return VO_OK;
    return vo_output_write(ctx, w->out, t->text.data, t->text.len);
}

static vo_status
txt_end(vo_ctx *ctx, vo_writer *w)
{
    (void)ctx, (void)w;
    return VO_OK;
}

static void
txt_drop(vo_writer *w)
{
    txt_writer *t = (txt_writer *)w;
    vo_buf_free(&t->text);
    vo_buf_free(&t->word);
    vo_free(t);
}

vo_status
vo_new_txt_writer(vo_ctx *ctx, vo_output *out, const vo_writer_opts *opts, vo_writer **w)
{
    (void)opts;
    *w = NULL;
    txt_writer *t = vo_calloc(1, sizeof *t);
    if (!t)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory creating the text writer");
    t->super = (vo_writer){txt_begin, txt_page, txt_end, txt_drop, out};
    *w = &t->super;
    return VO_OK;
}
