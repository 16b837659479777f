/* binary.cl: out = a + b and out = a ⊙ b with b broadcast over any dimension
 * of size 1 (residuals, biases, scales). */

#pragma OPENCL FP_CONTRACT OFF

/* a's element (i, row r) and b's element under broadcasting */
float bin_b(global const uchar *b, int i, int r, int ne1, int ne2, int b_ne0, int b_ne1,
            int b_ne2, int b_ne3, ulong b_nb1, ulong b_nb2, ulong b_nb3)
{
    int i1 = r % ne1, q = r / ne1, i2 = q % ne2, i3 = q / ne2;
    ulong off = (ulong)(b_ne1 == 1 ? 0 : i1) * b_nb1 + (ulong)(b_ne2 == 1 ? 0 : i2) * b_nb2 +
                (ulong)(b_ne3 == 1 ? 0 : i3) * b_nb3;
    return ((global const float *)(b + off))[b_ne0 == 1 ? 0 : i];
}

#define BINARY_ARGS \
    global const uchar *a, ulong a_off, global const uchar *b, ulong b_off, \
    global uchar *out, ulong out_off, int ne0, int ne1, int ne2, \
    ulong a_nb1, ulong a_nb2, ulong a_nb3, int b_ne0, int b_ne1, int b_ne2, int b_ne3, \
    ulong b_nb1, ulong b_nb2, ulong b_nb3, ulong o_nb1, ulong o_nb2, ulong o_nb3

/* --- vo_add: item (i, row) --- */
kernel void vo_add(BINARY_ARGS)
{
    int i = get_global_id(0), r = get_global_id(1);
    if (i >= ne0)
        return;
    float av = ((global const float *)(a + a_off + row_off(r, ne1, ne2, a_nb1, a_nb2, a_nb3)))[i];
    float bv = bin_b(b + b_off, i, r, ne1, ne2, b_ne0, b_ne1, b_ne2, b_ne3, b_nb1, b_nb2, b_nb3);
    ((global float *)(out + out_off + row_off(r, ne1, ne2, o_nb1, o_nb2, o_nb3)))[i] = av + bv;
}

/* --- vo_mul: item (i, row) --- */
kernel void vo_mul(BINARY_ARGS)
{
    int i = get_global_id(0), r = get_global_id(1);
    if (i >= ne0)
        return;
    float av = ((global const float *)(a + a_off + row_off(r, ne1, ne2, a_nb1, a_nb2, a_nb3)))[i];
    float bv = bin_b(b + b_off, i, r, ne1, ne2, b_ne0, b_ne1, b_ne2, b_ne3, b_nb1, b_nb2, b_nb3);
    ((global float *)(out + out_off + row_off(r, ne1, ne2, o_nb1, o_nb2, o_nb3)))[i] = av * bv;
}
