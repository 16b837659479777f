/* pdf_image.h: the searchable-PDF writer's page image from our own decode
 * (a TIFF page as libtiff stores it), embedded without a second decoder
 * that could disagree. Internal to the PDF writer. */
#ifndef VO_PDF_IMAGE_H
#define VO_PDF_IMAGE_H

#include "src/source/document.h"

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

/* How the image went into the PDF. */
typedef enum pdfimg_kept {
    PDFIMG_CODED = 0, /* the file's own bytes (CCITT fax) */
    PDFIMG_PIXELS     /* our decoded pixels, lossless (1 bit a pixel when bilevel) */
} pdfimg_kept;

/* Add img to doc as an image XObject (a new reference; the caller drops
 * it). The file's coded bytes are embedded when MuPDF decodes them to
 * exactly img->pixels, else the pixels themselves. What was embedded is
 * then read back from the document, decoded and compared with
 * img->pixels, pixel for pixel: a difference throws (the message names
 * path and page), never a wrong page. *kept says which way it went. */
pdf_obj *pdfimg_add(fz_context *fz, pdf_document *doc, const vo_page_image *img,
                    const char *path, int page, pdfimg_kept *kept);

/* The content-stream matrix that shows an image XObject upright on a page
 * of w_pt x h_pt points, TIFF Orientation `orientation` (1..8) applied. */
fz_matrix pdfimg_matrix(int orientation, float w_pt, float h_pt);

#endif
