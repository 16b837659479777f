/* pdf-writer.c: the searchable PDF writer, checked by independent readers
 * (qpdf, mutool, poppler): text, word boxes, font, metadata, PDF input. */
#include "formats/pdf.h"
#include "src/util/alloc.h"
#include "tests/pdf/pdfcheck.h"
#include "tests/tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/vo-pdf-test-XXXXXX";
static int n_warnings;

static void count_log(void *user, int level, const char *msg)
{
    (void)user;
    (void)msg;
    if (level == VO_LOG_WARN)
        n_warnings++;
}

/* Write pages through the writer into tmpdir/name; returns the status. */
static vo_status write_pdf(vo_ctx *ctx, const char *name, const char *source, vo_page **pages,
                           int n, char *path, size_t path_size)
{
    snprintf(path, path_size, "%s/%s", tmpdir, name);
    vo_output *out = NULL;
    vo_writer *w = NULL;
    vo_doc_info info = {.source = source, .n_pages = n, .timestamp = 1700000000LL};
    vo_status st = vo_output_open_file(ctx, path, &out);
    if (st == VO_OK)
        st = vo_new_pdf_writer(ctx, out, NULL, &w);
    if (st == VO_OK)
        st = w->begin(ctx, w, &info);
    for (int i = 0; i < n && st == VO_OK; i++)
        st = w->page(ctx, w, pages[i]);
    if (st == VO_OK)
        st = w->end(ctx, w);
    if (st == VO_OK)
        st = vo_output_close(ctx, out);
    if (w)
        w->drop(w);
    vo_output_drop(out);
    if (st != VO_OK)
        diag("write %s: %s", name, vo_last_error(ctx));
    return st;
}

static int tool_ok(const char *fmt, const char *path, const char *want)
{
    char cmd[1024];
    int rc;
    snprintf(cmd, sizeof cmd, fmt, path);
    char *out = pc_run(cmd, &rc);
    int good = rc == 0 && out && (!want || strstr(out, want));
    if (!good)
        diag("%s -> rc %d: %.300s", cmd, rc, out ? out : "");
    free(out);
    return good;
}

static char *tool_out(const char *fmt, const char *a, const char *b)
{
    char cmd[1024];
    int rc;
    snprintf(cmd, sizeof cmd, fmt, a, b);
    char *out = pc_run(cmd, &rc);
    if (rc != 0) {
        diag("%s -> rc %d", cmd, rc);
        free(out);
        return NULL;
    }
    return out;
}

static void add_word(vo_page *p, const char *t, float x0, float y0, float x1, float y1,
                     const char *lang)
{
    vo_page_add_word(p, t, strlen(t), (vo_box){x0, y0, x1, y1}, 0.9f, lang);
}

