/* engine.h: the public OCR engine for the CLI: open a model folder once,
 * then run the whole OCR of page images (MODEL.md §12). */
#ifndef VO_ENGINE_H
#define VO_ENGINE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/util/buf.h"
#include "src/util/status.h"
#include "src/util/token_lp.h"

typedef struct vo_engine vo_engine;

typedef struct vo_engine_opts {
    int threads;       /* CPU threads; <= 0: all online cores */
    int max_tokens;    /* generated tokens at most, bounded by the context; <= 0: all that
                        * the context leaves after the prompt (8192 if it has no size) */
    int no_upscale;    /* 1: skip the OCR pre-upscale (probes and golden tests only) */
    const char *device; /* auto | cpu | opencl | opencl:P.D (src/backend/select.h); NULL: auto */
    int kv_type;       /* KV cache storage: VO_KV_F32 (0, the default: exact against the
                        * goldens), VO_KV_BF16 (1: half the memory; logits move by up to
                        * 1e-2 on the tiny fixtures, same ids) or VO_KV_F16 (2: half the
                        * memory, 1e-3) or VO_KV_Q8 (3: 0.26x of f32 at head size 128,
                        * int8 with one scale a head row, VO_Q8ROW; the CPU backend);
                        * VO_ERR_UNSUPPORTED where the backend cannot */
    int batch;         /* pages in flight at most in vo_engine_ocr_page (1..
                        * VO_ENGINE_BATCH_MAX); <= 0: 1 */
    int no_draft;      /* 1: no drafted decoding in vo_engine_ocr_page (one token a
                        * step); 0: drafted where exact (the CPU backend) */
    int weights;       /* the language model's matrices and head: VO_WEIGHTS_AUTO (0,
                        * the default: BF16 on the CPU backend where the folder's
                        * matrices are bf16 and vo_engine_copy_weights says they
                        * fit, else AS_STORED), VO_WEIGHTS_Q8 (1: int8 in blocks of
                        * 32 with a scale, made at load: 0.56x the bytes a decode
                        * step reads), VO_WEIGHTS_Q4 (2: 4 bits, 0.31x),
                        * VO_WEIGHTS_BF16 (3: the folder's bf16 copied out of the
                        * mapped file into the process's huge-page memory: the same
                        * values, read as fast or up to 6 times faster by a decode
                        * step on the CPU) or VO_WEIGHTS_AS_STORED (4: used from the
                        * mapped file, shared with other processes) */
    int matmul;        /* VO_MATMUL_EXACT (0, the default) or VO_MATMUL_BF16 (1: the CPU
                        * backend's products of bf16 weights and more than 16 rows, the
                        * image tiles and the prompt, and the image encoder's
                        * attention round the activations to bf16,
                        * vo_cpu_round_activations; a warning and exact products where
                        * the backend or the CPU cannot) */
} vo_engine_opts;

#define VO_ENGINE_BATCH_MAX 16

/* --batch's default: as many pages as have room for their KV caches, each
 * of VO_ENGINE_PAGE_TOKENS tokens (an A4 page's prompt, about 5,800, and
 * the dense part of its text) of kv_type (VO_KV_*), in half of mem_bytes
 * (the memory available; the rest is the weights' and the pages' images);
 * 1 to VO_ENGINE_BATCH_MAX, or 0 when mem_bytes is 0 (unknown). The shapes
 * are the language model's (layers, key-value heads, head size);
 * *page_bytes is one page's cache. */
#define VO_ENGINE_PAGE_TOKENS 10000
int vo_engine_default_batch(int layers, int kv_heads, int head_dim, int kv_type,
                            uint64_t mem_bytes, uint64_t *page_bytes);

/* --weights auto on the CPU: whether copy_bytes of weights are copied out of
 * the mapped file, given mem_bytes of memory available (0: unknown, then
 * not): when the copy leaves VO_ENGINE_COPY_SPARE for the pages' KV caches
 * and images. A mapped file's pages can be dropped and read again under
 * memory pressure, a copy's cannot. */
