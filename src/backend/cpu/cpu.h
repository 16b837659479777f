/* cpu.h: the native CPU backend (scalar reference ops, AVX2/FMA kernels
 * chosen at run time, a pthread pool over output rows). */
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
/* Number of online cores (>= 1). */
int vo_cpu_count(void);

#endif
