/* softmax.cl: softmax per row over ne0 with the max subtracted (used where
 * the network needs a plain softmax; attention has its own fused one). */

#pragma OPENCL FP_CONTRACT OFF

#ifndef WG
#define WG 64
#endif

/* --- vo_softmax: one work-group per row; out may alias x --- */
kernel void vo_softmax(global const uchar *x, ulong x_off, global uchar *out, ulong out_off,
                       int ne0, int ne1, int ne2, ulong x_nb1, ulong x_nb2, ulong x_nb3,
                       ulong o_nb1, ulong o_nb2, ulong o_nb3)
{
    local float red[WG];
    int r = get_group_id(0), lid = get_local_id(0);
    global const float *xr =
        (global const float *)(x + x_off + row_off(r, ne1, ne2, x_nb1, x_nb2, x_nb3));
    global float *o = (global float *)(out + out_off + row_off(r, ne1, ne2, o_nb1, o_nb2, o_nb3));
    float mx = -INFINITY;
    for (int i = lid; i < ne0; i += WG)
        mx = fmax(mx, xr[i]);
    mx = wg_max(red, mx);
    float s = 0.0f;
    for (int i = lid; i < ne0; i += WG) {
        float e = exp(xr[i] - mx);
        o[i] = e;
        s += e;
    }
    s = wg_sum(red, s);
    for (int i = lid; i < ne0; i += WG)
        o[i] = o[i] / s;
}
