/* test-config.c: the config of every fixture folder against a table of the
 * values in its JSON files; malformed configs refused; image geometry
 * checked against the manifests' facts. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/model/config.h"
#include "src/model/image_geom.h"
#include "src/util/alloc.h"
#include "tests/tap.h"

typedef struct {
    const char *name;      /* folder under the fixtures root */
    int shared;            /* 1: only in VO_SHARED */
    const char *text_type;
    int hidden, layers, heads, kv, head_dim, inter, vocab;
    double eps, theta;
    int maxpos, qkv_bias, qk_norm, tie;
    int v_hidden, v_layers, v_heads, v_inter, v_image, v_patch;
    double v_eps;
    int feature_layer, layers_to_run, anyres_max, n_pinpoints, pp0h, pp0w, pplh, pplw;
    int image_token, n_eos, eos0, num_image_tokens;
    double mean0, rescale;
} cfg_row;

static const cfg_row rows[] = {
    {"tiny-varco", 0, "qwen3", 64, 2, 4, 2, 16, 128, 151680, 1e-6, 1e6, 40960, 0, 1, 1,
     64, 2, 4, 128, 64, 16, 1e-6, -1, 2, 9, 36, 64, 64, 384, 384, 151679, 1, 151645, 16, 0.5, 1 / 255.0},
    {"tiny-varco-alt", 0, "qwen3", 48, 3, 4, 1, 24, 96, 1000, 1e-5, 1e4, 4096, 0, 1, 0,
     48, 3, 3, 80, 48, 16, 1e-5, -2, 2, 4, 16, 48, 48, 192, 192, 997, 1, 2, 9, 0.5, 1 / 255.0},
    {"geom-varco", 1, "qwen3", 32, 1, 2, 1, 16, 64, 151680, 1e-6, 1e6, 40960, 0, 1, 1,
     32, 1, 2, 64, 384, 16, 1e-6, -1, 1, 9, 36, 384, 384, 2304, 2304, 151679, 1, 151645, 576, 0.5, 1 / 255.0},
    {"tiny-varco-multi", 1, "qwen3", 64, 2, 4, 2, 16, 128, 151680, 1e-6, 1e6, 40960, 0, 1, 1,
     64, 2, 4, 128, 64, 16, 1e-6, -1, 2, 9, 36, 64, 64, 384, 384, 151679, 1, 151645, 16, 0.5, 1 / 255.0},
    /* v1: Qwen2, absent keys take class defaults (eps 1e-6, max pos 32768) */
    {"tiny-varco-v1", 1, "qwen2", 64, 2, 4, 2, 16, 128, 151680, 1e-6, 1e6, 32768, 1, 0, 0,
     48, 2, 4, 104, 56, 14, 1e-6, -1, 2, 9, 36, 56, 56, 336, 336, 151675, 1, 151645, 16, -1, 1 / 255.0},
};

static int near(double a, double b)
{
    double d = a - b;
    if (d < 0)
        d = -d;
    return d <= 1e-12 + 1e-9 * (b < 0 ? -b : b);
}

