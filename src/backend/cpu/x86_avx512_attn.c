/* x86_avx512_attn.c: the AVX-512 attention, in the flash form: keys and
 * values in blocks of CPU_ATTN_KEYS, widened once per block for all the
 * query rows of a task (the query heads of one grouped-query KV head and a
 * tile of queries), an online softmax, no score row as long as the context.
 *
 * Each query row's arithmetic is the same whatever else its task holds: the
 * other rows only share the loads. So a query gets the same output in a
 * decode step, a draft and a prefill chunk, bit for bit, as the matvec
 * gives each decode row (src/backend/cpu/ops_fast.c). */
#include "src/backend/cpu/cpu_internal.h"

#include <math.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "src/backend/cpu/x86_avx512_exp.h"
#include "src/backend/cpu/x86_avx512_load.h"
#define VO_X86 1
#define AVX512 __attribute__((target("avx512f,avx2,fma")))
#define INLINE static inline __attribute__((always_inline))
#endif

enum {
    KB = CPU_ATTN_KEYS,
    PV_MAX_NV = 8,        /* head_dim up to 128 in registers */
    ROW_PAD = 6,          /* rows are padded to the largest value-tile height */
    FULL_ROWS = 4 * 16    /* the full path's rows: 4 vectors of lanes (scores_lanes) */
};

bool cpu_avx512_attn_fits(int64_t head_dim)
{
    return head_dim > 0 && head_dim <= 16 * PV_MAX_NV;
}

/* rows of a task padded for the tiles, and to whole vectors of 16 on the
 * full path (lanes) (dummy rows never reach the output) */
static int64_t padded_rows(int64_t rows, bool lanes)
{
    int64_t tiles = (rows + ROW_PAD - 1) / ROW_PAD * ROW_PAD, vecs = (rows + 15) / 16 * 16;
    return lanes && vecs > tiles ? vecs : tiles;
}

/* one KV head's state: packed queries, outputs, on the full path the
 * queries transposed, then p, m, l, alpha (a decode step's heads kept
 * this close: spread out for the full path, decode ran 5-10 % slower) */
static size_t head_floats(size_t ld, int64_t rp, bool lanes)
{
    return (lanes ? 3 : 2) * (size_t)rp * ld + (size_t)rp * KB + 3 * (size_t)rp;
}

size_t cpu_avx512_attn_scratch(int64_t head_dim, int64_t rows, int64_t heads)
{
    size_t ld = (size_t)(head_dim + 15) / 16 * 16;
    /* the widened keys and values, then each KV head's state */
    return 2 * (size_t)KB * ld + (size_t)heads * head_floats(ld, padded_rows(rows, true), true);
}

#ifdef VO_X86
/* bytes of n values of a cache row of `type` (constants only: folds where
 * type is a constant) */
INLINE size_t kv_bytes(int64_t n, vo_type type)
{
    switch (type) {
    case VO_F32: return (size_t)n * 4;
    case VO_Q8ROW: return 4 + (size_t)n;
    default: return (size_t)n * 2;
    }
}

/* How many rows of one KV head ahead a cache read prefetches: about 8 KB
 * of that head's rows (keys; values half as far in a decode step). A head's
 * rows lie n_kv_heads rows apart, too far for the hardware prefetchers.
 * Measured on a Zen 4 EPYC at 6,000 keys: the old 8 keys / 4 values left a
 * q8 cache's decode attention at a third of the read bandwidth, 64 rows
 * nearly doubled it; shorter rows want more of them. */
INLINE int64_t prefetch_rows(vo_type type)
{
    switch (type) {
    case VO_F32: return 16;
    case VO_Q8ROW: return 64;
    default: return 32;
    }
}

/* How many keys ahead a decode step's direct reads prefetch (keys, values
 * half as far). They take all of a task's heads at each key (8 heads of a
 * bf16 cache: 2 KB a key), so prefetch_rows' distance, meant for one head,
 * ran 64 KB of keys ahead, past the 48 KB L1: 16 keys ran 1.04-1.10x
 * (same process, 6,000 keys, bf16 cache, Zen 5); f32 as before, q8 kept. */
INLINE int64_t direct_ahead(vo_type type)
{
    return type == VO_Q8ROW ? prefetch_rows(type) : 16;
}

/* rows k0 ≤ k < k0 + n of KV head kh of a cache of `type` widened to f32
 * into dst, ld floats apart, zero after head_dim; rows n ≤ k < n_pad zero.
 * type is a constant at each call (the loops specialise). */
