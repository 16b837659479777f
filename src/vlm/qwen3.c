/* qwen3.c: Qwen3 decoder forward over a batch of sequences of different
 * lengths with KV caches, one op per line (MODEL.md §8). */
#include "src/vlm/qwen3.h"
#include "src/vlm/weights.h"
#include "src/util/alloc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define LM "model.language_model."

vo_status qwen3_load(vo_ctx *ctx, vo_backend *be, const vo_config *cfg, const vo_weights *w,
                     qwen3_model *m)
{
    memset(m, 0, sizeof *m);
    int D = m->dim = cfg->hidden_size, I = m->inter = cfg->intermediate_size;
    m->n_layers = cfg->num_hidden_layers;
    m->heads = cfg->num_attention_heads;
    m->kv_heads = cfg->num_key_value_heads;
    int hd = m->head_dim = cfg->head_dim;
    m->eps = (float)cfg->rms_norm_eps;
    m->theta = (float)cfg->rope_theta;
    if (m->heads < 1 || m->kv_heads < 1 || m->heads % m->kv_heads || hd < 2 || hd % 2)
        return vo_fail(ctx, VO_ERR_FORMAT, "text_config: %d heads, %d kv heads, head_dim %d are "
                       "not a valid attention layout", m->heads, m->kv_heads, hd);
    if (cfg->rope_scaling_type[0] && strcmp(cfg->rope_scaling_type, "default") != 0)
        return vo_fail(ctx, VO_ERR_UNSUPPORTED, "rope_scaling \"%s\" is not supported",
                       cfg->rope_scaling_type);
    const vo_tensor_view *ev = vo_weights_find_any(w, LM "embed_tokens.weight");
    if (!ev || ev->ndim != 2)
        return vo_fail(ctx, VO_ERR_FORMAT, "tensor " LM "embed_tokens.weight is missing");
    m->vocab = (int)ev->shape[0];      /* MODEL.md §1: rows of the table, not vocab_size */
    const vo_tensor_view *hv;
    vo_status st;
    if ((st = vlm_bind_view(ctx, be, ev, VLM_DIMS(m->vocab, D), &m->embed)) ||
        (st = vlm_bind(ctx, be, w, LM "norm.weight", VLM_DIMS(D), &m->norm)) ||
        (st = vo_weights_lm_head(ctx, w, cfg->tie_word_embeddings, &hv)) ||
        (st = vlm_bind_view(ctx, be, hv, VLM_DIMS(m->vocab, D), &m->head)))
        return st;
    m->layers = vo_calloc((size_t)m->n_layers, sizeof *m->layers);
    if (!m->layers)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory for the LM layers");
    int H = m->heads * hd, KV = m->kv_heads * hd;
    for (int l = 0; l < m->n_layers; l++) {
        qwen3_layer *L = &m->layers[l];
        char n[160];
#define BIND(field, suffix, ...) \
        snprintf(n, sizeof n, LM "layers.%d.%s", l, suffix); \
        if ((st = vlm_bind(ctx, be, w, n, VLM_DIMS(__VA_ARGS__), &L->field))) return st;
        BIND(in_norm, "input_layernorm.weight", D)
        BIND(q_w, "self_attn.q_proj.weight", H, D)
        BIND(k_w, "self_attn.k_proj.weight", KV, D)
        BIND(v_w, "self_attn.v_proj.weight", KV, D)
        BIND(o_w, "self_attn.o_proj.weight", D, H)
        BIND(post_norm, "post_attention_layernorm.weight", D)
        BIND(gate_w, "mlp.gate_proj.weight", I, D)
        BIND(up_w, "mlp.up_proj.weight", I, D)
        BIND(down_w, "mlp.down_proj.weight", D, I)
        if (cfg->qk_norm) {
            BIND(q_norm, "self_attn.q_norm.weight", hd)
            BIND(k_norm, "self_attn.k_norm.weight", hd)
        }
        if (cfg->attention_qkv_bias) {
            BIND(q_b, "self_attn.q_proj.bias", H)
            BIND(k_b, "self_attn.k_proj.bias", KV)
            BIND(v_b, "self_attn.v_proj.bias", KV)
        }
#undef BIND
    }
    return VO_OK;
}

