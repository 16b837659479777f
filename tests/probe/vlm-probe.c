/* vlm-probe.c: a test tool that drives the library from scripts:
 * --tokenize, --dump-config, and --dump (every fixture key, stage by stage). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/backend/cpu/cpu.h"
#include "src/backend/opencl.h"
#include "src/model/config.h"
#include "src/model/image_geom.h"
#include "src/model/prompt.h"
#include "src/model/safetensors.h"
#include "src/model/tokenizer.h"
#include "src/util/alloc.h"
#include "src/vlm/generate.h"
#include "src/vlm/pack.h"
#include "src/vlm/preprocess.h"
#include "src/vlm/projector.h"
#include "src/vlm/qwen3.h"
#include "src/vlm/resize.h"
#include "src/vlm/siglip.h"
#include "tests/vlm/png.h"

static int usage(void)
{
    fprintf(stderr,
            "usage: vlm-probe --model DIR --tokenize < cases.jsonl   (lines {\"text\": ...} -> {\"ids\": [...]})\n"
            "       vlm-probe --model DIR --dump-config\n"
            "       vlm-probe --model DIR [--image FILE]... [--prompt TEXT | --ids FILE.bin]\n"
            "                 [--generate N] [--backend cpu|cpu-ref|opencl|opencl-gpu-kernels]\n"
            "                 [--threads N] [--ocr-upscale] [--images-flat] [--stage-inputs CASE_DIR]\n"
            "                 [--kv-type f32|bf16|f16|q8] [--kv-step N] [--weights as-stored|bf16|q8|q4]\n"
            "                 [--matmul exact|bf16] --dump DIR\n");
    return 2;
}

static int fail(vo_ctx *ctx)
{
    fprintf(stderr, "vlm-probe: %s\n", vo_last_error(ctx));
    return 1;
}

/* a whole file, malloc'd (NULL when unreadable); *n its size */
static void *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    void *b = NULL;
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (b = malloc(len > 0 ? (size_t)len : 1)) && fread(b, 1, (size_t)len, f) != (size_t)len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *n = b ? (size_t)len : 0;
    return b;
}

/* One output line per input line, in order; a line that is not
 * {"text": string} is an error (exit 1) so a driver never loses sync. */
static int probe_tokenize(vo_ctx *ctx, const char *model)
{
    vo_tokenizer *tok = NULL;
    if (vo_load_tokenizer(ctx, model, &tok) != VO_OK)
        return fail(ctx);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    int rc = 0;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        lineno++;
        json_error_t jerr;
        json_t *o = json_loadb(line, (size_t)n, 0, &jerr);
        json_t *text = json_object_get(o, "text");
        if (!json_is_string(text)) {
            fprintf(stderr, "vlm-probe: stdin line %ld: expected {\"text\": string}\n", lineno);
            json_decref(o);
            rc = 1;
            break;
        }
        int32_t *ids = NULL;
        size_t nids = 0;
        if (vo_tokenizer_encode(ctx, tok, json_string_value(text), json_string_length(text), &ids, &nids) != VO_OK) {
            fprintf(stderr, "vlm-probe: stdin line %ld: %s\n", lineno, vo_last_error(ctx));
            json_decref(o);
            rc = 1;
            break;
        }
        fputs("{\"ids\": [", stdout);
        for (size_t i = 0; i < nids; i++)
            printf(i ? ", %d" : "%d", (int)ids[i]);
        fputs("]}\n", stdout);
        vo_free(ids);
        json_decref(o);
    }
    free(line);
    vo_drop_tokenizer(tok);
    return rc;
}

static int probe_dump_config(vo_ctx *ctx, const char *model)
{
    vo_config cfg;
    vo_buf b = VO_BUF_INIT;
    if (vo_load_config(ctx, model, &cfg) != VO_OK || vo_config_dump(ctx, &cfg, &b) != VO_OK)
        return fail(ctx);
    fputs(b.data ? b.data : "", stdout);
    vo_buf_free(&b);
    return 0;
}

/* ---------------------------------------------------------------------------
 * --dump: run the network stage by stage and write every fixture key
 * --------------------------------------------------------------------------- */

