/* opencl.c: the OpenCL backend object: device and queue, kernel programs
 * (built or cached), buffers, sync with the sticky error, the op table. */
#include "src/backend/opencl_internal.h"
#include "src/backend/opencl_kernels.h"
#include "src/backend/opencl_program.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/util/alloc.h"
#include "src/util/clock.h"

/* --- programs and kernels --- */

static const struct { const char *file, *defs; } programs[OCL_P_COUNT] = {
    [OCL_P_MATMUL_F32] = {"matmul.cl", "-DW_F32"},
    [OCL_P_MATMUL_F16] = {"matmul.cl", "-DW_F16"},
    [OCL_P_MATMUL_BF16] = {"matmul.cl", "-DW_BF16"},
    [OCL_P_MATMUL_Q8] = {"matmul.cl", "-DW_Q8"},
    [OCL_P_MATMUL_Q4] = {"matmul.cl", "-DW_Q4"},
    [OCL_P_ATTENTION] = {"attention.cl", ""},
    [OCL_P_RMS_NORM] = {"rms_norm.cl", ""},
    [OCL_P_LAYER_NORM] = {"layer_norm.cl", ""},
    [OCL_P_ROPE] = {"rope.cl", ""},
    [OCL_P_GELU] = {"gelu.cl", ""},
    [OCL_P_SILU_MUL] = {"silu_mul.cl", ""},
    [OCL_P_SOFTMAX] = {"softmax.cl", ""},
    [OCL_P_BINARY] = {"binary.cl", ""},
    [OCL_P_GET_ROWS] = {"get_rows.cl", ""},
    [OCL_P_COPY] = {"copy.cl", ""},
    [OCL_P_PATCH_EMBED] = {"patch_embed.cl", ""},
    [OCL_P_RESIZE] = {"resize_bilinear.cl", ""},
    [OCL_P_ARGMAX] = {"argmax.cl", ""},
};

static const struct { int prog; const char *name; } kernels[OCL_K_COUNT] = {
#define MM_KERNELS(mw, prog)                                                  \
    [OCL_K_MATMUL + OCL_MM_KINDS * (mw) + OCL_MM_TILED] = {prog, "vo_matmul"},   \
    [OCL_K_MATMUL + OCL_MM_KINDS * (mw) + OCL_MM_VEC] = {prog, "vo_matmul_vec"}, \
    [OCL_K_MATMUL + OCL_MM_KINDS * (mw) + OCL_MM_ROW] = {prog, "vo_matmul_row"}, \
    [OCL_K_MATMUL + OCL_MM_KINDS * (mw) + OCL_MM_SKINNY] = {prog, "vo_matmul_skinny"}
    MM_KERNELS(OCL_MW_F32, OCL_P_MATMUL_F32),
    MM_KERNELS(OCL_MW_F16, OCL_P_MATMUL_F16),
    MM_KERNELS(OCL_MW_BF16, OCL_P_MATMUL_BF16),
    MM_KERNELS(OCL_MW_Q8, OCL_P_MATMUL_Q8),
    MM_KERNELS(OCL_MW_Q4, OCL_P_MATMUL_Q4),
    [OCL_K_ATTENTION] = {OCL_P_ATTENTION, "vo_attention"},
    [OCL_K_ATTENTION_ROW] = {OCL_P_ATTENTION, "vo_attention_row"},
    [OCL_K_ATTENTION_SPLIT] = {OCL_P_ATTENTION, "vo_attention_split"},
    [OCL_K_ATTENTION_MERGE] = {OCL_P_ATTENTION, "vo_attention_merge"},
    [OCL_K_ATTENTION_TILE] = {OCL_P_ATTENTION, "vo_attention_tile"},
    [OCL_K_RMS_NORM] = {OCL_P_RMS_NORM, "vo_rms_norm"},
    [OCL_K_LAYER_NORM] = {OCL_P_LAYER_NORM, "vo_layer_norm"},
    [OCL_K_ROPE] = {OCL_P_ROPE, "vo_rope"},
    [OCL_K_RMS_NORM_ROPE] = {OCL_P_ROPE, "vo_rms_norm_rope"},
    [OCL_K_GELU_TANH] = {OCL_P_GELU, "vo_gelu_tanh"},
    [OCL_K_GELU_ERF] = {OCL_P_GELU, "vo_gelu_erf"},
    [OCL_K_SILU_MUL] = {OCL_P_SILU_MUL, "vo_silu_mul"},
    [OCL_K_SOFTMAX] = {OCL_P_SOFTMAX, "vo_softmax"},
    [OCL_K_ADD] = {OCL_P_BINARY, "vo_add"},
    [OCL_K_MUL] = {OCL_P_BINARY, "vo_mul"},
    [OCL_K_GET_ROWS] = {OCL_P_GET_ROWS, "vo_get_rows"},
    [OCL_K_COPY] = {OCL_P_COPY, "vo_copy"},
    [OCL_K_IM2COL] = {OCL_P_PATCH_EMBED, "vo_im2col"},
    [OCL_K_RESIZE] = {OCL_P_RESIZE, "vo_resize_bilinear"},
    [OCL_K_ARGMAX] = {OCL_P_ARGMAX, "vo_argmax_logprob"},
};

