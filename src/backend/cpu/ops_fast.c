/* ops_fast.c: the CPU ops that pay for speed: matmul (blocked, SIMD tiles,
 * threads over output rows), attention (threads over heads and query chunks)
 * and patch embedding (im2col + matmul). */
#include "src/backend/cpu/cpu_internal.h"
#include "src/util/alloc.h"

#include <math.h>

#define MB 48     /* x rows per block (multiple of the 3-row tile) */
#define NB 64     /* weight rows per task (multiple of the 4-row tile) */
#define QC 16     /* query rows per attention task */
#define DECODE_ROWS 16  /* AVX2: up to this many x rows, the matvec (x86_avx2_matvec.c) */
/* AVX-512: up to this many x rows, the matvec, whose every output is
 * computed as for one row alone: a decode step of pages in flight and drafts
 * (VO_GEN_STEP_MAX rows, src/vlm/generate.h) gives each page the tokens it
 * gets alone */
#define MV_ROWS 16
#define MV_NB 64        /* AVX-512 matvec: weight rows per task */

/* rows r of t lie at base + r·nb1 for every r (no gaps between ne1 blocks) */
static bool rows_uniform(const vo_tensor *t)
{
    return (t->ne[2] == 1 || t->nb[2] == t->nb[1] * (size_t)t->ne[1]) &&
           (t->ne[3] == 1 || t->nb[3] == t->nb[2] * (size_t)t->ne[2]) &&
           t->nb[1] % sizeof(float) == 0;
}

bool cpu_scratch(cpu_backend *cb, size_t n)
{
    if (n <= cb->scratch_per)
        return true;
    size_t total;
    if (vo_mul_size(&total, n, (size_t)cb->n_threads * sizeof(float)) != VO_OK) {
        vo_backend_error(&cb->base, VO_ERR_LIMIT, "scratch of %zu floats overflows", n);
        return false;
    }
    float *s = vo_realloc(cb->scratch, total);
    if (!s) {
        vo_backend_error(&cb->base, VO_ERR_NOMEM, "out of memory for %zu floats of scratch", n);
        return false;
    }
    cb->scratch = s;
    cb->scratch_per = n;
    return true;
}

/* --- matmul --- */

typedef struct {
    cpu_backend *cb;
    vo_tensor *out;
    const vo_tensor *w, *x, *bias;
    int64_t K, N, M, n_nb;
    bool bf16;             /* the GEMM rounds x to bf16 (cb->matmul_bf16 applies) */
} mm_job;

/* the GEMM (gemm.c), f32/bf16/q8/q4 weights: a task is a block of weight
 * rows for all x rows, the AVX-512 matvec's too */
static void mm_task_gemm(void *arg, int64_t task, int worker)
{
    mm_job *j = arg;
    size_t ldx = j->x->nb[1] / sizeof(float), ldo = j->out->nb[1] / sizeof(float);
    float *ob = (float *)cpu_base(j->out);
    if (j->M <= MV_ROWS && cpu_have_avx512()) {
        int64_t n0 = task * MV_NB, n1 = n0 + MV_NB < j->N ? n0 + MV_NB : j->N;
        cpu_avx512_matvec(j->w, n0, n1, (const float *)cpu_base(j->x), ldx, j->M, ob, ldo,
                          j->bias);
        return;
    }
    int64_t n0 = task * CPU_GEMM_ROWS;
    int64_t n1 = n0 + CPU_GEMM_ROWS < j->N ? n0 + CPU_GEMM_ROWS : j->N;
    float *scratch = j->cb->scratch + (size_t)worker * j->cb->scratch_per;
    if (j->bf16)
        cpu_avx512bf_gemm_rows(j->w, n0, n1, (const uint32_t *)j->cb->xt, j->M, ob, ldo,
                               j->bias, scratch);
    else if (cpu_have_avx512())
        cpu_avx512_gemm_rows(j->w, n0, n1, j->cb->xt, j->M, ob, ldo, j->bias, scratch);
    else
        cpu_avx2_gemm_rows(j->w, n0, n1, j->cb->xt, j->M, ob, ldo, j->bias, scratch);
}

