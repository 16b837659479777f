/* convert.c (test): the weights converted at load (q8, q4) are the same
 * bytes whatever the number of threads that quantize them, and equal
 * vo_quantize_q8/_q4 of the stored rows; bf16 weights copied at load are
 * memory of their own (not the mapped file), holding the stored bytes; a
 * conversion that has no meaning (f32 to bf16) is refused. */
#include "src/backend/cpu/cpu.h"
#include "src/model/config.h"
#include "src/model/safetensors.h"
#include "src/util/alloc.h"
#include "src/vlm/qwen3.h"
#include "src/vlm/weights.h"
#include "tests/tap.h"
#include "tests/vlm/fixture.h"

/* the LM's layers and head of tiny-varco, loaded and converted to `type`
 * on `threads` threads */
static int load_converted(vo_ctx *ctx, vo_backend *be, const char *dir, vo_weights **w,
                          qwen3_model *lm, vo_type type, int threads)
{
    vo_config cfg;
    memset(lm, 0, sizeof *lm);
    if (vo_load_config(ctx, dir, &cfg) || vo_open_weights(ctx, dir, w) ||
        qwen3_load(ctx, be, &cfg, *w, lm))
        return 0;
    return qwen3_convert_weights(ctx, be, *w, lm, type, threads) == VO_OK;
}

/* the matrices a conversion touches, in one order */
static int matrices(qwen3_model *m, vo_tensor **out)
{
    int n = 0;
    out[n++] = m->head;
    for (int l = 0; l < m->n_layers; l++) {
        qwen3_layer *L = &m->layers[l];
        vo_tensor *mats[] = {L->q_w, L->k_w, L->v_w, L->o_w, L->gate_w, L->up_w, L->down_w};
        for (int i = 0; i < 7; i++)
            out[n++] = mats[i];
    }
    return n;
}

