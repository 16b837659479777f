/* x86_avx512_attn_bf16.c: the products of the AVX-512 full attention (a
 * non-causal task: the vision tower's, x86_avx512_attn.c) by vdpbf16ps,
 * where bf16 activations are asked (vo_cpu_round_activations): queries,
 * keys, the softmax's p and the values rounded to bf16 (to nearest even),
 * two products a lane per instruction, summed in f32, so twice the f32
 * FMA's rate. The layouts are the full path's with a pair of the summed
 * index in each 32-bit lane: the query rows in the lanes with pairs of
 * head_dim, each key's pairs of head_dim broadcast; p in the lanes with
 * pairs of keys (broadcast), the values in pairs of keys. */
#include "src/backend/cpu/cpu_internal.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "src/backend/cpu/x86_avx512_exp.h"
#define VO_X86 1
#define BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,avx2,fma")))
#define INLINE static inline __attribute__((always_inline))
#endif

#ifdef VO_X86
/* lane i: lo[i] and hi[i] rounded to bf16, lo in the low half */
BF16 INLINE __m512i bf16_pairs(__m512 lo, __m512 hi)
{
    /* cvtne2ps: elements 0..15 from its second operand, 16..31 from its
     * first; then interleaved */
    static const uint16_t interleave[32] = {0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22,
                                            7, 23, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13,
                                            29, 14, 30, 15, 31};
    __m512bh h = _mm512_cvtne2ps_pbh(hi, lo);
    __m512i x;
    memcpy(&x, &h, sizeof x);
    return _mm512_permutexvar_epi16(_mm512_loadu_si512(interleave), x);
}

/* 32 values in order, lo's then hi's, rounded to bf16 */
BF16 INLINE __m512i bf16_run(__m512 lo, __m512 hi)
{
    __m512bh h = _mm512_cvtne2ps_pbh(hi, lo);
    __m512i x;
    memcpy(&x, &h, sizeof x);
    return x;
}

/* the two halves of bf16 pairs as floats, summed */
BF16 INLINE __m512 bf16_pairs_sum(__m512i p)
{
    __m512 lo = _mm512_castsi512_ps(_mm512_slli_epi32(p, 16));
    __m512 hi = _mm512_castsi512_ps(_mm512_and_si512(p, _mm512_set1_epi32((int)0xffff0000u)));
    return _mm512_add_ps(lo, hi);
}

BF16 INLINE __m512bh as_bh(__m512i x)
{
    __m512bh h;
    memcpy(&h, &x, sizeof h);
    return h;
}

/* cpu_avx512bf_attn_pack_q's body (a zero after an odd head_dim) */
BF16 static void pack_queries(uint32_t *qb, const float *qt, int64_t rq, int64_t hd)
{
    for (int64_t d = 0; d < hd; d += 2)
        for (int64_t r = 0; r < rq; r += 16) {
            __m512 lo = _mm512_loadu_ps(qt + d * rq + r);
            __m512 hi = d + 1 < hd ? _mm512_loadu_ps(qt + (d + 1) * rq + r) : _mm512_setzero_ps();
            _mm512_storeu_si512(qb + d / 2 * rq + r, bf16_pairs(lo, hi));
        }
}

/* the nk key rows at k (ks floats apart) rounded into kb, hp pairs a row
 * (a zero after an odd head_dim): 32 values a store, the last store of a
 * row running up to 16 pairs on (into the next row, written after it, or
 * past the last row: cpu_bf_attn_rows.kb has the room); only a row's last
 * loads masked (masked loads and stores throughout cost the block 2x) */
BF16 static void pack_keys(uint32_t *kb, int64_t hp, const float *k, size_t ks, int64_t nk,
                           int64_t hd)
{
    for (int64_t j = 0; j < nk; j++) {
        const float *row = k + (size_t)j * ks;
        uint32_t *d = kb + j * hp;
        int64_t c = 0;
        for (; c + 32 <= hd; c += 32)
            _mm512_storeu_si512(d + c / 2, bf16_run(_mm512_loadu_ps(row + c),
                                                    _mm512_loadu_ps(row + c + 16)));
        if (c < hd) {
            int64_t n = hd - c;
            __mmask16 m0 = (__mmask16)(0xffffu >> (n >= 16 ? 0 : 16 - n));
            __mmask16 m1 = (__mmask16)(n <= 16 ? 0 : 0xffffu >> (32 - n));
            _mm512_storeu_si512(d + c / 2, bf16_run(_mm512_maskz_loadu_ps(m0, row + c),
                                                    _mm512_maskz_loadu_ps(m1, row + c + 16)));
        }
    }
}

/* st[j·rq + 16i] = scale · Σ_pairs q·k for NRV vectors of rows × KT keys;
 * keys past n (never read) get the last one's scores */
