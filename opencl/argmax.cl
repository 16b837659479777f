/* argmax.cl: greedy choice per row of logits (lowest id on ties) and the
 * log-probability of the chosen token (MODEL.md generation). */

#pragma OPENCL FP_CONTRACT OFF

#ifndef WG
#define WG 64
#endif

/* --- vo_argmax_logprob: one work-group per row --- */
kernel void vo_argmax_logprob(global const uchar *logits, ulong l_off, global int *ids,
                              global float *logprob, int ne0, int ne1, int ne2,
                              ulong nb1, ulong nb2, ulong nb3)
{
    local float rv[WG];
    local int ri[WG];
    int r = get_group_id(0), lid = get_local_id(0);
    global const float *l =
        (global const float *)(logits + l_off + row_off(r, ne1, ne2, nb1, nb2, nb3));
    float best = -INFINITY;
    int bi = ne0;
    for (int i = lid; i < ne0; i += WG)
        if (l[i] > best || bi == ne0) {
            best = l[i];
            bi = i;
        }
    rv[lid] = best;
    ri[lid] = bi;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = WG / 2; s > 0; s >>= 1) {
        if (lid < s) {
            float ov = rv[lid + s];
            int oi = ri[lid + s];
            if (oi < ne0 && (ri[lid] == ne0 || ov > rv[lid] || (ov == rv[lid] && oi < ri[lid]))) {
                rv[lid] = ov;
                ri[lid] = oi;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float mx = rv[0];
    int id = ri[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    float s = 0.0f;
    for (int i = lid; i < ne0; i += WG)
        s += exp(l[i] - mx);
    s = wg_sum(rv, s);
    if (lid == 0) {
        ids[r] = id;
        logprob[r] = -log(s);
    }
}
