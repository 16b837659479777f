/* main.c: the varco-ocr command: parse options, protect standard output,
 * run the inputs and map what happened to the documented exit codes. */
#include "config.h"
#include "src/cli/options.h"
#include "src/cli/signals.h"
#include "src/backend/cpu/cpu.h"
#include "src/backend/select.h"
#include "src/ask/ask.h"
#include "src/cli/exit_codes.h"
#include "src/eval/eval.h"
#include "src/model/config.h"
#include "src/pipeline/run.h"
#include "src/util/alloc.h"

#include <fontconfig/fontconfig.h>
#include <hb.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One input: its own code. Several: 0 when all went well, the common code
 * when all failed alike, else 11 (partial success). */
static int exit_code(const vo_run_summary *sum)
{
    if (sum->setup_error)
        return sum->setup_error == VO_ERR_ARGUMENT ? VO_EXIT_BAD_ARGS : vo_exit_code_of(sum->setup_error);
    if (!sum->first_error) /* every input done: the report alone may have failed */
        return sum->report_error ? vo_exit_code_of(sum->report_error) : VO_EXIT_OK;
    if (sum->inputs_ok > 0 || sum->any_partial || !sum->all_failed_alike)
        return VO_EXIT_PARTIAL;
    int c = vo_exit_code_of(sum->first_error);
    if (sum->model_error == VO_MODEL_ERROR_FOLDER && sum->first_error != VO_ERR_MISSING &&
        sum->first_error != VO_ERR_NOMEM)
        c = VO_EXIT_CONFIG; /* the model folder is there but unusable */
    else if (sum->model_error == VO_MODEL_ERROR_ENGINE && sum->first_error != VO_ERR_NOMEM)
        c = VO_EXIT_ENGINE;
    if (sum->input_error && c == VO_EXIT_FILE_ACCESS)
        c = VO_EXIT_INPUT; /* an unreadable input, not an output problem */
    return c;
}

/* Libraries with global state set up once, before any worker thread:
 * libxml2's parser globals, jansson's hash seed, fontconfig's configuration
 * and HarfBuzz's default language are not thread-safe to set up lazily. */
static void init_libraries(void)
{
    xmlInitParser();
    json_object_seed(0);
    FcInit();                   /* fontconfig's config (overlay, PDF fonts) */
    hb_language_get_default();  /* HarfBuzz caches it on first use */
}

/* What they hold is given back at exit, so leak checkers see none. */
static void fini_libraries(void)
{
    FcFini();
    xmlCleanupParser();
}

/* --dump-config: what was read from the model folder, for checking the
 * values MODEL.md could not confirm against a real download. */
static int dump_config(vo_cli *cli)
{
    char *dir = vo_find_model_dir(cli->model);
    int ret = VO_EXIT_OK;
    if (!dir) {
        fprintf(stderr, "varco-ocr: %s: no model folder found (give --model DIR)\n",
                cli->model ? cli->model : "--dump-config");
        vo_cli_free(cli);
        return VO_EXIT_MISSING;
    }
    vo_ctx *ctx = vo_new_ctx();
    vo_config cfg;
    vo_buf out = VO_BUF_INIT;
    vo_status st = ctx ? vo_load_config(ctx, dir, &cfg) : VO_ERR_NOMEM;
    if (!st)
        st = vo_config_dump(ctx, &cfg, &out);
    if (st) {
        fprintf(stderr, "varco-ocr: %s\n", ctx ? vo_last_error(ctx) : "out of memory");
        ret = st == VO_ERR_MISSING ? VO_EXIT_MISSING : VO_EXIT_CONFIG;
    } else {
        printf("# model folder: %s\n%s", dir, out.data ? out.data : "");
    }
    vo_buf_free(&out);
    vo_drop_ctx(ctx);
    vo_free(dir);
    vo_cli_free(cli);
    return ret;
}

