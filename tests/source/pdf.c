/* pdf.c: PDFs and images through MuPDF: page counts against pdfinfo,
 * passwords, render sizes, and the text layer against pdftotext -bbox. */
#include "tests/source/source-test.h"
#include "src/util/alloc.h"

#include <math.h>

/* Page counts as `pdfinfo` (poppler 22.12) reports them. */
static const struct { const char *file; int pages; } pdf_pages[] = {
    {"ocrmypdf__aspect.pdf", 1},       {"ocrmypdf__c02-22.pdf", 1},
    {"ocrmypdf__cardinal.pdf", 4},     {"ocrmypdf__ccitt.pdf", 1},
    {"ocrmypdf__jbig2.pdf", 1},        {"ocrmypdf__multipage.pdf", 6},
    {"ocrmypdf__skew.pdf", 1},         {"pdfjs__bug1815476.pdf", 1},
    {"pdfjs__issue4061.pdf", 1},       {"pdfjs__issue5010.pdf", 1},
    {"pdfjs__issue7200.pdf", 1},       {"pdfjs__issue7229.pdf", 2},
    {"pdfjs__pdkids.pdf", 55},         {"pdfjs__vertical.pdf", 3},
    {"pdfminer__jo.pdf", 1},           {"pdfminer__simple1.pdf", 1},
    {"pypdf__google-doc-document.pdf", 1}, {"pypdf__multicolumn.pdf", 3},
    {"pypdf__pdflatex-4-pages.pdf", 4},
};

static vo_box
box_scale(vo_box b, float s)
{
    vo_box r = {b.x0 * s, b.y0 * s, b.x1 * s, b.y1 * s};
    return r;
}

/* The first word whose text is `text`, or NULL. */
static const vo_word *
find_word(const vo_page *p, const char *text)
{
    for (int b = 0; b < p->n_blocks; b++)
        for (int q = 0; q < p->blocks[b].n_pars; q++)
            for (int l = 0; l < p->blocks[b].pars[q].n_lines; l++) {
                const vo_line *line = &p->blocks[b].pars[q].lines[l];
                for (int w = 0; w < line->n_words; w++)
                    if (!strcmp(line->words[w].text, text))
                        return &line->words[w];
            }
    return NULL;
}

static void
test_counts(vo_ctx *ctx)
{
    char path[4096];
    const char *dir = test_corpus("pdf");
    if (!dir) {
        diag("pdf 1: skipped: the shared corpus (VO_SHARED) is absent");
        return;
    }
    for (size_t i = 0; i < sizeof pdf_pages / sizeof pdf_pages[0]; i++) {
        vo_document *doc = NULL;
        snprintf(path, sizeof path, "%s/%s", dir, pdf_pages[i].file);
        vo_status st = vo_open_document(ctx, path, NULL, &doc);
        ok(st == VO_OK && vo_document_page_count(doc) == pdf_pages[i].pages,
           "pdf 1.%zu: %s has %d pages as pdfinfo says (got %d, %s)", i + 1, pdf_pages[i].file,
           pdf_pages[i].pages, vo_document_page_count(doc), st ? vo_last_error(ctx) : "ok");
        ok(doc && !strcmp(vo_document_kind(doc), "pdf"), "pdf 1.%zu.k: %s is of kind pdf", i + 1,
           pdf_pages[i].file);
        vo_drop_document(doc);
    }
}

