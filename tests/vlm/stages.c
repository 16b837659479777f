/* stages.c (test): each network stage fed the golden input of the stage
 * before (vision tower, projector, packing, LM logits, greedy ids) against
 * the manifest tolerances, for every fixture present; a batch of three
 * prompts decoded together equals each decoded alone; KV caches that grow
 * in steps decode the same as one reserved at once, and a bf16 cache. */
#include "src/backend/cpu/cpu.h"
#include "src/model/config.h"
#include "src/model/image_geom.h"
#include "src/model/safetensors.h"
#include "src/util/alloc.h"
#include "src/vlm/generate.h"
#include "src/vlm/pack.h"
#include "src/vlm/preprocess.h"
#include "src/vlm/projector.h"
#include "src/vlm/qwen3.h"
#include "src/vlm/siglip.h"
#include "tests/tap.h"
#include "tests/vlm/fixture.h"

static vo_ctx *ctx;
static vo_backend *be;

typedef struct {
    char dir[4096];
    vo_config cfg;
    vo_weights *w;
    siglip_model vis;
    projector_model proj;
    qwen3_model lm;
} fx_model;

static int model_open(fx_model *fm, const char *name, const char *weights_from)
{
    const char *d = fx_dir(name);
    if (!d)
        return 0;
    snprintf(fm->dir, sizeof fm->dir, "%s", d);
    char wdir[4200];
    snprintf(wdir, sizeof wdir, "%s/../%s", fm->dir, weights_from);
    if (vo_load_config(ctx, fm->dir, &fm->cfg) || vo_open_weights(ctx, wdir, &fm->w) ||
        siglip_load(ctx, be, &fm->cfg, fm->w, &fm->vis) ||
        projector_load(ctx, be, &fm->cfg, fm->w, &fm->proj) ||
        qwen3_load(ctx, be, &fm->cfg, fm->w, &fm->lm)) {
        ok(0, "stages: %s loads (%s)", name, vo_last_error(ctx));
        return 0;
    }
    return 1;
}

static void model_close(fx_model *fm)
{
    siglip_free(be, &fm->vis);
    projector_free(be, &fm->proj);
    qwen3_free(be, &fm->lm);
    vo_drop_weights(fm->w);
}

static vo_tensor *tensor_from(const float *data, int64_t a, int64_t b, int64_t c, int64_t d,
                              const char *name)
{
    vo_tensor *t = vo_tensor_new(be, VO_F32, a, b, c, d, name);
    if (t && data)
        vo_tensor_set(be, t, data, sizeof(float) * (size_t)(a * b * c * d));
    return t;
}

static float *tensor_read(vo_tensor *t)
{
    size_t n = (size_t)vo_nelements(t);
    float *f = malloc(sizeof(float) * n);
    vo_tensor_get(be, t, f, sizeof(float) * n);
    return f;
}

/* compare a computed tensor with golden key; prints "part: what (max err)" */
static void check_key(fx_model *fm, json_t *cas, const char *cname, const char *key,
                      const float *got, size_t n, const char *label)
{
    size_t bytes = 0;
    float *gold = fx_read_key(fm->dir, cas, cname, key, &bytes);
    double atol, rtol, e = INFINITY;
    fx_tol(cas, key, &atol, &rtol);
    int good = gold && bytes == n * 4 && fx_close(got, gold, n, atol, rtol, &e);
    ok(good, "%s (max abs err %.3g, atol %g)", label, e, atol);
    free(gold);
}

static int image_count(json_t *cas)
{
    json_t *f = json_object_get(json_object_get(cas, "facts"), "images");
    return f ? (int)json_array_size(f) : 1;
}

