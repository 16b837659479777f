/* document.h: document input. Opens PDFs and images through MuPDF and
 * TIFF files through libtiff, counts pages, renders a page to an 8-bit RGB
 * raster, and extracts a born-digital page's own text layer. */
#ifndef VO_DOCUMENT_H
#define VO_DOCUMENT_H

#include <signal.h>
#include <stdint.h>
#include "../util/status.h"
#include "../page/page.h"

typedef struct vo_document vo_document;

/* An 8-bit RGB raster of one page, rows top to bottom. */
typedef struct vo_raster {
    int width, height;
    int stride;          /* bytes per row (>= 3 * width) */
    uint8_t *rgb;
    float dpi_x, dpi_y;  /* resolution the raster has */
    int page;            /* 1-based page number */
} vo_raster;

typedef struct vo_page_info {
    float width_pt, height_pt; /* page size in points (1/72 inch) */
    float native_dpi_x, native_dpi_y; /* image resolution; 0 for vector pages */
    int has_text;        /* the page carries its own text layer */
} vo_page_info;

/* Limits that protect against hostile files. */
typedef struct vo_source_limits {
    uint64_t max_pixels;  /* per rendered page; 0 = default (2^28) */
} vo_source_limits;

/* A flag (such as the one a SIGTERM handler sets) that cancels reading:
 * once it is set, MuPDF's reads of every open document end (xref repair,
 * page loading, drawing), and the open, render or text-layer call in
 * progress fails with VO_ERR_ABORT instead of giving a partial result.
 * Process-wide; NULL (the default): never cancelled. */
void vo_source_set_cancel(const volatile sig_atomic_t *flag);

/* Open `path` ("-" is not accepted here: spool stdin to a file first).
 * password may be NULL. Errors: VO_ERR_IO (cannot open), VO_ERR_FORMAT
 * (not a valid document), VO_ERR_PASSWORD (encrypted), VO_ERR_UNSUPPORTED.
 * The message names the file and says what to do. */
vo_status vo_open_document(vo_ctx *ctx, const char *path, const char *password,
                           vo_document **doc);
/* Accepts NULL. */
void vo_drop_document(vo_document *doc);

int vo_document_page_count(const vo_document *doc);
/* Title from the document's metadata, or NULL. Borrowed. */
const char *vo_document_title(const vo_document *doc);
/* "pdf", "tiff", "image" ("pdf" also for the other vector documents MuPDF
 * opens: XPS, EPUB, CBZ, SVG). */
const char *vo_document_kind(const vo_document *doc);
/* An image or TIFF document's pages are taken to have `dpi` (> 0) on both
 * axes, whatever the file says (0: what it says, or 300 when it says
 * nothing): the page size follows, no pixel is resampled. No effect on PDF
 * and other vector documents. */
void vo_document_set_image_dpi(vo_document *doc, float dpi);
/* skip = 1: the text layer of a page leaves out its invisible text (text
 * render mode 3, as OCR tools add it), so that a page with nothing else
 * has no text layer (--redo-ocr). */
void vo_document_set_skip_invisible_text(vo_document *doc, int skip);

/* page is 1-based. */
vo_status vo_document_page_info(vo_ctx *ctx, vo_document *doc, int page, vo_page_info *info);

/* Render page (1-based) at dpi (0: the default — 300 for vector pages, the
 * image's own resolution for scans). Caller frees with vo_drop_raster.
 *
 * Defaults: a vector PDF page renders at 300 dpi; a PDF page that is one
 * image covering the page (a scan) at that image's resolution; an image or
 * TIFF page at its own resolution (300 when the file has none, a value
 * <= 1 or > 10000, or a ResolutionUnit of "none"; centimetres converted).
 * The raster always has square pixels at one dpi (dpi_x == dpi_y): an
 * image with non-square pixels (a 204x98 dpi fax) is resampled on its
 * lower-resolution axis to the higher one (1728x1082 becomes 1728x2252 at
 * 204 dpi), so the page looks as printed, and OCR boxes in raster pixels
 * map to the page by one scale. An explicit dpi resamples images and TIFF
 * pages to that dpi on both axes. The TIFF/EXIF Orientation is applied:
 * the raster is what a viewer shows (5..8 swap width and height).
 * The pixel limit (limits->max_pixels, default 2^28) is checked before any
 * large allocation: VO_ERR_LIMIT. */
vo_status vo_render_page(vo_ctx *ctx, vo_document *doc, int page, float dpi,
                         const vo_source_limits *limits, vo_raster **out);
void vo_drop_raster(vo_raster *r);

