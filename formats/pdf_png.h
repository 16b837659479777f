/* pdf_png.h: a PNG page into the searchable PDF as its own compressed
 * bytes: the zlib stream of its IDAT chunks is what PDF's FlateDecode with
 * PNG predictors reads, so nothing is decoded and coded again (a 141 KB
 * scan had become 308 KB). Internal to the PDF writer. */
#ifndef VO_PDF_PNG_H
#define VO_PDF_PNG_H

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

/* The PNG at path as an image XObject of doc (a new reference), when it
 * can be: one image, not interlaced, gray (1-8 bits), RGB (8 bits) or a
 * palette (1-8 bits), no transparency and no ICC profile. Its IDAT bytes
 * go under /FlateDecode with /Predictor 15; a black-and-white page goes as
 * the 1-bit image of its pixels instead (pdfimg_add: G4), far smaller. The
 * object is read back, decoded and compared with MuPDF's decode of the PNG,
 * pixel for pixel. Returns NULL (nothing kept) when the PNG is not of that
 * kind or the two differ: the caller embeds it as before. *as_idat: 1 when
 * the IDAT bytes went in. Throws only for out of memory. */
pdf_obj *pdfpng_add(fz_context *fz, pdf_document *doc, const char *path, int *as_idat);

#endif
