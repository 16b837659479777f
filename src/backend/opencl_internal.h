/* opencl_internal.h: the OpenCL backend object, its programs and kernels,
 * shared by opencl.c (setup, buffers) and opencl_ops.c (the ops). */
#ifndef VO_OPENCL_INTERNAL_H
#define VO_OPENCL_INTERNAL_H

#include "src/backend/backend_impl.h"
#include "src/backend/opencl.h"
#include "src/backend/opencl_device.h"

/* kernel programs: one per kernel file (matmul once per weight type) */
enum {
    OCL_P_MATMUL_F32, OCL_P_MATMUL_F16, OCL_P_MATMUL_BF16, OCL_P_MATMUL_Q8, OCL_P_MATMUL_Q4,
    OCL_P_ATTENTION, OCL_P_RMS_NORM,
    OCL_P_LAYER_NORM, OCL_P_ROPE, OCL_P_GELU, OCL_P_SILU_MUL, OCL_P_SOFTMAX, OCL_P_BINARY,
    OCL_P_GET_ROWS, OCL_P_COPY, OCL_P_PATCH_EMBED, OCL_P_RESIZE, OCL_P_ARGMAX, OCL_P_COUNT
};

/* kernels; matmul has four per weight type:
 * OCL_K_MATMUL + OCL_MM_KINDS·ocl_mm_weight(type) + OCL_MM_TILED/_VEC/_ROW/_SKINNY */
enum { OCL_MM_TILED, OCL_MM_VEC, OCL_MM_ROW, OCL_MM_SKINNY, OCL_MM_KINDS };
typedef enum ocl_mm_weight {
    OCL_MW_F32, OCL_MW_F16, OCL_MW_BF16, OCL_MW_Q8, OCL_MW_Q4, OCL_MW_COUNT
} ocl_mm_weight;
enum {
    OCL_K_MATMUL, OCL_K_ATTENTION = OCL_K_MATMUL + OCL_MW_COUNT * OCL_MM_KINDS, OCL_K_ATTENTION_ROW,
    OCL_K_ATTENTION_SPLIT, OCL_K_ATTENTION_MERGE, OCL_K_ATTENTION_TILE,
    OCL_K_RMS_NORM, OCL_K_LAYER_NORM, OCL_K_ROPE, OCL_K_RMS_NORM_ROPE, OCL_K_GELU_TANH, OCL_K_GELU_ERF,
    OCL_K_SILU_MUL, OCL_K_SOFTMAX, OCL_K_ADD, OCL_K_MUL, OCL_K_GET_ROWS, OCL_K_COPY,
    OCL_K_IM2COL, OCL_K_RESIZE, OCL_K_ARGMAX, OCL_K_COUNT
};

/* the matmul kernels' weight slot of type, -1 when none */
int ocl_mm_weight_of(vo_type type);

/* a freed device buffer kept for reuse (opencl_pool.c) */
typedef struct ocl_pooled {
    cl_mem mem;
    size_t size;
    int stream;     /* the stream it was freed on; -1: every command on it has run */
} ocl_pooled;
#define OCL_POOL_MAX 64

/* one timed launch (VO_OPENCL_PROFILE) */
typedef struct ocl_prof_event {
    int kernel;
    cl_event ev;
} ocl_prof_event;

typedef struct ocl_backend {
    vo_backend base;
    ocl_device dev;
    ocl_tuning tune;
    cl_context cctx;
    cl_command_queue queue;     /* the current stream's: queues[stream] */
    cl_command_queue queues[VO_STREAM_COUNT_];
    int stream;                 /* vo_backend_set_stream */
    bool one_stream;            /* VO_OPENCL_SIDE_STREAM=0 or profiling: the side is main */
    cl_event mark[VO_STREAM_COUNT_]; /* after a stream's last command, queued when it was
                                      * left; NULL: it has run all it was given */
    unsigned long long synced_at[VO_STREAM_COUNT_]; /* ocl_work_count at its last sync */
    cl_program prog[OCL_P_COUNT];
    cl_kernel kern[OCL_K_COUNT];
    cl_mem flag;                /* int: get_rows sets it on a bad id */
    bool flag_armed;            /* get_rows ran since the last check */
    cl_mem rope_freq;           /* inverse frequencies of the last RoPE */
    float rope_theta;
    int rope_hd;
    cl_mem am_ids, am_lp;       /* argmax outputs */
    size_t am_rows;
    cl_mem att_part;            /* split attention's per-chunk results */
    size_t att_part_bytes;
    ocl_pooled pool[OCL_POOL_MAX];  /* freed buffers, oldest first */
    int pool_n;
    size_t pool_bytes;
    vo_opencl_info info;
    vo_opencl_stats stats;      /* launches, host transfers, buffers made */
    bool profile;               /* VO_OPENCL_PROFILE: time every launch */
    ocl_prof_event *prof_ev;    /* launches since the last sync */
    size_t prof_n, prof_cap;
    double prof_ns[OCL_K_COUNT];
    unsigned long long prof_calls[OCL_K_COUNT];
} ocl_backend;

