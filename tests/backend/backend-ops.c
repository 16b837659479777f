/* backend-ops.c: every CPU op against its scalar _ref (or hand-computed
 * values where the op has only the _ref), on odd shapes, with each kernel
 * instruction set (avx512, avx2, scalar) in turn; the choice of that set
 * ($VO_CPU_ISA); the sticky error. */
#include "src/backend/backend.h"
#include "src/backend/cpu/cpu.h"
#include "src/backend/cpu/cpu_internal.h"
#include "src/vlm/generate.h"
#include "tests/tap.h"

#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static vo_backend *fast, *ref;
static const char *isa = "";    /* the kernel path under test, in the test names */
static uint32_t rng = 12345;

static float frand(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static vo_tensor *rnd(vo_type type, int64_t a, int64_t b, int64_t c, const char *name)
{
    vo_tensor *t = vo_tensor_new(fast, type, a, b, c, 1, name);
    if (!t)
        return NULL;
    int64_t n = vo_nelements(t);
    for (int64_t i = 0; i < n; i++) {
        float v = frand();
        if (type == VO_F32)
            ((float *)t->data)[i] = v;
        else {
            uint32_t u;
            memcpy(&u, &v, 4);
            /* bf16: top half; f16: a small exact value */
            ((uint16_t *)t->data)[i] = type == VO_BF16 ? (uint16_t)(u >> 16)
                                       : (uint16_t)(0x3800 + (rng >> 20) % 0x400);
        }
    }
    return t;
}

static vo_tensor *zeros(int64_t a, int64_t b, int64_t c, const char *name)
{
    vo_tensor *t = vo_tensor_new(fast, VO_F32, a, b, c, 1, name);
    memset(t->data, 0, (size_t)vo_nelements(t) * 4);
    return t;
}

static double maxrel(const vo_tensor *a, const vo_tensor *b)
{
    double m = 0;
    for (int64_t i = 0; i < vo_nelements(a); i++) {
        double x = ((float *)a->data)[i], y = ((float *)b->data)[i];
        double d = fabs(x - y) / (1.0 + fabs(y));
        if (d > m || isnan(d))
            m = isnan(d) ? INFINITY : d;
    }
    return m;
}

static void test_matmul(void)
{
    static const vo_type types[] = {VO_F32, VO_BF16, VO_F16};
    /* odd: with bias; M 1-8: the decode tiles, above: the GEMM's tiles of 64
     * tokens (and their 16-48 token ends), K over blocks of 128; N not a
     * multiple of the 8 / 6-row tiles; K with SIMD tails; the last: two
     * tasks of 192 weight rows and two groups of 16 token tiles, with bias */
    static const int64_t shapes[][3] = {{37, 13, 1}, {129, 67, 50}, {8, 4, 3}, {300, 257, 7},
                                        {520, 9, 5}, {65, 10, 2}, {48, 17, 8}, {64, 100, 40},
                                        {256, 30, 9}, {33, 25, 4}, {96, 31, 20}, {300, 13, 70},
                                        {130, 200, 1100}};
    enum { NS = sizeof shapes / sizeof shapes[0] };
    for (int t = 0; t < 3; t++)
        for (int s = 0; s < NS; s++) {
            int64_t K = shapes[s][0], N = shapes[s][1], M = shapes[s][2];
            vo_tensor *w = rnd(types[t], K, N, 1, "w"), *x = rnd(VO_F32, K, M, 1, "x");
            vo_tensor *b = rnd(VO_F32, N, 1, 1, "b");
            vo_tensor *o1 = zeros(N, M, 1, "o1"), *o2 = zeros(N, M, 1, "o2");
            vo_matmul(fast, o1, w, x, s & 1 || s == NS - 1 ? b : NULL);
            vo_matmul(ref, o2, w, x, s & 1 || s == NS - 1 ? b : NULL);
            double e = maxrel(o1, o2);
            ok(e < 1e-5 * sqrt((double)K),
               "backend 1.%d: %s matmul %s K%lld N%lld M%lld (err %.2g)", t * NS + s + 1, isa,
               vo_type_name(types[t]), (long long)K, (long long)N, (long long)M, e);
            vo_tensor_free(fast, w); vo_tensor_free(fast, x); vo_tensor_free(fast, b);
            vo_tensor_free(fast, o1); vo_tensor_free(fast, o2);
        }
    /* strided x rows (a view skipping every other row) */
    vo_tensor *w = rnd(VO_BF16, 33, 9, 1, "w"), *x = rnd(VO_F32, 33, 10, 1, "x");
    vo_tensor xv = vo_view(x, 33, 5, 1, 1, 2 * x->nb[1], 0, 0, 0);
    vo_tensor *o1 = zeros(9, 5, 1, "o1"), *o2 = zeros(9, 5, 1, "o2");
    vo_matmul(fast, o1, w, &xv, NULL);
    vo_matmul(ref, o2, w, &xv, NULL);
    ok(maxrel(o1, o2) < 1e-5, "backend 1.40: %s matmul on a strided view", isa);
    vo_tensor_free(fast, w); vo_tensor_free(fast, x);
    vo_tensor_free(fast, o1); vo_tensor_free(fast, o2);
    /* a decode step of VO_GEN_STEP_MAX pages: each x row's outputs are the
     * bits it gets alone (K 300 and 1100: SIMD tails, the AVX2 path's
     * blocks of 512 values with the sums carried over; N 37: the one-row
     * tiles), bf16, f32 and q8 weights (bf16 and q8 widened apart a block at
     * a time by AVX2) */
    static const struct {
        vo_type t;
        int64_t K;
        int n;
    } dec[] = {{VO_BF16, 300, 41}, {VO_F32, 300, 44}, {VO_BF16, 1100, 45}, {VO_Q8, 1088, 46}};
    for (int t = 0; t < 4; t++) {
        int64_t K = dec[t].K;
        w = vo_tensor_new(fast, dec[t].t, K, 37, 1, 1, "w");
        vo_tensor *wf = rnd(dec[t].t == VO_F32 ? VO_F32 : VO_BF16, K, 37, 1, "wf");
        if (dec[t].t == VO_Q8)
            for (int64_t n = 0; n < 37; n++)
                vo_quantize_q8((char *)w->data + n * w->nb[1], (char *)wf->data + n * wf->nb[1],
                               VO_BF16, K);
        else
            memcpy(w->data, wf->data, vo_nbytes(w));
        x = rnd(VO_F32, K, VO_GEN_STEP_MAX, 1, "x");
        o1 = zeros(37, VO_GEN_STEP_MAX, 1, "o1");
        o2 = zeros(37, 1, 1, "o2");
        vo_matmul(fast, o1, w, x, NULL);
        bool alone = vo_backend_sync(fast, NULL) == VO_OK;
        for (int m = 0; m < VO_GEN_STEP_MAX; m++) {
            vo_tensor xm = vo_view(x, K, 1, 1, 1, x->nb[1], x->nb[2], x->nb[3],
                                   (size_t)m * x->nb[1]);
            vo_matmul(fast, o2, w, &xm, NULL);
            alone = alone && vo_backend_sync(fast, NULL) == VO_OK &&
                    !memcmp(o2->data, (char *)o1->data + m * o1->nb[1], sizeof(float) * 37);
        }
        ok(alone, "backend 1.%d: %s: a %s matmul (K %lld) of %d x rows (a full decode step) "
           "gives each row the bits it gets alone", dec[t].n, isa, vo_type_name(dec[t].t),
           (long long)K, VO_GEN_STEP_MAX);
        /* steps of 3, 5, 7 and 11 rows (the AVX-512 matvec's passes of 4 x
         * rows, each row's tile 4 × 3 or 8 × 1 in the last): the same bits
         * as the full step's rows */
        static const int64_t parts[] = {3, 5, 7, 11};
        bool same = alone;
        for (int p = 0; p < 4; p++) {
            vo_tensor xp = vo_view(x, K, parts[p], 1, 1, x->nb[1], x->nb[2], x->nb[3], 0);
            vo_tensor *o3 = zeros(37, parts[p], 1, "o3");
            vo_matmul(fast, o3, w, &xp, NULL);
            same = same && vo_backend_sync(fast, NULL) == VO_OK &&
                   !memcmp(o3->data, o1->data, sizeof(float) * 37 * (size_t)parts[p]);
            vo_tensor_free(fast, o3);
        }
        ok(same, "backend 1.%d: %s: a %s matmul (K %lld) of 3, 5, 7 and 11 x rows gives each "
           "row the bits it gets alone", 47 + t, isa, vo_type_name(dec[t].t), (long long)K);
        vo_tensor_free(fast, w); vo_tensor_free(fast, wf); vo_tensor_free(fast, x);
        vo_tensor_free(fast, o1); vo_tensor_free(fast, o2);
    }
    /* the GEMM (more x rows than a decode step) of the SIMD paths: every
     * output the product summed over k in order, one fmaf after the other
     * from 0, then the bias: AVX-512 and AVX2 give the same bits (K 300:
     * blocks of 128 and a tail; N 200: two tasks of 192 rows, a part 6-row
     * tile; M 70: a part token tile) */
    if (strcmp(isa, "scalar") == 0) {
        skip("backend 1.42-43: the scalar path rounds each product before its add (no FMA)");
        return;
    }
    for (int t = 0; t < 2; t++) {
        w = rnd(t ? VO_F32 : VO_BF16, 300, 200, 1, "w");
        x = rnd(VO_F32, 300, 70, 1, "x");
        vo_tensor *b = rnd(VO_F32, 200, 1, 1, "b");
        o1 = zeros(200, 70, 1, "o1");
        vo_matmul(fast, o1, w, x, b);
        bool chain = vo_backend_sync(fast, NULL) == VO_OK;
        for (int64_t m = 0; m < 70 && chain; m++)
            for (int64_t n = 0; n < 200 && chain; n++) {
                float acc = 0.0f;
                for (int64_t k = 0; k < 300; k++) {
                    float wk = t ? ((float *)w->data)[n * 300 + k]
                                 : cpu_bf16_to_f32(((uint16_t *)w->data)[n * 300 + k]);
                    acc = fmaf(wk, ((float *)x->data)[m * 300 + k], acc);
                }
                acc += ((float *)b->data)[n];
                chain = memcmp(&acc, (float *)o1->data + m * 200 + n, sizeof acc) == 0;
            }
        ok(chain, "backend 1.%d: %s: a GEMM of %s weights (K300 N200 M70, bias) gives each "
           "output as FMAs over k in order from 0, plus the bias, bit for bit", 42 + t, isa,
           t ? "f32" : "bf16");
        vo_tensor_free(fast, w); vo_tensor_free(fast, x); vo_tensor_free(fast, b);
        vo_tensor_free(fast, o1);
    }
}

static void run_attn(vo_backend *be, vo_tensor *out, vo_tensor *q, vo_tensor *k, vo_tensor *v,
                     const int64_t *nq, const int64_t *nkv, int n, bool causal)
{
    vo_attn_seq seqs[4];
    vo_tensor kv[8];
    int64_t qs = 0, ks = 0;
    for (int s = 0; s < n; s++) {
        kv[2 * s] = vo_view(k, k->ne[0], k->ne[1], nkv[s], 1, 0, 0, 0, (size_t)ks * k->nb[2]);
        kv[2 * s + 1] = vo_view(v, v->ne[0], v->ne[1], nkv[s], 1, 0, 0, 0, (size_t)ks * v->nb[2]);
        seqs[s] = (vo_attn_seq){qs, nq[s], &kv[2 * s], &kv[2 * s + 1], nkv[s], NULL, 0};
        qs += nq[s];
        ks += nkv[s];
    }
    vo_attention(be, out, q, seqs, n, 1.0f / sqrtf((float)q->ne[0]), causal);
}

static void test_attention(void)
{
    /* three sequences of different lengths, GQA 6:2, head_dim 10 */
    int64_t nq[3] = {5, 1, 17}, nkv[3] = {9, 4, 17};
    vo_tensor *q = rnd(VO_F32, 10, 6, 23, "q"), *k = rnd(VO_F32, 10, 2, 30, "k");
    vo_tensor *v = rnd(VO_F32, 10, 2, 30, "v");
    vo_tensor *o1 = zeros(10, 6, 23, "o1"), *o2 = zeros(10, 6, 23, "o2");
    for (int causal = 0; causal < 2; causal++) {
        run_attn(fast, o1, q, k, v, nq, nkv, 3, causal);
        run_attn(ref, o2, q, k, v, nq, nkv, 3, causal);
        ok(maxrel(o1, o2) < 1e-5, "backend 2.%d: %s attention %s, 3 sequences, GQA 3:1",
           causal + 1, isa, causal ? "causal" : "full");
    }
    /* the batch gives what each sequence gives alone */
    vo_tensor *o3 = zeros(10, 6, 23, "o3");
    run_attn(fast, o1, q, k, v, nq, nkv, 3, true);
    vo_tensor q2 = vo_view(q, 10, 6, 17, 1, 0, 0, 0, 6 * q->nb[2]);
    vo_tensor o32 = vo_view(o3, 10, 6, 17, 1, 0, 0, 0, 6 * o3->nb[2]);
    vo_tensor k2 = vo_view(k, 10, 2, 17, 1, 0, 0, 0, 13 * k->nb[2]);
    vo_tensor v2 = vo_view(v, 10, 2, 17, 1, 0, 0, 0, 13 * v->nb[2]);
    vo_attn_seq one = {0, 17, &k2, &v2, 17, NULL, 0};
    vo_attention(fast, &o32, &q2, &one, 1, 1.0f / sqrtf(10.0f), true);
    double e = 0;
    for (int64_t i = 6 * 60; i < 23 * 60; i++)
        e = fmax(e, fabs(((float *)o1->data)[i] - ((float *)o3->data)[i]));
    ok(e == 0, "backend 2.3: %s: a sequence batched with others equals it alone (err %.2g)", isa,
       e);
    /* one key: the output is that value row */
    vo_tensor k1 = vo_view(k, 10, 2, 1, 1, 0, 0, 0, 0), v1 = vo_view(v, 10, 2, 1, 1, 0, 0, 0, 0);
    vo_attn_seq s1 = {0, 1, &k1, &v1, 1, NULL, 0};
    vo_attention(ref, o2, q, &s1, 1, 0.3f, true);
    ok(fabsf(((float *)o2->data)[0] - ((float *)v->data)[0]) < 1e-6 &&
       fabsf(((float *)o2->data)[59] - ((float *)v->data)[19]) < 1e-6,
       "backend 2.4: attention over one key returns its value (head 5 reads kv-head 1)");
    vo_tensor_free(fast, q); vo_tensor_free(fast, k); vo_tensor_free(fast, v);
    vo_tensor_free(fast, o1); vo_tensor_free(fast, o2); vo_tensor_free(fast, o3);
}

/* f32 copy of a bf16/f16 tensor (the test's own widening) */
static vo_tensor *widen(const vo_tensor *t)
{
    vo_tensor *w = vo_tensor_new(fast, VO_F32, t->ne[0], t->ne[1], t->ne[2], 1, "widened");
    for (int64_t i = 0; w && i < vo_nelements(t); i++) {
        uint16_t h = ((const uint16_t *)t->data)[i];
        float f;
        if (t->type == VO_BF16) {
            uint32_t u = (uint32_t)h << 16;
            memcpy(&f, &u, 4);
        } else {            /* rnd's f16 values are normal: (1024 + man)·2^(exp − 25) */
            f = ldexpf((float)(1024 + (h & 0x3ff)), ((h >> 10) & 0x1f) - 25);
            if (h & 0x8000)
                f = -f;
        }
        ((float *)w->data)[i] = f;
    }
    return w;
}

/* a KV cache stored as bf16 / f16: both attentions read it exactly as the
 * f32 tensor of the same values; head_dim 37 (SIMD tails) and 128 */
/* a q8 cache (--kv-type q8: VO_Q8ROW, a scale a row): written by copy,
 * read by the _ref exactly as its dequantized f32 values, by each ISA
 * within rounding of the _ref; decode rows (the direct path at hd 128) and
 * a prefill chunk, keys over several blocks of the kernels, head sizes
 * with and without a tail past the 16-wide loads (the fixtures' 16, 24) */
static void test_attention_q8(void)
{
    static const int64_t hds[] = {16, 24, 64, 128};
    for (int hi = 0; hi < 4; hi++) {
        int64_t hd = hds[hi], nq[2] = {9, 1}, nkv[2] = {40, 260};
        vo_tensor *q = rnd(VO_F32, hd, 4, 10, "q");
        vo_tensor *k32 = rnd(VO_F32, hd, 2, 300, "k32"), *v32 = rnd(VO_F32, hd, 2, 300, "v32");
        vo_tensor *k = vo_tensor_new(fast, VO_Q8ROW, hd, 2, 300, 1, "k");
        vo_tensor *v = vo_tensor_new(fast, VO_Q8ROW, hd, 2, 300, 1, "v");
        vo_copy(fast, k, k32);
        vo_copy(fast, v, v32);
        /* the dequantized values, and each within half a step of its f32 */
        vo_tensor *kd = vo_tensor_new(fast, VO_F32, hd, 2, 300, 1, "kd");
        vo_tensor *vd = vo_tensor_new(fast, VO_F32, hd, 2, 300, 1, "vd");
        int close = k->nb[1] == (size_t)(4 + hd) && vo_nbytes(k) == (size_t)(600 * (4 + hd));
        for (int64_t r = 0; r < 2 * 300; r++)
            for (int64_t c = 0; c < hd; c++) {
                float a = cpu_get_f((char *)k->data + r * k->nb[1], VO_Q8ROW, c);
                float b = cpu_get_f((char *)v->data + r * v->nb[1], VO_Q8ROW, c);
                ((float *)kd->data)[r * hd + c] = a;
                ((float *)vd->data)[r * hd + c] = b;
                close &= fabsf(a - ((float *)k32->data)[r * hd + c]) <= 1.0f / 127 * 0.5f + 1e-6f;
            }
        vo_tensor *o1 = zeros(hd, 4, 10, "o1"), *o2 = zeros(hd, 4, 10, "o2");
        vo_tensor *o3 = zeros(hd, 4, 10, "o3"), *o4 = zeros(hd, 4, 10, "o4");
        run_attn(ref, o1, q, k, v, nq, nkv, 2, true);
        run_attn(ref, o2, q, kd, vd, nq, nkv, 2, true);
        run_attn(fast, o3, q, k, v, nq, nkv, 2, true);
        run_attn(fast, o4, q, kd, vd, nq, nkv, 2, true);
        ok(vo_backend_sync(ref, NULL) == VO_OK && close && maxrel(o1, o2) == 0,
           "backend 2.%d: a q8row cache (hd %lld, rows of %lld bytes) written by copy within half "
           "a step, _ref on it = on its dequantized values", 31 + 2 * hi, (long long)hd,
           (long long)k->nb[1]);
        ok(vo_backend_sync(fast, NULL) == VO_OK && maxrel(o3, o1) < 1e-5 &&
           maxrel(o3, o4) < 1e-6,
           "backend 2.%d: %s attention on a q8row cache (hd %lld) = _ref (%.2g), = f32 (%.2g)",
           32 + 2 * hi, isa, (long long)hd, maxrel(o3, o1), maxrel(o3, o4));
        vo_tensor *ts[] = {q, k32, v32, k, v, kd, vd, o1, o2, o3, o4};
        for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
            vo_tensor_free(fast, ts[i]);
    }
}

static void test_attention_kv(void)
{
    static const vo_type types[] = {VO_BF16, VO_F16};
    static const int64_t hds[] = {37, 128};
    int t = 0;
    for (int ti = 0; ti < 2; ti++)
        for (int hi = 0; hi < 2; hi++, t++) {
            int64_t hd = hds[hi], nq[2] = {7, 1}, nkv[2] = {11, 25};
            vo_tensor *q = rnd(VO_F32, hd, 4, 8, "q"), *k = rnd(types[ti], hd, 2, 36, "k");
            vo_tensor *v = rnd(types[ti], hd, 2, 36, "v");
            vo_tensor *k32 = widen(k), *v32 = widen(v);
            vo_tensor *o1 = zeros(hd, 4, 8, "o1"), *o2 = zeros(hd, 4, 8, "o2");
            vo_tensor *o3 = zeros(hd, 4, 8, "o3"), *o4 = zeros(hd, 4, 8, "o4");
            run_attn(ref, o1, q, k, v, nq, nkv, 2, true);
            run_attn(ref, o2, q, k32, v32, nq, nkv, 2, true);
            run_attn(fast, o3, q, k, v, nq, nkv, 2, true);
            run_attn(fast, o4, q, k32, v32, nq, nkv, 2, true);
            ok(vo_backend_sync(ref, NULL) == VO_OK && maxrel(o1, o2) == 0,
               "backend 2.%d: attention _ref on a %s cache (hd %lld) = on its f32 values",
               5 + 2 * t, vo_type_name(types[ti]), (long long)hd);
            ok(vo_backend_sync(fast, NULL) == VO_OK && maxrel(o3, o1) < 1e-5 &&
               maxrel(o3, o4) < 1e-6,
               "backend 2.%d: %s attention on a %s cache (hd %lld) = _ref (%.2g), = f32 (%.2g)",
               6 + 2 * t, isa, vo_type_name(types[ti]), (long long)hd, maxrel(o3, o1),
               maxrel(o3, o4));
            vo_tensor *ts[] = {q, k, v, k32, v32, o1, o2, o3, o4};
            for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
                vo_tensor_free(fast, ts[i]);
        }
    /* k bf16 and v f32 in one call */
    int64_t nq = 3, nkv = 9;
    vo_tensor *q = rnd(VO_F32, 16, 2, 3, "q"), *k = rnd(VO_BF16, 16, 1, 9, "k");
    vo_tensor *v = rnd(VO_F32, 16, 1, 9, "v"), *k32 = widen(k);
    vo_tensor *o1 = zeros(16, 2, 3, "o1"), *o2 = zeros(16, 2, 3, "o2");
    run_attn(fast, o1, q, k, v, &nq, &nkv, 1, true);
    run_attn(fast, o2, q, k32, v, &nq, &nkv, 1, true);
    ok(maxrel(o1, o2) < 1e-6, "backend 2.13: %s: bf16 keys with f32 values (%.2g)", isa,
       maxrel(o1, o2));
    vo_tensor_free(fast, q); vo_tensor_free(fast, k); vo_tensor_free(fast, v);
    vo_tensor_free(fast, k32); vo_tensor_free(fast, o1); vo_tensor_free(fast, o2);
    test_attention_q8();
}

static void test_patch_embed(void)
{
    /* S = 13 with patch 4: the last pixel row/column is cropped */
    vo_tensor *img = rnd(VO_F32, 13, 13, 3, "img"), *w = rnd(VO_BF16, 48, 7, 1, "w");
    vo_tensor *b = rnd(VO_F32, 7, 1, 1, "b");
    vo_tensor *o1 = zeros(7, 9, 1, "o1"), *o2 = zeros(7, 9, 1, "o2");
    vo_patch_embed(fast, o1, img, w, b, 4);
    vo_patch_embed(ref, o2, img, w, b, 4);
    ok(maxrel(o1, o2) < 1e-5, "backend 3.1: %s patch_embed vs ref (13 px, patch 4)", isa);
    /* hand check of token 4 (py 1, px 1), feature 0 */
    double acc = ((float *)b->data)[0];
    for (int c = 0; c < 3; c++)
        for (int ky = 0; ky < 4; ky++)
            for (int kx = 0; kx < 4; kx++) {
                uint16_t h = ((uint16_t *)w->data)[c * 16 + ky * 4 + kx];
                uint32_t u = (uint32_t)h << 16;
                float wf;
                memcpy(&wf, &u, 4);
                acc += wf * ((float *)img->data)[c * 169 + (4 + ky) * 13 + 4 + kx];
            }
    ok(fabs(((float *)o2->data)[4 * 7] - acc) < 1e-5, "backend 3.2: patch_embed order (c, ky, kx)");
    vo_tensor_free(fast, img); vo_tensor_free(fast, w); vo_tensor_free(fast, b);
    vo_tensor_free(fast, o1); vo_tensor_free(fast, o2);
}

static void test_small_ops(void)
{
    vo_tensor *x = rnd(VO_F32, 9, 5, 1, "x"), *o = zeros(9, 5, 1, "o");
    vo_tensor *w = rnd(VO_BF16, 9, 1, 1, "w"), *bb = rnd(VO_F32, 9, 1, 1, "b");
    float *xd = x->data, *od = o->data;
    /* rms_norm with unit weight: mean of squares becomes 1 */
    vo_rms_norm(fast, o, x, NULL, 1e-6f);
    double ss = 0;
    for (int i = 0; i < 9; i++) ss += od[9 + i] * od[9 + i];
    ok(fabs(ss / 9 - 1) < 1e-5, "backend 4.1: rms_norm makes mean(x²) 1");
    for (int i = 0; i < 9; i++)
        xd[i] = (float)i;
    vo_layer_norm(fast, o, x, w, bb, 1e-6f);
    double m = 0, inv = 1.0 / sqrt(60.0 / 9 + 1e-6);
    for (int i = 0; i < 9; i++) {
        uint32_t wu = (uint32_t)((uint16_t *)w->data)[i] << 16;
        float wf;
        memcpy(&wf, &wu, 4);
        m = fmax(m, fabs(od[i] - ((i - 4) * inv * wf + ((float *)bb->data)[i])));
    }
    ok(m < 1e-6, "backend 4.2: layer_norm of 0..8 (err %.2g)", m);
    /* add with a row broadcast; mul with a scalar broadcast */
    vo_tensor *row = rnd(VO_F32, 9, 1, 1, "row");
    vo_add(fast, o, x, row);
    ok(od[9 * 4 + 2] == xd[9 * 4 + 2] + ((float *)row->data)[2], "backend 4.3: add broadcasts rows");
    vo_tensor *one = rnd(VO_F32, 1, 1, 1, "one");
    vo_mul(fast, o, x, one);
    ok(od[17] == xd[17] * ((float *)one->data)[0], "backend 4.4: mul broadcasts a scalar");
    /* gelu values */
    xd[0] = 1.0f; xd[1] = -2.0f;
    vo_gelu_erf(fast, o, x);
    ok(fabsf(od[0] - 0.8413447f) < 1e-6 && fabsf(od[1] + 0.0455003f) < 1e-6,
       "backend 4.5: gelu_erf(1), gelu_erf(-2)");
    vo_gelu_tanh(fast, o, x);
    ok(fabsf(od[0] - 0.8411920f) < 1e-6 && fabsf(od[1] + 0.0454023f) < 1e-6,
       "backend 4.6: gelu_tanh(1), gelu_tanh(-2)");
    vo_silu_mul(fast, o, x, x);
    ok(fabsf(od[0] - 0.7310586f) < 1e-6, "backend 4.7: silu(1)·1");
    vo_softmax(fast, o, x);
    double s = 0;
    for (int i = 0; i < 9; i++) s += od[i];
    ok(fabs(s - 1) < 1e-6 && od[0] > od[1], "backend 4.8: softmax sums to 1");
    /* rope: position 0 is the identity, position p rotates pairs (i, i+hd/2) */
    vo_tensor *q = rnd(VO_F32, 6, 2, 2, "q"), *qo = zeros(6, 2, 2, "qo");
    vo_tensor *pos = vo_tensor_new(fast, VO_I32, 2, 1, 1, 1, "pos");
    ((int32_t *)pos->data)[0] = 0;
    ((int32_t *)pos->data)[1] = 7;
    vo_rope(fast, qo, q, pos, 100.0f);
    float *qd = q->data, *qod = qo->data;
    float phi = 7.0f / powf(100.0f, 2.0f / 6.0f);
    ok(qod[0] == qd[0] && qod[5] == qd[5] &&
       fabsf(qod[12 + 1] - (qd[13] * cosf(phi) - qd[16] * sinf(phi))) < 1e-6 &&
       fabsf(qod[12 + 4] - (qd[16] * cosf(phi) + qd[13] * sinf(phi))) < 1e-6,
       "backend 4.9: rope rotate-half at positions 0 and 7");
    /* get_rows from bf16, copy to bf16 and back */
    vo_tensor *tab = rnd(VO_BF16, 9, 11, 1, "tab"), *ids = vo_tensor_new(fast, VO_I32, 2, 1, 1, 1, "ids");
    ((int32_t *)ids->data)[0] = 10; ((int32_t *)ids->data)[1] = 3;
    vo_tensor ov = vo_view(o, 9, 2, 1, 1, 0, 0, 0, 0);
    vo_get_rows(fast, &ov, tab, ids);
    uint32_t u = (uint32_t)((uint16_t *)tab->data)[9 * 10 + 4] << 16;
    float f;
    memcpy(&f, &u, 4);
    ok(od[4] == f, "backend 4.10: get_rows widens bf16 row 10");
    vo_tensor *b16 = vo_tensor_new(fast, VO_BF16, 9, 5, 1, 1, "b16");
    vo_tensor *h16 = vo_tensor_new(fast, VO_F16, 9, 5, 1, 1, "h16");
    vo_copy(fast, b16, x);
    vo_copy(fast, h16, x);
    xd[2] = 0.333333f;
    vo_copy(fast, b16, x);
    vo_copy(fast, h16, x);
    ok(((uint16_t *)b16->data)[2] == 0x3eab && ((uint16_t *)h16->data)[2] == 0x3555,
       "backend 4.11: copy rounds 1/3 to bf16 0x3eab and f16 0x3555");
    /* argmax: ties go to the lowest id; logprob of a uniform row = -log(n) */
    vo_tensor *lg = zeros(7, 2, 1, "logits");
    ((float *)lg->data)[3] = 2; ((float *)lg->data)[5] = 2;
    int32_t id[2];
    float lp[2];
    vo_argmax_logprob(fast, lg, id, lp);
    ok(id[0] == 3 && id[1] == 0 && fabsf(lp[1] + logf(7)) < 1e-6,
       "backend 4.12: argmax lowest id on ties, log-prob of a flat row");
    vo_tensor_free(fast, x); vo_tensor_free(fast, o); vo_tensor_free(fast, w);
    vo_tensor_free(fast, bb); vo_tensor_free(fast, row); vo_tensor_free(fast, one);
    vo_tensor_free(fast, q); vo_tensor_free(fast, qo); vo_tensor_free(fast, pos);
    vo_tensor_free(fast, tab); vo_tensor_free(fast, ids); vo_tensor_free(fast, b16);
    vo_tensor_free(fast, h16); vo_tensor_free(fast, lg);
}

static void test_resize(void)
{
    /* 2×2 → 4×4 single channel: PyTorch gives rows [1, 1.25, 1.75, 2]... */
    vo_tensor *in = vo_tensor_new(fast, VO_F32, 1, 2, 2, 1, "in"), *out = zeros(1, 4, 4, "out");
    float *id = in->data, *od = out->data;
    id[0] = 1; id[1] = 2; id[2] = 3; id[3] = 4;
    vo_resize_bilinear(fast, out, in);
    /* torch.nn.functional.interpolate([[1,2],[3,4]], (4,4), bilinear) row 0 */
    ok(od[0] == 1.0f && od[1] == 1.25f && od[2] == 1.75f && od[3] == 2.0f && od[15] == 4.0f &&
       od[4] == 1.5f, "backend 5.1: bilinear 2×2 → 4×4 as PyTorch");
    vo_tensor *big = rnd(VO_F32, 3, 7, 5, "big"), *small = zeros(3, 4, 3, "small");
    vo_resize_bilinear(fast, small, big);
    ok(isfinite(((float *)small->data)[35]), "backend 5.2: bilinear downsample 7×5 → 4×3 runs");
    vo_tensor_free(fast, in); vo_tensor_free(fast, out);
    vo_tensor_free(fast, big); vo_tensor_free(fast, small);
}

static void test_sticky(vo_ctx *ctx)
{
    vo_tensor *w = rnd(VO_F32, 4, 3, 1, "blk.w"), *x = rnd(VO_F32, 5, 2, 1, "x");
    vo_tensor *o = zeros(3, 2, 1, "o");
    vo_matmul(fast, o, w, x, NULL);
    ((float *)o->data)[0] = 42;
    vo_gelu_erf(fast, o, o);   /* must do nothing now */
    vo_status st = vo_backend_sync(fast, ctx);
    ok(st == VO_ERR_ARGUMENT && strstr(vo_last_error(ctx), "matmul blk.w") &&
       ((float *)o->data)[0] == 42, "backend 6.1: shape mismatch sticks, names the op, later ops skip");
    vo_backend_clear_error(fast);
    ok(vo_backend_sync(fast, ctx) == VO_OK, "backend 6.2: cleared error");
    ok(vo_backend_supports(fast, VO_OP_MATMUL, VO_BF16) &&
       !vo_backend_supports(fast, VO_OP_SOFTMAX, VO_BF16), "backend 6.3: supports()");
    vo_tensor_free(fast, w); vo_tensor_free(fast, x); vo_tensor_free(fast, o);
}

/* vo_cpu_round_activations: with AVX512_BF16 and AVX-512 active, the GEMM
 * of bf16 weights over more than 16 rows equals the exact product of the
 * activations rounded to bf16; odd K, decode rows, other weight types and a
 * lower ISA stay exact; without the instructions it is refused */
static void test_matmul_bf16act(vo_ctx *ctx, int part)
{
    static const int64_t shapes[][4] = {/* K, N, M, 1: exact still */
        {130, 200, 1100, 0}, {300, 13, 70, 0}, {96, 31, 20, 0}, {64, 100, 40, 0},
        {520, 9, 17, 0}, {129, 67, 50, 1}, {256, 30, 9, 1}, {64, 12, 16, 1}};
    enum { NS = sizeof shapes / sizeof shapes[0] };
    bool can = cpu_have_avx512_bf16();
    vo_status st = vo_cpu_round_activations(ctx, fast, true);
    ok(can ? st == VO_OK : st == VO_ERR_UNSUPPORTED && strstr(vo_last_error(ctx), "AVX512_BF16"),
       "backend 10.%d: %s: bf16 activations %s (%s)", part + 1, isa,
       can ? "taken" : "refused", st ? vo_last_error(ctx) : "ok");
    for (int s = 0; s < NS; s++) {
        int64_t K = shapes[s][0], N = shapes[s][1], M = shapes[s][2];
        bool exact = !can || shapes[s][3];
        vo_tensor *w = rnd(VO_BF16, K, N, 1, "w"), *x = rnd(VO_F32, K, M, 1, "x");
        vo_tensor *xr = zeros(K, M, 1, "x.bf16"), *b = rnd(VO_F32, N, 1, 1, "b");
        for (int64_t i = 0; i < K * M; i++)
            ((float *)xr->data)[i] = cpu_bf16_to_f32(cpu_f32_to_bf16(((float *)x->data)[i]));
        vo_tensor *o = zeros(N, M, 1, "o"), *oe = zeros(N, M, 1, "o.exact");
        vo_tensor *orr = zeros(N, M, 1, "o.rounded");
        vo_matmul(fast, o, w, x, s & 1 ? b : NULL);
        vo_matmul(ref, oe, w, x, s & 1 ? b : NULL);
        vo_matmul(ref, orr, w, xr, s & 1 ? b : NULL);
        double e_exact = maxrel(o, oe), e_round = maxrel(o, orr), tol = 1e-5 * sqrt((double)K);
        ok(exact ? e_exact < tol : e_round < tol && e_exact > 1e-4,
           "backend 10.%d: %s K%lld N%lld M%lld with bf16 activations on: %s (err %.2g to the "
           "exact product, %.2g to the product of x rounded to bf16)", part + s + 2, isa,
           (long long)K, (long long)N, (long long)M,
           exact ? "exact" : "the product of x rounded to bf16", e_exact, e_round);
        vo_tensor_free(fast, w); vo_tensor_free(fast, x); vo_tensor_free(fast, xr);
        vo_tensor_free(fast, b); vo_tensor_free(fast, o); vo_tensor_free(fast, oe);
        vo_tensor_free(fast, orr);
    }
    ok(vo_cpu_round_activations(ctx, fast, false) == VO_OK &&
       vo_cpu_round_activations(ctx, ref, true) == VO_ERR_UNSUPPORTED &&
       vo_cpu_round_activations(ctx, ref, false) == VO_OK,
       "backend 10.%d: %s: turned off again; the reference backend refuses it", part + NS + 2, isa);
    vo_clear_error(ctx);
}

/* f32 copy of t with its values rounded to bf16 */
static vo_tensor *rounded_bf16(const vo_tensor *t, const char *name)
{
    vo_tensor *r = zeros(t->ne[0], t->ne[1], t->ne[2], name);
    for (int64_t i = 0; i < vo_nelements(t); i++)
        ((float *)r->data)[i] = cpu_bf16_to_f32(cpu_f32_to_bf16(((float *)t->data)[i]));
    return r;
}

/* bf16 activations and attention: with AVX512_BF16 and AVX-512 active, a
 * non-causal attention of f32 keys and values (the vision tower's) over
 * more than 2 rows a head takes its products by vdpbf16ps: within the
 * rounding of p of the attention of q, k and v rounded to bf16, and off
 * the exact one; causal tasks, bf16 keys, 2 rows a head and lower ISAs
 * stay exact (head_dim odd and past the 16-wide loads, odd key counts for
 * a last pair with one key, sharp softmaxes, tiles of 64 rows and less) */
static void test_attention_bf16act(vo_ctx *ctx, int part)
{
    static const struct {
        int64_t hd, nh, nkvh, nq, nkv;
        float qscale;
        bool causal, rounds;
        vo_type kt;
    } cs[] = {{72, 4, 4, 97, 97, 1.0f, false, true, VO_F32},
              {40, 6, 2, 21, 77, 8.0f, false, true, VO_F32},
              {15, 3, 1, 50, 33, 1.0f, false, true, VO_F32},
              {128, 2, 2, 9, 200, 4.0f, false, true, VO_F32},
              {72, 4, 4, 40, 40, 1.0f, true, false, VO_F32},
              {72, 4, 4, 40, 40, 1.0f, false, false, VO_BF16},
              {72, 4, 4, 2, 50, 1.0f, false, false, VO_F32}};
    bool can = cpu_have_avx512_bf16();
    vo_status st = vo_cpu_round_activations(ctx, fast, true);
    vo_clear_error(ctx);
    for (size_t c = 0; c < sizeof cs / sizeof cs[0]; c++) {
        int64_t hd = cs[c].hd, nh = cs[c].nh, nq = cs[c].nq, nkv = cs[c].nkv;
        bool rounds = can && st == VO_OK && cs[c].rounds;
        vo_tensor *q = rnd(VO_F32, hd, nh, nq, "q"), *k = rnd(cs[c].kt, hd, cs[c].nkvh, nkv, "k");
        vo_tensor *v = rnd(VO_F32, hd, cs[c].nkvh, nkv, "v");
        for (int64_t i = 0; i < vo_nelements(q); i++)
            ((float *)q->data)[i] *= cs[c].qscale;
        vo_tensor *qr = rounded_bf16(q, "q.bf16"), *vr = rounded_bf16(v, "v.bf16");
        vo_tensor *kr = cs[c].kt == VO_F32 ? rounded_bf16(k, "k.bf16") : k;
        vo_tensor *o = zeros(hd, nh, nq, "o"), *oe = zeros(hd, nh, nq, "o.exact");
        vo_tensor *orr = zeros(hd, nh, nq, "o.rounded");
        run_attn(fast, o, q, k, v, &nq, &nkv, 1, cs[c].causal);
        run_attn(ref, oe, q, k, v, &nq, &nkv, 1, cs[c].causal);
        run_attn(ref, orr, qr, kr, vr, &nq, &nkv, 1, cs[c].causal);
        double e_exact = maxrel(o, oe), e_round = maxrel(o, orr);
        ok(vo_backend_sync(fast, NULL) == VO_OK &&
           (rounds ? e_round < 2e-3 && e_exact > 1e-4 : e_exact < 1e-5),
           "backend 13.%d: %s attention with bf16 activations on, head_dim %lld, %lld:%lld "
           "heads, %lld queries over %lld %s keys%s, %s: %s (err %.2g to the exact attention, "
           "%.2g to that of q, k, v rounded to bf16)", part + (int)c + 1, isa, (long long)hd,
           (long long)nh, (long long)cs[c].nkvh, (long long)nq, (long long)nkv,
           vo_type_name(cs[c].kt), cs[c].qscale > 1 ? ", sharp softmax" : "",
           cs[c].causal ? "causal" : "full", rounds ? "products in bf16" : "exact", e_exact,
           e_round);
        vo_tensor_free(fast, q); vo_tensor_free(fast, k); vo_tensor_free(fast, v);
        vo_tensor_free(fast, qr); vo_tensor_free(fast, vr); vo_tensor_free(fast, o);
        vo_tensor_free(fast, oe); vo_tensor_free(fast, orr);
        if (kr != k)
            vo_tensor_free(fast, kr);
    }
    ok(vo_cpu_round_activations(ctx, fast, false) == VO_OK, "backend 13.%d: %s: bf16 "
       "activations off again", part + (int)(sizeof cs / sizeof cs[0]) + 1, isa);
}

/* a cancel flag: the next op fails with VO_ERR_ABORT, later ones do nothing,
 * clearing the error while the flag stays set does not run ops again */
static void test_cancel(vo_ctx *ctx)
{
    volatile sig_atomic_t stop = 0;
    vo_tensor *a = rnd(VO_F32, 8, 2, 1, "a"), *o = zeros(8, 2, 1, "o");
    vo_backend_set_cancel(fast, &stop);
    vo_add(fast, o, a, a);
    ok(vo_backend_sync(fast, ctx) == VO_OK && ((float *)o->data)[3] == 2 * ((float *)a->data)[3],
       "backend 6.4: an unset cancel flag runs ops");
    memset(o->data, 0, 64);
    stop = 1;
    vo_add(fast, o, a, a);
    vo_gelu_erf(fast, o, a);
    vo_status st = vo_backend_sync(fast, ctx);
    ok(st == VO_ERR_ABORT && strstr(vo_last_error(ctx), "cancelled") &&
       ((float *)o->data)[3] == 0 && ((float *)o->data)[12] == 0,
       "backend 6.5: a set cancel flag: VO_ERR_ABORT, no op runs");
    vo_backend_clear_error(fast);
    vo_add(fast, o, a, a);
    ok(vo_backend_sync(fast, ctx) == VO_ERR_ABORT && ((float *)o->data)[3] == 0,
       "backend 6.6: still cancelled after clearing the error");
    stop = 0;
    vo_backend_clear_error(fast);
    vo_add(fast, o, a, a);
    ok(vo_backend_sync(fast, ctx) == VO_OK && ((float *)o->data)[3] == 2 * ((float *)a->data)[3],
       "backend 6.7: ops run again once the flag is down");
    vo_backend_set_cancel(fast, NULL);
    /* a deadline: past, the next op fails with VO_ERR_LIMIT; none, ops run */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    vo_backend_set_deadline(fast, (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec - 1);
    memset(o->data, 0, 64);
    vo_add(fast, o, a, a);
    st = vo_backend_sync(fast, ctx);
    ok(st == VO_ERR_LIMIT && strstr(vo_last_error(ctx), "deadline") && ((float *)o->data)[3] == 0,
       "backend 6.8: a deadline passed: VO_ERR_LIMIT, no op runs (%s)", vo_last_error(ctx));
    vo_backend_set_deadline(fast, (double)ts.tv_sec + 3600);
    vo_backend_clear_error(fast);
    vo_add(fast, o, a, a);
    ok(vo_backend_sync(fast, ctx) == VO_OK && ((float *)o->data)[3] == 2 * ((float *)a->data)[3],
       "backend 6.9: a deadline ahead: ops run");
    vo_backend_set_deadline(fast, 0);
    vo_clear_error(ctx);
    vo_tensor_free(fast, a); vo_tensor_free(fast, o);
}

/* the instruction set: parsed names, the CPU's limit, $VO_CPU_ISA */
static void test_isa(vo_ctx *ctx)
{
    cpu_isa got = CPU_ISA_SCALAR;
    char msg[128] = "";
    ok(cpu_isa_parse("avx2", CPU_ISA_AVX512, &got, msg, sizeof msg) && got == CPU_ISA_AVX2 &&
       cpu_isa_parse("scalar", CPU_ISA_SCALAR, &got, msg, sizeof msg) && got == CPU_ISA_SCALAR,
       "backend 8.1: avx2 on an AVX-512 CPU, scalar on any CPU");
    ok(!cpu_isa_parse("avx512", CPU_ISA_AVX2, &got, msg, sizeof msg) &&
       strstr(msg, "no AVX-512"), "backend 8.2: avx512 on an AVX2-only CPU is refused (%s)", msg);
    ok(!cpu_isa_parse("sse9", CPU_ISA_AVX512, &got, msg, sizeof msg) && strstr(msg, "'sse9'"),
       "backend 8.3: an unknown name is refused (%s)", msg);
    vo_backend *be = NULL;
    setenv("VO_CPU_ISA", "AVX512", 1);
    vo_status st = vo_new_cpu_backend(ctx, 1, &be);
    ok(st == VO_ERR_ARGUMENT && !be && strstr(vo_last_error(ctx), "VO_CPU_ISA=AVX512"),
       "backend 8.4: VO_CPU_ISA=AVX512 (wrong case) fails the backend (%s)", vo_last_error(ctx));
    vo_clear_error(ctx);
    setenv("VO_CPU_ISA", "scalar", 1);
    st = vo_new_cpu_backend(ctx, 1, &be);
    ok(st == VO_OK && !strcmp(vo_cpu_isa(), "scalar"), "backend 8.5: VO_CPU_ISA=scalar is used");
    vo_backend_drop(be);
    unsetenv("VO_CPU_ISA");
    st = vo_cpu_use_isa(ctx, NULL);
    ok(st == VO_OK && !strcmp(vo_cpu_isa(), cpu_isa_best() ==
       CPU_ISA_AVX512 ? "avx512" : cpu_isa_best() == CPU_ISA_AVX2 ? "avx2" : "scalar"),
       "backend 8.6: without VO_CPU_ISA the best the CPU has (%s)", vo_cpu_isa());
}

/* the row-wise ops of the fast backend (threaded in chunks of rows, SiLU
 * and GELU-tanh in AVX-512 lanes) against _ref: the norms, RoPE and
 * GELU-erf bit for bit (the same formulas), SiLU and GELU-tanh within
 * float rounding, on rows with SIMD tails, several tasks' worth of rows,
 * values out to ±100 (saturation) */
static void test_row_ops(void)
{
    static const int64_t shapes[][2] = {{1152, 37}, {2050, 9}, {7, 5000}};
    int n = 0;
    for (size_t c = 0; c < sizeof shapes / sizeof shapes[0]; c++) {
        int64_t D = shapes[c][0], R = shapes[c][1];
        vo_tensor *x = rnd(VO_F32, D, R, 1, "x"), *u = rnd(VO_F32, D, R, 1, "u");
        vo_tensor *w = rnd(VO_BF16, D, 1, 1, "w"), *b = rnd(VO_F32, D, 1, 1, "b");
        vo_tensor *o1 = zeros(D, R, 1, "o1"), *o2 = zeros(D, R, 1, "o2");
        float *xd = x->data;
        for (int64_t i = 0; i < D * R; i++)
            xd[i] *= i % 97 == 0 ? 100.0f : 8.0f;
        vo_rms_norm(fast, o1, x, w, 1e-6f);
        vo_rms_norm(ref, o2, x, w, 1e-6f);
        bool same = !memcmp(o1->data, o2->data, sizeof(float) * (size_t)(D * R));
        vo_layer_norm(fast, o1, x, w, b, 1e-6f);
        vo_layer_norm(ref, o2, x, w, b, 1e-6f);
        same = same && !memcmp(o1->data, o2->data, sizeof(float) * (size_t)(D * R));
        vo_gelu_erf(fast, o1, x);
        vo_gelu_erf(ref, o2, x);
        same = same && !memcmp(o1->data, o2->data, sizeof(float) * (size_t)(D * R));
        ok(same, "backend 4.%d: %s rms_norm, layer_norm, gelu_erf of %lld rows of %lld = _ref "
           "bit for bit", 20 + n++, isa, (long long)R, (long long)D);
        vo_gelu_tanh(fast, o1, x);
        vo_gelu_tanh(ref, o2, x);
        double eg = maxrel(o1, o2);
        vo_silu_mul(fast, o1, x, u);
        vo_silu_mul(ref, o2, x, u);
        double es = maxrel(o1, o2);
        /* in place, as the model calls it: the same values */
        vo_tensor *x2 = zeros(D, R, 1, "x2");
        memcpy(x2->data, x->data, sizeof(float) * (size_t)(D * R));
        vo_silu_mul(fast, x2, x2, u);
        bool inplace = !memcmp(x2->data, o1->data, sizeof(float) * (size_t)(D * R));
        ok(vo_backend_sync(fast, NULL) == VO_OK && eg < 1e-6 && es < 1e-6 && inplace,
           "backend 4.%d: %s gelu_tanh (err %.2g) and silu_mul (err %.2g, in place the same) of "
           "%lld rows of %lld = _ref", 20 + n++, isa, eg, es, (long long)R, (long long)D);
        vo_tensor *ts[] = {x, u, w, b, o1, o2, x2};
        for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
            vo_tensor_free(fast, ts[i]);
    }
    /* RoPE: 16 heads of 128 over 40 positions (several tasks), and 2 of 6 */
    static const int64_t rs[][3] = {{128, 16, 40}, {6, 2, 3}};
    for (size_t c = 0; c < sizeof rs / sizeof rs[0]; c++) {
        int64_t hd = rs[c][0], nh = rs[c][1], T = rs[c][2];
        vo_tensor *q = rnd(VO_F32, hd, nh, T, "q"), *o1 = zeros(hd, nh, T, "o1");
        vo_tensor *o2 = zeros(hd, nh, T, "o2");
        vo_tensor *pos = vo_tensor_new(fast, VO_I32, T, 1, 1, 1, "pos");
        for (int64_t t = 0; t < T; t++)
            ((int32_t *)pos->data)[t] = (int32_t)(t * 151 % 6007);
        vo_rope(fast, o1, q, pos, 1e6f);
        vo_rope(ref, o2, q, pos, 1e6f);
        ok(vo_backend_sync(fast, NULL) == VO_OK &&
           !memcmp(o1->data, o2->data, sizeof(float) * (size_t)(hd * nh * T)),
           "backend 4.%d: %s rope, %lld heads of %lld at %lld positions = _ref bit for bit",
           20 + n++, isa, (long long)nh, (long long)hd, (long long)T);
        vo_tensor_free(fast, q); vo_tensor_free(fast, o1); vo_tensor_free(fast, o2);
        vo_tensor_free(fast, pos);
    }
}

/* long contexts over several key blocks (the AVX-512 kernel's blocks of
 * CPU_ATTN_KEYS, its tiles of CPU_ATTN_ROWS rows and its row padding), head
 * sizes with and without SIMD tails, sharp and flat softmaxes against _ref;
 * and a query's output is the same bit for bit whether it is computed alone
 * over the keys it sees (a decode step) or inside a longer chunk (a prefill
 * or a verified draft) */
/* keys bf16 (a cache) or f32 (the vision tower's, which the AVX-512 full
 * path reads straight from their rows: head_dim 72 and 40 past its 16-wide
 * loads, a task of 64 rows and one of 6, G 3, blocks of keys and a part) */
static void test_attention_long(void)
{
    static const struct {
        int64_t hd, nh, nkvh, nq, nkv;
        float qscale;
        bool causal;
        vo_type kt;
    } cs[] = {{128, 16, 8, 70, 150, 1.0f, true, VO_BF16}, {72, 4, 4, 97, 97, 1.0f, false, VO_BF16},
              {8, 6, 2, 33, 65, 30.0f, true, VO_BF16}, {100, 3, 1, 40, 200, 8.0f, true, VO_BF16},
              {128, 4, 2, 1, 300, 1.0f, true, VO_BF16}, {16, 2, 2, 65, 64, 1.0f, false, VO_BF16},
              {72, 3, 3, 70, 100, 8.0f, false, VO_F32}, {40, 6, 2, 21, 77, 1.0f, false, VO_F32}};
    int n = 0;
    for (size_t c = 0; c < sizeof cs / sizeof cs[0]; c++) {
        int64_t hd = cs[c].hd, nh = cs[c].nh, nq = cs[c].nq, nkv = cs[c].nkv;
        vo_tensor *q = rnd(VO_F32, hd, nh, nq, "q"), *k = rnd(cs[c].kt, hd, cs[c].nkvh, nkv, "k");
        vo_tensor *v = rnd(VO_F32, hd, cs[c].nkvh, nkv, "v");
        for (int64_t i = 0; i < vo_nelements(q); i++)
            ((float *)q->data)[i] *= cs[c].qscale;
        vo_tensor *o1 = zeros(hd, nh, nq, "o1"), *o2 = zeros(hd, nh, nq, "o2");
        run_attn(fast, o1, q, k, v, &nq, &nkv, 1, cs[c].causal);
        run_attn(ref, o2, q, k, v, &nq, &nkv, 1, cs[c].causal);
        double e = maxrel(o1, o2);
        ok(vo_backend_sync(fast, NULL) == VO_OK && e < 1e-5,
           "backend 2.%d: %s attention, head_dim %lld, %lld:%lld heads, %lld queries over %lld "
           "%s keys%s, %s (err %.2g)", 14 + n++, isa, (long long)hd, (long long)nh,
           (long long)cs[c].nkvh, (long long)nq, (long long)nkv, vo_type_name(cs[c].kt),
           cs[c].qscale > 1 ? ", sharp softmax" : "", cs[c].causal ? "causal" : "full", e);
        if (cs[c].causal && nq > 1) {
            /* queries 0, the middle, the last: alone over the keys they see */
            int64_t pick[3] = {0, nq / 2, nq - 1};
            bool same = true;
            for (int t = 0; t < 3; t++) {
                int64_t i = pick[t], one = 1, see = nkv - nq + i + 1;
                vo_tensor *o3 = zeros(hd, nh, 1, "o3");
                vo_tensor qi = vo_view(q, hd, nh, 1, 1, q->nb[1], q->nb[2], q->nb[3],
                                       (size_t)i * q->nb[2]);
                run_attn(fast, o3, &qi, k, v, &one, &see, 1, true);
                same = same && !memcmp(o3->data, (char *)o1->data + (size_t)i * o1->nb[2],
                                       sizeof(float) * (size_t)(hd * nh));
                vo_tensor_free(fast, o3);
            }
            ok(same, "backend 2.%d: %s: queries 0, %lld and %lld of a %lld-query chunk alone "
               "over the keys they see give the same bits", 14 + n++, isa,
               (long long)(nq / 2), (long long)(nq - 1), (long long)nq);
        }
        vo_tensor_free(fast, q); vo_tensor_free(fast, k); vo_tensor_free(fast, v);
        vo_tensor_free(fast, o1); vo_tensor_free(fast, o2);
    }
}


/* a cache of type t holding rnd values (q8 and bf16 by copy) */
static vo_tensor *rnd_cache(vo_type t, int64_t hd, int64_t nkvh, int64_t n, const char *name)
{
    vo_tensor *f = rnd(VO_F32, hd, nkvh, n, name);
    if (t == VO_F32 || !f)
        return f;
    vo_tensor *c = vo_tensor_new(fast, t, hd, nkvh, n, 1, name);
    if (c)
        vo_copy(fast, c, f);
    vo_tensor_free(fast, f);
    return c;
}

/* Decode steps (one query a sequence: the AVX2 decode path where a query
 * has G ≤ 2 heads a KV head and the cache is f32, bf16 or q8): each
 * sequence's query gives the bits it gets as the last row of a 3-query
 * chunk (the path that widens blocks first), and _ref's values; keys of a
 * block and less, a block and one, and past the prefetch distance; KV
 * heads split over tasks as the thread count has it (1 thread: all 8 in
 * one task; 3 threads: 4 or 1 a task) */
static void test_attention_decode(vo_ctx *ctx)
{
    static const vo_type types[] = {VO_F32, VO_BF16, VO_Q8ROW};
    static const int64_t hds[] = {128, 64}, Gs[] = {2, 1};
    vo_backend *one = NULL;
    if (vo_new_cpu_backend(ctx, 1, &one) != VO_OK)
        return;
    int n = 0;
    for (int ti = 0; ti < 3; ti++)
        for (int hi = 0; hi < 2; hi++)
            for (int gi = 0; gi < 2; gi++) {
                int64_t hd = hds[hi], G = Gs[gi], nkvh = 8, nh = nkvh * G;
                int64_t nkv[3] = {300, 9, 8}, dq[3] = {1, 1, 1}, cq[3] = {3, 3, 3};
                vo_tensor *k = rnd_cache(types[ti], hd, nkvh, 317, "k");
                vo_tensor *v = rnd_cache(types[ti], hd, nkvh, 317, "v");
                vo_tensor *qc = rnd(VO_F32, hd, nh, 9, "q.chunk");
                vo_tensor *qd = zeros(hd, nh, 3, "q.decode");
                for (int s = 0; s < 3; s++)  /* each decode query: its chunk's last row */
                    memcpy((char *)qd->data + (size_t)s * qd->nb[2],
                           (char *)qc->data + (size_t)(3 * s + 2) * qc->nb[2], qd->nb[2]);
                vo_tensor *oc = zeros(hd, nh, 9, "o.chunk"), *od = zeros(hd, nh, 3, "o.decode");
                vo_tensor *o1 = zeros(hd, nh, 3, "o.one"), *or = zeros(hd, nh, 3, "o.ref");
                vo_tensor *os = zeros(hd, nh, 3, "o.single");
                run_attn(fast, oc, qc, k, v, cq, nkv, 3, true);
                run_attn(fast, od, qd, k, v, dq, nkv, 3, true);
                run_attn(one, o1, qd, k, v, dq, nkv, 3, true);
                run_attn(ref, or, qd, k, v, dq, nkv, 3, true);
                run_attn(fast, os, qd, k, v, dq, nkv, 1, true);
                bool same = vo_backend_sync(fast, ctx) == VO_OK &&
                            vo_backend_sync(one, ctx) == VO_OK &&
                            vo_backend_sync(ref, ctx) == VO_OK;
                for (int s = 0; s < 3; s++)
                    same = same && !memcmp((char *)od->data + (size_t)s * od->nb[2],
                                           (char *)oc->data + (size_t)(3 * s + 2) * oc->nb[2],
                                           od->nb[2]);
                same = same && !memcmp(od->data, o1->data, vo_nbytes(od)) &&
                       !memcmp(od->data, os->data, os->nb[2]);
                ok(same && maxrel(od, or) < 1e-5,
                   "backend 2.%d: %s: decode steps on a %s cache (hd %lld, G %lld query heads a "
                   "KV head, 300, 9 and 8 keys; 1 and 3 threads, one sequence alone) = the last "
                   "rows of 3-query chunks bit for bit; _ref within %.2g", 70 + n++, isa,
                   vo_type_name(types[ti]), (long long)hd, (long long)G, maxrel(od, or));
                vo_tensor *ts[] = {k, v, qc, qd, oc, od, o1, or, os};
                for (size_t t = 0; t < sizeof ts / sizeof ts[0]; t++)
                    vo_tensor_free(fast, ts[t]);
            }
    vo_backend_drop(one);
}

/* A paged cache (vo_attn_seq.blocks): two sequences whose keys lie in
 * scattered 32-row blocks of a pool (the other rows garbage) give the bits
 * of the same keys stored in order, decode and prefill rows, each cache
 * type; block tables of a bad shape are refused */
static void test_attention_paged(vo_ctx *ctx)
{
    static const vo_type types[] = {VO_F32, VO_BF16, VO_Q8ROW};
    static const int64_t hds[] = {128, 40};
    /* A: 150 keys in blocks 7 2 10 0 5; B: 100 keys in blocks 3 11 1 8 */
    static const int32_t tab[9] = {7, 2, 10, 0, 5, 3, 11, 1, 8};
    const int64_t br = 32, nq[2] = {1, 40}, nkv[2] = {150, 100}, first[2] = {0, 5};
    int n = 0;
    for (int ti = 0; ti < 3; ti++)
        for (int hi = 0; hi < 2; hi++) {
            for (int64_t nqh = 8; nqh >= 4; nqh -= 4) {
                vo_type type = types[ti];
                int64_t hd = hds[hi];
                vo_tensor *q = rnd(VO_F32, hd, nqh, 41, "q");
                vo_tensor *k32 = rnd(VO_F32, hd, 2, 250, "k32");
                vo_tensor *v32 = rnd(VO_F32, hd, 2, 250, "v32");
                vo_tensor *junk = rnd(VO_F32, hd, 2, 12 * br, "junk");
                vo_tensor *k = vo_tensor_new(fast, type, hd, 2, 250, 1, "k");
                vo_tensor *v = vo_tensor_new(fast, type, hd, 2, 250, 1, "v");
                vo_tensor *pk = vo_tensor_new(fast, type, hd, 2, 12 * br, 1, "pool.k");
                vo_tensor *pv = vo_tensor_new(fast, type, hd, 2, 12 * br, 1, "pool.v");
                vo_tensor *bt = vo_tensor_new(fast, VO_I32, 9, 1, 1, 1, "blocks");
                vo_copy(fast, k, k32);
                vo_copy(fast, v, v32);
                vo_copy(fast, pk, junk);
                vo_copy(fast, pv, junk);
                vo_tensor_set(fast, bt, tab, sizeof tab);
                vo_tensor bv[2];
                vo_attn_seq ps[2];
                for (int s = 0, base = 0; s < 2; base += (int)nkv[s], s++) {
                    for (int64_t j = 0; j < nkv[s]; j += br) {
                        int64_t run = nkv[s] - j < br ? nkv[s] - j : br;
                        size_t to = (size_t)(tab[first[s] + j / br] * br) * pk->nb[2];
                        size_t from = (size_t)(base + j) * k32->nb[2];
                        vo_tensor d = vo_view(pk, hd, 2, run, 1, 0, 0, 0, to);
                        vo_tensor x = vo_view(k32, hd, 2, run, 1, 0, 0, 0, from);
                        vo_copy(fast, &d, &x);
                        d = vo_view(pv, hd, 2, run, 1, 0, 0, 0, to);
                        x = vo_view(v32, hd, 2, run, 1, 0, 0, 0, from);
                        vo_copy(fast, &d, &x);
                    }
                    bv[s] = vo_view(bt, (nkv[s] + br - 1) / br, 1, 1, 1, 0, 0, 0,
                                    sizeof(int32_t) * (size_t)first[s]);
                    ps[s] = (vo_attn_seq){.q_start = s, .n_q = nq[s], .k = pk, .v = pv,
                                          .n_kv = nkv[s], .blocks = &bv[s], .block_rows = br};
                }
                vo_tensor *o1 = zeros(hd, nqh, 41, "o1"), *o2 = zeros(hd, nqh, 41, "o2");
                vo_tensor *o3 = zeros(hd, nqh, 41, "o3");
                run_attn(fast, o1, q, k, v, nq, nkv, 2, true);
                vo_attention(fast, o2, q, ps, 2, 1.0f / sqrtf((float)hd), true);
                vo_attention(ref, o3, q, ps, 2, 1.0f / sqrtf((float)hd), true);
                bool good = vo_backend_sync(fast, ctx) == VO_OK &&
                            vo_backend_sync(ref, ctx) == VO_OK;
                ok(good && maxrel(o2, o1) == 0 && maxrel(o3, o1) < 1e-5,
                   "backend 2.%d: %s attention on a paged %s cache (hd %lld, %lld query heads a "
                   "KV head, keys of a decode row and a 40-row chunk in scattered 32-row "
                   "blocks) = the keys in order, bit for bit; _ref on it within %.2g", 51 + n++,
                   isa, vo_type_name(type), (long long)hd, (long long)nqh / 2, maxrel(o3, o1));
                /* refused: blocks of 48 rows (no power of two), of 16 (under the
                 * alignment), a table too short for the keys */
                int refused = 0;
                static const int64_t bad_rows[3] = {48, 16, 32};
                for (int b = 0; b < 3 && good; b++) {
                    vo_attn_seq bad = ps[0];
                    vo_tensor shorter = vo_view(bt, 4, 1, 1, 1, 0, 0, 0, 0);
                    bad.block_rows = bad_rows[b];
                    if (b == 2)
                        bad.blocks = &shorter;
                    vo_attention(fast, o2, q, &bad, 1, 1.0f, true);
                    refused += vo_backend_sync(fast, ctx) == VO_ERR_ARGUMENT;
                    vo_backend_clear_error(fast);
                }
                if (hi == 0 && ti == 0 && nqh == 8)
                    ok(refused == 3, "backend 2.%d: a block table of 48-row or 16-row blocks, "
                       "or shorter than the keys, is VO_ERR_ARGUMENT (%d of 3)", 51 + n++,
                       refused);
                vo_tensor *ts[] = {q, k32, v32, junk, k, v, pk, pv, bt, o1, o2, o3};
                for (size_t t = 0; t < sizeof ts / sizeof ts[0]; t++)
                    vo_tensor_free(fast, ts[t]);
            }
        }
}

/* q8 and q4 weights: each ISA's matvec and GEMM against the _ref on the
 * same blocks (matvec tiles at M 1-16, GEMM beyond, two tasks of 192 rows,
 * K over several blocks of 32) */
static void test_matmul_quant(vo_type qt, int part)
{
    static const int64_t shapes[][3] = {{32, 13, 1}, {128, 67, 50}, {64, 9, 3}, {320, 257, 7},
                                        {96, 31, 16}, {256, 30, 17}, {2048, 9, 2},
                                        {64, 400, 70}};
    enum { NS = sizeof shapes / sizeof shapes[0] };
    for (int s = 0; s < NS; s++) {
        int64_t K = shapes[s][0], N = shapes[s][1], M = shapes[s][2];
        vo_tensor *wf = rnd(VO_BF16, K, N, 1, "wf"), *x = rnd(VO_F32, K, M, 1, "x");
        vo_tensor *w = vo_tensor_new(fast, qt, K, N, 1, 1, "w");
        vo_tensor *b = rnd(VO_F32, N, 1, 1, "b");
        vo_tensor *o1 = zeros(N, M, 1, "o1"), *o2 = zeros(N, M, 1, "o2");
        for (int64_t n = 0; n < N; n++)
            (qt == VO_Q8 ? vo_quantize_q8 : vo_quantize_q4)((char *)w->data + n * w->nb[1],
                                                            (char *)wf->data + n * wf->nb[1],
                                                            VO_BF16, K);
        vo_matmul(fast, o1, w, x, s & 1 ? b : NULL);
        vo_matmul(ref, o2, w, x, s & 1 ? b : NULL);
        double e = maxrel(o1, o2);
        ok(e < 1e-5 * sqrt((double)K), "backend 9.%d: %s matmul %s K%lld N%lld M%lld (err %.2g)",
           part + s + 1, isa, vo_type_name(qt), (long long)K, (long long)N, (long long)M, e);
        vo_tensor_free(fast, w); vo_tensor_free(fast, wf); vo_tensor_free(fast, x);
        vo_tensor_free(fast, b); vo_tensor_free(fast, o1); vo_tensor_free(fast, o2);
    }
}

/* q4 weights with at most 16 x rows: x quantized to q8 blocks, integer
 * block dots (cpu_internal.h); q8 weights, which keep f32 x, the same
 * shapes against the _ref too. Each matvec tile shape (M 1, 2, 3, 4, 16;
 * N 37: the one-row tiles at the end; K 320: an odd count of blocks) with
 * a zero weight block (block 0), a zero x block (block 1), weights at the
 * extremes (block 2: q8 ±127 and one -128, q4 nibbles 0 and 15) and an x
 * block of one huge value among small ones (block 3, the others 0 after
 * quantization): against the _ref; then rows 0-3 of a 4-row call against
 * each row alone (the same bits: a page's tokens do not depend on the pages
 * in flight with it). */
static void test_matmul_qx(vo_type qt, int part)
{
    static const int64_t ms[] = {1, 2, 3, 4, 16};
    const int64_t K = 320, N = 37;
    uint32_t rng0 = rng;    /* the later tests' random values as before */
    size_t bb = qt == VO_Q8 ? 4 + VO_Q8_BLOCK : 4 + VO_Q8_BLOCK / 2;
    vo_tensor *wf = rnd(VO_BF16, K, N, 1, "wf"), *w = vo_tensor_new(fast, qt, K, N, 1, 1, "w");
    for (int64_t n = 0; n < N; n++) {
        char *row = (char *)w->data + n * w->nb[1];
        (qt == VO_Q8 ? vo_quantize_q8 : vo_quantize_q4)(row, (char *)wf->data + n * wf->nb[1],
                                                        VO_BF16, K);
        memset(row, 0, 4);                           /* block 0: scale 0, values 0 */
        memset(row + 4, qt == VO_Q8 ? 0 : 0x88, bb - 4);
        char *b2 = row + 2 * bb;                     /* block 2: the extremes */
        for (size_t i = 4; i < bb; i++)
            b2[i] = (char)(qt == VO_Q8 ? ((i + (size_t)n) % 2 ? 127 : -127)
                                       : ((i + (size_t)n) % 2 ? 0xf0 : 0x0f));
        if (qt == VO_Q8)
            b2[4 + n % 32] = -128;
    }
    /* the x rows' blocks bit for bit vo_quantize_q8's (a zero block, a
     * huge value, ties to even: d = 1 and halves) */
    float xv[320];
    for (int k = 0; k < K; k++)
        xv[k] = k < 32 ? 0.0f : k < 64 ? (float)(k - 48) + 0.5f : frand() * (k < 96 ? 1.0f : 1e-3f);
    xv[40] = 127.0f;
    xv[200] = -4e4f;
    _Alignas(64) char xq[512];
    char blocks[10 * (4 + VO_Q8_BLOCK)];
    cpu_qx_row(xq, xv, K);
    vo_quantize_q8(blocks, xv, VO_F32, K);
    bool bits = cpu_qx_stride(K) <= sizeof xq;
    for (int b = 0; b < 10; b++)
        bits = bits && !memcmp(xq + b * 32, blocks + b * 36 + 4, 32) &&
               !memcmp(xq + cpu_qx_pad(K) + b * 4, blocks + b * 36, 4);
    ok(bits, "backend 9.%d: %s: x rows quantized bit for bit as vo_quantize_q8", part + 7, isa);
    bool same = true;
    for (int c = 0; c < 5; c++) {
        int64_t M = ms[c];
        vo_tensor *x = rnd(VO_F32, K, M, 1, "x"), *b = rnd(VO_F32, N, 1, 1, "b");
        vo_tensor *o1 = zeros(N, M, 1, "o1"), *o2 = zeros(N, M, 1, "o2");
        for (int64_t m = 0; m < M; m++) {
            float *xr = (float *)x->data + m * K;
            memset(xr + 32, 0, 32 * sizeof(float));
            xr[96 + (m * 7) % 32] = m % 2 ? -3e4f : 3e4f;
        }
        vo_matmul(fast, o1, w, x, c % 2 ? b : NULL);
        vo_matmul(ref, o2, w, x, c % 2 ? b : NULL);
        double e = maxrel(o1, o2);
        ok(e < 1e-5 * sqrt((double)K), "backend 9.%d: %s matvec %s, x %s, K%lld N%lld M%lld, zero "
           "and extreme blocks (err %.2g)", part + c + 1, isa, vo_type_name(qt),
           cpu_qx_applies(qt, M) ? "in q8 blocks" : "in f32", (long long)K, (long long)N,
           (long long)M, e);
        if (M == 4 || M == 16)
            for (int64_t m = 0; m < M; m++) {
                vo_tensor xm = vo_view(x, K, 1, 1, 1, x->nb[1], x->nb[2], x->nb[3],
                                       (size_t)m * x->nb[1]);
                vo_tensor *o3 = zeros(N, 1, 1, "o3");
                vo_matmul(fast, o3, w, &xm, c % 2 ? b : NULL);
                same = same && !memcmp(o3->data, (char *)o1->data + m * o1->nb[1],
                                       sizeof(float) * (size_t)N);
                vo_tensor_free(fast, o3);
            }
        vo_tensor_free(fast, x); vo_tensor_free(fast, b);
        vo_tensor_free(fast, o1); vo_tensor_free(fast, o2);
    }
    /* every path computes each output as for its x row alone (the AVX2 q4
     * dot in groups of 8 x rows: 16 is two of them) */
    ok(same, "backend 9.%d: %s %s matvec: each row of a 4-row and a 16-row call the same bits "
       "alone", part + 6, isa, vo_type_name(qt));
    vo_tensor_free(fast, w); vo_tensor_free(fast, wf);
    rng = rng0;
}

/* the q8 blocks: scale max|v| / 127, the largest value at ±127, every value
 * within half a step, an all-zero block all zeros; shapes that do not fill
 * whole blocks refused */
static void test_q8_format(vo_ctx *ctx)
{
    float v[96];
    for (int i = 0; i < 96; i++)
        v[i] = i < 32 ? 0.0f : frand() * (i < 64 ? 1.0f : 1e-3f);
    v[40] = -1.5f;
    char q[3 * (4 + VO_Q8_BLOCK)];
    vo_quantize_q8(q, v, VO_F32, 96);
    int good = 1;
    double worst = 0;
    for (int b = 0; b < 3; b++) {
        float d, amax = 0;
        memcpy(&d, q + b * 36, 4);
        for (int i = 0; i < 32; i++)
            amax = fmaxf(amax, fabsf(v[b * 32 + i]));
        good &= d == amax / 127.0f;
        for (int i = 0; i < 32; i++) {
            float back = cpu_get_f(q, VO_Q8, b * 32 + i);
            double err = fabs((double)back - v[b * 32 + i]);
            good &= err <= 0.5 * d * (1 + 1e-6) + 1e-30;
            worst = d > 0 && err / d > worst ? err / d : worst;
        }
    }
    good &= (signed char)q[36 + 4 + 8] == -127;          /* v[40], the block's max |v| */
    for (int i = 0; i < 36; i++)
        good &= q[i] == 0;
    ok(good, "backend 9.20: q8 blocks: d = max|v| / 127, max at -127, every value within "
       "half a step (worst %.3f steps), a zero block all zeros", worst);
    /* q4: the value of largest |v| comes back exactly (d = m / -8, q 0),
     * every other within half a step of d unless clamped at +7 (v = -m) */
    float u[64];
    for (int i = 0; i < 64; i++)
        u[i] = frand() * (i < 32 ? 1.0f : 3.0f);
    u[5] = 1.25f;
    u[37] = -4.0f;
    u[40] = 4.0f;
    char q4[2 * (4 + VO_Q8_BLOCK / 2)];
    vo_quantize_q4(q4, u, VO_F32, 64);
    int good4 = 1;
    double worst4 = 0;
    for (int b = 0; b < 2; b++) {
        float d;
        memcpy(&d, q4 + b * 20, 4);
        good4 &= d == (b ? -4.0f : 1.25f) / -8.0f;
        for (int i = 0; i < 32; i++) {
            float back = cpu_get_f(q4, VO_Q4, b * 32 + i), want = u[b * 32 + i];
            double err = fabs((double)back - want);
            if (b == 1 && i == 8)           /* 4.0 = -m: clamped to 7 steps */
                good4 &= back == 7 * 0.5f;
            else
                good4 &= err <= 0.5 * fabs(d) * (1 + 1e-6);
            worst4 = !(b == 1 && i == 8) && err / fabs(d) > worst4 ? err / fabs(d) : worst4;
        }
    }
    good4 &= cpu_get_f(q4, VO_Q4, 5) == 1.25f && cpu_get_f(q4, VO_Q4, 37) == -4.0f;
    ok(good4, "backend 9.23: q4 blocks: d = m / -8, m exact, every value within half a step "
       "(worst %.3f steps), -m clamped to +7 steps", worst4);
    vo_tensor *bad = vo_tensor_new(fast, VO_Q8, 33, 2, 1, 1, "odd");
    vo_status st = vo_backend_sync(fast, ctx);
    ok(!bad && st == VO_ERR_ARGUMENT, "backend 9.21: a q8 tensor of 33 values a row refused (%s)",
       vo_last_error(ctx));
    vo_backend_clear_error(fast);
    vo_tensor *w = vo_tensor_new(fast, VO_Q8, 64, 3, 1, 1, "w");
    ok(w && w->nb[0] == 36 && w->nb[1] == 72 && vo_nbytes(w) == 216 && vo_is_contiguous(w),
       "backend 9.22: a q8 [64, 3] tensor: 36-byte blocks, 72-byte rows, 216 bytes, packed");
    vo_tensor_free(fast, w);
    w = vo_tensor_new(fast, VO_Q4, 64, 3, 1, 1, "w4");
    ok(w && w->nb[0] == 20 && w->nb[1] == 40 && vo_nbytes(w) == 120 && vo_is_contiguous(w),
       "backend 9.24: a q4 [64, 3] tensor: 20-byte blocks, 40-byte rows, 120 bytes, packed");
    vo_tensor_free(fast, w);
    /* the GEMM's widened rows (cpu_row_to_f32: AVX2 where the CPU has it)
     * are cpu_get_f's values bit for bit: every int8 and every nibble, and
     * scales of both signs */
    char r8[3 * (4 + VO_Q8_BLOCK)], r4[3 * (4 + VO_Q8_BLOCK / 2)];
    for (int b = 0; b < 3; b++) {
        float d = b == 1 ? -0.37f : 0.0123f * (float)(b + 1);
        memcpy(r8 + b * 36, &d, 4);
        memcpy(r4 + b * 20, &d, 4);
        for (int i = 0; i < 32; i++)
            r8[b * 36 + 4 + i] = (char)(b * 96 + i * 8 - 128);   /* -128 .. 127 across blocks */
        for (int i = 0; i < 16; i++)
            r4[b * 20 + 4 + i] = (char)((i + b) % 16 | (15 - i) << 4);
    }
    float f8[96], f4[96];
    cpu_row_to_f32(f8, r8, VO_Q8, 96);
    cpu_row_to_f32(f4, r4, VO_Q4, 96);
    bool wide = true;
    for (int i = 0; i < 96; i++) {
        float a = cpu_get_f(r8, VO_Q8, i), b = cpu_get_f(r4, VO_Q4, i);
        wide = wide && !memcmp(&a, &f8[i], 4) && !memcmp(&b, &f4[i], 4);
    }
    ok(wide, "backend 9.25: q8 and q4 rows widened for the GEMM (%s) are cpu_get_f's values bit "
       "for bit", cpu_have_avx2() ? "avx2" : "portable");
}

/* the VmFlags line of the mapping of /proc/self/smaps that holds address a
 * into flags; false where smaps cannot be read or no mapping holds it */
static bool vm_flags_of(uintptr_t a, char *flags, size_t n)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    bool inside = false, found = false;
    while (f && !found && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)    /* a mapping's first line */
            inside = a >= lo && a < hi;
        else if (inside && strncmp(line, "VmFlags:", 8) == 0) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(flags, n, "%s", line + 8);
            found = true;
        }
    }
    if (f)
        fclose(f);
    return found;
}

