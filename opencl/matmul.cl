/* matmul.cl: out[N, M] = x[K, M] · w[K, N]ᵀ (+ bias), every linear layer of
 * MODEL.md; built once per weight type (-DW_F32, -DW_F16 or -DW_BF16). */

#pragma OPENCL FP_CONTRACT ON

#if defined(W_BF16)
#define WLOAD(p, i) bf16_to_f32(((global const ushort *)(p))[i])
#elif defined(W_F16)
#define WLOAD(p, i) vload_half((i), (global const half *)(p))
#else
#define WLOAD(p, i) (((global const float *)(p))[i])
#endif

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
                      ulong o_nb1, ulong o_nb2, ulong o_nb3, int bias_type)
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
                o[n] = acc[i][j] + (bias_type >= 0 ? load_f(bias + bias_off, n, bias_type) : 0.0f);
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
                          ulong o_nb1, ulong o_nb2, ulong o_nb3, int bias_type)
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
        o[n] = red[lid][0] + (bias_type >= 0 ? load_f(bias + bias_off, n, bias_type) : 0.0f);
    }
}

#if defined(W_BF16)
#define WLOAD8(p, k) as_float8(convert_uint8(vload8(0, (global const ushort *)(p) + (k))) << 16)
#elif defined(W_F16)
#define WLOAD8(p, k) vload_half8(0, (global const half *)(p) + (k))
#else
#define WLOAD8(p, k) vload8(0, (global const float *)(p) + (k))
#endif

/* --- vo_matmul_row: for CPU drivers (PoCL), where a work-group is a loop:
 * one item per w row and MV_ROWS x rows, 8-wide loads, no barriers --- */
kernel void vo_matmul_row(global const uchar *w, ulong w_off, global const uchar *x, ulong x_off,
                          global const uchar *bias, ulong bias_off, global uchar *out,
                          ulong out_off, int K, int N, int M, int x_ne1, int x_ne2,
                          int o_ne1, int o_ne2, ulong w_nb1,
                          ulong x_nb1, ulong x_nb2, ulong x_nb3,
                          ulong o_nb1, ulong o_nb2, ulong o_nb3, int bias_type)
{
    int n = get_global_id(0), m0 = get_global_id(1) * MV_ROWS;
    if (n >= N)
        return;
    global const uchar *wr = w + w_off + (ulong)n * w_nb1;
    global const float *xr[MV_ROWS];
    float8 acc[MV_ROWS];
    for (int i = 0; i < MV_ROWS; i++) {
        int m = min(m0 + i, M - 1);     /* rows past M repeat the last; not written */
        xr[i] = (global const float *)(x + x_off + row_off(m, x_ne1, x_ne2, x_nb1, x_nb2, x_nb3));
        acc[i] = (float8)(0.0f);
    }
    int k = 0;
    for (; k + 8 <= K; k += 8) {
        float8 wv = WLOAD8(wr, k);
        for (int i = 0; i < MV_ROWS; i++)
            acc[i] += wv * vload8(0, xr[i] + k);
    }
    for (int i = 0; i < MV_ROWS && m0 + i < M; i++) {
        float4 h = acc[i].lo + acc[i].hi;
        float s = (h.x + h.y) + (h.z + h.w);
        for (int kk = k; kk < K; kk++)
            s += WLOAD(wr, kk) * xr[i][kk];
        global float *o = (global float *)(out + out_off +
                                           row_off(m0 + i, o_ne1, o_ne2, o_nb1, o_nb2, o_nb3));
        o[n] = s + (bias_type >= 0 ? load_f(bias + bias_off, n, bias_type) : 0.0f);
    }
}