/* q4 weights, x rows quantized (cpu_internal.h): a task is a block of
 * weight rows for all x rows */
static void mm_task_qx(void *arg, int64_t task, int worker)
{
    (void)worker;
    mm_job *j = arg;
    size_t ldo = j->out->nb[1] / sizeof(float), ldx = cpu_qx_stride(j->K);
    float *ob = (float *)cpu_base(j->out);
    int64_t n0 = task * MV_NB, n1 = n0 + MV_NB < j->N ? n0 + MV_NB : j->N;
    if (cpu_have_avx512())
        return cpu_avx512_matvec_qx(j->w, n0, n1, j->cb->xq, j->M, ob, ldo, j->bias);
    if (j->M == 1) {
        float d[MV_NB];
        cpu_qx_dot_w(cpu_base(j->w) + n0 * j->w->nb[1], j->w->nb[1], n1 - n0, j->cb->xq,
                     j->K, d);
        for (int64_t n = n0; n < n1; n++)
            ob[n] = d[n - n0] + (j->bias ? cpu_get_f(cpu_base(j->bias), j->bias->type, n) : 0.0f);
        return;
    }
    for (int64_t n = n0; n < n1; n++) {
        const char *wr = cpu_base(j->w) + n * j->w->nb[1];
        float b = j->bias ? cpu_get_f(cpu_base(j->bias), j->bias->type, n) : 0.0f;
        float d[CPU_QX_ROWS];
        cpu_qx_dot_x(wr, j->cb->xq, ldx, j->M, j->K, d);
        for (int64_t m = 0; m < j->M; m++)
            ob[m * ldo + n] = d[m] + b;
    }
}

/* the x rows into cb->xq, once per matmul; false on failure (error stuck) */
static bool quantize_x(cpu_backend *cb, const vo_tensor *x, int64_t M, int64_t K)
{
    size_t stride = cpu_qx_stride(K), need;
    if (vo_mul_size(&need, stride, (size_t)M) != VO_OK) {
        vo_backend_error(&cb->base, VO_ERR_LIMIT, "%lld quantized rows overflow", (long long)M);
        return false;
    }
    if (need > cb->xq_cap) {
        char *xq = vo_realloc(cb->xq, need);
        if (!xq) {
            vo_backend_error(&cb->base, VO_ERR_NOMEM, "out of memory for %zu bytes of "
                             "quantized activations", need);
            return false;
        }
        cb->xq = xq;
        cb->xq_cap = need;
    }
    for (int64_t m = 0; m < M; m++)
        cpu_qx_row(cb->xq + m * stride, (const float *)(cpu_base(x) + m * x->nb[1]), K);
    return true;
}

static void pack_task(void *arg, int64_t task, int worker)
{
    (void)worker;
    mm_job *j = arg;
    size_t ldx = j->x->nb[1] / sizeof(float);
    if (j->bf16)
        cpu_avx512bf_pack_xt((uint32_t *)j->cb->xt, (const float *)cpu_base(j->x), ldx, j->M,
                             j->K, task);
    else
        cpu_gemm_pack_xt(j->cb->xt, (const float *)cpu_base(j->x), ldx, j->M, j->K, task);
}

/* AVX-512 (the matvec up to MV_ROWS x rows, else the GEMM) or AVX2 (the
 * GEMM, above DECODE_ROWS x rows) */
