/* siglip.c: SigLIP vision tower forward, one op per line (MODEL.md §4). */
#include "src/vlm/siglip.h"
#include "src/vlm/weights.h"
#include "src/util/alloc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define VT "model.vision_tower.vision_model."

vo_status siglip_load(vo_ctx *ctx, vo_backend *be, const vo_config *cfg, const vo_weights *w,
                      siglip_model *m)
{
    memset(m, 0, sizeof *m);
    if (strcmp(cfg->vision_model_type, "siglip_vision_model") != 0)
        return vo_fail(ctx, VO_ERR_UNSUPPORTED, "vision_config.model_type \"%s\" is not "
                       "siglip_vision_model (MODEL.md §4)", cfg->vision_model_type);
    if (strcmp(cfg->vision_feature_select_strategy, "full") != 0)
        return vo_fail(ctx, VO_ERR_UNSUPPORTED, "vision_feature_select_strategy \"%s\": only "
                       "\"full\" is supported", cfg->vision_feature_select_strategy);
    int D = m->dim = cfg->vision_hidden_size, I = m->inter = cfg->vision_intermediate_size;
    m->heads = cfg->vision_num_attention_heads;
    m->patch = cfg->vision_patch_size;
    m->image = cfg->vision_image_size;
    m->channels = cfg->vision_num_channels;
    m->grid = cfg->patches_per_side;
    m->n_layers = cfg->vision_layers_to_run;
    m->eps = (float)cfg->vision_layer_norm_eps;
    if (m->heads < 1 || D % m->heads || m->n_layers < 0)
        return vo_fail(ctx, VO_ERR_FORMAT, "vision_config: %d heads do not divide hidden %d",
                       m->heads, D);
    int P = m->grid * m->grid, C = m->channels, p = m->patch;
    vo_status st;
    if ((st = vlm_bind(ctx, be, w, VT "embeddings.patch_embedding.weight", VLM_DIMS(D, C, p, p),
                       &m->patch_w)) ||
        (st = vlm_bind(ctx, be, w, VT "embeddings.patch_embedding.bias", VLM_DIMS(D), &m->patch_b)) ||
        (st = vlm_bind_f32(ctx, be, w, VT "embeddings.position_embedding.weight", VLM_DIMS(P, D),
                       &m->pos)))
        return st;
    m->layers = vo_calloc((size_t)(m->n_layers ? m->n_layers : 1), sizeof *m->layers);
    if (!m->layers)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory for the vision layers");
    for (int l = 0; l < m->n_layers; l++) {
        siglip_layer *L = &m->layers[l];
        char n[160];
#define BIND(field, suffix, ...) \
        snprintf(n, sizeof n, VT "encoder.layers.%d.%s", l, suffix); \
        if ((st = vlm_bind(ctx, be, w, n, VLM_DIMS(__VA_ARGS__), &L->field))) return st;
        BIND(ln1_w, "layer_norm1.weight", D) BIND(ln1_b, "layer_norm1.bias", D)
        BIND(q_w, "self_attn.q_proj.weight", D, D) BIND(q_b, "self_attn.q_proj.bias", D)
        BIND(k_w, "self_attn.k_proj.weight", D, D) BIND(k_b, "self_attn.k_proj.bias", D)
        BIND(v_w, "self_attn.v_proj.weight", D, D) BIND(v_b, "self_attn.v_proj.bias", D)
        BIND(o_w, "self_attn.out_proj.weight", D, D) BIND(o_b, "self_attn.out_proj.bias", D)
        BIND(ln2_w, "layer_norm2.weight", D) BIND(ln2_b, "layer_norm2.bias", D)
        BIND(fc1_w, "mlp.fc1.weight", I, D) BIND(fc1_b, "mlp.fc1.bias", I)
        BIND(fc2_w, "mlp.fc2.weight", D, I) BIND(fc2_b, "mlp.fc2.bias", D)
#undef BIND
    }
    return VO_OK;
}

void siglip_free(vo_backend *be, siglip_model *m)
{
    vo_tensor_free(be, m->patch_w);
    vo_tensor_free(be, m->patch_b);
    vo_tensor_free(be, m->pos);
    for (int l = 0; m->layers && l < m->n_layers; l++) {
        vo_tensor **t = (vo_tensor **)&m->layers[l];
        for (size_t i = 0; i < sizeof(siglip_layer) / sizeof(vo_tensor *); i++)
            vo_tensor_free(be, t[i]);
    }
    vo_free(m->layers);
    memset(m, 0, sizeof *m);
}

/* The tower; with `states`, each hidden state (embeddings, then every
 * layer's output) is also copied to its slice. */
