/* cpu.h: the native CPU backend (scalar reference ops, AVX-512 and AVX2/FMA
 * kernels chosen at run time, a pthread pool over output rows). */
#ifndef VO_CPU_H
#define VO_CPU_H

#include "src/backend/backend.h"

/* A CPU backend with `threads` workers (<= 0: all online cores). Returns
 * VO_ERR_NOMEM on failure. Free with vo_backend_drop. Ops must be issued
 * from one thread at a time. */
vo_status vo_new_cpu_backend(vo_ctx *ctx, int threads, vo_backend **out);
/* The same backend running only the scalar _ref ops, single-threaded: the
 * readable truth the fast ops (and other backends) are tested against. */
vo_status vo_new_cpu_ref_backend(vo_ctx *ctx, vo_backend **out);
/* How the fast ops multiply bf16 weights by more than 16 rows of
 * activations (prefill, the image encoder): exactly, in f32 (bf16 false,
 * the default), or with the activations rounded to bf16 and the products
 * summed by vdpbf16ps (bf16 true: about twice as fast; results move by
 * about 1e-3 relative). VO_ERR_UNSUPPORTED, nothing changed, where the CPU
 * lacks AVX512_BF16 or runs below AVX-512 ($VO_CPU_ISA); VO_ERR_ARGUMENT
 * for a backend that is not a CPU backend. The non-causal attention of f32
 * keys and values over more than 2 rows a head (the image encoder's) is
 * rounded the same way. Decode rows stay exact. */
vo_status vo_cpu_round_activations(vo_ctx *ctx, vo_backend *be, bool bf16);
/* Number of online cores (>= 1). */
int vo_cpu_count(void);

/* The instruction set of the fast CPU kernels, one choice per process:
 * "avx512" (AVX-512 F), "avx2" (AVX2 + FMA) or "scalar" (portable C). It is
 * the best the CPU has unless $VO_CPU_ISA names another when a CPU backend
 * is made; an unknown name or one the CPU lacks makes vo_new_cpu_backend
 * fail with VO_ERR_ARGUMENT (no silent fallback). vo_cpu_use_isa sets it
 * (NULL: the best) for tests and benches, between ops only. */
vo_status vo_cpu_use_isa(vo_ctx *ctx, const char *name);
/* $VO_CPU_ISA, if set: used, or VO_ERR_ARGUMENT naming the variable */
vo_status vo_cpu_isa_from_env(vo_ctx *ctx);
const char *vo_cpu_isa(void);
bool vo_cpu_has_isa(const char *name);

#endif
