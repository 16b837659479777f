/* backend_impl.h: what a backend implements (the function-pointer table) and
 * the common backend state (sticky error); seen only by backends. */
#ifndef VO_BACKEND_IMPL_H
#define VO_BACKEND_IMPL_H

#include <stdarg.h>

#include "src/backend/backend.h"

#define VO_BACKEND_API_VERSION 1

/* One table per backend kind. The op entries are called only after the
 * common layer checked types and shapes, and only while no error sticks;
 * they report device failures through vo_backend_error. */
struct vo_backend_ops {
    const char *name;
    /* buffers: alloc sets t->data/buffer for a packed t (ne/nb/type filled);
     * from_host wraps host memory (optional copy); free releases them. */
    vo_status (*alloc)(vo_backend *be, vo_tensor *t);
    vo_status (*from_host)(vo_backend *be, vo_tensor *t, const void *data);
    void (*free)(vo_backend *be, vo_tensor *t);
    void (*set)(vo_backend *be, vo_tensor *t, const void *src, size_t bytes);
    void (*get)(vo_backend *be, const vo_tensor *t, void *dst, size_t bytes);
    /* the first `bytes` bytes of src's data into dst's, on the device */
    void (*copy_bytes)(vo_backend *be, vo_tensor *dst, const vo_tensor *src, size_t bytes);
    void (*sync)(vo_backend *be);
    /* optional (NULL: one stream, every op done when it returns): ops from
     * now on go to stream s; whether stream s has run all it was given */
    void (*set_stream)(vo_backend *be, vo_stream s);
    bool (*stream_done)(vo_backend *be, vo_stream s);
    bool (*supports)(const vo_backend *be, vo_op op, vo_type type);
    void (*drop)(vo_backend *be);
    /* ops (contracts in backend.h) */
    void (*matmul)(vo_backend *be, vo_tensor *out, const vo_tensor *w, const vo_tensor *x,
                   const vo_tensor *bias);
    void (*add)(vo_backend *be, vo_tensor *out, const vo_tensor *a, const vo_tensor *b);
    void (*mul)(vo_backend *be, vo_tensor *out, const vo_tensor *a, const vo_tensor *b);
    void (*rms_norm)(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                     float eps);
    void (*layer_norm)(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                       const vo_tensor *b, float eps);
    void (*rope)(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *pos,
                 float theta);
    /* optional: NULL runs matmul into the scratch, then add */
    void (*matmul_add)(vo_backend *be, vo_tensor *out, const vo_tensor *w, const vo_tensor *x,
                       const vo_tensor *bias);
    /* optional: NULL runs rms_norm then rope */
    void (*rms_norm_rope)(vo_backend *be, vo_tensor *out, const vo_tensor *x,
                          const vo_tensor *w, float eps, const vo_tensor *pos, float theta);
    void (*attention)(vo_backend *be, vo_tensor *out, const vo_tensor *q,
                      const vo_attn_seq *seqs, int n_seqs, float scale, bool causal);
    void (*gelu_tanh)(vo_backend *be, vo_tensor *out, const vo_tensor *x);
    void (*gelu_erf)(vo_backend *be, vo_tensor *out, const vo_tensor *x);
    void (*silu_mul)(vo_backend *be, vo_tensor *out, const vo_tensor *gate,
                     const vo_tensor *up);
    void (*softmax)(vo_backend *be, vo_tensor *out, const vo_tensor *x);
    void (*get_rows)(vo_backend *be, vo_tensor *out, const vo_tensor *table,
                     const vo_tensor *ids);
    void (*copy)(vo_backend *be, vo_tensor *out, const vo_tensor *x);
    void (*patch_embed)(vo_backend *be, vo_tensor *out, const vo_tensor *img,
                        const vo_tensor *w, const vo_tensor *bias, int patch);
    void (*resize_bilinear)(vo_backend *be, vo_tensor *out, const vo_tensor *in);
    void (*argmax_logprob)(vo_backend *be, const vo_tensor *logits, int32_t *ids,
                           float *logprob);
};

/* Common head of every backend; a concrete backend embeds it first. */
struct vo_backend {
    const struct vo_backend_ops *ops;
    vo_status err;          /* sticky first error */
    char err_msg[512];
    const volatile sig_atomic_t *cancel; /* vo_backend_set_cancel */
    double deadline;                     /* vo_backend_set_deadline; 0: none */
};


#endif
