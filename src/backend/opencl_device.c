/* opencl_device.c: enumerate OpenCL platforms/devices, probe one into flags
 * (type, work-group and local memory limits, fp16, driver), tune per device. */
#include "src/backend/opencl_device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/util/alloc.h"

#define MAX_PLATFORMS 16
#define MAX_DEVICES 64

const char *
ocl_error_name(cl_int err)
{
    switch (err) {
#define E(x) case x: return #x;
    E(CL_SUCCESS) E(CL_DEVICE_NOT_FOUND) E(CL_DEVICE_NOT_AVAILABLE)
    E(CL_COMPILER_NOT_AVAILABLE) E(CL_MEM_OBJECT_ALLOCATION_FAILURE) E(CL_OUT_OF_RESOURCES)
    E(CL_OUT_OF_HOST_MEMORY) E(CL_BUILD_PROGRAM_FAILURE) E(CL_INVALID_VALUE)
    E(CL_INVALID_DEVICE) E(CL_INVALID_BINARY) E(CL_INVALID_BUILD_OPTIONS)
    E(CL_INVALID_PROGRAM) E(CL_INVALID_KERNEL_NAME) E(CL_INVALID_KERNEL_ARGS)
    E(CL_INVALID_ARG_INDEX) E(CL_INVALID_ARG_VALUE) E(CL_INVALID_ARG_SIZE)
    E(CL_INVALID_WORK_DIMENSION) E(CL_INVALID_WORK_GROUP_SIZE) E(CL_INVALID_WORK_ITEM_SIZE)
    E(CL_INVALID_GLOBAL_WORK_SIZE) E(CL_INVALID_MEM_OBJECT) E(CL_INVALID_BUFFER_SIZE)
    E(CL_INVALID_COMMAND_QUEUE) E(CL_INVALID_CONTEXT) E(CL_INVALID_KERNEL)
    E(CL_INVALID_PROGRAM_EXECUTABLE) E(CL_MISALIGNED_SUB_BUFFER_OFFSET)
    E(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST) E(CL_INVALID_PLATFORM)
#undef E
    case -1001: return "CL_PLATFORM_NOT_FOUND_KHR";
    default: return "unknown OpenCL error";
    }
}

/* All platforms; 0 of them is not an error here. */
static vo_status
get_platforms(vo_ctx *ctx, cl_platform_id *plats, cl_uint *n)
{
    cl_int err = clGetPlatformIDs(MAX_PLATFORMS, plats, n);
    if (err == -1001 /* CL_PLATFORM_NOT_FOUND_KHR: the ICD loader found no driver */) {
        *n = 0;
        return VO_OK;
    }
    if (err != CL_SUCCESS)
        return vo_fail(ctx, VO_ERR_DEVICE, "OpenCL: cannot list platforms: %s (%d)",
                       ocl_error_name(err), err);
    if (*n > MAX_PLATFORMS)
        *n = MAX_PLATFORMS;
    return VO_OK;
}

static void
get_devices(cl_platform_id p, cl_device_id *devs, cl_uint *n)
{
    if (clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, MAX_DEVICES, devs, n) != CL_SUCCESS)
        *n = 0;
    if (*n > MAX_DEVICES)
        *n = MAX_DEVICES;
}

static void
info_str(cl_device_id d, cl_device_info what, char *dst, size_t n)
{
    if (clGetDeviceInfo(d, what, n, dst, NULL) != CL_SUCCESS)
        snprintf(dst, n, "?");
    dst[n - 1] = 0;
}