AVX512 INLINE void widen_kv_rows_t(float *dst, size_t ld, const vo_tensor *t, vo_type type,
                                int64_t kh, int64_t k0, int64_t n, int64_t n_pad, int64_t hd)
{
    const char *base = cpu_base(t) + kh * t->nb[1];
    size_t stride = t->nb[2], bytes = kv_bytes(hd, type);
    for (int64_t k = 0; k < n; k++) {
        const char *row = base + (k0 + k) * stride;
        float *d = dst + (size_t)k * ld;
        for (size_t b = 0; b < bytes; b += 64)
            _mm_prefetch(row + prefetch_rows(type) * stride + b, _MM_HINT_T0);
        int64_t c = 0;
        for (; c + 16 <= hd; c += 16)
            _mm512_storeu_ps(d + c, cpu_avx512_load16(row, c, type));
        if (type == VO_F32 && c < hd) {     /* the tail and the zeros: one vector */
            __mmask16 m = (__mmask16)((1u << (hd - c)) - 1);
            _mm512_storeu_ps(d + c, _mm512_maskz_loadu_ps(m, (const float *)row + c));
            c += 16;
        }
        for (; c < hd; c++)
            d[c] = cpu_get_f(row, type, c);
        for (; c < (int64_t)ld; c++)
            d[c] = 0.0f;
    }
    for (int64_t k = n; k < n_pad; k++)
        memset(dst + (size_t)k * ld, 0, sizeof(float) * ld);
}

AVX512 static void widen_kv_rows(float *dst, size_t ld, const vo_tensor *t, int64_t kh, int64_t k0,
                              int64_t n, int64_t n_pad, int64_t hd)
{
    if (t->type == VO_F32)
        widen_kv_rows_t(dst, ld, t, VO_F32, kh, k0, n, n_pad, hd);
    else if (t->type == VO_BF16)
        widen_kv_rows_t(dst, ld, t, VO_BF16, kh, k0, n, n_pad, hd);
    else if (t->type == VO_Q8ROW)
        widen_kv_rows_t(dst, ld, t, VO_Q8ROW, kh, k0, n, n_pad, hd);
    else
        widen_kv_rows_t(dst, ld, t, VO_F16, kh, k0, n, n_pad, hd);
}

/* the sums of 8 vectors, lane j = Σ a[j] (a fixed tree: the same for
 * every row) */
AVX512 INLINE __m256 reduce8(const __m512 a[8])
{
    __m512 t01 = _mm512_add_ps(_mm512_unpacklo_ps(a[0], a[1]), _mm512_unpackhi_ps(a[0], a[1]));
    __m512 t23 = _mm512_add_ps(_mm512_unpacklo_ps(a[2], a[3]), _mm512_unpackhi_ps(a[2], a[3]));
    __m512 t45 = _mm512_add_ps(_mm512_unpacklo_ps(a[4], a[5]), _mm512_unpackhi_ps(a[4], a[5]));
    __m512 t67 = _mm512_add_ps(_mm512_unpacklo_ps(a[6], a[7]), _mm512_unpackhi_ps(a[6], a[7]));
#define LO(x, y) _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(x), _mm512_castps_pd(y)))
#define HI(x, y) _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(x), _mm512_castps_pd(y)))
    __m512 u0 = _mm512_add_ps(LO(t01, t23), HI(t01, t23));    /* a0..a3 per 128-bit chunk */
    __m512 u1 = _mm512_add_ps(LO(t45, t67), HI(t45, t67));    /* a4..a7 */
#undef LO
#undef HI
    __m512 v = _mm512_add_ps(_mm512_shuffle_f32x4(u0, u1, 0x88), _mm512_shuffle_f32x4(u0, u1, 0xdd));
    __m512 w = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, 0xb1));
    return _mm512_castps512_ps256(_mm512_shuffle_f32x4(w, w, 0x08));
}

/* scores of nq query rows (q[i], ≤ 3) against the 8 keys at k (rows
 * `stride` bytes apart, of `type`, widened in registers): Σ over the
 * vectors of q·k in lanes, then reduce8; the same sums for a row whatever
 * rows go with it */
