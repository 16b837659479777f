/* cpu_internal.h: what the files of the CPU backend share: element access,
 * type conversion, the scalar _ref ops, the thread pool and SIMD kernels. */
#ifndef VO_CPU_INTERNAL_H
#define VO_CPU_INTERNAL_H

#include <string.h>

#include "src/backend/backend_impl.h"

/* address of element 0 and of row r (r counts over ne1*ne2*ne3) */
static inline char *cpu_base(const vo_tensor *t) { return (char *)t->data + t->offset; }
static inline char *cpu_row(const vo_tensor *t, int64_t r)
{
    int64_t i1 = r % t->ne[1], i2 = (r / t->ne[1]) % t->ne[2], i3 = r / (t->ne[1] * t->ne[2]);
    return cpu_base(t) + i1 * t->nb[1] + i2 * t->nb[2] + i3 * t->nb[3];
}
/* Byte offset, from a K or V tensor's element 0, of a sequence's key row j
 * (paged or not: vo_attn_seq.blocks) */
static inline size_t cpu_kv_row(const vo_attn_seq *S, const vo_tensor *t, int64_t j)
{
    if (!S->blocks)
        return (size_t)j * t->nb[2];
    const int32_t *tab = (const int32_t *)cpu_base(S->blocks);
    return (size_t)(tab[j / S->block_rows] * S->block_rows + j % S->block_rows) * t->nb[2];
}
/* The keys j.. of a sequence's K or V tensor as a tensor whose row 0 is key
 * j: its rows run to the end of j's block (paged) or of t. */
static inline vo_tensor cpu_kv_from(const vo_attn_seq *S, const vo_tensor *t, int64_t j)
{
    vo_tensor v = *t;
    v.offset += cpu_kv_row(S, t, j);
    v.ne[2] = S->blocks ? S->block_rows - j % S->block_rows : t->ne[2] - j;
    return v;
}

static inline float cpu_bf16_to_f32(uint16_t h)
{
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}
float cpu_f16_to_f32(uint16_t h);
uint16_t cpu_f32_to_f16(float f);
uint16_t cpu_f32_to_bf16(float f);
/* element i of a float row of any float type */
static inline float cpu_get_f(const void *row, vo_type type, int64_t i)
{
    switch (type) {
    case VO_F32: return ((const float *)row)[i];
    case VO_BF16: return cpu_bf16_to_f32(((const uint16_t *)row)[i]);
    case VO_F16: return cpu_f16_to_f32(((const uint16_t *)row)[i]);
    case VO_Q8: {       /* block i / 32: an f32 scale, then 32 int8 */
        const char *b = (const char *)row + (i / VO_Q8_BLOCK) * (4 + VO_Q8_BLOCK);
        float d;
        memcpy(&d, b, sizeof d);
        return d * (float)(signed char)b[4 + i % VO_Q8_BLOCK];
    }
    case VO_Q8ROW: {    /* the row's f32 scale, then its int8 */
        float d;
        memcpy(&d, row, sizeof d);
        return d * (float)((const signed char *)row)[4 + i];
    }
    case VO_Q4: {       /* an f32 scale, then 16 bytes: low nibbles 0-15, high 16-31 */
        const unsigned char *b = (const unsigned char *)row + (i / VO_Q8_BLOCK) * (4 + VO_Q8_BLOCK / 2);
        float d;
        memcpy(&d, b, sizeof d);
        int j = (int)(i % VO_Q8_BLOCK), byte = b[4 + (j & 15)];
        return d * (float)((j < 16 ? byte & 15 : byte >> 4) - 8);
    }
    default: return 0.0f;
    }
}
/* widen n values of a float row into dst (SIMD where available) */
void cpu_row_to_f32(float *dst, const void *row, vo_type type, int64_t n);

/* --- activations quantized for q4 weights (quant_x.c) ---
 * A matmul of q4 weights with at most CPU_QX_ROWS x rows (decode steps)
 * quantizes each x row to q8 blocks of 32 (d = max|x| / 127, round to
 * nearest even, as vo_quantize_q8) and sums the int8 products of each
 * block exactly: out = Σ_b d_w·d_x·Σ q_w·q_x (ggml's Q4_0 × Q8_0). Widening
 * the nibbles to f32 was the limit there (58 % of the read bound). More rows
 * (prefill: the GEMM widens the weights to f32) multiply the dequantized
 * weights by the f32 x. q8 weights keep f32 x everywhere: their decode is
 * bound by memory already, and quantized x moved the greedy ids of 2 of the
 * 4 tiny-varco cases (probe-quant 1.1). Every path and the _ref follow that
 * rule, so that their outputs agree. */
