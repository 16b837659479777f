/* prompt.h: the ChatML prompt of the OCR task or of a free question, read
 * from the folder's chat template, and its image-placeholder expansion. */
#ifndef VO_PROMPT_H
#define VO_PROMPT_H

#include <stddef.h>
#include <stdint.h>
#include "src/model/tokenizer.h"
#include "src/util/buf.h"
#include "src/util/status.h"

/* What the prompt renderer needs from the chat template (MODEL.md §7.1). */
typedef struct vo_chat_template {
    char *default_system;   /* block emitted when no system message is given
                               ("<|im_start|>system\n...<|im_end|>\n"), or ""
                               when the template emits none */
    char *image_item;       /* text of one image item ("<image>\n") */
    char *generation_prompt;/* assistant prefix ("<|im_start|>assistant\n") */
    int images_first;       /* 1: all images of a turn before its texts */
    int system_turn_repeated; /* 1: an explicit system message is also
                               rendered as an (empty) turn of the loop */
    char *source;           /* path of the file the template came from */
} vo_chat_template;

/* Read the chat template of model_dir: chat_template.jinja, else
 * chat_template.json ("chat_template"), else tokenizer_config.json
 * ("chat_template"). VO_ERR_MISSING when none exists; VO_ERR_FORMAT when
 * the template is not the ChatML shape this renderer understands (the
 * message names the file). *out is freed with vo_drop_chat_template. */
vo_status vo_load_chat_template(vo_ctx *ctx, const char *model_dir, vo_chat_template **out);
/* Accepts NULL. */
void vo_drop_chat_template(vo_chat_template *t);

/* Render one user turn with n_images image items and the text user_text,
 * plus the generation prompt, as the template does for
 * [user: {image}×n, {text}] with add_generation_prompt. system == NULL uses
 * the template's default system block. Appends to out. */
vo_status vo_prompt_render(vo_ctx *ctx, const vo_chat_template *t, const char *system,
                           const char *user_text, int n_images, vo_buf *out);

/* The OCR request: one image, text "<ocr>", default system. */
vo_status vo_prompt_render_ocr(vo_ctx *ctx, const vo_chat_template *t, vo_buf *out);

/* Tokenize a rendered prompt and expand its image placeholders: the k-th
 * occurrence of image_token_id becomes n_image_tokens[k] copies of it.
 * The text must hold exactly n_images placeholders (else VO_ERR_ARGUMENT).
 * *ids is allocated (vo_free). */
vo_status vo_prompt_encode(vo_ctx *ctx, const vo_tokenizer *tok, const char *prompt, size_t len,
                           int32_t image_token_id, const size_t *n_image_tokens, size_t n_images,
                           int32_t **ids, size_t *n);

#endif
