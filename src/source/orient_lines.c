/* orient_lines.c: text lines found in slabs of a page, and two measures of
 * each: where its long vertical strokes sit (the orientation) and how its
 * ink spreads over its height (the script). Thresholds measured with
 * tests/source/straighten.sh's pages: six Korean fonts, Korean lines of
 * Tesseract's test data and Latin scans of the corpus. */
#include "src/source/orient_lines.h"

#include <math.h>
#include <stdlib.h>

#define SLAB_MIN_PX 200     /* lines are found in vertical slabs this wide at least */
#define SLABS 6             /* or a sixth of the page: two columns never share one */
#define LINE_MIN_PX 8       /* thinner runs of rows are rules or specks */
#define LONG_RUN 0.5        /* a long stroke spans half its line's height */
#define LINE_MIN_RUNS 4     /* long strokes a line needs to count */
#define LINE_MIN_SPREAD 0.3 /* share of the slab's columns a line's ink covers */
#define LATIN_BAND 0.69     /* Latin lines keep more of their ink in one half */
#define MIN_LINES 4         /* lines an axis needs for a decision */
#define AXIS_RATIO 1.5      /* and this many times the other axis's (all-Hangul
                               pages set in a grid show 1.8 to 3, their side
                               axis finding columns of syllables) */
#define MIN_T 3.0           /* |t| below it decides nothing */

typedef struct axis_stats {
    int lines;
    double sum, sum2; /* of the lines' mean (bottom gap - top gap) / height */
    double band;      /* summed band shares */
} axis_stats;

/* The column x's long ink runs within rows [ya, yb) into *acc, *n. */
static void column_runs(const l_uint32 *data, int wpl, int x, int ya, int yb, double *acc, int *n,
                        int *inked)
{
    int h = yb - ya, run = 0, start = 0;
    for (int y = ya; y <= yb; y++) {
        int bit = y < yb && GET_DATA_BIT(data + (size_t)y * wpl, x);
        if (bit) {
            if (!run)
                start = y;
            run++;
            *inked = 1;
        } else if (run) {
            if (run >= LONG_RUN * h) {
                double top = start - ya, bottom = yb - (start + run);
                *acc += (bottom - top) / h;
                (*n)++;
            }
            run = 0;
        }
    }
}

/* The share of prof[ya..yb)'s ink in its densest run of half the rows. */
static double band_share(const int *prof, int ya, int yb)
{
    int half = (yb - ya + 1) / 2;
    double total = 0, best = 0, window = 0;
    for (int y = ya; y < yb; y++) {
        total += prof[y];
        window += prof[y];
        if (y - ya >= half)
            window -= prof[y - half];
        if (window > best)
            best = window;
    }
    return total > 0 ? best / total : 0;
}

/* The lines along bin's rows. prof has a row per row of bin. */
static void axis_lines(PIX *bin, int *prof, axis_stats *s)
{
    int W = pixGetWidth(bin), H = pixGetHeight(bin), wpl = pixGetWpl(bin);
    const l_uint32 *data = pixGetData(bin);
    /* slabs of equal width: a narrow last one would hold a single line of
     * a page on its side, whose syllables look like short lines */
    int slab = W / SLABS > SLAB_MIN_PX ? W / SLABS : SLAB_MIN_PX;
    int n_slabs = W / slab > 1 ? W / slab : 1;
    for (int k = 0; k < n_slabs; k++) {
        int x0 = (int)((long long)W * k / n_slabs), x1 = (int)((long long)W * (k + 1) / n_slabs);
        int blank = (x1 - x0) / 128;
        for (int y = 0; y < H; y++) {
            const l_uint32 *row = data + (size_t)y * wpl;
            int c = 0;
            for (int x = x0; x < x1; x++)
                c += GET_DATA_BIT(row, x);
            prof[y] = c > blank ? c : 0;
        }
        for (int y = 0; y < H;) {
            while (y < H && !prof[y])
                y++;
            int ya = y;
            while (y < H && prof[y])
                y++;
            int yb = y;
            if (yb - ya < LINE_MIN_PX || yb - ya > H / 8)
                continue;
            double acc = 0;
            int runs = 0, spread = 0;
            for (int x = x0; x < x1; x++) {
                int inked = 0;
                column_runs(data, wpl, x, ya, yb, &acc, &runs, &inked);
                spread += inked;
            }
            if (runs < LINE_MIN_RUNS || spread < LINE_MIN_SPREAD * (x1 - x0))
                continue;
            double m = acc / runs;
            s->lines++;
            s->sum += m, s->sum2 += m * m;
            s->band += band_share(prof, ya, yb);
        }
    }
}

static double t_stat(const axis_stats *s)
{
    if (s->lines < 2)
        return 0;
    double mean = s->sum / s->lines;
    double var = (s->sum2 - s->sum * mean) / (s->lines - 1);
    return mean / sqrt((var > 1e-12 ? var : 1e-12) / s->lines);
}

int source_line_orientation(PIX *bin, source_line_orient *o)
{
    *o = (source_line_orient){VO_LINE_SCRIPT_UNKNOWN, 0, 0, 0, -1};
    PIX *side = pixRotateOrth(bin, 1); /* a quarter turn clockwise */
    int n = pixGetHeight(bin) > pixGetWidth(bin) ? pixGetHeight(bin) : pixGetWidth(bin);
    int *prof = side ? malloc((size_t)n * sizeof *prof) : NULL;
    if (!prof) {
        pixDestroy(&side);
        return -1;
    }
    axis_stats rows = {0}, cols = {0};
    axis_lines(bin, prof, &rows);
    axis_lines(side, prof, &cols);
    free(prof);
    pixDestroy(&side);
    /* the lines' axis: the one with clearly more lines */
    int upright_axis = rows.lines >= cols.lines;
    const axis_stats *a = upright_axis ? &rows : &cols, *other = upright_axis ? &cols : &rows;
    o->lines = a->lines;
    if (a->lines < MIN_LINES || a->lines < AXIS_RATIO * other->lines)
        return 0;
    o->band = (float)(a->band / a->lines);
    o->t = (float)t_stat(a);
    o->script = o->band >= LATIN_BAND ? VO_LINE_SCRIPT_LATIN : VO_LINE_SCRIPT_HANGUL;
    if (o->script == VO_LINE_SCRIPT_HANGUL && fabsf(o->t) >= MIN_T)
        /* along the columns: the page turned a quarter clockwise is the one measured */
        o->quarter_turns = (upright_axis ? 0 : 1) + (o->t > 0 ? 0 : 2);
    return 0;
}
