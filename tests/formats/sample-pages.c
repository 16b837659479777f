/* sample-pages.c: builds the sample page models of the formats tests; the
 * golden files in tests/data/formats/ are written by hand from these. */
#include "tests/formats/sample-pages.h"
#include "src/util/alloc.h"

#include <string.h>

#define BOX(a, b, c, d) ((vo_box){(a), (b), (c), (d)})
#define WORD(p, t, box, conf, lang) vo_page_add_word(p, t, strlen(t), box, conf, lang)
#define GLYPH(p, t, box, conf) vo_page_add_glyph(p, t, strlen(t), box, conf)

/* Page 1: two blocks, three paragraphs, baselines, glyphs, XML specials,
 * a decomposed Hangul word and a word reaching past the page. */
static vo_status page_one(vo_page *p)
{
    vo_status st = VO_OK;
    p->lang = "kor";
    p->origin = VO_PAGE_FROM_OCR;
    if (!(p->image_name = vo_strdup("scan-0001.png")))
        return VO_ERR_NOMEM;
    st = st ? st : vo_page_add_block(p);
    st = st ? st : vo_page_add_par(p);
    st = st ? st : vo_page_add_line(p);
    st = st ? st : WORD(p, "한국어", BOX(10.4f, 20.6f, 99.2f, 50.0f), 0.96875f, "kor");
    st = st ? st : GLYPH(p, "한", BOX(10.4f, 20.6f, 40, 50), 0.99f);
    st = st ? st : GLYPH(p, "국", BOX(40, 20.6f, 70, 50), 0.98f);
    st = st ? st : GLYPH(p, "어", BOX(70, 20.6f, 99.2f, 50), 0.95f);
    st = st ? st : WORD(p, "OCR&ALTO", BOX(110, 20, 230.5f, 50), 0.9123f, "eng");
    st = st ? st : vo_page_add_line(p);
    st = st ? st : WORD(p, "<tag>", BOX(10, 60, 80, 90), VO_CONF_NONE, "kor");
    st = st ? st : WORD(p, "\"quoted\"", BOX(90, 60, 200, 90), 0.5f, NULL);
    st = st ? st : WORD(p, "it's", BOX(210, 60, 260, 90), 1.0f, NULL);
    st = st ? st : vo_page_add_block(p);
    st = st ? st : vo_page_add_par(p);
    st = st ? st : WORD(p, "Hello", BOX(300, 200, 380, 230), 0.8125f, "eng");
    st = st ? st : WORD(p, "world", BOX(390, 200, 470, 230), 0.75f, "eng");
    st = st ? st : vo_page_add_par(p);
    /* 한 as three conjoining jamo: NFC makes one syllable; its glyphs stay
     * jamo, so no writer may emit them as the word's glyphs */
    st = st ? st : WORD(p, "\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB", BOX(300, 250, 340, 280),
                        0.625f, "kor");
    st = st ? st : GLYPH(p, "\xE1\x84\x92", BOX(300, 250, 313, 280), 0.5f);
    st = st ? st : GLYPH(p, "\xE1\x85\xA1", BOX(313, 250, 326, 280), 0.5f);
    st = st ? st : GLYPH(p, "\xE1\x86\xAB", BOX(326, 250, 340, 280), 0.5f);
    st = st ? st : WORD(p, "edge", BOX(560, 380, 650, 420), 0.25f, "eng");
    if (st)
        return st;
    vo_page_finish(p);
    vo_par *par1 = &p->blocks[0].pars[0];
    par1->lang = "kor";
    par1->lines[0].has_baseline = 1;
    par1->lines[0].baseline_slope = 0.0f;
    par1->lines[0].baseline_offset = -5.0f;
    p->blocks[1].pars[0].lang = "eng";
    p->blocks[1].pars[1].lang = "kor";
    return VO_OK;
}

/* Page 2: control characters, invalid UTF-8, a word of controls only,
 * unknown confidences, fractional boxes, non-square resolution. */
static vo_status page_two(vo_page *p)
{
    vo_status st = VO_OK;
    p->lang = "eng";
    p->origin = VO_PAGE_FROM_TEXT_LAYER;
    st = st ? st : WORD(p, "ctl\x01\x1f\x7fx", BOX(5.5f, 7.2f, 50.1f, 30.9f), VO_CONF_NONE, "eng");
    st = st ? st : WORD(p, "bad\xff\xfeutf", BOX(60, 7, 120, 31), VO_CONF_NONE, "eng");
    st = st ? st : WORD(p, "\x01\x02", BOX(130, 7, 140, 31), VO_CONF_NONE, "eng");
    st = st ? st : WORD(p, "tab\tin", BOX(150, 7, 200, 31), VO_CONF_NONE, "eng");
    if (st)
        return st;
    vo_page_finish(p);
    return VO_OK;
}

vo_status sample_pages(vo_page *pages[SAMPLE_N_PAGES])
{
    pages[0] = vo_new_page(1, 600, 400, 300, 300, "scan.pdf");
    pages[1] = vo_new_page(2, 600, 400, 200, 100, "scan.pdf");
    pages[2] = vo_new_page(3, 100, 100, 72, 72, "scan.pdf"); /* empty */
    if (!pages[0] || !pages[1] || !pages[2] || page_one(pages[0]) || page_two(pages[1])) {
        sample_pages_drop(pages);
        return VO_ERR_NOMEM;
    }
    return VO_OK;
}

void sample_pages_drop(vo_page *pages[SAMPLE_N_PAGES])
{
    for (int i = 0; i < SAMPLE_N_PAGES; i++) {
        vo_drop_page(pages[i]);
        pages[i] = NULL;
    }
}

vo_doc_info sample_info(void)
{
    return (vo_doc_info){.source = "scan.pdf", .title = NULL, .n_pages = SAMPLE_N_PAGES,
                         .timestamp = 1735689600, .model = "VARCO-VISION-2.0-1.7B-OCR",
                         .method = "grounded OCR by the model <&>",
                         .settings = "text-layer=auto; dpi=300"};
}
