/* ask_cmd.c: `varco-ocr ask`: a question about one or more images or
 * document pages, put to the model in one chat turn; the answer streamed
 * to standard output as it is generated, or printed as JSON. */

#include "config.h"
#include "src/api/model_dir.h"
#include "src/cli/exit_codes.h"
#include "formats/overlay.h"
#include "src/ocr/ground.h"
#include "src/page/page.h"
#include "src/ask/ask.h"
#include "src/pipeline/pages.h"
#include "src/source/document.h"
#include "src/util/alloc.h"
#include "src/util/buf.h"
#include "src/util/clock.h"
#include "src/vlm/engine.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: varco-ocr ask [OPTIONS] -i IMAGE[#PAGE] [-i ...] QUESTION\n"
    "Ask the model a question about images or document pages, in one chat turn:\n"
    "the images first, then the question. The answer is written to standard\n"
    "output as it is generated.\n"
    "  -i, --image FILE[#PAGE]  an image or a document (PDF, TIFF, PNG, JPEG, PNM);\n"
    "                           #PAGE takes one page of it, else --pages (default:\n"
    "                           every page); at most 16 images in all\n"
    "  --pages RANGES           pages of the documents given without #PAGE (1-3,7)\n"
    "  --dpi N                  render document pages at N dpi (default: 300)\n"
    "  --images-flat            prepare every image as if it were alone (anyres\n"
    "                           tiles); default: the chat template's rule (two or\n"
    "                           more images: one square tile each)\n"
    "  --json                   print one JSON object (answer, tokens, image tokens,\n"
    "                           timings) instead of streaming the answer\n"
    "  --ground                 grounding: the question is asked with the family's\n"
    "                           <gro> task token, and the objects the answer marks\n"
    "                           are printed as JSON with their boxes in pixels of\n"
    "                           the image (one image only)\n"
    "  --region X1,Y1,X2,Y2     referring: the question is about this box (pixels of\n"
    "                           the one image), given to the model as\n"
    "                           <obj>this region</obj><bbox>x1, y1, x2, y2</bbox>\n"
    "  --overlay FILE.png       with --ground: the image with the objects' boxes drawn\n"
    "                           and their texts set beside it\n"
    "  --answer-from FILE       take the answer from FILE (saved model output) instead\n"
    "                           of the model: --ground reads its boxes\n"
    "  --model DIR              the model folder (default: as the OCR command finds it)\n"
    "  --max-tokens N           generate at most N tokens (default: what the context leaves)\n"
    "  --device DEV             auto, cpu, opencl or opencl:P.D\n"
    "  --threads N              CPU threads (default: all cores)\n"
    "  --weights TYPE           auto (default), as-stored, bf16, q8 or q4\n"
    "  --matmul MODE            exact (default) or bf16 (image and prompt up to 2x faster\n"
    "                           on CPUs with AVX512_BF16, logits within about 1%)\n"
    "  -q, --quiet              no warnings; -v, --verbose: more\n"
    "Exit status: 0 answered; 1 bad arguments; 2 an image cannot be read; 3 no model;\n"
    "7 the model failed.\n";

typedef struct ask_args {
    const char *model, *pages, *device, *question, *answer_from, *overlay;
    int ground, has_region;
    double region[4];
    const char *inputs[VO_ASK_MAX_IMAGES];
    int n_inputs, flat, json, max_tokens, threads, weights, matmul, verbosity;
    float dpi;
} ask_args;

