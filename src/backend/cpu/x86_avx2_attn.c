/* x86_avx2_attn.c: the AVX2 attention, in the flash form: a task is a
 * tile of queries of one sequence for all the query heads of one
 * grouped-query KV head, so each key and value row of the cache is read
 * and widened once for all of them; keys in blocks of 8 with an online
 * softmax (no score row as long as the context).
 *
 * A decode step (one query: its G ≤ 2 heads a KV head) takes the decode
 * path: all the task's heads a block, the cache read key by key in its own
 * order, scores and p·v straight from the cache rows. Other tiles (the
 * tile path) widen a block of a head into f32 rows first (f32 rows are
 * read in place), and take the rows three at a time against them, so each
 * key and value vector is loaded once for three rows' FMAs.
 *
 * Each query row's arithmetic is the same whatever else its task holds and
 * on both paths: the blocks start at key 0 and every 8 keys, each sum runs
 * in one order, and the other rows only share the loads. So a query
 * gets the same output in a decode step, a draft and a prefill chunk, bit
 * for bit. */
#include "src/backend/cpu/cpu_internal.h"

#include <math.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "src/backend/cpu/x86_avx2_exp.h"
#include "src/backend/cpu/x86_avx2_hsum.h"
#include "src/backend/cpu/x86_avx2_load.h"
#define VO_X86 1
#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))
#endif

enum { KB = 8 };    /* keys a block: one vector of scores */

/* floats a row of the widened keys, values, queries and outputs */
static size_t row_floats(int64_t head_dim)
{
    return (size_t)(head_dim + 7) / 8 * 8;
}

size_t cpu_avx2_attn_scratch(int64_t head_dim, int64_t rows, int64_t heads)
{
    size_t ld = row_floats(head_dim);
    /* a block's keys and values, then each row's query, output, max, sum,
     * partial scores and weights (the decode path) */
    return 2 * KB * ld + (size_t)(rows * heads) * (2 * ld + 2 + KB * 8 + KB);
}

#ifdef VO_X86
/* How many keys ahead a widening prefetches: one KV head's rows lie
 * n_kv_heads rows apart, too far for the hardware prefetchers */
enum { AHEAD = 32 };
/* the decode path's: it prefetches a whole block (all the task's heads) in
 * the cache's order, the next one; farther measured slower (scratch bench,
 * 28 caches of 6,000 bf16 keys: 8 keys 3.6-3.7 ms, 16: 4.0-4.4, 32: 3.8) */
enum { DECODE_AHEAD = 8 };
_Static_assert(VO_ATTN_BLOCK_ALIGN % KB == 0 && AHEAD % KB == 0 && DECODE_AHEAD % KB == 0,
               "a block of keys in one page");

/* rows k0 ≤ k < k0 + n of KV head kh widened to f32 into dst (ld floats
 * apart, zero past head_dim), rows n ≤ k < KB zero; type a constant at
 * each call (f16 one value at a time: F16C is not part of the AVX2 path) */
AVX2 INLINE void widen_block_t(float *dst, size_t ld, const vo_attn_seq *S, const vo_tensor *t,
                               vo_type type, int64_t kh, int64_t k0, int64_t n, int64_t kend,
                               int64_t hd)
{
    /* the block's rows, and those AHEAD on, each lie in one block of a
     * paged cache (k0 and AHEAD are multiples of 8, VO_ATTN_BLOCK_ALIGN
     * of 8): one look-up a block */
    const char *base = cpu_base(t) + kh * t->nb[1], *rows = base + cpu_kv_row(S, t, k0);
    const char *ahead = k0 + AHEAD < kend ? base + cpu_kv_row(S, t, k0 + AHEAD) : NULL;
    size_t stride = t->nb[2];
    size_t bytes = type == VO_F32 ? (size_t)hd * 4 : type == VO_Q8ROW ? 4 + (size_t)hd
                                                                       : (size_t)hd * 2;
    for (int64_t k = 0; k < n; k++) {
        const char *row = rows + (size_t)k * stride;
        float *d = dst + (size_t)k * ld;
        if (ahead && k0 + k + AHEAD < kend)
            for (size_t b = 0; b < bytes; b += 64)
                _mm_prefetch(ahead + (size_t)k * stride + b, _MM_HINT_T0);
        int64_t c = 0;
        if (type == VO_F32)
            for (; c + 8 <= hd; c += 8)
                _mm256_storeu_ps(d + c, _mm256_loadu_ps((const float *)row + c));
        else if (type == VO_BF16)
            for (; c + 8 <= hd; c += 8)
                _mm256_storeu_ps(d + c, cpu_avx2_bf16x8((const uint16_t *)row + c));
        else if (type == VO_Q8ROW) {
            float sc;
            memcpy(&sc, row, sizeof sc);
            __m256 dv = _mm256_set1_ps(sc);
            for (; c + 8 <= hd; c += 8)
                _mm256_storeu_ps(d + c, cpu_avx2_q8x8(row + 4 + c, dv));
        }
        for (; c < hd; c++)
            d[c] = cpu_get_f(row, type, c);
        for (; c < (int64_t)ld; c++)
            d[c] = 0.0f;
    }
    for (int64_t k = n; k < KB; k++)
        memset(dst + (size_t)k * ld, 0, sizeof(float) * ld);
}

