/* resize.h: Pillow-exact BICUBIC resize of 8-bit RGB images (MODEL.md §3.6)
 * and the OCR card's pre-upscale rule (§3.0). */
#ifndef VO_RESIZE_H
#define VO_RESIZE_H

#include <stdint.h>

#include "src/util/status.h"

/* Resize packed-or-strided RGB (3 bytes per pixel, `stride` bytes per row)
 * w×h → dw×dh into dst (packed, dw*3 bytes per row), bit-exact with Pillow's
 * Image.resize(BICUBIC): separable, horizontal pass first, uint8 between
 * passes, 22-bit fixed point; a pass whose size does not change is skipped.
 * VO_ERR_ARGUMENT for empty sizes, VO_ERR_NOMEM. Thread-safe. */
vo_status vo_resize_bicubic_u8(vo_ctx *ctx, const uint8_t *src, int w, int h, int stride,
                               uint8_t *dst, int dw, int dh);

/* The OCR pre-upscale: if max(w, h) < target, scale s = target / max(w, h)
 * (double) to (int(w·s), int(h·s)) with the BICUBIC above; else a copy.
 * *out is a new packed RGB buffer (vo_free it) of *ow × *oh. */
vo_status vo_ocr_upscale(vo_ctx *ctx, const uint8_t *src, int w, int h, int stride, int target,
                         uint8_t **out, int *ow, int *oh);

#endif
