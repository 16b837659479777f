/* preprocess.c: the anyres tiler (resize into the best canvas, pad, cut
 * tiles, add the base image) and the pad-to-square path, MODEL.md §3. */
#include "src/vlm/preprocess.h"
#include "src/vlm/resize.h"
#include "src/util/alloc.h"

#include <string.h>

void vo_normalize_tile(const uint8_t *u8, int S, const vo_pixel_norm *norm, float *out)
{
    size_t plane = (size_t)S * S;
    for (size_t i = 0; i < plane; i++)
        for (int c = 0; c < 3; c++) {
            /* §3.7: rescale in double then f32, normalize in f32 */
            float v = (float)((double)u8[i * 3 + c] * norm->rescale);
            out[c * plane + i] = (v - norm->mean[c]) / norm->std[c];
        }
}

vo_status vo_preprocess_anyres(vo_ctx *ctx, const vo_image_geom *g, int tile,
                               const uint8_t *rgb, int stride, const vo_pixel_norm *norm,
                               float *pixels, uint8_t *canvas_out, uint8_t *base_out)
{
    int S = tile, BW = g->best_w, BH = g->best_h;
    if (S < 1 || g->grid_rows * S != BH || g->grid_cols * S != BW)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "preprocess: canvas %dx%d is not a grid of %d-px tiles",
                       BW, BH, S);
    size_t plane = (size_t)S * S, canvas_n = (size_t)BW * BH * 3;
    uint8_t *canvas = vo_calloc(canvas_n, 1);          /* §3.4: black padding */
    uint8_t *resized = vo_malloc((size_t)g->resized_w * g->resized_h * 3);
    uint8_t *tilebuf = vo_malloc(plane * 3);
    vo_status st = VO_OK;
    if (!canvas || !resized || !tilebuf) {
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory for a %dx%d canvas", BW, BH);
        goto fail;
    }
    /* §3.5 base: the original image squashed to S×S */
    st = vo_resize_bicubic_u8(ctx, rgb, g->image_w, g->image_h, stride, tilebuf, S, S);
    if (st != VO_OK)
        goto fail;
    if (base_out)
        memcpy(base_out, tilebuf, plane * 3);
    vo_normalize_tile(tilebuf, S, norm, pixels);
    /* §3.3 aspect-preserving resize, pasted at the centre */
    st = vo_resize_bicubic_u8(ctx, rgb, g->image_w, g->image_h, stride, resized, g->resized_w,
                              g->resized_h);
    if (st != VO_OK)
        goto fail;
    for (int y = 0; y < g->resized_h; y++)
        memcpy(canvas + ((size_t)(y + g->pad_top) * BW + g->pad_left) * 3,
               resized + (size_t)y * g->resized_w * 3, (size_t)g->resized_w * 3);
    if (canvas_out)
        memcpy(canvas_out, canvas, canvas_n);
    /* §3.5 tiles, row-major */
    for (int ty = 0; ty < g->grid_rows; ty++)
        for (int tx = 0; tx < g->grid_cols; tx++) {
            for (int y = 0; y < S; y++)
                memcpy(tilebuf + (size_t)y * S * 3,
                       canvas + ((size_t)(ty * S + y) * BW + (size_t)tx * S) * 3, (size_t)S * 3);
            size_t n = 1 + (size_t)ty * g->grid_cols + tx;
            vo_normalize_tile(tilebuf, S, norm, pixels + n * 3 * plane);
        }
fail:
    vo_free(canvas);
    vo_free(resized);
    vo_free(tilebuf);
    return st;
}

vo_status vo_preprocess_square(vo_ctx *ctx, const uint8_t *rgb, int w, int h, int stride,
                               int tile, const uint8_t fill[3], const vo_pixel_norm *norm,
                               float *pixels, uint8_t *square_out)
{
    int side = w > h ? w : h, S = tile;
    size_t n;
    if (w < 1 || h < 1 || S < 1 || vo_mul_size(&n, (size_t)side * 3, (size_t)side) != VO_OK)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "preprocess: bad image size %dx%d", w, h);
    uint8_t *sq = vo_malloc(n), *t = vo_malloc((size_t)S * S * 3);
    vo_status st = VO_OK;
    if (!sq || !t) {
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory padding a %dx%d image", w, h);
        goto fail;
    }
    for (size_t i = 0; i < (size_t)side * side; i++)
        memcpy(sq + i * 3, fill, 3);
    int top = (side - h) / 2, left = (side - w) / 2;
    for (int y = 0; y < h; y++)
        memcpy(sq + ((size_t)(y + top) * side + left) * 3, rgb + (size_t)y * stride, (size_t)w * 3);
    st = vo_resize_bicubic_u8(ctx, sq, side, side, side * 3, t, S, S);
    if (st != VO_OK)
        goto fail;
    if (square_out)
        memcpy(square_out, sq, n);
    vo_normalize_tile(t, S, norm, pixels);
fail:
    vo_free(sq);
    vo_free(t);
    return st;
}
