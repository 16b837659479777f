/* x86_avx512_vnni.c: the decode matrix-vector product of q4 weights
 * with x rows quantized to q8 blocks (cpu_internal.h): int8 products
 * summed in int32 by vpdpbusd, two blocks of 32 a 512-bit register, the
 * sums of a block scaled by d_w·d_x in f32. Tiles as cpu_avx512_matvec's;
 * each output is computed as for its x row alone. Without VNNI, the
 * portable block dot (AVX2) for each output. And the x rows' quantization
 * in AVX-512, bit for bit vo_quantize_q8's. */
#include "src/backend/cpu/cpu_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define VO_X86 1
#define VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#define INLINE static inline __attribute__((always_inline))
#endif

#ifdef VO_X86
#define BLOCK_BYTES (4 + VO_Q8_BLOCK / 2)

/* blocks b and b + 1 of a q4 weight row (b alone where `two` is false:
 * zeros and a zero scale for the other) as the unsigned nibbles (the value
 * plus 8) [b 0-15 | b+1 0-15 | b 16-31 | b+1 16-31] (the x register is
 * permuted alike); *d: each int32 lane's scale */
VNNI INLINE __m512i w_load(const char *row, int64_t b, bool two, __m512 *d)
{
    const char *p = row + (size_t)b * BLOCK_BYTES;
    float d0, d1 = 0.0f;
    __builtin_memcpy(&d0, p, sizeof d0);
    if (two)
        __builtin_memcpy(&d1, p + BLOCK_BYTES, sizeof d1);
    __m128i lo = _mm_loadu_si128((const __m128i *)(p + 4));
    __m128i hi = two ? _mm_loadu_si128((const __m128i *)(p + 24)) : _mm_setzero_si128();
    __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
    __m512i n = _mm512_inserti64x4(_mm512_castsi256_si512(v), _mm256_srli_epi16(v, 4), 1);
    *d = _mm512_mask_mov_ps(_mm512_set1_ps(d0), 0xf0f0, _mm512_set1_ps(d1));
    return _mm512_and_si512(n, _mm512_set1_epi8(15));
}

/* res[i·nx + j] = dot(weight row i, x row j), i < nr, j < nx, as mv_tile
 * in x86_avx512.c: vpdpbusd of the nibbles (q_w + 8, unsigned) and q_x,
 * each sum starting from −8·Σq_x (per x row, once for all the weight rows) */
VNNI INLINE void qx_tile(const char *w, size_t ldw, int nr, const char *xq, size_t ldx, int nx,
                         int64_t K, float *res)
{
    const float *dx[4];
    __m512 acc[8][4];
#pragma GCC unroll 4
    for (int j = 0; j < nx; j++)
        dx[j] = cpu_qx_d(xq + j * ldx, K);
#pragma GCC unroll 8
    for (int i = 0; i < nr; i++)
#pragma GCC unroll 4
        for (int j = 0; j < nx; j++)
            acc[i][j] = _mm512_setzero_ps();
    const __m512i zero = _mm512_setzero_si512();
    const __m512i off = _mm512_set1_epi8(8);
    int64_t nb = K / VO_Q8_BLOCK;
    for (int64_t b = 0; b < nb; b += 2) {
        bool two = b + 2 <= nb;
        __m512i xv[4], xc[4];
        __m512 xd[4];
#pragma GCC unroll 4
        for (int j = 0; j < nx; j++) {
            /* the padding of a row makes the second block zeros at the end */
            __m512i x = _mm512_loadu_si512(xq + j * ldx + b * VO_Q8_BLOCK);
            __m512 d0 = _mm512_set1_ps(dx[j][b]), d1 = _mm512_set1_ps(dx[j][b + 1]);
            xv[j] = _mm512_shuffle_i64x2(x, x, _MM_SHUFFLE(3, 1, 2, 0));
            xd[j] = _mm512_mask_mov_ps(d0, 0xf0f0, d1);
            xc[j] = _mm512_sub_epi32(zero, _mm512_dpbusd_epi32(zero, off, xv[j]));
        }
#pragma GCC unroll 8
        for (int i = 0; i < nr; i++) {
            const char *row = w + i * ldw;
            size_t at = (size_t)b * BLOCK_BYTES;
            /* as mv_tile: this row ahead into L1, the next tile's into L2
             * (40 bytes a step: each line once) */
            _mm_prefetch(row + at + 512, _MM_HINT_T0);
            _mm_prefetch(row + nr * ldw + at, _MM_HINT_T1);
            __m512 dw;
            __m512i wv = two ? w_load(row, b, true, &dw) : w_load(row, b, false, &dw);
#pragma GCC unroll 4
            for (int j = 0; j < nx; j++) {
                __m512i s = _mm512_dpbusd_epi32(xc[j], wv, xv[j]);
                acc[i][j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(dw, xd[j]),
                                            acc[i][j]);
            }
        }
    }
#pragma GCC unroll 8
    for (int i = 0; i < nr; i++)
#pragma GCC unroll 4
        for (int j = 0; j < nx; j++)
            res[i * nx + j] = _mm512_reduce_add_ps(acc[i][j]);
}

