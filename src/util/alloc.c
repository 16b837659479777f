/* alloc.c: allocation wrappers with a fault-injection hook; checked sizes. */
#include "src/util/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_long fail_countdown; /* 0: off; N: the Nth allocation fails */
static atomic_long alloc_count;
static atomic_int fault_fired;

static int should_fail(void)
{
    atomic_fetch_add(&alloc_count, 1);
    long c = atomic_load(&fail_countdown);
    if (c <= 0)
        return 0;
    if (c == 1) {
        atomic_store(&fault_fired, 1);
        return 1; /* stays at 1: every later allocation fails too */
    }
    atomic_fetch_sub(&fail_countdown, 1);
    return 0;
}

long vo_alloc_fail_after(long n)
{
    atomic_store(&fail_countdown, n > 0 ? n : 0);
    atomic_store(&fault_fired, 0);
    return atomic_exchange(&alloc_count, 0);
}

int vo_alloc_fault_fired(void) { return atomic_load(&fault_fired); }

void *vo_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *vo_calloc(size_t count, size_t size)
{
    if (should_fail())
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *vo_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

char *vo_strndup(const char *s, size_t n)
{
    char *d = vo_malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

char *vo_strdup(const char *s) { return vo_strndup(s, strlen(s)); }

void vo_free(void *p) { free(p); }

vo_status vo_mul_size(size_t *out, size_t a, size_t b)
{
    size_t r;
    if (__builtin_mul_overflow(a, b, &r))
        return VO_ERR_LIMIT;
    *out = r;
    return VO_OK;
}

vo_status vo_add_size(size_t *out, size_t a, size_t b)
{
    size_t r;
    if (__builtin_add_overflow(a, b, &r))
        return VO_ERR_LIMIT;
    *out = r;
    return VO_OK;
}

vo_status vo_mul_u64(uint64_t *out, uint64_t a, uint64_t b)
{
    uint64_t r;
    if (__builtin_mul_overflow(a, b, &r))
        return VO_ERR_LIMIT;
    *out = r;
    return VO_OK;
}

vo_status vo_grow(void **arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return VO_OK;
    size_t n = *cap ? *cap : 8;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return VO_ERR_LIMIT;
        n *= 2;
    }
    size_t bytes;
    if (vo_mul_size(&bytes, n, size))
        return VO_ERR_LIMIT;
    void *p = vo_realloc(*arr, bytes);
    if (!p)
        return VO_ERR_NOMEM;
    *arr = p;
    *cap = n;
    return VO_OK;
}