/* Part 1: a page model without an image: text, boxes, font, metadata. */
static void test_text_layer(vo_ctx *ctx)
{
    vo_page *p = vo_new_page(1, 1000, 600, 100, 100, "-");
    vo_page_add_line(p);
    add_word(p, "대한민국은", 100, 100, 350, 150, "kor");
    static const char *syl[] = {"대", "한", "민", "국", "은"};
    for (int i = 0; i < 5; i++)
        vo_page_add_glyph(p, syl[i], strlen(syl[i]), (vo_box){100 + 50.0f * i, 100, 150 + 50.0f * i, 150},
                          0.9f);
    add_word(p, "민주공화국이다.", 370, 100, 700, 150, "kor");
    vo_page_add_line(p);
    add_word(p, "Hello,", 100, 200, 220, 240, "eng");
    add_word(p, "world", 235, 200, 340, 240, "eng");
    add_word(p, "𠀀字", 360, 200, 440, 240, "kor");
    add_word(p, "(주)①", 460, 200, 560, 240, "kor");
    vo_page_finish(p);

    char path[512];
    n_warnings = 0;
    ok(write_pdf(ctx, "text.pdf", "scan of test.png", &p, 1, path, sizeof path) == VO_OK,
       "pdf 1.1: text-only page written");
    ok(n_warnings == 1, "pdf 1.2: one warning for the unreadable source (got %d)", n_warnings);
    ok(tool_ok("qpdf --check '%s' 2>&1", path, "No syntax or stream encoding errors"),
       "pdf 1.3: qpdf --check clean");
    ok(tool_ok("mutool info '%s' 2>&1", path, "Pages: 1"), "pdf 1.4: mutool info reads it");

    char *txt = tool_out("pdftotext -enc UTF-8 '%s' -%s", path, "");
    char *got = txt ? pc_normalize(txt) : NULL;
    char *truth = pc_page_text(p);
    ok(got && !strcmp(got, truth), "pdf 1.5: pdftotext gives the words with spaces: [%s]",
       got ? got : "(none)");
    free(txt);
    free(got);
    free(truth);

    txt = tool_out("pdftotext -bbox -enc UTF-8 '%s' -%s", path, "");
    pc_word *words = NULL;
    int n = txt ? pc_parse_bbox(txt, &words) : 0;
    int n_ok = 0, k = 0;
    for (int b = 0; b < p->n_blocks; b++)
        for (int l = 0; l < p->blocks[b].pars[0].n_lines; l++) {
            const vo_line *ln = &p->blocks[b].pars[0].lines[l];
            for (int w = 0; w < ln->n_words; w++, k++) {
                vo_box ours = ln->words[w].box;
                ours.x0 *= 0.72f; ours.x1 *= 0.72f; ours.y0 *= 0.72f; ours.y1 *= 0.72f;
                if (k < n && vo_box_iou(ours, words[k].box) >= 0.8f && !strcmp(words[k].text, ln->words[w].text))
                    n_ok++;
                else if (k < n)
                    diag("word %d %s: ours %.1f %.1f %.1f %.1f, poppler %s %.1f %.1f %.1f %.1f", k,
                         ln->words[w].text, ours.x0, ours.y0, ours.x1, ours.y1, words[k].text,
                         words[k].box.x0, words[k].box.y0, words[k].box.x1, words[k].box.y1);
            }
        }
    ok(n == k && n_ok == k, "pdf 1.6: every word box matches poppler's with IoU >= 0.8 (%d/%d, %d found)",
       n_ok, k, n);
    pc_free_words(words, n);
    free(txt);

    ok(tool_ok("pdffonts '%s' 2>&1", path, "CID TrueType      Identity-H       yes no  yes"),
       "pdf 1.7: the font is an embedded CID TrueType, Identity-H, with ToUnicode");
    ok(tool_ok("pdfinfo '%s' 2>&1", path, "Producer:        varco-ocr 0.1.0"), "pdf 1.8: Producer");
    ok(tool_ok("pdfinfo '%s' 2>&1", path, "Title:           scan of test.png"), "pdf 1.9: Title from the input name");
    ok(tool_ok("pdfinfo -isodates '%s' 2>&1", path, "CreationDate:    2023-11-14T22:13:20"),
       "pdf 1.10: CreationDate from the timestamp");
    ok(tool_ok("pdfinfo '%s' 2>&1", path, "Page size:       720 x 432 pts"), "pdf 1.11: page size = pixels x 72 / dpi");

    /* nothing visible: a rendering is all white */
    char *pgm = tool_out("mutool draw -q -r 36 -F pgm -o - '%s' 1 2>/dev/null%s", path, "");
    int white = pgm != NULL, fields = 0;
    if (pgm) {
        const char *q = pgm;
        while (fields < 4 && *q) { /* P5, width, height, maxval */
            while (*q == ' ' || *q == '\n')
                q++;
            while (*q && *q != ' ' && *q != '\n')
                q++;
            fields++;
        }
        q++;
        for (int i = 0; i < 360 * 216; i++)
            white &= (unsigned char)q[i] == 255;
    }
    ok(white, "pdf 1.12: the text layer is invisible (rendering is white)");
    free(pgm);

    char *qdf = tool_out("qpdf --qdf --object-streams=disable '%s' -%s", path, "");
    ok(qdf && strstr(qdf, "<D800> <D840DC00>") && strstr(qdf, "beginbfchar"),
       "pdf 1.13: the astral character has a private CID mapped to its surrogate pair");
    const char *first = qdf ? strstr(qdf, "<0000> <FFFF>") : NULL;
    ok(first && !strstr(first + 1, "<0000> <FFFF>"), "pdf 1.14: no 0000-FFFF bfrange, only the codespace");
    ok(qdf && strstr(qdf, "/W [") && strstr(qdf, "/DW 500"), "pdf 1.15: widths: DW 500 and a W array");
    ok(qdf && strstr(qdf, "3 Tr") && strstr(qdf, " Tz") && (strstr(qdf, "<B300> Tj") || strstr(qdf, "<b300> Tj")),
       "pdf 1.16: render mode 3, per-word Tz, per-character Tz for the word with glyph boxes");
    ok(qdf && strstr(qdf, "/Lang (ko-KR)"), "pdf 1.17: catalog Lang from the words' language");
    free(qdf);
    vo_drop_page(p);
}

