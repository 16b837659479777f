/* qwen3.h: the Qwen3 decoder (MODEL.md §7.3, §8): weights shared by every
 * sequence, per-sequence KV caches, and a forward over several sequences. */
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
     * memory; written rounded to nearest even, read widened), and the
     * growth step in tokens (<= 0: QWEN3_KV_STEP) */
    vo_type kv_type;
    int kv_step;
    /* tokens a prefill pass carries at most (<= 0: QWEN3_PREFILL_ROWS) */
    int prefill_rows;
} qwen3_model;

/* tokens a cache grows by at least (or by a quarter of its size if more) */
#define QWEN3_KV_STEP 256
/* a prompt longer than this is prefilled in passes: the activations of a
 * 512-token pass are about 40 MB in the 1.7B shapes, a page's 5,000 are
 * ten times that */
#define QWEN3_PREFILL_ROWS 512

/* One sequence's state: its KV cache and how much of it is filled. The
 * cache holds `cap` tokens now and grows in steps, up to `max`, as
 * qwen3_forward needs room (the filled rows are carried over). */
typedef struct qwen3_seq {
    int64_t n_past, cap, max;
    int n_layers;
    vo_type type;                /* kv_type of the model when made */
    int step;
    vo_tensor **k, **v;          /* [n_layers] each (cap, KV, hd) */
} qwen3_seq;

vo_status qwen3_load(vo_ctx *ctx, vo_backend *be, const vo_config *cfg, const vo_weights *w,
                     qwen3_model *m);
void qwen3_free(vo_backend *be, qwen3_model *m);
/* Convert the layers' matrices and the LM head to `type` (VO_Q8, VO_Q4), once,
 * after qwen3_load, on `threads` threads (vlm_convert_matrix); the embedding
 * table and the norms keep their type. */
vo_status qwen3_convert_weights(vo_ctx *ctx, vo_backend *be, const vo_weights *w,
                                qwen3_model *m, vo_type type, int threads);

/* A sequence that will hold `max` tokens at most; room is reserved now for
 * `first` (the prompt) plus one growth step, the rest as it fills. NULL on
 * failure (error in ctx). */
qwen3_seq *qwen3_seq_new(vo_ctx *ctx, vo_backend *be, const qwen3_model *m, int64_t first,
                         int64_t max);
/* Make room for `need` tokens (a step more when it grows; never past max:
 * VO_ERR_LIMIT). Errors stick to the backend and leave cap as it was. */
void qwen3_seq_reserve(vo_backend *be, qwen3_seq *s, int64_t need);
void qwen3_seq_free(vo_backend *be, qwen3_seq *s);   /* accepts NULL */

/* x [D, T]: embeddings of the new tokens of all sequences, seqs[0]'s n_new[0]
 * first, and so on. Runs the decoder (the caches grow by n_new[s]; positions
 * continue from each n_past), then, for the last new token of each sequence,
 * the final norm into hidden [D, n_seqs] and logits [V, n_seqs] (either may
 * be NULL). x is overwritten. Errors stick to the backend. */
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
