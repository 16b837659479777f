/* opencl-ops.c: every op on the OpenCL backend (PoCL in CI) against the CPU
 * backend's scalar _ref ops on odd shapes, plus start-up, cache and errors. */
#include "src/backend/backend.h"
#include "src/backend/cpu/cpu.h"
#include "src/backend/opencl.h"
#include "src/backend/opencl_kernels.h"
#include "src/util/alloc.h"
#include "src/util/clock.h"
#include "tests/tap.h"

#include <dirent.h>
#include <stdlib.h>
#include <math.h>
#include <stdint.h>
#include <unistd.h>

static vo_ctx *ctx;
static vo_backend *cpu, *gpu;
static uint32_t rng = 20240917;

static float
frand(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) & 0xffff) / 32768.0f - 1.0f;
}

/* --- the same tensor on both backends --- */

typedef struct pair { vo_tensor *c, *g; } pair;

static void
fill(void *dst, vo_type type, int64_t n, float scale)
{
    for (int64_t i = 0; i < n; i++) {
        float v = frand() * scale;
        uint32_t u;
        memcpy(&u, &v, 4);
        if (type == VO_F32 || type == VO_I32)
            ((float *)dst)[i] = v;
        else if (type == VO_BF16)
            ((uint16_t *)dst)[i] = (uint16_t)(u >> 16);
        else    /* f16: random sign, exponent 2^-5 .. 2^1, mantissa */
            ((uint16_t *)dst)[i] = (uint16_t)(((rng >> 9) & 1) << 15 | (10 + (rng >> 11) % 7)
                                              << 10 | (rng >> 16) % 0x400);
    }
}

static pair
pair_from(vo_type type, const void *data, int64_t a, int64_t b, int64_t c, int64_t d,
          const char *name)
{
    pair p = {vo_tensor_new(cpu, type, a, b, c, d, name), vo_tensor_new(gpu, type, a, b, c, d,
                                                                        name)};
    size_t bytes = vo_row_size(type, a) * (size_t)(b * c * d);
    if (p.c)
        vo_tensor_set(cpu, p.c, data, bytes);
    if (p.g)
        vo_tensor_set(gpu, p.g, data, bytes);
    return p;
}

static pair
pair_new(vo_type type, int64_t a, int64_t b, int64_t c, int64_t d, const char *name, float scale)
{
    size_t n = (size_t)(a * b * c * d);
    void *h = vo_malloc(n * 4);
    fill(h, type, (int64_t)n, scale);
    pair p = pair_from(type, h, a, b, c, d, name);
    vo_free(h);
    return p;
}

static void
pair_free(pair p)
{
    vo_tensor_free(cpu, p.c);
    vo_tensor_free(gpu, p.g);
}

static pair
pair_view(pair p, int64_t ne0, int64_t ne1, int64_t ne2, int64_t ne3, size_t nb1, size_t nb2,
          size_t nb3, size_t off, vo_tensor *vc, vo_tensor *vg)
{
    *vc = vo_view(p.c, ne0, ne1, ne2, ne3, nb1, nb2, nb3, off);
    *vg = vo_view(p.g, ne0, ne1, ne2, ne3, nb1, nb2, nb3, off);
    return (pair){vc, vg};
}

/* max |g − c| / (1 + |c|) over the whole f32 tensors; INFINITY on errors */
static double
pair_err(pair p)
{
    vo_status sg = vo_backend_sync(gpu, ctx), sc = vo_backend_sync(cpu, ctx);
    if (sg != VO_OK || sc != VO_OK) {
        diag("backend error: %s", vo_last_error(ctx));
        vo_backend_clear_error(gpu);
        vo_backend_clear_error(cpu);
        return INFINITY;
    }
    size_t n = (size_t)vo_nelements(p.c);
    float *a = vo_malloc(n * 4), *b = vo_malloc(n * 4);
    vo_tensor_get(cpu, p.c, a, n * 4);
    vo_tensor_get(gpu, p.g, b, n * 4);
    double m = vo_backend_sync(gpu, ctx) == VO_OK ? 0 : INFINITY;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)b[i] - a[i]) / (1.0 + fabs((double)a[i]));
        if (!(d <= m))
            m = isnan(d) ? INFINITY : d;
    }
    vo_free(a);
    vo_free(b);
    return m;
}

/* --- 2: matmul --- */

static void
test_matmul(int path)
{
    static const vo_type types[] = {VO_F32, VO_BF16, VO_F16};
    /* K, N, M: on the GPU path M <= 8 runs the vec kernel, up to 64 the
     * skinny one (K tails past the 8-wide loads, several passes of 8 rows),
     * larger M the tiled one */
    static const int64_t shapes[][3] = {
        {37, 13, 1}, {129, 67, 50}, {8, 4, 3}, {300, 257, 7}, {301, 45, 33}, {1000, 70, 9},
        {130, 70, 65}, {2050, 37, 64},
    };
    int n = 0;
    for (int t = 0; t < 3; t++)
        for (int s = 0; s < 8; s++) {
            int64_t K = shapes[s][0], N = shapes[s][1], M = shapes[s][2];
            pair w = pair_new(types[t], K, N, 1, 1, "w", 1), x = pair_new(VO_F32, K, M, 1, 1, "x", 1);
            pair b = pair_new(s & 1 ? VO_BF16 : VO_F32, N, 1, 1, 1, "b", 1);
            pair o = pair_new(VO_F32, N, M, 1, 1, "o", 1);
            vo_matmul(cpu, o.c, w.c, x.c, s % 3 ? b.c : NULL);
            vo_matmul(gpu, o.g, w.g, x.g, s % 3 ? b.g : NULL);
            double e = pair_err(o);
            ok(e < 2e-4, "opencl 2.%d: matmul (%s path) %s K%lld N%lld M%lld%s (err %.2g)",
               path * 30 + ++n, path ? "cpu-driver" : "gpu", vo_type_name(types[t]), (long long)K, (long long)N, (long long)M,
               s % 3 ? " + bias" : "", e);
            pair_free(w); pair_free(x); pair_free(b); pair_free(o);
        }
    /* strided x and out rows: every other row of 3-D tensors */
    for (int m = 0; m < 2; m++) {
        int64_t M = m ? 12 : 3;
        pair w = pair_new(VO_BF16, 33, 9, 1, 1, "w", 1), x = pair_new(VO_F32, 33, 2 * M, 2, 1, "x", 1);
        pair o = pair_new(VO_F32, 9, 2 * M, 2, 1, "o", 1);
        vo_tensor xc, xg, oc, og;
        pair xv = pair_view(x, 33, M, 2, 1, 2 * x.c->nb[1], x.c->nb[2], 0, x.c->nb[1], &xc, &xg);
        pair ov = pair_view(o, 9, M, 2, 1, 2 * o.c->nb[1], o.c->nb[2], 0, 0, &oc, &og);
        vo_matmul(cpu, ov.c, w.c, xv.c, NULL);
        vo_matmul(gpu, ov.g, w.g, xv.g, NULL);
        double e = pair_err(o);
        ok(e < 2e-4, "opencl 2.%d: matmul (%s path) over strided 3-D views, M %lld (err %.2g)",
           path * 30 + ++n, path ? "cpu-driver" : "gpu", (long long)(2 * M), e);
        pair_free(w); pair_free(x); pair_free(o);
    }
}

/* --- 11: q8 and q4 weights (blocks of 32 dequantized as read) against the
 * blocks' values multiplied in double --- */

/* value j of a q8/q4 row of K values at row (src/backend/backend.h) */
static double
quant_value(vo_type t, const unsigned char *row, int64_t j)
{
    const unsigned char *b = row + (j / 32) * (t == VO_Q8 ? 36 : 20);
    float d;
    memcpy(&d, b, 4);
    int k = (int)(j % 32);
    if (t == VO_Q8)
        return (double)d * (signed char)b[4 + k];
    int q = k < 16 ? b[4 + k] & 15 : b[4 + k - 16] >> 4;
    return (double)d * (q - 8);
}

