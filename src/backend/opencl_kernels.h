/* opencl_kernels.h: the kernel sources of opencl/, embedded at build time,
 * or read from $VARCO_OCR_KERNEL_DIR while developing kernels. */
#ifndef VO_OPENCL_KERNELS_H
#define VO_OPENCL_KERNELS_H

#include "src/util/buf.h"
#include "src/util/status.h"

typedef struct ocl_source {
    const char *file;   /* "matmul.cl" */
    const char *text;
} ocl_source;

/* The embedded sources, in no particular order; n set to their count. */
const ocl_source *ocl_embedded_sources(int *n);

/* The text of kernel file `file` into out (appended): from dir when dir is
 * not NULL (VO_ERR_IO naming the path if it cannot be read), else the
 * embedded copy (VO_ERR_ARGUMENT for an unknown name). */
vo_status ocl_kernel_source(vo_ctx *ctx, const char *dir, const char *file, vo_buf *out);

#endif