#define CPU_QX_ROWS 16
static inline bool cpu_qx_applies(vo_type w, int64_t rows)
{
    return w == VO_Q4 && rows <= CPU_QX_ROWS;
}
/* a row: K int8 zero-padded to a multiple of 64, then the scale of each
 * block (zeros for the padding) */
static inline int64_t cpu_qx_pad(int64_t K) { return (K + 63) / 64 * 64; }
static inline size_t cpu_qx_stride(int64_t K)
{
    return (size_t)cpu_qx_pad(K) + sizeof(float) * (size_t)(cpu_qx_pad(K) / VO_Q8_BLOCK);
}
static inline const float *cpu_qx_d(const char *xq, int64_t K)
{
    return (const float *)(const void *)(xq + cpu_qx_pad(K));
}
/* x row (K a multiple of 32) into the row at dst */
void cpu_qx_row(char *dst, const float *x, int64_t K);
/* Σ q_w·q_x of block b of q4 weight row w and the block's int8 q */
int32_t cpu_qx_block(const char *w, int64_t b, const signed char *q);
static inline float cpu_qx_wscale(const char *w, int64_t b)
{
    float d;
    memcpy(&d, w + b * (4 + VO_Q8_BLOCK / 2), sizeof d);
    return d;
}
/* dot(q4 weight row w, quantized x row xq) in f32 (AVX2 where active) */
float cpu_qx_dot(const char *w, const char *xq, int64_t K);
/* out[m] = cpu_qx_dot(w, xq + m·ldx, K) for m < M, bit for bit; AVX2
 * unpacks each weight block once for 8 x rows */
void cpu_qx_dot_x(const char *w, const char *xq, size_t ldx, int64_t M, int64_t K, float *out);
/* out[n] = cpu_qx_dot(w + n·ldw, xq, K) for n < N, bit for bit; AVX2 takes
 * 4 weight rows at a time (one x row: a decode step alone) */
void cpu_qx_dot_w(const char *w, size_t ldw, int64_t N, const char *xq, int64_t K, float *out);

/* --- scalar reference ops (the readable truth) --- */
void cpu_matmul_ref(vo_backend *be, vo_tensor *out, const vo_tensor *w, const vo_tensor *x,
                    const vo_tensor *bias);
void cpu_add_ref(vo_backend *be, vo_tensor *out, const vo_tensor *a, const vo_tensor *b);
void cpu_mul_ref(vo_backend *be, vo_tensor *out, const vo_tensor *a, const vo_tensor *b);
void cpu_rms_norm_ref(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                      float eps);
void cpu_layer_norm_ref(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                        const vo_tensor *b, float eps);
void cpu_rope_ref(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *pos,
                  float theta);
void cpu_attention_ref(vo_backend *be, vo_tensor *out, const vo_tensor *q,
                       const vo_attn_seq *seqs, int n_seqs, float scale, bool causal);
void cpu_gelu_tanh_ref(vo_backend *be, vo_tensor *out, const vo_tensor *x);
void cpu_gelu_erf_ref(vo_backend *be, vo_tensor *out, const vo_tensor *x);
void cpu_silu_mul_ref(vo_backend *be, vo_tensor *out, const vo_tensor *gate,
                      const vo_tensor *up);
void cpu_softmax_ref(vo_backend *be, vo_tensor *out, const vo_tensor *x);
void cpu_get_rows_ref(vo_backend *be, vo_tensor *out, const vo_tensor *table,
                      const vo_tensor *ids);
void cpu_copy_ref(vo_backend *be, vo_tensor *out, const vo_tensor *x);
void cpu_patch_embed_ref(vo_backend *be, vo_tensor *out, const vo_tensor *img,
                         const vo_tensor *w, const vo_tensor *bias, int patch);
void cpu_resize_bilinear_ref(vo_backend *be, vo_tensor *out, const vo_tensor *in);
void cpu_argmax_logprob_ref(vo_backend *be, const vo_tensor *logits, int32_t *ids,
                            float *logprob);

/* The sums of the norms over a row in double, in the order every path
 * follows: Σ (x_i − mean) (squares false) or Σ (x_i − mean)² (true) in
 * CPU_NORM_LANES partial sums, lane l over x_{8g+l} of the whole groups in
 * order, then ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)), then the
 * last n % 8 values in order; products and sums rounded apart (no FMA). */