static void
test_matmul_quant(int path)
{
    static const vo_type types[] = {VO_Q8, VO_Q4};
    /* K a multiple of 32; M as in test 2: the vec, skinny and tiled kernels */
    static const int64_t shapes[][3] = {
        {32, 13, 1}, {128, 67, 50}, {64, 4, 3}, {320, 257, 7}, {288, 45, 33}, {1024, 70, 9},
        {160, 70, 65}, {2048, 37, 64},
    };
    int n = 0;
    for (int t = 0; t < 2; t++)
        for (int s = 0; s < 8; s++) {
            int64_t K = shapes[s][0], N = shapes[s][1], M = shapes[s][2];
            size_t row = vo_row_size(types[t], K);
            float *wf = vo_malloc((size_t)(K * N) * 4), *xf = vo_malloc((size_t)(K * M) * 4);
            float *bf = vo_malloc((size_t)N * 4), *of = vo_malloc((size_t)(N * M) * 4);
            unsigned char *wq = vo_malloc(row * (size_t)N);
            fill(wf, VO_F32, K * N, 1);
            fill(xf, VO_F32, K * M, 1);
            fill(bf, VO_F32, N, 1);
            for (int64_t r = 0; r < N; r++)
                (types[t] == VO_Q8 ? vo_quantize_q8 : vo_quantize_q4)(wq + (size_t)r * row,
                                                                     wf + r * K, VO_F32, K);
            vo_tensor *w = vo_tensor_new(gpu, types[t], K, N, 1, 1, "wq");
            vo_tensor *x = vo_tensor_new(gpu, VO_F32, K, M, 1, 1, "x");
            vo_tensor *b = vo_tensor_new(gpu, VO_F32, N, 1, 1, 1, "b");
            vo_tensor *o = vo_tensor_new(gpu, VO_F32, N, M, 1, 1, "o");
            vo_tensor_set(gpu, w, wq, row * (size_t)N);
            vo_tensor_set(gpu, x, xf, (size_t)(K * M) * 4);
            vo_tensor_set(gpu, b, bf, (size_t)N * 4);
            vo_matmul(gpu, o, w, x, s % 3 ? b : NULL);
            vo_tensor_get(gpu, o, of, (size_t)(N * M) * 4);
            double e = INFINITY;
            if (vo_backend_sync(gpu, ctx) == VO_OK) {
                e = 0;
                for (int64_t m = 0; m < M; m++)
                    for (int64_t c = 0; c < N; c++) {
                        double ref = s % 3 ? bf[c] : 0;
                        for (int64_t k = 0; k < K; k++)
                            ref += quant_value(types[t], wq + (size_t)c * row, k) * xf[m * K + k];
                        double d = fabs(of[m * N + c] - ref) / (1.0 + fabs(ref));
                        if (!(d <= e))
                            e = isnan(d) ? INFINITY : d;
                    }
            } else {
                diag("backend error: %s", vo_last_error(ctx));
                vo_backend_clear_error(gpu);
            }
            ok(e < 2e-4, "opencl 11.%d: matmul (%s path) %s K%lld N%lld M%lld%s (err %.2g)",
               path * 20 + ++n, path ? "cpu-driver" : "gpu", vo_type_name(types[t]),
               (long long)K, (long long)N, (long long)M, s % 3 ? " + bias" : "", e);
            vo_tensor_free(gpu, w);
            vo_tensor_free(gpu, x);
            vo_tensor_free(gpu, b);
            vo_tensor_free(gpu, o);
            vo_free(wf); vo_free(xf); vo_free(bf); vo_free(of); vo_free(wq);
        }
}

/* --- 13: matmul_add (out += x·wᵀ + bias, the residual): OpenCL's one
 * pass gives the bits of its matmul then add, and the CPU's within rounding;
 * every kernel kind (M) and weight type --- */

static void
test_matmul_add(int path)
{
    static const vo_type types[] = {VO_BF16, VO_F32, VO_Q8};
    static const int64_t shapes[][3] = {{64, 13, 1}, {96, 67, 50}, {320, 45, 9}, {160, 70, 65}};
    int n = 0;
    for (int t = 0; t < 3; t++)
        for (int s = 0; s < 4; s++) {
            int64_t K = shapes[s][0], N = shapes[s][1], M = shapes[s][2];
            size_t row = vo_row_size(types[t], K), obytes = (size_t)(N * M) * 4;
            float *wf = vo_malloc((size_t)(K * N) * 4);
            unsigned char *wb = vo_malloc(row * (size_t)N);
            fill(wf, types[t] == VO_Q8 ? VO_F32 : types[t], K * N, 1);
            if (types[t] == VO_Q8)
                vo_quantize_q8(wb, wf, VO_F32, K * N);
            else
                memcpy(wb, wf, row * (size_t)N);
            pair w = pair_from(types[t], wb, K, N, 1, 1, "w");
            pair x = pair_new(VO_F32, K, M, 1, 1, "x", 1), o = pair_new(VO_F32, N, M, 1, 1, "o", 2);
            pair b = pair_new(VO_F32, N, 1, 1, 1, "b", 1), h = pair_new(VO_F32, N, M, 1, 1, "h", 1);
            vo_tensor *two = vo_tensor_new(gpu, VO_F32, N, M, 1, 1, "two");
            float *a = vo_malloc(obytes), *c = vo_malloc(obytes);
            vo_tensor_get(gpu, o.g, a, obytes);
            vo_tensor_set(gpu, two, a, obytes);
            const vo_tensor *bc = s & 1 ? b.c : NULL, *bg = s & 1 ? b.g : NULL;
            vo_matmul_add(cpu, o.c, w.c, x.c, bc, h.c);
            vo_matmul_add(gpu, o.g, w.g, x.g, bg, h.g);
            vo_matmul(gpu, h.g, w.g, x.g, bg);
            vo_add(gpu, two, two, h.g);
            vo_tensor_get(gpu, o.g, a, obytes);
            vo_tensor_get(gpu, two, c, obytes);
            double e = pair_err(o);
            bool same = vo_backend_sync(gpu, ctx) == VO_OK && memcmp(a, c, obytes) == 0;
            ok(e < 2e-4 && same, "opencl 13.%d: matmul_add (%s path) %s K%lld N%lld M%lld%s: the "
               "matmul and add's bits, the CPU's within %.2g", path * 20 + ++n,
               path ? "cpu-driver" : "gpu", vo_type_name(types[t]), (long long)K, (long long)N,
               (long long)M, s & 1 ? " + bias" : "", e);
            vo_free(a); vo_free(c); vo_free(wf); vo_free(wb);
            vo_tensor_free(gpu, two);
            pair_free(w); pair_free(x); pair_free(o); pair_free(b); pair_free(h);
        }
}

/* --- 3: elementwise and row ops --- */

static void
test_binary(void)
{
    static const int64_t bshape[][4] = {{11, 5, 3, 2}, {11, 1, 1, 1}, {1, 5, 1, 2}, {1, 1, 1, 1},
                                        {11, 5, 1, 1}};
    int n = 0;
    for (int op = 0; op < 2; op++)
        for (int s = 0; s < 5; s++) {
            pair a = pair_new(VO_F32, 11, 5, 3, 2, "a", 1);
            pair b = pair_new(VO_F32, bshape[s][0], bshape[s][1], bshape[s][2], bshape[s][3], "b", 1);
            /* out aliases a on odd cases */
            pair o = s & 1 ? a : pair_new(VO_F32, 11, 5, 3, 2, "o", 1);
            (op ? vo_mul : vo_add)(cpu, o.c, a.c, b.c);
            (op ? vo_mul : vo_add)(gpu, o.g, a.g, b.g);
            double e = pair_err(o);
            ok(e < 1e-6, "opencl 3.%d: %s, b [%lld,%lld,%lld,%lld]%s (err %.2g)", ++n,
               op ? "mul" : "add", (long long)bshape[s][0], (long long)bshape[s][1],
               (long long)bshape[s][2], (long long)bshape[s][3], s & 1 ? ", in place" : "", e);
            if (!(s & 1))
                pair_free(o);
            pair_free(a); pair_free(b);
        }
}

