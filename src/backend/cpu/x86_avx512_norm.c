/* x86_avx512_norm.c: RMSNorm and LayerNorm of the fast CPU backend with
 * AVX-512, the bits of the portable rows (ops_ref.c): the row's sums in the
 * 8 double lanes cpu_norm_sum defines, the outputs 16 at a time with the
 * same roundings. A product that the portable code rounds before an add is
 * kept apart from it (an FMA would round once). */
#include "src/backend/cpu/cpu_internal.h"

#include <math.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "src/backend/cpu/x86_avx512_load.h"
#define VO_X86 1
#define AVX512 __attribute__((target("avx512f,avx2,fma")))
#define INLINE static inline __attribute__((always_inline))
#endif

#ifdef VO_X86
/* the scalar ends of the rows, out of line and outside the AVX-512 target:
 * inlined there, gcc would fuse their products and adds */
__attribute__((noinline)) static double sum_tail(const float *x, int64_t i, int64_t n,
                                                 double mean, bool squares, double t)
{
    for (; i < n; i++) {
        double d = (double)x[i] - mean;
        t += squares ? d * d : d;
    }
    return t;
}

__attribute__((noinline)) static void layer_tail(float *o, const float *x, int64_t i, int64_t n,
                                                 double mean, double inv, const vo_tensor *w,
                                                 const vo_tensor *b)
{
    for (; i < n; i++)
        o[i] = (float)((x[i] - mean) * inv) * cpu_get_f(cpu_base(w), w->type, i) +
               cpu_get_f(cpu_base(b), b->type, i);
}

/* cpu_norm_sum: the whole groups of 8 in the lanes, then the same tree and
 * the same tail */
AVX512 static double norm_sum(const float *x, int64_t n, double mean, bool squares)
{
    __m512d acc = _mm512_setzero_pd(), m = _mm512_set1_pd(mean);
    int64_t whole = n / CPU_NORM_LANES * CPU_NORM_LANES;
    for (int64_t i = 0; i < whole; i += CPU_NORM_LANES) {
        __m512d d = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(x + i)), m);
        if (squares) {
            d = _mm512_mul_pd(d, d);
            __asm__("" : "+v"(d));    /* rounded apart, as the portable sum */
        }
        acc = _mm512_add_pd(acc, d);
    }
    double s[CPU_NORM_LANES];
    _mm512_storeu_pd(s, acc);
    double t = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    return sum_tail(x, whole, n, mean, squares, t);
}

/* 16 values of b from element i: f32, bf16 or f16 (a branch that always
 * goes the same way in a row) */
AVX512 INLINE __m512 load16_of(const vo_tensor *b, int64_t i)
{
    if (b->type == VO_BF16)
        return cpu_avx512_load16(cpu_base(b), i, VO_BF16);
    if (b->type == VO_F16)
        return cpu_avx512_load16(cpu_base(b), i, VO_F16);
    return cpu_avx512_load16(cpu_base(b), i, VO_F32);
}

/* 16 doubles (two vectors) rounded to floats in one vector */
AVX512 INLINE __m512 to_f32(__m512d lo, __m512d hi)
{
    __m512 v = _mm512_castps256_ps512(_mm512_cvtpd_ps(lo));
    return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(v),
                                               _mm256_castps_pd(_mm512_cvtpd_ps(hi)), 1));
}

/* o = x·inv·w (w NULL: 1) with the weights of type wt */
AVX512 INLINE void rms_row(float *o, const float *x, int64_t n, float inv, const vo_tensor *w,
                           vo_type wt)
{
    __m512 iv = _mm512_set1_ps(inv);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 y = _mm512_mul_ps(_mm512_loadu_ps(x + i), iv);
        if (w)
            y = _mm512_mul_ps(y, cpu_avx512_load16(cpu_base(w), i, wt));
        _mm512_storeu_ps(o + i, y);
    }
    for (; i < n; i++)
        o[i] = x[i] * inv * (w ? cpu_get_f(cpu_base(w), w->type, i) : 1.0f);
}

/* o = (float)((x − mean)·inv)·w + b, w of type wt */
AVX512 INLINE void layer_row(float *o, const float *x, int64_t n, double mean, double inv,
                             const vo_tensor *w, const vo_tensor *b, vo_type wt)
{
    __m512d m = _mm512_set1_pd(mean), iv = _mm512_set1_pd(inv);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512d lo = _mm512_mul_pd(_mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(x + i)), m), iv);
        __m512d hi = _mm512_mul_pd(_mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(x + i + 8)), m),
                                   iv);
        __m512 y = _mm512_mul_ps(to_f32(lo, hi), cpu_avx512_load16(cpu_base(w), i, wt));
        __asm__("" : "+v"(y));    /* the product rounded before the add */
        _mm512_storeu_ps(o + i, _mm512_add_ps(y, load16_of(b, i)));
    }
    layer_tail(o, x, i, n, mean, inv, w, b);
}

AVX512 static void rms_rows(vo_tensor *out, const vo_tensor *x, const vo_tensor *w, float eps,
                            int64_t r0, int64_t r1)
{
    int64_t n = x->ne[0];
    vo_type wt = w ? w->type : VO_F32;
    for (int64_t r = r0; r < r1; r++) {
        const float *xr = (const float *)cpu_row(x, r);
        float *o = (float *)cpu_row(out, r);
        float inv = (float)(1.0 / sqrt(norm_sum(xr, n, 0.0, true) / (double)n + eps));
        if (wt == VO_BF16)
            rms_row(o, xr, n, inv, w, VO_BF16);
        else if (wt == VO_F16)
            rms_row(o, xr, n, inv, w, VO_F16);
        else
            rms_row(o, xr, n, inv, w, VO_F32);
    }
}

AVX512 static void layer_rows(vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                              const vo_tensor *b, float eps, int64_t r0, int64_t r1)
{
    int64_t n = x->ne[0];
    for (int64_t r = r0; r < r1; r++) {
        const float *xr = (const float *)cpu_row(x, r);
        float *o = (float *)cpu_row(out, r);
        double mean = norm_sum(xr, n, 0.0, false) / (double)n;
        double var = norm_sum(xr, n, mean, true) / (double)n;
        double inv = 1.0 / sqrt(var + eps);
        if (w->type == VO_BF16)
            layer_row(o, xr, n, mean, inv, w, b, VO_BF16);
        else if (w->type == VO_F16)
            layer_row(o, xr, n, mean, inv, w, b, VO_F16);
        else
            layer_row(o, xr, n, mean, inv, w, b, VO_F32);
    }
}
#endif

/* f32, bf16 or f16 weights (or none): the lanes; any other: the portable rows */
static bool norm_weights_fit(const vo_tensor *t)
{
    return !t || t->type == VO_F32 || t->type == VO_BF16 || t->type == VO_F16;
}

void cpu_avx512_rms_norm_rows(vo_tensor *out, const vo_tensor *x, const vo_tensor *w, float eps,
                              int64_t r0, int64_t r1)
{
#ifdef VO_X86
    if (norm_weights_fit(w)) {
        rms_rows(out, x, w, eps, r0, r1);
        return;
    }
#endif
    cpu_rms_norm_rows(out, x, w, eps, r0, r1);
}

void cpu_avx512_layer_norm_rows(vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                                const vo_tensor *b, float eps, int64_t r0, int64_t r1)
{
#ifdef VO_X86
    if (w && b && norm_weights_fit(w) && norm_weights_fit(b)) {
        layer_rows(out, x, w, b, eps, r0, r1);
        return;
    }
#endif
    cpu_layer_norm_rows(out, x, w, b, eps, r0, r1);
}