#define PROBE_MAX_IMAGES 16
#define PROBE_TILES_PER_PASS 8

typedef struct probe_opts {
    const char *model, *dump, *stage, *prompt, *ids_file, *backend;
    const char *images[PROBE_MAX_IMAGES];
    int n_images, generate, flat, ocr_upscale, threads;
    vo_type kv_type;     /* --kv-type: the LM's KV cache storage */
    int kv_step;         /* --kv-step: KV pool growth step in tokens (0: the default) */
    vo_type weights;     /* --weights bf16/q8/q4: the LM's matrices and head
                            copied or quantized at load; VO_F32: as stored */
    int matmul_bf16;     /* --matmul bf16: the CPU GEMMs round activations to bf16 */
} probe_opts;

typedef struct probe {
    vo_ctx *ctx;
    const probe_opts *o;
    vo_backend *be;
    vo_config cfg;
    vo_weights *w;
    vo_tokenizer *tok;
    vo_chat_template *tmpl;
    siglip_model vis;
    projector_model proj;
    qwen3_model lm;
    int loaded;
} probe;

/* DIR/<key>.bin, raw little-endian (the host order of every supported CPU) */
static int dump_key(probe *p, const char *key, const void *data, size_t bytes)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.bin", p->o->dump, key);
    FILE *f = fopen(path, "wb");
    int good = f && (bytes == 0 || fwrite(data, 1, bytes, f) == bytes);
    if (f && fclose(f) != 0)
        good = 0;
    if (!good)
        fprintf(stderr, "vlm-probe: cannot write %s: %s\n", path, strerror(errno));
    return good;
}

/* --stage-inputs DIR/<key>.bin when it exists with exactly `bytes` bytes:
 * copied into dst, returns 1; 0 when absent; -1 (message printed) when its
 * size differs. */
static int stage_key(probe *p, const char *key, void *dst, size_t bytes)
{
    if (!p->o->stage)
        return 0;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.bin", p->o->stage, key);
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    int rc = -1;
    if (fseek(f, 0, SEEK_END) == 0 && ftell(f) == (long)bytes && fseek(f, 0, SEEK_SET) == 0 &&
        fread(dst, 1, bytes, f) == bytes)
        rc = 1;
    else
        fprintf(stderr, "vlm-probe: %s: expected %zu bytes (shapes of this model)\n", path, bytes);
    fclose(f);
    return rc;
}

/* a whole stage-input file of any size (input_ids): malloc'd or NULL */
static void *stage_file(probe *p, const char *key, size_t *bytes)
{
    if (!p->o->stage)
        return NULL;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.bin", p->o->stage, key);
    return read_file(path, bytes);
}

static int probe_open(probe *p)
{
    vo_ctx *ctx = p->ctx;
    const probe_opts *o = p->o;
    if (vo_load_config(ctx, o->model, &p->cfg) || vo_open_weights(ctx, o->model, &p->w))
        return 0;
    /* the tokenizer and template are optional (tiny-varco-alt has none) */
    if (vo_load_tokenizer(ctx, o->model, &p->tok) != VO_OK)
        p->tok = NULL;
    if (vo_load_chat_template(ctx, o->model, &p->tmpl) != VO_OK)
        p->tmpl = NULL;
    vo_status st;
    if (!o->backend || !strcmp(o->backend, "cpu"))
        st = vo_new_cpu_backend(ctx, o->threads, &p->be);
    else if (!strcmp(o->backend, "cpu-ref"))
        st = vo_new_cpu_ref_backend(ctx, &p->be);
    else if (!strcmp(o->backend, "opencl"))
        st = vo_opencl_backend_new(ctx, NULL, &p->be);
    else if (!strcmp(o->backend, "opencl-gpu-kernels")) {
        /* the GPU kernel path on any device (PoCL in CI runs the other) */
        vo_opencl_opts co = {.kernel_path = 1};
        st = vo_opencl_backend_new(ctx, &co, &p->be);
    }
    else
        st = vo_fail(ctx, VO_ERR_ARGUMENT, "unknown backend '%s' (cpu, cpu-ref, opencl, "
                     "opencl-gpu-kernels)", o->backend);
    if (st || siglip_load(ctx, p->be, &p->cfg, p->w, &p->vis) ||
        projector_load(ctx, p->be, &p->cfg, p->w, &p->proj) ||
        qwen3_load(ctx, p->be, &p->cfg, p->w, &p->lm) ||
        (o->weights != VO_F32 && qwen3_convert_weights(ctx, p->be, p->w, &p->lm, o->weights, 1)) ||
        (o->matmul_bf16 && vo_cpu_round_activations(ctx, p->be, true)))
        return 0;
    p->lm.kv_type = o->kv_type;
    p->lm.kv_step = o->kv_step;
    p->loaded = 1;
    return 1;
}