int
ocl_mm_weight_of(vo_type type)
{
    switch (type) {
    case VO_F32: return OCL_MW_F32;
    case VO_F16: return OCL_MW_F16;
    case VO_BF16: return OCL_MW_BF16;
    case VO_Q8: return OCL_MW_Q8;
    case VO_Q4: return OCL_MW_Q4;
    default: return -1;
    }
}

const char *
ocl_kernel_label(int kernel)
{
    static const char *const mm[OCL_MW_COUNT][OCL_MM_KINDS] = {
        {"vo_matmul.f32", "vo_matmul_vec.f32", "vo_matmul_row.f32", "vo_matmul_skinny.f32"},
        {"vo_matmul.f16", "vo_matmul_vec.f16", "vo_matmul_row.f16", "vo_matmul_skinny.f16"},
        {"vo_matmul.bf16", "vo_matmul_vec.bf16", "vo_matmul_row.bf16", "vo_matmul_skinny.bf16"},
        {"vo_matmul.q8", "vo_matmul_vec.q8", "vo_matmul_row.q8", "vo_matmul_skinny.q8"},
        {"vo_matmul.q4", "vo_matmul_vec.q4", "vo_matmul_row.q4", "vo_matmul_skinny.q4"}};
    if (kernel >= OCL_K_MATMUL && kernel < OCL_K_MATMUL + OCL_MW_COUNT * OCL_MM_KINDS)
        return mm[(kernel - OCL_K_MATMUL) / OCL_MM_KINDS][(kernel - OCL_K_MATMUL) % OCL_MM_KINDS];
    return kernel >= 0 && kernel < OCL_K_COUNT ? kernels[kernel].name : "?";
}

bool
ocl_check(ocl_backend *b, cl_int err, const char *op, const char *what)
{
    if (err == CL_SUCCESS)
        return true;
    vo_backend_error(&b->base, VO_ERR_DEVICE, "%s: %s failed: %s (%d)%s", op, what,
                     ocl_error_name(err), err,
                     err == CL_MEM_OBJECT_ALLOCATION_FAILURE || err == CL_OUT_OF_RESOURCES
                         ? " (out of device memory?)" : "");
    return false;
}

/* common.cl, then the file with its own line numbers, as one source */
static vo_status
program_source(vo_ctx *ctx, const char *dir, const char *file, vo_buf *src)
{
    vo_status st = ocl_kernel_source(ctx, dir, "common.cl", src);
    if (st == VO_OK && vo_buf_printf(src, "\n#line 1 \"%s\"\n", file) != VO_OK)
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    if (st == VO_OK)
        st = ocl_kernel_source(ctx, dir, file, src);
    return st;
}

/* the kernel folder of o ($VARCO_OCR_KERNEL_DIR; NULL: the embedded files) */
static const char *
kernel_dir(const vo_opencl_opts *o)
{
    return o && o->kernel_dir ? o->kernel_dir : getenv("VARCO_OCR_KERNEL_DIR");
}

