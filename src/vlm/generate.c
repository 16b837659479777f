/* generate.c: build the prompt embeddings, prefill the sequences in passes
 * of a bounded number of tokens, then greedy decode steps over the running
 * sequences (§10). */
#include "src/vlm/generate.h"
#include "src/util/alloc.h"

#include <string.h>

void vlm_embed_prompt(vo_backend *be, const qwen3_model *m, const int32_t *ids, int64_t n_ids,
                      int32_t image_id, const vo_tensor *features, vo_tensor *out)
{
    vo_tensor *t = vo_tensor_new(be, VO_I32, n_ids, 1, 1, 1, "prompt.ids");
    if (!t)
        return;
    vo_tensor_set(be, t, ids, sizeof(int32_t) * (size_t)n_ids);
    vo_get_rows(be, out, m->embed, t);
    vo_tensor_free(be, t);
    /* §7.3 image rows overwritten in order, one copy per run of image ids */
    int64_t used = 0;
    for (int64_t i = 0; i < n_ids;) {
        if (ids[i] != image_id) {
            i++;
            continue;
        }
        int64_t j = i;
        while (j < n_ids && ids[j] == image_id)
            j++;
        if (!features || used + (j - i) > features->ne[1])
            return vo_backend_error(be, VO_ERR_ARGUMENT, "prompt has more image tokens than the "
                                    "%lld image features", features ? (long long)features->ne[1] : 0LL);
        vo_tensor dst = vo_view(out, m->dim, j - i, 1, 1, 0, 0, 0, (size_t)i * out->nb[1]);
        vo_tensor src = vo_view(features, m->dim, j - i, 1, 1, features->nb[1], 0, 0,
                                (size_t)used * features->nb[1]);
        vo_copy(be, &dst, &src);
        used += j - i;
        i = j;
    }
    if (features && used != features->ne[1])
        vo_backend_error(be, VO_ERR_ARGUMENT, "prompt has %lld image tokens for %lld image features",
                         (long long)used, (long long)features->ne[1]);
}

static bool is_stop(int32_t id, const int32_t *stop, int n)
{
    for (int i = 0; i < n; i++)
        if (stop[i] == id)
            return true;
    return false;
}

void vo_generator_init(vo_generator *g, vo_backend *be, const qwen3_model *m, int32_t image_id,
                       const int32_t *stop_ids, int n_stop)
{
    memset(g, 0, sizeof *g);
    g->be = be;
    g->m = m;
    g->image_id = image_id;
    g->stop_ids = stop_ids;
    g->n_stop = n_stop;
    qwen3_kv_pool_init(&g->pool, m);
}

void vo_generator_free(vo_generator *g)
{
    vo_tensor_free(g->be, g->logits);
    vo_tensor_free(g->be, g->tok);
    g->logits = g->tok = NULL;
    g->cap = 0;
    qwen3_kv_pool_free(g->be, &g->pool);
}

/* room for n rows of logits and step ids (kept between steps) */
static vo_status gen_room(vo_ctx *ctx, vo_generator *g, int n)
{
    if (n <= g->cap)
        return VO_OK;
    vo_tensor_free(g->be, g->logits);
    vo_tensor_free(g->be, g->tok);
    g->logits = vo_tensor_new(g->be, VO_F32, g->m->vocab, n, 1, 1, "logits");
    g->tok = vo_tensor_new(g->be, VO_I32, n, 1, 1, 1, "step.ids");
    if (!g->logits || !g->tok) {
        vo_tensor_free(g->be, g->logits);
        vo_tensor_free(g->be, g->tok);
        g->logits = g->tok = NULL;
        g->cap = 0;
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory for the logits of %d sequences", n);
    }
    g->cap = n;
    return VO_OK;
}

/* the token picked for a sequence: kept, or the end of the sequence */
static void gen_accept(const vo_generator *g, vo_gen_seq *s, int32_t id, float lp)
{
    vo_gen_request *r = s->req;
    bool stop = r->n_out >= r->max_new;
    if (!stop && is_stop(id, g->stop_ids, g->n_stop)) {
        r->hit_stop = true;
        stop = true;
    }
    if (!stop) {
        r->out_ids[r->n_out] = id;
        r->out_logprobs[r->n_out++] = lp;
        if ((r->cb && r->cb(r->user, s->index, id, lp)) || r->n_out >= r->max_new)
            stop = true;
    }
    s->running = !stop;
    s->next = id;
}