static void
test_norms(void)
{
    int n = 0;
    static const vo_type wt[] = {VO_F32, VO_BF16, VO_F16};
    for (int t = 0; t < 4; t++) {
        int64_t D = t == 3 ? 2048 : 37 + 60 * t;
        pair x = pair_new(VO_F32, D, 7, 2, 1, "x", 3), w = pair_new(t < 3 ? wt[t] : VO_F32, D, 1, 1, 1, "w", 1);
        pair o = pair_new(VO_F32, D, 7, 2, 1, "o", 1);
        vo_rms_norm(cpu, o.c, x.c, t == 2 ? NULL : w.c, 1e-6f);
        vo_rms_norm(gpu, o.g, x.g, t == 2 ? NULL : w.g, 1e-6f);
        double e = pair_err(o);
        ok(e < 1e-5, "opencl 4.%d: rms_norm D%lld %s (err %.2g)", ++n, (long long)D,
           t == 2 ? "without weight" : vo_type_name(w.c->type), e);
        pair_free(x); pair_free(w); pair_free(o);
    }
    /* in place over a strided view (every other row) */
    {
        pair x = pair_new(VO_F32, 64, 10, 1, 1, "x", 2), w = pair_new(VO_BF16, 64, 1, 1, 1, "w", 1);
        vo_tensor xc, xg;
        pair v = pair_view(x, 64, 5, 1, 1, 2 * x.c->nb[1], 0, 0, 0, &xc, &xg);
        vo_rms_norm(cpu, v.c, v.c, w.c, 1e-5f);
        vo_rms_norm(gpu, v.g, v.g, w.g, 1e-5f);
        double e = pair_err(x);
        ok(e < 1e-5, "opencl 4.%d: rms_norm in place on a strided view (err %.2g)", ++n, e);
        pair_free(x); pair_free(w);
    }
    for (int t = 0; t < 3; t++) {
        int64_t D = t == 2 ? 1152 : 45 + 100 * t;
        pair x = pair_new(VO_F32, D, 6, 1, 1, "x", 2), o = pair_new(VO_F32, D, 6, 1, 1, "o", 1);
        pair w = pair_new(wt[t], D, 1, 1, 1, "w", 1), b = pair_new(wt[(t + 1) % 3], D, 1, 1, 1, "b", 1);
        vo_layer_norm(cpu, o.c, x.c, w.c, b.c, 1e-6f);
        vo_layer_norm(gpu, o.g, x.g, w.g, b.g, 1e-6f);
        double e = pair_err(o);
        ok(e < 1e-5, "opencl 4.%d: layer_norm D%lld w %s b %s (err %.2g)", ++n, (long long)D,
           vo_type_name(wt[t]), vo_type_name(wt[(t + 1) % 3]), e);
        pair_free(x); pair_free(o); pair_free(w); pair_free(b);
    }
}

static void
test_unary(void)
{
    int n = 0;
    for (int op = 0; op < 4; op++) {
        static const char *names[] = {"gelu_tanh", "gelu_erf", "softmax", "silu_mul"};
        int64_t D = op == 2 ? 1001 : 77;
        pair x = pair_new(VO_F32, D, 5, 3, 1, "x", 6), u = pair_new(VO_F32, D, 5, 3, 1, "u", 2);
        pair o = pair_new(VO_F32, D, 5, 3, 1, "o", 1);
        for (int be = 0; be < 2; be++) {
            vo_backend *B = be ? gpu : cpu;
            vo_tensor *X = be ? x.g : x.c, *O = be ? o.g : o.c, *U = be ? u.g : u.c;
            if (op == 0) vo_gelu_tanh(B, O, X);
            if (op == 1) vo_gelu_erf(B, O, X);
            if (op == 2) vo_softmax(B, O, X);
            if (op == 3) vo_silu_mul(B, O, X, U);
        }
        double e = pair_err(o);
        ok(e < 1e-5, "opencl 5.%d: %s [%lld,5,3] (err %.2g)", ++n, names[op], (long long)D, e);
        /* in place */
        for (int be = 0; be < 2; be++) {
            vo_backend *B = be ? gpu : cpu;
            vo_tensor *X = be ? x.g : x.c, *U = be ? u.g : u.c;
            if (op == 0) vo_gelu_tanh(B, X, X);
            if (op == 1) vo_gelu_erf(B, X, X);
            if (op == 2) vo_softmax(B, X, X);
            if (op == 3) vo_silu_mul(B, X, X, U);
        }
        e = pair_err(x);
        ok(e < 1e-5, "opencl 5.%d: %s in place (err %.2g)", ++n, names[op], e);
        pair_free(x); pair_free(u); pair_free(o);
    }
}

static void
test_rope(void)
{
    int n = 0;
    static const int64_t shapes[][3] = {{10, 3, 7}, {128, 16, 5}, {72, 2, 3}};
    for (int s = 0; s < 3; s++) {
        int64_t hd = shapes[s][0], nh = shapes[s][1], T = shapes[s][2];
        int32_t pos[8];
        for (int t = 0; t < T; t++)
            pos[t] = t == 0 ? 0 : (int32_t)(rng % 7000);
        pair p = pair_from(VO_I32, pos, T, 1, 1, 1, "pos");
        pair x = pair_new(VO_F32, hd, nh, T, 1, "x", 2), o = pair_new(VO_F32, hd, nh, T, 1, "o", 1);
        float theta = s == 1 ? 1000000.0f : 10000.0f;
        vo_rope(cpu, o.c, x.c, p.c, theta);
        vo_rope(gpu, o.g, x.g, p.g, theta);
        double e = pair_err(o);
        ok(e < 1e-5, "opencl 6.%d: rope hd%lld heads%lld T%lld theta %g (err %.2g)", ++n,
           (long long)hd, (long long)nh, (long long)T, theta, e);
        vo_rope(cpu, x.c, x.c, p.c, theta);
        vo_rope(gpu, x.g, x.g, p.g, theta);
        e = pair_err(x);
        ok(e < 1e-5, "opencl 6.%d: rope in place (err %.2g)", ++n, e);
        pair_free(p); pair_free(x); pair_free(o);
    }
}

/* --- 12: rms_norm then rope in one op: the OpenCL kernel gives the two
 * OpenCL ops' values bit for bit, and the CPU's within rounding --- */

static void
test_rms_norm_rope(void)
{
    int n = 0;
    static const int64_t shapes[][3] = {{10, 3, 7}, {128, 16, 5}, {72, 2, 3}, {128, 8, 1}};
    for (int s = 0; s < 4; s++)
        for (int wt = 0; wt < 3; wt++) {    /* bf16, f32 or no weight */
            int64_t hd = shapes[s][0], nh = shapes[s][1], T = shapes[s][2];
            int32_t pos[8];
            for (int t = 0; t < T; t++)
                pos[t] = (int32_t)(rng % 7000);
            pair p = pair_from(VO_I32, pos, T, 1, 1, 1, "pos");
            pair x = pair_new(VO_F32, hd, nh, T, 1, "x", 3);
            pair w = pair_new(wt == 0 ? VO_BF16 : VO_F32, hd, 1, 1, 1, "w", 1);
            pair o = pair_new(VO_F32, hd, nh, T, 1, "o", 1);
            vo_tensor *two = vo_tensor_new(gpu, VO_F32, hd, nh, T, 1, "two");
            const vo_tensor *wc = wt == 2 ? NULL : w.c, *wg = wt == 2 ? NULL : w.g;
            float theta = s == 1 ? 1000000.0f : 10000.0f;
            vo_rms_norm_rope(cpu, o.c, x.c, wc, 1e-6f, p.c, theta);
            vo_rms_norm_rope(gpu, o.g, x.g, wg, 1e-6f, p.g, theta);
            vo_rms_norm(gpu, two, x.g, wg, 1e-6f);
            vo_rope(gpu, two, two, p.g, theta);
            size_t bytes = (size_t)(hd * nh * T) * 4;
            float *a = vo_malloc(bytes), *b = vo_malloc(bytes);
            vo_tensor_get(gpu, o.g, a, bytes);
            vo_tensor_get(gpu, two, b, bytes);
            double e = pair_err(o);
            bool same = vo_backend_sync(gpu, ctx) == VO_OK && memcmp(a, b, bytes) == 0;
            ok(e < 1e-5 && same, "opencl 12.%d: rms_norm_rope hd%lld heads%lld T%lld, %s weight: "
               "the two ops' bits, the CPU's within %.2g", ++n, (long long)hd, (long long)nh,
               (long long)T, wt == 0 ? "bf16" : wt == 1 ? "f32" : "no", e);
            /* in place, as qwen3_forward runs it */
            vo_rms_norm_rope(cpu, x.c, x.c, wc, 1e-6f, p.c, theta);
            vo_rms_norm_rope(gpu, x.g, x.g, wg, 1e-6f, p.g, theta);
            vo_tensor_get(gpu, x.g, a, bytes);
            e = pair_err(x);
            same = vo_backend_sync(gpu, ctx) == VO_OK && memcmp(a, b, bytes) == 0;
            ok(e < 1e-5 && same, "opencl 12.%d: rms_norm_rope in place (err %.2g)", ++n, e);
            vo_free(a);
            vo_free(b);
            vo_tensor_free(gpu, two);
            pair_free(p); pair_free(x); pair_free(w); pair_free(o);
        }
    /* positions that do not match T: refused, the backend's error says so */
    pair p = pair_new(VO_I32, 2, 1, 1, 1, "pos", 1), x = pair_new(VO_F32, 8, 2, 3, 1, "x", 1);
    vo_rms_norm_rope(gpu, x.g, x.g, NULL, 1e-6f, p.g, 10000.0f);
    vo_status st = vo_backend_sync(gpu, ctx);
    ok(st != VO_OK && strstr(vo_last_error(ctx), "positions must be i32"),
       "opencl 12.%d: rms_norm_rope with 2 positions for 3 tokens refused (%s)", ++n,
       vo_last_error(ctx));
    vo_backend_clear_error(gpu);
    vo_clear_error(ctx);
    pair_free(p); pair_free(x);
}

