/* options.c: one table of options for getopt_long and --help; parsing and
 * checks of the values (GNU style errors, exit code 1). */
#include "config.h"
#include "src/cli/options.h"
#include "src/vlm/engine.h"
#include "src/util/alloc.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* VO_ENGINE_BATCH_MAX as the usage error says it */
#define TEXT_OF(n) #n
#define BATCH_MAX_TEXT_OF(n) TEXT_OF(n)
#define BATCH_MAX_TEXT BATCH_MAX_TEXT_OF(VO_ENGINE_BATCH_MAX)

#define PROG "varco-ocr"

enum {
    OPT_DPI = 256, OPT_MODEL, OPT_TEXT_LAYER, OPT_PASSWORD, OPT_ALTO_UNIT, OPT_PAGES,
    OPT_DUMP_CONFIG, OPT_RESUME, OPT_NO_RESUME, OPT_SHARD, OPT_REPORT, OPT_PROGRESS,
    OPT_INCLUDE, OPT_EXCLUDE, OPT_FILES_FROM, OPT_RAW_OUT, OPT_FROM_RAW, OPT_THREADS,
    OPT_MAX_TOKENS, OPT_MAX_PIXELS, OPT_OVERLAY, OPT_FONT, OPT_DEVICE, OPT_LIST_DEVICES, OPT_MAX_PAGES, OPT_KV_TYPE, OPT_WEIGHTS, OPT_MATMUL, OPT_PAGE_TIMEOUT,
    OPT_BATCH, OPT_NO_DRAFT, OPT_PDFA, OPT_NO_PDFA, OPT_MAX_INPUT_SIZE, OPT_NO_BAND, OPT_NO_BLANK_SKIP,
    OPT_SIDECAR, OPT_WAIT_LOCK, OPT_IMAGE_DPI, OPT_REDO_OCR, OPT_DESKEW,
    OPT_ROTATE_PAGES,
};

typedef struct opt_doc {
    const char *name;  /* long name */
    int has_arg;
    int val;           /* short letter or OPT_ */
    const char *arg;   /* argument name in --help */
    const char *group; /* starts a new group when non-NULL */
    const char *help;
} opt_doc;

