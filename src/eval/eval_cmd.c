/* eval_cmd.c: the `varco-ocr eval` command: its options, file pairs (two
 * files, or two folders matched by name stem), the scores per page and in
 * total, printed as a table or as JSON. */
#include "src/eval/eval.h"
#include "src/eval/eval_impl.h"
#include "src/util/alloc.h"
#include "src/util/buf.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DEPTH 32

static const char usage[] =
    "usage: varco-ocr eval [--json] [--no-boxes] GROUND_TRUTH PREDICTION\n"
    "Score OCR output against ground truth: character error rate (code points\n"
    "after NFC: a Hangul syllable is one), the same over jamo (NFD), word error\n"
    "rate, an order-free word error (bag of words) and, where both sides have\n"
    "word boxes, box precision, recall and mean IoU (words matched one to one at\n"
    "IoU >= 0.5). Files may be ALTO, PAGE-XML, hOCR, Tesseract TSV, the JSON of\n"
    "-f json (or a JSON object with a \"text\") or UTF-8 text (pages at form\n"
    "feeds), in any mix: the format is told by the content. Two folders are\n"
    "matched file by file by name stem, in every subfolder: a.gt.txt (or\n"
    "a.gt.json, a.alto.xml...) with a.alto.xml, a.page.xml, a.hocr, a.json, a.tsv\n"
    "or a.txt, or with the per-page files a.p0001.alto.xml, a.p0002.alto.xml...\n"
    "of --output-dir.\n"
    "  --json      one JSON object on standard output instead of the table\n"
    "  --no-boxes  skip the box comparison\n";

/* suffixes of OCR files, the preferred prediction first */
static const char *const suffixes[] = {".alto.xml", ".page.xml", ".hocr", ".hocr.html", ".html",
                                       ".xml", ".gt.json", ".json", ".tsv", ".gt.txt", ".txt",
                                       NULL};

/* the index in suffixes of name's suffix, or -1 */
static int suffix_index(const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; suffixes[i]; i++) {
        size_t k = strlen(suffixes[i]);
        if (n > k && strcmp(name + n - k, suffixes[i]) == 0)
            return i;
    }
    return -1;
}

/* the length of name's known suffix, 0 if none */
static size_t suffix_len(const char *name)
{
    int i = suffix_index(name);
    return i < 0 ? 0 : strlen(suffixes[i]);
}

typedef struct eval_run {
    vo_ctx *ctx;
    bool json, boxes;
    int failed;             /* pairs that could not be scored */
    eval_counts total;
    vo_buf json_pages;      /* the per-page objects, comma separated */
} eval_run;

static double rate(int64_t num, int64_t den, bool *defined)
{
    *defined = den > 0;
    return den > 0 ? (double)num / (double)den : 0.0;
}

/* the JSON of counts c (keys ... without braces) */
static void json_counts(vo_buf *b, const eval_counts *c)
{
    bool d;
    double v;
    vo_buf_printf(b, "\"pages\": %lld, \"chars\": %lld, \"char_edits\": %lld, ",
                  (long long)c->pages, (long long)c->chars, (long long)c->char_edits);
    v = rate(c->char_edits, c->chars, &d);
    d ? vo_buf_printf(b, "\"cer\": %.17g, ", v) : vo_buf_puts(b, "\"cer\": null, ");
    vo_buf_printf(b, "\"jamo\": %lld, \"jamo_edits\": %lld, ", (long long)c->jamo,
                  (long long)c->jamo_edits);
    v = rate(c->jamo_edits, c->jamo, &d);
    d ? vo_buf_printf(b, "\"jamo_cer\": %.17g, ", v) : vo_buf_puts(b, "\"jamo_cer\": null, ");
    vo_buf_printf(b, "\"words\": %lld, \"pred_words\": %lld, \"word_edits\": %lld, ",
                  (long long)c->words, (long long)c->pred_words, (long long)c->word_edits);
    v = rate(c->word_edits, c->words, &d);
    d ? vo_buf_printf(b, "\"wer\": %.17g, ", v) : vo_buf_puts(b, "\"wer\": null, ");
    int64_t bow = c->bow_missing > c->bow_extra ? c->bow_missing : c->bow_extra;
    vo_buf_printf(b, "\"bow_missing\": %lld, \"bow_extra\": %lld, ", (long long)c->bow_missing,
                  (long long)c->bow_extra);
    v = rate(bow, c->words, &d);
    d ? vo_buf_printf(b, "\"bow_error\": %.17g", v) : vo_buf_puts(b, "\"bow_error\": null");
    if (c->box_pages == 0) {
        vo_buf_puts(b, ", \"boxes\": null");
        return;
    }
    double p = rate(c->box_matched, c->box_pred, &d), r = rate(c->box_matched, c->box_gt, &d);
    vo_buf_printf(b, ", \"boxes\": {\"gt\": %lld, \"pred\": %lld, \"matched\": %lld, "
                  "\"precision\": %.17g, \"recall\": %.17g, \"f1\": %.17g, \"mean_iou\": %.17g}",
                  (long long)c->box_gt, (long long)c->box_pred, (long long)c->box_matched, p, r,
                  p + r > 0 ? 2 * p * r / (p + r) : 0.0,
                  c->box_matched ? c->iou_sum / (double)c->box_matched : 0.0);
}

