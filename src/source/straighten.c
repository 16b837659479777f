/* straighten.c: orientation and skew of a page raster with Leptonica (the
 * library Tesseract uses for this) and, for Hangul, with orient_lines.c;
 * the raster turned accordingly. */
#include "src/source/straighten.h"
#include "src/source/orient_lines.h"
#include "src/source/raster.h"
#include "src/util/alloc.h"

#include <leptonica/allheaders.h>
#include <math.h>
#include <pthread.h>
#include <string.h>

/* Leptonica's sweep confidence (best score over the mean) below which a
 * skew is not believed: 3 is its own default, made for Latin text; pages
 * of Hangul, whose lines are less regular, give 2 to 2.5 when skewed. */
#define SKEW_MIN_CONF 1.5f
#define SKEW_SURE_CONF 3.0f /* above it, the page's side is not tried */
#define SKEW_RANGE_DEG 12.0f
#define BINARY_THRESHOLD 130

static pthread_once_t lept_once = PTHREAD_ONCE_INIT;

static void lept_quiet(void)
{
    setMsgSeverity(L_SEVERITY_NONE); /* its messages go to stderr: ours say what matters */
}

/* r as a Pix of depth 8 (luminance) or 32 (RGB), or NULL when out of
 * memory. */
static PIX *raster_pix(const vo_raster *r, int depth)
{
    PIX *p = pixCreate(r->width, r->height, depth);
    if (!p)
        return NULL;
    l_uint32 *data = pixGetData(p);
    int wpl = pixGetWpl(p);
    for (int y = 0; y < r->height; y++) {
        const uint8_t *s = r->rgb + (size_t)y * r->stride;
        l_uint32 *line = data + (size_t)y * wpl;
        for (int x = 0; x < r->width; x++, s += 3)
            if (depth == 8)
                SET_DATA_BYTE(line, x, (299 * s[0] + 587 * s[1] + 114 * s[2] + 500) / 1000);
            else
                composeRGBPixel(s[0], s[1], s[2], line + x);
    }
    return p;
}

/* Rotate *rp by deg clockwise about its centre, keeping its size (the
 * corners brought in white). Replaces *rp. */
static vo_status skew_raster(vo_ctx *ctx, const char *path, vo_raster **rp, float deg)
{
    vo_raster *r = *rp;
    PIX *src = raster_pix(r, 32), *rot = NULL;
    if (src)
        rot = pixRotate(src, deg * (float)M_PI / 180.0f, L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0,
                        0);
    pixDestroy(&src);
    if (!rot || pixGetWidth(rot) != r->width || pixGetHeight(rot) != r->height ||
        pixGetDepth(rot) != 32) {
        pixDestroy(&rot);
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: page %d: out of memory deskewing the page", path,
                       r->page);
    }
    l_uint32 *data = pixGetData(rot);
    int wpl = pixGetWpl(rot);
    for (int y = 0; y < r->height; y++) {
        uint8_t *d = r->rgb + (size_t)y * r->stride;
        const l_uint32 *line = data + (size_t)y * wpl;
        for (int x = 0; x < r->width; x++, d += 3) {
            l_int32 cr, cg, cb;
            extractRGBValues(line[x], &cr, &cg, &cb);
            d[0] = (uint8_t)cr, d[1] = (uint8_t)cg, d[2] = (uint8_t)cb;
        }
    }
    pixDestroy(&rot);
    return VO_OK;
}

vo_status vo_turn_raster(vo_ctx *ctx, const char *path, const vo_raster *r,
                         const vo_page_turn *t, vo_raster **out)
{
    /* a copy first: source_orient_raster replaces what it is given */
    vo_raster *c;
    vo_status st = source_new_raster(ctx, path, r->page, (uint64_t)r->width,
                                     (uint64_t)r->height, NULL, &c);
    if (st)
        return st;
    for (int y = 0; y < r->height; y++)
        memcpy(c->rgb + (size_t)y * c->stride, r->rgb + (size_t)y * r->stride,
               (size_t)r->width * 3);
    c->dpi_x = r->dpi_x, c->dpi_y = r->dpi_y;
    /* clockwise quarter turns as the TIFF/EXIF orientations that undo them */
    static const int orientation_of[4] = {1, 6, 3, 8};
    st = source_orient_raster(ctx, path, &c, orientation_of[t->quarter_turns & 3]);
    if (!st && t->skew_deg != 0)
        st = skew_raster(ctx, path, &c, t->skew_deg);
    if (st) {
        vo_drop_raster(c);
        return st;
    }
    *out = c;
    return VO_OK;
}

/* The skew of bin (rows at dpi) into note, when Leptonica's confidence
 * is above min_conf and above what note holds already; 1 when it is. */
static int find_skew(PIX *bin, float dpi, float min_conf, vo_straighten_note *note)
{
    l_float32 deg = 0, conf = 0;
    /* sweep at half resolution and search at full: Hangul pages skewed by
     * 5 degrees at 300 dpi came out 0.25 degrees off with Leptonica's 4/2 */
    int red = dpi >= 450 ? 4 : 2;
    if (pixFindSkewSweepAndSearch(bin, &deg, &conf, red, red / 2, SKEW_RANGE_DEG, 1.0f, 0.01f) ||
        conf < min_conf || conf <= note->skew_conf || fabsf(deg) >= SKEW_RANGE_DEG)
        return 0;
    note->skew_deg = deg, note->skew_conf = conf;
    note->skew_found = 1;
    return 1;
}