/* the cache folder into cache; false when there is none (no_cache, or no
 * home: run without one) */
static bool
cache_dir(vo_ctx *ctx, const vo_opencl_opts *o, vo_buf *cache)
{
    if (o && o->no_cache)
        return false;
    if (o && o->cache_dir)
        return vo_buf_puts(cache, o->cache_dir) == VO_OK;
    if (ocl_default_cache_dir(ctx, cache) != VO_OK) {
        vo_clear_error(ctx);
        return false;
    }
    return true;
}

/* the decode kernels' shapes: timed once per device and kept in the cache
 * (opencl_tune.c), where there is a cache and they have GPU kernels */
static vo_status
tune_decode_kernels(vo_ctx *ctx, ocl_backend *b, const vo_opencl_opts *o)
{
    snprintf(b->info.tuning, sizeof b->info.tuning,
             "wg_mv %d sk_rows %d sk_mt %d (from the device's properties)", b->tune.wg_mv,
             b->tune.sk_rows, b->tune.sk_mt);
    if (!ocl_autotune_wanted(b))
        return VO_OK;
    vo_buf cache = VO_BUF_INIT, src = VO_BUF_INIT;
    vo_status st = VO_OK;
    if (cache_dir(ctx, o, &cache) &&
        (st = program_source(ctx, kernel_dir(o), "matmul.cl", &src)) == VO_OK &&
        ocl_autotune(ctx, b, src.data, cache.data) != VO_OK) {
        /* the device could not be timed: its properties' shapes still run */
        vo_warn(ctx, "%s; the decode kernels keep the shapes of the device's properties",
                vo_last_error(ctx));
        vo_clear_error(ctx);
    }
    vo_buf_free(&cache);
    vo_buf_free(&src);
    return st;
}

static vo_status
build_programs(vo_ctx *ctx, ocl_backend *b, const vo_opencl_opts *o)
{
    const char *dir = kernel_dir(o);
    vo_buf cache = VO_BUF_INIT, tune = VO_BUF_INIT, opts = VO_BUF_INIT, src = VO_BUF_INIT;
    bool use_cache = cache_dir(ctx, o, &cache);
    vo_status st = ocl_tuning_options(&b->tune, &tune);
    if (st != VO_OK)
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    for (int p = 0; p < OCL_P_COUNT && st == VO_OK; p++) {
        vo_buf_reset(&opts);
        vo_buf_reset(&src);
        /* OpenCL C 1.2 everywhere; no relaxed or finite-only math */
        if (vo_buf_printf(&opts, "-cl-std=CL1.2 %s %s", tune.data, programs[p].defs) != VO_OK) {
            st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
            break;
        }
        st = program_source(ctx, dir, programs[p].file, &src);
        int hit = 0;
        if (st == VO_OK)
            st = ocl_build_program(ctx, b->cctx, &b->dev, programs[p].file, src.data, opts.data,
                                   use_cache ? cache.data : NULL, &b->prog[p], &hit);
        b->info.programs += st == VO_OK;
        b->info.from_cache += hit;
    }
    vo_buf_free(&cache);
    vo_buf_free(&tune);
    vo_buf_free(&opts);
    vo_buf_free(&src);
    return st;
}

static vo_status
create_kernels(vo_ctx *ctx, ocl_backend *b)
{
    for (int k = 0; k < OCL_K_COUNT; k++) {
        cl_int err;
        b->kern[k] = clCreateKernel(b->prog[kernels[k].prog], kernels[k].name, &err);
        if (err != CL_SUCCESS)
            return vo_fail(ctx, VO_ERR_DEVICE, "OpenCL kernel %s in %s: %s (%d)",
                           kernels[k].name, programs[kernels[k].prog].file,
                           ocl_error_name(err), err);
    }
    return VO_OK;
}

/* --- buffers --- */