/* rows k0 ≤ k < k0 + KB of KV head kh of an f32 tensor, in place (their
 * first), the rows AHEAD keys on prefetched as widen_block_t does */
AVX2 static const float *f32_block(const vo_attn_seq *S, const vo_tensor *t, int64_t kh,
                                   int64_t k0, int64_t kend, int64_t hd)
{
    const char *base = cpu_base(t) + kh * t->nb[1], *rows = base + cpu_kv_row(S, t, k0);
    if (k0 + AHEAD < kend) {
        const char *ahead = base + cpu_kv_row(S, t, k0 + AHEAD);
        for (int64_t k = 0; k < KB && k0 + k + AHEAD < kend; k++)
            for (size_t b = 0; b < (size_t)hd * sizeof(float); b += 64)
                _mm_prefetch(ahead + (size_t)k * t->nb[2] + b, _MM_HINT_T0);
    }
    return (const float *)rows;
}

AVX2 static void widen_block(float *dst, size_t ld, const vo_attn_seq *S, const vo_tensor *t,
                             int64_t kh, int64_t k0, int64_t n, int64_t kend, int64_t hd)
{
    switch (t->type) {
    case VO_F32: widen_block_t(dst, ld, S, t, VO_F32, kh, k0, n, kend, hd); break;
    case VO_BF16: widen_block_t(dst, ld, S, t, VO_BF16, kh, k0, n, kend, hd); break;
    case VO_F16: widen_block_t(dst, ld, S, t, VO_F16, kh, k0, n, kend, hd); break;
    default: widen_block_t(dst, ld, S, t, VO_Q8ROW, kh, k0, n, kend, hd); break;
    }
}

/* lane j = Σ a[j]: a fixed tree, the same for every row */
AVX2 INLINE __m256 reduce8(const __m256 a[8])
{
    __m256 t01 = _mm256_hadd_ps(a[0], a[1]), t23 = _mm256_hadd_ps(a[2], a[3]);
    __m256 t45 = _mm256_hadd_ps(a[4], a[5]), t67 = _mm256_hadd_ps(a[6], a[7]);
    __m256 u0 = _mm256_hadd_ps(t01, t23), u1 = _mm256_hadd_ps(t45, t67);
    /* u0: a0..a3 of the low 128 bits, then of the high; u1 the same for a4..a7 */
    return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20),
                         _mm256_permute2f128_ps(u0, u1, 0x31));
}

/* The tile path's sums. Score j of a row: lane c mod 8 sums q[c]·k_j[c] in
 * the order of c (one FMA chain), then reduce8's tree. Output c of a row:
 * o[c]·alpha, then + p_j·v_j[c] for the keys j it sees, in order. The decode
 * path keeps the same sums, so a query gets the same bits on both paths. */
enum { TR = 3, TJ = 4 };   /* tile rows side by side; keys a pass of scores */
enum { SR = 8 };    /* rows a softmax step takes at most: the lanes of one exp */
_Static_assert(KB % TJ == 0, "the keys of a block in whole passes");

/* R ≤ TR rows' 8 scores each against the block's keys kw (f32 rows kvld
 * floats apart): TJ keys a pass, R·TJ accumulators (12 chains hide the FMA
 * latency); a8 gets row r's key j accumulator at a8[r·KB + j] */
