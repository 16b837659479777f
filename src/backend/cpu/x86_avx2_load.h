/* x86_avx2_load.h: 8 bf16 values widened to f32, shared by the AVX2
 * kernels (the widening is exact: each value's bits moved up 16). Include
 * only where <immintrin.h> is in and the target is x86. */
#ifndef VO_X86_AVX2_LOAD_H
#define VO_X86_AVX2_LOAD_H

#include <immintrin.h>
#include <stdint.h>

static inline __attribute__((always_inline, target("avx2,fma"))) __m256
cpu_avx2_bf16x8(const uint16_t *p)
{
    __m128i h = _mm_loadu_si128((const __m128i *)(const void *)p);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

#endif
