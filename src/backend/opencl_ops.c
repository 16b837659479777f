/* opencl_ops.c: each op of the interface as kernel arguments and work sizes
 * (kernels in opencl/); enqueued, never waited for, except argmax. */
#include "src/backend/opencl_internal.h"

#include <math.h>
#include <string.h>

#include "src/util/alloc.h"

/* --- setting arguments in the kernels' fixed order --- */

typedef struct ocl_args {
    ocl_backend *b;
    cl_kernel k;
    int kernel;
    const char *op;
    cl_uint i;
    cl_int err;
} ocl_args;

static ocl_args
args_begin(ocl_backend *b, int kernel, const char *op)
{
    return (ocl_args){b, b->kern[kernel], kernel, op, 0, CL_SUCCESS};
}

static void
arg(ocl_args *a, size_t size, const void *v)
{
    if (a->err == CL_SUCCESS)
        a->err = clSetKernelArg(a->k, a->i, size, v);
    a->i++;
}

static void arg_int(ocl_args *a, int64_t v) { cl_int x = (cl_int)v; arg(a, sizeof x, &x); }
static void arg_ulong(ocl_args *a, uint64_t v) { cl_ulong x = v; arg(a, sizeof x, &x); }
static void arg_float(ocl_args *a, float v) { arg(a, sizeof v, &v); }

/* (buffer, ulong offset); NULL tensor: a NULL buffer */
static void
arg_buf(ocl_args *a, cl_mem m, size_t off)
{
    arg(a, sizeof m, m ? &m : NULL);
    arg_ulong(a, off);
}

/* the byte strides nb[d] for d in [from, to] */
static void
arg_nb(ocl_args *a, const vo_tensor *t, int from, int to)
{
    for (int d = from; d <= to; d++)
        arg_ulong(a, t->nb[d]);
}

static void arg_nb123(ocl_args *a, const vo_tensor *t) { arg_nb(a, t, 1, 3); }

/* the sizes ne[0..2] as ints */
static void
arg_ne012(ocl_args *a, const vo_tensor *t)
{
    for (int d = 0; d < 3; d++)
        arg_int(a, t->ne[d]);
}

/* a row op's shape: ne[0..2] and strides of x, then the strides of out */
static void
arg_rows(ocl_args *a, const vo_tensor *x, const vo_tensor *out)
{
    arg_ne012(a, x);
    arg_nb123(a, x);
    arg_nb123(a, out);
}

/* the tensors in the kernel's order, each as (buffer, offset) */
static void
arg_tensors(ocl_args *a, int n, const vo_tensor *const *t)
{
    for (int i = 0; i < n; i++)
        arg_buf(a, t[i] ? (cl_mem)t[i]->buffer : NULL, t[i] ? t[i]->offset : 0);
}
#define ARG_TENSORS(a, ...) \
    arg_tensors((a), (int)(sizeof((const vo_tensor *[]){__VA_ARGS__}) / sizeof(vo_tensor *)), \
                (const vo_tensor *[]){__VA_ARGS__})

static size_t round_up(size_t v, size_t m) { return (v + m - 1) / m * m; }

static void
launch(ocl_args *a, cl_uint dims, const size_t *global, const size_t *local)
{
    if (a->err != CL_SUCCESS) {
        ocl_check(a->b, a->err, a->op, "clSetKernelArg");
        return;
    }
    for (cl_uint d = 0; d < dims; d++)
        if (global[d] == 0)
            return;     /* nothing to do */
    cl_event ev = NULL;
    if (ocl_check(a->b, clEnqueueNDRangeKernel(a->b->queue, a->k, dims, NULL, global, local, 0,
                                               NULL, a->b->profile ? &ev : NULL),
                  a->op, "clEnqueueNDRangeKernel"))
        ocl_prof_launch(a->b, a->kernel, ev);
}

/* the smallest power of two >= n, at most cap (a work-group width) */
static size_t
pow2_width(int64_t n, int cap)
{
    size_t l = 1;
    while (l < (size_t)n && l < (size_t)cap)
        l *= 2;
    return l;
}

/* 3-D launch: dimension 0 (n0 items) in groups of pow2_width(n0, cap) */
static void
launch_3d(ocl_args *a, int64_t n0, int64_t n1, int64_t n2, int cap)
{
    size_t l0 = pow2_width(n0, cap);
    size_t g[3] = {round_up((size_t)n0, l0), (size_t)n1, (size_t)n2}, l[3] = {l0, 1, 1};
    launch(a, 3, g, l);
}