static void
test_password(vo_ctx *ctx)
{
    const char *path = test_data("pdfminer__aes-256_encrypted.pdf");
    vo_document *doc = NULL;
    vo_status st = vo_open_document(ctx, path, NULL, &doc);
    ok(st == VO_ERR_PASSWORD && !doc, "pdf 2.1: AES-256 PDF without password is VO_ERR_PASSWORD");
    ok(strstr(vo_last_error(ctx), "--password") && strstr(vo_last_error(ctx), path),
       "pdf 2.2: the message names the file and says --password (%s)", vo_last_error(ctx));
    st = vo_open_document(ctx, path, "bar", &doc);
    ok(st == VO_ERR_PASSWORD && !doc, "pdf 2.3: a wrong password is VO_ERR_PASSWORD");
    ok(strstr(vo_last_error(ctx), "--password") != NULL, "pdf 2.4: and says --password");
    st = vo_open_document(ctx, path, "foo", &doc);
    ok(st == VO_OK && vo_document_page_count(doc) == 1,
       "pdf 2.5: owner password 'foo' opens it, 1 page (%s)", st ? vo_last_error(ctx) : "ok");
    vo_raster *r = NULL;
    if (doc)
        st = vo_render_page(ctx, doc, 1, 72, NULL, &r);
    /* pdfinfo -opw foo: 595 x 842 pts */
    ok(r && r->width == 595 && r->height == 842, "pdf 2.6: renders at 72 dpi as 595x842");
    vo_drop_raster(r);
    vo_drop_document(doc);
}

static void
test_render(vo_ctx *ctx)
{
    vo_document *doc = NULL;
    vo_raster *r = NULL;
    vo_page_info info;
    vo_status st = vo_open_document(ctx, test_data("pdfminer__simple1.pdf"), NULL, &doc);
    ok(st == VO_OK, "pdf 3.1: simple1.pdf opens (%s)", st ? vo_last_error(ctx) : "ok");
    if (st != VO_OK)
        return;
    st = vo_document_page_info(ctx, doc, 1, &info);
    ok(st == VO_OK && info.width_pt == 612 && info.height_pt == 792 && info.has_text &&
           info.native_dpi_x == 0,
       "pdf 3.2: page info 612x792 pt with text, vector page");
    st = vo_render_page(ctx, doc, 1, 0, NULL, &r);
    ok(st == VO_OK && r->width == 2550 && r->height == 3300 && r->dpi_x == 300 &&
           r->stride >= 3 * r->width && r->page == 1,
       "pdf 3.3: default render of a vector page is 300 dpi (2550x3300)");
    vo_drop_raster(r);
    r = NULL;
    st = vo_render_page(ctx, doc, 1, 150, NULL, &r);
    ok(st == VO_OK && r->width == 1275 && r->height == 1650, "pdf 3.4: 150 dpi gives 1275x1650");
    vo_drop_raster(r);
    r = NULL;
    vo_source_limits lim = {1000000};
    st = vo_render_page(ctx, doc, 1, 150, &lim, &r);
    ok(st == VO_ERR_LIMIT && !r, "pdf 3.5: max_pixels refuses a larger raster");
    ok(strstr(vo_last_error(ctx), "simple1.pdf") != NULL, "pdf 3.6: the limit message names the file");
    st = vo_render_page(ctx, doc, 2, 72, NULL, &r);
    ok(st == VO_ERR_ARGUMENT && !r, "pdf 3.7: page 2 of 1 is refused");
    vo_drop_document(doc);
}