AVX512 INLINE void scores8(const float *const *q, int nq, const char *k, size_t stride,
                           vo_type type, int64_t nv, __m256 *s)
{
    __m512 a[3][8];
#pragma GCC unroll 3
    for (int i = 0; i < nq; i++)
#pragma GCC unroll 8
        for (int j = 0; j < 8; j++)
            a[i][j] = _mm512_setzero_ps();
    for (int64_t v = 0; v < nv; v++) {
        __m512 x[3];
#pragma GCC unroll 3
        for (int i = 0; i < nq; i++)
            x[i] = _mm512_loadu_ps(q[i] + 16 * v);
#pragma GCC unroll 8
        for (int j = 0; j < 8; j++) {
            __m512 kv = cpu_avx512_load16(k + (size_t)j * stride, 16 * v, type);
            /* in a register once for all the rows: gcc folds it into each
             * FMA otherwise, and a load per FMA made these loops
             * load-bound (prefill attention 71 -> 106 GFLOP/s) */
            __asm__("" : "+v"(kv));
#pragma GCC unroll 3
            for (int i = 0; i < nq; i++)
                a[i][j] = _mm512_fmadd_ps(x[i], kv, a[i][j]);
        }
    }
#pragma GCC unroll 3
    for (int i = 0; i < nq; i++)
        s[i] = reduce8(a[i]);
}

/* o[r] = o[r]·alpha[r] + Σ_k p[r][k]·v[k] for nr rows, k < nk in order,
 * p[r][k] at p[r·p_row + k·p_key];
 * value rows `stride` bytes apart, of `type`; nv vectors of head_dim held
 * in registers; ahead: prefetch the rows direct_ahead / 2 on (a decode
 * step's rows read straight from a cache); f32 rows: the last vector's
 * values past tail zero (not read: a row of head_dim 72 straight from a
 * cache) */
AVX512 INLINE void pv_tile(float *o, const float *p, size_t p_row, size_t p_key,
                           const float *alpha, const char *vr, size_t stride, vo_type type,
                           size_t ld, int64_t nk, int nv, int nr, bool ahead, __mmask16 tail)
{
    __m512 acc[6][PV_MAX_NV];
#pragma GCC unroll 6
    for (int i = 0; i < nr; i++) {
        __m512 a = _mm512_set1_ps(alpha[i]);
#pragma GCC unroll 8
        for (int v = 0; v < nv; v++)
            acc[i][v] = _mm512_mul_ps(_mm512_loadu_ps(o + (size_t)i * ld + 16 * v), a);
    }
    for (int64_t k = 0; k < nk; k++) {
        const char *row = vr + (size_t)k * stride;
        if (ahead)
            for (size_t c = 0; c < kv_bytes(nv * 16, type); c += 64)
                _mm_prefetch(row + direct_ahead(type) / 2 * stride + c, _MM_HINT_T0);
        __m512 b[6];
#pragma GCC unroll 6
        for (int i = 0; i < nr; i++)
            b[i] = _mm512_set1_ps(p[(size_t)i * p_row + (size_t)k * p_key]);
#pragma GCC unroll 8
        for (int v = 0; v < nv; v++) {
            __m512 x = type == VO_F32 && v == nv - 1 && tail != 0xffff
                           ? _mm512_maskz_loadu_ps(tail, (const float *)row + 16 * v)
                           : cpu_avx512_load16(row, 16 * v, type);
            __asm__("" : "+v"(x));    /* one load for all the rows: see scores8 */
#pragma GCC unroll 6
            for (int i = 0; i < nr; i++)
                acc[i][v] = _mm512_fmadd_ps(b[i], x, acc[i][v]);
        }
    }
#pragma GCC unroll 6
    for (int i = 0; i < nr; i++)
#pragma GCC unroll 8
        for (int v = 0; v < nv; v++)
            _mm512_storeu_ps(o + (size_t)i * ld + 16 * v, acc[i][v]);
}

/* the value tiles of one block over all rows: nv constant at each call,
 * rows per tile as many as the registers hold (nr·nv + nr + 1 ≤ 32);
 * value rows `stride` bytes apart, f32, the last vector as tail says */
#define PV_TILE(NV, NR) \
    pv_tile(o + r * ld, p + r * p_row, p_row, p_key, alpha + r, vr, stride, VO_F32, ld, nk, NV, \
            NR, false, tail)
#define PV_CASE(NV, NR) \
    case NV: \
        for (r = 0; r + NR <= rows; r += NR) \
            PV_TILE(NV, NR); \
        /* the rest in tiles of 4 and 2 (the rows of a SigLIP task: 12 × 5 + 4; \
         * one at a time, each key's loads served one row) */ \
        if (NR > 4 && rows - r >= 4) { \
            PV_TILE(NV, 4); \
            r += 4; \
        } \
        if (NR > 2 && rows - r >= 2) { \
            PV_TILE(NV, 2); \
            r += 2; \
        } \
        for (; r < rows; r++) \
            PV_TILE(NV, 1); \
        break;

