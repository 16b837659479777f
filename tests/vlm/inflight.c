/* inflight.c (test): pages in flight through one engine (vo_engine_ocr_page)
 * on tiny-varco. Pages of different lengths from several threads at once,
 * with fewer places in flight than pages (pages wait, are admitted when
 * another ends) and with room for all: each page's text, tokens and
 * log-probs equal, bit for bit, what vo_engine_ocr gives for it alone. A page
 * that fails alone fails alone, and so does a page past its deadline; the
 * engine stays usable. */
#include "src/util/alloc.h"
#include "src/util/clock.h"
#include "src/vlm/engine.h"
#include "tests/tap.h"
#include "tests/vlm/fixture.h"

#include <pthread.h>
#include <unistd.h>

#define N_PAGES 5
#define MAX_TOKENS 40

/* what one page gave: its text and each piece's log-prob; stops after
 * `limit` pieces (0: never), so pages end at different steps */
typedef struct {
    vo_buf text;
    float lp[MAX_TOKENS + 8];
    int n_lp;
    int limit;
    int gate;     /* wait for the other threads at the first piece */
} record;

/* The first page's first piece waits (on the thread that drives the engine)
 * until every thread has called, so that the others queue up behind it. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_called, gate_want;

static void gate_wait(void)
{
    pthread_mutex_lock(&gate_lock);
    while (gate_called < gate_want)
        pthread_cond_wait(&gate_cv, &gate_lock);
    pthread_mutex_unlock(&gate_lock);
    usleep(100 * 1000); /* from calling to being queued: a few instructions */
}

static int on_piece(const char *piece, size_t len, float logprob, void *user)
{
    (void)piece;
    (void)len;
    record *r = user;
    if (r->gate && r->n_lp == 0)
        gate_wait();
    if (r->n_lp < MAX_TOKENS + 8)
        r->lp[r->n_lp] = logprob;
    r->n_lp++;
    return r->limit > 0 && r->n_lp >= r->limit;
}

typedef struct {
    vo_engine *eng;
    vo_engine_page page;
    record rec;
    vo_status st;
    bool pieces_ok;   /* the page's pieces: one per callback call, their log-probs */
    char msg[512];
} job;

static void *run_page(void *arg)
{
    job *j = arg;
    vo_ctx *ctx = vo_new_ctx();
    j->page.out_text = &j->rec.text;
    j->page.cb = on_piece;
    j->page.user = &j->rec;
    pthread_mutex_lock(&gate_lock);
    gate_called++;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_lock);
    j->st = ctx ? vo_engine_ocr_page(ctx, j->eng, &j->page) : VO_ERR_NOMEM;
    j->pieces_ok = j->page.n_pieces == (size_t)j->rec.n_lp;
    for (size_t k = 0; j->pieces_ok && k < j->page.n_pieces && k < MAX_TOKENS + 8; k++)
        j->pieces_ok = j->page.pieces[k].logprob == j->rec.lp[k] &&
                       j->page.pieces[k].offset < j->rec.text.len;
    vo_free(j->page.pieces);
    j->page.pieces = NULL;
    snprintf(j->msg, sizeof j->msg, "%s", ctx ? vo_last_error(ctx) : "no context");
    vo_drop_ctx(ctx);
    return NULL;
}

static int same_record(const record *a, const record *b)
{
    return a->text.len == b->text.len && !memcmp(a->text.data, b->text.data, a->text.len) &&
           a->n_lp == b->n_lp && a->n_lp > 0 &&
           !memcmp(a->lp, b->lp, sizeof(float) * (size_t)(a->n_lp < MAX_TOKENS + 8 ? a->n_lp
                                                                            : MAX_TOKENS + 8));
}