static vo_status
ocl_alloc(vo_backend *be, vo_tensor *t)
{
    ocl_backend *b = (ocl_backend *)be;
    size_t bytes = vo_nbytes(t);
    if (bytes > b->dev.max_alloc) {
        vo_backend_error(be, VO_ERR_LIMIT, "tensor %s: %zu bytes exceed the largest buffer "
                         "%s allows (%llu)", t->name, bytes, b->dev.name,
                         (unsigned long long)b->dev.max_alloc);
        return VO_ERR_LIMIT;
    }
    cl_mem m = ocl_pool_take(b, bytes);
    if (!m) {
        cl_int err;
        m = clCreateBuffer(b->cctx, CL_MEM_READ_WRITE, bytes, NULL, &err);
        if (!ocl_check(b, err, t->name, "clCreateBuffer"))
            return VO_ERR_DEVICE;
        b->stats.buffers++;
        b->stats.buffer_bytes += bytes;
    }
    t->buffer = m;
    t->data = NULL;
    t->offset = 0;
    return VO_OK;
}

static vo_status
ocl_from_host(vo_backend *be, vo_tensor *t, const void *data)
{
    ocl_backend *b = (ocl_backend *)be;
    vo_status st = ocl_alloc(be, t);
    if (st != VO_OK)
        return st;
    size_t bytes = vo_nbytes(t);
    cl_int err = clEnqueueWriteBuffer(b->queue, t->buffer, CL_TRUE, 0, bytes, data, 0, NULL,
                                      NULL);
    b->stats.writes++;
    b->stats.write_bytes += bytes;
    if (!ocl_check(b, err, t->name, "clEnqueueWriteBuffer")) {
        clReleaseMemObject(t->buffer);
        t->buffer = NULL;
        return VO_ERR_DEVICE;
    }
    return VO_OK;
}

static void
ocl_free(vo_backend *be, vo_tensor *t)
{
    if (t->buffer)
        ocl_pool_give((ocl_backend *)be, t->buffer);
    t->buffer = NULL;
}

static void
ocl_set(vo_backend *be, vo_tensor *t, const void *src, size_t bytes)
{
    ocl_backend *b = (ocl_backend *)be;
    b->stats.writes++;
    b->stats.write_bytes += bytes;
    ocl_check(b, clEnqueueWriteBuffer(b->queue, t->buffer, CL_TRUE, t->offset, bytes, src, 0,
                                      NULL, NULL), t->name, "clEnqueueWriteBuffer");
}

static void
ocl_get(vo_backend *be, const vo_tensor *t, void *dst, size_t bytes)
{
    ocl_backend *b = (ocl_backend *)be;
    b->stats.reads++;
    b->stats.read_bytes += bytes;
    ocl_check(b, clEnqueueReadBuffer(b->queue, t->buffer, CL_TRUE, t->offset, bytes, dst, 0,
                                     NULL, NULL), t->name, "clEnqueueReadBuffer");
}

static void
ocl_copy_bytes(vo_backend *be, vo_tensor *dst, const vo_tensor *src, size_t bytes)
{
    ocl_backend *b = (ocl_backend *)be;
    b->stats.device_copies++;
    b->stats.device_copy_bytes += bytes;
    ocl_check(b, clEnqueueCopyBuffer(b->queue, src->buffer, dst->buffer, src->offset, dst->offset,
                                     bytes, 0, NULL, NULL), dst->name, "clEnqueueCopyBuffer");
}

/* --- streams: one in-order queue each --- */

/* commands enqueued so far, on either stream (launches, transfers, copies) */
static unsigned long long
ocl_work_count(const ocl_backend *b)
{
    return b->stats.launches + b->stats.writes + b->stats.reads + b->stats.device_copies;
}

/* stream s has run all it was given (its clFinish returned) */
static void
ocl_stream_ran(ocl_backend *b, int s)
{
    if (b->mark[s])
        clReleaseEvent(b->mark[s]);
    b->mark[s] = NULL;
    b->synced_at[s] = ocl_work_count(b);
}

/* wait for the current stream; a bad get_rows id seen by the device
 * becomes the sticky error */
