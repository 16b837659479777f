/* tokenizer_json.h: a streaming reader for the two big values of
 * tokenizer.json (model.vocab, model.merges); the small rest goes to jansson. */
#ifndef VO_TOKENIZER_JSON_H
#define VO_TOKENIZER_JSON_H

#include <stddef.h>
#include <stdint.h>
#include "src/util/buf.h"
#include "src/util/status.h"

/* Limits on untrusted input: nesting depth of the whole document, members
 * of model.vocab, elements of model.merges. */
typedef struct {
    size_t max_depth, max_vocab, max_merges;
} vo_tokjson_limits;

/* One scanned tokenizer.json. The vocab/merges spans are those jansson
 * would keep (the last "model" key of the root, its last "vocab" and
 * "merges"); every model.vocab object and model.merges list is replaced
 * by {} / [] in rest, which is what jansson parses. */
typedef struct {
    const char *text; /* the file, borrowed */
    size_t len;
    int has_vocab, has_merges;
    size_t vocab_off, vocab_end, n_vocab;    /* '{' .. past '}' */
    size_t merges_off, merges_end, n_merges; /* '[' .. past ']' */
    vo_buf rest;
    struct vo_tokjson_cut { size_t at, len; } *cut; /* spans of text left out of rest */
    size_t n_cut, cap_cut;
} vo_tokjson;

/* Validate the whole document (strict JSON: UTF-8, escapes incl. surrogate
 * pairs, no NUL in strings, number grammar, depth, counts) in one pass and
 * fill doc. VO_ERR_FORMAT naming path and the line on bad input. doc is
 * always initialised; free it with vo_tokjson_free. */
vo_status vo_tokjson_scan(vo_ctx *ctx, const char *path, const char *text, size_t len,
                          const vo_tokjson_limits *lim, vo_tokjson *doc);
void vo_tokjson_free(vo_tokjson *doc);
/* The 1-based line of the original text that offset pos of rest came from. */
size_t vo_tokjson_rest_line(const vo_tokjson *doc, size_t pos);

/* Walks model.vocab or model.merges of a scanned document. Returned
 * strings point into the file or into the cursor's scratch and stay valid
 * until the next call; they are not NUL-terminated. */
typedef struct {
    const char *p, *end;
    vo_buf scratch[2];
    size_t count; /* entries returned so far */
    size_t index; /* of the entry read last (for messages) */
} vo_tokjson_cursor;

void vo_tokjson_vocab_begin(const vo_tokjson *doc, vo_tokjson_cursor *c);
void vo_tokjson_merges_begin(const vo_tokjson *doc, vo_tokjson_cursor *c);
void vo_tokjson_cursor_free(vo_tokjson_cursor *c);

/* Results of the _next calls. */
enum { VO_TOKJSON_END = 0, VO_TOKJSON_ENTRY = 1, VO_TOKJSON_BAD = -1, VO_TOKJSON_NOMEM = -2 };

/* Next vocab member: its key and its value, *id = -1 when the value is not
 * an integer in [0, INT64_MAX]. BAD means the member is malformed. */
int vo_tokjson_vocab_next(vo_tokjson_cursor *c, const char **key, size_t *klen, int64_t *id);
/* Next merge, "a b" (split at the first space) or ["a", "b"]; BAD when it
 * is neither. */
int vo_tokjson_merges_next(vo_tokjson_cursor *c, const char **a, size_t *la, const char **b, size_t *lb);

#endif
