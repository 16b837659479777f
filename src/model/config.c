/* config.c: fills vo_config from the model folder's JSON files, with the
 * transformers class defaults for missing keys and range checks. */
#include "src/model/config.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/util/alloc.h"

#define CONFIG_MAX_FILE ((size_t)16 * 1024 * 1024)

/* --- typed getters: missing key -> default; wrong type / range -> error --- */

typedef struct {
    vo_ctx *ctx;
    const char *file;   /* path, for messages */
    const char *prefix; /* "text_config." or "" */
} config_src;

static vo_status config_int(const config_src *s, json_t *obj, const char *key, long long def,
                            long long lo, long long hi, int *out)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    long long x = def;
    if (v && !json_is_null(v)) {
        if (json_is_integer(v))
            x = json_integer_value(v);
        else if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)) &&
                 fabs(json_real_value(v)) < 9e15)
            x = (long long)json_real_value(v);
        else
            return vo_fail(s->ctx, VO_ERR_FORMAT, "%s: %s%s must be an integer", s->file, s->prefix, key);
    }
    if (x < lo || x > hi)
        return vo_fail(s->ctx, VO_ERR_FORMAT, "%s: %s%s = %lld is out of range [%lld, %lld]",
                       s->file, s->prefix, key, x, lo, hi);
    *out = (int)x;
    return VO_OK;
}

static vo_status config_i32(const config_src *s, json_t *obj, const char *key, long long def,
                            long long lo, long long hi, int32_t *out)
{
    int x;
    vo_status st = config_int(s, obj, key, def, lo, hi, &x);
    if (st == VO_OK)
        *out = x;
    return st;
}

static vo_status config_real(const config_src *s, json_t *obj, const char *key, double def,
                             double lo, double hi, double *out)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    double x = def;
    if (v && !json_is_null(v)) {
        if (!json_is_number(v))
            return vo_fail(s->ctx, VO_ERR_FORMAT, "%s: %s%s must be a number", s->file, s->prefix, key);
        x = json_number_value(v);
    }
    if (!(x >= lo && x <= hi))
        return vo_fail(s->ctx, VO_ERR_FORMAT, "%s: %s%s = %g is out of range [%g, %g]",
                       s->file, s->prefix, key, x, lo, hi);
    *out = x;
    return VO_OK;
}

static vo_status config_bool(const config_src *s, json_t *obj, const char *key, int def, int *out)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    if (!v || json_is_null(v)) {
        *out = def;
        return VO_OK;
    }
    if (!json_is_boolean(v))
        return vo_fail(s->ctx, VO_ERR_FORMAT, "%s: %s%s must be true or false", s->file, s->prefix, key);
    *out = json_is_true(v);
    return VO_OK;
}

static vo_status config_str(const config_src *s, json_t *obj, const char *key, const char *def,
                            char out[VO_CONFIG_NAME])
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    const char *x = def;
    if (v && !json_is_null(v)) {
        if (!json_is_string(v))
            return vo_fail(s->ctx, VO_ERR_FORMAT, "%s: %s%s must be a string", s->file, s->prefix, key);
        x = json_string_value(v);
    }
    if (strlen(x) >= VO_CONFIG_NAME)
        return vo_fail(s->ctx, VO_ERR_FORMAT, "%s: %s%s is too long (%zu characters)", s->file,
                       s->prefix, key, strlen(x));
    strcpy(out, x);
    return VO_OK;
}

