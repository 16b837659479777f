/* ocrd_main.c: ocrd-varco-ocr, the OCR-D processor (the OCR-D CLI: -m
 * METS -I IN -O OUT -p/-P parameters -g pages, -J the tool's description).
 * Each page image of the input group is recognised (or its saved model
 * output replayed) and written as PAGE-XML into the output group, which the
 * METS gains. */

#include "config.h"
#include "formats/writer.h"
#include "src/cli/exit_codes.h"
#include "src/ocr/raw.h"
#include "src/ocrd/ocrd.h"
#include "src/ocrd/ocrd_tool_json.h"
#include "src/util/alloc.h"
#include "src/util/output.h"
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define TOOL "ocrd-varco-ocr"

typedef struct ocrd_args {
    const char *mets, *workdir, *in_grp, *out_grp, *page_ids;
    int overwrite;
    int verbosity;
    json_t *params;  /* the parameters given, checked and with defaults filled */
} ocrd_args;

static void usage(FILE *f)
{
    fprintf(f,
"Usage: " TOOL " [OPTIONS]\n"
"\n"
"  Recognise the page images of an OCR-D workspace with the grounded OCR of\n"
"  VARCO-VISION-2.0 (Korean and English, a box for every character) and\n"
"  write PAGE-XML: regions, lines, words and glyphs with their text.\n"
"\n"
"  An input file may be an image or a PAGE-XML file (its Page imageFilename\n"
"  is recognised). Output files are OUT/OUT_PAGEID.xml, added to the METS.\n"
"\n"
"Options:\n"
"  -m, --mets PATH             the workspace's METS [./mets.xml]\n"
"  -w, --working-dir DIR       the workspace [the METS's folder]\n"
"  -I, --input-file-grp USE    the input file group\n"
"  -O, --output-file-grp USE   the output file group\n"
"  -g, --page-id ID[,ID...]    only these physical pages\n"
"  --overwrite                 replace the output group's files of these pages\n"
"  -p, --parameter JSON-PATH   parameters, a JSON file or a JSON object\n"
"  -P, --param-override KEY VAL  one parameter (VAL as JSON, else a string)\n"
"  -l, --log-level LEVEL       OFF, ERROR, WARN, INFO, DEBUG or TRACE [WARN]\n"
"  -J, --dump-json             print the tool's description (ocrd-tool.json) and exit\n"
"  -D, --dump-module-dir       print the folder of ocrd-tool.json and exit\n"
"  -h, --help                  print this and exit\n"
"  -V, --version               print the version and exit\n"
"\n"
"Parameters (-J gives their types and defaults):\n"
"  model       the model folder; empty: $VARCO_OCR_MODEL, else\n"
"              ~/.local/share/varco-ocr/VARCO-VISION-2.0-1.7B-OCR\n"
"  raw_dir     replay saved model output (NAME.raw.json per image NAME.EXT)\n"
"  dpi, max_tokens, weights, device, threads: as varco-ocr's options\n"
"\n"
"Exit status: 0 every page written; 1 bad arguments or parameters; 2 an\n"
"unreadable METS or input; 3 no model; 5 cannot write; 11 some pages failed\n"
"(named on stderr; the others are written and in the METS).\n"
"The model weights are CC BY-NC 4.0 (non-commercial use only).\n");
}

/* The whole ocrd-tool.json and the tool's own entry in it (borrowed). */
static json_t *tool_json(json_t **all)
{
    json_error_t err;
    *all = json_loads(vo_ocrd_tool_json, 0, &err);
    json_t *tool = *all ? json_object_get(json_object_get(*all, "tools"), TOOL) : NULL;
    if (!tool) {
        fprintf(stderr, TOOL ": the built-in ocrd-tool.json is broken (%s): a build defect\n",
                err.text);
        exit(VO_EXIT_OTHER);
    }
    return tool;
}

