/* ops_rows.c: the row-wise ops of the fast CPU backend (RMSNorm,
 * LayerNorm, RoPE, SiLU·up, GELU) split over the pool's threads in chunks
 * of rows. GELU-erf runs the _ref rows as they are; the norms (the same
 * bits), SiLU·up and GELU-tanh use the AVX-512 lanes where that path is
 * active; RoPE works out
 * each position's angles once for all its heads (the _ref formula, so the
 * same bits). A row's arithmetic never depends on the rows beside it. */
#include "src/backend/cpu/cpu_internal.h"

#include <math.h>

/* a task gets at least this many elements (fewer tasks than this: no pool) */
#define ROWS_TASK_ELEMS 16384

typedef enum {
    ROW_RMS_NORM,
    ROW_LAYER_NORM,
    ROW_ROPE,
    ROW_SILU_MUL,
    ROW_GELU_TANH,
    ROW_GELU_ERF
} row_op;

typedef struct {
    cpu_backend *cb;
    row_op op;
    vo_tensor *out;
    const vo_tensor *x, *y, *w, *b;   /* y: SiLU's up, RoPE's positions */
    float f;                          /* eps, or RoPE's theta */
    int64_t units, per_task;          /* rows (RoPE: positions) and per task */
} row_job;

/* RoPE for positions t0 ≤ t < t1 (each ne1 rows: the heads): cosines and
 * sines of the position once, in scratch (hd floats) */
static void rope_positions(const row_job *j, int64_t t0, int64_t t1, float *cs)
{
    const vo_tensor *x = j->x;
    int64_t hd = x->ne[0], half = hd / 2, nh = x->ne[1];
    const int32_t *p = (const int32_t *)cpu_base(j->y);
    for (int64_t t = t0; t < t1; t++) {
        for (int64_t i = 0; i < half; i++) {
            /* as cpu_rope_ref: MODEL.md §8, inv_freq = 1/θ^(2i/hd), angle in f32 */
            float inv_freq = 1.0f / powf(j->f, (float)(2 * i) / (float)hd);
            float phi = (float)p[t] * inv_freq;
            cs[i] = cosf(phi);
            cs[half + i] = sinf(phi);
        }
        for (int64_t h = 0; h < nh; h++) {
            const float *xr = (const float *)cpu_row(x, t * nh + h);
            float *o = (float *)cpu_row(j->out, t * nh + h);
            for (int64_t i = 0; i < half; i++) {
                float c = cs[i], s = cs[half + i];
                float a = xr[i], b = xr[i + half];
                o[i] = a * c - b * s;
                o[i + half] = b * c + a * s;
            }
        }
    }
}

static void row_task(void *arg, int64_t task, int worker)
{
    row_job *j = arg;
    int64_t r0 = task * j->per_task;
    int64_t r1 = r0 + j->per_task < j->units ? r0 + j->per_task : j->units;
    bool avx512 = cpu_have_avx512(), avx2 = cpu_have_avx2();
    switch (j->op) {
    case ROW_RMS_NORM:
        if (avx512)
            cpu_avx512_rms_norm_rows(j->out, j->x, j->w, j->f, r0, r1);
        else
            cpu_rms_norm_rows(j->out, j->x, j->w, j->f, r0, r1);
        break;
    case ROW_LAYER_NORM:
        if (avx512)
            cpu_avx512_layer_norm_rows(j->out, j->x, j->w, j->b, j->f, r0, r1);
        else
            cpu_layer_norm_rows(j->out, j->x, j->w, j->b, j->f, r0, r1);
        break;
    case ROW_ROPE:
        rope_positions(j, r0, r1, j->cb->scratch + (size_t)worker * j->cb->scratch_per);
        break;
    case ROW_SILU_MUL:
        if (avx512)
            cpu_avx512_silu_mul_rows(j->out, j->x, j->y, r0, r1);
        else if (avx2)
            cpu_avx2_silu_mul_rows(j->out, j->x, j->y, r0, r1);
        else
            cpu_silu_mul_rows(j->out, j->x, j->y, r0, r1);
        break;
    case ROW_GELU_TANH:
        if (avx512)
            cpu_avx512_gelu_tanh_rows(j->out, j->x, r0, r1);
        else if (avx2)
            cpu_avx2_gelu_tanh_rows(j->out, j->x, r0, r1);
        else
            cpu_gelu_tanh_rows(j->out, j->x, r0, r1);
        break;
    case ROW_GELU_ERF: cpu_gelu_erf_rows(j->out, j->x, r0, r1); break;
    }
}

/* units of `elems` elements each, in tasks of at least ROWS_TASK_ELEMS */
static void run_rows(cpu_backend *cb, row_job *j, int64_t units, int64_t elems)
{
    j->cb = cb;
    j->units = units;
    j->per_task = elems >= ROWS_TASK_ELEMS ? 1 : ROWS_TASK_ELEMS / (elems > 0 ? elems : 1);
    int64_t tasks = (units + j->per_task - 1) / j->per_task;
    if (tasks <= 1)
        row_task(j, 0, 0);
    else
        cpu_pool_run(cb->pool, tasks, row_task, j);
}

void cpu_rms_norm_fast(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                       float eps)
{
    row_job j = {.op = ROW_RMS_NORM, .out = out, .x = x, .w = w, .f = eps};
    run_rows((cpu_backend *)be, &j, vo_nrows(x), x->ne[0]);
}

void cpu_layer_norm_fast(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                         const vo_tensor *b, float eps)
{
    row_job j = {.op = ROW_LAYER_NORM, .out = out, .x = x, .w = w, .b = b, .f = eps};
    run_rows((cpu_backend *)be, &j, vo_nrows(x), x->ne[0]);
}

void cpu_rope_fast(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *pos,
                   float theta)
{
    cpu_backend *cb = (cpu_backend *)be;
    if (!cpu_scratch(cb, (size_t)x->ne[0]))
        return;
    row_job j = {.op = ROW_ROPE, .out = out, .x = x, .y = pos, .f = theta};
    run_rows(cb, &j, vo_nrows(x) / x->ne[1], x->ne[0] * x->ne[1]);
}

void cpu_silu_mul_fast(vo_backend *be, vo_tensor *out, const vo_tensor *gate,
                       const vo_tensor *up)
{
    row_job j = {.op = ROW_SILU_MUL, .out = out, .x = gate, .y = up};
    run_rows((cpu_backend *)be, &j, vo_nrows(gate), gate->ne[0]);
}

void cpu_gelu_tanh_fast(vo_backend *be, vo_tensor *out, const vo_tensor *x)
{
    row_job j = {.op = ROW_GELU_TANH, .out = out, .x = x};
    run_rows((cpu_backend *)be, &j, vo_nrows(x), x->ne[0]);
}

void cpu_gelu_erf_fast(vo_backend *be, vo_tensor *out, const vo_tensor *x)
{
    row_job j = {.op = ROW_GELU_ERF, .out = out, .x = x};
    run_rows((cpu_backend *)be, &j, vo_nrows(x), x->ne[0]);
}
