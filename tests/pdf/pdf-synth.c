/* pdf-synth.c: synthesized Korean+English pages (vo-synth ground truth)
 * through the PDF writer: pdftotext must give back the text and the word
 * boxes; the raw model-grammar file must agree with the ground truth. */
#include "formats/pdf.h"
#include "tests/pdf/pdfcheck.h"
#include "tests/tap.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/vo-pdf-synth-XXXXXX";

static void check_sample(vo_ctx *ctx, const char *data_dir, const char *name, int part)
{
    char gt_path[600], png[600], pdf[600], cmd[1400];
    snprintf(gt_path, sizeof gt_path, "%s/%s.gt.json", data_dir, name);
    snprintf(png, sizeof png, "%s/%s.png", data_dir, name);
    snprintf(pdf, sizeof pdf, "%s/%s.pdf", tmpdir, name);
    json_error_t err;
    json_t *gt = json_load_file(gt_path, 0, &err);
    if (!gt) {
        ok(0, "synth %d.0: %s loads (%s)", part, gt_path, err.text);
        return;
    }
    vo_page *p = pc_page_from_gt(gt, png);
    int n_words = vo_page_count_words(p);

    vo_output *out = NULL;
    vo_writer *w = NULL;
    vo_doc_info info = {.source = png, .n_pages = 1};
    vo_status st = vo_output_open_file(ctx, pdf, &out);
    if (st == VO_OK)
        st = vo_new_pdf_writer(ctx, out, NULL, &w);
    if (st == VO_OK)
        st = w->begin(ctx, w, &info);
    if (st == VO_OK)
        st = w->page(ctx, w, p);
    if (st == VO_OK)
        st = w->end(ctx, w);
    if (st == VO_OK)
        st = vo_output_close(ctx, out);
    if (w)
        w->drop(w);
    vo_output_drop(out);
    ok(st == VO_OK, "synth %d.1: %s written as PDF over its image (%s)", part, name,
       st == VO_OK ? "ok" : vo_last_error(ctx));

    int rc;
    snprintf(cmd, sizeof cmd, "qpdf --check '%s' 2>&1", pdf);
    char *o = pc_run(cmd, &rc);
    ok(rc == 0 && o && strstr(o, "No syntax or stream encoding errors"), "synth %d.2: qpdf --check clean",
       part);
    free(o);

    snprintf(cmd, sizeof cmd, "pdfimages -list '%s' 2>/dev/null | grep -c image", pdf);
    o = pc_run(cmd, &rc);
    ok(o && atoi(o) == 1, "synth %d.3: the page image is in the PDF", part);
    free(o);

    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' -", pdf);
    o = pc_run(cmd, &rc);
    char *got = o ? pc_normalize(o) : NULL;
    char *truth = pc_normalize(json_string_value(json_object_get(gt, "text")));
    double sim = got ? pc_similarity(got, truth) : 0;
    ok(sim >= 0.995, "synth %d.4: pdftotext gives the ground truth (similarity %.4f >= 0.995)", part, sim);
    if (sim < 0.995)
        diag("got:  %.400s\n# want: %.400s", got ? got : "", truth);
    free(o);
    free(got);
    free(truth);

    /* every ground-truth word against the best poppler word box */
    snprintf(cmd, sizeof cmd, "pdftotext -bbox -enc UTF-8 '%s' -", pdf);
    o = pc_run(cmd, &rc);
    pc_word *pw = NULL;
    int n = o ? pc_parse_bbox(o, &pw) : 0;
    float k = 72.0f / p->dpi_x;
    int good = 0, same_text = 0;
    for (int bi = 0; bi < p->n_blocks; bi++)
        for (int li = 0; li < p->blocks[bi].pars[0].n_lines; li++) {
            const vo_line *l = &p->blocks[bi].pars[0].lines[li];
            for (int wi = 0; wi < l->n_words; wi++) {
                vo_box b = l->words[wi].box;
                vo_box pt = {b.x0 * k, b.y0 * k, b.x1 * k, b.y1 * k};
                float best = 0;
                int best_i = -1;
                for (int i = 0; i < n; i++) {
                    float iou = vo_box_iou(pt, pw[i].box);
                    if (iou > best) {
                        best = iou;
                        best_i = i;
                    }
                }
                good += best >= 0.8f;
                same_text += best_i >= 0 && !strcmp(pw[best_i].text, l->words[wi].text);
            }
        }
    ok(n_words > 50 && good >= 0.95 * n_words,
       "synth %d.5: word boxes overlap poppler's with IoU >= 0.8 for %d/%d words (>= 95 %%)", part,
       good, n_words);
    ok(same_text >= 0.95 * n_words, "synth %d.6: the best-overlapping poppler word has the same text "
       "for %d/%d words", part, same_text, n_words);
    pc_free_words(pw, n);
    free(o);
    vo_drop_page(p);
    json_decref(gt);
}