int main(void)
{
    const char *d = fx_dir("tiny-varco");
    if (!d)
        skip_all("tests/data/fixtures/tiny-varco not found (set top_srcdir)");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", d);
    json_t *m = fx_manifest(dir);
    /* five pages: three images, two of them twice with another stop */
    static const char *cases[N_PAGES] = {"ocr_wide_150x90", "ocr_tall_72x180", "ocr_large_300x200",
                                         "ocr_wide_150x90", "ocr_tall_72x180"};
    static const int limits[N_PAGES] = {7, 0, 13, 0, 22};
    uint8_t *rgb[N_PAGES];
    int w[N_PAGES], h[N_PAGES];
    for (int i = 0; i < N_PAGES; i++) {
        rgb[i] = fx_case_image(dir, m, cases[i], &w[i], &h[i]);
    }
    vo_ctx *ctx = vo_new_ctx();

    /* each page alone, the reference */
    record alone[N_PAGES];
    vo_engine *eng = NULL;
    vo_engine_opts o = {2, MAX_TOKENS, 1, "cpu", VO_KV_F32, 1, 0, VO_WEIGHTS_AS_STORED, VO_MATMUL_EXACT};
    int good = vo_engine_open(ctx, dir, &o, &eng) == VO_OK;
    for (int i = 0; i < N_PAGES; i++) {
        alone[i] = (record){VO_BUF_INIT, {0}, 0, limits[i], 0};
        good = good && rgb[i] &&
               vo_engine_ocr(ctx, eng, rgb[i], w[i], h[i], w[i] * 3, on_piece, &alone[i],
                             &alone[i].text) == VO_OK;
    }
    vo_engine_close(eng);
    eng = NULL;
    ok(good && alone[0].n_lp == 7 && alone[2].n_lp == 13 && alone[1].n_lp > 13,
       "inflight 1.1: five pages alone, ending after %d, %d, %d, %d, %d pieces (%s)",
       alone[0].n_lp, alone[1].n_lp, alone[2].n_lp, alone[3].n_lp, alone[4].n_lp,
       good ? "ok" : vo_last_error(ctx));

    /* the same pages from five threads at once: 2 places (pages wait and are
     * admitted as others end), 12 places (all at once), 1 place (in turn) */
    static const int batches[] = {2, 12, 1};
    for (int b = 0; b < 3; b++) {
        o.batch = batches[b];
        int opened = vo_engine_open(ctx, dir, &o, &eng) == VO_OK;
        job jobs[N_PAGES];
        pthread_t th[N_PAGES];
        int started[N_PAGES] = {0};
        gate_called = 0;
        gate_want = N_PAGES;
        for (int i = 0; i < N_PAGES; i++) {
            memset(&jobs[i], 0, sizeof jobs[i]);
            jobs[i].eng = eng;
            jobs[i].page = (vo_engine_page){.rgb = rgb[i], .w = w[i], .h = h[i],
                                            .stride = w[i] * 3};
            jobs[i].rec = (record){VO_BUF_INIT, {0}, 0, limits[i], i == 0};
            started[i] = opened && pthread_create(&th[i], NULL, run_page, &jobs[i]) == 0;
        }
        int n_same = 0, n_ok = 0, most = 0;
        for (int i = 0; i < N_PAGES; i++) {
            if (started[i])
                pthread_join(th[i], NULL);
            n_ok += started[i] && jobs[i].st == VO_OK;
            n_same += started[i] && jobs[i].st == VO_OK && same_record(&jobs[i].rec, &alone[i]) &&
                      jobs[i].pieces_ok;
            most = jobs[i].page.in_flight > most ? jobs[i].page.in_flight : most;
            if (started[i] && jobs[i].st != VO_OK)
                diag("page %d: %s", i + 1, jobs[i].msg);
        }
        ok(opened && n_ok == N_PAGES, "inflight 2.%d: batch %d: five threads' pages all done (%d)",
           b + 1, batches[b], n_ok);
        ok(n_same == N_PAGES, "inflight 3.%d: batch %d: every page's text and log-probs equal "
           "its run alone, bit for bit, and its pieces are those its callback saw (%d of %d)", b + 1, batches[b], n_same, N_PAGES);
        ok(jobs[1].page.n_tokens == MAX_TOKENS && !jobs[1].page.hit_stop && jobs[1].page.cut &&
           !jobs[0].page.cut,
           "inflight 4.%d: batch %d: the page that ran out of tokens is cut, the one its "
           "callback stopped is not", b + 1, batches[b]);
        int want = batches[b] < N_PAGES ? batches[b] : N_PAGES;
        ok(most == want, "inflight 6.%d: batch %d: up to %d pages shared a decode step (%d)",
           b + 1, batches[b], want, most);
        for (int i = 0; i < N_PAGES; i++)
            vo_buf_free(&jobs[i].rec.text);
        if (b == 0 && opened) {
            /* a page that fails alone: an empty image beside a good one */
            job bad, fine;
            memset(&bad, 0, sizeof bad);
            memset(&fine, 0, sizeof fine);
            bad.eng = fine.eng = eng;
            bad.page = (vo_engine_page){.rgb = rgb[0]};
            fine.page = (vo_engine_page){.rgb = rgb[2], .w = w[2], .h = h[2],
                                         .stride = w[2] * 3};
            fine.rec = (record){VO_BUF_INIT, {0}, 0, limits[2], 0};
            gate_called = 0;
            gate_want = 0;
            pthread_t tb, tf;
            int sb = pthread_create(&tb, NULL, run_page, &bad) == 0;
            int sf = pthread_create(&tf, NULL, run_page, &fine) == 0;
            if (sb)
                pthread_join(tb, NULL);
            if (sf)
                pthread_join(tf, NULL);
            ok(sb && sf && bad.st != VO_OK && bad.msg[0] && fine.st == VO_OK &&
               same_record(&fine.rec, &alone[2]) && fine.pieces_ok && bad.page.n_pieces == 0,
               "inflight 5.1: a page that cannot be prepared fails alone (%s); the other is "
               "right", bad.msg);
            vo_buf_free(&bad.rec.text);
            vo_buf_free(&fine.rec.text);

            /* a page whose deadline passed before its vision tower: stopped
             * with VO_ERR_LIMIT, timed_out said, no text; the next page
             * (a deadline far ahead) gives its text as alone */
            job late, next;
            memset(&late, 0, sizeof late);
            memset(&next, 0, sizeof next);
            late.eng = next.eng = eng;
            late.page = (vo_engine_page){.rgb = rgb[2], .w = w[2], .h = h[2], .stride = w[2] * 3,
                                         .deadline = vo_monotonic_seconds() - 1};
            late.rec = (record){VO_BUF_INIT, {0}, 0, limits[2], 0};
            next.page = (vo_engine_page){.rgb = rgb[2], .w = w[2], .h = h[2], .stride = w[2] * 3,
                                         .deadline = vo_monotonic_seconds() + 3600};
            next.rec = (record){VO_BUF_INIT, {0}, 0, limits[2], 0};
            run_page(&late);
            run_page(&next);
            ok(late.st == VO_ERR_LIMIT && late.page.timed_out && late.page.n_tokens == 0 &&
               late.rec.text.len == 0 && next.st == VO_OK && !next.page.timed_out &&
               same_record(&next.rec, &alone[2]),
               "inflight 5.2: a page past its deadline stops before its vision tower is done "
               "(%s, timed out: %d), the next page is right", late.msg, late.page.timed_out);
            vo_buf_free(&late.rec.text);
            vo_buf_free(&next.rec.text);
        }
        vo_engine_close(eng);
        eng = NULL;
    }
    for (int i = 0; i < N_PAGES; i++) {
        vo_buf_free(&alone[i].text);
        free(rgb[i]);
    }
    json_decref(m);
    vo_drop_ctx(ctx);
    return done_testing();
}
