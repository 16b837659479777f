/* alloc.h: allocation with a fault-injection hook for tests, and checked
 * size arithmetic for sizes that come from files. */
#ifndef VO_ALLOC_H
#define VO_ALLOC_H

#include <stddef.h>
#include <stdint.h>
#include "src/util/status.h"

/* malloc/calloc/realloc/strdup that return NULL on failure, and also when
 * the fault hook says so. vo_free accepts NULL. Thread-safe. */
void *vo_malloc(size_t n);
void *vo_calloc(size_t count, size_t size);
void *vo_realloc(void *p, size_t n);
char *vo_strdup(const char *s);
char *vo_strndup(const char *s, size_t n);
void vo_free(void *p);

/* Test hook: make the Nth allocation from now (1-based) and every later one
 * fail; 0 turns it off. Returns how many allocations were made since the
 * last call (to let a test loop N = 1, 2, … until no fault fires). */
long vo_alloc_fail_after(long n);
/* 1 when an injected fault fired since the last vo_alloc_fail_after(). */
int vo_alloc_fault_fired(void);

/* Checked arithmetic: return VO_ERR_LIMIT on overflow and leave *out
 * untouched; VO_OK otherwise. */
vo_status vo_mul_size(size_t *out, size_t a, size_t b);
vo_status vo_add_size(size_t *out, size_t a, size_t b);
vo_status vo_mul_u64(uint64_t *out, uint64_t a, uint64_t b);

/* Grow an array to hold at least `need` items of `size` bytes; *cap is
 * updated. Returns VO_ERR_NOMEM / VO_ERR_LIMIT without touching *arr on
 * failure. */
vo_status vo_grow(void **arr, size_t *cap, size_t need, size_t size);

#endif
