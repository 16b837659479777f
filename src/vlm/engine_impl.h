/* engine_impl.h: the engine's insides, shared by engine.c (opening, one
 * page or a fixed batch) and inflight.c (pages in flight). Not for users of
 * the engine. */
#ifndef VO_ENGINE_IMPL_H
#define VO_ENGINE_IMPL_H

#include <pthread.h>
#include <signal.h>

#include "src/model/config.h"
#include "src/model/prompt.h"
#include "src/model/safetensors.h"
#include "src/model/tokenizer.h"
#include "src/vlm/draft.h"
#include "src/vlm/engine.h"
#include "src/vlm/generate.h"
#include "src/vlm/preprocess.h"
#include "src/vlm/projector.h"
#include "src/vlm/qwen3.h"
#include "src/vlm/siglip.h"

#define ENGINE_MAX_STOP 20

typedef struct flight_page flight_page;

/* Pages in flight (inflight.c): the callers' pages wait in a queue; one of
 * the callers at a time drives the engine for all of them. */
typedef struct engine_flight {
    bool ready;                  /* lock and cond made */
    pthread_mutex_t lock;
    pthread_cond_t changed;      /* a page is done, or nobody drives */
    bool driving;                /* a caller runs the engine now */
    flight_page *waiting, **waiting_tail;
    flight_page *running[VO_GEN_STEP_MAX];
    int n_running;
    flight_page *side;           /* its vision tower queued on the side stream */
    vo_generator gen;
    bool gen_ready;
} engine_flight;

struct vo_engine {
    vo_engine_opts opts;
    vo_config cfg;
    vo_weights *w;
    vo_tokenizer *tok;
    vo_chat_template *tmpl;
    vo_backend *be;
    siglip_model vis;
    projector_model proj;
    qwen3_model lm;
    int32_t stop[ENGINE_MAX_STOP];
    int n_stop;
    const volatile sig_atomic_t *cancel; /* vo_engine_set_cancel */
    bool draft;                  /* drafted decoding for pages in flight */
    vo_draft_ids draft_ids;
    engine_flight flight;
};

/* Where a page's generated tokens go: its token stream, decoded pieces
 * appended to `out` and shown to the caller's callback. */
typedef struct piece_sink {
    vo_ctx *ctx;
    vo_token_stream *stream;
    vo_buf piece;
    vo_buf *out;
    vo_piece_fn *cb;
    void *user;
    vo_status st;
    const vo_engine *e;          /* its cancel flag, checked at every token */
    vo_engine_page *page;        /* where each piece's offset and log-prob go */
    size_t cap_pieces;
} piece_sink;

/* one page on its way to the decoder: prompt ids and packed features */
typedef struct page_prep {
    int32_t *ids;
    size_t n_ids;
    vo_tensor *packed;
    int max_new;
    piece_sink ps;
    double preprocess_s, vision_s; /* seconds (engine_page_prepare) */
} page_prep;

/* §3 the pixel normalisation of the model's preprocessor config, and the
 * colour a padded square is filled with (its mean) */
vo_pixel_norm engine_pixel_norm(const vo_config *cfg, uint8_t fill[3]);
/* §3-§7 for one page: pre-upscale, preprocess, vision, projector, packing,
 * OCR prompt ids; and the token stream of its text. wait: return once the
 * backend has run it (vision_s set); else once it is queued (vision_s 0:
 * the caller waits for the stream it went to and counts the time) */
vo_status engine_page_prepare(vo_ctx *ctx, vo_engine *e, const uint8_t *rgb, int w, int h,
                              int stride, bool wait, page_prep *pp);
/* vision tower + projector over all tiles: pixels [n_tiles, C, S, S]
 * (host) → feats [Dt, P, n_tiles] */
void engine_image_features(vo_engine *e, const float *pixels, int n_tiles, vo_tensor *feats);
/* The generation request of a prepared page, its tokens going to pg. */
void engine_page_request(vo_ctx *ctx, const vo_engine *e, vo_engine_page *pg, page_prep *pp,
                         vo_gen_request *req);
/* VO_ERR_ABORT (naming the stage) once the engine's cancel flag is set. */
vo_status engine_check_cancel(vo_ctx *ctx, const vo_engine *e, const char *stage);
/* After generation: the rest of the text flushed, pg's counts filled. */
vo_status engine_page_finish(vo_ctx *ctx, page_prep *pp, const vo_gen_request *req,
                             vo_engine_page *pg);
void engine_prep_free(vo_engine *e, page_prep *pp);
/* vo_token_fn of a page: user is its piece_sink */
int engine_on_token(void *user, int seq, int32_t id, float logprob);

/* inflight.c: set up and tear down the pages-in-flight state */
vo_status engine_flight_init(vo_ctx *ctx, vo_engine *e);
void engine_flight_free(vo_engine *e);

#endif
