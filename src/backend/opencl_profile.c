/* opencl_profile.c: what the OpenCL backend moved and ran. Counters of
 * launches, host transfers and buffers are always kept (tests read them to
 * prove that decode moves no weights or KV through the host); with
 * VO_OPENCL_PROFILE=1 every launch also gets an event, and the device time
 * of each kernel is summed at each sync and printed when the backend is
 * dropped. */
#include "src/backend/opencl_internal.h"

#include <stdio.h>
#include <stdlib.h>

#include "src/util/alloc.h"

bool
ocl_prof_wanted(void)
{
    const char *e = getenv("VO_OPENCL_PROFILE");
    return e && *e && *e != '0';
}

void
ocl_prof_launch(ocl_backend *b, int kernel, cl_event ev)
{
    b->stats.launches++;
    if (!ev)
        return;
    if (b->prof_n == b->prof_cap) {
        size_t cap = b->prof_cap ? 2 * b->prof_cap : 1024;
        ocl_prof_event *p = vo_realloc(b->prof_ev, cap * sizeof *p);
        if (!p) {                       /* no room: the launch goes untimed */
            clReleaseEvent(ev);
            return;
        }
        b->prof_ev = p;
        b->prof_cap = cap;
    }
    b->prof_ev[b->prof_n++] = (ocl_prof_event){kernel, ev};
}

/* after a clFinish: every recorded launch has ended */
void
ocl_prof_drain(ocl_backend *b)
{
    for (size_t i = 0; i < b->prof_n; i++) {
        cl_ulong t0 = 0, t1 = 0;
        cl_event ev = b->prof_ev[i].ev;
        if (clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_START, sizeof t0, &t0, NULL) ==
                CL_SUCCESS &&
            clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END, sizeof t1, &t1, NULL) ==
                CL_SUCCESS && t1 >= t0) {
            b->prof_ns[b->prof_ev[i].kernel] += (double)(t1 - t0);
            b->prof_calls[b->prof_ev[i].kernel]++;
        }
        clReleaseEvent(ev);
    }
    b->prof_n = 0;
}

void
ocl_prof_report(ocl_backend *b)
{
    if (!b->profile)
        return;
    ocl_prof_drain(b);
    double total = 0;
    for (int k = 0; k < OCL_K_COUNT; k++)
        total += b->prof_ns[k];
    fprintf(stderr, "opencl profile (%s): %.3f ms of kernels in %llu launches; host: %llu "
            "writes %.1f MB, %llu reads %.1f MB, %llu buffers %.1f MB (%llu reused)\n",
            b->dev.name, total / 1e6, (unsigned long long)b->stats.launches,
            (unsigned long long)b->stats.writes, (double)b->stats.write_bytes / 1e6,
            (unsigned long long)b->stats.reads, (double)b->stats.read_bytes / 1e6,
            (unsigned long long)b->stats.buffers, (double)b->stats.buffer_bytes / 1e6,
            (unsigned long long)b->stats.buffers_reused);
    bool done[OCL_K_COUNT] = {false};
    for (;;) {                          /* the kernels, most time first */
        int best = -1;
        for (int k = 0; k < OCL_K_COUNT; k++)
            if (!done[k] && b->prof_calls[k] && (best < 0 || b->prof_ns[k] > b->prof_ns[best]))
                best = k;
        if (best < 0)
            break;
        done[best] = true;
        fprintf(stderr, "  %-28s %8llu calls %10.3f ms %9.2f us/call %5.1f %%\n",
                ocl_kernel_label(best), (unsigned long long)b->prof_calls[best],
                b->prof_ns[best] / 1e6, b->prof_ns[best] / 1e3 / (double)b->prof_calls[best],
                total > 0 ? 100 * b->prof_ns[best] / total : 0);
    }
}

void
ocl_prof_free(ocl_backend *b)
{
    for (size_t i = 0; i < b->prof_n; i++)
        clReleaseEvent(b->prof_ev[i].ev);
    vo_free(b->prof_ev);
    b->prof_ev = NULL;
    b->prof_n = b->prof_cap = 0;
}
