/* x86_avx2_load.h: 8 bf16 or int8 values widened to f32, shared by the
 * AVX2 kernels (bf16 exactly: each value's bits moved up 16; int8 times
 * its scale, cpu_get_f's one product d·q). Include only where
 * <immintrin.h> is in and the target is x86. */
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

/* the 8 int8 at q, each times the scale d */
static inline __attribute__((always_inline, target("avx2,fma"))) __m256
cpu_avx2_q8x8(const void *q, __m256 d)
{
    __m128i v = _mm_loadl_epi64((const __m128i *)q);
    return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v)), d);
}

#endif
