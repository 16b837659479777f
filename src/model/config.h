/* config.h: one typed configuration read from a model folder's JSON files
 * (config.json, preprocessor/processor/generation configs), MODEL.md §1-§10. */
#ifndef VO_CONFIG_H
#define VO_CONFIG_H

#include <stdint.h>
#include "src/util/buf.h"
#include "src/util/status.h"

#define VO_CONFIG_MAX_PINPOINTS 256
#define VO_CONFIG_MAX_STOP_IDS 16
#define VO_CONFIG_NAME 64

/* Everything the network, the preprocessor and the generation loop read.
 * A missing key takes the transformers class default (MODEL.md); each
 * field names its source: cfg = config.json, pre = preprocessor_config.json,
 * proc = processor_config.json, gen = generation_config.json. */
typedef struct vo_config {
    /* --- top level (cfg) --- */
    char model_type[VO_CONFIG_NAME];          /* cfg model_type ("llava_onevision") */
    int32_t image_token_index;                /* cfg image_token_index | image_token_id (151646) */
    int32_t video_token_index;                /* cfg video_token_index | video_token_id (151647) */
    char projector_hidden_act[VO_CONFIG_NAME];/* cfg projector_hidden_act ("gelu" = erf) */
    int multimodal_projector_bias;            /* cfg multimodal_projector_bias (true) */
    int vision_feature_layer;                 /* cfg vision_feature_layer (-1; negative = Python index) */
    char vision_feature_select_strategy[VO_CONFIG_NAME]; /* cfg vision_feature_select_strategy ("full") */
    char vision_aspect_ratio[VO_CONFIG_NAME]; /* cfg vision_aspect_ratio | proc ("anyres_max_9") */
    int anyres_max;                           /* N of "anyres_max_N" above (9) */
    int tie_word_embeddings_top;              /* cfg tie_word_embeddings (false) */
    int use_image_newline_parameter;          /* cfg use_image_newline_parameter (true) */
    int n_pinpoints;                          /* cfg image_grid_pinpoints (36 defaults) */
    int32_t pinpoints[VO_CONFIG_MAX_PINPOINTS][2]; /* (height, width) pairs, file order */

    /* --- language model (cfg text_config) --- */
    char text_model_type[VO_CONFIG_NAME];     /* text_config.model_type ("qwen2"; "qwen3" expected) */
    int hidden_size;                          /* text_config.hidden_size (4096) */
    int num_hidden_layers;                    /* text_config.num_hidden_layers (32) */
    int num_attention_heads;                  /* text_config.num_attention_heads (32) */
    int num_key_value_heads;                  /* text_config.num_key_value_heads (= heads) */
    int head_dim;                             /* text_config.head_dim (hidden/heads) */
    int intermediate_size;                    /* text_config.intermediate_size (22016) */
    int vocab_size;                           /* text_config.vocab_size (151936) */
    double rms_norm_eps;                      /* text_config.rms_norm_eps (1e-6) */
    double rope_theta;                        /* text_config.rope_theta | rope_parameters.rope_theta (10000) */
    char rope_scaling_type[VO_CONFIG_NAME];   /* text_config.rope_scaling.(rope_)type ("" = none) */
    double rope_scaling_factor;               /* text_config.rope_scaling.factor (1) */
    int max_position_embeddings;              /* text_config.max_position_embeddings (32768) */
    char hidden_act[VO_CONFIG_NAME];          /* text_config.hidden_act ("silu") */
    int attention_qkv_bias;                   /* qwen2: true (fixed); qwen3: text_config.attention_bias (false) */
    int qk_norm;                              /* qwen3: true (q_norm/k_norm); qwen2: false */
    int tie_word_embeddings_text;             /* text_config.tie_word_embeddings (false) */
    int tie_word_embeddings;                  /* effective: text_config's when present, else top level */
    int use_sliding_window;                   /* text_config.use_sliding_window (false) */
    int32_t text_bos_token_id;                /* text_config.bos_token_id (-1 = none) */

    /* --- vision tower (cfg vision_config) --- */
    char vision_model_type[VO_CONFIG_NAME];   /* vision_config.model_type ("siglip_vision_model") */
    int vision_hidden_size;                   /* vision_config.hidden_size (1152 when absent block; 768 class) */
    int vision_num_hidden_layers;             /* vision_config.num_hidden_layers */
    int vision_num_attention_heads;           /* vision_config.num_attention_heads */
    int vision_intermediate_size;             /* vision_config.intermediate_size */
    int vision_image_size;                    /* vision_config.image_size (tile side) */
    int vision_patch_size;                    /* vision_config.patch_size */
    int vision_num_channels;                  /* vision_config.num_channels (3) */
    double vision_layer_norm_eps;             /* vision_config.layer_norm_eps (1e-6) */
    char vision_hidden_act[VO_CONFIG_NAME];   /* vision_config.hidden_act ("gelu_pytorch_tanh") */
    int vision_use_head;                      /* vision_config.vision_use_head (true; never run) */
    int vision_layers_to_run;                 /* derived: layers before the selected feature layer */
    int patches_per_side;                     /* derived: image_size / patch_size */
    int patches_per_tile;                     /* derived: patches_per_side^2 */

    /* --- image processor (pre) --- */
    int size_height, size_width;              /* pre size.{height,width} | shortest_edge (384) */
    double image_mean[3];                     /* pre image_mean (OpenAI CLIP mean) */
    double image_std[3];                      /* pre image_std (OpenAI CLIP std) */
    double rescale_factor;                    /* pre rescale_factor (1/255) */
    int do_rescale, do_normalize, do_resize;  /* pre do_rescale / do_normalize / do_resize (true) */
    int do_pad, do_convert_rgb;               /* pre do_pad / do_convert_rgb (true) */
    int resample;                             /* pre resample (3 = BICUBIC) */
    char image_processor_type[VO_CONFIG_NAME];/* pre image_processor_type ("") */
    int pre_pinpoints_differ;                 /* 1 when pre image_grid_pinpoints != cfg's (cfg wins) */

    /* --- processor (proc) --- */
    char image_token[VO_CONFIG_NAME];         /* proc image_token ("<image>") */
    int num_image_tokens;                     /* proc num_image_tokens (0 = absent) */

    /* --- generation (gen) --- */
    int32_t bos_token_id;                     /* gen bos_token_id (-1 = none) */
    int32_t pad_token_id;                     /* gen pad_token_id (-1 = none) */
    int n_eos;                                /* gen eos_token_id: int or list (text_config's if absent) */
    int32_t eos_token_ids[VO_CONFIG_MAX_STOP_IDS];
    int max_new_tokens;                       /* gen max_new_tokens (0 = absent; caller picks) */
    int do_sample;                            /* gen do_sample (false) */
    double temperature;                       /* gen temperature (1.0) */
    double repetition_penalty;                /* gen repetition_penalty (1.0) */
} vo_config;

/* Read config.json (required) and the optional preprocessor_config.json,
 * processor_config.json and generation_config.json of model_dir into *out.
 * A wrong type or an out-of-range value is VO_ERR_FORMAT naming the file
 * and key; a missing config.json is VO_ERR_MISSING. Fills derived fields.
 * Thread-safe (no shared state). */
vo_status vo_load_config(vo_ctx *ctx, const char *model_dir, vo_config *out);

/* Append "key = value" lines for every field (for --dump-config).
 * Returns VO_ERR_NOMEM only. */
vo_status vo_config_dump(vo_ctx *ctx, const vo_config *cfg, vo_buf *out);

#endif