static void matmul_gemm(cpu_backend *cb, mm_job *j)
{
    if (j->M <= MV_ROWS && cpu_have_avx512()) {
        cpu_pool_run(cb->pool, (j->N + MV_NB - 1) / MV_NB, mm_task_gemm, j);
        return;
    }
    size_t need = (size_t)((j->M + CPU_GEMM_TOKENS - 1) / CPU_GEMM_TOKENS *
                           CPU_GEMM_TOKENS) * (size_t)j->K;
    if (need > cb->xt_cap) {
        float *xt = vo_realloc(cb->xt, need * sizeof(float));
        if (!xt)
            return vo_backend_error(&cb->base, VO_ERR_NOMEM,
                                    "out of memory for %zu packed activations", need);
        cb->xt = xt;
        cb->xt_cap = need;
    }
    j->bf16 = cb->matmul_bf16 && j->w->type == VO_BF16 && j->K % 2 == 0 &&
              cpu_have_avx512_bf16();
    if (!cpu_scratch(cb, j->bf16 ? cpu_avx512bf_gemm_scratch(j->K, j->M)
                                 : cpu_gemm_scratch(j->K, j->M)))
        return;
    cpu_pool_run(cb->pool, (j->M + CPU_GEMM_TOKENS - 1) / CPU_GEMM_TOKENS,
                 pack_task, j);
    cpu_pool_run(cb->pool, (j->N + CPU_GEMM_ROWS - 1) / CPU_GEMM_ROWS,
                 mm_task_gemm, j);
}

static void mm_task(void *arg, int64_t task, int worker)
{
    mm_job *j = arg;
    int64_t K = j->K;
    int64_t n0 = (task % j->n_nb) * NB, m0 = (task / j->n_nb) * MB;
    int64_t n1 = n0 + NB < j->N ? n0 + NB : j->N, m1 = m0 + MB < j->M ? m0 + MB : j->M;
    float *wbuf = j->cb->scratch + (size_t)worker * j->cb->scratch_per;
    size_t ldx = j->x->nb[1] / sizeof(float), ldo = j->out->nb[1] / sizeof(float);
    const float *xb = (const float *)cpu_base(j->x);
    float *ob = (float *)cpu_base(j->out);
    if (m1 - m0 <= DECODE_ROWS && cpu_have_avx2() && cpu_avx2_matvec_fits(j->w->type)) {
        /* decode: the weights widened in registers, streamed once */
        cpu_avx2_matvec(j->w, n0, n1, xb + m0 * ldx, ldx, m1 - m0, ob + m0 * ldo, ldo, j->bias);
        return;
    }
    for (int64_t n = n0; n < n1; n += 4) {
        int nw = n1 - n < 4 ? (int)(n1 - n) : 4;
        const float *wr;
        size_t ldw;
        if (j->w->type == VO_F32) {
            wr = (const float *)(cpu_base(j->w) + n * j->w->nb[1]);
            ldw = j->w->nb[1] / sizeof(float);
        } else {
            for (int i = 0; i < nw; i++)
                cpu_row_to_f32(wbuf + i * K, cpu_base(j->w) + (n + i) * j->w->nb[1],
                               j->w->type, K);
            wr = wbuf;
            ldw = (size_t)K;
        }
        float bias[4] = {0, 0, 0, 0};
        if (j->bias)
            for (int i = 0; i < nw; i++)
                bias[i] = cpu_get_f(cpu_base(j->bias), j->bias->type, n + i);
        for (int64_t m = m0; m < m1; m += 3) {
            int nx = m1 - m < 3 ? (int)(m1 - m) : 3;
            float tile[4 * 3];
            cpu_avx2_gemm_tile(wr, ldw, nw, xb + m * ldx, ldx, nx, K, tile, 3);
            for (int i = 0; i < nw; i++)
                for (int jj = 0; jj < nx; jj++)
                    ob[(m + jj) * ldo + n + i] = tile[i * 3 + jj] + bias[i];
        }
    }
}