AVX2 INLINE void tile_scores(int R, const float *q, size_t ld, const float *kw, size_t kvld,
                             __m256 *a8)
{
    for (int h = 0; h < KB / TJ; h++) {
        __m256 a[TR][TJ];
#pragma GCC unroll 3
        for (int r = 0; r < R; r++)
#pragma GCC unroll 4
            for (int j = 0; j < TJ; j++)
                a[r][j] = _mm256_setzero_ps();
        const float *k = kw + (size_t)h * TJ * kvld;
        for (size_t c = 0; c < ld; c += 8) {
            __m256 x[TR];
#pragma GCC unroll 3
            for (int r = 0; r < R; r++)
                x[r] = _mm256_loadu_ps(q + r * ld + c);
#pragma GCC unroll 4
            for (int j = 0; j < TJ; j++) {
                __m256 kv = _mm256_loadu_ps(k + (size_t)j * kvld + c);
                /* in a register: gcc would load it again for each row's FMA,
                 * and the loads, not the FMAs, would bound the loop */
                __asm__("" : "+x"(kv));
#pragma GCC unroll 3
                for (int r = 0; r < R; r++)
                    a[r][j] = _mm256_fmadd_ps(x[r], kv, a[r][j]);
            }
        }
#pragma GCC unroll 3
        for (int r = 0; r < R; r++)
#pragma GCC unroll 4
            for (int j = 0; j < TJ; j++)
                a8[r * KB + h * TJ + j] = a[r][j];
    }
}

/* o_r = o_r·alpha_r + Σ_{j < vis_r} p_rj·v_j for R ≤ TR rows (p_r: p + r·KB;
 * v_j: vw + j·kvld), j in order; 32 floats of the R rows in registers,
 * each value row loaded once for the keys all of them see, then each row's
 * own last keys */
AVX2 INLINE void tile_pv(int R, float *o, size_t ld, const float *p, const float *alpha,
                         const float *vw, size_t kvld, const int64_t *vis)
{
    int64_t nmin = vis[0];
    for (int r = 1; r < R; r++)
        nmin = vis[r] < nmin ? vis[r] : nmin;
    size_t c = 0;
    for (; c + 32 <= ld; c += 32) {
        __m256 acc[TR][4];
#pragma GCC unroll 3
        for (int r = 0; r < R; r++) {
            __m256 al = _mm256_set1_ps(alpha[r]);
#pragma GCC unroll 4
            for (int v = 0; v < 4; v++)
                acc[r][v] = _mm256_mul_ps(_mm256_loadu_ps(o + r * ld + c + 8 * v), al);
        }
        for (int64_t j = 0; j < nmin; j++) {
            __m256 pj[TR];
#pragma GCC unroll 3
            for (int r = 0; r < R; r++)
                pj[r] = _mm256_set1_ps(p[r * KB + j]);
#pragma GCC unroll 4
            for (int v = 0; v < 4; v++) {
                __m256 w = _mm256_loadu_ps(vw + (size_t)j * kvld + c + 8 * v);
                __asm__("" : "+x"(w));  /* one load for the R rows, as above */
#pragma GCC unroll 3
                for (int r = 0; r < R; r++)
                    acc[r][v] = _mm256_fmadd_ps(pj[r], w, acc[r][v]);
            }
        }
#pragma GCC unroll 3
        for (int r = 0; r < R; r++) {
            for (int64_t j = nmin; j < vis[r]; j++) {
                __m256 pj = _mm256_set1_ps(p[r * KB + j]);
#pragma GCC unroll 4
                for (int v = 0; v < 4; v++)
                    acc[r][v] = _mm256_fmadd_ps(
                        pj, _mm256_loadu_ps(vw + (size_t)j * kvld + c + 8 * v), acc[r][v]);
            }
#pragma GCC unroll 4
            for (int v = 0; v < 4; v++)
                _mm256_storeu_ps(o + r * ld + c + 8 * v, acc[r][v]);
        }
    }
    for (int r = 0; r < R; r++)     /* the last floats of a row, 8 at a time */
        for (size_t cc = c; cc < ld; cc += 8) {
            __m256 acc = _mm256_mul_ps(_mm256_loadu_ps(o + r * ld + cc), _mm256_set1_ps(alpha[r]));
            for (int64_t j = 0; j < vis[r]; j++)
                acc = _mm256_fmadd_ps(_mm256_set1_ps(p[r * KB + j]),
                                      _mm256_loadu_ps(vw + (size_t)j * kvld + cc), acc);
            _mm256_storeu_ps(o + r * ld + cc, acc);
        }
}

