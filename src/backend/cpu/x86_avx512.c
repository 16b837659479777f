/* x86_avx512.c: AVX-512 kernels of the CPU backend for f32, bf16, q8 and q4 weights:
 * the decode matrix-vector product (each weight row streamed once, several
 * output rows in registers) and the prefill/vision GEMM (6 weight rows ×
 * 64 tokens in registers over transposed activations). bf16 is widened to
 * f32 exactly and multiplied in f32 FMA: no rounding of the activations. */
#include "src/backend/cpu/cpu_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "src/backend/cpu/x86_avx512_load.h"
#include "src/backend/cpu/x86_avx512_tile.h"
#define VO_X86 1
#define AVX512 __attribute__((target("avx512f,avx2,fma")))
#define INLINE static inline __attribute__((always_inline))
#endif

bool cpu_have_avx512(void)
{
    return cpu_isa_active() >= CPU_ISA_AVX512;
}

#ifdef VO_X86
/* bytes from a row's start to value k (the start of its block for q8/q4);
 * constants only, so that it folds where t is a constant (a call of
 * vo_type_size here cost half the decode speed) */
INLINE size_t byte_at(int64_t k, vo_type t)
{
    switch (t) {
    case VO_F32: return (size_t)k * 4;
    case VO_BF16: case VO_F16: return (size_t)k * 2;
    case VO_Q8: return (size_t)(k / VO_Q8_BLOCK) * (4 + VO_Q8_BLOCK);
    default: return (size_t)(k / VO_Q8_BLOCK) * (4 + VO_Q8_BLOCK / 2);
    }
}

/* the matvec's prefetches: each row ahead at every load (one pass over the
 * weights, up to 4 x rows: 16 bf16 values are half a line, and once a line
 * ran 1-5 % slower there), once per 64-byte line (the first of several
 * passes), or none (the later passes, which find the task's rows in L2):
 * with 8 and 16 x rows 1.06-1.08x and 1.15-1.25x over a prefetch at every
 * load in every pass (bf16, Zen 5) */
typedef enum { MV_PF_EACH_LOAD, MV_PF_EACH_LINE, MV_PF_NONE } mv_prefetch;

/* res[i·nx + j] = dot(weight row i, x row j), i < nr, j < nx: nr·nx
 * accumulators (≤ 16 + 2·nx + 2 registers), each weight vector loaded once.
 * nr, nx and pf are constants at every call, so the loops unroll fully.
 * Two vectors a step (q8/q4 blocks, bf16 lines) add into each accumulator
 * in the order of one a step: the same bits. */
AVX512 INLINE void mv_tile(const char *w, size_t ldw, vo_type wt, int nr, const float *x,
                           size_t ldx, int nx, int64_t K, float *res, mv_prefetch pf)
{
    __m512 acc[8][4];
#pragma GCC unroll 8
    for (int i = 0; i < nr; i++)
#pragma GCC unroll 4
        for (int j = 0; j < nx; j++)
            acc[i][j] = _mm512_setzero_ps();
    int64_t k = 0;
    bool blocks = wt == VO_Q8 || wt == VO_Q4;     /* one scale, one nibble load */
    if (blocks || (wt == VO_BF16 && pf != MV_PF_EACH_LOAD))
        for (; k + 32 <= K; k += 32) {
            __m512 xl[4], xh[4];
#pragma GCC unroll 4
            for (int j = 0; j < nx; j++) {
                xl[j] = _mm512_loadu_ps(x + j * ldx + k);
                xh[j] = _mm512_loadu_ps(x + j * ldx + k + 16);
            }
#pragma GCC unroll 8
            for (int i = 0; i < nr; i++) {
                if (pf != MV_PF_NONE) {
                    _mm_prefetch(w + i * ldw + byte_at(k, wt) + 512, _MM_HINT_T0);
                    _mm_prefetch(w + (i + nr) * ldw + byte_at(k, wt), _MM_HINT_T1);
                }
                __m512 lo, hi;
                if (blocks) {
                    cpu_avx512_load32(w + i * ldw, k, wt, &lo, &hi);
                } else {
                    lo = cpu_avx512_load16(w + i * ldw, k, wt);
                    hi = cpu_avx512_load16(w + i * ldw, k + 16, wt);
                }
#pragma GCC unroll 4
                for (int j = 0; j < nx; j++) {
                    acc[i][j] = _mm512_fmadd_ps(lo, xl[j], acc[i][j]);
                    acc[i][j] = _mm512_fmadd_ps(hi, xh[j], acc[i][j]);
                }
            }
        }
    for (; k + 16 <= K; k += 16) {
        __m512 xv[4];
#pragma GCC unroll 4
        for (int j = 0; j < nx; j++)
            xv[j] = _mm512_loadu_ps(x + j * ldx + k);
#pragma GCC unroll 8
        for (int i = 0; i < nr; i++) {
            /* this row 512 bytes ahead into L1, and the next tile's row at the
             * same column into L2: a 4 KiB row is a page of its own, where
             * the hardware prefetchers start over */
            if (pf != MV_PF_NONE) {
                _mm_prefetch(w + i * ldw + byte_at(k, wt) + 512, _MM_HINT_T0);
                _mm_prefetch(w + (i + nr) * ldw + byte_at(k, wt), _MM_HINT_T1);
            }
            __m512 wv = cpu_avx512_load16(w + i * ldw, k, wt);
#pragma GCC unroll 4
            for (int j = 0; j < nx; j++)
                acc[i][j] = _mm512_fmadd_ps(wv, xv[j], acc[i][j]);
        }
    }
#pragma GCC unroll 8
    for (int i = 0; i < nr; i++)
#pragma GCC unroll 4
        for (int j = 0; j < nx; j++) {
            float s = _mm512_reduce_add_ps(acc[i][j]);
            for (int64_t kk = k; kk < K; kk++)
                s += cpu_get_f(w + i * ldw, wt, kk) * x[j * ldx + kk];
            res[i * nx + j] = s;
        }
}

