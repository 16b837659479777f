/* ops_ref.c: the scalar reference of every CPU op, written for reading; the
 * fast versions are tested against these (tests/backend). */
#include "src/backend/cpu/cpu_internal.h"

#include "src/util/alloc.h"

#include <float.h>
#include <math.h>

/* --- type conversion --- */

float cpu_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    float f;
    if (exp == 0)                       /* zero or subnormal: man · 2^-24 */
        f = ldexpf((float)man, -24);
    else if (exp == 31)
        f = man ? NAN : INFINITY;
    else
        f = ldexpf((float)(man | 0x400), (int)exp - 25);
    uint32_t u;
    memcpy(&u, &f, 4);
    u |= sign;
    memcpy(&f, &u, 4);
    return f;
}

uint16_t cpu_f32_to_bf16(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffff) > 0x7f800000)
        return (uint16_t)((u >> 16) | 0x40);            /* quiet NaN */
    u += 0x7fff + ((u >> 16) & 1);                      /* round to nearest even */
    return (uint16_t)(u >> 16);
}

uint16_t cpu_f32_to_f16(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000);
    float a = fabsf(f);
    if (isnan(f))
        return sign | 0x7e00;
    if (a >= 65520.0f)
        return sign | 0x7c00;
    if (a < 6.103515625e-05f) {                         /* subnormal: units of 2^-24 */
        float m = nearbyintf(a * 16777216.0f);
        return sign | (uint16_t)m;
    }
    int e;
    float m = frexpf(a, &e);                            /* a = m·2^e, m in [0.5,1) */
    float q = nearbyintf(m * 2048.0f);                  /* 11 significant bits */
    if (q >= 2048.0f) { q /= 2; e++; }
    return sign | (uint16_t)(((e + 14) << 10) | ((uint32_t)q & 0x3ff));
}

void cpu_row_to_f32(float *dst, const void *row, vo_type type, int64_t n)
{
    if (type == VO_F32)
        memcpy(dst, row, (size_t)n * 4);
    else if (type == VO_BF16 && cpu_have_avx2())
        cpu_avx2_bf16_to_f32(dst, row, n);
    else if (!cpu_avx2_quant_to_f32(dst, row, type, n))
        for (int64_t i = 0; i < n; i++)
            dst[i] = cpu_get_f(row, type, i);
}

/* --- ops --- */

/* q4 weights, at most CPU_QX_ROWS x rows: each x row quantized to q8
 * blocks, the int8 products of a block summed exactly (cpu_internal.h) */
static void matmul_qx_ref(vo_backend *be, vo_tensor *out, const vo_tensor *w,
                          const vo_tensor *x, const vo_tensor *bias)
{
    int64_t K = w->ne[0], N = w->ne[1], M = vo_nrows(x);
    char *xq = vo_malloc(cpu_qx_stride(K));
    if (!xq)
        return vo_backend_error(be, VO_ERR_NOMEM, "matmul %s: out of memory", out->name);
    const float *dx = cpu_qx_d(xq, K);
    for (int64_t m = 0; m < M; m++) {
        cpu_qx_row(xq, (const float *)cpu_row(x, m), K);
        float *o = (float *)cpu_row(out, m);
        for (int64_t n = 0; n < N; n++) {
            const char *wr = cpu_base(w) + n * w->nb[1];
            double acc = 0;
            for (int64_t b = 0; b < K / VO_Q8_BLOCK; b++)
                acc += (double)cpu_qx_wscale(wr, b) * dx[b] *
                       cpu_qx_block(wr, b, (const signed char *)xq + b * VO_Q8_BLOCK);
            if (bias)
                acc += cpu_get_f(cpu_base(bias), bias->type, n);
            o[n] = (float)acc;
        }
    }
    vo_free(xq);
}