/* --- 7: attention --- */

static void
test_attention(int path)
{
    int n = 0;
    /* {head_dim, q heads, kv heads}: GQA 3:1 small; SigLIP-like 72; Qwen3-like 128 */
    static const int64_t cfg[][3] = {{10, 6, 2}, {72, 4, 4}, {128, 4, 2}};
    static const int64_t nq[3] = {5, 1, 17}, nkv[3] = {9, 70, 17};
    for (int c = 0; c < 3; c++)
        for (int causal = 0; causal < 2; causal++) {
            int64_t hd = cfg[c][0], nh = cfg[c][1], nkh = cfg[c][2], T = 23;
            pair q = pair_new(VO_F32, hd, nh, T, 1, "q", 1), o = pair_new(VO_F32, hd, nh, T, 1, "o", 1);
            pair kv[6];
            vo_attn_seq sc[3], sg[3];
            int64_t qs = 0;
            for (int s = 0; s < 3; s++) {
                kv[2 * s] = pair_new(VO_F32, hd, nkh, nkv[s] + 3, 1, "k", 1);
                kv[2 * s + 1] = pair_new(VO_F32, hd, nkh, nkv[s] + 3, 1, "v", 1);
                sc[s] = (vo_attn_seq){qs, nq[s], kv[2 * s].c, kv[2 * s + 1].c, nkv[s], NULL, 0};
                sg[s] = (vo_attn_seq){qs, nq[s], kv[2 * s].g, kv[2 * s + 1].g, nkv[s], NULL, 0};
                qs += nq[s];
            }
            float scale = 1.0f / sqrtf((float)hd);
            vo_attention(cpu, o.c, q.c, sc, 3, scale, causal);
            vo_attention(gpu, o.g, q.g, sg, 3, scale, causal);
            double e = pair_err(o);
            ok(e < 1e-4, "opencl 7.%d: attention (%s path) hd%lld heads %lld:%lld, 3 sequences, "
               "%s (err %.2g)", path * 20 + ++n, path ? "cpu-driver" : "gpu", (long long)hd, (long long)nh, (long long)nkh,
               causal ? "causal" : "full", e);
            for (int i = 0; i < 6; i++)
                pair_free(kv[i]);
            pair_free(q); pair_free(o);
        }
    /* prefill and vision lengths: several tiles of query rows and blocks of
     * keys on the GPU path (the tiled kernel up to head_dim 128, the
     * work-group kernel past it), a sequence starting mid-tensor */
    static const int64_t lcfg[][4] = {{72, 4, 4, 0}, {128, 16, 8, 1}, {160, 2, 1, 1}};
    for (int c = 0; c < 3; c++) {
        int64_t hd = lcfg[c][0], nh = lcfg[c][1], nkh = lcfg[c][2], T = 45, rows = 41;
        bool causal = lcfg[c][3];
        pair q = pair_new(VO_F32, hd, nh, T, 1, "q", 1), o = pair_new(VO_F32, hd, nh, T, 1, "o", 1);
        pair k = pair_new(VO_F32, hd, nkh, 90, 1, "k", 1), v = pair_new(VO_F32, hd, nkh, 90, 1, "v", 1);
        vo_attn_seq sc = {3, rows, k.c, v.c, causal ? 83 : rows, NULL, 0};
        vo_attn_seq sg = {3, rows, k.g, v.g, causal ? 83 : rows, NULL, 0};
        float scale = 1.0f / sqrtf((float)hd);
        vo_attention(cpu, o.c, q.c, &sc, 1, scale, causal);
        vo_attention(gpu, o.g, q.g, &sg, 1, scale, causal);
        double e = pair_err(o);
        ok(e < 1e-4, "opencl 7.%d: attention (%s path) hd%lld heads %lld:%lld, %lld rows at "
           "%lld keys, %s (err %.2g)", path * 20 + ++n, path ? "cpu-driver" : "gpu",
           (long long)hd, (long long)nh, (long long)nkh, (long long)rows,
           (long long)sc.n_kv, causal ? "causal" : "full", e);
        pair_free(q); pair_free(o); pair_free(k); pair_free(v);
    }
    /* decode against long caches (the GPU path cuts the keys into chunks and
     * merges them): 1 row at 2,053 keys (33 chunks of 64) and 3 rows at 700,
     * Qwen3's 16:8 heads, f32, bf16 and f16 caches */
    static const vo_type kvt[3] = {VO_F32, VO_BF16, VO_F16};
    for (int t = 0; t < 3; t++)
        for (int causal = 0; causal < 2; causal++) {
            int64_t hd = 128, nh = 16, nkh = 8, lq[2] = {1, 3}, lkv[2] = {2053, 700};
            pair q = pair_new(VO_F32, hd, nh, 4, 1, "q", 1), o = pair_new(VO_F32, hd, nh, 4, 1, "o", 1);
            pair kv[4];
            vo_attn_seq sc[2], sg[2];
            for (int s = 0; s < 2; s++) {
                kv[2 * s] = pair_new(kvt[t], hd, nkh, lkv[s] + 5, 1, "k", 1);
                kv[2 * s + 1] = pair_new(kvt[t], hd, nkh, lkv[s] + 5, 1, "v", 1);
                sc[s] = (vo_attn_seq){s, lq[s], kv[2 * s].c, kv[2 * s + 1].c, lkv[s], NULL, 0};
                sg[s] = (vo_attn_seq){s, lq[s], kv[2 * s].g, kv[2 * s + 1].g, lkv[s], NULL, 0};
            }
            float scale = 1.0f / sqrtf((float)hd);
            vo_attention(cpu, o.c, q.c, sc, 2, scale, causal);
            vo_attention(gpu, o.g, q.g, sg, 2, scale, causal);
            double e = pair_err(o);
            ok(vo_backend_sync(gpu, ctx) == VO_OK && e < 1e-4,
               "opencl 7.%d: attention (%s path) decode rows at 2,053 and 700 keys, %s cache, %s "
               "(err %.2g)", path * 20 + ++n, path ? "cpu-driver" : "gpu",
               vo_type_name(kvt[t]), causal ? "causal" : "full", e);
            for (int i = 0; i < 4; i++)
                pair_free(kv[i]);
            pair_free(q); pair_free(o);
        }
    /* a paged cache: a decode row over 700 keys and a 40-row chunk over 300,
     * their keys in scattered 64-row blocks of a 20-block pool whose other
     * rows are random too; against the CPU on the same pool */
    static const int32_t tab[16] = {13, 2, 19, 7, 0, 11, 5, 16, 9, 3, 18, 6, 14, 1, 10, 4};
    for (int t = 0; t < 2; t++) {
        int64_t hd = 128, nh = 16, nkh = 8, br = 64, lq[2] = {1, 40}, lkv[2] = {700, 300};
        int64_t first[2] = {0, 11};
        pair q = pair_new(VO_F32, hd, nh, 41, 1, "q", 1), o = pair_new(VO_F32, hd, nh, 41, 1, "o", 1);
        pair pk = pair_new(kvt[t], hd, nkh, 20 * br, 1, "pool.k", 1);
        pair pv = pair_new(kvt[t], hd, nkh, 20 * br, 1, "pool.v", 1);
        pair bt = pair_from(VO_I32, tab, 16, 1, 1, 1, "blocks");
        vo_tensor bc[2], bg[2];
        vo_attn_seq sc[2], sg[2];
        for (int s = 0; s < 2; s++) {
            pair_view(bt, (lkv[s] + br - 1) / br, 1, 1, 1, 0, 0, 0,
                      sizeof(int32_t) * (size_t)first[s], &bc[s], &bg[s]);
            sc[s] = (vo_attn_seq){.q_start = s, .n_q = lq[s], .k = pk.c, .v = pv.c,
                                  .n_kv = lkv[s], .blocks = &bc[s], .block_rows = br};
            sg[s] = sc[s];
            sg[s].k = pk.g;
            sg[s].v = pv.g;
            sg[s].blocks = &bg[s];
        }
        float scale = 1.0f / sqrtf((float)hd);
        vo_attention(cpu, o.c, q.c, sc, 2, scale, true);
        vo_attention(gpu, o.g, q.g, sg, 2, scale, true);
        double e = pair_err(o);
        ok(vo_backend_sync(gpu, ctx) == VO_OK && e < 1e-4,
           "opencl 7.%d: attention (%s path) on a paged %s cache: a decode row at 700 keys and "
           "40 rows at 300 in scattered 64-row blocks (err %.2g)", path * 20 + ++n,
           path ? "cpu-driver" : "gpu", vo_type_name(kvt[t]), e);
        pair_free(q); pair_free(o); pair_free(pk); pair_free(pv); pair_free(bt);
    }
}

