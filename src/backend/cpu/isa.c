/* isa.c: the one place that picks the instruction set of the CPU kernels:
 * the best this CPU has (cpuid), or the one $VO_CPU_ISA names. */
#include "src/backend/cpu/cpu.h"
#include "src/backend/cpu/cpu_internal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const isa_names[] = {"scalar", "avx2", "avx512"};

cpu_isa cpu_isa_best(void)
{
#if defined(__x86_64__) || defined(__i386__)
    /* atomic: the first kernels may ask from several pool threads at once */
    static atomic_int best = -1;
    int b = atomic_load_explicit(&best, memory_order_relaxed);
    if (b < 0) {
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
            __builtin_cpu_supports("fma"))
            b = CPU_ISA_AVX512;
        else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
            b = CPU_ISA_AVX2;
        else
            b = CPU_ISA_SCALAR;
        atomic_store_explicit(&best, b, memory_order_relaxed);
    }
    return (cpu_isa)b;
#else
    return CPU_ISA_SCALAR;
#endif
}

static atomic_bool vnni_allowed = true;

#if defined(__x86_64__) || defined(__i386__)
/* an AVX-512 extension that comes with BW and VL (cpuid once, atomic: the
 * first kernels may ask from several pool threads at once) */
enum { EXT_VNNI, EXT_BF16, EXT_COUNT };
static bool cpu_has_ext(int ext)
{
    static atomic_int has[EXT_COUNT] = {-1, -1};
    int h = atomic_load_explicit(&has[ext], memory_order_relaxed);
    if (h < 0) {
        __builtin_cpu_init();
        h = (ext == EXT_VNNI ? __builtin_cpu_supports("avx512vnni")
                             : __builtin_cpu_supports("avx512bf16")) &&
            __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
        atomic_store_explicit(&has[ext], h, memory_order_relaxed);
    }
    return h && cpu_isa_active() >= CPU_ISA_AVX512;
}
#else
static bool cpu_has_ext(int ext)
{
    (void)ext;
    return false;
}
enum { EXT_VNNI, EXT_BF16 };
#endif

bool cpu_have_vnni(void)
{
    return cpu_has_ext(EXT_VNNI) && atomic_load_explicit(&vnni_allowed, memory_order_relaxed);
}

bool cpu_have_avx512_bf16(void)
{
    return cpu_has_ext(EXT_BF16);
}

void cpu_allow_vnni(bool allow)
{
    atomic_store(&vnni_allowed, allow);
}

/* -1 until the first use: then the best, or what vo_cpu_use_isa set */
static atomic_int active = -1;

cpu_isa cpu_isa_active(void)
{
    int a = atomic_load_explicit(&active, memory_order_relaxed);
    if (a < 0) {
        /* first use: the best, unless vo_cpu_use_isa set one meanwhile */
        int unset = -1;
        a = (int)cpu_isa_best();
        if (!atomic_compare_exchange_strong(&active, &unset, a))
            a = unset;
    }
    return (cpu_isa)a;
}

bool cpu_isa_parse(const char *name, cpu_isa best, cpu_isa *out, char *msg, size_t size)
{
    for (int i = 0; i < (int)(sizeof isa_names / sizeof isa_names[0]); i++) {
        if (strcmp(name, isa_names[i]) != 0)
            continue;
        if (i > (int)best) {
            snprintf(msg, size, "this CPU has no %s (it runs %s, or scalar)",
                     i == CPU_ISA_AVX512 ? "AVX-512 F" : "AVX2 with FMA", isa_names[best]);
            return false;
        }
        *out = (cpu_isa)i;
        return true;
    }
    snprintf(msg, size, "unknown instruction set '%s': use avx512, avx2 or scalar", name);
    return false;
}

const char *vo_cpu_isa(void)
{
    return isa_names[cpu_isa_active()];
}

bool vo_cpu_has_isa(const char *name)
{
    cpu_isa isa;
    char msg[128];
    return cpu_isa_parse(name, cpu_isa_best(), &isa, msg, sizeof msg);
}

vo_status vo_cpu_use_isa(vo_ctx *ctx, const char *name)
{
    cpu_isa isa = cpu_isa_best();
    char msg[128];
    if (name && !cpu_isa_parse(name, isa, &isa, msg, sizeof msg))
        return vo_fail(ctx, VO_ERR_ARGUMENT, "%s", msg);
    atomic_store(&active, (int)isa);
    return VO_OK;
}

vo_status vo_cpu_isa_from_env(vo_ctx *ctx)
{
    const char *env = getenv("VO_CPU_ISA");
    if (!env || !*env)
        return VO_OK;
    cpu_isa isa;
    char msg[128];
    if (!cpu_isa_parse(env, cpu_isa_best(), &isa, msg, sizeof msg))
        return vo_fail(ctx, VO_ERR_ARGUMENT, "VO_CPU_ISA=%s: %s", env, msg);
    atomic_store(&active, (int)isa);
    return VO_OK;
}