/* Large CPU tensors (converted weights, KV caches) are advised to use
 * transparent huge pages on their whole 2 MiB pages (VmFlags "hg") */
static void test_huge_pages(void)
{
    if (access("/sys/kernel/mm/transparent_hugepage/enabled", R_OK) != 0) {
        skip("backend 11.1: this kernel has no transparent huge pages");
        return;
    }
    vo_tensor *big = vo_tensor_new(fast, VO_F32, 1024, 2048, 1, 1, "big");   /* 8 MiB */
    char flags[256] = "";
    uintptr_t mid = big ? (uintptr_t)big->data + ((size_t)4 << 20) : 0;
    bool got = big && vm_flags_of(mid, flags, sizeof flags);
    ok(got && strstr(flags, " hg") != NULL,
       "backend 11.1: an 8 MiB tensor's memory is advised huge pages (VmFlags:%s)",
       got ? flags : " (not found in /proc/self/smaps)");
    vo_tensor_free(fast, big);
}

/* The AVX2 and AVX-512 paths give the same bits where they claim to: the
 * GEMM (every output one FMA chain over k), GELU-tanh and SiLU·up (the
 * same steps and the same exp), on values that reach the exp's cut-off */
static void test_isa_agree(vo_ctx *ctx)
{
    if (!vo_cpu_has_isa("avx512")) {
        skip("backend 12.1: AVX2 against AVX-512: this CPU has no AVX-512 F");
        skip("backend 12.2: AVX2 against AVX-512: this CPU has no AVX-512 F");
        return;
    }
    vo_tensor *x = rnd(VO_F32, 1155, 21, 1, "x"), *u = rnd(VO_F32, 1155, 21, 1, "u");
    vo_tensor *w = rnd(VO_BF16, 1155, 50, 1, "w"), *b = rnd(VO_F32, 50, 1, 1, "b");
    for (int64_t i = 0; i < 1155 * 21; i++)
        ((float *)x->data)[i] *= i % 89 == 0 ? 120.0f : 6.0f;
    vo_tensor *o[2][3];
    for (int p = 0; p < 2; p++) {
        vo_cpu_use_isa(ctx, p ? "avx2" : "avx512");
        o[p][0] = zeros(50, 21, 1, "mm");
        o[p][1] = zeros(1155, 21, 1, "gelu");
        o[p][2] = zeros(1155, 21, 1, "silu");
        vo_matmul(fast, o[p][0], w, x, b);
        vo_gelu_tanh(fast, o[p][1], x);
        vo_silu_mul(fast, o[p][2], x, u);
    }
    vo_cpu_use_isa(ctx, NULL);
    bool sync = vo_backend_sync(fast, NULL) == VO_OK;
    ok(sync && !memcmp(o[0][0]->data, o[1][0]->data, vo_nbytes(o[0][0])),
       "backend 12.1: a bf16 GEMM (K1155 N50 M21, bias) on AVX2 = on AVX-512, bit for bit");
    ok(sync && !memcmp(o[0][1]->data, o[1][1]->data, vo_nbytes(o[0][1])) &&
       !memcmp(o[0][2]->data, o[1][2]->data, vo_nbytes(o[0][2])),
       "backend 12.2: gelu_tanh and silu_mul of 21 rows of 1155 on AVX2 = on AVX-512, bit for bit");
    vo_tensor *ts[] = {x, u, w, b, o[0][0], o[0][1], o[0][2], o[1][0], o[1][1], o[1][2]};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
        vo_tensor_free(fast, ts[i]);
}