static void json_string(vo_buf *b, const char *s)
{
    vo_buf_putc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            vo_buf_printf(b, "\\%c", c);
        else if (c < 0x20)
            vo_buf_printf(b, "\\u%04x", c);
        else
            vo_buf_putc(b, (char)c);
    }
    vo_buf_putc(b, '"');
}

static void print_header(void)
{
    printf("%-32s %5s %7s %7s %7s %6s %7s %7s %6s %6s\n", "file", "page", "chars", "CER%",
           "jamo%", "words", "WER%", "BoW%", "boxF1", "mIoU");
}

static void print_pct(int64_t num, int64_t den)
{
    bool d;
    double v = rate(num, den, &d);
    if (d)
        printf(" %7.2f", 100 * v);
    else
        printf(" %7s", "-");
}

static void print_row(const char *name, const char *page, const eval_counts *c)
{
    size_t n = strlen(name);
    printf("%-32s %5s %7lld", n > 32 ? name + n - 32 : name, page, (long long)c->chars);
    print_pct(c->char_edits, c->chars);
    print_pct(c->jamo_edits, c->jamo);
    printf(" %6lld", (long long)c->words);
    print_pct(c->word_edits, c->words);
    print_pct(c->bow_missing > c->bow_extra ? c->bow_missing : c->bow_extra, c->words);
    if (c->box_pages) {
        bool d;
        double p = rate(c->box_matched, c->box_pred, &d), r = rate(c->box_matched, c->box_gt, &d);
        printf(" %6.3f %6.3f\n", p + r > 0 ? 2 * p * r / (p + r) : 0.0,
               c->box_matched ? c->iou_sum / (double)c->box_matched : 0.0);
    } else {
        printf(" %6s %6s\n", "-", "-");
    }
}

static bool doc_has_boxes(const eval_doc *d)
{
    for (size_t p = 0; p < d->n; p++)
        for (size_t i = 0; i < d->pages[p].n; i++)
            if (d->pages[p].words[i].has_box)
                return true;
    return false;
}

/* pred's box unit into gt's: the factor, or 0 where they cannot be compared */
static double unit_scale(eval_unit gt, eval_unit pred)
{
    static const double per_inch[] = {[EVAL_UNIT_PIXEL] = 0, [EVAL_UNIT_MM10] = 254,
                                      [EVAL_UNIT_INCH1200] = 1200};
    if (gt == pred)
        return 1.0;
    if (gt == EVAL_UNIT_PIXEL || pred == EVAL_UNIT_PIXEL)
        return 0.0;
    return per_inch[gt] / per_inch[pred];
}

/* a list of prediction files: one file, or a document's per-page files */
typedef struct pred_files {
    char **paths;
    size_t n, cap;
} pred_files;

static void pred_files_free(pred_files *p)
{
    for (size_t i = 0; i < p->n; i++)
        vo_free(p->paths[i]);
    vo_free(p->paths);
    memset(p, 0, sizeof *p);
}

static bool pred_files_add(pred_files *p, char *path)
{
    if (!path || vo_grow((void **)&p->paths, &p->cap, p->n + 1, sizeof *p->paths)) {
        vo_free(path);
        return false;
    }
    p->paths[p->n++] = path;
    return true;
}

/* one pair: each page scored, printed and added to the total (pred empty:
 * no prediction) */
