/* pdf_png.h: a PNG page into the searchable PDF as its own compressed
 * bytes: the zlib stream of its IDAT chunks is what PDF's FlateDecode with
 * PNG predictors reads, so nothing is decoded and coded again (a 141 KB
 * scan had become 308 KB). Internal to the PDF writer. */
#ifndef VO_PDF_PNG_H
#define VO_PDF_PNG_H

#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

/* How a PNG went into the PDF. */
typedef enum pdfpng_way {
    PDFPNG_NONE = 0, /* not here: the caller embeds it through MuPDF */
    PDFPNG_IDAT,     /* its IDAT bytes under FlateDecode, /Predictor 15 */
    PDFPNG_PIXELS    /* its pixels, through pdfimg_add (1-bit G4, gray, RGB) */
} pdfpng_way;

/* The PNG at path as an image XObject of doc (a new reference), or NULL.
 * A gray (1-8 bit), RGB (8 bit) or palette PNG, not interlaced and without
 * transparency, goes in as its IDAT bytes; a black-and-white page, and an
 * interlaced, 16-bit or alpha one whose pixels are all opaque, as its
 * pixels (pdfimg_add). A PNG with an ICC profile, an animation or
 * transparency that shows is left to the caller (NULL), as is one whose
 * object does not decode to MuPDF's pixels of the PNG (each is read back
 * and compared, pixel for pixel). *way says which. Throws only for out of
 * memory. */
pdf_obj *pdfpng_add(fz_context *fz, pdf_document *doc, const char *path, pdfpng_way *way);

#endif