/* eos_token_id may be an integer or a list of integers. */
static vo_status config_id_list(const config_src *s, json_t *obj, const char *key, int *n,
                                int32_t ids[VO_CONFIG_MAX_STOP_IDS])
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    if (!v || json_is_null(v))
        return VO_OK;
    *n = 0;
    if (json_is_integer(v)) {
        if (json_integer_value(v) < 0 || json_integer_value(v) > INT32_MAX)
            return vo_fail(s->ctx, VO_ERR_FORMAT, "%s: %s%s is out of range", s->file, s->prefix, key);
        ids[(*n)++] = (int32_t)json_integer_value(v);
        return VO_OK;
    }
    if (!json_is_array(v) || json_array_size(v) > VO_CONFIG_MAX_STOP_IDS)
        return vo_fail(s->ctx, VO_ERR_FORMAT, "%s: %s%s must be an id or a list of at most %d ids",
                       s->file, s->prefix, key, VO_CONFIG_MAX_STOP_IDS);
    for (size_t i = 0; i < json_array_size(v); i++) {
        json_t *e = json_array_get(v, i);
        if (!json_is_integer(e) || json_integer_value(e) < 0 || json_integer_value(e) > INT32_MAX)
            return vo_fail(s->ctx, VO_ERR_FORMAT, "%s: %s%s[%zu] must be a non-negative id",
                           s->file, s->prefix, key, i);
        ids[(*n)++] = (int32_t)json_integer_value(e);
    }
    return VO_OK;
}

static vo_status config_pinpoints(const config_src *s, json_t *obj, int *n,
                                  int32_t pp[VO_CONFIG_MAX_PINPOINTS][2], int *present)
{
    json_t *v = obj ? json_object_get(obj, "image_grid_pinpoints") : NULL;
    *present = 0;
    if (!v || json_is_null(v))
        return VO_OK;
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > VO_CONFIG_MAX_PINPOINTS)
        return vo_fail(s->ctx, VO_ERR_FORMAT, "%s: image_grid_pinpoints must be a list of 1..%d [h, w] pairs",
                       s->file, VO_CONFIG_MAX_PINPOINTS);
    for (size_t i = 0; i < json_array_size(v); i++) {
        json_t *p = json_array_get(v, i);
        json_t *h = json_array_get(p, 0), *w = json_array_get(p, 1);
        if (!json_is_array(p) || json_array_size(p) != 2 || !json_is_integer(h) || !json_is_integer(w) ||
            json_integer_value(h) < 1 || json_integer_value(h) > 65536 ||
            json_integer_value(w) < 1 || json_integer_value(w) > 65536)
            return vo_fail(s->ctx, VO_ERR_FORMAT,
                           "%s: image_grid_pinpoints[%zu] must be [height, width] in 1..65536", s->file, i);
        pp[i][0] = (int32_t)json_integer_value(h);
        pp[i][1] = (int32_t)json_integer_value(w);
    }
    *n = (int)json_array_size(v);
    *present = 1;
    return VO_OK;
}

/* Load a JSON object file; *root NULL (and VO_OK) when optional and absent. */
static vo_status config_load_json(vo_ctx *ctx, const char *dir, const char *name, int required,
                                  json_t **root, char **path_out)
{
    *root = NULL;
    vo_buf path = VO_BUF_INIT, b = VO_BUF_INIT;
    vo_status st = vo_buf_printf(&path, "%s/%s", dir, name);
    if (st != VO_OK)
        return vo_fail(ctx, st, "out of memory");
    *path_out = path.data;
    if (access(path.data, F_OK) != 0) {
        if (required)
            return vo_fail(ctx, VO_ERR_MISSING, "%s: missing (is %s a model folder?)", path.data, dir);
        return VO_OK;
    }
    if ((st = vo_read_file(ctx, path.data, CONFIG_MAX_FILE, &b)) != VO_OK)
        return st;
    json_error_t jerr;
    *root = json_loadb(b.data ? b.data : "", b.len, 0, &jerr);
    vo_buf_free(&b);
    if (!*root)
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: not valid JSON (line %d: %s)", path.data, jerr.line, jerr.text);
    if (!json_is_object(*root)) {
        json_decref(*root);
        *root = NULL;
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: not a JSON object", path.data);
    }
    return VO_OK;
}

/* The default pinpoints of LlavaOnevisionConfig: every (h, w) with h, w in
 * {384, 768, ..., 2304}, h-major. */
