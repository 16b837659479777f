/* prompt.c: reads the pieces of a ChatML chat template (default system
 * block, image item, generation prompt), renders prompts, expands images. */
#include "src/model/prompt.h"

#include <jansson.h>
#include <string.h>
#include <unistd.h>

#include "src/util/alloc.h"

#define PROMPT_MAX_FILE ((size_t)16 * 1024 * 1024)

void vo_drop_chat_template(vo_chat_template *t)
{
    if (!t)
        return;
    vo_free(t->default_system);
    vo_free(t->image_item);
    vo_free(t->generation_prompt);
    vo_free(t->source);
    vo_free(t);
}

/* The template text from one of the three places it may live. */
static vo_status prompt_find_template(vo_ctx *ctx, const char *dir, vo_buf *text, char **source)
{
    static const char *const files[3] = {"chat_template.jinja", "chat_template.json", "tokenizer_config.json"};
    vo_buf path = VO_BUF_INIT, raw = VO_BUF_INIT;
    vo_status st = VO_ERR_MISSING;
    for (int i = 0; i < 3; i++) {
        vo_buf_reset(&path);
        if (vo_buf_printf(&path, "%s/%s", dir, files[i]) != VO_OK) {
            st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
            break;
        }
        if (access(path.data, F_OK) != 0)
            continue;
        vo_buf_reset(&raw);
        if ((st = vo_read_file(ctx, path.data, PROMPT_MAX_FILE, &raw)) != VO_OK)
            break;
        if (i == 0) {
            st = vo_buf_append(text, raw.data ? raw.data : "", raw.len);
        } else {
            json_error_t jerr;
            json_t *root = json_loadb(raw.data ? raw.data : "", raw.len, 0, &jerr);
            json_t *ct = json_object_get(root, "chat_template");
            if (!root) {
                st = vo_fail(ctx, VO_ERR_FORMAT, "%s: not valid JSON (line %d: %s)", path.data, jerr.line, jerr.text);
                break;
            }
            if (json_is_array(ct)) { /* [{name, template}, ...]: take "default" */
                size_t k;
                json_t *e, *pick = NULL;
                json_array_foreach(ct, k, e) if (!strcmp(json_string_value(json_object_get(e, "name")) ?
                                                         json_string_value(json_object_get(e, "name")) : "",
                                                         "default")) pick = json_object_get(e, "template");
                ct = pick;
            }
            if (!json_is_string(ct)) {
                int present = json_object_get(root, "chat_template") != NULL;
                json_decref(root);
                if (present) {
                    st = vo_fail(ctx, VO_ERR_FORMAT, "%s: chat_template is not a string", path.data);
                    break;
                }
                continue;
            }
            st = vo_buf_append(text, json_string_value(ct), json_string_length(ct));
            json_decref(root);
        }
        if (st == VO_OK && !(*source = vo_strdup(path.data)))
            st = VO_ERR_NOMEM;
        if (st != VO_OK)
            st = vo_fail(ctx, st, "out of memory");
        break;
    }
    if (st == VO_ERR_MISSING)
        st = vo_fail(ctx, VO_ERR_MISSING,
                     "%s: no chat template (chat_template.jinja, chat_template.json or tokenizer_config.json)", dir);
    vo_buf_free(&path);
    vo_buf_free(&raw);
    return st;
}

/* The Jinja string literals of the template, unescaped, in order. */
typedef struct {
    char **s;
    size_t *at; /* offset of the literal in the template */
    size_t n, cap, cap_at;
} prompt_literals;

static void prompt_literals_free(prompt_literals *l)
{
    for (size_t i = 0; i < l->n; i++)
        vo_free(l->s[i]);
    vo_free(l->s);
    vo_free(l->at);
}

