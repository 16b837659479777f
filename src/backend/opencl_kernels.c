/* opencl_kernels.c: the opencl/ kernel files as C strings (the .clh files the
 * build makes from them with sed), and the development override. */
#include "src/backend/opencl_kernels.h"

#include <stdio.h>
#include <string.h>

static const ocl_source sources[] = {
    {"common.cl",
#include "opencl/common.clh"
    },
    {"matmul.cl",
#include "opencl/matmul.clh"
    },
    {"attention.cl",
#include "opencl/attention.clh"
    },
    {"rms_norm.cl",
#include "opencl/rms_norm.clh"
    },
    {"layer_norm.cl",
#include "opencl/layer_norm.clh"
    },
    {"rope.cl",
#include "opencl/rope.clh"
    },
    {"gelu.cl",
#include "opencl/gelu.clh"
    },
    {"silu_mul.cl",
#include "opencl/silu_mul.clh"
    },
    {"softmax.cl",
#include "opencl/softmax.clh"
    },
    {"binary.cl",
#include "opencl/binary.clh"
    },
    {"get_rows.cl",
#include "opencl/get_rows.clh"
    },
    {"copy.cl",
#include "opencl/copy.clh"
    },
    {"patch_embed.cl",
#include "opencl/patch_embed.clh"
    },
    {"resize_bilinear.cl",
#include "opencl/resize_bilinear.clh"
    },
    {"argmax.cl",
#include "opencl/argmax.clh"
    },
};

const ocl_source *
ocl_embedded_sources(int *n)
{
    *n = (int)(sizeof sources / sizeof sources[0]);
    return sources;
}

vo_status
ocl_kernel_source(vo_ctx *ctx, const char *dir, const char *file, vo_buf *out)
{
    if (dir && *dir) {
        vo_buf path = VO_BUF_INIT, text = VO_BUF_INIT;
        vo_status st = vo_buf_printf(&path, "%s/%s", dir, file);
        if (st == VO_OK)
            st = vo_read_file(ctx, path.data, 0, &text);
        if (st == VO_OK && vo_buf_append(out, text.data ? text.data : "", text.len) != VO_OK)
            st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory reading %s", path.data);
        vo_buf_free(&path);
        vo_buf_free(&text);
        return st;
    }
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++)
        if (strcmp(sources[i].file, file) == 0)
            return vo_buf_puts(out, sources[i].text) == VO_OK
                ? VO_OK : vo_fail(ctx, VO_ERR_NOMEM, "out of memory loading %s", file);
    return vo_fail(ctx, VO_ERR_ARGUMENT, "no embedded OpenCL kernel file %s", file);
}
