/* opencl_device.h: OpenCL platforms and devices: probing one device into
 * flags, choosing one by "P.D", listing them, and the -D tuning table. */
#ifndef VO_OPENCL_DEVICE_H
#define VO_OPENCL_DEVICE_H

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stdbool.h>

#include "src/util/buf.h"
#include "src/util/status.h"

/* What we know about the device, probed once. */
typedef struct ocl_device {
    cl_platform_id platform;
    cl_device_id id;
    int plat_index, dev_index;      /* the "P.D" of --list-devices */
    char name[128], vendor[128], platform_name[128];
    char version[128];              /* CL_DEVICE_VERSION */
    char driver[64];                /* CL_DRIVER_VERSION */
    bool is_gpu, is_cpu;
    size_t max_wg;                  /* CL_DEVICE_MAX_WORK_GROUP_SIZE */
    size_t max_item[3];             /* CL_DEVICE_MAX_WORK_ITEM_SIZES */
    cl_ulong local_mem, global_mem, max_alloc;
    cl_uint compute_units;
    bool has_fp16;                  /* cl_khr_fp16 */
    cl_uint vec_float;              /* CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT, 0 unknown */
} ocl_device;

/* Work-group sizes and tiles, passed to every program as -D values. */
typedef struct ocl_tuning {
    int wg;                 /* row reductions (norms, softmax, argmax) */
    int ew;                 /* elementwise work-group width */
    int ts_m, ts_n, ts_k, wpt_m, wpt_n;   /* tiled matmul */
    int wg_mv, mv_rows;     /* matmul for few rows (decode) */
    int mv_max_m;           /* up to this many x rows use the vec kernel */
    int sk_max_m;           /* then up to this many the skinny kernel (0: none) */
    int sk_lanes, sk_rows, sk_mt;   /* its items per w row, w rows a group, x rows a pass */
    int mm_row;             /* 1: the CPU-driver kernel (vo_matmul_row) */
    int mm_nc, mm_nr, mm_vw; /* its item: w rows × x rows, load width (8, 16) */
    int mm_wg;              /* its work-group size (items) */
    int wg_att, hd_max;     /* attention */
    int att_row;            /* 1: the CPU-driver attention kernel (one item per row) */
    int att_split_q;        /* sequences of up to this many query rows take the split
                               (flash-decoding) kernels; 0: never */
    int att_chunk_min;      /* their smallest chunk of keys */
    int att_tile;           /* 1: longer sequences take the tiled kernel (heads up to
                               128 wide): att_tq query rows × att_rl items a group */
    int att_tq, att_rl;
} ocl_tuning;

/* OpenCL error code as its name ("CL_OUT_OF_RESOURCES"). */
const char *ocl_error_name(cl_int err);

/* Pick a device: spec NULL, "" or "auto": the first GPU, else the first
 * device; "P.D": device D of platform P. VO_ERR_DEVICE with a clear message
 * when there is no platform or no such device. */
vo_status ocl_pick_device(vo_ctx *ctx, const char *spec, ocl_device *out);

/* One line per device into out: "P.D type name, vendor, memory, compute units". */
vo_status ocl_list_devices(vo_ctx *ctx, vo_buf *out);

/* Tuning for a probed device (safe defaults for unknown devices). */
void ocl_tuning_for(const ocl_device *d, ocl_tuning *t);

/* The -D options of a tuning ("-DWG=64 -DTS_M=32 …"). */
vo_status ocl_tuning_options(const ocl_tuning *t, vo_buf *out);

#endif
