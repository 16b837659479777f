/* blank.c (test): blank-page detection. Synthesized scans of blank paper
 * (clean, noisy, grey recycled paper, black scanner borders, punch holes,
 * dust) are blank at 200 and 300 dpi; the same paper with one small page
 * number, faint pencil-grey strokes, white writing on a dark page or a
 * photograph is not; of the pages of the samples and of the shared
 * corpus's PDFs and TIFFs exactly those known to be blank (looked at) are
 * found blank. */
#include "src/source/blank.h"
#include "src/util/alloc.h"
#include "tests/source/source-test.h"

#include <dirent.h>
#include <math.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static double uniform(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static double gauss(void)
{
    double u = uniform(), v = uniform();
    return sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

static vo_raster *paper(float dpi, int level, double noise)
{
    vo_raster *r = vo_calloc(1, sizeof *r);
    r->width = (int)lround(210 / 25.4 * dpi);
    r->height = (int)lround(297 / 25.4 * dpi);
    r->stride = 3 * r->width;
    r->dpi_x = r->dpi_y = dpi;
    r->page = 1;
    r->rgb = vo_malloc((size_t)r->stride * (size_t)r->height);
    for (size_t i = 0; i < (size_t)r->stride * (size_t)r->height; i += 3) {
        double v = level + noise * gauss();
        uint8_t g = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        r->rgb[i] = r->rgb[i + 1] = r->rgb[i + 2] = g;
    }
    return r;
}

static void drop(vo_raster *r)
{
    vo_free(r->rgb);
    vo_free(r);
}

/* a filled rectangle, in millimetres from the top left corner */
static void rect(vo_raster *r, double x_mm, double y_mm, double w_mm, double h_mm, int level)
{
    double k = r->dpi_x / 25.4;
    int x0 = (int)(x_mm * k), y0 = (int)(y_mm * k);
    int x1 = (int)((x_mm + w_mm) * k), y1 = (int)((y_mm + h_mm) * k);
    for (int y = y0 < 0 ? 0 : y0; y < y1 && y < r->height; y++)
        for (int x = x0 < 0 ? 0 : x0; x < x1 && x < r->width; x++)
            memset(r->rgb + (size_t)y * r->stride + 3 * (size_t)x, level, 3);
}

static void disc(vo_raster *r, double cx_mm, double cy_mm, double d_mm, int level)
{
    double k = r->dpi_x / 25.4, rad = d_mm * k / 2, cx = cx_mm * k, cy = cy_mm * k;
    for (int y = (int)(cy - rad); y <= (int)(cy + rad); y++)
        for (int x = (int)(cx - rad); x <= (int)(cx + rad); x++)
            if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= rad * rad)
                memset(r->rgb + (size_t)y * r->stride + 3 * (size_t)x, level, 3);
}

/* a "4" of height h_mm, strokes 0.3 mm: what a small page number leaves */
static void digit_four(vo_raster *r, double x, double y, double h, int level)
{
    rect(r, x + 0.55 * h, y, 0.3, h, level);
    rect(r, x, y + 0.65 * h, 0.75 * h, 0.3, level);
    rect(r, x, y + 0.1 * h, 0.3, 0.6 * h, level);
}

/* a blank scan with everything a scanner adds */
static vo_raster *dirty_blank(float dpi)
{
    vo_raster *r = paper(dpi, 235, 18);
    rect(r, 0, 0, 4, 297, 20);       /* black border on the left */
    rect(r, 0, 0, 210, 2.5, 40);     /* and at the top */
    rect(r, 207, 0, 3, 297, 60);     /* a shadow on the right */
    disc(r, 12, 148.5 - 40, 6, 30);  /* two punch holes, ISO 838 */
    disc(r, 12, 148.5 + 40, 6, 30);
    for (int i = 0; i < 40; i++)     /* dust */
        rect(r, 20 + 170 * uniform(), 20 + 250 * uniform(), 0.25, 0.25, 0);
    return r;
}

static int check(vo_ctx *ctx, vo_raster *r, vo_blank_check *c)
{
    vo_status st = vo_check_blank(ctx, r, c);
    drop(r);
    return st == VO_OK;
}