#define CPU_NORM_LANES 8
double cpu_norm_sum(const float *x, int64_t n, double mean, bool squares);

/* the same ops on rows r0 ≤ r < r1 (the _ref ops run all rows; the fast
 * ones hand chunks of rows to the threads) */
void cpu_rms_norm_rows(vo_tensor *out, const vo_tensor *x, const vo_tensor *w, float eps,
                       int64_t r0, int64_t r1);
void cpu_layer_norm_rows(vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                         const vo_tensor *b, float eps, int64_t r0, int64_t r1);
void cpu_gelu_tanh_rows(vo_tensor *out, const vo_tensor *x, int64_t r0, int64_t r1);
void cpu_gelu_erf_rows(vo_tensor *out, const vo_tensor *x, int64_t r0, int64_t r1);
void cpu_silu_mul_rows(vo_tensor *out, const vo_tensor *gate, const vo_tensor *up, int64_t r0,
                       int64_t r1);

/* --- fast ops (threads, SIMD) --- */
/* row-wise (ops_rows.c) */
void cpu_rms_norm_fast(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                       float eps);
void cpu_layer_norm_fast(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                         const vo_tensor *b, float eps);
void cpu_rope_fast(vo_backend *be, vo_tensor *out, const vo_tensor *x, const vo_tensor *pos,
                   float theta);
void cpu_silu_mul_fast(vo_backend *be, vo_tensor *out, const vo_tensor *gate,
                       const vo_tensor *up);
void cpu_gelu_tanh_fast(vo_backend *be, vo_tensor *out, const vo_tensor *x);
void cpu_gelu_erf_fast(vo_backend *be, vo_tensor *out, const vo_tensor *x);
void cpu_matmul_fast(vo_backend *be, vo_tensor *out, const vo_tensor *w, const vo_tensor *x,
                     const vo_tensor *bias);
void cpu_attention_fast(vo_backend *be, vo_tensor *out, const vo_tensor *q,
                        const vo_attn_seq *seqs, int n_seqs, float scale, bool causal);
void cpu_patch_embed_fast(vo_backend *be, vo_tensor *out, const vo_tensor *img,
                          const vo_tensor *w, const vo_tensor *bias, int patch);

/* --- thread pool: run fn(arg, task, worker) for task = 0..n_tasks-1 --- */
typedef struct cpu_pool cpu_pool;
typedef void (cpu_task_fn)(void *arg, int64_t task, int worker);
cpu_pool *cpu_pool_new(int n_threads);          /* NULL on failure */
void cpu_pool_run(cpu_pool *p, int64_t n_tasks, cpu_task_fn *fn, void *arg);
int cpu_pool_size(const cpu_pool *p);
void cpu_pool_drop(cpu_pool *p);

/* the CPU backend object */
typedef struct cpu_backend {
    vo_backend base;
    cpu_pool *pool;
    int n_threads;
    float *scratch;        /* per worker scratch, scratch_per floats each */
    size_t scratch_per;
    float *xt;             /* shared: activations packed for the GEMM (gemm.c) */
    size_t xt_cap;         /* floats */
    char *xq;              /* shared: x rows quantized for q8/q4 weights */
    size_t xq_cap;         /* bytes */
    bool matmul_bf16;      /* vo_cpu_round_activations: GEMMs of bf16 weights and the full
                            * attention of f32 keys and values by vdpbf16ps */
} cpu_backend;
/* make sure each worker has n floats of scratch; false on failure (error stuck) */
bool cpu_scratch(cpu_backend *cb, size_t n);

/* --- instruction set (isa.c): the kernels ask cpu_isa_active() --- */
typedef enum { CPU_ISA_SCALAR, CPU_ISA_AVX2, CPU_ISA_AVX512 } cpu_isa;
cpu_isa cpu_isa_best(void);        /* what this CPU runs (cpuid) */
cpu_isa cpu_isa_active(void);      /* what the kernels use now */
/* AVX-512 active and the CPU has VNNI (with BW, VL) and it is allowed
 * (tests turn it off to run the AVX-512 path without it) */
bool cpu_have_vnni(void);
void cpu_allow_vnni(bool allow);
/* name → ISA, false with a message when unknown or above `best` */
bool cpu_isa_parse(const char *name, cpu_isa best, cpu_isa *out, char *msg, size_t size);

/* --- SIMD kernels (x86_avx2.c), chosen at run time --- */
bool cpu_have_avx2(void);          /* the active ISA is AVX2 or above */
/* out[i*ldo + j] = Σ_k w[i*ldw + k] · x[j*ldx + k], i < nw ≤ 4, j < nx ≤ 3,
 * each output alike (one 8-lane sum with AVX2) whatever nw and nx */
