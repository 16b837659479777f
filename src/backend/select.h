/* select.h: choose the compute backend from a user's --device string:
 * auto (a GPU through OpenCL when there is one, else the native CPU path),
 * cpu, opencl (OpenCL's first GPU, else its first device), opencl:P.D. */
#ifndef VO_BACKEND_SELECT_H
#define VO_BACKEND_SELECT_H

#include "src/backend/backend.h"
#include "src/util/buf.h"

/* Open the backend named by `device` (NULL = "auto"). With "auto", an
 * OpenCL failure (no platform, a kernel that does not build, no memory) is
 * a warning and the CPU backend is used; with "opencl…" it is the error.
 * `threads` is for the CPU backend (<= 0: all cores). On success `what`
 * (may be NULL) gets a one-line description of the device. */
vo_status vo_backend_open(vo_ctx *ctx, const char *device, int threads, vo_backend **out,
                          vo_buf *what);

/* "--list-devices": the native CPU backend and every OpenCL device. */
vo_status vo_backend_list(vo_ctx *ctx, vo_buf *out);

#endif
