/* generate.h: prompt embedding (image features at the image-token
 * positions) and greedy decoding of several sequences per step (MODEL.md
 * §7.3, §10). */
#ifndef VO_GENERATE_H
#define VO_GENERATE_H

#include <stdbool.h>

#include "src/vlm/qwen3.h"

/* Called for each generated token of sequence `seq` (stop ids excluded):
 * its id and log-probability. Return non-zero to stop that sequence. */
typedef int (vo_token_fn)(void *user, int seq, int32_t id, float logprob);

typedef struct vo_gen_request {
    /* in */
    const int32_t *ids;               /* prompt ids, image ids already expanded */
    int64_t n_ids;
    const vo_tensor *image_features;  /* [D, n image ids] or NULL */
    int max_new;                      /* generated tokens at most */
    vo_token_fn *cb;                  /* may be NULL */
    void *user;
    float *prefill_logits;            /* optional out: [vocab] after the prompt */
    float *prefill_hidden;            /* optional out: [D] final-normed last hidden */
    /* out (vo_free out_ids / out_logprobs) */
    int32_t *out_ids;
    float *out_logprobs;
    int n_out;
    bool hit_stop;
} vo_gen_request;

/* Sampling-free generation for n requests at once: a prefill over all
 * prompts (in passes of QWEN3_PREFILL_ROWS tokens at most), then decode
 * steps over the sequences still running, greedy (argmax, lowest id on
 * ties) until a stop id, max_new, or the callback says stop. VO_ERR_ARGUMENT when image ids and feature rows disagree. */
vo_status vo_generate(vo_ctx *ctx, vo_backend *be, const qwen3_model *m, int32_t image_id,
                      const int32_t *stop_ids, int n_stop, vo_gen_request *reqs, int n);

/* The same generation in pieces, for sequences that start and end at
 * different steps (pages in flight): a generator holds what every step
 * shares; a sequence is started (prefill, first token), then advanced one
 * token per vo_gen_step together with the others still running. A
 * sequence's tokens do not depend on which others share its steps while a
 * step carries at most VO_GEN_STEP_MAX sequences (each output of the
 * decode matmul is computed alone there). */
#define VO_GEN_STEP_MAX 16
/* draft tokens a sequence feeds a step at most: replayed on real pages, 6
 * keep 0.23 passes a token (11: 0.21, 3: 0.35), and each row costs compute */
#define VO_GEN_DRAFT_MAX 6
/* rows a step fills with drafts at most (the sequences' own included): 8
 * pages in flight get none; drafts pay where a step's rows cost little
 * beside the weights' read, and more pages already fill it */
#define VO_GEN_DRAFT_ROWS 12

typedef struct vo_generator {
    vo_backend *be;
    const qwen3_model *m;
    int32_t image_id;
    const int32_t *stop_ids;
    int n_stop;
    vo_tensor *logits;   /* [vocab, cap]: grows to the widest step, kept */
    vo_tensor *tok;      /* [cap] step ids */
    int cap;
    qwen3_kv_pool pool;  /* the KV caches of its sequences (paged) */
} vo_generator;

/* Drafted decoding: guesses of the tokens that follow ids[0..n) (all the
 * sequence's output so far), at most max, written to draft; returns how
 * many. The step feeds them after the sequence's next token and keeps the
 * longest prefix that greedy decoding picks itself (src/vlm/draft.h). */
typedef int (vo_draft_fn)(void *user, const int32_t *ids, int n, int32_t *draft, int max);

typedef struct vo_gen_seq {
    vo_gen_request *req; /* borrowed; its outputs are filled */
    int index;           /* passed to req->cb as `seq` */
    qwen3_seq *kv;
    int32_t next;        /* the token fed at the next step */
    bool running;
    vo_draft_fn *draft;  /* may be NULL: one token a step */
    void *draft_user;
    const int32_t *force; /* bench hook (NULL normally): the tokens taken are these,
                           * not the argmax, while n_out < n_force (what a real page
                           * would make, on a random-weight model) */
    int n_force;
    int n_passes;        /* out: decode steps this sequence took part in */
    int n_drafted;       /* out: draft tokens fed, and accepted */
    int n_accepted;
} vo_gen_seq;

/* The KV pool takes m's kv_type, kv_step and kv_block as they are now. */
void vo_generator_init(vo_generator *g, vo_backend *be, const qwen3_model *m, int32_t image_id,
                       const int32_t *stop_ids, int n_stop);
/* After every sequence has ended (vo_gen_seq_end). */
void vo_generator_free(vo_generator *g);
/* Prefill n new sequences in one forward and take each one's first token;
 * seqs[i]->req and ->index are set by the caller. */
vo_status vo_gen_start(vo_ctx *ctx, vo_generator *g, vo_gen_seq **seqs, int n);
/* One decode step over n running sequences (1..VO_GEN_STEP_MAX gives each
 * sequence the tokens it has alone). Sequences with a drafter feed their
 * drafts too, as long as the step stays within VO_GEN_STEP_MAX rows, and
 * may advance several tokens. A sequence that ends is marked not running;
 * its KV cache stays until vo_gen_seq_end. */
vo_status vo_gen_step(vo_ctx *ctx, vo_generator *g, vo_gen_seq **seqs, int n);
/* Give the KV cache's blocks back to the pool (the request's outputs stay
 * with the request). */
void vo_gen_seq_end(vo_generator *g, vo_gen_seq *s);

/* E = embed(ids), rows of image ids replaced in order by features rows:
 * out [D, n_ids]. Enqueues; errors stick. */
void vlm_embed_prompt(vo_backend *be, const qwen3_model *m, const int32_t *ids, int64_t n_ids,
                      int32_t image_id, const vo_tensor *features, vo_tensor *out);

#endif