/* the (rows, x rows) tiles: 8×1 and 8×2 for one or two sequences, 4×3 and
 * 4×4 for more, 1×nx for the last rows; pf a constant in each */
#define MV_TILE(NR, NX, BF) \
    do { \
        if (pf == MV_PF_NONE) \
            mv_tile(w, ldw, BF, NR, x, ldx, NX, K, res, MV_PF_NONE); \
        else if ((NX) >= 3 && pf == MV_PF_EACH_LINE) \
            mv_tile(w, ldw, BF, NR, x, ldx, NX, K, res, MV_PF_EACH_LINE); \
        else \
            mv_tile(w, ldw, BF, NR, x, ldx, NX, K, res, MV_PF_EACH_LOAD); \
    } while (0)
#define MV_CASES(BF) \
    switch (nr * 8 + nx) { \
    case 8 * 8 + 1: MV_TILE(8, 1, BF); break; \
    case 8 * 8 + 2: MV_TILE(8, 2, BF); break; \
    case 4 * 8 + 3: MV_TILE(4, 3, BF); break; \
    case 4 * 8 + 4: MV_TILE(4, 4, BF); break; \
    case 1 * 8 + 1: MV_TILE(1, 1, BF); break; \
    case 1 * 8 + 2: MV_TILE(1, 2, BF); break; \
    case 1 * 8 + 3: MV_TILE(1, 3, BF); break; \
    default: MV_TILE(1, 4, BF); break; \
    }

AVX512 static void mv_tile_bf16(const char *w, size_t ldw, int nr, const float *x, size_t ldx,
                                int nx, int64_t K, float *res, mv_prefetch pf)
{
    MV_CASES(VO_BF16)
}

AVX512 static void mv_tile_f32(const char *w, size_t ldw, int nr, const float *x, size_t ldx,
                               int nx, int64_t K, float *res, mv_prefetch pf)
{
    MV_CASES(VO_F32)
}

AVX512 static void mv_tile_q8(const char *w, size_t ldw, int nr, const float *x, size_t ldx,
                              int nx, int64_t K, float *res, mv_prefetch pf)
{
    MV_CASES(VO_Q8)
}

AVX512 static void mv_tile_q4(const char *w, size_t ldw, int nr, const float *x, size_t ldx,
                              int nx, int64_t K, float *res, mv_prefetch pf)
{
    MV_CASES(VO_Q4)
}
#endif

