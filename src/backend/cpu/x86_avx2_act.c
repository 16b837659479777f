/* x86_avx2_act.c: SiLU(gate)·up and GELU in its tanh form with AVX2, 8
 * lanes at a time with the shared vector exp, the last lanes of a row
 * under a mask: each element goes through the steps of the AVX-512 lanes
 * (x86_avx512_act.c), so both give the same bits. */
#include "src/backend/cpu/cpu_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "src/backend/cpu/x86_avx2_exp.h"
#define VO_X86 1
#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))
#endif

#ifdef VO_X86
AVX2 INLINE __m256 abs8(__m256 v)
{
    return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
}

/* silu(g)·u = g·σ(g)·u, σ from e = e^−|g| (never above 1): 1/(1+e) for
 * g ≥ 0, e/(1+e) below */
AVX2 INLINE __m256 silu_mul8(__m256 g, __m256 u)
{
    __m256 e = cpu_avx2_exp_le0(_mm256_sub_ps(_mm256_setzero_ps(), abs8(g)));
    __m256 inv = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
    __m256 neg = _mm256_cmp_ps(g, _mm256_setzero_ps(), _CMP_LT_OQ);
    __m256 sig = _mm256_blendv_ps(inv, _mm256_mul_ps(inv, e), neg);
    return _mm256_mul_ps(_mm256_mul_ps(g, sig), u);
}

/* 0.5·v·(1 + tanh y), y = √(2/π)(v + 0.044715v³); tanh y = ±(1−e)/(1+e)
 * with e = e^−2|y| */
AVX2 INLINE __m256 gelu_tanh8(__m256 v)
{
    __m256 v3 = _mm256_mul_ps(_mm256_mul_ps(v, v), v);
    __m256 y = _mm256_mul_ps(_mm256_set1_ps(0.7978845608028654f),
                             _mm256_fmadd_ps(_mm256_set1_ps(0.044715f), v3, v));
    __m256 e = cpu_avx2_exp_le0(_mm256_mul_ps(_mm256_set1_ps(-2.0f), abs8(y)));
    __m256 one = _mm256_set1_ps(1.0f);
    __m256 t = _mm256_div_ps(_mm256_sub_ps(one, e), _mm256_add_ps(one, e));
    __m256 neg = _mm256_cmp_ps(y, _mm256_setzero_ps(), _CMP_LT_OQ);
    t = _mm256_blendv_ps(t, _mm256_sub_ps(_mm256_setzero_ps(), t), neg);
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), v), _mm256_add_ps(one, t));
}

/* lanes < n of 8 (the last of a row) */
AVX2 INLINE __m256i lanes(int64_t n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n < 8 ? n : 8)),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

AVX2 static void silu_mul_rows(vo_tensor *out, const vo_tensor *gate, const vo_tensor *up,
                               int64_t r0, int64_t r1)
{
    int64_t n = gate->ne[0];
    for (int64_t r = r0; r < r1; r++) {
        const float *g = (const float *)cpu_row(gate, r), *u = (const float *)cpu_row(up, r);
        float *o = (float *)cpu_row(out, r);
        int64_t i = 0;
        for (; i + 8 <= n; i += 8)
            _mm256_storeu_ps(o + i, silu_mul8(_mm256_loadu_ps(g + i), _mm256_loadu_ps(u + i)));
        if (i < n) {
            __m256i m = lanes(n - i);
            _mm256_maskstore_ps(o + i, m, silu_mul8(_mm256_maskload_ps(g + i, m),
                                                    _mm256_maskload_ps(u + i, m)));
        }
    }
}

AVX2 static void gelu_tanh_rows(vo_tensor *out, const vo_tensor *x, int64_t r0, int64_t r1)
{
    int64_t n = x->ne[0];
    for (int64_t r = r0; r < r1; r++) {
        const float *xr = (const float *)cpu_row(x, r);
        float *o = (float *)cpu_row(out, r);
        int64_t i = 0;
        for (; i + 8 <= n; i += 8)
            _mm256_storeu_ps(o + i, gelu_tanh8(_mm256_loadu_ps(xr + i)));
        if (i < n) {
            __m256i m = lanes(n - i);
            _mm256_maskstore_ps(o + i, m, gelu_tanh8(_mm256_maskload_ps(xr + i, m)));
        }
    }
}
#endif

void cpu_avx2_silu_mul_rows(vo_tensor *out, const vo_tensor *gate, const vo_tensor *up,
                            int64_t r0, int64_t r1)
{
#ifdef VO_X86
    silu_mul_rows(out, gate, up, r0, r1);
#else
    (void)out; (void)gate; (void)up; (void)r0; (void)r1;
#endif
}

void cpu_avx2_gelu_tanh_rows(vo_tensor *out, const vo_tensor *x, int64_t r0, int64_t r1)
{
#ifdef VO_X86
    gelu_tanh_rows(out, x, r0, r1);
#else
    (void)out; (void)x; (void)r0; (void)r1;
#endif
}