vo_status qwen3_convert_weights(vo_ctx *ctx, vo_backend *be, const vo_weights *w,
                                qwen3_model *m, vo_type type, int threads)
{
    vo_status st = vlm_convert_matrix(ctx, be, w, &m->head, type, threads);
    for (int l = 0; l < m->n_layers && st == VO_OK; l++) {
        qwen3_layer *L = &m->layers[l];
        vo_tensor **mats[] = {&L->q_w, &L->k_w, &L->v_w, &L->o_w, &L->gate_w, &L->up_w,
                              &L->down_w};
        for (size_t i = 0; i < sizeof mats / sizeof mats[0] && st == VO_OK; i++)
            st = vlm_convert_matrix(ctx, be, w, mats[i], type, threads);
    }
    return st;
}

static void count_matrix(const vo_tensor *t, vo_type type, uint64_t *bytes, bool *all)
{
    if (t && t->type == type)
        *bytes += vo_nbytes(t);
    else if (t)
        *all = false;
}

uint64_t qwen3_matrix_bytes(const qwen3_model *m, vo_type type, bool *all)
{
    uint64_t bytes = 0;
    *all = true;
    count_matrix(m->head, type, &bytes, all);
    for (int l = 0; l < m->n_layers; l++) {
        const qwen3_layer *L = &m->layers[l];
        const vo_tensor *mats[] = {L->q_w, L->k_w, L->v_w, L->o_w, L->gate_w, L->up_w,
                                   L->down_w};
        for (size_t i = 0; i < sizeof mats / sizeof mats[0]; i++)
            count_matrix(mats[i], type, &bytes, all);
    }
    return bytes;
}

void qwen3_free(vo_backend *be, qwen3_model *m)
{
    vo_tensor_free(be, m->embed);
    vo_tensor_free(be, m->norm);
    vo_tensor_free(be, m->head);
    for (int l = 0; m->layers && l < m->n_layers; l++) {
        vo_tensor **t = (vo_tensor **)&m->layers[l];
        for (size_t i = 0; i < sizeof(qwen3_layer) / sizeof(vo_tensor *); i++)
            vo_tensor_free(be, t[i]);
    }
    vo_free(m->layers);
    memset(m, 0, sizeof *m);
}

void qwen3_kv_pool_init(qwen3_kv_pool *p, const qwen3_model *m)
{
    memset(p, 0, sizeof *p);
    p->n_layers = m->n_layers;
    p->head_dim = m->head_dim;
    p->kv_heads = m->kv_heads;
    p->type = m->kv_type;
    p->block_rows = m->kv_block > 0 ? m->kv_block : QWEN3_KV_BLOCK;
    int64_t step = m->kv_step > 0 ? m->kv_step : QWEN3_KV_STEP;
    p->step = (step + p->block_rows - 1) / p->block_rows;
}

void qwen3_kv_pool_free(vo_backend *be, qwen3_kv_pool *p)
{
    for (int l = 0; l < p->n_layers && p->k && p->v; l++) {
        vo_tensor_free(be, p->k[l]);
        vo_tensor_free(be, p->v[l]);
    }
    vo_free(p->k);
    vo_free(p->v);
    vo_free(p->free_ids);
    p->k = p->v = NULL;
    p->free_ids = NULL;
    p->n_blocks = p->n_free = 0;
}