static void
ocl_sync(vo_backend *be)
{
    ocl_backend *b = (ocl_backend *)be;
    if (!ocl_check(b, clFinish(b->queue), "sync", "clFinish"))
        return;
    ocl_pool_stream_idle(b, b->stream);
    ocl_stream_ran(b, b->stream);
    if (b->profile)
        ocl_prof_drain(b);
    if (!b->flag_armed)
        return;
    cl_int bad = 0, zero = 0;
    b->flag_armed = false;
    if (!ocl_check(b, clEnqueueReadBuffer(b->queue, b->flag, CL_TRUE, 0, sizeof bad, &bad, 0,
                                          NULL, NULL), "sync", "reading the error flag"))
        return;
    if (bad) {
        ocl_check(b, clEnqueueWriteBuffer(b->queue, b->flag, CL_TRUE, 0, sizeof zero, &zero, 0,
                                          NULL, NULL), "sync", "clearing the error flag");
        vo_backend_error(be, VO_ERR_ARGUMENT, "get_rows: id of row %d outside the table",
                         bad - 1);
    }
}

/* a marker after the last command of stream s (none when nothing was
 * enqueued since its sync), and the queue flushed so that it all starts */
static void
ocl_stream_mark(ocl_backend *b, int s)
{
    if (b->mark[s])
        clReleaseEvent(b->mark[s]);
    b->mark[s] = NULL;
    if (ocl_work_count(b) != b->synced_at[s] &&
        clEnqueueMarkerWithWaitList(b->queues[s], 0, NULL, &b->mark[s]) != CL_SUCCESS)
        b->mark[s] = NULL;
    clFlush(b->queues[s]);
}

static void
ocl_set_stream(vo_backend *be, vo_stream s)
{
    ocl_backend *b = (ocl_backend *)be;
    if (b->one_stream || (int)s == b->stream)
        return;
    ocl_stream_mark(b, b->stream);  /* polled by ocl_stream_done while away */
    b->stream = (int)s;
    b->queue = b->queues[s];
}

/* A stream left is polled through the marker queued as it was left (the
 * same event each time, so it is seen done once it has run); the current
 * stream gets a new marker. */
static bool
ocl_stream_done(vo_backend *be, vo_stream s)
{
    ocl_backend *b = (ocl_backend *)be;
    if (b->one_stream)
        return true;            /* the side is the main stream: in order anyway */
    if ((int)s == b->stream)
        ocl_stream_mark(b, (int)s);
    if (!b->mark[s])
        return true;
    cl_int status = CL_COMPLETE;
    cl_int err = clGetEventInfo(b->mark[s], CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status,
                                &status, NULL);
    /* a failure counts as done: the stream's sync reports it */
    if (err != CL_SUCCESS || status == CL_COMPLETE || status < 0) {
        clReleaseEvent(b->mark[s]);
        b->mark[s] = NULL;
        return true;
    }
    return false;
}

static bool
ocl_supports(const vo_backend *be, vo_op op, vo_type type)
{
    (void)be;
    /* f16 weights use vload_half/vstore_half, core OpenCL 1.2: no cl_khr_fp16 */
    /* attention reads bf16/f16 KV caches, widened as it reads (attention.cl) */
    if (op == VO_OP_MATMUL)     /* q8/q4 blocks dequantized as read (matmul.cl) */
        return ocl_mm_weight_of(type) >= 0;
    if (op == VO_OP_GET_ROWS || op == VO_OP_COPY ||
        op == VO_OP_PATCH_EMBED || op == VO_OP_ATTENTION)
        return type == VO_F32 || type == VO_F16 || type == VO_BF16;
    return type == VO_F32;
}