void cpu_matmul_fast(vo_backend *be, vo_tensor *out, const vo_tensor *w, const vo_tensor *x,
                     const vo_tensor *bias)
{
    cpu_backend *cb = (cpu_backend *)be;
    if (!rows_uniform(x) || !rows_uniform(out) || (w->nb[1] % 4 && w->type == VO_F32))
        return cpu_matmul_ref(be, out, w, x, bias);
    mm_job j = {cb, out, w, x, bias, w->ne[0], w->ne[1], vo_nrows(x), 0, false};
    if (cpu_qx_applies(w->type, j.M)) {
        if (quantize_x(cb, x, j.M, j.K))
            cpu_pool_run(cb->pool, (j.N + MV_NB - 1) / MV_NB, mm_task_qx, &j);
        return;
    }
    bool packs = (w->type == VO_BF16 || w->type == VO_F32 || w->type == VO_Q8 ||
                  w->type == VO_Q4) && w->nb[1] % vo_type_size(w->type) == 0;
    if (packs && (cpu_have_avx512() || (cpu_have_avx2() && j.M > DECODE_ROWS)))
        return matmul_gemm(cb, &j);
    j.n_nb = (j.N + NB - 1) / NB;
    if (!cpu_scratch(cb, (size_t)(4 * j.K)))
        return;
    cpu_pool_run(cb->pool, j.n_nb * ((j.M + MB - 1) / MB), mm_task, &j);
}

/* --- attention --- */

typedef struct {
    cpu_backend *cb;
    vo_tensor *out;
    const vo_tensor *q;
    const vo_attn_seq *seqs;
    int n_seqs;
    float scale;
    bool causal;
    int64_t *first_task;   /* [n_seqs + 1]: task index where each sequence starts */
    int64_t max_kv;        /* scratch: max_kv scores, then head_dim floats */
} attn_job;

/* q·k and o += a·v over one cache row of any float type; f16 rows are
 * widened into tmp (hd floats) first */
static inline float kv_dot(const float *q, const char *row, vo_type t, int64_t hd, float *tmp)
{
    if (t == VO_F32)
        return cpu_avx2_dot(q, (const float *)row, hd);
    if (t == VO_BF16)
        return cpu_avx2_dot_bf16(q, (const uint16_t *)row, hd);
    cpu_row_to_f32(tmp, row, t, hd);
    return cpu_avx2_dot(q, tmp, hd);
}

static inline void kv_axpy(float *o, float a, const char *row, vo_type t, int64_t hd, float *tmp)
{
    if (t == VO_F32)
        return cpu_avx2_axpy(o, a, (const float *)row, hd);
    if (t == VO_BF16)
        return cpu_avx2_axpy_bf16(o, a, (const uint16_t *)row, hd);
    cpu_row_to_f32(tmp, row, t, hd);
    cpu_avx2_axpy(o, a, tmp, hd);
}

static void attn_task(void *arg, int64_t task, int worker)
{
    attn_job *j = arg;
    int s = 0;
    while (task >= j->first_task[s + 1])
        s++;
    const vo_attn_seq *S = &j->seqs[s];
    int64_t nh = j->q->ne[1], hd = j->q->ne[0], local = task - j->first_task[s];
    int64_t h = local % nh, i0 = (local / nh) * QC;
    int64_t i1 = i0 + QC < S->n_q ? i0 + QC : S->n_q;
    int64_t kh = h / (nh / S->k->ne[1]);
    float *p = j->cb->scratch + (size_t)worker * j->cb->scratch_per;
    float *tmp = p + j->max_kv;   /* hd floats: an f16 row widened */
    vo_type kt = S->k->type, vt = S->v->type;
    const char *kb = cpu_base(S->k) + kh * S->k->nb[1], *vb = cpu_base(S->v) + kh * S->v->nb[1];
    for (int64_t i = i0; i < i1; i++) {
        int64_t t = S->q_start + i;
        int64_t n_see = j->causal ? S->n_kv - S->n_q + i + 1 : S->n_kv;
        const float *qr = (const float *)(cpu_base(j->q) + h * j->q->nb[1] + t * j->q->nb[2]);
        float mx = -INFINITY;
        for (int64_t k = 0; k < n_see; k++) {
            p[k] = kv_dot(qr, kb + cpu_kv_row(S, S->k, k), kt, hd, tmp) * j->scale;
            mx = p[k] > mx ? p[k] : mx;
        }
        float sum = 0;
        for (int64_t k = 0; k < n_see; k++) {
            p[k] = expf(p[k] - mx);
            sum += p[k];
        }
        float *o = (float *)(cpu_base(j->out) + h * j->out->nb[1] + t * j->out->nb[2]);
        memset(o, 0, sizeof(float) * (size_t)hd);
        for (int64_t k = 0; k < n_see; k++)
            kv_axpy(o, p[k], vb + cpu_kv_row(S, S->v, k), vt, hd, tmp);
        float inv = 1.0f / sum;
        for (int64_t c = 0; c < hd; c++)
            o[c] *= inv;
    }
}

