/* attention.cl: fused attention of one sequence (scores, online softmax,
 * weighted values) with GQA, causal or full (MODEL.md §4 and §8): on GPUs
 * the split kernels for decode and the tiled one for prefill and vision,
 * on CPU drivers the _row kernel. k and v
 * are f32, f16 or bf16 (k_type, v_type: T_ codes; a KV cache), widened
 * exactly to f32 as they are read; a paged cache's keys are found through
 * its block table (kv_row). */

#pragma OPENCL FP_CONTRACT ON

#ifndef WG_ATT
#define WG_ATT 64
#endif
#ifndef HD_MAX
#define HD_MAX 256
#endif
/* head dimensions each item accumulates */
#define DPT ((HD_MAX + WG_ATT - 1) / WG_ATT)

/* a sequence's key j as a row of its K/V tensors: row j, or in a paged
 * cache row j % br of block tab[j / br] (tab NULL: not paged) */
ulong kv_row(global const int *tab, int br, int j)
{
    return tab ? (ulong)tab[j / br] * (ulong)br + (ulong)(j % br) : (ulong)j;
}

#define KV_TAB(blocks, off) ((global const int *)((blocks) ? (blocks) + (off) : 0))

/* --- vo_attention: one work-group per (head, query row); items take keys
 * in blocks of WG_ATT, the running max/sum rescale the accumulators --- */