int main(void)
{
    const char *d = fx_dir("tiny-varco");
    if (!d)
        skip_all("tests/data/fixtures/tiny-varco not found (set top_srcdir)");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", d);
    vo_ctx *ctx = vo_new_ctx();
    vo_backend *be = NULL;
    if (vo_new_cpu_backend(ctx, 1, &be) != VO_OK) {
        ok(0, "convert 0.1: a CPU backend (%s)", vo_last_error(ctx));
        return done_testing();
    }
    static const vo_type types[] = {VO_Q8, VO_Q4};
    for (int ti = 0; ti < 2; ti++) {
        vo_weights *w1 = NULL, *w3 = NULL, *ws = NULL;
        qwen3_model a, b, s;
        int good = load_converted(ctx, be, dir, &w1, &a, types[ti], 1) &&
                   load_converted(ctx, be, dir, &w3, &b, types[ti], 3);
        vo_config cfg;
        memset(&s, 0, sizeof s);
        good = good && !vo_load_config(ctx, dir, &cfg) && !vo_open_weights(ctx, dir, &ws) &&
               !qwen3_load(ctx, be, &cfg, ws, &s);
        ok(good, "convert %d.1: tiny-varco loads and converts to %s on 1 and on 3 threads (%s)",
           ti + 1, vo_type_name(types[ti]), good ? "ok" : vo_last_error(ctx));
        vo_tensor *ma[1 + 7 * 64], *mb[1 + 7 * 64], *ms[1 + 7 * 64];
        int n = good && a.n_layers <= 64 ? matrices(&a, ma) : 0, same = n > 0, quant = n > 0;
        if (n) {
            matrices(&b, mb);
            matrices(&s, ms);
        }
        for (int i = 0; i < n && (same || quant); i++) {
            size_t bytes = vo_nbytes(ma[i]);
            same &= ma[i]->type == types[ti] && mb[i]->type == types[ti] &&
                    bytes == vo_nbytes(mb[i]) && !memcmp(ma[i]->data, mb[i]->data, bytes);
            /* each row as the quantizer makes it from the stored row */
            int64_t K = ms[i]->ne[0], rows = vo_nrows(ms[i]);
            size_t out_row = vo_row_size(types[ti], K);
            char *q = vo_malloc(out_row);
            for (int64_t r = 0; q && r < rows && quant; r++) {
                (types[ti] == VO_Q8 ? vo_quantize_q8 : vo_quantize_q4)(
                    q, (const char *)ms[i]->data + r * ms[i]->nb[1], ms[i]->type, K);
                quant &= !memcmp(q, (const char *)ma[i]->data + r * ma[i]->nb[1], out_row);
            }
            quant &= q != NULL;
            vo_free(q);
        }
        ok(same, "convert %d.2: %s: the %d matrices are the same bytes on 1 and 3 threads", ti + 1,
           vo_type_name(types[ti]), n);
        ok(quant, "convert %d.3: %s: every row is vo_quantize_%s of the stored row", ti + 1,
           vo_type_name(types[ti]), types[ti] == VO_Q8 ? "q8" : "q4");
        qwen3_free(be, &a);
        qwen3_free(be, &b);
        qwen3_free(be, &s);
        vo_drop_weights(w1);
        vo_drop_weights(w3);
        vo_drop_weights(ws);
    }
    /* bf16 copied out of the mapping */
    {
        vo_weights *wc = NULL, *ws = NULL;
        qwen3_model c, s;
        vo_config cfg;
        memset(&s, 0, sizeof s);
        int good = load_converted(ctx, be, dir, &wc, &c, VO_BF16, 2) &&
                   !vo_load_config(ctx, dir, &cfg) && !vo_open_weights(ctx, dir, &ws) &&
                   !qwen3_load(ctx, be, &cfg, ws, &s);
        ok(good, "convert 3.1: tiny-varco loads and copies its bf16 weights (%s)",
           good ? "ok" : vo_last_error(ctx));
        vo_tensor *mc[1 + 7 * 64], *ms[1 + 7 * 64];
        int n = good && c.n_layers <= 64 ? matrices(&c, mc) : 0, owned = n > 0, same = n > 0;
        if (n)
            matrices(&s, ms);
        for (int i = 0; i < n; i++) {
            /* the stored ones wrap the mapped file (no buffer of their own) */
            owned &= mc[i]->buffer != NULL && ms[i]->buffer == NULL && mc[i]->type == VO_BF16;
            same &= vo_nbytes(mc[i]) == vo_nbytes(ms[i]) &&
                    !memcmp(mc[i]->data, (const char *)ms[i]->data + ms[i]->offset,
                            vo_nbytes(ms[i]));
        }
        ok(owned, "convert 3.2: the %d bf16 matrices are memory of their own, the stored ones "
           "the mapped file", n);
        ok(same, "convert 3.3: each copy holds the stored bytes");
        /* a second copy leaves a copy as it is */
        vo_tensor *before = c.head;
        ok(good && qwen3_convert_weights(ctx, be, wc, &c, VO_BF16, 1) == VO_OK && c.head == before,
           "convert 3.4: copying copied weights again changes nothing");
        /* f32 rounded to bf16 is no copy: refused */
        vo_tensor *f = vo_tensor_new(be, VO_F32, 32, 2, 1, 1, "f32 matrix");
        vo_status st = f ? vlm_convert_matrix(ctx, be, ws, &f, VO_BF16, 1) : VO_ERR_NOMEM;
        ok(st == VO_ERR_UNSUPPORTED && strstr(vo_last_error(ctx), "f32 to bf16"),
           "convert 3.5: f32 weights to bf16 is refused (%s)", vo_last_error(ctx));
        vo_tensor_free(be, f);
        qwen3_free(be, &c);
        qwen3_free(be, &s);
        vo_drop_weights(wc);
        vo_drop_weights(ws);
    }
    vo_backend_drop(be);
    vo_drop_ctx(ctx);
    return done_testing();
}
