/* pdf.h: the searchable-PDF writer (FORMATS.md §5): each page image or
 * original PDF page with an invisible, word-placed Korean/English text layer. */
#ifndef VO_PDF_H
#define VO_PDF_H

#include "formats/writer.h"

/* Create the PDF writer over `out` (borrowed); opts may be NULL.
 * For every page, the writer looks at page->source: when the first page
 * comes from a PDF, that PDF is the output document (everything it has is
 * kept, its pages not given are removed at end()), only a text-layer
 * content stream is added to its pages, and every later page must be a
 * page of it, after the one before (else VO_ERR_LIBRARY, nothing
 * written); an image input (PNG, JPEG, TIFF, PNM) becomes the page image,
 * scaled to page->width x page->height pixels at the page's dpi (a TIFF
 * page from our libtiff decode, Orientation applied, checked after it is
 * embedded: VO_ERR_LIBRARY when a reader would see other pixels); a source
 * that cannot be opened ("-", removed file) gives the text layer on a
 * blank page of the right size, with a warning. The whole document is
 * written to `out` by end(). Returns VO_ERR_NOMEM or VO_ERR_LIBRARY on
 * failure; *w is NULL then. One writer per thread. */
vo_status vo_new_pdf_writer(vo_ctx *ctx, vo_output *out, const vo_writer_opts *opts,
                            vo_writer **w);

#endif