static vo_status
probe(vo_ctx *ctx, cl_platform_id p, cl_device_id d, int pi, int di, ocl_device *o)
{
    memset(o, 0, sizeof *o);
    o->platform = p;
    o->id = d;
    o->plat_index = pi;
    o->dev_index = di;
    if (clGetPlatformInfo(p, CL_PLATFORM_NAME, sizeof o->platform_name, o->platform_name,
                          NULL) != CL_SUCCESS)
        snprintf(o->platform_name, sizeof o->platform_name, "?");
    o->platform_name[sizeof o->platform_name - 1] = 0;
    info_str(d, CL_DEVICE_NAME, o->name, sizeof o->name);
    info_str(d, CL_DEVICE_VENDOR, o->vendor, sizeof o->vendor);
    info_str(d, CL_DEVICE_VERSION, o->version, sizeof o->version);
    info_str(d, CL_DRIVER_VERSION, o->driver, sizeof o->driver);
    cl_device_type type = 0;
    cl_int err = clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof type, &type, NULL);
    err |= clGetDeviceInfo(d, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof o->max_wg, &o->max_wg, NULL);
    err |= clGetDeviceInfo(d, CL_DEVICE_MAX_WORK_ITEM_SIZES, sizeof o->max_item, o->max_item,
                           NULL);
    err |= clGetDeviceInfo(d, CL_DEVICE_LOCAL_MEM_SIZE, sizeof o->local_mem, &o->local_mem,
                           NULL);
    err |= clGetDeviceInfo(d, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof o->global_mem, &o->global_mem,
                           NULL);
    err |= clGetDeviceInfo(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof o->max_alloc, &o->max_alloc,
                           NULL);
    err |= clGetDeviceInfo(d, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof o->compute_units,
                           &o->compute_units, NULL);
    /* a hint only (1.1+); 0 when the driver does not say */
    if (clGetDeviceInfo(d, CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT, sizeof o->vec_float,
                        &o->vec_float, NULL) != CL_SUCCESS)
        o->vec_float = 0;
    if (err != CL_SUCCESS)
        return vo_fail(ctx, VO_ERR_DEVICE, "OpenCL device %d.%d (%s): cannot read its limits",
                       pi, di, o->name);
    o->is_gpu = (type & CL_DEVICE_TYPE_GPU) != 0;
    o->is_cpu = (type & CL_DEVICE_TYPE_CPU) != 0;
    size_t n = 0;
    if (clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, 0, NULL, &n) == CL_SUCCESS && n > 0) {
        char *ext = vo_malloc(n + 1);
        if (!ext)
            return vo_fail(ctx, VO_ERR_NOMEM, "out of memory probing an OpenCL device");
        if (clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, n, ext, NULL) == CL_SUCCESS) {
            ext[n] = 0;
            o->has_fp16 = strstr(ext, "cl_khr_fp16") != NULL;
        }
        vo_free(ext);
    }
    return VO_OK;
}

static vo_status
no_platform(vo_ctx *ctx)
{
    return vo_fail(ctx, VO_ERR_DEVICE,
                   "no OpenCL platform found: install an OpenCL driver (e.g. pocl-opencl-icd "
                   "for the CPU, or the GPU vendor's) and check /etc/OpenCL/vendors/*.icd");
}

/* the platforms; VO_ERR_DEVICE (no_platform) when there are none */
static vo_status
some_platforms(vo_ctx *ctx, cl_platform_id *plats, cl_uint *np)
{
    vo_status st = get_platforms(ctx, plats, np);
    return st == VO_OK && *np == 0 ? no_platform(ctx) : st;
}

vo_status
ocl_pick_device(vo_ctx *ctx, const char *spec, ocl_device *out)
{
    cl_platform_id plats[MAX_PLATFORMS];
    cl_device_id devs[MAX_DEVICES];
    cl_uint np = 0, nd = 0;
    vo_status st = some_platforms(ctx, plats, &np);
    if (st != VO_OK)
        return st;

    if (spec && *spec && strcmp(spec, "auto") != 0) {
        int p = -1, d = -1, used = 0;
        if (sscanf(spec, "%d.%d%n", &p, &d, &used) != 2 || spec[used] != 0 || p < 0 || d < 0)
            return vo_fail(ctx, VO_ERR_ARGUMENT,
                           "OpenCL device '%s': expected P.D, e.g. 0.0 (see --list-devices)",
                           spec);
        if ((cl_uint)p >= np)
            return vo_fail(ctx, VO_ERR_DEVICE, "OpenCL device %s: there are %u platforms",
                           spec, np);
        get_devices(plats[p], devs, &nd);
        if ((cl_uint)d >= nd)
            return vo_fail(ctx, VO_ERR_DEVICE, "OpenCL device %s: platform %d has %u devices",
                           spec, p, nd);
        return probe(ctx, plats[p], devs[d], p, d, out);
    }

    /* auto: the first GPU, else the first device at all */
    int fp = -1, fd = -1;
    cl_platform_id fplat = NULL;
    cl_device_id fdev = NULL;
    for (cl_uint p = 0; p < np; p++) {
        get_devices(plats[p], devs, &nd);
        for (cl_uint d = 0; d < nd; d++) {
            cl_device_type type = 0;
            clGetDeviceInfo(devs[d], CL_DEVICE_TYPE, sizeof type, &type, NULL);
            if (type & CL_DEVICE_TYPE_GPU)
                return probe(ctx, plats[p], devs[d], (int)p, (int)d, out);
            if (fp < 0) {
                fp = (int)p; fd = (int)d; fplat = plats[p]; fdev = devs[d];
            }
        }
    }
    if (fp < 0)
        return vo_fail(ctx, VO_ERR_DEVICE, "OpenCL: %u platforms but no device on any", np);
    return probe(ctx, fplat, fdev, fp, fd, out);
}