/* the same for any n (vo_generate starts all its sequences at once) */
static vo_status gen_pick_wide(vo_ctx *ctx, vo_generator *g, vo_gen_seq **seqs, int n)
{
    int32_t *ids = vo_malloc(sizeof *ids * (size_t)n);
    float *lp = vo_malloc(sizeof *lp * (size_t)n);
    vo_status st = VO_OK;
    if (!ids || !lp) {
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory for %d sequences", n);
    } else {
        vo_tensor lv = vo_view(g->logits, g->m->vocab, n, 1, 1, 0, 0, 0, 0);
        vo_argmax_logprob(g->be, &lv, ids, lp);
        st = vo_backend_sync(g->be, ctx);
        for (int i = 0; i < n && st == VO_OK; i++)
            gen_accept(g, seqs[i], ids[i], lp[i]);
    }
    vo_free(ids);
    vo_free(lp);
    return st;
}

/* argmax over the first n rows of the logits into ids and lp */
static vo_status gen_argmax(vo_ctx *ctx, vo_generator *g, int n, int32_t *ids, float *lp)
{
    vo_tensor lv = vo_view(g->logits, g->m->vocab, n, 1, 1, 0, 0, 0, 0);
    vo_argmax_logprob(g->be, &lv, ids, lp);
    return vo_backend_sync(g->be, ctx);
}

/* argmax over the first n rows of the logits, then each sequence's token */
static vo_status gen_pick(vo_ctx *ctx, vo_generator *g, vo_gen_seq **seqs, int n)
{
    int32_t ids[VO_GEN_STEP_MAX];
    float lp[VO_GEN_STEP_MAX];
    if (n > VO_GEN_STEP_MAX)
        return gen_pick_wide(ctx, g, seqs, n);
    vo_status st = gen_argmax(ctx, g, n, ids, lp);
    for (int i = 0; i < n && st == VO_OK; i++) {
        const vo_gen_seq *s = seqs[i];
        if (s->force && s->req->n_out < s->n_force)
            ids[i] = s->force[s->req->n_out];
        gen_accept(g, seqs[i], ids[i], lp[i]);
    }
    return st;
}

/* The T prompt rows of x through the layers in passes of equal size, at
 * most m->prefill_rows each (QWEN3_PREFILL_ROWS if <= 0); the final-normed
 * last row of each sequence into its row of hidden (a sequence that goes on
 * into the next pass gets its row there again). A row's arithmetic does not
 * depend on its pass (tests/vlm/stages.c 11.x). */
static void gen_prefill(vo_backend *be, const qwen3_model *m, vo_gen_seq **seqs,
                        qwen3_seq **kvs, int64_t *n_new, int64_t T, vo_tensor *x,
                        vo_tensor *hidden)
{
    int64_t most = m->prefill_rows > 0 ? m->prefill_rows : QWEN3_PREFILL_ROWS;
    int64_t passes = (T + most - 1) / most, rows = (T + passes - 1) / passes;
    /* s: the sequence the pass starts in, done: its rows already in */
    int s = 0;
    int64_t done = 0;
    for (int64_t t0 = 0; t0 < T; t0 += rows) {
        int64_t len = T - t0 < rows ? T - t0 : rows, left = len;
        int first = s, k = 0;
        while (left > 0) {
            int64_t take = seqs[s]->req->n_ids - done;
            take = take < left ? take : left;
            n_new[k++] = take;
            left -= take;
            done += take;
            if (done == seqs[s]->req->n_ids) {
                s++;
                done = 0;
            }
        }
        vo_tensor xp = vo_view(x, m->dim, len, 1, 1, 0, 0, 0, (size_t)t0 * x->nb[1]);
        vo_tensor hp = vo_view(hidden, m->dim, k, 1, 1, 0, 0, 0, (size_t)first * hidden->nb[1]);
        qwen3_forward(be, m, kvs + first, n_new, k, &xp, &hp, NULL);
    }
}

