/* backend.h: tensors and the device-neutral op interface the network code
 * (src/vlm) is written against; every op's contract is documented here once. */
#ifndef VO_BACKEND_H
#define VO_BACKEND_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/util/status.h"

/* Element types. Activations are always VO_F32; weights may be any float
 * type, VO_Q8 or VO_Q4; ids and positions are VO_I32. VO_Q8 and VO_Q4 are
 * block types (as in ggml): each block of VO_Q8_BLOCK values along ne[0] is
 * an f32 scale d, then for VO_Q8 32 int8 q (value d·q), for VO_Q4 16 bytes
 * whose low nibbles are values 0-15 and high nibbles 16-31 (value d·(q − 8));
 * ne[0] counts values (a multiple of the block), nb[0] is the block's size
 * in bytes. Only matmul weights. VO_Q8ROW is a KV cache's type: each row
 * of ne[0] values is an f32 scale d then ne[0] int8 q (value d·q), nb[0]
 * 1, a row 4 + ne[0] bytes; written by copy, read by attention. */
typedef enum vo_type {
    VO_F32 = 0, VO_F16, VO_BF16, VO_I32, VO_Q8, VO_Q4, VO_Q8ROW, VO_TYPE_COUNT_
} vo_type;
#define VO_Q8_BLOCK 32

/* A tensor: type, shape and byte strides over a backend buffer.
 * ne[0] is the innermost (contiguous) dimension, as in ggml: a [rows, cols]
 * PyTorch matrix is ne = {cols, rows, 1, 1}. nb[i] is the stride of dim i in
 * bytes; nb[0] is always the element size. Views share the buffer and differ
 * in ne/nb/offset; every op honours nb[1..3] (rows need not be packed), but
 * nb[0] must be the element size. */
typedef struct vo_tensor {
    vo_type type;
    int64_t ne[4];
    size_t nb[4];
    void *data;      /* CPU backend: host base address (NULL on devices) */
    void *buffer;    /* device buffer handle (NULL on the CPU backend) */
    size_t offset;   /* bytes from data/buffer to element 0 */
    char name[48];
} vo_tensor;

size_t vo_type_size(vo_type t);       /* bytes of an element (of a block for VO_Q8) */
int64_t vo_type_block(vo_type t);     /* values per element: VO_Q8_BLOCK or 1 */
size_t vo_row_size(vo_type t, int64_t ne0);   /* bytes of ne0 values */
size_t vo_nbytes(const vo_tensor *t);         /* bytes of a packed t */
const char *vo_type_name(vo_type t);
/* Quantize n values (a multiple of VO_Q8_BLOCK) of a float row of type src
 * (F32, F16 or BF16) into VO_Q8 blocks at dst: per block d = max|v| / 127,
 * q = v / d rounded to nearest (0 for an all-zero block). */
void vo_quantize_q8(void *dst, const void *src, vo_type src_type, int64_t n);
/* The same into VO_Q4 blocks: per block m = the value of largest |v|,
 * d = m / −8 (m itself comes back exactly), q = v / d + 8 rounded to nearest
 * and kept within 0..15. */
void vo_quantize_q4(void *dst, const void *src, vo_type src_type, int64_t n);
/* One VO_Q8ROW row of n f32 values: d = max|v| / 127 first, then n int8
 * q = v / d rounded to nearest (0 for an all-zero row). */
void vo_quantize_q8row(void *dst, const float *src, int64_t n);
/* Number of elements; number of rows (ne1*ne2*ne3). */
int64_t vo_nelements(const vo_tensor *t);
int64_t vo_nrows(const vo_tensor *t);
/* true when the tensor is packed (nb follows ne with no gaps). */
bool vo_is_contiguous(const vo_tensor *t);
/* Fill ne/nb for a packed tensor of up to 4 dims (missing dims = 1). */
void vo_tensor_init(vo_tensor *t, vo_type type, int64_t ne0, int64_t ne1, int64_t ne2,
                    int64_t ne3, const char *name);
/* A view of t: new shape ne (packed strides of t's rows kept: nb1 given),
 * starting `offset` bytes after t's element 0. Pass nb1..nb3 = 0 for packed. */
