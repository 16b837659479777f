/* bench-cpu.c: the CPU kernels against this machine's limits, one thread,
 * in one process: rounds of a STREAM-like read bandwidth, the f32 FMA /
 * bf16 dot peaks (register-only loops), and the language model's decode
 * (batch 1) and prefill with each kernel instruction set (VO_CPU_ISA's
 * avx512, avx2, scalar); the best of the rounds, each figure with its
 * ratio to the bound, all timed in CPU time; then attention alone per path
 * (a decode step at VO_BENCH_CONTEXT keys against the bandwidth, a
 * 512-query prefill chunk and a vision tile against the FMA peak); then,
 * in wall time on the default path, decode and prefill with one thread,
 * two, and two while a busy loop holds the last CPU (the ratios to one
 * thread). Prints a table, then one JSON object as the last line. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE    /* pthread_setaffinity_np, CPU_SET */
#endif
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define VO_X86 1
#endif

#include "src/backend/cpu/cpu.h"
#include "src/model/config.h"
#include "src/model/safetensors.h"
#include "src/util/alloc.h"
#include "src/vlm/generate.h"
#include "src/vlm/qwen3.h"
#include "tests/bench/peaks.h"

/* the process's CPU time: with one thread, the time it ran; time taken
 * off the CPU by other jobs on a shared host does not count */
static bool wall_clock;    /* the threads section: wall time */

static double now(void)
{
    struct timespec ts;
    clock_gettime(wall_clock ? CLOCK_MONOTONIC : CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* a busy loop pinned to one CPU: one of our two threads loses its core to
 * it part of the time, as when a shared host's other vCPU stalls */
static atomic_bool spinning;

static void *spin_main(void *arg)
{
    (void)arg;
    volatile unsigned long n = 0;
    while (atomic_load_explicit(&spinning, memory_order_relaxed))
        n++;
    return NULL;
}

static bool spin_start(pthread_t *t, int cpu)
{
    atomic_store(&spinning, true);
    if (pthread_create(t, NULL, spin_main, NULL))
        return false;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(*t, sizeof set, &set);
    return true;
}

static void spin_stop(pthread_t t)
{
    atomic_store(&spinning, false);
    pthread_join(t, NULL);
}

/* --- the machine --- */

#ifdef VO_X86
__attribute__((target("avx512f"))) static float sum_avx512(const float *p, size_t n)
{
    __m512 s[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(),
                   _mm512_setzero_ps()};
    for (size_t i = 0; i + 64 <= n; i += 64)
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++)
            s[j] = _mm512_add_ps(s[j], _mm512_load_ps(p + i + 16 * j));
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s[0], s[1]),
                                              _mm512_add_ps(s[2], s[3])));
}

__attribute__((target("avx2"))) static float sum_avx2(const float *p, size_t n)
{
    __m256 s[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
    for (size_t i = 0; i + 32 <= n; i += 32)
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++)
            s[j] = _mm256_add_ps(s[j], _mm256_load_ps(p + i + 8 * j));
    float o[8];
    _mm256_storeu_ps(o, _mm256_add_ps(_mm256_add_ps(s[0], s[1]), _mm256_add_ps(s[2], s[3])));
    return o[0] + o[1] + o[2] + o[3] + o[4] + o[5] + o[6] + o[7];
}
#endif

static float sum_read(const float *p, size_t n)
{
#ifdef VO_X86
    if (__builtin_cpu_supports("avx512f"))
        return sum_avx512(p, n);
    if (__builtin_cpu_supports("avx2"))
        return sum_avx2(p, n);
#endif
    float s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return s;
}

/* GB/s reading 1 GiB (far above the caches), best of 3; huge: with
 * MADV_HUGEPAGE (the kernel may not grant it) */
static double read_bandwidth(bool huge)
{
    size_t bytes = (size_t)1 << 30;
    float *p = aligned_alloc((size_t)2 << 20, bytes);
    if (!p)
        return 0;
    if (huge)
        madvise(p, bytes, MADV_HUGEPAGE);
    else
        madvise(p, bytes, MADV_NOHUGEPAGE);
    for (size_t i = 0; i < bytes / 4; i++)
        p[i] = (float)(i & 7);
    double best = 1e9;
    volatile float sink = 0;
    for (int r = 0; r < 3; r++) {
        double t0 = now();
        sink += sum_read(p, bytes / 4);
        double t = now() - t0;
        best = t < best ? t : best;
    }
    (void)sink;
    free(p);
    return (double)bytes / best / 1e9;
}

/* --- the model --- */

static double t_first;

