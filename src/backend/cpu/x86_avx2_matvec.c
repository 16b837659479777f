/* x86_avx2_matvec.c: the AVX2 decode product of f32, bf16 and q8 weights
 * with a few x rows (a decode step of pages in flight, drafts): each weight
 * row streamed from memory once for all of them, several output rows in
 * registers, the weights widened (exactly) in registers.
 *
 * Every output is computed alike whatever tile holds it: one 8-lane FMA
 * sum over k in steps of 8 from 0, then its lanes summed (a fixed tree),
 * then the last K % 8 products in order. So each x row gets the bits it
 * gets alone. */
#include "src/backend/cpu/cpu_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "src/backend/cpu/x86_avx2_hsum.h"
#include "src/backend/cpu/x86_avx2_load.h"
#define VO_X86 1
#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))
#endif

bool cpu_avx2_matvec_fits(vo_type w)
{
    return w == VO_F32 || w == VO_BF16 || w == VO_Q8;
}

#ifdef VO_X86
/* how far ahead a tile prefetches its rows, in bytes: a q8 row's step is
 * 36 bytes, a bf16 row's 64, so q8 looks further (measured, 1 thread,
 * K 2048 N 6144: q8 1.1-1.2 ms at 2048 and 3072, 1.3-1.5 at 1024; bf16
 * best at 384-512) */
enum { MV_PF = 512, MV_PF_Q8 = 2048 };
#define MV_BLOCK 512    /* values of a block of the path for more than 3 x rows */
/* bytes from a row's start to value k (to its block's start for q8) */
INLINE size_t byte_at(int64_t k, vo_type t)
{
    if (t == VO_F32 || t == VO_BF16)
        return (size_t)k * (t == VO_F32 ? 4 : 2);
    return (size_t)k / VO_Q8_BLOCK * (4 + VO_Q8_BLOCK);     /* k ≥ 0: unsigned division */
}

/* values c..c+7 of a row of type t (a constant at every call), widened */
AVX2 INLINE __m256 load8(const char *row, int64_t c, vo_type t)
{
    if (t == VO_F32)
        return _mm256_loadu_ps((const float *)row + c);
    if (t == VO_BF16)
        return cpu_avx2_bf16x8((const uint16_t *)row + c);
    const char *b = row + byte_at(c, VO_Q8);     /* an f32 scale, then 32 int8 */
    float d;
    memcpy(&d, b, sizeof d);
    return cpu_avx2_q8x8(b + 4 + (size_t)c % VO_Q8_BLOCK, _mm256_set1_ps(d));
}

/* One q8 block of each of the rows (value k is a block's first) into the
 * sums acc[i][j]: its scale broadcast and its address found once for the
 * block's 4 vectors (load8 finds both for each), each vector widened as
 * load8 widens it and the FMAs in the same order, so the same bits; given
 * keep, row i's 32 widened values stored at keep + i·MV_BLOCK too. */
AVX2 INLINE void mv_block_q8(const char *w, size_t ldw, int nr, const float *x, size_t ldx,
                             int nx, int64_t k, int64_t wk, __m256 acc[8][3], float *keep)
{
    size_t at = byte_at(k - wk, VO_Q8);
#pragma GCC unroll 8
    for (int i = 0; i < nr; i++) {
        const char *b = w + i * ldw + at;
        float d;
        memcpy(&d, b, sizeof d);
        __m256 dv = _mm256_set1_ps(d);
#pragma GCC unroll 4
        for (int s = 0; s < 4; s++) {
            __m256 wv = cpu_avx2_q8x8(b + 4 + 8 * s, dv);
            if (keep)
                _mm256_storeu_ps(keep + i * MV_BLOCK + 8 * s, wv);
#pragma GCC unroll 3
            for (int j = 0; j < nx; j++)
                acc[i][j] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x + j * ldx + k + 8 * s),
                                            acc[i][j]);
        }
    }
}