vo_tensor vo_view(const vo_tensor *t, int64_t ne0, int64_t ne1, int64_t ne2, int64_t ne3,
                  size_t nb1, size_t nb2, size_t nb3, size_t offset);

/* Attention: one sequence of a fused multi-sequence call. */
typedef struct vo_attn_seq {
    int64_t q_start;       /* first row (ne2 index) of this sequence in q/out */
    int64_t n_q;           /* its number of query rows */
    const vo_tensor *k;    /* [head_dim, n_kv_heads, n_kv] keys, RoPE applied;
                            * F32, F16 or BF16 (a KV cache; widened exactly to f32) */
    const vo_tensor *v;    /* [head_dim, n_kv_heads, n_kv] values, any float type */
    int64_t n_kv;          /* valid key rows (cache length including the new rows) */
    /* A paged cache (NULL: the keys are rows 0..n_kv of k and v): k and v
     * are a pool of blocks of block_rows rows, and the sequence's key j is
     * row blocks[j / block_rows]·block_rows + j % block_rows of both.
     * blocks: I32 [≥ ⌈n_kv / block_rows⌉], ids < k->ne[2] / block_rows (the
     * caller's duty: devices cannot check them); block_rows a power of two
     * and a multiple of VO_ATTN_BLOCK_ALIGN (kernels read keys in tiles
     * that never cross a block). */
    const vo_tensor *blocks;
    int64_t block_rows;
} vo_attn_seq;
#define VO_ATTN_BLOCK_ALIGN 32

typedef struct vo_backend vo_backend;

/* --- ops: enqueue and return; the first failure sticks to the backend with
 * the op's name and later ops do nothing; vo_backend_sync returns it. ---
 *
 * Shapes use ne order (innermost first). "rows" = ne1*ne2*ne3. All outputs
 * and activations are VO_F32 unless said otherwise; out may alias an input
 * only where said. */

/* out[N, M] = x[K, M] · w[K, N]ᵀ (+ bias[N] broadcast over rows).
 * w: F32/F16/BF16 (PyTorch Linear weight [N, K]); accumulation in f32. */
void vo_matmul(vo_backend *be, vo_tensor *out, const vo_tensor *w, const vo_tensor *x,
               const vo_tensor *bias);
/* out += x · wᵀ (+ bias): a linear layer added to the residual out, in one
 * pass where the backend has it (OpenCL: the matmul adds as it stores, the
 * bits of the two ops), else vo_matmul into scratch (f32 of out's shape,
 * neither out nor x) then vo_add. */
void vo_matmul_add(vo_backend *be, vo_tensor *out, const vo_tensor *w, const vo_tensor *x,
                   const vo_tensor *bias, vo_tensor *scratch);
/* out = a + b, out = a ⊙ b. b has a's shape or 1 in any dim (broadcast).
 * out may alias a. */
void vo_add(vo_backend *be, vo_tensor *out, const vo_tensor *a, const vo_tensor *b);
void vo_mul(vo_backend *be, vo_tensor *out, const vo_tensor *a, const vo_tensor *b);
/* Per row over ne0: out = w ⊙ x / sqrt(mean(x²) + eps); w [ne0] (F32/F16/BF16)
 * or NULL. out may alias x. */
void vo_rms_norm(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                 float eps);
/* Per row over ne0: out = (x − mean)/sqrt(var + eps) ⊙ w + b; w, b [ne0]. */
void vo_layer_norm(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                   const vo_tensor *b, float eps);
/* Rotate-half RoPE over all ne0 = head_dim values of x [head_dim, n_heads, T]:
 * for i < hd/2, φ = pos[t]·θ^(−2i/hd) (f32),
 * out[i] = x[i]cosφ − x[i+hd/2]sinφ, out[i+hd/2] = x[i+hd/2]cosφ + x[i]sinφ.
 * pos: I32 [T]. head_dim must be even. out may alias x. */
void vo_rope(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *pos,
             float theta);