/* R ≤ SR rows' online-softmax steps over a block: s[r] row r's scaled
 * scores, the first vis[r] keys seen; p + r·KB gets its weights (0 past
 * vis), m[r] and l[r] its running max and sum, alpha[r] the factor of its
 * earlier output. The R factors come from one exp (lane r: row r's; each
 * lane's steps are its own, so a row gets the same bits alone) */
AVX2 INLINE void softmax_rows(int R, const __m256 *s, const int64_t *vis, float *m, float *l,
                              float *p, float *alpha)
{
    __m256 lane = _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7), sb[SR], seen[SR];
    float mn[SR], d[SR] = {0};
    for (int r = 0; r < R; r++) {
        seen[r] = _mm256_cmp_ps(lane, _mm256_set1_ps((float)vis[r]), _CMP_LT_OQ);
        sb[r] = _mm256_blendv_ps(_mm256_set1_ps(-INFINITY), s[r], seen[r]);
        /* the block's max: a fixed tree of maxima */
        __m128 h = _mm_max_ps(_mm256_castps256_ps128(sb[r]), _mm256_extractf128_ps(sb[r], 1));
        h = _mm_max_ps(h, _mm_movehl_ps(h, h));
        h = _mm_max_ss(h, _mm_movehdup_ps(h));
        float mb = _mm_cvtss_f32(h);
        mn[r] = m[r] > mb ? m[r] : mb;
        d[r] = m[r] - mn[r];
    }
    _mm256_storeu_ps(d, cpu_avx2_exp_le0(_mm256_loadu_ps(d)));
    for (int r = 0; r < R; r++) {
        __m256 e = _mm256_and_ps(seen[r],
                                 cpu_avx2_exp_le0(_mm256_sub_ps(sb[r], _mm256_set1_ps(mn[r]))));
        _mm256_storeu_ps(p + r * KB, e);
        l[r] = l[r] * d[r] + cpu_avx2_hsum8(e);
        m[r] = mn[r];
        alpha[r] = d[r];
    }
}

/* the row counts a tile path call is built for: R a constant in each */
AVX2 static void tile_scores_n(int64_t R, const float *q, size_t ld, const float *kw,
                               size_t kvld, __m256 *a8)
{
    switch (R) {
    case 3: tile_scores(3, q, ld, kw, kvld, a8); break;
    case 2: tile_scores(2, q, ld, kw, kvld, a8); break;
    default: tile_scores(1, q, ld, kw, kvld, a8); break;
    }
}

AVX2 static void softmax_rows_n(int64_t R, const __m256 *s, const int64_t *vis, float *m,
                                float *l, float *p, float *alpha)
{
    switch (R) {
    case SR: softmax_rows(SR, s, vis, m, l, p, alpha); break;
    case 3: softmax_rows(3, s, vis, m, l, p, alpha); break;
    case 2: softmax_rows(2, s, vis, m, l, p, alpha); break;
    default: softmax_rows(1, s, vis, m, l, p, alpha); break;
    }
}

AVX2 static void tile_pv_n(int64_t R, float *o, size_t ld, const float *p, const float *alpha,
                           const float *vw, size_t kvld, const int64_t *vis)
{
    switch (R) {
    case 3: tile_pv(3, o, ld, p, alpha, vw, kvld, vis); break;
    case 2: tile_pv(2, o, ld, p, alpha, vw, kvld, vis); break;
    default: tile_pv(1, o, ld, p, alpha, vw, kvld, vis); break;
    }
}

/* The tile path's block for rows first ≤ r < first + n of one KV head, all
 * of which see some of it (row r at query position pos + r / G; all nk keys
 * when not causal); q, o, m and l point at row first. TR
 * rows at a time: their scores, softmax steps and p·v. The next rows' scores
 * are issued between a group's softmax steps and its p·v, so that their FMAs
 * fill the softmax's latency. */
