/* x86_avx2.c: AVX2/FMA kernels of the CPU backend (dot products, a small
 * register-blocked GEMM tile, bf16 widening), with portable fallbacks. */
#include "src/backend/cpu/cpu_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "src/backend/cpu/x86_avx2_hsum.h"
#include "src/backend/cpu/x86_avx2_load.h"
#define VO_X86 1
#define AVX2 __attribute__((target("avx2,fma")))
#endif

bool cpu_have_avx2(void)
{
    return cpu_isa_active() >= CPU_ISA_AVX2;
}

#ifdef VO_X86
AVX2 static void gemm_4x3(const float *w, size_t ldw, const float *x, size_t ldx, int64_t K,
                          float *out, size_t ldo)
{
    __m256 acc[4][3];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++)
            acc[i][j] = _mm256_setzero_ps();
    int64_t k = 0;
    for (; k + 8 <= K; k += 8) {
        __m256 x0 = _mm256_loadu_ps(x + k), x1 = _mm256_loadu_ps(x + ldx + k),
               x2 = _mm256_loadu_ps(x + 2 * ldx + k);
        for (int i = 0; i < 4; i++) {
            __m256 wv = _mm256_loadu_ps(w + i * ldw + k);
            acc[i][0] = _mm256_fmadd_ps(wv, x0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(wv, x1, acc[i][1]);
            acc[i][2] = _mm256_fmadd_ps(wv, x2, acc[i][2]);
        }
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++) {
            float s = cpu_avx2_hsum8(acc[i][j]);
            for (int64_t kk = k; kk < K; kk++)
                s += w[i * ldw + kk] * x[j * ldx + kk];
            out[i * ldo + j] = s;
        }
}
#endif

#ifdef VO_X86
/* one output as gemm_4x3 computes each of its 12 */
AVX2 static float dot1_avx2(const float *w, const float *x, int64_t K)
{
    __m256 acc = _mm256_setzero_ps();
    int64_t k = 0;
    for (; k + 8 <= K; k += 8)
        acc = _mm256_fmadd_ps(_mm256_loadu_ps(w + k), _mm256_loadu_ps(x + k), acc);
    float s = cpu_avx2_hsum8(acc);
    for (; k < K; k++)
        s += w[k] * x[k];
    return s;
}
#endif

void cpu_avx2_gemm_tile(const float *w, size_t ldw, int nw, const float *x, size_t ldx, int nx,
                        int64_t K, float *out, size_t ldo)
{
#ifdef VO_X86
    if (cpu_have_avx2()) {
        if (nw == 4 && nx == 3)
            gemm_4x3(w, ldw, x, ldx, K, out, ldo);
        else
            for (int i = 0; i < nw; i++)
                for (int j = 0; j < nx; j++)
                    out[i * ldo + j] = dot1_avx2(w + i * ldw, x + j * ldx, K);
        return;
    }
#endif
    for (int i = 0; i < nw; i++)
        for (int j = 0; j < nx; j++) {
            float s = 0;
            for (int64_t k = 0; k < K; k++)
                s += w[i * ldw + k] * x[j * ldx + k];
            out[i * ldo + j] = s;
        }
}

#ifdef VO_X86
AVX2 static float dot_avx2(const float *a, const float *b, int64_t n)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    }
    for (; i + 8 <= n; i += 8)
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    float s = cpu_avx2_hsum8(_mm256_add_ps(s0, s1));
    for (; i < n; i++)
        s += a[i] * b[i];
    return s;
}

AVX2 static void axpy_avx2(float *y, float a, const float *x, int64_t n)
{
    __m256 av = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, _mm256_loadu_ps(x + i),
                                                _mm256_loadu_ps(y + i)));
    for (; i < n; i++)
        y[i] += a * x[i];
}

AVX2 static void bf16_avx2(float *dst, const uint16_t *src, int64_t n)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(dst + i, cpu_avx2_bf16x8(src + i));
    for (; i < n; i++)
        dst[i] = cpu_bf16_to_f32(src[i]);
}
#endif

