/* drafted.c (test): drafted decoding gives the ids and log-probs of plain
 * greedy decoding, bit for bit, on the fixture cases and on 64 random
 * prompts (16 under AddressSanitizer), on the fast and the reference CPU backends and with a bf16 KV
 * cache. Three drafters: the OCR grammar's (src/vlm/draft.c; on these
 * random-weight models its drafts are mostly rejected), an oracle that
 * drafts the right continuation with one wrong token at a moving place (so
 * every length of accepted prefix and every rollback of the cache happens),
 * and one that always drafts garbage. */
#include "src/backend/cpu/cpu.h"
#include "src/model/config.h"
#include "src/model/safetensors.h"
#include "src/model/tokenizer.h"
#include "src/util/alloc.h"
#include "src/vlm/draft.h"
#include "src/vlm/generate.h"
#include "tests/tap.h"
#include "tests/vlm/fixture.h"

#define GEN 24

static vo_ctx *ctx;

/* the oracle: the reference continuation, with token `bad` of each draft
 * replaced (bad >= max: all right) */
typedef struct {
    const int32_t *ref;
    int n_ref;
    int call;
    int vocab;
} oracle;

static int oracle_draft(void *user, const int32_t *ids, int n, int32_t *draft, int max)
{
    oracle *o = user;
    (void)ids;
    max = max < 6 ? max : 6; /* each row costs an argmax over the vocabulary */
    int bad = o->call++ % (max + 3), k = 0;
    for (int i = n; i < o->n_ref && k < max; i++, k++)
        draft[k] = k == bad ? (o->ref[i] + 1) % o->vocab : o->ref[i];
    return k;
}

static int garbage_draft(void *user, const int32_t *ids, int n, int32_t *draft, int max)
{
    int *vocab = user;
    max = max < 4 ? max : 4; /* each row costs an argmax over the vocabulary */
    for (int k = 0; k < max; k++)
        draft[k] = (int32_t)((n * 7919 + k * 104729 + (n ? ids[n - 1] : 0)) % *vocab);
    return max;
}

typedef struct {
    int same, runs, tokens, passes, accepted;
} tally;

/* one prompt: plain greedy, then drafted with each drafter; compare */
static void check_prompt(vo_backend *be, qwen3_model *lm, const vo_config *cfg,
                         const vo_draft_ids *dids, const int32_t *ids, int64_t n_ids,
                         const vo_tensor *feat, const int32_t *golden, int n_golden, int drafters,
                         tally *t)
{
    vo_gen_request plain = {ids, n_ids, feat, GEN, NULL, NULL, NULL, NULL, NULL, NULL, 0, false};
    if (vo_generate(ctx, be, lm, cfg->image_token_index, NULL, 0, &plain, 1) != VO_OK) {
        diag("plain: %s", vo_last_error(ctx));
        vo_backend_clear_error(be);
        t->runs += drafters;
        return;
    }
    if (golden && (plain.n_out < n_golden ||
                   memcmp(plain.out_ids, golden, sizeof(int32_t) * (size_t)n_golden)))
        diag("plain greedy differs from the golden ids");
    int vocab = lm->vocab;
    for (int which = 0; which < drafters; which++) {
        oracle o = {plain.out_ids, plain.n_out, 0, vocab};
        vo_drafter *gd = which == 0 ? vo_drafter_new(dids) : NULL;
        vo_gen_request r = plain;
        r.out_ids = NULL;
        r.out_logprobs = NULL;
        vo_gen_seq s = {.req = &r};
        s.draft = which == 0 ? vo_drafter_propose : which == 1 ? oracle_draft : garbage_draft;
        s.draft_user = which == 0 ? (void *)gd : which == 1 ? (void *)&o : (void *)&vocab;
        vo_generator g;
        vo_generator_init(&g, be, lm, cfg->image_token_index, NULL, 0);
        vo_gen_seq *one = &s;
        vo_status st = vo_gen_start(ctx, &g, &one, 1);
        while (st == VO_OK && s.running)
            st = vo_gen_step(ctx, &g, &one, 1);
        t->runs++;
        int same = st == VO_OK && r.n_out == plain.n_out &&
                   !memcmp(r.out_ids, plain.out_ids, sizeof(int32_t) * (size_t)r.n_out) &&
                   !memcmp(r.out_logprobs, plain.out_logprobs, sizeof(float) * (size_t)r.n_out);
        if (!same)
            diag("drafter %d: %s, %d of %d ids", which, st ? vo_last_error(ctx) : "differs",
                 r.n_out, plain.n_out);
        vo_backend_clear_error(be);
        t->same += same;
        if (which == 1) {
            t->tokens += r.n_out;
            t->passes += s.n_passes + 1; /* + the prefill, which gives the first token */
            t->accepted += s.n_accepted;
        }
        vo_gen_seq_end(&g, &s);
        vo_generator_free(&g);
        vo_drafter_free(gd);
        vo_free(r.out_ids);
        vo_free(r.out_logprobs);
    }
    vo_free(plain.out_ids);
    vo_free(plain.out_logprobs);
}

