/* image_geom.c: best resolution, resize/pad, unpad and downsample sizes and
 * the image-token count, written once for the tiler, packer and prompt. */
#include "src/model/image_geom.h"

#include <math.h>
#include <string.h>

/* Python's float // for positive operands (CPython float_floor_div). */
static double geom_py_floordiv(double a, double b)
{
    double mod = fmod(a, b);
    double div = (a - mod) / b;
    if (mod && ((b < 0) != (mod < 0)))
        div -= 1.0;
    if (div) {
        double f = floor(div);
        if (div - f > 0.5)
            f += 1.0;
        return f;
    }
    return copysign(0.0, a / b);
}

/* Python round(x, 7) for the unpad step: only there to turn 84.9999999
 * into 85 before int() truncates. */
static double geom_round7(double x)
{
    return nearbyint(x * 1e7) / 1e7;
}

vo_status vo_image_geom_compute(vo_ctx *ctx, const vo_config *cfg, int h, int w, vo_image_geom *g)
{
    memset(g, 0, sizeof *g);
    if (h < 1 || w < 1 || h > (1 << 20) || w > (1 << 20))
        return vo_fail(ctx, VO_ERR_ARGUMENT, "image size %dx%d (h x w) is out of range", h, w);
    if (cfg->n_pinpoints < 1 || cfg->vision_image_size < 1 || cfg->patches_per_side < 1)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "config has no pinpoints or tile size");
    g->image_h = h;
    g->image_w = w;

    /* §3.2 best resolution: strict comparisons, first pinpoint wins ties */
    long long best_eff = -1, best_waste = 0;
    for (int i = 0; i < cfg->n_pinpoints; i++) {
        int ph = cfg->pinpoints[i][0], pw = cfg->pinpoints[i][1];
        double scale = fmin((double)pw / w, (double)ph / h);
        long long dw = (long long)(w * scale), dh = (long long)(h * scale);
        long long eff = dw * dh < (long long)w * h ? dw * dh : (long long)w * h;
        long long waste = (long long)ph * pw - eff;
        if (eff > best_eff || (eff == best_eff && waste < best_waste)) {
            best_eff = eff;
            best_waste = waste;
            g->best_h = ph;
            g->best_w = pw;
        }
    }
    int S = cfg->vision_image_size;
    g->grid_rows = g->best_h / S;
    g->grid_cols = g->best_w / S;
    g->n_tiles = 1 + g->grid_rows * g->grid_cols;

    /* §3.3 aspect-preserving resize (ceil, capped by the canvas) and §3.4 pad */
    double sw = (double)g->best_w / w, sh = (double)g->best_h / h;
    if (sw < sh) {
        g->resized_w = g->best_w;
        g->resized_h = (int)fmin(ceil(h * sw), g->best_h);
    } else {
        g->resized_h = g->best_h;
        g->resized_w = (int)fmin(ceil(w * sh), g->best_w);
    }
    g->pad_top = (g->best_h - g->resized_h) / 2;
    g->pad_left = (g->best_w - g->resized_w) / 2;

    /* §6 unpad on the feature map of the grid */
    int pps = cfg->patches_per_side;
    int ch = pps * g->grid_rows, cw = pps * g->grid_cols;
    g->map_h = ch;
    g->map_w = cw;
    g->crop_y0 = 0, g->crop_y1 = ch, g->crop_x0 = 0, g->crop_x1 = cw;
    if ((double)w / h > (double)cw / ch) {
        double s = (double)cw / w;
        int nh = (int)geom_round7(h * s);
        int pad = (ch - nh) / 2;
        if (pad < 0)
            pad = 0;
        g->unpad_rows = 1;
        g->unpad_removed = pad;
        g->crop_y0 = pad;
        g->crop_y1 = ch - pad;
    } else {
        double s = (double)ch / h;
        int nw = (int)geom_round7(w * s);
        int pad = (cw - nw) / 2;
        if (pad < 0)
            pad = 0;
        g->unpad_rows = 0;
        g->unpad_removed = pad;
        g->crop_x0 = pad;
        g->crop_x1 = cw - pad;
    }
    g->unpad_h = g->crop_y1 - g->crop_y0;
    g->unpad_w = g->crop_x1 - g->crop_x0;

    /* §6 downsample when the map is over anyres_max tiles' worth */
    g->ratio = sqrt((double)g->unpad_h * g->unpad_w / ((double)cfg->anyres_max * pps * pps));
    g->final_h = g->unpad_h;
    g->final_w = g->unpad_w;
    if (g->ratio > 1.1) {
        g->downsampled = 1;
        g->final_h = (int)geom_py_floordiv(g->unpad_h, g->ratio);
        g->final_w = (int)geom_py_floordiv(g->unpad_w, g->ratio);
    }
    g->num_image_tokens = pps * pps + g->final_h * (g->final_w + 1);
    return VO_OK;
}

int vo_image_tokens_multi(const vo_config *cfg)
{
    return cfg->patches_per_tile + 1;
}
