/* run_impl.h: what the files of a run share (src/pipeline/run.c and its
 * siblings): the run's state, the records behind the report, and the
 * functions one file offers the others. Not a public header. */
#ifndef VO_RUN_IMPL_H
#define VO_RUN_IMPL_H

#include "src/pipeline/run.h"
#include "src/pipeline/inputs.h"
#include "src/source/document.h"
#include "src/vlm/engine.h"
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

/* What became of a page, and where its text came from (the report's words:
 * page_status_name, run_page_source_name). */
typedef enum page_status { PAGE_PENDING = 0, PAGE_DONE, PAGE_FAILED, PAGE_RESUMED } page_status;
typedef enum page_source {
    SOURCE_NONE = 0,   /* not made (failed before) */
    SOURCE_TEXT_LAYER, /* the page's own text */
    SOURCE_OCR,        /* the model */
    SOURCE_RAW,        /* a saved raw output (--from-raw) */
    SOURCE_EMPTY,      /* kept without text (text-layer only mode) */
    SOURCE_BLANK       /* found blank: no model */
} page_source;

/* Why an input was not processed. */
typedef enum input_skip { SKIP_NONE = 0, SKIP_OTHER_SHARD, SKIP_DONE, SKIP_DUPLICATE } input_skip;

/* The warnings said while a page (or an input, between its pages) was
 * being made, for the report: the first RUN_MAX_WARNINGS, then a count. */
#define RUN_MAX_WARNINGS 16
typedef struct warn_list {
    char **items;
    int n, more;
} warn_list;

/* Seconds a page spent in each stage (--progress=json's page-done): the
 * engine's from vo_recognize_note, all bands; `write` is its outputs. */
typedef struct page_stages {
    double render, wait, preprocess, vision, prefill, decode, layout, write;
} page_stages;

typedef struct page_rec {
    int page;
    page_status status;
    page_source source;
    float seconds;
    char *error;
    int bands;      /* OCR: bands the page was recognised in (0: not by the model) */
    int cut, looped; /* OCR: some text reached the token limit / a loop, even so */
    const char *text_layer_problem; /* why its own text was not trusted (static text) */
    int tokens, passes; /* OCR: tokens the model generated, passes over it (all bands) */
    page_stages stages;
    warn_list warnings;
} page_rec;

typedef struct input_rec {
    int started;    /* a worker took it (a stop leaves the rest untaken) */
    vo_status status;
    vo_model_error model_error;
    input_skip skipped;
    int input_error;
    double seconds;
    char *error;
    page_rec *pages;
    int n_pages;
    size_t cap_pages;
    int current_page;   /* 1 + the index of the page being made, 0: none */
    warn_list warnings; /* said outside its pages */
} input_rec;

typedef struct raw_ref {
    int page;
    char *path;
} raw_ref;

typedef struct raw_group {
    raw_ref *refs;  /* sorted by page */
    int n;
    size_t cap;
} raw_group;

typedef struct run_job {
    const vo_run_opts *opts;
    int out_fd;
    vo_input_list inputs;
    raw_group *groups;       /* --from-raw: one per input */
    input_rec *recs;
    atomic_int next;
    char *model_dir;
    char *model_name, *method, *settings; /* what the outputs say of how pages were made */
    atomic_int model_advice;  /* the how-to-get-the-model advice was given */
    long long timestamp;
    pthread_mutex_t lock;    /* messages, progress */
    /* progress */
    vo_progress_mode progress_mode;
    int progress;            /* progress is shown */
    int progress_tty;        /* as a line redrawn in place */
    long total_pages;        /* -1 unknown */
    long pages_seen;
    double t0, last_draw;
    int drawn;
    int raw_errors;          /* --from-raw files that could not be read */
    /* --batch's default (0: --jobs), from the memory available and one
     * page's KV cache (run_default_batch) */
    int batch_default;
    unsigned long long batch_mem, batch_page_bytes;
    /* the model, opened at the first page that needs it */
    pthread_mutex_t engine_lock;
    vo_engine *engine;
    int engine_tried;
    vo_status engine_status;
    char *engine_error;
} run_job;

/* The spool file of standard input: $TMPDIR/varco-ocr-stdin-XXXXXX.SUF,
 * listed for the signal handlers (src/util/tempfile.h) until removed. */
typedef struct spool_file {
    char *path;     /* full name, for the document reader */
    int has_dir;    /* dirfd is open */
    int dirfd;      /* $TMPDIR */
    char name[NAME_MAX + 1];
    int slot;
} spool_file;

/* What run_check_parent_dirs does with a directory that is not there. */
typedef enum parent_dirs { PARENTS_CHECK, PARENTS_CREATE } parent_dirs;