/* --- 8: gather, copy, patch embedding, resize, argmax --- */

static void
test_get_rows_copy(void)
{
    int n = 0;
    static const vo_type types[] = {VO_F32, VO_BF16, VO_F16};
    for (int t = 0; t < 3; t++) {
        int32_t ids[6] = {3, 0, 40, 3, 17, 40};
        pair table = pair_new(types[t], 33, 41, 1, 1, "table", 1), id = pair_from(VO_I32, ids, 6, 1, 1, 1, "ids");
        pair o = pair_new(VO_F32, 33, 3, 2, 1, "o", 1);
        vo_get_rows(cpu, o.c, table.c, id.c);
        vo_get_rows(gpu, o.g, table.g, id.g);
        double e = pair_err(o);
        ok(e == 0, "opencl 8.%d: get_rows %s (err %.2g)", ++n, vo_type_name(types[t]), e);
        pair_free(table); pair_free(id); pair_free(o);
    }
    {
        int32_t ids[3] = {1, 99, 2};
        vo_tensor *table = vo_tensor_new(gpu, VO_BF16, 8, 4, 1, 1, "table");
        vo_tensor *id = vo_tensor_new(gpu, VO_I32, 3, 1, 1, 1, "ids");
        vo_tensor *o = vo_tensor_new(gpu, VO_F32, 8, 3, 1, 1, "o");
        vo_tensor_set(gpu, id, ids, sizeof ids);
        vo_get_rows(gpu, o, table, id);
        vo_status st = vo_backend_sync(gpu, ctx);
        ok(st == VO_ERR_ARGUMENT && strstr(vo_last_error(ctx), "row 1"),
           "opencl 8.%d: get_rows with id 99 of 4 fails at sync naming the row (%s)", ++n,
           vo_last_error(ctx));
        vo_backend_clear_error(gpu);
        ok(vo_backend_sync(gpu, ctx) == VO_OK, "opencl 8.%d: the flag is cleared after", ++n);
        vo_tensor_free(gpu, table); vo_tensor_free(gpu, id); vo_tensor_free(gpu, o);
    }
    for (int t = 0; t < 3; t++) {
        pair x = pair_new(VO_F32, 19, 4, 3, 1, "x", 70000);
        pair o = pair_new(types[t], 19, 8, 3, 1, "o", 1);
        vo_tensor oc, og;
        pair ov = pair_view(o, 19, 4, 3, 1, 2 * o.c->nb[1], o.c->nb[2], 0, o.c->nb[1], &oc, &og);
        vo_copy(cpu, ov.c, x.c);
        vo_copy(gpu, ov.g, x.g);
        size_t bytes = (size_t)vo_nelements(o.c) * vo_type_size(types[t]);
        char *a = vo_malloc(bytes), *b = vo_malloc(bytes);
        vo_tensor_get(cpu, o.c, a, bytes);
        vo_tensor_get(gpu, o.g, b, bytes);
        ok(vo_backend_sync(gpu, ctx) == VO_OK && memcmp(a, b, bytes) == 0,
           "opencl 8.%d: copy f32 → %s into a strided view, bit-identical (values to ±70000)",
           ++n, vo_type_name(types[t]));
        vo_free(a); vo_free(b);
        pair_free(x); pair_free(o);
    }
    {
        /* one row of x repeated over every row of out (image_newline) */
        pair x = pair_new(VO_F32, 23, 1, 1, 1, "x", 3);
        pair o = pair_new(VO_F32, 23, 7, 3, 1, "o", 1);
        vo_copy(cpu, o.c, x.c);
        vo_copy(gpu, o.g, x.g);
        double e = pair_err(o);
        ok(vo_backend_sync(gpu, ctx) == VO_OK && e == 0,
           "opencl 8.%d: copy broadcasts a 1-row x over out's rows (err %.2g)", ++n, e);
        pair_free(x); pair_free(o);
    }
    {
        /* a bf16 KV cache grown on the device: the filled rows into a larger
         * buffer at a view's offset, the rest untouched; too many bytes refused */
        pair x = pair_new(VO_BF16, 33, 5, 1, 1, "x", 1), o = pair_new(VO_BF16, 33, 9, 1, 1, "o", 1);
        size_t bytes = 33 * 5 * 2, all = 33 * 9 * 2;
        unsigned char *hx = vo_malloc(bytes), *before = vo_malloc(all), *after = vo_malloc(all);
        vo_tensor_get(gpu, x.g, hx, bytes);
        vo_tensor_get(gpu, o.g, before, all);
        vo_tensor dst = vo_view(o.g, 33, 4, 1, 1, 0, 0, 0, 33 * 2 * 2);
        vo_tensor_copy_bytes(gpu, &dst, x.g, 33 * 4 * 2);
        vo_tensor_get(gpu, o.g, after, all);
        ok(vo_backend_sync(gpu, ctx) == VO_OK && !memcmp(after, before, 33 * 2 * 2) &&
           !memcmp(after + 33 * 2 * 2, hx, 33 * 4 * 2) &&
           !memcmp(after + 33 * 6 * 2, before + 33 * 6 * 2, 33 * 3 * 2),
           "opencl 8.%d: copy_bytes: 4 bf16 rows into rows 2..5 of a 9-row tensor on the device, "
           "rows 0-1 and 6-8 untouched", ++n);
        vo_tensor_copy_bytes(gpu, &dst, x.g, 33 * 5 * 2);
        vo_status st = vo_backend_sync(gpu, ctx);
        ok(st == VO_ERR_ARGUMENT, "opencl 8.%d: copy_bytes of 5 rows into a 4-row view refused "
           "(%s)", ++n, vo_last_error(ctx));
        vo_backend_clear_error(gpu);
        vo_free(hx); vo_free(before); vo_free(after);
        pair_free(x); pair_free(o);
    }
}