static const opt_doc opt_table[] = {
    {"output", 1, 'o', "FILE", "Output",
     "write to FILE ('-' for standard output); one input, one format"},
    {"output-dir", 1, 'O', "DIR", NULL,
     "write INPUT's outputs into DIR as NAME.txt, NAME.hocr, per-page "
     "NAME.p0001.alto.xml and NAME.p0001.page.xml, ..."},
    {"format", 1, 'f', "LIST", NULL,
     "formats, comma-separated: txt, hocr, alto, page, tsv, json, pdf "
     "(searchable PDF) (default txt)"},
    {"sidecar", 1, OPT_SIDECAR, "FILE", NULL,
     "also write the text (as -f txt) to FILE, beside the -o output (OCRmyPDF's name)"},
    {"pdfa", 0, OPT_PDFA, NULL, NULL,
     "the searchable PDF of page images is PDF/A-2b (default)"},
    {"no-pdfa", 0, OPT_NO_PDFA, NULL, NULL,
     "write a plain PDF, without the PDF/A-2b metadata and colour profile"},
    {"alto-unit", 1, OPT_ALTO_UNIT, "UNIT", NULL,
     "ALTO MeasurementUnit: pixel (default), mm10 or inch1200"},
    {"overlay", 1, OPT_OVERLAY, "DIR", NULL,
     "also draw each page with its block, line, word and glyph boxes and the "
     "recognised text into DIR/NAME.pNNNN.overlay.png"},
    {"font", 1, OPT_FONT, "FILE", NULL,
     "font for the overlay text (default: a Korean font found by fontconfig)"},
    {"pages", 1, OPT_PAGES, "LIST", "Input",
     "pages to process, 1-based, e.g. 1-3,7,10-end (default all)"},
    {"dpi", 1, OPT_DPI, "N", NULL,
     "rasterization resolution (default: 300 for PDF pages, the image's own for scans)"},
    {"image-dpi", 1, OPT_IMAGE_DPI, "N", NULL,
     "take image inputs (PNG, JPEG, PNM, TIFF) to have N dpi, whatever the file "
     "says (default: what it says, else 300): the page size follows, no pixel is "
     "resampled"},
    {"password", 1, OPT_PASSWORD, "PW", NULL, "password of an encrypted PDF"},
    {"language", 1, 'l', "LANG", NULL,
     "languages of the documents as Tesseract names them (kor, eng, kor+eng): a hint "
     "only, the model reads Korean and English, so Tesseract and OCRmyPDF command "
     "lines run unchanged"},
    {"include", 1, OPT_INCLUDE, "GLOB", NULL,
     "in directories, take only files matching GLOB (repeatable; default: "
     "*.pdf, *.tif, *.tiff, *.png, *.jpg, *.jpeg, *.pnm, *.pbm, *.pgm, *.ppm)"},
    {"exclude", 1, OPT_EXCLUDE, "GLOB", NULL, "in directories, skip files matching GLOB (repeatable)"},
    {"files-from", 1, OPT_FILES_FROM, "FILE", NULL,
     "read more input paths from FILE, one per line ('-': standard input); "
     "an operand @FILE does the same"},
    {"from-raw", 1, OPT_FROM_RAW, "PATH", NULL,
     "re-render saved model output (NAME.pNNNN.raw.json files, or a directory "
     "of them) without running the model"},
    {"text-layer", 1, OPT_TEXT_LAYER, "MODE", "Recognition",
     "auto: use a page's own text where it has some, OCR the rest (default); "
     "only: never OCR; ignore: OCR every page"},
    {"redo-ocr", 0, OPT_REDO_OCR, NULL, NULL,
     "invisible text (an earlier OCR's layer) is not a page's text: such a page is "
     "recognised again and, in -f pdf, the old layer is removed before ours is added "
     "(OCRmyPDF's name)"},
    {"deskew", 0, OPT_DESKEW, NULL, NULL,
     "straighten a skewed page (up to 12 degrees) before OCR; the boxes are given on "
     "the page as it is"},
    {"rotate-pages", 0, OPT_ROTATE_PAGES, NULL, NULL,
     "turn a page lying on its side or upside down upright before OCR (Korean and "
     "English; OCRmyPDF's name); the boxes are given on the page as it is"},
    {"model", 1, OPT_MODEL, "DIR", NULL,
     "VARCO-VISION-2.0 model folder (default: $VARCO_OCR_MODEL, then "
     "$XDG_DATA_HOME/varco-ocr/VARCO-VISION-2.0-1.7B-OCR)"},
    {"raw-out", 1, OPT_RAW_OUT, "DIR", NULL,
     "save the model's raw output of every OCR page in DIR as NAME.pNNNN.raw.json"},
    {"dump-config", 0, OPT_DUMP_CONFIG, NULL, NULL,
     "print the model folder's configuration as loaded, then exit"},
    {"resume", 0, OPT_RESUME, NULL, "Batches",
     "skip pages and files whose outputs are complete and still match the input "
     "and settings (default with --output-dir)"},
    {"no-resume", 0, OPT_NO_RESUME, NULL, NULL, "redo everything"},
    {"shard", 1, OPT_SHARD, "I/N", NULL,
     "process only the I-th of N deterministic parts of the inputs (1-based), "
     "for N processes sharing one output directory"},
    {"wait-lock", 2, OPT_WAIT_LOCK, "SECONDS", NULL,
     "when another run is writing into the --output-dir, wait for it to end (at "
     "most SECONDS, fractions allowed; default: as long as it takes) instead of "
     "stopping at once"},
    {"report", 1, OPT_REPORT, "FILE", NULL,
     "write a JSON report of every file and page: status, timings, errors"},
    {"progress", 1, OPT_PROGRESS, "WHEN", NULL,
     "progress on standard error: auto (a line on a terminal), always (plain lines "
     "when not a terminal), never, json (one JSON object a line for each event)"},
    {"page-timeout", 1, OPT_PAGE_TIMEOUT, "SECONDS", NULL,
     "abandon a page that takes longer than SECONDS (fractions allowed) with an "
     "error; the other pages go on (default: no limit)"},
    {"jobs", 1, 'j', "N", "Performance", "process N inputs at once (default: number of CPUs)"},
    {"device", 1, OPT_DEVICE, "DEV", NULL,
     "where the model runs: auto (an OpenCL GPU if there is one, else the CPU; "
     "default), cpu, opencl, or opencl:P.D from --list-devices"},
    {"list-devices", 0, OPT_LIST_DEVICES, NULL, NULL, "list the devices the model can run on, then exit"},
    {"threads", 1, OPT_THREADS, "N", NULL,
     "threads of the recognition engine (default: all cores)"},
    {"kv-type", 1, OPT_KV_TYPE, "TYPE", NULL,
     "how the model keeps its attention cache: f32 (default, exact), bf16 or f16 "
     "(half the memory), q8 (a quarter, 8-bit; CPU only)"},
    {"weights", 1, OPT_WEIGHTS, "TYPE", NULL,
     "the language model's weights: auto (default: bf16 on the CPU where the memory "
     "allows, else as-stored), as-stored (the model's bf16 mapped from the file, "
     "shared between processes), bf16 (the same values copied into memory: the same "
     "results, decode as fast or up to 6x faster on the CPU, not shared), q8 (8-bit, "
     "made at load: decode 1.4-1.8x as fast on the CPU, logits within a few percent) "
     "or q4 (4-bit: about 3x faster, less exact); q8 and q4 on OpenCL too"},
    {"matmul", 1, OPT_MATMUL, "MODE", NULL,
     "how the CPU multiplies the image tiles and the prompt by bf16 weights: exact "
     "(default) or bf16 (activations rounded to bf16, on CPUs with AVX512_BF16: those "
     "stages up to 2x faster, logits within about 1%)"},
    {"batch", 1, OPT_BATCH, "N", NULL,
     "recognise up to N pages at once, one decode step for all, pages of one document "
     "too (default: as many as the memory has room for, at most 16; -v says it)"},
    {"no-band", 0, OPT_NO_BAND, NULL, NULL,
     "keep a page cut at its token limit as it is, instead of recognising it again in "
     "bands"},
    {"no-blank-skip", 0, OPT_NO_BLANK_SKIP, NULL, NULL,
     "send blank pages to the model too (by default a page with no ink but specks, "
     "borders and punch holes is written empty without it)"},
    {"no-draft", 0, OPT_NO_DRAFT, NULL, NULL,
     "one token per pass over the model: no drafted decoding (the text is the same; "
     "for timing comparisons)"},
    {"max-tokens", 1, OPT_MAX_TOKENS, "N", NULL,
     "stop a page's recognition after N generated tokens (default: what the model's "
     "context leaves after the page's prompt)"},
    {"max-pages", 1, OPT_MAX_PAGES, "N", NULL,
     "refuse a document of more than N pages (default 100000)"},
    {"max-pixels", 1, OPT_MAX_PIXELS, "N", NULL,
     "refuse to render a page of more than N pixels (default 268435456)"},
    {"max-input-size", 1, OPT_MAX_INPUT_SIZE, "SIZE", NULL,
     "refuse standard input larger than SIZE bytes; K, M, G, T are powers of "
     "1024 (default 2G)"},
    {"quiet", 0, 'q', NULL, "Messages", "print errors only"},
    {"verbose", 0, 'v', NULL, NULL, "print more (repeat for debug output)"},
    {"help", 0, 'h', NULL, NULL, "print this help and exit"},
    {"version", 0, 'V', NULL, NULL, "print version information and exit"},
};