static void config_default_pinpoints(vo_config *c)
{
    c->n_pinpoints = 0;
    for (int h = 1; h <= 6; h++)
        for (int w = 1; w <= 6; w++) {
            c->pinpoints[c->n_pinpoints][0] = 384 * h;
            c->pinpoints[c->n_pinpoints][1] = 384 * w;
            c->n_pinpoints++;
        }
}

#define TRY(x) do { if ((st = (x)) != VO_OK) goto fail; } while (0)
#define BIG 1000000000LL

static vo_status config_read_main(vo_ctx *ctx, const char *path, json_t *root, vo_config *c)
{
    vo_status st = VO_OK;
    config_src s = {ctx, path, ""};
    int present;
    TRY(config_str(&s, root, "model_type", "", c->model_type));
    json_t *iti = json_object_get(root, "image_token_index");
    TRY(config_i32(&s, root, iti ? "image_token_index" : "image_token_id", 151646, 0, INT32_MAX,
                   &c->image_token_index));
    json_t *vti = json_object_get(root, "video_token_index");
    TRY(config_i32(&s, root, vti ? "video_token_index" : "video_token_id", 151647, 0, INT32_MAX,
                   &c->video_token_index));
    TRY(config_str(&s, root, "projector_hidden_act", "gelu", c->projector_hidden_act));
    TRY(config_bool(&s, root, "multimodal_projector_bias", 1, &c->multimodal_projector_bias));
    json_t *vfl = json_object_get(root, "vision_feature_layer");
    if (json_is_array(vfl))
        return vo_fail(ctx, VO_ERR_UNSUPPORTED,
                       "%s: vision_feature_layer is a list; only a single layer is supported", path);
    TRY(config_int(&s, root, "vision_feature_layer", -1, -1000, 1000, &c->vision_feature_layer));
    TRY(config_str(&s, root, "vision_feature_select_strategy", "full", c->vision_feature_select_strategy));
    TRY(config_str(&s, root, "vision_aspect_ratio", "anyres_max_9", c->vision_aspect_ratio));
    TRY(config_bool(&s, root, "tie_word_embeddings", 0, &c->tie_word_embeddings_top));
    TRY(config_bool(&s, root, "use_image_newline_parameter", 1, &c->use_image_newline_parameter));
    TRY(config_pinpoints(&s, root, &c->n_pinpoints, c->pinpoints, &present));
    if (!present)
        config_default_pinpoints(c);

    /* text_config: the class defaults of Qwen2Config / Qwen3Config */
    json_t *t = json_object_get(root, "text_config");
    if (t && !json_is_object(t) && !json_is_null(t))
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: text_config must be an object", path);
    s.prefix = "text_config.";
    TRY(config_str(&s, t, "model_type", "qwen2", c->text_model_type));
    int qwen3 = !strcmp(c->text_model_type, "qwen3");
    TRY(config_int(&s, t, "hidden_size", 4096, 1, 1 << 20, &c->hidden_size));
    TRY(config_int(&s, t, "num_hidden_layers", 32, 1, 10000, &c->num_hidden_layers));
    TRY(config_int(&s, t, "num_attention_heads", 32, 1, 10000, &c->num_attention_heads));
    TRY(config_int(&s, t, "num_key_value_heads", 32, 1, 10000, &c->num_key_value_heads));
    TRY(config_int(&s, t, "head_dim", qwen3 ? 128 : c->hidden_size / c->num_attention_heads, 1, 1 << 16,
                   &c->head_dim));
    TRY(config_int(&s, t, "intermediate_size", 22016, 1, 1 << 24, &c->intermediate_size));
    TRY(config_int(&s, t, "vocab_size", 151936, 1, 1 << 26, &c->vocab_size));
    TRY(config_real(&s, t, "rms_norm_eps", 1e-6, 0, 1, &c->rms_norm_eps));
    json_t *rp = json_object_get(t, "rope_parameters");
    if (!json_object_get(t, "rope_theta") && json_is_object(rp)) {
        config_src s2 = {ctx, path, "text_config.rope_parameters."};
        TRY(config_real(&s2, rp, "rope_theta", 10000, 1, 1e12, &c->rope_theta));
    } else {
        TRY(config_real(&s, t, "rope_theta", 10000, 1, 1e12, &c->rope_theta));
    }
    json_t *rs = json_object_get(t, "rope_scaling");
    c->rope_scaling_factor = 1;
    if (rs && !json_is_null(rs)) {
        config_src s2 = {ctx, path, "text_config.rope_scaling."};
        if (!json_is_object(rs))
            return vo_fail(ctx, VO_ERR_FORMAT, "%s: text_config.rope_scaling must be an object or null", path);
        TRY(config_str(&s2, rs, json_object_get(rs, "rope_type") ? "rope_type" : "type", "", c->rope_scaling_type));
        TRY(config_real(&s2, rs, "factor", 1, 1e-6, 1e6, &c->rope_scaling_factor));
    }
    TRY(config_int(&s, t, "max_position_embeddings", 32768, 1, 1 << 30, &c->max_position_embeddings));
    TRY(config_str(&s, t, "hidden_act", "silu", c->hidden_act));
    if (qwen3) {
        TRY(config_bool(&s, t, "attention_bias", 0, &c->attention_qkv_bias));
        c->qk_norm = 1;
    } else {
        c->attention_qkv_bias = 1; /* Qwen2 always has q/k/v biases */
        c->qk_norm = 0;
    }
    present = t && json_is_boolean(json_object_get(t, "tie_word_embeddings"));
    TRY(config_bool(&s, t, "tie_word_embeddings", 0, &c->tie_word_embeddings_text));
    c->tie_word_embeddings = present ? c->tie_word_embeddings_text : c->tie_word_embeddings_top;
    TRY(config_bool(&s, t, "use_sliding_window", 0, &c->use_sliding_window));
    TRY(config_i32(&s, t, "bos_token_id", -1, -1, INT32_MAX, &c->text_bos_token_id));
    TRY(config_id_list(&s, t, "eos_token_id", &c->n_eos, c->eos_token_ids));
    if (c->num_attention_heads % c->num_key_value_heads)
        return vo_fail(ctx, VO_ERR_FORMAT,
                       "%s: text_config.num_attention_heads (%d) is not a multiple of num_key_value_heads (%d)",
                       path, c->num_attention_heads, c->num_key_value_heads);

    /* vision_config: SiglipVisionConfig defaults; LlavaOnevisionConfig's
     * so400m values when the whole block is absent */
    json_t *v = json_object_get(root, "vision_config");
    if (v && !json_is_object(v) && !json_is_null(v))
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: vision_config must be an object", path);
    int nov = !json_is_object(v);
    s.prefix = "vision_config.";
    TRY(config_str(&s, v, "model_type", "siglip_vision_model", c->vision_model_type));
    TRY(config_int(&s, v, "hidden_size", nov ? 1152 : 768, 1, 1 << 20, &c->vision_hidden_size));
    TRY(config_int(&s, v, "num_hidden_layers", nov ? 26 : 12, 1, 10000, &c->vision_num_hidden_layers));
    TRY(config_int(&s, v, "num_attention_heads", nov ? 16 : 12, 1, 10000, &c->vision_num_attention_heads));
    TRY(config_int(&s, v, "intermediate_size", nov ? 4304 : 3072, 1, 1 << 24, &c->vision_intermediate_size));
    TRY(config_int(&s, v, "image_size", nov ? 384 : 224, 1, 1 << 16, &c->vision_image_size));
    TRY(config_int(&s, v, "patch_size", nov ? 14 : 16, 1, 1 << 16, &c->vision_patch_size));
    TRY(config_int(&s, v, "num_channels", 3, 1, 4, &c->vision_num_channels));
    TRY(config_real(&s, v, "layer_norm_eps", 1e-6, 0, 1, &c->vision_layer_norm_eps));
    TRY(config_str(&s, v, "hidden_act", "gelu_pytorch_tanh", c->vision_hidden_act));
    TRY(config_bool(&s, v, "vision_use_head", nov ? 0 : 1, &c->vision_use_head));
    if (c->vision_hidden_size % c->vision_num_attention_heads)
        return vo_fail(ctx, VO_ERR_FORMAT,
                       "%s: vision_config.hidden_size (%d) is not a multiple of num_attention_heads (%d)",
                       path, c->vision_hidden_size, c->vision_num_attention_heads);
    if (c->vision_patch_size > c->vision_image_size)
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: vision_config.patch_size %d exceeds image_size %d",
                       path, c->vision_patch_size, c->vision_image_size);
