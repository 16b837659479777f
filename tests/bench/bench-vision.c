/* bench-vision.c: one 384-px image tile through the vision tower and the
 * projector (what each tile of a page costs before the prompt), on a model
 * folder (make-random-model's real SigLIP-so400m shapes): seconds per tile
 * on one thread in CPU time and on all threads in wall time, exact and
 * with the activations rounded to bf16 (--matmul bf16), the best of the
 * rounds; against the f32 FMA and bf16 dot peaks measured in the same run
 * (the tile's FLOPs counted from the loaded shapes). Prints a table, then
 * one JSON object as the last line. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/backend/cpu/cpu.h"
#include "src/model/config.h"
#include "src/model/safetensors.h"
#include "src/vlm/projector.h"
#include "src/vlm/siglip.h"
#include "tests/bench/peaks.h"

static double seconds(bool wall)
{
    struct timespec ts;
    clock_gettime(wall ? CLOCK_MONOTONIC : CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double dims(const vo_tensor *t)
{
    return t ? (double)t->ne[0] * (double)t->ne[1] : 0;
}

/* FLOPs of one tile: every matmul (2 per multiply-add) and the attention's
 * two products; the norms and activations are left out (a few ‰) */
static double tile_flops(const siglip_model *v, const projector_model *p)
{
    double P = (double)v->grid * v->grid, f = 2 * P * dims(v->patch_w);
    for (int l = 0; l < v->n_layers; l++) {
        const siglip_layer *L = &v->layers[l];
        f += 2 * P * (dims(L->q_w) + dims(L->k_w) + dims(L->v_w) + dims(L->o_w) +
                      dims(L->fc1_w) + dims(L->fc2_w));
        f += 2 * 2 * P * P * v->dim;
    }
    return f + 2 * P * (dims(p->l1_w) + dims(p->l2_w));
}

/* the best of `reps` tiles (after one that pages the weights in) on be:
 * seconds, 0 on failure */
