/* select.c: --device auto|cpu|opencl|opencl:P.D → a backend; auto prefers
 * an OpenCL GPU and falls back to the native CPU path on any failure. */
#include "src/backend/select.h"
#include "src/backend/cpu/cpu.h"
#include "src/backend/opencl.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The "P.D" of the first GPU in the OpenCL listing, or "" when none. */
static void first_gpu(vo_ctx *ctx, char *pd, size_t size)
{
    vo_buf list = VO_BUF_INIT;
    pd[0] = 0;
    if (vo_opencl_list_devices(ctx, &list) == VO_OK && list.data) {
        for (char *line = list.data; line && *line;) {
            char *nl = strchr(line, '\n');
            if (nl)
                *nl = 0;
            char id[32], type[32];
            if (sscanf(line, "%31s %31s", id, type) == 2 && strcasestr(type, "gpu")) {
                snprintf(pd, size, "%s", id);
                break;
            }
            line = nl ? nl + 1 : NULL;
        }
    }
    vo_buf_free(&list);
    vo_clear_error(ctx);
}

static vo_status open_cpu(vo_ctx *ctx, int threads, vo_backend **out, vo_buf *what)
{
    vo_status st = vo_new_cpu_backend(ctx, threads, out);
    if (!st && what) {
        long n = threads > 0 ? threads : sysconf(_SC_NPROCESSORS_ONLN);
        vo_buf_printf(what, "cpu (native, %ld threads)", n);
    }
    return st;
}

static vo_status open_opencl(vo_ctx *ctx, const char *pd, vo_backend **out, vo_buf *what)
{
    vo_opencl_opts o;
    memset(&o, 0, sizeof o);
    o.device = pd;
    vo_status st = vo_opencl_backend_new(ctx, &o, out);
    if (!st && what) {
        vo_opencl_info info;
        if (vo_opencl_get_info(*out, &info))
            vo_buf_printf(what, "opencl %s; decode kernels %s; %s", info.device, info.tuning,
                          info.side_stream ? "vision towers on a second queue"
                                           : "one queue");
    }
    return st;
}

vo_status vo_backend_open(vo_ctx *ctx, const char *device, int threads, vo_backend **out,
                          vo_buf *what)
{
    *out = NULL;
    if (!device || strcmp(device, "auto") == 0) {
        char pd[32];
        first_gpu(ctx, pd, sizeof pd);
        if (pd[0]) {
            if (open_opencl(ctx, pd, out, what) == VO_OK)
                return VO_OK;
            vo_warn(ctx, "OpenCL GPU %s not used (%s); running on the CPU", pd, vo_last_error(ctx));
            vo_clear_error(ctx);
        }
        return open_cpu(ctx, threads, out, what);
    }
    if (strcmp(device, "cpu") == 0)
        return open_cpu(ctx, threads, out, what);
    if (strcmp(device, "opencl") == 0)
        return open_opencl(ctx, NULL, out, what);
    if (strncmp(device, "opencl:", 7) == 0)
        return open_opencl(ctx, device + 7, out, what);
    return vo_fail(ctx, VO_ERR_ARGUMENT,
                   "unknown device '%s': use auto, cpu, opencl or opencl:P.D (see --list-devices)",
                   device);
}

vo_status vo_backend_list(vo_ctx *ctx, vo_buf *out)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    vo_buf_printf(out, "cpu  native CPU backend, %ld cores\n", n);
    vo_status st = vo_opencl_list_devices(ctx, out);
    if (st) {
        vo_buf_printf(out, "(no OpenCL device: %s)\n", vo_last_error(ctx));
        vo_clear_error(ctx);
    }
    return VO_OK;
}
