/* opencl_program.c: compile a kernel program (OpenCL C 1.2, no relaxed math)
 * or take its binary from the cache, so a second start skips compilation. */
#include "src/backend/opencl_program.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/util/alloc.h"

#define CACHE_MAGIC "VOCLBIN1"
#define CACHE_MAX_BYTES (256u << 20)

/* FNV-1a 64, with a separator so ("ab","c") and ("a","bc") differ */
static uint64_t
hash_str(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return (h ^ 0xff) * 0x100000001b3ull;
}

vo_status
ocl_default_cache_dir(vo_ctx *ctx, vo_buf *out)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    vo_status st;
    if (xdg && *xdg)
        st = vo_buf_printf(out, "%s/varco-ocr", xdg);
    else if (home && *home)
        st = vo_buf_printf(out, "%s/.cache/varco-ocr", home);
    else
        return vo_fail(ctx, VO_ERR_MISSING, "neither XDG_CACHE_HOME nor HOME is set");
    return st == VO_OK ? VO_OK : vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
}

/* mkdir -p */
static int
make_dirs(char *path)
{
    for (char *p = path + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            int r = mkdir(path, 0755);
            *p = '/';
            if (r != 0 && errno != EEXIST)
                return -1;
        }
    return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

static char *
build_log(const ocl_device *dev, cl_program prog)
{
    size_t n = 0;
    if (clGetProgramBuildInfo(prog, dev->id, CL_PROGRAM_BUILD_LOG, 0, NULL, &n) != CL_SUCCESS)
        return NULL;
    char *log = vo_malloc(n + 1);
    if (!log)
        return NULL;
    if (clGetProgramBuildInfo(prog, dev->id, CL_PROGRAM_BUILD_LOG, n, log, NULL) != CL_SUCCESS)
        n = 0;
    log[n] = 0;
    return log;
}

uint64_t
ocl_cache_key(const ocl_device *dev, const char *options, const char *source)
{
    uint64_t h = 0xcbf29ce484222325ull;
    h = hash_str(h, dev->name);
    h = hash_str(h, dev->vendor);
    h = hash_str(h, dev->version);
    h = hash_str(h, dev->driver);
    h = hash_str(h, dev->platform_name);
    h = hash_str(h, options);
    return hash_str(h, source);
}

unsigned char *
ocl_cache_get(const char *path, uint64_t hash, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char magic[8];
    uint64_t h = 0, n = 0;
    unsigned char *bin = NULL;
    if (fread(magic, 1, 8, f) == 8 && memcmp(magic, CACHE_MAGIC, 8) == 0 &&
        fread(&h, sizeof h, 1, f) == 1 && h == hash && fread(&n, sizeof n, 1, f) == 1 &&
        n > 0 && n <= CACHE_MAX_BYTES && (bin = vo_malloc((size_t)n))) {
        if (fread(bin, 1, (size_t)n, f) != (size_t)n || fgetc(f) != EOF) {
            vo_free(bin);
            bin = NULL;
        }
    }
    fclose(f);
    *len = (size_t)n;
    return bin;
}

void
ocl_cache_put(vo_ctx *ctx, const char *dir, const char *path, uint64_t hash,
              const unsigned char *bin, size_t n)
{
    char *tmp = NULL, *dcopy = vo_strdup(dir);
    vo_buf tb = VO_BUF_INIT;
    if (!dcopy || n == 0 || n > CACHE_MAX_BYTES || make_dirs(dcopy) != 0 ||
        vo_buf_printf(&tb, "%s.%ld.tmp", path, (long)getpid()) != VO_OK)
        goto done;
    tmp = tb.data;
    FILE *f = fopen(tmp, "wb");
    if (!f)
        goto done;
    uint64_t n64 = n;
    int ok = fwrite(CACHE_MAGIC, 1, 8, f) == 8 && fwrite(&hash, sizeof hash, 1, f) == 1 &&
             fwrite(&n64, sizeof n64, 1, f) == 1 && fwrite(bin, 1, n, f) == n;
    if (fclose(f) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        vo_debug(ctx, "OpenCL cache: cannot write %s", path);
    }
done:
    vo_buf_free(&tb);
    vo_free(dcopy);
}

/* Store the program's binary (ocl_cache_put) */
static void
cache_write(vo_ctx *ctx, const ocl_device *dev, cl_program prog, const char *dir,
            const char *path, uint64_t hash)
{
    size_t n = 0;
    cl_device_id d = NULL;
    if (clGetProgramInfo(prog, CL_PROGRAM_DEVICES, sizeof d, &d, NULL) != CL_SUCCESS ||
        d != dev->id ||
        clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof n, &n, NULL) != CL_SUCCESS ||
        n == 0 || n > CACHE_MAX_BYTES)
        return;
    unsigned char *bin = vo_malloc(n);
    if (bin && clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof bin, &bin, NULL) == CL_SUCCESS)
        ocl_cache_put(ctx, dir, path, hash, bin, n);
    vo_free(bin);
}

