/* weights.c: named safetensors views → backend tensors, checked against the
 * shapes the config implies. */
#include "src/vlm/weights.h"

#include "src/util/alloc.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

vo_status vlm_bind_view(vo_ctx *ctx, vo_backend *be, const vo_tensor_view *v, int nd,
                        const int64_t *dims, vo_tensor **out)
{
    *out = NULL;
    int64_t inner = 1;
    int64_t have = 1, want = 1;
    for (int i = 0; i < v->ndim; i++)
        have *= v->shape[i];
    for (int i = 0; i < nd; i++)
        want *= dims[i];
    int same = v->ndim == nd;
    for (int i = 0; same && i < nd; i++)
        same = v->shape[i] == dims[i];
    if (!same || have != want) {
        char a[128] = "", b[128] = "";
        for (int i = 0; i < v->ndim; i++)
            snprintf(a + strlen(a), sizeof a - strlen(a), "%s%lld", i ? "," : "", (long long)v->shape[i]);
        for (int i = 0; i < nd; i++)
            snprintf(b + strlen(b), sizeof b - strlen(b), "%s%lld", i ? "," : "", (long long)dims[i]);
        return vo_fail(ctx, VO_ERR_FORMAT, "tensor %s has shape [%s], the config implies [%s]: "
                       "the weights do not match config.json", v->name, a, b);
    }
    for (int i = 1; i < nd; i++)
        inner *= dims[i];
    vo_type t = v->dtype == VO_DT_F32 ? VO_F32 : v->dtype == VO_DT_F16 ? VO_F16 : VO_BF16;
    int64_t ne0 = nd == 1 ? dims[0] : inner, ne1 = nd == 1 ? 1 : dims[0];
    *out = vo_tensor_from_host(be, t, v->data, ne0, ne1, 1, 1, v->name);
    if (!*out)
        return vo_backend_sync(be, ctx);
    return VO_OK;
}

vo_status vlm_bind(vo_ctx *ctx, vo_backend *be, const vo_weights *w, const char *name,
                   int nd, const int64_t *dims, vo_tensor **out)
{
    const vo_tensor_view *v = vo_weights_find_any(w, name);
    if (!v) {
        *out = NULL;
        return vo_fail(ctx, VO_ERR_FORMAT, "tensor %s is missing from the weights", name);
    }
    return vlm_bind_view(ctx, be, v, nd, dims, out);
}

vo_status vlm_bind_f32(vo_ctx *ctx, vo_backend *be, const vo_weights *w, const char *name,
                       int nd, const int64_t *dims, vo_tensor **out)
{
    vo_tensor *src;
    *out = NULL;
    vo_status st = vlm_bind(ctx, be, w, name, nd, dims, &src);
    if (st != VO_OK)
        return st;
    if (src->type == VO_F32) {
        *out = src;
        return VO_OK;
    }
    int64_t rows = src->ne[1];
    vo_tensor *ids = vo_tensor_new(be, VO_I32, rows, 1, 1, 1, "rows");
    vo_tensor *dst = vo_tensor_new(be, VO_F32, src->ne[0], rows, 1, 1, src->name);
    int32_t *seq = vo_malloc(sizeof(int32_t) * (size_t)rows);
    if (ids && dst && seq) {
        for (int64_t i = 0; i < rows; i++)
            seq[i] = (int32_t)i;
        vo_tensor_set(be, ids, seq, sizeof(int32_t) * (size_t)rows);
        vo_get_rows(be, dst, src, ids);    /* widens to f32 on the device */
    }
    vo_free(seq);
    vo_tensor_free(be, ids);
    vo_tensor_free(be, src);
    if (!seq)
        vo_backend_error(be, VO_ERR_NOMEM, "out of memory converting %s", name);
    st = vo_backend_sync(be, ctx);
    if (st != VO_OK) {
        vo_tensor_free(be, dst);
        return st;
    }
    *out = dst;
    return VO_OK;
}

/* rows [r0, r1) of a slice quantized (copied where from = to): one
 * thread's share */
typedef struct convert_share {
    const char *in;
    char *out;
    size_t in_row, out_row;
    int64_t r0, r1, K;
    vo_type from, to;
} convert_share;

static void *convert_rows(void *arg)
{
    const convert_share *c = arg;
    for (int64_t r = c->r0; r < c->r1; r++)
        if (c->to == c->from)
            memcpy(c->out + r * c->out_row, c->in + r * c->in_row, c->out_row);
        else
            (c->to == VO_Q8 ? vo_quantize_q8 : vo_quantize_q4)(c->out + r * c->out_row,
                                                               c->in + r * c->in_row, c->from,
                                                               c->K);
    return NULL;
}

enum { CONVERT_ROWS = 256, CONVERT_THREADS = 16 };