/* res[i·nx + j]: the vector sums acc[i·3 + j] finished, their lanes summed
 * (a fixed tree), then the products past K8 (K rounded down to 8) of the
 * rows w (of type wt, ldw bytes apart) in order */
AVX2 INLINE void mv_finish(const __m256 *acc, const char *w, size_t ldw, vo_type wt, int nr,
                           const float *x, size_t ldx, int nx, int64_t K, float *res)
{
#pragma GCC unroll 8
    for (int i = 0; i < nr; i++)
#pragma GCC unroll 3
        for (int j = 0; j < nx; j++) {
            float s = cpu_avx2_hsum8(acc[i * 3 + j]);
            for (int64_t kk = K / 8 * 8; kk < K; kk++)
                s += cpu_get_f(w + i * ldw, wt, kk) * x[j * ldx + kk];
            res[i * nx + j] = s;
        }
}

/* The part k0 ≤ k < k1 of res[i·nx + j] = dot(weight row i, x row j),
 * i < nr, j < nx, in nr·nx accumulators, each weight vector widened once
 * for the nx rows: they start at zero (first) or from sums (vectors [i][j]
 * as left there); the last part ends at K rounded down to 8 and finishes
 * each sum into res (given res), the others leave the vectors in sums.
 * Value k of a row is at k − wk (a block widened apart starts at its
 * k0). Given keep (q8 weights, k0 a multiple of 32), row i's widened value
 * k is also stored at keep[i·MV_BLOCK + k − k0], for other tiles to read.
 * nr, nx and wt are constants at every call, so the loops unroll
 * fully and the accumulators stay in registers. */
AVX2 INLINE void mv_tile(const char *w, size_t ldw, vo_type wt, int nr, const float *x,
                         size_t ldx, int nx, int64_t K, int64_t k0, int64_t k1, int64_t wk,
                         size_t pf, __m256 *sums, bool first, float *res, float *keep)
{
    __m256 acc[8][3];
#pragma GCC unroll 8
    for (int i = 0; i < nr; i++)
#pragma GCC unroll 3
        for (int j = 0; j < nx; j++)
            acc[i][j] = first ? _mm256_setzero_ps() : sums[i * 3 + j];
    int64_t k = k0;
    /* 32 values a step: one 64-byte line of a bf16 row a prefetch, this
     * row pf bytes ahead (a 4 KiB row is a page of its own, where the
     * hardware prefetchers start over), and past the row's end the same
     * row of the next tile (rows are ldw bytes apart, tiles nr rows), so
     * that a tile's first lines are not read cold; none where pf is 0 */
    for (; k + 32 <= k1; k += 32) {
        if (pf) {
            size_t at = byte_at(k - wk, wt) + pf;
            if (at >= ldw)
                at += (size_t)(nr - 1) * ldw;
#pragma GCC unroll 8
            for (int i = 0; i < nr; i++)
                _mm_prefetch(w + i * ldw + at, _MM_HINT_T0);
        }
        if (wt == VO_Q8 && (k - wk) % VO_Q8_BLOCK == 0) {
            mv_block_q8(w, ldw, nr, x, ldx, nx, k, wk, acc, keep ? keep + (k - k0) : NULL);
            continue;
        }
#pragma GCC unroll 4
        for (int s = 0; s < 4; s++) {
            __m256 xv[3];
#pragma GCC unroll 3
            for (int j = 0; j < nx; j++)
                xv[j] = _mm256_loadu_ps(x + j * ldx + k + 8 * s);
#pragma GCC unroll 8
            for (int i = 0; i < nr; i++) {
                __m256 wv = load8(w + i * ldw, k - wk + 8 * s, wt);
#pragma GCC unroll 3
                for (int j = 0; j < nx; j++)
                    acc[i][j] = _mm256_fmadd_ps(wv, xv[j], acc[i][j]);
            }
        }
    }
    for (; k + 8 <= k1; k += 8) {
#pragma GCC unroll 8
        for (int i = 0; i < nr; i++) {
            __m256 wv = load8(w + i * ldw, k - wk, wt);
            if (wt == VO_Q8 && keep)    /* the f32 and bf16 tiles compile it out */
                _mm256_storeu_ps(keep + i * MV_BLOCK + (k - k0), wv);
#pragma GCC unroll 3
            for (int j = 0; j < nx; j++)
                acc[i][j] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x + j * ldx + k), acc[i][j]);
        }
    }
    if (k1 < K / 8 * 8 || !res) {
#pragma GCC unroll 8
        for (int i = 0; i < nr; i++)
#pragma GCC unroll 3
            for (int j = 0; j < nx; j++)
                sums[i * 3 + j] = acc[i][j];
        return;
    }
    mv_finish(&acc[0][0], w, ldw, wt, nr, x, ldx, nx, K, res);
}