static void probe_close(probe *p)
{
    if (p->be) {
        if (p->loaded) {
            siglip_free(p->be, &p->vis);
            projector_free(p->be, &p->proj);
            qwen3_free(p->be, &p->lm);
        }
        vo_backend_drop(p->be);
    }
    vo_drop_chat_template(p->tmpl);
    vo_drop_tokenizer(p->tok);
    vo_drop_weights(p->w);
}

/* key, or key_img<k> when the prompt has several images */
static const char *img_key(char *buf, size_t n, const char *key, int k, int n_images)
{
    if (n_images == 1)
        snprintf(buf, n, "%s", key);
    else
        snprintf(buf, n, "%s_img%d", key, k);
    return buf;
}

/* host floats → backend tensor [a, b, c, 1] (NULL on failure; error sticks) */
static vo_tensor *upload(probe *p, const float *data, int64_t a, int64_t b, int64_t c,
                         const char *name)
{
    vo_tensor *t = vo_tensor_new(p->be, VO_F32, a, b, c, 1, name);
    if (t && data)
        vo_tensor_set(p->be, t, data, sizeof(float) * (size_t)(a * b * c));
    return t;
}

/* everything of one image on its way to pixel_values */
typedef struct probe_image {
    uint8_t *rgb;          /* processor input (after the optional pre-upscale) */
    int w, h;
    vo_image_geom g;       /* anyres geometry (flat rule / single image) */
    int tiles, tokens;
} probe_image;