#define N_OPTS (int)(sizeof opt_table / sizeof opt_table[0])

static void wrap(FILE *f, const char *text, int indent, int width)
{
    int col = indent;
    const char *p = text;
    while (*p) {
        const char *sp = strchr(p, ' ');
        int len = sp ? (int)(sp - p) : (int)strlen(p);
        if (col > indent && col + 1 + len > width) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, (size_t)len, f);
        col += len;
        p += len;
        while (*p == ' ')
            p++;
    }
    fputc('\n', f);
}

void vo_cli_print_help(FILE *f)
{
    fprintf(f,
            "Usage: " PROG " [OPTION]... INPUT...\n"
            "  or:  " PROG " [OPTION]... -o OUTPUT INPUT\n"
            "  or:  " PROG " [OPTION]... --output-dir=DIR INPUT...\n"
            "  or:  " PROG " eval [--json] GROUND_TRUTH PREDICTION   (see eval --help)\n"
            "  or:  " PROG " ask [OPTION]... -i IMAGE... QUESTION   (see ask --help)\n"
            "Make PDFs and scans searchable: text, hOCR, ALTO, PAGE-XML, TSV, JSON and\n"
            "searchable PDF "
"with a box for every word and character, from a PDF's own text\n"
            "layer or from the VARCO-VISION-2.0 OCR model. INPUT is a PDF, TIFF, PNG,\n"
            "JPEG or PNM file, a directory of them, @LIST, or '-' for standard input.\n");
    for (int i = 0; i < N_OPTS; i++) {
        const opt_doc *o = &opt_table[i];
        if (o->group)
            fprintf(f, "\n%s:\n", o->group);
        char head[64];
        int n;
        const char *eq = !o->arg ? "" : o->has_arg == optional_argument ? "[=" : "=";
        const char *close = o->arg && o->has_arg == optional_argument ? "]" : "";
        if (o->val < 256)
            n = snprintf(head, sizeof head, "  -%c, --%s%s%s%s", o->val, o->name, eq,
                         o->arg ? o->arg : "", close);
        else
            n = snprintf(head, sizeof head, "      --%s%s%s%s", o->name, eq, o->arg ? o->arg : "",
                         close);
        fputs(head, f);
        if (n >= 26)
            fprintf(f, "\n%*s", 26, "");
        else
            fprintf(f, "%*s", 26 - n, "");
        wrap(f, o->help, 26, 79);
    }
    fprintf(f,
            "\nEnvironment:\n"
            "  VARCO_OCR_MODEL   model folder when --model is not given\n"
            "  XDG_DATA_HOME     where the model folder is looked for next\n"
            "  SOURCE_DATE_EPOCH timestamp written into outputs (reproducible files)\n"
            "  TMPDIR            where standard input is spooled\n"
            "  XDG_CACHE_HOME    where compiled OpenCL kernels are kept\n"
            "  VARCO_OCR_KERNEL_DIR  OpenCL kernel sources to use instead of the built-in\n"
            "  VO_CPU_ISA        CPU kernels: avx512, avx2 or scalar (default: the best)\n"
            "  NO_COLOR          no colour in messages\n"
            "\nExit status:\n"
            "  0 success; 1 bad command line; 2 bad or unreadable input; 3 model or\n"
            "  dependency missing; 5 cannot write output; 7 recognition failed;\n"
            "  8 encrypted PDF without the right password; 9 bad model configuration;\n"
            "  11 some inputs or pages failed, the rest were written; 15 other error;\n"
            "  130 interrupted (run the same command again to resume).\n"
            "\nThe VARCO-VISION-2.0 weights are licensed CC BY-NC 4.0 (non-commercial).\n"
            "Report bugs to: " PACKAGE_BUGREPORT "\n");
}

