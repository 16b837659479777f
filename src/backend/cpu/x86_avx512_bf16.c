/* x86_avx512_bf16.c: the prefill/vision GEMM of bf16 weights with the
 * activations rounded to bf16 (round to nearest even) and multiplied by
 * vdpbf16ps (AVX512_BF16): two products a lane per instruction, summed in
 * f32, so twice the f32 FMA's rate. Opt-in (vo_cpu_round_activations): the
 * rounding moves the results by about 1e-3, more than the reference's
 * tolerance. Tiles as the f32 GEMM's, 6 weight rows × 64 tokens in
 * registers, with pairs of k in each 32-bit lane; its blocking is the f32
 * GEMM's (cpu_gemm_blocks). */
#include "src/backend/cpu/cpu_internal.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "src/backend/cpu/x86_avx512_tile.h"
#define VO_X86 1
#define BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,avx2,fma")))
#define INLINE static inline __attribute__((always_inline))
#endif

#define TR CPU_GEMM_TR
#define TT CPU_GEMM_TOKENS
#define TV (TT / 16)
/* copied weight rows lie K + 32 values apart (a power-of-two stride would
 * put a tile's rows into one L1 set) */
#define LDW(K) ((K) + 32)
#define MG 16 /* token tiles per group, as the f32 GEMM's */

#ifdef VO_X86
/* 32 values of each of nr ≤ 16 token rows from x + k rounded to bf16
 * pairs, transposed into d[(k/2 + c)·TT + r] (rows past nr zero): the
 * rows converted whole, then one register transpose (a scalar store per
 * pair took 5 % of a tile's time) */
BF16 static void pack16(uint32_t *d, const float *x, size_t ldx, int64_t nr, int64_t k)
{
    __m512i rows[16];
    for (int64_t r = 0; r < 16; r++) {
        rows[r] = _mm512_setzero_si512();
        if (r < nr) {
            const float *xr = x + (size_t)r * ldx + k;
            __m512bh h = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(xr + 16), _mm512_loadu_ps(xr));
            memcpy(&rows[r], &h, sizeof h);
        }
    }
    cpu_avx512_store_t16((float *)(d + k / 2 * TT), TT, (const float *)rows, 16, NULL);
}
#endif

void cpu_avx512bf_pack_xt(uint32_t *xt, const float *x, size_t ldx, int64_t M, int64_t K,
                          int64_t t)
{
#ifdef VO_X86
    int64_t KP = K / 2, m0 = t * TT;
    int64_t nm = M - m0 < TT ? M - m0 : TT;
    uint32_t *d = xt + t * KP * TT;
    for (int64_t m = 0; m < nm; m += 16) {
        const float *xm = x + (m0 + m) * ldx;
        int64_t nr = nm - m < 16 ? nm - m : 16, k = 0;
        for (; k + 32 <= K; k += 32)
            pack16(d + m, xm, ldx, nr, k);
        for (int64_t r = 0; r < nr; r++)
            for (int64_t kk = k; kk < K; kk += 2)
                d[(kk / 2) * TT + m + r] = (uint32_t)cpu_f32_to_bf16(xm[r * ldx + kk]) |
                                           (uint32_t)cpu_f32_to_bf16(xm[r * ldx + kk + 1]) << 16;
    }
    for (int64_t p = 0; p < KP; p++)
        for (int64_t m = nm; m < TT; m++)
            d[p * TT + m] = 0;
#else
    (void)xt; (void)x; (void)ldx; (void)M; (void)K; (void)t;
#endif
}

#ifdef VO_X86
/* res[i·TT + 16v + l] (+)= Σ_p w_i(pair p) · xt(pair p, token 16v + l), p < np:
 * TR rows × 16·nv tokens in TR·nv accumulators, each row's pair of bf16
 * broadcast from memory */
BF16 INLINE void gemm_tile(const uint16_t *w, int64_t ldw, int64_t np, const uint32_t *xt,
                           int nv, float *res, bool first)
{
    __m512 acc[TR][TV];
    cpu_tile_begin(acc, res, nv, first);
    for (int64_t p = 0; p < np; p++) {
        __m512i xv[TV];
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++)
            xv[v] = _mm512_loadu_si512(xt + p * TT + v * 16);
#pragma GCC unroll 8
        for (int i = 0; i < TR; i++) {
            uint32_t pair;
            memcpy(&pair, w + i * ldw + 2 * p, sizeof pair);
            __m512i wv = _mm512_set1_epi32((int)pair);
#pragma GCC unroll 4
            for (int v = 0; v < nv; v++)
                acc[i][v] = _mm512_dpbf16_ps(acc[i][v], (__m512bh)xv[v], (__m512bh)wv);
        }
    }
    cpu_tile_end(res, acc, nv);
}

/* one instance per number of token vectors, so that nv is a constant
 * (cpu_gemm_tile_fn: a unit is a pair of bf16, ldw in pairs) */
BF16 static void gemm_tile_nv(const void *wv, int64_t ldw_pairs, int64_t np, const void *xv,
                              int nv, float *res, bool first)
{
    const uint16_t *w = wv;
    const uint32_t *xt = xv;
    int64_t ldw = 2 * ldw_pairs;
    switch (nv) {
    case 1: gemm_tile(w, ldw, np, xt, 1, res, first); break;
    case 2: gemm_tile(w, ldw, np, xt, 2, res, first); break;
    case 3: gemm_tile(w, ldw, np, xt, 3, res, first); break;
    default: gemm_tile(w, ldw, np, xt, 4, res, first); break;
    }
}
#endif

size_t cpu_avx512bf_gemm_scratch(int64_t K, int64_t M)
{
    int64_t tiles = (M + TT - 1) / TT, row_tiles = (CPU_GEMM_ROWS + TR - 1) / TR;
    tiles = tiles < MG ? tiles : MG;
    return (size_t)(row_tiles * TR) * (size_t)LDW(K) / 2 + (size_t)(tiles * row_tiles * TR * TT);
}

void cpu_avx512bf_gemm_rows(const vo_tensor *w, int64_t n0, int64_t n1, const uint32_t *xt,
                            int64_t M, float *out, size_t ldo, const vo_tensor *bias,
                            float *scratch)
{
#ifdef VO_X86
    int64_t K = w->ne[0], KP = K / 2, ldw = LDW(K);
    int nt = (int)(n1 - n0 + TR - 1) / TR;
    /* the task's rows copied ldw apart, zero rows past its end */
    uint16_t *rows = (uint16_t *)scratch;
    float *accs = scratch + (size_t)(nt * TR) * (size_t)ldw / 2;
    for (int64_t i = 0; i < (int64_t)nt * TR; i++) {
        if (n0 + i < n1)
            memcpy(rows + i * ldw, cpu_base(w) + (n0 + i) * w->nb[1], sizeof(uint16_t) * (size_t)K);
        else
            memset(rows + i * ldw, 0, sizeof(uint16_t) * (size_t)K);
    }
    cpu_gemm_blocks(rows, ldw / 2, KP, xt, M, n0, n1, bias, out, ldo, accs,
                    CPU_GEMM_KC_AVX512, gemm_tile_nv);
#else
    (void)w; (void)n0; (void)n1; (void)xt; (void)M; (void)out; (void)ldo; (void)bias;
    (void)scratch;
#endif
}