static void
ocl_drop(vo_backend *be)
{
    ocl_backend *b = (ocl_backend *)be;
    if (b->queues[VO_STREAM_SIDE])
        clFinish(b->queues[VO_STREAM_SIDE]);
    if (b->queues[VO_STREAM_MAIN]) {
        clFinish(b->queues[VO_STREAM_MAIN]);
        ocl_prof_report(b);
    }
    ocl_prof_free(b);
    ocl_pool_free(b);
    for (int q = 0; q < VO_STREAM_COUNT_; q++)
        if (b->mark[q])
            clReleaseEvent(b->mark[q]);
    for (int k = 0; k < OCL_K_COUNT; k++)
        if (b->kern[k])
            clReleaseKernel(b->kern[k]);
    for (int p = 0; p < OCL_P_COUNT; p++)
        if (b->prog[p])
            clReleaseProgram(b->prog[p]);
    cl_mem mems[] = {b->flag, b->rope_freq, b->am_ids, b->am_lp, b->att_part};
    for (size_t i = 0; i < sizeof mems / sizeof mems[0]; i++)
        if (mems[i])
            clReleaseMemObject(mems[i]);
    for (int q = 0; q < VO_STREAM_COUNT_; q++)
        if (b->queues[q] && (q == VO_STREAM_MAIN || b->queues[q] != b->queues[VO_STREAM_MAIN]))
            clReleaseCommandQueue(b->queues[q]);
    if (b->cctx)
        clReleaseContext(b->cctx);
    vo_free(b);
}

static const struct vo_backend_ops ocl_ops = {
    .name = "opencl",
    .alloc = ocl_alloc, .from_host = ocl_from_host, .free = ocl_free, .set = ocl_set,
    .get = ocl_get, .copy_bytes = ocl_copy_bytes, .sync = ocl_sync,
    .set_stream = ocl_set_stream, .stream_done = ocl_stream_done,
    .supports = ocl_supports, .drop = ocl_drop,
    .matmul = ocl_matmul, .add = ocl_add, .mul = ocl_mul, .rms_norm = ocl_rms_norm,
    .layer_norm = ocl_layer_norm, .rope = ocl_rope,
    .rms_norm_rope = ocl_rms_norm_rope, .matmul_add = ocl_matmul_add, .attention = ocl_attention,
    .gelu_tanh = ocl_gelu_tanh, .gelu_erf = ocl_gelu_erf, .silu_mul = ocl_silu_mul,
    .softmax = ocl_softmax, .get_rows = ocl_get_rows, .copy = ocl_copy,
    .patch_embed = ocl_patch_embed, .resize_bilinear = ocl_resize_bilinear,
    .argmax_logprob = ocl_argmax_logprob,
};

/* --- construction --- */

vo_status
vo_opencl_backend_new(vo_ctx *ctx, const vo_opencl_opts *opts, vo_backend **out)
{
    double t0 = vo_monotonic_seconds();
    *out = NULL;
    ocl_backend *b = vo_calloc(1, sizeof *b);
    if (!b)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory for the OpenCL backend");
    b->base.ops = &ocl_ops;
    vo_status st = ocl_pick_device(ctx, opts ? opts->device : NULL, &b->dev);
    if (st != VO_OK)
        goto fail;
    ocl_tuning_for(&b->dev, &b->tune);
    if (opts && opts->kernel_path) {
        b->tune.mm_row = b->tune.att_row = opts->kernel_path == 2;
        if (opts->kernel_path == 1 && b->dev.max_wg >= (size_t)(b->tune.sk_lanes * b->tune.sk_rows))
            b->tune.sk_max_m = 64;      /* the GPU kernels on any device (tests on PoCL) */
    }
    snprintf(b->info.device, sizeof b->info.device, "%d.%d %s (%s), driver %s",
             b->dev.plat_index, b->dev.dev_index, b->dev.name, b->dev.platform_name,
             b->dev.driver);

    cl_int err;
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)b->dev.platform,
                                     0};
    b->cctx = clCreateContext(props, 1, &b->dev.id, NULL, NULL, &err);
    b->profile = ocl_prof_wanted();
    if (err == CL_SUCCESS)
        b->queue = clCreateCommandQueue(b->cctx, b->dev.id,
                                        b->profile ? CL_QUEUE_PROFILING_ENABLE : 0, &err);
    b->queues[VO_STREAM_MAIN] = b->queues[VO_STREAM_SIDE] = b->queue;
    /* a second queue for the side stream, unless profiling (whose per-kernel
     * times would then overlap) or VO_OPENCL_SIDE_STREAM=0 asks for one */
    const char *side = getenv("VO_OPENCL_SIDE_STREAM");
    b->one_stream = b->profile || (side && strcmp(side, "0") == 0);
    if (err == CL_SUCCESS && !b->one_stream)
        b->queues[VO_STREAM_SIDE] = clCreateCommandQueue(b->cctx, b->dev.id, 0, &err);
    b->info.side_stream = !b->one_stream;
    if (err == CL_SUCCESS)
        b->flag = clCreateBuffer(b->cctx, CL_MEM_READ_WRITE, sizeof(cl_int), NULL, &err);
    if (err == CL_SUCCESS) {
        cl_int zero = 0;
        err = clEnqueueWriteBuffer(b->queue, b->flag, CL_TRUE, 0, sizeof zero, &zero, 0, NULL,
                                   NULL);
    }
    if (err != CL_SUCCESS) {
        st = vo_fail(ctx, VO_ERR_DEVICE, "OpenCL device %s: cannot open it: %s (%d)",
                     b->dev.name, ocl_error_name(err), err);
        goto fail;
    }
    if ((st = tune_decode_kernels(ctx, b, opts)) != VO_OK ||
        (st = build_programs(ctx, b, opts)) != VO_OK || (st = create_kernels(ctx, b)) != VO_OK)
        goto fail;
    b->info.startup_s = vo_monotonic_seconds() - t0;
    *out = &b->base;
    return VO_OK;