AVX2 static void tile_rows(int64_t n, const float *q, float *o, float *m, float *l, size_t ld,
                           const float *kw, const float *vw, size_t kvld, bool causal,
                           int64_t pos, int64_t G, int64_t first, int64_t k0, int64_t nk,
                           __m256 sv)
{
    __m256 a8[2][TR * KB];
    if (n <= 0)
        return;
    tile_scores_n(n < TR ? n : TR, q, ld, kw, kvld, a8[0]);
    for (int64_t r = 0, g = 0; r < n; r += TR, g ^= 1) {
        int64_t R = n - r < TR ? n - r : TR, vis[TR];
        float p[TR * KB], alpha[TR];
        __m256 s[TR];
        for (int64_t i = 0; i < R; i++) {
            int64_t v = causal ? pos + (first + r + i) / G - k0 + 1 : nk;
            vis[i] = v < nk ? v : nk;
            s[i] = _mm256_mul_ps(reduce8(a8[g] + i * KB), sv);
        }
        softmax_rows_n(R, s, vis, m + r, l + r, p, alpha);
        if (r + TR < n)
            tile_scores_n(n - r - TR < TR ? n - r - TR : TR, q + (r + TR) * ld, ld, kw, kvld,
                          a8[g ^ 1]);
        tile_pv_n(R, o + r * ld, ld, p, alpha, vw, kvld, vis);
    }
}

/* 8 values of a cache row from c on, widened to f32 as widen_block_t does */
AVX2 INLINE __m256 widen8(const char *row, vo_type type, int64_t c)
{
    if (type == VO_F32)
        return _mm256_loadu_ps((const float *)row + c);
    if (type == VO_BF16)
        return cpu_avx2_bf16x8((const uint16_t *)row + c);
    float sc;
    memcpy(&sc, row, sizeof sc);
    return cpu_avx2_q8x8(row + 4 + c, _mm256_set1_ps(sc));
}

/* The decode path's block: R ≤ 2 query rows a KV head that share one
 * query position (a decode step's G heads), for all the task's heads. The
 * next block is prefetched in the cache's order: key by key, the heads of
 * a key side by side (head by head, 8-16 strided streams read at about 2/3
 * of the bandwidth); the block itself, in cache by then, head by head, so
 * that a head's query vectors are loaded once for several keys (loads, not
 * FMAs, bound the pass that took the pairs in the cache's order: f32 keys
 * at 6,000 1.2-1.5x faster). Scores and p·v straight from the cache rows,
 * no widened copy; each row
 * gets the tile path's sums in their order, so the same bits as the
 * copying path. av: nh·R·KB vectors of partial scores, pw: nh·R·KB weights;
 * type and R constants at each call. */
