/* resize_bilinear.cl: bilinear resize of feature maps, align_corners=false,
 * no antialias (PyTorch interpolate), same float steps as the CPU backend. */

#pragma OPENCL FP_CONTRACT OFF

/* PyTorch area_pixel_compute_source_index; scale = in/out from the host */
void bl_coord(int i, int in, float scale, int *i0, int *i1, float *l)
{
    float src = scale * ((float)i + 0.5f) - 0.5f;
    if (src < 0.0f)
        src = 0.0f;
    int a = (int)src;
    if (a > in - 1)
        a = in - 1;
    *i0 = a;
    *i1 = a < in - 1 ? a + 1 : a;
    *l = src - (float)a;
}

/* --- vo_resize_bilinear: in [C, W, H] → out [C, W2, H2]; item (ch, x, y) --- */
kernel void vo_resize_bilinear(global const uchar *in, ulong in_off, global uchar *out,
                               ulong out_off, int C, int W, int H, int W2, int H2,
                               ulong i_nb1, ulong i_nb2, ulong o_nb1, ulong o_nb2,
                               float scale_x, float scale_y)
{
    int ch = get_global_id(0), x = get_global_id(1), y = get_global_id(2);
    if (ch >= C)
        return;
    int x0, x1, y0, y1;
    float lx, ly;
    bl_coord(x, W, scale_x, &x0, &x1, &lx);
    bl_coord(y, H, scale_y, &y0, &y1, &ly);
#define AT(yy, xx) (((global const float *)(in + in_off + (ulong)(xx) * i_nb1 + (ulong)(yy) * i_nb2))[ch])
    float a = AT(y0, x0), b = AT(y0, x1), c = AT(y1, x0), d = AT(y1, x1);
#undef AT
    ((global float *)(out + out_off + (ulong)x * o_nb1 + (ulong)y * o_nb2))[ch] =
        (1 - ly) * ((1 - lx) * a + lx * b) + ly * ((1 - lx) * c + lx * d);
}