static void synthesized(vo_ctx *ctx)
{
    const float dpis[] = {200, 300};
    for (int d = 0; d < 2; d++) {
        float dpi = dpis[d];
        vo_blank_check c;
        int ok_ = check(ctx, paper(dpi, 255, 0), &c);
        ok(ok_ && c.blank, "blank 1.%d: clean white paper at %.0f dpi is blank (marks %d)", d, dpi,
           c.marks);
        ok_ = check(ctx, paper(dpi, 240, 20), &c);
        ok(ok_ && c.blank, "blank 2.%d: paper with scanner noise (sigma 20) at %.0f dpi is blank "
           "(marks %d, threshold %.0f)", d, dpi, c.marks, c.threshold);
        ok_ = check(ctx, paper(dpi, 200, 10), &c);
        ok(ok_ && c.blank, "blank 3.%d: grey recycled paper at %.0f dpi is blank (marks %d, paper "
           "%.0f)", d, dpi, c.marks, c.paper);
        ok_ = check(ctx, dirty_blank(dpi), &c);
        ok(ok_ && c.blank && c.set_aside >= 4,
           "blank 4.%d: borders, a shadow, two punch holes and dust at %.0f dpi: blank (marks %d, "
           "set aside %d)", d, dpi, c.marks, c.set_aside);

        vo_raster *r = dirty_blank(dpi);
        digit_four(r, 103, 282, 2.5, 20); /* a page number in the bottom margin */
        ok_ = check(ctx, r, &c);
        ok(ok_ && !c.blank && c.marks >= 1,
           "blank 5.%d: the same page with a 2.5 mm page number is not blank (marks %d)", d,
           c.marks);
        r = dirty_blank(dpi);
        digit_four(r, 14, 60, 2.5, 20); /* near the punch holes' band */
        ok_ = check(ctx, r, &c);
        ok(ok_ && !c.blank, "blank 6.%d: a page number near the left edge is not blank (marks %d)",
           d, c.marks);
        r = paper(dpi, 245, 6);
        for (int i = 0; i < 5; i++)
            digit_four(r, 40 + 6 * i, 100, 4, 185); /* pencil grey */
        ok_ = check(ctx, r, &c);
        ok(ok_ && !c.blank, "blank 7.%d: faint pencil-grey strokes are not blank (marks %d, "
           "threshold %.0f)", d, c.marks, c.threshold);
        r = paper(dpi, 30, 8);
        for (int i = 0; i < 3; i++)
            digit_four(r, 60 + 8 * i, 120, 5, 240); /* white on black */
        ok_ = check(ctx, r, &c);
        ok(ok_ && !c.blank, "blank 8.%d: white writing on a dark page is not blank (marks %d)", d,
           c.marks);
        r = paper(dpi, 240, 10);
        rect(r, 30, 40, 150, 110, 90); /* a photograph, no text */
        ok_ = check(ctx, r, &c);
        ok(ok_ && !c.blank, "blank 9.%d: a page with a photograph is not blank (marks %d)", d,
           c.marks);
    }
}

/* The corpus pages that are blank, seen rendered: file, page, why. */
static const struct known_blank {
    const char *file;
    int page;
} known_blank[] = {
    {"pdfjs__vertical.pdf", 2}, /* an empty page between two rules at the edges */
    {"pdfjs__vertical.pdf", 3},
    {"imagetiff__12bit.cropped.tiff", 1}, /* 64x64, all values 0..2 of 255 */
    {"pillow__multipage.tiff", 1}, /* 10x10 frames of one colour each */
    {"pillow__multipage.tiff", 2},
    {"pillow__multipage.tiff", 3},
};
enum { N_KNOWN = sizeof known_blank / sizeof known_blank[0] };

static int is_known_blank(const char *path, int page)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (int i = 0; i < N_KNOWN; i++)
        if (strcmp(known_blank[i].file, base) == 0 && known_blank[i].page == page)
            return 1;
    return 0;
}

/* every page of path rendered at 100 dpi: blank exactly when known to be */
static void real_document(vo_ctx *ctx, const char *path, int *pages, int *wrong, int *found)
{
    vo_document *doc = NULL;
    if (vo_open_document(ctx, path, NULL, &doc) != VO_OK)
        return; /* the corpus has files our reader refuses: not this test's subject */
    int n = vo_document_page_count(doc);
    for (int p = 1; p <= n && p <= 20; p++) {
        vo_raster *r = NULL;
        if (vo_render_page(ctx, doc, p, 100, NULL, &r) != VO_OK)
            continue;
        vo_blank_check c;
        if (vo_check_blank(ctx, r, &c) == VO_OK) {
            (*pages)++;
            int known = is_known_blank(path, p);
            *found += c.blank && known;
            if (c.blank != known) {
                (*wrong)++;
                diag("%s page %d found %s (marks %d, set aside %d, paper %.0f)", path, p,
                     c.blank ? "blank" : "not blank", c.marks, c.set_aside, c.paper);
            }
        }
        vo_drop_raster(r);
    }
    vo_drop_document(doc);
}

/* the documents under dir (two levels of folders) */
static void walk(vo_ctx *ctx, const char *dir, int depth, int *pages, int *wrong, int *found)
{
    static const char *const not_docs[] = {".txt", ".tex", ".html", ".json", ".md", ".tsv",
                                           ".xml", ".hocr", ".csv", ".py"};
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (stat(path, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            if (depth < 2)
                walk(ctx, path, depth + 1, pages, wrong, found);
            continue;
        }
        const char *dot = strrchr(e->d_name, '.');
        int skip = 0;
        for (size_t k = 0; dot && k < sizeof not_docs / sizeof not_docs[0]; k++)
            skip |= strcmp(dot, not_docs[k]) == 0;
        if (!skip)
            real_document(ctx, path, pages, wrong, found);
    }
    if (d)
        closedir(d);
}

static void real_folder(vo_ctx *ctx, const char *dir, const char *label)
{
    int pages = 0, wrong = 0, found = 0;
    walk(ctx, dir, 0, &pages, &wrong, &found);
    ok(pages > 0 && wrong == 0, "blank %s: %d pages, the %d known blank found blank, %d wrong",
       label, pages, found, wrong);
}

int main(void)
{
    vo_ctx *ctx = vo_new_ctx();
    synthesized(ctx);
    const char *top = getenv("top_srcdir");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/samples", top ? top : ".");
    real_folder(ctx, dir, "10.1: samples/");
    const char *sub[] = {"pdf", "tiff", "images-gt"};
    for (int i = 0; i < 3; i++) {
        const char *corpus = test_corpus(sub[i]); /* a static buffer */
        char label[64];
        snprintf(label, sizeof label, "10.%d: corpus/%s/", i + 2, sub[i]);
        if (corpus)
            real_folder(ctx, corpus, label);
        else
            diag("VO_SHARED/corpus/%s is absent: its pages are not checked", sub[i]);
    }
    vo_drop_ctx(ctx);
    return done_testing();
}