void cpu_avx2_gemm_tile(const float *w, size_t ldw, int nw, const float *x, size_t ldx, int nx,
                        int64_t K, float *out, size_t ldo);
float cpu_avx2_dot(const float *a, const float *b, int64_t n);
void cpu_avx2_axpy(float *y, float a, const float *x, int64_t n);   /* y += a·x */
void cpu_avx2_bf16_to_f32(float *dst, const uint16_t *src, int64_t n);
/* a q8 or q4 row of n values (a multiple of 32) widened, cpu_get_f's
 * bits; false (nothing written) for other types, or without AVX2 */
bool cpu_avx2_quant_to_f32(float *dst, const void *row, vo_type type, int64_t n);
/* dot(a, bf16 b) and y += a·(bf16 x): KV cache rows widened in registers */
float cpu_avx2_dot_bf16(const float *a, const uint16_t *b, int64_t n);
void cpu_avx2_axpy_bf16(float *y, float a, const uint16_t *x, int64_t n);
/* decode (x86_avx2_matvec.c): out[m·ldo + n] = w row n · x row m
 * (+ bias[n]) for n0 ≤ n < n1, m < M (≤ 16: each weight row streams from
 * memory once), f32, bf16 or q8 weights (cpu_avx2_matvec_fits); every
 * output computed alike, whatever M */
bool cpu_avx2_matvec_fits(vo_type w);
void cpu_avx2_matvec(const vo_tensor *w, int64_t n0, int64_t n1, const float *x, size_t ldx,
                     int64_t M, float *out, size_t ldo, const vo_tensor *bias);

/* --- AVX-512 kernels (x86_avx512.c) for f32 and bf16 weights --- */
bool cpu_have_avx512(void);        /* the active ISA is AVX-512 */
/* decode: out[m·ldo + n] = w row n · x row m (+ bias[n]) for n0 ≤ n < n1,
 * m < M (small: the weight rows stream from memory once) */
void cpu_avx512_matvec(const vo_tensor *w, int64_t n0, int64_t n1, const float *x, size_t ldx,
                       int64_t M, float *out, size_t ldo, const vo_tensor *bias);
/* cpu_qx_row's blocks (not the padding) bit for bit where AVX-512 is
 * active; false where not (nothing done) */
bool cpu_avx512_qx_row(char *dst, const float *x, int64_t K);
/* the same as cpu_avx512_matvec for q4 weights and M ≤ CPU_QX_ROWS x rows
 * quantized at xq (cpu_qx_stride(K) bytes apart), integer block dots (VNNI
 * where the CPU has it) (x86_avx512_vnni.c) */
void cpu_avx512_matvec_qx(const vo_tensor *w, int64_t n0, int64_t n1, const char *xq,
                          int64_t M, float *out, size_t ldo, const vo_tensor *bias);
/* cpu_avx512_store_t16: dst[c·ldd + r] = src[r·ld + c] + bias[r] for a
 * 16 × 16 block (a register transpose; gemm.c's store where AVX-512 is
 * active); bias NULL: the bits moved unchanged */
void cpu_avx512_store_t16(float *dst, size_t ldd, const float *src, size_t ld, const float *bias);
/* the same product from packed xt (gemm.c) for weight rows n0 ≤ n < n1
 * (≤ CPU_GEMM_ROWS), the rows widened to f32 in scratch
 * (cpu_gemm_scratch(K, M) floats of the caller's) */
void cpu_avx512_gemm_rows(const vo_tensor *w, int64_t n0, int64_t n1, const float *xt, int64_t M,
                          float *out, size_t ldo, const vo_tensor *bias, float *scratch);

/* --- the prefill/vision GEMM's blocking (gemm.c), for every ISA's tile --- */
/* x rows (M × K) transposed into tiles of 64 tokens, [K][64] each,
 * zero-padded (xt holds ceil(M/64)·64·K floats): tile t of them */
#define CPU_GEMM_TOKENS 64
void cpu_gemm_pack_xt(float *xt, const float *x, size_t ldx, int64_t M, int64_t K, int64_t t);
/* A task is weight rows n0 ≤ n < n1 (≤ 192: the packed tokens, 141 MB for
 * a page's prompt into down_proj, stream once per 192 rows). Its scratch:
 * cpu_gemm_scratch(K, M) floats (the rows widened to f32, CPU_GEMM_LDW(K)
 * apart, then the sums of a group of token tiles between blocks of K). */
