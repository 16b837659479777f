/* silu_mul.cl: out = silu(gate) ⊙ up, the SwiGLU of the Qwen3 MLP
 * (MODEL.md §8). */

#pragma OPENCL FP_CONTRACT OFF

/* --- vo_silu_mul: item (i, row) --- */
kernel void vo_silu_mul(global const uchar *g, ulong g_off, global const uchar *u, ulong u_off,
                        global uchar *out, ulong out_off, int ne0, int ne1, int ne2,
                        ulong g_nb1, ulong g_nb2, ulong g_nb3, ulong u_nb1, ulong u_nb2,
                        ulong u_nb3, ulong o_nb1, ulong o_nb2, ulong o_nb3)
{
    int i = get_global_id(0), r = get_global_id(1);
    if (i >= ne0)
        return;
    float gv = ((global const float *)(g + g_off + row_off(r, ne1, ne2, g_nb1, g_nb2, g_nb3)))[i];
    float uv = ((global const float *)(u + u_off + row_off(r, ne1, ne2, u_nb1, u_nb2, u_nb3)))[i];
    ((global float *)(out + out_off + row_off(r, ne1, ne2, o_nb1, o_nb2, o_nb3)))[i] =
        gv / (1.0f + exp(-gv)) * uv;
}