AVX2 INLINE void decode_block_t(vo_type type, int R, int64_t nh, const char *kr, const char *vr,
                                const char *ka, const char *va, int64_t na, size_t bytes,
                                size_t kstep, size_t vstep, size_t khead, size_t vhead, int64_t nk,
                                int64_t vis, const float *qs, float *os, float *m, float *l,
                                size_t ld, __m256 sv, float *av, float *pw)
{
    /* scores: key j of head h, row r in av[((h·R + r)·KB + j)·8]; a pass
     * takes P = 8 / R keys of one head (8 accumulators: a sum's FMAs wait
     * on each other), each query vector loaded once for the P keys */
    enum { P_MAX = 8 };
    const int P = 8 / R;
    int64_t aj = 0, ah = 0;
    for (int64_t h = 0; h < nh; h++) {
        const float *qh = qs + (size_t)h * R * ld;
        for (int64_t j0 = 0; j0 < nk; j0 += P) {
            /* P pairs of the block DECODE_AHEAD keys on, K and V, in the
             * cache's order (key by key, the heads side by side), where the
             * hardware prefetchers follow them: (aj, ah) the next of them */
            for (int i = 0; i < P && aj < na; i++) {
                size_t ok = (size_t)aj * kstep + (size_t)ah * khead;
                size_t ov = (size_t)aj * vstep + (size_t)ah * vhead;
                for (size_t b = 0; b < bytes; b += 64) {
                    _mm_prefetch(ka + ok + b, _MM_HINT_T0);
                    _mm_prefetch(va + ov + b, _MM_HINT_T0);
                }
                if (++ah == nh) {
                    ah = 0;
                    aj++;
                }
            }
            /* a short last block's pass reads key j0 again for the keys
             * past nk, and does not store their sums */
            const char *krow[P_MAX];
#pragma GCC unroll 8
            for (int i = 0; i < P; i++)
                krow[i] = kr + (size_t)(j0 + i < nk ? j0 + i : j0) * kstep + (size_t)h * khead;
            __m256 acc[P_MAX][2];
#pragma GCC unroll 8
            for (int i = 0; i < P; i++)
#pragma GCC unroll 2
                for (int r = 0; r < R; r++)
                    acc[i][r] = _mm256_setzero_ps();
            for (size_t c = 0; c < ld; c += 8) {
                __m256 qv[2];
#pragma GCC unroll 2
                for (int r = 0; r < R; r++)
                    qv[r] = _mm256_loadu_ps(qh + r * ld + c);
#pragma GCC unroll 8
                for (int i = 0; i < P; i++) {
                    __m256 w = widen8(krow[i], type, (int64_t)c);
#pragma GCC unroll 2
                    for (int r = 0; r < R; r++)
                        acc[i][r] = _mm256_fmadd_ps(qv[r], w, acc[i][r]);
                }
            }
            float *dst = av + ((size_t)h * R * KB + (size_t)j0) * 8;
#pragma GCC unroll 8
            for (int i = 0; i < P; i++)
                if (j0 + i < nk)
#pragma GCC unroll 2
                    for (int r = 0; r < R; r++)
                        _mm256_storeu_ps(dst + ((size_t)r * KB + (size_t)i) * 8, acc[i][r]);
        }
    }
    /* the softmax steps of the rows, SR at a time (the factors of 8 rows'
     * earlier outputs from one exp; 5-10 % faster in cache than TR at a
     * time), then TR, then one; each output scaled by its alpha (tile_pv's
     * first step) */
    int64_t rv[SR];     /* every row sees the same keys */
    for (int i = 0; i < SR; i++)
        rv[i] = vis;
    for (int64_t x0 = 0, nx; x0 < nh * R; x0 += nx) {
        int64_t left = nh * R - x0;
        nx = left >= SR ? SR : left >= TR ? TR : left;
        __m256 s[SR];
        float alpha[SR];
        for (int64_t i = 0; i < nx; i++) {
            __m256 a[KB];
            for (int64_t j = 0; j < KB; j++)
                a[j] = j < nk ? _mm256_loadu_ps(av + ((size_t)(x0 + i) * KB + (size_t)j) * 8)
                              : _mm256_setzero_ps();
            s[i] = _mm256_mul_ps(reduce8(a), sv);
        }
        softmax_rows_n(nx, s, rv, m + x0, l + x0, pw + (size_t)x0 * KB, alpha);
        for (int64_t i = 0; i < nx; i++) {
            if (alpha[i] == 1.0f)
                continue;   /* o·1 is o */
            __m256 al = _mm256_set1_ps(alpha[i]);
            float *o = os + (size_t)(x0 + i) * ld;
            for (size_t c = 0; c < ld; c += 8)
                _mm256_storeu_ps(o + c, _mm256_mul_ps(_mm256_loadu_ps(o + c), al));
        }
    }
    /* o += Σ_j p_j·v_j, keys in order, 32 floats of R rows at a time in
     * registers, head by head: the block's values are in cache already,
     * prefetched a block earlier in the cache's order */
    for (int64_t h = 0; h < nh; h++) {
        const char *vh0 = vr + (size_t)h * vhead;
        const float *p = pw + (size_t)h * R * KB;
        float *o = os + (size_t)h * R * ld;
        for (size_t c = 0; c < ld; c += 32) {
            __m256 acc[2][4];
#pragma GCC unroll 2
            for (int r = 0; r < R; r++)
#pragma GCC unroll 4
                for (int v = 0; v < 4; v++)
                    acc[r][v] = _mm256_loadu_ps(o + r * ld + c + 8 * v);
            for (int64_t j = 0; j < vis; j++) {
                const char *vrow = vh0 + (size_t)j * vstep;
                __m256 pj[2];
#pragma GCC unroll 2
                for (int r = 0; r < R; r++)
                    pj[r] = _mm256_set1_ps(p[r * KB + j]);
#pragma GCC unroll 4
                for (int v = 0; v < 4; v++) {
                    __m256 w = widen8(vrow, type, (int64_t)(c + 8 * (size_t)v));
#pragma GCC unroll 2
                    for (int r = 0; r < R; r++)
                        acc[r][v] = _mm256_fmadd_ps(pj[r], w, acc[r][v]);
                }
            }
#pragma GCC unroll 2
            for (int r = 0; r < R; r++)
#pragma GCC unroll 4
                for (int v = 0; v < 4; v++)
                    _mm256_storeu_ps(o + r * ld + c + 8 * v, acc[r][v]);
        }
    }
}