static int parse_int(const char *opt, const char *s, int lo, int hi, int *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) {
        fprintf(stderr, "varco-ocr ask: %s %s: give a whole number from %d to %d\n", opt, s, lo,
                hi);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* 0: run; 1: --help was printed; -1: a usage error (said) */
static int parse_args(int argc, char **argv, ask_args *a)
{
    enum { O_PAGES = 256, O_DPI, O_FLAT, O_JSON, O_MODEL, O_MAX, O_DEVICE, O_THREADS, O_WEIGHTS,
           O_MATMUL, O_GROUND, O_REGION, O_ANSWER_FROM, O_OVERLAY };
    static const struct option longs[] = {
        {"image", required_argument, NULL, 'i'}, {"pages", required_argument, NULL, O_PAGES},
        {"dpi", required_argument, NULL, O_DPI}, {"images-flat", no_argument, NULL, O_FLAT},
        {"json", no_argument, NULL, O_JSON}, {"model", required_argument, NULL, O_MODEL},
        {"max-tokens", required_argument, NULL, O_MAX},
        {"device", required_argument, NULL, O_DEVICE},
        {"threads", required_argument, NULL, O_THREADS},
        {"weights", required_argument, NULL, O_WEIGHTS}, {"quiet", no_argument, NULL, 'q'},
        {"matmul", required_argument, NULL, O_MATMUL},
        {"ground", no_argument, NULL, O_GROUND}, {"region", required_argument, NULL, O_REGION},
        {"answer-from", required_argument, NULL, O_ANSWER_FROM},
        {"overlay", required_argument, NULL, O_OVERLAY},
        {"verbose", no_argument, NULL, 'v'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c, dpi = 0;
    a->verbosity = 1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "i:qvh", longs, NULL)) != -1) {
        switch (c) {
        case 'i':
            if (a->n_inputs == VO_ASK_MAX_IMAGES) {
                fprintf(stderr, "varco-ocr ask: more than %d images: one question takes at "
                        "most %d\n", VO_ASK_MAX_IMAGES, VO_ASK_MAX_IMAGES);
                return -1;
            }
            a->inputs[a->n_inputs++] = optarg;
            break;
        case O_PAGES: a->pages = optarg; break;
        case O_DPI:
            if (parse_int("--dpi", optarg, 10, 1200, &dpi))
                return -1;
            a->dpi = (float)dpi;
            break;
        case O_FLAT: a->flat = 1; break;
        case O_JSON: a->json = 1; break;
        case O_MODEL: a->model = optarg; break;
        case O_MAX:
            if (parse_int("--max-tokens", optarg, 1, 1 << 30, &a->max_tokens))
                return -1;
            break;
        case O_DEVICE: a->device = optarg; break;
        case O_THREADS:
            if (parse_int("--threads", optarg, 1, 1024, &a->threads))
                return -1;
            break;
        case O_WEIGHTS:
            if (!strcmp(optarg, "auto"))
                a->weights = VO_WEIGHTS_AUTO;
            else if (!strcmp(optarg, "as-stored"))
                a->weights = VO_WEIGHTS_AS_STORED;
            else if (!strcmp(optarg, "q8"))
                a->weights = VO_WEIGHTS_Q8;
            else if (!strcmp(optarg, "q4"))
                a->weights = VO_WEIGHTS_Q4;
            else if (!strcmp(optarg, "bf16"))
                a->weights = VO_WEIGHTS_BF16;
            else {
                fprintf(stderr, "varco-ocr ask: --weights %s: give auto, as-stored, bf16, q8 or q4\n",
                        optarg);
                return -1;
            }
            break;
        case O_MATMUL:
            if (!strcmp(optarg, "exact") || !strcmp(optarg, "bf16"))
                a->matmul = !strcmp(optarg, "bf16") ? VO_MATMUL_BF16 : VO_MATMUL_EXACT;
            else {
                fprintf(stderr, "varco-ocr ask: --matmul %s: give exact or bf16\n", optarg);
                return -1;
            }
            break;
        case O_GROUND: a->ground = 1; break;
        case O_REGION: {
            double *b = a->region;
            char tail = 0;
            if (sscanf(optarg, "%lf,%lf,%lf,%lf%c", &b[0], &b[1], &b[2], &b[3], &tail) != 4 ||
                !(b[0] >= 0 && b[1] >= 0 && b[2] > b[0] && b[3] > b[1])) {
                fprintf(stderr, "varco-ocr ask: --region %s: give X1,Y1,X2,Y2 in pixels, the "
                        "top-left corner before the bottom-right\n", optarg);
                return -1;
            }
            a->has_region = 1;
            break;
        }
        case O_ANSWER_FROM: a->answer_from = optarg; break;
        case O_OVERLAY: a->overlay = optarg; break;
        case 'q': a->verbosity = 0; break;
        case 'v': a->verbosity++; break;
        case 'h': fputs(usage, stdout); return 1;
        default: fputs("Try 'varco-ocr ask --help'.\n", stderr); return -1;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "varco-ocr ask: give one question (quoted) after the options%s\n",
                optind < argc - 1 ? ", not several words unquoted" : "");
        fputs("Try 'varco-ocr ask --help'.\n", stderr);
        return -1;
    }
    a->question = argv[optind];
    if (!*a->question) {
        fputs("varco-ocr ask: the question is empty\n", stderr);
        return -1;
    }
    if (a->overlay && !a->ground) {
        fputs("varco-ocr ask: --overlay draws the boxes of --ground: give --ground too\n", stderr);
        return -1;
    }
    if ((a->ground || a->has_region) && a->n_inputs != 1) {
        fprintf(stderr, "varco-ocr ask: --%s needs exactly one -i image: its boxes are in that "
                "image's pixels\n", a->ground ? "ground" : "region");
        return -1;
    }
    return 0;
}

