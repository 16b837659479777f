/* engine-bench.c: the whole network on the native CPU backend and on the
 * OpenCL backend in one process, runs interleaved (cpu, opencl, cpu, …) so
 * that both see the same machine load; best of --reps for each figure.
 * Prints one line per figure: "key cpu opencl" (tokens/s or s/tile).
 * Used by tests/bench/bench-backends.sh (make bench).
 *
 * --gpu (tests/gpu-check.sh): the OpenCL backend alone, decode at 1 and
 * --batch sequences, and the bounds of the same run: the device's copy
 * bandwidth (the driver's copy of 1 GiB), the weight bytes each decode step reads,
 * and the pages/s of a page of --page-tokens generated tokens at --batch
 * pages in flight, as "key value" lines and one JSON line.
 *
 * Both modes also print the OpenCL decode step's design figures, counted by
 * the backend over the decode of one sequence: kernels launched, bytes
 * through the host each way and device-to-device copies per step, and the
 * device bytes a step must read (the weights, and the KV cache per token of
 * context); as "key value" lines and, in --gpu mode, JSON keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/backend/cpu/cpu.h"
#include "src/backend/opencl.h"
#include "src/model/config.h"
#include "src/model/safetensors.h"
#include "src/util/alloc.h"
#include "src/vlm/generate.h"
#include "src/vlm/projector.h"
#include "src/vlm/qwen3.h"
#include "src/vlm/siglip.h"

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* one backend with the model loaded on it */
typedef struct engine {
    const char *name;
    vo_backend *be;
    siglip_model vis;
    projector_model proj;
    qwen3_model lm;
    double best[4];     /* tile s, prefill tok/s, decode tok/s with 1 and `batch` sequences */
    /* OpenCL, per decode step of one sequence: launches, host bytes in and
     * out, device copies (the last such decode measured) */
    double launches, in_bytes, out_bytes, copies;
} engine;

static double t_first;  /* when the first token of any sequence came (end of prefill) */
static int batch = 4;   /* sequences of the second decode figure */
static vo_backend *counted;     /* the backend whose counters on_token snapshots */
static vo_opencl_stats at_first;

static int
on_token(void *user, int seq, int32_t id, float logprob)
{
    (void)user; (void)seq; (void)id; (void)logprob;
    if (t_first == 0) {
        t_first = now();
        if (counted)
            vo_opencl_get_stats(counted, &at_first);
    }
    return 0;
}

/* n sequences of `prompt` random ids, `steps` decode steps after the first
 * token; false on an error (message in ctx). */
static bool
generate(vo_ctx *ctx, engine *e, int n, int prompt, int steps, double *prefill_s,
         double *decode_s)
{
    vo_gen_request *r = vo_calloc((size_t)n, sizeof *r);
    int32_t *ids = vo_malloc(sizeof(int32_t) * (size_t)prompt * (size_t)n);
    if (!ids || !r) {
        vo_free(ids);
        vo_free(r);
        return false;
    }
    uint32_t seed = 7;
    int64_t vocab = e->lm.vocab < 150000 ? e->lm.vocab : 150000;
    for (int i = 0; i < prompt * n; i++) {
        seed = seed * 1664525u + 1013904223u;
        ids[i] = (int32_t)((seed >> 8) % (uint32_t)vocab);
    }
    for (int s = 0; s < n; s++) {
        r[s].ids = ids + (size_t)s * (size_t)prompt;
        r[s].n_ids = prompt;
        r[s].max_new = steps + 1;
        r[s].cb = on_token;
    }
    t_first = 0;
    vo_opencl_stats end;
    counted = n == 1 && vo_opencl_get_stats(e->be, &end) ? e->be : NULL;
    double t0 = now();
    vo_status st = vo_generate(ctx, e->be, &e->lm, -1, NULL, 0, r, n);
    double t1 = now();
    *prefill_s = t_first - t0;
    *decode_s = t1 - t_first;
    if (counted && st == VO_OK && vo_opencl_get_stats(e->be, &end)) {
        e->launches = (double)(end.launches - at_first.launches) / steps;
        e->in_bytes = (double)(end.write_bytes - at_first.write_bytes) / steps;
        e->out_bytes = (double)(end.read_bytes - at_first.read_bytes) / steps;
        e->copies = (double)(end.device_copies - at_first.device_copies) / steps;
    }
    counted = NULL;
    for (int s = 0; s < n; s++) {
        vo_free(r[s].out_ids);
        vo_free(r[s].out_logprobs);
    }
    vo_free(r);
    vo_free(ids);
    return st == VO_OK;
}

