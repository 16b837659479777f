/* inflight.c: pages in flight through one engine. Callers of
 * vo_engine_ocr_page queue their page and wait; whoever finds nobody driving
 * drives: admits waiting pages while there is room, then runs decode steps
 * over every running page (one read of the weights a step serves all of
 * them), retiring pages as they end, until its own page is done; then
 * another waiting caller takes over. Continuous batching, without a thread
 * of its own. A page is admitted in two halves: its vision tower goes to the
 * backend's side stream, and the decode steps go on while it runs (on a GPU
 * with a second queue; a CPU backend has run it on return); its prompt and
 * prefill follow on the main stream once it is done. */
#include "src/vlm/engine_impl.h"
#include "src/util/alloc.h"
#include "src/util/clock.h"

#include <stdio.h>
#include <string.h>

struct flight_page {
    vo_ctx *ctx;             /* the caller's: messages about this page */
    vo_engine_page *page;
    page_prep prep;
    vo_gen_request req;
    vo_gen_seq seq;
    vo_drafter *drafter;     /* NULL: one token a step */
    vo_status st;
    bool done;               /* under the lock */
    flight_page *next;       /* in the waiting queue */
    double t_queued, t_vision, t_decode; /* when it was queued, its vision tower
                                          * began, its decode began */
};

vo_status engine_flight_init(vo_ctx *ctx, vo_engine *e)
{
    engine_flight *f = &e->flight;
    if (pthread_mutex_init(&f->lock, NULL))
        return vo_fail(ctx, VO_ERR_NOMEM, "cannot make the engine's lock");
    if (pthread_cond_init(&f->changed, NULL)) {
        pthread_mutex_destroy(&f->lock);
        return vo_fail(ctx, VO_ERR_NOMEM, "cannot make the engine's condition variable");
    }
    f->waiting_tail = &f->waiting;
    f->ready = true;
    return VO_OK;
}

void engine_flight_free(vo_engine *e)
{
    engine_flight *f = &e->flight;
    if (f->gen_ready)
        vo_generator_free(&f->gen);
    f->gen_ready = false;
    if (f->ready) {
        pthread_cond_destroy(&f->changed);
        pthread_mutex_destroy(&f->lock);
    }
    f->ready = false;
}

static int flight_batch(const vo_engine *e)
{
    int b = e->opts.batch;
    return b < 1 ? 1 : b > VO_ENGINE_BATCH_MAX ? VO_ENGINE_BATCH_MAX : b;
}

/* A page leaves the engine: its text flushed, its memory freed, its caller
 * woken. Called by the driver, without the lock. */
static void flight_retire(vo_engine *e, flight_page *fp, vo_status st)
{
    if (st == VO_OK)
        st = engine_page_finish(fp->ctx, &fp->prep, &fp->req, fp->page);
    fp->page->n_passes = fp->seq.n_passes + 1;
    if (fp->t_decode > 0)
        fp->page->decode_s = vo_monotonic_seconds() - fp->t_decode;
    vo_gen_seq_end(&e->flight.gen, &fp->seq);
    vo_drafter_free(fp->drafter);
    fp->drafter = NULL;
    vo_free(fp->req.out_ids);
    vo_free(fp->req.out_logprobs);
    fp->req.out_ids = NULL;
    fp->req.out_logprobs = NULL;
    engine_prep_free(e, &fp->prep);
    fp->st = st;
    pthread_mutex_lock(&e->flight.lock);
    fp->done = true;
    pthread_cond_broadcast(&e->flight.changed);
    pthread_mutex_unlock(&e->flight.lock);
}

/* A page failed in its vision tower or prefill: a deadline that passed
 * says so; the backend's error is the page's alone and is cleared. */
static void flight_page_failed(vo_engine *e, flight_page *fp, vo_status st)
{
    vo_engine_page *pg = fp->page;
    if (st == VO_ERR_LIMIT && pg->deadline > 0 && vo_monotonic_seconds() > pg->deadline) {
        pg->timed_out = true;
        vo_fail(fp->ctx, st, "the page's time ran out during its vision tower or prefill");
    }
    vo_backend_clear_error(e->be);
    flight_retire(e, fp, st);
}

/* A page's vision tower and projector, queued on the side stream (a backend
 * with one stream has run them when this returns): false when the page
 * failed there (it is retired), true when it waits for flight_prefill. */
static bool flight_vision(vo_engine *e, flight_page *fp)
{
    vo_engine_page *pg = fp->page;
    fp->t_vision = vo_monotonic_seconds();
    pg->wait_s = fp->t_vision - fp->t_queued;
    /* the page's own deadline while the backend works for it alone */
    vo_backend_set_deadline(e->be, pg->deadline);
    vo_status st = engine_check_cancel(fp->ctx, e, "before the vision tower");
    if (st == VO_OK) {
        vo_backend_set_stream(e->be, VO_STREAM_SIDE);
        st = engine_page_prepare(fp->ctx, e, pg->rgb, pg->w, pg->h, pg->stride, false,
                                 &fp->prep);
        vo_backend_set_stream(e->be, VO_STREAM_MAIN);
    }
    vo_backend_set_deadline(e->be, 0);
    pg->preprocess_s = fp->prep.preprocess_s;
    if (st == VO_OK)
        return true;
    flight_page_failed(e, fp, st);
    return false;
}

/* The rest of a page's admission once its vision tower has run (or, with
 * nothing running, waiting for it): prompt and prefill on the main stream.
 * It runs on, or is done already (an end token first, or a failure). */