void cpu_matmul_ref(vo_backend *be, vo_tensor *out, const vo_tensor *w, const vo_tensor *x,
                    const vo_tensor *bias)
{
    int64_t K = w->ne[0], N = w->ne[1], M = vo_nrows(x);
    if (cpu_qx_applies(w->type, M))
        return matmul_qx_ref(be, out, w, x, bias);
    for (int64_t m = 0; m < M; m++) {
        const float *xr = (const float *)cpu_row(x, m);
        float *o = (float *)cpu_row(out, m);
        for (int64_t n = 0; n < N; n++) {
            const char *wr = cpu_base(w) + n * w->nb[1];
            double acc = 0;
            for (int64_t k = 0; k < K; k++)
                acc += (double)cpu_get_f(wr, w->type, k) * xr[k];
            if (bias)
                acc += cpu_get_f(cpu_base(bias), bias->type, n);
            o[n] = (float)acc;
        }
    }
}

/* index of b's row for a's row r under broadcasting */
static const float *bcast_row(const vo_tensor *a, const vo_tensor *b, int64_t r)
{
    int64_t i1 = r % a->ne[1], i2 = (r / a->ne[1]) % a->ne[2], i3 = r / (a->ne[1] * a->ne[2]);
    if (b->ne[1] == 1) i1 = 0;
    if (b->ne[2] == 1) i2 = 0;
    if (b->ne[3] == 1) i3 = 0;
    return (const float *)(cpu_base(b) + i1 * b->nb[1] + i2 * b->nb[2] + i3 * b->nb[3]);
}

static void binary_ref(vo_tensor *out, const vo_tensor *a, const vo_tensor *b, int is_mul)
{
    int64_t n = a->ne[0];
    for (int64_t r = 0; r < vo_nrows(a); r++) {
        const float *ar = (const float *)cpu_row(a, r), *br = bcast_row(a, b, r);
        float *o = (float *)cpu_row(out, r);
        for (int64_t i = 0; i < n; i++) {
            float bv = br[b->ne[0] == 1 ? 0 : i];
            o[i] = is_mul ? ar[i] * bv : ar[i] + bv;
        }
    }
}

void cpu_add_ref(vo_backend *be, vo_tensor *out, const vo_tensor *a, const vo_tensor *b)
{
    (void)be;
    binary_ref(out, a, b, 0);
}

void cpu_mul_ref(vo_backend *be, vo_tensor *out, const vo_tensor *a, const vo_tensor *b)
{
    (void)be;
    binary_ref(out, a, b, 1);
}

double cpu_norm_sum(const float *x, int64_t n, double mean, bool squares)
{
    double s[CPU_NORM_LANES] = {0};
    int64_t whole = n / CPU_NORM_LANES * CPU_NORM_LANES;
    for (int64_t i = 0; i < whole; i += CPU_NORM_LANES)
        for (int l = 0; l < CPU_NORM_LANES; l++) {
            double d = (double)x[i + l] - mean;
            s[l] += squares ? d * d : d;
        }
    double t = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (int64_t i = whole; i < n; i++) {
        double d = (double)x[i] - mean;
        t += squares ? d * d : d;
    }
    return t;
}

void cpu_rms_norm_rows(vo_tensor *out, const vo_tensor *x, const vo_tensor *w, float eps,
                       int64_t r0, int64_t r1)
{
    int64_t n = x->ne[0];
    for (int64_t r = r0; r < r1; r++) {
        const float *xr = (const float *)cpu_row(x, r);
        float *o = (float *)cpu_row(out, r);
        double ss = cpu_norm_sum(xr, n, 0.0, true);
        float inv = (float)(1.0 / sqrt(ss / (double)n + eps));
        for (int64_t i = 0; i < n; i++)
            o[i] = xr[i] * inv * (w ? cpu_get_f(cpu_base(w), w->type, i) : 1.0f);
    }
}

void cpu_rms_norm_ref(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                      float eps)
{
    (void)be;
    cpu_rms_norm_rows(out, x, w, eps, 0, vo_nrows(x));
}