/* the (rows, x rows) tiles: 8×1, 6×2 and 4×3 (up to 15 of the 16
 * registers), 4×1 and 4×2 beside 4×3 tiles, 1×nx for the last rows */
#define MV_TILE(T, NR, NX) \
    mv_tile(w, ldw, T, NR, x, ldx, NX, K, k0, k1, wk, pf, sums, first, res, keep)
#define MV_CASES(T) \
    switch (nr * 4 + nx) { \
    case 8 * 4 + 1: MV_TILE(T, 8, 1); break; \
    case 6 * 4 + 2: MV_TILE(T, 6, 2); break; \
    case 4 * 4 + 1: MV_TILE(T, 4, 1); break; \
    case 4 * 4 + 2: MV_TILE(T, 4, 2); break; \
    case 4 * 4 + 3: MV_TILE(T, 4, 3); break; \
    case 1 * 4 + 1: MV_TILE(T, 1, 1); break; \
    case 1 * 4 + 2: MV_TILE(T, 1, 2); break; \
    default: MV_TILE(T, 1, 3); break; \
    }

typedef void mv_tile_fn(const char *w, size_t ldw, int nr, const float *x, size_t ldx, int nx,
                        int64_t K, int64_t k0, int64_t k1, int64_t wk, size_t pf, __m256 *sums,
                        bool first, float *res, float *keep);

AVX2 static void mv_tile_bf16(const char *w, size_t ldw, int nr, const float *x, size_t ldx,
                              int nx, int64_t K, int64_t k0, int64_t k1, int64_t wk,
                              size_t pf, __m256 *sums, bool first, float *res, float *keep)
{
    MV_CASES(VO_BF16)
}

AVX2 static void mv_tile_f32(const char *w, size_t ldw, int nr, const float *x, size_t ldx,
                             int nx, int64_t K, int64_t k0, int64_t k1, int64_t wk,
                             size_t pf, __m256 *sums, bool first, float *res, float *keep)
{
    MV_CASES(VO_F32)
}

AVX2 static void mv_tile_q8(const char *w, size_t ldw, int nr, const float *x, size_t ldx,
                            int nx, int64_t K, int64_t k0, int64_t k1, int64_t wk,
                            size_t pf, __m256 *sums, bool first, float *res, float *keep)
{
    MV_CASES(VO_Q8)
}
#undef MV_CASES
#undef MV_TILE

/* the outputs of tile rows n ≤ r < n + nr and x rows m ≤ j < m + nx */
static void mv_store(float *out, size_t ldo, const vo_tensor *bias, int64_t n, int nr, int64_t m,
                     int nx, const float *res)
{
    for (int i = 0; i < nr; i++) {
        float b = bias ? cpu_get_f(cpu_base(bias), bias->type, n + i) : 0.0f;
        for (int j = 0; j < nx; j++)
            out[(m + j) * ldo + n + i] = res[i * nx + j] + b;
    }
}