vo_status
ocl_list_devices(vo_ctx *ctx, vo_buf *out)
{
    cl_platform_id plats[MAX_PLATFORMS];
    cl_device_id devs[MAX_DEVICES];
    cl_uint np = 0, nd = 0;
    vo_status st = some_platforms(ctx, plats, &np);
    if (st != VO_OK)
        return st;
    for (cl_uint p = 0; p < np; p++) {
        get_devices(plats[p], devs, &nd);
        for (cl_uint d = 0; d < nd; d++) {
            ocl_device o;
            if ((st = probe(ctx, plats[p], devs[d], (int)p, (int)d, &o)) != VO_OK)
                return st;
            if (vo_buf_printf(out, "%u.%u  %s  %s, vendor %s, %.1f GiB, %u compute units, "
                              "%s, driver %s%s\n", p, d,
                              o.is_gpu ? "gpu" : o.is_cpu ? "cpu" : "other", o.name, o.vendor,
                              (double)o.global_mem / (1024.0 * 1024.0 * 1024.0),
                              o.compute_units, o.version, o.driver,
                              o.has_fp16 ? ", fp16" : "") != VO_OK)
                return vo_fail(ctx, VO_ERR_NOMEM, "out of memory listing OpenCL devices");
        }
    }
    return VO_OK;
}

static int
pow2_floor(size_t v, int cap)
{
    int p = 1;
    while ((size_t)p * 2 <= v && p * 2 <= cap)
        p *= 2;
    return p;
}

void
ocl_tuning_for(const ocl_device *d, ocl_tuning *t)
{
    size_t wg = d->max_wg < d->max_item[0] || d->max_item[0] == 0 ? d->max_wg : d->max_item[0];
    /* GPUs want wide groups; CPU drivers (PoCL) run a group as a loop */
    t->wg = pow2_floor(wg, d->is_gpu ? 256 : 64);
    t->ew = pow2_floor(wg, d->is_gpu ? 128 : 64);
    t->wg_mv = pow2_floor(wg, d->is_gpu ? 128 : 32);
    t->mv_rows = 4;
    t->mv_max_m = 8;
    /* pages in flight on a GPU: each weight row read once for up to 64 x rows */
    t->sk_lanes = 32;
    t->sk_rows = 4;
    t->sk_mt = 8;
    t->sk_max_m = d->is_gpu && wg >= (size_t)(t->sk_lanes * t->sk_rows) ? 64 : 0;
    /* a developer's override to time the kernels against each other
     * (tests/gpu-check.sh): VO_OPENCL_MV_MAX_M=0 sends every M <= sk_max_m
     * to the skinny kernel */
    const char *mv = getenv("VO_OPENCL_MV_MAX_M");
    if (mv && *mv >= '0' && *mv <= '9')
        t->mv_max_m = atoi(mv);
    t->mm_row = !d->is_gpu;
    /* CPU-driver matmul item: 16-wide loads and 8×4 accumulators where the
     * device has 16-float registers (AVX-512: 32 of them), else 8-wide and
     * 4×4 (AVX2: 16 registers) */
    t->mm_vw = d->vec_float >= 16 ? 16 : 8;
    t->mm_nc = d->vec_float >= 16 ? 8 : 4;
    t->mm_nr = 4;
    t->mm_wg = pow2_floor(wg, 16);
    t->wg_att = pow2_floor(wg, d->is_gpu ? 64 : 32);
    t->hd_max = 256;
    t->att_row = !d->is_gpu;
    /* the split kernels stage 32 keys × 129 floats in local memory */
    t->att_split_q = d->local_mem >= 20 * 1024 && wg >= 32 ? 4 : 0;
    t->att_chunk_min = 64;
    /* the tiled kernel stages 16 query rows, 16 keys and 16 values of 128
     * floats (26.3 KiB) for 256 items */
    t->att_tq = 16;
    t->att_rl = 16;
    t->att_tile = d->local_mem >= 27 * 1024 && d->max_wg >= (size_t)(t->att_tq * t->att_rl);
    /* 64 items of 4×4 outputs; smaller where the device cannot hold them */
    t->ts_m = t->ts_n = 32;
    t->ts_k = 16;
    t->wpt_m = t->wpt_n = 4;
    if (wg < 64 || d->local_mem < 8192) {
        t->ts_m = t->ts_n = 16;
        t->ts_k = 8;
    }
    if (wg < 16) {
        t->wpt_m = t->wpt_n = 16;  /* one item per group */
    }
}

vo_status
ocl_tuning_options(const ocl_tuning *t, vo_buf *out)
{
    return vo_buf_printf(out, "-DWG=%d -DTS_M=%d -DTS_N=%d -DTS_K=%d -DWPT_M=%d -DWPT_N=%d "
                         "-DWG_MV=%d -DMV_ROWS=%d -DWG_ATT=%d -DHD_MAX=%d -DMM_NC=%d -DMM_NR=%d "
                         "-DMM_VW=%d -DSK_LANES=%d -DSK_ROWS=%d -DSK_MT=%d -DATT_TQ=%d "
                         "-DATT_RL=%d",
                         t->wg, t->ts_m, t->ts_n, t->ts_k, t->wpt_m, t->wpt_n, t->wg_mv,
                         t->mv_rows, t->wg_att, t->hd_max, t->mm_nc, t->mm_nr, t->mm_vw,
                         t->sk_lanes, t->sk_rows, t->sk_mt, t->att_tq, t->att_rl);
}
