/* options.h: the command line of varco-ocr: one option table that drives
 * getopt_long and --help, and the parsed settings. */
#ifndef VO_OPTIONS_H
#define VO_OPTIONS_H

#include <stdio.h>
#include "src/pipeline/run_opts.h"

/* The command line fills the pipeline's settings. */
typedef vo_run_opts vo_cli;

/* Parse argv. Returns 0 to go on, 1 after a usage error (message already
 * on stderr), 2 when --help or --version was printed (exit 0). */
int vo_cli_parse(int argc, char **argv, vo_cli *cli);
void vo_cli_free(vo_cli *cli);

void vo_cli_print_help(FILE *f);

#endif