fail:
    return st;
}

static vo_status config_read_pre(vo_ctx *ctx, const char *path, json_t *root, vo_config *c)
{
    vo_status st = VO_OK;
    config_src s = {ctx, path, ""};
    /* OpenAI CLIP mean/std are the class defaults (MODEL.md §3.1) */
    static const double mean[3] = {0.48145466, 0.4578275, 0.40821073};
    static const double stdv[3] = {0.26862954, 0.26130258, 0.27577711};
    memcpy(c->image_mean, mean, sizeof mean);
    memcpy(c->image_std, stdv, sizeof stdv);
    c->size_height = c->size_width = 384;
    c->rescale_factor = 1.0 / 255.0;
    c->do_rescale = c->do_normalize = c->do_resize = c->do_pad = c->do_convert_rgb = 1;
    c->resample = 3;
    if (!root)
        return VO_OK;
    json_t *sz = json_object_get(root, "size");
    if (sz && !json_is_null(sz)) {
        config_src s2 = {ctx, path, "size."};
        if (!json_is_object(sz))
            return vo_fail(ctx, VO_ERR_FORMAT, "%s: size must be an object", path);
        if (json_object_get(sz, "shortest_edge")) {
            TRY(config_int(&s2, sz, "shortest_edge", 384, 1, 1 << 16, &c->size_height));
            c->size_width = c->size_height;
        } else {
            TRY(config_int(&s2, sz, "height", 384, 1, 1 << 16, &c->size_height));
            TRY(config_int(&s2, sz, "width", 384, 1, 1 << 16, &c->size_width));
        }
    }
    const char *keys[2] = {"image_mean", "image_std"};
    double *dst[2] = {c->image_mean, c->image_std};
    for (int k = 0; k < 2; k++) {
        json_t *a = json_object_get(root, keys[k]);
        if (!a || json_is_null(a))
            continue;
        if (json_is_number(a)) {
            for (int i = 0; i < 3; i++)
                dst[k][i] = json_number_value(a);
        } else if (json_is_array(a) && json_array_size(a) == 3) {
            for (int i = 0; i < 3; i++) {
                json_t *e = json_array_get(a, i);
                if (!json_is_number(e))
                    return vo_fail(ctx, VO_ERR_FORMAT, "%s: %s[%d] must be a number", path, keys[k], i);
                dst[k][i] = json_number_value(e);
            }
        } else {
            return vo_fail(ctx, VO_ERR_FORMAT, "%s: %s must be a list of 3 numbers", path, keys[k]);
        }
        for (int i = 0; i < 3; i++)
            if (!(fabs(dst[k][i]) <= 1e3) || (k == 1 && !(dst[k][i] > 0)))
                return vo_fail(ctx, VO_ERR_FORMAT, "%s: %s[%d] = %g is out of range", path, keys[k], i,
                               dst[k][i]);
    }
    TRY(config_real(&s, root, "rescale_factor", 1.0 / 255.0, 1e-9, 1e3, &c->rescale_factor));
    TRY(config_bool(&s, root, "do_rescale", 1, &c->do_rescale));
    TRY(config_bool(&s, root, "do_normalize", 1, &c->do_normalize));
    TRY(config_bool(&s, root, "do_resize", 1, &c->do_resize));
    TRY(config_bool(&s, root, "do_pad", 1, &c->do_pad));
    TRY(config_bool(&s, root, "do_convert_rgb", 1, &c->do_convert_rgb));
    TRY(config_int(&s, root, "resample", 3, 0, 5, &c->resample));
    TRY(config_str(&s, root, "image_processor_type", "", c->image_processor_type));
    int n = 0, present;
    int32_t(*pp)[2] = vo_malloc(sizeof(int32_t[VO_CONFIG_MAX_PINPOINTS][2]));
    if (!pp)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    st = config_pinpoints(&s, root, &n, pp, &present);
    if (st == VO_OK && present)
        c->pre_pinpoints_differ = n != c->n_pinpoints || memcmp(pp, c->pinpoints, sizeof(int32_t[2]) * n);
    vo_free(pp);
fail:
    return st;
}