void cpu_layer_norm_rows(vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                         const vo_tensor *b, float eps, int64_t r0, int64_t r1)
{
    int64_t n = x->ne[0];
    for (int64_t r = r0; r < r1; r++) {
        const float *xr = (const float *)cpu_row(x, r);
        float *o = (float *)cpu_row(out, r);
        double mean = cpu_norm_sum(xr, n, 0.0, false) / (double)n;
        double var = cpu_norm_sum(xr, n, mean, true) / (double)n;
        double inv = 1.0 / sqrt(var + eps);
        for (int64_t i = 0; i < n; i++)
            o[i] = (float)((xr[i] - mean) * inv) * cpu_get_f(cpu_base(w), w->type, i) +
                   cpu_get_f(cpu_base(b), b->type, i);
    }
}

void cpu_layer_norm_ref(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                        const vo_tensor *b, float eps)
{
    (void)be;
    cpu_layer_norm_rows(out, x, w, b, eps, 0, vo_nrows(x));
}

void cpu_rope_ref(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *pos,
                  float theta)
{
    (void)be;
    int64_t hd = x->ne[0], half = hd / 2;
    const int32_t *p = (const int32_t *)cpu_base(pos);
    for (int64_t r = 0; r < vo_nrows(x); r++) {
        int64_t t = r / x->ne[1];
        const float *xr = (const float *)cpu_row(x, r);
        float *o = (float *)cpu_row(out, r);
        for (int64_t i = 0; i < half; i++) {
            /* MODEL.md §8: inv_freq = 1/θ^(2i/hd) and the angle in f32 */
            float inv_freq = 1.0f / powf(theta, (float)(2 * i) / (float)hd);
            float phi = (float)p[t] * inv_freq;
            float c = cosf(phi), s = sinf(phi);
            float a = xr[i], b = xr[i + half];
            o[i] = a * c - b * s;
            o[i + half] = b * c + a * s;
        }
    }
}

void cpu_attention_ref(vo_backend *be, vo_tensor *out, const vo_tensor *q,
                       const vo_attn_seq *seqs, int n_seqs, float scale, bool causal)
{
    int64_t hd = q->ne[0], nh = q->ne[1];
    for (int s = 0; s < n_seqs; s++) {
        const vo_attn_seq *S = &seqs[s];
        int64_t group = nh / S->k->ne[1];
        double *p = vo_malloc(sizeof *p * (size_t)S->n_kv);
        if (!p)
            return vo_backend_error(be, VO_ERR_NOMEM, "attention: out of memory");
        for (int64_t i = 0; i < S->n_q; i++) {
            int64_t t = S->q_start + i;
            int64_t n_see = causal ? S->n_kv - S->n_q + i + 1 : S->n_kv;
            for (int64_t h = 0; h < nh; h++) {
                const float *qr = (const float *)(cpu_base(q) + h * q->nb[1] + t * q->nb[2]);
                int64_t kh = h / group;
                double mx = -INFINITY, sum = 0;
                for (int64_t j = 0; j < n_see; j++) {
                    const char *kr = cpu_base(S->k) + kh * S->k->nb[1] + cpu_kv_row(S, S->k, j);
                    double d = 0;
                    for (int64_t c = 0; c < hd; c++)
                        d += (double)qr[c] * cpu_get_f(kr, S->k->type, c);
                    p[j] = d * scale;
                    if (p[j] > mx) mx = p[j];
                }
                for (int64_t j = 0; j < n_see; j++) {
                    p[j] = exp(p[j] - mx);
                    sum += p[j];
                }
                float *o = (float *)(cpu_base(out) + h * out->nb[1] + t * out->nb[2]);
                for (int64_t c = 0; c < hd; c++) {
                    double acc = 0;
                    for (int64_t j = 0; j < n_see; j++)
                        acc += p[j] * cpu_get_f(cpu_base(S->v) + kh * S->v->nb[1] +
                                                cpu_kv_row(S, S->v, j), S->v->type, c);
                    o[c] = (float)(acc / sum);
                }
            }
        }
        vo_free(p);
    }
}

