/* opencl_pool.c: device buffers kept after their tensor is freed, for the
 * next tensor of about their size, so that a decode step (whose scratch
 * tensors come and go every step) makes no buffer. Each stream is an
 * in-order queue, so a buffer freed on a stream is reused on the same
 * stream at once (a command on the new tensor runs after every command on
 * the old one); on the other stream only after its own stream was waited
 * for (ocl_pool_stream_idle). */
#include "src/backend/opencl_internal.h"

/* the most bytes kept: an eighth of the device's memory, at most 512 MiB */
static size_t
pool_cap(const ocl_backend *b)
{
    size_t cap = (size_t)512 << 20;
    return b->dev.global_mem / 8 < cap ? (size_t)(b->dev.global_mem / 8) : cap;
}

cl_mem
ocl_pool_take(ocl_backend *b, size_t bytes)
{
    int best = -1;
    for (int i = 0; i < b->pool_n; i++)     /* the smallest that fits, wasting under half */
        if (b->pool[i].size >= bytes && b->pool[i].size / 2 <= bytes &&
            (b->pool[i].stream < 0 || b->pool[i].stream == b->stream) &&
            (best < 0 || b->pool[i].size < b->pool[best].size))
            best = i;
    if (best < 0)
        return NULL;
    cl_mem m = b->pool[best].mem;
    b->pool_bytes -= b->pool[best].size;
    b->pool[best] = b->pool[--b->pool_n];
    b->stats.buffers_reused++;
    return m;
}

void
ocl_pool_give(ocl_backend *b, cl_mem m)
{
    size_t size = 0;
    if (clGetMemObjectInfo(m, CL_MEM_SIZE, sizeof size, &size, NULL) != CL_SUCCESS ||
        size > pool_cap(b)) {
        clReleaseMemObject(m);
        return;
    }
    /* room: the oldest go first */
    while (b->pool_n > 0 && (b->pool_n == OCL_POOL_MAX || b->pool_bytes + size > pool_cap(b))) {
        clReleaseMemObject(b->pool[0].mem);
        b->pool_bytes -= b->pool[0].size;
        for (int i = 1; i < b->pool_n; i++)
            b->pool[i - 1] = b->pool[i];
        b->pool_n--;
    }
    b->pool[b->pool_n++] = (ocl_pooled){m, size, b->stream};
    b->pool_bytes += size;
}

void
ocl_pool_stream_idle(ocl_backend *b, int stream)
{
    for (int i = 0; i < b->pool_n; i++)
        if (b->pool[i].stream == stream)
            b->pool[i].stream = -1;
}

void
ocl_pool_free(ocl_backend *b)
{
    for (int i = 0; i < b->pool_n; i++)
        clReleaseMemObject(b->pool[i].mem);
    b->pool_n = 0;
    b->pool_bytes = 0;
}
