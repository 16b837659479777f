/* x86_avx2_exp.h: e^x on 8 lanes for x ≤ 0, shared by the AVX2 kernels
 * (the attention's softmax, SiLU, GELU): the steps of the AVX-512 one
 * (x86_avx512_exp.h), so both give the same bits. Include only where
 * <immintrin.h> is in and the target is x86. */
#ifndef VO_X86_AVX2_EXP_H
#define VO_X86_AVX2_EXP_H

#include <immintrin.h>

/* Cephes' polynomial on x − n·ln 2, then ·2^n (n ≥ −126 where x ≥ −87.3:
 * 2^n is the exponent field, and y·2^n rounds as scalef does); lanes below
 * −87.3 give 0; e^0 is 1 exactly */
static inline __attribute__((always_inline, target("avx2,fma"))) __m256
cpu_avx2_exp_le0(__m256 x)
{
    __m256 live = _mm256_cmp_ps(x, _mm256_set1_ps(-87.3f), _CMP_GE_OQ);
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    __m256 y = _mm256_add_ps(_mm256_fmadd_ps(_mm256_mul_ps(p, r), r, r), _mm256_set1_ps(1.0f));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)),
                                  23);
    return _mm256_and_ps(live, _mm256_mul_ps(y, _mm256_castsi256_ps(e)));
}

#endif