/* More than 3 x rows: tiles of 4 weight rows over blocks of MV_BLOCK
 * values, every group of 3 x rows in turn over a block while it is in L1
 * (a block of 4 bf16 rows is 4 KB, of 16 x rows 32 KB), the sums kept
 * between blocks (the same additions as in one pass: a vector's lanes go
 * on where they were). A q8 block is widened to f32 once: the first group
 * widens it in registers and keeps the values in a buffer (keep), the
 * other groups read them from there, so their tiles do FMAs and loads only
 * (1.3x at 8 x rows, 1.7-2x at 16, against widening in every group; the
 * first group's widening kept, not a pass of its own before it, 1.2x
 * more at 4 and 8 x rows). bf16
 * blocks are not: their widening is two instructions, and widened apart
 * they ran up to 1.6x slower (measured, 1 thread, K 2048 N 6144). Rows
 * past the last whole tile one at a time. */

AVX2 static void matvec_blocked(mv_tile_fn *tile, const vo_tensor *w, int64_t n0, int64_t n1,
                                const float *x, size_t ldx, int64_t M, float *out, size_t ldo,
                                const vo_tensor *bias)
{
    size_t ldw = w->nb[1];
    int64_t K = w->ne[0], K8 = K / 8 * 8;
    bool widen = w->type == VO_Q8;
    __m256 sums[(16 + 2) / 3][4 * 3];
    float res[4 * 3];
    _Alignas(32) float buf[4 * MV_BLOCK];
    for (int64_t n = n0; n < n1;) {
        int nr = n1 - n >= 4 ? 4 : 1;
        const char *wr = cpu_base(w) + n * ldw;
        for (int64_t k0 = 0; k0 < K8 || k0 == 0; k0 += MV_BLOCK) {
            int64_t k1 = K8 - k0 > MV_BLOCK ? k0 + MV_BLOCK : K8;
            for (int64_t m = 0; m < M; m += 3) {
                int nx = M - m < 3 ? (int)(M - m) : 3;
                if (!widen || m == 0)
                    /* q8: the first group widens in registers, and keeps the rows in buf */
                    tile(wr, ldw, nr, x + m * ldx, ldx, nx, K, k0, k1, 0,
                         widen ? MV_PF_Q8 : MV_PF, sums[m / 3], k0 == 0, res, widen ? buf : NULL);
                else {
                    mv_tile_f32((const char *)buf, MV_BLOCK * sizeof(float), nr, x + m * ldx,
                                ldx, nx, K, k0, k1, k0, 0, sums[m / 3], k0 == 0, NULL, NULL);
                    if (k1 == K8)   /* the tail past K8 from the rows themselves */
                        mv_finish(sums[m / 3], wr, ldw, w->type, nr, x + m * ldx, ldx, nx, K,
                                  res);
                }
                if (k1 == K8)
                    mv_store(out, ldo, bias, n, nr, m, nx, res);
            }
        }
        n += nr;
    }
}
#endif

void cpu_avx2_matvec(const vo_tensor *w, int64_t n0, int64_t n1, const float *x, size_t ldx,
                     int64_t M, float *out, size_t ldo, const vo_tensor *bias)
{
#ifdef VO_X86
    mv_tile_fn *tile = w->type == VO_BF16 ? mv_tile_bf16 : w->type == VO_Q8 ? mv_tile_q8
                                                                          : mv_tile_f32;
    if (M > 3)
        return matvec_blocked(tile, w, n0, n1, x, ldx, M, out, ldo, bias);
    size_t ldw = w->nb[1];
    int64_t K = w->ne[0];
    int nx = (int)M, tile_rows = nx == 1 ? 8 : nx == 2 ? 6 : 4;
    size_t pf = w->type == VO_Q8 ? MV_PF_Q8 : MV_PF;
    __m256 sums[8 * 3];
    for (int64_t n = n0; n < n1;) {
        int nr = n1 - n >= tile_rows ? tile_rows : 1;
        float res[8 * 3];
        tile(cpu_base(w) + n * ldw, ldw, nr, x, ldx, nx, K, 0, K / 8 * 8, 0, pf, sums, true, res,
             NULL);
        mv_store(out, ldo, bias, n, nr, 0, nx, res);
        n += nr;
    }
#else
    (void)w; (void)n0; (void)n1; (void)x; (void)ldx; (void)M; (void)out; (void)ldo; (void)bias;
#endif
}