static void run_fixture(const char *name, const char *weights_from, int part)
{
    fx_model fm;
    memset(&fm, 0, sizeof fm);
    if (!model_open(&fm, name, weights_from)) {
        diag("fixture %s absent or not loadable: skipped", name);
        return;
    }
    json_t *m = fx_manifest(fm.dir);
    const char *cname;
    json_t *cas;
    int k = 0;
    int D = fm.cfg.hidden_size, Dv = fm.cfg.vision_hidden_size, P = fm.cfg.patches_per_tile;
    int S = fm.cfg.vision_image_size, C = fm.cfg.vision_num_channels;
    json_object_foreach(json_object_get(m, "cases"), cname, cas) {
        k++;
        char label[512];
        json_t *files = json_object_get(cas, "files");
        size_t npv = 0;
        float *pv = fx_read_key(fm.dir, cas, cname, "pixel_values", &npv);
        /* vision tower on golden pixel_values → vision_selected_all */
        if (pv) {
            int64_t nt = (int64_t)(npv / (sizeof(float) * (size_t)(C * S * S)));
            vo_tensor *px = tensor_from(pv, S, S, C, nt, "pixels");
            vo_tensor *vs = tensor_from(NULL, Dv, P, nt, 1, "vision");
            siglip_forward(be, &fm.vis, px, vs);
            float *got = vo_backend_sync(be, ctx) == VO_OK ? tensor_read(vs) : NULL;
            snprintf(label, sizeof label, "stages %d.%d.1: %s/%s vision tower on golden pixels",
                     part, k, name, cname);
            if (got)
                check_key(&fm, cas, cname, "vision_selected_all", got, (size_t)(Dv * P * nt), label);
            else
                ok(0, "%s: %s", label, vo_last_error(ctx));
            free(got);
            vo_tensor_free(be, px);
            vo_tensor_free(be, vs);
        } else if (json_object_get(files, "pixel_values_tile0")) {
            /* geom-varco: tiles 0 and last are stored */
            static const char *in[2] = {"pixel_values_tile0", "pixel_values_tile_last"};
            static const char *outk[2] = {"vision_selected_tile0", "vision_selected_tile_last"};
            for (int t = 0; t < 2; t++) {
                float *tp = fx_read_key(fm.dir, cas, cname, in[t], NULL);
                vo_tensor *px = tensor_from(tp, S, S, C, 1, "pixels");
                vo_tensor *vs = tensor_from(NULL, Dv, P, 1, 1, "vision");
                siglip_forward(be, &fm.vis, px, vs);
                float *got = vo_backend_sync(be, ctx) == VO_OK ? tensor_read(vs) : NULL;
                snprintf(label, sizeof label, "stages %d.%d.1%c: %s/%s vision tower on %s", part,
                         k, 'a' + t, name, cname, in[t]);
                if (got)
                    check_key(&fm, cas, cname, outk[t], got, (size_t)(Dv * P), label);
                else
                    ok(0, "%s", label);
                free(got);
                free(tp);
                vo_tensor_free(be, px);
                vo_tensor_free(be, vs);
            }
        }
        free(pv);
        /* projector on golden vision_selected_all → projector_out */
        size_t nvs = 0;
        float *vsel = fx_read_key(fm.dir, cas, cname, "vision_selected_all", &nvs);
        if (vsel) {
            int64_t rows = (int64_t)(nvs / (sizeof(float) * (size_t)Dv));
            vo_tensor *in = tensor_from(vsel, Dv, rows, 1, 1, "vsel");
            vo_tensor *out = tensor_from(NULL, D, rows, 1, 1, "proj");
            projector_forward(be, &fm.proj, in, out);
            float *got = vo_backend_sync(be, ctx) == VO_OK ? tensor_read(out) : NULL;
            snprintf(label, sizeof label, "stages %d.%d.2: %s/%s projector on golden features",
                     part, k, name, cname);
            if (got)
                check_key(&fm, cas, cname, "projector_out", got, (size_t)(D * rows), label);
            else
                ok(0, "%s", label);
            free(got);
            free(vsel);
            vo_tensor_free(be, in);
            vo_tensor_free(be, out);
        }
        /* packing on golden projector_out → packed_image_features */
        size_t npo = 0;
        float *po = fx_read_key(fm.dir, cas, cname, "projector_out", &npo);
        json_t *facts = json_object_get(cas, "facts");
        if (po) {
            int64_t nt = (int64_t)(npo / (sizeof(float) * (size_t)(D * P)));
            vo_tensor *feats = tensor_from(po, D, P, nt, 1, "proj");
            size_t npk = 0;
            float *gold = fx_read_key(fm.dir, cas, cname, "packed_image_features", &npk);
            int64_t N = (int64_t)(npk / (sizeof(float) * (size_t)D));
            vo_tensor *out = tensor_from(NULL, D, N > 0 ? N : 1, 1, 1, "packed");
            int nimg = image_count(cas);
            json_t *imgs = json_object_get(facts, "images");
            const char *mode = json_string_value(json_object_get(facts, "mode"));
            int64_t tile = 0, tok = 0;
            for (int i = 0; i < nimg; i++) {
                json_t *f = imgs ? json_array_get(imgs, (size_t)i) : facts;
                json_t *hw = json_object_get(f, "image_size_hw");
                int h = (int)json_integer_value(json_array_get(hw, 0));
                int w = (int)json_integer_value(json_array_get(hw, 1));
                if (mode && !strcmp(mode, "nested")) {
                    vo_tensor fv = vo_view(feats, D, P, 1, 1, 0, 0, 0, (size_t)tile * feats->nb[2]);
                    vo_tensor ov = vo_view(out, D, P + 1, 1, 1, 0, 0, 0, (size_t)tok * out->nb[1]);
                    pack_single_tile(be, &fv, fm.proj.newline, &ov);
                    tile += 1;
                    tok += P + 1;
                } else {
                    vo_image_geom g;
                    vo_image_geom_compute(ctx, &fm.cfg, h, w, &g);
                    vo_tensor fv = vo_view(feats, D, P, g.n_tiles, 1, 0, 0, 0,
                                           (size_t)tile * feats->nb[2]);
                    vo_tensor ov = vo_view(out, D, g.num_image_tokens, 1, 1, 0, 0, 0,
                                           (size_t)tok * out->nb[1]);
                    if (tok + g.num_image_tokens <= N)
                        pack_anyres(be, &g, fm.cfg.patches_per_side, &fv, fm.proj.newline, &ov);
                    tile += g.n_tiles;
                    tok += g.num_image_tokens;
                }
            }
            float *got = vo_backend_sync(be, ctx) == VO_OK && tok == N ? tensor_read(out) : NULL;
            snprintf(label, sizeof label, "stages %d.%d.3: %s/%s packing (%lld tokens) on golden "
                     "projector output", part, k, name, cname, (long long)tok);
            if (got)
                check_key(&fm, cas, cname, "packed_image_features", got, (size_t)(D * N), label);
            else
                ok(0, "%s (%s)", label, vo_last_error(ctx));
            free(got);
            free(gold);
            free(po);
            vo_tensor_free(be, feats);
            vo_tensor_free(be, out);
        }
        /* LM on golden input_ids + golden packed features */
        size_t nids = 0, npk = 0;
        int32_t *ids = fx_read_key(fm.dir, cas, cname, "input_ids", &nids);
        float *pk = fx_read_key(fm.dir, cas, cname, "packed_image_features", &npk);
        if (ids) {
            vo_tensor *feat = pk ? tensor_from(pk, D, (int64_t)(npk / (4 * (size_t)D)), 1, 1,
                                               "packed") : NULL;
            vo_gen_request r = {0};
            r.ids = ids;
            r.n_ids = (int64_t)(nids / 4);
            r.image_features = feat;
            r.max_new = 20;
            r.prefill_logits = malloc(sizeof(float) * (size_t)fm.lm.vocab);
            r.prefill_hidden = malloc(sizeof(float) * (size_t)D);
            vo_status st = vo_generate(ctx, be, &fm.lm, fm.cfg.image_token_index, NULL, 0, &r, 1);
            snprintf(label, sizeof label, "stages %d.%d.4: %s/%s logits_last from golden ids + "
                     "features", part, k, name, cname);
            if (st == VO_OK) {
                check_key(&fm, cas, cname, "logits_last", r.prefill_logits, (size_t)fm.lm.vocab, label);
                snprintf(label, sizeof label, "stages %d.%d.5: %s/%s final_hidden_last", part, k,
                         name, cname);
                check_key(&fm, cas, cname, "final_hidden_last", r.prefill_hidden, (size_t)D, label);
                size_t ng = 0;
                int32_t *gid = fx_read_key(fm.dir, cas, cname, "generated_ids", &ng);
                ok(gid && r.n_out == (int)(ng / 4) && !memcmp(gid, r.out_ids, ng),
                   "stages %d.%d.6: %s/%s %d generated ids identical", part, k, name, cname, r.n_out);
                free(gid);
            } else {
                ok(0, "%s: %s", label, vo_last_error(ctx));
            }
            vo_free(r.out_ids);
            vo_free(r.out_logprobs);
            free(r.prefill_logits);
            free(r.prefill_hidden);
            vo_tensor_free(be, feat);
        }
        free(ids);
        free(pk);
    }
    json_decref(m);
    model_close(&fm);
}