static int usage_error(const char *fmt, const char *a)
{
    fprintf(stderr, PROG ": ");
    fprintf(stderr, fmt, a);
    fprintf(stderr, "\nTry '" PROG " --help' for more information.\n");
    return 1;
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

/* A size in bytes: digits and an optional K, M, G or T (powers of 1024). */
static int parse_size(const char *s, unsigned long long *out)
{
    static const char units[] = "KMGT";
    errno = 0;
    char *end;
    if (*s < '0' || *s > '9')
        return 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return 0;
    if (*end) {
        const char *u = strchr(units, *end >= 'a' ? *end - 'a' + 'A' : *end);
        if (!u || end[1])
            return 0;
        for (long k = 0; k <= u - units; k++) {
            if (v > (1ULL << 50))
                return 0;
            v <<= 10;
        }
    }
    if (v < 1 || v > (1ULL << 60))
        return 0;
    *out = v;
    return 1;
}

static int parse_formats(vo_cli *cli, const char *list)
{
    cli->n_formats = 0;
    const char *p = list;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        vo_format f = vo_format_from_name(p, len);
        if (f == VO_FORMAT_COUNT_) {
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(len < 60 ? len : 60), p);
            return usage_error("unknown format '%s' (use txt, hocr, alto, page, tsv, json, pdf)", name);
        }
        int dup = 0;
        for (int i = 0; i < cli->n_formats; i++)
            dup |= cli->formats[i] == f;
        if (!dup)
            cli->formats[cli->n_formats++] = f;
        p += len;
        if (*p == ',')
            p++;
    }
    if (cli->n_formats == 0)
        return usage_error("empty format list%s", "");
    return 0;
}

