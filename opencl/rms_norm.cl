/* rms_norm.cl: RMSNorm per row, out = w ⊙ x / sqrt(mean(x²) + eps)
 * (MODEL.md §8: the Qwen3 norms, q_norm/k_norm included). */

#pragma OPENCL FP_CONTRACT OFF

#ifndef WG
#define WG 64
#endif

/* --- vo_rms_norm: one work-group of WG items per row; w_type < 0: no w --- */
kernel void vo_rms_norm(global const uchar *x, ulong x_off, global const uchar *w, ulong w_off,
                        global uchar *out, ulong out_off, int ne0, int ne1, int ne2,
                        ulong x_nb1, ulong x_nb2, ulong x_nb3,
                        ulong o_nb1, ulong o_nb2, ulong o_nb3, float eps, int w_type)
{
    local float red[WG];
    int r = get_group_id(0), lid = get_local_id(0);
    global const float *xr =
        (global const float *)(x + x_off + row_off(r, ne1, ne2, x_nb1, x_nb2, x_nb3));
    global float *o = (global float *)(out + out_off + row_off(r, ne1, ne2, o_nb1, o_nb2, o_nb3));
    float ss = 0.0f;
    for (int i = lid; i < ne0; i += WG)
        ss += xr[i] * xr[i];
    ss = wg_sum(red, ss);
    float inv = 1.0f / sqrt(ss / (float)ne0 + eps);
    for (int i = lid; i < ne0; i += WG)
        o[i] = xr[i] * inv * (w_type >= 0 ? load_f(w + w_off, i, w_type) : 1.0f);
}
