/* run.h: process the inputs of one command: open each document, pick the
 * pages, take each page's text layer or OCR it, and write every format. */
#ifndef VO_RUN_H
#define VO_RUN_H

#include "src/cli/options.h"

/* What happened to one input. */
typedef struct vo_input_result {
    vo_status status;     /* first failure, VO_OK when every page was done */
    int pages_done;
    int pages_failed;
    int pages_ocr;        /* pages that went through the model */
    int pages_text;       /* pages taken from the text layer */
} vo_input_result;

/* Run the command over every input; results[i] for inputs[i]. out_fd is
 * the real standard output (main protects fd 1 from stray library output).
 * Messages go to stderr through the log of each worker's context. */
void vo_run_inputs(const vo_cli *cli, int out_fd, vo_input_result *results);

/* The model folder: --model, $VARCO_OCR_MODEL, $XDG_DATA_HOME/varco-ocr/
 * VARCO-VISION-2.0-1.7B-OCR (~/.local/share/…), then the system data dir.
 * Returns a malloc'd path of a folder holding config.json, or NULL. */
char *vo_find_model_dir(const char *option);

#endif
