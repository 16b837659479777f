/* decode-traffic.c: what crosses between host and device while the OpenCL
 * backend decodes (issue 17: the model and the KV cache stay on the device).
 * The tiny-varco language model decodes 64 steps for one sequence and for 8
 * sequences of different prompt lengths, with a paged KV pool of 32-token
 * blocks that grows as they fill; the backend's counters must show no weight
 * or KV bytes through the host after the prefill (per step only the new ids
 * and positions go in, a block id when a sequence takes a block, and the
 * chosen ids and log-probs come out), the growth done by device copies, and
 * the ids and log-probs those of the CPU backend. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "src/backend/cpu/cpu.h"
#include "src/backend/opencl.h"
#include "src/model/config.h"
#include "src/model/safetensors.h"
#include "src/util/alloc.h"
#include "src/vlm/generate.h"
#include "src/vlm/qwen3.h"
#include "tests/tap.h"
#include "tests/vlm/fixture.h"

#define STEPS 64
#define MAX_SEQS 8

static vo_ctx *ctx;

/* the OpenCL counters when the first token of any sequence came (the end
 * of the prefill) */
typedef struct watch {
    vo_backend *be;
    bool seen;
    vo_opencl_stats at_first;
} watch;

static int
on_token(void *user, int seq, int32_t id, float logprob)
{
    (void)seq; (void)id; (void)logprob;
    watch *w = user;
    if (w && !w->seen) {
        w->seen = vo_opencl_get_stats(w->be, &w->at_first);
    }
    return 0;
}

/* n sequences of prompt lengths 5 + 7·s (random ids) on be; r[] filled */
static vo_status
run(vo_backend *be, const qwen3_model *lm, int n, vo_gen_request *r, watch *w)
{
    static int32_t ids[MAX_SEQS][5 + 7 * MAX_SEQS];
    uint32_t seed = 99;
    for (int s = 0; s < n; s++) {
        for (int i = 0; i < 5 + 7 * s; i++) {
            seed = seed * 1664525u + 1013904223u;
            ids[s][i] = (int32_t)((seed >> 8) % (uint32_t)(lm->vocab < 5000 ? lm->vocab : 5000));
        }
        r[s] = (vo_gen_request){.ids = ids[s], .n_ids = 5 + 7 * s, .max_new = STEPS + 1,
                                .cb = on_token, .user = w};
    }
    return vo_generate(ctx, be, lm, -1, NULL, 0, r, n);
}

static void
free_requests(vo_gen_request *r, int n)
{
    for (int s = 0; s < n; s++) {
        vo_free(r[s].out_ids);
        vo_free(r[s].out_logprobs);
    }
}