/* The rasters the inputs name, in order, into r (at most VO_ASK_MAX_IMAGES);
 * *input_error says a failure is an input's (unreadable, no such page), not
 * the command line's. */
static vo_status load_images(vo_ctx *ctx, const ask_args *a, vo_raster **r, int *n,
                             int *input_error)
{
    *input_error = 0;
    vo_page_ranges ranges = {NULL, 0};
    vo_status st = a->pages ? vo_parse_page_ranges(ctx, a->pages, &ranges) : VO_OK;
    if (st)
        return vo_fail_where(ctx, "--pages %s: ", a->pages);
    *n = 0;
    for (int i = 0; !st && i < a->n_inputs; i++) {
        char *path = vo_strdup(a->inputs[i]);
        int page = 0;
        char *hash = path ? strrchr(path, '#') : NULL;
        if (!path) {
            st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
            break;
        }
        if (hash && hash[1] && strspn(hash + 1, "0123456789") == strlen(hash + 1)) {
            page = atoi(hash + 1);
            *hash = 0;
        }
        vo_document *doc = NULL;
        st = vo_open_document(ctx, path, NULL, &doc);
        int pages = st ? 0 : vo_document_page_count(doc);
        if (!st && page > pages)
            st = vo_fail(ctx, VO_ERR_ARGUMENT, "%s: there is no page %d: it has %d", path, page,
                         pages);
        *input_error = st != VO_OK && st != VO_ERR_NOMEM;
        for (int p = 1; !st && p <= pages; p++) {
            if (page ? p != page : !vo_page_ranges_contains(&ranges, p, pages))
                continue;
            if (*n == VO_ASK_MAX_IMAGES) {
                st = vo_fail(ctx, VO_ERR_ARGUMENT, "%s: more than %d images in all: one "
                             "question takes at most %d (choose pages with #PAGE or --pages)",
                             path, VO_ASK_MAX_IMAGES, VO_ASK_MAX_IMAGES);
                break;
            }
            st = vo_render_page(ctx, doc, p, a->dpi, NULL, &r[*n]);
            *input_error = st != VO_OK && st != VO_ERR_NOMEM;
            if (st)
                vo_fail_where(ctx, "%s: page %d: ", path, p);
            else
                (*n)++;
        }
        vo_drop_document(doc);
        vo_free(path);
    }
    vo_page_ranges_free(&ranges);
    return st;
}

static int print_piece(const char *piece, size_t len, float logprob, void *user)
{
    (void)logprob;
    (void)user;
    fwrite(piece, 1, len, stdout);
    fflush(stdout);
    return 0;
}

