/* blank.c: blank-page detection (see blank.h). */
#include "src/source/blank.h"
#include "src/util/alloc.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define BLANK_DPI 100.0    /* working resolution */
#define MIN_DELTA 24       /* ink differs from the paper by at least this */
#define MAX_DELTA 64       /* ... and at most needs this */
#define NOISE_SIGMAS 6.0   /* ... as many times the paper's noise */
#define SPECK_MM 0.9       /* a mark smaller than this on both axes is dust */
#define HOLE_MIN_MM 3.5    /* punch holes: 5-8 mm across, */
#define HOLE_MAX_MM 9.5
#define HOLE_BAND_MM 22.0  /* centred within this of an edge (ISO 838: 12 mm), */
#define HOLE_FILL 0.6      /* filled (a disc fills 0.79 of its box; a glyph less), */
#define HOLE_PAGE_MM 100.0 /* on a page at least this large both ways */
#define BORDER_MM 15.0     /* scanner borders and shadows lie within this of an edge */
#define BORDER_SHARE 0.95  /* ... with at least this share of their pixels */

typedef struct gray_map {
    int w, h;
    uint8_t *g;
    double mm_per_px;
    int band;          /* the border band's width in pixels */
} gray_map;

/* r averaged over k x k blocks, as luma */
static vo_status reduce(vo_ctx *ctx, const vo_raster *r, gray_map *m)
{
    double dpi = r->dpi_x >= 10 ? r->dpi_x : 300.0;
    int k = (int)lround(dpi / BLANK_DPI);
    if (k < 1)
        k = 1;
    m->w = (r->width + k - 1) / k;
    m->h = (r->height + k - 1) / k;
    m->mm_per_px = 25.4 * k / dpi;
    int small = m->w < m->h ? m->w : m->h;
    m->band = (int)(BORDER_MM / m->mm_per_px);
    if (m->band > small / 10) /* a small image: a tenth of it */
        m->band = small / 10;
    m->g = vo_malloc((size_t)m->w * (size_t)m->h);
    uint32_t *row = vo_calloc((size_t)m->w, sizeof *row);
    if (!m->g || !row) {
        vo_free(row);
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    }
    for (int by = 0; by < m->h; by++) {
        memset(row, 0, (size_t)m->w * sizeof *row);
        int y0 = by * k, y1 = y0 + k < r->height ? y0 + k : r->height;
        for (int y = y0; y < y1; y++) {
            const uint8_t *p = r->rgb + (size_t)y * (size_t)r->stride;
            for (int x = 0; x < r->width; x++, p += 3)
                row[x / k] += (77u * p[0] + 150u * p[1] + 29u * p[2]) >> 8;
        }
        for (int bx = 0; bx < m->w; bx++) {
            int x0 = bx * k, x1 = x0 + k < r->width ? x0 + k : r->width;
            m->g[(size_t)by * m->w + bx] = (uint8_t)(row[bx] / (uint32_t)((x1 - x0) * (y1 - y0)));
        }
    }
    vo_free(row);
    return VO_OK;
}

/* the value below which `share` of the histogram's counts lie */
static int percentile(const size_t hist[256], size_t n, double share)
{
    size_t want = (size_t)(share * (double)n), seen = 0;
    for (int v = 0; v < 256; v++) {
        seen += hist[v];
        if (seen > want)
            return v;
    }
    return 255;
}

/* The paper level (the 90th percentile: most of a page is paper, and a
 * page that is mostly a dark picture still has its paper brightest) and
 * how far ink stands from it: 6 sigmas of the noise, estimated from the
 * differences of neighbours (their median is that of flat areas, paper or
 * a smooth picture alike), within [MIN_DELTA, MAX_DELTA]. */
static void paper_level(const gray_map *m, float *paper, float *delta)
{
    size_t hist[256] = {0}, diff[256] = {0}, n = (size_t)m->w * (size_t)m->h, nd = 0;
    for (size_t i = 0; i < n; i++)
        hist[m->g[i]]++;
    for (int y = 0; y < m->h; y++) {
        const uint8_t *row = m->g + (size_t)y * (size_t)m->w;
        for (int x = 1; x < m->w; x++, nd++)
            diff[row[x] > row[x - 1] ? row[x] - row[x - 1] : row[x - 1] - row[x]]++;
    }
    /* median |a - b| of two N(0, s^2) is 0.954 s */
    double sigma = nd ? (percentile(diff, nd, 0.5) + 0.5) / 0.954 : 0;
    double d = NOISE_SIGMAS * sigma;
    *paper = (float)percentile(hist, n, 0.90);
    *delta = (float)(d < MIN_DELTA ? MIN_DELTA : d > MAX_DELTA ? MAX_DELTA : d);
}

