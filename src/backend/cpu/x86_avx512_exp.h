/* x86_avx512_exp.h: e^x on 16 lanes for x ≤ 0, shared by the AVX-512
 * kernels (the attention's softmax, SiLU, GELU). Include only where
 * <immintrin.h> is in and the target is x86. */
#ifndef VO_X86_AVX512_EXP_H
#define VO_X86_AVX512_EXP_H

#include <immintrin.h>

/* Cephes' polynomial on x − n·ln 2, then ·2^n; lanes below −87.3 (where
 * e^x leaves the normal floats) give 0; e^0 is 1 exactly */
static inline __attribute__((always_inline, target("avx512f,avx2,fma"))) __m512
cpu_avx512_exp_le0(__m512 x)
{
    __mmask16 live = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-87.3f), _CMP_GE_OQ);
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    __m512 y = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(p, r), r, r), _mm512_set1_ps(1.0f));
    return _mm512_maskz_mov_ps(live, _mm512_scalef_ps(y, n));
}

#endif
