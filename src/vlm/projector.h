/* projector.h: the 2-layer MLP projector and image_newline (MODEL.md §5). */
#ifndef VO_PROJECTOR_H
#define VO_PROJECTOR_H

#include "src/backend/backend.h"
#include "src/model/config.h"
#include "src/model/safetensors.h"

typedef struct projector_model {
    int in_dim, dim;
    bool erf;             /* projector_hidden_act "gelu" (erf) or tanh form */
    vo_tensor *l1_w;      /* (Dt, Dv) */
    vo_tensor *l1_b;      /* (Dt) or NULL */
    vo_tensor *l2_w;      /* (Dt, Dt) */
    vo_tensor *l2_b;      /* (Dt) or NULL */
    vo_tensor *newline;   /* (Dt) image_newline */
} projector_model;

vo_status projector_load(vo_ctx *ctx, vo_backend *be, const vo_config *cfg, const vo_weights *w,
                         projector_model *m);
void projector_free(vo_backend *be, projector_model *m);
/* in [Dv, rows…] → out [Dt, rows…]: linear_2(gelu(linear_1(x))). */
void projector_forward(vo_backend *be, const projector_model *m, const vo_tensor *in,
                       vo_tensor *out);

#endif