static void check_row(vo_ctx *ctx, const char *dir, const cfg_row *r, int idx)
{
    vo_config c;
    vo_status st = vo_load_config(ctx, dir, &c);
    if (!ok(st == VO_OK, "config 1.%d: %s loads (%s)", idx, r->name, vo_last_error(ctx)))
        return;
    ok(!strcmp(c.text_model_type, r->text_type) && c.hidden_size == r->hidden && c.num_hidden_layers == r->layers &&
           c.num_attention_heads == r->heads && c.num_key_value_heads == r->kv && c.head_dim == r->head_dim &&
           c.intermediate_size == r->inter && c.vocab_size == r->vocab,
       "config 1.%d.1: %s text sizes", idx, r->name);
    ok(near(c.rms_norm_eps, r->eps) && near(c.rope_theta, r->theta) && c.max_position_embeddings == r->maxpos &&
           c.attention_qkv_bias == r->qkv_bias && c.qk_norm == r->qk_norm && c.tie_word_embeddings == r->tie,
       "config 1.%d.2: %s eps %g theta %g maxpos %d bias %d qknorm %d tie %d", idx, r->name, c.rms_norm_eps,
       c.rope_theta, c.max_position_embeddings, c.attention_qkv_bias, c.qk_norm, c.tie_word_embeddings);
    ok(c.vision_hidden_size == r->v_hidden && c.vision_num_hidden_layers == r->v_layers &&
           c.vision_num_attention_heads == r->v_heads && c.vision_intermediate_size == r->v_inter &&
           c.vision_image_size == r->v_image && c.vision_patch_size == r->v_patch &&
           near(c.vision_layer_norm_eps, r->v_eps) && !strcmp(c.vision_hidden_act, "gelu_pytorch_tanh"),
       "config 1.%d.3: %s vision sizes", idx, r->name);
    ok(c.vision_feature_layer == r->feature_layer && c.vision_layers_to_run == r->layers_to_run &&
           c.anyres_max == r->anyres_max && !strcmp(c.vision_feature_select_strategy, "full"),
       "config 1.%d.4: %s feature layer %d -> run %d layers, anyres_max_%d", idx, r->name, c.vision_feature_layer,
       c.vision_layers_to_run, c.anyres_max);
    ok(c.n_pinpoints == r->n_pinpoints && c.pinpoints[0][0] == r->pp0h && c.pinpoints[0][1] == r->pp0w &&
           c.pinpoints[c.n_pinpoints - 1][0] == r->pplh && c.pinpoints[c.n_pinpoints - 1][1] == r->pplw &&
           !c.pre_pinpoints_differ,
       "config 1.%d.5: %s pinpoints", idx, r->name);
    ok(c.image_token_index == r->image_token && c.n_eos == r->n_eos && c.eos_token_ids[0] == r->eos0 &&
           c.num_image_tokens == r->num_image_tokens && !strcmp(c.image_token, "<image>"),
       "config 1.%d.6: %s image token %d, eos %d", idx, r->name, c.image_token_index, c.eos_token_ids[0]);
    ok((r->mean0 < 0 || (near(c.image_mean[0], r->mean0) && near(c.image_std[2], 0.5))) &&
           near(c.rescale_factor, r->rescale) && c.resample == 3 && !strcmp(c.projector_hidden_act, "gelu") &&
           c.multimodal_projector_bias == 1,
       "config 1.%d.7: %s preprocessor and projector", idx, r->name);
    vo_buf b = VO_BUF_INIT;
    st = vo_config_dump(ctx, &c, &b);
    char want[64];
    snprintf(want, sizeof want, "text.hidden_size = %d\n", r->hidden);
    ok(st == VO_OK && b.data && strstr(b.data, want) && strstr(b.data, "vision.patch_size"),
       "config 1.%d.8: %s dump has key = value lines", idx, r->name);
    vo_buf_free(&b);
}

/* --- malformed configs --- */