void cpu_avx512_matvec(const vo_tensor *w, int64_t n0, int64_t n1, const float *x, size_t ldx,
                       int64_t M, float *out, size_t ldo, const vo_tensor *bias)
{
#ifdef VO_X86
    vo_type wt = w->type;
    size_t ldw = w->nb[1];
    int64_t K = w->ne[0];
    for (int64_t m = 0; m < M; m += 4) {
        int nx = M - m < 4 ? (int)(M - m) : 4, tile_rows = nx <= 2 ? 8 : 4;
        mv_prefetch pf = m > 0 ? MV_PF_NONE : M > 4 ? MV_PF_EACH_LINE : MV_PF_EACH_LOAD;
        for (int64_t n = n0; n < n1;) {
            int nr = n1 - n >= tile_rows ? tile_rows : 1;
            const char *wr = cpu_base(w) + n * ldw;
            float res[8 * 4];
            if (wt == VO_BF16)
                mv_tile_bf16(wr, ldw, nr, x + m * ldx, ldx, nx, K, res, pf);
            else if (wt == VO_Q8)
                mv_tile_q8(wr, ldw, nr, x + m * ldx, ldx, nx, K, res, pf);
            else if (wt == VO_Q4)
                mv_tile_q4(wr, ldw, nr, x + m * ldx, ldx, nx, K, res, pf);
            else
                mv_tile_f32(wr, ldw, nr, x + m * ldx, ldx, nx, K, res, pf);
            for (int i = 0; i < nr; i++) {
                float b = bias ? cpu_get_f(cpu_base(bias), bias->type, n + i) : 0.0f;
                for (int j = 0; j < nx; j++)
                    out[(m + j) * ldo + n + i] = res[i * nx + j] + b;
            }
            n += nr;
        }
    }
#else
    (void)w; (void)n0; (void)n1; (void)x; (void)ldx; (void)M; (void)out; (void)ldo; (void)bias;
#endif
}

/* the GEMM tile: TR weight rows × TT tokens (TV vectors of 16) */
#define TR CPU_GEMM_TR
#define TT CPU_GEMM_TOKENS
#define TV (TT / 16)

#ifdef VO_X86
/* res[i·TT + 16v + l] (+)= Σ_k w[i·ldw + k] · xt[k·TT + 16v + l], k < kc:
 * TR rows × 16·nv tokens in TR·nv accumulators, the weight broadcast from
 * memory; res holds the sums between blocks of K (first: starts at 0).
 * 6 × 64 ran at 92 % of the FMA peak from L1, 12 × 32 at 83 %. */
AVX512 INLINE void gemm_tile(const float *w, int64_t ldw, int64_t kc, const float *xt, int nv,
                             float *res, bool first)
{
    __m512 acc[TR][TV];
    cpu_tile_begin(acc, res, nv, first);
    for (int64_t k = 0; k < kc; k++) {
        __m512 xv[TV];
#pragma GCC unroll 4
        for (int v = 0; v < nv; v++)
            xv[v] = _mm512_loadu_ps(xt + k * TT + v * 16);
#pragma GCC unroll 8
        for (int i = 0; i < TR; i++) {
            __m512 wv = _mm512_set1_ps(w[i * ldw + k]);
#pragma GCC unroll 4
            for (int v = 0; v < nv; v++)
                acc[i][v] = _mm512_fmadd_ps(wv, xv[v], acc[i][v]);
        }
    }
    cpu_tile_end(res, acc, nv);
}

/* one instance per number of token vectors, so that nv is a constant
 * (cpu_gemm_tile_fn: a unit is one f32) */
AVX512 static void gemm_tile_nv(const void *wv, int64_t ldw, int64_t kc, const void *xv, int nv,
                                float *res, bool first)
{
    const float *w = wv, *xt = xv;
    switch (nv) {
    case 1: gemm_tile(w, ldw, kc, xt, 1, res, first); break;
    case 2: gemm_tile(w, ldw, kc, xt, 2, res, first); break;
    case 3: gemm_tile(w, ldw, kc, xt, 3, res, first); break;
    default: gemm_tile(w, ldw, kc, xt, 4, res, first); break;
    }
}

/* one row of K values of type wt widened to f32 (a constant type at each call) */
AVX512 INLINE void widen_row(float *d, const char *row, size_t nb1, int64_t K, vo_type wt)
{
    int64_t k = 0;
    for (; k + 16 <= K; k += 16) {
        /* as in mv_tile: ahead in this row, and the next row (page) */
        _mm_prefetch(row + byte_at(k, wt) + 512, _MM_HINT_T0);
        _mm_prefetch(row + nb1 + byte_at(k, wt), _MM_HINT_T1);
        _mm512_storeu_ps(d + k, cpu_avx512_load16(row, k, wt));
    }
    for (; k < K; k++)
        d[k] = cpu_get_f(row, wt, k);
}

/* n rows of w from row r0, widened to f32 rows ldw apart (zeros past the end) */
AVX512 static void widen_rows(float *dst, int64_t ldw, const vo_tensor *w, int64_t r0, int n)
{
    int64_t K = w->ne[0];
    for (int i = 0; i < n; i++) {
        float *d = dst + i * ldw;
        if (r0 + i >= w->ne[1]) {
            memset(d, 0, sizeof(float) * (size_t)K);
            continue;
        }
        const char *row = cpu_base(w) + (r0 + i) * w->nb[1];
        if (w->type == VO_BF16)
            widen_row(d, row, w->nb[1], K, VO_BF16);
        else if (w->type == VO_Q8)
            widen_row(d, row, w->nb[1], K, VO_Q8);
        else if (w->type == VO_Q4)
            widen_row(d, row, w->nb[1], K, VO_Q4);
        else
            widen_row(d, row, w->nb[1], K, VO_F32);
    }
}
#endif