#define ELEMENTWISE(name, expr) \
void name##_rows(vo_tensor *out, const vo_tensor *x, int64_t r0, int64_t r1) \
{ \
    for (int64_t r = r0; r < r1; r++) { \
        const float *xr = (const float *)cpu_row(x, r); \
        float *o = (float *)cpu_row(out, r); \
        for (int64_t i = 0; i < x->ne[0]; i++) { \
            float v = xr[i]; \
            o[i] = (expr); \
        } \
    } \
} \
void name##_ref(vo_backend *be, vo_tensor *out, const vo_tensor *x) \
{ \
    (void)be; \
    name##_rows(out, x, 0, vo_nrows(x)); \
}
/* SigLIP MLP (MODEL.md §4) and the projector (§5) */
ELEMENTWISE(cpu_gelu_tanh,
            0.5f * v * (1.0f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v))))
ELEMENTWISE(cpu_gelu_erf, 0.5f * v * (1.0f + erff(v * 0.7071067811865476f)))

void cpu_silu_mul_rows(vo_tensor *out, const vo_tensor *gate, const vo_tensor *up, int64_t r0,
                       int64_t r1)
{
    for (int64_t r = r0; r < r1; r++) {
        const float *g = (const float *)cpu_row(gate, r), *u = (const float *)cpu_row(up, r);
        float *o = (float *)cpu_row(out, r);
        for (int64_t i = 0; i < gate->ne[0]; i++)
            o[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
    }
}

void cpu_silu_mul_ref(vo_backend *be, vo_tensor *out, const vo_tensor *gate,
                      const vo_tensor *up)
{
    (void)be;
    cpu_silu_mul_rows(out, gate, up, 0, vo_nrows(gate));
}

void cpu_softmax_ref(vo_backend *be, vo_tensor *out, const vo_tensor *x)
{
    (void)be;
    for (int64_t r = 0; r < vo_nrows(x); r++) {
        const float *xr = (const float *)cpu_row(x, r);
        float *o = (float *)cpu_row(out, r);
        float mx = -INFINITY;
        for (int64_t i = 0; i < x->ne[0]; i++)
            mx = xr[i] > mx ? xr[i] : mx;
        double sum = 0;
        for (int64_t i = 0; i < x->ne[0]; i++) {
            o[i] = expf(xr[i] - mx);
            sum += o[i];
        }
        for (int64_t i = 0; i < x->ne[0]; i++)
            o[i] = (float)(o[i] / sum);
    }
}

void cpu_get_rows_ref(vo_backend *be, vo_tensor *out, const vo_tensor *table,
                      const vo_tensor *ids)
{
    const int32_t *id = (const int32_t *)cpu_base(ids);
    for (int64_t r = 0; r < vo_nrows(out); r++) {
        if (id[r] < 0 || id[r] >= table->ne[1])
            return vo_backend_error(be, VO_ERR_ARGUMENT, "get_rows %s: id %d outside [0, %lld)",
                                    table->name, id[r], (long long)table->ne[1]);
        cpu_row_to_f32((float *)cpu_row(out, r), cpu_base(table) + id[r] * table->nb[1],
                       table->type, table->ne[0]);
    }
}

void cpu_copy_ref(vo_backend *be, vo_tensor *out, const vo_tensor *x)
{
    (void)be;
    for (int64_t r = 0; r < vo_nrows(out); r++) {
        const float *xr = bcast_row(out, x, r);
        char *o = cpu_row(out, r);
        if (out->type == VO_Q8ROW) {
            vo_quantize_q8row(o, xr, x->ne[0]);
            continue;
        }
        for (int64_t i = 0; i < x->ne[0]; i++) {
            if (out->type == VO_F32)
                ((float *)o)[i] = xr[i];
            else if (out->type == VO_BF16)
                ((uint16_t *)o)[i] = cpu_f32_to_bf16(xr[i]);
            else
                ((uint16_t *)o)[i] = cpu_f32_to_f16(xr[i]);
        }
    }
}

void cpu_patch_embed_ref(vo_backend *be, vo_tensor *out, const vo_tensor *img,
                         const vo_tensor *w, const vo_tensor *bias, int patch)
{
    (void)be;
    int64_t g = img->ne[0] / patch, C = img->ne[2], D = w->ne[1];
    for (int64_t n = 0; n < img->ne[3]; n++)
        for (int64_t py = 0; py < g; py++)
            for (int64_t px = 0; px < g; px++) {
                float *o = (float *)(cpu_base(out) + (py * g + px) * out->nb[1] + n * out->nb[2]);
                for (int64_t d = 0; d < D; d++) {
                    const char *wr = cpu_base(w) + d * w->nb[1];
                    double acc = bias ? cpu_get_f(cpu_base(bias), bias->type, d) : 0.0;
                    int64_t k = 0;
                    /* weight order (channel, row-in-patch, col-in-patch), MODEL.md §4 */
                    for (int64_t c = 0; c < C; c++)
                        for (int64_t ky = 0; ky < patch; ky++) {
                            const float *ir = (const float *)(cpu_base(img) +
                                (py * patch + ky) * img->nb[1] + c * img->nb[2] + n * img->nb[3]);
                            for (int64_t kx = 0; kx < patch; kx++, k++)
                                acc += (double)cpu_get_f(wr, w->type, k) * ir[px * patch + kx];
                        }
                    o[d] = (float)acc;
                }
            }
}

/* PyTorch area_pixel_compute_source_index for align_corners=false, linear */
static void bilinear_coord(int64_t i, int64_t in, int64_t out, int64_t *i0, int64_t *i1,
                           float *l)
{
    float scale = (float)in / (float)out;
    float src = scale * ((float)i + 0.5f) - 0.5f;
    if (src < 0)
        src = 0;
    *i0 = (int64_t)src;
    if (*i0 > in - 1)
        *i0 = in - 1;
    *i1 = *i0 < in - 1 ? *i0 + 1 : *i0;
    *l = src - (float)*i0;
}

void cpu_resize_bilinear_ref(vo_backend *be, vo_tensor *out, const vo_tensor *in)
{
    (void)be;
    int64_t C = in->ne[0], W = in->ne[1], H = in->ne[2], W2 = out->ne[1], H2 = out->ne[2];
    for (int64_t y = 0; y < H2; y++) {
        int64_t y0, y1;
        float ly;
        bilinear_coord(y, H, H2, &y0, &y1, &ly);
        for (int64_t x = 0; x < W2; x++) {
            int64_t x0, x1;
            float lx;
            bilinear_coord(x, W, W2, &x0, &x1, &lx);
#define AT(yy, xx) ((const float *)(cpu_base(in) + (xx) * in->nb[1] + (yy) * in->nb[2]))
            const float *a = AT(y0, x0), *b = AT(y0, x1), *c = AT(y1, x0), *d = AT(y1, x1);
#undef AT
            float *o = (float *)(cpu_base(out) + x * out->nb[1] + y * out->nb[2]);
            for (int64_t ch = 0; ch < C; ch++)
                o[ch] = (1 - ly) * ((1 - lx) * a[ch] + lx * b[ch]) +
                        ly * ((1 - lx) * c[ch] + lx * d[ch]);
        }
    }
}

void cpu_argmax_logprob_ref(vo_backend *be, const vo_tensor *logits, int32_t *ids,
                            float *logprob)
{
    (void)be;
    for (int64_t r = 0; r < vo_nrows(logits); r++) {
        const float *l = (const float *)cpu_row(logits, r);
        int64_t best = 0;
        for (int64_t i = 1; i < logits->ne[0]; i++)
            if (l[i] > l[best])          /* strict: lowest id wins ties */
                best = i;
        ids[r] = (int32_t)best;
        if (logprob) {
            double sum = 0;
            for (int64_t i = 0; i < logits->ne[0]; i++)
                sum += exp((double)l[i] - l[best]);
            logprob[r] = (float)-log(sum);
        }
    }
}