/* three prompts decoded together = each decoded alone */
/* the three tiny-varco cases the batch tests run: their prompt ids and
 * packed image features (NULL for text_only) */
static const char *batch_cases[3] = {"text_only", "ocr_wide_150x90", "ocr_tall_72x180"};

static void batch_inputs(const fx_model *fm, json_t *m, int32_t **ids, int64_t *n_ids,
                         float **pk, vo_tensor **feat)
{
    int D = fm->cfg.hidden_size;
    for (int i = 0; i < 3; i++) {
        json_t *cas = json_object_get(json_object_get(m, "cases"), batch_cases[i]);
        size_t ni = 0, np = 0;
        ids[i] = fx_read_key(fm->dir, cas, batch_cases[i], "input_ids", &ni);
        pk[i] = fx_read_key(fm->dir, cas, batch_cases[i], "packed_image_features", &np);
        feat[i] = pk[i] ? tensor_from(pk[i], D, (int64_t)(np / (4 * (size_t)D)), 1, 1, "packed")
                        : NULL;
        n_ids[i] = (int64_t)(ni / 4);
    }
}

static void batch_check(void)
{
    fx_model fm;
    memset(&fm, 0, sizeof fm);
    if (!model_open(&fm, "tiny-varco", "tiny-varco")) {
        ok(0, "stages 9.0: tiny-varco loads for the batch test");
        return;
    }
    json_t *m = fx_manifest(fm.dir);
    vo_gen_request alone[3], batch[3];
    vo_tensor *feat[3];
    int32_t *ids[3];
    float *pk[3];
    int64_t n_ids[3];
    memset(alone, 0, sizeof alone);
    int V = fm.lm.vocab;
    batch_inputs(&fm, m, ids, n_ids, pk, feat);
    for (int i = 0; i < 3; i++) {
        alone[i].ids = ids[i];
        alone[i].n_ids = n_ids[i];
        alone[i].image_features = feat[i];
        alone[i].max_new = 12 + 4 * i;     /* different lengths end at different steps */
        alone[i].prefill_logits = malloc(sizeof(float) * (size_t)V);
        batch[i] = alone[i];
        batch[i].prefill_logits = malloc(sizeof(float) * (size_t)V);
    }
    int good = 1;
    for (int i = 0; i < 3; i++)
        good &= vo_generate(ctx, be, &fm.lm, fm.cfg.image_token_index, NULL, 0, &alone[i], 1) == VO_OK;
    good &= vo_generate(ctx, be, &fm.lm, fm.cfg.image_token_index, NULL, 0, batch, 3) == VO_OK;
    ok(good, "stages 9.1: three prompts run alone and as one batch (%s)", vo_last_error(ctx));
    int same = good;
    double e = 0;
    for (int i = 0; i < 3 && good; i++) {
        same &= alone[i].n_out == batch[i].n_out &&
                !memcmp(alone[i].out_ids, batch[i].out_ids, sizeof(int32_t) * (size_t)alone[i].n_out);
        for (int v = 0; v < V; v++)
            e = fmax(e, fabs(alone[i].prefill_logits[v] - batch[i].prefill_logits[v]));
    }
    ok(same, "stages 9.2: batched ids equal the ids decoded alone (%d, %d, %d tokens)",
       batch[0].n_out, batch[1].n_out, batch[2].n_out);
    ok(good && e <= 1e-4, "stages 9.3: batched prefill logits within 1e-4 of alone (max %.3g)", e);
    for (int i = 0; i < 3; i++) {
        vo_free(alone[i].out_ids); vo_free(alone[i].out_logprobs);
        vo_free(batch[i].out_ids); vo_free(batch[i].out_logprobs);
        free(alone[i].prefill_logits); free(batch[i].prefill_logits);
        free(ids[i]); free(pk[i]);
        vo_tensor_free(be, feat[i]);
    }
    json_decref(m);
    model_close(&fm);
}

