/* x86_avx2_gemm.c: the AVX2 tile of the prefill/vision GEMM (gemm.c's
 * blocking): 6 weight rows × 16 tokens in 12 registers, each weight
 * broadcast from memory, every output summed over k in order, one FMA
 * after the other from 0: the bits of the AVX-512 tile. */
#include "src/backend/cpu/cpu_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define VO_X86 1
#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))
#endif

#define TR CPU_GEMM_TR
#define TT CPU_GEMM_TOKENS

#ifdef VO_X86
/* res[i·TT + l] (+)= Σ_k w[i·ldw + k] · xt[k·TT + l], k < kc, for the 16
 * tokens l at xt's column 0 (res zeroed first when `first`) */
AVX2 INLINE void tile16(const float *w, int64_t ldw, int64_t kc, const float *xt, float *res,
                        bool first)
{
    __m256 acc[TR][2];
#pragma GCC unroll 8
    for (int i = 0; i < TR; i++)
        for (int h = 0; h < 2; h++)
            acc[i][h] = first ? _mm256_setzero_ps() : _mm256_loadu_ps(res + i * TT + 8 * h);
    for (int64_t k = 0; k < kc; k++) {
        __m256 x0 = _mm256_loadu_ps(xt + k * TT), x1 = _mm256_loadu_ps(xt + k * TT + 8);
#pragma GCC unroll 8
        for (int i = 0; i < TR; i++) {
            __m256 wv = _mm256_broadcast_ss(w + i * ldw + k);
            acc[i][0] = _mm256_fmadd_ps(wv, x0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(wv, x1, acc[i][1]);
        }
    }
#pragma GCC unroll 8
    for (int i = 0; i < TR; i++)
        for (int h = 0; h < 2; h++)
            _mm256_storeu_ps(res + i * TT + 8 * h, acc[i][h]);
}

/* cpu_gemm_tile_fn: nv vectors of 16 tokens, one after the other (a unit
 * is one f32) */
AVX2 static void gemm_tile_avx2(const void *wv, int64_t ldw, int64_t kc, const void *xv, int nv,
                                float *res, bool first)
{
    const float *w = wv, *xt = xv;
    for (int v = 0; v < nv; v++)
        tile16(w, ldw, kc, xt + 16 * v, res + 16 * v, first);
}
#endif

void cpu_avx2_gemm_rows(const vo_tensor *w, int64_t n0, int64_t n1, const float *xt, int64_t M,
                        float *out, size_t ldo, const vo_tensor *bias, float *scratch)
{
#ifdef VO_X86
    int64_t K = w->ne[0], ldw = CPU_GEMM_LDW(K);
    int nt = (int)(n1 - n0 + TR - 1) / TR;
    float *rows = scratch, *accs = scratch + (size_t)(nt * TR) * (size_t)ldw;
    for (int64_t i = 0; i < (int64_t)nt * TR; i++) {
        if (n0 + i < n1)
            cpu_row_to_f32(rows + i * ldw, cpu_base(w) + (n0 + i) * w->nb[1], w->type, K);
        else
            memset(rows + i * ldw, 0, sizeof(float) * (size_t)K);
    }
    cpu_gemm_blocks(rows, ldw, K, xt, M, n0, n1, bias, out, ldo, accs, CPU_GEMM_KC_AVX2,
                    gemm_tile_avx2);
#else
    (void)w; (void)n0; (void)n1; (void)xt; (void)M; (void)out; (void)ldo; (void)bias;
    (void)scratch;
#endif
}