/* one vision tile and the projector; seconds, or -1 on an error */
static double
tile(vo_ctx *ctx, engine *e, const vo_config *cfg)
{
    int S = cfg->vision_image_size, C = cfg->vision_num_channels, P = cfg->patches_per_tile;
    vo_tensor *px = vo_tensor_new(e->be, VO_F32, S, S, C, 1, "pixels");
    vo_tensor *vs = vo_tensor_new(e->be, VO_F32, cfg->vision_hidden_size, P, 1, 1, "vision");
    vo_tensor *po = vo_tensor_new(e->be, VO_F32, e->lm.dim, P, 1, 1, "proj");
    float *pix = vo_malloc(sizeof(float) * (size_t)S * S * C);
    double t = -1;
    if (px && vs && po && pix) {
        for (size_t i = 0; i < (size_t)S * S * C; i++)
            pix[i] = (float)((i * 2654435761u) % 2001) / 1000.0f - 1.0f;
        vo_tensor_set(e->be, px, pix, sizeof(float) * (size_t)S * S * C);
        vo_backend_sync(e->be, ctx);
        double t0 = now();
        siglip_forward(e->be, &e->vis, px, vs);
        projector_forward(e->be, &e->proj, vs, po);
        if (vo_backend_sync(e->be, ctx) == VO_OK)
            t = now() - t0;
    }
    vo_free(pix);
    vo_tensor_free(e->be, px);
    vo_tensor_free(e->be, vs);
    vo_tensor_free(e->be, po);
    return t;
}

static void
keep(double *best, double v, bool lower)
{
    if (*best == 0 || (lower ? v < *best : v > *best))
        *best = v;
}

/* one round of every figure on e; false on an error */
static bool
round_of(vo_ctx *ctx, engine *e, const vo_config *cfg, int prompt, int steps)
{
    double t = tile(ctx, e, cfg), p1, d1, p4, d4;
    if (t < 0 || !generate(ctx, e, 1, prompt, steps, &p1, &d1) ||
        !generate(ctx, e, batch, prompt / batch > 4 ? prompt / batch : 4, steps, &p4, &d4))
        return false;
    keep(&e->best[0], t, true);
    keep(&e->best[1], prompt / p1, false);
    keep(&e->best[2], steps / d1, false);
    keep(&e->best[3], (double)batch * steps / d4, false);
    return true;
}

static double
bytes_of(const vo_tensor *t)
{
    return t ? (double)vo_nbytes(t) : 0;
}

/* weight bytes one decode step reads: every layer's matrices and the head */
static double
decode_weight_bytes(const qwen3_model *lm)
{
    double b = bytes_of(lm->head);
    for (int l = 0; l < lm->n_layers; l++) {
        const qwen3_layer *L = &lm->layers[l];
        const vo_tensor *ts[] = {L->q_w, L->k_w, L->v_w, L->o_w, L->gate_w, L->up_w, L->down_w};
        for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
            b += bytes_of(ts[i]);
    }
    return b;
}

/* KV cache bytes one decode step reads per token of context: K and V of
 * every layer's KV heads */
static double
kv_bytes_per_token(const qwen3_model *lm)
{
    return 2.0 * lm->n_layers * lm->kv_heads * (double)vo_row_size(lm->kv_type, lm->head_dim);
}

static void
usage(void)
{
    fprintf(stderr, "usage: engine-bench [--gpu] [--batch N] [--page-tokens N] MODEL_DIR [reps] "
                    "[prefill_tokens] [decode_steps] [cpu_threads]\n");
}