/* Text layer vs pdftotext -bbox (poppler 22.12) word boxes, in points. */
static void
test_text_layer(vo_ctx *ctx)
{
    vo_document *doc = NULL;
    vo_page *p = NULL;
    vo_status st = vo_open_document(ctx, test_data("pdfminer__simple1.pdf"), NULL, &doc);
    if (st == VO_OK)
        st = vo_extract_text_layer(ctx, doc, 1, 72, &p);
    ok(st == VO_OK && p, "pdf 4.1: simple1.pdf has a text layer (%s)", st ? vo_last_error(ctx) : "ok");
    if (p) {
        const vo_word *w = find_word(p, "Hello");
        vo_box want = {100.0f, 74.768f, 154.672f, 96.968f};
        ok(w != NULL, "pdf 4.2: word 'Hello' present");
        ok(w && vo_box_iou(w->box, want) >= 0.95f,
           "pdf 4.3: its box is pdftotext's (IoU %.2f)", w ? vo_box_iou(w->box, want) : 0);
        ok(w && w->n_glyphs == 5 && !strcmp(w->glyphs[0].text, "H") && w->lang &&
               !strcmp(w->lang, "eng"),
           "pdf 4.4: 5 glyphs, 'H' first, lang eng");
        ok(p->origin == VO_PAGE_FROM_TEXT_LAYER && p->width == 612 && p->height == 792 &&
               p->dpi_x == 72,
           "pdf 4.5: origin text layer, 612x792 px at 72 dpi");
        vo_drop_page(p);
        p = NULL;
        st = vo_extract_text_layer(ctx, doc, 1, 144, &p);
        w = p ? find_word(p, "Hello") : NULL;
        ok(w && vo_box_iou(w->box, box_scale(want, 2)) >= 0.95f && p->width == 1224,
           "pdf 4.6: at 144 dpi the box scales by 2");
        vo_drop_page(p);
        p = NULL;
    }
    vo_drop_document(doc);
    doc = NULL;

    st = vo_open_document(ctx, test_data("pdfjs__issue5010.pdf"), NULL, &doc);
    if (st == VO_OK)
        st = vo_extract_text_layer(ctx, doc, 1, 72, &p);
    ok(st == VO_OK && p, "pdf 4.7: the Korean CID PDF has a text layer");
    if (p) {
        /* pdftotext: one word 인터뷰●홍인혜카피라이터 at 10,17.968-182.8,34.336 */
        char text[256] = "";
        vo_box all = {0, 0, 0, 0};
        int first = 1;
        const char *lang = NULL;
        for (int b = 0; b < p->n_blocks; b++)
            for (int q = 0; q < p->blocks[b].n_pars; q++)
                for (int l = 0; l < p->blocks[b].pars[q].n_lines; l++)
                    for (int k = 0; k < p->blocks[b].pars[q].lines[l].n_words; k++) {
                        const vo_word *w = &p->blocks[b].pars[q].lines[l].words[k];
                        strncat(text, w->text, sizeof text - strlen(text) - 1);
                        all = first ? w->box : vo_box_union(all, w->box);
                        lang = lang ? lang : w->lang;
                        first = 0;
                    }
        vo_box want = {10.0f, 17.968f, 182.8f, 34.336f};
        /* needs mupdf_fixup.c: the ToUnicode map names its base by `usecmap` */
        ok(!strcmp(text, "인터뷰●홍인혜카피라이터"), "pdf 4.8: Korean text as pdftotext (%s)", text);
        ok(vo_box_iou(all, want) >= 0.95f, "pdf 4.9: its box is pdftotext's (IoU %.2f)",
           vo_box_iou(all, want));
        ok(lang && !strcmp(lang, "kor") && p->lang && !strcmp(p->lang, "kor"),
           "pdf 4.10: word and page lang kor");
        vo_drop_page(p);
    }
    vo_drop_document(doc);
}

static int
near(float a, float b, float tol)
{
    return fabsf(a - b) <= tol;
}

/* metrics.pdf (make-metrics-pdf.py): a ligature, a font with its own
 * FontDescriptor metrics, a button caption. Wanted boxes are those of
 * pdftotext -bbox (poppler 22.12), in points at 72 dpi. */