/* elementwise ops: items (i < ne0, row), groups up to tune.ew wide */
static void
launch_rows(ocl_args *a, const vo_tensor *t)
{
    launch_3d(a, t->ne[0], vo_nrows(t), 1, a->b->tune.ew);
}

/* row reductions: one work-group of tune.wg items per row */
static void
launch_groups(ocl_args *a, int64_t rows)
{
    size_t l = (size_t)a->b->tune.wg, g = l * (size_t)rows;
    launch(a, 1, &g, &l);
}

static int type_code(const vo_tensor *t) { return t ? (int)t->type : -1; }

/* --- ops --- */

/* accumulate: out += (x·wᵀ + bias) */
static void
matmul(vo_backend *be, vo_tensor *out, const vo_tensor *w, const vo_tensor *x,
       const vo_tensor *bias, bool accumulate)
{
    ocl_backend *b = (ocl_backend *)be;
    const ocl_tuning *T = &b->tune;
    int64_t K = w->ne[0], N = w->ne[1], M = vo_nrows(x);
    int kind = T->mm_row ? OCL_MM_ROW
               : M <= T->mv_max_m ? OCL_MM_VEC
               : M <= T->sk_max_m ? OCL_MM_SKINNY : OCL_MM_TILED;
    ocl_args a = args_begin(b, OCL_K_MATMUL + OCL_MM_KINDS * ocl_mm_weight_of(w->type) + kind,
                            "matmul");
    ARG_TENSORS(&a, w, x, bias, out);
    arg_int(&a, K);
    arg_int(&a, N);
    arg_int(&a, M);
    arg_int(&a, x->ne[1]);
    arg_int(&a, x->ne[2]);
    arg_int(&a, out->ne[1]);
    arg_int(&a, out->ne[2]);
    arg_nb(&a, w, 1, 1);
    arg_nb123(&a, x);
    arg_nb123(&a, out);
    arg_int(&a, type_code(bias));
    arg_int(&a, accumulate);
    if (kind == OCL_MM_ROW) {
        /* dimension 0: blocks of mm_nr x rows; 1: blocks of mm_nc w rows */
        size_t mb = (size_t)((M + T->mm_nr - 1) / T->mm_nr), nb = (size_t)((N + T->mm_nc - 1) / T->mm_nc);
        size_t l0 = 1;
        while (l0 < mb && l0 < (size_t)T->mm_wg)
            l0 *= 2;
        size_t l[2] = {l0, (size_t)T->mm_wg / l0};
        size_t g[2] = {round_up(mb, l[0]), round_up(nb, l[1])};
        launch(&a, 2, g, l);
    } else if (kind == OCL_MM_SKINNY) {
        size_t l = (size_t)(T->sk_lanes * T->sk_rows);
        size_t g = (size_t)((N + T->sk_rows - 1) / T->sk_rows) * l;
        launch(&a, 1, &g, &l);
    } else if (kind == OCL_MM_VEC) {
        size_t g[2] = {(size_t)N * (size_t)T->wg_mv, (size_t)((M + T->mv_rows - 1) / T->mv_rows)};
        size_t l[2] = {(size_t)T->wg_mv, 1};
        launch(&a, 2, g, l);
    } else {
        size_t ln = (size_t)(T->ts_n / T->wpt_n), lm = (size_t)(T->ts_m / T->wpt_m);
        size_t g[2] = {(size_t)((N + T->ts_n - 1) / T->ts_n) * ln,
                       (size_t)((M + T->ts_m - 1) / T->ts_m) * lm};
        size_t l[2] = {ln, lm};
        launch(&a, 2, g, l);
    }
}

void
ocl_matmul(vo_backend *be, vo_tensor *out, const vo_tensor *w, const vo_tensor *x,
           const vo_tensor *bias)
{
    matmul(be, out, w, x, bias, false);
}

void
ocl_matmul_add(vo_backend *be, vo_tensor *out, const vo_tensor *w, const vo_tensor *x,
               const vo_tensor *bias)
{
    matmul(be, out, w, x, bias, true);
}

