/* opencl-bench.c: lists OpenCL devices (--list) and times decode- and
 * prefill-like matmuls and attention on OpenCL against the CPU backend. */
#include "src/backend/backend.h"
#include "src/backend/cpu/cpu.h"
#include "src/backend/opencl.h"
#include "src/util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static vo_ctx *ctx;

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static vo_tensor *
rnd(vo_backend *be, vo_type type, int64_t a, int64_t b, int64_t c)
{
    vo_tensor *t = vo_tensor_new(be, type, a, b, c, 1, "t");
    if (!t)
        return NULL;
    size_t n = (size_t)(a * b * c), bytes = n * vo_type_size(type);
    unsigned char *h = vo_malloc(bytes);
    uint32_t r = 1;
    for (size_t i = 0; i < bytes; i++) {
        r = r * 1664525u + 1013904223u;
        h[i] = (unsigned char)(r >> 24);
    }
    if (type == VO_BF16 || type == VO_F32)     /* keep exponents tame */
        for (size_t i = vo_type_size(type) - 1; i < bytes; i += vo_type_size(type))
            h[i] = (unsigned char)((h[i] & 0x80) | 0x3c);
    vo_tensor_set(be, t, h, bytes);
    vo_free(h);
    return t;
}

/* seconds per call of matmul w[K,N] (bf16) × x[K,M] */
static double
time_matmul(vo_backend *be, int64_t K, int64_t N, int64_t M, int iters)
{
    vo_tensor *w = rnd(be, VO_BF16, K, N, 1), *x = rnd(be, VO_F32, K, M, 1);
    vo_tensor *o = vo_tensor_new(be, VO_F32, N, M, 1, 1, "o");
    vo_matmul(be, o, w, x, NULL);           /* warm-up (PoCL compiles here) */
    vo_backend_sync(be, ctx);
    double t0 = now_s();
    for (int i = 0; i < iters; i++)
        vo_matmul(be, o, w, x, NULL);
    vo_status st = vo_backend_sync(be, ctx);
    double t = (now_s() - t0) / iters;
    vo_tensor_free(be, w); vo_tensor_free(be, x); vo_tensor_free(be, o);
    return st == VO_OK ? t : -1;
}

/* seconds per decode-step attention: 16 heads, 8 kv heads, hd 128, n_kv keys */
static double
time_attention(vo_backend *be, int64_t n_kv, int64_t n_q, int iters)
{
    vo_tensor *q = rnd(be, VO_F32, 128, 16, n_q), *o = vo_tensor_new(be, VO_F32, 128, 16, n_q, 1, "o");
    vo_tensor *k = rnd(be, VO_F32, 128, 8, n_kv), *v = rnd(be, VO_F32, 128, 8, n_kv);
    vo_attn_seq s = {0, n_q, k, v, n_kv, NULL, 0};
    vo_attention(be, o, q, &s, 1, 0.088f, true);
    vo_backend_sync(be, ctx);
    double t0 = now_s();
    for (int i = 0; i < iters; i++)
        vo_attention(be, o, q, &s, 1, 0.088f, true);
    vo_status st = vo_backend_sync(be, ctx);
    double t = (now_s() - t0) / iters;
    vo_tensor_free(be, q); vo_tensor_free(be, o); vo_tensor_free(be, k); vo_tensor_free(be, v);
    return st == VO_OK ? t : -1;
}

/* the figures, in ms: matmul 1, 4, 256, 32 rows; attention decode at 2,048
 * and 6,000 keys (a page's context), prefill */
#define N_FIG 7
static const char *const fig_key[N_FIG] = {
    "matmul_bf16_2048x6144_1row", "matmul_bf16_2048x6144_4rows", "matmul_bf16_2048x6144_256rows",
    "attention_decode_2048keys", "attention_prefill_512rows", "matmul_bf16_2048x6144_32rows",
    "attention_decode_6000keys",
};

static void
measure(vo_backend *be, int quick, double *ms)
{
    int it = quick ? 3 : 10;
    /* Qwen3-1.7B MLP up-projection shapes: K 2048, N 6144 */
    ms[0] = time_matmul(be, 2048, 6144, 1, it) * 1e3;
    ms[1] = time_matmul(be, 2048, 6144, 4, it) * 1e3;
    ms[2] = time_matmul(be, 2048, 6144, 256, quick ? 1 : 3) * 1e3;
    ms[3] = time_attention(be, 2048, 1, it) * 1e3;
    ms[4] = time_attention(be, 512, 512, quick ? 1 : 2) * 1e3;
    ms[5] = time_matmul(be, 2048, 6144, 32, it) * 1e3;
    ms[6] = time_attention(be, 6000, 1, it) * 1e3;
}

