/* opencl_tune.c: the decode matmuls' work-group shapes measured on the
 * device at its first start: the vec kernel's items per weight row (WG_MV)
 * and the skinny kernel's weight rows per group and x rows per pass
 * (SK_ROWS, SK_MT), each candidate built and timed on a matrix of the
 * model's size; the fastest go into the program cache folder, so later
 * starts read them instead of timing again. */
#include "src/backend/opencl_internal.h"
#include "src/backend/opencl_program.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/util/alloc.h"
#include "src/util/clock.h"

/* the timed product: a 2048-wide bf16 matrix (Qwen3-1.7B's width) of 16384
 * rows on GPUs (64 MiB: more than their L2 caches hold, as the model's
 * weights are), 4096 elsewhere (VO_OPENCL_AUTOTUNE=1 on a CPU driver: the
 * tests), by 1 x row for the vec kernel, 16 for the skinny one (pages in
 * flight) */
#define TUNE_K 2048
#define TUNE_N_GPU 16384
#define TUNE_N_OTHER 4096
#define TUNE_M_VEC 1
#define TUNE_M_SKINNY 16
#define TUNE_REPS 3

static const int wg_mv_candidates[] = {32, 64, 128, 256};
static const int sk_candidates[][2] = {{2, 8}, {4, 4}, {4, 8}, {8, 8}, {4, 16}};
#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* What the candidates and the timed shapes are: part of the cache key, so
 * a change here times again. */
#define TUNE_VERSION "tune 1: 2048 x 16384|4096 bf16; vec WG_MV 32-256 M1; " \
    "skinny SK_ROWS x SK_MT 2x8 4x4 4x8 8x8 4x16 M16"

bool
ocl_autotune_wanted(const ocl_backend *b)
{
    const char *e = getenv("VO_OPENCL_AUTOTUNE");
    if (e && strcmp(e, "0") == 0)
        return false;
    if (b->tune.mm_row)
        return false;   /* CPU drivers take the _row kernels: nothing to time */
    return b->dev.is_gpu || (e && strcmp(e, "1") == 0);
}

/* fits the device: items per group and local memory */
static bool
feasible(const ocl_backend *b, const ocl_tuning *t)
{
    size_t sk_local = sizeof(float) * (size_t)t->sk_rows * (size_t)t->sk_mt *
                      (size_t)(t->sk_lanes + 1);
    size_t mv_local = sizeof(float) * (size_t)t->mv_rows * (size_t)t->wg_mv;
    return (size_t)t->wg_mv <= b->dev.max_wg && (size_t)t->wg_mv <= b->dev.max_item[0] &&
           (size_t)(t->sk_lanes * t->sk_rows) <= b->dev.max_wg &&
           sk_local <= b->dev.local_mem && mv_local <= b->dev.local_mem;
}

/* seconds of the best of TUNE_REPS products of w by x with tuning t
 * (`kind`'s bf16 kernel built for it); < 0 when it cannot run */
static double
time_candidate(vo_ctx *ctx, ocl_backend *b, const ocl_tuning *t, int kind, const char *source,
               vo_tensor *w, vo_tensor *x, vo_tensor *out)
{
    vo_buf opts = VO_BUF_INIT, tune = VO_BUF_INIT;
    cl_program prog = NULL;
    cl_kernel kern = NULL;
    double best = -1;
    int hit = 0, slot = OCL_K_MATMUL + OCL_MM_KINDS * OCL_MW_BF16 + kind;
    if (ocl_tuning_options(t, &tune) != VO_OK ||
        vo_buf_printf(&opts, "-cl-std=CL1.2 %s -DW_BF16", tune.data) != VO_OK ||
        ocl_build_program(ctx, b->cctx, &b->dev, "matmul.cl", source, opts.data, NULL, &prog,
                          &hit) != VO_OK)
        goto done;
    cl_int err;
    kern = clCreateKernel(prog, kind == OCL_MM_VEC ? "vo_matmul_vec" : "vo_matmul_skinny", &err);
    if (err != CL_SUCCESS)
        goto done;
    ocl_tuning keep = b->tune;
    b->tune = *t;
    b->kern[slot] = kern;
    for (int r = 0; r <= TUNE_REPS; r++) {  /* the first run warms up */
        double t0 = vo_monotonic_seconds();
        ocl_matmul(&b->base, out, w, x, NULL);
        if (clFinish(b->queue) != CL_SUCCESS || b->base.err != VO_OK)
            break;
        double s = vo_monotonic_seconds() - t0;
        if (r > 0 && (best < 0 || s < best))
            best = s;
    }
    b->kern[slot] = NULL;
    b->tune = keep;
done:
    if (b->base.err != VO_OK) {     /* a candidate the device refuses: not an error */
        vo_debug(ctx, "OpenCL tuning: a candidate failed: %s", b->base.err_msg);
        vo_backend_clear_error(&b->base);
        best = -1;
    }
    if (kern)
        clReleaseKernel(kern);
    if (prog)
        clReleaseProgram(prog);
    vo_buf_free(&opts);
    vo_buf_free(&tune);
    return best;
}

/* the values a cache entry holds, when they are candidates that fit */
static bool
parse_tuning(const ocl_backend *b, const unsigned char *bytes, size_t n, ocl_tuning *t)
{
    char text[128];
    if (n == 0 || n >= sizeof text)
        return false;
    memcpy(text, bytes, n);
    text[n] = 0;
    int wg_mv, sk_rows, sk_mt;
    if (sscanf(text, "wg_mv %d sk_rows %d sk_mt %d", &wg_mv, &sk_rows, &sk_mt) != 3)
        return false;
    bool known = false;
    for (int i = 0; i < COUNT(wg_mv_candidates); i++)
        known |= wg_mv == wg_mv_candidates[i];
    bool sk_known = false;
    for (int i = 0; i < COUNT(sk_candidates); i++)
        sk_known |= sk_rows == sk_candidates[i][0] && sk_mt == sk_candidates[i][1];
    ocl_tuning c = b->tune;
    c.wg_mv = wg_mv;
    c.sk_rows = sk_rows;
    c.sk_mt = sk_mt;
    if (!known || !sk_known || !feasible(b, &c))
        return false;
    *t = c;
    return true;
}

