/* tokenizer.h: the byte-level BPE tokenizer of tokenizer.json (Qwen2/Qwen3
 * family): encode text to ids, decode ids to UTF-8, streamed or whole. */
#ifndef VO_TOKENIZER_H
#define VO_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>
#include "src/util/buf.h"
#include "src/util/status.h"

typedef struct vo_tokenizer vo_tokenizer;

/* Load model_dir/tokenizer.json (MODEL.md §9): vocab, merges, added tokens,
 * NFC normalizer, the pre-tokenizer split regex (compiled with PCRE2, UTF +
 * UCP), byte-level mapping. VO_ERR_MISSING when the file is absent,
 * VO_ERR_FORMAT (naming the file and key) when it is malformed or uses a
 * model/normalizer/pre-tokenizer this code does not implement. The loaded
 * tokenizer is read-only: encode/decode may run from several threads. */
vo_status vo_load_tokenizer(vo_ctx *ctx, const char *model_dir, vo_tokenizer **out);
/* Same from a path to a tokenizer.json. */
vo_status vo_load_tokenizer_file(vo_ctx *ctx, const char *path, vo_tokenizer **out);
/* Accepts NULL. */
void vo_drop_tokenizer(vo_tokenizer *tok);

/* Encode len bytes of UTF-8 text (need not be NUL-terminated) exactly like
 * HF `encode(text, add_special_tokens=False)`: added tokens (special or
 * not) are matched first on the raw text, longest first; the rest is NFC
 * normalized, split by the regex, byte-mapped and merged by rank. No BOS
 * or EOS is added. *ids is allocated (free with vo_free), *n its count.
 * Invalid UTF-8 is VO_ERR_ARGUMENT. */
vo_status vo_tokenizer_encode(vo_ctx *ctx, const vo_tokenizer *tok, const char *text, size_t len,
                              int32_t **ids, size_t *n);

/* Append the UTF-8 text of ids to out, keeping special tokens (their
 * literal content). Byte sequences that are not valid UTF-8 become U+FFFD.
 * An id outside the vocabulary is VO_ERR_ARGUMENT. */
vo_status vo_tokenizer_decode(vo_ctx *ctx, const vo_tokenizer *tok, const int32_t *ids, size_t n,
                              vo_buf *out);

/* The id of a token given by its exact string (added tokens first, then
 * the vocabulary), or -1 when there is none. */
int32_t vo_tokenizer_token_id(const vo_tokenizer *tok, const char *token);
/* The raw vocabulary string of an id (byte-level form for BPE tokens,
 * literal content for added ones), or NULL when the id has no token. */
const char *vo_tokenizer_token_str(const vo_tokenizer *tok, int32_t id);
/* 1 when id is an added token marked special. */
int vo_tokenizer_is_special(const vo_tokenizer *tok, int32_t id);
/* Largest token id + 1 (config vocab_size may be larger: padding rows). */
size_t vo_tokenizer_vocab_size(const vo_tokenizer *tok);

/* Streaming decoder for the generation loop: push ids one at a time, get
 * complete UTF-8 appended to out; an incomplete UTF-8 tail (a Hangul
 * syllable split over two tokens) is held back until it completes. Not
 * shared between threads; one per sequence. */
typedef struct vo_token_stream vo_token_stream;
vo_status vo_new_token_stream(vo_ctx *ctx, const vo_tokenizer *tok, vo_token_stream **out);
vo_status vo_token_stream_push(vo_ctx *ctx, vo_token_stream *s, int32_t id, vo_buf *out);
/* Emit what is held back (invalid bytes as U+FFFD) and reset. */
vo_status vo_token_stream_flush(vo_ctx *ctx, vo_token_stream *s, vo_buf *out);
/* Accepts NULL. */
void vo_drop_token_stream(vo_token_stream *s);

#endif