/* What the pixels of an image page hold, found by looking at every one. */
typedef enum vo_image_colors {
    VO_IMAGE_BILEVEL = 0,  /* black (0) and white (255) only */
    VO_IMAGE_GRAY,         /* R == G == B everywhere */
    VO_IMAGE_RGB
} vo_image_colors;

/* How the file codes the page's pixels, when those bytes can be embedded as
 * they are (a PDF filter decodes them). */
typedef enum vo_image_coding {
    VO_IMAGE_CODED_NONE = 0, /* only the decoded pixels are given */
    VO_IMAGE_CODED_CCITT     /* CCITT fax (Modified Huffman, T.4 or T.6) */
} vo_image_coding;

/* The pixels of an image page as the file stores them, before the
 * Orientation is applied and before any resampling: what a writer embeds
 * to keep the page exactly (the searchable PDF). */
typedef struct vo_page_image {
    vo_raster *pixels;       /* stored grid, 8-bit RGB, the file's dpi_x/dpi_y */
    int orientation;         /* TIFF/EXIF Orientation 1..8 that shows them */
    vo_image_colors colors;
    vo_image_coding coding;  /* the file's own bytes below, or NONE */
    unsigned char *coded;    /* CCITT: the strips' bytes, first bit first */
    size_t coded_len;
    int ccitt_k;             /* PDF /K: -1 T.6 (G4), 0 one-dimensional, 1 mixed */
    int ccitt_byte_align;    /* PDF /EncodedByteAlign */
    int ccitt_eol;           /* PDF /EndOfLine: rows start with an EOL code */
    int ccitt_black_is_1;    /* PDF /BlackIs1 */
} vo_page_image;

/* The stored image of page (1-based) of a TIFF document; the coded bytes
 * are given only when they decode to `pixels` as the file says (one strip
 * of G4, or G3/Modified Huffman strips), and the caller must still check
 * that a second decoder agrees. Other documents: VO_ERR_UNSUPPORTED (their
 * pages are MuPDF's, the same decoder as vo_render_page's). The pixel
 * limit applies as in vo_render_page. Free with vo_drop_page_image. */
vo_status vo_get_page_image(vo_ctx *ctx, vo_document *doc, int page,
                            const vo_source_limits *limits, vo_page_image **out);
/* Accepts NULL. */
void vo_drop_page_image(vo_page_image *img);

/* The page's own text as a page model, with boxes in pixels of a raster at
 * `dpi` (0: same default as vo_render_page). *out is NULL when the page has
 * no text. The page's width/height equal those of vo_render_page at the
 * same dpi and its boxes are in that raster (/Rotate applied). Each MuPDF
 * structured-text block is a block with one paragraph; words are split at
 * white space; text is NFC; confidences are VO_CONF_NONE; word lang is
 * "kor" for Hangul, "eng" for Latin letters, else NULL. Images and TIFF
 * pages have no text layer. */
vo_status vo_extract_text_layer(vo_ctx *ctx, vo_document *doc, int page, float dpi,
                                vo_page **out);

/* What a text layer's characters say of its reliability. */
typedef struct vo_text_quality {
    int chars;        /* characters of the layer (separators left out) */
    int replacement;  /* U+FFFD: glyphs the font gives no Unicode for */
    int private_use;  /* private-use code points: a font's own numbering */
    int control;      /* control characters other than white space */
    int invalid;      /* no Unicode code point at all */
    int no_box;       /* glyphs with no area on the page (dropped) */
    int fallback;     /* set in MuPDF's stand-in for a font it could not load */
    int glyphs;       /* glyphs the contents draw (white space left out) */
    int outside;      /* of them, wholly off the page (not in the layer) */
    int invisible;    /* invisible glyphs (3 Tr) in the layer */
    int invisible_blank; /* of them, those with nothing drawn under them */
    const char *problem; /* NULL: the layer can be trusted; else why not */
    int problem_n, problem_of; /* the characters that say so, of how many */
} vo_text_quality;

/* vo_extract_text_layer, and the layer's quality into *q (also when *out
 * is NULL: q->chars is 0 then). A layer is judged unreliable when more
 * than 2 % of its characters (and at least 3) are replacement,
 * private-use, control or invalid code points, when more than a fifth of
 * its glyphs have no area on the page, when more than a fifth of the
 * contents' glyphs (10 at least) lie wholly off the page, when more than
 * 2 % (3 at least) are
 * set in a font that could not be loaded, or when more than half of its
 * invisible glyphs (and at least 10) lie on blank paper: a layer that does
 * not match what the page draws. */
vo_status vo_extract_text_layer_checked(vo_ctx *ctx, vo_document *doc, int page, float dpi,
                                        vo_page **out, vo_text_quality *q);

#endif