static void
test_metrics(vo_ctx *ctx)
{
    vo_document *doc = NULL;
    vo_page *p = NULL;
    vo_status st = vo_open_document(ctx, test_data("metrics.pdf"), NULL, &doc);
    if (st == VO_OK)
        st = vo_extract_text_layer(ctx, doc, 1, 72, &p);
    ok(st == VO_OK && p, "pdf 7.1: metrics.pdf has a text layer (%s)", st ? vo_last_error(ctx) : "ok");
    if (!p) {
        vo_drop_document(doc);
        return;
    }
    /* the "fi" glyph stands for two characters: both kept, each with half
     * of the glyph's box (MuPDF gives the "i" an empty one) */
    const vo_word *w = find_word(p, "filled");
    ok(w != NULL, "pdf 7.2: ligature word 'filled' kept whole (not 'flled')");
    ok(w && w->n_glyphs == 6 && !strcmp(w->glyphs[0].text, "f") &&
           !strcmp(w->glyphs[1].text, "i"),
       "pdf 7.3: 6 glyphs, 'f' then 'i'");
    if (w && w->n_glyphs == 6) {
        vo_box f = w->glyphs[0].box, i = w->glyphs[1].box, l = w->glyphs[2].box;
        /* Helvetica's fi is 0.5 em (AFM): 10 pt at 20 pt, from x = 20 */
        ok(near(f.x0, 20, 0.05f) && near(f.x1, 25, 0.05f) && near(i.x0, 25, 0.05f) &&
               near(i.x1, 30, 0.05f) && near(l.x0, 30, 0.05f),
           "pdf 7.4: 'f' and 'i' share the ligature's width (%.2f-%.2f, %.2f-%.2f)", f.x0, f.x1,
           i.x0, i.x1);
    } else {
        ok(0, "pdf 7.4: 'f' and 'i' share the ligature's width");
    }
    /* Helvetica (standard 14, not embedded): AFM ascent 718, descent -207:
     * baseline 50 (page height 200 − 150), 20 pt */
    ok(w && near(w->box.y0, 50 - 0.718f * 20, 0.05f) && near(w->box.y1, 50 + 0.207f * 20, 0.05f),
       "pdf 7.5: Helvetica box spans its AFM ascent to descent (%.2f-%.2f, pdftotext 35.64-54.14)",
       w ? w->box.y0 : 0, w ? w->box.y1 : 0);
    /* FontDescriptor /Ascent 800 /Descent -200, baseline 100, 20 pt */
    w = find_word(p, "Metrics");
    ok(w && near(w->box.y0, 84, 0.05f) && near(w->box.y1, 104, 0.05f) && near(w->box.x0, 20, 0.05f),
       "pdf 7.6: box spans the FontDescriptor's ascent to descent (%.2f-%.2f, pdftotext 84-104)",
       w ? w->box.y0 : 0, w ? w->box.y1 : 0);
    /* the button's appearance is drawn, so its caption is page text */
    w = find_word(p, "Caption");
    vo_box want = {25.0f, 161.384f, 66.352f, 172.484f};
    ok(w && vo_box_iou(w->box, want) >= 0.95f,
       "pdf 7.7: a form button's caption is in the text layer (IoU %.2f)",
       w ? vo_box_iou(w->box, want) : 0);
    vo_drop_page(p);
    vo_drop_document(doc);
}

/* Japanese vertical text in a CID font (Identity-V): the words come in
 * column order, as written. */
static void
test_japanese(vo_ctx *ctx)
{
    const char *dir = test_corpus("pdf");
    char path[4200];
    vo_document *doc = NULL;
    vo_page *p = NULL;
    if (!dir) {
        ok(1, "pdf 8.1: skipped: the shared corpus (VO_SHARED) is absent");
        return;
    }
    snprintf(path, sizeof path, "%s/pdfminer__jo.pdf", dir);
    vo_status st = vo_open_document(ctx, path, NULL, &doc);
    if (st == VO_OK)
        st = vo_extract_text_layer(ctx, doc, 1, 72, &p);
    /* pdftotext gives the same lines (in another order) */
    ok(p && find_word(p, "わたくしといふ現象は") && find_word(p, "假定された有機交流電燈の") &&
           find_word(p, "（あらゆる透明な幽霊の複合体）"),
       "pdf 8.1: pdfminer__jo.pdf: Japanese lines as written (%s)",
       st ? vo_last_error(ctx) : "ok");
    vo_drop_page(p);
    vo_drop_document(doc);
}

/* /Rotate 0/90/180/270: sizes swap, and every glyph box holds ink of the
 * raster rendered at the same dpi. */
