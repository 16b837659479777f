/* bench-engine.c: engine speed on a model folder (the random 1.7B one of
 * make-random-model): vision tile, prefill, and decode with 1 and 4 sequences,
 * with the KV cache stored as f32 (default), bf16 or f16. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/backend/cpu/cpu.h"
#include "src/model/config.h"
#include "src/model/safetensors.h"
#include "src/util/alloc.h"
#include "src/vlm/generate.h"
#include "src/vlm/projector.h"
#include "src/vlm/qwen3.h"
#include "src/vlm/siglip.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* time of the first generated token of any sequence (= end of the prefill) */
static double t_first;

static int on_token(void *user, int seq, int32_t id, float logprob)
{
    (void)user; (void)seq; (void)id; (void)logprob;
    if (t_first == 0)
        t_first = now();
    return 0;
}

/* n sequences of `prompt` random ids each, `steps` decode steps after the
 * first token: *prefill_s and *decode_s measured. */
static int run(vo_ctx *ctx, vo_backend *be, const qwen3_model *lm, int n, int prompt, int steps,
               double *prefill_s, double *decode_s)
{
    vo_gen_request r[8] = {{0}};
    int32_t *ids = malloc(sizeof(int32_t) * (size_t)prompt * (size_t)n);
    if (!ids)
        return 0;
    srand(7);
    for (int i = 0; i < prompt * n; i++)
        ids[i] = rand() % (lm->vocab < 150000 ? lm->vocab : 150000);
    for (int s = 0; s < n; s++) {
        r[s].ids = ids + (size_t)s * prompt;
        r[s].n_ids = prompt;
        r[s].max_new = steps + 1;
        r[s].cb = on_token;
    }
    t_first = 0;
    double t0 = now();
    vo_status st = vo_generate(ctx, be, lm, -1, NULL, 0, r, n);
    double t1 = now();
    *prefill_s = t_first - t0;
    *decode_s = t1 - t_first;
    for (int s = 0; s < n; s++) {
        vo_free(r[s].out_ids);
        vo_free(r[s].out_logprobs);
    }
    free(ids);
    return st == VO_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench-engine MODEL_DIR [threads] [prefill_tokens] [decode_steps] "
                "[f32|bf16|f16 KV cache]\n");
        return 2;
    }
    int threads = argc > 2 ? atoi(argv[2]) : 0;
    int prompt = argc > 3 ? atoi(argv[3]) : 128;
    int steps = argc > 4 ? atoi(argv[4]) : 16;
    const char *kv = argc > 5 ? argv[5] : "f32";
    vo_type kv_type = !strcmp(kv, "bf16") ? VO_BF16 : !strcmp(kv, "f16") ? VO_F16 : VO_F32;
    if (strcmp(kv, vo_type_name(kv_type)) != 0) {
        fprintf(stderr, "bench-engine: KV cache type %s is not f32, bf16 or f16\n", kv);
        return 2;
    }
    vo_ctx *ctx = vo_new_ctx();
    vo_config cfg;
    vo_weights *w = NULL;
    vo_backend *be = NULL;
    siglip_model vis = {0};
    projector_model proj = {0};
    qwen3_model lm = {0};
    int rc = 1;
    if (vo_load_config(ctx, argv[1], &cfg) || vo_open_weights(ctx, argv[1], &w) ||
        vo_new_cpu_backend(ctx, threads, &be) || siglip_load(ctx, be, &cfg, w, &vis) ||
        projector_load(ctx, be, &cfg, w, &proj) || qwen3_load(ctx, be, &cfg, w, &lm)) {
        fprintf(stderr, "bench-engine: %s\n", vo_last_error(ctx));
        goto done;
    }
    lm.kv_type = kv_type;
    /* one vision tile + projector */
    int S = cfg.vision_image_size, C = cfg.vision_num_channels, P = cfg.patches_per_tile;
    vo_tensor *px = vo_tensor_new(be, VO_F32, S, S, C, 1, "pixels");
    vo_tensor *vs = vo_tensor_new(be, VO_F32, cfg.vision_hidden_size, P, 1, 1, "vision");
    vo_tensor *po = vo_tensor_new(be, VO_F32, lm.dim, P, 1, 1, "proj");
    float *pix = malloc(sizeof(float) * (size_t)S * S * C);
    for (size_t i = 0; pix && i < (size_t)S * S * C; i++)
        pix[i] = (float)((i * 2654435761u) % 2001) / 1000.0f - 1.0f;
    double t0 = now();
    if (px && vs && po && pix) {
        vo_tensor_set(be, px, pix, sizeof(float) * (size_t)S * S * C);
        siglip_forward(be, &vis, px, vs);
        projector_forward(be, &proj, vs, po);
    }
    vo_status st = vo_backend_sync(be, ctx);
    double tile_s = now() - t0;
    free(pix);
    vo_tensor_free(be, px);
    vo_tensor_free(be, vs);
    vo_tensor_free(be, po);
    double p1, d1, p4, d4;
    if (st != VO_OK || !run(ctx, be, &lm, 1, prompt, steps, &p1, &d1) ||
        !run(ctx, be, &lm, 4, 16, steps, &p4, &d4)) {
        fprintf(stderr, "bench-engine: %s\n", vo_last_error(ctx));
        goto done;
    }
    printf("%-34s %12s\n", "measure", "value");
    printf("%-34s %12s\n", "KV cache type", kv);
    printf("%-34s %12.2f\n", "vision+projector s/tile", tile_s);
    printf("%-34s %12.1f\n", "prefill tokens/s", prompt / p1);
    printf("%-34s %12.2f\n", "decode tokens/s, 1 sequence", steps / d1);
    printf("%-34s %12d\n", "  (context of the 1-seq decode)", prompt + steps);
    printf("%-34s %12.2f\n", "decode tokens/s, 4 sequences", 4.0 * steps / d4);
    printf("%-34s %12.3f\n", "decode s/step, 4 sequences", d4 / steps);
    rc = 0;
done:
    if (be) {
        siglip_free(be, &vis);
        projector_free(be, &proj);
        qwen3_free(be, &lm);
        vo_backend_drop(be);
    }
    vo_drop_weights(w);
    vo_drop_ctx(ctx);
    return rc;
}