static void score_pair(eval_run *r, const char *name, const char *gt_path, const pred_files *pf)
{
    eval_doc gt, pred;
    memset(&gt, 0, sizeof gt);
    memset(&pred, 0, sizeof pred);
    if (eval_read(r->ctx, gt_path, &gt) != VO_OK) {
        /* the reader's message starts with the file's name */
        fprintf(stderr, "varco-ocr eval: %s (the ground truth)\n", vo_last_error(r->ctx));
        r->failed++;
        eval_doc_free(&gt);
        return;
    }
    for (size_t i = 0; i < pf->n; i++)
        if (eval_read(r->ctx, pf->paths[i], &pred) != VO_OK) {
            fprintf(stderr, "varco-ocr eval: %s (the prediction)\n", vo_last_error(r->ctx));
            r->failed++;
            eval_doc_free(&gt);
            eval_doc_free(&pred);
            return;
        }
    if (pf->n == 0)
        fprintf(stderr, "varco-ocr eval: %s: no prediction for this ground truth (a file of the "
                "same name stem): every character counts as an error\n", gt_path);
    bool boxes = r->boxes && doc_has_boxes(&gt) && doc_has_boxes(&pred);
    double scale = boxes ? unit_scale(gt.unit, pred.unit) : 1.0;
    if (boxes && scale == 0.0) {
        fprintf(stderr, "varco-ocr eval: %s: boxes in %s against %s: box quality not computed "
                "(write ALTO with --alto-unit %s to compare them)\n", name,
                eval_unit_name(gt.unit), eval_unit_name(pred.unit), eval_unit_name(gt.unit));
        boxes = false;
    }
    if (pf->n && gt.n != pred.n)
        fprintf(stderr, "varco-ocr eval: %s: %zu pages of ground truth, %zu predicted: the "
                "pages are compared in order, a missing page counts all its characters\n",
                name, gt.n, pred.n);
    size_t pages = gt.n > pred.n ? gt.n : pred.n;
    eval_counts file;
    memset(&file, 0, sizeof file);
    for (size_t p = 0; p < pages; p++) {
        eval_counts c;
        const eval_page *g = p < gt.n ? &gt.pages[p] : NULL, *q = p < pred.n ? &pred.pages[p] : NULL;
        if (eval_score_page(r->ctx, g, q, boxes, scale, &c) != VO_OK) {
            fprintf(stderr, "varco-ocr eval: %s: page %zu: %s\n", name, p + 1,
                    vo_last_error(r->ctx));
            r->failed++;
            continue;
        }
        eval_counts_add(&file, &c);
        char page[24];
        snprintf(page, sizeof page, "%zu", p + 1);
        if (r->json) {
            if (r->json_pages.len)
                vo_buf_puts(&r->json_pages, ",\n  ");
            vo_buf_puts(&r->json_pages, "{\"file\": ");
            json_string(&r->json_pages, name);
            vo_buf_printf(&r->json_pages, ", \"page\": %zu, ", p + 1);
            json_counts(&r->json_pages, &c);
            vo_buf_putc(&r->json_pages, '}');
        } else {
            print_row(name, page, &c);
        }
    }
    eval_counts_add(&r->total, &file);
    eval_doc_free(&gt);
    eval_doc_free(&pred);
}

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = vo_malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", a, b);
    return s;
}

/* by name stem, then by suffix in the order of preference: the files of
 * one stem (a.alto.xml, a.gt.txt) side by side, the preferred first */
static int cmp_names(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    size_t sx = strlen(x) - suffix_len(x), sy = strlen(y) - suffix_len(y);
    int c = strncmp(x, y, sx < sy ? sx : sy);
    if (c || sx != sy)
        return c ? c : (sx < sy ? -1 : 1);
    int ix = suffix_index(x), iy = suffix_index(y);
    return ix != iy ? (ix < iy ? -1 : 1) : strcmp(x, y);
}

/* the sorted names in folder dir; NULL on failure (said) */
static char **list_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "varco-ocr eval: %s: cannot open the folder: %s\n", dir, strerror(errno));
        return NULL;
    }
    char **names = NULL;
    size_t cap = 0;
    *n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        if (vo_grow((void **)&names, &cap, *n + 1, sizeof *names) ||
            !(names[*n] = vo_strdup(e->d_name)))
            break;
        (*n)++;
    }
    closedir(d);
    if (*n)
        qsort(names, *n, sizeof *names, cmp_names);
    return names ? names : vo_calloc(1, sizeof *names);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        vo_free(names[i]);
    vo_free(names);
}

/* the prediction in pred_dir with this name stem, by preference of suffix:
 * STEM.SUFFIX, else STEM.p0001.SUFFIX, STEM.p0002.SUFFIX... (the per-page
 * files of --output-dir); false when out of memory */
static bool find_pred(const char *pred_dir, const char *stem, size_t stem_len, pred_files *pf)
{
    for (int i = 0; suffixes[i]; i++) {
        if (strncmp(suffixes[i], ".gt.", 4) == 0)
            continue;
        for (int page = 0; page < 1000000; page++) {
            size_t n = strlen(pred_dir) + stem_len + strlen(suffixes[i]) + 16;
            char *p = vo_malloc(n);
            if (!p)
                return false;
            if (page == 0)
                snprintf(p, n, "%s/%.*s%s", pred_dir, (int)stem_len, stem, suffixes[i]);
            else
                snprintf(p, n, "%s/%.*s.p%04d%s", pred_dir, (int)stem_len, stem, page,
                         suffixes[i]);
            struct stat st;
            if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
                vo_free(p);
                if (page == 0)
                    continue;   /* not one file: per-page files? */
                break;
            }
            if (!pred_files_add(pf, p))
                return false;
            if (page == 0)
                break;
        }
        if (pf->n)
            return true;
    }
    return true;
}