/* the tasks of the SIMD attentions: a tile of queries of one sequence for
 * all the query heads of hpt KV heads (each K/V row read once per step for
 * the group); decode steps take several KV heads a task, whose cache rows
 * lie side by side */
typedef struct {
    attn_job *j;
    int64_t G, qt, hpt, groups;  /* query heads per KV head, queries per tile,
                                  * KV heads per task, head groups */
} attn_simd_job;

static void attn_task_simd(void *arg, int64_t task, int worker)
{
    attn_simd_job *a = arg;
    attn_job *j = a->j;
    int s = 0;
    while (task >= j->first_task[s + 1])
        s++;
    const vo_attn_seq *S = &j->seqs[s];
    int64_t nkvh = S->k->ne[1], local = task - j->first_task[s];
    int64_t kh0 = (local % a->groups) * a->hpt, i0 = (local / a->groups) * a->qt;
    int64_t kh1 = kh0 + a->hpt < nkvh ? kh0 + a->hpt : nkvh;
    int64_t i1 = i0 + a->qt < S->n_q ? i0 + a->qt : S->n_q;
    float *scratch = j->cb->scratch + (size_t)worker * j->cb->scratch_per;
    if (cpu_have_avx512())
        cpu_avx512_attention(j->q, j->out, S, kh0, kh1, a->G, i0, i1, j->scale, j->causal,
                             j->cb->matmul_bf16 && cpu_have_avx512_bf16(), scratch);
    else
        cpu_avx2_attention(j->q, j->out, S, kh0, kh1, a->G, i0, i1, j->scale, j->causal,
                           scratch);
}

/* AVX-512 (rows a task: CPU_ATTN_ROWS) or AVX2 (CPU_AVX2_ATTN_ROWS) */
static void attention_simd(cpu_backend *cb, vo_tensor *out, const vo_tensor *q,
                           const vo_attn_seq *seqs, int n_seqs, float scale, bool causal)
{
    bool avx512 = cpu_have_avx512();
    int64_t nkvh = seqs[0].k->ne[1], G = q->ne[1] / nkvh;
    int64_t tile_rows = avx512 ? CPU_ATTN_ROWS : CPU_AVX2_ATTN_ROWS;
    int64_t qt = G < tile_rows ? tile_rows / G : 1;
    /* a decode step (one query a sequence): KV heads in groups, about two
     * tasks a thread (all of them on one thread) */
    bool decode = true;
    for (int s = 0; s < n_seqs; s++)
        decode = decode && seqs[s].n_q == 1;
    int64_t hpt = 1, cap = nkvh < CPU_ATTN_HEADS ? nkvh : CPU_ATTN_HEADS;
    if (decode)
        hpt = cb->n_threads <= 1 ? cap : nkvh * n_seqs / (2 * cb->n_threads);
    hpt = hpt < 1 ? 1 : hpt > cap ? cap : hpt;
    int64_t groups = (nkvh + hpt - 1) / hpt;
    int64_t *first = vo_malloc(sizeof *first * (size_t)(n_seqs + 1));
    if (!first)
        return vo_backend_error(&cb->base, VO_ERR_NOMEM, "attention: out of memory");
    first[0] = 0;
    for (int s = 0; s < n_seqs; s++)
        first[s + 1] = first[s] + (seqs[s].n_q + qt - 1) / qt * groups;
    attn_job j = {cb, out, q, seqs, n_seqs, scale, causal, first, 0};
    attn_simd_job a = {&j, G, qt, hpt, groups};
    size_t need = avx512 ? cpu_avx512_attn_scratch(q->ne[0], qt * G, hpt)
                         : cpu_avx2_attn_scratch(q->ne[0], qt * G, hpt);
    if (cpu_scratch(cb, need))
        cpu_pool_run(cb->pool, first[n_seqs], attn_task_simd, &a);
    vo_free(first);
}