/* clBuildProgram; on failure the message carries the file and the log */
static vo_status
build(vo_ctx *ctx, const ocl_device *dev, cl_program prog, const char *file,
      const char *options, int from_binary)
{
    cl_int err = clBuildProgram(prog, 1, &dev->id, options, NULL, NULL);
    if (err == CL_SUCCESS)
        return VO_OK;
    if (from_binary)
        return VO_ERR_DEVICE;   /* caller falls back to the source, no message */
    char *log = build_log(dev, prog);
    vo_status st = vo_fail(ctx, VO_ERR_DEVICE, "OpenCL kernel %s does not build on %s: %s (%d)"
                           "%s%s", file, dev->name, ocl_error_name(err), err,
                           log && *log ? "\nbuild log:\n" : "", log ? log : "");
    vo_free(log);
    return st;
}

vo_status
ocl_build_program(vo_ctx *ctx, cl_context cctx, const ocl_device *dev, const char *file,
                  const char *source, const char *options, const char *cache_dir,
                  cl_program *out, int *from_cache)
{
    *out = NULL;
    *from_cache = 0;
    vo_buf path = VO_BUF_INIT;
    uint64_t h = ocl_cache_key(dev, options, source);
    if (cache_dir) {
        size_t stem = strcspn(file, ".");
        if (vo_buf_printf(&path, "%s/%.*s-%016llx.bin", cache_dir, (int)stem, file,
                          (unsigned long long)h) != VO_OK)
            return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        size_t len = 0;
        unsigned char *bin = ocl_cache_get(path.data, h, &len);
        if (bin) {
            cl_int err, bin_st;
            const unsigned char *b = bin;
            cl_program p = clCreateProgramWithBinary(cctx, 1, &dev->id, &len, &b, &bin_st, &err);
            vo_free(bin);
            if (err == CL_SUCCESS && bin_st == CL_SUCCESS &&
                build(ctx, dev, p, file, options, 1) == VO_OK) {
                *out = p;
                *from_cache = 1;
                vo_buf_free(&path);
                return VO_OK;
            }
            if (p)
                clReleaseProgram(p);
            vo_debug(ctx, "OpenCL cache: %s unusable, compiling %s", path.data, file);
        }
    }

    cl_int err;
    cl_program p = clCreateProgramWithSource(cctx, 1, &source, NULL, &err);
    if (err != CL_SUCCESS) {
        vo_buf_free(&path);
        return vo_fail(ctx, VO_ERR_DEVICE, "OpenCL kernel %s: cannot create program: %s (%d)",
                       file, ocl_error_name(err), err);
    }
    vo_status st = build(ctx, dev, p, file, options, 0);
    if (st != VO_OK) {
        clReleaseProgram(p);
        vo_buf_free(&path);
        return st;
    }
    if (cache_dir)
        cache_write(ctx, dev, p, cache_dir, path.data, h);
    vo_buf_free(&path);
    *out = p;
    return VO_OK;
}