#ifdef VO_X86
/* dst[c·ldd + r] = src[r·ld + c] + bias[r] for a 16 × 16 block: rows
 * transposed in registers (32-bit, then 64-bit interleaves, then 128-bit
 * lanes), each output row one store; bias NULL: the 32-bit values moved
 * as they are (packed bf16 pairs) */
AVX512 static void store_t16(float *dst, size_t ldd, const float *src, size_t ld,
                             const float *bias)
{
    __m512 r[16], a[16], c[16];
    for (int i = 0; i < 16; i++)
        r[i] = _mm512_loadu_ps(src + (size_t)i * ld);
    for (int i = 0; i < 8; i++) {
        a[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        a[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
#define PD(x) _mm512_castps_pd(x)
#define PS(x) _mm512_castpd_ps(x)
    /* c[4i + k], lane L: column 4L + k of rows 4i … 4i + 3 */
    for (int i = 0; i < 4; i++) {
        c[4 * i] = PS(_mm512_unpacklo_pd(PD(a[4 * i]), PD(a[4 * i + 2])));
        c[4 * i + 1] = PS(_mm512_unpackhi_pd(PD(a[4 * i]), PD(a[4 * i + 2])));
        c[4 * i + 2] = PS(_mm512_unpacklo_pd(PD(a[4 * i + 1]), PD(a[4 * i + 3])));
        c[4 * i + 3] = PS(_mm512_unpackhi_pd(PD(a[4 * i + 1]), PD(a[4 * i + 3])));
    }
#undef PD
#undef PS
    __m512 bv = bias ? _mm512_loadu_ps(bias) : _mm512_setzero_ps();
#define OUT(x) (bias ? _mm512_add_ps((x), bv) : (x))
    for (int k = 0; k < 4; k++) {
        __m512 lo0 = _mm512_shuffle_f32x4(c[k], c[4 + k], 0x44);
        __m512 lo1 = _mm512_shuffle_f32x4(c[8 + k], c[12 + k], 0x44);
        __m512 hi0 = _mm512_shuffle_f32x4(c[k], c[4 + k], 0xee);
        __m512 hi1 = _mm512_shuffle_f32x4(c[8 + k], c[12 + k], 0xee);
        _mm512_storeu_ps(dst + (size_t)k * ldd,
                         OUT(_mm512_shuffle_f32x4(lo0, lo1, 0x88)));
        _mm512_storeu_ps(dst + (size_t)(4 + k) * ldd,
                         OUT(_mm512_shuffle_f32x4(lo0, lo1, 0xdd)));
        _mm512_storeu_ps(dst + (size_t)(8 + k) * ldd,
                         OUT(_mm512_shuffle_f32x4(hi0, hi1, 0x88)));
        _mm512_storeu_ps(dst + (size_t)(12 + k) * ldd,
                         OUT(_mm512_shuffle_f32x4(hi0, hi1, 0xdd)));
    }
}
#undef OUT
#endif

void cpu_avx512_store_t16(float *dst, size_t ldd, const float *src, size_t ld, const float *bias)
{
#ifdef VO_X86
    store_t16(dst, ldd, src, ld, bias);
#else
    (void)dst; (void)ldd; (void)src; (void)ld; (void)bias;
#endif
}

void cpu_avx512_gemm_rows(const vo_tensor *w, int64_t n0, int64_t n1, const float *xt, int64_t M,
                          float *out, size_t ldo, const vo_tensor *bias, float *scratch)
{
#ifdef VO_X86
    int64_t K = w->ne[0];
    int nt = (int)(n1 - n0 + TR - 1) / TR;
    int64_t ldw = CPU_GEMM_LDW(K);
    float *wbuf = scratch, *accs = scratch + (size_t)(nt * TR) * (size_t)ldw;
    widen_rows(wbuf, ldw, w, n0, nt * TR);
    cpu_gemm_blocks(wbuf, ldw, K, xt, M, n0, n1, bias, out, ldo, accs, CPU_GEMM_KC_AVX512,
                    gemm_tile_nv);
#else
    (void)w; (void)n0; (void)n1; (void)xt; (void)M; (void)out; (void)ldo; (void)bias;
    (void)scratch;
#endif
}
