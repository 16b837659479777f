/* run_opts.h: the settings of one run of the pipeline, filled by the
 * command line (src/cli/options.c) or by a program that calls vo_run. */
#ifndef VO_RUN_OPTS_H
#define VO_RUN_OPTS_H

#include "formats/writer.h"
#include "src/pipeline/pages.h"

/* --progress: a line on a terminal (auto), never, always (plain lines into
 * a file or pipe), or one JSON object a line for each event. */
typedef enum vo_progress_mode {
    VO_PROGRESS_AUTO = 0,
    VO_PROGRESS_NEVER,
    VO_PROGRESS_ALWAYS,
    VO_PROGRESS_JSON
} vo_progress_mode;

enum vo_text_layer_mode { VO_TEXT_AUTO = 0, VO_TEXT_ONLY, VO_TEXT_IGNORE };

/* --max-input-size default: standard input spooled up to 2 GiB */
#define VO_MAX_INPUT_SIZE_DEFAULT (2ULL << 30)

typedef struct vo_run_opts {
    const char *output;         /* -o FILE or "-" */
    const char *output_dir;     /* -O DIR */
    vo_format formats[VO_FORMAT_COUNT_]; /* in the order given */
    int n_formats;
    const char *pages_spec;
    vo_page_ranges pages;
    float dpi;                  /* 0: the document's default */
    float image_dpi;            /* --image-dpi: images' resolution (0: their own) */
    const char *model;          /* --model DIR (NULL: look it up) */
    int text_layer;             /* enum vo_text_layer_mode */
    int redo_ocr;               /* --redo-ocr: invisible text is not a page's text, and
                                 * goes from the searchable PDF */
    int deskew;                 /* --deskew: OCR pages straightened first */
    int rotate_pages;           /* --rotate-pages: OCR pages turned upright first */
    int jobs;
    int verbosity;              /* 0 quiet, 1 default, 2 -v, 3 -vv */
    const char *password;
    vo_alto_unit alto_unit;     /* --alto-unit */
    int no_pdfa;                /* --no-pdfa: a plain PDF, not PDF/A-2b */
    const char *language;       /* -l: a hint only (the model is bilingual) */
    int dump_config;
    char **inputs;              /* borrowed from argv */
    int n_inputs;
    /* batches */
    int resume;                 /* -1 default (on with --output-dir), 0, 1 */
    int shard_index, shard_count; /* --shard I/N (1-based I); 0/0 = off */
    const char *report;         /* --report FILE.json */
    vo_progress_mode progress;  /* --progress */
    const char **include;       /* --include globs, NULL-terminated, or NULL */
    const char **exclude;       /* --exclude globs */
    int n_include, n_exclude;
    const char *files_from;     /* --files-from FILE or - */
    const char *raw_out;        /* --raw-out DIR */
    const char **from_raw;      /* --from-raw FILE_OR_DIR, repeatable */
    int n_from_raw;
    /* the engine */
    int threads;                /* --threads (0: all cores) */
    int max_tokens;             /* --max-tokens (0: the engine's default) */
    int batch;                  /* --batch: pages in flight (0: --jobs, at most 16) */
    int no_draft;               /* --no-draft: no drafted decoding */
    int no_band;                /* --no-band: a cut page is not recognised again in bands */
    int no_blank_skip;          /* --no-blank-skip: blank pages go to the model too */
    const char *sidecar;        /* --sidecar FILE: the text beside the -o output */
    unsigned long long max_pixels; /* --max-pixels per rendered page (0: default) */
    double wait_lock;           /* --wait-lock seconds (-1: no limit; 0 without it: never wait) */
    double page_timeout;        /* --page-timeout seconds per page (0: none) */
    const char *overlay;        /* --overlay DIR */
    const char *font;           /* --font FILE for the overlay */
    const char *device;         /* --device auto|cpu|opencl|opencl:P.D */
    int list_devices;           /* --list-devices */
    int max_pages;              /* --max-pages per document (0: 100000) */
    unsigned long long max_input_size; /* --max-input-size: bytes of standard input */
    void (*signals_install)(void); /* called again after the engine opens (NULL: none) */
    int kv_type;                /* --kv-type: VO_KV_F32 ... VO_KV_Q8 (vo_engine_opts.kv_type) */
    int weights;                /* --weights: VO_WEIGHTS_* (vo_engine_opts.weights) */
    int matmul;                 /* --matmul: VO_MATMUL_EXACT, _BF16 (vo_engine_opts.matmul) */
} vo_run_opts;

#endif
