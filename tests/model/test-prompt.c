/* test-prompt.c: the rendered prompt and its expanded ids equal every
 * manifest case's prompt_text and input_ids (image counts from the geometry). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/model/config.h"
#include "src/model/image_geom.h"
#include "src/model/prompt.h"
#include "src/util/alloc.h"
#include "tests/tap.h"

/* The user text of a rendered prompt: after the user turn's image items,
 * before its <|im_end|>. */
static char *user_text_of(const char *prompt, const char *image_item)
{
    const char *u = strstr(prompt, "<|im_start|>user\n");
    if (!u)
        return NULL;
    u += strlen("<|im_start|>user\n");
    while (!strncmp(u, image_item, strlen(image_item)))
        u += strlen(image_item);
    const char *e = strstr(u, "<|im_end|>");
    return e ? vo_strndup(u, (size_t)(e - u)) : NULL;
}

static void test_folder(vo_ctx *ctx, const char *dir, const char *label)
{
    vo_config cfg;
    vo_tokenizer *tok = NULL;
    vo_chat_template *tmpl = NULL;
    char path[1100];
    snprintf(path, sizeof path, "%s/golden/manifest.json", dir);
    json_error_t jerr;
    json_t *m = json_load_file(path, 0, &jerr);
    int loaded = m && vo_load_config(ctx, dir, &cfg) == VO_OK && vo_load_tokenizer(ctx, dir, &tok) == VO_OK &&
                 vo_load_chat_template(ctx, dir, &tmpl) == VO_OK;
    if (!ok(loaded, "prompt %s.0: manifest, config, tokenizer, template load (%s)", label, vo_last_error(ctx)))
        goto done;
    ok(vo_tokenizer_token_id(tok, cfg.image_token) == cfg.image_token_index,
       "prompt %s.0.1: config image_token_index %d is the id of %s", label, (int)cfg.image_token_index,
       cfg.image_token);
    const char *name;
    json_t *c;
    json_object_foreach(json_object_get(m, "cases"), name, c) {
        const char *want = json_string_value(json_object_get(c, "prompt_text"));
        if (!want)
            continue;
        json_t *facts = json_object_get(c, "facts");
        size_t counts[8];
        size_t n_img = 0;
        json_t *tpi = json_object_get(facts, "tokens_per_image");
        json_t *hw = json_object_get(facts, "image_size_hw");
        if (tpi) { /* multi-image: nested = P+1 each, flat = anyres each */
            int nested = !strcmp(json_string_value(json_object_get(facts, "mode")), "nested");
            json_t *sizes = json_object_get(facts, "image_sizes_hw");
            for (size_t k = 0; k < json_array_size(sizes) && k < 8; k++) {
                vo_image_geom g;
                vo_image_geom_compute(ctx, &cfg, (int)json_integer_value(json_array_get(json_array_get(sizes, k), 0)),
                                      (int)json_integer_value(json_array_get(json_array_get(sizes, k), 1)), &g);
                counts[n_img++] = nested ? (size_t)vo_image_tokens_multi(&cfg) : (size_t)g.num_image_tokens;
            }
        } else if (hw) {
            vo_image_geom g;
            vo_image_geom_compute(ctx, &cfg, (int)json_integer_value(json_array_get(hw, 0)),
                                  (int)json_integer_value(json_array_get(hw, 1)), &g);
            counts[n_img++] = (size_t)g.num_image_tokens;
        }
        vo_buf b = VO_BUF_INIT;
        char *user = user_text_of(want, tmpl->image_item);
        vo_status st = !strcmp(user ? user : "", "<ocr>") && n_img == 1
                           ? vo_prompt_render_ocr(ctx, tmpl, &b)
                           : vo_prompt_render(ctx, tmpl, NULL, user, (int)n_img, &b);
        ok(st == VO_OK && b.data && !strcmp(b.data, want), "prompt %s.%s.1: rendered text equals prompt_text", label,
           name);
        if (b.data && strcmp(b.data, want))
            diag("got: %s", b.data);
        int32_t *ids = NULL;
        size_t n = 0;
        st = vo_prompt_encode(ctx, tok, want, strlen(want), cfg.image_token_index, counts, n_img, &ids, &n);
        json_t *wid = json_object_get(c, "input_ids");
        int same = st == VO_OK && n == json_array_size(wid);
        for (size_t i = 0; same && i < n; i++)
            same = ids[i] == json_integer_value(json_array_get(wid, i));
        ok(same, "prompt %s.%s.2: input_ids equal (%zu ids, %zu images)", label, name, n, n_img);
        vo_free(ids);
        vo_free(user);
        vo_buf_free(&b);
    }
    /* a placeholder count that does not match is refused */
    int32_t *ids = NULL;
    size_t n = 0, one = 5;
    ok(vo_prompt_encode(ctx, tok, "no image here", 13, cfg.image_token_index, &one, 1, &ids, &n) == VO_ERR_ARGUMENT,
       "prompt %s.9: placeholder count mismatch refused", label);
done:
    json_decref(m);
    vo_drop_tokenizer(tok);
    vo_drop_chat_template(tmpl);
}

int main(void)
{
    vo_ctx *ctx = vo_new_ctx();
    vo_set_verbosity(ctx, 0);
    const char *srcdir = getenv("top_srcdir") ? getenv("top_srcdir") : ".";
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/data/fixtures/tiny-varco", srcdir);
    test_folder(ctx, dir, "1");
    const char *shared = getenv("VO_SHARED");
    struct stat sb;
    if (shared && stat(shared, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        const char *more[] = {"geom-varco", "tiny-varco-multi", "tiny-varco-v1"};
        for (int i = 0; i < 3; i++) {
            snprintf(dir, sizeof dir, "%s/fixtures/%s", shared, more[i]);
            char label[16];
            snprintf(label, sizeof label, "%d", i + 2);
            test_folder(ctx, dir, label);
        }
    } else {
        diag("VO_SHARED is not a folder: geom-varco, tiny-varco-multi, tiny-varco-v1 not checked");
    }
    vo_drop_ctx(ctx);
    return done_testing();
}