static void
describe(ocl_backend *b, const char *how)
{
    snprintf(b->info.tuning, sizeof b->info.tuning, "wg_mv %d sk_rows %d sk_mt %d (%s)",
             b->tune.wg_mv, b->tune.sk_rows, b->tune.sk_mt, how);
}

vo_status
ocl_autotune(vo_ctx *ctx, ocl_backend *b, const char *source, const char *cache_dir)
{
    uint64_t key = ocl_cache_key(&b->dev, TUNE_VERSION, source);
    vo_buf path = VO_BUF_INIT;
    if (vo_buf_printf(&path, "%s/tune-%016llx.txt", cache_dir, (unsigned long long)key) != VO_OK)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    size_t len = 0;
    unsigned char *saved = ocl_cache_get(path.data, key, &len);
    ocl_tuning t;
    if (saved && parse_tuning(b, saved, len, &t)) {
        vo_free(saved);
        vo_buf_free(&path);
        b->tune = t;
        describe(b, "from the cache");
        return VO_OK;
    }
    vo_free(saved);

    vo_info(ctx, "OpenCL: timing the decode kernels on %s once (kept in %s)", b->dev.name,
            cache_dir);
    double t0 = vo_monotonic_seconds();
    int64_t N = b->dev.is_gpu ? TUNE_N_GPU : TUNE_N_OTHER;
    vo_tensor *w = vo_tensor_new(&b->base, VO_BF16, TUNE_K, N, 1, 1, "tune.w");
    vo_tensor *x = vo_tensor_new(&b->base, VO_F32, TUNE_K, TUNE_M_SKINNY, 1, 1, "tune.x");
    vo_tensor *o = vo_tensor_new(&b->base, VO_F32, N, TUNE_M_SKINNY, 1, 1, "tune.out");
    vo_status st = VO_OK;
    if (!w || !x || !o) {
        st = vo_fail(ctx, VO_ERR_DEVICE, "OpenCL tuning on %s: %s", b->dev.name,
                     b->base.err_msg);
        vo_backend_clear_error(&b->base);
        goto done;
    }
    /* zeros: the time of a product does not depend on its values */
    cl_int zero = 0, err = clEnqueueFillBuffer(b->queue, w->buffer, &zero, sizeof zero, 0,
                                               vo_nbytes(w), 0, NULL, NULL);
    if (err == CL_SUCCESS)
        err = clEnqueueFillBuffer(b->queue, x->buffer, &zero, sizeof zero, 0, vo_nbytes(x), 0,
                                  NULL, NULL);
    if (err != CL_SUCCESS) {
        st = vo_fail(ctx, VO_ERR_DEVICE, "OpenCL tuning on %s: clEnqueueFillBuffer: %s (%d)",
                     b->dev.name, ocl_error_name(err), err);
        goto done;
    }
    ocl_tuning best = b->tune;
    double best_s = -1;
    vo_tensor xv = vo_view(x, TUNE_K, TUNE_M_VEC, 1, 1, 0, 0, 0, 0);
    vo_tensor ov = vo_view(o, N, TUNE_M_VEC, 1, 1, 0, 0, 0, 0);
    for (int i = 0; i < COUNT(wg_mv_candidates); i++) {
        ocl_tuning c = b->tune;
        c.wg_mv = wg_mv_candidates[i];
        double s = feasible(b, &c) ? time_candidate(ctx, b, &c, OCL_MM_VEC, source, w, &xv, &ov)
                                   : -1;
        vo_debug(ctx, "OpenCL tuning: vec WG_MV %d: %.3f ms", c.wg_mv, s * 1e3);
        if (s > 0 && (best_s < 0 || s < best_s)) {
            best_s = s;
            best.wg_mv = c.wg_mv;
        }
    }
    best_s = -1;
    for (int i = 0; i < COUNT(sk_candidates) && b->tune.sk_max_m > 0; i++) {
        ocl_tuning c = b->tune;
        c.sk_rows = sk_candidates[i][0];
        c.sk_mt = sk_candidates[i][1];
        double s = feasible(b, &c) ? time_candidate(ctx, b, &c, OCL_MM_SKINNY, source, w, x, o)
                                   : -1;
        vo_debug(ctx, "OpenCL tuning: skinny SK_ROWS %d SK_MT %d: %.3f ms", c.sk_rows, c.sk_mt,
                 s * 1e3);
        if (s > 0 && (best_s < 0 || s < best_s)) {
            best_s = s;
            best.sk_rows = c.sk_rows;
            best.sk_mt = c.sk_mt;
        }
    }
    b->tune = best;
    char text[128];
    int n = snprintf(text, sizeof text, "wg_mv %d sk_rows %d sk_mt %d\n", best.wg_mv,
                     best.sk_rows, best.sk_mt);
    ocl_cache_put(ctx, cache_dir, path.data, key, (const unsigned char *)text, (size_t)n);
    describe(b, "measured");
    vo_info(ctx, "OpenCL: %s in %.1f s", b->info.tuning, vo_monotonic_seconds() - t0);
done:
    vo_tensor_free(&b->base, w);
    vo_tensor_free(&b->base, x);
    vo_tensor_free(&b->base, o);
    vo_buf_free(&path);
    return st;
}