AVX512 INLINE void pv_block_t(float *o, const float *p, size_t p_row, size_t p_key,
                              const float *alpha, const char *vr, size_t stride, size_t ld,
                              int64_t nk, int64_t nv, int64_t rows, __mmask16 tail)
{
    int64_t r;
    switch (nv) {
    PV_CASE(1, 6) PV_CASE(2, 6) PV_CASE(3, 6) PV_CASE(4, 6)
    PV_CASE(5, 5) PV_CASE(6, 4) PV_CASE(7, 3) default: PV_CASE(8, 3)
    }
}

/* whole last vectors (a constant: no mask in the loop) or a tail */
AVX512 static void pv_block(float *o, const float *p, size_t p_row, size_t p_key,
                            const float *alpha, const char *vr, size_t stride, size_t ld,
                            int64_t nk, int64_t nv, int64_t rows, __mmask16 tail)
{
    if (tail == 0xffff)
        pv_block_t(o, p, p_row, p_key, alpha, vr, stride, ld, nk, nv, rows, 0xffff);
    else
        pv_block_t(o, p, p_row, p_key, alpha, vr, stride, ld, nk, nv, rows, tail);
}
#undef PV_CASE
#undef PV_TILE

/* one block's softmax step for row r with `vis` visible keys (1..KB) among
 * the block's scores s[0..KB): the new running max m, the old sums' factor,
 * p = e^(s − m) (0 where not visible), l updated */
AVX512 INLINE float softmax_block(float *s, int64_t vis, float *m, float *l)
{
    __mmask16 k0 = vis >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << vis) - 1);
    __mmask16 k1 = vis >= 32 ? (__mmask16)0xffff : vis <= 16 ? 0 : (__mmask16)((1u << (vis - 16)) - 1);
    __m512 s0 = _mm512_loadu_ps(s), s1 = _mm512_loadu_ps(s + 16);
    float mb = _mm512_mask_reduce_max_ps(k0, s0);
    if (k1) {
        float mb1 = _mm512_mask_reduce_max_ps(k1, s1);
        mb = mb1 > mb ? mb1 : mb;
    }
    float mn = *m > mb ? *m : mb;
    float alpha = _mm512_cvtss_f32(cpu_avx512_exp_le0(_mm512_set1_ps(*m - mn)));
    __m512 mv = _mm512_set1_ps(mn);
    __m512 e0 = _mm512_maskz_mov_ps(k0, cpu_avx512_exp_le0(_mm512_sub_ps(s0, mv)));
    __m512 e1 = _mm512_maskz_mov_ps(k1, cpu_avx512_exp_le0(_mm512_sub_ps(s1, mv)));
    _mm512_storeu_ps(s, e0);
    _mm512_storeu_ps(s + 16, e1);
    *l = *l * alpha + _mm512_reduce_add_ps(_mm512_add_ps(e0, e1));
    *m = mn;
    return alpha;
}

/* one KV head's running state for the rows of a task */
typedef struct {
    float *qp, *o, *qt, *p, *m, *l, *alpha;
} head_state;

/* One or two query rows of head_dim 128 a KV head (a decode step): nothing
 * to share a widened copy of the block with, so the keys and values are
 * read straight from the cache rows, widened in registers (the same
 * arithmetic: widening is exact). The block goes 8 keys at a time with all
 * the task's heads inside, so that the reads follow the cache's order (a
 * key's heads lie side by side; one head's rows n_kv_heads rows apart):
 * at 6,000 keys on a Zen 5, 1.3x (bf16) and 1.1-1.2x (f32) against head
 * after head, q8 level. */