static void
check(const char *dir, vo_backend *cpu, vo_backend *gpu, int n, int part)
{
    vo_config cfg;
    vo_weights *wts = NULL;
    qwen3_model lc = {0}, lg = {0};
    if (vo_load_config(ctx, dir, &cfg) || vo_open_weights(ctx, dir, &wts) ||
        qwen3_load(ctx, cpu, &cfg, wts, &lc) || qwen3_load(ctx, gpu, &cfg, wts, &lg)) {
        ok(0, "decode-traffic %d.1: tiny-varco loads: %s", part, vo_last_error(ctx));
        goto done;
    }
    /* blocks of 32 tokens, a pool that grows by one at least: the sequences
     * take blocks and the pool grows several times in 64 steps */
    lc.kv_step = lg.kv_step = 8;
    lc.kv_block = lg.kv_block = 32;
    vo_gen_request rc[MAX_SEQS], rg[MAX_SEQS];
    watch w = {.be = gpu};
    vo_status sc = run(cpu, &lc, n, rc, NULL);
    vo_status sg = run(gpu, &lg, n, rg, &w);
    vo_opencl_stats end;
    vo_opencl_get_stats(gpu, &end);
    ok(sc == VO_OK && sg == VO_OK && w.seen, "decode-traffic %d.1: %d sequence%s, %d steps on "
       "both backends (%s)", part, n, n > 1 ? "s" : "", STEPS,
       sc == VO_OK && sg == VO_OK ? "ok" : vo_last_error(ctx));
    if (sc != VO_OK || sg != VO_OK || !w.seen)
        goto done;

    /* after the prefill: per step at most the new ids and positions in
     * (4 + 4 bytes a sequence, two writes), a block id each time a
     * sequence takes a block (at most one per 32 tokens: 4 bytes, one
     * write), and the chosen ids and log-probs out (two reads); a weight
     * row or a KV block is thousands of bytes */
    unsigned long long taken = (unsigned long long)n * ((STEPS + 1 + 31) / 32);
    unsigned long long wr = end.writes - w.at_first.writes;
    unsigned long long wb = end.write_bytes - w.at_first.write_bytes;
    unsigned long long rd = end.reads - w.at_first.reads;
    unsigned long long rb = end.read_bytes - w.at_first.read_bytes;
    unsigned long long cp = end.device_copies - w.at_first.device_copies;
    ok(wb <= (unsigned long long)STEPS * n * 8 + 4 * taken && wr <= 2ull * STEPS + taken,
       "decode-traffic %d.2: host to device during decode: %llu writes, %llu bytes (at most "
       "%llu, the ids and positions and the block ids taken)", part, wr, wb,
       (unsigned long long)STEPS * n * 8 + 4 * taken);
    ok(rb <= (unsigned long long)STEPS * n * 8 && rd <= 2ull * STEPS,
       "decode-traffic %d.3: device to host during decode: %llu reads, %llu bytes (at most %d, "
       "the ids and log-probs)", part, rd, rb, STEPS * n * 8);
    ok(cp >= 2ull * (unsigned long long)lg.n_layers,
       "decode-traffic %d.4: the growing KV pool was copied on the device (%llu buffer "
       "copies, %llu bytes)", part, cp, end.device_copy_bytes - w.at_first.device_copy_bytes);
    /* buffers: the steps' scratch tensors come from the pool (without it,
     * about 10 a step); only a cache that grows needs new ones, and the
     * first step its scratch set (16 at most) */
    unsigned long long made = end.buffers - w.at_first.buffers;
    ok(made <= cp + 16, "decode-traffic %d.6: %llu buffers made in %d steps (%llu reused), at "
       "most one per cache growth (%llu) and a step's scratch set", part, made, STEPS,
       end.buffers_reused - w.at_first.buffers_reused, cp);

    /* the same tokens as the CPU backend, log-probs within 1e-3 */
    int same = 1;
    double worst = 0;
    for (int s = 0; s < n; s++) {
        same &= rc[s].n_out == rg[s].n_out && rc[s].n_out == STEPS + 1 &&
                !memcmp(rc[s].out_ids, rg[s].out_ids, sizeof(int32_t) * (size_t)rc[s].n_out);
        for (int i = 0; same && i < rc[s].n_out; i++) {
            double d = fabs((double)rc[s].out_logprobs[i] - rg[s].out_logprobs[i]);
            worst = d > worst ? d : worst;
        }
    }
    ok(same && worst <= 1e-3, "decode-traffic %d.5: ids identical to the CPU backend's, "
       "log-probs within 1e-3 (worst %.2g)", part, worst);
    free_requests(rc, n);
    free_requests(rg, n);
done:
    qwen3_free(cpu, &lc);
    qwen3_free(gpu, &lg);
    vo_drop_weights(wts);
}

int
main(void)
{
    ctx = vo_new_ctx();
    if (!ctx)
        return 99;
    const char *dir = fx_dir("tiny-varco");
    if (!dir)
        skip_all("tests/data/fixtures/tiny-varco not found (top_srcdir unset?)");
    vo_backend *cpu = NULL, *gpu = NULL;
    /* the GPU kernels on any device (PoCL in CI), the device tests/gpu-check.sh picks */
    vo_opencl_opts o = {.device = getenv("VO_TEST_OPENCL_DEVICE"), .kernel_path = 1};
    vo_status st = vo_opencl_backend_new(ctx, &o, &gpu);
    if (st == VO_ERR_DEVICE && strstr(vo_last_error(ctx), "no OpenCL platform"))
        skip_all("no OpenCL platform: %s", vo_last_error(ctx));
    if (st != VO_OK || vo_new_cpu_backend(ctx, 2, &cpu) != VO_OK) {
        ok(0, "decode-traffic 0.1: backends start: %s", vo_last_error(ctx));
        return done_testing();
    }
    char d[4096];
    snprintf(d, sizeof d, "%s", dir);
    check(d, cpu, gpu, 1, 1);
    check(d, cpu, gpu, MAX_SEQS, 2);
    vo_backend_drop(gpu);
    vo_backend_drop(cpu);
    vo_drop_ctx(ctx);
    return done_testing();
}