/* Merge a JSON object (a file's or given inline) into params. */
static int add_params(json_t *params, const char *arg)
{
    json_error_t err;
    json_t *j = arg[0] == '{' ? json_loads(arg, 0, &err) : json_load_file(arg, 0, &err);
    if (!j || !json_is_object(j)) {
        fprintf(stderr, TOOL ": -p %s: not a JSON object%s%s: give a file of parameters or "
                "{\"key\": value}\n", arg, j ? "" : ": ", j ? "" : err.text);
        json_decref(j);
        return -1;
    }
    json_object_update(params, j);
    json_decref(j);
    return 0;
}

/* Every parameter known and of its type; the defaults filled in. */
static int check_params(json_t *params, json_t *tool)
{
    json_t *decl = json_object_get(tool, "parameters");
    const char *key;
    json_t *v;
    json_object_foreach(params, key, v) {
        json_t *d = json_object_get(decl, key);
        if (!d) {
            fprintf(stderr, TOOL ": unknown parameter '%s': the parameters are model, raw_dir, "
                    "dpi, max_tokens, weights, device, threads (-J tells more)\n", key);
            return -1;
        }
        const char *type = json_string_value(json_object_get(d, "type"));
        int is_int = json_is_string(json_object_get(d, "format")) &&
                     strcmp(json_string_value(json_object_get(d, "format")), "integer") == 0;
        int good = strcmp(type, "string") == 0 ? json_is_string(v)
                   : is_int                    ? json_is_integer(v) && json_integer_value(v) >= 0
                                               : json_is_number(v) && json_number_value(v) >= 0;
        json_t *choices = json_object_get(d, "enum");
        if (good && choices) {
            good = 0;
            size_t i;
            json_t *c;
            json_array_foreach(choices, i, c) good |= json_equal(c, v);
        }
        if (!good) {
            char *s = json_dumps(v, JSON_ENCODE_ANY);
            fprintf(stderr, TOOL ": parameter %s: %s is not %s\n", key, s ? s : "?",
                    choices  ? "one of its choices (-J lists them)"
                    : is_int ? "a whole number >= 0"
                    : strcmp(type, "string") == 0 ? "a string" : "a number >= 0");
            free(s);
            return -1;
        }
    }
    json_object_foreach(decl, key, v) {
        if (!json_object_get(params, key))
            json_object_set(params, key, json_object_get(v, "default"));
    }
    return 0;
}

static const char *param_str(const ocrd_args *a, const char *key)
{
    return json_string_value(json_object_get(a->params, key));
}

static double param_num(const ocrd_args *a, const char *key)
{
    return json_number_value(json_object_get(a->params, key));
}