typedef struct provider {
    vo_document *doc;
    raw_group *raw;
    int n_pages;            /* last page number */
    spool_file spool;       /* standard input copied to a file (spool.path) */
    int overlay_failed;     /* the source of raw pages could not be opened */
    int watched;            /* `opened` holds the input file as it was opened */
    struct stat opened;
    /* doc is read by one thread at a time (MuPDF's and libtiff's handles
     * are not shared): the page makers of the input and its worker */
    pthread_mutex_t doc_lock;
    int has_lock;
} provider;

/* What a page's recognition says besides its text (the report's "bands",
 * "cut", "looped"). */
typedef struct ocr_note {
    int blank;   /* no ink that could be writing: not sent to the model */
    const char *text_layer_problem; /* why the page's own text was not used */
    int bands;   /* bands it was recognised in (1: the whole page) */
    int cut;     /* some of it reached the token limit even so */
    int looped;  /* some of it fell into a loop even so */
    int tokens;  /* tokens the model generated, all bands */
    int passes;  /* passes over the model for them */
    page_stages stages;
} ocr_note;

typedef struct doc_state {
    char *base;       /* DIR/REL, or NULL */
    char *cache;      /* DIR/.varco-ocr/REL */
    char *stamp;      /* page cache stamp */
    char *done_stamp; /* + formats */
    vo_output *out[VO_FORMAT_COUNT_];  /* streamed per-document outputs */
    vo_writer *w[VO_FORMAT_COUNT_];
    vo_output *side_out;              /* --sidecar: the text beside -o's output */
    vo_writer *side_w;
} doc_state;

/* One page as its input's worker takes it to write: made by the worker
 * itself or ahead of its turn by a page maker (makers.c). */
typedef struct made_page {
    int page;
    int done;            /* a maker finished it */
    int resumed;         /* loaded from the page cache of an earlier run */
    int changed;         /* the input file changed while it was read: st says how */
    vo_status st;
    char *error;         /* st's message, when a maker made it */
    vo_page *out;
    vo_model_error model_error;
    double t0;           /* when its making began */
    page_rec rec;        /* where it came from, the model's figures, and the
                          * warnings a maker heard while making it */
} made_page;

/* The page makers of one input: while its worker writes page k, --batch
 * threads make the pages after it (at most `window` pages ahead), so that
 * several pages of one document are in the engine at once. No threads:
 * the worker makes every page itself, in turn. */
typedef struct page_makers {
    run_job *job;
    provider *pv;
    const vo_input *in;
    const doc_state *d;
    int cached;
    const int *pages;
    int n;
    made_page *slots;    /* page k in slots[k % window] */
    int window;
    int next;            /* the next page index to make */
    int written;         /* pages the worker is through with */
    int stop;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t *threads;
    int n_threads;
} page_makers;

/* progress.c */
void run_clear_progress_locked(run_job *job);
void run_log(void *user, int level, const char *msg);
void run_progress_start(run_job *job);
void run_progress_page_start(run_job *job, const char *input, int page);
void run_progress_stage(run_job *job, const char *input, int page, const char *stage);
void run_progress_tokens(run_job *job, const char *input, int page, int tokens, double since,
                         double *last);
void run_progress_page(run_job *job, const char *input, const page_rec *pr);
void run_progress_file(run_job *job, const char *input, const input_rec *rec);
void run_progress_end(run_job *job, const vo_run_summary *sum);
void run_report_error(vo_ctx *ctx, run_job *job, const char *where, char **keep);
void run_say(run_job *job, warn_list *keep, int level, const char *msg);

/* paths.c */
char *run_path_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
vo_status run_check_parent_dirs(vo_ctx *ctx, const char *root, const char *path,
                                parent_dirs mode);
vo_status run_make_parent_dirs(vo_ctx *ctx, const char *root, const char *path);
int run_same_file(const char *a, const char *b);
vo_status run_open_output(vo_ctx *ctx, run_job *job, const char *path, const char *input,
                          vo_output **out);
int run_per_page_format(const vo_run_opts *opts, vo_format f);
vo_status run_write_file(vo_ctx *ctx, run_job *job, const char *path, const char *input,
                         vo_format f, const vo_doc_info *info, const vo_writer_opts *wopts,
                         vo_page *const *pages, int n);
const char *run_dir_of(const char *path, char *buf, size_t cap);
int run_same_dir(const char *a, const char *b);

/* spool.c */
void run_remove_spool(spool_file *sp);
vo_status run_spool_stdin(vo_ctx *ctx, unsigned long long limit, spool_file *sp);