static void siglip_run(vo_backend *be, const siglip_model *m, const vo_tensor *pixels,
                       vo_tensor *out, vo_tensor *states)
{
    int64_t D = m->dim, P = (int64_t)m->grid * m->grid, N = pixels->ne[3], T = P * N;
    int64_t hd = D / m->heads;
    vo_tensor *h = vo_tensor_new(be, VO_F32, D, T, 1, 1, "siglip.h");
    vo_tensor *q = vo_tensor_new(be, VO_F32, D, T, 1, 1, "siglip.q");
    vo_tensor *k = vo_tensor_new(be, VO_F32, D, T, 1, 1, "siglip.k");
    vo_tensor *v = vo_tensor_new(be, VO_F32, D, T, 1, 1, "siglip.v");
    vo_tensor *a = vo_tensor_new(be, VO_F32, D, T, 1, 1, "siglip.attn");
    vo_tensor *f = vo_tensor_new(be, VO_F32, m->inter, T, 1, 1, "siglip.fc1");
    vo_attn_seq *seqs = vo_calloc((size_t)N, sizeof *seqs);
    vo_tensor *kv = vo_calloc((size_t)(2 * N), sizeof *kv);
    if (!h || !q || !k || !v || !a || !f || !seqs || !kv)
        goto done;
    vo_tensor x = vo_view(out, D, T, 1, 1, 0, 0, 0, 0);           /* residual stream */
    vo_tensor xp = vo_view(out, D, P, N, 1, 0, 0, 0, 0);
    vo_tensor pos = vo_view(m->pos, D, P, 1, 1, 0, 0, 0, 0);
    vo_tensor q3 = vo_view(q, hd, m->heads, T, 1, 0, 0, 0, 0);
    vo_tensor a3 = vo_view(a, hd, m->heads, T, 1, 0, 0, 0, 0);
    for (int64_t s = 0; s < N; s++) {     /* each tile attends within itself */
        size_t off = (size_t)(s * P) * k->nb[1];
        kv[2 * s] = vo_view(k, hd, m->heads, P, 1, 0, 0, 0, off);
        kv[2 * s + 1] = vo_view(v, hd, m->heads, P, 1, 0, 0, 0, off);
        seqs[s] = (vo_attn_seq){s * P, P, &kv[2 * s], &kv[2 * s + 1], P, NULL, 0};
    }
    vo_patch_embed(be, &xp, pixels, m->patch_w, m->patch_b, m->patch); /* §4.1 conv */
    vo_add(be, &xp, &xp, &pos);                                         /* §4.2 positions */
    if (states) {
        vo_tensor s0 = vo_view(states, D, T, 1, 1, 0, 0, 0, 0);
        vo_copy(be, &s0, &x);
    }
    for (int l = 0; l < m->n_layers; l++) {
        const siglip_layer *L = &m->layers[l];
        vo_layer_norm(be, h, &x, L->ln1_w, L->ln1_b, m->eps);           /* §4.3 pre-LN */
        vo_matmul(be, q, L->q_w, h, L->q_b);
        vo_matmul(be, k, L->k_w, h, L->k_b);
        vo_matmul(be, v, L->v_w, h, L->v_b);
        vo_attention(be, &a3, &q3, seqs, (int)N, 1.0f / sqrtf((float)hd), false);
        vo_matmul_add(be, &x, L->o_w, a, L->o_b, h);                    /* residual */
        vo_layer_norm(be, h, &x, L->ln2_w, L->ln2_b, m->eps);
        vo_matmul(be, f, L->fc1_w, h, L->fc1_b);
        vo_gelu_tanh(be, f, f);                                         /* tanh GELU */
        vo_matmul_add(be, &x, L->fc2_w, f, L->fc2_b, h);
        if (states) {
            vo_tensor sl = vo_view(states, D, T, 1, 1, 0, 0, 0, (size_t)(l + 1) * states->nb[2]);
            vo_copy(be, &sl, &x);
        }
    }
done:
    if (!h || !q || !k || !v || !a || !f || !seqs || !kv)
        vo_backend_error(be, VO_ERR_NOMEM, "siglip: out of memory for %lld tokens", (long long)T);
    vo_free(seqs);
    vo_free(kv);
    vo_tensor_free(be, h); vo_tensor_free(be, q); vo_tensor_free(be, k);
    vo_tensor_free(be, v); vo_tensor_free(be, a); vo_tensor_free(be, f);
}

void siglip_forward(vo_backend *be, const siglip_model *m, const vo_tensor *pixels,
                    vo_tensor *out)
{
    siglip_run(be, m, pixels, out, NULL);
}

void siglip_forward_states(vo_backend *be, const siglip_model *m, const vo_tensor *pixels,
                           vo_tensor *out, vo_tensor *states)
{
    siglip_run(be, m, pixels, out, states);
}