int main(int argc, char **argv)
{
    /* a subcommand; an input named "eval" is given as ./eval */
    if (argc > 1 && (strcmp(argv[1], "eval") == 0 || strcmp(argv[1], "ask") == 0)) {
        init_libraries();
        int rc = strcmp(argv[1], "eval") == 0 ? vo_eval_main(argc - 1, argv + 1)
                                              : vo_ask_main(argc - 1, argv + 1);
        fini_libraries();
        return rc;
    }
    vo_cli cli;
    int r = vo_cli_parse(argc, argv, &cli);
    if (r == 2)
        return VO_EXIT_OK;
    if (r)
        return VO_EXIT_BAD_ARGS;

    if (cli.dump_config)
        return dump_config(&cli);
    if (cli.list_devices) {
        vo_ctx *ctx = vo_new_ctx();
        vo_buf list = VO_BUF_INIT;
        if (ctx)
            vo_backend_list(ctx, &list);
        fputs(list.data ? list.data : "", stdout);
        vo_buf_free(&list);
        vo_drop_ctx(ctx);
        vo_cli_free(&cli);
        return VO_EXIT_OK;
    }
    vo_ctx *env_ctx = vo_new_ctx();
    if (env_ctx && vo_cpu_isa_from_env(env_ctx) != VO_OK) {
        /* a bad $VO_CPU_ISA is the caller's mistake, not the model's */
        fprintf(stderr, "varco-ocr: %s\n", vo_last_error(env_ctx));
        vo_drop_ctx(env_ctx);
        vo_cli_free(&cli);
        return VO_EXIT_BAD_ARGS;
    }
    vo_drop_ctx(env_ctx);
    if (cli.model) {
        char *dir = vo_find_model_dir(cli.model);
        if (!dir) {
            fprintf(stderr, "varco-ocr: %s: not a model folder (no readable config.json): give "
                            "the folder downloaded from NCSOFT/VARCO-VISION-2.0-1.7B-OCR\n",
                    cli.model);
            vo_cli_free(&cli);
            return VO_EXIT_MISSING;
        }
        vo_free(dir);
    }

    /* Keep the real stdout for data; point fd 1 at stderr so a stray printf
     * of a library cannot corrupt an output written to stdout. */
    fflush(stdout);
    int out_fd = dup(1);
    if (out_fd < 0 || dup2(2, 1) < 0) {
        perror("varco-ocr: cannot set up standard output");
        vo_cli_free(&cli);
        return VO_EXIT_OTHER;
    }
    vo_signals_install();
    init_libraries();

    vo_run_summary sum;
    cli.signals_install = vo_signals_install;
    vo_run(&cli, out_fd, &sum);
    int ret = exit_code(&sum);
    if (cli.progress == VO_PROGRESS_JSON) {
        /* stderr holds events only: the run-done event says it all */
        if (sum.interrupted)
            ret = VO_EXIT_INTERRUPTED;
    } else if (sum.interrupted) {
        if (cli.output_dir)
            fprintf(stderr, "varco-ocr: interrupted: %d pages done and kept; run the same command "
                            "again to resume (finished pages are skipped)\n", sum.pages_done);
        else /* -o FILE is written whole or not at all; standard output is cut */
            fprintf(stderr, "varco-ocr: interrupted: %d pages done, the output is not complete; "
                            "run the command again (with --output-dir a run resumes where it "
                            "stopped)\n", sum.pages_done);
        ret = VO_EXIT_INTERRUPTED;
    } else if (sum.inputs > 1 && cli.verbosity >= 1 && (sum.inputs_failed || cli.verbosity >= 2)) {
        fprintf(stderr, "varco-ocr: %d of %d inputs done, %d failed%s, %d pages done, %d failed\n",
                sum.inputs_ok, sum.inputs - sum.inputs_skipped, sum.inputs_failed,
                sum.inputs_skipped ? "" : "", sum.pages_done, sum.pages_failed);
    }
    vo_cli_free(&cli);
    fini_libraries();
    if (close(out_fd) != 0 && ret == VO_EXIT_OK) {
        perror("varco-ocr: standard output");
        ret = VO_EXIT_FILE_ACCESS;
    }
    return ret;
}
