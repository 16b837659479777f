/* regress.c: replays every seed and found crasher of tests/data/fuzz/<target>/
 * through the fuzz targets' bodies (gcc, make check), and crafted model folders. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "src/model/config.h"
#include "src/model/safetensors.h"
#include "src/model/tokenizer.h"
#include "src/util/status.h"
#include "tests/fuzz/targets.h"
#include "tests/tap.h"

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static unsigned char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *data = NULL;
    size_t cap = 0, len = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            unsigned char *g = realloc(data, cap);
            if (!g)
                break;
            data = g;
        }
        size_t got = fread(data + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    fclose(f);
    /* an exact-size copy, so that reads past the end are seen by ASan */
    unsigned char *exact = malloc(len ? len : 1);
    if (exact && data)
        memcpy(exact, data, len);
    free(data);
    *n = len;
    return exact;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU seconds of this process: the refusal timings, which must not depend
 * on how busy the machine is. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Part 1..7: every file of one target's folder. */
static void replay(int part, const fuzz_target *t, const char *src)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/data/fuzz/%s", src, t->name);
    DIR *d = opendir(dir);
    if (!d) {
        ok(0, "fuzz %d.0: %s has no input folder %s", part, t->name, dir);
        return;
    }
    char *names[512];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 512)
        if (e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, by_name);
    ok(n > 0, "fuzz %d.0: %d inputs for %s", part, n, t->name);
    for (int i = 0; i < n; i++) {
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        size_t len = 0;
        unsigned char *data = read_all(path, &len);
        double t0 = now();
        int r = data ? t->run(data, len) : -1;
        double secs = now() - t0;
        ok(data && r == 0 && secs < 10.0, "fuzz %d.%d: %s/%s (%.2f s)%s%s", part, i + 1, t->name, names[i],
           secs, r ? ": " : "", r ? fuzz_last_problem() : "");
        free(data);
        free(names[i]);
    }
}

/* --- part 8: crafted model folders the model tests do not cover --- */

static char tmp[512];

static void put(const char *name, const void *data, size_t n)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    FILE *f = fopen(path, "wb");
    if (f) {
        if (n)
            fwrite(data, 1, n, f);
        fclose(f);
    }
}

static void drop(const char *name)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    unlink(path);
}

/* A safetensors file whose JSON header is `header` (length field exact). */
static void put_safetensors(const char *header, size_t hl, size_t data_bytes)
{
    size_t n = 8 + hl + data_bytes;
    unsigned char *b = calloc(1, n);
    if (!b)
        return;
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((unsigned long long)hl >> (8 * i));
    memcpy(b + 8, header, hl);
    put("model.safetensors", b, n);
    free(b);
}

static void expect_weights_refused(vo_ctx *ctx, const char *id, const char *what, const char *must_say)
{
    vo_weights *w = NULL;
    double t0 = cpu_now();
    vo_status st = vo_open_weights(ctx, tmp, &w);
    double secs = cpu_now() - t0;
    ok(st == VO_ERR_FORMAT && !w && strstr(vo_last_error(ctx), "model.safetensors") &&
           strstr(vo_last_error(ctx), must_say),
       "fuzz 8.%s: %s refused (%s)", id, what, vo_last_error(ctx));
    ok(secs < 1.0, "fuzz 8.%s: refused in %.3f CPU s (< 1 s)", id, secs);
    vo_drop_weights(w);
}

