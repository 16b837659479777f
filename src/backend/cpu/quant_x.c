/* quant_x.c: x rows quantized to q8 blocks for q4 weights (the decode
 * matvec's activations, cpu_internal.h) and their integer block dot
 * products: the portable one, which the _ref states, and AVX2's (a weight
 * row against up to 8 x rows at a time, each with its own bits). */
#include "src/backend/cpu/cpu_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "src/backend/cpu/x86_avx2_hsum.h"
#define VO_X86 1
#define AVX2 __attribute__((target("avx2,fma")))
#endif

void cpu_qx_row(char *dst, const float *x, int64_t K)
{
    int64_t nb = K / VO_Q8_BLOCK, pad = cpu_qx_pad(K);
    float *d = (float *)(void *)(dst + pad);
    for (int64_t b = cpu_avx512_qx_row(dst, x, K) ? nb : 0; b < nb; b++) {
        char blk[4 + VO_Q8_BLOCK];     /* vo_quantize_q8's rounding, bit for bit */
        vo_quantize_q8(blk, x + b * VO_Q8_BLOCK, VO_F32, VO_Q8_BLOCK);
        memcpy(&d[b], blk, sizeof(float));
        memcpy(dst + b * VO_Q8_BLOCK, blk + 4, VO_Q8_BLOCK);
    }
    memset(dst + K, 0, (size_t)(pad - K));
    for (int64_t b = nb; b < pad / VO_Q8_BLOCK; b++)
        d[b] = 0.0f;
}

int32_t cpu_qx_block(const char *w, int64_t b, const signed char *q)
{
    int32_t s = 0;  /* element i in the low nibble of byte i, 16 + i in its high */
    const unsigned char *n = (const unsigned char *)w + b * (4 + VO_Q8_BLOCK / 2) + 4;
    for (int i = 0; i < VO_Q8_BLOCK / 2; i++)
        s += ((n[i] & 15) - 8) * q[i] + ((n[i] >> 4) - 8) * q[i + VO_Q8_BLOCK / 2];
    return s;
}

#ifdef VO_X86
/* the 32 nibbles of the q4 block at blk (its scale first), values 0-15 in
 * bytes 0-15, 16-31 in bytes 16-31 */
AVX2 static inline __attribute__((always_inline)) __m256i qx_nibbles(const char *blk)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(blk + 4));
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(v, 4), v), _mm256_set1_epi8(15));
}

/* Σ (nibble − 8)·x of a block in 8 lanes of 4 products (as floats, exact):
 * nibbles × x less 8·x (x8: maddubs(8, x)), pairs in int16 (at most
 * 2·15·128, no saturation), then int32 */
AVX2 static inline __attribute__((always_inline)) __m256 qx_sums(__m256i q, __m256i x, __m256i x8)
{
    __m256i p = _mm256_sub_epi16(_mm256_maddubs_epi16(q, x), x8);
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(p, _mm256_set1_epi16(1)));
}

/* out[m] = dot(q4 row w, x row m of nx ≤ 8, ldx bytes apart): each
 * block's qx_sums, then one FMA a block (by d_w·d_x) into the x row's own
 * sum. The weight block is unpacked once for the nx rows; each
 * sum's steps are the same whatever nx is (a constant at each call), so
 * an x row gets the same bits in any group. */
AVX2 static inline __attribute__((always_inline)) void
qx_dot_xrows_avx2(const char *w, const char *xq, size_t ldx, int nx, int64_t K, float *out)
{
    const float *dx[8];
    __m256 acc[8];
#pragma GCC unroll 8
    for (int m = 0; m < nx; m++) {
        dx[m] = cpu_qx_d(xq + (size_t)m * ldx, K);
        acc[m] = _mm256_setzero_ps();
    }
    for (int64_t b = 0; b < K / VO_Q8_BLOCK; b++) {
        __m256i q = qx_nibbles(w + b * (4 + VO_Q8_BLOCK / 2));
        float wd = cpu_qx_wscale(w, b);
#pragma GCC unroll 8
        for (int m = 0; m < nx; m++) {
            __m256i x = _mm256_loadu_si256((const __m256i *)(xq + (size_t)m * ldx +
                                                             b * VO_Q8_BLOCK));
            __m256 s = qx_sums(q, x, _mm256_maddubs_epi16(_mm256_set1_epi8(8), x));
            acc[m] = _mm256_fmadd_ps(s, _mm256_set1_ps(wd * dx[m][b]), acc[m]);
        }
    }
#pragma GCC unroll 8
    for (int m = 0; m < nx; m++)
        out[m] = cpu_avx2_hsum8(acc[m]);
}

/* out[i] = dot(q4 row i of nr ≤ 4, ldw bytes apart, x row xq): each row's
 * sum takes qx_dot_xrows_avx2's steps for one x row (the same bits), the
 * rows side by side, so that their FMA chains overlap and the x block and
 * its 8·x pairs are loaded and formed once for the nr rows. The group after
 * this one (rows n + nr.., next in memory) is prefetched in memory order
 * as this one is read: read as nr streams a row apart, the rows came in at
 * half the speed of one row at a time (K 2048 N 6144, 1 thread: 1.8 ms
 * unprefetched, 1.2-1.3 one row at a time, 0.7-0.85 prefetched). */
