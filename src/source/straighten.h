/* straighten.h: a page raster's skew and orientation (0/90/180/270) found,
 * and the raster turned straight for recognition (--deskew,
 * --rotate-pages). The page's boxes are mapped back with
 * src/page/page_turn.h. The skew is Leptonica's; the orientation is
 * Leptonica's for Latin script and src/source/orient_lines.h's for Hangul,
 * which Leptonica reads upside down (tests/source/straighten.sh measures
 * both). */
#ifndef VO_STRAIGHTEN_H
#define VO_STRAIGHTEN_H

#include "src/page/page_turn.h"
#include "src/source/orient_lines.h"
#include "src/source/document.h"

/* What was found, whether or not it was used. */
typedef struct vo_straighten_note {
    int orientation_known; /* the decision was confident */
    vo_line_script script; /* what the lines looked like: whose test decided */
    float line_t;          /* the Hangul test's statistic (> 0: upright) */
    float up_conf, left_conf; /* Leptonica's up/down and left/right confidences */
    int skew_found;        /* a skew angle was measured with confidence */
    float skew_deg, skew_conf;
} vo_straighten_note;

/* Skews below this many degrees are left alone. */
#define VO_MIN_SKEW_DEG 0.1f

/* Find r's orientation (rotate) and its skew (deskew) and fill *turn with
 * what makes it upright and straight: quarter turns clockwise, then the
 * skew, from r's size. *out is a new raster turned so (NULL when the turn
 * is the identity: use r). Orientation is only turned when the decision
 * is confident: lines of Hangul by their strokes, others by Leptonica's
 * test (made for Latin script); a
 * skew only when its confidence is high enough and it is at least
 * VO_MIN_SKEW_DEG, up to 12 degrees either way. path and page name the
 * page in messages. Errors: VO_ERR_NOMEM, VO_ERR_LIMIT. */
vo_status vo_straighten_raster(vo_ctx *ctx, const char *path, const vo_raster *r, int rotate,
                               int deskew, vo_page_turn *turn, vo_raster **out,
                               vo_straighten_note *note);

/* r turned by t (whose source size is r's) into a new raster *out. */
vo_status vo_turn_raster(vo_ctx *ctx, const char *path, const vo_raster *r,
                         const vo_page_turn *t, vo_raster **out);

#endif