static vo_status config_read_proc(vo_ctx *ctx, const char *path, json_t *root, vo_config *c)
{
    vo_status st = VO_OK;
    config_src s = {ctx, path, ""};
    strcpy(c->image_token, "<image>");
    if (!root)
        return VO_OK;
    TRY(config_str(&s, root, "image_token", "<image>", c->image_token));
    TRY(config_int(&s, root, "num_image_tokens", 0, 0, 1 << 24, &c->num_image_tokens));
    /* the processor's own copy decides the token count (MODEL.md §6, S17) */
    if (json_object_get(root, "vision_aspect_ratio"))
        TRY(config_str(&s, root, "vision_aspect_ratio", "anyres_max_9", c->vision_aspect_ratio));
fail:
    return st;
}

static vo_status config_read_gen(vo_ctx *ctx, const char *path, json_t *root, vo_config *c)
{
    vo_status st = VO_OK;
    config_src s = {ctx, path, ""};
    c->bos_token_id = c->text_bos_token_id;
    c->pad_token_id = -1;
    c->temperature = 1.0;
    c->repetition_penalty = 1.0;
    if (!root)
        return VO_OK;
    TRY(config_i32(&s, root, "bos_token_id", c->text_bos_token_id, -1, INT32_MAX, &c->bos_token_id));
    TRY(config_i32(&s, root, "pad_token_id", -1, -1, INT32_MAX, &c->pad_token_id));
    TRY(config_id_list(&s, root, "eos_token_id", &c->n_eos, c->eos_token_ids));
    TRY(config_int(&s, root, "max_new_tokens", 0, 0, 1 << 30, &c->max_new_tokens));
    TRY(config_bool(&s, root, "do_sample", 0, &c->do_sample));
    TRY(config_real(&s, root, "temperature", 1.0, 0, 1e6, &c->temperature));
    TRY(config_real(&s, root, "repetition_penalty", 1.0, 0, 1e6, &c->repetition_penalty));
fail:
    return st;
}