/* n rows of a slice quantized on up to `threads` threads; a thread that
 * cannot start leaves its rows to this one */
static void convert_slice(const char *in, char *out, size_t in_row, size_t out_row, int64_t n,
                          int64_t K, vo_type from, vo_type to, int threads)
{
    convert_share sh[CONVERT_THREADS];
    pthread_t th[CONVERT_THREADS];
    bool started[CONVERT_THREADS] = {false};
    int nt = threads < 1 ? 1 : threads > CONVERT_THREADS ? CONVERT_THREADS : threads;
    for (int i = 0; i < nt; i++) {
        sh[i] = (convert_share){in, out, in_row, out_row, n * i / nt, n * (i + 1) / nt, K, from, to};
        if (i > 0)
            started[i] = pthread_create(&th[i], NULL, convert_rows, &sh[i]) == 0;
    }
    convert_rows(&sh[0]);
    for (int i = 1; i < nt; i++) {
        if (started[i])
            pthread_join(th[i], NULL);
        else
            convert_rows(&sh[i]);
    }
}

vo_status vlm_convert_matrix(vo_ctx *ctx, vo_backend *be, const vo_weights *w, vo_tensor **t,
                             vo_type type, int threads)
{
    vo_tensor *src = *t;
    /* bf16 to bf16: a copy out of the mapped file (a tensor that owns its
     * memory already stays) */
    bool copy = src && type == VO_BF16 && src->type == VO_BF16;
    if (!src || (src->type == type && !copy) || (copy && src->buffer))
        return VO_OK;
    if (type != VO_Q8 && type != VO_Q4 && !copy)
        return vo_fail(ctx, VO_ERR_UNSUPPORTED, "weights convert to q8 or q4, or bf16 from "
                       "bf16, not %s to %s", vo_type_name(src->type), vo_type_name(type));
    if (!vo_backend_supports(be, VO_OP_MATMUL, type))
        return vo_fail(ctx, VO_ERR_UNSUPPORTED, "the %s backend takes no %s weights",
                       vo_backend_name(be), vo_type_name(type));
    int64_t K = src->ne[0], N = vo_nrows(src);
    if (K % vo_type_block(type) || !vo_is_contiguous(src))
        return vo_fail(ctx, VO_ERR_FORMAT, "weight %s: rows of %lld values do not make %s blocks "
                       "of %lld", src->name, (long long)K, vo_type_name(type),
                       (long long)vo_type_block(type));
    vo_tensor *dst = vo_tensor_new(be, type, K, N, 1, 1, src->name);
    int nt = threads < 1 ? 1 : threads > CONVERT_THREADS ? CONVERT_THREADS : threads;
    int64_t slice = (int64_t)CONVERT_ROWS * nt;
    size_t in_row = vo_row_size(src->type, K), out_row = vo_row_size(type, K);
    char *in = vo_malloc(in_row * (size_t)slice);
    char *out = copy ? in : vo_malloc(out_row * (size_t)slice);
    vo_status st = VO_OK;
    if (!dst || !in || !out) {
        vo_backend_sync(be, ctx);
        vo_backend_clear_error(be);
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory converting %s to %s", src->name,
                     vo_type_name(type));
        goto done;
    }
    for (int64_t r0 = 0; r0 < N; r0 += slice) {
        int64_t n = N - r0 < slice ? N - r0 : slice;
        vo_tensor vs = vo_view(src, K, n, 1, 1, 0, 0, 0, (size_t)r0 * src->nb[1]);
        vo_tensor vd = vo_view(dst, K, n, 1, 1, 0, 0, 0, (size_t)r0 * dst->nb[1]);
        if (copy && src->data && dst->data) {
            /* host to host (the CPU backend): straight, on the threads */
            const char *from = (const char *)src->data + vs.offset;
            convert_slice(from, (char *)dst->data + vd.offset, in_row, out_row, n, K,
                          src->type, type, nt);
            vo_weights_drop_pages(w, from, in_row * (size_t)n);
            continue;
        }
        vo_tensor_get(be, &vs, in, in_row * (size_t)n);
        if (src->data)      /* host memory: the mapped file's, if it is */
            vo_weights_drop_pages(w, (const char *)src->data + vs.offset, in_row * (size_t)n);
        if (!copy)
            convert_slice(in, out, in_row, out_row, n, K, src->type, type, nt);
        vo_tensor_set(be, &vd, out, out_row * (size_t)n);
    }
    if ((st = vo_backend_sync(be, ctx)) != VO_OK)
        goto done;
    vo_tensor_free(be, src);
    *t = dst;
    dst = NULL;
done:
    if (out != in)
        vo_free(out);
    vo_free(in);
    vo_tensor_free(be, dst);
    return st;
}
