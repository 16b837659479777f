/* page.h: the page model, the only thing the format writers see.
 * page → blocks → paragraphs → lines → words → glyphs, as arrays with
 * counts; boxes in page-raster pixels, origin top-left. */
#ifndef VO_PAGE_H
#define VO_PAGE_H

#include <stddef.h>
#include "../util/status.h"

/* Box in pixels of the page raster: x0,y0 top-left, x1,y1 bottom-right
 * (exclusive edge, so width = x1 - x0). */
typedef struct vo_box {
    float x0, y0, x1, y1;
} vo_box;

#define VO_CONF_NONE (-1.0f) /* confidence unknown: writers omit it */

typedef struct vo_glyph {
    char *text;   /* UTF-8, NFC; usually one code point */
    vo_box box;
    float conf;   /* 0..1, or VO_CONF_NONE */
} vo_glyph;

typedef struct vo_word {
    char *text;       /* UTF-8, NFC, no whitespace inside */
    vo_box box;
    float conf;       /* 0..1, or VO_CONF_NONE */
    const char *lang; /* "kor", "eng", … (static string) or NULL */
    vo_glyph *glyphs; /* may be 0 when no glyph boxes are known */
    int n_glyphs;
    size_t cap_glyphs_;
} vo_word;

typedef struct vo_line {
    vo_box box;
    float conf;       /* VO_CONF_NONE when unknown */
    int has_baseline; /* baseline: y = slope*x + offset, hOCR convention */
    float baseline_slope, baseline_offset;
    vo_word *words;
    int n_words;
    size_t cap_words_;
} vo_line;

typedef struct vo_par {
    vo_box box;
    const char *lang; /* dominant language of the paragraph or NULL */
    vo_line *lines;
    int n_lines;
    size_t cap_lines_;
} vo_par;

typedef struct vo_block {
    vo_box box;
    vo_par *pars;
    int n_pars;
    size_t cap_pars_;
} vo_block;

enum vo_page_origin {
    VO_PAGE_FROM_TEXT_LAYER = 1, /* the document's own text */
    VO_PAGE_FROM_OCR = 2,        /* the model's output */
};

typedef struct vo_page {
    int number;          /* 1-based page number in its document */
    int width, height;   /* raster size in pixels */
    float dpi_x, dpi_y;  /* raster resolution */
    char *source;        /* path of the input document (or "-") */
    char *image_name;    /* name to cite as the page image (may equal source) */
    const char *lang;    /* dominant language ("kor", "eng") or NULL */
    int origin;          /* enum vo_page_origin */
    vo_block *blocks;
    int n_blocks;
    size_t cap_blocks_;
} vo_page;

/* Make an empty page. Returns NULL when out of memory. */
vo_page *vo_new_page(int number, int width, int height, float dpi_x, float dpi_y,
                     const char *source);
/* Accepts NULL. */
void vo_drop_page(vo_page *page);

/* Builders: each appends to the last element of the level above, creating
 * missing parents (a word added to an empty page gets a block, paragraph
 * and line). They return VO_ERR_NOMEM on failure, leaving the page valid. */
vo_status vo_page_add_block(vo_page *page);
vo_status vo_page_add_par(vo_page *page);
vo_status vo_page_add_line(vo_page *page);
/* text: `len` bytes of UTF-8 (not NUL-terminated necessarily). */
vo_status vo_page_add_word(vo_page *page, const char *text, size_t len, vo_box box,
                           float conf, const char *lang);
/* Adds a glyph to the last word. */
vo_status vo_page_add_glyph(vo_page *page, const char *text, size_t len, vo_box box,
                            float conf);

/* Recompute every block/par/line box as the union of its children, drop
 * empty elements, and fill line confidences (mean of words) and paragraph
 * languages (the most frequent word language). */
void vo_page_finish(vo_page *page);

/* Count words / glyphs on the page. */
int vo_page_count_words(const vo_page *page);

/* Box helpers. */
vo_box vo_box_union(vo_box a, vo_box b);
int vo_box_is_empty(vo_box b);
float vo_box_iou(vo_box a, vo_box b);

#endif
