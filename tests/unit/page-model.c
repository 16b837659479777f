/* page-model.c: page builders, finish (union boxes, empty pruning, langs). */
#include "src/page/page.h"
#include "src/util/alloc.h"
#include "tests/tap.h"

int main(void)
{
    vo_page *p = vo_new_page(1, 1000, 800, 300, 300, "a.pdf");
    ok(p != NULL, "page 1.1: new page");
    ok(vo_page_add_word(p, "한국어", strlen("한국어"), (vo_box){10, 10, 50, 30}, 0.9f, "kor") == VO_OK,
       "page 1.2: word creates parents");
    ok(p->n_blocks == 1 && p->blocks[0].n_pars == 1 && p->blocks[0].pars[0].n_lines == 1,
       "page 1.3: one block, paragraph, line");
    vo_page_add_word(p, "OCR", 3, (vo_box){60, 12, 90, 32}, 0.5f, "eng");
    vo_page_add_word(p, "텍스트", strlen("텍스트"), (vo_box){0, 0, 0, 0}, VO_CONF_NONE, "kor");
    vo_page_add_glyph(p, "텍", 3, (vo_box){100, 10, 110, 30}, 0.8f);
    vo_page_add_glyph(p, "스", 3, (vo_box){110, 10, 120, 30}, 0.8f);
    vo_page_add_glyph(p, "트", 3, (vo_box){120, 10, 130, 31}, 0.8f);
    vo_page_add_line(p);         /* an empty line: pruned */
    vo_page_add_block(p);        /* an empty block: pruned */
    vo_page_add_block(p);
    vo_page_add_word(p, "end", 3, (vo_box){10, 700, 40, 720}, VO_CONF_NONE, NULL);
    vo_page_finish(p);
    ok(p->n_blocks == 2, "page 2.1: empty block pruned (%d blocks)", p->n_blocks);
    ok(p->blocks[0].pars[0].n_lines == 1, "page 2.2: empty line pruned");
    vo_word *w = &p->blocks[0].pars[0].lines[0].words[2];
    ok(w->box.x0 == 100 && w->box.x1 == 130 && w->box.y1 == 31, "page 2.3: word box from glyphs");
    vo_line *l = &p->blocks[0].pars[0].lines[0];
    ok(l->box.x0 == 10 && l->box.x1 == 130 && l->box.y0 == 10 && l->box.y1 == 32,
       "page 2.4: line box is the union");
    ok(l->conf > 0.69f && l->conf < 0.71f, "page 2.5: line conf is the mean of known word confs");
    ok(p->blocks[0].pars[0].lang && strcmp(p->blocks[0].pars[0].lang, "kor") == 0,
       "page 2.6: paragraph language is the most frequent");
    ok(p->blocks[1].box.y0 == 700, "page 2.7: second block box");
    ok(vo_page_count_words(p) == 4, "page 2.8: four words");
    ok(vo_page_add_glyph(p, "x", 1, (vo_box){0, 0, 1, 1}, 1) == VO_OK, "page 2.9: glyph on last word");
    vo_drop_page(p);

    vo_box a = {0, 0, 10, 10}, b = {5, 0, 15, 10};
    float iou = vo_box_iou(a, b);
    ok(iou > 0.333f && iou < 0.334f, "box 1.1: iou of half-overlapping boxes");
    ok(vo_box_iou(a, (vo_box){20, 20, 30, 30}) == 0, "box 1.2: disjoint iou is 0");

    /* allocation faults while building: never a crash, status NOMEM */
    int clean = 1;
    for (long k = 1; k < 200; k++) {
        vo_alloc_fail_after(k);
        vo_page *q = vo_new_page(1, 10, 10, 72, 72, "x");
        vo_status st = q ? VO_OK : VO_ERR_NOMEM;
        for (int i = 0; i < 30 && !st; i++) {
            st = vo_page_add_word(q, "word", 4, (vo_box){0, 0, 1, 1}, 1, NULL);
            if (!st)
                st = vo_page_add_glyph(q, "w", 1, (vo_box){0, 0, 1, 1}, 1);
            if (!st && i % 7 == 6)
                st = vo_page_add_line(q);
        }
        int fired = vo_alloc_fault_fired();
        vo_alloc_fail_after(0);
        if (q)
            vo_page_finish(q);
        vo_drop_page(q);
        if (fired && st != VO_ERR_NOMEM)
            clean = 0;
        if (!fired)
            break;
    }
    ok(clean, "page 3.1: allocation faults give VO_ERR_NOMEM and a valid page");
    return done_testing();
}