vo_status vo_gen_start(vo_ctx *ctx, vo_generator *g, vo_gen_seq **seqs, int n)
{
    vo_backend *be = g->be;
    const qwen3_model *m = g->m;
    vo_status st = gen_room(ctx, g, n);
    if (st)
        return st;
    qwen3_seq **kvs = vo_calloc((size_t)n, sizeof *kvs);
    int64_t *n_new = vo_calloc((size_t)n, sizeof *n_new);
    vo_tensor *x = NULL, *hidden = NULL;
    if (!kvs || !n_new) {
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory for %d sequences", n);
        goto done;
    }
    int64_t T = 0;
    for (int s = 0; s < n; s++) {
        vo_gen_request *r = seqs[s]->req;
        seqs[s]->running = false;
        r->n_out = 0;
        r->hit_stop = false;
        r->out_ids = vo_malloc(sizeof(int32_t) * (size_t)(r->max_new > 0 ? r->max_new : 1));
        r->out_logprobs = vo_malloc(sizeof(float) * (size_t)(r->max_new > 0 ? r->max_new : 1));
        if (!r->out_ids || !r->out_logprobs) {
            st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory for %d output ids", r->max_new);
            goto done;
        }
        if (r->n_ids < 1) {
            st = vo_fail(ctx, VO_ERR_ARGUMENT, "sequence %d has an empty prompt", seqs[s]->index);
            goto done;
        }
        seqs[s]->kv = qwen3_seq_new(ctx, be, &g->pool, r->n_ids, r->n_ids + (r->max_new > 0 ? r->max_new : 0));
        if (!seqs[s]->kv) {
            st = vo_last_status(ctx);
            goto done;
        }
        kvs[s] = seqs[s]->kv;
        T += r->n_ids;
    }
    /* prefill: the prompts, one after the other, in passes of at most
     * prefill_rows tokens (the activations of a pass, not of a page) */
    x = vo_tensor_new(be, VO_F32, m->dim, T, 1, 1, "prompt.embeds");
    hidden = vo_tensor_new(be, VO_F32, m->dim, n, 1, 1, "hidden");
    for (int s = 0, t0 = 0; s < n && x; t0 += (int)seqs[s]->req->n_ids, s++) {
        const vo_gen_request *r = seqs[s]->req;
        vo_tensor xs = vo_view(x, m->dim, r->n_ids, 1, 1, 0, 0, 0, (size_t)t0 * x->nb[1]);
        vlm_embed_prompt(be, m, r->ids, r->n_ids, g->image_id, r->image_features, &xs);
    }
    if (x && hidden)
        gen_prefill(be, m, seqs, kvs, n_new, T, x, hidden);
    vo_tensor lv = vo_view(g->logits, m->vocab, n, 1, 1, 0, 0, 0, 0);
    if (hidden)
        vo_matmul(be, &lv, m->head, hidden, NULL);
    if ((st = vo_backend_sync(be, ctx)) != VO_OK)
        goto done;
    for (int s = 0; s < n; s++) {
        const vo_gen_request *r = seqs[s]->req;
        if (r->prefill_logits) {
            vo_tensor row = vo_view(g->logits, m->vocab, 1, 1, 1, 0, 0, 0,
                                    (size_t)s * g->logits->nb[1]);
            vo_tensor_get(be, &row, r->prefill_logits, sizeof(float) * (size_t)m->vocab);
        }
        if (r->prefill_hidden) {
            vo_tensor row = vo_view(hidden, m->dim, 1, 1, 1, 0, 0, 0, (size_t)s * hidden->nb[1]);
            vo_tensor_get(be, &row, r->prefill_hidden, sizeof(float) * (size_t)m->dim);
        }
    }
    vo_tensor_free(be, x);
    x = NULL;
    st = gen_pick(ctx, g, seqs, n);
done:
    vo_tensor_free(be, x);
    vo_tensor_free(be, hidden);
    vo_free(kvs);
    vo_free(n_new);
    return st;
}

/* Drafts of the sequences for this step: at most VO_GEN_DRAFT_ROWS rows in
 * all, never past a sequence's token budget. Returns the rows. */
static int gen_drafts(vo_gen_seq **seqs, int n, int64_t vocab, int32_t *draft, int *n_draft)
{
    int with = 0;
    for (int i = 0; i < n; i++)
        with += seqs[i]->draft != NULL;
    int each = with && n < VO_GEN_DRAFT_ROWS ? (VO_GEN_DRAFT_ROWS - n) / with : 0, rows = 0;
    each = each < VO_GEN_DRAFT_MAX ? each : VO_GEN_DRAFT_MAX;
    for (int i = 0; i < n; i++) {
        vo_gen_seq *s = seqs[i];
        const vo_gen_request *r = s->req;
        int max = each < r->max_new - r->n_out ? each : r->max_new - r->n_out;
        n_draft[i] = 0;
        if (s->draft && max > 0)
            n_draft[i] = s->draft(s->draft_user, r->out_ids, r->n_out, draft + rows + 1, max);
        n_draft[i] = n_draft[i] < 0 ? 0 : n_draft[i] > max ? max : n_draft[i];
        for (int k = 0; k < n_draft[i]; k++) /* a drafter knows no model: ids it cannot feed */
            if (draft[rows + 1 + k] < 0 || draft[rows + 1 + k] >= vocab) {
                n_draft[i] = k;
                break;
            }
        draft[rows] = s->next;
        rows += 1 + n_draft[i];
    }
    return rows;
}

