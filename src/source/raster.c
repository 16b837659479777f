/* raster.c: rasters of the source part: allocation under the pixel limit,
 * orientation (TIFF/EXIF tag 274) and resampling to a chosen resolution. */
#include "src/source/raster.h"
#include "src/util/alloc.h"

#include <limits.h>
#include <math.h>
#include <string.h>

uint64_t
source_max_pixels(const vo_source_limits *limits)
{
    return limits && limits->max_pixels ? limits->max_pixels : SOURCE_DEFAULT_MAX_PIXELS;
}

float
source_sane_dpi(double v)
{
    return (isfinite(v) && v > 1.0 && v <= 10000.0) ? (float)v : 0.0f;
}

uint64_t
source_scaled_size(uint64_t n, float native_dpi, float dpi)
{
    if (native_dpi <= 0 || dpi == native_dpi)
        return n ? n : 1;
    double v = floor((double)n * dpi / native_dpi + 0.5);
    if (v < 1)
        return 1;
    if (v > (double)UINT32_MAX)
        return UINT32_MAX;
    return (uint64_t)v;
}

void
vo_drop_raster(vo_raster *r)
{
    if (!r)
        return;
    vo_free(r->rgb);
    vo_free(r);
}

vo_status
source_new_raster(vo_ctx *ctx, const char *path, int page, uint64_t w, uint64_t h,
                  const vo_source_limits *limits, vo_raster **out)
{
    uint64_t max = source_max_pixels(limits);
    *out = NULL;
    if (w == 0 || h == 0)
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: page %d: empty image (%llux%llu pixels)",
                       path, page, (unsigned long long)w, (unsigned long long)h);
    /* w*h cannot overflow here: both are below 2^32 or refused */
    if (w > INT_MAX / 3 || h > INT_MAX || w * h > max)
        return vo_fail(ctx, VO_ERR_LIMIT,
                       "%s: page %d: raster of %llux%llu pixels exceeds the limit of %llu "
                       "pixels; use a lower --dpi",
                       path, page, (unsigned long long)w, (unsigned long long)h,
                       (unsigned long long)max);
    size_t stride = (size_t)w * 3, bytes;
    if (vo_mul_size(&bytes, stride, (size_t)h) != VO_OK)
        return vo_fail(ctx, VO_ERR_LIMIT, "%s: page %d: raster too large", path, page);
    vo_raster *r = vo_calloc(1, sizeof *r);
    if (!r || !(r->rgb = vo_malloc(bytes))) {
        vo_free(r);
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: page %d: out of memory for a %llux%llu raster",
                       path, page, (unsigned long long)w, (unsigned long long)h);
    }
    memset(r->rgb, 255, bytes);
    r->width = (int)w;
    r->height = (int)h;
    r->stride = (int)stride;
    r->page = page;
    *out = r;
    return VO_OK;
}

/* --- orientation --- */

vo_status
source_orient_raster(vo_ctx *ctx, const char *path, vo_raster **rp, int orientation)
{
    vo_raster *s = *rp, *d;
    if (orientation < 2 || orientation > 8)
        return VO_OK;
    int sw = s->width, sh = s->height, swap = orientation >= 5;
    int dw = swap ? sh : sw, dh = swap ? sw : sh;
    vo_status st = source_new_raster(ctx, path, s->page, (uint64_t)dw, (uint64_t)dh, NULL, &d);
    if (st != VO_OK)
        return st;
    d->dpi_x = swap ? s->dpi_y : s->dpi_x;
    d->dpi_y = swap ? s->dpi_x : s->dpi_y;
    for (int y = 0; y < dh; y++) {
        uint8_t *drow = d->rgb + (size_t)y * d->stride;
        for (int x = 0; x < dw; x++) {
            int sx, sy; /* the stored pixel shown at (x, y) */
            switch (orientation) {
            case 2: sx = sw - 1 - x; sy = y; break;           /* mirrored */
            case 3: sx = sw - 1 - x; sy = sh - 1 - y; break;  /* rotated 180 */
            case 4: sx = x; sy = sh - 1 - y; break;           /* flipped */
            case 5: sx = y; sy = x; break;                    /* transposed */
            case 6: sx = y; sy = sh - 1 - x; break;           /* rotate 90 clockwise */
            case 7: sx = sw - 1 - y; sy = sh - 1 - x; break;  /* transverse */
            default: sx = sw - 1 - y; sy = x; break;          /* 8: rotate 90 counter-clockwise */
            }
            memcpy(drow + (size_t)x * 3, s->rgb + (size_t)sy * s->stride + (size_t)sx * 3, 3);
        }
    }
    vo_drop_raster(s);
    *rp = d;
    return VO_OK;
}

/* --- resampling --- */

/* For each output pixel, the first input index and its weights. */
typedef struct resample_axis {
    int *first, *count;
    float *weights; /* `taps` per output pixel */
    int taps;
} resample_axis;

static void
resample_axis_free(resample_axis *a)
{
    vo_free(a->first);
    vo_free(a->count);
    vo_free(a->weights);
}

