/* patch_embed.cl: im2col for the SigLIP patch embedding (MODEL.md §4); the
 * host then runs the matmul kernel over the columns. */

/* --- vo_im2col: img [S, S, C, N] → cols [C·p·p, g·g·N] packed, column
 * element k = (c·p + ky)·p + kx, the conv weight's order; item (k, token, image) --- */
kernel void vo_im2col(global const uchar *img, ulong img_off, global float *cols, ulong cols_off,
                      int C, int patch, int g, ulong i_nb1, ulong i_nb2, ulong i_nb3)
{
    int k = get_global_id(0), tok = get_global_id(1), n = get_global_id(2);
    int cpp = C * patch * patch;
    if (k >= cpp)
        return;
    int kx = k % patch, ky = (k / patch) % patch, c = k / (patch * patch);
    int py = tok / g, px = tok % g;
    global const float *ir = (global const float *)(img + img_off + (ulong)(py * patch + ky) * i_nb1 +
                                                    (ulong)c * i_nb2 + (ulong)n * i_nb3);
    global float *col = (global float *)((global uchar *)cols + cols_off);
    col[((ulong)n * g * g + tok) * cpp + k] = ir[px * patch + kx];
}