AVX512 INLINE void scores_direct_t(head_state *hs, int64_t nh, size_t ld, const vo_tensor *k,
                                   vo_type type, int64_t kh0, int64_t nk, float *kw, float scale)
{
    size_t stride = k->nb[2];
    for (int64_t j = 0; j < nk; j += 8)
        for (int64_t a = 0; a < nh; a++) {
            const char *base = cpu_base(k) + (kh0 + a) * k->nb[1];
            const float *q[2] = {hs[a].qp, hs[a].qp + ld};
            float *p = hs[a].p;
            __m256 sv[2];
            if (j + 8 <= nk) {
                for (int64_t i = direct_ahead(type); i < direct_ahead(type) + 8; i++)
                    for (size_t c = 0; c < kv_bytes(128, type); c += 64)
                        _mm_prefetch(base + (size_t)(j + i) * stride + c, _MM_HINT_T0);
                scores8(q, 2, base + (size_t)j * stride, stride, type, 8, sv);
            } else {    /* keys past the last whole 8 through kw */
                widen_kv_rows_t(kw, ld, k, type, kh0 + a, j, nk - j, 8, 128);
                scores8(q, 2, (const char *)kw, ld * 4, VO_F32, 8, sv);
            }
            _mm256_storeu_ps(p + j, _mm256_mul_ps(sv[0], _mm256_set1_ps(scale)));
            _mm256_storeu_ps(p + KB + j, _mm256_mul_ps(sv[1], _mm256_set1_ps(scale)));
        }
}

AVX512 static void scores_direct(head_state *hs, int64_t nh, size_t ld, const vo_tensor *k,
                                 int64_t kh0, int64_t nk, float *kw, float scale)
{
    if (k->type == VO_F32)
        scores_direct_t(hs, nh, ld, k, VO_F32, kh0, nk, kw, scale);
    else if (k->type == VO_BF16)
        scores_direct_t(hs, nh, ld, k, VO_BF16, kh0, nk, kw, scale);
    else if (k->type == VO_Q8ROW)
        scores_direct_t(hs, nh, ld, k, VO_Q8ROW, kh0, nk, kw, scale);
    else
        scores_direct_t(hs, nh, ld, k, VO_F16, kh0, nk, kw, scale);
}

/* the values of the direct path, a few keys at a time with the heads inside:
 * each head's outputs go through memory between its groups of keys, o·α
 * before the first group, then ·1 (exact), so the sums are pv_tile's over
 * the block */
AVX512 INLINE void pv_direct_t(head_state *hs, int64_t nh, const vo_tensor *v, vo_type type,
                               int64_t kh0, int64_t nk, size_t ld, int64_t rows)
{
    static const float one[2] = {1.0f, 1.0f};
    size_t stride = v->nb[2];
    /* keys a group: q8 rows are half as long as bf16 ones (q8 1.02-1.05x
     * at 16 against 8; bf16 at 16 was not faster) */
    int64_t g = type == VO_Q8ROW ? 16 : 8;
    for (int64_t j = 0; j < nk; j += g) {
        int64_t n = nk - j < g ? nk - j : g;
        for (int64_t a = 0; a < nh; a++) {
            head_state *h = &hs[a];
            const char *vr = cpu_base(v) + (kh0 + a) * v->nb[1] + (size_t)j * stride;
            const float *alpha = j == 0 ? h->alpha : one;
            if (rows == 1)
                pv_tile(h->o, h->p + j, KB, 1, alpha, vr, stride, type, ld, n, 8, 1, true, 0xffff);
            else
                pv_tile(h->o, h->p + j, KB, 1, alpha, vr, stride, type, ld, n, 8, 2, true, 0xffff);
        }
    }
}

AVX512 static void pv_direct(head_state *hs, int64_t nh, const vo_tensor *v, int64_t kh0,
                             int64_t nk, size_t ld, int64_t rows)
{
    if (v->type == VO_F32)
        pv_direct_t(hs, nh, v, VO_F32, kh0, nk, ld, rows);
    else if (v->type == VO_BF16)
        pv_direct_t(hs, nh, v, VO_BF16, kh0, nk, ld, rows);
    else if (v->type == VO_Q8ROW)
        pv_direct_t(hs, nh, v, VO_Q8ROW, kh0, nk, ld, rows);
    else
        pv_direct_t(hs, nh, v, VO_F16, kh0, nk, ld, rows);
}

/* the query rows of KV head kh packed (zero padded) and, for the full path
 * (lanes), transposed too: value d of row r at qt[d·rq + r], rq the rows
 * rounded up to 16; the state zeroed */
