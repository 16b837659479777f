/* quant_q8.c: float rows to VO_Q8 blocks (a scale and 32 int8) and VO_Q4
 * blocks (a scale and 32 nibbles), the conversion weights take at load when
 * --weights q8 or q4 asks for it, and to VO_Q8ROW rows (a KV cache's). */
#include "src/backend/cpu/cpu_internal.h"

#include <math.h>
#include <string.h>

/* round to nearest even for |x| <= 2^22 without a libm call: adding 1.5·2^23
 * leaves no fraction bits, and the sum is rounded as the FPU rounds (IEEE
 * arithmetic: the compiler may not fold (x + b) - b into x) */
static inline float round_even(float x)
{
    const float b = 12582912.0f;
    return (x + b) - b;
}

/* block b of a float row into v */
static inline void block_f32(float *v, const void *src, vo_type src_type, int64_t b)
{
    if (src_type == VO_BF16)
        for (int i = 0; i < VO_Q8_BLOCK; i++)
            v[i] = cpu_bf16_to_f32(((const uint16_t *)src)[b * VO_Q8_BLOCK + i]);
    else
        for (int i = 0; i < VO_Q8_BLOCK; i++)
            v[i] = cpu_get_f(src, src_type, b * VO_Q8_BLOCK + i);
}

void vo_quantize_q8(void *dst, const void *src, vo_type src_type, int64_t n)
{
    char *o = dst;
    for (int64_t b = 0; b < n / VO_Q8_BLOCK; b++, o += vo_type_size(VO_Q8)) {
        float v[VO_Q8_BLOCK], amax = 0.0f;
        block_f32(v, src, src_type, b);
        for (int i = 0; i < VO_Q8_BLOCK; i++)
            amax = fmaxf(amax, fabsf(v[i]));
        float d = amax / 127.0f;
        memcpy(o, &d, sizeof d);
        if (d == 0.0f) {
            memset(o + 4, 0, VO_Q8_BLOCK);
            continue;
        }
        for (int i = 0; i < VO_Q8_BLOCK; i++)
            o[4 + i] = (char)(int)round_even(v[i] / d);
    }
}

void vo_quantize_q4(void *dst, const void *src, vo_type src_type, int64_t n)
{
    unsigned char *o = dst;
    for (int64_t b = 0; b < n / VO_Q8_BLOCK; b++, o += vo_type_size(VO_Q4)) {
        float v[VO_Q8_BLOCK], m = 0.0f;
        block_f32(v, src, src_type, b);
        for (int i = 0; i < VO_Q8_BLOCK; i++)
            if (fabsf(v[i]) > fabsf(m))
                m = v[i];
        float d = m / -8.0f;
        memcpy(o, &d, sizeof d);
        unsigned char q[VO_Q8_BLOCK];
        for (int i = 0; i < VO_Q8_BLOCK; i++) {
            float r = d != 0.0f ? round_even(v[i] / d) + 8.0f : 8.0f;
            q[i] = (unsigned char)(r < 0.0f ? 0 : r > 15.0f ? 15 : (int)r);
        }
        for (int i = 0; i < VO_Q8_BLOCK / 2; i++)
            o[4 + i] = (unsigned char)(q[i] | q[i + VO_Q8_BLOCK / 2] << 4);
    }
}

void vo_quantize_q8row(void *dst, const float *src, int64_t n)
{
    char *o = dst;
    float amax = 0.0f;
    for (int64_t i = 0; i < n; i++)
        amax = fmaxf(amax, fabsf(src[i]));
    float d = amax / 127.0f;
    memcpy(o, &d, sizeof d);
    for (int64_t i = 0; i < n; i++)
        o[4 + i] = (char)(d > 0.0f ? (int)round_even(src[i] / d) : 0);
}