AVX2 static inline __attribute__((always_inline)) void
qx_dot_wrows_avx2(const char *w, size_t ldw, int nr, const char *xq, int64_t K, float *out)
{
    const float *dx = cpu_qx_d(xq, K);
    __m256 acc[4];
#pragma GCC unroll 4
    for (int i = 0; i < nr; i++)
        acc[i] = _mm256_setzero_ps();
    const size_t bs = 4 + VO_Q8_BLOCK / 2;
    for (int64_t b = 0; b < K / VO_Q8_BLOCK; b++) {
        size_t at = (size_t)b * bs;
        /* nr·bs ≤ 80 bytes of the next group a block: two lines */
        const char *ahead = w + (size_t)nr * ldw + at * (size_t)nr;
        _mm_prefetch(ahead, _MM_HINT_T0);
        _mm_prefetch(ahead + 64, _MM_HINT_T0);
        __m256i x = _mm256_loadu_si256((const __m256i *)(xq + b * VO_Q8_BLOCK));
        __m256i x8 = _mm256_maddubs_epi16(_mm256_set1_epi8(8), x);
#pragma GCC unroll 4
        for (int i = 0; i < nr; i++) {
            const char *wb = w + i * ldw + at;
            float wd;
            memcpy(&wd, wb, sizeof wd);
            __m256 s = qx_sums(qx_nibbles(wb), x, x8);
            acc[i] = _mm256_fmadd_ps(s, _mm256_set1_ps(wd * dx[b]), acc[i]);
        }
    }
#pragma GCC unroll 4
    for (int i = 0; i < nr; i++)
        out[i] = cpu_avx2_hsum8(acc[i]);
}

AVX2 static void qx_dot_wrows(const char *w, size_t ldw, int nr, const char *xq, int64_t K,
                              float *out)
{
    if (nr == 4)
        qx_dot_wrows_avx2(w, ldw, 4, xq, K, out);
    else
        qx_dot_wrows_avx2(w, ldw, 1, xq, K, out);
}

AVX2 static float qx_dot_avx2(const char *w, const char *xq, int64_t K)
{
    float r;
    qx_dot_xrows_avx2(w, xq, 0, 1, K, &r);
    return r;
}

AVX2 static void qx_dot_xrows(const char *w, const char *xq, size_t ldx, int nx, int64_t K,
                              float *out)
{
    switch (nx) {
    case 1: qx_dot_xrows_avx2(w, xq, ldx, 1, K, out); break;
    case 2: qx_dot_xrows_avx2(w, xq, ldx, 2, K, out); break;
    case 3: qx_dot_xrows_avx2(w, xq, ldx, 3, K, out); break;
    case 4: qx_dot_xrows_avx2(w, xq, ldx, 4, K, out); break;
    case 5: qx_dot_xrows_avx2(w, xq, ldx, 5, K, out); break;
    case 6: qx_dot_xrows_avx2(w, xq, ldx, 6, K, out); break;
    case 7: qx_dot_xrows_avx2(w, xq, ldx, 7, K, out); break;
    default: qx_dot_xrows_avx2(w, xq, ldx, 8, K, out); break;
    }
}
#endif

float cpu_qx_dot(const char *w, const char *xq, int64_t K)
{
#ifdef VO_X86
    if (cpu_have_avx2())
        return qx_dot_avx2(w, xq, K);
#endif
    const float *dx = cpu_qx_d(xq, K);
    float s = 0.0f;
    for (int64_t b = 0; b < K / VO_Q8_BLOCK; b++)
        s += cpu_qx_wscale(w, b) * dx[b] *
             (float)cpu_qx_block(w, b, (const signed char *)xq + b * VO_Q8_BLOCK);
    return s;
}

void cpu_qx_dot_w(const char *w, size_t ldw, int64_t N, const char *xq, int64_t K, float *out)
{
    int64_t n = 0;
#ifdef VO_X86
    if (cpu_have_avx2()) {
        for (; n < N; n += N - n >= 4 ? 4 : 1)
            qx_dot_wrows(w + (size_t)n * ldw, ldw, N - n >= 4 ? 4 : 1, xq, K, out + n);
        return;
    }
#endif
    for (; n < N; n++)
        out[n] = cpu_qx_dot(w + (size_t)n * ldw, xq, K);
}

void cpu_qx_dot_x(const char *w, const char *xq, size_t ldx, int64_t M, int64_t K, float *out)
{
    for (int64_t m = 0; m < M; m += 8) {
        int nx = M - m < 8 ? (int)(M - m) : 8;
#ifdef VO_X86
        if (cpu_have_avx2()) {
            qx_dot_xrows(w, xq + (size_t)m * ldx, ldx, nx, K, out + m);
            continue;
        }
#endif
        for (int i = 0; i < nx; i++)
            out[m + i] = cpu_qx_dot(w, xq + (size_t)(m + i) * ldx, K);
    }
}
