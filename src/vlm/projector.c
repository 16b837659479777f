/* projector.c: linear_1 → GELU (erf, as configured) → linear_2 on every
 * vision token (MODEL.md §5). */
#include "src/vlm/projector.h"
#include "src/vlm/weights.h"

#include <string.h>

#define MP "model.multi_modal_projector."

vo_status projector_load(vo_ctx *ctx, vo_backend *be, const vo_config *cfg, const vo_weights *w,
                         projector_model *m)
{
    memset(m, 0, sizeof *m);
    int Dv = m->in_dim = cfg->vision_hidden_size, Dt = m->dim = cfg->hidden_size;
    if (!strcmp(cfg->projector_hidden_act, "gelu"))
        m->erf = true;
    else if (!strcmp(cfg->projector_hidden_act, "gelu_pytorch_tanh"))
        m->erf = false;
    else
        return vo_fail(ctx, VO_ERR_UNSUPPORTED, "projector_hidden_act \"%s\" is not supported",
                       cfg->projector_hidden_act);
    vo_status st;
    if ((st = vlm_bind(ctx, be, w, MP "linear_1.weight", VLM_DIMS(Dt, Dv), &m->l1_w)) ||
        (st = vlm_bind(ctx, be, w, MP "linear_2.weight", VLM_DIMS(Dt, Dt), &m->l2_w)) ||
        (st = vlm_bind_f32(ctx, be, w, "model.image_newline", VLM_DIMS(Dt), &m->newline)))
        return st;
    if (cfg->multimodal_projector_bias &&
        ((st = vlm_bind(ctx, be, w, MP "linear_1.bias", VLM_DIMS(Dt), &m->l1_b)) ||
         (st = vlm_bind(ctx, be, w, MP "linear_2.bias", VLM_DIMS(Dt), &m->l2_b))))
        return st;
    return VO_OK;
}

void projector_free(vo_backend *be, projector_model *m)
{
    vo_tensor_free(be, m->l1_w);
    vo_tensor_free(be, m->l1_b);
    vo_tensor_free(be, m->l2_w);
    vo_tensor_free(be, m->l2_b);
    vo_tensor_free(be, m->newline);
    memset(m, 0, sizeof *m);
}

void projector_forward(vo_backend *be, const projector_model *m, const vo_tensor *in,
                       vo_tensor *out)
{
    int64_t T = vo_nrows(in);
    vo_tensor *h = vo_tensor_new(be, VO_F32, m->dim, T, 1, 1, "projector.h");
    if (!h)
        return;
    vo_tensor x = vo_view(in, in->ne[0], T, 1, 1, 0, 0, 0, 0);
    vo_tensor o = vo_view(out, out->ne[0], T, 1, 1, 0, 0, 0, 0);
    vo_matmul(be, h, m->l1_w, &x, m->l1_b);
    if (m->erf)
        vo_gelu_erf(be, h, h);          /* §5: exact GELU, not SigLIP's tanh form */
    else
        vo_gelu_tanh(be, h, h);
    vo_matmul(be, &o, m->l2_w, h, m->l2_b);
    vo_tensor_free(be, h);
}