static void
test_rotation(vo_ctx *ctx)
{
    vo_document *doc = NULL;
    vo_status st = vo_open_document(ctx, test_data("rotate.pdf"), NULL, &doc);
    ok(st == VO_OK && vo_document_page_count(doc) == 4, "pdf 5.1: rotate.pdf has 4 pages");
    if (st != VO_OK)
        return;
    for (int pg = 1; pg <= 4; pg++) {
        vo_raster *r = NULL;
        vo_page *p = NULL;
        vo_page_info info;
        int swap = pg == 2 || pg == 4;
        st = vo_document_page_info(ctx, doc, pg, &info);
        ok(st == VO_OK && info.width_pt == (swap ? 792 : 612) && info.height_pt == (swap ? 612 : 792),
           "pdf 5.%d.1: /Rotate %d page is %gx%g pt", pg + 1, (pg - 1) * 90, info.width_pt,
           info.height_pt);
        st = vo_render_page(ctx, doc, pg, 100, NULL, &r);
        if (st == VO_OK)
            st = vo_extract_text_layer(ctx, doc, pg, 100, &p);
        ok(st == VO_OK && r && p && p->width == r->width && p->height == r->height,
           "pdf 5.%d.2: text layer and raster agree on size", pg + 1);
        int glyphs = 0, inked = 0;
        for (int b = 0; p && b < p->n_blocks; b++)
            for (int q = 0; q < p->blocks[b].n_pars; q++)
                for (int l = 0; l < p->blocks[b].pars[q].n_lines; l++)
                    for (int k = 0; k < p->blocks[b].pars[q].lines[l].n_words; k++) {
                        const vo_word *w = &p->blocks[b].pars[q].lines[l].words[k];
                        for (int g = 0; g < w->n_glyphs; g++) {
                            glyphs++;
                            inked += test_ink(r, w->glyphs[g].box) > 0;
                        }
                    }
        ok(glyphs == 20 && inked == glyphs, "pdf 5.%d.3: all %d glyph boxes hold ink (%d)",
           pg + 1, glyphs, inked);
        ok(p && find_word(p, "Rotate") != NULL, "pdf 5.%d.4: word 'Rotate' found", pg + 1);
        vo_drop_page(p);
        vo_drop_raster(r);
    }
    vo_drop_document(doc);
}

static void
test_image(vo_ctx *ctx)
{
    vo_document *doc = NULL;
    vo_raster *r = NULL;
    vo_page *p = NULL;
    vo_page_info info;
    /* tiny.png: mutool draw -r 20 of rotate.pdf page 1: 170x220, pHYs 787 px/m */
    vo_status st = vo_open_document(ctx, test_data("tiny.png"), NULL, &doc);
    ok(st == VO_OK && !strcmp(vo_document_kind(doc), "image") && vo_document_page_count(doc) == 1,
       "pdf 6.1: a PNG opens as an image of 1 page");
    if (st != VO_OK)
        return;
    st = vo_document_page_info(ctx, doc, 1, &info);
    ok(st == VO_OK && fabsf(info.native_dpi_x - 20) < 0.5f && fabsf(info.width_pt - 612) < 5,
       "pdf 6.2: its native resolution is 20 dpi, 612 pt wide (%g, %g)", info.native_dpi_x,
       info.width_pt);
    st = vo_render_page(ctx, doc, 1, 0, NULL, &r);
    ok(st == VO_OK && r->width == 170 && r->height == 220, "pdf 6.3: default render keeps its pixels");
    ok(r && test_ink(r, (vo_box){0, 0, 170, 220}) > 50, "pdf 6.4: and its ink");
    vo_drop_raster(r);
    r = NULL;
    st = vo_render_page(ctx, doc, 1, 40, NULL, &r);
    ok(st == VO_OK && r->width == 340 && r->height == 440, "pdf 6.5: 40 dpi doubles it");
    vo_drop_raster(r);
    st = vo_extract_text_layer(ctx, doc, 1, 0, &p);
    ok(st == VO_OK && !p, "pdf 6.6: an image has no text layer");
    vo_drop_document(doc);
}

int
main(void)
{
    vo_ctx *ctx = test_ctx();
    test_counts(ctx);
    test_password(ctx);
    test_render(ctx);
    test_text_layer(ctx);
    test_rotation(ctx);
    test_image(ctx);
    test_metrics(ctx);
    test_japanese(ctx);
    vo_drop_ctx(ctx);
    return done_testing();
}
