/* pack.h: image-feature packing (MODEL.md §6): base tile first, the grid
 * map unpadded, bilinearly downsampled above anyres_max, image_newline after
 * every row; and the one-tile form of multi-image prompts. */
#ifndef VO_PACK_H
#define VO_PACK_H

#include "src/backend/backend.h"
#include "src/model/image_geom.h"

/* feats [Dt, P, n_tiles] (tile 0 = base, then the grid row-major, P = grid²)
 * → out [Dt, g->num_image_tokens] (a view is fine). */
void pack_anyres(vo_backend *be, const vo_image_geom *g, int grid, const vo_tensor *feats,
                 const vo_tensor *newline, vo_tensor *out);
/* feats [Dt, P, 1] → out [Dt, P + 1]: the P features then one newline. */
void pack_single_tile(vo_backend *be, const vo_tensor *feats, const vo_tensor *newline,
                      vo_tensor *out);

#endif
