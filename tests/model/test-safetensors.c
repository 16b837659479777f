/* test-safetensors.c: crafted safetensors files (truncated, overlapping,
 * overflowing, bad JSON, bad index) are refused; the fixtures open. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "src/model/safetensors.h"
#include "src/util/alloc.h"
#include "tests/tap.h"

static char tmpdir[256];

/* Write path = 8-byte length (claimed, or the real length when claim is
 * UINT64_MAX) + header + data_len zero bytes. */
static void write_st(const char *name, const char *header, uint64_t claim, size_t data_len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    uint64_t n = claim == UINT64_MAX ? strlen(header) : claim;
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(n >> (8 * i));
    fwrite(len, 1, 8, f);
    fwrite(header, 1, strlen(header), f);
    for (size_t i = 0; i < data_len; i++)
        fputc((int)(i & 0xff), f);
    fclose(f);
}

static vo_status open_st(vo_ctx *ctx, const char *name, vo_weights **w)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return vo_open_safetensors(ctx, path, w);
}

typedef struct {
    const char *id;       /* hierarchical test id */
    const char *what;
    const char *header;
    uint64_t claim;       /* header length written (UINT64_MAX = real) */
    size_t data_len;
    const char *must_say; /* substring the message must hold (tensor name) */
} bad_case;

static const bad_case bad_cases[] = {
    {"1.1", "header length past EOF", "{}", 1000, 0, "past the end"},
    {"1.2", "50 MB header-length claim", "{\"a\":1}", 50u * 1024 * 1024, 16, "past the end"},
    {"1.3", "offsets past EOF",
     "{\"wpast\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", UINT64_MAX, 8, "wpast"},
    {"1.4", "overlapping offsets",
     "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
     "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", UINT64_MAX, 32, "overlap"},
    {"1.5", "shape product overflows 64 bits",
     "{\"big\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,16]}}",
     UINT64_MAX, 16, "big"},
    {"1.6", "shape x dtype != byte length",
     "{\"mism\":{\"dtype\":\"BF16\",\"shape\":[3,3],\"data_offsets\":[0,16]}}", UINT64_MAX, 16, "mism"},
    {"1.7", "unknown dtype",
     "{\"q\":{\"dtype\":\"I8\",\"shape\":[4],\"data_offsets\":[0,4]}}", UINT64_MAX, 4, "I8"},
    {"1.8", "100 GB shape",
     "{\"huge\":{\"dtype\":\"BF16\",\"shape\":[100000,500000],\"data_offsets\":[0,16]}}",
     UINT64_MAX, 16, "huge"},
    {"1.9", "bad JSON", "{\"a\": {\"dtype\": \"F32\",", UINT64_MAX, 0, "JSON"},
    {"1.10", "header is not an object", "[1,2,3]", UINT64_MAX, 0, "object"},
    {"1.11", "end before begin",
     "{\"rev\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", UINT64_MAX, 16, "rev"},
    {"1.12", "negative dimension",
     "{\"neg\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", UINT64_MAX, 16, "neg"},
    {"1.13", "duplicate key",
     "{\"d\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
     "\"d\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", UINT64_MAX, 8, "JSON"},
    {"1.14", "too many dimensions",
     "{\"dims9\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", UINT64_MAX, 4, "dims9"},
    {"1.15", "missing data_offsets", "{\"nooff\":{\"dtype\":\"F32\",\"shape\":[1]}}", UINT64_MAX, 4, "nooff"},
};

static void test_bad_files(vo_ctx *ctx)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        const bad_case *c = &bad_cases[i];
        char name[64];
        snprintf(name, sizeof name, "bad-%zu.safetensors", i);
        write_st(name, c->header, c->claim, c->data_len);
        vo_weights *w = (vo_weights *)1;
        clock_t t0 = clock();
        vo_status st = open_st(ctx, name, &w);
        double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
        const char *msg = vo_last_error(ctx);
        ok(st == VO_ERR_FORMAT && w == NULL, "safetensors %s: %s refused as a format error", c->id, c->what);
        ok(strstr(msg, name) && strstr(msg, c->must_say), "safetensors %s: message names file and '%s' (%s)",
           c->id, c->must_say, msg);
        ok(secs < 1.0, "safetensors %s: refused quickly (%.3f s)", c->id, secs);
    }
    /* a header over 100 MB in a (sparse) file that is large enough */
    char path[512];
    snprintf(path, sizeof path, "%s/sparse.safetensors", tmpdir);
    write_st("sparse.safetensors", "{}", 150u * 1024 * 1024, 0);
    int ok_trunc = truncate(path, 200l * 1024 * 1024) == 0;
    vo_weights *w = NULL;
    vo_status st = open_st(ctx, "sparse.safetensors", &w);
    ok(ok_trunc && st == VO_ERR_FORMAT && strstr(vo_last_error(ctx), "100 MB"),
       "safetensors 1.16: 150 MB header claim in a 200 MB file refused (%s)", vo_last_error(ctx));
    unlink(path);
    /* shorter than the length field */
    snprintf(path, sizeof path, "%s/short.safetensors", tmpdir);
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs("abc", f);
        fclose(f);
    }
    st = open_st(ctx, "short.safetensors", &w);
    ok(st == VO_ERR_FORMAT && strstr(vo_last_error(ctx), "too short"), "safetensors 1.17: 3-byte file refused");
}

