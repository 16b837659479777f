/* resize.c: Pillow's fixed-point antialiased bicubic resampling on 8-bit RGB,
 * reproduced bit for bit (MODEL.md §3.6), and the OCR pre-upscale (§3.0). */
#include "src/vlm/resize.h"
#include "src/util/alloc.h"

#include <math.h>
#include <string.h>

#define PRECISION_BITS 22     /* Pillow: 32 - 8 - 2 */

static double bicubic(double x)
{
    const double a = -0.5;
    x = fabs(x);
    if (x < 1.0)
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
    if (x < 2.0)
        return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
    return 0.0;
}

/* Per output index: first tap, tap count, and ksize fixed-point weights. */
typedef struct { int *bounds; int32_t *kk; int ksize; } coeffs;

static vo_status make_coeffs(vo_ctx *ctx, int in, int out, coeffs *c)
{
    double scale = (double)in / out, fs = scale < 1.0 ? 1.0 : scale;
    double support = 2.0 * fs;
    c->ksize = (int)ceil(support) * 2 + 1;
    c->bounds = vo_malloc(sizeof(int) * 2 * (size_t)out);
    c->kk = vo_calloc((size_t)out * (size_t)c->ksize, sizeof(int32_t));
    double *k = vo_malloc(sizeof(double) * (size_t)c->ksize);
    if (!c->bounds || !c->kk || !k) {
        vo_free(c->bounds); vo_free(c->kk); vo_free(k);
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory for resize weights (%d → %d)", in, out);
    }
    for (int o = 0; o < out; o++) {
        double center = (o + 0.5) * scale, ww = 0.0;
        int xmin = (int)(center - support + 0.5), xmax = (int)(center + support + 0.5);
        if (xmin < 0) xmin = 0;
        if (xmax > in) xmax = in;
        xmax -= xmin;
        for (int x = 0; x < xmax; x++) {
            k[x] = bicubic((x + xmin - center + 0.5) / fs);
            ww += k[x];
        }
        for (int x = 0; x < xmax; x++) {
            double v = ww != 0.0 ? k[x] / ww : k[x];
            /* round half away from zero into 22 fractional bits */
            c->kk[(size_t)o * c->ksize + x] =
                (int32_t)(v < 0 ? trunc(-0.5 + v * (1 << PRECISION_BITS))
                                : trunc(0.5 + v * (1 << PRECISION_BITS)));
        }
        c->bounds[2 * o] = xmin;
        c->bounds[2 * o + 1] = xmax;
    }
    vo_free(k);
    return VO_OK;
}

static inline uint8_t clip8(int32_t v)
{
    if (v >= (1 << PRECISION_BITS << 8))
        return 255;
    if (v <= 0)
        return 0;
    return (uint8_t)(v >> PRECISION_BITS);
}

/* one pass along x (horizontal) or y (vertical); src/dst strided RGB */
static vo_status pass(vo_ctx *ctx, const uint8_t *src, int sw, int sh, int sstride, uint8_t *dst,
                      int dw, int dh, int dstride, int horizontal)
{
    coeffs c;
    vo_status st = make_coeffs(ctx, horizontal ? sw : sh, horizontal ? dw : dh, &c);
    if (st != VO_OK)
        return st;
    for (int y = 0; y < dh; y++)
        for (int x = 0; x < dw; x++) {
            int o = horizontal ? x : y;
            int xmin = c.bounds[2 * o], n = c.bounds[2 * o + 1];
            const int32_t *k = c.kk + (size_t)o * c.ksize;
            for (int ch = 0; ch < 3; ch++) {
                int32_t ss = 1 << (PRECISION_BITS - 1);
                for (int t = 0; t < n; t++) {
                    const uint8_t *p = horizontal
                        ? src + (size_t)y * sstride + (size_t)(xmin + t) * 3
                        : src + (size_t)(xmin + t) * sstride + (size_t)x * 3;
                    ss += p[ch] * k[t];
                }
                dst[(size_t)y * dstride + (size_t)x * 3 + ch] = clip8(ss);
            }
        }
    vo_free(c.bounds);
    vo_free(c.kk);
    return VO_OK;
}

vo_status vo_resize_bicubic_u8(vo_ctx *ctx, const uint8_t *src, int w, int h, int stride,
                               uint8_t *dst, int dw, int dh)
{
    if (w < 1 || h < 1 || dw < 1 || dh < 1)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "resize %dx%d → %dx%d: empty image", w, h, dw, dh);
    if (w == dw && h == dh) {
        for (int y = 0; y < h; y++)
            memcpy(dst + (size_t)y * dw * 3, src + (size_t)y * stride, (size_t)w * 3);
        return VO_OK;
    }
    if (h == dh)
        return pass(ctx, src, w, h, stride, dst, dw, dh, dw * 3, 1);
    if (w == dw)
        return pass(ctx, src, w, h, stride, dst, dw, dh, dw * 3, 0);
    size_t n;
    if (vo_mul_size(&n, (size_t)dw * 3, (size_t)h) != VO_OK)
        return vo_fail(ctx, VO_ERR_LIMIT, "resize to %dx%d: too large", dw, dh);
    uint8_t *mid = vo_malloc(n);
    if (!mid)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory resizing to %dx%d", dw, dh);
    vo_status st = pass(ctx, src, w, h, stride, mid, dw, h, dw * 3, 1);
    if (st == VO_OK)
        st = pass(ctx, mid, dw, h, dw * 3, dst, dw, dh, dw * 3, 0);
    vo_free(mid);
    return st;
}

vo_status vo_ocr_upscale(vo_ctx *ctx, const uint8_t *src, int w, int h, int stride, int target,
                         uint8_t **out, int *ow, int *oh)
{
    *out = NULL;
    int mx = w > h ? w : h;
    int nw = w, nh = h;
    if (mx < target) {
        double s = (double)target / mx;
        nw = (int)(w * s);
        nh = (int)(h * s);
    }
    size_t n;
    if (nw < 1 || nh < 1 || vo_mul_size(&n, (size_t)nw * 3, (size_t)nh) != VO_OK)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "pre-upscale of a %dx%d image: bad size", w, h);
    uint8_t *buf = vo_malloc(n);
    if (!buf)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory for a %dx%d upscale", nw, nh);
    vo_status st = vo_resize_bicubic_u8(ctx, src, w, h, stride, buf, nw, nh);
    if (st != VO_OK) {
        vo_free(buf);
        return st;
    }
    *out = buf;
    *ow = nw;
    *oh = nh;
    return VO_OK;
}
