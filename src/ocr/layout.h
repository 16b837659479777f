/* layout.h: from the parser's flat list of spans to the page model:
 * words, lines, paragraphs, blocks, in reading order.
 *
 * Rules (each a tested choice, see tests/ocr/layout.c):
 * - Boxes: normalized span boxes are mapped to page pixels (X = x·W, Y = y·H).
 * - A span with inner whitespace is split into words; every code point gets
 *   an estimated box by advance (wide (Hangul, CJK, full-width) 1, others ½,
 *   combining marks ¼) across the span box, at the span's full height.
 * - Glyphs: one per code point. A one-code-point span gives an exact glyph;
 *   a longer span gives estimated glyphs (there is no flag for "estimated"
 *   in the page model). A word's box is the union of its glyph boxes.
 * - Lines: spans are taken left to right; a span joins the line it overlaps
 *   most vertically (at least half the smaller height) unless it lies more
 *   than col_gap character heights right of that line's end.
 * - Words inside a line: a whitespace-only span is a word break. On a page
 *   with such spans, words break there (and between two spans of which one
 *   is longer than a character); otherwise a line where spans of several
 *   code points are the majority is taken as one word per span; otherwise
 *   (one span per character, no spaces) a horizontal gap larger than
 *   word_gap × the line's character height (75th percentile of span
 *   heights) between two characters' cells starts a new word. A cell is
 *   the span's box, except where the ink is narrower than the advance:
 *   a wide (full-width) character narrower than the line's median Hangul
 *   or Han syllable (else 0.9 character heights) gets that width, with
 *   its ink against the text for CJK brackets and stops (closing ones and
 *   、。 at the cell's left, opening ones at its right) and centred for
 *   everything else (： ～ ／ ㆍ ㅣ: fonts differ); an ASCII digit
 *   narrower than the line's median digit other than 1 (else half a
 *   character height) gets that width, centred (tabular figures). On the
 *   610 corpus lines this gives the exact words for 310/310 Korean and
 *   296/300 English lines (with ink boxes alone: 295 and 286; with cells
 *   0.3 stays the best of 0.26–0.32). The misses: three spaces before a
 *   capital A no wider than gaps between letters, and an image holding
 *   two visual lines (tests/ocr/lines.c). Rules on
 *   punctuation alone (no break before a closing sign) would lose: the
 *   corpus has spaces before . , : 。
 * - Reading order: recursive XY-cut on line boxes, trying a vertical cut
 *   (columns, left to right) before a horizontal one (the widest gap).
 *   Each column after a vertical cut is a block; inside a block a vertical
 *   gap above par_gap × the median line height starts a paragraph.
 * - Confidence: glyph = its span's; word = the minimum over its glyphs (a
 *   word is as doubtful as its most doubtful character); line = mean of its
 *   words (vo_page_finish). Word lang: "kor" if it holds Hangul, else "eng"
 *   if it holds a Latin letter, else NULL. */
#ifndef VO_OCR_LAYOUT_H
#define VO_OCR_LAYOUT_H

#include <stddef.h>
#include "src/ocr/ground.h"
#include "src/page/page.h"

typedef struct vo_layout_opts {
    float word_gap; /* × character height: a wider gap between character spans starts a word (0: 0.3) */
    float col_gap;  /* × character height: a wider gap never joins a line (0: 1.5) */
    float par_gap;  /* × median line height: a wider vertical gap starts a paragraph (0: 1.5) */
} vo_layout_opts;

/* Fill `page` (made by vo_new_page with the raster's width and height, and
 * still empty) from n spans with normalized boxes; sets the page origin to
 * VO_PAGE_FROM_OCR and the page language, and calls vo_page_finish.
 * opts may be NULL. Pure: reads nothing but its arguments. Returns
 * VO_ERR_NOMEM (the page then holds part of the text) or VO_ERR_ARGUMENT. */
vo_status vo_layout_page(vo_ctx *ctx, const vo_span *spans, size_t n,
                         const vo_layout_opts *opts, vo_page *page);

/* "kor", "eng" or NULL for a UTF-8 word (rule above). */
const char *vo_layout_word_lang(const char *text, size_t len);

#endif