static void test_good_file(vo_ctx *ctx)
{
    write_st("good.safetensors",
             "{\"__metadata__\":{\"format\":\"pt\"},"
             "\"b\":{\"dtype\":\"BF16\",\"shape\":[2,3],\"data_offsets\":[16,28]},"
             "\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
             "\"e\":{\"dtype\":\"F16\",\"shape\":[0],\"data_offsets\":[28,28]}}",
             UINT64_MAX, 28);
    vo_weights *w = NULL;
    vo_status st = open_st(ctx, "good.safetensors", &w);
    ok(st == VO_OK && w, "safetensors 2.1: valid file with __metadata__ opens (%s)", vo_last_error(ctx));
    if (!w)
        return;
    ok(vo_weights_count(w) == 3, "safetensors 2.2: three tensors (metadata is not one)");
    const vo_tensor_view *a = vo_weights_find(w, "a"), *b = vo_weights_find(w, "b");
    ok(a && a->dtype == VO_DT_F32 && a->ndim == 1 && a->shape[0] == 4 && a->nbytes == 16,
       "safetensors 2.3: F32 [4] view");
    ok(b && b->dtype == VO_DT_BF16 && b->ndim == 2 && b->shape[0] == 2 && b->shape[1] == 3 && b->nbytes == 12,
       "safetensors 2.4: BF16 [2,3] view");
    ok(a && b && ((const unsigned char *)b->data)[0] == 16 && ((const unsigned char *)a->data)[5] == 5,
       "safetensors 2.5: data pointers at the right offsets");
    ok(!vo_weights_find(w, "zz") && !vo_weights_find_any(w, "model.image_newline"),
       "safetensors 2.6: absent names give NULL");
    ok(vo_weights_total_bytes(w) == 28, "safetensors 2.7: total bytes");
    vo_drop_weights(w);
}

