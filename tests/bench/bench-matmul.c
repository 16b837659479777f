/* bench-matmul.c: speed of the CPU matmul and attention in the real 1.7B
 * shapes (bf16 weights): decode (1 row), prefill/vision (576 rows, and
 * the rows of a page: 8 tiles, a whole prompt).
 * Usage: bench-matmul [threads] [bf16: the GEMMs round activations to bf16] */
#include "src/backend/backend.h"
#include "src/backend/cpu/cpu.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU seconds of the whole process (all threads): steadier than the wall
 * clock when other jobs share the cores */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void fill(vo_tensor *t)
{
    size_t n = (size_t)vo_nelements(t) * vo_type_size(t->type);
    unsigned char *p = t->data;
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 2654435761u >> 24);
    if (t->type == VO_BF16)                       /* keep values finite and small */
        for (size_t i = 0; i < n / 2; i++)
            ((uint16_t *)p)[i] = (uint16_t)(0x3c00 | (((uint16_t *)p)[i] & 0x80ff));
    if (t->type == VO_F32)
        for (size_t i = 0; i < n / 4; i++)
            ((float *)p)[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 0;
    bool bf16 = argc > 2 && strcmp(argv[2], "bf16") == 0; /* activations rounded to bf16 */
    vo_ctx *ctx = vo_new_ctx();
    vo_backend *be;
    if (vo_new_cpu_backend(ctx, threads, &be) != VO_OK)
        return 1;
    if (bf16 && vo_cpu_round_activations(ctx, be, true) != VO_OK) {
        fprintf(stderr, "bench-matmul: %s\n", vo_last_error(ctx));
        return 1;
    }
    static const struct { const char *what; int K, N, M, reps; } cases[] = {
        {"decode  gate_proj 2048→6144, 1 row", 2048, 6144, 1, 20},
        {"decode  lm_head 2048→151936, 1 row", 2048, 151936, 1, 2},
        {"vision  fc1 1152→4304, 576 rows", 1152, 4304, 576, 2},
        {"prefill q_proj 2048→2048, 576 rows", 2048, 2048, 576, 2},
        /* what a page runs: 8 vision tiles a pass, a page's whole prompt */
        {"vision  fc1 1152→4304, 5832 rows", 1152, 4304, 5832, 1},
        {"prefill down_proj 6144→2048, 5761 rows", 6144, 2048, 5761, 1},
    };
    printf("threads %d, activations %s\n", threads > 0 ? threads : vo_cpu_count(),
           bf16 ? "rounded to bf16 (vdpbf16ps)" : "f32 (exact)");
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        vo_tensor *w = vo_tensor_new(be, VO_BF16, cases[c].K, cases[c].N, 1, 1, "w");
        vo_tensor *x = vo_tensor_new(be, VO_F32, cases[c].K, cases[c].M, 1, 1, "x");
        vo_tensor *o = vo_tensor_new(be, VO_F32, cases[c].N, cases[c].M, 1, 1, "o");
        fill(w);
        fill(x);
        vo_matmul(be, o, w, x, NULL);
        double t0 = now(), c0 = cpu_now();
        for (int r = 0; r < cases[c].reps; r++)
            vo_matmul(be, o, w, x, NULL);
        double dt = (now() - t0) / cases[c].reps, cpu = (cpu_now() - c0) / cases[c].reps;
        double flops = 2.0 * cases[c].K * cases[c].N * cases[c].M;
        double bytes = 2.0 * cases[c].K * cases[c].N;
        printf("%-40s %8.2f ms  %7.1f GFLOP/s  %6.2f GB/s weights  %8.2f cpu-ms\n", cases[c].what,
               dt * 1e3, flops / dt * 1e-9, bytes / dt * 1e-9, cpu * 1e3);
        vo_tensor_free(be, w); vo_tensor_free(be, x); vo_tensor_free(be, o);
    }
    /* vision attention: 16 heads of 72 over 576 tokens, 1 tile */
    vo_tensor *q = vo_tensor_new(be, VO_F32, 72, 16, 576, 1, "q");
    vo_tensor *a = vo_tensor_new(be, VO_F32, 72, 16, 576, 1, "a");
    fill(q);
    vo_attn_seq s = {0, 576, q, q, 576, NULL, 0};
    double t0 = now();
    vo_attention(be, a, q, &s, 1, 0.1178f, false);
    printf("%-40s %8.2f ms\n", "vision attention 576×576×16 heads", (now() - t0) * 1e3);
    vo_tensor_free(be, q); vo_tensor_free(be, a);
    int rc = vo_backend_sync(be, ctx) != VO_OK;
    vo_backend_drop(be);
    vo_drop_ctx(ctx);
    return rc;
}