static int images_prepare(probe *p, probe_image *im, int n, float **pixels_out, int *tiles_out)
{
    vo_ctx *ctx = p->ctx;
    const vo_config *cfg = &p->cfg;
    int S = cfg->vision_image_size, C = cfg->vision_num_channels;
    int P = cfg->patches_per_tile;
    int square = n > 1 && !p->o->flat;     /* the chat-template rule (§3.8) */
    char key[64];
    int target = 0;
    for (int i = 0; i < cfg->n_pinpoints; i++)
        for (int j = 0; j < 2; j++)
            target = cfg->pinpoints[i][j] > target ? cfg->pinpoints[i][j] : target;
    int tiles = 0;
    for (int k = 0; k < n; k++) {
        im[k].rgb = test_load_png(p->o->images[k], &im[k].w, &im[k].h);
        if (!im[k].rgb) {
            fprintf(stderr, "vlm-probe: %s: not a readable RGB image\n", p->o->images[k]);
            return 0;
        }
        if (!dump_key(p, img_key(key, sizeof key, "image_rgb_u8", k, n), im[k].rgb,
                      (size_t)im[k].w * im[k].h * 3))
            return 0;
        if (p->o->ocr_upscale) {   /* §3.0, only on request */
            uint8_t *big = NULL;
            int bw, bh;
            if (vo_ocr_upscale(ctx, im[k].rgb, im[k].w, im[k].h, im[k].w * 3, target, &big, &bw,
                               &bh) != VO_OK)
                return fail(ctx), 0;
            free(im[k].rgb);
            im[k].rgb = malloc((size_t)bw * bh * 3);
            if (!im[k].rgb) {
                vo_free(big);
                return 0;
            }
            memcpy(im[k].rgb, big, (size_t)bw * bh * 3);
            vo_free(big);
            im[k].w = bw;
            im[k].h = bh;
        }
        if (!dump_key(p, img_key(key, sizeof key, "processor_input_u8", k, n), im[k].rgb,
                      (size_t)im[k].w * im[k].h * 3))
            return 0;
        if (square) {
            im[k].tiles = 1;
            im[k].tokens = P + 1;
        } else {
            if (vo_image_geom_compute(ctx, cfg, im[k].h, im[k].w, &im[k].g) != VO_OK)
                return fail(ctx), 0;
            im[k].tiles = im[k].g.n_tiles;
            im[k].tokens = im[k].g.num_image_tokens;
        }
        tiles += im[k].tiles;
    }
    size_t tile_floats = (size_t)C * S * S;
    float *pixels = malloc(sizeof(float) * tile_floats * (size_t)tiles);
    if (!pixels)
        return 0;
    *pixels_out = pixels;
    *tiles_out = tiles;
    vo_pixel_norm norm = {cfg->rescale_factor, {0}, {0}};
    uint8_t fill[3];
    for (int c = 0; c < 3; c++) {
        norm.mean[c] = (float)cfg->image_mean[c];
        norm.std[c] = (float)cfg->image_std[c];
        fill[c] = (uint8_t)(int)(cfg->image_mean[c] * 255.0);
    }
    float *px = pixels;
    for (int k = 0; k < n; k++) {
        if (square) {
            int side = im[k].w > im[k].h ? im[k].w : im[k].h;
            uint8_t *sq = malloc((size_t)side * side * 3);
            int good = sq && vo_preprocess_square(ctx, im[k].rgb, im[k].w, im[k].h, im[k].w * 3, S,
                                                  fill, &norm, px, sq) == VO_OK &&
                       dump_key(p, img_key(key, sizeof key, "square_u8", k, n), sq,
                                (size_t)side * side * 3);
            free(sq);
            if (!good)
                return fail(ctx), 0;
        } else {
            const vo_image_geom *g = &im[k].g;
            size_t cb = (size_t)g->best_h * g->best_w * 3, bb = (size_t)S * S * 3;
            uint8_t *canvas = malloc(cb), *base = malloc(bb);
            int good = canvas && base &&
                       vo_preprocess_anyres(ctx, g, S, im[k].rgb, im[k].w * 3, &norm, px, canvas,
                                            base) == VO_OK &&
                       dump_key(p, n == 1 ? "resized_padded_canvas_u8"
                                          : img_key(key, sizeof key, "canvas_u8", k, n), canvas, cb) &&
                       dump_key(p, img_key(key, sizeof key, "base_u8", k, n), base, bb);
            free(canvas);
            free(base);
            if (!good)
                return fail(ctx), 0;
        }
        px += tile_floats * (size_t)im[k].tiles;
    }
    size_t tb = sizeof(float) * tile_floats;
    return dump_key(p, "pixel_values", pixels, tb * (size_t)tiles) &&
           dump_key(p, "pixel_values_tile0", pixels, tb) &&
           dump_key(p, "pixel_values_tile_last", pixels + tile_floats * (size_t)(tiles - 1), tb);
}

/* vision_hidden_states_tile0 [L+1, P, Dv]: every hidden state of tile 0
 * (pixels), so through a tower with all its layers: the selected feature
 * layer may stop the model's own tower earlier. */
