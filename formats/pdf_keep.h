/* pdf_keep.h: the searchable PDF of one PDF input made in that input's own
 * document, so that everything it had is kept (Info, XMP, PDF/A
 * identification and OutputIntents, outlines, annotations and links, page
 * labels, forms, structure). Internal to the PDF writer. */
#ifndef VO_PDF_KEEP_H
#define VO_PDF_KEEP_H

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

/* Open the PDF at path (password: of an encrypted one, or NULL) as the
 * document the writer adds its text layers to. Throws, naming path. */
pdf_document *pdfkeep_open(fz_context *fz, const char *path, const char *password);

/* Delete the pages of doc whose entry of written[] (one per page, n of
 * them) is 0: the pages not chosen with --pages. Outline items and links
 * that led to a deleted page lose that destination (their title or box
 * stays); returns how many did, for the writer to say. */
int pdfkeep_drop_unwritten(fz_context *fz, pdf_document *doc, const unsigned char *written,
                            int n);

/* Producer (and ModDate, when timestamp > 0) of the kept document's Info
 * set; every other key kept. Where the document has XMP metadata, its
 * pdf:Producer and xmp:ModifyDate / xmp:MetadataDate get the same values,
 * and an Info key with no XMP counterpart is left as it was, so that the
 * two still agree (PDF/A requires it). */
void pdfkeep_update_metadata(fz_context *fz, pdf_document *doc, const char *producer,
                             long long timestamp);

#endif