static head_state head_init(float *base, const vo_tensor *q, const vo_attn_seq *S, int64_t kh,
                            int64_t G, int64_t i0, int64_t rows, int64_t rp, size_t ld,
                            bool lanes)
{
    head_state h = {base, base + rp * ld, lanes ? base + 2 * rp * ld : NULL,
                    base + (lanes ? 3 : 2) * rp * ld, NULL, NULL, NULL};
    h.m = h.p + rp * KB;
    h.l = h.m + rp;
    h.alpha = h.l + rp;
    int64_t hd = q->ne[0];
    for (int64_t r = 0; r < rp; r++) {
        memset(h.qp + r * ld, 0, sizeof(float) * ld);
        memset(h.o + r * ld, 0, sizeof(float) * ld);
        memset(h.p + r * KB, 0, sizeof(float) * KB);
        h.m[r] = -INFINITY;
        h.l[r] = 0.0f;
        h.alpha[r] = 1.0f;
    }
    for (int64_t r = 0; r < rows; r++) {
        int64_t qh = kh * G + r % G, t = S->q_start + i0 + r / G;
        memcpy(h.qp + r * ld, cpu_base(q) + qh * q->nb[1] + t * q->nb[2],
               sizeof(float) * (size_t)hd);
    }
    static const float zeros[16];
    int64_t rq = (rows + 15) / 16 * 16;
    for (int64_t r = 0; lanes && r < rq; r += 16)
        for (size_t c = 0; c < ld; c += 16)
            cpu_avx512_store_t16(h.qt + c * (size_t)rq + (size_t)r, (size_t)rq,
                                 h.qp + (size_t)r * ld + c, ld, zeros);
    return h;
}

/* The full path: a task of a non-causal attention (the vision tower's).
 * The query rows lie in the lanes, so one vector holds a key's scores for
 * 16 rows, each Σ over d in order of q[r][d]·k[d] with k[d] broadcast: no
 * lane reductions, head_dim unpadded (72 in SigLIP, where the row-wise
 * path's vectors hold 80), the softmax lane-wise. A causal task keeps the
 * row-wise sums, whose bits a decode step shares.
 * st[j·rq + r] = scale · q[r]·k[j], NRV vectors of rows × KT keys in
 * registers; key rows `ks` floats apart, the first n valid (the others,
 * never read, get the last one's scores). */
AVX512 INLINE void scores_lanes(const float *qt, int64_t rq, int nrv, const float *k0, size_t ks,
                                int64_t n, int kt, int64_t hd, float scale, float *st)
{
    const float *kr[8];
#pragma GCC unroll 8
    for (int j = 0; j < kt; j++)
        kr[j] = k0 + (size_t)(j < n ? j : n - 1) * ks;
    __m512 acc[4][8];
#pragma GCC unroll 4
    for (int i = 0; i < nrv; i++)
#pragma GCC unroll 8
        for (int j = 0; j < kt; j++)
            acc[i][j] = _mm512_setzero_ps();
    for (int64_t d = 0; d < hd; d++) {
        __m512 q[4];
#pragma GCC unroll 4
        for (int i = 0; i < nrv; i++)
            q[i] = _mm512_loadu_ps(qt + d * rq + 16 * i);
#pragma GCC unroll 8
        for (int j = 0; j < kt; j++) {
            __m512 k = _mm512_set1_ps(kr[j][d]);
#pragma GCC unroll 4
            for (int i = 0; i < nrv; i++)
                acc[i][j] = _mm512_fmadd_ps(q[i], k, acc[i][j]);
        }
    }
    __m512 sv = _mm512_set1_ps(scale);
#pragma GCC unroll 4
    for (int i = 0; i < nrv; i++)
#pragma GCC unroll 8
        for (int j = 0; j < kt; j++)
            _mm512_storeu_ps(st + j * rq + 16 * i, _mm512_mul_ps(acc[i][j], sv));
}

/* the block's scores, nk keys at kr, ks floats apart, in tiles of KT */
#define SCORES_LANES(NRV, KT) \
    for (int64_t j = 0; j < nk; j += KT) \
        scores_lanes(h->qt, rq, NRV, kr + j * ks, ks, nk - j, KT, hd, scale, h->p + j * rq)

/* one block's softmax step, lane-wise: per row the new running max m, the
 * old sums' factor alpha, p = e^(s − m) over the nk keys, l updated */