static int parse_args(int argc, char **argv, ocrd_args *a)
{
    static const struct option longs[] = {
        {"mets", required_argument, NULL, 'm'}, {"working-dir", required_argument, NULL, 'w'},
        {"input-file-grp", required_argument, NULL, 'I'},
        {"output-file-grp", required_argument, NULL, 'O'},
        {"page-id", required_argument, NULL, 'g'}, {"overwrite", no_argument, NULL, 'o'},
        {"parameter", required_argument, NULL, 'p'},
        {"param-override", required_argument, NULL, 'P'},
        {"log-level", required_argument, NULL, 'l'}, {"dump-json", no_argument, NULL, 'J'},
        {"dump-module-dir", no_argument, NULL, 'D'}, {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0}};
    json_t *all = NULL, *tool = tool_json(&all);
    int c, bad = 0;
    a->mets = "mets.xml";
    a->verbosity = 1;
    a->params = json_object();
    while (!bad && (c = getopt_long(argc, argv, "m:w:I:O:g:p:P:l:JDhV", longs, NULL)) != -1) {
        switch (c) {
        case 'm': a->mets = optarg; break;
        case 'w': a->workdir = optarg; break;
        case 'I': a->in_grp = optarg; break;
        case 'O': a->out_grp = optarg; break;
        case 'g': a->page_ids = optarg; break;
        case 'o': a->overwrite = 1; break;
        case 'p': bad = add_params(a->params, optarg); break;
        case 'P': {
            if (optind >= argc) {
                fprintf(stderr, TOOL ": -P %s: give a key and a value\n", optarg);
                bad = 1;
                break;
            }
            const char *val = argv[optind++];
            json_error_t err;
            json_t *v = json_loads(val, JSON_DECODE_ANY, &err);
            json_object_set_new(a->params, optarg, v ? v : json_string(val));
            break;
        }
        case 'l': {
            static const char *const levels[] = {"OFF", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"};
            static const int verb[] = {0, 0, 1, 2, 3, 3};
            int found = -1;
            for (int i = 0; i < 6; i++)
                if (strcasecmp(optarg, levels[i]) == 0)
                    found = i;
            if (found < 0) {
                fprintf(stderr, TOOL ": --log-level %s: give OFF, ERROR, WARN, INFO, DEBUG or "
                        "TRACE\n", optarg);
                bad = 1;
            } else {
                a->verbosity = verb[found];
            }
            break;
        }
        case 'J': {
            char *s = json_dumps(tool, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            printf("%s\n", s);
            free(s);
            exit(VO_EXIT_OK);
        }
        case 'D': printf("%s\n", VO_DATADIR); exit(VO_EXIT_OK);
        case 'h': usage(stdout); exit(VO_EXIT_OK);
        case 'V': printf("Version %s, ocrd-tool.json version %s\n", PACKAGE_VERSION,
                         json_string_value(json_object_get(all, "version"))); exit(VO_EXIT_OK);
        default: bad = 1;
        }
    }
    if (!bad && optind < argc) {
        fprintf(stderr, TOOL ": unexpected argument '%s'\n", argv[optind]);
        bad = 1;
    }
    if (!bad && (!a->in_grp || !a->out_grp)) {
        fprintf(stderr, TOOL ": give the input and the output file group (-I IN -O OUT)\n");
        bad = 1;
    }
    if (!bad)
        bad = check_params(a->params, tool);
    json_decref(all);
    if (bad)
        fprintf(stderr, "Try '" TOOL " --help'.\n");
    return bad ? -1 : 0;
}

/* A file ID from a group and a page ID: letters, digits, '-', '_', '.'. */
static char *file_id(const char *grp, const char *page_id)
{
    size_t n = strlen(grp) + strlen(page_id) + 2;
    char *s = vo_malloc(n);
    if (!s)
        return NULL;
    snprintf(s, n, "%s_%s", grp, page_id);
    for (char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
            *p = '_';
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
        s[0] = '_';
    return s;
}

/* DIR/REL, or REL when it is absolute. */
static char *in_workspace(const char *dir, const char *rel)
{
    size_t n = strlen(dir) + strlen(rel) + 2;
    char *s = vo_malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", rel[0] == '/' ? "" : dir, rel[0] == '/' ? "" : "/", rel);
    return s;
}

/* The page model of one image: the model's, or a saved output replayed. */
static vo_status page_of_image(vo_ctx *ctx, const ocrd_args *a, vo_model *model,
                               const char *image, vo_page **out)
{
    const char *raw_dir = param_str(a, "raw_dir");
    float dpi = (float)param_num(a, "dpi");
    if (!*raw_dir)
        return vo_recognize_file(ctx, model, image, NULL, 1, dpi, VO_TEXT_LAYER_AUTO, out);
    /* the image's raster size, then NAME.raw.json of that size */
    vo_page *shape = NULL;
    vo_status st = vo_recognize_file(ctx, NULL, image, NULL, 1, dpi, VO_TEXT_LAYER_ONLY, &shape);
    if (st)
        return st;
    char *base = vo_strdup(strrchr(image, '/') ? strrchr(image, '/') + 1 : image);
    char *dot = base ? strrchr(base, '.') : NULL;
    if (dot)
        *dot = 0;
    size_t n = strlen(raw_dir) + (base ? strlen(base) : 0) + 16;
    char *path = vo_malloc(n);
    vo_raw_page raw;
    memset(&raw, 0, sizeof raw);
    if (!base || !path)
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    if (!st) {
        snprintf(path, n, "%s/%s.raw.json", raw_dir, base);
        st = vo_raw_read(ctx, path, &raw);
    }
    if (!st && (raw.width != shape->width || raw.height != shape->height))
        st = vo_fail(ctx, VO_ERR_FORMAT, "%s: made for a page of %dx%d pixels, but %s has "
                     "%dx%d: it is not this image's output", path, raw.width, raw.height, image,
                     shape->width, shape->height);
    if (!st)
        st = vo_raw_to_page(ctx, &raw, NULL, NULL, out);
    vo_raw_free(&raw);
    vo_drop_page(shape);
    vo_free(path);
    vo_free(base);
    return st;
}

/* One page: its image found, recognised, written as OUT/ID.xml. */
static vo_status process_page(vo_ctx *ctx, const ocrd_args *a, vo_model *model,
                              const char *workdir, const ocrd_input *in, const char *out_id,
                              const char *params_json)
{
    char *image_href = NULL, *image = NULL, *out_path = NULL, *out_dir = NULL;
    vo_page *page = NULL;
    vo_status st = VO_OK;
    if (strstr(in->href, "://"))
        return vo_fail(ctx, VO_ERR_UNSUPPORTED, "page %s: %s is remote: this processor reads "
                       "local files only (ocrd workspace find --download fetches them)",
                       in->page_id, in->href);
    if (strcmp(in->mimetype, "application/vnd.prima.page+xml") == 0) {
        char *page_xml = in_workspace(workdir, in->href);
        st = page_xml ? ocrd_page_image(ctx, page_xml, &image_href)
                      : vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        vo_free(page_xml);
    } else if (!(image_href = vo_strdup(in->href))) {
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    }
    if (!st && !(image = in_workspace(workdir, image_href)))
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    if (!st)
        st = page_of_image(ctx, a, model, image, &page);
    if (!st) { /* PAGE cites the image as the METS does */
        vo_free(page->image_name);
        if (!(page->image_name = vo_strdup(image_href)))
            st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    }
    if (!st && (!(out_dir = in_workspace(workdir, a->out_grp)) ||
                !(out_path = vo_malloc(strlen(out_dir) + strlen(out_id) + 6))))
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    if (!st && mkdir(out_dir, 0777) != 0 && errno != EEXIST)
        st = vo_fail(ctx, VO_ERR_IO, "%s: cannot make the output group's folder: %s", out_dir,
                     strerror(errno));
    if (!st) {
        sprintf(out_path, "%s/%s.xml", out_dir, out_id);
        const char *sde = getenv("SOURCE_DATE_EPOCH");
        vo_doc_info info = {image_href, NULL, 1, sde && *sde ? atoll(sde) : (long long)time(NULL),
                            *param_str(a, "raw_dir") ? NULL : "VARCO-VISION-2.0",
                            "grounded OCR by VARCO-VISION-2.0 (" TOOL ")", params_json};
        vo_writer_opts wo = {.alto_unit = VO_ALTO_PIXEL, .hocr_char_boxes = 1};
        vo_output *out = NULL;
        st = vo_output_open_file(ctx, out_path, &out);
        if (!st)
            st = vo_write_document(ctx, VO_FORMAT_PAGE, out, &wo, &info, &page, 1);
        if (!st)
            st = vo_output_close(ctx, out);
        vo_output_drop(out);
    }
    if (!st)
        vo_info(ctx, "page %s: %s: %d words to %s", in->page_id, image_href,
                vo_page_count_words(page), out_path);
    vo_drop_page(page);
    vo_free(image_href);
    vo_free(image);
    vo_free(out_path);
    vo_free(out_dir);
    return st;
}

/* messages say whose they are */
static void ocrd_log(void *user, int level, const char *msg)
{
    (void)user;
    const char *tag = level == VO_LOG_ERROR ? "error: " : level == VO_LOG_WARN ? "warning: " : "";
    fprintf(stderr, TOOL ": %s%s\n", tag, msg);
}

static vo_model *open_model(vo_ctx *ctx, const ocrd_args *a, vo_status *st)
{
    static const char *const weights[] = {"auto", "q8", "q4", "bf16", "as-stored"}; /* VO_WEIGHTS_* */
    vo_model_opts mo = {0};
    vo_model *model = NULL;
    mo.threads = (int)param_num(a, "threads");
    mo.max_tokens = (int)param_num(a, "max_tokens");
    mo.device = param_str(a, "device");
    for (int i = 0; i < 5; i++)
        if (strcmp(param_str(a, "weights"), weights[i]) == 0)
            mo.weights = i;
    const char *dir = param_str(a, "model");
    *st = vo_model_open(ctx, *dir ? dir : NULL, &mo, &model);
    return model;
}

int main(int argc, char **argv)
{
    ocrd_args a = {0};
    if (parse_args(argc, argv, &a)) {
        json_decref(a.params);
        return VO_EXIT_BAD_ARGS;
    }
    vo_ctx *ctx = vo_new_ctx();
    if (!ctx)
        return VO_EXIT_OTHER;
    vo_set_verbosity(ctx, a.verbosity);
    vo_set_log(ctx, ocrd_log, NULL);
    char *mets_copy = vo_strdup(a.mets);
    const char *workdir = a.workdir ? a.workdir : dirname(mets_copy);
    char *params_json = json_dumps(a.params, JSON_COMPACT | JSON_SORT_KEYS);
    ocrd_mets *m = NULL;
    ocrd_input *in = NULL;
    int n = 0, failed = 0, done = 0;
    vo_status st = ocrd_mets_open(ctx, a.mets, &m);
    if (!st)
        st = ocrd_mets_inputs(ctx, m, a.in_grp, a.page_ids, &in, &n);
    /* pages the output group has already: replaced with --overwrite only */
    for (int i = 0; !st && i < n; i++) {
        const char *old = ocrd_mets_page_file(m, a.out_grp, in[i].page_id);
        if (old && !a.overwrite)
            st = vo_fail(ctx, VO_ERR_ARGUMENT, "%s: group %s has page %s already (file %s): "
                         "give --overwrite to replace it, or another -O", a.mets, a.out_grp,
                         in[i].page_id, old);
    }
    vo_model *model = NULL;
    if (!st && !*param_str(&a, "raw_dir"))
        model = open_model(ctx, &a, &st);
    vo_status first = VO_OK;
    for (int i = 0; !st && i < n; i++) {
        char *id = file_id(a.out_grp, in[i].page_id);
        vo_status ps = id ? process_page(ctx, &a, model, workdir, &in[i], id, params_json)
                          : vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        if (!ps) {
            const char *old = ocrd_mets_page_file(m, a.out_grp, in[i].page_id);
            if (old) {
                char *o = vo_strdup(old);
                ocrd_mets_remove_file(m, o);
                vo_free(o);
            }
            char *href = vo_malloc(strlen(a.out_grp) + strlen(id) + 6);
            if (!href)
                ps = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
            else
                sprintf(href, "%s/%s.xml", a.out_grp, id);
            if (!ps)
                ps = ocrd_mets_add_file(ctx, m, a.out_grp, id, in[i].page_id, href,
                                        "application/vnd.prima.page+xml");
            vo_free(href);
        }
        if (ps) {
            fprintf(stderr, TOOL ": page %s (%s): %s; the other pages go on\n", in[i].page_id,
                    in[i].href, vo_last_error(ctx));
            failed++;
            first = first ? first : ps;
        } else {
            done++;
        }
        vo_free(id);
    }
    if (!st && done) {
        st = ocrd_mets_add_agent(ctx, m, a.in_grp, a.out_grp, params_json ? params_json : "{}");
        if (!st)
            st = ocrd_mets_save(ctx, m);
    }
    if (st)
        fprintf(stderr, TOOL ": %s\n", vo_last_error(ctx));
    vo_flush_warnings(ctx);
    int code = st ? vo_exit_code_of(st) : !failed ? VO_EXIT_OK : done ? VO_EXIT_PARTIAL : vo_exit_code_of(first);
    if (!st && failed)
        fprintf(stderr, TOOL ": %d of %d pages failed%s\n", failed, n,
                done ? ": the others are written and in the METS" : "");
    vo_model_close(model);
    ocrd_free_inputs(in, n);
    ocrd_mets_close(m);
    free(params_json);
    vo_free(mets_copy);
    json_decref(a.params);
    vo_drop_ctx(ctx);
    return code;
}