static void run_model(const char *name, const char *backend, vo_type kv, int n_random, int part)
{
    const char *d = fx_dir(name);
    if (!d) {
        ok(0, "drafted %d.0: fixture %s found", part, name);
        return;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", d);
    vo_backend *be = NULL;
    vo_config cfg;
    vo_weights *w = NULL;
    vo_tokenizer *tok = NULL;
    qwen3_model lm;
    memset(&lm, 0, sizeof lm);
    vo_draft_ids dids;
    vo_status st = !strcmp(backend, "cpu") ? vo_new_cpu_backend(ctx, 2, &be)
                                           : vo_new_cpu_ref_backend(ctx, &be);
    if (st || vo_load_config(ctx, dir, &cfg) || vo_open_weights(ctx, dir, &w) ||
        vo_load_tokenizer(ctx, fx_dir("tiny-varco"), &tok) ||
        qwen3_load(ctx, be, &cfg, w, &lm) || vo_draft_ids_read(ctx, tok, &dids)) {
        ok(0, "drafted %d.0: %s loads (%s)", part, name, vo_last_error(ctx));
        goto done;
    }
    lm.kv_type = kv;
    tally t = {0};
    /* the fixture cases: prompts with their image features, golden ids */
    json_t *m = fx_manifest(dir);
    const char *cname;
    json_t *cas;
    int n_cases = 0;
    json_object_foreach(json_object_get(m, "cases"), cname, cas) {
        size_t ni = 0, np = 0, ng = 0;
        int32_t *ids = fx_read_key(dir, cas, cname, "input_ids", &ni);
        float *pk = fx_read_key(dir, cas, cname, "packed_image_features", &np);
        int32_t *gid = fx_read_key(dir, cas, cname, "generated_ids", &ng);
        vo_tensor *feat = NULL;
        if (pk) {
            feat = vo_tensor_new(be, VO_F32, cfg.hidden_size,
                                 (int64_t)(np / (4 * (size_t)cfg.hidden_size)), 1, 1, "packed");
            if (feat)
                vo_tensor_set(be, feat, pk, np);
        }
        if (ids) {
            int ngold = (int)(ng / 4) < GEN ? (int)(ng / 4) : GEN;
            check_prompt(be, &lm, &cfg, &dids, ids, (int64_t)(ni / 4), feat, gid, ngold, 3, &t);
            n_cases++;
        }
        vo_tensor_free(be, feat);
        free(ids);
        free(pk);
        free(gid);
    }
    json_decref(m);
    /* random text prompts (ids below the image token); the garbage drafter
     * on every eighth */
    unsigned seed = 12345u + (unsigned)part;
    for (int p = 0; p < n_random; p++) {
        int32_t ids[24];
        int n = 4 + p % 20;
        for (int i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            ids[i] = (int32_t)((seed >> 8) % (unsigned)(lm.vocab < 150000 ? lm.vocab : 150000));
        }
        check_prompt(be, &lm, &cfg, &dids, ids, n, NULL, NULL, 0, p % 8 ? 2 : 3, &t);
    }
    ok(n_cases > 0 && t.same == t.runs,
       "drafted %d.1: %s on %s, %s KV: %d fixture cases and %d random prompts, %d drafted "
       "runs: ids and log-probs equal plain greedy's bit for bit (%d same)", part, name,
       backend, vo_type_name(kv), n_cases, n_random, t.runs, t.same);
    ok(t.accepted > 0 && t.passes < t.tokens,
       "drafted %d.2: the oracle's drafts were taken: %d tokens in %d passes (%d drafts kept)",
       part, t.tokens, t.passes, t.accepted);
done:
    qwen3_free(be, &lm);
    vo_drop_weights(w);
    vo_drop_tokenizer(tok);
    vo_backend_drop(be);
}

/* Under AddressSanitizer (CI's second run of the suite, several times
 * slower) a quarter of the random prompts: the same paths, and the first
 * case's figure says how many were run. */
#if defined(__SANITIZE_ADDRESS__)
#define DRAFTED_RANDOM 16
#else
#define DRAFTED_RANDOM 64
#endif

int main(void)
{
    ctx = vo_new_ctx();
    if (!fx_dir("tiny-varco"))
        skip_all("tests/data/fixtures/tiny-varco not found (set top_srcdir)");
    run_model("tiny-varco", "cpu", VO_F32, DRAFTED_RANDOM, 1);
    run_model("tiny-varco", "cpu", VO_BF16, 8, 2);
    run_model("tiny-varco-alt", "cpu", VO_F32, 8, 3);
    run_model("tiny-varco", "cpu-ref", VO_F32, 4, 4);
    vo_drop_ctx(ctx);
    return done_testing();
}
