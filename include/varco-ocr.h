/* varco-ocr.h: the varco-ocr library (libvarco-ocr; `pkg-config varco-ocr`).
 *
 * Open a VARCO-VISION-2.0 OCR model once, recognise page images or the
 * pages of a document (PDF, TIFF, PNG, JPEG, PNM) into the page model
 * (blocks, paragraphs, lines, words and glyphs with boxes in pixels of the
 * page raster), and write a page in one of the output formats. The
 * varco-ocr command is built on the same calls.
 *
 * Errors: every fallible call returns a vo_status (VO_OK is 0) and leaves a
 * message naming the file, the page and what to do in its vo_ctx
 * (vo_last_error). A vo_ctx belongs to one thread at a time; make one per
 * thread. A vo_model is used by one call at a time.
 *
 * The model weights (NCSOFT/VARCO-VISION-2.0-1.7B-OCR) are CC BY-NC 4.0:
 * non-commercial use only. The library is AGPL-3.0-or-later (it contains
 * MuPDF). */
#ifndef VARCO_OCR_H
#define VARCO_OCR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this interface: grows when calls are added. */
#define VO_API_VERSION 1

/* ---- errors and the per-thread context ---- */

typedef enum vo_status {
    VO_OK = 0,
    VO_ERR_NOMEM,       /* allocation failed */
    VO_ERR_IO,          /* read/write/open failed */
    VO_ERR_LIBRARY,     /* a library (MuPDF, libtiff, libxml2) failed */
    VO_ERR_ARGUMENT,    /* caller passed something invalid */
    VO_ERR_LIMIT,       /* a size or resource limit was hit */
    VO_ERR_UNSUPPORTED, /* valid but not supported input */
    VO_ERR_FORMAT,      /* malformed input file */
    VO_ERR_DEVICE,      /* compute device failed */
    VO_ERR_ABORT,       /* cancelled (signal, timeout) */
    VO_ERR_PASSWORD,    /* encrypted document, no or wrong password */
    VO_ERR_MISSING,     /* model or other dependency missing */
    VO_ERR_COUNT_
} vo_status;

/* Last error class and message, where warnings go, verbosity. */
typedef struct vo_ctx vo_ctx;

typedef void (vo_log_fn)(void *user, int level, const char *msg);

enum { VO_LOG_ERROR = 0, VO_LOG_WARN = 1, VO_LOG_INFO = 2, VO_LOG_DEBUG = 3 };

/* Returns NULL only when out of memory. */
vo_ctx *vo_new_ctx(void);
/* Accepts NULL. */
void vo_drop_ctx(vo_ctx *ctx);
/* Where warnings and info go; default: stderr, "varco-ocr: " prefix. */
void vo_set_log(vo_ctx *ctx, vo_log_fn *fn, void *user);
/* 0 = errors only, 1 = warnings (default), 2 = info, 3 = debug. */
void vo_set_verbosity(vo_ctx *ctx, int level);
int vo_verbosity(const vo_ctx *ctx);
/* Last error message ("" when none) and class. */
const char *vo_last_error(const vo_ctx *ctx);
vo_status vo_last_status(const vo_ctx *ctx);
void vo_clear_error(vo_ctx *ctx);
/* A short name of a status class ("format error", …). */
const char *vo_status_name(vo_status st);

/* The library's version ("0.1.0"). */
const char *vo_version(void);

/* ---- the page model ---- */

/* Box in pixels of the page raster: x0,y0 top-left, x1,y1 bottom-right
 * (exclusive edge, so width = x1 - x0). */
typedef struct vo_box {
    float x0, y0, x1, y1;
} vo_box;

#define VO_CONF_NONE (-1.0f) /* confidence unknown: writers omit it */

typedef struct vo_glyph {
    char *text;   /* UTF-8, NFC; usually one code point */
    vo_box box;
    float conf;   /* 0..1, or VO_CONF_NONE */
} vo_glyph;

typedef struct vo_word {
    char *text;       /* UTF-8, NFC, no whitespace inside */
    vo_box box;
    float conf;       /* 0..1, or VO_CONF_NONE */
    const char *lang; /* "kor", "eng", … (static string) or NULL */
    vo_glyph *glyphs; /* may be 0 when no glyph boxes are known */
    int n_glyphs;
    size_t cap_glyphs_;
} vo_word;

typedef struct vo_line {
    vo_box box;
    float conf;       /* VO_CONF_NONE when unknown */
    int has_baseline; /* baseline: y = slope*x + offset, hOCR convention */
    float baseline_slope, baseline_offset;
    vo_word *words;
    int n_words;
    size_t cap_words_;
} vo_line;

typedef struct vo_par {
    vo_box box;
    const char *lang; /* dominant language of the paragraph or NULL */
    vo_line *lines;
    int n_lines;
    size_t cap_lines_;
} vo_par;

typedef struct vo_block {
    vo_box box;
    vo_par *pars;
    int n_pars;
    size_t cap_pars_;
} vo_block;

enum vo_page_origin {
    VO_PAGE_FROM_TEXT_LAYER = 1, /* the document's own text */
    VO_PAGE_FROM_OCR = 2,        /* the model's output */
};

typedef struct vo_page {
    int number;          /* 1-based page number in its document */
    int width, height;   /* raster size in pixels */
    float dpi_x, dpi_y;  /* raster resolution */
    char *source;        /* path of the input document (or "-") */
    char *image_name;    /* name to cite as the page image (may equal source) */
    const char *lang;    /* dominant language ("kor", "eng") or NULL */
    int origin;          /* enum vo_page_origin */
    vo_block *blocks;
    int n_blocks;
    size_t cap_blocks_;
} vo_page;

