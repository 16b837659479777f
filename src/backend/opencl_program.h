/* opencl_program.h: build one kernel program from source, or load it from
 * the binary cache keyed by device, driver, options and source hash. */
#ifndef VO_OPENCL_PROGRAM_H
#define VO_OPENCL_PROGRAM_H

#include "src/backend/opencl_device.h"

/* Build `source` (whose file name `file` appears in messages) for dev with
 * `options`. cache_dir NULL: no cache; else a binary found there is used
 * and a freshly built one is stored (cache failures are only logged at
 * debug level). *from_cache tells which happened. VO_ERR_DEVICE with the
 * file name and the build log when the compiler rejects the source. */
vo_status ocl_build_program(vo_ctx *ctx, cl_context cctx, const ocl_device *dev,
                            const char *file, const char *source, const char *options,
                            const char *cache_dir, cl_program *out, int *from_cache);

/* The cache folder: $XDG_CACHE_HOME/varco-ocr, else ~/.cache/varco-ocr,
 * into out; VO_ERR_MISSING when neither variable is set. */
vo_status ocl_default_cache_dir(vo_ctx *ctx, vo_buf *out);

#endif
