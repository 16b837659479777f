/* page.h: the page model, the only thing the format writers see.
 * page → blocks → paragraphs → lines → words → glyphs, as arrays with
 * counts; boxes in page-raster pixels, origin top-left. */
#ifndef VO_PAGE_H
#define VO_PAGE_H

#include <stddef.h>
#include "../util/status.h"

/* vo_box, vo_glyph … vo_page and vo_drop_page are the public interface's
 * (include/varco-ocr.h). */
#include "include/varco-ocr.h"

/* Make an empty page. Returns NULL when out of memory. */
vo_page *vo_new_page(int number, int width, int height, float dpi_x, float dpi_y,
                     const char *source);

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