static void
test_patch_resize_argmax(void)
{
    int n = 0;
    static const vo_type types[] = {VO_F32, VO_BF16};
    for (int t = 0; t < 2; t++) {
        int S = 30, C = 3, N = 2, p = 7, g = S / p, D = 21;
        pair img = pair_new(VO_F32, S, S, C, N, "img", 1);
        pair w = pair_new(types[t], C * p * p, D, 1, 1, "w", 1), b = pair_new(VO_F32, D, 1, 1, 1, "b", 1);
        pair o = pair_new(VO_F32, D, g * g, N, 1, "o", 1);
        vo_patch_embed(cpu, o.c, img.c, w.c, t ? b.c : NULL, p);
        vo_patch_embed(gpu, o.g, img.g, w.g, t ? b.g : NULL, p);
        double e = pair_err(o);
        ok(e < 2e-4, "opencl 9.%d: patch_embed S30 C3 N2 p7 (edge cropped) w %s%s (err %.2g)",
           ++n, vo_type_name(types[t]), t ? " + bias" : "", e);
        pair_free(img); pair_free(w); pair_free(b); pair_free(o);
    }
    static const int64_t rs[][5] = {{5, 7, 6, 11, 4}, {3, 27, 27, 13, 9}, {8, 4, 4, 4, 4}};
    for (int s = 0; s < 3; s++) {
        pair in = pair_new(VO_F32, rs[s][0], rs[s][1], rs[s][2], 1, "in", 1);
        pair o = pair_new(VO_F32, rs[s][0], rs[s][3], rs[s][4], 1, "o", 1);
        vo_resize_bilinear(cpu, o.c, in.c);
        vo_resize_bilinear(gpu, o.g, in.g);
        double e = pair_err(o);
        ok(e < 1e-6, "opencl 9.%d: resize_bilinear [%lld,%lld,%lld] → [%lld,%lld] (err %.2g)",
           ++n, (long long)rs[s][0], (long long)rs[s][1], (long long)rs[s][2],
           (long long)rs[s][3], (long long)rs[s][4], e);
        pair_free(in); pair_free(o);
    }
    {
        int64_t V = 5003, R = 5;
        float *l = vo_malloc(sizeof *l * (size_t)(V * R));
        fill(l, VO_F32, V * R, 8);
        l[0 * V + 17] = l[0 * V + 4000] = 9.5f;   /* tie: the lower id wins */
        l[1 * V + V - 1] = 20.0f;
        for (int64_t i = 0; i < V; i++)
            l[2 * V + i] = -3.0f;                  /* all equal: id 0 */
        pair lg = pair_from(VO_F32, l, V, R, 1, 1, "logits");
        int32_t ic[5], ig[5];
        float pc[5], pg[5];
        vo_argmax_logprob(cpu, lg.c, ic, pc);
        vo_argmax_logprob(gpu, lg.g, ig, pg);
        vo_status st = vo_backend_sync(gpu, ctx);
        double e = 0;
        for (int r = 0; r < R; r++)
            e = fmax(e, fabs((double)pc[r] - pg[r]));
        ok(st == VO_OK && memcmp(ic, ig, sizeof ic) == 0 && e < 1e-5,
           "opencl 9.%d: argmax_logprob V%lld ×%lld, ties to the lowest id (ids %d %d %d, "
           "logprob err %.2g)", ++n, (long long)V, (long long)R, ig[0], ig[1], ig[2], e);
        vo_argmax_logprob(gpu, lg.g, ig, NULL);
        ok(vo_backend_sync(gpu, ctx) == VO_OK && memcmp(ic, ig, sizeof ic) == 0,
           "opencl 9.%d: argmax without logprob", ++n);
        pair_free(lg);
        vo_free(l);
    }
}

/* --- 1 and 10: start-up, cache, errors --- */

static void
remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    if (d)
        closedir(d);
    rmdir(dir);
}

static void
test_cache(const char *cache_dir)
{
    vo_opencl_opts o = {.cache_dir = cache_dir, .device = getenv("VO_TEST_OPENCL_DEVICE")};
    vo_backend *b = NULL;
    vo_opencl_info info = {0};
    vo_status st = vo_opencl_backend_new(ctx, &o, &b);
    bool got = st == VO_OK && vo_opencl_get_info(b, &info);
    ok(got && info.programs > 0 && info.from_cache == info.programs,
       "opencl 1.2: a second start takes all %d programs from the cache (%d did)",
       info.programs, info.from_cache);
    if (st == VO_OK)
        diag("start-up with a warm cache: %.3f s", info.startup_s);
    vo_backend_drop(b);
}

/* --- 14: the decode kernels' shapes timed at the first start (forced on
 * this device with VO_OPENCL_AUTOTUNE=1 and the GPU kernels), read from the
 * cache at the next, timed again when the entry is damaged; never with =0
 * or the CPU-driver kernels; the tuned kernels' products right --- */

/* the tune-*.txt entry of dir into path; false when there is none */
static bool
tune_entry(const char *dir, char *path, size_t cap)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    bool found = false;
    while (d && (e = readdir(d)))
        if (strncmp(e->d_name, "tune-", 5) == 0 && strstr(e->d_name, ".txt") && !found) {
            snprintf(path, cap, "%s/%s", dir, e->d_name);
            found = true;
        }
    if (d)
        closedir(d);
    return found;
}

static void
test_autotune(void)
{
    int n = 0;
    char cache[] = "/tmp/vo-opencl-tune-XXXXXX", entry[512];
    if (!mkdtemp(cache)) {
        ok(0, "opencl 14.1: cannot make a temporary folder");
        return;
    }
    vo_opencl_opts o = {.cache_dir = cache, .device = getenv("VO_TEST_OPENCL_DEVICE"),
                        .kernel_path = 1};
    vo_opencl_info first = {0}, again = {0}, info = {0};
    vo_backend *b = NULL;
    setenv("VO_OPENCL_AUTOTUNE", "1", 1);
    vo_status st = vo_opencl_backend_new(ctx, &o, &b);
    bool got = st == VO_OK && vo_opencl_get_info(b, &first);
    ok(got && strstr(first.tuning, "(measured)") && tune_entry(cache, entry, sizeof entry),
       "opencl 14.%d: first start times the decode kernels and keeps the result: %s", ++n,
       got ? first.tuning : vo_last_error(ctx));
    if (got)
        diag("start-up with the timing: %.3f s", first.startup_s);
    /* the tuned vec and skinny kernels against the CPU */
    if (got) {
        static const int64_t shapes[][3] = {{300, 257, 1}, {2050, 37, 16}, {129, 67, 40}};
        vo_backend *keep = gpu;
        gpu = b;
        for (int s = 0; s < 3; s++) {
            int64_t K = shapes[s][0], N = shapes[s][1], M = shapes[s][2];
            pair w = pair_new(VO_BF16, K, N, 1, 1, "w", 1), x = pair_new(VO_F32, K, M, 1, 1, "x", 1);
            pair out = pair_new(VO_F32, N, M, 1, 1, "o", 1);
            vo_matmul(cpu, out.c, w.c, x.c, NULL);
            vo_matmul(gpu, out.g, w.g, x.g, NULL);
            double e = pair_err(out);
            ok(e < 2e-4, "opencl 14.%d: the tuned kernels' matmul K%lld N%lld M%lld (err %.2g)",
               ++n, (long long)K, (long long)N, (long long)M, e);
            pair_free(w); pair_free(x); pair_free(out);
        }
        gpu = keep;
    }
    vo_backend_drop(b);
    b = NULL;
    st = vo_opencl_backend_new(ctx, &o, &b);
    got = st == VO_OK && vo_opencl_get_info(b, &again);
    size_t cut = strcspn(first.tuning, "(");
    ok(got && strstr(again.tuning, "(from the cache)") &&
       strncmp(again.tuning, first.tuning, cut) == 0,
       "opencl 14.%d: the next start reads it from the cache: %s", ++n,
       got ? again.tuning : vo_last_error(ctx));
    vo_backend_drop(b);
    b = NULL;
    /* a damaged entry: timed again, not trusted */
    FILE *f = fopen(entry, "r+b");
    if (f) {
        fseek(f, -6, SEEK_END);
        fputs("zz 9\n", f);
        fclose(f);
    }
    st = vo_opencl_backend_new(ctx, &o, &b);
    got = st == VO_OK && vo_opencl_get_info(b, &info);
    ok(f && got && strstr(info.tuning, "(measured)"),
       "opencl 14.%d: a damaged entry is timed again: %s", ++n, got ? info.tuning : "");
    vo_backend_drop(b);
    b = NULL;
    /* off: with =0, and for the CPU-driver kernels */
    setenv("VO_OPENCL_AUTOTUNE", "0", 1);
    st = vo_opencl_backend_new(ctx, &o, &b);
    got = st == VO_OK && vo_opencl_get_info(b, &info);
    ok(got && strstr(info.tuning, "(from the device's properties)"),
       "opencl 14.%d: VO_OPENCL_AUTOTUNE=0: %s", ++n, got ? info.tuning : "");
    vo_backend_drop(b);
    b = NULL;
    setenv("VO_OPENCL_AUTOTUNE", "1", 1);
    o.kernel_path = 2;
    st = vo_opencl_backend_new(ctx, &o, &b);
    got = st == VO_OK && vo_opencl_get_info(b, &info);
    ok(got && strstr(info.tuning, "(from the device's properties)"),
       "opencl 14.%d: the CPU-driver kernels are not timed: %s", ++n, got ? info.tuning : "");
    vo_backend_drop(b);
    unsetenv("VO_OPENCL_AUTOTUNE");
    remove_dir(cache);
}

