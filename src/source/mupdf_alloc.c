/* mupdf_alloc.c: malloc/realloc/free for a MuPDF context that count what
 * the context holds and refuse to go past its budget. */
#include "src/source/mupdf_alloc.h"

#include <stdint.h>
#include <stdlib.h>

/* Each block starts with its size; 16 bytes keep malloc's alignment. */
#define HEADER 16

static void *budget_malloc(void *user, size_t size)
{
    mupdf_budget *b = user;
    if (size > b->limit - b->used || size > SIZE_MAX - HEADER) {
        b->refused++;
        return NULL;
    }
    unsigned char *p = malloc(size + HEADER);
    if (!p)
        return NULL;
    *(size_t *)p = size;
    b->used += size;
    return p + HEADER;
}

static void budget_free(void *user, void *ptr)
{
    mupdf_budget *b = user;
    if (!ptr)
        return;
    unsigned char *p = (unsigned char *)ptr - HEADER;
    b->used -= *(size_t *)p;
    free(p);
}

static void *budget_realloc(void *user, void *old, size_t size)
{
    mupdf_budget *b = user;
    if (!old)
        return budget_malloc(user, size);
    if (size == 0) {
        budget_free(user, old);
        return NULL;
    }
    unsigned char *p = (unsigned char *)old - HEADER;
    size_t was = *(size_t *)p;
    if ((size > was && size - was > b->limit - b->used) || size > SIZE_MAX - HEADER) {
        b->refused++;
        return NULL;
    }
    unsigned char *q = realloc(p, size + HEADER);
    if (!q)
        return NULL;
    *(size_t *)q = size;
    b->used = b->used - was + size;
    return q + HEADER;
}

void mupdf_budget_init(mupdf_budget *b, size_t limit)
{
    b->alloc.user = b;
    b->alloc.malloc = budget_malloc;
    b->alloc.realloc = budget_realloc;
    b->alloc.free = budget_free;
    b->used = 0;
    b->limit = limit ? limit : VO_MUPDF_MEMORY_LIMIT;
    b->refused = 0;
}