kernel void vo_attention(global const uchar *q, ulong q_off, global const uchar *k, ulong k_off,
                         global const uchar *v, ulong v_off, global uchar *out, ulong out_off,
                         int hd, int n_heads, int n_kv_heads, int q_start, int n_q, int n_kv,
                         ulong q_nb1, ulong q_nb2, ulong k_nb1, ulong k_nb2,
                         ulong v_nb1, ulong v_nb2, global const uchar *blocks, ulong blocks_off,
                         int block_rows, ulong o_nb1, ulong o_nb2,
                         float scale, int causal, int k_type, int v_type)
{
    local float qs[HD_MAX];
    local float p[WG_ATT];
    local float red[WG_ATT];
    local ulong vrow[WG_ATT];                   /* the block's value rows (paged: scattered) */
    int lid = get_local_id(0), h = get_group_id(1), i = get_group_id(2);
    int t = q_start + i, kh = h / (n_heads / n_kv_heads);
    int n_see = causal ? n_kv - n_q + i + 1 : n_kv;

    global const float *qr = (global const float *)(q + q_off + h * q_nb1 + t * q_nb2);
    for (int c = lid; c < hd; c += WG_ATT)
        qs[c] = qr[c];
    barrier(CLK_LOCAL_MEM_FENCE);

    global const uchar *kb = k + k_off + kh * k_nb1;
    global const uchar *vb = v + v_off + kh * v_nb1;
    global const int *tab = KV_TAB(blocks, blocks_off);
    float m = -INFINITY, l = 0.0f, acc[DPT];
    for (int d = 0; d < DPT; d++)
        acc[d] = 0.0f;

    for (int j0 = 0; j0 < n_see; j0 += WG_ATT) {
        int j = j0 + lid;
        float s = -INFINITY;
        if (j < n_see) {
            ulong row = kv_row(tab, block_rows, j);
            global const uchar *kr = kb + row * k_nb2;
            float dot = 0.0f;
            if (k_type == T_F32)
                for (int c = 0; c < hd; c++)
                    dot += qs[c] * ((global const float *)kr)[c];
            else
                for (int c = 0; c < hd; c++)
                    dot += qs[c] * load_f(kr, c, k_type);
            s = dot * scale;
            vrow[lid] = row * v_nb2;
        }
        float m_new = fmax(m, wg_max(red, s));
        float alpha = exp(m - m_new);            /* 0 on the first block */
        p[lid] = j < n_see ? exp(s - m_new) : 0.0f;
        barrier(CLK_LOCAL_MEM_FENCE);
        int nb = min(WG_ATT, n_see - j0);
        float bsum = 0.0f;
        for (int jj = 0; jj < nb; jj++)
            bsum += p[jj];
        for (int d = 0; d < DPT; d++) {
            int c = lid + d * WG_ATT;
            if (c < hd) {
                float a = acc[d] * alpha;
                if (v_type == T_F32)
                    for (int jj = 0; jj < nb; jj++)
                        a += p[jj] * ((global const float *)(vb + vrow[jj]))[c];
                else
                    for (int jj = 0; jj < nb; jj++)
                        a += p[jj] * load_f(vb + vrow[jj], c, v_type);
                acc[d] = a;
            }
        }
        l = l * alpha + bsum;
        m = m_new;
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    global float *o = (global float *)(out + out_off + h * o_nb1 + t * o_nb2);
    for (int d = 0; d < DPT; d++) {
        int c = lid + d * WG_ATT;
        if (c < hd)
            o[c] = acc[d] / l;
    }
}

/* --- vo_attention_row: for CPU drivers (PoCL), where a work-group runs as
 * a loop: one item per (head, query row), dimension 0 the heads (those of
 * one KV head share its keys in cache). Keys in blocks of ATT_KB: scores,
 * the block max, one rescale of the accumulators, then the weighted values;
 * q and the accumulators in private arrays, 8-wide loads. --- */
#ifndef ATT_KB
#define ATT_KB 8
#endif

float dot_hd(const float *a, global const float *b, int hd)
{
    float8 s8 = (float8)(0.0f);
    int c = 0;
    for (; c + 8 <= hd; c += 8)
        s8 += vload8(0, a + c) * vload8(0, b + c);
    float4 h = s8.lo + s8.hi;
    float s = (h.x + h.y) + (h.z + h.w);
    for (; c < hd; c++)
        s += a[c] * b[c];
    return s;
}

/* 8 values of a cache row of type t from element c, widened to f32 */
float8 load8_kv(global const uchar *row, int c, int t)
{
    if (t == T_BF16)
        return as_float8(convert_uint8(vload8(0, (global const ushort *)row + c)) << 16);
    if (t == T_F16)
        return vload_half8(0, (global const half *)row + c);
    return vload8(0, (global const float *)row + c);
}

float dot_hd_kv(const float *a, global const uchar *b, int hd, int t)
{
    if (t == T_F32)
        return dot_hd(a, (global const float *)b, hd);
    float8 s8 = (float8)(0.0f);
    int c = 0;
    for (; c + 8 <= hd; c += 8)
        s8 += vload8(0, a + c) * load8_kv(b, c, t);
    float4 h = s8.lo + s8.hi;
    float s = (h.x + h.y) + (h.z + h.w);
    for (; c < hd; c++)
        s += a[c] * load_f(b, c, t);
    return s;
}

kernel void vo_attention_row(global const uchar *q, ulong q_off, global const uchar *k,
                             ulong k_off, global const uchar *v, ulong v_off, global uchar *out,
                             ulong out_off, int hd, int n_heads, int n_kv_heads, int q_start,
                             int n_q, int n_kv, ulong q_nb1, ulong q_nb2, ulong k_nb1,
                             ulong k_nb2, ulong v_nb1, ulong v_nb2, global const uchar *blocks,
                             ulong blocks_off, int block_rows, ulong o_nb1, ulong o_nb2,
                             float scale, int causal, int k_type, int v_type)
{
    int h = get_global_id(0), i = get_global_id(1);
    if (h >= n_heads || i >= n_q)
        return;
    int t = q_start + i, kh = h / (n_heads / n_kv_heads);
    int n_see = causal ? n_kv - n_q + i + 1 : n_kv;
    float qs[HD_MAX], acc[HD_MAX];
    global const float *qr = (global const float *)(q + q_off + h * q_nb1 + t * q_nb2);
    for (int c = 0; c < hd; c++) {
        qs[c] = qr[c];
        acc[c] = 0.0f;
    }
    global const uchar *kb = k + k_off + kh * k_nb1;
    global const uchar *vb = v + v_off + kh * v_nb1;
    global const int *tab = KV_TAB(blocks, blocks_off);
    float m = -INFINITY, l = 0.0f;
    for (int j0 = 0; j0 < n_see; j0 += ATT_KB) {
        int nb = min(ATT_KB, n_see - j0);
        float s[ATT_KB], bmax = -INFINITY;
        ulong row[ATT_KB];                      /* the keys' rows (paged: scattered) */
        for (int jj = 0; jj < nb; jj++) {
            row[jj] = kv_row(tab, block_rows, j0 + jj);
            s[jj] = dot_hd_kv(qs, kb + row[jj] * k_nb2, hd, k_type) * scale;
            bmax = fmax(bmax, s[jj]);
        }
        float m_new = fmax(m, bmax);
        float alpha = exp(m - m_new);           /* 0 on the first block */
        l *= alpha;
        for (int jj = 0; jj < nb; jj++) {
            s[jj] = exp(s[jj] - m_new);
            l += s[jj];
        }
        int c = 0;
        for (; c + 8 <= hd; c += 8) {
            float8 a = vload8(0, acc + c) * alpha;
            if (v_type == T_F32)
                for (int jj = 0; jj < nb; jj++)
                    a += s[jj] * vload8(0, (global const float *)(vb + row[jj] * v_nb2) + c);
            else
                for (int jj = 0; jj < nb; jj++)
                    a += s[jj] * load8_kv(vb + row[jj] * v_nb2, c, v_type);
            vstore8(a, 0, acc + c);
        }
        for (; c < hd; c++) {
            float a = acc[c] * alpha;
            for (int jj = 0; jj < nb; jj++)
                a += s[jj] * load_f(vb + row[jj] * v_nb2, c, v_type);
            acc[c] = a;
        }
        m = m_new;
    }
    global float *o = (global float *)(out + out_off + h * o_nb1 + t * o_nb2);
    float inv = 1.0f / l;
    for (int c = 0; c < hd; c++)
        o[c] = acc[c] * inv;
}

/* --- vo_attention_split + vo_attention_merge: decode on GPUs (a few query
 * rows against a long cache, "flash-decoding"). The keys are cut into
 * chunks; a work-group of ATT_KBS items per (chunk, head, query row) stages
 * ATT_KBS keys at a time in local memory (read along the rows: coalesced),
 * each item scores one key, the values are read along the rows too, each
 * item holding HD_SPLIT / ATT_KBS output dimensions. A chunk leaves its max,
 * sum and unnormalised output in `part`; vo_attention_merge rescales and
 * adds the chunks of each (head, row). Heads up to HD_SPLIT wide. --- */
#ifndef ATT_KBS
#define ATT_KBS 32
#endif
#define HD_SPLIT 128
#define DPT_SPLIT (HD_SPLIT / ATT_KBS)

kernel void vo_attention_split(global const uchar *q, ulong q_off, global const uchar *k,
                               ulong k_off, global const uchar *v, ulong v_off,
                               global float *part, int hd, int n_heads, int n_kv_heads,
                               int q_start, int n_q, int n_kv, ulong q_nb1, ulong q_nb2,
                               ulong k_nb1, ulong k_nb2, ulong v_nb1, ulong v_nb2,
                               global const uchar *blocks, ulong blocks_off, int block_rows,
                               float scale, int causal, int k_type, int v_type, int chunk)
{
    local float qs[HD_SPLIT];
    local float ks[ATT_KBS][HD_SPLIT + 1];     /* +1: item j reads row j, no bank clash */
    local float p[ATT_KBS];
    local float red[ATT_KBS];
    local ulong vrow[ATT_KBS];                  /* the block's value rows (paged: scattered) */
    int lid = get_local_id(0), c_idx = get_group_id(0), n_split = get_num_groups(0);
    int h = get_group_id(1), i = get_group_id(2);
    int t = q_start + i, kh = h / (n_heads / n_kv_heads);
    int n_see = causal ? n_kv - n_q + i + 1 : n_kv;
    int j_begin = c_idx * chunk, j_end = min(n_see, j_begin + chunk);
    global float *o = part + ((ulong)(i * n_heads + h) * (ulong)n_split + (ulong)c_idx) *
                                 (ulong)(hd + 2);
    if (j_begin >= j_end) {                     /* past this row's keys: weight 0 */
        for (int c = lid; c < hd; c += ATT_KBS)
            o[c] = 0.0f;
        if (lid == 0) {
            o[hd] = -INFINITY;
            o[hd + 1] = 0.0f;
        }
        return;
    }
    global const float *qr = (global const float *)(q + q_off + h * q_nb1 + t * q_nb2);
    for (int c = lid; c < hd; c += ATT_KBS)
        qs[c] = qr[c];
    global const uchar *kb = k + k_off + kh * k_nb1;
    global const uchar *vb = v + v_off + kh * v_nb1;
    global const int *tab = KV_TAB(blocks, blocks_off);
    float m = -INFINITY, l = 0.0f, acc[DPT_SPLIT];
    for (int d = 0; d < DPT_SPLIT; d++)
        acc[d] = 0.0f;

    for (int j0 = j_begin; j0 < j_end; j0 += ATT_KBS) {
        int nb = min(ATT_KBS, j_end - j0);
        for (int e = lid; e < nb * hd; e += ATT_KBS) {
            int r = e / hd, c = e - r * hd;
            ks[r][c] = load_f(kb + kv_row(tab, block_rows, j0 + r) * k_nb2, c, k_type);
        }
        if (lid < nb)
            vrow[lid] = kv_row(tab, block_rows, j0 + lid) * v_nb2;
        barrier(CLK_LOCAL_MEM_FENCE);
        float s = -INFINITY;
        if (lid < nb) {
            float dot = 0.0f;
            for (int c = 0; c < hd; c++)
                dot += qs[c] * ks[lid][c];
            s = dot * scale;
        }
        float m_new = fmax(m, wg_max(red, s));
        float alpha = exp(m - m_new);           /* 0 on the first block */
        p[lid] = lid < nb ? exp(s - m_new) : 0.0f;
        barrier(CLK_LOCAL_MEM_FENCE);
        float bsum = 0.0f;
        for (int jj = 0; jj < nb; jj++)
            bsum += p[jj];
        for (int d = 0; d < DPT_SPLIT; d++) {
            int c = lid + d * ATT_KBS;
            if (c < hd) {
                float a = acc[d] * alpha;
                if (v_type == T_F32)
                    for (int jj = 0; jj < nb; jj++)
                        a += p[jj] * ((global const float *)(vb + vrow[jj]))[c];
                else
                    for (int jj = 0; jj < nb; jj++)
                        a += p[jj] * load_f(vb + vrow[jj], c, v_type);
                acc[d] = a;
            }
        }
        l = l * alpha + bsum;
        m = m_new;
        barrier(CLK_LOCAL_MEM_FENCE);           /* ks and p are refilled */
    }
    for (int d = 0; d < DPT_SPLIT; d++) {
        int c = lid + d * ATT_KBS;
        if (c < hd)
            o[c] = acc[d];
    }
    if (lid == 0) {
        o[hd] = m;
        o[hd + 1] = l;
    }
}

/* one work-group of ATT_KBS items per (head, query row): the chunks of
 * vo_attention_split, each weighted by exp(its max − the overall max) */
kernel void vo_attention_merge(global const float *part, global uchar *out, ulong out_off,
                               int hd, int n_heads, int q_start, int n_split, ulong o_nb1,
                               ulong o_nb2)
{
    int lid = get_local_id(0), h = get_group_id(1), i = get_group_id(2);
    global const float *base = part + (ulong)(i * n_heads + h) * (ulong)n_split * (ulong)(hd + 2);
    float mx = -INFINITY;
    for (int s = 0; s < n_split; s++)
        mx = fmax(mx, base[(ulong)s * (hd + 2) + hd]);
    float sum = 0.0f;
    for (int s = 0; s < n_split; s++)
        sum += exp(base[(ulong)s * (hd + 2) + hd] - mx) * base[(ulong)s * (hd + 2) + hd + 1];
    global float *o = (global float *)(out + out_off + h * o_nb1 + (q_start + i) * o_nb2);
    for (int c = lid; c < hd; c += ATT_KBS) {
        float a = 0.0f;
        for (int s = 0; s < n_split; s++)
            a += exp(base[(ulong)s * (hd + 2) + hd] - mx) * base[(ulong)s * (hd + 2) + c];
        o[c] = a / sum;
    }
}

/* --- vo_attention_tile: prefill and the vision tower on GPUs (many query
 * rows, "flash attention"): a work-group of ATT_TQ query rows × ATT_RL
 * items per row; blocks of ATT_BK keys and their values are staged in local
 * memory once for all ATT_TQ rows (read along the rows: coalesced), each
 * item scores ATT_BK / ATT_RL keys of its row, the row's max and sum meet
 * in local memory, and each item keeps HD_TILE / ATT_RL output dimensions
 * of its row. Heads up to HD_TILE wide. --- */
#ifndef ATT_TQ
#define ATT_TQ 16
#endif
#ifndef ATT_RL
#define ATT_RL 16
#endif
#ifndef ATT_BK
#define ATT_BK 16
#endif
#define HD_TILE 128
#define DPT_TILE (HD_TILE / ATT_RL)
#define KPT_TILE (ATT_BK / ATT_RL)

kernel void vo_attention_tile(global const uchar *q, ulong q_off, global const uchar *k,
                              ulong k_off, global const uchar *v, ulong v_off, global uchar *out,
                              ulong out_off, int hd, int n_heads, int n_kv_heads, int q_start,
                              int n_q, int n_kv, ulong q_nb1, ulong q_nb2, ulong k_nb1,
                              ulong k_nb2, ulong v_nb1, ulong v_nb2, global const uchar *blocks,
                              ulong blocks_off, int block_rows, ulong o_nb1, ulong o_nb2,
                              float scale, int causal, int k_type, int v_type)
{
    local float qs[ATT_TQ][HD_TILE];
    local float ks[ATT_BK][HD_TILE + 1];        /* +1: items of a row read rows apart */
    local float vs[ATT_BK][HD_TILE];
    local float p[ATT_TQ][ATT_BK];
    local float red[ATT_TQ][ATT_RL];
    int lid = get_local_id(0), r = lid / ATT_RL, lane = lid % ATT_RL;
    int h = get_group_id(1), i0 = get_group_id(0) * ATT_TQ, i = i0 + r;
    int kh = h / (n_heads / n_kv_heads);
    int rows = min(ATT_TQ, n_q - i0);
    /* keys this row sees, and the tile's last row's (the most) */
    int n_see = i < n_q ? (causal ? n_kv - n_q + i + 1 : n_kv) : 0;
    int n_tile = causal ? n_kv - n_q + i0 + rows : n_kv;

    for (int e = lid; e < ATT_TQ * hd; e += ATT_TQ * ATT_RL) {
        int rr = e / hd, c = e - rr * hd;
        qs[rr][c] = rr < rows ? ((global const float *)(q + q_off + h * q_nb1 +
                                                         (q_start + i0 + rr) * q_nb2))[c]
                              : 0.0f;
    }
    global const uchar *kb = k + k_off + kh * k_nb1;
    global const uchar *vb = v + v_off + kh * v_nb1;
    global const int *tab = KV_TAB(blocks, blocks_off);
    float m = -INFINITY, l = 0.0f, acc[DPT_TILE];
    for (int d = 0; d < DPT_TILE; d++)
        acc[d] = 0.0f;

    for (int j0 = 0; j0 < n_tile; j0 += ATT_BK) {
        int nb = min(ATT_BK, n_tile - j0);
        for (int e = lid; e < nb * hd; e += ATT_TQ * ATT_RL) {
            int rr = e / hd, c = e - rr * hd;
            ulong row = kv_row(tab, block_rows, j0 + rr);
            ks[rr][c] = load_f(kb + row * k_nb2, c, k_type);
            vs[rr][c] = load_f(vb + row * v_nb2, c, v_type);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        float s[KPT_TILE], bmax = -INFINITY;
        for (int kk = 0; kk < KPT_TILE; kk++) {
            int jj = lane + kk * ATT_RL;
            s[kk] = -INFINITY;
            if (j0 + jj < n_see && jj < nb) {
                float dot = 0.0f;
                for (int c = 0; c < hd; c++)
                    dot += qs[r][c] * ks[jj][c];
                s[kk] = dot * scale;
            }
            bmax = fmax(bmax, s[kk]);
        }
        /* the row's max over its ATT_RL items */
        red[r][lane] = bmax;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int w = ATT_RL / 2; w > 0; w >>= 1) {
            if (lane < w)
                red[r][lane] = fmax(red[r][lane], red[r][lane + w]);
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        float m_new = fmax(m, red[r][0]);
        /* a row that sees none of these keys keeps its state */
        float alpha = m_new == -INFINITY ? 1.0f : exp(m - m_new);
        for (int kk = 0; kk < KPT_TILE; kk++)
            p[r][lane + kk * ATT_RL] = s[kk] == -INFINITY ? 0.0f : exp(s[kk] - m_new);
        barrier(CLK_LOCAL_MEM_FENCE);
        float bsum = 0.0f;
        for (int jj = 0; jj < nb; jj++)
            bsum += p[r][jj];
        for (int d = 0; d < DPT_TILE; d++) {
            int c = lane + d * ATT_RL;
            if (c < hd) {
                float a = acc[d] * alpha;
                for (int jj = 0; jj < nb; jj++)
                    a += p[r][jj] * vs[jj][c];
                acc[d] = a;
            }
        }
        l = l * alpha + bsum;
        m = m_new;
        barrier(CLK_LOCAL_MEM_FENCE);           /* ks, vs, p and red are refilled */
    }
    if (i < n_q) {
        global float *o = (global float *)(out + out_off + h * o_nb1 + (q_start + i) * o_nb2);
        for (int d = 0; d < DPT_TILE; d++) {
            int c = lane + d * ATT_RL;
            if (c < hd)
                o[c] = acc[d] / l;
        }
    }
}