/* The raw model-grammar file: one span per character cell and one per
 * space, coordinates normalized, same size as the ground truth. */
static void check_raw(const char *data_dir, const char *name, int part)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s.raw.json", data_dir, name);
    json_error_t err;
    json_t *raw = json_load_file(path, 0, &err);
    snprintf(path, sizeof path, "%s/%s.gt.json", data_dir, name);
    json_t *gt = json_load_file(path, 0, &err);
    if (!raw || !gt) {
        ok(0, "synth %d.0: raw and ground truth load", part);
        json_decref(raw);
        json_decref(gt);
        return;
    }
    ok(!strcmp(json_string_value(json_object_get(raw, "format")), "varco-ocr-raw") &&
       json_integer_value(json_object_get(raw, "width")) == json_integer_value(json_object_get(gt, "width")) &&
       json_integer_value(json_object_get(raw, "page")) == 1,
       "synth %d.1: raw header: format, page, size", part);
    const char *t = json_string_value(json_object_get(raw, "text"));
    int spans = 0, in_range = 1, spaces = 0;
    for (const char *q = t; q && (q = strstr(q, "<char>")); q++) {
        const char *e = strstr(q, "</char><bbox>");
        double b[4];
        if (!e || sscanf(e + 13, "%lf, %lf, %lf, %lf</bbox>", &b[0], &b[1], &b[2], &b[3]) != 4) {
            in_range = 0;
            break;
        }
        spaces += e - q == 7 && q[6] == ' ';
        for (int i = 0; i < 4; i++)
            in_range &= b[i] >= 0 && b[i] <= 1;
        in_range &= b[0] <= b[2] && b[1] < b[3];
        spans++;
    }
    int glyphs = 0, gaps = 0;
    size_t bi, li, wi;
    json_t *b, *l, *w;
    json_array_foreach(json_object_get(gt, "blocks"), bi, b) json_array_foreach(json_object_get(b, "lines"), li, l) {
        json_t *words = json_object_get(l, "words");
        gaps += (int)json_array_size(words) - 1;
        json_array_foreach(words, wi, w) glyphs += (int)json_array_size(json_object_get(w, "glyphs"));
    }
    ok(in_range && spans == glyphs + gaps && spaces == gaps,
       "synth %d.2: %d spans = %d character cells + %d spaces, all boxes normalized", part, spans, glyphs,
       gaps);
    json_decref(raw);
    json_decref(gt);
}

int main(void)
{
    const char *srcdir = getenv("top_srcdir");
    char data_dir[512];
    snprintf(data_dir, sizeof data_dir, "%s/tests/data/pdf", srcdir ? srcdir : ".");
    static const char *tools[] = {"qpdf", "pdftotext", "pdfimages"};
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
        if (!pc_have(tools[i]))
            skip_all("%s is not installed (tests/deps.sh --test installs it)", tools[i]);
    if (!mkdtemp(tmpdir))
        skip_all("cannot make a temporary directory");
    vo_ctx *ctx = vo_new_ctx();
    check_sample(ctx, data_dir, "synth-1col", 1);
    check_sample(ctx, data_dir, "synth-2col", 2);
    check_raw(data_dir, "synth-1col", 3);
    check_raw(data_dir, "synth-2col", 4);
    vo_drop_ctx(ctx);
    char cmd[600];
    int rc;
    if (getenv("VO_KEEP")) return done_testing();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    free(pc_run(cmd, &rc));
    return done_testing();
}
