/* malformed.c: broken, fuzzed and hostile files: open, count, page info,
 * render page 1 at 50 dpi and text layer either work or fail with a status
 * whose message names the file; never a crash, each file under 30 s. */
#include "tests/source/source-test.h"

#include <dirent.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

static const char *current_file;

static void
on_alarm(int sig)
{
    (void)sig;
    /* async-signal-safe report of a hang */
    static const char msg[] = "Bail out! a file took more than 60 s: ";
    write(1, msg, sizeof msg - 1);
    if (current_file)
        write(1, current_file, strlen(current_file));
    write(1, "\n", 1);
    _exit(1);
}

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A failure is acceptable when it says which file failed. */
static int
fine(vo_ctx *ctx, vo_status st, const char *name)
{
    return st == VO_OK || (st != VO_OK && strstr(vo_last_error(ctx), name) != NULL);
}

static void
check_file(vo_ctx *ctx, const char *dir, const char *name, const char *tag)
{
    char path[4096];
    vo_document *doc = NULL;
    vo_raster *r = NULL;
    vo_page *p = NULL;
    vo_page_info info;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    current_file = name;
    alarm(60);
    double t0 = now();
    vo_status st = vo_open_document(ctx, path, NULL, &doc);
    ok(fine(ctx, st, name) && (st == VO_OK) == (doc != NULL), "%s.1: %s: open (%s)", tag, name,
       st ? vo_last_error(ctx) : "ok");
    if (doc) {
        ok(vo_document_page_count(doc) >= 1, "%s.2: %s: at least one page (%d)", tag, name,
           vo_document_page_count(doc));
        st = vo_document_page_info(ctx, doc, 1, &info);
        ok(fine(ctx, st, name), "%s.3: %s: page info (%s)", tag, name,
           st ? vo_last_error(ctx) : "ok");
        st = vo_render_page(ctx, doc, 1, 50, NULL, &r);
        ok(fine(ctx, st, name) && (st == VO_OK) == (r != NULL), "%s.4: %s: render at 50 dpi (%s)",
           tag, name, st ? vo_last_error(ctx) : "ok");
        st = vo_extract_text_layer(ctx, doc, 1, 50, &p);
        ok(fine(ctx, st, name) && (st == VO_OK || !p), "%s.5: %s: text layer (%s)", tag, name,
           st ? vo_last_error(ctx) : "ok");
        if (r && p)
            ok(p->width == r->width && p->height == r->height,
               "%s.6: %s: text layer and raster agree on size", tag, name);
        vo_drop_page(p);
        vo_drop_raster(r);
        vo_drop_document(doc);
    }
    double dt = now() - t0;
    alarm(0);
    ok(dt < 30, "%s.7: %s: done in %.2f s (< 30 s)", tag, name, dt);
}

static int
by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir, in name order. */
static void
check_dir(vo_ctx *ctx, const char *dir, const char *tag)
{
    char *names[256], t[64];
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    ok(d != NULL, "%s: folder %s is readable", tag, dir);
    if (!d)
        return;
    while ((e = readdir(d)) && n < 256)
        if (e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], by_name);
    for (int i = 0; i < n; i++) {
        snprintf(t, sizeof t, "%s.%d", tag, i + 1);
        check_file(ctx, dir, names[i], t);
        free(names[i]);
    }
}

int
main(void)
{
    vo_ctx *ctx = test_ctx();
    signal(SIGALRM, on_alarm);
    check_dir(ctx, test_data("malformed"), "malformed 1");
    static const char *const kinds[] = {"malformed/pdf", "malformed/tiff", "malformed/image"};
    for (int k = 0; k < 3; k++) {
        const char *dir = test_corpus(kinds[k]);
        char tag[32];
        snprintf(tag, sizeof tag, "malformed %d", k + 2);
        if (!dir)
            diag("%s: skipped: the shared corpus (VO_SHARED) is absent", tag);
        else
            check_dir(ctx, dir, tag);
    }
    vo_drop_ctx(ctx);
    return done_testing();
}