static void flight_prefill(vo_engine *e, flight_page *fp)
{
    engine_flight *f = &e->flight;
    vo_engine_page *pg = fp->page;
    vo_backend_set_deadline(e->be, pg->deadline);
    vo_backend_set_stream(e->be, VO_STREAM_SIDE);
    vo_status st = vo_backend_sync(e->be, fp->ctx);
    vo_backend_set_stream(e->be, VO_STREAM_MAIN);
    /* with a side stream: until the driver saw it done, between decode steps */
    pg->vision_s = vo_monotonic_seconds() - fp->t_vision - pg->preprocess_s;
    if (st == VO_OK) {
        engine_page_request(fp->ctx, e, pg, &fp->prep, &fp->req);
        fp->seq = (vo_gen_seq){.req = &fp->req};
        if (e->draft && (fp->drafter = vo_drafter_new(&e->draft_ids))) {
            fp->seq.draft = vo_drafter_propose;
            fp->seq.draft_user = fp->drafter;
        }
        vo_gen_seq *one = &fp->seq;
        double t0 = vo_monotonic_seconds();
        st = vo_gen_start(fp->ctx, &f->gen, &one, 1);
        fp->t_decode = vo_monotonic_seconds();
        pg->prefill_s = fp->t_decode - t0;
    }
    vo_backend_set_deadline(e->be, 0);
    if (st == VO_OK && fp->seq.running)
        f->running[f->n_running++] = fp;
    else if (st == VO_OK)
        flight_retire(e, fp, st);
    else
        flight_page_failed(e, fp, st);
}

/* A decode step failed: every page in flight fails with its message. */
static void flight_fail_all(vo_engine *e, vo_ctx *ctx, vo_status st)
{
    engine_flight *f = &e->flight;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", vo_last_error(ctx));
    for (int i = 0; i < f->n_running; i++) {
        flight_page *fp = f->running[i];
        vo_fail(fp->ctx, st, "%s (a decode step of %d pages in flight failed)", msg,
                f->n_running);
        flight_retire(e, fp, st);
    }
    f->n_running = 0;
}

/* Run the engine for every page in flight until `mine` is done. */
static void flight_drive(vo_engine *e, flight_page *mine)
{
    engine_flight *f = &e->flight;
    vo_gen_seq *seqs[VO_GEN_STEP_MAX];
    for (;;) {
        /* the page on the side stream goes on to its prefill once its vision
         * tower has run; with no page running, it is waited for */
        if (f->side && (f->n_running == 0 || vo_backend_stream_done(e->be, VO_STREAM_SIDE))) {
            flight_page *fp = f->side;
            f->side = NULL;
            flight_prefill(e, fp);
        }
        /* room: waiting pages in their order, one at a time on the side
         * stream (a backend with one stream has run it on return) */
        while (!f->side && f->n_running < flight_batch(e)) {
            pthread_mutex_lock(&f->lock);
            flight_page *fp = f->waiting;
            if (fp && !(f->waiting = fp->next))
                f->waiting_tail = &f->waiting;
            pthread_mutex_unlock(&f->lock);
            if (!fp)
                break;
            if (!flight_vision(e, fp))
                continue;
            if (vo_backend_stream_done(e->be, VO_STREAM_SIDE))
                flight_prefill(e, fp);
            else
                f->side = fp;
        }
        if (mine->done) /* read by its own thread: set under the lock by this thread */
            return;
        if (f->n_running == 0)
            continue; /* mine is on the side stream: waited for above */
        for (int i = 0; i < f->n_running; i++)
            seqs[i] = &f->running[i]->seq;
        vo_status st = vo_gen_step(mine->ctx, &f->gen, seqs, f->n_running);
        vo_backend_clear_error(e->be);
        if (st) {
            flight_fail_all(e, mine->ctx, st);
            return;
        }
        int k = 0;
        for (int i = 0; i < f->n_running; i++) {
            flight_page *fp = f->running[i];
            if (fp->page->in_flight < f->n_running)
                fp->page->in_flight = f->n_running;
            if (fp->seq.running)
                f->running[k++] = fp;
            else
                flight_retire(e, fp, VO_OK);
        }
        f->n_running = k;
        if (mine->done)
            return;
    }
}

vo_status vo_engine_ocr_page(vo_ctx *ctx, vo_engine *e, vo_engine_page *page)
{
    engine_flight *f = &e->flight;
    flight_page fp;
    memset(&fp, 0, sizeof fp);
    fp.ctx = ctx;
    fp.page = page;
    fp.t_queued = vo_monotonic_seconds();
    page->pieces = NULL;
    page->n_pieces = 0;
    pthread_mutex_lock(&f->lock);
    if (!f->gen_ready) {
        vo_generator_init(&f->gen, e->be, &e->lm, e->cfg.image_token_index, e->stop, e->n_stop);
        f->gen_ready = true;
    }
    *f->waiting_tail = &fp;
    f->waiting_tail = &fp.next;
    while (!fp.done) {
        if (f->driving) {
            pthread_cond_wait(&f->changed, &f->lock);
            continue;
        }
        f->driving = true;
        pthread_mutex_unlock(&f->lock);
        flight_drive(e, &fp);
        pthread_mutex_lock(&f->lock);
        f->driving = false;
        pthread_cond_broadcast(&f->changed);
    }
    pthread_mutex_unlock(&f->lock);
    return fp.st;
}
