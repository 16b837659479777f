/* straighten-probe.c (test helper, driven by tests/source/straighten.sh):
 *   straighten-probe detect FILE...      for each image and each clockwise
 *       quarter turn q of it (0-3): "FILE q TURNS KNOWN SKEW FOUND CONF UP
 *       LEFT SCRIPT T", what vo_straighten_raster finds (TURNS: quarter
 *       turns that make it upright; KNOWN: the orientation decision was
 *       confident; SKEW: degrees it would rotate by, FOUND: a skew was
 *       measured; UP, LEFT: Leptonica's confidences; SCRIPT: latin, hangul
 *       or unknown, what the lines looked like; T: the Hangul test's
 *       statistic)
 *   straighten-probe turn Q IN OUT.ppm   IN turned Q quarter turns
 *       clockwise, written as a binary PPM with IN's resolution lost. */
#include "src/source/document.h"
#include "src/source/straighten.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static vo_raster *load(vo_ctx *ctx, const char *path)
{
    vo_document *doc = NULL;
    vo_raster *r = NULL;
    if (vo_open_document(ctx, path, NULL, &doc) || vo_render_page(ctx, doc, 1, 0, NULL, &r)) {
        fprintf(stderr, "straighten-probe: %s\n", vo_last_error(ctx));
        vo_drop_document(doc);
        return NULL;
    }
    vo_drop_document(doc);
    return r;
}

static int detect(vo_ctx *ctx, int n, char **paths)
{
    for (int i = 0; i < n; i++) {
        vo_raster *r = load(ctx, paths[i]);
        if (!r)
            return 1;
        for (int q = 0; q < 4; q++) {
            vo_page_turn t = {q, 0, r->width, r->height}, found;
            vo_raster *turned = NULL, *out = NULL;
            vo_straighten_note note;
            if ((q && vo_turn_raster(ctx, paths[i], r, &t, &turned)) ||
                vo_straighten_raster(ctx, paths[i], q ? turned : r, 1, 1, &found, &out, &note)) {
                fprintf(stderr, "straighten-probe: %s\n", vo_last_error(ctx));
                return 1;
            }
            static const char *const scripts[] = {"unknown", "latin", "hangul"};
            printf("%s %d %d %d %.3f %d %.2f %.2f %.2f %s %.2f\n", paths[i], q,
                   found.quarter_turns, note.orientation_known, (double)found.skew_deg,
                   note.skew_found, (double)note.skew_conf, (double)note.up_conf,
                   (double)note.left_conf, scripts[note.script], (double)note.line_t);
            vo_drop_raster(out);
            vo_drop_raster(turned);
        }
        vo_drop_raster(r);
    }
    return 0;
}

static int turn(vo_ctx *ctx, int q, const char *in, const char *out)
{
    vo_raster *r = load(ctx, in), *t = NULL;
    if (!r)
        return 1;
    vo_page_turn pt = {q, 0, r->width, r->height};
    if (vo_turn_raster(ctx, in, r, &pt, &t)) {
        fprintf(stderr, "straighten-probe: %s\n", vo_last_error(ctx));
        vo_drop_raster(r);
        return 1;
    }
    FILE *f = fopen(out, "wb");
    int bad = !f;
    if (f) {
        fprintf(f, "P6\n%d %d\n255\n", t->width, t->height);
        for (int y = 0; y < t->height && !bad; y++)
            bad = fwrite(t->rgb + (size_t)y * t->stride, 3, (size_t)t->width, f) !=
                  (size_t)t->width;
        bad |= fclose(f) != 0;
    }
    vo_drop_raster(r);
    vo_drop_raster(t);
    if (bad)
        fprintf(stderr, "straighten-probe: cannot write %s\n", out);
    return bad;
}

int main(int argc, char **argv)
{
    vo_ctx *ctx = vo_new_ctx();
    int rc = 2;
    if (argc > 2 && !strcmp(argv[1], "detect"))
        rc = detect(ctx, argc - 2, argv + 2);
    else if (argc == 5 && !strcmp(argv[1], "turn"))
        rc = turn(ctx, atoi(argv[2]), argv[3], argv[4]);
    else
        fprintf(stderr, "usage: straighten-probe detect FILE... | turn Q IN OUT.ppm\n");
    vo_drop_ctx(ctx);
    return rc;
}
