/* draft.h: drafts for lossless drafted decoding of the OCR grammar
 * (MODEL.md §11: `<char>TEXT</char><bbox>x1, y1, x2, y2</bbox>` repeated,
 * coordinates 0.ddd). After a character's text the grammar fixes most of
 * what follows, and the page's geometry predicts most of the rest: a
 * character starts where the previous one ended, on the same line, as wide.
 * The drafter proposes those tokens; the decoder checks them all in one
 * pass and keeps the longest prefix that greedy decoding picks itself, so
 * the output is unchanged, id for id. */
#ifndef VO_DRAFT_H
#define VO_DRAFT_H

#include <stdbool.h>
#include <stdint.h>

#include "src/model/tokenizer.h"
#include "src/util/status.h"

/* The token ids of the grammar's pieces, read from the model folder's
 * tokenizer. */
typedef struct vo_draft_ids {
    int32_t char_open, char_close, bbox_open, bbox_close;
    int32_t digit[10], dot, comma, space;
} vo_draft_ids;

/* Read the pieces' ids and check that the tokenizer splits the grammar into
 * them ("<char>가</char><bbox>0.172, 0.266, 0.328, 0.341</bbox>" into the
 * special tokens, one token per digit, '.', ',' and ' '). VO_ERR_UNSUPPORTED
 * when it does not: drafting is then off (the model runs undrafted). */
vo_status vo_draft_ids_read(vo_ctx *ctx, const vo_tokenizer *tok, vo_draft_ids *ids);

typedef struct vo_drafter vo_drafter;

/* A drafter for one page (one sequence). NULL when out of memory. */
vo_drafter *vo_drafter_new(const vo_draft_ids *ids);
void vo_drafter_free(vo_drafter *d); /* accepts NULL */

/* vo_draft_fn of the generator (src/vlm/generate.h): takes in the tokens
 * generated since its last call (ids[0..n), all of the sequence's output so
 * far; it remembers how far it read) and writes up to max draft ids: its
 * guess of the tokens that come next. Returns how many (0: no guess). */
int vo_drafter_propose(void *drafter, const int32_t *ids, int n, int32_t *draft, int max);

#endif
