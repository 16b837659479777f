/* pdfcheck.h: helpers of the PDF tests: run a tool and read its output,
 * normalize text, Levenshtein similarity, pdftotext -bbox word boxes. */
#ifndef VO_TEST_PDFCHECK_H
#define VO_TEST_PDFCHECK_H

#include <stddef.h>
#include "src/page/page.h"

/* Run a shell command; its stdout is returned (malloc'ed, NUL-terminated,
 * NUL bytes within read as spaces)
 * and *rc gets the exit status (-1 when it could not run). */
char *pc_run(const char *cmd, int *rc);
/* 1 when `tool` is on PATH. */
int pc_have(const char *tool);
/* NFC, every run of whitespace as one space, trimmed. malloc'ed. */
char *pc_normalize(const char *s);
/* 1 - levenshtein(a, b) / max(len a, len b), over code points. */
double pc_similarity(const char *a, const char *b);

typedef struct pc_word {
    char *text;
    vo_box box; /* points, origin top-left (as pdftotext -bbox) */
    int page;   /* 1-based */
} pc_word;
/* Parse pdftotext -bbox output. Returns the number of words. */
int pc_parse_bbox(const char *html, pc_word **words);
void pc_free_words(pc_word *w, int n);

/* Page text as the ground truth reads: words joined by spaces, in page
 * model order. malloc'ed. */
char *pc_page_text(const vo_page *page);

/* The page model of a vo-synth ground truth (a json_t *), with `png` as
 * its source. */
struct json_t;
vo_page *pc_page_from_gt(struct json_t *gt, const char *png);

#endif