static void
binary(vo_backend *be, int kernel, const char *op, vo_tensor *out, const vo_tensor *x,
       const vo_tensor *y)
{
    ocl_args a = args_begin((ocl_backend *)be, kernel, op);
    ARG_TENSORS(&a, x, y, out);
    arg_ne012(&a, x);
    arg_nb123(&a, x);
    for (int d = 0; d < 4; d++)
        arg_int(&a, y->ne[d]);
    arg_nb123(&a, y);
    arg_nb123(&a, out);
    launch_rows(&a, x);
}

void
ocl_add(vo_backend *be, vo_tensor *out, const vo_tensor *a, const vo_tensor *b)
{
    binary(be, OCL_K_ADD, "add", out, a, b);
}

void
ocl_mul(vo_backend *be, vo_tensor *out, const vo_tensor *a, const vo_tensor *b)
{
    binary(be, OCL_K_MUL, "mul", out, a, b);
}

void
ocl_rms_norm(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *w, float eps)
{
    ocl_args a = args_begin((ocl_backend *)be, OCL_K_RMS_NORM, "rms_norm");
    ARG_TENSORS(&a, x, w, out);
    arg_rows(&a, x, out);
    arg_float(&a, eps);
    arg_int(&a, type_code(w));
    launch_groups(&a, vo_nrows(x));
}

void
ocl_layer_norm(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
               const vo_tensor *b, float eps)
{
    ocl_args a = args_begin((ocl_backend *)be, OCL_K_LAYER_NORM, "layer_norm");
    ARG_TENSORS(&a, x, w, b, out);
    arg_rows(&a, x, out);
    arg_float(&a, eps);
    arg_int(&a, type_code(w));
    arg_int(&a, type_code(b));
    launch_groups(&a, vo_nrows(x));
}

/* The f32 inverse frequencies, computed here as the CPU backend does so
 * that the angles agree exactly; kept until theta or head_dim change. */
static bool
rope_freqs(ocl_backend *b, float theta, int hd)
{
    if (b->rope_freq && b->rope_theta == theta && b->rope_hd == hd)
        return true;
    float *f = vo_malloc(sizeof *f * (size_t)(hd / 2));
    if (!f) {
        vo_backend_error(&b->base, VO_ERR_NOMEM, "rope: out of memory");
        return false;
    }
    for (int i = 0; i < hd / 2; i++)
        f[i] = 1.0f / powf(theta, (float)(2 * i) / (float)hd);
    if (b->rope_freq)
        clReleaseMemObject(b->rope_freq);   /* queued kernels keep it alive */
    cl_int err;
    b->rope_freq = clCreateBuffer(b->cctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                                  sizeof *f * (size_t)(hd / 2), f, &err);
    vo_free(f);
    if (!ocl_check(b, err, "rope", "clCreateBuffer")) {
        b->rope_freq = NULL;
        return false;
    }
    b->stats.writes++;
    b->stats.write_bytes += sizeof *f * (size_t)(hd / 2);
    b->rope_theta = theta;
    b->rope_hd = hd;
    return true;
}

void
ocl_rope(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *pos, float theta)
{
    ocl_backend *b = (ocl_backend *)be;
    int hd = (int)x->ne[0];
    if (!rope_freqs(b, theta, hd))
        return;
    ocl_args a = args_begin(b, OCL_K_ROPE, "rope");
    ARG_TENSORS(&a, x, pos);
    arg_buf(&a, b->rope_freq, 0);
    ARG_TENSORS(&a, out);
    arg_ne012(&a, x);
    arg_nb(&a, x, 1, 2);
    arg_nb(&a, out, 1, 2);
    launch_3d(&a, hd / 2, x->ne[1], x->ne[2], b->tune.ew);
}

/* one work-group of tune.wg items per (head, token) row: the norm's sum as
 * vo_rms_norm sums it, then each item rotates its pairs */
void
ocl_rms_norm_rope(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                  float eps, const vo_tensor *pos, float theta)
{
    ocl_backend *b = (ocl_backend *)be;
    int hd = (int)x->ne[0];
    if (!rope_freqs(b, theta, hd))
        return;
    ocl_args a = args_begin(b, OCL_K_RMS_NORM_ROPE, "rms_norm_rope");
    ARG_TENSORS(&a, x, w, pos);
    arg_buf(&a, b->rope_freq, 0);
    ARG_TENSORS(&a, out);
    arg_ne012(&a, x);
    arg_nb(&a, x, 1, 2);
    arg_nb(&a, out, 1, 2);
    arg_float(&a, eps);
    arg_int(&a, type_code(w));
    launch_groups(&a, x->ne[1] * x->ne[2]);
}

