/* layer_norm.cl: LayerNorm per row, out = (x − mean)/sqrt(var + eps) ⊙ w + b
 * (MODEL.md §4: the SigLIP norms; §5: the projector norm). */

#pragma OPENCL FP_CONTRACT OFF

#ifndef WG
#define WG 64
#endif

/* --- vo_layer_norm: one work-group per row; two reductions (mean, var) --- */
kernel void vo_layer_norm(global const uchar *x, ulong x_off, global const uchar *w, ulong w_off,
                          global const uchar *b, ulong b_off, global uchar *out, ulong out_off,
                          int ne0, int ne1, int ne2, ulong x_nb1, ulong x_nb2, ulong x_nb3,
                          ulong o_nb1, ulong o_nb2, ulong o_nb3, float eps, int w_type,
                          int b_type)
{
    local float red[WG];
    int r = get_group_id(0), lid = get_local_id(0);
    global const float *xr =
        (global const float *)(x + x_off + row_off(r, ne1, ne2, x_nb1, x_nb2, x_nb3));
    global float *o = (global float *)(out + out_off + row_off(r, ne1, ne2, o_nb1, o_nb2, o_nb3));
    float s = 0.0f;
    for (int i = lid; i < ne0; i += WG)
        s += xr[i];
    float mean = wg_sum(red, s) / (float)ne0;
    float v = 0.0f;
    for (int i = lid; i < ne0; i += WG)
        v += (xr[i] - mean) * (xr[i] - mean);
    float inv = 1.0f / sqrt(wg_sum(red, v) / (float)ne0 + eps);
    for (int i = lid; i < ne0; i += WG)
        o[i] = (xr[i] - mean) * inv * load_f(w + w_off, i, w_type) + load_f(b + b_off, i, b_type);
}