/* vo_rms_norm over each head row of x [head_dim, n_heads, T], then vo_rope:
 * the same values as the two ops (Qwen3's q_norm/k_norm before RoPE), in
 * one pass where the backend has it (OpenCL: one launch instead of two). */
void vo_rms_norm_rope(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                      float eps, const vo_tensor *pos, float theta);
/* Fused attention over several sequences. q, out: [head_dim, n_heads, T].
 * For each seq s, query rows [q_start, q_start+n_q) attend to its k/v rows
 * [0, n_kv); GQA: q-head h reads kv-head h / (n_heads / n_kv_heads).
 * causal: query i of a sequence has position n_kv − n_q + i and sees keys at
 * positions ≤ its own; else all n_kv keys. Softmax in f32 of score·scale. */
void vo_attention(vo_backend *be, vo_tensor *out, const vo_tensor *q, const vo_attn_seq *seqs,
                  int n_seqs, float scale, bool causal);
/* Elementwise: GELU tanh form 0.5x(1+tanh(√(2/π)(x+0.044715x³))), GELU exact
 * 0.5x(1+erf(x/√2)), out = silu(gate) ⊙ up. out may alias the first input. */
void vo_gelu_tanh(vo_backend *be, vo_tensor *out, const vo_tensor *x);
void vo_gelu_erf(vo_backend *be, vo_tensor *out, const vo_tensor *x);
void vo_silu_mul(vo_backend *be, vo_tensor *out, const vo_tensor *gate, const vo_tensor *up);
/* Softmax per row over ne0 (max subtracted). out may alias x. */
void vo_softmax(vo_backend *be, vo_tensor *out, const vo_tensor *x);
/* out[D, n] = table[D, V] rows ids[n] (I32), widened to f32. */
void vo_get_rows(vo_backend *be, vo_tensor *out, const vo_tensor *table, const vo_tensor *ids);
/* out = x, element by element (strides may differ); x may have 1 in dims
 * 1..3 where out has more (broadcast rows); out may be F32/F16/BF16 (rounded
 * to nearest even) or Q8ROW (each row quantized as vo_quantize_q8row, where
 * the backend supports it), x F32. Used to write KV caches and to gather
 * views. */
void vo_copy(vo_backend *be, vo_tensor *out, const vo_tensor *x);
/* Patch embedding (conv k = stride = p, im2col + matmul):
 * img [S, S, C, N] (ne0 = x, ne1 = y, ne2 = channel, ne3 = image);
 * w [C·p·p, D] (conv weight [D, C, p, p]); bias [D] or NULL;
 * out [D, g·g, N], g = S / p (floor; edge pixels cropped), token t = py·g + px. */
void vo_patch_embed(vo_backend *be, vo_tensor *out, const vo_tensor *img, const vo_tensor *w,
                    const vo_tensor *bias, int patch);
/* Bilinear resize, align_corners = false, no antialias, per channel:
 * in [C, W, H] → out [C, W', H'] (PyTorch interpolate(mode="bilinear")). */
void vo_resize_bilinear(vo_backend *be, vo_tensor *out, const vo_tensor *in);
/* Blocking read: per row r of logits [V, n]: ids[r] = argmax (lowest id on
 * ties), logprob[r] = log softmax at that id. logprob may be NULL. */
void vo_argmax_logprob(vo_backend *be, const vo_tensor *logits, int32_t *ids, float *logprob);

/* --- buffers --- */

/* Allocate a packed tensor on the backend (uninitialised). NULL on failure
 * (the failure sticks). Free with vo_tensor_free. */
vo_tensor *vo_tensor_new(vo_backend *be, vo_type type, int64_t ne0, int64_t ne1, int64_t ne2,
                         int64_t ne3, const char *name);
/* Wrap host memory (e.g. mmapped weights) that outlives the tensor; the CPU
 * backend uses it in place, a device copies it. */
vo_tensor *vo_tensor_from_host(vo_backend *be, vo_type type, const void *data, int64_t ne0,
                               int64_t ne1, int64_t ne2, int64_t ne3, const char *name);