/* every ground-truth file under gt_dir (rel: its path from the top) */
static void walk(eval_run *r, const char *gt_dir, const char *pred_dir, const char *rel, int depth)
{
    if (depth > MAX_DEPTH) {
        fprintf(stderr, "varco-ocr eval: %s: folders nested deeper than %d: not read\n", gt_dir,
                MAX_DEPTH);
        r->failed++;
        return;
    }
    size_t n;
    char **names = list_dir(gt_dir, &n);
    if (!names) {
        r->failed++;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        size_t k = suffix_len(names[i]);
        size_t stem = strlen(names[i]) - k;
        /* one file a stem, the preferred (a.alto.xml before a.gt.txt) */
        size_t kp = i ? suffix_len(names[i - 1]) : 0;
        bool dup = k && kp && strlen(names[i - 1]) - kp == stem &&
                   strncmp(names[i - 1], names[i], stem) == 0;
        char *path = join(gt_dir, names[i]), *sub = join(pred_dir, names[i]);
        char *name = rel[0] ? join(rel, names[i]) : vo_strdup(names[i]);
        struct stat st;
        if (path && sub && name && stat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                walk(r, path, sub, name, depth + 1);
            } else if (S_ISREG(st.st_mode) && k && !dup) {
                pred_files pf = {NULL, 0, 0};
                name[strlen(name) - k] = '\0';
                if (find_pred(pred_dir, names[i], stem, &pf)) {
                    score_pair(r, name, path, &pf);
                } else {
                    fprintf(stderr, "varco-ocr eval: out of memory\n");
                    r->failed++;
                }
                pred_files_free(&pf);
            }
        }
        vo_free(path);
        vo_free(sub);
        vo_free(name);
    }
    free_names(names, n);
}

int vo_eval_main(int argc, char **argv)
{
    static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
                                             {"no-boxes", no_argument, NULL, 'b'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    eval_run r;
    memset(&r, 0, sizeof r);
    r.boxes = true;
    optind = 1;
    for (int c; (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1;) {
        if (c == 'j')
            r.json = true;
        else if (c == 'b')
            r.boxes = false;
        else if (c == 'h') {
            fputs(usage, stdout);
            return 0;
        } else {
            fputs(usage, stderr);
            return 1;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "varco-ocr eval: give a ground truth and a prediction (two files or "
                        "two folders)\n%s", usage);
        return 1;
    }
    const char *gt = argv[optind], *pred = argv[optind + 1];
    struct stat sg, sp;
    if (stat(gt, &sg) != 0 || stat(pred, &sp) != 0) {
        const char *bad = stat(gt, &sg) != 0 ? gt : pred;
        fprintf(stderr, "varco-ocr eval: %s: %s\n", bad, strerror(errno));
        return 1;
    }
    if (S_ISDIR(sg.st_mode) != S_ISDIR(sp.st_mode)) {
        fprintf(stderr, "varco-ocr eval: %s is a %s and %s a %s: give two files or two "
                "folders\n", gt, S_ISDIR(sg.st_mode) ? "folder" : "file", pred,
                S_ISDIR(sp.st_mode) ? "folder" : "file");
        return 1;
    }
    if (!(r.ctx = vo_new_ctx())) {
        fputs("varco-ocr eval: out of memory\n", stderr);
        return 15;
    }
    if (!r.json)
        print_header();
    if (S_ISDIR(sg.st_mode)) {
        walk(&r, gt, pred, "", 0);
    } else {
        const char *base = strrchr(gt, '/') ? strrchr(gt, '/') + 1 : gt;
        char *name = vo_strdup(base);
        if (name && suffix_len(name))
            name[strlen(name) - suffix_len(name)] = '\0';
        pred_files pf = {NULL, 0, 0};
        if (pred_files_add(&pf, vo_strdup(pred)))
            score_pair(&r, name ? name : gt, gt, &pf);
        else
            r.failed++;
        pred_files_free(&pf);
        vo_free(name);
    }
    if (r.json) {
        vo_buf out = VO_BUF_INIT;
        vo_buf_puts(&out, "{\"pages\": [");
        if (r.json_pages.len)
            vo_buf_printf(&out, "\n  %s\n", r.json_pages.data);
        vo_buf_puts(&out, "], \"total\": {");
        json_counts(&out, &r.total);
        vo_buf_printf(&out, "}, \"files_failed\": %d}\n", r.failed);
        fputs(out.data, stdout);
        vo_buf_free(&out);
    } else {
        print_row("total", "", &r.total);
    }
    vo_buf_free(&r.json_pages);
    vo_drop_ctx(r.ctx);
    if (fflush(stdout) != 0) {
        perror("varco-ocr eval: standard output");
        return 5;
    }
    return r.failed ? 2 : 0;
}