static void
bench(const char *label, vo_backend *be, int quick)
{
    double ms[N_FIG];
    measure(be, quick, ms);
    for (int M = 1, i = 0; i < 2; i++, M *= 4)
        printf("%-8s matmul bf16 2048x6144, %d row%s: %8.3f ms  %6.1f GB/s of weights\n",
               label, M, M > 1 ? "s" : "", ms[i], 2048.0 * 6144 * 2 / ms[i] / 1e6);
    printf("%-8s matmul bf16 2048x6144, 256 rows: %8.3f ms  %6.1f GFLOP/s\n", label, ms[2],
           2.0 * 2048 * 6144 * 256 / ms[2] / 1e6);
    printf("%-8s matmul bf16 2048x6144, 32 rows: %8.3f ms  %6.1f GB/s of weights\n", label,
           ms[5], 2048.0 * 6144 * 2 / ms[5] / 1e6);
    printf("%-8s attention decode, 2048 keys, 16:8 heads hd128: %8.3f ms\n", label, ms[3]);
    printf("%-8s attention decode, 6000 keys, 16:8 heads hd128: %8.3f ms  %6.1f GB/s of f32 KV\n",
           label, ms[6], 6000.0 * 8 * 128 * 4 * 2 / ms[6] / 1e6);
    printf("%-8s attention prefill, 512 causal rows: %8.3f ms\n", label, ms[4]);
}

/* --table N: both backends in turn N times, best of each figure, one line
 * per figure: "key cpu_ms opencl_ms" (for tests/bench/bench-backends.sh);
 * cpu NULL (--no-cpu): OpenCL only, cpu_ms 0 */
static int
table(vo_backend *cl, vo_backend *cpu, int reps)
{
    double best[2][N_FIG] = {{0}}, ms[N_FIG];
    for (int r = 0; r < reps; r++)
        for (int b = cpu ? 0 : 1; b < 2; b++) {
            measure(b ? cl : cpu, 0, ms);
            for (int i = 0; i < N_FIG; i++) {
                if (ms[i] < 0)
                    return 1;
                if (r == 0 || ms[i] < best[b][i])
                    best[b][i] = ms[i];
            }
        }
    for (int i = 0; i < N_FIG; i++)
        printf("%s %.3f %.3f\n", fig_key[i], best[0][i], best[1][i]);
    return 0;
}

int
main(int argc, char **argv)
{
    const char *device = NULL;
    int quick = 0, list = 0, no_cpu = 0, reps = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--list") == 0)
            list = 1;
        else if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--no-cpu") == 0)
            no_cpu = 1;
        else if (strcmp(argv[i], "--table") == 0 && i + 1 < argc && atoi(argv[i + 1]) > 0)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc)
            device = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--list] [--device P.D] [--quick] [--no-cpu] [--table REPS]\n", argv[0]);
            return 2;
        }
    }
    ctx = vo_new_ctx();
    if (!ctx)
        return 1;
    if (list) {
        vo_buf b = VO_BUF_INIT;
        vo_status st = vo_opencl_list_devices(ctx, &b);
        if (st != VO_OK)
            fprintf(stderr, "%s\n", vo_last_error(ctx));
        else
            fputs(b.data, stdout);
        vo_buf_free(&b);
        vo_drop_ctx(ctx);
        return st == VO_OK ? 0 : 1;
    }
    vo_opencl_opts o = {.device = device};
    vo_backend *gpu = NULL, *cpu = NULL;
    if (vo_opencl_backend_new(ctx, &o, &gpu) != VO_OK) {
        fprintf(stderr, "opencl: %s\n", vo_last_error(ctx));
        return 1;
    }
    vo_opencl_info info;
    vo_opencl_get_info(gpu, &info);
    if (reps) {
        int rc = no_cpu || vo_new_cpu_backend(ctx, 0, &cpu) == VO_OK ? table(gpu, cpu, reps) : 1;
        if (rc)
            fprintf(stderr, "opencl-bench: %s\n", vo_last_error(ctx));
        vo_backend_drop(gpu);
        vo_backend_drop(cpu);
        vo_drop_ctx(ctx);
        return rc;
    }
    printf("device %s; start-up %.3f s (%d of %d programs from the cache)\n", info.device,
           info.startup_s, info.from_cache, info.programs);
    bench("opencl", gpu, quick);
    vo_backend_drop(gpu);
    if (!no_cpu && vo_new_cpu_backend(ctx, 0, &cpu) == VO_OK) {
        printf("cpu backend, %d threads\n", vo_cpu_count());
        bench("cpu", cpu, quick);
        vo_backend_drop(cpu);
    }
    vo_drop_ctx(ctx);
    return 0;
}