float cpu_avx2_dot(const float *a, const float *b, int64_t n)
{
#ifdef VO_X86
    if (cpu_have_avx2())
        return dot_avx2(a, b, n);
#endif
    float s = 0;
    for (int64_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

void cpu_avx2_axpy(float *y, float a, const float *x, int64_t n)
{
#ifdef VO_X86
    if (cpu_have_avx2()) {
        axpy_avx2(y, a, x, n);
        return;
    }
#endif
    for (int64_t i = 0; i < n; i++)
        y[i] += a * x[i];
}

void cpu_avx2_bf16_to_f32(float *dst, const uint16_t *src, int64_t n)
{
#ifdef VO_X86
    if (cpu_have_avx2()) {
        bf16_avx2(dst, src, n);
        return;
    }
#endif
    for (int64_t i = 0; i < n; i++)
        dst[i] = cpu_bf16_to_f32(src[i]);
}

/* q8 and q4 rows of n values (n a multiple of 32) widened as cpu_get_f
 * widens each value (d·q, d·(nibble − 8): one product, the same bits) */
#ifdef VO_X86
AVX2 static void q8_avx2(float *dst, const char *row, int64_t n)
{
    for (int64_t b = 0; b < n / VO_Q8_BLOCK; b++) {
        const char *blk = row + b * (4 + VO_Q8_BLOCK);
        float d;
        memcpy(&d, blk, sizeof d);
        __m256 dv = _mm256_set1_ps(d);
        for (int s = 0; s < 4; s++)
            _mm256_storeu_ps(dst + b * VO_Q8_BLOCK + 8 * s, cpu_avx2_q8x8(blk + 4 + 8 * s, dv));
    }
}

AVX2 static void q4_avx2(float *dst, const char *row, int64_t n)
{
    const __m128i low = _mm_set1_epi8(15), eight = _mm_set1_epi8(8);
    for (int64_t b = 0; b < n / VO_Q8_BLOCK; b++) {
        const char *blk = row + b * (4 + VO_Q8_BLOCK / 2);
        float d;
        memcpy(&d, blk, sizeof d);
        __m256 dv = _mm256_set1_ps(d);
        __m128i v = _mm_loadu_si128((const __m128i *)(blk + 4));
        /* values 0-15 in the low nibbles, 16-31 in the high ones, less 8 */
        __m128i lo = _mm_sub_epi8(_mm_and_si128(v, low), eight);
        __m128i hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(v, 4), low), eight);
        __m128i q[4] = {lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8)};
        for (int s = 0; s < 4; s++)
            _mm256_storeu_ps(dst + b * VO_Q8_BLOCK + 8 * s,
                             _mm256_mul_ps(dv, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q[s]))));
    }
}
#endif

bool cpu_avx2_quant_to_f32(float *dst, const void *row, vo_type type, int64_t n)
{
#ifdef VO_X86
    if (cpu_have_avx2() && n % VO_Q8_BLOCK == 0 && (type == VO_Q8 || type == VO_Q4)) {
        (type == VO_Q8 ? q8_avx2 : q4_avx2)(dst, row, n);
        return true;
    }
#endif
    (void)dst; (void)row; (void)type; (void)n;
    return false;
}

/* --- bf16 KV cache rows: widened in registers (exact), f32 FMA --- */
#ifdef VO_X86
AVX2 static float dot_bf16_avx2(const float *a, const uint16_t *b, int64_t n)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), cpu_avx2_bf16x8(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), cpu_avx2_bf16x8(b + i + 8), s1);
    }
    for (; i + 8 <= n; i += 8)
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), cpu_avx2_bf16x8(b + i), s0);
    float s = cpu_avx2_hsum8(_mm256_add_ps(s0, s1));
    for (; i < n; i++)
        s += a[i] * cpu_bf16_to_f32(b[i]);
    return s;
}

AVX2 static void axpy_bf16_avx2(float *y, float a, const uint16_t *x, int64_t n)
{
    __m256 av = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i,
                         _mm256_fmadd_ps(av, cpu_avx2_bf16x8(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++)
        y[i] += a * cpu_bf16_to_f32(x[i]);
}
#endif

float cpu_avx2_dot_bf16(const float *a, const uint16_t *b, int64_t n)
{
#ifdef VO_X86
    if (cpu_have_avx2())
        return dot_bf16_avx2(a, b, n);
#endif
    float s = 0;
    for (int64_t i = 0; i < n; i++)
        s += a[i] * cpu_bf16_to_f32(b[i]);
    return s;
}

void cpu_avx2_axpy_bf16(float *y, float a, const uint16_t *x, int64_t n)
{
#ifdef VO_X86
    if (cpu_have_avx2()) {
        axpy_bf16_avx2(y, a, x, n);
        return;
    }
#endif
    for (int64_t i = 0; i < n; i++)
        y[i] += a * cpu_bf16_to_f32(x[i]);
}