static int dump_vision_states(probe *p, const float *pixels)
{
    vo_ctx *ctx = p->ctx;
    vo_backend *be = p->be;
    vo_config all = p->cfg;
    all.vision_layers_to_run = all.vision_num_hidden_layers;
    siglip_model vis;
    memset(&vis, 0, sizeof vis);
    if (siglip_load(ctx, be, &all, p->w, &vis) != VO_OK)
        return fail(ctx), 0;
    int S = all.vision_image_size, C = all.vision_num_channels;
    int64_t P = all.patches_per_tile, Dv = all.vision_hidden_size, L = vis.n_layers;
    size_t bytes = sizeof(float) * (size_t)(Dv * P) * (size_t)(L + 1);
    vo_tensor *px = upload(p, pixels, S, S, C, "tile0");
    vo_tensor *out = upload(p, NULL, Dv, P, 1, "tile0.out");
    vo_tensor *states = upload(p, NULL, Dv, P, L + 1, "tile0.states");
    float *host = malloc(bytes);
    int good = px && out && states && host;
    if (good) {
        vo_tensor pv = vo_view(px, S, S, C, 1, 0, 0, 0, 0);
        siglip_forward_states(be, &vis, &pv, out, states);
        vo_tensor_get(be, states, host, bytes);
        good = vo_backend_sync(be, ctx) == VO_OK;
        if (!good)
            fail(ctx);
    }
    good = good && dump_key(p, "vision_hidden_states_tile0", host, bytes);
    free(host);
    vo_tensor_free(be, px);
    vo_tensor_free(be, out);
    vo_tensor_free(be, states);
    siglip_free(be, &vis);
    return good;
}

/* dump a [tiles, P, D] array as key, and its first and last tile as
 * <stem>_tile0 and <stem>_tile_last */
static int dump_tiles(probe *p, const char *key, const char *stem, const float *a, int tiles,
                      size_t per_tile)
{
    char k0[64], kl[64];
    snprintf(k0, sizeof k0, "%s_tile0", stem);
    snprintf(kl, sizeof kl, "%s_tile_last", stem);
    size_t b = sizeof(float) * per_tile;
    return dump_key(p, key, a, b * (size_t)tiles) && dump_key(p, k0, a, b) &&
           dump_key(p, kl, a + per_tile * (size_t)(tiles - 1), b);
}

/* §4-§6: pixels → vision_selected_all → projector_out → packed features
 * (host [N, Dt]); each stage may start from the golden output before it. */
