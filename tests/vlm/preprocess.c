/* preprocess.c (test): the anyres tiler and the square path against the
 * goldens: uint8 canvases/base/squares identical, pixel_values within 1e-6. */
#include "src/model/config.h"
#include "src/model/image_geom.h"
#include "src/util/alloc.h"
#include "src/vlm/preprocess.h"
#include "src/vlm/resize.h"
#include "tests/tap.h"
#include "tests/vlm/fixture.h"
#include "tests/vlm/png.h"

static vo_ctx *ctx;

static void norm_from(const vo_config *c, vo_pixel_norm *n)
{
    n->rescale = c->rescale_factor;
    for (int i = 0; i < 3; i++) {
        n->mean[i] = (float)c->image_mean[i];
        n->std[i] = (float)c->image_std[i];
    }
}

static int n_checked;

/* tiny-varco / tiny-varco-alt / multi-flat: full stored goldens */
static void check_stored(const char *fx, int part)
{
    const char *d0 = fx_dir(fx);
    if (!d0) {
        diag("fixture %s absent: skipped", fx);
        return;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", d0);
    vo_config cfg;
    if (vo_load_config(ctx, dir, &cfg) != VO_OK) {
        ok(0, "preprocess %d.0: config of %s loads (%s)", part, fx, vo_last_error(ctx));
        return;
    }
    vo_pixel_norm norm;
    norm_from(&cfg, &norm);
    json_t *m = fx_manifest(dir);
    const char *name;
    json_t *cas;
    int k = 0;
    json_object_foreach(json_object_get(m, "cases"), name, cas) {
        json_t *files = json_object_get(cas, "files");
        int multi = json_object_get(files, "image_rgb_u8_img0") != NULL;
        if (!json_object_get(files, "image_rgb_u8") && !multi)
            continue;
        int nested = multi && json_object_get(files, "square_u8_img0");
        size_t npv;
        float *pv_gold = fx_read_key(dir, cas, name, "pixel_values", &npv);
        float *pv = malloc(npv);
        int S = cfg.vision_image_size, good_u8 = 1, n_img = multi ? 2 : 1;
        size_t off = 0;
        for (int im = 0; im < n_img; im++) {
            char key[64];
            snprintf(key, sizeof key, multi ? "image_rgb_u8_img%d" : "image_rgb_u8", im);
            json_t *shape = json_object_get(json_object_get(files, key), "shape");
            int h = (int)json_integer_value(json_array_get(shape, 0));
            int w = (int)json_integer_value(json_array_get(shape, 1));
            uint8_t *rgb = fx_read_key(dir, cas, name, key, NULL);
            if (nested) {
                uint8_t fill[3];
                for (int c = 0; c < 3; c++)
                    fill[c] = (uint8_t)(int)(cfg.image_mean[c] * 255);
                int side = w > h ? w : h;
                uint8_t *sq = malloc((size_t)side * side * 3);
                snprintf(key, sizeof key, "square_u8_img%d", im);
                uint8_t *gold = fx_read_key(dir, cas, name, key, NULL);
                vo_status st = vo_preprocess_square(ctx, rgb, w, h, w * 3, S, fill, &norm,
                                                    pv + off, sq);
                good_u8 &= st == VO_OK && gold && !memcmp(sq, gold, (size_t)side * side * 3);
                off += (size_t)3 * S * S;
                free(sq);
                free(gold);
            } else {
                vo_image_geom g;
                vo_image_geom_compute(ctx, &cfg, h, w, &g);
                uint8_t *canvas = malloc((size_t)g.best_w * g.best_h * 3);
                uint8_t *base = malloc((size_t)S * S * 3);
                vo_status st = vo_preprocess_anyres(ctx, &g, S, rgb, w * 3, &norm, pv + off,
                                                    canvas, base);
                snprintf(key, sizeof key, multi ? "canvas_u8_img%d" : "resized_padded_canvas_u8", im);
                uint8_t *gc = fx_read_key(dir, cas, name, key, NULL);
                snprintf(key, sizeof key, multi ? "base_u8_img%d" : "base_u8", im);
                uint8_t *gb = fx_read_key(dir, cas, name, key, NULL);
                good_u8 &= st == VO_OK && gc && gb &&
                           !memcmp(canvas, gc, (size_t)g.best_w * g.best_h * 3) &&
                           !memcmp(base, gb, (size_t)S * S * 3);
                off += (size_t)g.n_tiles * 3 * S * S;
                free(canvas); free(base); free(gc); free(gb);
            }
            free(rgb);
        }
        k++;
        ok(good_u8, "preprocess %d.%d: %s/%s uint8 %s identical", part, 2 * k - 1, fx, name,
           nested ? "squares" : "canvas and base");
        double e = INFINITY;
        int good = pv_gold && off * 4 == npv && fx_close(pv, pv_gold, npv / 4, 1e-6, 0, &e);
        ok(good, "preprocess %d.%d: %s/%s pixel_values within 1e-6 (max %.2g)", part, 2 * k,
           fx, name, e);
        n_checked++;
        free(pv);
        free(pv_gold);
    }
    json_decref(m);
}

/* geom-varco: real geometry from image.png, tiles 0 and last stored */
static void check_geom(int part)
{
    const char *d0 = fx_dir("geom-varco");
    if (!d0) {
        diag("geom-varco absent (VO_SHARED): skipped");
        return;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", d0);
    vo_config cfg;
    if (vo_load_config(ctx, dir, &cfg) != VO_OK) {
        ok(0, "preprocess %d.0: geom-varco config (%s)", part, vo_last_error(ctx));
        return;
    }
    vo_pixel_norm norm;
    norm_from(&cfg, &norm);
    json_t *m = fx_manifest(dir);
    const char *name;
    json_t *cas;
    int k = 0;
    json_object_foreach(json_object_get(m, "cases"), name, cas) {
        char p[4400];
        snprintf(p, sizeof p, "%s/golden/%s/image.png", dir, name);
        int w = 0, h = 0;
        uint8_t *rgb = test_load_png(p, &w, &h);
        json_t *up = json_object_get(json_object_get(cas, "facts"), "card_pre_upscale");
        if (rgb && json_is_true(json_object_get(up, "applied"))) {
            uint8_t *big;
            int bw, bh;
            vo_ocr_upscale(ctx, rgb, w, h, w * 3, 2304, &big, &bw, &bh);
            uint8_t *copy = big ? malloc((size_t)bw * bh * 3) : NULL;
            if (copy)
                memcpy(copy, big, (size_t)bw * bh * 3);
            vo_free(big);
            free(rgb);
            rgb = copy;
            w = bw;
            h = bh;
        }
        vo_image_geom g;
        int S = cfg.vision_image_size;
        int good = rgb && vo_image_geom_compute(ctx, &cfg, h, w, &g) == VO_OK;
        float *pv = good ? malloc((size_t)g.n_tiles * 3 * S * S * 4) : NULL;
        good = good && pv && vo_preprocess_anyres(ctx, &g, S, rgb, w * 3, &norm, pv, NULL, NULL) == VO_OK;
        float *t0 = fx_read_key(dir, cas, name, "pixel_values_tile0", NULL);
        float *tl = fx_read_key(dir, cas, name, "pixel_values_tile_last", NULL);
        double e0 = INFINITY, e1 = INFINITY;
        size_t plane = (size_t)3 * S * S;
        int g0 = good && t0 && fx_close(pv, t0, plane, 1e-6, 0, &e0);
        int g1 = good && tl && fx_close(pv + (size_t)(g.n_tiles - 1) * plane, tl, plane, 1e-6, 0, &e1);
        k++;
        ok(g0 && g1, "preprocess %d.%d: geom-varco/%s tiles 0 and %d within 1e-6 (max %.2g, %.2g)",
           part, k, name, good ? g.n_tiles - 1 : -1, e0, e1);
        free(pv); free(t0); free(tl);
        free(rgb);
    }
    json_decref(m);
}

int main(void)
{
    ctx = vo_new_ctx();
    check_stored("tiny-varco", 1);
    check_stored("tiny-varco-alt", 2);
    check_stored("tiny-varco-multi", 3);
    check_geom(4);
    /* resize: same size is a copy; a 1-pixel image upscales to a flat image */
    uint8_t px[3] = {10, 200, 33}, out[5 * 4 * 3];
    vo_resize_bicubic_u8(ctx, px, 1, 1, 3, out, 5, 4);
    int flat = 1;
    for (int i = 0; i < 20; i++)
        flat &= !memcmp(out + 3 * i, px, 3);
    ok(flat, "preprocess 5.1: a 1×1 image resizes to a flat 5×4 image");
    ok(vo_resize_bicubic_u8(ctx, px, 0, 1, 3, out, 5, 4) == VO_ERR_ARGUMENT,
       "preprocess 5.2: empty input refused");
    ok(n_checked >= 4, "preprocess 5.3: at least the 4 stored image cases were checked (%d)",
       n_checked);
    vo_drop_ctx(ctx);
    return done_testing();
}
