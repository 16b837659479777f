/* writer.h: the document-writer interface every output format fills
 * (MuPDF fz_document_writer). A writer reads vo_page models only. */
#ifndef VO_WRITER_H
#define VO_WRITER_H

#include "../src/page/page.h"
#include "../src/util/output.h"

/* What a writer knows about the whole document. */
typedef struct vo_doc_info {
    const char *source;     /* input path, or "-" */
    const char *title;      /* document title or NULL (then the file name) */
    int n_pages;            /* pages that will be written (0 if unknown) */
    long long timestamp;    /* seconds since the epoch for dates in the
                               output (SOURCE_DATE_EPOCH honoured by caller) */
    const char *model;      /* the recognition model's name, or NULL (none used) */
    const char *method;     /* a sentence on where the text comes from, or NULL */
    const char *settings;   /* the settings it depends on ("text-layer=auto; ..."), or NULL */
} vo_doc_info;

typedef enum vo_format {
    VO_FORMAT_TXT = 0,
    VO_FORMAT_HOCR,
    VO_FORMAT_ALTO,
    VO_FORMAT_PAGE,
    VO_FORMAT_TSV,
    VO_FORMAT_JSON,
    VO_FORMAT_PDF,
    VO_FORMAT_COUNT_
} vo_format;

typedef struct vo_writer vo_writer;
struct vo_writer {
    /* Called once before the first page. */
    vo_status (*begin)(vo_ctx *ctx, vo_writer *w, const vo_doc_info *info);
    /* Called once per page, in order. */
    vo_status (*page)(vo_ctx *ctx, vo_writer *w, const vo_page *page);
    /* Writes the trailer; does not close the output. */
    vo_status (*end)(vo_ctx *ctx, vo_writer *w);
    /* Frees the writer (not the output). Accepts a writer that failed. */
    void (*drop)(vo_writer *w);
    vo_output *out;         /* borrowed */
};

/* ALTO's MeasurementUnit (--alto-unit) */
typedef enum vo_alto_unit { VO_ALTO_PIXEL, VO_ALTO_MM10, VO_ALTO_INCH1200 } vo_alto_unit;

/* Writer options shared by the formats. */
typedef struct vo_writer_opts {
    vo_alto_unit alto_unit;
    int hocr_char_boxes;    /* 1: write ocrx_cinfo per glyph (default 1) */
    const char *password;   /* of an encrypted PDF source (pdf grafts its pages), or NULL */
    int no_pdfa;            /* pdf: 1: a plain PDF; 0 (default): PDF/A-2b for page images */
    int redo_ocr;           /* pdf: 1: a PDF page's invisible text (3 Tr) goes before ours
                             * is added (--redo-ocr) */
} vo_writer_opts;

/* Create a writer of `fmt` over `out` (borrowed). Returns VO_ERR_UNSUPPORTED
 * for a format this build cannot write.
 * Pages per file: hOCR, TSV, txt, JSON and ALTO hold any number of pages
 * (ALTO needs at least one). PAGE-XML holds exactly one: its writer writes
 * the first page given after begin and returns VO_ERR_ARGUMENT for a second
 * one, so callers (the CLI) create one PAGE writer, and file, per page.
 * Text is written NFC with invalid UTF-8 replaced (U+FFFD) and control
 * characters dropped; words with no text left are skipped by every writer. */
vo_status vo_new_writer(vo_ctx *ctx, vo_format fmt, vo_output *out,
                        const vo_writer_opts *opts, vo_writer **w);
/* Accepts NULL. */
void vo_drop_writer(vo_writer *w);

/* Name ("hocr"), output suffix (".hocr") and parse. */
const char *vo_format_name(vo_format fmt);
const char *vo_format_suffix(vo_format fmt);
/* Returns VO_FORMAT_COUNT_ when the name is unknown. */
vo_format vo_format_from_name(const char *name, size_t len);

/* Convenience: write one document made of `n` pages to `out`. */
vo_status vo_write_document(vo_ctx *ctx, vo_format fmt, vo_output *out,
                            const vo_writer_opts *opts, const vo_doc_info *info,
                            vo_page *const *pages, int n);

#endif
