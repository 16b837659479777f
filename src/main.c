/* main.c: the varco-ocr command: parse options, protect standard output,
 * run the inputs and map what happened to the documented exit codes. */
#include "config.h"
#include "src/cli/options.h"
#include "src/pipeline/run.h"
#include "src/util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Exit codes (CLI-CONVENTIONS.md §4, OCRmyPDF's numbers). */
enum {
    EXIT_OK = 0,
    EXIT_BAD_ARGS = 1,
    EXIT_INPUT = 2,
    EXIT_MISSING = 3,
    EXIT_INVALID_OUTPUT = 4,
    EXIT_FILE_ACCESS = 5,
    EXIT_ENGINE = 7,
    EXIT_ENCRYPTED = 8,
    EXIT_CONFIG = 9,
    EXIT_PARTIAL = 11,
    EXIT_OTHER = 15,
};

static int exit_code_of(vo_status st)
{
    switch (st) {
    case VO_OK: return EXIT_OK;
    case VO_ERR_ARGUMENT: return EXIT_BAD_ARGS;
    case VO_ERR_FORMAT:
    case VO_ERR_UNSUPPORTED:
    case VO_ERR_LIMIT:
    case VO_ERR_LIBRARY: return EXIT_INPUT;
    case VO_ERR_IO: return EXIT_FILE_ACCESS;
    case VO_ERR_MISSING: return EXIT_MISSING;
    case VO_ERR_PASSWORD: return EXIT_ENCRYPTED;
    case VO_ERR_DEVICE: return EXIT_ENGINE;
    default: return EXIT_OTHER;
    }
}

int main(int argc, char **argv)
{
    vo_cli cli;
    int r = vo_cli_parse(argc, argv, &cli);
    if (r == 2)
        return EXIT_OK;
    if (r)
        return EXIT_BAD_ARGS;

    if (cli.model) {
        char *dir = vo_find_model_dir(cli.model);
        if (!dir) {
            fprintf(stderr, "varco-ocr: %s: not a model folder (no readable config.json): give "
                            "the folder downloaded from NCSOFT/VARCO-VISION-2.0-1.7B-OCR\n",
                    cli.model);
            vo_cli_free(&cli);
            return EXIT_MISSING;
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
        return EXIT_OTHER;
    }

    vo_input_result *res = vo_calloc((size_t)cli.n_inputs, sizeof *res);
    if (!res) {
        fprintf(stderr, "varco-ocr: out of memory\n");
        return EXIT_OTHER;
    }
    vo_run_inputs(&cli, out_fd, res);

    /* One input: its own code. Several: 0 if all went well, the common
     * code if all failed alike, else partial success. */
    int n_ok = 0, code = -1, mixed = 0;
    for (int i = 0; i < cli.n_inputs; i++) {
        if (res[i].status == VO_OK) {
            n_ok++;
            continue;
        }
        int c = exit_code_of(res[i].status);
        if (res[i].pages_done > 0)
            c = EXIT_PARTIAL;
        if (code >= 0 && c != code)
            mixed = 1;
        code = c;
    }
    int ret;
    if (code < 0)
        ret = EXIT_OK;
    else if (n_ok > 0 || mixed)
        ret = EXIT_PARTIAL;
    else
        ret = code;
    if (cli.n_inputs > 1 && code >= 0 && cli.verbosity >= 1)
        fprintf(stderr, "varco-ocr: %d of %d inputs done, %d failed\n", n_ok, cli.n_inputs,
                cli.n_inputs - n_ok);
    vo_free(res);
    vo_cli_free(&cli);
    if (close(out_fd) != 0 && ret == EXIT_OK) {
        perror("varco-ocr: standard output");
        ret = EXIT_FILE_ACCESS;
    }
    return ret;
}
