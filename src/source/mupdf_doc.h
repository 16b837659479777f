/* mupdf_doc.h: the MuPDF back end's document, shared by its files
 * (mupdf_doc.c: open/render, mupdf_probe.c: page content, text_layer.c). */
#ifndef VO_SOURCE_MUPDF_DOC_H
#define VO_SOURCE_MUPDF_DOC_H

#include <mupdf/fitz.h>
#include "src/source/mupdf_alloc.h"
#include <mupdf/pdf.h>
#include "src/source/source_impl.h"
#include "src/source/raster.h"

typedef struct mupdf_document {
    vo_document super;
    mupdf_budget budget; /* what fz may allocate (mupdf_alloc.h) */
    fz_context *fz;    /* owned: MuPDF contexts are not shared across threads */
    fz_document *doc;
    int is_image;      /* an image file (PNG, JPEG, PNM, …): pages are decoded, not drawn */
    int cancelled;     /* a read ended early because the run was cancelled */
} mupdf_document;

/* `path` as a stream that ends at its next read once the run is cancelled
 * (source_cancelled), setting md->cancelled. Throws MuPDF errors. */
fz_stream *mupdf_open_cancellable(fz_context *fz, mupdf_document *md, const char *path);

/* What a page draws, from one pass of its content through a counting
 * device. Coordinates are those of fz_bound_page (points, /Rotate applied). */
typedef struct mupdf_probe {
    int n_text;        /* non-space text characters (visible or not) */
    int n_invisible;   /* those of them in invisible text (3 Tr) */
    int n_images;      /* images and image masks */
    int n_other;       /* paths and shadings */
    fz_image *image;   /* the first image (kept; drop with mupdf_probe_clear) */
    fz_matrix image_ctm;
} mupdf_probe;

/* Fill *probe from `page`. Throws MuPDF errors (call inside fz_try). */
void mupdf_probe_page(fz_context *fz, fz_page *page, mupdf_probe *probe);
void mupdf_probe_clear(fz_context *fz, mupdf_probe *probe);

/* Native resolution of the page when it is one image covering the page
 * (a scan), else 0 on both axes. */
void mupdf_probe_scan_dpi(const mupdf_probe *probe, fz_rect bounds, float *dpi_x,
                          float *dpi_y);

/* The raster geometry of a drawn page at `dpi` (0: the default, which
 * needs a probe of the page): the transform from page space to device
 * pixels and the pixel box. vo_render_page and the text layer both use it,
 * so their sizes agree. A page longer than SOURCE_MAX_SIDE pixels at that
 * dpi (a huge /UserUnit) gets the dpi that fits: *capped_from is then the
 * dpi it would have had (else 0); mupdf_say_capped says it. Throws MuPDF
 * errors. */
void mupdf_page_geometry(fz_context *fz, fz_page *page, float dpi, float *dpi_out,
                         fz_matrix *ctm, fz_irect *box, float *capped_from);
/* The warning for a page whose dpi mupdf_page_geometry lowered. */
void mupdf_say_capped(vo_document *doc, int page, float capped_from, float dpi,
                      const fz_irect *box);

/* Repair what MuPDF would misread on a PDF page before its fonts are
 * loaded (mupdf_fixup.c). No-op for other documents. Throws. */
void mupdf_fixup_page(fz_context *fz, fz_page *page);

/* Run the page's text into dev (a text device): mupdf_run_text_contents
 * its contents with the /ActualText of marked content in place of the
 * glyphs it covers (skip_invisible: without invisible text, 3 Tr), then
 * mupdf_run_text_annots its annotations and widgets. A page of another
 * kind than PDF is run whole by the first, and the second does nothing.
 * census (may be NULL) counts the glyphs of the contents' text that dev
 * gets and those wholly off the page, and keeps the boxes of the invisible
 * ones (fz_free its invisible.r). Throw. */
typedef struct mupdf_glyph_boxes {
    fz_rect *r; /* in the page's structured-text space */
    int n, cap;
} mupdf_glyph_boxes;
typedef struct mupdf_text_census {
    fz_rect page;                /* the page's bounds: set by the caller */
    int glyphs, outside;         /* glyphs (not white space); of them wholly off the page */
    mupdf_glyph_boxes invisible; /* boxes of the invisible ones (3 Tr) */
} mupdf_text_census;
void mupdf_run_text_contents(fz_context *fz, fz_page *page, fz_device *dev, int skip_invisible,
                             mupdf_text_census *census);
void mupdf_run_text_annots(fz_context *fz, fz_page *page, fz_device *dev);

/* How many of b's boxes have nothing drawn under them: the page's contents
 * rendered at 50 dpi (2,000 pixels a side at most) in grey (invisible text
 * draws nothing; a box under a pixel is not judged), a box whose
 * darkest pixel is not 48 levels under the page's median (its paper).
 * mupdf_invisible.c. Throws. */
int mupdf_count_blank_boxes(fz_context *fz, fz_page *page, const mupdf_glyph_boxes *b);

/* The vertical metrics a PDF page's fonts declare (mupdf_fonts.c), for
 * glyph boxes like poppler's: ascent and descent in em (descent < 0). */
typedef struct mupdf_font_metrics {
    fz_font *font;                /* what fz_stext_char.font points to */
    pdf_font_desc *desc;          /* held while the table lives */
    float ascent, descent;
} mupdf_font_metrics;

typedef struct mupdf_fonts {
    mupdf_font_metrics *items;
    int n, cap;
} mupdf_fonts;

/* Add the fonts of `page` (its resources, nested forms and patterns, and
 * annotation appearances) to *t, which starts zeroed. A font that cannot
 * be read is left out with a MuPDF warning. No-op for non-PDF pages.
 * Throws MuPDF errors (out of memory); clear *t even then. */
void mupdf_fonts_load(fz_context *fz, fz_page *page, mupdf_fonts *t);
/* The metrics of `font`, or NULL when the PDF states none we trust
 * (Type 3 fonts, fonts not found in the resources). */
const mupdf_font_metrics *mupdf_fonts_find(const mupdf_fonts *t, const fz_font *font);
void mupdf_fonts_clear(fz_context *fz, mupdf_fonts *t);

/* Convert the error just caught by fz_catch into a vo_status whose
 * message names the file, the page (when > 0) and the step. */
vo_status mupdf_caught(mupdf_document *md, int page, const char *what);

/* Text layer back end entry (text_layer.c). */
vo_status mupdf_text_layer(vo_document *doc, int page, float dpi, vo_page **out,
                           vo_text_quality *q);

#endif
