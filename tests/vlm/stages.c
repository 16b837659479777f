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

/* KV cache growth keeps the filled rows; a cache grown token by token
 * decodes bit for bit as one reserved at once; a bf16 cache keeps the ids
 * (its logit bound: tests/vlm/probe.sh section 5) */
static void kv_check(void)
{
    fx_model fm;
    memset(&fm, 0, sizeof fm);
    if (!model_open(&fm, "tiny-varco", "tiny-varco")) {
        ok(0, "stages 10.0: tiny-varco loads for the KV cache test");
        return;
    }
    /* 10.1 growth carries the rows over, up to max and no further */
    fm.lm.kv_step = 4;
    qwen3_seq *sq = qwen3_seq_new(ctx, be, &fm.lm, 10, 100);
    int64_t row = fm.lm.head_dim * fm.lm.kv_heads;
    float *a = malloc(sizeof(float) * (size_t)(row * 10)), *b = malloc(sizeof(float) * (size_t)(row * 10));
    int good = sq && a && b && sq->cap == 14 && sq->max == 100;
    for (int64_t i = 0; good && i < row * 10; i++)
        a[i] = (float)i * 0.5f - 3.0f;
    if (good) {
        vo_tensor_set(be, sq->v[1], a, sizeof(float) * (size_t)(row * 10));
        sq->n_past = 10;
        qwen3_seq_reserve(be, sq, 15);      /* by a step: 14 + 4 = 18 */
        int64_t c1 = sq->cap;
        qwen3_seq_reserve(be, sq, 60);      /* past a step: to the need */
        int64_t c2 = sq->cap;
        vo_tensor_get(be, sq->v[1], b, sizeof(float) * (size_t)(row * 10));
        good = vo_backend_sync(be, ctx) == VO_OK && c1 == 18 && c2 == 60 &&
               sq->v[1]->ne[2] == 60 && !memcmp(a, b, sizeof(float) * (size_t)(row * 10));
    }
    ok(good, "stages 10.1: a KV cache grows 14 -> 18 -> 60 tokens keeping its rows (%s)",
       good ? "ok" : vo_last_error(ctx));
    if (sq) {
        qwen3_seq_reserve(be, sq, 101);
        ok(vo_backend_sync(be, ctx) == VO_ERR_LIMIT && sq->cap == 60,
           "stages 10.2: growing past max is VO_ERR_LIMIT and leaves the cache (%s)",
           vo_last_error(ctx));
        vo_backend_clear_error(be);
    }
    qwen3_seq_free(be, sq);
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
    static const struct { vo_type type; int step; } runs[3] = {{VO_F32, 0}, {VO_F32, 1}, {VO_BF16, 1}};
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
        good &= vo_generate(ctx, be, &fm.lm, fm.cfg.image_token_index, NULL, 0, &r[i], 1) == VO_OK;
    }
    ok(good, "stages 10.3: %s decoded with f32, f32 grown by 1-token steps, bf16 (%s)", cname,
       good ? "ok" : vo_last_error(ctx));
    ok(good && r[0].n_out == 60 && r[1].n_out == 60 &&
       !memcmp(r[0].out_ids, r[1].out_ids, sizeof(int32_t) * 60) &&
       !memcmp(r[0].out_logprobs, r[1].out_logprobs, sizeof(float) * 60),
       "stages 10.4: a cache grown in steps gives the same 60 ids and log-probs, bit for bit");
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
    /* bit for bit where every pass has more rows than a decode step (the
     * AVX-512 and scalar matmuls compute a row alike in any GEMM); a pass
     * of a few rows takes the matvec, and the AVX2 GEMM's tiles round
     * differently: the same ids there, logits within 1e-4 */
    bool exact_isa = strcmp(vo_cpu_isa(), "avx2") != 0;
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
        if (rows[k] > 12 && exact_isa)
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
    prefill_check();
    vo_backend_drop(be);
    vo_drop_ctx(ctx);
    return done_testing();
}
