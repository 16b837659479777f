/* run.h: process the inputs of one command: expand them, open each
 * document, pick the pages, take each page's text layer or OCR it (or a
 * saved raw output), write every format; in --output-dir mode keep a
 * per-page cache so an interrupted batch resumes where it stopped. */
#ifndef VO_RUN_H
#define VO_RUN_H

#include <signal.h>
#include "src/api/model_dir.h" /* vo_find_model_dir */
#include "src/pipeline/run_opts.h"

/* A failure that came from the model: its folder, or the engine. */
typedef enum vo_model_error {
    VO_MODEL_ERROR_NONE = 0,
    VO_MODEL_ERROR_FOLDER, /* the model folder is missing or unusable */
    VO_MODEL_ERROR_ENGINE  /* the engine failed */
} vo_model_error;

/* What happened to a whole run. */
typedef struct vo_run_summary {
    int inputs, inputs_ok, inputs_failed, inputs_skipped; /* skipped: other shard or done */
    int pages_done, pages_failed, pages_resumed;
    vo_status first_error;    /* VO_OK when nothing failed */
    int input_error;          /* first_error came from reading an input */
    vo_model_error model_error; /* what first_error came from */
    int all_failed_alike;     /* every failed input failed with first_error */
    int any_partial;          /* an input had both done and failed pages */
    int inputs_not_started;   /* a stop came before a worker took them */
    int interrupted;          /* SIGINT/SIGTERM left something undone */
    vo_status report_error;   /* --report could not be written */
    vo_status setup_error;    /* the run could not start (bad input list…) */
} vo_run_summary;

/* Set by the signal handler: stop taking new pages. */
extern volatile sig_atomic_t vo_run_stop;

/* Run the command; out_fd is the real standard output (main protects fd 1
 * from stray library output). Messages go to stderr. */
void vo_run(const vo_run_opts *opts, int out_fd, vo_run_summary *sum);


#endif
