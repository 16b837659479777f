/* copy.cl: out = x element by element, stored as f32, f16 or bf16 with
 * round to nearest even (KV cache writes). */

/* --- vo_copy: item (i, row); o_type is a T_ code --- */
kernel void vo_copy(global const uchar *x, ulong x_off, global uchar *out, ulong out_off,
                    int ne0, int ne1, int ne2, ulong x_nb1, ulong x_nb2, ulong x_nb3,
                    ulong o_nb1, ulong o_nb2, ulong o_nb3, int o_type)
{
    int i = get_global_id(0), r = get_global_id(1);
    if (i >= ne0)
        return;
    float v = ((global const float *)(x + x_off + row_off(r, ne1, ne2, x_nb1, x_nb2, x_nb3)))[i];
    global uchar *o = out + out_off + row_off(r, ne1, ne2, o_nb1, o_nb2, o_nb3);
    if (o_type == T_BF16)
        ((global ushort *)o)[i] = f32_to_bf16(v);
    else if (o_type == T_F16)
        vstore_half_rte(v, i, (global half *)o);
    else
        ((global float *)o)[i] = v;
}