/* the decode path's block over the task's heads kh0 ≤ kh < kh1, by type */
AVX2 static void decode_block(const vo_attn_seq *S, int R, int64_t kh0, int64_t kh1, int64_t k0,
                              int64_t nk, int64_t vis, int64_t kend, const float *qs, float *os,
                              float *m, float *l, size_t ld, __m256 sv, float *av, float *pw)
{
    const vo_tensor *kt = S->k, *vt = S->v;
    const char *kr = cpu_base(kt) + kh0 * kt->nb[1] + cpu_kv_row(S, kt, k0);
    const char *vr = cpu_base(vt) + kh0 * vt->nb[1] + cpu_kv_row(S, vt, k0);
    size_t ks = kt->nb[2], vs = vt->nb[2], kh = kt->nb[1], vh = vt->nb[1];
    int64_t nh = kh1 - kh0;
    if (vis <= 0)
        return;
    /* the block DECODE_AHEAD keys on (none past the keys seen) */
    int64_t ahead = k0 + DECODE_AHEAD, na = kend - ahead < KB ? kend - ahead : KB;
    const char *ka = na > 0 ? cpu_base(kt) + kh0 * kt->nb[1] + cpu_kv_row(S, kt, ahead) : kr;
    const char *va = na > 0 ? cpu_base(vt) + kh0 * vt->nb[1] + cpu_kv_row(S, vt, ahead) : vr;
    size_t bytes = kt->type == VO_F32 ? ld * 4 : kt->type == VO_Q8ROW ? 4 + ld : ld * 2;
#define DECODE_BLOCK(T, RR)                                                                  \
    decode_block_t(T, RR, nh, kr, vr, ka, va, na, bytes, ks, vs, kh, vh, nk, vis, qs, os, m, l, \
                   ld, sv, av, pw)
    switch (kt->type) {
    case VO_F32:
        if (R == 1)
            DECODE_BLOCK(VO_F32, 1);
        else
            DECODE_BLOCK(VO_F32, 2);
        break;
    case VO_BF16:
        if (R == 1)
            DECODE_BLOCK(VO_BF16, 1);
        else
            DECODE_BLOCK(VO_BF16, 2);
        break;
    default:
        if (R == 1)
            DECODE_BLOCK(VO_Q8ROW, 1);
        else
            DECODE_BLOCK(VO_Q8ROW, 2);
        break;
    }
#undef DECODE_BLOCK
}

/* the decode path takes R ≤ 2 rows that share one query position (G of
 * them: a query's heads) and a cache of a type it widens in registers,
 * rows of whole 32-float groups */
static bool decode_fits(const vo_attn_seq *S, int64_t rows, int64_t G, int64_t hd)
{
    vo_type t = S->k->type;
    return rows <= 2 && rows == G && hd % 32 == 0 && S->v->type == t &&
           (t == VO_F32 || t == VO_BF16 || t == VO_Q8ROW);
}