void qwen3_kv_pool_reserve(vo_backend *be, qwen3_kv_pool *p, int64_t blocks)
{
    if (blocks <= p->n_free)
        return;
    int64_t br = p->block_rows;
    if (br < VO_ATTN_BLOCK_ALIGN || br % VO_ATTN_BLOCK_ALIGN || (br & (br - 1)))
        return vo_backend_error(be, VO_ERR_ARGUMENT, "qwen3: KV blocks of %lld tokens (a power "
                                "of two, a multiple of %d)", (long long)br, VO_ATTN_BLOCK_ALIGN);
    int64_t grow = blocks - p->n_free;
    grow = grow > p->n_blocks / 4 ? grow : p->n_blocks / 4;
    grow = grow > p->step ? grow : p->step;
    int64_t n = p->n_blocks + grow;
    if (n > INT32_MAX / br)
        return vo_backend_error(be, VO_ERR_LIMIT, "qwen3: a KV pool of %lld blocks of %lld "
                                "tokens", (long long)n, (long long)br);
    int32_t *ids = vo_realloc(p->free_ids, sizeof *ids * (size_t)n);
    if (ids)
        p->free_ids = ids;
    if (!p->k)
        p->k = vo_calloc((size_t)p->n_layers, sizeof *p->k);
    if (!p->v)
        p->v = vo_calloc((size_t)p->n_layers, sizeof *p->v);
    if (!ids || !p->k || !p->v)
        return vo_backend_error(be, VO_ERR_NOMEM, "qwen3: out of memory for a KV pool of %lld "
                                "blocks", (long long)n);
    /* layer by layer: a new tensor, the blocks so far copied over on the
     * device (never through the host), the old one freed; n_blocks changes
     * only when every layer has grown */
    for (int l = 0; l < p->n_layers; l++)
        for (int kv = 0; kv < 2; kv++) {
            vo_tensor **slot = kv ? &p->v[l] : &p->k[l];
            vo_tensor *t = vo_tensor_new(be, p->type, p->head_dim, p->kv_heads, n * br, 1,
                                         kv ? "kv_cache.v" : "kv_cache.k");
            if (!t)
                return;
            if (*slot)
                vo_tensor_copy_bytes(be, t, *slot, (size_t)(p->n_blocks * br) * t->nb[2]);
            vo_tensor_free(be, *slot);
            *slot = t;
        }
    for (int64_t b = n - 1; b >= p->n_blocks; b--)   /* the lowest id on top */
        p->free_ids[p->n_free++] = (int32_t)b;
    p->n_blocks = n;
}

qwen3_seq *qwen3_seq_new(vo_ctx *ctx, vo_backend *be, qwen3_kv_pool *p, int64_t first,
                         int64_t max)
{
    qwen3_seq *s = vo_calloc(1, sizeof *s);
    if (!s) {
        vo_fail(ctx, VO_ERR_NOMEM, "out of memory for a sequence");
        return NULL;
    }
    s->pool = p;
    s->max = max > 1 ? max : 1;
    int64_t most = (s->max + p->block_rows - 1) / p->block_rows;
    if (most <= INT32_MAX / 4)
        s->blocks = vo_malloc(sizeof *s->blocks * (size_t)most);
    s->table = s->blocks ? vo_tensor_new(be, VO_I32, most, 1, 1, 1, "kv_cache.blocks") : NULL;
    if (!s->table) {
        qwen3_seq_free(be, s);
        vo_fail(ctx, VO_ERR_NOMEM, "out of memory for the block table of %lld tokens",
                (long long)max);
        return NULL;
    }
    int64_t want = first < s->max ? first : s->max;
    qwen3_seq_reserve(be, s, want);
    if (s->cap < want) {
        vo_backend_sync(be, ctx);
        vo_backend_clear_error(be);
        qwen3_seq_free(be, s);
        vo_fail_where(ctx, "KV cache of %lld tokens: ", (long long)first);
        return NULL;
    }
    return s;
}

void qwen3_seq_reserve(vo_backend *be, qwen3_seq *s, int64_t need)
{
    if (need <= s->cap)
        return;
    if (need > s->max)
        return vo_backend_error(be, VO_ERR_LIMIT, "qwen3: a sequence needs %lld positions, its "
                                "cache holds at most %lld", (long long)need, (long long)s->max);
    qwen3_kv_pool *p = s->pool;
    int64_t more = (need - s->cap + p->block_rows - 1) / p->block_rows, b0 = s->n_blocks;
    qwen3_kv_pool_reserve(be, p, more);
    if (p->n_free < more)
        return;
    for (int64_t b = 0; b < more; b++)
        s->blocks[s->n_blocks++] = p->free_ids[--p->n_free];
    s->cap = s->n_blocks * p->block_rows;
    /* the new entries to the backend's copy (a decode step writes one only
     * when it crosses into a new block) */
    vo_tensor tail = vo_view(s->table, more, 1, 1, 1, 0, 0, 0, sizeof(int32_t) * (size_t)b0);
    vo_tensor_set(be, &tail, s->blocks + b0, sizeof(int32_t) * (size_t)more);
}

void qwen3_seq_free(vo_backend *be, qwen3_seq *s)
{
    if (!s)
        return;
    for (int64_t b = s->n_blocks - 1; b >= 0; b--)   /* its first block on top */
        s->pool->free_ids[s->pool->n_free++] = s->blocks[b];
    vo_tensor_free(be, s->table);
    vo_free(s->blocks);
    vo_free(s);
}

/* The decoder layers over the new tokens of every sequence: x [D, T] in,
 * the last layer's output out (x overwritten); the caches grow by n_new[s]
 * and n_past moves on. */
