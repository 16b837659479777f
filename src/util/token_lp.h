/* token_lp.h: where a generated token's text starts, and its log-prob: what
 * the engine gives back for each piece of a page's text and what a saved
 * output keeps of it. */
#ifndef VO_TOKEN_LP_H
#define VO_TOKEN_LP_H

#include <stddef.h>

/* One token of a text: it starts at byte `offset` of the text and runs to
 * the next token's offset. */
typedef struct vo_token_lp {
    size_t offset;
    float logprob;
} vo_token_lp;

#endif