/* Derived values and the cross-field checks. */
static vo_status config_derive(vo_ctx *ctx, const char *path, vo_config *c)
{
    const char *ar = c->vision_aspect_ratio;
    char *end = NULL;
    if (strncmp(ar, "anyres_max_", 11) || (c->anyres_max = (int)strtol(ar + 11, &end, 10)) < 1 || *end)
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: vision_aspect_ratio \"%s\" is not anyres_max_N", path, ar);
    c->patches_per_side = c->vision_image_size / c->vision_patch_size;
    c->patches_per_tile = c->patches_per_side * c->patches_per_side;
    int L = c->vision_num_hidden_layers, f = c->vision_feature_layer;
    /* hidden_states = [embeddings, layer 1, ..., layer L], Python indexing */
    int run = f < 0 ? L + 1 + f : f;
    if (run < 0 || run > L)
        return vo_fail(ctx, VO_ERR_FORMAT,
                       "%s: vision_feature_layer %d does not select one of the %d hidden states", path, f, L + 1);
    c->vision_layers_to_run = run;
    for (int i = 0; i < c->n_pinpoints; i++)
        if (c->pinpoints[i][0] % c->vision_image_size || c->pinpoints[i][1] % c->vision_image_size)
            return vo_fail(ctx, VO_ERR_FORMAT,
                           "%s: image_grid_pinpoints[%d] = [%d, %d] is not a multiple of the tile size %d",
                           path, i, c->pinpoints[i][0], c->pinpoints[i][1], c->vision_image_size);
    if (strcmp(c->vision_feature_select_strategy, "full") && strcmp(c->vision_feature_select_strategy, "default"))
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: vision_feature_select_strategy \"%s\" is neither full nor default",
                       path, c->vision_feature_select_strategy);
    return VO_OK;
}