typedef struct mark {
    int x0, y0, x1, y1; /* inclusive */
    size_t area;
    size_t in_band;     /* pixels within the border band */
} mark;

/* The 8-connected mark from seed; visited pixels leave `ink`. */
static void grow_mark(const gray_map *m, uint8_t *ink, int32_t *stack, size_t seed, mark *k)
{
    size_t top = 0;
    int w = m->w, h = m->h;
    k->x0 = k->x1 = (int)(seed % (size_t)w);
    k->y0 = k->y1 = (int)(seed / (size_t)w);
    k->area = 0;
    k->in_band = 0;
    ink[seed] = 0;
    stack[top++] = (int32_t)seed;
    while (top) {
        size_t i = (size_t)stack[--top];
        int x = (int)(i % (size_t)w), y = (int)(i / (size_t)w);
        k->area++;
        k->in_band += x < m->band || y < m->band || x >= w - m->band || y >= h - m->band;
        k->x0 = x < k->x0 ? x : k->x0;
        k->x1 = x > k->x1 ? x : k->x1;
        k->y0 = y < k->y0 ? y : k->y0;
        k->y1 = y > k->y1 ? y : k->y1;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) {
                int nx = x + dx, ny = y + dy;
                if (nx < 0 || ny < 0 || nx >= w || ny >= h)
                    continue;
                size_t j = (size_t)ny * (size_t)w + (size_t)nx;
                if (ink[j]) {
                    ink[j] = 0;
                    stack[top++] = (int32_t)j;
                }
            }
    }
}

/* Not writing: dust, a border or shadow (it reaches the edge of the image
 * and lies along the edges: a photograph that fills the image does not),
 * a punch hole (round, hole-sized, near an edge). */
static int set_aside(const gray_map *m, const mark *k)
{
    if ((k->x0 == 0 || k->y0 == 0 || k->x1 == m->w - 1 || k->y1 == m->h - 1) &&
        (double)k->in_band >= BORDER_SHARE * (double)k->area)
        return 1;
    double bw = (k->x1 - k->x0 + 1) * m->mm_per_px, bh = (k->y1 - k->y0 + 1) * m->mm_per_px;
    if (bw < SPECK_MM && bh < SPECK_MM)
        return 1;
    double box = (double)(k->x1 - k->x0 + 1) * (double)(k->y1 - k->y0 + 1);
    if (m->w * m->mm_per_px >= HOLE_PAGE_MM && m->h * m->mm_per_px >= HOLE_PAGE_MM &&
        bw >= HOLE_MIN_MM && bw <= HOLE_MAX_MM && bh >= HOLE_MIN_MM && bh <= HOLE_MAX_MM &&
        bw <= 1.5 * bh && bh <= 1.5 * bw && (double)k->area >= HOLE_FILL * box) {
        double cx = (k->x0 + k->x1 + 1) * 0.5 * m->mm_per_px;
        double cy = (k->y0 + k->y1 + 1) * 0.5 * m->mm_per_px;
        double right = m->w * m->mm_per_px - cx, bottom = m->h * m->mm_per_px - cy;
        double edge = fmin(fmin(cx, cy), fmin(right, bottom));
        if (edge <= HOLE_BAND_MM)
            return 1;
    }
    return 0;
}

vo_status vo_check_blank(vo_ctx *ctx, const vo_raster *r, vo_blank_check *out)
{
    memset(out, 0, sizeof *out);
    gray_map m = {0};
    vo_status st = reduce(ctx, r, &m);
    if (st)
        return st;
    float paper, delta;
    paper_level(&m, &paper, &delta);
    size_t n = (size_t)m.w * (size_t)m.h;
    uint8_t *ink = vo_malloc(n);
    int32_t *stack = vo_malloc(n * sizeof *stack);
    if (!ink || !stack) {
        vo_free(m.g);
        vo_free(ink);
        vo_free(stack);
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    }
    /* ink: darker than the paper, or lighter (white writing on a dark page) */
    for (size_t i = 0; i < n; i++)
        ink[i] = fabsf((float)m.g[i] - paper) > delta;
    for (size_t i = 0; i < n; i++) {
        if (!ink[i])
            continue;
        mark k;
        grow_mark(&m, ink, stack, i, &k);
        if (set_aside(&m, &k))
            out->set_aside++;
        else
            out->marks++;
    }
    out->blank = out->marks == 0;
    out->paper = paper;
    out->threshold = paper - delta;
    vo_free(m.g);
    vo_free(ink);
    vo_free(stack);
    return VO_OK;
}
