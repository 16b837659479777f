/* safetensors.h: the weights of a model folder (model.safetensors or shards
 * listed in model.safetensors.index.json), memory-mapped and validated. */
#ifndef VO_SAFETENSORS_H
#define VO_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>
#include "src/util/status.h"

/* Element types found in the files (MODEL.md §2.1). */
typedef enum { VO_DT_F32, VO_DT_F16, VO_DT_BF16 } vo_dtype;

#define VO_TENSOR_MAX_DIMS 8

/* One tensor as it lies in the mapped file (row-major, little-endian).
 * All pointers are borrowed from the vo_weights and valid until it is
 * dropped. */
typedef struct vo_tensor_view {
    const char *name;                  /* name as written in the file */
    vo_dtype dtype;
    int ndim;                          /* 0 (scalar) … VO_TENSOR_MAX_DIMS */
    int64_t shape[VO_TENSOR_MAX_DIMS]; /* PyTorch order; unused dims are 1 */
    const void *data;                  /* first byte of the tensor */
    size_t nbytes;                     /* = product(shape) * vo_dtype_size */
    const char *file;                  /* shard path it came from */
} vo_tensor_view;

typedef struct vo_weights vo_weights;

/* Bytes per element (2 or 4). */
size_t vo_dtype_size(vo_dtype dt);
/* "F32", "F16", "BF16". */
const char *vo_dtype_name(vo_dtype dt);

/* Open the weights of a model folder: model.safetensors.index.json when
 * present (every shard it names), else model.safetensors. Each file is
 * mmapped read-only and fully validated (header length, JSON, dtypes,
 * shapes with overflow checks, offsets inside the data area, sizes, no
 * overlaps) before any view is built. On failure *out is NULL and the
 * status is VO_ERR_FORMAT (message names the file and tensor), VO_ERR_IO,
 * VO_ERR_MISSING (no weights in the folder) or VO_ERR_NOMEM. The result
 * is read-only and may be shared by threads. */
vo_status vo_open_weights(vo_ctx *ctx, const char *model_dir, vo_weights **out);

/* Same for one safetensors file given by path (tests, tools). */
vo_status vo_open_safetensors(vo_ctx *ctx, const char *path, vo_weights **out);

/* Unmaps and frees; accepts NULL. Every view handed out becomes invalid. */
void vo_drop_weights(vo_weights *w);

/* The pages wholly inside [p, p + n) of a mapped file go back to the kernel
 * (a weight converted at load is not read again; a page touched later is
 * read from the file again, so nothing is lost). A range outside every
 * mapping is ignored: only the files' own read-only pages are dropped. */
void vo_weights_drop_pages(const vo_weights *w, const void *p, size_t n);

/* Exact-name lookup (binary search); NULL when absent. */
const vo_tensor_view *vo_weights_find(const vo_weights *w, const char *name);

/* Lookup by the canonical (current transformers, MODEL.md §2.2) name,
 * trying the older layout too:
 *   model.language_model.X        <-> language_model.model.X
 *   lm_head.weight                <-> language_model.lm_head.weight
 *   model.vision_tower.X          <-> vision_tower.X
 *   model.multi_modal_projector.X <-> multi_modal_projector.X
 *   model.image_newline           <-> image_newline
 * Either spelling may be passed. NULL when no layout has it. */
const vo_tensor_view *vo_weights_find_any(const vo_weights *w, const char *name);

/* The LM head (MODEL.md §2.2 tied-head rule): lm_head.weight (either
 * layout) when present, else the embedding table
 * model.language_model.embed_tokens.weight. `tied` is the effective
 * tie_word_embeddings of the config; when the file holds a head AND tied
 * is set, the head is still used and a warning is logged if the two
 * differ (HF would overwrite the head with the embedding). VO_ERR_FORMAT
 * when neither exists. */
vo_status vo_weights_lm_head(vo_ctx *ctx, const vo_weights *w, int tied,
                             const vo_tensor_view **out);

/* 1 when the file uses the older name layout (language_model.model.*). */
int vo_weights_legacy_names(const vo_weights *w);

/* Iteration in name order: count, then the i-th view (NULL past the end). */
size_t vo_weights_count(const vo_weights *w);
const vo_tensor_view *vo_weights_at(const vo_weights *w, size_t i);

/* Total bytes of tensor data over all shards. */
uint64_t vo_weights_total_bytes(const vo_weights *w);

#endif
