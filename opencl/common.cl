/* common.cl: helpers the host puts in front of every kernel program (type
 * codes, bf16/f16 loads and stores, row addressing, work-group reductions). */

/* element types, as vo_type in src/backend/backend.h */
#define T_F32 0
#define T_F16 1
#define T_BF16 2

/* bf16 is the top half of an f32: widen by a 16-bit shift, never via f16 */
float bf16_to_f32(ushort h)
{
    return as_float((uint)h << 16);
}

/* round to nearest even, NaN kept quiet (as the CPU backend does) */
ushort f32_to_bf16(float f)
{
    uint u = as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (ushort)((u >> 16) | 0x40u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (ushort)(u >> 16);
}

/* element i of a float array of type t at p (vload_half is core OpenCL 1.2) */
float load_f(global const uchar *p, ulong i, int t)
{
    if (t == T_BF16)
        return bf16_to_f32(((global const ushort *)p)[i]);
    if (t == T_F16)
        return vload_half(i, (global const half *)p);
    return ((global const float *)p)[i];
}

/* byte offset of row r of a tensor counting rows over ne1*ne2*ne3 */
ulong row_off(int r, int ne1, int ne2, ulong nb1, ulong nb2, ulong nb3)
{
    int i1 = r % ne1, q = r / ne1;
    return (ulong)i1 * nb1 + (ulong)(q % ne2) * nb2 + (ulong)(q / ne2) * nb3;
}

/* Sum / max over the work-group (dimension 0, a power of two); every item
 * must call them; red holds local_size(0) floats. */
float wg_sum(local float *red, float v)
{
    int lid = get_local_id(0);
    red[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {
        if (lid < s)
            red[lid] += red[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = red[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

float wg_max(local float *red, float v)
{
    int lid = get_local_id(0);
    red[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {
        if (lid < s)
            red[lid] = fmax(red[lid], red[lid + s]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = red[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}