#define VO_ENGINE_COPY_SPARE ((uint64_t)2 << 30)
bool vo_engine_copy_weights(uint64_t copy_bytes, uint64_t mem_bytes);

/* values of vo_engine_opts.kv_type and .weights: VO_KV_* and VO_WEIGHTS_*
 * (include/varco-ocr.h) */

/* Called with each complete piece of UTF-8 text as it is generated (special
 * tokens kept) and the log-probability of the token that completed it.
 * Return non-zero to stop the page early. */
typedef int (vo_piece_fn)(const char *piece, size_t len, float logprob, void *user);

/* Load config, weights (mapped, used as stored), tokenizer and chat template
 * from model_dir and start the CPU backend. opts may be NULL (defaults).
 * Errors: VO_ERR_MISSING / VO_ERR_FORMAT naming the file or tensor,
 * VO_ERR_UNSUPPORTED, VO_ERR_NOMEM. The engine is used by one thread at a
 * time. */
vo_status vo_engine_open(vo_ctx *ctx, const char *model_dir, const vo_engine_opts *opts,
                         vo_engine **out);

/* How many tokens a page may generate: max_tokens (<= 0: no limit of its
 * own), bounded by what a context of `context` positions (<= 0: unknown,
 * then 8192) leaves after a prompt of n_prompt tokens; 0 when none is left. */
int vo_engine_token_budget(int max_tokens, int64_t context, int64_t n_prompt);

/* OCR of one RGB page image (w×h, `stride` bytes per row): pre-upscale,
 * preprocess, vision tower, projector, packing, the OCR prompt, prefill and
 * greedy decoding until a stop id or max_tokens. The generated text (special
 * tokens kept, stop token dropped) is appended to out_text; cb (may be NULL)
 * sees it piece by piece. */
vo_status vo_engine_ocr(vo_ctx *ctx, vo_engine *eng, const uint8_t *rgb, int w, int h,
                        int stride, vo_piece_fn *cb, void *user, vo_buf *out_text);

/* A flag (such as the one a SIGTERM handler sets) that cancels the OCR in
 * progress: checked before each page's vision tower, before the prefill and
 * at every decode step; the OCR then fails with VO_ERR_ABORT and its text is
 * incomplete. NULL: never cancelled (the default). */
void vo_engine_set_cancel(vo_engine *eng, const volatile sig_atomic_t *flag);

/* One page of a batch: the image (borrowed), where its text goes, and what
 * came out. */
typedef struct vo_engine_page {
    const uint8_t *rgb;      /* in: RGB, w×h, `stride` bytes per row */
    int w, h, stride;
    vo_piece_fn *cb;         /* in: may be NULL; sees this page's pieces */
    void *user;
    vo_buf *out_text;        /* in: the page's text is appended here */
    int n_tokens;            /* out: tokens generated */
    bool hit_stop;           /* out: ended on a stop id (not max_tokens) */
    bool cut;                /* out: stopped by max_tokens or the full context before an
                              * end token: the rest of the page is missing */
    int in_flight;           /* out: the most pages that shared a decode step with this
                              * one, itself included (vo_engine_ocr_page) */
    int n_passes;            /* out: decode steps (+ the prefill) that gave its tokens */
    vo_token_lp *pieces;     /* out: each piece of text the page added to out_text (one per
                              * callback call): its byte offset in out_text and the log-prob
                              * of the token that completed it; the caller vo_frees it,
                              * also after a failure */
    size_t n_pieces;
    /* out (vo_engine_ocr_page): seconds in each stage. Waiting for room
     * among the pages in flight; pre-upscale and preprocess; vision tower,
     * projector and packing; prefill (alone); decode (wall time from its
     * first step to its last, the steps shared with the pages in flight). */
    double wait_s, preprocess_s, vision_s, prefill_s, decode_s;
    /* in (vo_engine_ocr_page): CLOCK_MONOTONIC seconds after which the
     * page's vision and prefill stop within an op (vo_backend_set_deadline;
     * its decode steps are the callback's to stop); 0: none. out: timed_out
     * when they stopped so: the call fails with VO_ERR_LIMIT */
    double deadline;
    bool timed_out;
} vo_engine_page;