#define CPU_GEMM_ROWS 192
/* a power-of-two K would put the rows a tile reads at each step into one L1 set */
#define CPU_GEMM_LDW(K) ((K) + 16)
size_t cpu_gemm_scratch(int64_t K, int64_t M);
/* The blocking of all GEMM tiles (f32 and bf16): a unit is 4 bytes of a
 * row and of a packed token (one f32, or one pair of bf16). Tokens in
 * groups of 16 token tiles, units in blocks of kc_units inside (a block
 * of a token tile, kc_units · 256 bytes, and of the 6 rows' weights are
 * read from L1 by every tile of the task: 128, the AVX-512 tiles' tuning;
 * 64 for AVX2's, whose 512-token prefill ran 1.25× faster on a Zen 3 core
 * than with 128, a whole 32 KB L1), every tile of
 * the task's 6 rows over each token tile (`tile`: res (+)= the product of
 * 6 rows ldw units apart and nv vectors of 16 packed tokens over `units`
 * units, res zeroed first when `first`), then the group's sums into the
 * output rows n0 ≤ n < n1 (16 × 16 register transposes with AVX-512),
 * plus the bias. rows: the task's rows, zero past n1; xt: the packed
 * tokens, `units` a token; accs: cpu_gemm_scratch's sums. */
#define CPU_GEMM_TR 6
typedef void (*cpu_gemm_tile_fn)(const void *w, int64_t ldw, int64_t units, const void *xt,
                                 int nv, float *res, bool first);
#define CPU_GEMM_KC_AVX512 128
#define CPU_GEMM_KC_AVX2 64
void cpu_gemm_blocks(const void *rows, int64_t ldw, int64_t units, const void *xt, int64_t M,
                     int64_t n0, int64_t n1, const vo_tensor *bias, float *out, size_t ldo,
                     float *accs, int64_t kc_units, cpu_gemm_tile_fn tile);
/* AVX2 (x86_avx2_gemm.c): cpu_avx512_gemm_rows's product, the same bits,
 * by 6 × 16 register tiles */
void cpu_avx2_gemm_rows(const vo_tensor *w, int64_t n0, int64_t n1, const float *xt, int64_t M,
                        float *out, size_t ldo, const vo_tensor *bias, float *scratch);

/* --- AVX512_BF16 GEMM, opt-in (x86_avx512_bf16.c) --- */
/* the CPU has AVX512_BF16 (with BW, VL) and AVX-512 is active */
bool cpu_have_avx512_bf16(void);
/* x rows (M × K, K even) rounded to bf16 and transposed into tiles of 64
 * tokens, [K/2][64] pairs each (k in the low half), zero-padded: tile t */
void cpu_avx512bf_pack_xt(uint32_t *xt, const float *x, size_t ldx, int64_t M, int64_t K,
                          int64_t t);
/* cpu_avx512_gemm_rows for bf16 weights (K even) from those pairs, by
 * vdpbf16ps; scratch: cpu_avx512bf_gemm_scratch(K, M) floats */
size_t cpu_avx512bf_gemm_scratch(int64_t K, int64_t M);
void cpu_avx512bf_gemm_rows(const vo_tensor *w, int64_t n0, int64_t n1, const uint32_t *xt,
                            int64_t M, float *out, size_t ldo, const vo_tensor *bias,
                            float *scratch);


/* --- AVX-512 activations (x86_avx512_act.c): rows r0 ≤ r < r1 --- */
void cpu_avx512_silu_mul_rows(vo_tensor *out, const vo_tensor *gate, const vo_tensor *up,
                              int64_t r0, int64_t r1);
void cpu_avx512_gelu_tanh_rows(vo_tensor *out, const vo_tensor *x, int64_t r0, int64_t r1);

/* --- AVX2 activations (x86_avx2_act.c): the same rows, the same bits --- */
void cpu_avx2_silu_mul_rows(vo_tensor *out, const vo_tensor *gate, const vo_tensor *up,
                            int64_t r0, int64_t r1);
void cpu_avx2_gelu_tanh_rows(vo_tensor *out, const vo_tensor *x, int64_t r0, int64_t r1);

/* --- AVX-512 norms (x86_avx512_norm.c): rows r0 ≤ r < r1, the bits of
 * cpu_rms_norm_rows / cpu_layer_norm_rows (their sums: cpu_norm_sum) --- */
