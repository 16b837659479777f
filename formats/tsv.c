/* tsv.c: Tesseract's 12-column TSV: a header once, then per page one row per
 * page, block, paragraph, line (levels 1-4, conf -1) and word (level 5). */
#include "formats/tsv.h"
#include "formats/common.h"
#include "src/util/alloc.h"

typedef struct tsv_writer {
    vo_writer super;
    vo_buf rows;  /* the page being built */
    vo_buf word;  /* one cleaned word */
} tsv_writer;

static vo_status
tsv_begin(vo_ctx *ctx, vo_writer *w, const vo_doc_info *info)
{
    (void)info;
    return vo_output_puts(ctx, w->out, "level\tpage_num\tblock_num\tpar_num\tline_num\t"
                                       "word_num\tleft\ttop\twidth\theight\tconf\ttext\n");
}

/* One row; numbers 0 where the level has none, as Tesseract. */
static vo_status
tsv_row(vo_ctx *ctx, tsv_writer *t, const int num[6], fmt_ibox b, const char *conf,
        const char *text)
{
    if (vo_buf_printf(&t->rows, "%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", num[0],
                      num[1], num[2], num[3], num[4], num[5], b.x0, b.y0, b.x1 - b.x0,
                      b.y1 - b.y0, conf, text))
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory writing TSV");
    return VO_OK;
}

static vo_status
tsv_line(vo_ctx *ctx, tsv_writer *t, const vo_page *page, const vo_line *line, int num[6])
{
    vo_status st = tsv_row(ctx, t, num, fmt_int_box(line->box, page), "-1", "");
    num[0] = 5;
    for (int i = 0; !st && i < line->n_words; i++) {
        const vo_word *word = &line->words[i];
        if (!fmt_word_has_text(word))
            continue;
        /* a born-digital page's own words are certain: 100, so that the usual
         * `conf > 60` filters of Tesseract users keep them (-1 marks rows that
         * are not words in Tesseract's TSV) */
        char conf[32] = "-1";
        if (fmt_conf_known(word->conf)) /* in float, as Tesseract's float confidences */
            snprintf(conf, sizeof conf, "%.6f", (double)(fmt_conf01(word->conf) * 100.0f));
        else if (page->origin == VO_PAGE_FROM_TEXT_LAYER)
            snprintf(conf, sizeof conf, "100");
        num[5]++;
        st = fmt_clean_text(ctx, word->text, &t->word);
        if (!st)
            st = tsv_row(ctx, t, num, fmt_int_box(word->box, page), conf, t->word.data);
    }
    return st;
}

static vo_status
tsv_page(vo_ctx *ctx, vo_writer *w, const vo_page *page)
{
    tsv_writer *t = (tsv_writer *)w;
    vo_buf_reset(&t->rows);
    fmt_ibox whole = {0, 0, page->width > 0 ? page->width : 0,
                      page->height > 0 ? page->height : 0};
    int num[6] = {1, page->number, 0, 0, 0, 0}; /* level page block par line word */
    vo_status st = tsv_row(ctx, t, num, whole, "-1", "");
    for (int b = 0; !st && b < page->n_blocks; b++) {
        const vo_block *block = &page->blocks[b];
        if (!fmt_block_has_text(block))
            continue;
        num[0] = 2, num[2]++, num[3] = num[4] = num[5] = 0;
        st = tsv_row(ctx, t, num, fmt_int_box(block->box, page), "-1", "");
        for (int p = 0; !st && p < block->n_pars; p++) {
            const vo_par *par = &block->pars[p];
            if (!fmt_par_has_text(par))
                continue;
            num[0] = 3, num[3]++, num[4] = num[5] = 0;
            st = tsv_row(ctx, t, num, fmt_int_box(par->box, page), "-1", "");
            for (int l = 0; !st && l < par->n_lines; l++) {
                if (!fmt_line_has_text(&par->lines[l]))
                    continue;
                num[0] = 4, num[4]++, num[5] = 0;
                st = tsv_line(ctx, t, page, &par->lines[l], num);
            }
        }
    }
    if (!st)
        st = vo_output_write(ctx, w->out, t->rows.data, t->rows.len);
    return st;
}

static vo_status
tsv_end(vo_ctx *ctx, vo_writer *w)
{
    (void)ctx, (void)w;
    return VO_OK;
}

static void
tsv_drop(vo_writer *w)
{
    tsv_writer *t = (tsv_writer *)w;
    vo_buf_free(&t->rows);
    vo_buf_free(&t->word);
    vo_free(t);
}

vo_status
vo_new_tsv_writer(vo_ctx *ctx, vo_output *out, const vo_writer_opts *opts, vo_writer **w)
{
    (void)opts;
    *w = NULL;
    tsv_writer *t = vo_calloc(1, sizeof *t);
    if (!t)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory creating the TSV writer");
    t->super = (vo_writer){tsv_begin, tsv_page, tsv_end, tsv_drop, out};
    *w = &t->super;
    return VO_OK;
}