void vo_tensor_free(vo_backend *be, vo_tensor *t);   /* accepts NULL */
/* Blocking copy host → tensor and tensor → host of `bytes` bytes from element
 * 0 (the tensor must be packed). */
void vo_tensor_set(vo_backend *be, vo_tensor *t, const void *src, size_t bytes);
void vo_tensor_get(vo_backend *be, const vo_tensor *t, void *dst, size_t bytes);
/* Copy the first `bytes` bytes of src into dst, both packed, on the device
 * (queued like an op; nothing goes through the host): a KV cache that grows. */
void vo_tensor_copy_bytes(vo_backend *be, vo_tensor *dst, const vo_tensor *src, size_t bytes);

/* --- the backend object --- */

typedef enum vo_op {
    VO_OP_MATMUL, VO_OP_ADD, VO_OP_MUL, VO_OP_RMS_NORM, VO_OP_LAYER_NORM, VO_OP_ROPE,
    VO_OP_ATTENTION, VO_OP_GELU_TANH, VO_OP_GELU_ERF, VO_OP_SILU_MUL, VO_OP_SOFTMAX,
    VO_OP_GET_ROWS, VO_OP_COPY, VO_OP_PATCH_EMBED, VO_OP_RESIZE_BILINEAR, VO_OP_ARGMAX_LOGPROB,
    VO_OP_COUNT_
} vo_op;

/* Whether the backend runs `op` with its main input (the weight for matmul,
 * the table for get_rows, the destination for copy, the k/v cache for
 * attention) of type `type`. */
bool vo_backend_supports(const vo_backend *be, vo_op op, vo_type type);
/* Wait for queued work; return the sticky first error (and put its message,
 * naming the op, into ctx) or VO_OK. The error stays until cleared. */
vo_status vo_backend_sync(vo_backend *be, vo_ctx *ctx);
void vo_backend_clear_error(vo_backend *be);
/* The sticky first error (its message into ctx) or VO_OK, without waiting
 * for queued work: whether the ops enqueued so far were taken. */
vo_status vo_backend_status(vo_backend *be, vo_ctx *ctx);

/* Streams: two queues of ops on one device. Ops run in their order within
 * a stream; ops of different streams may run at the same time, so a tensor
 * written on one stream is read on the other only after a
 * vo_backend_sync on the writing stream. Ops go to the stream last set
 * (VO_STREAM_MAIN at first); vo_backend_sync waits for that stream. A
 * backend that runs every op as it is called (the CPU ones) has one
 * stream: setting another changes nothing. The pages-in-flight scheduler
 * runs a new page's vision tower on the side stream while decode steps go
 * on on the main one. */
typedef enum vo_stream { VO_STREAM_MAIN, VO_STREAM_SIDE, VO_STREAM_COUNT_ } vo_stream;
void vo_backend_set_stream(vo_backend *be, vo_stream s);
/* Whether every op enqueued on stream s so far has run (never waits; a
 * failure there counts as done: vo_backend_sync on s reports it). */
bool vo_backend_stream_done(vo_backend *be, vo_stream s);
/* A flag (such as the one a SIGTERM handler sets) that, once set, makes the
 * next op fail with VO_ERR_ABORT and every later one do nothing, so a long
 * vision tower or prefill ends within one op. NULL (the default): never.
 * vo_backend_clear_error clears the error, not the flag. */
void vo_backend_set_cancel(vo_backend *be, const volatile sig_atomic_t *flag);
/* A time (CLOCK_MONOTONIC seconds) after which the next op fails with
 * VO_ERR_LIMIT and every later one does nothing, as with the cancel flag:
 * one caller's deadline over work that is its alone. 0: none (the
 * default). vo_backend_clear_error does not clear it. */
void vo_backend_set_deadline(vo_backend *be, double monotonic_s);
/* Record an error as if an op had failed (the first one sticks; later
 * ones are dropped): for network code that finds bad input between ops. */
void vo_backend_error(vo_backend *be, vo_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The backend's name ("cpu"). */
const char *vo_backend_name(const vo_backend *be);
/* Free the backend (accepts NULL). All its tensors must be freed before. */
void vo_backend_drop(vo_backend *be);

#endif
