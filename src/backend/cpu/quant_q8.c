/* quant_q8.c: float rows to VO_Q8 blocks (a scale and 32 int8), the
 * conversion weights take at load when --weights q8 asks for it. */
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

void vo_quantize_q8(void *dst, const void *src, vo_type src_type, int64_t n)
{
    char *o = dst;
    for (int64_t b = 0; b < n / VO_Q8_BLOCK; b++, o += vo_type_size(VO_Q8)) {
        float v[VO_Q8_BLOCK], amax = 0.0f;
        if (src_type == VO_BF16)
            for (int i = 0; i < VO_Q8_BLOCK; i++)
                v[i] = cpu_bf16_to_f32(((const uint16_t *)src)[b * VO_Q8_BLOCK + i]);
        else
            for (int i = 0; i < VO_Q8_BLOCK; i++)
                v[i] = cpu_get_f(src, src_type, b * VO_Q8_BLOCK + i);
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
