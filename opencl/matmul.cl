/* matmul.cl: out[N, M] = x[K, M] · w[K, N]ᵀ (+ bias), every linear layer of
 * MODEL.md; built once per weight type (-DW_F32, -DW_F16, -DW_BF16, -DW_Q8
 * or -DW_Q4). q8 and q4 rows are blocks of 32 values (src/backend/backend.h),
 * dequantized as they are read; x stays f32. */

#pragma OPENCL FP_CONTRACT ON

#if defined(W_Q8) || defined(W_Q4)
#if defined(W_Q8)
#define QB_BYTES 36     /* an f32 scale, 32 int8 */
#else
#define QB_BYTES 20     /* an f32 scale, 32 nibbles: values 0-15 low, 16-31 high, offset by 8 */
#endif
/* the block of value i of a row at p, and its scale */
global const uchar *q_block(global const uchar *p, int i)
{
    return p + (i >> 5) * QB_BYTES;
}

float q_scale(global const uchar *b)
{
    return *(global const float *)b;
}

float wload_q(global const uchar *p, int i)
{
    global const uchar *b = q_block(p, i);
    int j = i & 31;
#if defined(W_Q8)
    return q_scale(b) * (float)((global const char *)b)[4 + j];
#else
    uchar q = b[4 + (j & 15)];
    return q_scale(b) * (float)((int)(j < 16 ? q & 15 : q >> 4) - 8);
#endif
}

/* values k .. k+7 (k a multiple of 8: one block) */
float8 wload8_q(global const uchar *p, int k)
{
    global const uchar *b = q_block(p, k);
    int j = k & 31;
#if defined(W_Q8)
    return q_scale(b) * convert_float8(vload8(0, (global const char *)b + 4 + j));
#else
    uchar8 q = vload8(0, b + 4 + (j & 15));
    q = j < 16 ? q & (uchar8)15 : q >> (uchar8)4;
    return q_scale(b) * (convert_float8(q) - 8.0f);
#endif
}

/* values k .. k+15 (k a multiple of 16: one block) */
float16 wload16_q(global const uchar *p, int k)
{
    global const uchar *b = q_block(p, k);
    int j = k & 31;
#if defined(W_Q8)
    return q_scale(b) * convert_float16(vload16(0, (global const char *)b + 4 + j));
#else
    uchar16 q = vload16(0, b + 4);
    q = j < 16 ? q & (uchar16)15 : q >> (uchar16)4;
    return q_scale(b) * (convert_float16(q) - 8.0f);
#endif
}
#define WLOAD(p, i) wload_q((global const uchar *)(p), (i))
#elif defined(W_BF16)
#define WLOAD(p, i) bf16_to_f32(((global const ushort *)(p))[i])
#elif defined(W_F16)
#define WLOAD(p, i) vload_half((i), (global const half *)(p))
#else
#define WLOAD(p, i) (((global const float *)(p))[i])
#endif

/* an output value v: written, or added to what out holds (accumulate:
 * vo_matmul_add, the residual; the sum of the same two f32 values that
 * vo_matmul then vo_add make) */
#define STORE(o, v) ((o) = accumulate ? (o) + (v) : (v))

/* defaults when the host gives no tuning values */
#ifndef TS_M
#define TS_M 32
#endif
#ifndef TS_N
#define TS_N 32
#endif
#ifndef TS_K
#define TS_K 16
#endif
#ifndef WPT_M
#define WPT_M 4
#endif
#ifndef WPT_N
#define WPT_N 4
#endif
#ifndef WG_MV
#define WG_MV 64
#endif
#ifndef MV_ROWS
#define MV_ROWS 4
#endif

#define LN (TS_N / WPT_N)
#define LM (TS_M / WPT_M)

/* --- vo_matmul: tiles of TS_M x rows × TS_N w rows, TS_K deep, staged in
 * local memory; local size (LN, LM), each item WPT_M × WPT_N outputs --- */
