/* gemm.c: the blocking of the prefill/vision GEMMs, apart from their
 * register tiles (AVX-512 f32 and bf16, AVX2 f32): the activations packed
 * into tiles of TT tokens, token tiles in groups whose sums stay in L2,
 * K in blocks that stay in L1, and the sums stored back token by token.
 * The f32 tiles sum each output over k in order, one FMA after the other
 * from 0, whatever their shape: AVX-512 and AVX2 give the same bits. */
#include "src/backend/cpu/cpu_internal.h"

#define TR CPU_GEMM_TR
#define TT CPU_GEMM_TOKENS

void cpu_gemm_pack_xt(float *xt, const float *x, size_t ldx, int64_t M, int64_t K, int64_t t)
{
    float *d = xt + t * K * TT;
    int64_t m0 = t * TT;
    int64_t nm = M - m0 < TT ? M - m0 : TT;
    for (int64_t k = 0; k < K; k++) {
        for (int64_t m = 0; m < nm; m++)
            d[k * TT + m] = x[(m0 + m) * ldx + k];
        for (int64_t m = nm; m < TT; m++)
            d[k * TT + m] = 0.0f;
    }
}

/* token tiles per group (the sums of a group: 16·32·6·64 floats for 192 rows, 786 KB:
 * within a Zen 4 core's 1 MB L2, past a Zen 3's 512 KB) */
#define MG 16

size_t cpu_gemm_scratch(int64_t K, int64_t M)
{
    int64_t tiles = (M + TT - 1) / TT, row_tiles = (CPU_GEMM_ROWS + TR - 1) / TR;
    tiles = tiles < MG ? tiles : MG;
    return (size_t)(row_tiles * TR) * (size_t)CPU_GEMM_LDW(K) +
           (size_t)(tiles * row_tiles * TR * TT);
}

/* the sums of token tiles g0 ≤ m < g1 (per token tile, one TR × TT block
 * for each tile of the rows n0 ≤ n < n1) into the output rows, plus b[n - n0] */
static void gemm_store(float *out, size_t ldo, int64_t n0, int64_t n1, int64_t g0, int64_t g1,
                       int64_t M, const float *accs, const float *b)
{
    /* a token tile's sums: row j = t·TR + i of the task's rows, TT floats
     * each; the output wants them token by token, the rows side by side:
     * a transpose, in 16 × 16 blocks where whole */
    int nt = (int)(n1 - n0 + TR - 1) / TR;
    int64_t nj = n1 - n0;
    bool t16 = cpu_have_avx512();
    for (int64_t m0 = g0; m0 < g1; m0 += TT) {
        int64_t nm = M - m0 < TT ? M - m0 : TT;
        const float *blk = accs + (m0 - g0) / TT * nt * TR * TT;
        for (int64_t j0 = 0; j0 < nj; j0 += 16)
            for (int64_t mm = 0; mm < nm; mm += 16) {
                float *o = out + (m0 + mm) * ldo + n0 + j0;
                if (t16 && j0 + 16 <= nj && mm + 16 <= nm) {
                    cpu_avx512_store_t16(o, ldo, blk + j0 * TT + mm, TT, b + j0);
                    continue;
                }
                for (int64_t m = mm; m < nm && m < mm + 16; m++)
                    for (int64_t j = j0; j < nj && j < j0 + 16; j++)
                        o[(m - mm) * ldo + (j - j0)] = blk[j * TT + m] + b[j];
            }
    }
}

void cpu_gemm_blocks(const void *rows, int64_t ldw, int64_t units, const void *xt, int64_t M,
                     int64_t n0, int64_t n1, const vo_tensor *bias, float *out, size_t ldo,
                     float *accs, int64_t kc_units, cpu_gemm_tile_fn tile)
{
    int nt = (int)(n1 - n0 + TR - 1) / TR;
    float b[CPU_GEMM_ROWS];
    for (int64_t n = n0; n < n1; n++)
        b[n - n0] = bias ? cpu_get_f(cpu_base(bias), bias->type, n) : 0.0f;
    /* tokens in groups of MG tiles, K blocks inside: a group's sums stay in
     * L2 however long the prompt (a page's is 5,800 tokens) */
    for (int64_t g0 = 0; g0 < M; g0 += MG * TT) {
        int64_t g1 = g0 + MG * TT < M ? g0 + MG * TT : M;
        for (int64_t k0 = 0; k0 < units; k0 += kc_units) {
            int64_t kc = units - k0 < kc_units ? units - k0 : kc_units;
            for (int64_t m0 = g0; m0 < g1; m0 += TT) {
                const char *xtile = (const char *)xt + 4 * ((m0 / TT) * units * TT + k0 * TT);
                int64_t nm = M - m0 < TT ? M - m0 : TT;
                for (int t = 0; t < nt; t++)
                    tile((const char *)rows + 4 * ((size_t)t * TR * (size_t)ldw + (size_t)k0),
                         ldw, kc, xtile, (int)(nm + 15) / 16,
                         accs + ((m0 - g0) / TT * nt + t) * TR * TT, k0 == 0);
            }
        }
        gemm_store(out, ldo, n0, n1, g0, g1, M, accs, b);
    }
}
