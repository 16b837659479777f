/* weights.c: named safetensors views → backend tensors, checked against the
 * shapes the config implies. */
#include "src/vlm/weights.h"

#include "src/util/alloc.h"

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
