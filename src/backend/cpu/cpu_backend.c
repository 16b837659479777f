/* cpu_backend.c: the CPU backend's buffers and its two op tables (fast and
 * scalar reference). Ops run at once: "enqueue" is "execute". */
#include "src/backend/cpu/cpu.h"
#include "src/backend/cpu/cpu_internal.h"
#include "src/util/alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int vo_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)n;
}

enum { HUGE_PAGE = 2 << 20 };

/* Ask for transparent huge pages on the whole 2 MiB pages inside [p, p + n):
 * converted weights and KV caches are streamed at every decode step, and on
 * some VMs a read over 4 KiB pages gets half the bandwidth (16 against
 * 28-31 GB/s; on others the two are equal). The partial pages at the ends
 * stay small, so no memory is added. A hint: where the kernel says no (THP
 * "never"), nothing changes. */
static void cpu_advise_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t hi = ((uintptr_t)p + n) & ~(uintptr_t)(HUGE_PAGE - 1);
    if (hi > lo)
        madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
    (void)p; (void)n;
#endif
}

static vo_status cpu_alloc(vo_backend *be, vo_tensor *t)
{
    size_t bytes = vo_nbytes(t);
    /* 64-byte aligned, rounded up as aligned_alloc wants */
    void *p = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    if (!p) {
        vo_backend_error(be, VO_ERR_NOMEM, "out of memory for tensor %s (%zu bytes)", t->name,
                         bytes);
        return VO_ERR_NOMEM;
    }
    if (bytes >= 2 * (size_t)HUGE_PAGE)
        cpu_advise_huge(p, bytes);
    t->data = p;
    t->buffer = p;          /* marks memory we own */
    return VO_OK;
}

static vo_status cpu_from_host(vo_backend *be, vo_tensor *t, const void *data)
{
    (void)be;
    t->data = (void *)data; /* used in place; never written by ops on weights */
    t->buffer = NULL;
    return VO_OK;
}

static void cpu_free(vo_backend *be, vo_tensor *t)
{
    (void)be;
    free(t->buffer);
    t->buffer = t->data = NULL;
}

static void cpu_set(vo_backend *be, vo_tensor *t, const void *src, size_t bytes)
{
    (void)be;
    memcpy(cpu_base(t), src, bytes);
}

static void cpu_get(vo_backend *be, const vo_tensor *t, void *dst, size_t bytes)
{
    (void)be;
    memcpy(dst, cpu_base(t), bytes);
}

static void cpu_copy_bytes(vo_backend *be, vo_tensor *dst, const vo_tensor *src, size_t bytes)
{
    (void)be;
    memmove(cpu_base(dst), cpu_base(src), bytes);
}

static bool cpu_supports(const vo_backend *be, vo_op op, vo_type type)
{
    (void)be;
    if (op == VO_OP_MATMUL && (type == VO_Q8 || type == VO_Q4))
        return true;
    if ((op == VO_OP_COPY || op == VO_OP_ATTENTION) && type == VO_Q8ROW)
        return true;    /* a q8 KV cache */
    if (op == VO_OP_MATMUL || op == VO_OP_GET_ROWS || op == VO_OP_COPY ||
        op == VO_OP_PATCH_EMBED || op == VO_OP_ATTENTION)
        return type == VO_F32 || type == VO_F16 || type == VO_BF16;
    return type == VO_F32;
}

static void cpu_drop(vo_backend *be)
{
    cpu_backend *cb = (cpu_backend *)be;
    cpu_pool_drop(cb->pool);
    vo_free(cb->scratch);
    vo_free(cb->xt);
    vo_free(cb->xq);
    vo_free(cb);
}

#define COMMON .alloc = cpu_alloc, .from_host = cpu_from_host, .free = cpu_free, \
    .set = cpu_set, .get = cpu_get, .copy_bytes = cpu_copy_bytes, .sync = NULL, .supports = cpu_supports, .drop = cpu_drop, \
    .add = cpu_add_ref, .mul = cpu_mul_ref, .softmax = cpu_softmax_ref, \
    .get_rows = cpu_get_rows_ref, .copy = cpu_copy_ref, \
    .resize_bilinear = cpu_resize_bilinear_ref, .argmax_logprob = cpu_argmax_logprob_ref

static const struct vo_backend_ops cpu_fast_ops = {
    .name = "cpu", COMMON,
    .matmul = cpu_matmul_fast, .attention = cpu_attention_fast,
    .patch_embed = cpu_patch_embed_fast, .rms_norm = cpu_rms_norm_fast,
    .layer_norm = cpu_layer_norm_fast, .rope = cpu_rope_fast, .gelu_tanh = cpu_gelu_tanh_fast,
    .gelu_erf = cpu_gelu_erf_fast, .silu_mul = cpu_silu_mul_fast,
};

static const struct vo_backend_ops cpu_ref_ops = {
    .name = "cpu-ref", COMMON,
    .matmul = cpu_matmul_ref, .attention = cpu_attention_ref,
    .patch_embed = cpu_patch_embed_ref, .rms_norm = cpu_rms_norm_ref,
    .layer_norm = cpu_layer_norm_ref, .rope = cpu_rope_ref, .gelu_tanh = cpu_gelu_tanh_ref,
    .gelu_erf = cpu_gelu_erf_ref, .silu_mul = cpu_silu_mul_ref,
};

static vo_status new_cpu(vo_ctx *ctx, const struct vo_backend_ops *ops, int threads,
                         vo_backend **out)
{
    *out = NULL;
    cpu_backend *cb = vo_calloc(1, sizeof *cb);
    if (!cb)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory for the CPU backend");
    cb->base.ops = ops;
    cb->n_threads = threads > 0 ? threads : vo_cpu_count();
    cb->pool = cpu_pool_new(cb->n_threads);
    if (!cb->pool) {
        vo_free(cb);
        return vo_fail(ctx, VO_ERR_NOMEM, "cannot start %d CPU threads", threads);
    }
    *out = &cb->base;
    return VO_OK;
}

vo_status vo_new_cpu_backend(vo_ctx *ctx, int threads, vo_backend **out)
{
    *out = NULL;
    if (vo_cpu_isa_from_env(ctx) != VO_OK)
        return VO_ERR_ARGUMENT;
    return new_cpu(ctx, &cpu_fast_ops, threads, out);
}

vo_status vo_new_cpu_ref_backend(vo_ctx *ctx, vo_backend **out)
{
    return new_cpu(ctx, &cpu_ref_ops, 1, out);
}

vo_status vo_cpu_round_activations(vo_ctx *ctx, vo_backend *be, bool bf16)
{
    if (be->ops != &cpu_fast_ops && be->ops != &cpu_ref_ops)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "bf16 activations are a CPU backend setting, not "
                       "the %s backend's", be->ops->name);
    if (bf16 && (be->ops != &cpu_fast_ops || !cpu_have_avx512_bf16()))
        return vo_fail(ctx, VO_ERR_UNSUPPORTED, "%s", be->ops != &cpu_fast_ops
                       ? "the reference CPU backend multiplies exactly only"
                       : "this CPU has no AVX512_BF16 (or AVX-512 is not in use), which "
                         "bf16 activations need");
    ((cpu_backend *)be)->matmul_bf16 = bf16;
    return VO_OK;
}
