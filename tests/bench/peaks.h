/* peaks.h: this CPU's arithmetic peaks on one thread for the benches'
 * ratios, measured by register-only loops in CPU time. */
#ifndef VO_BENCH_PEAKS_H
#define VO_BENCH_PEAKS_H

/* GFLOP/s, best of 3: the f32 FMA peak (AVX-512, else AVX2 with FMA: the
 * widest the kernels use) and the bf16 dot peak (vdpbf16ps); 0 where the
 * CPU has not the instructions */
void bench_peaks(double *fma, double *dot);

#endif