static bool ensure_buf(ocl_backend *b, cl_mem *m, size_t bytes, const char *op);

/* a sequence's shape as the attention kernels take it: head_dim, heads,
 * KV heads, q_start, n_q, n_kv, the strides of q, k and v, then the block
 * table of a paged cache ((NULL, 0) and 0 rows: not paged) */
static void
arg_attn_seq(ocl_args *a, const vo_tensor *q, const vo_attn_seq *S)
{
    arg_int(a, q->ne[0]);
    arg_int(a, q->ne[1]);
    arg_int(a, S->k->ne[1]);
    arg_int(a, S->q_start);
    arg_int(a, S->n_q);
    arg_int(a, S->n_kv);
    arg_nb(a, q, 1, 2);
    arg_nb(a, S->k, 1, 2);
    arg_nb(a, S->v, 1, 2);
    arg_buf(a, S->blocks ? (cl_mem)S->blocks->buffer : NULL, S->blocks ? S->blocks->offset : 0);
    arg_int(a, S->blocks ? S->block_rows : 0);
}

/* a few query rows against a long cache: chunks of keys in parallel, then
 * their merge (attention.cl, vo_attention_split) */
static void
attention_split(ocl_backend *b, vo_tensor *out, const vo_tensor *q, const vo_attn_seq *S,
                float scale, bool causal)
{
    const int kbs = 32, max_split = 256;
    int64_t hd = q->ne[0], H = q->ne[1];
    int64_t chunk = (S->n_kv + max_split - 1) / max_split;
    chunk = (chunk + kbs - 1) / kbs * kbs;
    if (chunk < b->tune.att_chunk_min)
        chunk = b->tune.att_chunk_min;
    int64_t n_split = (S->n_kv + chunk - 1) / chunk;
    size_t bytes = sizeof(float) * (size_t)(S->n_q * H * n_split * (hd + 2));
    if (bytes > b->att_part_bytes) {
        if (!ensure_buf(b, &b->att_part, bytes, "attention"))
            return;
        b->att_part_bytes = bytes;
    }
    ocl_args a = args_begin(b, OCL_K_ATTENTION_SPLIT, "attention");
    ARG_TENSORS(&a, q, S->k, S->v);
    arg(&a, sizeof b->att_part, &b->att_part);
    arg_attn_seq(&a, q, S);
    arg_float(&a, scale);
    arg_int(&a, causal);
    arg_int(&a, S->k->type);
    arg_int(&a, S->v->type);
    arg_int(&a, chunk);
    size_t g[3] = {(size_t)(n_split * kbs), (size_t)H, (size_t)S->n_q}, l[3] = {(size_t)kbs, 1, 1};
    launch(&a, 3, g, l);

    ocl_args m = args_begin(b, OCL_K_ATTENTION_MERGE, "attention");
    arg(&m, sizeof b->att_part, &b->att_part);
    ARG_TENSORS(&m, out);
    arg_int(&m, hd);
    arg_int(&m, H);
    arg_int(&m, S->q_start);
    arg_int(&m, n_split);
    arg_nb(&m, out, 1, 2);
    size_t gm[3] = {(size_t)kbs, (size_t)H, (size_t)S->n_q};
    launch(&m, 3, gm, l);
}