static void write_text(const char *dir, const char *name, const char *text)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_bad(vo_ctx *ctx)
{
    static const struct { const char *file, *text, *must_say; } cases[] = {
        {"config.json", "{\"text_config\": {\"hidden_size\": \"big\"}}", "text_config.hidden_size"},
        {"config.json", "{\"text_config\": {\"num_hidden_layers\": -3}}", "text_config.num_hidden_layers"},
        {"config.json", "{\"vision_feature_layer\": 7, \"vision_config\": {\"num_hidden_layers\": 2}}",
         "vision_feature_layer"},
        {"config.json", "{\"image_grid_pinpoints\": [[384]]}", "image_grid_pinpoints[0]"},
        {"config.json", "{\"vision_aspect_ratio\": \"square\"}", "vision_aspect_ratio"},
        {"config.json", "{\"text_config\": {\"rms_norm_eps\": 5}}", "rms_norm_eps"},
        {"config.json", "{\"tie_word_embeddings\": 3}", "tie_word_embeddings"},
        {"config.json", "[1]", "not a JSON object"},
        {"config.json", "{\"text_config\": ", "not valid JSON"},
        {"config.json", "{\"text_config\": {\"num_attention_heads\": 6, \"num_key_value_heads\": 4}}",
         "num_key_value_heads"},
        {"generation_config.json", "{\"eos_token_id\": \"x\"}", "eos_token_id"},
        {"preprocessor_config.json", "{\"image_std\": [0.5, 0, 0.5]}", "image_std"},
    };
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char dir[512];
    snprintf(dir, sizeof dir, "%s/vo-cfg-XXXXXX", base);
    if (!mkdtemp(dir)) {
        ok(0, "config 2.0: temp folder");
        return;
    }
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        write_text(dir, "config.json", "{}");
        write_text(dir, cases[i].file, cases[i].text);
        vo_config c;
        vo_status st = vo_load_config(ctx, dir, &c);
        const char *msg = vo_last_error(ctx);
        ok(st == VO_ERR_FORMAT && strstr(msg, cases[i].file) && strstr(msg, cases[i].must_say),
           "config 2.%zu: bad %s (%s) refused (%s)", i + 1, cases[i].file, cases[i].must_say, msg);
        char path[600];
        snprintf(path, sizeof path, "%s/%s", dir, cases[i].file);
        unlink(path);
    }
    /* only an empty config.json: every default */
    write_text(dir, "config.json", "{}");
    vo_config c;
    vo_status st = vo_load_config(ctx, dir, &c);
    ok(st == VO_OK && c.image_token_index == 151646 && c.n_pinpoints == 36 && c.pinpoints[35][0] == 2304 &&
           c.vision_image_size == 384 && c.vision_num_hidden_layers == 26 && c.anyres_max == 9 &&
           c.head_dim == 128 && near(c.image_mean[0], 0.48145466),
       "config 2.%zu: empty config.json takes the transformers defaults", sizeof cases / sizeof *cases + 1);
    char path[600];
    snprintf(path, sizeof path, "%s/config.json", dir);
    unlink(path);
    st = vo_load_config(ctx, dir, &c);
    ok(st == VO_ERR_MISSING, "config 2.%zu: missing config.json is VO_ERR_MISSING",
       sizeof cases / sizeof *cases + 2);
    rmdir(dir);
}

/* --- geometry against the manifests' facts --- */

static int geti(json_t *o, const char *k, int i)
{
    json_t *a = json_object_get(o, k);
    return (int)json_integer_value(i < 0 ? a : json_array_get(a, (size_t)i));
}

static void test_geom(vo_ctx *ctx, const char *dir, const char *label)
{
    vo_config c;
    char path[1100];
    snprintf(path, sizeof path, "%s/golden/manifest.json", dir);
    json_error_t jerr;
    json_t *m = json_load_file(path, 0, &jerr);
    if (vo_load_config(ctx, dir, &c) != VO_OK || !m) {
        ok(0, "geom %s: config and manifest load (%s)", label, vo_last_error(ctx));
        json_decref(m);
        return;
    }
    const char *name;
    json_t *cs;
    json_object_foreach(json_object_get(m, "cases"), name, cs) {
        json_t *f = json_object_get(cs, "facts");
        if (json_object_get(f, "mode")) { /* multi-image facts */
            json_t *sizes = json_object_get(f, "image_sizes_hw"), *tpi = json_object_get(f, "tokens_per_image");
            int nested = !strcmp(json_string_value(json_object_get(f, "mode")), "nested");
            int good = 1;
            for (size_t k = 0; k < json_array_size(sizes); k++) {
                json_t *hw = json_array_get(sizes, k);
                vo_image_geom g;
                vo_image_geom_compute(ctx, &c, (int)json_integer_value(json_array_get(hw, 0)),
                                      (int)json_integer_value(json_array_get(hw, 1)), &g);
                int n = nested ? vo_image_tokens_multi(&c) : g.num_image_tokens;
                good &= n == (int)json_integer_value(json_array_get(tpi, k));
            }
            ok(good && json_array_size(sizes) > 0, "geom %s.%s: tokens per image", label, name);
            continue;
        }
        if (!json_object_get(f, "image_size_hw"))
            continue;
        vo_image_geom g;
        vo_status st = vo_image_geom_compute(ctx, &c, geti(f, "image_size_hw", 0), geti(f, "image_size_hw", 1), &g);
        ok(st == VO_OK && g.best_h == geti(f, "best_resolution_hw", 0) && g.best_w == geti(f, "best_resolution_hw", 1) &&
               g.grid_rows == geti(f, "grid_rows_cols", 0) && g.grid_cols == geti(f, "grid_rows_cols", 1) &&
               g.n_tiles == geti(f, "n_tiles_incl_base", -1),
           "geom %s.%s.1: best resolution %dx%d, grid %dx%d", label, name, g.best_h, g.best_w, g.grid_rows,
           g.grid_cols);
        ok(g.resized_h == geti(f, "resized_hw", 0) && g.resized_w == geti(f, "resized_hw", 1) &&
               g.pad_top == geti(f, "pad_top_left", 0) && g.pad_left == geti(f, "pad_top_left", 1),
           "geom %s.%s.2: resized %dx%d at (%d, %d)", label, name, g.resized_h, g.resized_w, g.pad_top, g.pad_left);
        json_t *un = json_object_get(f, "unpad");
        ok(g.map_h == geti(f, "feature_map_hw_before_unpad", 0) && g.map_w == geti(f, "feature_map_hw_before_unpad", 1) &&
               g.unpad_rows == !strcmp(json_string_value(json_array_get(un, 0)), "rows") &&
               g.unpad_removed == (int)json_integer_value(json_array_get(un, 1)) &&
               g.unpad_h == geti(f, "feature_map_hw_after_unpad", 0) &&
               g.unpad_w == geti(f, "feature_map_hw_after_unpad", 1),
           "geom %s.%s.3: unpad %s %d -> %dx%d", label, name, g.unpad_rows ? "rows" : "cols", g.unpad_removed,
           g.unpad_h, g.unpad_w);
        json_t *ds = json_object_get(f, "downsampled_to_hw");
        ok(near(g.ratio, json_real_value(json_object_get(f, "downsample_ratio"))) && g.downsampled == (ds != NULL) &&
               (!ds || (g.final_h == geti(f, "downsampled_to_hw", 0) && g.final_w == geti(f, "downsampled_to_hw", 1))),
           "geom %s.%s.4: ratio %.6f, final %dx%d", label, name, g.ratio, g.final_h, g.final_w);
        ok(g.num_image_tokens == geti(f, "num_image_tokens", -1), "geom %s.%s.5: %d image tokens", label, name,
           g.num_image_tokens);
    }
    json_decref(m);
}

