/* pdf_redo.h: --redo-ocr: the invisible text (text render mode 3) that an
 * earlier OCR left on a PDF page removed, from the page's contents and from
 * the forms it draws, so that our text layer is the page's only one.
 * Internal to the PDF writer. */
#ifndef VO_PDF_REDO_H
#define VO_PDF_REDO_H

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

typedef struct pdfredo_result {
    int removed;     /* text-showing operators removed (Tj, TJ, ', ") */
    int streams;     /* content streams rewritten (the page's, forms') */
    int kept_mixed;  /* streams left as they were: a visible text of theirs
                      * is placed by the advance of an invisible one before
                      * it in the same text object, so removing the
                      * invisible one would move the visible one */
} pdfredo_result;

/* Remove the invisible text of `page` (an object of doc) and of the Form
 * XObjects its resources hold, at any depth. A stream with nothing
 * invisible is left untouched, byte for byte; a rewritten one is the same
 * operators less the invisible text (a removed ' or " keeps its move to
 * the next line). Throws MuPDF errors (a content stream that cannot be
 * read). */
void pdfredo_strip_page(fz_context *fz, pdf_document *doc, pdf_obj *page, pdfredo_result *r);

#endif
