/* qwen3.h: the Qwen3 decoder (MODEL.md §7.3, §8): weights shared by every
 * sequence, a paged pool of KV caches, and a forward over several
 * sequences. */
#ifndef VO_QWEN3_H
#define VO_QWEN3_H

#include "src/backend/backend.h"
#include "src/model/config.h"
#include "src/model/safetensors.h"

typedef struct qwen3_layer {
    vo_tensor *in_norm;          /* (D) input_layernorm */
    vo_tensor *q_w;              /* (H·hd, D) */
    vo_tensor *k_w, *v_w;        /* (KV·hd, D) */
    vo_tensor *q_b, *k_b, *v_b;  /* (H·hd), (KV·hd): Qwen2 only, else NULL */
    vo_tensor *o_w;              /* (D, H·hd) */
    vo_tensor *q_norm, *k_norm;  /* (hd): Qwen3 only, else NULL */
    vo_tensor *post_norm;        /* (D) post_attention_layernorm */
    vo_tensor *gate_w, *up_w;    /* (I, D) */
    vo_tensor *down_w;           /* (D, I) */
} qwen3_layer;

typedef struct qwen3_model {
    int dim, n_layers, heads, kv_heads, head_dim, inter, vocab;
    float eps, theta;
    vo_tensor *embed;            /* (V, D) embed_tokens */
    vo_tensor *norm;             /* (D) final norm */
    vo_tensor *head;             /* (V, D) lm_head or the tied embedding */
    qwen3_layer *layers;         /* [n_layers] */
    /* KV caches of new sequences (set after qwen3_load, which leaves the
     * defaults): element type VO_F32 (exact), VO_BF16 or VO_F16 (half the
     * memory; written rounded to nearest even, read widened) or VO_Q8ROW,
     * the tokens a pool grows by at least (<= 0: QWEN3_KV_STEP) and the
     * tokens a block holds (<= 0: QWEN3_KV_BLOCK; else a power of two, a
     * multiple of VO_ATTN_BLOCK_ALIGN) */
    vo_type kv_type;
    int kv_step;
    int kv_block;
    /* tokens a prefill pass carries at most (<= 0: QWEN3_PREFILL_ROWS) */
    int prefill_rows;
} qwen3_model;

/* tokens a KV pool grows by at least (or by a quarter of its size if more) */
#define QWEN3_KV_STEP 256
/* tokens a KV block holds: a page wastes half a block on average (about
 * 7 MB in the 1.7B shapes with a bf16 cache, of ~600 MB) */
#define QWEN3_KV_BLOCK 128
/* a prompt longer than this is prefilled in passes: the activations of a
 * 512-token pass are about 40 MB in the 1.7B shapes, a page's 5,000 are
 * ten times that */
#define QWEN3_PREFILL_ROWS 512

/* The KV caches of the sequences that share it (paged): per layer one K and
 * one V tensor [hd, KV, n_blocks·block_rows] of blocks of block_rows tokens.
 * A sequence holds a list of blocks, taken as it fills and given back when
 * it ends, so sequences of very different lengths share the memory without
 * fragmenting it. The tensors are made on the first reservation and grow
 * (the blocks copied over on the device, their ids kept) when no block is
 * free; they never shrink. One thread at a time. */
typedef struct qwen3_kv_pool {
    int n_layers;
    int64_t head_dim, kv_heads;
    vo_type type;                /* kv_type of the model when made */
    int64_t block_rows;          /* tokens a block */
    int64_t step;                /* blocks the pool grows by at least */
    int64_t n_blocks;            /* blocks the tensors hold */
    vo_tensor **k, **v;          /* [n_layers] each; NULL until the first block */
    int32_t *free_ids;           /* free blocks, a stack: the last given back is taken first */
    int64_t n_free;
} qwen3_kv_pool;

/* One sequence's state: the blocks of its KV cache and how much of it is
 * filled. Its cache holds `cap` tokens (its blocks) now and takes blocks as
 * qwen3_forward needs room, up to `max` tokens. */
typedef struct qwen3_seq {
    int64_t n_past, cap, max;
    qwen3_kv_pool *pool;
    int32_t *blocks;             /* [n_blocks]: token t is in blocks[t / block_rows] */
    int64_t n_blocks;
    vo_tensor *table;            /* I32 [⌈max / block_rows⌉] on the backend: blocks as the
                                  * kernels read them, written as blocks are taken */
} qwen3_seq;

vo_status qwen3_load(vo_ctx *ctx, vo_backend *be, const vo_config *cfg, const vo_weights *w,
                     qwen3_model *m);
void qwen3_free(vo_backend *be, qwen3_model *m);
/* Convert the layers' matrices and the LM head to `type` (VO_Q8, VO_Q4), once,
 * after qwen3_load, on `threads` threads (vlm_convert_matrix); the embedding
 * table and the norms keep their type. */
vo_status qwen3_convert_weights(vo_ctx *ctx, vo_backend *be, const vo_weights *w,
                                qwen3_model *m, vo_type type, int threads);

/* Bytes of the layers' matrices and the LM head (what qwen3_convert_weights
 * converts) that are of `type`; *all: whether every one of them is. */
uint64_t qwen3_matrix_bytes(const qwen3_model *m, vo_type type, bool *all);

/* An empty pool for the model's caches (kv_type, kv_step, kv_block as
 * now); it allocates nothing until a sequence needs room. */
void qwen3_kv_pool_init(qwen3_kv_pool *p, const qwen3_model *m);
/* Free its tensors; every sequence must have been freed first. */
void qwen3_kv_pool_free(vo_backend *be, qwen3_kv_pool *p);
/* Room for `blocks` more free blocks (the pool grows if it has fewer).
 * Errors stick to the backend and leave the pool as it was. */
void qwen3_kv_pool_reserve(vo_backend *be, qwen3_kv_pool *p, int64_t blocks);

/* A sequence of pool p that will hold `max` tokens at most; blocks for
 * `first` (the prompt) are taken now, the rest as it fills. NULL on
 * failure (error in ctx). */
qwen3_seq *qwen3_seq_new(vo_ctx *ctx, vo_backend *be, qwen3_kv_pool *p, int64_t first,
                         int64_t max);
/* Make room for `need` tokens (never past max: VO_ERR_LIMIT). Errors stick
 * to the backend and leave cap as it was. */
void qwen3_seq_reserve(vo_backend *be, qwen3_seq *s, int64_t need);
void qwen3_seq_free(vo_backend *be, qwen3_seq *s);   /* blocks back to the pool; accepts NULL */

/* x [D, T]: embeddings of the new tokens of all sequences (of one pool),
 * seqs[0]'s n_new[0] first, and so on. Runs the decoder (the caches grow by
 * n_new[s]; positions continue from each n_past), then, for the last new
 * token of each sequence, the final norm into hidden [D, n_seqs] and logits
 * [V, n_seqs] (either may be NULL). x is overwritten. Errors stick to the
 * backend. */
void qwen3_forward(vo_backend *be, const qwen3_model *m, qwen3_seq **seqs,
                   const int64_t *n_new, int n_seqs, vo_tensor *x, vo_tensor *hidden,
                   vo_tensor *logits);
/* The same forward, with the logits of every new token: logits [V, T] in
 * the order of x (drafted decoding checks several tokens a pass). Each
 * row's logits are those the same token gets fed alone where the backend
 * computes rows alone (the CPU backend, T <= 12). x is overwritten. */
void qwen3_forward_rows(vo_backend *be, const qwen3_model *m, qwen3_seq **seqs,
                        const int64_t *n_new, int n_seqs, vo_tensor *x, vo_tensor *logits);

#endif