static vo_status prompt_scan_literals(const char *t, size_t n, prompt_literals *l)
{
    int in_code = 0;
    for (size_t i = 0; i < n; i++) {
        if (!in_code) {
            if (t[i] == '{' && i + 1 < n && (t[i + 1] == '{' || t[i + 1] == '%'))
                in_code = 1, i++;
            continue;
        }
        if ((t[i] == '}' || t[i] == '%') && i + 1 < n && t[i + 1] == '}') {
            in_code = 0, i++;
            continue;
        }
        if (t[i] != '\'' && t[i] != '"')
            continue;
        char q = t[i];
        vo_buf b = VO_BUF_INIT;
        size_t start = i;
        for (i++; i < n && t[i] != q; i++) {
            char c = t[i];
            if (c == '\\' && i + 1 < n) {
                c = t[++i];
                c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
            }
            if (vo_buf_putc(&b, c) != VO_OK) {
                vo_buf_free(&b);
                return VO_ERR_NOMEM;
            }
        }
        if (vo_grow((void **)&l->s, &l->cap, l->n + 1, sizeof *l->s) != VO_OK ||
            vo_grow((void **)&l->at, &l->cap_at, l->n + 1, sizeof *l->at) != VO_OK) {
            vo_buf_free(&b);
            return VO_ERR_NOMEM;
        }
        l->s[l->n] = b.data ? vo_buf_take(&b) : vo_strdup("");
        l->at[l->n++] = start;
        if (!l->s[l->n - 1])
            return VO_ERR_NOMEM;
    }
    return VO_OK;
}

