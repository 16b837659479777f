/* text-quality.c (test): the text layer's quality check. The first four
 * pages of tests/data/source/text-quality.pdf (make-text-quality-pdf.py)
 * draw the same text; the layer is right on page 1, and U+FFFD,
 * private-use or control characters on pages 2-4: each of those is judged
 * unreliable with the matching reason. Pages 5-6 have it invisible over
 * black bars: on them (reliable), and off them on blank paper (not); page
 * 7 in a font MuPDF cannot load (not); page 8 mostly off the page (not). Every page of the samples and of the corpus's PDFs
 * (born-digital, right layers) is judged reliable. */
#include "src/page/page.h"
#include "tests/source/source-test.h"

#include <dirent.h>

static void quality_pages(vo_ctx *ctx)
{
    static const char *const want[] = {NULL, "U+FFFD", "private-use", "control", NULL,
                                       "invisible text with nothing drawn under it",
                                       "a font that could not be loaded", "text outside the page"};
    vo_document *doc = NULL;
    vo_status st = vo_open_document(ctx, test_data("text-quality.pdf"), NULL, &doc);
    ok(st == VO_OK && vo_document_page_count(doc) == 8, "quality 1.0: text-quality.pdf opens, 8 pages");
    for (int p = 1; p <= 8 && doc; p++) {
        vo_page *page = NULL;
        vo_text_quality q;
        st = vo_extract_text_layer_checked(ctx, doc, p, 150, &page, &q);
        int right = st == VO_OK && q.chars >= (p == 8 ? 90 : 300) &&
                    (want[p - 1] ? q.problem && strstr(q.problem, want[p - 1])
                                 : q.problem == NULL && q.replacement + q.private_use + q.control == 0);
        /* pages 5-6: every glyph invisible, on the bars or all off them */
        if (p == 5 || p == 6)
            right = right && q.invisible == q.chars && q.invisible_blank == (p == 6 ? q.chars : 0);
        right = right && q.fallback == (p == 7 ? q.chars : 0);
        /* page 8: 6 of its 8 lines off the page */
        right = right && q.outside == (p == 8 ? 3 * q.chars : 0) &&
                (p != 8 || q.glyphs == 4 * q.chars);
        ok(right,
           "quality 1.%d: page %d: %d characters, %d U+FFFD, %d private-use, %d control, "
           "%d invisible (%d on blank paper), %d in a font not loaded, %d of %d glyphs off the "
           "page: %s",
           p, p, q.chars, q.replacement, q.private_use, q.control, q.invisible, q.invisible_blank,
           q.fallback, q.outside, q.glyphs,
           q.problem ? q.problem : "reliable");
        vo_drop_page(page);
    }
    vo_drop_document(doc);
    vo_page *page = NULL;
    vo_text_quality q;
    st = vo_open_document(ctx, test_data("tiny.png"), NULL, &doc);
    st = st ? st : vo_extract_text_layer_checked(ctx, doc, 1, 0, &page, &q);
    ok(st == VO_OK && page == NULL && q.chars == 0 && q.problem == NULL,
       "quality 2.1: an image has no layer and no problem");
    vo_drop_document(doc);
}

static void reliable_folder(vo_ctx *ctx, const char *dir, const char *label)
{
    int pages = 0, problems = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".pdf") != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        vo_document *doc = NULL;
        if (vo_open_document(ctx, path, NULL, &doc) != VO_OK)
            continue; /* the encrypted one: not this test's subject */
        for (int p = 1; p <= vo_document_page_count(doc) && p <= 30; p++) {
            vo_page *page = NULL;
            vo_text_quality q;
            if (vo_extract_text_layer_checked(ctx, doc, p, 100, &page, &q) == VO_OK && page) {
                pages++;
                if (q.problem) {
                    problems++;
                    diag("%s page %d: %s", path, p, q.problem);
                }
            }
            vo_drop_page(page);
        }
        vo_drop_document(doc);
    }
    if (d)
        closedir(d);
    ok(pages > 0 && problems == 0, "quality %s: %d pages with a text layer, %d judged unreliable",
       label, pages, problems);
}

int main(void)
{
    vo_ctx *ctx = vo_new_ctx();
    quality_pages(ctx);
    const char *top = getenv("top_srcdir");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/samples", top ? top : ".");
    reliable_folder(ctx, dir, "3.1: samples/");
    const char *pdf = test_corpus("pdf");
    if (pdf)
        reliable_folder(ctx, pdf, "3.2: corpus/pdf/");
    else
        diag("VO_SHARED/corpus/pdf is absent: its pages are not checked");
    vo_drop_ctx(ctx);
    return done_testing();
}