void
ocl_attention(vo_backend *be, vo_tensor *out, const vo_tensor *q, const vo_attn_seq *seqs,
              int n_seqs, float scale, bool causal)
{
    ocl_backend *b = (ocl_backend *)be;
    if (q->ne[0] > b->tune.hd_max)
        return vo_backend_error(be, VO_ERR_UNSUPPORTED, "attention %s: head_dim %lld > %d",
                                out->name, (long long)q->ne[0], b->tune.hd_max);
    /* each sequence has its own k/v buffers: one launch per sequence */
    for (int s = 0; s < n_seqs && be->err == VO_OK; s++) {
        const vo_attn_seq *S = &seqs[s];
        if (!b->tune.att_row && S->n_q <= b->tune.att_split_q && q->ne[0] <= 128) {
            attention_split(b, out, q, S, scale, causal);
            continue;
        }
        int kernel = b->tune.att_row ? OCL_K_ATTENTION_ROW
                     : b->tune.att_tile && q->ne[0] <= 128 ? OCL_K_ATTENTION_TILE
                     : OCL_K_ATTENTION;
        ocl_args a = args_begin(b, kernel, "attention");
        ARG_TENSORS(&a, q, S->k, S->v, out);
        arg_attn_seq(&a, q, S);
        arg_nb(&a, out, 1, 2);
        arg_float(&a, scale);
        arg_int(&a, causal);
        arg_int(&a, S->k->type);               /* a KV cache may be f16/bf16 */
        arg_int(&a, S->v->type);
        if (kernel == OCL_K_ATTENTION_ROW)     /* items (head, query row) */
            launch_3d(&a, q->ne[1], S->n_q, 1, b->tune.wg_att);
        else if (kernel == OCL_K_ATTENTION_TILE) {  /* groups (tile of rows, head) */
            size_t wg = (size_t)(b->tune.att_tq * b->tune.att_rl);
            size_t g[2] = {(size_t)((S->n_q + b->tune.att_tq - 1) / b->tune.att_tq) * wg,
                           (size_t)q->ne[1]};
            size_t l[2] = {wg, 1};
            launch(&a, 2, g, l);
        } else {                                /* groups (head, query row) */
            size_t g[3] = {(size_t)b->tune.wg_att, (size_t)q->ne[1], (size_t)S->n_q};
            size_t l[3] = {(size_t)b->tune.wg_att, 1, 1};
            launch(&a, 3, g, l);
        }
    }
}

static void
unary(vo_backend *be, int kernel, const char *op, vo_tensor *out, const vo_tensor *x)
{
    ocl_args a = args_begin((ocl_backend *)be, kernel, op);
    ARG_TENSORS(&a, x, out);
    arg_rows(&a, x, out);
    if (kernel == OCL_K_SOFTMAX)
        launch_groups(&a, vo_nrows(x));
    else
        launch_rows(&a, x);
}

void
ocl_gelu_tanh(vo_backend *be, vo_tensor *out, const vo_tensor *x)
{
    unary(be, OCL_K_GELU_TANH, "gelu_tanh", out, x);
}

void
ocl_gelu_erf(vo_backend *be, vo_tensor *out, const vo_tensor *x)
{
    unary(be, OCL_K_GELU_ERF, "gelu_erf", out, x);
}

void
ocl_softmax(vo_backend *be, vo_tensor *out, const vo_tensor *x)
{
    unary(be, OCL_K_SOFTMAX, "softmax", out, x);
}

void
ocl_silu_mul(vo_backend *be, vo_tensor *out, const vo_tensor *gate, const vo_tensor *up)
{
    ocl_args a = args_begin((ocl_backend *)be, OCL_K_SILU_MUL, "silu_mul");
    ARG_TENSORS(&a, gate, up, out);
    arg_ne012(&a, gate);
    arg_nb123(&a, gate);
    arg_nb123(&a, up);
    arg_nb123(&a, out);
    launch_rows(&a, gate);
}

void
ocl_get_rows(vo_backend *be, vo_tensor *out, const vo_tensor *table, const vo_tensor *ids)
{
    ocl_backend *b = (ocl_backend *)be;
    ocl_args a = args_begin(b, OCL_K_GET_ROWS, "get_rows");
    ARG_TENSORS(&a, table, ids, out);
    arg(&a, sizeof b->flag, &b->flag);
    arg_ne012(&a, out);
    arg_int(&a, table->ne[1]);
    arg_int(&a, table->type);
    arg_nb(&a, table, 1, 1);
    arg_nb123(&a, out);
    b->flag_armed = true;
    launch_rows(&a, out);
}

void
ocl_copy(vo_backend *be, vo_tensor *out, const vo_tensor *x)
{
    ocl_args a = args_begin((ocl_backend *)be, OCL_K_COPY, "copy");
    ARG_TENSORS(&a, x, out);
    arg_ne012(&a, out);
    /* x broadcasts over out's rows where it has 1 (backend.h): stride 0 */
    for (int d = 1; d < 4; d++)
        arg_ulong(&a, x->ne[d] == 1 && out->ne[d] > 1 ? 0 : x->nb[d]);
    arg_nb123(&a, out);
    arg_int(&a, out->type);
    launch_rows(&a, out);
}

