/* opencl.h: the OpenCL backend (the kernels of opencl/ on any OpenCL 1.2
 * device: PoCL on the CPU, NVIDIA, AMD, Intel and mobile GPUs). */
#ifndef VO_OPENCL_H
#define VO_OPENCL_H

#include <stdbool.h>

#include "src/backend/backend.h"
#include "src/util/buf.h"

typedef struct vo_opencl_opts {
    const char *device;     /* "P.D" (see vo_opencl_list_devices); NULL, "" or
                               "auto": the first GPU, else the first device */
    const char *kernel_dir; /* folder of .cl files to use instead of the
                               embedded ones; NULL: $VARCO_OCR_KERNEL_DIR */
    const char *cache_dir;  /* program binary cache; NULL: $XDG_CACHE_HOME/
                               varco-ocr, else ~/.cache/varco-ocr */
    bool no_cache;          /* neither read nor write program binaries */
    int kernel_path;        /* matmul and attention kernels: 0: chosen per
                               device; 1: the GPU ones (tiled, vec for few rows,
                               a work-group per attention row); 2: the CPU-driver
                               ones (an item per output block or row) */
} vo_opencl_opts;

/* A backend on an OpenCL device; opts may be NULL (all defaults). Every
 * kernel program is built (or taken from the cache) here, so a later op
 * never compiles. Returns VO_ERR_DEVICE with a clear message when there is
 * no platform or device, or a kernel does not build (file name and build
 * log in the message); VO_ERR_ARGUMENT for a malformed device string.
 * Free with vo_backend_drop; ops from one thread at a time. */
vo_status vo_opencl_backend_new(vo_ctx *ctx, const vo_opencl_opts *opts, vo_backend **out);

/* Append one line per OpenCL device to out: "P.D  type  name, vendor,
 * memory, compute units, version, driver". VO_ERR_DEVICE when no platform. */
vo_status vo_opencl_list_devices(vo_ctx *ctx, vo_buf *out);

/* What a backend made by vo_opencl_backend_new runs on and how it started. */
typedef struct vo_opencl_info {
    char device[300];       /* "P.D name (platform), driver D" */
    int programs;           /* kernel programs built or loaded */
    int from_cache;         /* of them, loaded from the binary cache */
    double startup_s;       /* seconds spent in vo_opencl_backend_new */
    char tuning[96];        /* the decode kernels' shapes and where they came
                               from: "(measured)", "(from the cache)" or "(from
                               the device's properties)" */
    bool side_stream;       /* a second queue for the side stream (not with
                               VO_OPENCL_SIDE_STREAM=0 or VO_OPENCL_PROFILE=1) */
} vo_opencl_info;

/* What a backend moved and ran since it was made: kernel launches, host
 * transfers (writes host → device, reads device → host) and buffers made.
 * With VO_OPENCL_PROFILE=1 in the environment the backend also times every
 * launch and prints the device time per kernel to stderr when dropped. */
typedef struct vo_opencl_stats {
    unsigned long long launches;
    unsigned long long writes, write_bytes;
    unsigned long long reads, read_bytes;
    unsigned long long buffers, buffer_bytes;   /* made with clCreateBuffer */
    unsigned long long buffers_reused;          /* taken from the pool of freed ones */
    unsigned long long device_copies, device_copy_bytes;  /* buffer to buffer */
} vo_opencl_stats;

/* Fill stats; false when be is not an OpenCL backend. */
bool vo_opencl_get_stats(const vo_backend *be, vo_opencl_stats *stats);

/* Fill info; false when be is not an OpenCL backend. */
bool vo_opencl_get_info(const vo_backend *be, vo_opencl_info *info);

/* The device's memory bandwidth as the driver's own buffer copy moves it:
 * GB/s counting bytes read plus written, best of `reps` copies of `bytes`
 * between two device buffers (the bound the benchmarks quote ratios to).
 * VO_ERR_ARGUMENT when be is not an OpenCL backend; VO_ERR_DEVICE when the
 * buffers cannot be made. */
vo_status vo_opencl_copy_bandwidth(vo_ctx *ctx, vo_backend *be, size_t bytes, int reps,
                                   double *gb_s);

#endif