static int on_token(void *user, int seq, int32_t id, float logprob)
{
    (void)user; (void)seq; (void)id; (void)logprob;
    if (t_first == 0)
        t_first = now();
    return 0;
}

/* one sequence of `prompt` random ids and `steps` decode steps after the
 * first token: prefill and decode seconds */
static int run(vo_ctx *ctx, vo_backend *be, const qwen3_model *lm, int prompt, int steps,
               double *prefill_s, double *decode_s)
{
    int32_t *ids = malloc(sizeof(int32_t) * (size_t)prompt);
    if (!ids)
        return 0;
    srand(7);
    for (int i = 0; i < prompt; i++)
        ids[i] = rand() % (lm->vocab < 150000 ? lm->vocab : 150000);
    vo_gen_request r = {0};
    r.ids = ids;
    r.n_ids = prompt;
    r.max_new = steps + 1;
    r.cb = on_token;
    t_first = 0;
    double t0 = now();
    vo_status st = vo_generate(ctx, be, lm, -1, NULL, 0, &r, 1);
    double t1 = now();
    *prefill_s = t_first - t0;
    *decode_s = t1 - t_first;
    vo_free(r.out_ids);
    vo_free(r.out_logprobs);
    free(ids);
    return st == VO_OK && r.n_out == steps + 1;
}

/* this process's resident memory now, MB (VmRSS); 0 where unknown */
static double rss_mb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %lf kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb / 1024;
}

/* ‖a − ref‖ / ‖ref‖ over n values; *maxabs: the largest |a − ref| */
static double rel_l2(const float *a, const float *ref, int n, double *maxabs)
{
    double num = 0, den = 0;
    *maxabs = 0;
    for (int i = 0; i < n; i++) {
        double d = (double)a[i] - ref[i];
        num += d * d;
        den += (double)ref[i] * ref[i];
        *maxabs = fabs(d) > *maxabs ? fabs(d) : *maxabs;
    }
    return den > 0 ? sqrt(num / den) : 0;
}

/* this process's anonymous memory in transparent huge pages now, MB
 * (AnonHugePages of smaps_rollup); -1 where unknown */
static double anon_huge_mb(void)
{
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    char line[256];
    double kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "AnonHugePages: %lf kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb < 0 ? -1 : kb / 1024;
}

/* the logits after a prompt of `prompt` random ids (vocab floats into out) */
static int prefill_logits(vo_ctx *ctx, vo_backend *be, const qwen3_model *lm, int prompt,
                          float *out)
{
    int32_t *ids = malloc(sizeof(int32_t) * (size_t)prompt);
    if (!ids)
        return 0;
    srand(11);
    for (int i = 0; i < prompt; i++)
        ids[i] = rand() % (lm->vocab < 150000 ? lm->vocab : 150000);
    vo_gen_request r = {.ids = ids, .n_ids = prompt, .max_new = 1, .prefill_logits = out};
    vo_status st = vo_generate(ctx, be, lm, -1, NULL, 0, &r, 1);
    vo_free(r.out_ids);
    vo_free(r.out_logprobs);
    free(ids);
    return st == VO_OK;
}

/* --- attention alone, in the real shapes --- */

/* fill a tensor with small values (keys and queries of a softmax that is
 * neither flat nor one-hot) */
static void fill(vo_tensor *t)
{
    uint32_t r = 99;
    if (t->type == VO_Q8ROW) {      /* a q8 cache: rows of such values, quantized */
        float *row = malloc(sizeof(float) * (size_t)t->ne[0]);
        for (int64_t i = 0; row && i < vo_nrows(t); i++) {
            for (int64_t c = 0; c < t->ne[0]; c++) {
                r = r * 1664525u + 1013904223u;
                row[c] = (float)((r >> 8) & 0xffff) / 65536.0f - 0.5f;
            }
            vo_quantize_q8row((char *)t->data + i * t->nb[1], row, t->ne[0]);
        }
        free(row);
        return;
    }
    int64_t n = vo_nelements(t);
    for (int64_t i = 0; i < n; i++) {
        r = r * 1664525u + 1013904223u;
        float f = (float)((r >> 8) & 0xffff) / 65536.0f - 0.5f;
        if (t->type == VO_F32)
            ((float *)t->data)[i] = f;
        else {
            uint32_t u;
            memcpy(&u, &f, 4);
            ((uint16_t *)t->data)[i] = (uint16_t)(u >> 16);    /* bf16 */
        }
    }
}

/* CPU seconds of one attention call: n_q queries (the last n_q positions
 * when causal) over n_kv cached keys, nh query heads sharing nkvh KV heads
 * of head_dim hd; with n_caches > 1, one call on each of that many caches
 * in turn (a decode step's layers: together larger than the last-level
 * cache, as in the model), the time per call; best of reps rounds; 0 on
 * failure */