static float *image_stages(probe *p, const probe_image *im, int n, float *pixels, int tiles,
                           int64_t *n_packed)
{
    vo_ctx *ctx = p->ctx;
    vo_backend *be = p->be;
    const vo_config *cfg = &p->cfg;
    int S = cfg->vision_image_size, C = cfg->vision_num_channels;
    int64_t P = cfg->patches_per_tile, Dv = cfg->vision_hidden_size, D = p->lm.dim;
    size_t tile_floats = (size_t)C * S * S;
    float *vsel = NULL, *proj = NULL, *packed = NULL;
    vo_tensor *px = NULL, *vs = NULL, *in = NULL, *out = NULL, *pk = NULL;
    if (stage_key(p, "pixel_values", pixels, sizeof(float) * tile_floats * (size_t)tiles) < 0)
        goto fail;
    /* §4 vision tower, a few tiles per pass */
    vsel = malloc(sizeof(float) * (size_t)(Dv * P) * (size_t)tiles);
    int chunk = tiles < PROBE_TILES_PER_PASS ? tiles : PROBE_TILES_PER_PASS;
    px = upload(p, NULL, S, S, C * chunk, "pixels");
    vs = upload(p, NULL, Dv, P, chunk, "vision.out");
    if (!vsel || !px || !vs)
        goto fail;
    for (int t0 = 0; t0 < tiles; t0 += chunk) {
        int k = tiles - t0 < chunk ? tiles - t0 : chunk;
        vo_tensor pv = vo_view(px, S, S, C, k, 0, 0, 0, 0);
        vo_tensor ov = vo_view(vs, Dv, P, k, 1, 0, 0, 0, 0);
        vo_tensor_set(be, &pv, pixels + tile_floats * (size_t)t0, sizeof(float) * tile_floats * k);
        siglip_forward(be, &p->vis, &pv, &ov);
        vo_tensor_get(be, &ov, vsel + (size_t)(Dv * P) * t0, sizeof(float) * (size_t)(Dv * P) * k);
        if (vo_backend_sync(be, ctx) != VO_OK)
            goto fail;
    }
    if (!dump_vision_states(p, pixels) ||
        !dump_tiles(p, "vision_selected_all", "vision_selected", vsel, tiles, (size_t)(Dv * P)) ||
        stage_key(p, "vision_selected_all", vsel, sizeof(float) * (size_t)(Dv * P) * tiles) < 0)
        goto fail;
    /* §5 projector over every row */
    proj = malloc(sizeof(float) * (size_t)(D * P) * (size_t)tiles);
    in = upload(p, vsel, Dv, P * tiles, 1, "projector.in");
    out = upload(p, NULL, D, P * tiles, 1, "projector.out");
    if (!proj || !in || !out)
        goto fail;
    projector_forward(be, &p->proj, in, out);
    vo_tensor_get(be, out, proj, sizeof(float) * (size_t)(D * P) * tiles);
    if (vo_backend_sync(be, ctx) != VO_OK)
        goto fail;
    if (!dump_tiles(p, "projector_out", "projector_out", proj, tiles, (size_t)(D * P)) ||
        stage_key(p, "projector_out", proj, sizeof(float) * (size_t)(D * P) * tiles) < 0)
        goto fail;
    /* §6 packing, image by image in prompt order */
    int64_t N = 0;
    for (int k = 0; k < n; k++)
        N += im[k].tokens;
    vo_tensor_free(be, in);
    in = upload(p, proj, D, P, tiles, "features");
    pk = upload(p, NULL, D, N, 1, "packed");
    packed = malloc(sizeof(float) * (size_t)(D * N));
    if (!in || !pk || !packed)
        goto fail;
    int64_t tile = 0, tok = 0;
    for (int k = 0; k < n; k++) {
        vo_tensor fv = vo_view(in, D, P, im[k].tiles, 1, 0, 0, 0, (size_t)tile * in->nb[2]);
        vo_tensor ov = vo_view(pk, D, im[k].tokens, 1, 1, 0, 0, 0, (size_t)tok * pk->nb[1]);
        if (n > 1 && !p->o->flat)
            pack_single_tile(be, &fv, p->proj.newline, &ov);
        else
            pack_anyres(be, &im[k].g, cfg->patches_per_side, &fv, p->proj.newline, &ov);
        tile += im[k].tiles;
        tok += im[k].tokens;
    }
    vo_tensor_get(be, pk, packed, sizeof(float) * (size_t)(D * N));
    if (vo_backend_sync(be, ctx) != VO_OK)
        goto fail;
    if (!dump_key(p, "packed_image_features", packed, sizeof(float) * (size_t)(D * N)) ||
        stage_key(p, "packed_image_features", packed, sizeof(float) * (size_t)(D * N)) < 0)
        goto fail;
    *n_packed = N;
    goto done;
fail:
    if (vo_last_status(ctx) != VO_OK)
        fail(ctx);
    free(packed);
    packed = NULL;
done:
    free(vsel);
    free(proj);
    vo_tensor_free(be, px);
    vo_tensor_free(be, vs);
    vo_tensor_free(be, in);
    vo_tensor_free(be, out);
    vo_tensor_free(be, pk);
    return packed;
}

/* §7: ids after image-token expansion, from --ids or the tokenizer */
static int32_t *prompt_ids(probe *p, const probe_image *im, int n, size_t *n_ids)
{
    vo_ctx *ctx = p->ctx;
    const probe_opts *o = p->o;
    if (o->ids_file) {
        size_t bytes = 0;
        int32_t *ids = read_file(o->ids_file, &bytes);
        if (!ids || bytes % 4 || bytes == 0) {
            fprintf(stderr, "vlm-probe: %s: expected a non-empty file of int32 ids\n", o->ids_file);
            free(ids);
            return NULL;
        }
        *n_ids = bytes / 4;
        return ids;
    }
    if (!p->tok || !p->tmpl) {
        fprintf(stderr, "vlm-probe: %s has no tokenizer/chat template: give --ids FILE.bin\n",
                o->model);
        return NULL;
    }
    vo_buf text = VO_BUF_INIT;
    vo_status st;
    if (o->prompt && strstr(o->prompt, "<|im_start|>"))    /* an already rendered prompt */
        st = vo_buf_append(&text, o->prompt, strlen(o->prompt));
    else if (o->prompt)
        st = vo_prompt_render(ctx, p->tmpl, NULL, o->prompt, n, &text);
    else if (n == 1)
        st = vo_prompt_render_ocr(ctx, p->tmpl, &text);
    else
        st = vo_prompt_render(ctx, p->tmpl, NULL, "<ocr>", n, &text);
    size_t counts[PROBE_MAX_IMAGES];
    for (int k = 0; k < n; k++)
        counts[k] = (size_t)im[k].tokens;
    int32_t *ids = NULL, *copy = NULL;
    if (st == VO_OK)
        st = vo_prompt_encode(ctx, p->tok, text.data, text.len, p->cfg.image_token_index, counts,
                              (size_t)n, &ids, n_ids);
    vo_buf_free(&text);
    if (st != VO_OK) {
        fail(ctx);
        return NULL;
    }
    copy = malloc(sizeof(int32_t) * (*n_ids ? *n_ids : 1));
    if (copy)
        memcpy(copy, ids, sizeof(int32_t) * *n_ids);
    vo_free(ids);
    return copy;
}

