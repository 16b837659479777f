/* weights.h: binding named tensors of the mapped safetensors to backend
 * tensors, with dtype and shape checks (shared by siglip, projector, qwen3). */
#ifndef VO_VLM_WEIGHTS_H
#define VO_VLM_WEIGHTS_H

#include "src/backend/backend.h"
#include "src/model/safetensors.h"

/* Bind tensor `name` (either name layout) with PyTorch shape dims[0..nd-1]
 * as a backend tensor whose ne0 is the product of all but the first dim
 * (a Linear [out, in] → ne {in, out}; a conv [D, C, p, p] → ne {C·p·p, D};
 * a vector [n] → ne {n}). VO_ERR_FORMAT naming the tensor when absent or of
 * another shape; the tensor wraps the mapping (freed with vo_tensor_free). */
vo_status vlm_bind(vo_ctx *ctx, vo_backend *be, const vo_weights *w, const char *name,
                   int nd, const int64_t *dims, vo_tensor **out);
/* Same, converted once into a new f32 backend tensor (vectors and tables that
 * elementwise ops read: positions, image_newline). */
vo_status vlm_bind_f32(vo_ctx *ctx, vo_backend *be, const vo_weights *w, const char *name,
                       int nd, const int64_t *dims, vo_tensor **out);
/* Same for an already found view (the LM head). */
vo_status vlm_bind_view(vo_ctx *ctx, vo_backend *be, const vo_tensor_view *v, int nd,
                        const int64_t *dims, vo_tensor **out);

/* Replace the 2-D float matrix *t by a copy in `type` (VO_Q8 or VO_Q4:
 * quantized in blocks of 32 along ne0; VO_BF16 from bf16: the same values in
 * memory the backend owns, where *t wraps the mapped file), made on the
 * backend in slices of rows through a
 * small host buffer; *t is freed. Where *t wraps w's mapping (the CPU
 * backend), each slice's pages go back to the kernel once read, so the
 * bf16 and the converted copy are not both resident. Nothing happens when *t is NULL or already
 * of that type. VO_ERR_UNSUPPORTED when the backend has no such matmul
 * weights, VO_ERR_FORMAT when ne0 is not a whole number of blocks. The rows
 * of a slice are quantized by `threads` threads (<= 1: this one); the
 * result is the same bytes whatever their number. */
vo_status vlm_convert_matrix(vo_ctx *ctx, vo_backend *be, const vo_weights *w, vo_tensor **t,
                             vo_type type, int threads);

#define VLM_DIMS(...) (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), \
    (const int64_t[]){__VA_ARGS__}

#endif
