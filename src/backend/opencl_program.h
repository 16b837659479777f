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

/* The cache's key of a program (or a tuning) for dev: FNV-1a 64 over the
 * device, driver, options and source. */
uint64_t ocl_cache_key(const ocl_device *dev, const char *options, const char *source);

/* A cache entry at path: magic, key, length, then the bytes. get: the bytes
 * (vo_free them; *len their count), NULL when the file is missing or does
 * not fit hash. put: written to a temporary file renamed into place, so a
 * reader never sees half a file; dir made first; failures only logged at
 * debug level. */
unsigned char *ocl_cache_get(const char *path, uint64_t hash, size_t *len);
void ocl_cache_put(vo_ctx *ctx, const char *dir, const char *path, uint64_t hash,
                   const unsigned char *bin, size_t n);

/* The cache folder: $XDG_CACHE_HOME/varco-ocr, else ~/.cache/varco-ocr,
 * into out; VO_ERR_MISSING when neither variable is set. */
vo_status ocl_default_cache_dir(vo_ctx *ctx, vo_buf *out);

#endif
