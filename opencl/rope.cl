/* rope.cl: rotate-half RoPE over head_dim (MODEL.md §8); the host passes the
 * f32 inverse frequencies so the angles equal the CPU backend's bit for bit.
 * vo_rms_norm_rope: Qwen3's per-head q_norm/k_norm and RoPE in one launch. */

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

#ifndef WG
#define WG 64
#endif

/* --- vo_rms_norm_rope: one work-group of WG items per (head, token) row; the
 * arithmetic of vo_rms_norm (same sum order) then of vo_rope; out may be x:
 * every item has read the row for the sum before any writes, and each
 * writes only the pairs it read; w_type < 0: no w --- */
kernel void vo_rms_norm_rope(global const uchar *x, ulong x_off, global const uchar *w,
                             ulong w_off, global const int *pos, ulong pos_off,
                             global const float *inv_freq, ulong f_off, global uchar *out,
                             ulong out_off, int hd, int n_heads, int T, ulong x_nb1,
                             ulong x_nb2, ulong o_nb1, ulong o_nb2, float eps, int w_type)
{
    local float red[WG];
    int r = get_group_id(0), lid = get_local_id(0), half_hd = hd / 2;
    int h = r % n_heads, t = r / n_heads;
    global const float *xr = (global const float *)(x + x_off + h * x_nb1 + t * x_nb2);
    global float *o = (global float *)(out + out_off + h * o_nb1 + t * o_nb2);
    float ss = 0.0f;
    for (int i = lid; i < hd; i += WG)
        ss += xr[i] * xr[i];
    ss = wg_sum(red, ss);
    float inv = 1.0f / sqrt(ss / (float)hd + eps);
    int p = ((global const int *)((global const uchar *)pos + pos_off))[t];
    global const float *f = (global const float *)((global const uchar *)inv_freq + f_off);
    for (int i = lid; i < half_hd; i += WG) {
        float a = xr[i] * inv * (w_type >= 0 ? load_f(w + w_off, i, w_type) : 1.0f);
        float b = xr[i + half_hd] * inv *
                  (w_type >= 0 ? load_f(w + w_off, i + half_hd, w_type) : 1.0f);
        float phi = (float)p * f[i];
        float c = cos(phi), s = sin(phi);
        o[i] = a * c - b * s;
        o[i + half_hd] = b * c + a * s;
    }
}