/* Accepts NULL. */
void vo_drop_page(vo_page *page);

/* ---- the model ---- */

typedef struct vo_model vo_model;

/* values of vo_model_opts.weights */
enum {
    VO_WEIGHTS_AUTO = 0,      /* bf16 copied into memory on the CPU where it fits, else as stored */
    VO_WEIGHTS_Q8 = 1,
    VO_WEIGHTS_Q4 = 2,
    VO_WEIGHTS_BF16 = 3,
    VO_WEIGHTS_AS_STORED = 4
};
/* values of vo_model_opts.kv_type */
enum { VO_KV_F32 = 0, VO_KV_BF16 = 1, VO_KV_F16 = 2, VO_KV_Q8 = 3 };
/* values of vo_model_opts.matmul */
enum { VO_MATMUL_EXACT = 0, VO_MATMUL_BF16 = 1 };

/* Zero is the default of every field (what the command does without
 * options). */
typedef struct vo_model_opts {
    int threads;        /* CPU threads; <= 0: all online cores */
    const char *device; /* "auto", "cpu", "opencl", "opencl:P.D"; NULL: auto */
    int max_tokens;     /* tokens a page (or band) may generate; <= 0: what the
                         * model's context leaves */
    int weights;        /* VO_WEIGHTS_*: auto (on the CPU a model stored in bf16
                         * is copied into this process's memory where the
                         * memory available leaves room, else as stored; the
                         * same results either way), as stored (bf16, exact,
                         * mapped from the file: shared between processes),
                         * bf16 (copied always), q8 or q4 (faster, the text
                         * may differ) */
    int kv_type;        /* VO_KV_*: the KV cache's storage */
    int no_band;        /* 1: a page whose output is cut or loops is not
                         * recognised again in bands */
    int matmul;         /* VO_MATMUL_*: the image's and the prompt's products
                         * exact (f32) or, on CPUs with AVX512_BF16, with the
                         * activations rounded to bf16 (about 2x faster; a
                         * warning and exact products where it cannot) */
} vo_model_opts;

/* Open the model folder `model_dir` (a Hugging Face folder of
 * VARCO-VISION-2.0-1.7B-OCR); NULL: where the command looks, $VARCO_OCR_MODEL,
 * else the first of $XDG_DATA_HOME/varco-ocr/VARCO-VISION-2.0-1.7B-OCR
 * (~/.local/share when XDG_DATA_HOME is not set) and
 * DATADIR/varco-ocr/VARCO-VISION-2.0-1.7B-OCR that holds a model. opts may be NULL. Errors: VO_ERR_MISSING,
 * VO_ERR_FORMAT (naming the file), VO_ERR_UNSUPPORTED, VO_ERR_NOMEM. */
vo_status vo_model_open(vo_ctx *ctx, const char *model_dir, const vo_model_opts *opts,
                        vo_model **out);
/* Accepts NULL. */
void vo_model_close(vo_model *model);

/* ---- recognition ---- */

/* OCR of one page image: 8-bit RGB, width x height pixels, `stride` bytes
 * a row, at `dpi` (0: 300). A page whose output does not fit the token
 * limit, or that loops, is recognised again in bands (as the command does);
 * what is still cut is said as a warning. The page (number 1, source
 * "image") is the caller's: vo_drop_page. */
vo_status vo_recognize_image(vo_ctx *ctx, vo_model *model, const uint8_t *rgb, int width,
                             int height, int stride, float dpi, vo_page **out);

/* Where the text of a document page comes from. */
typedef enum vo_text_layer {
    VO_TEXT_LAYER_AUTO = 0, /* the page's own text where it has a reliable one, else OCR */
    VO_TEXT_LAYER_NEVER,    /* OCR of every page */
    VO_TEXT_LAYER_ONLY      /* the page's own text only; none: an empty page */
} vo_text_layer;

/* Pages of a document (PDF, TIFF, PNG, JPEG, PNM, …); password may be NULL. */
vo_status vo_file_page_count(vo_ctx *ctx, const char *path, const char *password, int *n_pages);

/* Page `page` (1-based) of a document, rendered at `dpi` (0: 300), its text
 * from its text layer or from the model as `mode` says. model may be NULL
 * where no OCR is needed (VO_TEXT_LAYER_ONLY; VO_TEXT_LAYER_AUTO on a page
 * with a text layer, else VO_ERR_MISSING). A blank page (no ink that could
 * be writing) is an empty page, not given to the model. */
vo_status vo_recognize_file(vo_ctx *ctx, vo_model *model, const char *path, const char *password,
                            int page, float dpi, vo_text_layer mode, vo_page **out);

/* ---- output ---- */

/* The page as the JSON of `varco-ocr -f json` (a document of one page),
 * NUL-terminated; free it with vo_free_string. */
vo_status vo_page_to_json(vo_ctx *ctx, const vo_page *page, char **json, size_t *len);
/* Write the page to `path` (atomically: a temporary file renamed) in
 * `format`: "txt", "hocr", "alto", "page", "tsv" or "json" (the searchable
 * PDF needs the whole document: the varco-ocr command writes it). */
vo_status vo_page_write(vo_ctx *ctx, const vo_page *page, const char *format, const char *path);
/* Accepts NULL. */
void vo_free_string(char *s);

#ifdef __cplusplus
}
#endif

#endif
