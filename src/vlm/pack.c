/* pack.c: assemble the grid feature map from the tiles, unpad, downsample,
 * append newlines (MODEL.md §6); all through views and copy ops. */
#include "src/vlm/pack.h"

void pack_single_tile(vo_backend *be, const vo_tensor *feats, const vo_tensor *newline,
                      vo_tensor *out)
{
    int64_t D = feats->ne[0], P = feats->ne[1];
    vo_tensor o_feat = vo_view(out, D, P, 1, 1, out->nb[1], 0, 0, 0);
    vo_tensor o_nl = vo_view(out, D, 1, 1, 1, out->nb[1], 0, 0, (size_t)P * out->nb[1]);
    vo_tensor nl = vo_view(newline, D, 1, 1, 1, 0, 0, 0, 0);
    vo_tensor f = vo_view(feats, D, P, 1, 1, feats->nb[1], 0, 0, 0);
    vo_copy(be, &o_feat, &f);
    vo_copy(be, &o_nl, &nl);
}

void pack_anyres(vo_backend *be, const vo_image_geom *g, int grid, const vo_tensor *feats,
                 const vo_tensor *newline, vo_tensor *out)
{
    int64_t D = feats->ne[0], P = (int64_t)grid * grid, gw = g->grid_cols, gh = g->grid_rows;
    int64_t cw = g->map_w, ch = g->map_h, fs = (int64_t)feats->nb[1];
    size_t row = out->nb[1];
    /* §6.1 base tile first, no newline */
    vo_tensor base = vo_view(feats, D, P, 1, 1, (size_t)fs, 0, 0, 0);
    vo_tensor o_base = vo_view(out, D, P, 1, 1, row, 0, 0, 0);
    vo_copy(be, &o_base, &base);
    /* §6.3 grid map G [D, cw, ch]: one 4-D copy per tile row:
     * (px, py, tx) of tiles 1 + ty·gw + tx → G(ty·grid + py, tx·grid + px) */
    vo_tensor *G = vo_tensor_new(be, VO_F32, D, cw, ch, 1, "pack.grid");
    if (!G)
        return;
    for (int64_t ty = 0; ty < gh; ty++) {
        vo_tensor src = vo_view(feats, D, grid, grid, gw, (size_t)fs, (size_t)(grid * fs),
                                (size_t)(P * fs), (size_t)((1 + ty * gw) * P * fs));
        vo_tensor dst = vo_view(G, D, grid, grid, gw, G->nb[1], G->nb[2],
                                (size_t)grid * G->nb[1], (size_t)(ty * grid) * G->nb[2]);
        vo_copy(be, &dst, &src);
    }
    /* §6.4 unpad: the kept window of G */
    vo_tensor win = vo_view(G, D, g->unpad_w, g->unpad_h, 1, G->nb[1], G->nb[2], 0,
                            (size_t)g->crop_y0 * G->nb[2] + (size_t)g->crop_x0 * G->nb[1]);
    /* rows of w'+1 tokens after the base: w' features then the newline */
    size_t grid_off = (size_t)P * row, line = (size_t)(g->final_w + 1) * row;
    vo_tensor o_grid = vo_view(out, D, g->final_w, g->final_h, 1, row, line, 0, grid_off);
    if (g->downsampled)
        vo_resize_bilinear(be, &o_grid, &win);          /* §6.5 align_corners=false */
    else
        vo_copy(be, &o_grid, &win);
    /* §6.6 newline after every row, the last included */
    vo_tensor o_nl = vo_view(out, D, 1, g->final_h, 1, row, line, 0,
                             grid_off + (size_t)g->final_w * row);
    vo_tensor nl = vo_view(newline, D, 1, 1, 1, 0, 0, 0, 0);
    vo_copy(be, &o_nl, &nl);
    vo_tensor_free(be, G);
}