int main(void)
{
    vo_ctx *ctx = vo_new_ctx();
    unsetenv("VO_CPU_ISA");
    if (vo_new_cpu_backend(ctx, 3, &fast) != VO_OK || vo_new_cpu_ref_backend(ctx, &ref) != VO_OK)
        return 1;
    static const char *const isas[] = {"avx512", "avx2", "scalar"};
    for (int i = 0; i < 3; i++) {
        isa = isas[i];
        if (!vo_cpu_has_isa(isa)) {
            skip("the %s kernels: this CPU has no %s", isa,
                 i == 0 ? "AVX-512 F" : "AVX2 with FMA");
            continue;
        }
        vo_cpu_use_isa(ctx, isa);
        test_matmul();
        test_matmul_quant(VO_Q8, 0);
        test_matmul_quant(VO_Q4, 10);
        test_matmul_qx(VO_Q8, 30);
        test_matmul_qx(VO_Q4, 40);
        if (i == 0 && cpu_have_vnni()) {
            /* the AVX-512 path of a CPU without VNNI (the same random values) */
            uint32_t rng0 = rng;
            cpu_allow_vnni(false);
            isa = "avx512 without VNNI";
            test_matmul_quant(VO_Q8, 0);
            test_matmul_quant(VO_Q4, 10);
            test_matmul_qx(VO_Q8, 30);
            test_matmul_qx(VO_Q4, 40);
            cpu_allow_vnni(true);
            isa = isas[i];
            rng = rng0;
        }
        test_matmul_bf16act(ctx, i * 20);
        test_attention_bf16act(ctx, i * 20);
        test_attention();
        test_attention_kv();
        test_attention_long();
        test_attention_paged(ctx);
        test_attention_decode(ctx);
        test_row_ops();
        test_patch_embed();
    }
    vo_cpu_use_isa(ctx, NULL);
    test_isa_agree(ctx);
    test_small_ops();
    test_resize();
    ok(vo_backend_sync(fast, ctx) == VO_OK && vo_backend_sync(ref, ctx) == VO_OK,
       "backend 7.1: no error stuck after the op tests (%s)", vo_last_error(ctx));
    test_sticky(ctx);
    test_cancel(ctx);
    test_isa(ctx);
    test_q8_format(ctx);
    test_huge_pages();
    vo_backend_drop(fast);
    vo_backend_drop(ref);
    vo_drop_ctx(ctx);
    return done_testing();
}
