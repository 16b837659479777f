/* source_impl.h: what the document front end (document.c) shares with its
 * two back ends, MuPDF (mupdf_doc.c) and libtiff (tiff_doc.c). Internal. */
#ifndef VO_SOURCE_IMPL_H
#define VO_SOURCE_IMPL_H

#include "src/source/document.h"

/* One back end. Every entry gets a page number already checked to be in
 * 1..page_count, and doc->ctx already set to the caller's ctx. */
typedef struct source_ops {
    vo_status (*page_info)(vo_document *doc, int page, vo_page_info *info);
    vo_status (*render)(vo_document *doc, int page, float dpi,
                        const vo_source_limits *limits, vo_raster **out);
    /* May be NULL: the back end never has a text layer. */
    vo_status (*text_layer)(vo_document *doc, int page, float dpi, vo_page **out,
                            vo_text_quality *q);
    /* May be NULL: the back end's pages are not kept as stored images. */
    vo_status (*image)(vo_document *doc, int page, const vo_source_limits *limits,
                       vo_page_image *img);
    void (*drop)(vo_document *doc);
} source_ops;

/* A concrete document embeds this first (MuPDF's `super` pattern). */
struct vo_document {
    const source_ops *ops;
    vo_ctx *ctx;        /* ctx of the call in progress: library callbacks log here */
    char *path;
    const char *kind;   /* "pdf", "tiff", "image" */
    int n_pages;
    char *title;        /* may be NULL */
    float image_dpi;    /* images are taken to have this resolution (0: their own) */
    int skip_invisible; /* the text layer leaves out invisible text (3 Tr): --redo-ocr */
};

/* 1 once the flag given to vo_source_set_cancel is set. */
int source_cancelled(void);

/* MuPDF opens path with the reader it picks for the name `as` (the usual
 * suffix of the sniffed content, or path itself). */
vo_status source_open_mupdf(vo_ctx *ctx, const char *path, const char *as, const char *password,
                            vo_document **doc);
vo_status source_open_tiff(vo_ctx *ctx, const char *path, vo_document **doc);

#endif