vo_status vo_load_config(vo_ctx *ctx, const char *model_dir, vo_config *out)
{
    static const char *const names[4] = {"config.json", "preprocessor_config.json",
                                         "processor_config.json", "generation_config.json"};
    json_t *roots[4] = {NULL, NULL, NULL, NULL};
    char *paths[4] = {NULL, NULL, NULL, NULL};
    vo_status st = VO_OK;
    memset(out, 0, sizeof *out);
    for (int i = 0; i < 4 && st == VO_OK; i++)
        st = config_load_json(ctx, model_dir, names[i], i == 0, &roots[i], &paths[i]);
    if (st == VO_OK)
        st = config_read_main(ctx, paths[0], roots[0], out);
    if (st == VO_OK)
        st = config_read_pre(ctx, paths[1], roots[1], out);
    if (st == VO_OK)
        st = config_read_proc(ctx, paths[2], roots[2], out);
    if (st == VO_OK)
        st = config_read_gen(ctx, paths[3], roots[3], out);
    if (st == VO_OK)
        st = config_derive(ctx, paths[0], out);
    if (st == VO_OK && out->pre_pinpoints_differ)
        vo_warn(ctx, "%s: image_grid_pinpoints differ from config.json's; using config.json's", paths[1]);
    for (int i = 0; i < 4; i++) {
        json_decref(roots[i]);
        vo_free(paths[i]);
    }
    return st;
}

/* --- dump --- */