BF16 INLINE void scores_tile(const uint32_t *qb, int64_t rq, int nrv, const uint32_t *kb,
                             int64_t hp, int64_t n, int kt, float scale, float *st)
{
    const uint32_t *kr[8];
#pragma GCC unroll 8
    for (int j = 0; j < kt; j++)
        kr[j] = kb + (j < n ? j : n - 1) * hp;
    __m512 acc[4][8];
#pragma GCC unroll 4
    for (int i = 0; i < nrv; i++)
#pragma GCC unroll 8
        for (int j = 0; j < kt; j++)
            acc[i][j] = _mm512_setzero_ps();
    for (int64_t d = 0; d < hp; d++) {
        __m512bh q[4];
#pragma GCC unroll 4
        for (int i = 0; i < nrv; i++)
            q[i] = as_bh(_mm512_loadu_si512(qb + d * rq + 16 * i));
#pragma GCC unroll 8
        for (int j = 0; j < kt; j++) {
            __m512bh k = as_bh(_mm512_set1_epi32((int)kr[j][d]));
#pragma GCC unroll 4
            for (int i = 0; i < nrv; i++)
                acc[i][j] = _mm512_dpbf16_ps(acc[i][j], q[i], k);
        }
    }
    __m512 sv = _mm512_set1_ps(scale);
#pragma GCC unroll 4
    for (int i = 0; i < nrv; i++)
#pragma GCC unroll 8
        for (int j = 0; j < kt; j++)
            _mm512_storeu_ps(st + j * rq + 16 * i, _mm512_mul_ps(acc[i][j], sv));
}

#define SCORES(NRV, KT) \
    for (int64_t j = 0; j < nk; j += KT) \
        scores_tile(a->qb, a->rq, NRV, kb + j * hp, hp, nk - j, KT, a->scale, a->st + j * a->rq)

BF16 static void scores(const cpu_bf_attn_rows *a, const uint32_t *kb, int64_t hp, int64_t nk)
{
    switch (a->rq / 16) {
    case 1: SCORES(1, 8); break;
    case 2: SCORES(2, 8); break;
    case 3: SCORES(3, 8); break;
    default: SCORES(4, 4); break;
    }
}
#undef SCORES

/* the block's softmax step lane-wise (as the f32 full path's), p rounded
 * to bf16 and stored as pairs of keys over the scores, pair j at st[j·rq]
 * (row j is written after rows 2j and 2j + 1 are read); l sums the
 * rounded p, so that the weights of the values sum to 1 */
BF16 static void softmax_pairs(const cpu_bf_attn_rows *a, int64_t nk)
{
    float *st = a->st;
    int64_t rq = a->rq;
    for (int64_t i = 0; i < rq; i += 16) {
        __m512 mo = _mm512_loadu_ps(a->m + i), mn = mo, sum = _mm512_setzero_ps();
        for (int64_t j = 0; j < nk; j++)
            mn = _mm512_max_ps(mn, _mm512_loadu_ps(st + j * rq + i));
        __m512 al = cpu_avx512_exp_le0(_mm512_sub_ps(mo, mn));
        for (int64_t j = 0; j < nk; j += 2) {
            __m512 e0 = cpu_avx512_exp_le0(_mm512_sub_ps(_mm512_loadu_ps(st + j * rq + i), mn));
            __m512 e1 = j + 1 < nk ? cpu_avx512_exp_le0(_mm512_sub_ps(
                                         _mm512_loadu_ps(st + (j + 1) * rq + i), mn))
                                   : _mm512_setzero_ps();
            __m512i p = bf16_pairs(e0, e1);
            sum = _mm512_add_ps(sum, bf16_pairs_sum(p));
            _mm512_storeu_si512(st + j / 2 * rq + i, p);
        }
        _mm512_storeu_ps(a->l + i, _mm512_fmadd_ps(_mm512_loadu_ps(a->l + i), al, sum));
        _mm512_storeu_ps(a->m + i, mn);
        _mm512_storeu_ps(a->alpha + i, al);
    }
}

/* the nk value rows at v (vs floats apart) rounded into pairs of keys:
 * vb[j/2 · 16nv + c] = (v[j][c], v[j+1][c]), zero past head_dim (not read:
 * the last vector is masked) and for the missing key of an odd nk */