/* The paged KV pool: sequences take blocks as they fill, a pool that grows
 * keeps its blocks' rows, blocks given back are taken again (the last one
 * first); a pool grown a block at a time decodes bit for bit as one grown
 * in big steps; a bf16 cache keeps the ids (its logit bound:
 * tests/vlm/probe.sh section 5) */
static void kv_check(void)
{
    fx_model fm;
    memset(&fm, 0, sizeof fm);
    if (!model_open(&fm, "tiny-varco", "tiny-varco")) {
        ok(0, "stages 10.0: tiny-varco loads for the KV cache test");
        return;
    }
    /* 10.1 blocks of 32 tokens, a pool that grows by one block at least */
    fm.lm.kv_step = 4;
    fm.lm.kv_block = 32;
    qwen3_kv_pool pool;
    qwen3_kv_pool_init(&pool, &fm.lm);
    qwen3_seq *sq = qwen3_seq_new(ctx, be, &pool, 10, 100);
    qwen3_seq *s2 = qwen3_seq_new(ctx, be, &pool, 40, 100);
    int64_t row = fm.lm.head_dim * fm.lm.kv_heads;
    size_t bytes = sizeof(float) * (size_t)(row * 10);
    float *a = malloc(bytes), *b = malloc(bytes);
    int good = sq && s2 && a && b && sq->cap == 32 && sq->n_blocks == 1 && sq->blocks[0] == 0 &&
               s2->cap == 64 && s2->blocks[0] == 1 && s2->blocks[1] == 2 && pool.n_blocks == 3;
    for (int64_t i = 0; good && i < row * 10; i++)
        a[i] = (float)i * 0.5f - 3.0f;
    if (good) {
        vo_tensor blk0 = vo_view(pool.v[1], fm.lm.head_dim, fm.lm.kv_heads, 10, 1, 0, 0, 0, 0);
        vo_tensor_set(be, &blk0, a, bytes);
        sq->n_past = 10;
        qwen3_seq_reserve(be, sq, 60);      /* a second block: the pool grows 3 -> 4 */
        blk0 = vo_view(pool.v[1], fm.lm.head_dim, fm.lm.kv_heads, 10, 1, 0, 0, 0, 0);
        vo_tensor_get(be, &blk0, b, bytes);
        good = vo_backend_sync(be, ctx) == VO_OK && sq->cap == 64 && sq->n_blocks == 2 &&
               sq->blocks[1] == 3 && pool.n_blocks == 4 && pool.n_free == 0 &&
               pool.v[1]->ne[2] == 4 * 32 && !memcmp(a, b, bytes);
    }
    ok(good, "stages 10.1: sequences of 10 and 40 tokens take blocks 0 and 1-2 of 32; "
       "growing to 60 takes block 3 of a pool grown to 4, its rows kept (%s)",
       good ? "ok" : vo_last_error(ctx));
    qwen3_seq_free(be, s2);
    s2 = qwen3_seq_new(ctx, be, &pool, 33, 100);
    ok(s2 && s2->n_blocks == 2 && s2->blocks[0] == 1 && s2->blocks[1] == 2 &&
       pool.n_blocks == 4 && pool.n_free == 0,
       "stages 10.2: the blocks a sequence gave back are taken again, the pool stays");
    if (sq) {
        qwen3_seq_reserve(be, sq, 101);
        ok(vo_backend_sync(be, ctx) == VO_ERR_LIMIT && sq->cap == 64 && sq->n_blocks == 2,
           "stages 10.2b: growing past max is VO_ERR_LIMIT and leaves the cache (%s)",
           vo_last_error(ctx));
        vo_backend_clear_error(be);
    }
    qwen3_seq_free(be, sq);
    qwen3_seq_free(be, s2);
    ok(pool.n_free == pool.n_blocks, "stages 10.2c: every block is free again (%lld of %lld)",
       (long long)pool.n_free, (long long)pool.n_blocks);
    qwen3_kv_pool_free(be, &pool);
    fm.lm.kv_block = 0;
    free(a);
    free(b);
    /* 10.3-10.5 the same page decoded three ways */
    json_t *m = fx_manifest(fm.dir);
    const char *cname = "ocr_wide_150x90";
    json_t *cas = json_object_get(json_object_get(m, "cases"), cname);
    size_t ni = 0, np = 0, ng = 0;
    int32_t *ids = fx_read_key(fm.dir, cas, cname, "input_ids", &ni);
    float *pk = fx_read_key(fm.dir, cas, cname, "packed_image_features", &np);
    int32_t *gid = fx_read_key(fm.dir, cas, cname, "generated_ids", &ng);
    int D = fm.cfg.hidden_size;
    vo_tensor *feat = pk ? tensor_from(pk, D, (int64_t)(np / (4 * (size_t)D)), 1, 1, "packed") : NULL;
    static const struct { vo_type type; int step, block; } runs[3] = {
        {VO_F32, 0, 0}, {VO_F32, 1, 32}, {VO_BF16, 1, 32}};
    vo_gen_request r[3];
    memset(r, 0, sizeof r);
    good = ids && feat && gid;
    for (int i = 0; i < 3 && good; i++) {
        r[i].ids = ids;
        r[i].n_ids = (int64_t)(ni / 4);
        r[i].image_features = feat;
        r[i].max_new = 60;     /* past the prompt's first reservation with step 1 */
        fm.lm.kv_type = runs[i].type;
        fm.lm.kv_step = runs[i].step;
        fm.lm.kv_block = runs[i].block;
        good &= vo_generate(ctx, be, &fm.lm, fm.cfg.image_token_index, NULL, 0, &r[i], 1) == VO_OK;
    }
    ok(good, "stages 10.3: %s decoded with f32, f32 in a pool of 32-token blocks grown a block at a time, bf16 (%s)", cname,
       good ? "ok" : vo_last_error(ctx));
    ok(good && r[0].n_out == 60 && r[1].n_out == 60 &&
       !memcmp(r[0].out_ids, r[1].out_ids, sizeof(int32_t) * 60) &&
       !memcmp(r[0].out_logprobs, r[1].out_logprobs, sizeof(float) * 60),
       "stages 10.4: a pool grown a block at a time gives the same 60 ids and log-probs, bit for bit");
    double e = 0;
    for (int i = 0; good && i < r[2].n_out && i < r[0].n_out; i++)
        e = fmax(e, fabs(r[2].out_logprobs[i] - r[0].out_logprobs[i]));
    ok(good && r[2].n_out == 60 && !memcmp(r[0].out_ids, r[2].out_ids, sizeof(int32_t) * 60) &&
       !memcmp(gid, r[2].out_ids, ng < 240 ? ng : 240),
       "stages 10.5: a bf16 KV cache gives the same 60 ids (the 20 golden ones; log-probs "
       "within %.2g of f32)", e);
    for (int i = 0; i < 3; i++) {
        vo_free(r[i].out_ids);
        vo_free(r[i].out_logprobs);
    }
    vo_tensor_free(be, feat);
    free(ids);
    free(pk);
    free(gid);
    json_decref(m);
    model_close(&fm);
}