/* OCR of n pages at once: each page is prepared as vo_engine_ocr does, then
 * one prefill runs over all prompts (in passes) and every decode step
 * advances all pages still running (the weights are read once per step for
 * all of them). Each page's text equals what vo_engine_ocr gives for it
 * alone. A failure of any page fails the batch (the message names the
 * page); texts already appended stay. VO_ERR_ARGUMENT when n < 1. */
vo_status vo_engine_ocr_batch(vo_ctx *ctx, vo_engine *eng, vo_engine_page *pages, int n);

/* OCR of one page among the pages in flight: any number of threads may call
 * this at once with their own ctx and page. Each page is prepared (vision,
 * prompt) and prefilled alone, then joins the pages in flight (up to
 * opts.batch; the others wait their turn), and every decode step advances
 * all of them with one read of the weights; a page that ends frees its
 * place and KV cache at once for the next waiting page. One caller at a time
 * runs the engine for all, so the callbacks of a page may run on another
 * caller's thread (never at the same time as its own caller runs). Returns
 * when this page is done; with bf16 weights on the CPU its text, tokens and
 * log-probs are those vo_engine_ocr gives for it alone. A failure of a
 * decode step fails every page in flight (each call says so). */
vo_status vo_engine_ocr_page(vo_ctx *ctx, vo_engine *eng, vo_engine_page *page);

/* One image of an ask prompt (borrowed): RGB, w×h, `stride` bytes a row. */
typedef struct vo_engine_image {
    const uint8_t *rgb;
    int w, h, stride;
} vo_engine_image;

#define VO_ASK_MAX_IMAGES 16

/* How the images of one prompt are prepared (MODEL.md §3.8; fixture
 * tiny-varco-multi). */
typedef enum vo_images_rule {
    VO_IMAGES_NESTED = 0, /* the chat template's (the default): one image gets the anyres
                           * tiles as in OCR; of two or more, each is padded to a square and
                           * is one tile: P + 1 tokens */
    VO_IMAGES_FLAT        /* every image gets the anyres tiles as if it were alone */
} vo_images_rule;

/* A question about images, and its answer. */
typedef struct vo_engine_question {
    const vo_engine_image *images; /* in: 0..VO_ASK_MAX_IMAGES images, in prompt order */
    int n_images;
    vo_images_rule rule;
    const char *text;        /* in: the user's text after the images */
    vo_piece_fn *cb;         /* in: may be NULL; sees the answer piece by piece */
    void *user;
    vo_buf *out_text;        /* in: the answer is appended here */
    int image_tokens[VO_ASK_MAX_IMAGES]; /* out: image tokens of each image */
    int n_prompt;            /* out: prompt tokens, image tokens included */
    int n_tokens;            /* out: tokens generated */
    bool hit_stop, cut;      /* out: ended on a stop id; stopped by the token limit */
} vo_engine_question;

/* Ask: one user turn of the chat template with the images then the text
 * (the template's default system turn), no OCR pre-upscale, greedy
 * decoding until a stop id or the token limit; the answer streamed to
 * a->cb and appended to a->out_text. VO_ERR_ARGUMENT for more images than
 * VO_ASK_MAX_IMAGES or an empty text; VO_ERR_LIMIT when the prompt fills
 * the context. */
vo_status vo_engine_ask(vo_ctx *ctx, vo_engine *eng, vo_engine_question *a);

/* 1 when the model's tokenizer has `token` ("<gro>") as one special token. */
int vo_engine_has_special_token(const vo_engine *eng, const char *token);

/* Free everything; accepts NULL. No call may be running. */
void vo_engine_close(vo_engine *eng);

#endif