static void qwen3_layers(vo_backend *be, const qwen3_model *m, qwen3_seq **seqs,
                         const int64_t *n_new, int n_seqs, vo_tensor *x)
{
    int64_t T = 0, D = m->dim, hd = m->head_dim, H = m->heads, KV = m->kv_heads;
    if (n_seqs < 1)
        return;
    for (int s = 0; s < n_seqs; s++) {
        qwen3_seq_reserve(be, seqs[s], seqs[s]->n_past + n_new[s]);   /* §8.5 room */
        T += n_new[s];
    }
    vo_tensor *h = vo_tensor_new(be, VO_F32, D, T, 1, 1, "qwen3.h");
    vo_tensor *q = vo_tensor_new(be, VO_F32, hd, H, T, 1, "qwen3.q");
    vo_tensor *k = vo_tensor_new(be, VO_F32, hd, KV, T, 1, "qwen3.k");
    vo_tensor *v = vo_tensor_new(be, VO_F32, hd, KV, T, 1, "qwen3.v");
    vo_tensor *a = vo_tensor_new(be, VO_F32, hd, H, T, 1, "qwen3.attn");
    vo_tensor *g = vo_tensor_new(be, VO_F32, m->inter, T, 1, 1, "qwen3.gate");
    vo_tensor *u = vo_tensor_new(be, VO_F32, m->inter, T, 1, 1, "qwen3.up");
    vo_tensor *pos = vo_tensor_new(be, VO_I32, T, 1, 1, 1, "qwen3.pos");
    int32_t *p = vo_malloc(sizeof(int32_t) * (size_t)T);
    vo_attn_seq *as = vo_calloc((size_t)n_seqs, sizeof *as);
    vo_tensor *tv = vo_calloc((size_t)n_seqs, sizeof *tv);
    if (!h || !q || !k || !v || !a || !g || !u || !pos || !p || !as || !tv) {
        vo_backend_error(be, VO_ERR_NOMEM, "qwen3: out of memory for %lld tokens", (long long)T);
        goto done;
    }
    const qwen3_kv_pool *P = seqs[0]->pool;
    int64_t br = P->block_rows;
    for (int s = 0; s < n_seqs; s++) {
        if (seqs[s]->cap < seqs[s]->n_past + n_new[s])
            goto done;      /* no room: the error sticks (qwen3_seq_reserve) */
        if (seqs[s]->pool != P) {
            vo_backend_error(be, VO_ERR_ARGUMENT, "qwen3: the sequences of a forward must "
                             "share one KV pool");
            goto done;
        }
        tv[s] = vo_view(seqs[s]->table, seqs[s]->n_blocks, 1, 1, 1, 0, 0, 0, 0);
    }
    /* §7.3 positions continue each sequence: n_past … n_past + n_new − 1 */
    for (int s = 0, t = 0; s < n_seqs; s++)
        for (int64_t i = 0; i < n_new[s]; i++)
            p[t++] = (int32_t)(seqs[s]->n_past + i);
    vo_tensor_set(be, pos, p, sizeof(int32_t) * (size_t)T);
    vo_tensor q2 = vo_view(q, H * hd, T, 1, 1, 0, 0, 0, 0);
    vo_tensor k2 = vo_view(k, KV * hd, T, 1, 1, 0, 0, 0, 0);
    vo_tensor v2 = vo_view(v, KV * hd, T, 1, 1, 0, 0, 0, 0);
    vo_tensor a2 = vo_view(a, H * hd, T, 1, 1, 0, 0, 0, 0);
    for (int l = 0; l < m->n_layers; l++) {
        const qwen3_layer *L = &m->layers[l];
        vo_rms_norm(be, h, x, L->in_norm, m->eps);                  /* §8.1 */
        vo_matmul(be, &q2, L->q_w, h, L->q_b);                      /* §8.2 */
        vo_matmul(be, &k2, L->k_w, h, L->k_b);
        vo_matmul(be, &v2, L->v_w, h, L->v_b);
        if (L->q_norm) {    /* §8.3 per head, then §8.4 rotate-half: one op */
            vo_rms_norm_rope(be, q, q, L->q_norm, m->eps, pos, m->theta);
            vo_rms_norm_rope(be, k, k, L->k_norm, m->eps, pos, m->theta);
        } else {
            vo_rope(be, q, q, pos, m->theta);                       /* §8.4 rotate-half */
            vo_rope(be, k, k, pos, m->theta);
        }
        const vo_tensor *Kl = P->k[l], *Vl = P->v[l];
        for (int s = 0, t0 = 0; s < n_seqs; t0 += (int)n_new[s], s++) {  /* §8.5 cache */
            const qwen3_seq *S = seqs[s];
            /* the new rows into the sequence's blocks, a run per block */
            for (int64_t i = 0, run; i < n_new[s]; i += run) {
                int64_t j = S->n_past + i, in = j % br;
                run = br - in < n_new[s] - i ? br - in : n_new[s] - i;
                size_t at = (size_t)(S->blocks[j / br] * br + in) * Kl->nb[2];
                size_t from = (size_t)(t0 + i) * k->nb[2];
                vo_tensor kd = vo_view(Kl, hd, KV, run, 1, 0, 0, 0, at);
                vo_tensor vd = vo_view(Vl, hd, KV, run, 1, 0, 0, 0, at);
                vo_tensor ks = vo_view(k, hd, KV, run, 1, 0, 0, 0, from);
                vo_tensor vs = vo_view(v, hd, KV, run, 1, 0, 0, 0, from);
                vo_copy(be, &kd, &ks);
                vo_copy(be, &vd, &vs);
            }
            as[s] = (vo_attn_seq){.q_start = t0, .n_q = n_new[s], .k = Kl, .v = Vl,
                                  .n_kv = S->n_past + n_new[s], .blocks = &tv[s],
                                  .block_rows = br};
        }
        vo_attention(be, a, q, as, n_seqs, 1.0f / sqrtf((float)hd), true);  /* §8.6 GQA */
        vo_matmul_add(be, x, L->o_w, &a2, NULL, h);                 /* §8.7 */
        vo_rms_norm(be, h, x, L->post_norm, m->eps);                /* §8.8 SwiGLU */
        vo_matmul(be, g, L->gate_w, h, NULL);
        vo_matmul(be, u, L->up_w, h, NULL);
        vo_silu_mul(be, g, g, u);
        vo_matmul_add(be, x, L->down_w, g, NULL, h);
    }
    for (int s = 0; s < n_seqs; s++)
        seqs[s]->n_past += n_new[s];
done:
    vo_free(p);
    vo_free(as);
    vo_free(tv);
    vo_tensor_free(be, h); vo_tensor_free(be, q); vo_tensor_free(be, k);
    vo_tensor_free(be, v); vo_tensor_free(be, a); vo_tensor_free(be, g);
    vo_tensor_free(be, u); vo_tensor_free(be, pos);
}