/* the tiles of cpu_avx512_matvec: 8×1, 8×2, 4×3, 4×4, 1×nx at the end */
VNNI static void qx_tiles(const char *w, size_t ldw, int nr, const char *xq, size_t ldx,
                          int nx, int64_t K, float *res)
{
    switch (nr * 8 + nx) {
    case 8 * 8 + 1: qx_tile(w, ldw, 8, xq, ldx, 1, K, res); break;
    case 8 * 8 + 2: qx_tile(w, ldw, 8, xq, ldx, 2, K, res); break;
    case 4 * 8 + 3: qx_tile(w, ldw, 4, xq, ldx, 3, K, res); break;
    case 4 * 8 + 4: qx_tile(w, ldw, 4, xq, ldx, 4, K, res); break;
    case 1 * 8 + 1: qx_tile(w, ldw, 1, xq, ldx, 1, K, res); break;
    case 1 * 8 + 2: qx_tile(w, ldw, 1, xq, ldx, 2, K, res); break;
    case 1 * 8 + 3: qx_tile(w, ldw, 1, xq, ldx, 3, K, res); break;
    default: qx_tile(w, ldw, 1, xq, ldx, 4, K, res); break;
    }
}
#endif

#ifdef VO_X86
__attribute__((target("avx512f"))) static void qx_row_avx512(char *dst, const float *x,
                                                             int64_t K)
{
    float *d = (float *)(void *)(dst + cpu_qx_pad(K));
    for (int64_t b = 0; b < K / VO_Q8_BLOCK; b++) {
        __m512 lo = _mm512_loadu_ps(x + b * VO_Q8_BLOCK), hi = _mm512_loadu_ps(x + b * VO_Q8_BLOCK + 16);
        float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(lo), _mm512_abs_ps(hi)));
        d[b] = amax / 127.0f;
        __m512 dv = _mm512_set1_ps(d[b]);
        /* x / d (the division, as vo_quantize_q8) rounded to nearest even */
        __m512i qlo = _mm512_cvtps_epi32(_mm512_div_ps(lo, dv));
        __m512i qhi = _mm512_cvtps_epi32(_mm512_div_ps(hi, dv));
        if (d[b] == 0.0f)
            qlo = qhi = _mm512_setzero_si512();
        _mm_storeu_si128((__m128i *)(dst + b * VO_Q8_BLOCK), _mm512_cvtepi32_epi8(qlo));
        _mm_storeu_si128((__m128i *)(dst + b * VO_Q8_BLOCK + 16), _mm512_cvtepi32_epi8(qhi));
    }
}
#endif

bool cpu_avx512_qx_row(char *dst, const float *x, int64_t K)
{
#ifdef VO_X86
    if (cpu_have_avx512()) {
        qx_row_avx512(dst, x, K);
        return true;
    }
#endif
    (void)dst; (void)x; (void)K;
    return false;
}

void cpu_avx512_matvec_qx(const vo_tensor *w, int64_t n0, int64_t n1, const char *xq,
                          int64_t M, float *out, size_t ldo, const vo_tensor *bias)
{
    size_t ldw = w->nb[1];
    int64_t K = w->ne[0];
    size_t ldx = cpu_qx_stride(K);
    bool vnni = cpu_have_vnni();
    for (int64_t m = 0; m < M; m += 4) {
        int nx = M - m < 4 ? (int)(M - m) : 4, tile_rows = nx <= 2 ? 8 : 4;
        for (int64_t n = n0; n < n1;) {
            int nr = n1 - n >= tile_rows ? tile_rows : 1;
            const char *wr = cpu_base(w) + n * ldw, *xr = xq + m * ldx;
            float res[8 * 4];
#ifdef VO_X86
            if (vnni)
                qx_tiles(wr, ldw, nr, xr, ldx, nx, K, res);
            else
#endif
                for (int i = 0; i < nr; i++)
                    for (int j = 0; j < nx; j++)
                        res[i * nx + j] = cpu_qx_dot(wr + i * ldw, xr + j * ldx, K);
            for (int i = 0; i < nr; i++) {
                float b = bias ? cpu_get_f(cpu_base(bias), bias->type, n + i) : 0.0f;
                for (int j = 0; j < nx; j++)
                    out[(m + j) * ldo + n + i] = res[i * nx + j] + b;
            }
            n += nr;
        }
    }
    (void)vnni;
}
