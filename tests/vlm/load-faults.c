/* load-faults.c (test): the engine under allocation faults. Opening
 * tiny-varco with the Nth allocation failing, for every N, must give
 * VO_ERR_NOMEM with a message: never another status (the CLI turns NOMEM
 * into exit 15, "not enough memory", and anything else into a claim about
 * the model folder), a crash or a leak (ASan runs this too), nor an engine
 * that opens with a part silently missing. Then the q8 conversion at load
 * (the allocations past the stored weights' open), and a page recognised
 * with each of its allocations failing in turn on one open engine: each
 * fails with NOMEM and the next page still gives the golden text.
 * `make check` takes every 3rd N (an open reads the 5 MB tokenizer: every
 * N costs minutes, more under ASan); `make fuzz` every N
 * (VO_FAULT_STRIDE=1, tests/vlm/load-faults.sh). */
#include "src/util/alloc.h"
#include "src/vlm/engine.h"
#include "tests/tap.h"
#include "tests/vlm/fixture.h"

static long stride = 3;

/* 1 when st is right for a run whose fault fired (or not) */
static int right(vo_ctx *ctx, vo_status st, int fired, long k, const char *what)
{
    if (fired ? st == VO_ERR_NOMEM && *vo_last_error(ctx) : st == VO_OK)
        return 1;
    diag("%s, fault at allocation %ld: %s (%s)", what, k, vo_status_name(st), vo_last_error(ctx));
    return 0;
}

/* an open with the kth allocation failing (0: none); *allocs: how many it made */
static int open_with_fault(vo_ctx *ctx, const char *dir, const vo_engine_opts *o, long k,
                           int *fired, long *allocs)
{
    vo_engine *eng = NULL;
    vo_clear_error(ctx);
    vo_alloc_fail_after(k);
    vo_status st = vo_engine_open(ctx, dir, o, &eng);
    *fired = vo_alloc_fault_fired();
    *allocs = vo_alloc_fail_after(0);
    vo_engine_close(eng);
    return right(ctx, st, *fired, k, "open") && (st != VO_OK) == !eng;
}

/* every N from `from` until one past the last allocation of an open */
static void open_faults(vo_ctx *ctx, const char *dir, const vo_engine_opts *o, long from,
                        const char *what, int part)
{
    int fired = 0, bad = 0, runs = 0;
    long n = 0;
    for (long k = from > 1 ? from : 1; bad < 5; k += stride, runs++) {
        bad += !open_with_fault(ctx, dir, o, k, &fired, &n);
        if (!fired)
            break;
    }
    ok(bad == 0 && runs > 1 && !fired,
       "load-faults %d: %s: each of %d allocation faults (from allocation %ld of %ld, every "
       "%ld) gives VO_ERR_NOMEM with a message", part, what, runs - 1, from, n, stride);
}

int main(void)
{
    const char *d = fx_dir("tiny-varco");
    if (!d)
        skip_all("tests/data/fixtures/tiny-varco not found (set top_srcdir)");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", d);
    const char *env = getenv("VO_FAULT_STRIDE");
    if (env && atol(env) > 0)
        stride = atol(env);
    vo_ctx *ctx = vo_new_ctx();
    vo_set_verbosity(ctx, 0);
    int fired;
    long stored = 0, q8 = 0;
    vo_engine_opts o = {1, 6, 1, "cpu", VO_KV_F32, 1, 0, VO_WEIGHTS_AS_STORED, VO_MATMUL_EXACT};
    open_with_fault(ctx, dir, &o, 0, &fired, &stored);
    open_faults(ctx, dir, &o, 1, "open, stored weights", 1);

    /* the conversion adds allocations before the last steps of the open
     * (the KV type, the drafter): from a margin before those */
    o.weights = VO_WEIGHTS_Q8;
    o.kv_type = VO_KV_Q8;
    open_with_fault(ctx, dir, &o, 0, &fired, &q8);
    ok(q8 > stored, "load-faults 2.0: the q8 conversion allocates (%ld against %ld)", q8, stored);
    open_faults(ctx, dir, &o, stored - 40, "open, q8 weights made at load, a q8 KV cache", 2);

    /* one engine, a page with the Nth allocation failing, then a page
     * without faults: the engine is whole after every failure */
    json_t *m = fx_manifest(dir);
    json_t *cas = json_object_get(json_object_get(m, "cases"), "ocr_wide_150x90");
    int w, h;
    uint8_t *rgb = fx_case_image(dir, m, "ocr_wide_150x90", &w, &h);
    const char *gold = json_string_value(json_object_get(cas, "generated_text"));
    o = (vo_engine_opts){1, 20, 1, "cpu", VO_KV_F32, 1, 0, VO_WEIGHTS_AS_STORED, VO_MATMUL_EXACT};
    vo_engine *eng = NULL;
    int bad = 0, runs = 0, whole = 0;
    if (rgb && gold && vo_engine_open(ctx, dir, &o, &eng) == VO_OK) {
        for (long k = 1; bad < 5; k += stride, runs++) {
            vo_buf text = VO_BUF_INIT;
            vo_clear_error(ctx);
            vo_alloc_fail_after(k);
            vo_status st = vo_engine_ocr(ctx, eng, rgb, w, h, w * 3, NULL, NULL, &text);
            fired = vo_alloc_fault_fired();
            vo_alloc_fail_after(0);
            bad += !right(ctx, st, fired, k, "a page");
            vo_buf_free(&text);
            if (!fired)
                break;
            /* every 8th fault, and the last: a page without one is the golden's */
            if (runs % 8 == 0) {
                st = vo_engine_ocr(ctx, eng, rgb, w, h, w * 3, NULL, NULL, &text);
                int same = st == VO_OK && text.len == strlen(gold) &&
                           !memcmp(text.data, gold, text.len);
                whole += same;
                bad += !same;
                vo_buf_free(&text);
            }
        }
        vo_buf text = VO_BUF_INIT;
        vo_status st = vo_engine_ocr(ctx, eng, rgb, w, h, w * 3, NULL, NULL, &text);
        bad += !(st == VO_OK && text.len == strlen(gold) && !memcmp(text.data, gold, text.len));
        vo_buf_free(&text);
    }
    ok(eng && bad == 0 && runs > 1,
       "load-faults 3: a page with %d of its allocations failing (every %ld) gives VO_ERR_NOMEM, "
       "and the engine then gives the golden text (checked %d times and at the end)", runs - 1,
       stride, whole);
    vo_engine_close(eng);
    free(rgb);
    json_decref(m);
    vo_drop_ctx(ctx);
    return done_testing();
}