int
main(int argc, char **argv)
{
    bool gpu = false;
    int page_tokens = 2000, a = 1;
    for (; a < argc && strncmp(argv[a], "--", 2) == 0; a++) {
        if (strcmp(argv[a], "--gpu") == 0)
            gpu = true;
        else if (strcmp(argv[a], "--batch") == 0 && a + 1 < argc)
            batch = atoi(argv[++a]);
        else if (strcmp(argv[a], "--page-tokens") == 0 && a + 1 < argc)
            page_tokens = atoi(argv[++a]);
        else {
            usage();
            return 2;
        }
    }
    argc -= a - 1;
    argv += a - 1;
    if (argc < 2) {
        usage();
        return 2;
    }
    int reps = argc > 2 ? atoi(argv[2]) : 3;
    int prompt = argc > 3 ? atoi(argv[3]) : 128;
    int steps = argc > 4 ? atoi(argv[4]) : 16;
    int threads = argc > 5 ? atoi(argv[5]) : 0;
    if (reps < 1 || prompt < 4 || steps < 1 || batch < 1 || batch > 256 || page_tokens < 1) {
        fprintf(stderr, "engine-bench: reps >= 1, prefill_tokens >= 4, decode_steps >= 1, "
                        "1 <= batch <= 256, page-tokens >= 1\n");
        return 2;
    }
    vo_ctx *ctx = vo_new_ctx();
    vo_config cfg;
    vo_weights *w = NULL;
    engine eng[2] = {{.name = "cpu"}, {.name = "opencl"}};
    int first = gpu ? 1 : 0;
    int rc = 1;
    if (!ctx)
        return 1;
    if (vo_load_config(ctx, argv[1], &cfg) || vo_open_weights(ctx, argv[1], &w) ||
        (!gpu && vo_new_cpu_backend(ctx, threads, &eng[0].be)) ||
        vo_opencl_backend_new(ctx, NULL, &eng[1].be)) {
        fprintf(stderr, "engine-bench: %s\n", vo_last_error(ctx));
        goto done;
    }
    for (int i = first; i < 2; i++) {
        engine *e = &eng[i];
        double t0 = now();
        if (siglip_load(ctx, e->be, &cfg, w, &e->vis) ||
            projector_load(ctx, e->be, &cfg, w, &e->proj) ||
            qwen3_load(ctx, e->be, &cfg, w, &e->lm)) {
            fprintf(stderr, "engine-bench: %s: %s\n", e->name, vo_last_error(ctx));
            goto done;
        }
        if (gpu)
            printf("load_s %.3f\n", now() - t0);
        /* warm-up: first-touch of the weights, kernel set-up */
        double p, d;
        if (!generate(ctx, e, 1, 8, 2, &p, &d)) {
            fprintf(stderr, "engine-bench: %s: %s\n", e->name, vo_last_error(ctx));
            goto done;
        }
    }
    for (int r = 0; r < reps; r++)
        for (int i = first; i < 2; i++)
            if (!round_of(ctx, &eng[i], &cfg, prompt, steps)) {
                fprintf(stderr, "engine-bench: %s: %s\n", eng[i].name, vo_last_error(ctx));
                goto done;
            }
    vo_opencl_info info;
    if (vo_opencl_get_info(eng[1].be, &info))
        printf("device %s\n", info.device);
    const engine *o = &eng[1];
    double kv_tok = kv_bytes_per_token(&o->lm);
    printf("opencl_decode_launches_per_step %.1f\nopencl_decode_host_in_bytes_per_step %.1f\n"
           "opencl_decode_host_out_bytes_per_step %.1f\nopencl_decode_device_copies_per_step %.2f\n"
           "opencl_decode_weight_mb_per_step %.1f\nopencl_decode_kv_bytes_per_context_token %.0f\n",
           o->launches, o->in_bytes, o->out_bytes, o->copies, decode_weight_bytes(&o->lm) / 1e6,
           kv_tok);
    if (gpu) {
        const double *b = eng[1].best;
        double bw = 0, wb = decode_weight_bytes(&eng[1].lm);
        if (vo_opencl_copy_bandwidth(ctx, eng[1].be, (size_t)1 << 30, 5, &bw)) {
            fprintf(stderr, "engine-bench: %s\n", vo_last_error(ctx));
            goto done;
        }
        double bound = bw > 0 ? bw * 1e9 / wb : 0;
        /* a page: its prompt's prefill, then page_tokens steps at `batch` pages in flight */
        double page_s = prompt / b[1] + (double)page_tokens / (b[3] / batch);
        printf("copy_gb_s %.1f\nweight_mb_per_step %.1f\ndecode_bound_tok_s %.1f\n", bw,
               wb / 1e6, bound);
        printf("vision_tile_s %.4f\nprefill_tok_s %.1f\ndecode1_tok_s %.2f (%.0f %% of the bound)\n"
               "decode%d_tok_s %.1f\npages_s %.3f (%d-token prompt, %d generated tokens, %d in "
               "flight)\n",
               b[0], b[1], b[2], bound > 0 ? 100 * b[2] / bound : 0, batch, b[3],
               batch / page_s, prompt, page_tokens, batch);
        printf("{\"gpu.device\": \"%s\", \"gpu.copy_gb_s\": %.1f, \"gpu.weight_mb_per_step\": %.1f, "
               "\"gpu.decode.b1.tok_s\": %.2f, \"gpu.decode.b1.of_bound\": %.3f, "
               "\"gpu.decode.b%d.tok_s\": %.1f, \"gpu.prefill%d.tok_s\": %.1f, "
               "\"gpu.vision_tile_s\": %.4f, \"gpu.pages_s.b%d_%dtok\": %.3f, "
               "\"gpu.decode.launches_per_step\": %.1f, \"gpu.decode.host_bytes_per_step\": %.1f, "
               "\"gpu.decode.kv_bytes_per_context_token\": %.0f}\n",
               info.device, bw, wb / 1e6, b[2], bound > 0 ? b[2] / bound : 0, batch, b[3],
               prompt, b[1], b[0], batch, page_tokens, batch / page_s, o->launches,
               o->in_bytes + o->out_bytes, kv_tok);
    } else {
        printf("vision_tile_s %.4f %.4f\n", eng[0].best[0], eng[1].best[0]);
        printf("prefill_tok_s %.3f %.3f\n", eng[0].best[1], eng[1].best[1]);
        printf("decode1_tok_s %.3f %.3f\n", eng[0].best[2], eng[1].best[2]);
        printf("decode4_tok_s %.3f %.3f\n", eng[0].best[3], eng[1].best[3]);
    }
    rc = 0;
done:
    for (int i = 0; i < 2; i++)
        if (eng[i].be) {
            siglip_free(eng[i].be, &eng[i].vis);
            projector_free(eng[i].be, &eng[i].proj);
            qwen3_free(eng[i].be, &eng[i].lm);
            vo_backend_drop(eng[i].be);
        }
    vo_drop_weights(w);
    vo_drop_ctx(ctx);
    return rc;
}