static void
test_errors(void)
{
    vo_backend *b = NULL;
    vo_opencl_opts o = {.device = "99.0", .no_cache = true};
    vo_status st = vo_opencl_backend_new(ctx, &o, &b);
    ok(st == VO_ERR_DEVICE && !b, "opencl 10.1: device 99.0 refused (%s)", vo_last_error(ctx));
    o.device = "gpu";
    st = vo_opencl_backend_new(ctx, &o, &b);
    ok(st == VO_ERR_ARGUMENT && !b, "opencl 10.2: device string 'gpu' refused (%s)",
       vo_last_error(ctx));

    /* a kernel folder whose matmul.cl does not compile */
    char dir[] = "/tmp/vo-opencl-kernels-XXXXXX";
    if (!mkdtemp(dir)) {
        ok(0, "opencl 10.3: cannot make a temporary folder");
        return;
    }
    int n;
    const ocl_source *src = ocl_embedded_sources(&n);
    char path[256];
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, src[i].file);
        FILE *f = fopen(path, "w");
        if (!f)
            continue;
        fputs(src[i].text, f);
        if (strcmp(src[i].file, "matmul.cl") == 0)
            fputs("\nkernel void broken(global float *p) { p[0] = undefined_name; }\n", f);
        fclose(f);
    }
    o = (vo_opencl_opts){.kernel_dir = dir, .no_cache = true};
    st = vo_opencl_backend_new(ctx, &o, &b);
    const char *msg = vo_last_error(ctx);
    ok(st == VO_ERR_DEVICE && !b && strstr(msg, "matmul.cl") && strstr(msg, "build log") &&
       strstr(msg, "undefined_name"),
       "opencl 10.3: a kernel that does not build gives VO_ERR_DEVICE, the file and the log");
    if (st != VO_ERR_DEVICE)
        diag("got %d: %s", st, msg);
    remove_dir(dir);

    vo_buf list = VO_BUF_INIT;
    st = vo_opencl_list_devices(ctx, &list);
    ok(st == VO_OK && list.len > 0 && strstr(list.data, "compute units"),
       "opencl 10.4: devices listed");
    if (list.len)
        diag("devices:\n%s", list.data);
    vo_buf_free(&list);
}

/* --- 15: two streams: a chain of products queued on the side stream while
 * the main stream runs its own; each right, bit for bit what one stream
 * gives; the side stream seen done without waiting; a buffer freed on one
 * stream not handed to the other before that stream was waited for; with
 * VO_OPENCL_SIDE_STREAM=0 and on the CPU, one stream --- */

/* out = w·(w·(…(w·x))) `reps` times on the current stream of be */
static void
chain(vo_backend *be, vo_tensor *out, vo_tensor *tmp, const vo_tensor *w, const vo_tensor *x,
      int reps)
{
    vo_matmul(be, out, w, x, NULL);
    for (int r = 1; r < reps; r++) {
        vo_copy(be, tmp, out);
        vo_matmul(be, out, w, tmp, NULL);
    }
}

/* the f32 values of t on be (after waiting for the current stream) */
static float *
values(vo_backend *be, const vo_tensor *t)
{
    size_t n = (size_t)vo_nelements(t);
    float *v = vo_malloc(n * 4);
    if (v && vo_backend_sync(be, ctx) == VO_OK)
        vo_tensor_get(be, t, v, n * 4);
    if (v && vo_backend_sync(be, ctx) != VO_OK) {
        vo_free(v);
        return NULL;
    }
    return v;
}