static double attn_seconds(vo_backend *be, int64_t n_q, int64_t n_kv, int64_t nh, int64_t nkvh,
                           int64_t hd, vo_type kv, bool causal, int n_caches, int reps)
{
    vo_tensor *q = vo_tensor_new(be, VO_F32, hd, nh, n_q, 1, "q");
    vo_tensor *o = vo_tensor_new(be, VO_F32, hd, nh, n_q, 1, "o");
    vo_tensor **k = calloc((size_t)n_caches, sizeof *k), **v = calloc((size_t)n_caches, sizeof *v);
    bool ready = q && o && k && v;
    for (int c = 0; ready && c < n_caches; c++) {
        k[c] = vo_tensor_new(be, kv, hd, nkvh, n_kv, 1, "k");
        v[c] = vo_tensor_new(be, kv, hd, nkvh, n_kv, 1, "v");
        ready = k[c] && v[c];
        if (ready) {
            fill(k[c]);
            fill(v[c]);
        }
    }
    double best = 0;
    if (ready) {
        fill(q);
        for (int r = 0; r < reps; r++) {
            double t0 = now();
            for (int c = 0; c < n_caches; c++) {
                vo_attn_seq s = {0, n_q, k[c], v[c], n_kv, NULL, 0};
                vo_attention(be, o, q, &s, 1, 1.0f / sqrtf((float)hd), causal);
            }
            if (vo_backend_sync(be, NULL) != VO_OK) {
                best = 0;
                break;
            }
            double t = (now() - t0) / n_caches;
            best = best == 0 || t < best ? t : best;
        }
    }
    for (int c = 0; c < n_caches && k && v; c++) {
        vo_tensor_free(be, k[c]);
        vo_tensor_free(be, v[c]);
    }
    free(k);
    free(v);
    vo_tensor_free(be, q);
    vo_tensor_free(be, o);
    return best;
}

static double bytes_of(const vo_tensor *t)
{
    return t ? (double)vo_nbytes(t) : 0;
}