/* gray turned deg clockwise and made 1 bit: turning the 1-bit page by
 * shears breaks its thin strokes at 150 dpi (the Hangul test's long
 * strokes, hence its confidence, halved on pages skewed by 3 degrees) */
static PIX *straight_bin(PIX *gray, float deg)
{
    PIX *rot = pixRotate(gray, deg * (float)M_PI / 180.0f, L_ROTATE_AREA_MAP, L_BRING_IN_WHITE,
                         0, 0);
    PIX *bin = rot ? pixConvertTo1(rot, BINARY_THRESHOLD) : NULL;
    pixDestroy(&rot);
    return bin;
}

/* makeOrientDecision's rule (a confidence above 8 and 2.5 times the other
 * axis's), without its refusal when the other axis's is exactly 0, which
 * an English page with no sideways evidence gives, and at 5: Tesseract's
 * eurotext scan gives 6.5-6.8 and a Fraktur page of the corpus 5.8-8.6,
 * and of 144 Latin page-turns decided at 5 (test pages and corpus scans)
 * none was wrong. */
static l_int32 orient_decision(float up, float left)
{
    const float min_conf = 5.0f, min_ratio = 2.5f;
    float au = fabsf(up), al = fabsf(left);
    if (au > min_conf && au > min_ratio * al)
        return up > 0 ? L_TEXT_ORIENT_UP : L_TEXT_ORIENT_DOWN;
    if (al > min_conf && al > min_ratio * au)
        return left > 0 ? L_TEXT_ORIENT_LEFT : L_TEXT_ORIENT_RIGHT;
    return L_TEXT_ORIENT_UNKNOWN;
}

/* Leptonica's orientation → clockwise quarter turns that make it upright */
static int turns_of(l_int32 orient)
{
    switch (orient) {
    case L_TEXT_ORIENT_LEFT: return 1;  /* text up to the left */
    case L_TEXT_ORIENT_DOWN: return 2;
    case L_TEXT_ORIENT_RIGHT: return 3; /* text up to the right */
    default: return 0;
    }
}

vo_status vo_straighten_raster(vo_ctx *ctx, const char *path, const vo_raster *r, int rotate,
                               int deskew, vo_page_turn *turn, vo_raster **out,
                               vo_straighten_note *note)
{
    memset(note, 0, sizeof *note);
    *turn = (vo_page_turn){0, 0, r->width, r->height};
    *out = NULL;
    if (!rotate && !deskew)
        return VO_OK;
    pthread_once(&lept_once, lept_quiet);
    PIX *gray = raster_pix(r, 8), *bin = NULL;
    if (gray)
        bin = pixConvertTo1(gray, BINARY_THRESHOLD);
    if (!bin) {
        pixDestroy(&gray);
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: page %d: out of memory finding its orientation",
                       path, r->page);
    }
    /* the skew first: the orientation test wants straight lines */
    if (deskew) {
        find_skew(bin, r->dpi_y, SKEW_MIN_CONF, note);
        if (note->skew_conf < SKEW_SURE_CONF) {
            /* maybe a page lying on its side: its lines are vertical;
             * turned, its skew is the same angle (the rotations commute).
             * Taken only when sure: on a photograph this second look
             * finds more lines that are not there */
            PIX *side = pixRotateOrth(bin, 1);
            if (side)
                find_skew(side, r->dpi_x, SKEW_SURE_CONF, note);
            pixDestroy(&side);
        }
        if (note->skew_found && fabsf(note->skew_deg) >= VO_MIN_SKEW_DEG)
            turn->skew_deg = note->skew_deg;
    }
    if (rotate) {
        /* a clockwise quarter turn and a rotation about the centre commute:
         * the skew found before the turn is the one to apply after it */
        PIX *straight = turn->skew_deg != 0 ? straight_bin(gray, turn->skew_deg) : pixClone(bin);
        l_float32 up = 0, left = 0;
        l_int32 orient = L_TEXT_ORIENT_UNKNOWN;
        source_line_orient lo;
        if (!straight || source_line_orientation(straight, &lo)) {
            pixDestroy(&straight);
            pixDestroy(&bin);
            pixDestroy(&gray);
            return vo_fail(ctx, VO_ERR_NOMEM,
                           "%s: page %d: out of memory finding its orientation", path, r->page);
        }
        note->script = lo.script;
        note->line_t = lo.t;
        if (lo.script == VO_LINE_SCRIPT_HANGUL) {
            note->orientation_known = lo.quarter_turns >= 0;
            turn->quarter_turns = lo.quarter_turns >= 0 ? lo.quarter_turns : 0;
        } else if (pixOrientDetect(straight, &up, &left, 0, 0) == 0) {
            orient = orient_decision(up, left);
            note->up_conf = up, note->left_conf = left;
            note->orientation_known = orient != L_TEXT_ORIENT_UNKNOWN;
            turn->quarter_turns = turns_of(orient);
        }
        pixDestroy(&straight);
    }
    pixDestroy(&bin);
    pixDestroy(&gray);
    if (vo_page_turn_is_identity(turn))
        return VO_OK;
    return vo_turn_raster(ctx, path, r, turn, out);
}