static void
test_streams(const vo_opencl_opts *opts)
{
    int n = 0;
    vo_opencl_info info = {0};
    const char *prof = getenv("VO_OPENCL_PROFILE");
    bool want_two = !(prof && *prof && *prof != '0');
    bool have_info = vo_opencl_get_info(gpu, &info);
    ok(have_info && info.side_stream == want_two,
       "opencl 15.%d: a second queue for the side stream%s (%d)", ++n,
       want_two ? "" : " is off while profiling", info.side_stream);
    /* 256 x 256, 64 rows, 12 products on the side; 3 on main */
    int64_t K = 256, M = 64;
    pair w = pair_new(VO_F32, K, K, 1, 1, "w", 0.06f), x = pair_new(VO_F32, K, M, 1, 1, "x", 1);
    pair ws = pair_new(VO_BF16, K, K, 1, 1, "ws", 0.06f), xs = pair_new(VO_F32, K, M, 1, 1, "xs", 1);
    pair o = pair_new(VO_F32, K, M, 1, 1, "o", 1), t = pair_new(VO_F32, K, M, 1, 1, "t", 1);
    pair os = pair_new(VO_F32, K, M, 1, 1, "os", 1), ts = pair_new(VO_F32, K, M, 1, 1, "ts", 1);
    /* what one stream gives */
    chain(gpu, os.g, ts.g, ws.g, xs.g, 12);
    chain(gpu, o.g, t.g, w.g, x.g, 3);
    float *one_side = values(gpu, os.g), *one_main = values(gpu, o.g);
    /* the same on two streams */
    vo_backend_set_stream(gpu, VO_STREAM_SIDE);
    chain(gpu, os.g, ts.g, ws.g, xs.g, 12);
    vo_backend_set_stream(gpu, VO_STREAM_MAIN);
    chain(gpu, o.g, t.g, w.g, x.g, 3);
    float *two_main = values(gpu, o.g);
    double t0 = vo_monotonic_seconds();
    bool done = false;
    while (!(done = vo_backend_stream_done(gpu, VO_STREAM_SIDE)) &&
           vo_monotonic_seconds() - t0 < 120)
        ;
    ok(done, "opencl 15.%d: the side stream is seen done without waiting on it (%.3f s)", ++n,
       vo_monotonic_seconds() - t0);
    vo_backend_set_stream(gpu, VO_STREAM_SIDE);
    float *two_side = values(gpu, os.g);
    vo_backend_set_stream(gpu, VO_STREAM_MAIN);
    bool side_done = vo_backend_stream_done(gpu, VO_STREAM_SIDE);
    bool main_done = vo_backend_sync(gpu, ctx) == VO_OK &&
                     vo_backend_stream_done(gpu, VO_STREAM_MAIN);
    ok(side_done && main_done, "opencl 15.%d: both streams done after their syncs (%d %d)", ++n,
       side_done, main_done);
    size_t bytes = (size_t)(K * M) * 4;
    ok(one_side && one_main && two_side && two_main && !memcmp(one_side, two_side, bytes) &&
           !memcmp(one_main, two_main, bytes),
       "opencl 15.%d: each stream's products bit for bit those of one stream", ++n);
    chain(cpu, os.c, ts.c, ws.c, xs.c, 12);
    chain(cpu, o.c, t.c, w.c, x.c, 3);
    double e1 = pair_err(os), e2 = pair_err(o);
    ok(e1 < 1e-3 && e2 < 1e-3, "opencl 15.%d: and right against the CPU (err %.2g, %.2g)", ++n,
       e1, e2);
    vo_free(one_side); vo_free(one_main); vo_free(two_side); vo_free(two_main);
    pair_free(w); pair_free(x); pair_free(ws); pair_free(xs);
    pair_free(o); pair_free(t); pair_free(os); pair_free(ts);

    /* the pool (of a new backend: empty): a buffer freed on the side is the
     * side's until it was waited for */
    vo_opencl_stats a, b, c, d;
    vo_backend *main_gpu = gpu;
    char *saved = prof ? strdup(prof) : NULL;
    unsetenv("VO_OPENCL_PROFILE");      /* a profiling backend has one queue */
    vo_status made = vo_opencl_backend_new(ctx, opts, &gpu);
    if (saved)
        setenv("VO_OPENCL_PROFILE", saved, 1);
    free(saved);
    if (made != VO_OK) {
        ok(0, "opencl 15.%d: a second backend: %s", ++n, vo_last_error(ctx));
        gpu = main_gpu;
        return;
    }
    vo_backend_set_stream(gpu, VO_STREAM_SIDE);
    vo_tensor *s1 = vo_tensor_new(gpu, VO_F32, 4099, 7, 1, 1, "side");
    vo_tensor *z = vo_tensor_new(gpu, VO_F32, 4099, 7, 1, 1, "z");
    vo_copy(gpu, z, s1);
    vo_tensor_free(gpu, s1);
    vo_backend_set_stream(gpu, VO_STREAM_MAIN);
    vo_opencl_get_stats(gpu, &a);
    vo_tensor *m1 = vo_tensor_new(gpu, VO_F32, 4099, 7, 1, 1, "main");
    vo_opencl_get_stats(gpu, &b);
    ok(b.buffers_reused == a.buffers_reused && b.buffers == a.buffers + 1,
       "opencl 15.%d: a buffer freed on the side stream is not reused on the main one before "
       "the side was waited for", ++n);
    vo_backend_set_stream(gpu, VO_STREAM_SIDE);
    vo_tensor *s2 = vo_tensor_new(gpu, VO_F32, 4099, 7, 1, 1, "side2");
    vo_opencl_get_stats(gpu, &c);
    ok(c.buffers_reused == b.buffers_reused + 1, "opencl 15.%d: the side stream reuses it at once",
       ++n);
    vo_tensor_free(gpu, s2);
    vo_tensor_free(gpu, z);
    vo_backend_sync(gpu, ctx);
    vo_backend_set_stream(gpu, VO_STREAM_MAIN);
    vo_tensor *m2 = vo_tensor_new(gpu, VO_F32, 4099, 7, 1, 1, "main2");
    vo_opencl_get_stats(gpu, &d);
    ok(d.buffers_reused == c.buffers_reused + 1 && d.buffers == c.buffers,
       "opencl 15.%d: the main stream reuses it once the side stream was waited for", ++n);
    vo_tensor_free(gpu, m1);
    vo_tensor_free(gpu, m2);
    ok(vo_backend_sync(gpu, ctx) == VO_OK, "opencl 15.%d: no error after", ++n);
    vo_backend_drop(gpu);
    gpu = main_gpu;

    /* one stream: VO_OPENCL_SIDE_STREAM=0, and the CPU */
    setenv("VO_OPENCL_SIDE_STREAM", "0", 1);
    vo_backend *one = NULL;
    vo_status st = vo_opencl_backend_new(ctx, opts, &one);
    unsetenv("VO_OPENCL_SIDE_STREAM");
    info.side_stream = true;
    bool said = st == VO_OK && vo_opencl_get_info(one, &info) && !info.side_stream;
    if (st == VO_OK) {
        vo_tensor *q = vo_tensor_new(one, VO_F32, 300, 5, 1, 1, "q");
        vo_tensor *r = vo_tensor_new(one, VO_F32, 300, 5, 1, 1, "r");
        vo_backend_set_stream(one, VO_STREAM_SIDE);
        vo_copy(one, r, q);
        vo_backend_set_stream(one, VO_STREAM_MAIN);
        said = said && vo_backend_stream_done(one, VO_STREAM_SIDE) &&
               vo_backend_sync(one, ctx) == VO_OK;
        vo_tensor_free(one, q);
        vo_tensor_free(one, r);
        vo_backend_drop(one);
    }
    ok(said, "opencl 15.%d: VO_OPENCL_SIDE_STREAM=0: one queue, the side stream always done", ++n);
    vo_tensor *cq = vo_tensor_new(cpu, VO_F32, 3, 1, 1, 1, "cq");
    vo_tensor *cr = vo_tensor_new(cpu, VO_F32, 3, 1, 1, 1, "cr");
    float in[3] = {1, 2, 3}, got[3] = {0, 0, 0};
    vo_tensor_set(cpu, cq, in, sizeof in);
    vo_backend_set_stream(cpu, VO_STREAM_SIDE);
    vo_copy(cpu, cr, cq);
    bool cpu_done = vo_backend_stream_done(cpu, VO_STREAM_SIDE);
    vo_backend_set_stream(cpu, VO_STREAM_MAIN);
    vo_tensor_get(cpu, cr, got, sizeof got);
    ok(cpu_done && vo_backend_sync(cpu, ctx) == VO_OK && !memcmp(in, got, sizeof in),
       "opencl 15.%d: the CPU backend runs a side-stream op at once", ++n);
    vo_tensor_free(cpu, cq);
    vo_tensor_free(cpu, cr);
}

int
main(void)
{
    ctx = vo_new_ctx();
    char cache[] = "/tmp/vo-opencl-cache-XXXXXX";
    if (!ctx || !mkdtemp(cache))
        return 99;
    /* tests/gpu-check.sh picks the device; default: the first GPU, else PoCL */
    vo_opencl_opts o = {.cache_dir = cache, .device = getenv("VO_TEST_OPENCL_DEVICE")};
    vo_status st = vo_opencl_backend_new(ctx, &o, &gpu);
    if (st == VO_ERR_DEVICE && strstr(vo_last_error(ctx), "no OpenCL platform")) {
        rmdir(cache);
        skip_all("no OpenCL platform: %s", vo_last_error(ctx));
    }
    vo_opencl_info info = {0};
    ok(st == VO_OK && vo_opencl_get_info(gpu, &info), "opencl 1.1: backend started (%s)",
       st == VO_OK ? info.device : vo_last_error(ctx));
    if (st != VO_OK)
        return done_testing();
    diag("OpenCL device used: %s", info.device);
    diag("start-up with an empty cache: %.3f s (%d programs)", info.startup_s, info.programs);
    if (vo_new_cpu_ref_backend(ctx, &cpu) != VO_OK)
        return 99;
    test_cache(cache);
    /* both kernel paths (matmul, attention) on this device: GPU and CPU-driver */
    vo_backend *chosen = gpu;
    for (int path = 0; path < 2; path++) {
        vo_opencl_opts mo = o;
        mo.kernel_path = path + 1;
        if (vo_opencl_backend_new(ctx, &mo, &gpu) != VO_OK) {
            ok(0, "opencl 2.%d: backend with kernel path %d: %s", path * 30, path + 1,
               vo_last_error(ctx));
            continue;
        }
        test_matmul(path);
        test_matmul_quant(path);
        test_matmul_add(path);
        test_attention(path);
        vo_backend_drop(gpu);
    }
    gpu = chosen;
    test_binary();
    test_norms();
    test_unary();
    test_rope();
    test_rms_norm_rope();
    test_get_rows_copy();
    test_patch_resize_argmax();
    test_errors();
    test_autotune();
    test_streams(&o);
    vo_backend_drop(gpu);
    vo_backend_drop(cpu);
    remove_dir(cache);
    vo_drop_ctx(ctx);
    return done_testing();
}