static double params_of(const vo_tensor *t)
{
    return t ? (double)vo_nelements(t) : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench-cpu MODEL_DIR [prefill_tokens] [decode_steps] [reps]\n");
        return 2;
    }
    int prompt = argc > 2 ? atoi(argv[2]) : 128;
    int steps = argc > 3 ? atoi(argv[3]) : 16;
    int reps = argc > 4 ? atoi(argv[4]) : 3;
    vo_ctx *ctx = vo_new_ctx();
    vo_config cfg;
    vo_weights *w = NULL;
    vo_backend *be = NULL, *be2 = NULL;
    qwen3_model lm = {0};
    int rc = 1;
    if (vo_load_config(ctx, argv[1], &cfg) || vo_open_weights(ctx, argv[1], &w) ||
        vo_new_cpu_backend(ctx, 1, &be) || qwen3_load(ctx, be, &cfg, w, &lm)) {
        fprintf(stderr, "bench-cpu: %s\n", vo_last_error(ctx));
        goto done;
    }
    /* weights read per decode step, and FLOPs per prompt token (the head
     * runs once per prompt: counted over its tokens) */
    double wbytes = bytes_of(lm.head), lparams = 0;
    for (int l = 0; l < lm.n_layers; l++) {
        const qwen3_layer *L = &lm.layers[l];
        const vo_tensor *ts[] = {L->q_w, L->k_w, L->v_w, L->o_w, L->gate_w, L->up_w, L->down_w};
        for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
            wbytes += bytes_of(ts[i]);
            lparams += params_of(ts[i]);
        }
    }
    double attn_flops = 4.0 * (prompt + 1) / 2.0 * lm.heads * lm.head_dim * lm.n_layers;
    double flops_tok = 2.0 * lparams + attn_flops + 2.0 * params_of(lm.head) / prompt;
    static const char *const isas[] = {"avx512", "avx2", "scalar"};
    double dec[3] = {0}, pre[3] = {0};
    const char *only = getenv("VO_CPU_ISA");    /* set: that path alone */
    /* the machine's bounds and every path once per round, best of the
     * rounds: on a shared host a bound and a figure from different minutes
     * make no ratio */
    double bw4k = 0, bwhuge = 0, fma = 0, dot = 0;
    for (int r = 0; r < reps; r++) {
        double b4 = read_bandwidth(false), bh = read_bandwidth(true), f, d;
        bench_peaks(&f, &d);
        bw4k = b4 > bw4k ? b4 : bw4k;
        bwhuge = bh > bwhuge ? bh : bwhuge;
        fma = f > fma ? f : fma;
        dot = d > dot ? d : dot;
        for (int i = 0; i < 3; i++) {
            if ((only && *only && strcmp(only, isas[i])) || !vo_cpu_has_isa(isas[i]) ||
                vo_cpu_use_isa(ctx, isas[i]))
                continue;
            /* the portable C path is slow: fewer steps, no prefill */
            bool scalar = i == 2;
            double p;
            if (!run(ctx, be, &lm, scalar ? 8 : prompt, scalar ? 2 : steps, &p, &d)) {
                fprintf(stderr, "bench-cpu: %s\n", vo_last_error(ctx));
                goto done;
            }
            double dt = (scalar ? 2 : steps) / d, pt = scalar ? 0 : prompt / p;
            dec[i] = dt > dec[i] ? dt : dec[i];
            pre[i] = pt > pre[i] ? pt : pre[i];
        }
    }
    /* attention alone per path, in the model's shapes: one decode step at
     * `context` keys (f32 and bf16 caches; the figure per layer, over one
     * cache per layer), a 512-query prefill chunk that
     * ends there (causal), and one SigLIP-so400m tile (729 tokens, 16 heads
     * of 72, full) */
    int64_t context = getenv("VO_BENCH_CONTEXT") ? atoll(getenv("VO_BENCH_CONTEXT")) : 6000;
    if (context < 512)
        context = 512;
    double a_dec32[3] = {0}, a_dec16[3] = {0}, a_dec8[3] = {0}, a_pre[3] = {0}, a_vis[3] = {0};
    for (int i = 0; i < 3; i++) {
        if ((only && *only && strcmp(only, isas[i])) || !vo_cpu_has_isa(isas[i]) ||
            vo_cpu_use_isa(ctx, isas[i]))
            continue;
        bool scalar = i == 2;
        a_dec32[i] = attn_seconds(be, 1, context, lm.heads, lm.kv_heads, lm.head_dim, VO_F32,
                                  true, lm.n_layers, reps);
        a_dec16[i] = attn_seconds(be, 1, context, lm.heads, lm.kv_heads, lm.head_dim, VO_BF16,
                                  true, lm.n_layers, reps);
        a_dec8[i] = attn_seconds(be, 1, context, lm.heads, lm.kv_heads, lm.head_dim, VO_Q8ROW,
                                 true, lm.n_layers, reps);
        if (!scalar) {
            a_pre[i] = attn_seconds(be, 512, context, lm.heads, lm.kv_heads, lm.head_dim,
                                    VO_BF16, true, 1, reps);
            a_vis[i] = attn_seconds(be, 729, 729, 16, 16, 72, VO_F32, false, 1, reps);
        }
    }
    /* threads, on the default path in wall time: one and two threads in
     * each round, and two while a busy loop holds the last CPU (a stalled
     * vCPU); best of the rounds */
    vo_cpu_use_isa(ctx, NULL);
    double w1_dec = 0, w2_dec = 0, w2s_dec = 0, w1_pre = 0, w2_pre = 0;
    int ncpu = vo_cpu_count();
    if (ncpu >= 2 && vo_new_cpu_backend(ctx, 2, &be2) == VO_OK) {
        wall_clock = true;
        for (int r = 0; r < reps; r++) {
            double p, d;
            if (run(ctx, be, &lm, prompt, steps, &p, &d)) {
                w1_dec = steps / d > w1_dec ? steps / d : w1_dec;
                w1_pre = prompt / p > w1_pre ? prompt / p : w1_pre;
            }
            if (run(ctx, be2, &lm, prompt, steps, &p, &d)) {
                w2_dec = steps / d > w2_dec ? steps / d : w2_dec;
                w2_pre = prompt / p > w2_pre ? prompt / p : w2_pre;
            }
            pthread_t spinner;
            if (spin_start(&spinner, ncpu - 1)) {
                if (run(ctx, be2, &lm, prompt, steps, &p, &d))
                    w2s_dec = steps / d > w2s_dec ? steps / d : w2s_dec;
                spin_stop(spinner);
            }
        }
        wall_clock = false;
    }
    /* bf16 activations (--matmul bf16) on the default path, where the CPU
     * has AVX512_BF16: prefill again, and a prompt's logits against the
     * exact ones */
    vo_cpu_use_isa(ctx, NULL);
    double act_pre = 0, act_l2 = -1, act_maxabs = 0;
    float *lg_exact = malloc(sizeof(float) * (size_t)lm.vocab);
    float *lg_act = malloc(sizeof(float) * (size_t)lm.vocab);
    vo_ctx *quiet = vo_new_ctx();
    if (lg_exact && lg_act && quiet && prefill_logits(ctx, be, &lm, 64, lg_exact) &&
        vo_cpu_round_activations(quiet, be, true) == VO_OK) {
        for (int r = 0; r < reps; r++) {
            double p, d;
            if (run(ctx, be, &lm, prompt, steps, &p, &d))
                act_pre = prompt / p > act_pre ? prompt / p : act_pre;
        }
        if (prefill_logits(ctx, be, &lm, 64, lg_act))
            act_l2 = rel_l2(lg_act, lg_exact, lm.vocab, &act_maxabs);
        vo_cpu_round_activations(ctx, be, false);
    }
    vo_drop_ctx(quiet);
    free(lg_exact);
    free(lg_act);
    /* q8, q4 and copied bf16 weights (--weights) on the default path: the bf16 logits of
     * a prompt first, then the layers and head converted (from the bf16 of
     * a fresh load each), decode and prefill again, the same prompt's
     * logits against bf16 */
    vo_cpu_use_isa(ctx, NULL);
    /* and the stored bf16 copied into memory (--weights bf16): the same
     * values (its logits must equal the stored ones'), read faster */
    enum { NQ = 3 };
    static const vo_type qtypes[NQ] = {VO_Q8, VO_Q4, VO_BF16};
    static const char *const qnames[NQ] = {"q8", "q4", "bf16_copied"};
    double q_dec[NQ] = {0}, q_pre[NQ] = {0}, q_bytes[NQ] = {0}, q_l2[NQ] = {-1, -1, -1};
    double q_maxabs[NQ] = {0}, q_conv_s[NQ] = {0}, q_rss[NQ] = {0}, q_huge[NQ] = {-1, -1, -1};
    double rss_bf16 = rss_mb();
    float *lg16 = malloc(sizeof(float) * (size_t)lm.vocab), *lgq = malloc(sizeof(float) * (size_t)lm.vocab);
    if (lg16 && lgq && prefill_logits(ctx, be, &lm, 64, lg16))
        for (int qi = 0; qi < NQ; qi++) {
            qwen3_free(be, &lm);
            if (qwen3_load(ctx, be, &cfg, w, &lm) != VO_OK) {
                fprintf(stderr, "bench-cpu: %s\n", vo_last_error(ctx));
                goto done;
            }
            double t0 = now();
            if (qwen3_convert_weights(ctx, be, w, &lm, qtypes[qi], 1) != VO_OK) {
                fprintf(stderr, "bench-cpu: %s\n", vo_last_error(ctx));
                goto done;
            }
            q_conv_s[qi] = now() - t0;
            q_rss[qi] = rss_mb();   /* the bf16 pages read for it went back to the kernel */
            q_huge[qi] = anon_huge_mb();
            q_bytes[qi] = bytes_of(lm.head);
            for (int l = 0; l < lm.n_layers; l++) {
                const qwen3_layer *L = &lm.layers[l];
                const vo_tensor *ts[] = {L->q_w, L->k_w, L->v_w, L->o_w, L->gate_w, L->up_w, L->down_w};
                for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
                    q_bytes[qi] += bytes_of(ts[i]);
            }
            for (int r = 0; r < reps; r++) {
                double p, d;
                if (run(ctx, be, &lm, prompt, steps, &p, &d)) {
                    q_dec[qi] = steps / d > q_dec[qi] ? steps / d : q_dec[qi];
                    q_pre[qi] = prompt / p > q_pre[qi] ? prompt / p : q_pre[qi];
                }
            }
            if (prefill_logits(ctx, be, &lm, 64, lgq))
                q_l2[qi] = rel_l2(lgq, lg16, lm.vocab, &q_maxabs[qi]);
        }
    free(lg16);
    free(lgq);
    double bw = bw4k > bwhuge ? bw4k : bwhuge;    /* the harder bound */
    /* the prefill's bound: the faster of f32 FMA (what the kernels do: bf16
     * widened, exact) and the bf16 dot, whichever this CPU runs faster */
    double peak = fma > dot ? fma : dot;
    printf("%-44s %12s\n", "measure (1 thread, CPU time, best of rounds)", "value");
    printf("%-44s %12.1f\n", "read bandwidth, 4 KiB pages, GB/s", bw4k);
    printf("%-44s %12.1f\n", "read bandwidth, MADV_HUGEPAGE, GB/s", bwhuge);
    printf("%-44s %12.1f\n", "f32 FMA peak (AVX-512, else AVX2), GFLOP/s", fma);
    printf("%-44s %12.1f\n", "bf16 dot peak (vdpbf16ps), GFLOP/s", dot);
    printf("%-44s %12.1f\n", "weights read per decode step, MB", wbytes / 1e6);
    printf("%-44s %12.2f\n", "decode bound (bandwidth / bytes), tok/s", bw * 1e9 / wbytes);
    for (int i = 0; i < 3; i++) {
        if (dec[i] == 0) {
            printf("%-44s %12s\n", isas[i], "not run (CPU lacks it, or VO_CPU_ISA)");
            continue;
        }
        char name[64];
        snprintf(name, sizeof name, "decode b1 %s, tok/s (of bound)", isas[i]);
        printf("%-44s %12.2f (%.0f %%)\n", name, dec[i], 100 * dec[i] * wbytes / (bw * 1e9));
        if (pre[i] > 0) {
            snprintf(name, sizeof name, "prefill %d %s, tok/s (of peak)", prompt, isas[i]);
            printf("%-44s %12.2f (%.0f %%)\n", name, pre[i],
                   peak > 0 ? 100 * pre[i] * flops_tok / (peak * 1e9) : 0);
        }
    }
    /* attention: KV bytes read per decode step (both caches, every KV head
     * once), FLOPs of the prefill chunk (q·k and p·v over the keys each
     * query sees) and of the vision tile */
    double kv32 = 2.0 * (double)context * lm.kv_heads * lm.head_dim * 4, kv16 = kv32 / 2;
    double kv8 = 2.0 * (double)context * lm.kv_heads * (lm.head_dim + 4);
    double pre_flops = 4.0 * lm.head_dim * lm.heads * (512.0 * (double)(context - 512) + 512.0 * 513 / 2);
    double vis_flops = 4.0 * 72 * 16 * 729.0 * 729.0;
    for (int i = 0; i < 3; i++) {
        if (a_dec32[i] == 0)
            continue;
        char name[80];
        snprintf(name, sizeof name, "attn decode %lld f32 KV %s, GB/s (of bw)", (long long)context,
                 isas[i]);
        printf("%-44s %12.2f (%.0f %%)\n", name, kv32 / a_dec32[i] / 1e9,
               100 * kv32 / a_dec32[i] / (bw * 1e9));
        snprintf(name, sizeof name, "attn decode %lld bf16 KV %s, GB/s (of bw)",
                 (long long)context, isas[i]);
        printf("%-44s %12.2f (%.0f %%)\n", name, a_dec16[i] > 0 ? kv16 / a_dec16[i] / 1e9 : 0,
               a_dec16[i] > 0 ? 100 * kv16 / a_dec16[i] / (bw * 1e9) : 0);
        snprintf(name, sizeof name, "attn decode %lld q8 KV %s, GB/s (of bw)",
                 (long long)context, isas[i]);
        printf("%-44s %12.2f (%.0f %%)\n", name, a_dec8[i] > 0 ? kv8 / a_dec8[i] / 1e9 : 0,
               a_dec8[i] > 0 ? 100 * kv8 / a_dec8[i] / (bw * 1e9) : 0);
        if (a_pre[i] > 0) {
            snprintf(name, sizeof name, "attn prefill 512 @%lld %s, GFLOP/s (of peak)",
                     (long long)context, isas[i]);
            printf("%-44s %12.1f (%.0f %%)\n", name, pre_flops / a_pre[i] / 1e9,
                   fma > 0 ? 100 * pre_flops / a_pre[i] / (fma * 1e9) : 0);
            snprintf(name, sizeof name, "attn vision tile %s, ms (of peak)", isas[i]);
            printf("%-44s %12.1f (%.0f %%)\n", name, 1e3 * a_vis[i],
                   a_vis[i] > 0 && fma > 0 ? 100 * vis_flops / a_vis[i] / (fma * 1e9) : 0);
        }
    }
    if (w1_dec > 0 && w2_dec > 0) {
        printf("%-44s %12.2f\n", "decode b1, 1 thread, wall tok/s", w1_dec);
        printf("%-44s %12.2f (%.2fx)\n", "decode b1, 2 threads, wall tok/s", w2_dec, w2_dec / w1_dec);
        printf("%-44s %12.2f (%.2fx)\n", "decode b1, 2 threads, a CPU busy, tok/s", w2s_dec,
               w2s_dec / w1_dec);
        printf("%-44s %12.2f\n", "prefill, 1 thread, wall tok/s", w1_pre);
        printf("%-44s %12.2f (%.2fx)\n", "prefill, 2 threads, wall tok/s", w2_pre,
               w1_pre > 0 ? w2_pre / w1_pre : 0);
    }
    if (act_pre > 0) {
        printf("%-44s %12.2f (%.0f %% of the bf16 dot peak)\n",
               "prefill, bf16 activations, tok/s", act_pre,
               dot > 0 ? 100 * act_pre * flops_tok / (dot * 1e9) : 0);
        double exact = dec[0] > 0 ? pre[0] : dec[1] > 0 ? pre[1] : pre[2];
        printf("%-44s %12.2f\n", "  over the exact prefill (best path)",
               exact > 0 ? act_pre / exact : 0);
        printf("%-44s %12.4f (max abs %.3g)\n", "  logits vs exact, relative L2", act_l2,
               act_maxabs);
    } else
        printf("%-44s %12s\n", "prefill, bf16 activations", "not run (no AVX512_BF16)");
    for (int qi = 0; qi < NQ; qi++) {
        if (q_dec[qi] <= 0)
            continue;
        const char *qn = qnames[qi];
        char name[80];
        snprintf(name, sizeof name, "%s weights read per decode step, MB", qn);
        printf("%-44s %12.1f\n", name, q_bytes[qi] / 1e6);
        snprintf(name, sizeof name, "%s conversion at load, s", qn);
        printf("%-44s %12.1f\n", name, q_conv_s[qi]);
        snprintf(name, sizeof name, "RSS after the %s conversion, MB (bf16: %.0f)", qn, rss_bf16);
        printf("%-44s %12.0f\n", name, q_rss[qi]);
        snprintf(name, sizeof name, "of it in huge pages (AnonHugePages), MB");
        printf("%-44s %12.0f\n", name, q_huge[qi]);
        snprintf(name, sizeof name, "decode b1 %s, tok/s (of bound)", qn);
        printf("%-44s %12.2f (%.0f %%)\n", name, q_dec[qi], 100 * q_dec[qi] * q_bytes[qi] / (bw * 1e9));
        snprintf(name, sizeof name, "prefill %s, tok/s (of peak)", qn);
        printf("%-44s %12.2f (%.0f %%)\n", name, q_pre[qi],
               peak > 0 ? 100 * q_pre[qi] * flops_tok / (peak * 1e9) : 0);
        snprintf(name, sizeof name, "%s logits vs bf16, relative L2", qn);
        printf("%-44s %12.4f (max abs %.3g)\n", name, q_l2[qi], q_maxabs[qi]);
    }
    /* the figures of the best path first, then each path's */
    int best = dec[0] > 0 ? 0 : dec[1] > 0 ? 1 : 2;
    printf("{\"threads\": 1, \"clock\": \"process_cpu\", \"isa\": \"%s\", \"read_gbs\": %.2f, \"read_gbs.4k\": %.2f, "
           "\"read_gbs.huge\": %.2f, \"peak.f32_fma_gflops\": %.1f, "
           "\"peak.bf16_dot_gflops\": %.1f, \"peak.gflops\": %.1f, \"decode.bf16.b1.bytes_per_token\": %.0f, "
           "\"decode.bf16.b1.tok_s\": %.3f, \"decode.bf16.b1.frac_of_bound\": %.3f, "
           "\"prefill.bf16.tokens\": %d, \"prefill.bf16.flops_per_token\": %.0f, "
           "\"prefill.bf16.tok_s\": %.2f, \"prefill.bf16.frac_of_peak\": %.3f",
           isas[best], bw, bw4k, bwhuge, fma, dot, peak, wbytes, dec[best],
           dec[best] * wbytes / (bw * 1e9), prompt, flops_tok, pre[best],
           peak > 0 ? pre[best] * flops_tok / (peak * 1e9) : 0);
    for (int i = 0; i < 3; i++) {
        if (dec[i] == 0)
            continue;
        printf(", \"decode.bf16.b1.%s.tok_s\": %.3f, \"decode.bf16.b1.%s.frac_of_bound\": %.3f",
               isas[i], dec[i], isas[i], dec[i] * wbytes / (bw * 1e9));
        if (pre[i] > 0)
            printf(", \"prefill.bf16.%s.tok_s\": %.2f, \"prefill.bf16.%s.frac_of_peak\": %.3f",
                   isas[i], pre[i], isas[i], peak > 0 ? pre[i] * flops_tok / (peak * 1e9) : 0);
    }
    /* attention keys: attn.decode.<kv>.<path>.{ms (per layer),frac_of_bound},
     * attn.prefill512.<path>.{ms,frac_of_peak}, attn.vision_tile.<path>.ms;
     * the peak is the f32 FMA peak (the kernels multiply in f32) */
    if (w1_dec > 0 && w2_dec > 0)
        printf(", \"threads.isa\": \"%s\", \"decode.bf16.b1.t1.wall_tok_s\": %.3f, "
               "\"decode.bf16.b1.t2.wall_tok_s\": %.3f, \"decode.bf16.b1.t2_over_t1\": %.3f, "
               "\"decode.bf16.b1.t2_one_cpu_busy.wall_tok_s\": %.3f, "
               "\"decode.bf16.b1.t2_one_cpu_busy_over_t1\": %.3f, "
               "\"prefill.bf16.t1.wall_tok_s\": %.2f, \"prefill.bf16.t2.wall_tok_s\": %.2f, "
               "\"prefill.bf16.t2_over_t1\": %.3f",
               vo_cpu_isa(), w1_dec, w2_dec, w2_dec / w1_dec, w2s_dec, w2s_dec / w1_dec, w1_pre,
               w2_pre, w1_pre > 0 ? w2_pre / w1_pre : 0);
    for (int qi = 0; qi < NQ; qi++)
        if (q_dec[qi] > 0) {
            const char *qn = qnames[qi];
            printf(", \"decode.%s.b1.bytes_per_token\": %.0f, \"decode.%s.b1.tok_s\": %.3f, "
                   "\"decode.%s.b1.frac_of_bound\": %.3f, \"prefill.%s.tok_s\": %.2f, "
                   "\"prefill.%s.frac_of_peak\": %.3f, \"accuracy.%s.logits_rel_l2\": %.5f, "
                   "\"accuracy.%s.logits_max_abs\": %.4f, \"load.%s.convert_s\": %.2f, "
                   "\"memory.%s.rss_after_convert_mb\": %.0f, "
                   "\"memory.%s.anon_huge_pages_mb\": %.0f",
                   qn, q_bytes[qi], qn, q_dec[qi], qn, q_dec[qi] * q_bytes[qi] / (bw * 1e9), qn,
                   q_pre[qi], qn, peak > 0 ? q_pre[qi] * flops_tok / (peak * 1e9) : 0, qn,
                   q_l2[qi], qn, q_maxabs[qi], qn, q_conv_s[qi], qn, q_rss[qi], qn, q_huge[qi]);
        }
    if (act_pre > 0)
        printf(", \"prefill.bf16act.tok_s\": %.2f, \"prefill.bf16act.frac_of_dot_peak\": %.3f, "
               "\"prefill.bf16act.over_exact\": %.3f, \"accuracy.bf16act.logits_rel_l2\": %.5f, "
               "\"accuracy.bf16act.logits_max_abs\": %.4f",
               act_pre, dot > 0 ? act_pre * flops_tok / (dot * 1e9) : 0,
               pre[best] > 0 ? act_pre / pre[best] : 0, act_l2, act_maxabs);
    printf(", \"attn.context\": %lld", (long long)context);
    for (int i = 0; i < 3; i++) {
        if (a_dec32[i] == 0)
            continue;
        printf(", \"attn.decode.f32.%s.ms\": %.3f, \"attn.decode.f32.%s.frac_of_bound\": %.3f",
               isas[i], 1e3 * a_dec32[i], isas[i], kv32 / a_dec32[i] / (bw * 1e9));
        if (a_dec16[i] > 0)
            printf(", \"attn.decode.bf16.%s.ms\": %.3f, \"attn.decode.bf16.%s.frac_of_bound\": %.3f",
                   isas[i], 1e3 * a_dec16[i], isas[i], kv16 / a_dec16[i] / (bw * 1e9));
        if (a_dec8[i] > 0)
            printf(", \"attn.decode.q8.%s.ms\": %.3f, \"attn.decode.q8.%s.frac_of_bound\": %.3f",
                   isas[i], 1e3 * a_dec8[i], isas[i], kv8 / a_dec8[i] / (bw * 1e9));
        if (a_pre[i] > 0 && fma > 0)
            printf(", \"attn.prefill512.%s.ms\": %.2f, \"attn.prefill512.%s.frac_of_peak\": %.3f",
                   isas[i], 1e3 * a_pre[i], isas[i], pre_flops / a_pre[i] / (fma * 1e9));
        if (a_vis[i] > 0 && fma > 0)
            printf(", \"attn.vision_tile.%s.ms\": %.2f, \"attn.vision_tile.%s.frac_of_peak\": %.3f",
                   isas[i], 1e3 * a_vis[i], isas[i], vis_flops / a_vis[i] / (fma * 1e9));
    }
    printf("}\n");
    rc = 0;
done:
    if (be) {
        qwen3_free(be, &lm);
        vo_backend_drop(be);
    }
    vo_backend_drop(be2);
    vo_drop_weights(w);
    vo_drop_ctx(ctx);
    return rc;
}