BF16 static void pack_values(uint32_t *vb, const float *v, size_t vs, int64_t nk, int64_t hd,
                             int64_t nv)
{
    for (int64_t j = 0; j < nk; j += 2) {
        const float *r0 = v + (size_t)j * vs, *r1 = r0 + vs;
        bool two = j + 1 < nk;
        int64_t c = 0;
        for (; c + 16 <= hd; c += 16) {
            __m512 lo = _mm512_loadu_ps(r0 + c);
            __m512 hi = two ? _mm512_loadu_ps(r1 + c) : _mm512_setzero_ps();
            _mm512_storeu_si512(vb + j / 2 * 16 * nv + c, bf16_pairs(lo, hi));
        }
        if (c < hd) {    /* the last vector: only head_dim's values read */
            __mmask16 m = (__mmask16)(0xffffu >> (16 - (hd - c)));
            __m512 lo = _mm512_maskz_loadu_ps(m, r0 + c);
            __m512 hi = two ? _mm512_maskz_loadu_ps(m, r1 + c) : _mm512_setzero_ps();
            _mm512_storeu_si512(vb + j / 2 * 16 * nv + c, bf16_pairs(lo, hi));
        }
    }
}

/* o[r] = o[r]·alpha[r] + Σ over np pairs of keys of p·v for NR rows, NV
 * vectors of head_dim in registers (nr·nv + nr + 1 ≤ 32); p pairs at
 * pb[j·rq + r] (the bits of a pair, moved as a float), values
 * vb[j·16nv + 16v] */
BF16 INLINE void pv_tile(float *o, size_t ld, const float *pb, int64_t rq, const float *alpha,
                         const uint32_t *vb, int64_t np, int nv, int nr)
{
    __m512 acc[6][8];
#pragma GCC unroll 6
    for (int i = 0; i < nr; i++) {
        __m512 al = _mm512_set1_ps(alpha[i]);
#pragma GCC unroll 8
        for (int v = 0; v < nv; v++)
            acc[i][v] = _mm512_mul_ps(_mm512_loadu_ps(o + (size_t)i * ld + 16 * v), al);
    }
    for (int64_t j = 0; j < np; j++) {
        __m512bh b[6];
#pragma GCC unroll 6
        for (int i = 0; i < nr; i++)
            b[i] = as_bh(_mm512_castps_si512(_mm512_set1_ps(pb[j * rq + i])));
#pragma GCC unroll 8
        for (int v = 0; v < nv; v++) {
            __m512i x = _mm512_loadu_si512(vb + (j * nv + v) * 16);
            __asm__("" : "+v"(x));    /* one load for all the rows */
#pragma GCC unroll 6
            for (int i = 0; i < nr; i++)
                acc[i][v] = _mm512_dpbf16_ps(acc[i][v], b[i], as_bh(x));
        }
    }
#pragma GCC unroll 6
    for (int i = 0; i < nr; i++)
#pragma GCC unroll 8
        for (int v = 0; v < nv; v++)
            _mm512_storeu_ps(o + (size_t)i * ld + 16 * v, acc[i][v]);
}

/* all rows of the block in tiles of as many rows as the registers hold,
 * then 4, 2 and 1 (as the f32 path's) */
#define PV_TILE(NV, NR) \
    pv_tile(a->o + r * a->ld, a->ld, a->st + r, a->rq, a->alpha + r, vb, np, NV, NR)
#define PV_CASE(NV, NR) \
    case NV: \
        for (r = 0; r + NR <= a->rows; r += NR) \
            PV_TILE(NV, NR); \
        if (NR > 4 && a->rows - r >= 4) { \
            PV_TILE(NV, 4); \
            r += 4; \
        } \
        if (NR > 2 && a->rows - r >= 2) { \
            PV_TILE(NV, 2); \
            r += 2; \
        } \
        for (; r < a->rows; r++) \
            PV_TILE(NV, 1); \
        break;

BF16 static void pv_block(const cpu_bf_attn_rows *a, const uint32_t *vb, int64_t np, int64_t nv)
{
    int64_t r;
    switch (nv) {
    PV_CASE(1, 6) PV_CASE(2, 6) PV_CASE(3, 6) PV_CASE(4, 6)
    PV_CASE(5, 5) PV_CASE(6, 4) PV_CASE(7, 3) default: PV_CASE(8, 3)
    }
}
#undef PV_CASE
#undef PV_TILE
#endif

void cpu_avx512bf_attn_pack_q(uint32_t *qb, const float *qt, int64_t rq, int64_t hd)
{
#ifdef VO_X86
    pack_queries(qb, qt, rq, hd);
#else
    (void)qb; (void)qt; (void)rq; (void)hd;
#endif
}

void cpu_avx512bf_attn_block(const cpu_bf_attn_rows *a, const float *k, size_t ks,
                             const float *v, size_t vs, int64_t nk)
{
#ifdef VO_X86
    int64_t hp = (a->hd + 1) / 2, nv = (a->hd + 15) / 16;
    pack_keys(a->kb, hp, k, ks, nk, a->hd);
    scores(a, a->kb, hp, nk);
    softmax_pairs(a, nk);
    pack_values(a->vb, v, vs, nk, a->hd, nv);
    pv_block(a, a->vb, (nk + 1) / 2, nv);
#else
    (void)a; (void)k; (void)ks; (void)v; (void)vs; (void)nk;
#endif
}
