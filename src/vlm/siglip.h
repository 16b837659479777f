/* siglip.h: the SigLIP vision tower (MODEL.md §4): conv patch embedding,
 * learned positions, pre-LN encoder layers up to the configured feature layer. */
#ifndef VO_SIGLIP_H
#define VO_SIGLIP_H

#include "src/backend/backend.h"
#include "src/model/config.h"
#include "src/model/safetensors.h"

typedef struct siglip_layer {
    vo_tensor *ln1_w, *ln1_b;          /* (D) */
    vo_tensor *q_w, *k_w, *v_w, *o_w;  /* (D, D) */
    vo_tensor *q_b, *k_b, *v_b, *o_b;  /* (D) */
    vo_tensor *ln2_w, *ln2_b;          /* (D) */
    vo_tensor *fc1_w, *fc1_b;          /* (I, D), (I) */
    vo_tensor *fc2_w, *fc2_b;          /* (D, I), (D) */
} siglip_layer;

typedef struct siglip_model {
    int dim, heads, inter, patch, image, channels, grid, n_layers;  /* n_layers run */
    float eps;
    vo_tensor *patch_w;   /* (D, C·p·p) */
    vo_tensor *patch_b;   /* (D) */
    vo_tensor *pos;       /* (P, D) */
    siglip_layer *layers; /* [n_layers] */
} siglip_model;

/* Bind the tower's weights (only the layers the feature layer needs; never
 * post_layernorm or the head). VO_ERR_FORMAT / VO_ERR_UNSUPPORTED naming the
 * tensor or key. */
vo_status siglip_load(vo_ctx *ctx, vo_backend *be, const vo_config *cfg, const vo_weights *w,
                      siglip_model *m);
void siglip_free(vo_backend *be, siglip_model *m);
/* pixels [S, S, C, N] → out [D, P, N]: the selected layer's hidden states
 * (no post-LN). Enqueues ops; errors stick to the backend. */
void siglip_forward(vo_backend *be, const siglip_model *m, const vo_tensor *pixels,
                    vo_tensor *out);
/* siglip_forward, and every hidden state into states [D, P·N, n_layers + 1]:
 * the embeddings, then each layer's output (HF's hidden_states; the probe's
 * vision_hidden_states). */
void siglip_forward_states(vo_backend *be, const siglip_model *m, const vo_tensor *pixels,
                           vo_tensor *out, vo_tensor *states);

#endif
