/* eval_impl.h: what the files of `varco-ocr eval` share: a document read
 * from any OCR format as pages of lines of words (eval_read.c), the scores
 * of one page against its ground truth (eval_score.c). */
#ifndef VO_EVAL_IMPL_H
#define VO_EVAL_IMPL_H

#include "src/page/page.h"
#include "src/util/status.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum eval_format {
    EVAL_TXT, EVAL_ALTO, EVAL_PAGE, EVAL_HOCR, EVAL_TSV, EVAL_JSON
} eval_format;

/* the unit of a document's boxes: ALTO may give tenths of millimetres or
 * 1/1200 inch; everything else is in pixels */
typedef enum eval_unit { EVAL_UNIT_PIXEL, EVAL_UNIT_MM10, EVAL_UNIT_INCH1200 } eval_unit;

typedef struct eval_word {
    char *text;         /* UTF-8 as read (normalized when scored) */
    vo_box box;
    bool has_box;
    int line;           /* the line's number on its page, from 0 */
} eval_word;

typedef struct eval_page {
    eval_word *words;
    size_t n, cap;
    int lines;
} eval_page;

typedef struct eval_doc {
    eval_page *pages;
    size_t n, cap;
    eval_format format;
    eval_unit unit;
} eval_doc;

/* Read an OCR file of any supported format, told by its content (ALTO,
 * PAGE-XML, hOCR, Tesseract TSV, varco-ocr's JSON, else UTF-8 text with form feeds between
 * pages), its pages added to doc's (a zeroed doc, or one to extend: the
 * files of a document's pages one after the other). VO_ERR_FORMAT with the
 * file named when it cannot be read; free doc either way. */
vo_status eval_read(vo_ctx *ctx, const char *path, eval_doc *doc);
void eval_doc_free(eval_doc *doc);
const char *eval_format_name(eval_format f);
const char *eval_unit_name(eval_unit u);

/* building a document (the readers; tests) */
vo_status eval_new_page(eval_doc *doc);
/* a word on the last page; a new line when new_line or the page has none */
vo_status eval_add_word(eval_doc *doc, const char *text, size_t len, const vo_box *box,
                        bool new_line);
/* the words of a run of text on the last page (split at white space; lines
 * at newlines), with no boxes */
vo_status eval_add_text(eval_doc *doc, const char *text, size_t len, bool new_line);

/* the counts of one page (or, summed, of many) */
typedef struct eval_counts {
    int64_t pages;
    int64_t chars, char_edits;        /* ground-truth code points (NFC); edits */
    int64_t jamo, jamo_edits;         /* the same after NFD: Hangul as jamo */
    int64_t words, word_edits;        /* ground-truth words; edits over words */
    int64_t pred_words;
    int64_t bow_missing, bow_extra;   /* words (as multisets) missing from / extra in the prediction */
    int64_t box_gt, box_pred, box_matched;   /* words with boxes; matched at IoU >= 0.5 */
    double iou_sum;                   /* over the matched words */
    int64_t box_pages;                /* pages whose boxes were compared */
} eval_counts;

/* Longest page, in code points, that eval compares (the edit distance takes
 * time in the product of the two lengths). */
#define EVAL_MAX_CHARS 200000

/* Score pred against gt (either may be NULL: a page one side lacks).
 * boxes: compare word boxes too (both sides have them, in one unit; scale
 * multiplies pred's boxes into gt's unit). */
vo_status eval_score_page(vo_ctx *ctx, const eval_page *gt, const eval_page *pred, bool boxes,
                          double scale, eval_counts *out);
void eval_counts_add(eval_counts *sum, const eval_counts *c);

/* Edit distance (Levenshtein: insertions, deletions, substitutions, each 1)
 * between two sequences; -1 when out of memory. */
int64_t eval_distance(const uint32_t *a, size_t na, const uint32_t *b, size_t nb);

#endif