kernel void vo_matmul(global const uchar *w, ulong w_off, global const uchar *x, ulong x_off,
                      global const uchar *bias, ulong bias_off, global uchar *out, ulong out_off,
                      int K, int N, int M, int x_ne1, int x_ne2, int o_ne1, int o_ne2,
                      ulong w_nb1,
                      ulong x_nb1, ulong x_nb2, ulong x_nb3,
                      ulong o_nb1, ulong o_nb2, ulong o_nb3, int bias_type,
                      int accumulate)
{
    local float Ws[TS_N][TS_K + 1];
    local float Xs[TS_M][TS_K + 1];
    int tn = get_local_id(0), tm = get_local_id(1);
    int n0 = get_group_id(0) * TS_N, m0 = get_group_id(1) * TS_M;
    int lid = tm * LN + tn;
    float acc[WPT_M][WPT_N];
    for (int i = 0; i < WPT_M; i++)
        for (int j = 0; j < WPT_N; j++)
            acc[i][j] = 0.0f;

    for (int k0 = 0; k0 < K; k0 += TS_K) {
        for (int e = lid; e < TS_N * TS_K; e += LN * LM) {
            int r = e / TS_K, c = e % TS_K, n = n0 + r, k = k0 + c;
            Ws[r][c] = (n < N && k < K) ? WLOAD(w + w_off + (ulong)n * w_nb1, k) : 0.0f;
        }
        for (int e = lid; e < TS_M * TS_K; e += LN * LM) {
            int r = e / TS_K, c = e % TS_K, m = m0 + r, k = k0 + c;
            Xs[r][c] = (m < M && k < K)
                ? ((global const float *)(x + x_off +
                                           row_off(m, x_ne1, x_ne2, x_nb1, x_nb2, x_nb3)))[k]
                : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int kk = 0; kk < TS_K; kk++) {
            float wv[WPT_N];
            for (int j = 0; j < WPT_N; j++)
                wv[j] = Ws[tn + j * LN][kk];
            for (int i = 0; i < WPT_M; i++) {
                float xv = Xs[tm + i * LM][kk];
                for (int j = 0; j < WPT_N; j++)
                    acc[i][j] += xv * wv[j];
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    for (int i = 0; i < WPT_M; i++) {
        int m = m0 + tm + i * LM;
        if (m >= M)
            continue;
        global float *o = (global float *)(out + out_off +
                                           row_off(m, o_ne1, o_ne2, o_nb1, o_nb2, o_nb3));
        for (int j = 0; j < WPT_N; j++) {
            int n = n0 + tn + j * LN;
            if (n < N)
                STORE(o[n], acc[i][j] +
                                (bias_type >= 0 ? load_f(bias + bias_off, n, bias_type) : 0.0f));
        }
    }
}

/* --- vo_matmul_vec: few x rows (decode): one work-group of WG_MV items per
 * w row, items split K, MV_ROWS x rows per group along dimension 1 --- */
kernel void vo_matmul_vec(global const uchar *w, ulong w_off, global const uchar *x, ulong x_off,
                          global const uchar *bias, ulong bias_off, global uchar *out,
                          ulong out_off, int K, int N, int M, int x_ne1, int x_ne2,
                          int o_ne1, int o_ne2, ulong w_nb1,
                          ulong x_nb1, ulong x_nb2, ulong x_nb3,
                          ulong o_nb1, ulong o_nb2, ulong o_nb3, int bias_type,
                          int accumulate)
{
    local float red[MV_ROWS][WG_MV];
    int n = get_group_id(0), lid = get_local_id(0), m0 = get_group_id(1) * MV_ROWS;
    global const uchar *wr = w + w_off + (ulong)n * w_nb1;
    global const float *xr[MV_ROWS];
    float acc[MV_ROWS];
    for (int i = 0; i < MV_ROWS; i++) {
        int m = min(m0 + i, M - 1);     /* rows past M repeat the last; not written */
        xr[i] = (global const float *)(x + x_off + row_off(m, x_ne1, x_ne2, x_nb1, x_nb2, x_nb3));
        acc[i] = 0.0f;
    }
    for (int k = lid; k < K; k += WG_MV) {
        float wv = WLOAD(wr, k);
        for (int i = 0; i < MV_ROWS; i++)
            acc[i] += wv * xr[i][k];
    }
    for (int i = 0; i < MV_ROWS; i++)
        red[i][lid] = acc[i];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG_MV / 2; s > 0; s >>= 1) {
        if (lid < s)
            for (int i = 0; i < MV_ROWS; i++)
                red[i][lid] += red[i][lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid < MV_ROWS && m0 + lid < M) {
        int m = m0 + lid;
        global float *o = (global float *)(out + out_off +
                                           row_off(m, o_ne1, o_ne2, o_nb1, o_nb2, o_nb3));
        STORE(o[n], red[lid][0] +
                        (bias_type >= 0 ? load_f(bias + bias_off, n, bias_type) : 0.0f));
    }
}

/* --- vo_matmul_skinny: up to a few dozen x rows on GPUs (decode of many
 * pages in flight): each weight row is read once for all x rows. A row
 * belongs to SK_LANES items (a warp on NVIDIA) that split K in 8-wide loads
 * (16 bytes of bf16); SK_ROWS rows a work-group; the x rows go in passes of
 * SK_MT accumulators, their loads shared by the group's rows through the
 * cache; the lanes' sums meet in local memory. --- */
#ifndef SK_LANES
#define SK_LANES 32
#endif
#ifndef SK_ROWS
#define SK_ROWS 4
#endif
#ifndef SK_MT
#define SK_MT 8
#endif

#if defined(W_Q8) || defined(W_Q4)
#define WLOAD8(p, k) wload8_q((global const uchar *)(p), (k))
#elif defined(W_BF16)
#define WLOAD8(p, k) as_float8(convert_uint8(vload8(0, (global const ushort *)(p) + (k))) << 16)
#elif defined(W_F16)
#define WLOAD8(p, k) vload_half8(0, (global const half *)(p) + (k))
#else
#define WLOAD8(p, k) vload8(0, (global const float *)(p) + (k))
#endif

float dot8(float8 a, float8 b)
{
    return dot(a.lo, b.lo) + dot(a.hi, b.hi);
}

kernel void vo_matmul_skinny(global const uchar *w, ulong w_off, global const uchar *x,
                             ulong x_off, global const uchar *bias, ulong bias_off,
                             global uchar *out, ulong out_off, int K, int N, int M, int x_ne1,
                             int x_ne2, int o_ne1, int o_ne2, ulong w_nb1,
                             ulong x_nb1, ulong x_nb2, ulong x_nb3,
                             ulong o_nb1, ulong o_nb2, ulong o_nb3, int bias_type,
                             int accumulate)
{
    local float red[SK_ROWS][SK_MT][SK_LANES + 1];
    int lid = get_local_id(0), r = lid / SK_LANES, lane = lid % SK_LANES;
    int n = get_group_id(0) * SK_ROWS + r;
    global const uchar *wr = w + w_off + (ulong)min(n, N - 1) * w_nb1;  /* past N: not written */
    int k8 = K / 8 * 8;
    for (int m0 = 0; m0 < M; m0 += SK_MT) {
        global const float *xr[SK_MT];
        float acc[SK_MT];
        for (int i = 0; i < SK_MT; i++) {   /* rows past M repeat the last; not written */
            int m = min(m0 + i, M - 1);
            xr[i] = (global const float *)(x + x_off + row_off(m, x_ne1, x_ne2, x_nb1, x_nb2, x_nb3));
            acc[i] = 0.0f;
        }
        for (int k = lane * 8; k < k8; k += SK_LANES * 8) {
            float8 wv = WLOAD8(wr, k);
            for (int i = 0; i < SK_MT; i++)
                acc[i] += dot8(wv, vload8(0, xr[i] + k));
        }
        for (int k = k8 + lane; k < K; k += SK_LANES) {
            float wv = WLOAD(wr, k);
            for (int i = 0; i < SK_MT; i++)
                acc[i] += wv * xr[i][k];
        }
        for (int i = 0; i < SK_MT; i++)
            red[r][i][lane] = acc[i];
        barrier(CLK_LOCAL_MEM_FENCE);
        /* lane i < SK_MT sums x row m0 + i of this weight row */
        if (lane < SK_MT && m0 + lane < M && n < N) {
            float s = 0.0f;
            for (int j = 0; j < SK_LANES; j++)
                s += red[r][lane][j];
            int m = m0 + lane;
            global float *o = (global float *)(out + out_off +
                                               row_off(m, o_ne1, o_ne2, o_nb1, o_nb2, o_nb3));
            STORE(o[n], s + (bias_type >= 0 ? load_f(bias + bias_off, n, bias_type) : 0.0f));
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

/* --- vo_matmul_row: for CPU drivers (PoCL), where a work-group runs as a
 * loop and each item is compiled with explicit vectors. An item computes
 * MM_NC w rows × MM_NR x rows, MM_VW-wide loads (bf16 widened by a shift),
 * the MM_NC·MM_NR accumulators in registers, no local memory, no barriers.
 * Dimension 0 walks x-row blocks, dimension 1 w-row blocks, so neighbouring
 * items and groups share the MM_NC w rows (kept in L1) and stream x. A tail
 * block of fewer than MM_NR x rows runs the one-row variant per row. --- */
#ifndef MM_NC
#define MM_NC 4
#endif
#ifndef MM_NR
#define MM_NR 4
#endif
#ifndef MM_VW
#define MM_VW 8
#endif

#if MM_VW == 16
#define floatV float16
#define vloadV vload16
#define ushortV ushort16
#define convert_uintV convert_uint16
#define as_floatV as_float16
#define HSUM(v) hsum8((v).lo + (v).hi)
#else
#define floatV float8
#define vloadV vload8
#define ushortV ushort8
#define convert_uintV convert_uint8
#define as_floatV as_float8
#define HSUM(v) hsum8(v)
#endif

#if defined(W_Q8) || defined(W_Q4)
#if MM_VW == 16
#define WLOADV(p, k) wload16_q((global const uchar *)(p), (k))
#else
#define WLOADV(p, k) wload8_q((global const uchar *)(p), (k))
#endif
#elif defined(W_BF16)
#define WLOADV(p, k) as_floatV(convert_uintV(vloadV(0, (global const ushort *)(p) + (k))) << 16)
#elif defined(W_F16)
#define WLOADV(p, k) vload_halfV(0, (global const half *)(p) + (k))
#if MM_VW == 16
#define vload_halfV vload_half16
#else
#define vload_halfV vload_half8
#endif
#else
#define WLOADV(p, k) vloadV(0, (global const float *)(p) + (k))
#endif

float hsum8(float8 v)
{
    float4 h = v.lo + v.hi;
    return (h.x + h.y) + (h.z + h.w);
}

/* NR x rows (pointers xr) × MM_NC w rows (wr) over K; out[r][c] */
#define MM_TILE(NR)                                                                     \
    {                                                                                   \
        floatV acc[NR][MM_NC];                                                          \
        for (int r = 0; r < NR; r++)                                                    \
            for (int c = 0; c < MM_NC; c++)                                             \
                acc[r][c] = (floatV)(0.0f);                                             \
        int k = 0;                                                                      \
        for (; k + MM_VW <= K; k += MM_VW) {                                            \
            floatV wv[MM_NC];                                                           \
            for (int c = 0; c < MM_NC; c++)                                             \
                wv[c] = WLOADV(wr[c], k);                                               \
            for (int r = 0; r < NR; r++) {                                              \
                floatV xv = vloadV(0, xr[r] + k);                                       \
                for (int c = 0; c < MM_NC; c++)                                         \
                    acc[r][c] += xv * wv[c];                                            \
            }                                                                           \
        }                                                                               \
        for (int r = 0; r < NR; r++)                                                    \
            for (int c = 0; c < MM_NC; c++) {                                           \
                float s = HSUM(acc[r][c]);                                              \
                for (int kk = k; kk < K; kk++)                                          \
                    s += WLOAD(wr[c], kk) * xr[r][kk];                                  \
                out_v[r][c] = s;                                                        \
            }                                                                           \
    }

kernel void vo_matmul_row(global const uchar *w, ulong w_off, global const uchar *x, ulong x_off,
                          global const uchar *bias, ulong bias_off, global uchar *out,
                          ulong out_off, int K, int N, int M, int x_ne1, int x_ne2,
                          int o_ne1, int o_ne2, ulong w_nb1,
                          ulong x_nb1, ulong x_nb2, ulong x_nb3,
                          ulong o_nb1, ulong o_nb2, ulong o_nb3, int bias_type,
                          int accumulate)
{
    int m0 = get_global_id(0) * MM_NR, n0 = get_global_id(1) * MM_NC;
    if (m0 >= M || n0 >= N)
        return;
    global const uchar *wr[MM_NC];
    for (int c = 0; c < MM_NC; c++)     /* w rows past N repeat the last; not written */
        wr[c] = w + w_off + (ulong)min(n0 + c, N - 1) * w_nb1;
    float b[MM_NC];
    for (int c = 0; c < MM_NC; c++)
        b[c] = bias_type >= 0 ? load_f(bias + bias_off, min(n0 + c, N - 1), bias_type) : 0.0f;
    int nc = min(MM_NC, N - n0);
    if (M - m0 >= MM_NR) {
        global const float *xr[MM_NR];
        float out_v[MM_NR][MM_NC];
        for (int r = 0; r < MM_NR; r++)
            xr[r] = (global const float *)(x + x_off +
                                           row_off(m0 + r, x_ne1, x_ne2, x_nb1, x_nb2, x_nb3));
        MM_TILE(MM_NR)
        for (int r = 0; r < MM_NR; r++) {
            global float *o = (global float *)(out + out_off +
                                               row_off(m0 + r, o_ne1, o_ne2, o_nb1, o_nb2, o_nb3));
            for (int c = 0; c < nc; c++)
                STORE(o[n0 + c], out_v[r][c] + b[c]);
        }
    } else {
        for (int m = m0; m < M; m++) {
            global const float *xr[1];
            float out_v[1][MM_NC];
            xr[0] = (global const float *)(x + x_off +
                                           row_off(m, x_ne1, x_ne2, x_nb1, x_nb2, x_nb3));
            MM_TILE(1)
            global float *o = (global float *)(out + out_off +
                                               row_off(m, o_ne1, o_ne2, o_nb1, o_nb2, o_nb3));
            for (int c = 0; c < nc; c++)
                STORE(o[n0 + c], out_v[0][c] + b[c]);
        }
    }
}