/* the op table entries (opencl_ops.c) */
void ocl_matmul(vo_backend *be, vo_tensor *out, const vo_tensor *w, const vo_tensor *x,
                const vo_tensor *bias);
void ocl_add(vo_backend *be, vo_tensor *out, const vo_tensor *a, const vo_tensor *b);
void ocl_mul(vo_backend *be, vo_tensor *out, const vo_tensor *a, const vo_tensor *b);
void ocl_rms_norm(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                  float eps);
void ocl_layer_norm(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                    const vo_tensor *b, float eps);
void ocl_matmul_add(vo_backend *be, vo_tensor *out, const vo_tensor *w, const vo_tensor *x,
                    const vo_tensor *bias);
void ocl_rms_norm_rope(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                       float eps, const vo_tensor *pos, float theta);
void ocl_rope(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *pos,
              float theta);
void ocl_attention(vo_backend *be, vo_tensor *out, const vo_tensor *q, const vo_attn_seq *seqs,
                   int n_seqs, float scale, bool causal);
void ocl_gelu_tanh(vo_backend *be, vo_tensor *out, const vo_tensor *x);
void ocl_gelu_erf(vo_backend *be, vo_tensor *out, const vo_tensor *x);
void ocl_silu_mul(vo_backend *be, vo_tensor *out, const vo_tensor *gate, const vo_tensor *up);
void ocl_softmax(vo_backend *be, vo_tensor *out, const vo_tensor *x);
void ocl_get_rows(vo_backend *be, vo_tensor *out, const vo_tensor *table, const vo_tensor *ids);
void ocl_copy(vo_backend *be, vo_tensor *out, const vo_tensor *x);
void ocl_patch_embed(vo_backend *be, vo_tensor *out, const vo_tensor *img, const vo_tensor *w,
                     const vo_tensor *bias, int patch);
void ocl_resize_bilinear(vo_backend *be, vo_tensor *out, const vo_tensor *in);
void ocl_argmax_logprob(vo_backend *be, const vo_tensor *logits, int32_t *ids, float *logprob);

/* "vo_matmul_vec.bf16": a kernel's function name and its program's variant */
const char *ocl_kernel_label(int kernel);

/* buffers kept for reuse (opencl_pool.c): take one of about `bytes` (NULL:
 * none), give one back (kept or released), release them all */
cl_mem ocl_pool_take(ocl_backend *b, size_t bytes);
void ocl_pool_give(ocl_backend *b, cl_mem m);
void ocl_pool_free(ocl_backend *b);
/* every command of `stream` has run: its buffers may go to either stream */
void ocl_pool_stream_idle(ocl_backend *b, int stream);

/* the decode kernels' shapes timed on the device (opencl_tune.c): wanted on
 * GPUs (and anywhere with VO_OPENCL_AUTOTUNE=1, never with =0) unless the
 * CPU-driver kernels run; source: matmul.cl as built (common.cl first);
 * the result read from or stored in cache_dir; sets b->tune and info */
bool ocl_autotune_wanted(const ocl_backend *b);
vo_status ocl_autotune(vo_ctx *ctx, ocl_backend *b, const char *source, const char *cache_dir);

/* profiling and counters (opencl_profile.c) */
bool ocl_prof_wanted(void);
void ocl_prof_launch(ocl_backend *b, int kernel, cl_event ev);  /* ev may be NULL */
void ocl_prof_drain(ocl_backend *b);    /* after clFinish */
void ocl_prof_report(ocl_backend *b);   /* to stderr when profiling */
void ocl_prof_free(ocl_backend *b);

/* Record a failed OpenCL call as the sticky VO_ERR_DEVICE; false if err. */
bool ocl_check(ocl_backend *b, cl_int err, const char *op, const char *what);

#endif
