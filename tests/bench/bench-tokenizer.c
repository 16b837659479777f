/* bench-tokenizer.c: prints tokenizer.json load time and encode throughput
 * (MB/s, one core) on Korean text. Usage: bench-tokenizer MODEL_DIR TEXT... */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "src/model/tokenizer.h"
#include "src/util/alloc.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench-tokenizer MODEL_DIR TEXT_FILE...\n");
        return 2;
    }
    vo_ctx *ctx = vo_new_ctx();
    vo_tokenizer *tok = NULL;
    double best_load = 1e9;
    for (int r = 0; r < 3; r++) { /* best of 3: the first run also warms the page cache */
        double t0 = now();
        if (vo_load_tokenizer(ctx, argv[1], &tok) != VO_OK) {
            fprintf(stderr, "bench-tokenizer: %s\n", vo_last_error(ctx));
            return 1;
        }
        double t = now() - t0;
        best_load = t < best_load ? t : best_load;
        if (r < 2)
            vo_drop_tokenizer(tok);
    }
    printf("load %s/tokenizer.json: %.3f s (best of 3)\n", argv[1], best_load);
    vo_buf text = VO_BUF_INIT;
    for (int i = 2; i < argc; i++)
        if (vo_read_file(ctx, argv[i], 0, &text) != VO_OK) { /* appends */
            fprintf(stderr, "bench-tokenizer: %s\n", vo_last_error(ctx));
            return 1;
        }
    size_t total_ids = 0;
    double t0 = now(), t;
    int reps = 0;
    do {
        int32_t *ids = NULL;
        size_t n = 0;
        if (vo_tokenizer_encode(ctx, tok, text.data, text.len, &ids, &n) != VO_OK) {
            fprintf(stderr, "bench-tokenizer: %s\n", vo_last_error(ctx));
            return 1;
        }
        total_ids = n;
        vo_free(ids);
        reps++;
        t = now() - t0;
    } while (t < 2.0);
    printf("encode %.2f MB (%zu ids): %.1f MB/s, %.0f ids/s (%d runs)\n", text.len / 1e6, total_ids,
           text.len * reps / t / 1e6, (double)total_ids * reps / t, reps);
    vo_buf_free(&text);
    vo_drop_tokenizer(tok);
    vo_drop_ctx(ctx);
    return 0;
}
