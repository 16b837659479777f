/* preprocess.h: from an 8-bit RGB image to the normalized pixel tiles of the
 * vision tower (MODEL.md §3.3-3.8): anyres canvas + base tile, or one padded
 * square tile for multi-image prompts. */
#ifndef VO_PREPROCESS_H
#define VO_PREPROCESS_H

#include <stdint.h>

#include "src/model/image_geom.h"
#include "src/util/status.h"

/* Rescale and normalize constants (from preprocessor_config.json). */
typedef struct vo_pixel_norm {
    double rescale;     /* rescale_factor (1/255) */
    float mean[3];      /* image_mean */
    float std[3];       /* image_std */
} vo_pixel_norm;

/* Anyres: tile side S = geometry tile; writes g->n_tiles tiles, each
 * channels-first [3, S, S] f32, into pixels ([n_tiles, 3, S, S]): tile 0 the
 * whole image squashed to S×S, then the row-major crops of the padded canvas.
 * canvas (best_h × best_w × 3) and base (S × S × 3) receive the uint8
 * images when not NULL. Thread-safe. */
vo_status vo_preprocess_anyres(vo_ctx *ctx, const vo_image_geom *g, int tile,
                               const uint8_t *rgb, int stride, const vo_pixel_norm *norm,
                               float *pixels, uint8_t *canvas, uint8_t *base);

/* Multi-image prompts (§3.8): pad to a centred square of side max(w, h) with
 * `fill` (int(mean·255) per channel; odd pixel bottom/right), resize to S×S,
 * normalize → one tile [3, S, S]. square (side×side×3) receives the padded
 * uint8 square before the resize. */
vo_status vo_preprocess_square(vo_ctx *ctx, const uint8_t *rgb, int w, int h, int stride,
                               int tile, const uint8_t fill[3], const vo_pixel_norm *norm,
                               float *pixels, uint8_t *square);

/* Normalize one packed S×S RGB tile into channels-first f32 [3, S, S]:
 * float32(u8 · rescale) then float32((v − mean) / std). */
void vo_normalize_tile(const uint8_t *u8, int S, const vo_pixel_norm *norm, float *out);

#endif