void cpu_avx512_rms_norm_rows(vo_tensor *out, const vo_tensor *x, const vo_tensor *w, float eps,
                              int64_t r0, int64_t r1);
void cpu_avx512_layer_norm_rows(vo_tensor *out, const vo_tensor *x, const vo_tensor *w,
                                const vo_tensor *b, float eps, int64_t r0, int64_t r1);

/* --- AVX2 attention (x86_avx2_attn.c) --- */
/* one task: query rows i0 ≤ i < i1 of sequence S for the G query heads that
 * share each KV head kh0 ≤ kh < kh1 (row r of a head = (i − i0)·G + g), keys
 * in blocks of 8 with an online softmax, the heads of a block one after the
 * other; each row's arithmetic does not depend on the other rows or heads.
 * scratch: cpu_avx2_attn_scratch(head_dim, rows per head, heads) floats. */
#define CPU_AVX2_ATTN_ROWS 32   /* rows per task and head: queries × the heads of a group */
size_t cpu_avx2_attn_scratch(int64_t head_dim, int64_t rows, int64_t heads);
void cpu_avx2_attention(const vo_tensor *q, vo_tensor *out, const vo_attn_seq *S, int64_t kh0,
                        int64_t kh1, int64_t G, int64_t i0, int64_t i1, float scale, bool causal,
                        float *scratch);

/* --- AVX-512 attention (x86_avx512_attn.c) --- */
/* one task: query rows i0 ≤ i < i1 of sequence S for the G query heads that
 * share each KV head kh0 ≤ kh < kh1 (≤ CPU_ATTN_HEADS of them; row r of a
 * head = (i − i0)·G + g), keys in blocks of CPU_ATTN_KEYS with an online
 * softmax, the heads of a block one after the other (a decode task over
 * several heads reads their cache rows, which lie side by side, together).
 * A row's arithmetic does not depend on the other rows or heads (the same
 * output in a decode step, a draft, a prefill chunk). scratch:
 * cpu_avx512_attn_scratch(head_dim, rows per head, heads) floats. */
#define CPU_ATTN_KEYS 32
#define CPU_ATTN_ROWS 64        /* rows per task and head: queries × the heads of a group */
#define CPU_ATTN_HEADS 16       /* KV heads per task at most */
bool cpu_avx512_attn_fits(int64_t head_dim);     /* head_dim ≤ 128 */
size_t cpu_avx512_attn_scratch(int64_t head_dim, int64_t rows, int64_t heads);
/* bf16: a non-causal task's products by vdpbf16ps (cpu_avx512bf_attn_block)
 * where its keys and values are f32 (the vision tower's) */
void cpu_avx512_attention(const vo_tensor *q, vo_tensor *out, const vo_attn_seq *S,
                          int64_t kh0, int64_t kh1, int64_t G, int64_t i0, int64_t i1,
                          float scale, bool causal, bool bf16, float *scratch);

/* --- the AVX-512 full attention's products in bf16 (x86_avx512_attn_bf16.c;
 * AVX512_BF16 only): the rows of one KV head of a non-causal task, the
 * query rows in the lanes (rq of them, a multiple of 16) --- */
typedef struct {
    const uint32_t *qb;        /* queries in bf16 pairs of head_dim: cpu_avx512bf_attn_pack_q */
    int64_t rq, rows, hd;      /* lanes, rows to the output (≤ rq), head_dim */
    float *o;                  /* outputs, rows ld floats apart */
    size_t ld;                 /* head_dim rounded up to 16 */
    float *st;                 /* a block's scores, then its p: CPU_ATTN_KEYS · rq */
    float *m, *l, *alpha;      /* per lane: running max, sum, the last block's factor */
    uint32_t *kb, *vb;         /* scratch: a block's keys (CPU_ATTN_KEYS · ⌈hd/2⌉ + 16)
                                * and values (CPU_ATTN_KEYS/2 · ld) rounded */
    float scale;
} cpu_bf_attn_rows;
/* qb[d/2 · rq + r] = q[r][d], q[r][d+1] in bf16 from qt[d·rq + r] */
void cpu_avx512bf_attn_pack_q(uint32_t *qb, const float *qt, int64_t rq, int64_t hd);
/* one block of nk ≤ CPU_ATTN_KEYS f32 keys and values (rows ks and vs
 * floats apart): scores, the online softmax's step, o·alpha + p·v */
void cpu_avx512bf_attn_block(const cpu_bf_attn_rows *a, const float *k, size_t ks,
                             const float *v, size_t vs, int64_t nk);

#endif