static vo_status
resample_axis_make(resample_axis *a, int n_in, int n_out)
{
    double scale = (double)n_out / n_in;
    double radius = scale < 1 ? 1 / scale : 1;
    memset(a, 0, sizeof *a);
    a->taps = (int)ceil(2 * radius) + 2;
    size_t nw;
    if (vo_mul_size(&nw, (size_t)n_out, (size_t)a->taps) != VO_OK)
        return VO_ERR_LIMIT;
    a->first = vo_malloc(sizeof(int) * (size_t)n_out);
    a->count = vo_malloc(sizeof(int) * (size_t)n_out);
    a->weights = vo_calloc(nw, sizeof(float));
    if (!a->first || !a->count || !a->weights) {
        resample_axis_free(a);
        return VO_ERR_NOMEM;
    }
    for (int i = 0; i < n_out; i++) {
        double center = (i + 0.5) / scale - 0.5;
        int lo = (int)floor(center - radius) + 1, hi = (int)ceil(center + radius) - 1;
        if (lo < 0)
            lo = 0;
        if (hi > n_in - 1)
            hi = n_in - 1;
        if (hi < lo) /* nearest input pixel when the window holds none */
            lo = hi = center < 0 ? 0 : center > n_in - 1 ? n_in - 1 : (int)floor(center + 0.5);
        if (hi - lo + 1 > a->taps)
            hi = lo + a->taps - 1;
        float *w = a->weights + (size_t)i * a->taps, sum = 0;
        for (int j = lo; j <= hi; j++) {
            double t = 1 - fabs(j - center) / radius;
            w[j - lo] = t > 0 ? (float)t : 0;
            sum += w[j - lo];
        }
        if (sum <= 0) {
            w[0] = 1;
            sum = 1;
        }
        for (int j = 0; j <= hi - lo; j++)
            w[j] /= sum;
        a->first[i] = lo;
        a->count[i] = hi - lo + 1;
    }
    return VO_OK;
}

vo_status
source_resample_raster(vo_ctx *ctx, const char *path, vo_raster **rp, float dpi,
                       const vo_source_limits *limits)
{
    vo_raster *s = *rp, *d = NULL;
    if (dpi <= 0 || (s->dpi_x == dpi && s->dpi_y == dpi))
        return VO_OK;
    uint64_t dw = source_scaled_size((uint64_t)s->width, s->dpi_x, dpi);
    uint64_t dh = source_scaled_size((uint64_t)s->height, s->dpi_y, dpi);
    vo_status st = source_new_raster(ctx, path, s->page, dw, dh, limits, &d);
    if (st != VO_OK)
        return st;
    d->dpi_x = d->dpi_y = dpi;
    if ((int)dw == s->width && (int)dh == s->height) {
        for (int y = 0; y < s->height; y++)
            memcpy(d->rgb + (size_t)y * d->stride, s->rgb + (size_t)y * s->stride,
                   (size_t)s->width * 3);
        goto done;
    }
    resample_axis ax, ay;
    size_t tmp_n;
    float *tmp = NULL;
    if (resample_axis_make(&ax, s->width, (int)dw) != VO_OK)
        goto nomem;
    if (resample_axis_make(&ay, s->height, (int)dh) != VO_OK) {
        resample_axis_free(&ax);
        goto nomem;
    }
    if (vo_mul_size(&tmp_n, dw * 3, (size_t)s->height) == VO_OK)
        tmp = vo_malloc(tmp_n * sizeof(float));
    if (!tmp) {
        resample_axis_free(&ax);
        resample_axis_free(&ay);
        goto nomem;
    }
    /* horizontal pass into floats, then vertical pass into bytes */
    for (int y = 0; y < s->height; y++) {
        const uint8_t *srow = s->rgb + (size_t)y * s->stride;
        float *trow = tmp + (size_t)y * dw * 3;
        for (int x = 0; x < (int)dw; x++) {
            const float *w = ax.weights + (size_t)x * ax.taps;
            float acc[3] = {0, 0, 0};
            for (int k = 0; k < ax.count[x]; k++) {
                const uint8_t *p = srow + (size_t)(ax.first[x] + k) * 3;
                acc[0] += w[k] * p[0];
                acc[1] += w[k] * p[1];
                acc[2] += w[k] * p[2];
            }
            memcpy(trow + (size_t)x * 3, acc, sizeof acc);
        }
    }
    for (int y = 0; y < (int)dh; y++) {
        const float *w = ay.weights + (size_t)y * ay.taps;
        uint8_t *drow = d->rgb + (size_t)y * d->stride;
        for (size_t i = 0; i < dw * 3; i++) {
            float acc = 0;
            for (int k = 0; k < ay.count[y]; k++)
                acc += w[k] * tmp[(size_t)(ay.first[y] + k) * dw * 3 + i];
            drow[i] = acc <= 0 ? 0 : acc >= 255 ? 255 : (uint8_t)(acc + 0.5f);
        }
    }
    vo_free(tmp);
    resample_axis_free(&ax);
    resample_axis_free(&ay);
done:
    vo_drop_raster(s);
    *rp = d;
    return VO_OK;
nomem:
    vo_drop_raster(d);
    return vo_fail(ctx, VO_ERR_NOMEM, "%s: page %d: out of memory while resampling", path,
                   s->page);
}