/* A pool whose free blocks lie scattered (taken in a shuffled order, so no
 * sequence's blocks are neighbours) gives a batch of three sequences,
 * prefill and decode steps with drafts, the bits of a fresh pool: every
 * kernel finds its keys through the block table */
static int draft_zeros(void *user, const int32_t *ids, int n, int32_t *draft, int max)
{
    (void)user; (void)ids; (void)n;
    for (int i = 0; i < max && i < 3; i++)
        draft[i] = 0;
    return max < 3 ? max : 3;
}

static void paged_check(void)
{
    fx_model fm;
    memset(&fm, 0, sizeof fm);
    if (!model_open(&fm, "tiny-varco", "tiny-varco")) {
        ok(0, "stages 12.0: tiny-varco loads for the paged KV test");
        return;
    }
    json_t *m = fx_manifest(fm.dir);
    vo_gen_request fresh[3], frag[3];
    vo_tensor *feat[3];
    int32_t *ids[3];
    float *pk[3];
    int64_t n_ids[3];
    memset(fresh, 0, sizeof fresh);
    batch_inputs(&fm, m, ids, n_ids, pk, feat);
    for (int i = 0; i < 3; i++) {
        fresh[i].ids = ids[i];
        fresh[i].n_ids = n_ids[i];
        fresh[i].image_features = feat[i];
        fresh[i].max_new = 40 + 8 * i;   /* the caches cross blocks while decoding */
    }
    memcpy(frag, fresh, sizeof frag);
    int good = vo_generate(ctx, be, &fm.lm, fm.cfg.image_token_index, NULL, 0, fresh, 3) == VO_OK;
    /* the same batch through a generator whose pool of 32-token blocks was
     * grown first, then its free list shuffled (a fixed permutation) */
    fm.lm.kv_block = 32;
    vo_generator g;
    vo_generator_init(&g, be, &fm.lm, fm.cfg.image_token_index, NULL, 0);
    qwen3_kv_pool_reserve(be, &g.pool, 64);
    good &= g.pool.n_free >= 64;
    for (int64_t i = g.pool.n_free - 1; good && i > 0; i--) {
        int64_t j = (i * 7919 + 13) % (i + 1);
        int32_t t = g.pool.free_ids[i];
        g.pool.free_ids[i] = g.pool.free_ids[j];
        g.pool.free_ids[j] = t;
    }
    vo_gen_seq seq[3], *run[3];
    memset(seq, 0, sizeof seq);
    for (int i = 0; i < 3; i++) {
        seq[i].req = &frag[i];
        seq[i].index = i;
        seq[i].draft = i == 1 ? draft_zeros : NULL;   /* rows of drafts, mostly rejected */
        run[i] = &seq[i];
    }
    vo_status st = good ? vo_gen_start(ctx, &g, run, 3) : VO_ERR_NOMEM;
    int scattered = 1;
    for (int i = 0; i < 3 && st == VO_OK; i++)
        for (int64_t b = 1; b < seq[i].kv->n_blocks; b++)
            scattered &= seq[i].kv->blocks[b] != seq[i].kv->blocks[b - 1] + 1;
    for (;;) {
        int n = 0;
        for (int i = 0; i < 3; i++)
            if (seq[i].running)
                run[n++] = &seq[i];
        if (st != VO_OK || n == 0)
            break;
        st = vo_gen_step(ctx, &g, run, n);
    }
    for (int i = 0; i < 3; i++)
        vo_gen_seq_end(&g, &seq[i]);
    int all_free = g.pool.n_free == g.pool.n_blocks;
    vo_generator_free(&g);
    fm.lm.kv_block = 0;
    good &= st == VO_OK;
    ok(good && scattered && all_free, "stages 12.1: a batch of 3 decoded with a fresh pool and "
       "with a shuffled pool of 32-token blocks (no two blocks of a sequence neighbours: %s; "
       "all given back: %s) (%s)", scattered ? "yes" : "no", all_free ? "yes" : "no",
       good ? "ok" : vo_last_error(ctx));
    int same = good;
    for (int i = 0; i < 3 && good; i++)
        same &= fresh[i].n_out == frag[i].n_out && fresh[i].n_out == fresh[i].max_new &&
                !memcmp(fresh[i].out_ids, frag[i].out_ids, sizeof(int32_t) * (size_t)fresh[i].n_out) &&
                !memcmp(fresh[i].out_logprobs, frag[i].out_logprobs,
                        sizeof(float) * (size_t)fresh[i].n_out);
    ok(same, "stages 12.2: the shuffled pool gives the same ids and log-probs, bit for bit "
       "(%d, %d, %d tokens; %s path)", frag[0].n_out, frag[1].n_out, frag[2].n_out, vo_cpu_isa());
    for (int i = 0; i < 3; i++) {
        vo_free(fresh[i].out_ids); vo_free(fresh[i].out_logprobs);
        vo_free(frag[i].out_ids); vo_free(frag[i].out_logprobs);
        free(ids[i]); free(pk[i]);
        vo_tensor_free(be, feat[i]);
    }
    json_decref(m);
    model_close(&fm);
}

