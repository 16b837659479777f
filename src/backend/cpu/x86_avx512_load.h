/* x86_avx512_load.h: 16 values of a row of f32, bf16 or f16 widened to f32
 * exactly, or of q8 blocks dequantized (scale × int8, exact in f32), shared
 * by the AVX-512 kernels (weights, KV caches). Include only where
 * <immintrin.h> is in and the target is x86. */
#ifndef VO_X86_AVX512_LOAD_H
#define VO_X86_AVX512_LOAD_H

#include <immintrin.h>

#include "src/backend/backend.h"

/* element c on (a multiple of 16); type is a constant at every call, so
 * the branches go */
static inline __attribute__((always_inline, target("avx512f,avx2,fma"))) __m512
cpu_avx512_load16(const char *row, int64_t c, vo_type type)
{
    if (type == VO_F32)
        return _mm512_loadu_ps((const float *)row + c);
    if (type == VO_Q8) {
        const char *b = row + (c / VO_Q8_BLOCK) * (4 + VO_Q8_BLOCK);
        float d;
        __builtin_memcpy(&d, b, sizeof d);
        __m128i q = _mm_loadu_si128((const __m128i *)(b + 4 + c % VO_Q8_BLOCK));
        return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q)), _mm512_set1_ps(d));
    }
    __m256i h = _mm256_loadu_si256((const __m256i *)((const uint16_t *)row + c));
    if (type == VO_BF16)
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    return _mm512_cvtph_ps(h);
}

#endif