/* MODEL.md §6 worked examples on the real geometry (geom-varco config). */
static void test_model_md_table(vo_ctx *ctx, const char *dir)
{
    static const int t[][3] = {{384, 384, 1176}, {2304, 2304, 5832}, {2304, 1629, 5761}, {1629, 2304, 5736},
                               {2339, 1654, 5761}, {1296, 2304, 5760}, {1000, 700, 3908}, {720, 1280, 4752},
                               {768, 1920, 6384}, {1927, 709, 6946}};
    vo_config c;
    if (vo_load_config(ctx, dir, &c) != VO_OK) {
        ok(0, "geom 9: geom-varco config loads");
        return;
    }
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        vo_image_geom g;
        vo_image_geom_compute(ctx, &c, t[i][0], t[i][1], &g);
        ok(g.num_image_tokens == t[i][2], "geom 9.%zu: MODEL.md §6 %dx%d -> %d tokens (got %d)", i + 1, t[i][0],
           t[i][1], t[i][2], g.num_image_tokens);
    }
}

int main(void)
{
    vo_ctx *ctx = vo_new_ctx();
    vo_set_verbosity(ctx, 0);
    const char *srcdir = getenv("top_srcdir") ? getenv("top_srcdir") : ".";
    const char *shared = getenv("VO_SHARED");
    struct stat sb;
    int have_shared = shared && stat(shared, &sb) == 0 && S_ISDIR(sb.st_mode);
    if (!have_shared)
        diag("VO_SHARED is not a folder: geom-varco, tiny-varco-multi, tiny-varco-v1 not checked");
    char dir[1024];
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        if (rows[i].shared && !have_shared)
            continue;
        if (rows[i].shared)
            snprintf(dir, sizeof dir, "%s/fixtures/%s", shared, rows[i].name);
        else
            snprintf(dir, sizeof dir, "%s/tests/data/fixtures/%s", srcdir, rows[i].name);
        check_row(ctx, dir, &rows[i], (int)i + 1);
        test_geom(ctx, dir, rows[i].name);
        if (!strcmp(rows[i].name, "geom-varco"))
            test_model_md_table(ctx, dir);
    }
    test_bad(ctx);
    vo_drop_ctx(ctx);
    return done_testing();
}