void qwen3_forward(vo_backend *be, const qwen3_model *m, qwen3_seq **seqs,
                   const int64_t *n_new, int n_seqs, vo_tensor *x, vo_tensor *hidden,
                   vo_tensor *logits)
{
    int64_t D = m->dim;
    qwen3_layers(be, m, seqs, n_new, n_seqs, x);
    vo_tensor *hl = vo_tensor_new(be, VO_F32, D, n_seqs, 1, 1, "qwen3.last");
    if (!hl)
        return vo_backend_error(be, VO_ERR_NOMEM, "qwen3: out of memory for %d sequences",
                                n_seqs);
    /* last new token of each sequence → final norm → head */
    for (int s = 0, t0 = 0; s < n_seqs; t0 += (int)n_new[s], s++) {
        vo_tensor src = vo_view(x, D, 1, 1, 1, 0, 0, 0, (size_t)(t0 + n_new[s] - 1) * x->nb[1]);
        vo_tensor dst = vo_view(hl, D, 1, 1, 1, 0, 0, 0, (size_t)s * hl->nb[1]);
        vo_copy(be, &dst, &src);
    }
    vo_rms_norm(be, hl, hl, m->norm, m->eps);
    if (hidden)
        vo_copy(be, hidden, hl);
    if (logits)
        vo_matmul(be, logits, m->head, hl, NULL);
    vo_tensor_free(be, hl);
}

void qwen3_forward_rows(vo_backend *be, const qwen3_model *m, qwen3_seq **seqs,
                        const int64_t *n_new, int n_seqs, vo_tensor *x, vo_tensor *logits)
{
    qwen3_layers(be, m, seqs, n_new, n_seqs, x);
    vo_rms_norm(be, x, x, m->norm, m->eps);      /* every new token → final norm → head */
    vo_matmul(be, logits, m->head, x, NULL);
}
