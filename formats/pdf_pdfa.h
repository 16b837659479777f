/* pdf_pdfa.h: PDF/A-2b marks of the searchable PDF (pdf_pdfa.c). */
#ifndef VO_FMT_PDF_PDFA_H
#define VO_FMT_PDF_PDFA_H

#include <mupdf/pdf.h>

/* XMP with pdfaid part 2 / conformance B and the values that mirror Info
 * (pdf:Producer, dc:title, xmp:CreateDate from timestamp when > 0), an
 * sRGB OutputIntent, a file ID. Call after Info is written with the same
 * producer, title and timestamp. Throws (MuPDF) on failure. */
void pdfa_mark(fz_context *fz, pdf_document *doc, const char *producer, const char *title,
               long long timestamp);

/* The file ID of a written file (data, len), whose second part MuPDF's
 * writer takes from the clock, set from the md5 of the file's bytes
 * instead, in place, so that the same pages give the same file: both parts
 * of a new document's (pdfa_mark's placeholder), the second of a PDF
 * input's (its first, the document's own, is kept). Returns the new file
 * (vo_malloc'd, *out_len bytes), or NULL when there is no ID to fix (or no
 * memory): then the file is written as it is. */
unsigned char *pdfa_fix_id(const unsigned char *data, size_t len, size_t *out_len);

/* 1 when the document's XMP metadata carries a PDF/A identification. */
int pdfa_is_marked(fz_context *fz, pdf_document *doc);

#endif
