/* peaks.c: the f32 FMA and bf16 dot peaks of one core (peaks.h). */
#include "tests/bench/peaks.h"

#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define VO_X86 1
#endif

#ifdef VO_X86
/* the process's CPU time: time taken off the CPU by other jobs on a shared
 * host does not count */
static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* GFLOP/s of 12 independent 16-wide FMA chains, registers only (the
 * unrolling keeps them there at -O2) */
__attribute__((target("avx512f"))) static double peak_fma512(void)
{
    __m512 a[12], b = _mm512_set1_ps(0.999f), c = _mm512_set1_ps(1e-3f);
    for (int i = 0; i < 12; i++)
        a[i] = _mm512_set1_ps((float)i);
    long iters = 20000000;
    double t0 = cpu_seconds();
    for (long n = 0; n < iters; n++)
#pragma GCC unroll 12
        for (int i = 0; i < 12; i++)
            a[i] = _mm512_fmadd_ps(a[i], b, c);
    double t = cpu_seconds() - t0;
    for (int i = 1; i < 12; i++)
        a[0] = _mm512_add_ps(a[0], a[i]);     /* every chain is used */
    volatile float sink = _mm512_reduce_add_ps(a[0]);
    (void)sink;
    return 2.0 * 16 * 12 * (double)iters / t / 1e9;
}

/* the same with 8-wide AVX2 FMAs, for a CPU without AVX-512 */
__attribute__((target("avx2,fma"))) static double peak_fma256(void)
{
    __m256 a[12], b = _mm256_set1_ps(0.999f), c = _mm256_set1_ps(1e-3f);
    for (int i = 0; i < 12; i++)
        a[i] = _mm256_set1_ps((float)i);
    long iters = 20000000;
    double t0 = cpu_seconds();
    for (long n = 0; n < iters; n++)
#pragma GCC unroll 12
        for (int i = 0; i < 12; i++)
            a[i] = _mm256_fmadd_ps(a[i], b, c);
    double t = cpu_seconds() - t0;
    for (int i = 1; i < 12; i++)
        a[0] = _mm256_add_ps(a[0], a[i]);     /* every chain is used */
    float lanes[8];
    _mm256_storeu_ps(lanes, a[0]);
    volatile float sink = lanes[0] + lanes[7];
    (void)sink;
    return 2.0 * 8 * 12 * (double)iters / t / 1e9;
}

/* vdpbf16ps: 32 bf16 products per lane group, 64 FLOP per instruction */
__attribute__((target("avx512f,avx512bf16"))) static double peak_dpbf16(void)
{
    __m512 a[12];
    __m512bh b = (__m512bh)_mm512_set1_epi16(0x3f80), c = (__m512bh)_mm512_set1_epi16(0x3a83);
    for (int i = 0; i < 12; i++)
        a[i] = _mm512_set1_ps((float)i);
    long iters = 20000000;
    double t0 = cpu_seconds();
    for (long n = 0; n < iters; n++)
#pragma GCC unroll 12
        for (int i = 0; i < 12; i++)
            a[i] = _mm512_dpbf16_ps(a[i], b, c);
    double t = cpu_seconds() - t0;
    for (int i = 1; i < 12; i++)
        a[0] = _mm512_add_ps(a[0], a[i]);     /* every chain is used */
    volatile float sink = _mm512_reduce_add_ps(a[0]);
    (void)sink;
    return 2.0 * 32 * 12 * (double)iters / t / 1e9;
}
#endif

void bench_peaks(double *fma, double *dot)
{
    *fma = *dot = 0;
#ifdef VO_X86
    for (int r = 0; r < 3; r++) {
        double f = __builtin_cpu_supports("avx512f") ? peak_fma512()
                   : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
                       ? peak_fma256() : 0;
        *fma = f > *fma ? f : *fma;
        if (__builtin_cpu_supports("avx512bf16")) {
            double d = peak_dpbf16();
            *dot = d > *dot ? d : *dot;
        }
    }
#endif
}
