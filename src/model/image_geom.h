/* image_geom.h: the anyres geometry of one image (best grid, resize, pad,
 * unpad, downsample) and its image-token count, MODEL.md §3.2-3.4 and §6. */
#ifndef VO_IMAGE_GEOM_H
#define VO_IMAGE_GEOM_H

#include "src/model/config.h"
#include "src/util/status.h"

/* Every number the tiler, the packer and the prompt expansion share. All
 * sizes are (height, width) in pixels unless said "patches". */
typedef struct vo_image_geom {
    int image_h, image_w;       /* original size handed to the processor */
    int best_h, best_w;         /* chosen pinpoint (canvas) */
    int grid_rows, grid_cols;   /* canvas / tile size */
    int n_tiles;                /* 1 (base) + grid_rows * grid_cols */
    int resized_h, resized_w;   /* aspect-preserving resize inside the canvas */
    int pad_top, pad_left;      /* paste offset of the resized image */
    int map_h, map_w;           /* grid feature map before unpad (patches) */
    int unpad_rows;             /* 1: rows removed (wide image), 0: columns */
    int unpad_removed;          /* rows or columns removed at EACH side */
    int crop_y0, crop_y1;       /* kept rows [y0, y1) of the feature map */
    int crop_x0, crop_x1;       /* kept columns [x0, x1) */
    int unpad_h, unpad_w;       /* map after unpad (patches) */
    double ratio;               /* sqrt(h*w / (anyres_max * P)) */
    int downsampled;            /* 1 when ratio > 1.1 (bilinear resize) */
    int final_h, final_w;       /* h', w' after the optional downsample */
    int num_image_tokens;       /* P + h' * (w' + 1) */
} vo_image_geom;

/* Compute the geometry of an image of size (h, w) for single-image
 * (anyres) prompts with the config's pinpoints, tile size and anyres_max.
 * VO_ERR_ARGUMENT for a non-positive or absurd size. Pure function. */
vo_status vo_image_geom_compute(vo_ctx *ctx, const vo_config *cfg, int h, int w, vo_image_geom *out);

/* Tokens of one image in a multi-image prompt (no anyres: the base tile's
 * P features plus one newline). */
int vo_image_tokens_multi(const vo_config *cfg);

#endif