fail:
    ocl_drop(&b->base);
    return st;
}

vo_status
vo_opencl_list_devices(vo_ctx *ctx, vo_buf *out)
{
    return ocl_list_devices(ctx, out);
}

bool
vo_opencl_get_info(const vo_backend *be, vo_opencl_info *info)
{
    if (!be || be->ops != &ocl_ops)
        return false;
    *info = ((const ocl_backend *)be)->info;
    return true;
}

bool
vo_opencl_get_stats(const vo_backend *be, vo_opencl_stats *stats)
{
    if (!be || be->ops != &ocl_ops)
        return false;
    *stats = ((const ocl_backend *)be)->stats;
    return true;
}

vo_status
vo_opencl_copy_bandwidth(vo_ctx *ctx, vo_backend *be, size_t bytes, int reps, double *gb_s)
{
    *gb_s = 0;
    if (!be || be->ops != &ocl_ops || bytes == 0 || reps < 1)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "copy bandwidth: not an OpenCL backend");
    ocl_backend *b = (ocl_backend *)be;
    cl_int err;
    cl_mem src = clCreateBuffer(b->cctx, CL_MEM_READ_WRITE, bytes, NULL, &err);
    cl_mem dst = err == CL_SUCCESS
                     ? clCreateBuffer(b->cctx, CL_MEM_READ_WRITE, bytes, NULL, &err)
                     : NULL;
    cl_uint pattern = 0x3c003c00u;
    if (err == CL_SUCCESS)  /* first touch: the copy then times memory, not page faults */
        err = clEnqueueFillBuffer(b->queue, src, &pattern, sizeof pattern, 0, bytes, 0, NULL,
                                  NULL);
    if (err == CL_SUCCESS)
        err = clEnqueueCopyBuffer(b->queue, src, dst, 0, 0, bytes, 0, NULL, NULL);
    if (err == CL_SUCCESS)
        err = clFinish(b->queue);
    for (int i = 0; i < reps && err == CL_SUCCESS; i++) {
        double t0 = vo_monotonic_seconds();
        err = clEnqueueCopyBuffer(b->queue, src, dst, 0, 0, bytes, 0, NULL, NULL);
        if (err == CL_SUCCESS)
            err = clFinish(b->queue);
        double gbs = 2.0 * (double)bytes / (vo_monotonic_seconds() - t0) / 1e9;
        if (err == CL_SUCCESS && gbs > *gb_s)
            *gb_s = gbs;
    }
    if (dst)
        clReleaseMemObject(dst);
    if (src)
        clReleaseMemObject(src);
    if (err != CL_SUCCESS)
        return vo_fail(ctx, VO_ERR_DEVICE, "OpenCL device %s: copy of %zu bytes failed: %s (%d)",
                       b->dev.name, bytes, ocl_error_name(err), err);
    return VO_OK;
}