static int probe_dump(vo_ctx *ctx, const probe_opts *o)
{
    probe p;
    memset(&p, 0, sizeof p);
    p.ctx = ctx;
    p.o = o;
    int rc = 1, tiles = 0;
    probe_image im[PROBE_MAX_IMAGES];
    memset(im, 0, sizeof im);
    float *pixels = NULL, *packed = NULL, *embeds = NULL;
    int32_t *ids = NULL, *gold_ids = NULL;
    int64_t n_packed = 0;
    size_t n_ids = 0;
    vo_tensor *feat = NULL, *x = NULL;
    vo_gen_request r;
    memset(&r, 0, sizeof r);
    if (!probe_open(&p)) {
        fail(ctx);
        goto done;
    }
    if (o->n_images > 0) {
        if (!images_prepare(&p, im, o->n_images, &pixels, &tiles) ||
            !(packed = image_stages(&p, im, o->n_images, pixels, tiles, &n_packed)))
            goto done;
    }
    if (!(ids = prompt_ids(&p, im, o->n_images, &n_ids)) ||
        !dump_key(&p, "input_ids", ids, sizeof(int32_t) * n_ids))
        goto done;
    /* the LM starts from the golden ids when the case has them */
    size_t gb = 0;
    if ((gold_ids = stage_file(&p, "input_ids", &gb)) && gb % 4 == 0 && gb > 0) {
        free(ids);
        ids = gold_ids;
        gold_ids = NULL;
        n_ids = gb / 4;
    }
    int64_t D = p.lm.dim, T = (int64_t)n_ids;
    if (packed)
        feat = upload(&p, packed, D, n_packed, 1, "packed");
    /* §7.3 inputs_embeds [T, D] */
    x = upload(&p, NULL, D, T, 1, "inputs_embeds");
    embeds = malloc(sizeof(float) * (size_t)(D * T));
    if (!x || !embeds)
        goto fail_ctx;
    vlm_embed_prompt(p.be, &p.lm, ids, T, p.cfg.image_token_index, feat, x);
    vo_tensor_get(p.be, x, embeds, sizeof(float) * (size_t)(D * T));
    if (vo_backend_sync(p.be, ctx) != VO_OK)
        goto fail_ctx;
    vo_tensor_free(p.be, x);
    x = NULL;
    if (!dump_key(&p, "inputs_embeds", embeds, sizeof(float) * (size_t)(D * T)))
        goto done;
    /* §8-§10 prefill, then N greedy steps (no stop ids: exactly N ids) */
    r.ids = ids;
    r.n_ids = T;
    r.image_features = feat;
    r.max_new = o->generate;
    r.prefill_logits = malloc(sizeof(float) * (size_t)p.lm.vocab);
    r.prefill_hidden = malloc(sizeof(float) * (size_t)D);
    if (!r.prefill_logits || !r.prefill_hidden ||
        vo_generate(ctx, p.be, &p.lm, p.cfg.image_token_index, NULL, 0, &r, 1) != VO_OK)
        goto fail_ctx;
    if (!dump_key(&p, "logits_last", r.prefill_logits, sizeof(float) * (size_t)p.lm.vocab) ||
        !dump_key(&p, "final_hidden_last", r.prefill_hidden, sizeof(float) * (size_t)D) ||
        (o->generate > 0 &&
         !dump_key(&p, "generated_ids", r.out_ids, sizeof(int32_t) * (size_t)r.n_out)))
        goto done;
    rc = 0;
    goto done;
fail_ctx:
    fail(ctx);
done:
    vo_free(r.out_ids);
    vo_free(r.out_logprobs);
    free(r.prefill_logits);
    free(r.prefill_hidden);
    if (p.be) {
        vo_tensor_free(p.be, feat);
        vo_tensor_free(p.be, x);
    }
    for (int k = 0; k < o->n_images; k++)
        free(im[k].rgb);
    free(pixels);
    free(packed);
    free(embeds);
    free(ids);
    free(gold_ids);
    probe_close(&p);
    return rc;
}

