/* x86_avx512_load.h: 16 values of a row of f32, bf16 or f16 widened to f32
 * exactly, or of q8/q4 blocks dequantized (scale × int, exact in f32), shared
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
    if (type == VO_Q8ROW) { /* the row's scale, then int8 */
        float d;
        __builtin_memcpy(&d, row, sizeof d);
        __m128i q = _mm_loadu_si128((const __m128i *)(row + 4 + c));
        return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q)), _mm512_set1_ps(d));
    }
    if (type == VO_Q4) {    /* values 0-15 in the low nibbles, 16-31 in the high */
        const char *b = row + (c / VO_Q8_BLOCK) * (4 + VO_Q8_BLOCK / 2);
        float d;
        __builtin_memcpy(&d, b, sizeof d);
        __m512i q = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(b + 4)));
        q = c % VO_Q8_BLOCK ? _mm512_srli_epi32(q, 4) : _mm512_and_si512(q, _mm512_set1_epi32(15));
        q = _mm512_sub_epi32(q, _mm512_set1_epi32(8));
        return _mm512_mul_ps(_mm512_cvtepi32_ps(q), _mm512_set1_ps(d));
    }
    __m256i h = _mm256_loadu_si256((const __m256i *)((const uint16_t *)row + c));
    if (type == VO_BF16)
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    return _mm512_cvtph_ps(h);
}

/* the 32 values of the q8/q4 block holding element c (a multiple of 32),
 * as two vectors: one scale load and, for q4, one load of the nibbles */
static inline __attribute__((always_inline, target("avx512f,avx2,fma"))) void
cpu_avx512_load32(const char *row, int64_t c, vo_type type, __m512 *lo, __m512 *hi)
{
    const char *b = row + (c / VO_Q8_BLOCK) * (type == VO_Q8 ? 4 + VO_Q8_BLOCK : 4 + VO_Q8_BLOCK / 2);
    float df;
    __builtin_memcpy(&df, b, sizeof df);
    __m512 d = _mm512_set1_ps(df);
    __m512i a, z;
    if (type == VO_Q8) {
        a = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(b + 4)));
        z = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(b + 20)));
    } else {
        __m512i q = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(b + 4)));
        __m512i eight = _mm512_set1_epi32(8);
        a = _mm512_sub_epi32(_mm512_and_si512(q, _mm512_set1_epi32(15)), eight);
        z = _mm512_sub_epi32(_mm512_srli_epi32(q, 4), eight);
    }
    *lo = _mm512_mul_ps(_mm512_cvtepi32_ps(a), d);
    *hi = _mm512_mul_ps(_mm512_cvtepi32_ps(z), d);
}

#endif
