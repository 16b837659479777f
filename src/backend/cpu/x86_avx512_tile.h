/* x86_avx512_tile.h: the accumulators of the AVX-512 GEMM tiles (the f32
 * one of x86_avx512.c and the bf16 one of x86_avx512_bf16.c): TR weight
 * rows × nv vectors of 16 tokens, kept in `res` (rows TT floats apart)
 * between blocks of K. Include only where <immintrin.h> is in and the
 * target is x86. */
#ifndef VO_X86_AVX512_TILE_H
#define VO_X86_AVX512_TILE_H

#include <immintrin.h>
#include <stdbool.h>

#include "src/backend/cpu/cpu_internal.h"

#define CPU_TILE_TT CPU_GEMM_TOKENS
#define CPU_TILE_TV (CPU_TILE_TT / 16)

/* acc from res, or zero for the first block of K (nv a constant at each call) */
static inline __attribute__((always_inline, target("avx512f"))) void
cpu_tile_begin(__m512 acc[CPU_GEMM_TR][CPU_TILE_TV], const float *res, int nv, bool first)
{
#pragma GCC unroll 8
    for (int i = 0; i < CPU_GEMM_TR; i++)
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++)
            acc[i][v] = first ? _mm512_setzero_ps()
                              : _mm512_loadu_ps(res + i * CPU_TILE_TT + v * 16);
}

/* acc back into res */
static inline __attribute__((always_inline, target("avx512f"))) void
cpu_tile_end(float *res, __m512 acc[CPU_GEMM_TR][CPU_TILE_TV], int nv)
{
#pragma GCC unroll 8
    for (int i = 0; i < CPU_GEMM_TR; i++)
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++)
            _mm512_storeu_ps(res + i * CPU_TILE_TT + v * 16, acc[i][v]);
}

#endif