static int prompt_starts(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

static int prompt_ends(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

vo_status vo_load_chat_template(vo_ctx *ctx, const char *model_dir, vo_chat_template **out)
{
    *out = NULL;
    vo_buf text = VO_BUF_INIT;
    prompt_literals lit = {0};
    vo_chat_template *t = vo_calloc(1, sizeof *t);
    vo_status st;
    if (!t)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    if ((st = prompt_find_template(ctx, model_dir, &text, &t->source)) != VO_OK)
        goto fail;
    const char *tx = text.data ? text.data : "";
    if ((st = prompt_scan_literals(tx, text.len, &lit)) != VO_OK) {
        st = vo_fail(ctx, st, "out of memory");
        goto fail;
    }
    if (!strstr(tx, "<|im_start|>") || !strstr(tx, "<|im_end|>")) {
        st = vo_fail(ctx, VO_ERR_FORMAT, "%s: not a ChatML template (no <|im_start|>/<|im_end|>)", t->source);
        goto fail;
    }
    const char *gen_kw = strstr(tx, "add_generation_prompt");
    int nomem = 0; /* a copy that failed: not a template without that part */
    for (size_t i = 0; i < lit.n && !nomem; i++) {
        const char *s = lit.s[i];
        /* the default system block: a whole system turn as one literal */
        if (!t->default_system && prompt_starts(s, "<|im_start|>system\n") && prompt_ends(s, "<|im_end|>\n") &&
            strlen(s) > strlen("<|im_start|>system\n<|im_end|>\n"))
            nomem = !(t->default_system = vo_strdup(s));
        else if (!t->image_item && strstr(s, "<image>"))
            nomem = !(t->image_item = vo_strdup(s));
        else if (!t->generation_prompt && gen_kw && tx + lit.at[i] > gen_kw && prompt_starts(s, "<|im_start|>assistant"))
            nomem = !(t->generation_prompt = vo_strdup(s));
    }
    if (!nomem && !t->default_system)
        nomem = !(t->default_system = vo_strdup(""));
    if (nomem) {
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (!t->image_item || !t->generation_prompt) {
        st = vo_fail(ctx, VO_ERR_FORMAT, "%s: cannot find the %s in the chat template", t->source,
                     !t->image_item ? "image item ('<image>...')" : "generation prompt ('<|im_start|>assistant...')");
        goto fail;
    }
    const char *img = strstr(tx, "equalto', 'image'"), *txt = strstr(tx, "equalto', 'text'");
    t->images_first = img && txt && img < txt;
    /* a loop over all messages renders an explicit system message again */
    t->system_turn_repeated = strstr(tx, "for message in messages") && !strstr(tx, "messages[1:]") &&
                              !strstr(tx, "loop_messages");
    vo_debug(ctx, "%s: chat template read (default system %zu bytes, images %s)", t->source,
             strlen(t->default_system), t->images_first ? "first" : "inline");
    *out = t;
    t = NULL;
fail:
    prompt_literals_free(&lit);
    vo_buf_free(&text);
    vo_drop_chat_template(t);
    return st;
}

vo_status vo_prompt_render(vo_ctx *ctx, const vo_chat_template *t, const char *system, const char *user_text,
                           int n_images, vo_buf *out)
{
    vo_status st = VO_OK;
    if (n_images < 0)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "prompt: negative image count");
    if (!system)
        st = vo_buf_puts(out, t->default_system);
    else {
        st = vo_buf_printf(out, "<|im_start|>system\n%s<|im_end|>\n", system);
        if (st == VO_OK && t->system_turn_repeated)
            st = vo_buf_puts(out, "<|im_start|>system\n<|im_end|>\n");
    }
    if (st == VO_OK)
        st = vo_buf_puts(out, "<|im_start|>user\n");
    for (int i = 0; i < n_images && st == VO_OK; i++)
        st = vo_buf_puts(out, t->image_item);
    if (st == VO_OK)
        st = vo_buf_puts(out, user_text ? user_text : "");
    if (st == VO_OK)
        st = vo_buf_puts(out, "<|im_end|>\n");
    if (st == VO_OK)
        st = vo_buf_puts(out, t->generation_prompt);
    if (st != VO_OK)
        return vo_fail(ctx, st, "prompt: out of memory");
    return VO_OK;
}

vo_status vo_prompt_render_ocr(vo_ctx *ctx, const vo_chat_template *t, vo_buf *out)
{
    return vo_prompt_render(ctx, t, NULL, "<ocr>", 1, out);
}

vo_status vo_prompt_encode(vo_ctx *ctx, const vo_tokenizer *tok, const char *prompt, size_t len,
                           int32_t image_token_id, const size_t *n_image_tokens, size_t n_images, int32_t **ids,
                           size_t *n)
{
    int32_t *raw = NULL;
    size_t nraw = 0, total = 0, found = 0;
    *ids = NULL;
    *n = 0;
    vo_status st = vo_tokenizer_encode(ctx, tok, prompt, len, &raw, &nraw);
    if (st != VO_OK)
        return st;
    for (size_t i = 0; i < nraw; i++) {
        size_t add = 1;
        if (raw[i] == image_token_id) {
            if (found >= n_images)
                break;
            add = n_image_tokens[found++];
        }
        if (vo_add_size(&total, total, add) != VO_OK) {
            vo_free(raw);
            return vo_fail(ctx, VO_ERR_LIMIT, "prompt: image token counts overflow");
        }
    }
    size_t have = 0;
    for (size_t i = 0; i < nraw; i++)
        have += raw[i] == image_token_id;
    if (have != n_images) {
        vo_free(raw);
        return vo_fail(ctx, VO_ERR_ARGUMENT, "prompt holds %zu image placeholders (id %d) but %zu images were given",
                       have, (int)image_token_id, n_images);
    }
    int32_t *o = total ? vo_malloc(total * sizeof *o) : NULL;
    if (total && !o) {
        vo_free(raw);
        return vo_fail(ctx, VO_ERR_NOMEM, "prompt: out of memory for %zu ids", total);
    }
    size_t k = 0;
    found = 0;
    for (size_t i = 0; i < nraw; i++) {
        size_t rep = raw[i] == image_token_id ? n_image_tokens[found++] : 1;
        for (size_t r = 0; r < rep; r++)
            o[k++] = raw[i];
    }
    vo_free(raw);
    *ids = o;
    *n = k;
    return VO_OK;
}