/* provider.c */
int run_provider_has_page(const provider *pv, const vo_run_opts *opts, int page);
vo_page *run_empty_page(vo_ctx *ctx, provider *pv, int page, float dpi, const char *source);
vo_status run_get_page(vo_ctx *ctx, run_job *job, provider *pv, int page, const vo_input *in,
                       double *deadline, vo_page **out, page_source *kind, ocr_note *note,
                       vo_model_error *model_error);
vo_status run_open_provider(vo_ctx *ctx, run_job *job, int idx, provider *pv);
void run_close_provider(provider *pv);
vo_status run_check_unchanged(vo_ctx *ctx, const provider *pv, const char *input);
/* doc_lock.c: the document's lock; the wait is added to *deadline (NULL: none) */
void run_lock_doc(provider *pv, double *deadline);
vo_status run_render_page(vo_ctx *ctx, provider *pv, int page, float dpi,
                          const vo_source_limits *limits, double *deadline, vo_raster **out);

/* recognise.c */
char *run_model_name(const char *model_dir);
vo_status run_describe_method(run_job *job);
vo_status run_check_deadline(vo_ctx *ctx, const run_job *job, double deadline,
                             const char *source, int page, const char *stage);
vo_status run_ocr_page(vo_ctx *ctx, run_job *job, provider *pv, int page, const vo_input *in,
                       double *deadline, vo_page **out, ocr_note *note,
                       vo_model_error *model_error);

/* resume.c */
char *run_make_stamp(const run_job *job, const vo_input *in, int with_formats);
vo_status run_write_marker_outputs(vo_ctx *ctx, run_job *job, const doc_state *d,
                                   const int *pages, int n, vo_output *mo);
int run_done_marker_matches(vo_ctx *ctx, const char *root, const char *marker,
                            const char *stamp, const char *cache, const char *base,
                            const char *input);
void run_remove_stale_page_files(vo_ctx *ctx, run_job *job, const doc_state *d, int n_pages);
int run_in_shard(const vo_run_opts *opts, const vo_input *in);
vo_status run_check_report_path(vo_ctx *ctx, run_job *job);
void run_remove_stale_temps(run_job *job, const char *dir, size_t root_len, int depth);
vo_status run_save_page_cache(vo_ctx *ctx, run_job *job, const doc_state *d, const vo_page *p);
vo_page *run_load_page_cache(vo_ctx *ctx, const doc_state *d, int page);

/* outputs.c */
void run_drop_doc_state(doc_state *d);
vo_status run_open_stream_outputs(vo_ctx *ctx, run_job *job, const char *input,
                                  const vo_doc_info *info, const vo_writer_opts *wopts,
                                  doc_state *d);
vo_status run_write_per_page_files(vo_ctx *ctx, run_job *job, const char *input,
                                   const doc_state *d, const vo_doc_info *info,
                                   const vo_writer_opts *wopts, vo_page *page);
vo_status run_assemble_outputs(vo_ctx *ctx, run_job *job, const char *input, doc_state *d,
                               const vo_doc_info *info, const vo_writer_opts *wopts,
                               const int *pages, int n);
vo_status run_write_overlay(vo_ctx *ctx, run_job *job, provider *pv, const vo_input *in,
                            const vo_page *page);

/* makers.c */
int run_pages_in_flight(const run_job *job);
void run_default_batch(vo_ctx *ctx, run_job *job);
void run_make_page(vo_ctx *ctx, run_job *job, provider *pv, const vo_input *in,
                   const doc_state *d, int cached, made_page *m);
void run_makers_start(vo_ctx *ctx, page_makers *mk, run_job *job, provider *pv,
                      const vo_input *in, const doc_state *d, int cached, const int *pages,
                      int n);
made_page *run_makers_take(page_makers *mk, int k);
void run_makers_release(page_makers *mk, int k);
void run_makers_stop(page_makers *mk);

/* process.c */
void run_process_input(vo_ctx *ctx, run_job *job, int idx);

/* from_raw.c */
vo_status run_collect_raw(vo_ctx *ctx, run_job *job);
vo_status run_raw_method(vo_ctx *ctx, const raw_group *g, char **model, char **method,
                         char **settings);

/* report.c */
page_rec *run_add_page_rec(input_rec *r, int page);
void run_forget_last_page_rec(input_rec *r);
warn_list *run_warnings_now(input_rec *r);
void run_add_warning(warn_list *l, const char *msg);
void run_free_warnings(warn_list *l);
void run_free_input_rec(input_rec *r);
const char *run_page_source_name(page_source s);
const char *run_page_status_name(page_status s);
const char *run_input_status_name(const input_rec *r);
vo_status run_write_report(vo_ctx *ctx, run_job *job, const vo_run_summary *sum);
long long run_output_timestamp(void);
long run_count_pages(run_job *job);
void run_summarize(run_job *job, vo_run_summary *sum);

#endif
