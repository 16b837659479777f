/* orient_lines.h: a page's orientation from its text lines, for scripts
 * whose lines Leptonica's test reads wrongly. Hangul syllables hang from
 * the top of their line: a vowel's long vertical stroke (ㅏ ㅓ ㅣ ...)
 * starts at the syllable's top and ends above its bottom when a final
 * consonant sits below, so the long strokes of a line start nearer its
 * top than they end near its bottom; turned upside down, the reverse.
 * Latin lines, whose ink gathers in the x-height band, are told apart and
 * left to Leptonica (src/source/straighten.c). */
#ifndef VO_ORIENT_LINES_H
#define VO_ORIENT_LINES_H

#include <leptonica/allheaders.h>

/* The script a page's lines look like. */
typedef enum vo_line_script {
    VO_LINE_SCRIPT_UNKNOWN, /* too few text lines, or their axis unclear */
    VO_LINE_SCRIPT_LATIN,   /* ink gathered in a band: Leptonica's domain */
    VO_LINE_SCRIPT_HANGUL,  /* ink spread over the line's height */
} vo_line_script;

typedef struct source_line_orient {
    vo_line_script script;
    int lines;         /* text lines measured along the lines' axis */
    float band;        /* mean share of a line's ink in its densest half */
    float t;           /* the lines' t statistic: > 0 when upright */
    int quarter_turns; /* clockwise turns that make a Hangul page upright;
                          -1 when not decided */
} source_line_orient;

/* The lines of bin (1 bit, ink set, deskewed), along its rows and along
 * its columns, into *o. Returns 0, or -1 when out of memory. */
int source_line_orientation(PIX *bin, source_line_orient *o);

#endif