/* s as a JSON string */
static void json_string_out(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* x as the model writes coordinates: at most 3 decimals, no trailing zeros */
static void coord(vo_buf *b, double x, int *st)
{
    char s[32];
    snprintf(s, sizeof s, "%.3f", x < 0 ? 0 : x > 1 ? 1 : x);
    size_t n = strlen(s);
    while (n > 1 && s[n - 1] == '0' && s[n - 2] != '.')
        s[--n] = 0;
    *st |= vo_buf_puts(b, s) != VO_OK;
}

/* The text put to the model: the question, with the task's form. */
static vo_status user_text(vo_ctx *ctx, const ask_args *a, const vo_raster *r, vo_buf *out)
{
    int bad = 0;
    if (a->ground)
        bad |= vo_buf_puts(out, "<gro>\n") != VO_OK;
    if (a->has_region) {
        double w = r->width, h = r->height;
        if (a->region[2] > w || a->region[3] > h)
            return vo_fail(ctx, VO_ERR_ARGUMENT, "--region %g,%g,%g,%g is outside the image of "
                           "%dx%d pixels", a->region[0], a->region[1], a->region[2],
                           a->region[3], r->width, r->height);
        bad |= vo_buf_puts(out, "<obj>this region</obj><bbox>") != VO_OK;
        coord(out, a->region[0] / w, &bad);
        bad |= vo_buf_puts(out, ", ") != VO_OK;
        coord(out, a->region[1] / h, &bad);
        bad |= vo_buf_puts(out, ", ") != VO_OK;
        coord(out, a->region[2] / w, &bad);
        bad |= vo_buf_puts(out, ", ") != VO_OK;
        coord(out, a->region[3] / h, &bad);
        bad |= vo_buf_puts(out, "</bbox> ") != VO_OK;
    }
    bad |= vo_buf_puts(out, a->question) != VO_OK;
    return bad ? vo_fail(ctx, VO_ERR_NOMEM, "out of memory") : VO_OK;
}

/* The objects a grounding answer marks, as JSON: consecutive boxes of one
 * text are one object; boxes in pixels of the image r. With overlay, the
 * objects are drawn on r there (each box a word of its own line). */
static vo_status print_objects(vo_ctx *ctx, const char *answer, size_t len, const vo_raster *r,
                               const char *overlay)
{
    int w = r->width, h = r->height;
    vo_ground *g = NULL;
    /* the words around the objects are the answer, not stray output: no warnings */
    vo_ctx *quiet = vo_new_ctx();
    if (!quiet)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    vo_set_verbosity(quiet, 0);
    vo_status st = vo_ground_parse(quiet, NULL, answer, len, NULL, 0, &g);
    if (st)
        vo_fail(ctx, st, "%s", vo_last_error(quiet));
    vo_drop_ctx(quiet);
    if (st)
        return st;
    size_t n = 0;
    const vo_span *sp = vo_ground_spans(g, &n);
    printf("\"objects\":[");
    for (size_t i = 0; i < n; i++) {
        int first = i == 0 || strcmp(sp[i].text, sp[i - 1].text) != 0;
        if (first) {
            printf("%s{\"text\":", i ? "]}," : "");
            json_string_out(stdout, sp[i].text, strlen(sp[i].text));
            printf(",\"boxes\":[");
        }
        vo_box b = vo_ground_box_to_page(sp[i].box, w, h);
        printf("%s[%.2f,%.2f,%.2f,%.2f]", first ? "" : ",", b.x0, b.y0, b.x1, b.y1);
    }
    printf("%s]", n ? "]}" : "");
    if (overlay) {
        vo_page *page = vo_new_page(1, w, h, r->dpi_x, r->dpi_y, "image");
        st = page ? VO_OK : vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        for (size_t i = 0; !st && i < n; i++) {
            vo_box b = vo_ground_box_to_page(sp[i].box, w, h);
            if (vo_page_add_block(page) ||
                vo_page_add_word(page, sp[i].text, strlen(sp[i].text), b, VO_CONF_NONE, NULL))
                st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        }
        if (!st) {
            vo_page_finish(page);
            st = vo_write_overlay(ctx, r, page, NULL, overlay);
        }
        vo_drop_page(page);
    }
    vo_drop_ground(g);
    return st;
}

/* The command's code of st; a prompt that does not fit the context is the
 * model's limit (7), not the input's. */
static int ask_exit_code(vo_status st)
{
    return st == VO_ERR_LIMIT ? VO_EXIT_ENGINE : vo_exit_code_of(st);
}

int vo_ask_main(int argc, char **argv)
{
    ask_args a;
    memset(&a, 0, sizeof a);
    int parsed = parse_args(argc, argv, &a);
    if (parsed)
        return parsed > 0 ? VO_EXIT_OK : VO_EXIT_BAD_ARGS; /* --help, or a usage error */
    vo_ctx *ctx = vo_new_ctx();
    if (!ctx)
        return VO_EXIT_OTHER;
    vo_set_verbosity(ctx, a.verbosity);
    vo_raster *r[VO_ASK_MAX_IMAGES] = {NULL};
    int n = 0;
    vo_engine *eng = NULL;
    vo_buf answer = VO_BUF_INIT;
    char *dir = NULL;
    double t0 = vo_monotonic_seconds(), t_loaded = t0, t_done = t0;
    int input_failed = 0;
    vo_status st = load_images(ctx, &a, r, &n, &input_failed);
    vo_buf text = VO_BUF_INIT;
    if (!st)
        st = user_text(ctx, &a, n ? r[0] : NULL, &text);
    if (!st && a.answer_from) { /* a saved answer: no model */
        st = vo_read_file(ctx, a.answer_from, (size_t)64 << 20, &answer);
        input_failed = st != VO_OK && st != VO_ERR_NOMEM;
    }
    if (!st && !a.answer_from && !(dir = vo_find_model_dir(a.model)))
        st = a.model ? vo_fail(ctx, VO_ERR_MISSING, "--model %s: not a model folder (no "
                               "readable config.json)", a.model)
                     : vo_fail(ctx, VO_ERR_MISSING, "no model folder was found: download it "
                               "with 'huggingface-cli download NCSOFT/VARCO-VISION-2.0-1.7B-OCR "
                               "--local-dir ~/.local/share/varco-ocr/VARCO-VISION-2.0-1.7B-OCR' "
                               "or pass --model DIR");
    if (!st && !a.answer_from) {
        vo_engine_opts eo = {a.threads, a.max_tokens, 0, a.device, VO_KV_F32, 1, 0, a.weights,
                             a.matmul};
        st = vo_engine_open(ctx, dir, &eo, &eng);
        if (st)
            vo_fail_where(ctx, "%s: cannot load the model: ", dir);
        t_loaded = vo_monotonic_seconds();
    }
    vo_engine_image imgs[VO_ASK_MAX_IMAGES];
    for (int k = 0; k < n; k++)
        imgs[k] = (vo_engine_image){r[k]->rgb, r[k]->width, r[k]->height, r[k]->stride};
    /* the task's tokens, read from the folder's tokenizer */
    static const char *const task_tokens[] = {"<gro>", "<obj>", "</obj>", "<bbox>", "</bbox>"};
    for (int i = a.ground ? 0 : 1; !st && eng && (a.ground || a.has_region) && i < 5; i++)
        if (!vo_engine_has_special_token(eng, task_tokens[i]))
            vo_warn(ctx, "%s: the tokenizer has no special token %s: the %s request is put to "
                    "the model as plain text, and the answer may not mark its boxes", dir,
                    task_tokens[i], a.ground ? "grounding" : "referring");
    int as_json = a.json || a.ground;
    vo_engine_question q = {imgs, n, a.flat ? VO_IMAGES_FLAT : VO_IMAGES_NESTED,
                            text.data ? text.data : "", as_json ? NULL : print_piece, NULL,
                            &answer, {0}, 0, 0, false, false};
    if (!st && !a.answer_from) {
        st = vo_engine_ask(ctx, eng, &q);
        t_done = vo_monotonic_seconds();
    }
    if (!st && a.answer_from && !as_json)
        fwrite(answer.data ? answer.data : "", 1, answer.len, stdout);
    if (!st && as_json) {
        printf("{\"answer\":");
        json_string_out(stdout, answer.data ? answer.data : "", answer.len);
        printf(",\"tokens\":%d,\"prompt_tokens\":%d,\"image_tokens\":[", q.n_tokens, q.n_prompt);
        for (int k = 0; k < n; k++)
            printf("%s%d", k ? "," : "", q.image_tokens[k]);
        printf("],\"images\":[");
        for (int k = 0; k < n; k++)
            printf("%s{\"width\":%d,\"height\":%d}", k ? "," : "", r[k]->width, r[k]->height);
        printf("],\"question\":");
        json_string_out(stdout, q.text, strlen(q.text));
        if (a.answer_from)
            printf(",\"replayed_from\":"), json_string_out(stdout, a.answer_from, strlen(a.answer_from));
        printf(",\"cut\":%s,\"images_rule\":\"%s\",\"seconds\":{\"load\":%.3f,\"answer\":%.3f}",
               q.cut ? "true" : "false", a.flat ? "flat" : "nested", t_loaded - t0,
               t_done - t_loaded);
        if (a.ground) {
            printf(",");
            st = print_objects(ctx, answer.data ? answer.data : "", answer.len, r[0], a.overlay);
        }
        printf("}\n");
    } else if (!st && (answer.len == 0 || answer.data[answer.len - 1] != '\n')) {
        putchar('\n');
    }
    if (!st && q.cut)
        vo_warn(ctx, "the answer reached its limit of %d tokens (%s) before its end: the rest "
                "is missing", q.n_tokens, a.max_tokens ? "--max-tokens" : "the model's context");
    if (st)
        fprintf(stderr, "varco-ocr ask: %s\n", vo_last_error(ctx));
    int code = input_failed ? VO_EXIT_INPUT : ask_exit_code(st);
    vo_flush_warnings(ctx);
    vo_buf_free(&answer);
    vo_buf_free(&text);
    vo_engine_close(eng);
    for (int k = 0; k < n; k++)
        vo_drop_raster(r[k]);
    vo_free(dir);
    vo_drop_ctx(ctx);
    return code;
}