/* Part 2: PDF input: the original pages, untouched, plus the text layer. */
static void test_pdf_input(vo_ctx *ctx, const char *data_dir)
{
    char src[512], path[512];
    snprintf(src, sizeof src, "%s/pdflatex-4-pages.pdf", data_dir);
    if (access(src, R_OK) != 0) {
        ok(0, "pdf 2.0: test input %s missing", src);
        return;
    }
    vo_page *pages[4];
    for (int i = 0; i < 4; i++) {
        pages[i] = vo_new_page(i + 1, 827, 1169, 100, 100, src);
        vo_page_add_line(pages[i]);
        char t[32];
        snprintf(t, sizeof t, "쪽%d", i + 1);
        add_word(pages[i], "검색용", 100, 1000, 250, 1040, "kor");
        add_word(pages[i], t, 270, 1000, 370, 1040, "kor");
        vo_page_finish(pages[i]);
    }
    ok(write_pdf(ctx, "input.pdf", src, pages, 4, path, sizeof path) == VO_OK,
       "pdf 2.1: PDF input written");
    ok(tool_ok("qpdf --check '%s' 2>&1", path, "No syntax or stream encoding errors"),
       "pdf 2.2: qpdf --check clean");
    ok(tool_ok("pdfinfo '%s' 2>&1", path, "Pages:           4"), "pdf 2.3: page count kept");
    char *a = tool_out("mutool pages '%s' 2>&1 | grep -o 'MediaBox.*'%s", src, "");
    char *b = tool_out("mutool pages '%s' 2>&1 | grep -o 'MediaBox.*'%s", path, "");
    ok(a && b && !strcmp(a, b), "pdf 2.4: MediaBox of every page kept");
    free(a);
    free(b);
    char *txt = tool_out("pdftotext -enc UTF-8 -f 3 -l 3 '%s' -%s", path, "");
    char *orig = tool_out("pdftotext -enc UTF-8 -f 3 -l 3 '%s' -%s", src, "");
    char *n_txt = txt ? pc_normalize(txt) : NULL, *n_orig = orig ? pc_normalize(orig) : NULL;
    char *ours = n_txt ? strstr(n_txt, " 검색용 쪽3") : NULL;
    if (ours) /* cut our words out: the rest must be the original text */
        memmove(ours, ours + strlen(" 검색용 쪽3"), strlen(ours + strlen(" 검색용 쪽3")) + 1);
    ok(ours && n_orig && !strcmp(n_txt, n_orig),
       "pdf 2.5: page 3 keeps its own text and gains ours");
    free(txt);
    free(orig);
    free(n_txt);
    free(n_orig);
    int same = 1;
    for (int i = 1; i <= 4; i++) {
        char cmd[1200];
        int rc;
        snprintf(cmd, sizeof cmd,
                 "mutool draw -q -r 72 -F ppm -o %s/in.ppm '%s' %d 2>/dev/null && "
                 "mutool draw -q -r 72 -F ppm -o %s/out.ppm '%s' %d 2>/dev/null && cmp -s %s/in.ppm %s/out.ppm",
                 tmpdir, src, i, tmpdir, path, i, tmpdir, tmpdir);
        free(pc_run(cmd, &rc));
        same &= rc == 0;
    }
    ok(same, "pdf 2.6: every page renders identical to the input at 72 dpi");
    for (int i = 0; i < 4; i++)
        vo_drop_page(pages[i]);

    /* an image-only page with a non-square resolution (200 x 100 dpi) */
    snprintf(src, sizeof src, "%s/aspect-200x100dpi.pdf", data_dir);
    vo_page *p = vo_new_page(1, 500, 400, 100, 100, src);
    add_word(p, "aspect", 50, 50, 200, 90, "eng");
    vo_page_finish(p);
    ok(write_pdf(ctx, "aspect.pdf", src, &p, 1, path, sizeof path) == VO_OK &&
       tool_ok("pdfinfo '%s' 2>&1 | grep -a 'Page size'", path, "Page size:       360 x 288 pts"),
       "pdf 2.7: image-only PDF page keeps its size"); /* its kept Title holds a U+0000 */
    txt = tool_out("pdftotext -bbox '%s' -%s", path, "");
    pc_word *words = NULL;
    int n = txt ? pc_parse_bbox(txt, &words) : 0;
    /* 500 px span 360 pt: 0.72 pt per px both ways */
    vo_box want = {50 * 0.72f, 50 * 0.72f, 200 * 0.72f, 90 * 0.72f};
    ok(n == 1 && vo_box_iou(words[0].box, want) >= 0.9f,
       "pdf 2.8: word box scaled from the raster to the page");
    pc_free_words(words, n);
    free(txt);
    vo_drop_page(p);

    /* a page number past the end is an error naming the file */
    p = vo_new_page(9, 500, 400, 100, 100, src);
    vo_status st = write_pdf(ctx, "bad.pdf", src, &p, 1, path, sizeof path);
    ok(st != VO_OK && strstr(vo_last_error(ctx), "aspect-200x100dpi.pdf") &&
       strstr(vo_last_error(ctx), "page 9"), "pdf 2.9: a missing page is an error naming file and page");
    ok(access(path, F_OK) != 0, "pdf 2.10: no output file is left after the failure");
    vo_drop_page(p);

    /* the PDF of a PDF input is that input's own document: its pages come
     * once each, in order, and no page of another file joins them */
    char other[600];
    snprintf(other, sizeof other, "%s/pdflatex-4-pages.pdf", data_dir);
    vo_page *two[2] = {vo_new_page(1, 500, 400, 100, 100, src),
                       vo_new_page(1, 500, 400, 100, 100, other)};
    st = write_pdf(ctx, "mixed.pdf", src, two, 2, path, sizeof path);
    ok(st != VO_OK && strstr(vo_last_error(ctx), "pdflatex-4-pages.pdf: page 1") &&
       strstr(vo_last_error(ctx), "cannot join"),
       "pdf 2.11: a page of another PDF is refused, naming it (%s)", vo_last_error(ctx));
    vo_drop_page(two[1]);
    two[1] = vo_new_page(1, 500, 400, 100, 100, src);
    st = write_pdf(ctx, "twice.pdf", src, two, 2, path, sizeof path);
    ok(st != VO_OK && strstr(vo_last_error(ctx), "once each, in order"),
       "pdf 2.12: the same page twice is refused (%s)", vo_last_error(ctx));
    vo_drop_page(two[0]);
    vo_drop_page(two[1]);
}

int main(void)
{
    const char *srcdir = getenv("top_srcdir");
    char data_dir[512];
    snprintf(data_dir, sizeof data_dir, "%s/tests/data/pdf", srcdir ? srcdir : ".");
    static const char *tools[] = {"qpdf", "pdftotext", "pdfinfo", "pdffonts", "mutool"};
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
        if (!pc_have(tools[i]))
            skip_all("%s is not installed (tests/deps.sh --test installs it)", tools[i]);
    if (!mkdtemp(tmpdir))
        skip_all("cannot make a temporary directory");
    vo_ctx *ctx = vo_new_ctx();
    vo_set_log(ctx, count_log, NULL);
    test_text_layer(ctx);
    test_pdf_input(ctx, data_dir);
    vo_drop_ctx(ctx);
    char cmd[600];
    int rc;
    if (getenv("VO_KEEP")) return done_testing();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    free(pc_run(cmd, &rc));
    return done_testing();
}
