/* x86_avx2_hsum.h: the sum of 8 lanes in a fixed order, shared by the AVX2
 * kernels (every dot of a path ends with it, so its order is part of their
 * bits). Include only where <immintrin.h> is in and the target is x86. */
#ifndef VO_X86_AVX2_HSUM_H
#define VO_X86_AVX2_HSUM_H

#include <immintrin.h>

/* ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)) */
static inline __attribute__((always_inline, target("avx2,fma"))) float cpu_avx2_hsum8(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

#endif