static double tile_seconds(vo_ctx *ctx, vo_backend *be, const vo_config *cfg,
                           const siglip_model *vis, const projector_model *proj, int reps,
                           bool wall)
{
    int S = cfg->vision_image_size, C = cfg->vision_num_channels, P = cfg->patches_per_tile;
    vo_tensor *px = vo_tensor_new(be, VO_F32, S, S, C, 1, "pixels");
    vo_tensor *vs = vo_tensor_new(be, VO_F32, cfg->vision_hidden_size, P, 1, 1, "vision");
    vo_tensor *po = vo_tensor_new(be, VO_F32, proj->dim, P, 1, 1, "proj");
    float *pix = malloc(sizeof(float) * (size_t)S * S * C);
    double best = 0;
    if (px && vs && po && pix) {
        for (size_t i = 0; i < (size_t)S * S * C; i++)
            pix[i] = (float)((i * 2654435761u) % 2001) / 1000.0f - 1.0f;
        vo_tensor_set(be, px, pix, sizeof(float) * (size_t)S * S * C);
        for (int r = 0; r <= reps; r++) {
            double t0 = seconds(wall);
            siglip_forward(be, vis, px, vs);
            projector_forward(be, proj, vs, po);
            if (vo_backend_sync(be, ctx) != VO_OK) {
                best = 0;
                break;
            }
            double t = seconds(wall) - t0;
            if (r > 0)
                best = best == 0 || t < best ? t : best;
        }
    }
    free(pix);
    vo_tensor_free(be, px);
    vo_tensor_free(be, vs);
    vo_tensor_free(be, po);
    return best;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench-vision MODEL_DIR [threads] [reps]\n");
        return 2;
    }
    int threads = argc > 2 ? atoi(argv[2]) : 0;
    int reps = argc > 3 ? atoi(argv[3]) : 3;
    threads = threads > 0 ? threads : vo_cpu_count();
    vo_ctx *ctx = vo_new_ctx();
    vo_config cfg;
    vo_weights *w = NULL;
    vo_backend *be[2] = {NULL, NULL};
    siglip_model vis = {0};
    projector_model proj = {0};
    int rc = 1;
    if (vo_load_config(ctx, argv[1], &cfg) || vo_open_weights(ctx, argv[1], &w) ||
        vo_new_cpu_backend(ctx, 1, &be[0]) || vo_new_cpu_backend(ctx, threads, &be[1]) ||
        siglip_load(ctx, be[0], &cfg, w, &vis) || projector_load(ctx, be[0], &cfg, w, &proj)) {
        fprintf(stderr, "bench-vision: %s\n", vo_last_error(ctx));
        goto done;
    }
    /* [thread count][exact, bf16 activations]; the weights are the mapped
     * file's, which both backends read */
    double tile[2][2] = {{0, 0}, {0, 0}}, fma, dot;
    bench_peaks(&fma, &dot);
    bool bf16 = vo_cpu_round_activations(ctx, be[0], true) == VO_OK &&
                vo_cpu_round_activations(ctx, be[1], true) == VO_OK;
    for (int b = 0; b < 2; b++)
        for (int m = 0; m < (bf16 ? 2 : 1); m++) {
            if (vo_cpu_round_activations(ctx, be[b], m == 1) != VO_OK ||
                (tile[b][m] = tile_seconds(ctx, be[b], &cfg, &vis, &proj, reps, b == 1)) == 0) {
                fprintf(stderr, "bench-vision: %s\n", vo_last_error(ctx));
                goto done;
            }
        }
    double gflop = tile_flops(&vis, &proj) / 1e9;
    printf("%-48s %12s\n", "measure (one 384-px tile + projector)", "value");
    printf("%-48s %12.1f\n", "GFLOP per tile (matmuls and attention)", gflop);
    printf("%-48s %12.1f\n", "f32 FMA peak, 1 thread, GFLOP/s", fma);
    printf("%-48s %12.1f\n", "bf16 dot peak, 1 thread, GFLOP/s", dot);
    printf("%-48s %12.2f (%.2f of the f32 peak)\n", "exact, 1 thread, CPU s", tile[0][0],
           gflop / tile[0][0] / fma);
    printf("%-48s %12.2f (%.2fx 1 thread)\n", "exact, threads, wall s", tile[1][0],
           tile[0][0] / tile[1][0]);
    if (bf16) {
        printf("%-48s %12.2f (%.2f of the bf16 dot peak)\n", "bf16 activations, 1 thread, CPU s",
               tile[0][1], gflop / tile[0][1] / dot);
        printf("%-48s %12.2f (%.2fx 1 thread)\n", "bf16 activations, threads, wall s", tile[1][1],
               tile[0][1] / tile[1][1]);
    } else {
        printf("%-48s %12s\n", "bf16 activations", "not run (no AVX512_BF16)");
    }
    printf("{\"vision.threads\": %d, \"vision.gflop_per_tile\": %.1f, \"vision.tile_s\": %.3f, "
           "\"vision.frac_of_f32_peak\": %.3f, \"vision.frac_of_bf16_peak\": %.3f, "
           "\"vision.threads.wall_tile_s\": %.3f",
           threads, gflop, tile[0][0], gflop / tile[0][0] / fma,
           dot > 0 ? gflop / tile[0][0] / dot : 0.0, tile[1][0]);
    if (bf16)
        printf(", \"vision.bf16act.tile_s\": %.3f, \"vision.bf16act.frac_of_bf16_peak\": %.3f, "
               "\"vision.bf16act.threads.wall_tile_s\": %.3f",
               tile[0][1], gflop / tile[0][1] / dot, tile[1][1]);
    printf("}\n");
    rc = 0;
done:
    if (be[0]) {
        siglip_free(be[0], &vis);
        projector_free(be[0], &proj);
    }
    vo_backend_drop(be[0]);
    vo_backend_drop(be[1]);
    vo_drop_weights(w);
    vo_drop_ctx(ctx);
    return rc;
}