AVX2 static void attention_task(const vo_tensor *q, vo_tensor *out, const vo_attn_seq *S,
                                int64_t kh0, int64_t kh1, int64_t G, int64_t i0, int64_t i1,
                                float scale, bool causal, float *scratch)
{
    int64_t hd = q->ne[0], rows = (i1 - i0) * G, nr = rows * (kh1 - kh0);
    size_t ld = row_floats(hd);
    float *kw = scratch, *vw = kw + KB * ld, *qs = vw + KB * ld, *os = qs + (size_t)nr * ld;
    float *m = os + (size_t)nr * ld, *l = m + nr, *av = l + nr, *pw = av + (size_t)nr * KB * 8;
    /* row a·rows + r: query i0 + r / G of query head (kh0 + a)·G + r % G */
    for (int64_t x = 0; x < nr; x++) {
        int64_t r = x % rows, qh = (kh0 + x / rows) * G + r % G, t = S->q_start + i0 + r / G;
        memcpy(qs + x * ld, cpu_base(q) + qh * q->nb[1] + t * q->nb[2], sizeof(float) * (size_t)hd);
        memset(qs + x * ld + hd, 0, sizeof(float) * (ld - (size_t)hd));
        memset(os + x * ld, 0, sizeof(float) * ld);
        m[x] = -INFINITY;
        l[x] = 0.0f;
    }
    /* query i sees keys 0..pos0 + i (causal) or all */
    int64_t pos0 = causal ? S->n_kv - S->n_q : S->n_kv - 1;
    int64_t kend = (causal ? pos0 + i1 - 1 : pos0) + 1;
    __m256 sv = _mm256_set1_ps(scale);
    bool decode = decode_fits(S, rows, G, hd);
    /* f32 keys and values (the vision tower's) of whole 8-float groups,
     * rows as far apart in both: the tile path reads them in place */
    bool direct = S->k->type == VO_F32 && S->v->type == VO_F32 && (size_t)hd == ld &&
                  S->k->nb[2] == S->v->nb[2] && S->k->nb[2] % sizeof(float) == 0;
    for (int64_t k0 = 0; k0 < kend; k0 += KB) {
        int64_t nk = kend - k0 < KB ? kend - k0 : KB;
        if (decode) {
            int64_t pos = causal ? pos0 + i0 : pos0;
            decode_block(S, (int)rows, kh0, kh1, k0, nk, pos - k0 + 1 < nk ? pos - k0 + 1 : nk,
                         kend, qs, os, m, l, ld, sv, av, pw);
            continue;
        }
        /* the heads of a block one after the other: a decode task over
         * several heads reads their cache rows, which lie side by side */
        for (int64_t kh = kh0; kh < kh1; kh++) {
            const float *kb = kw, *vb = vw;
            size_t kvld = ld;
            if (direct && nk == KB) {
                /* f32 rows a whole block: read where they are */
                kb = f32_block(S, S->k, kh, k0, kend, hd);
                vb = f32_block(S, S->v, kh, k0, kend, hd);
                kvld = S->k->nb[2] / sizeof(float);
            } else {
                widen_block(kw, ld, S, S->k, kh, k0, nk, kend, hd);
                widen_block(vw, ld, S, S->v, kh, k0, nk, kend, hd);
            }
            /* rows go by query position: those that see nothing of this
             * block (causal) come first */
            int64_t r0 = 0;
            while (causal && r0 < rows && pos0 + i0 + r0 / G < k0)
                r0++;
            int64_t x = (kh - kh0) * rows + r0;
            tile_rows(rows - r0, qs + x * ld, os + x * ld, m + x, l + x, ld, kb, vb, kvld,
                      causal, pos0 + i0, G, r0, k0, nk, sv);
        }
    }
    for (int64_t x = 0; x < nr; x++) {
        int64_t r = x % rows, qh = (kh0 + x / rows) * G + r % G, t = S->q_start + i0 + r / G;
        float *d = (float *)(cpu_base(out) + qh * out->nb[1] + t * out->nb[2]);
        float inv = 1.0f / l[x];
        for (int64_t c = 0; c < hd; c++)
            d[c] = os[x * ld + c] * inv;
    }
}
#endif

void cpu_avx2_attention(const vo_tensor *q, vo_tensor *out, const vo_attn_seq *S, int64_t kh0,
                        int64_t kh1, int64_t G, int64_t i0, int64_t i1, float scale, bool causal,
                        float *scratch)
{
#ifdef VO_X86
    attention_task(q, out, S, kh0, kh1, G, i0, i1, scale, causal, scratch);
#else
    (void)q; (void)out; (void)S; (void)kh0; (void)kh1; (void)G; (void)i0; (void)i1; (void)scale;
    (void)causal; (void)scratch;
#endif
}