static void write_text(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_index(vo_ctx *ctx)
{
    /* tmpdir/idx: two shards */
    char sub[300];
    snprintf(sub, sizeof sub, "%s/idx", tmpdir);
    mkdir(sub, 0700);
    write_st("idx/s1.safetensors",
             "{\"language_model.model.embed_tokens.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}",
             UINT64_MAX, 16);
    write_st("idx/s2.safetensors",
             "{\"language_model.lm_head.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}",
             UINT64_MAX, 16);
    write_text("idx/model.safetensors.index.json",
               "{\"metadata\":{\"total_size\":32},\"weight_map\":{"
               "\"language_model.model.embed_tokens.weight\":\"s1.safetensors\","
               "\"language_model.lm_head.weight\":\"s2.safetensors\"}}");
    vo_weights *w = NULL;
    vo_status st = vo_open_weights(ctx, sub, &w);
    ok(st == VO_OK && vo_weights_count(w) == 2, "safetensors 3.1: two-shard index opens (%s)", vo_last_error(ctx));
    ok(vo_weights_legacy_names(w), "safetensors 3.2: older name layout detected");
    const vo_tensor_view *e = vo_weights_find_any(w, "model.language_model.embed_tokens.weight");
    ok(e && !strcmp(e->name, "language_model.model.embed_tokens.weight"),
       "safetensors 3.3: canonical name resolves to the older layout");
    const vo_tensor_view *h = NULL;
    st = vo_weights_lm_head(ctx, w, 0, &h);
    ok(st == VO_OK && h && !strcmp(h->name, "language_model.lm_head.weight"),
       "safetensors 3.4: lm head found under language_model.lm_head.weight");
    vo_drop_weights(w);

    /* index naming a missing shard */
    write_text("idx/model.safetensors.index.json",
               "{\"weight_map\":{\"x\":\"s1.safetensors\",\"y\":\"gone.safetensors\"}}");
    st = vo_open_weights(ctx, sub, &w);
    ok(st != VO_OK && !w && strstr(vo_last_error(ctx), "gone.safetensors"),
       "safetensors 3.5: missing shard refused, named (%s)", vo_last_error(ctx));
    /* index naming a tensor its shard does not hold */
    write_text("idx/model.safetensors.index.json", "{\"weight_map\":{\"nothere\":\"s1.safetensors\"}}");
    st = vo_open_weights(ctx, sub, &w);
    ok(st == VO_ERR_FORMAT && strstr(vo_last_error(ctx), "nothere"),
       "safetensors 3.6: tensor absent from its shard refused (%s)", vo_last_error(ctx));
    /* a shard path escaping the folder */
    write_text("idx/model.safetensors.index.json", "{\"weight_map\":{\"x\":\"../s1.safetensors\"}}");
    st = vo_open_weights(ctx, sub, &w);
    ok(st == VO_ERR_FORMAT && strstr(vo_last_error(ctx), "plain file name"),
       "safetensors 3.7: shard path with a directory refused");
    write_text("idx/model.safetensors.index.json", "{\"weight_map\": [");
    st = vo_open_weights(ctx, sub, &w);
    ok(st == VO_ERR_FORMAT && strstr(vo_last_error(ctx), "index.json"), "safetensors 3.8: bad index JSON refused");
    /* the same tensor in two shards */
    write_st("idx/s3.safetensors",
             "{\"language_model.lm_head.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}",
             UINT64_MAX, 16);
    write_text("idx/model.safetensors.index.json",
               "{\"weight_map\":{\"language_model.lm_head.weight\":\"s2.safetensors\",\"z\":\"s3.safetensors\"}}");
    st = vo_open_weights(ctx, sub, &w);
    ok(st == VO_ERR_FORMAT && strstr(vo_last_error(ctx), "twice"), "safetensors 3.9: tensor stored twice refused");
    char path[512];
    const char *files[] = {"s1.safetensors", "s2.safetensors", "s3.safetensors", "model.safetensors.index.json"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", sub, files[i]);
        unlink(path);
    }
    st = vo_open_weights(ctx, sub, &w);
    ok(st == VO_ERR_MISSING, "safetensors 3.10: folder without weights is VO_ERR_MISSING");
    rmdir(sub);
}

static void test_fixture(vo_ctx *ctx, const char *dir, const char *label, int legacy, int has_head)
{
    vo_weights *w = NULL;
    vo_status st = vo_open_weights(ctx, dir, &w);
    ok(st == VO_OK && w, "safetensors 4.%s.1: fixture opens (%s)", label, vo_last_error(ctx));
    if (!w)
        return;
    ok(vo_weights_legacy_names(w) == legacy, "safetensors 4.%s.2: name layout %s", label, legacy ? "older" : "current");
    const char *canon[] = {"model.image_newline", "model.multi_modal_projector.linear_1.weight",
                           "model.vision_tower.vision_model.embeddings.patch_embedding.weight",
                           "model.language_model.layers.0.self_attn.q_proj.weight",
                           "model.language_model.norm.weight"};
    int all = 1;
    for (size_t i = 0; i < 5; i++) {
        const vo_tensor_view *v = vo_weights_find_any(w, canon[i]);
        if (!v || v->dtype != VO_DT_BF16) {
            all = 0;
            diag("missing %s", canon[i]);
        }
    }
    ok(all, "safetensors 4.%s.3: canonical names resolve, BF16", label);
    const vo_tensor_view *h = NULL;
    st = vo_weights_lm_head(ctx, w, !has_head, &h);
    ok(st == VO_OK && h && (strstr(h->name, "lm_head") != NULL) == has_head,
       "safetensors 4.%s.4: LM head is %s", label, has_head ? "lm_head.weight" : "the tied embedding");
    vo_drop_weights(w);
}

int main(void)
{
    vo_ctx *ctx = vo_new_ctx();
    vo_set_verbosity(ctx, 0);
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(tmpdir, sizeof tmpdir, "%s/vo-st-XXXXXX", base);
    if (!mkdtemp(tmpdir))
        skip_all("cannot make a temporary folder in %s", base);
    test_bad_files(ctx);
    test_good_file(ctx);
    test_index(ctx);

    const char *srcdir = getenv("top_srcdir") ? getenv("top_srcdir") : ".";
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/data/fixtures/tiny-varco", srcdir);
    test_fixture(ctx, dir, "1", 0, 0);
    snprintf(dir, sizeof dir, "%s/tests/data/fixtures/tiny-varco-alt", srcdir);
    test_fixture(ctx, dir, "2", 0, 1);
    const char *shared = getenv("VO_SHARED");
    struct stat sb;
    if (shared && stat(shared, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        snprintf(dir, sizeof dir, "%s/fixtures/tiny-varco-v1", shared);
        test_fixture(ctx, dir, "3", 1, 1);
        snprintf(dir, sizeof dir, "%s/fixtures/geom-varco", shared);
        test_fixture(ctx, dir, "4", 0, 0);
    } else {
        diag("VO_SHARED not a folder: tiny-varco-v1 and geom-varco not checked");
    }

    /* clean the temp dir */
    char path[600];
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        snprintf(path, sizeof path, "%s/bad-%zu.safetensors", tmpdir, i);
        unlink(path);
    }
    const char *rest[] = {"good.safetensors", "short.safetensors"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, rest[i]);
        unlink(path);
    }
    rmdir(tmpdir);
    vo_drop_ctx(ctx);
    return done_testing();
}