static void print_version(void);

int vo_cli_parse(int argc, char **argv, vo_cli *cli)
{
    memset(cli, 0, sizeof *cli);
    cli->verbosity = 1;
    cli->resume = -1;
    cli->progress = VO_PROGRESS_AUTO;
    cli->max_input_size = VO_MAX_INPUT_SIZE_DEFAULT;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    cli->jobs = ncpu > 0 ? (int)ncpu : 1;

    struct option longs[N_OPTS + 1];
    char shorts[64];
    int ns = 0;
    for (int i = 0; i < N_OPTS; i++) {
        longs[i] = (struct option){opt_table[i].name, opt_table[i].has_arg, NULL, opt_table[i].val};
        if (opt_table[i].val < 256) {
            shorts[ns++] = (char)opt_table[i].val;
            if (opt_table[i].has_arg)
                shorts[ns++] = ':';
        }
    }
    longs[N_OPTS] = (struct option){0, 0, 0, 0};
    shorts[ns] = 0;

    const char *formats = "txt";
    int c;
    long v;
    opterr = 1;
    /* getopt_long's own messages (unknown option, missing argument) start
     * with argv[0]: name the program as every other message does */
    char *argv0 = argc > 0 ? argv[0] : NULL;
    if (argc > 0)
        argv[0] = (char *)PROG;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        switch (c) {
        case 'o':
            if (!*optarg)
                return usage_error("--output takes a file name, or - for standard output%s", "");
            /* file descriptor 1 is pointed at stderr while we run (main.c), so
             * /dev/stdout is taken as '-' */
            cli->output = strcmp(optarg, "/dev/stdout") == 0 ? "-" : optarg;
            break;
        case 'O':
            if (!*optarg)
                return usage_error("--output-dir takes a directory name%s", "");
            cli->output_dir = optarg;
            break;
        case 'f': formats = optarg; break;
        case OPT_PAGES: cli->pages_spec = optarg; break;
        case OPT_DPI:
            if (!parse_int(optarg, 10, 2400, &v))
                return usage_error("--dpi takes a number from 10 to 2400, not '%s'", optarg);
            cli->dpi = (float)v;
            break;
        case OPT_IMAGE_DPI:
            if (!parse_int(optarg, 10, 10000, &v))
                return usage_error("--image-dpi takes a number from 10 to 10000, not '%s'",
                                   optarg);
            cli->image_dpi = (float)v;
            break;
        case OPT_PASSWORD: cli->password = optarg; break;
        case OPT_MODEL: cli->model = optarg; break;
        case OPT_TEXT_LAYER:
            if (strcmp(optarg, "auto") == 0) cli->text_layer = VO_TEXT_AUTO;
            else if (strcmp(optarg, "only") == 0) cli->text_layer = VO_TEXT_ONLY;
            else if (strcmp(optarg, "ignore") == 0) cli->text_layer = VO_TEXT_IGNORE;
            else return usage_error("--text-layer takes auto, only or ignore, not '%s'", optarg);
            break;
        case OPT_SIDECAR:
            if (!*optarg)
                return usage_error("--sidecar needs a file name%s", "");
            cli->sidecar = optarg;
            break;
        case OPT_REDO_OCR: cli->redo_ocr = 1; break;
        case OPT_DESKEW: cli->deskew = 1; break;
        case OPT_ROTATE_PAGES: cli->rotate_pages = 1; break;
        case OPT_PDFA: cli->no_pdfa = 0; break;
        case OPT_NO_PDFA: cli->no_pdfa = 1; break;
        case OPT_ALTO_UNIT:
            if (strcmp(optarg, "pixel") == 0) cli->alto_unit = VO_ALTO_PIXEL;
            else if (strcmp(optarg, "mm10") == 0) cli->alto_unit = VO_ALTO_MM10;
            else if (strcmp(optarg, "inch1200") == 0) cli->alto_unit = VO_ALTO_INCH1200;
            else return usage_error("--alto-unit takes pixel, mm10 or inch1200, not '%s'", optarg);
            break;
        case OPT_RESUME: cli->resume = 1; break;
        case OPT_NO_RESUME: cli->resume = 0; break;
        case OPT_SHARD: {
            long i, n;
            char *slash = strchr(optarg, '/');
            char a[32], b[32];
            if (!slash || slash - optarg >= 31 || strlen(slash + 1) >= 31)
                return usage_error("--shard takes I/N such as 2/8, not '%s'", optarg);
            snprintf(a, sizeof a, "%.*s", (int)(slash - optarg), optarg);
            snprintf(b, sizeof b, "%s", slash + 1);
            if (!parse_int(a, 1, 100000, &i) || !parse_int(b, 1, 100000, &n) || i > n)
                return usage_error("--shard takes I/N with 1 <= I <= N, not '%s'", optarg);
            cli->shard_index = (int)i;
            cli->shard_count = (int)n;
            break;
        }
        case OPT_REPORT: cli->report = optarg; break;
        case OPT_PROGRESS:
            if (strcmp(optarg, "auto") == 0) cli->progress = VO_PROGRESS_AUTO;
            else if (strcmp(optarg, "always") == 0) cli->progress = VO_PROGRESS_ALWAYS;
            else if (strcmp(optarg, "never") == 0) cli->progress = VO_PROGRESS_NEVER;
            else if (strcmp(optarg, "json") == 0) cli->progress = VO_PROGRESS_JSON;
            else return usage_error("--progress takes auto, always, never or json, not '%s'",
                                    optarg);
            break;
        case OPT_INCLUDE:
        case OPT_EXCLUDE: {
            const char ***list = c == OPT_INCLUDE ? &cli->include : &cli->exclude;
            int *n = c == OPT_INCLUDE ? &cli->n_include : &cli->n_exclude;
            const char **grown = vo_realloc(*list, sizeof(char *) * (size_t)(*n + 2));
            if (!grown)
                return usage_error("out of memory%s", "");
            grown[(*n)++] = optarg;
            grown[*n] = NULL;
            *list = grown;
            break;
        }
        case OPT_FILES_FROM: cli->files_from = optarg; break;
        case OPT_RAW_OUT: cli->raw_out = optarg; break;
        case OPT_FROM_RAW: {
            const char **grown = vo_realloc(cli->from_raw, sizeof(char *) * (size_t)(cli->n_from_raw + 1));
            if (!grown)
                return usage_error("out of memory%s", "");
            grown[cli->n_from_raw++] = optarg;
            cli->from_raw = grown;
            break;
        }
        case OPT_OVERLAY: cli->overlay = optarg; break;
        case OPT_DUMP_CONFIG: cli->dump_config = 1; break;
        case OPT_DEVICE:
            if (strcmp(optarg, "auto") && strcmp(optarg, "cpu") && strcmp(optarg, "opencl") &&
                strncmp(optarg, "opencl:", 7))
                return usage_error("--device takes auto, cpu, opencl or opencl:P.D, not '%s'", optarg);
            cli->device = optarg;
            break;
        case OPT_LIST_DEVICES: cli->list_devices = 1; break;
        case OPT_FONT: cli->font = optarg; break;
        case OPT_THREADS:
            if (!parse_int(optarg, 1, 1024, &v))
                return usage_error("--threads takes a number from 1 to 1024, not '%s'", optarg);
            cli->threads = (int)v;
            break;
        case OPT_MAX_TOKENS:
            if (!parse_int(optarg, 1, 1 << 20, &v))
                return usage_error("--max-tokens takes a number from 1 to 1048576, not '%s'", optarg);
            cli->max_tokens = (int)v;
            break;
        case OPT_NO_DRAFT: cli->no_draft = 1; break;
        case OPT_NO_BAND: cli->no_band = 1; break;
        case OPT_NO_BLANK_SKIP: cli->no_blank_skip = 1; break;
        case OPT_BATCH:
            if (!parse_int(optarg, 1, VO_ENGINE_BATCH_MAX, &v))
                return usage_error("--batch takes a number from 1 to " BATCH_MAX_TEXT
                                   ", not '%s'", optarg);
            cli->batch = (int)v;
            break;
        case OPT_KV_TYPE:
            if (strcmp(optarg, "f32") == 0) cli->kv_type = VO_KV_F32;
            else if (strcmp(optarg, "bf16") == 0) cli->kv_type = VO_KV_BF16;
            else if (strcmp(optarg, "f16") == 0) cli->kv_type = VO_KV_F16;
            else if (strcmp(optarg, "q8") == 0) cli->kv_type = VO_KV_Q8;
            else return usage_error("--kv-type takes f32, bf16, f16 or q8, not '%s'", optarg);
            break;
        case OPT_WEIGHTS:
            if (strcmp(optarg, "auto") == 0) cli->weights = VO_WEIGHTS_AUTO;
            else if (strcmp(optarg, "as-stored") == 0) cli->weights = VO_WEIGHTS_AS_STORED;
            else if (strcmp(optarg, "q8") == 0) cli->weights = VO_WEIGHTS_Q8;
            else if (strcmp(optarg, "q4") == 0) cli->weights = VO_WEIGHTS_Q4;
            else if (strcmp(optarg, "bf16") == 0) cli->weights = VO_WEIGHTS_BF16;
            else return usage_error("--weights takes auto, as-stored, bf16, q8 or q4, not '%s'", optarg);
            break;
        case OPT_MATMUL:
            if (strcmp(optarg, "exact") == 0) cli->matmul = VO_MATMUL_EXACT;
            else if (strcmp(optarg, "bf16") == 0) cli->matmul = VO_MATMUL_BF16;
            else return usage_error("--matmul takes exact or bf16, not '%s'", optarg);
            break;
        case OPT_MAX_PAGES:
            if (!parse_int(optarg, 1, 100000000, &v))
                return usage_error("--max-pages takes a number from 1 to 100000000, not '%s'", optarg);
            cli->max_pages = (int)v;
            break;
        case OPT_MAX_PIXELS:
            if (!parse_int(optarg, 1000, 0x7fffffffL, &v))
                return usage_error("--max-pixels takes a number from 1000 to 2147483647, not '%s'",
                                   optarg);
            cli->max_pixels = (unsigned long long)v;
            break;
        case OPT_MAX_INPUT_SIZE:
            if (!parse_size(optarg, &cli->max_input_size))
                return usage_error("--max-input-size takes a size in bytes, such as 500M or 4G "
                                   "(K, M, G, T: powers of 1024), not '%s'", optarg);
            break;
        case OPT_WAIT_LOCK: {
            char *end;
            errno = 0;
            double t = optarg ? strtod(optarg, &end) : -1;
            if (optarg && (errno || end == optarg || *end || !(t >= 0 && t <= 1e7)))
                return usage_error("--wait-lock takes seconds (such as 600 or 0.5), or nothing "
                                   "to wait as long as it takes, not '%s'", optarg);
            cli->wait_lock = t;
            break;
        }
        case OPT_PAGE_TIMEOUT: {
            char *end;
            errno = 0;
            double t = strtod(optarg, &end);
            if (errno || end == optarg || *end || !(t > 0 && t <= 1e7))
                return usage_error("--page-timeout takes seconds above 0 (such as 600 or 0.5), "
                                   "not '%s'", optarg);
            cli->page_timeout = t;
            break;
        }
        case 'j':
            if (!parse_int(optarg, 1, 1024, &v))
                return usage_error("--jobs takes a number from 1 to 1024, not '%s'", optarg);
            cli->jobs = (int)v;
            break;
        case 'l': {
            /* Tesseract's form: 3-letter codes (script names too) joined by '+' */
            size_t i = 0, run = 0;
            for (; optarg[i]; i++) {
                char ch = optarg[i];
                if (ch == '+' && run > 0)
                    run = 0;
                else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
                         (ch >= '0' && ch <= '9'))
                    run++;
                else
                    break;
            }
            if (i == 0 || optarg[i] || run == 0)
                return usage_error("--language takes Tesseract language names joined by '+' "
                                   "(kor, eng, kor+eng), not '%s'", optarg);
            cli->language = optarg;
            break;
        }
        case 'q': cli->verbosity = 0; break;
        case 'v': cli->verbosity = cli->verbosity < 1 ? 2 : cli->verbosity + 1; break;
        case 'h': vo_cli_print_help(stdout); return 2;
        case 'V': print_version(); return 2;
        default:
            fprintf(stderr, "Try '" PROG " --help' for more information.\n");
            return 1;
        }
    }
    if (argc > 0)
        argv[0] = argv0;
    if (parse_formats(cli, formats))
        return 1;
    cli->inputs = argv + optind;
    cli->n_inputs = argc - optind;

    if (cli->dump_config || cli->list_devices)
        return 0;
    if (cli->n_inputs == 0 && !cli->files_from && cli->n_from_raw == 0)
        return usage_error("no input file%s", "");
    if (cli->n_from_raw && (cli->n_inputs || cli->files_from))
        return usage_error("--from-raw takes the saved pages only, no INPUT%s", "");
    if (cli->resume == -1)
        cli->resume = cli->output_dir != NULL;
    if (cli->resume && !cli->output_dir)
        return usage_error("--resume needs --output-dir%s", "");
    if (cli->shard_count && !cli->output_dir)
        return usage_error("--shard needs --output-dir%s", "");
    if (cli->wait_lock && !cli->output_dir)
        return usage_error("--wait-lock needs --output-dir (the lock is the output folder's)%s",
                           "");
    int n_stdin = 0;
    for (int i = 0; i < cli->n_inputs; i++) /* a document or a list (@-) */
        n_stdin += strcmp(cli->inputs[i], "-") == 0 || strcmp(cli->inputs[i], "@-") == 0;
    n_stdin += cli->files_from && strcmp(cli->files_from, "-") == 0;
    if (n_stdin > 1)
        return usage_error("standard input ('-') can be read only once%s", "");
    if (cli->output && cli->output_dir)
        return usage_error("--output and --output-dir exclude each other%s", "");
    if (cli->output && (cli->n_inputs > 1 || cli->files_from))
        return usage_error("--output takes one input; use --output-dir for several%s", "");
    if (!cli->output_dir && cli->n_formats > 1)
        return usage_error("several formats need --output-dir (one file each)%s", "");
    if (cli->sidecar && cli->output_dir)
        return usage_error("--sidecar goes with --output (-o); with --output-dir add txt to "
                           "--format%s", "");
    if (cli->sidecar && cli->formats[0] == VO_FORMAT_TXT)
        return usage_error("--sidecar writes the text beside another format; the output is "
                           "text already%s", "");
    if (cli->sidecar && cli->output && strcmp(cli->sidecar, "-") != 0 &&
        strcmp(cli->sidecar, cli->output) == 0)
        return usage_error("--sidecar and --output name the same file%s", "");
    if (!cli->output_dir && (!cli->output || strcmp(cli->output, "-") == 0) &&
        cli->formats[0] == VO_FORMAT_PDF && isatty(1))
        return usage_error("refusing to write a PDF to a terminal: use -o FILE%s", "");
    if (cli->pages_spec) {
        vo_ctx *ctx = vo_new_ctx();
        if (!ctx)
            return usage_error("out of memory%s", "");
        vo_status st = vo_parse_page_ranges(ctx, cli->pages_spec, &cli->pages);
        if (st) {
            usage_error("%s", vo_last_error(ctx));
            vo_drop_ctx(ctx);
            return 1;
        }
        vo_drop_ctx(ctx);
    }
    return 0;
}

void vo_cli_free(vo_cli *cli)
{
    vo_page_ranges_free(&cli->pages);
    vo_free(cli->include);
    vo_free(cli->exclude);
    vo_free(cli->from_raw);
}

#include <libxml/xmlversion.h>
#include <mupdf/fitz.h>
#include <tiffio.h>

static void print_version(void)
{
    const char *tiff = TIFFGetVersion();
    const char *nl = strchr(tiff, '\n');
    printf(PROG " " PACKAGE_VERSION "\n"
           "Copyright (C) 2026 the varco-ocr authors.\n"
           "License AGPL-3.0-or-later <https://www.gnu.org/licenses/agpl-3.0.html>.\n"
           "This is free software: you are free to change and redistribute it.\n"
           "There is NO WARRANTY, to the extent permitted by law.\n"
           "The VARCO-VISION-2.0 model weights are licensed CC BY-NC 4.0.\n"
           "\n"
           "MuPDF %s\n%.*s\nlibxml2 %s\n",
           FZ_VERSION, nl ? (int)(nl - tiff) : (int)strlen(tiff), tiff, LIBXML_DOTTED_VERSION);
}