static void crafted_model(vo_ctx *ctx)
{
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(tmp, sizeof tmp, "%s/vo-regress-XXXXXX", base);
    if (!ok(mkdtemp(tmp) != NULL, "fuzz 8.0: temp folder"))
        return;

    /* a real 50 MB JSON header: one tensor past the end, then padding */
    size_t big = 50u * 1024 * 1024;
    char *h = malloc(big);
    if (h) {
        const char *t = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}";
        size_t tl = strlen(t);
        memcpy(h, t, tl);
        memset(h + tl, ' ', big - tl - 1);
        h[big - 1] = '}';
        put_safetensors(h, big, 8);
        expect_weights_refused(ctx, "1", "50 MB JSON header, tensor past the data", "a");

        /* 50 MB of nested arrays: no deep recursion, a JSON error */
        size_t half = big / 2;
        memset(h, '[', half);
        memset(h + half, ']', big - half);
        put_safetensors(h, big, 0);
        expect_weights_refused(ctx, "2", "50 MB of nested arrays as the header", "JSON");

        /* 250 000 tensors with overlapping offsets in a 13 MB header */
        size_t at = 0;
        at += (size_t)sprintf(h + at, "{");
        for (int i = 0; i < 250000 && at + 80 < big; i++)
            at += (size_t)sprintf(h + at, "%s\"t%d\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}",
                                  i ? "," : "", i);
        h[at++] = '}';
        put_safetensors(h, at, 2);
        expect_weights_refused(ctx, "3", "250 000 tensors sharing their bytes", "tensors");
        free(h);
    }
    drop("model.safetensors");

    /* tokenizer.json and config.json claiming a billion elements */
    static const struct { const char *file, *json, *what, *must_say; } claims[] = {
        {"tokenizer.json",
         "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":999999999},\"merges\":[]},"
         "\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\","
         "\"pattern\":{\"Regex\":\"\\\\s+\"},\"behavior\":\"Isolated\"},{\"type\":\"ByteLevel\"}]}}",
         "tokenizer.json with a vocabulary id of 999 999 999", "id"},
        {"tokenizer.json",
         "{\"added_tokens\":[{\"id\":1000000000,\"content\":\"<x>\",\"special\":true}],"
         "\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]},"
         "\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\","
         "\"pattern\":{\"Regex\":\"\\\\s+\"},\"behavior\":\"Isolated\"},{\"type\":\"ByteLevel\"}]}}",
         "tokenizer.json with an added token id of one billion", "id"},
        {"config.json", "{\"text_config\":{\"vocab_size\":1000000000}}", "config.json with a billion-token vocabulary", "vocab_size"},
        {"config.json", "{\"text_config\":{\"num_hidden_layers\":1000000000}}", "config.json with a billion layers", "num_hidden_layers"},
        {"config.json", "{\"image_grid_pinpoints\":[[384,384],[1000000000,1000000000]]}",
         "config.json with a billion-pixel pinpoint", "image_grid_pinpoints"},
    };
    for (size_t i = 0; i < sizeof claims / sizeof *claims; i++) {
        put(claims[i].file, claims[i].json, strlen(claims[i].json));
        double t0 = cpu_now();
        vo_status st;
        if (!strcmp(claims[i].file, "tokenizer.json")) {
            vo_tokenizer *tok = NULL;
            st = vo_load_tokenizer(ctx, tmp, &tok);
            vo_drop_tokenizer(tok);
        } else {
            static vo_config cfg;
            st = vo_load_config(ctx, tmp, &cfg);
        }
        double secs = cpu_now() - t0;
        ok(st == VO_ERR_FORMAT && strstr(vo_last_error(ctx), claims[i].file) &&
               strstr(vo_last_error(ctx), claims[i].must_say),
           "fuzz 8.%zu: %s refused (%s)", i + 4, claims[i].what, vo_last_error(ctx));
        ok(secs < 1.0, "fuzz 8.%zu: refused in %.3f CPU s (< 1 s)", i + 4, secs);
        drop(claims[i].file);
    }
    rmdir(tmp);
}

int main(void)
{
    const char *src = getenv("top_srcdir");
    if (!src)
        src = ".";
    for (int i = 0; fuzz_targets[i].name; i++)
        replay(i + 1, &fuzz_targets[i], src);
    vo_ctx *ctx = vo_new_ctx();
    if (ctx) {
        vo_set_verbosity(ctx, 0);
        crafted_model(ctx);
    }
    vo_drop_ctx(ctx);
    fuzz_cleanup();
    return done_testing();
}