vo_status vo_gen_step(vo_ctx *ctx, vo_generator *g, vo_gen_seq **seqs, int n)
{
    vo_backend *be = g->be;
    const qwen3_model *m = g->m;
    if (n < 1 || n > VO_GEN_STEP_MAX)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "a decode step takes 1 to %d sequences, not %d",
                       VO_GEN_STEP_MAX, n);
    vo_status st = gen_room(ctx, g, VO_GEN_STEP_MAX);
    if (st)
        return st;
    int32_t fed[VO_GEN_STEP_MAX], ids[VO_GEN_STEP_MAX];
    float lp[VO_GEN_STEP_MAX];
    int n_draft[VO_GEN_STEP_MAX];
    qwen3_seq *kvs[VO_GEN_STEP_MAX];
    int64_t n_new[VO_GEN_STEP_MAX], past[VO_GEN_STEP_MAX];
    int rows = gen_drafts(seqs, n, m->vocab, fed, n_draft);
    vo_tensor *x = vo_tensor_new(be, VO_F32, m->dim, rows, 1, 1, "step.embeds");
    if (!x)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory for a decode step");
    for (int i = 0; i < n; i++) {
        kvs[i] = seqs[i]->kv;
        n_new[i] = 1 + n_draft[i];
        past[i] = seqs[i]->kv->n_past;
    }
    vo_tensor tv = vo_view(g->tok, rows, 1, 1, 1, 0, 0, 0, 0);
    vo_tensor_set(be, &tv, fed, sizeof(int32_t) * (size_t)rows);
    vo_tensor lv = vo_view(g->logits, m->vocab, rows, 1, 1, 0, 0, 0, 0);
    vo_get_rows(be, x, m->embed, &tv);
    if (rows == n)
        qwen3_forward(be, m, kvs, n_new, n, x, NULL, &lv);
    else
        qwen3_forward_rows(be, m, kvs, n_new, n, x, &lv);
    vo_tensor_free(be, x);
    if ((st = gen_argmax(ctx, g, rows, ids, lp)) != VO_OK)
        return st;
    /* each sequence: its next token, then as long as the token picked is the
     * draft fed after it, the token picked from that draft's row */
    for (int i = 0, r0 = 0; i < n; r0 += 1 + n_draft[i], i++) {
        vo_gen_seq *s = seqs[i];
        int k = 0;
        for (int j = 0; s->force && j <= n_draft[i] && s->req->n_out + j < s->n_force; j++)
            ids[r0 + j] = s->force[s->req->n_out + j];
        gen_accept(g, s, ids[r0], lp[r0]);
        while (s->running && k < n_draft[i] && ids[r0 + k] == fed[r0 + 1 + k]) {
            k++;
            gen_accept(g, s, ids[r0 + k], lp[r0 + k]);
        }
        s->kv->n_past = past[i] + 1 + k; /* the rows of rejected drafts are written over */
        s->n_passes++;
        s->n_drafted += n_draft[i];
        s->n_accepted += k;
    }
    return VO_OK;
}

void vo_gen_seq_end(vo_generator *g, vo_gen_seq *s)
{
    qwen3_seq_free(g->be, s->kv);
    s->kv = NULL;
    s->running = false;
}

vo_status vo_generate(vo_ctx *ctx, vo_backend *be, const qwen3_model *m, int32_t image_id,
                      const int32_t *stop_ids, int n_stop, vo_gen_request *reqs, int n)
{
    vo_generator g;
    vo_generator_init(&g, be, m, image_id, stop_ids, n_stop);
    vo_gen_seq *all = vo_calloc((size_t)n, sizeof *all);
    vo_gen_seq **run = vo_calloc((size_t)n, sizeof *run);
    vo_status st = VO_OK;
    if (!all || !run) {
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory for %d sequences", n);
        goto done;
    }
    for (int s = 0; s < n; s++) {
        all[s].req = &reqs[s];
        all[s].index = s;
        run[s] = &all[s];
    }
    st = vo_gen_start(ctx, &g, run, n);
    for (;;) {
        int n_run = 0;
        for (int s = 0; s < n && st == VO_OK; s++)
            if (all[s].running)
                run[n_run++] = &all[s];
        if (st || n_run == 0)
            break;
        /* steps of at most VO_GEN_STEP_MAX sequences: tokens as each gets alone */
        for (int i = 0; i < n_run && st == VO_OK; i += VO_GEN_STEP_MAX)
            st = vo_gen_step(ctx, &g, run + i,
                             n_run - i < VO_GEN_STEP_MAX ? n_run - i : VO_GEN_STEP_MAX);
    }
done:
    for (int s = 0; all && s < n; s++)
        vo_gen_seq_end(&g, &all[s]);
    vo_generator_free(&g);
    vo_free(all);
    vo_free(run);
    if (st == VO_OK)
        st = vo_backend_sync(be, ctx);
    return st;
}
