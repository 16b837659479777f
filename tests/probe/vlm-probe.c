/* vlm-probe.c: a test tool that drives the library from scripts:
 * --tokenize (JSONL texts in, JSONL ids out) and --dump-config. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/model/config.h"
#include "src/model/tokenizer.h"
#include "src/util/alloc.h"

static int usage(void)
{
    fprintf(stderr,
            "usage: vlm-probe --model DIR --tokenize < cases.jsonl   (lines {\"text\": ...} -> {\"ids\": [...]})\n"
            "       vlm-probe --model DIR --dump-config\n");
    return 2;
}

static int fail(vo_ctx *ctx)
{
    fprintf(stderr, "vlm-probe: %s\n", vo_last_error(ctx));
    return 1;
}

/* One output line per input line, in order; a line that is not
 * {"text": string} is an error (exit 1) so a driver never loses sync. */
static int probe_tokenize(vo_ctx *ctx, const char *model)
{
    vo_tokenizer *tok = NULL;
    if (vo_load_tokenizer(ctx, model, &tok) != VO_OK)
        return fail(ctx);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    int rc = 0;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        lineno++;
        json_error_t jerr;
        json_t *o = json_loadb(line, (size_t)n, 0, &jerr);
        json_t *text = json_object_get(o, "text");
        if (!json_is_string(text)) {
            fprintf(stderr, "vlm-probe: stdin line %ld: expected {\"text\": string}\n", lineno);
            json_decref(o);
            rc = 1;
            break;
        }
        int32_t *ids = NULL;
        size_t nids = 0;
        if (vo_tokenizer_encode(ctx, tok, json_string_value(text), json_string_length(text), &ids, &nids) != VO_OK) {
            fprintf(stderr, "vlm-probe: stdin line %ld: %s\n", lineno, vo_last_error(ctx));
            json_decref(o);
            rc = 1;
            break;
        }
        fputs("{\"ids\": [", stdout);
        for (size_t i = 0; i < nids; i++)
            printf(i ? ", %d" : "%d", (int)ids[i]);
        fputs("]}\n", stdout);
        vo_free(ids);
        json_decref(o);
    }
    free(line);
    vo_drop_tokenizer(tok);
    return rc;
}

static int probe_dump_config(vo_ctx *ctx, const char *model)
{
    vo_config cfg;
    vo_buf b = VO_BUF_INIT;
    if (vo_load_config(ctx, model, &cfg) != VO_OK || vo_config_dump(ctx, &cfg, &b) != VO_OK)
        return fail(ctx);
    fputs(b.data ? b.data : "", stdout);
    vo_buf_free(&b);
    return 0;
}

int main(int argc, char **argv)
{
    const char *model = NULL, *mode = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--model") && i + 1 < argc)
            model = argv[++i];
        else if (!strcmp(argv[i], "--tokenize") || !strcmp(argv[i], "--dump-config"))
            mode = argv[i];
        else
            return usage();
    }
    if (!model || !mode)
        return usage();
    vo_ctx *ctx = vo_new_ctx();
    if (!ctx)
        return 1;
    int rc = !strcmp(mode, "--tokenize") ? probe_tokenize(ctx, model) : probe_dump_config(ctx, model);
    vo_drop_ctx(ctx);
    return rc;
}