void cpu_attention_fast(vo_backend *be, vo_tensor *out, const vo_tensor *q,
                        const vo_attn_seq *seqs, int n_seqs, float scale, bool causal)
{
    cpu_backend *cb = (cpu_backend *)be;
    if (out == q || out->data == q->data) {
        /* writing a row while other tasks still read it: not supported */
        if (cpu_base(out) == cpu_base(q))
            return vo_backend_error(be, VO_ERR_ARGUMENT, "attention %s: out aliases q",
                                    out->name);
    }
    bool same_groups = n_seqs > 0;    /* every sequence with the same KV heads */
    for (int s = 1; s < n_seqs; s++)
        same_groups = same_groups && seqs[s].k->ne[1] == seqs[0].k->ne[1];
    if (same_groups && ((cpu_have_avx512() && cpu_avx512_attn_fits(q->ne[0])) ||
                        (cpu_have_avx2() && !cpu_have_avx512())))
        return attention_simd(cb, out, q, seqs, n_seqs, scale, causal);
    int64_t *first = vo_malloc(sizeof *first * (size_t)(n_seqs + 1));
    if (!first)
        return vo_backend_error(be, VO_ERR_NOMEM, "attention: out of memory");
    int64_t max_kv = 1;
    first[0] = 0;
    for (int s = 0; s < n_seqs; s++) {
        first[s + 1] = first[s] + (seqs[s].n_q + QC - 1) / QC * q->ne[1];
        if (seqs[s].n_kv > max_kv)
            max_kv = seqs[s].n_kv;
    }
    attn_job j = {cb, out, q, seqs, n_seqs, scale, causal, first, max_kv};
    if (cpu_scratch(cb, (size_t)(max_kv + q->ne[0])))
        cpu_pool_run(cb->pool, first[n_seqs], attn_task, &j);
    vo_free(first);
}

/* --- patch embedding: im2col of one image, then the fast matmul --- */

void cpu_patch_embed_fast(vo_backend *be, vo_tensor *out, const vo_tensor *img,
                          const vo_tensor *w, const vo_tensor *bias, int patch)
{
    int64_t g = img->ne[0] / patch, C = img->ne[2], K = w->ne[0];
    float *col = vo_malloc(sizeof(float) * (size_t)(K * g * g));
    if (!col)
        return vo_backend_error(be, VO_ERR_NOMEM, "patch_embed: out of memory");
    vo_tensor cols;
    vo_tensor_init(&cols, VO_F32, K, g * g, 1, 1, "im2col");
    cols.data = col;
    for (int64_t n = 0; n < img->ne[3] && !be->err; n++) {
        for (int64_t py = 0; py < g; py++)
            for (int64_t px = 0; px < g; px++) {
                float *c = col + (py * g + px) * K;
                /* (channel, row-in-patch, col-in-patch), MODEL.md §4 */
                for (int64_t ch = 0; ch < C; ch++)
                    for (int64_t ky = 0; ky < patch; ky++, c += patch)
                        memcpy(c, cpu_base(img) + (py * patch + ky) * img->nb[1] +
                                      ch * img->nb[2] + n * img->nb[3] +
                                      px * patch * sizeof(float),
                               sizeof(float) * (size_t)patch);
            }
        vo_tensor o = vo_view(out, out->ne[0], g * g, 1, 1, out->nb[1], 0, 0,
                              (size_t)n * out->nb[2]);
        cpu_matmul_fast(be, &o, w, &cols, bias);
    }
    vo_free(col);
}
