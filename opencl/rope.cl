/* rope.cl: rotate-half RoPE over head_dim (MODEL.md §8); the host passes the
 * f32 inverse frequencies so the angles equal the CPU backend's bit for bit. */

#pragma OPENCL FP_CONTRACT OFF

/* --- vo_rope: one item per (i < hd/2, head, token) --- */
kernel void vo_rope(global const uchar *x, ulong x_off, global const int *pos, ulong pos_off,
                    global const float *inv_freq, ulong f_off, global uchar *out, ulong out_off,
                    int hd, int n_heads, int T, ulong x_nb1, ulong x_nb2,
                    ulong o_nb1, ulong o_nb2)
{
    int i = get_global_id(0), h = get_global_id(1), t = get_global_id(2), half_hd = hd / 2;
    if (i >= half_hd)
        return;
    global const float *xr = (global const float *)(x + x_off + h * x_nb1 + t * x_nb2);
    global float *o = (global float *)(out + out_off + h * o_nb1 + t * o_nb2);
    int p = ((global const int *)((global const uchar *)pos + pos_off))[t];
    float phi = (float)p * ((global const float *)((global const uchar *)inv_freq + f_off))[i];
    float c = cos(phi), s = sin(phi);
    float a = xr[i], b = xr[i + half_hd];
    o[i] = a * c - b * s;
    o[i + half_hd] = b * c + a * s;
}