vo_status vo_config_dump(vo_ctx *ctx, const vo_config *c, vo_buf *b)
{
    vo_status st = VO_OK;
#define I(k, v) TRY(vo_buf_printf(b, "%s = %d\n", k, (int)(v)))
#define G(k, v) TRY(vo_buf_printf(b, "%s = %.17g\n", k, (double)(v)))
#define S(k, v) TRY(vo_buf_printf(b, "%s = %s\n", k, (v)[0] ? (v) : "(none)"))
    S("model_type", c->model_type);
    I("image_token_index", c->image_token_index);
    I("video_token_index", c->video_token_index);
    S("projector_hidden_act", c->projector_hidden_act);
    I("multimodal_projector_bias", c->multimodal_projector_bias);
    I("vision_feature_layer", c->vision_feature_layer);
    S("vision_feature_select_strategy", c->vision_feature_select_strategy);
    S("vision_aspect_ratio", c->vision_aspect_ratio);
    I("anyres_max", c->anyres_max);
    I("tie_word_embeddings (top)", c->tie_word_embeddings_top);
    I("use_image_newline_parameter", c->use_image_newline_parameter);
    TRY(vo_buf_printf(b, "image_grid_pinpoints (%d, h x w) =", c->n_pinpoints));
    for (int i = 0; i < c->n_pinpoints; i++)
        TRY(vo_buf_printf(b, " %dx%d", c->pinpoints[i][0], c->pinpoints[i][1]));
    TRY(vo_buf_puts(b, "\n"));
    S("text.model_type", c->text_model_type);
    I("text.hidden_size", c->hidden_size);
    I("text.num_hidden_layers", c->num_hidden_layers);
    I("text.num_attention_heads", c->num_attention_heads);
    I("text.num_key_value_heads", c->num_key_value_heads);
    I("text.head_dim", c->head_dim);
    I("text.intermediate_size", c->intermediate_size);
    I("text.vocab_size", c->vocab_size);
    G("text.rms_norm_eps", c->rms_norm_eps);
    G("text.rope_theta", c->rope_theta);
    S("text.rope_scaling.type", c->rope_scaling_type);
    G("text.rope_scaling.factor", c->rope_scaling_factor);
    I("text.max_position_embeddings", c->max_position_embeddings);
    S("text.hidden_act", c->hidden_act);
    I("text.attention_qkv_bias", c->attention_qkv_bias);
    I("text.qk_norm", c->qk_norm);
    I("text.tie_word_embeddings", c->tie_word_embeddings_text);
    I("tie_word_embeddings (effective)", c->tie_word_embeddings);
    I("text.use_sliding_window", c->use_sliding_window);
    S("vision.model_type", c->vision_model_type);
    I("vision.hidden_size", c->vision_hidden_size);
    I("vision.num_hidden_layers", c->vision_num_hidden_layers);
    I("vision.num_attention_heads", c->vision_num_attention_heads);
    I("vision.intermediate_size", c->vision_intermediate_size);
    I("vision.image_size", c->vision_image_size);
    I("vision.patch_size", c->vision_patch_size);
    I("vision.num_channels", c->vision_num_channels);
    G("vision.layer_norm_eps", c->vision_layer_norm_eps);
    S("vision.hidden_act", c->vision_hidden_act);
    I("vision.vision_use_head", c->vision_use_head);
    I("vision.layers_to_run", c->vision_layers_to_run);
    I("vision.patches_per_tile", c->patches_per_tile);
    TRY(vo_buf_printf(b, "preprocessor.size = %dx%d\n", c->size_height, c->size_width));
    TRY(vo_buf_printf(b, "preprocessor.image_mean = %.9g %.9g %.9g\n", c->image_mean[0], c->image_mean[1],
                      c->image_mean[2]));
    TRY(vo_buf_printf(b, "preprocessor.image_std = %.9g %.9g %.9g\n", c->image_std[0], c->image_std[1],
                      c->image_std[2]));
    G("preprocessor.rescale_factor", c->rescale_factor);
    I("preprocessor.do_rescale", c->do_rescale);
    I("preprocessor.do_normalize", c->do_normalize);
    I("preprocessor.do_resize", c->do_resize);
    I("preprocessor.do_pad", c->do_pad);
    I("preprocessor.do_convert_rgb", c->do_convert_rgb);
    I("preprocessor.resample", c->resample);
    S("preprocessor.image_processor_type", c->image_processor_type);
    I("preprocessor.pinpoints_differ", c->pre_pinpoints_differ);
    S("processor.image_token", c->image_token);
    I("processor.num_image_tokens", c->num_image_tokens);
    I("generation.bos_token_id", c->bos_token_id);
    I("generation.pad_token_id", c->pad_token_id);
    TRY(vo_buf_puts(b, "generation.eos_token_id ="));
    for (int i = 0; i < c->n_eos; i++)
        TRY(vo_buf_printf(b, " %d", (int)c->eos_token_ids[i]));
    TRY(vo_buf_puts(b, c->n_eos ? "\n" : " (none)\n"));
    I("generation.max_new_tokens", c->max_new_tokens);
    I("generation.do_sample", c->do_sample);
    G("generation.temperature", c->temperature);
    G("generation.repetition_penalty", c->repetition_penalty);
#undef I
#undef G
#undef S
fail:
    if (st != VO_OK)
        return vo_fail(ctx, st, "out of memory while printing the config");
    return VO_OK;
}
