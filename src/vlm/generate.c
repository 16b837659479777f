/* generate.c: build the prompt embeddings, prefill every sequence in one
 * forward, then greedy decode steps over the running sequences (§10). */
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

vo_status vo_generate(vo_ctx *ctx, vo_backend *be, const qwen3_model *m, int32_t image_id,
                      const int32_t *stop_ids, int n_stop, vo_gen_request *reqs, int n)
{
    vo_status st = VO_OK;
    qwen3_seq **seqs = vo_calloc((size_t)n, sizeof *seqs);
    int64_t *n_new = vo_calloc((size_t)n, sizeof *n_new);
    int *run = vo_calloc((size_t)n, sizeof *run);
    int32_t *ids = vo_calloc((size_t)n, sizeof *ids), *last = vo_calloc((size_t)n, sizeof *last);
    float *lp = vo_calloc((size_t)n, sizeof *lp);
    vo_tensor *x = NULL, *logits = NULL, *hidden = NULL, *tok = NULL;
    if (!seqs || !n_new || !run || !ids || !last || !lp) {
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory for %d sequences", n);
        goto done;
    }
    int64_t T = 0;
    for (int s = 0; s < n; s++) {
        vo_gen_request *r = &reqs[s];
        r->n_out = 0;
        r->hit_stop = false;
        r->out_ids = vo_malloc(sizeof(int32_t) * (size_t)(r->max_new > 0 ? r->max_new : 1));
        r->out_logprobs = vo_malloc(sizeof(float) * (size_t)(r->max_new > 0 ? r->max_new : 1));
        if (!r->out_ids || !r->out_logprobs) {
            st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory for %d output ids", r->max_new);
            goto done;
        }
        if (r->n_ids < 1) {
            st = vo_fail(ctx, VO_ERR_ARGUMENT, "sequence %d has an empty prompt", s);
            goto done;
        }
        seqs[s] = qwen3_seq_new(ctx, be, m, r->n_ids, r->n_ids + (r->max_new > 0 ? r->max_new : 0));
        if (!seqs[s]) {
            st = vo_last_status(ctx);
            goto done;
        }
        n_new[s] = r->n_ids;
        T += r->n_ids;
    }
    /* prefill: all prompts in one forward */
    x = vo_tensor_new(be, VO_F32, m->dim, T, 1, 1, "prompt.embeds");
    logits = vo_tensor_new(be, VO_F32, m->vocab, n, 1, 1, "logits");
    hidden = vo_tensor_new(be, VO_F32, m->dim, n, 1, 1, "hidden");
    tok = vo_tensor_new(be, VO_I32, n, 1, 1, 1, "step.ids");
    for (int s = 0, t0 = 0; s < n && x; t0 += (int)reqs[s].n_ids, s++) {
        vo_tensor xs = vo_view(x, m->dim, reqs[s].n_ids, 1, 1, 0, 0, 0, (size_t)t0 * x->nb[1]);
        vlm_embed_prompt(be, m, reqs[s].ids, reqs[s].n_ids, image_id, reqs[s].image_features, &xs);
    }
    if (x)
        qwen3_forward(be, m, seqs, n_new, n, x, hidden, logits);
    if ((st = vo_backend_sync(be, ctx)) != VO_OK)
        goto done;
    for (int s = 0; s < n; s++) {
        if (reqs[s].prefill_logits) {
            vo_tensor row = vo_view(logits, m->vocab, 1, 1, 1, 0, 0, 0, (size_t)s * logits->nb[1]);
            vo_tensor_get(be, &row, reqs[s].prefill_logits, sizeof(float) * (size_t)m->vocab);
        }
        if (reqs[s].prefill_hidden) {
            vo_tensor row = vo_view(hidden, m->dim, 1, 1, 1, 0, 0, 0, (size_t)s * hidden->nb[1]);
            vo_tensor_get(be, &row, reqs[s].prefill_hidden, sizeof(float) * (size_t)m->dim);
        }
    }
    vo_tensor_free(be, x);
    x = NULL;
    int n_run = n;
    vo_tensor lv = vo_view(logits, m->vocab, n, 1, 1, 0, 0, 0, 0);
    for (int s = 0; s < n; s++)
        run[s] = s;
    for (;;) {
        /* pick the next token of every running sequence (rows of lv in run order) */
        vo_argmax_logprob(be, &lv, ids, lp);
        if ((st = vo_backend_sync(be, ctx)) != VO_OK)
            goto done;
        int k = 0;
        for (int i = 0; i < n_run; i++) {
            int s = run[i];
            vo_gen_request *r = &reqs[s];
            bool stop = r->n_out >= r->max_new;
            if (!stop && is_stop(ids[i], stop_ids, n_stop)) {
                r->hit_stop = true;
                stop = true;
            }
            if (!stop) {
                r->out_ids[r->n_out] = ids[i];
                r->out_logprobs[r->n_out++] = lp[i];
                if ((r->cb && r->cb(r->user, s, ids[i], lp[i])) || r->n_out >= r->max_new)
                    stop = true;
            }
            if (!stop) {
                run[k] = s;
                last[k++] = ids[i];
            }
        }
        n_run = k;
        if (n_run == 0)
            break;
        /* one decode step over the running sequences */
        qwen3_seq **step = vo_malloc(sizeof *step * (size_t)n_run);
        if (!step) {
            st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory for a decode step");
            goto done;
        }
        for (int i = 0; i < n_run; i++) {
            step[i] = seqs[run[i]];
            n_new[i] = 1;
        }
        vo_tensor tv = vo_view(tok, n_run, 1, 1, 1, 0, 0, 0, 0);
        vo_tensor_set(be, &tv, last, sizeof(int32_t) * (size_t)n_run);
        x = vo_tensor_new(be, VO_F32, m->dim, n_run, 1, 1, "step.embeds");
        lv = vo_view(logits, m->vocab, n_run, 1, 1, 0, 0, 0, 0);
        if (x) {
            vo_get_rows(be, x, m->embed, &tv);
            qwen3_forward(be, m, step, n_new, n_run, x, NULL, &lv);
        }
        vo_free(step);
        vo_tensor_free(be, x);
        x = NULL;
    }
done:
    for (int s = 0; seqs && s < n; s++)
        qwen3_seq_free(be, seqs[s]);
    vo_tensor_free(be, x);
    vo_tensor_free(be, logits);
    vo_tensor_free(be, hidden);
    vo_tensor_free(be, tok);
    vo_free(seqs); vo_free(n_new); vo_free(run); vo_free(ids); vo_free(last); vo_free(lp);
    if (st == VO_OK)
        st = vo_backend_sync(be, ctx);
    return st;
}