AVX512 INLINE void softmax_lanes(float *st, int64_t rq, int64_t nk, float *m, float *l,
                                 float *alpha)
{
    for (int64_t i = 0; i < rq; i += 16) {
        __m512 mo = _mm512_loadu_ps(m + i), mn = mo, sum = _mm512_setzero_ps();
        for (int64_t j = 0; j < nk; j++)
            mn = _mm512_max_ps(mn, _mm512_loadu_ps(st + j * rq + i));
        __m512 a = cpu_avx512_exp_le0(_mm512_sub_ps(mo, mn));
        for (int64_t j = 0; j < nk; j++) {
            __m512 e = cpu_avx512_exp_le0(_mm512_sub_ps(_mm512_loadu_ps(st + j * rq + i), mn));
            _mm512_storeu_ps(st + j * rq + i, e);
            sum = _mm512_add_ps(sum, e);
        }
        _mm512_storeu_ps(l + i, _mm512_fmadd_ps(_mm512_loadu_ps(l + i), a, sum));
        _mm512_storeu_ps(m + i, mn);
        _mm512_storeu_ps(alpha + i, a);
    }
}

/* all the keys for one KV head's rows (≤ FULL_ROWS) on the full path;
 * bf16: the products by vdpbf16ps where keys and values are f32 (the
 * packed queries over qp, which only fed qt) */
AVX512 static void full_head(head_state *h, const vo_attn_seq *S, int64_t kh, int64_t rows,
                             int64_t hd, size_t ld, float scale, bool bf16, float *kw, float *vw)
{
    int64_t rq = (rows + 15) / 16 * 16, nv = (hd + 15) / 16;
    __mmask16 tail = (__mmask16)(0xffffu >> (nv * 16 - hd));
    cpu_bf_attn_rows bf = {(const uint32_t *)h->qp, rq, rows, hd, h->o, ld, h->p, h->m, h->l,
                           h->alpha, (uint32_t *)kw, (uint32_t *)vw, scale};
    if (bf16)
        cpu_avx512bf_attn_pack_q((uint32_t *)h->qp, h->qt, rq, hd);
    for (int64_t k0 = 0; k0 < S->n_kv; k0 += KB) {
        int64_t nk = S->n_kv - k0 < KB ? S->n_kv - k0 : KB;
        vo_tensor kt = cpu_kv_from(S, S->k, k0), vt = cpu_kv_from(S, S->v, k0);
        if (bf16) {
            cpu_avx512bf_attn_block(&bf, (const float *)(cpu_base(&kt) + kh * kt.nb[1]),
                                    kt.nb[2] / sizeof(float),
                                    (const float *)(cpu_base(&vt) + kh * vt.nb[1]),
                                    vt.nb[2] / sizeof(float), nk);
            continue;
        }
        /* f32 rows straight from the cache (widening them cost 10-15 %) */
        const float *kr = kw, *vr = vw;
        size_t ks = ld, vs = ld * 4;
        if (kt.type == VO_F32) {
            kr = (const float *)(cpu_base(&kt) + kh * kt.nb[1]);
            ks = kt.nb[2] / sizeof(float);
        } else {
            widen_kv_rows(kw, ld, &kt, kh, 0, nk, nk, hd);
        }
        if (vt.type == VO_F32) {
            vr = (const float *)(cpu_base(&vt) + kh * vt.nb[1]);
            vs = vt.nb[2];
        } else {
            widen_kv_rows(vw, ld, &vt, kh, 0, nk, nk, hd);
        }
        switch (rq / 16) {
        case 1: SCORES_LANES(1, 8); break;
        case 2: SCORES_LANES(2, 8); break;
        case 3: SCORES_LANES(3, 8); break;
        default: SCORES_LANES(4, 4); break;
        }
        softmax_lanes(h->p, rq, nk, h->m, h->l, h->alpha);
        pv_block(h->o, h->p, 1, (size_t)rq, h->alpha, (const char *)vr, vs, ld, nk, nv, rows,
                 tail);
    }
}
#undef SCORES_LANES