int main(int argc, char **argv)
{
    const char *mode = NULL;
    probe_opts o;
    memset(&o, 0, sizeof o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--model") && v)
            o.model = argv[++i];
        else if (!strcmp(a, "--tokenize") || !strcmp(a, "--dump-config"))
            mode = a;
        else if (!strcmp(a, "--dump") && v)
            mode = a, o.dump = argv[++i];
        else if (!strcmp(a, "--image") && v && o.n_images < PROBE_MAX_IMAGES)
            o.images[o.n_images++] = argv[++i];
        else if (!strcmp(a, "--prompt") && v)
            o.prompt = argv[++i];
        else if (!strcmp(a, "--ids") && v)
            o.ids_file = argv[++i];
        else if (!strcmp(a, "--generate") && v)
            o.generate = atoi(argv[++i]);
        else if (!strcmp(a, "--backend") && v)
            o.backend = argv[++i];
        else if (!strcmp(a, "--threads") && v)
            o.threads = atoi(argv[++i]);
        else if (!strcmp(a, "--stage-inputs") && v)
            o.stage = argv[++i];
        else if (!strcmp(a, "--ocr-upscale"))
            o.ocr_upscale = 1;
        else if (!strcmp(a, "--kv-type") && v) {
            i++;
            if (!strcmp(v, "f32"))
                o.kv_type = VO_F32;
            else if (!strcmp(v, "bf16"))
                o.kv_type = VO_BF16;
            else if (!strcmp(v, "f16"))
                o.kv_type = VO_F16;
            else if (!strcmp(v, "q8"))
                o.kv_type = VO_Q8ROW;
            else
                return usage();
        } else if (!strcmp(a, "--weights") && v) {
            i++;
            if (!strcmp(v, "q8"))
                o.weights = VO_Q8;
            else if (!strcmp(v, "q4"))
                o.weights = VO_Q4;
            else if (!strcmp(v, "bf16"))
                o.weights = VO_BF16;     /* copied out of the mapping: the same values */
            else if (strcmp(v, "as-stored"))
                return usage();
        } else if (!strcmp(a, "--matmul") && v) {
            i++;
            if (!strcmp(v, "bf16"))
                o.matmul_bf16 = 1;
            else if (strcmp(v, "exact"))
                return usage();
        } else if (!strcmp(a, "--kv-step") && v)
            o.kv_step = atoi(argv[++i]);
        else if (!strcmp(a, "--images-flat"))
            o.flat = 1;
        else
            return usage();
    }
    if (!o.model || !mode || (o.prompt && o.ids_file) || o.generate < 0 || o.kv_step < 0)
        return usage();
    vo_ctx *ctx = vo_new_ctx();
    if (!ctx)
        return 1;
    int rc;
    if (!strcmp(mode, "--tokenize"))
        rc = probe_tokenize(ctx, o.model);
    else if (!strcmp(mode, "--dump-config"))
        rc = probe_dump_config(ctx, o.model);
    else
        rc = probe_dump(ctx, &o);
    vo_drop_ctx(ctx);
    return rc;
}
