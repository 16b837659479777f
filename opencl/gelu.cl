/* gelu.cl: GELU, tanh form (SigLIP MLP, MODEL.md §4) and exact erf form
 * (projector, §5), elementwise over rows. */

#pragma OPENCL FP_CONTRACT OFF

#define SQRT_2_OVER_PI 0.7978845608028654f
#define GELU_COEF_A 0.044715f
#define SQRT_1_2 0.7071067811865476f

/* --- vo_gelu_tanh: item (i, row) --- */
kernel void vo_gelu_tanh(global const uchar *x, ulong x_off, global uchar *out, ulong out_off,
                         int ne0, int ne1, int ne2, ulong x_nb1, ulong x_nb2, ulong x_nb3,
                         ulong o_nb1, ulong o_nb2, ulong o_nb3)
{
    int i = get_global_id(0), r = get_global_id(1);
    if (i >= ne0)
        return;
    float v = ((global const float *)(x + x_off + row_off(r, ne1, ne2, x_nb1, x_nb2, x_nb3)))[i];
    ((global float *)(out + out_off + row_off(r, ne1, ne2, o_nb1, o_nb2, o_nb3)))[i] =
        0.5f * v * (1.0f + tanh(SQRT_2_OVER_PI * (v + GELU_COEF_A * v * v * v)));
}

/* --- vo_gelu_erf: item (i, row) --- */
kernel void vo_gelu_erf(global const uchar *x, ulong x_off, global uchar *out, ulong out_off,
                        int ne0, int ne1, int ne2, ulong x_nb1, ulong x_nb2, ulong x_nb3,
                        ulong o_nb1, ulong o_nb2, ulong o_nb3)
{
    int i = get_global_id(0), r = get_global_id(1);
    if (i >= ne0)
        return;
    float v = ((global const float *)(x + x_off + row_off(r, ne1, ne2, x_nb1, x_nb2, x_nb3)))[i];
    ((global float *)(out + out_off + row_off(r, ne1, ne2, o_nb1, o_nb2, o_nb3)))[i] =
        0.5f * v * (1.0f + erf(v * SQRT_1_2));
}