AVX512 static void attention_task(const vo_tensor *q, vo_tensor *out, const vo_attn_seq *S,
                                  int64_t kh0, int64_t kh1, int64_t G, int64_t i0, int64_t i1,
                                  float scale, bool causal, bool bf16, float *scratch)
{
    _Static_assert(KB == 32, "softmax_block handles two vectors of scores");
    int64_t hd = q->ne[0], nv = (hd + 15) / 16, rows = (i1 - i0) * G;
    size_t ld = (size_t)nv * 16;
    bool full = !causal && rows > 2 && rows <= FULL_ROWS;
    int64_t rp = padded_rows(rows, full), nh = kh1 - kh0;
    float *kw = scratch, *vw = kw + KB * ld, *heads = vw + KB * ld;
    head_state hs[CPU_ATTN_HEADS];
    for (int64_t a = 0; a < nh; a++)
        hs[a] = head_init(heads + (size_t)a * head_floats(ld, rp, full), q, S, kh0 + a, G, i0,
                          rows, rp, ld, full);
    bf16 = bf16 && S->k->type == VO_F32 && S->v->type == VO_F32;
    for (int64_t a = 0; full && a < nh; a++)
        full_head(&hs[a], S, kh0 + a, rows, hd, ld, scale, bf16, kw, vw);
    /* the position of query i among the keys: it sees keys 0..pos */
    int64_t pos0 = causal ? S->n_kv - S->n_q : S->n_kv - 1;
    int64_t kend = (causal ? pos0 + i1 - 1 : pos0) + 1;
    bool direct = rows <= 2 && hd == 128;
    for (int64_t k0 = 0; !full && k0 < kend; k0 += KB) {
        int64_t nk = kend - k0 < KB ? kend - k0 : KB, nk8 = (nk + 7) / 8 * 8;
        /* the block's keys as rows 0..nk (a paged cache's tile lies in one
         * of its blocks: VO_ATTN_BLOCK_ALIGN) */
        vo_tensor kt = cpu_kv_from(S, S->k, k0), vt = cpu_kv_from(S, S->v, k0);
        if (direct)
            scores_direct(hs, nh, ld, &kt, kh0, nk, kw, scale);
        for (int64_t a = 0; a < nh; a++) {
            head_state *h = &hs[a];
            int64_t kh = kh0 + a;
            if (!direct) {
                widen_kv_rows(kw, ld, &kt, kh, 0, nk, nk8, hd);
                widen_kv_rows(vw, ld, &vt, kh, 0, nk, nk, hd);
                for (int64_t r = 0; r < rows; r += 3)    /* rows are padded to 6 */
                    for (int64_t j = 0; j < nk8; j += 8) {
                        const float *q3[3] = {h->qp + r * ld, h->qp + (r + 1) * ld,
                                              h->qp + (r + 2) * ld};
                        __m256 sv[3];
                        scores8(q3, 3, (const char *)(kw + j * ld), ld * 4, VO_F32, nv, sv);
                        for (int i = 0; i < 3; i++)
                            _mm256_storeu_ps(h->p + (r + i) * KB + j,
                                             _mm256_mul_ps(sv[i], _mm256_set1_ps(scale)));
                    }
            }
            for (int64_t r = 0; r < rows; r++) {    /* the padding rows' p: never read */
                int64_t pos = causal ? pos0 + i0 + r / G : pos0;
                int64_t vis = pos - k0 + 1;
                vis = vis > nk ? nk : vis;
                if (vis <= 0) {
                    /* nothing of this block for this row: o·1 + 0 */
                    memset(h->p + r * KB, 0, sizeof(float) * KB);
                    h->alpha[r] = 1.0f;
                    continue;
                }
                h->alpha[r] = softmax_block(h->p + r * KB, vis, &h->m[r], &h->l[r]);
            }
            if (!direct)
                pv_block(h->o, h->p, KB, 1, h->alpha, (const char *)vw, ld * 4, ld, nk, nv,
                         rows, 0xffff);
        }
        if (direct)
            pv_direct(hs, nh, &vt, kh0, nk, ld, rows);
    }
    for (int64_t a = 0; a < nh; a++)
        for (int64_t r = 0; r < rows; r++) {
            int64_t qh = (kh0 + a) * G + r % G, t = S->q_start + i0 + r / G;
            float *d = (float *)(cpu_base(out) + qh * out->nb[1] + t * out->nb[2]);
            float inv = 1.0f / hs[a].l[r];
            const float *o = hs[a].o + r * ld;
            int64_t c = 0;
            for (; c + 16 <= hd; c += 16)
                _mm512_storeu_ps(d + c, _mm512_mul_ps(_mm512_loadu_ps(o + c), _mm512_set1_ps(inv)));
            for (; c < hd; c++)
                d[c] = o[c] * inv;
        }
}
#endif

void cpu_avx512_attention(const vo_tensor *q, vo_tensor *out, const vo_attn_seq *S,
                          int64_t kh0, int64_t kh1, int64_t G, int64_t i0, int64_t i1,
                          float scale, bool causal, bool bf16, float *scratch)
{
#ifdef VO_X86
    attention_task(q, out, S, kh0, kh1, G, i0, i1, scale, causal, bf16, scratch);
#else
    (void)q; (void)out; (void)S; (void)kh0; (void)kh1; (void)G; (void)i0; (void)i1;
    (void)scale; (void)causal; (void)bf16; (void)scratch;
#endif
}