void
ocl_patch_embed(vo_backend *be, vo_tensor *out, const vo_tensor *img, const vo_tensor *w,
                const vo_tensor *bias, int patch)
{
    ocl_backend *b = (ocl_backend *)be;
    int64_t C = img->ne[2], N = img->ne[3], g = img->ne[0] / patch, cpp = C * patch * patch;
    vo_tensor cols;
    vo_tensor_init(&cols, VO_F32, cpp, g * g * N, 1, 1, "patch_embed columns");
    cl_int err;
    cl_mem m = clCreateBuffer(b->cctx, CL_MEM_READ_WRITE, (size_t)(cpp * g * g * N) * 4, NULL,
                              &err);
    if (!ocl_check(b, err, "patch_embed", "clCreateBuffer"))
        return;
    cols.buffer = m;
    ocl_args a = args_begin(b, OCL_K_IM2COL, "patch_embed");
    ARG_TENSORS(&a, img, &cols);
    arg_int(&a, C);
    arg_int(&a, patch);
    arg_int(&a, g);
    arg_nb123(&a, img);
    launch_3d(&a, cpp, g * g, N, b->tune.ew);
    if (be->err == VO_OK)
        ocl_matmul(be, out, w, &cols, bias);
    clReleaseMemObject(m);      /* freed once the queued kernels are done */
}

void
ocl_resize_bilinear(vo_backend *be, vo_tensor *out, const vo_tensor *in)
{
    ocl_backend *b = (ocl_backend *)be;
    ocl_args a = args_begin(b, OCL_K_RESIZE, "resize_bilinear");
    int64_t C = in->ne[0];
    ARG_TENSORS(&a, in, out);
    arg_ne012(&a, in);
    arg_int(&a, out->ne[1]);
    arg_int(&a, out->ne[2]);
    arg_nb(&a, in, 1, 2);
    arg_nb(&a, out, 1, 2);
    /* the scales as the CPU backend computes them (correctly rounded here) */
    arg_float(&a, (float)in->ne[1] / (float)out->ne[1]);
    arg_float(&a, (float)in->ne[2] / (float)out->ne[2]);
    launch_3d(&a, C, out->ne[1], out->ne[2], b->tune.ew);
}

/* grow a device buffer of `bytes` (contents dropped) */
static bool
ensure_buf(ocl_backend *b, cl_mem *m, size_t bytes, const char *op)
{
    if (*m)
        clReleaseMemObject(*m);
    cl_int err;
    *m = clCreateBuffer(b->cctx, CL_MEM_READ_WRITE, bytes, NULL, &err);
    if (!ocl_check(b, err, op, "clCreateBuffer")) {
        *m = NULL;
        return false;
    }
    return true;
}

void
ocl_argmax_logprob(vo_backend *be, const vo_tensor *logits, int32_t *ids, float *logprob)
{
    ocl_backend *b = (ocl_backend *)be;
    size_t n = (size_t)vo_nrows(logits);
    if (n > b->am_rows) {
        if (!ensure_buf(b, &b->am_ids, n * 4, "argmax_logprob") ||
            !ensure_buf(b, &b->am_lp, n * 4, "argmax_logprob"))
            return;
        b->am_rows = n;
    }
    ocl_args a = args_begin(b, OCL_K_ARGMAX, "argmax_logprob");
    ARG_TENSORS(&a, logits);
    arg(&a, sizeof b->am_ids, &b->am_ids);
    arg(&a, sizeof b->am_lp, &b->am_lp);
    arg_ne012(&a, logits);
    arg_nb123(&a, logits);
    launch_groups(&a, (int64_t)n);
    b->stats.reads += logprob ? 2 : 1;
    b->stats.read_bytes += (logprob ? 2 : 1) * n * 4;
    if (be->err != VO_OK ||
        !ocl_check(b, clEnqueueReadBuffer(b->queue, b->am_ids, CL_TRUE, 0, n * 4, ids, 0, NULL,
                                          NULL), "argmax_logprob", "clEnqueueReadBuffer"))
        return;
    if (logprob)
        ocl_check(b, clEnqueueReadBuffer(b->queue, b->am_lp, CL_TRUE, 0, n * 4, logprob, 0,
                                         NULL, NULL), "argmax_logprob", "clEnqueueReadBuffer");
}
