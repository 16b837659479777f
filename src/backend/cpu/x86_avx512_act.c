/* x86_avx512_act.c: the activations of the fast CPU backend with AVX-512:
 * SiLU(gate)·up (the language model's MLP) and GELU in its tanh form (the
 * vision tower's MLP), 16 lanes at a time with the shared vector exp; the
 * last lanes of a row go through the same formula under a mask, so every
 * element gets the same arithmetic wherever it lies. */
#include "src/backend/cpu/cpu_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "src/backend/cpu/x86_avx512_exp.h"
#define VO_X86 1
#define AVX512 __attribute__((target("avx512f,avx2,fma")))
#define INLINE static inline __attribute__((always_inline))
#endif

#ifdef VO_X86
/* silu(g)·u = g·σ(g)·u, σ from e = e^−|g| (never above 1): 1/(1+e) for
 * g ≥ 0, e/(1+e) below */
AVX512 INLINE __m512 silu_mul16(__m512 g, __m512 u)
{
    __m512 e = cpu_avx512_exp_le0(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_abs_ps(g)));
    __m512 inv = _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_add_ps(_mm512_set1_ps(1.0f), e));
    __mmask16 neg = _mm512_cmp_ps_mask(g, _mm512_setzero_ps(), _CMP_LT_OQ);
    __m512 sig = _mm512_mask_mul_ps(inv, neg, inv, e);
    return _mm512_mul_ps(_mm512_mul_ps(g, sig), u);
}

/* 0.5·v·(1 + tanh y), y = √(2/π)(v + 0.044715v³); tanh y = ±(1−e)/(1+e)
 * with e = e^−2|y| */
AVX512 INLINE __m512 gelu_tanh16(__m512 v)
{
    __m512 v3 = _mm512_mul_ps(_mm512_mul_ps(v, v), v);
    __m512 y = _mm512_mul_ps(_mm512_set1_ps(0.7978845608028654f),
                             _mm512_fmadd_ps(_mm512_set1_ps(0.044715f), v3, v));
    __m512 a = _mm512_abs_ps(y);
    __m512 e = cpu_avx512_exp_le0(_mm512_mul_ps(_mm512_set1_ps(-2.0f), a));
    __m512 one = _mm512_set1_ps(1.0f);
    __m512 t = _mm512_div_ps(_mm512_sub_ps(one, e), _mm512_add_ps(one, e));
    __mmask16 neg = _mm512_cmp_ps_mask(y, _mm512_setzero_ps(), _CMP_LT_OQ);
    t = _mm512_mask_sub_ps(t, neg, _mm512_setzero_ps(), t);
    return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), v), _mm512_add_ps(one, t));
}

AVX512 static void silu_mul_rows(vo_tensor *out, const vo_tensor *gate, const vo_tensor *up,
                                 int64_t r0, int64_t r1)
{
    int64_t n = gate->ne[0];
    for (int64_t r = r0; r < r1; r++) {
        const float *g = (const float *)cpu_row(gate, r), *u = (const float *)cpu_row(up, r);
        float *o = (float *)cpu_row(out, r);
        for (int64_t i = 0; i < n; i += 16) {
            __mmask16 m = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
            __m512 x = silu_mul16(_mm512_maskz_loadu_ps(m, g + i), _mm512_maskz_loadu_ps(m, u + i));
            _mm512_mask_storeu_ps(o + i, m, x);
        }
    }
}

AVX512 static void gelu_tanh_rows(vo_tensor *out, const vo_tensor *x, int64_t r0, int64_t r1)
{
    int64_t n = x->ne[0];
    for (int64_t r = r0; r < r1; r++) {
        const float *xr = (const float *)cpu_row(x, r);
        float *o = (float *)cpu_row(out, r);
        for (int64_t i = 0; i < n; i += 16) {
            __mmask16 m = n - i >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - i)) - 1);
            _mm512_mask_storeu_ps(o + i, m, gelu_tanh16(_mm512_maskz_loadu_ps(m, xr + i)));
        }
    }
}
#endif

void cpu_avx512_silu_mul_rows(vo_tensor *out, const vo_tensor *gate, const vo_tensor *up,
                              int64_t r0, int64_t r1)
{
#ifdef VO_X86
    silu_mul_rows(out, gate, up, r0, r1);
#else
    (void)out; (void)gate; (void)up; (void)r0; (void)r1;
#endif
}

void cpu_avx512_gelu_tanh_rows(vo_tensor *out, const vo_tensor *x, int64_t r0, int64_t r1)
{
#ifdef VO_X86
    gelu_tanh_rows(out, x, r0, r1);
#else
    (void)out; (void)x; (void)r0; (void)r1;
#endif
}