/* A prompt prefilled in passes (qwen3_model.prefill_rows) gives what one
 * pass gives: passes of 1 token (the matvec), of 7 and of 40 (passes that
 * end and start sequences of a batch) against the default single pass */
static void prefill_check(void)
{
    fx_model fm;
    memset(&fm, 0, sizeof fm);
    if (!model_open(&fm, "tiny-varco", "tiny-varco")) {
        ok(0, "stages 11.0: tiny-varco loads for the prefill-pass test");
        return;
    }
    static const int rows[4] = {0, 1, 7, 40};
    json_t *m = fx_manifest(fm.dir);
    vo_gen_request r[4][3];
    vo_tensor *feat[3];
    int32_t *ids[3];
    float *pk[3];
    int64_t n_ids[3], T = 0;
    memset(r, 0, sizeof r);
    int D = fm.cfg.hidden_size, V = fm.lm.vocab;
    batch_inputs(&fm, m, ids, n_ids, pk, feat);
    for (int i = 0; i < 3; i++) {
        T += n_ids[i];
        for (int k = 0; k < 4; k++) {
            r[k][i].ids = ids[i];
            r[k][i].n_ids = n_ids[i];
            r[k][i].image_features = feat[i];
            r[k][i].max_new = 10 + 3 * i;
            r[k][i].prefill_logits = malloc(sizeof(float) * (size_t)V);
            r[k][i].prefill_hidden = malloc(sizeof(float) * (size_t)D);
        }
    }
    int good = T > 40;
    for (int k = 0; k < 4 && good; k++) {
        fm.lm.prefill_rows = rows[k];
        good &= vo_generate(ctx, be, &fm.lm, fm.cfg.image_token_index, NULL, 0, r[k], 3) == VO_OK;
    }
    fm.lm.prefill_rows = 0;
    ok(good, "stages 11.1: a batch of 3 prompts (%lld tokens) prefilled in one pass and in "
       "passes of 1, 7 and 40 tokens (%s)", (long long)T, good ? "ok" : vo_last_error(ctx));
    /* bit for bit where every pass has more rows than a decode step (every
     * path's GEMM computes a row alike whatever rows go with it); a pass of
     * a few rows takes the matvec, which sums in another order: the same
     * ids there, logits within 1e-4 */
    for (int k = 1; k < 4; k++) {
        int same_ids = good, same_bits = good;
        double e = 0;
        for (int i = 0; i < 3 && good; i++) {
            same_ids &= r[k][i].n_out == r[0][i].n_out &&
                        !memcmp(r[k][i].out_ids, r[0][i].out_ids,
                                sizeof(int32_t) * (size_t)r[0][i].n_out);
            same_bits &= same_ids &&
                         !memcmp(r[k][i].out_logprobs, r[0][i].out_logprobs,
                                 sizeof(float) * (size_t)r[0][i].n_out) &&
                         !memcmp(r[k][i].prefill_logits, r[0][i].prefill_logits,
                                 sizeof(float) * (size_t)V) &&
                         !memcmp(r[k][i].prefill_hidden, r[0][i].prefill_hidden,
                                 sizeof(float) * (size_t)D);
            for (int v = 0; v < V; v++)
                e = fmax(e, fabs(r[k][i].prefill_logits[v] - r[0][i].prefill_logits[v]));
        }
        if (rows[k] > VO_GEN_STEP_MAX)
            ok(same_bits, "stages 11.%d: passes of %d tokens give the same prefill logits, hidden "
               "rows, ids and log-probs, bit for bit (%s path; logits within %.3g)", k + 1,
               rows[k], vo_cpu_isa(), e);
        else
            ok(same_ids && e <= 1e-4, "stages 11.%d: passes of %d tokens give the same ids, "
               "prefill logits within 1e-4 (%s path: max %.3g)", k + 1, rows[k], vo_cpu_isa(), e);
    }
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 4; k++) {
            vo_free(r[k][i].out_ids);
            vo_free(r[k][i].out_logprobs);
            free(r[k][i].prefill_logits);
            free(r[k][i].prefill_hidden);
        }
        free(ids[i]);
        free(pk[i]);
        vo_tensor_free(be, feat[i]);
    }
    json_decref(m);
    model_close(&fm);
}

int main(void)
{
    ctx = vo_new_ctx();
    if (vo_new_cpu_backend(ctx, 2, &be) != VO_OK)
        return 1;
    if (!fx_dir("tiny-varco"))
        skip_all("tests/data/fixtures/tiny-varco not found (set top_srcdir)");
    run_fixture("tiny-varco", "tiny-varco", 1);
    run_fixture("tiny-varco-alt", "tiny-varco-alt", 2);
    run_fixture("tiny-varco-multi", "tiny-varco", 3);
    run_fixture("geom-varco", "geom-varco", 4);
    batch_check();
    kv_check();
    paged_check();
    prefill_check();
    vo_backend_drop(be);
    vo_drop_ctx(ctx);
    return done_testing();
}
