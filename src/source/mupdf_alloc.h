/* mupdf_alloc.h: a memory budget for one MuPDF context, so a hostile file
 * (a decompression bomb, a huge image in a small stream) fails with an
 * out-of-memory error on that document instead of exhausting the machine. */
#ifndef VO_MUPDF_ALLOC_H
#define VO_MUPDF_ALLOC_H

#include <stddef.h>
#include <mupdf/fitz.h>

/* The most one document may hold in MuPDF at once (the page raster, decoded
 * images, fonts, the cache): 4 GiB, above what --max-pixels allows. */
#define VO_MUPDF_MEMORY_LIMIT ((size_t)4 << 30)

typedef struct mupdf_budget {
    fz_alloc_context alloc; /* give &alloc to fz_new_context */
    size_t used, limit;     /* bytes; one context = one thread, no lock */
    int refused;            /* allocations refused for the budget */
} mupdf_budget;

/* Set up a budget of `limit` bytes (0: VO_MUPDF_MEMORY_LIMIT). The budget
 * must outlive the context made with it. */
void mupdf_budget_init(mupdf_budget *b, size_t limit);

#endif
