/* util-output.c: atomic file outputs, buffers, injected write faults. */
#include "src/util/output.h"
#include "src/util/alloc.h"
#include "src/util/buf.h"
#include "src/util/tempfile.h"
#include "tests/tap.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

int main(void)
{
    vo_ctx *ctx = vo_new_ctx();
    vo_set_verbosity(ctx, 0);
    char dir[] = "/tmp/vo-test-output-XXXXXX";
    ok(mkdtemp(dir) != NULL, "output 1.0: temp dir made");
    char path[256];
    snprintf(path, sizeof path, "%s/a.txt", dir);

    vo_output *o = NULL;
    ok(vo_output_open_file(ctx, path, &o) == VO_OK, "output 1.1: open file");
    ok(vo_output_printf(ctx, o, "hello %d", 42) == VO_OK, "output 1.2: printf");
    ok(access(path, F_OK) != 0, "output 1.3: final name absent before close");
    ok(vo_output_close(ctx, o) == VO_OK, "output 1.4: close");
    vo_output_drop(o);
    vo_buf b = VO_BUF_INIT;
    ok(vo_read_file(ctx, path, 0, &b) == VO_OK && strcmp(b.data, "hello 42") == 0,
       "output 1.5: contents after close");
    vo_buf_free(&b);
    ok(count_entries(dir) == 1, "output 1.6: no temp file left");

    /* dropped without close: nothing appears, temp removed */
    snprintf(path, sizeof path, "%s/b.txt", dir);
    ok(vo_output_open_file(ctx, path, &o) == VO_OK, "output 2.1: open second file");
    vo_output_puts(ctx, o, "partial");
    vo_output_drop(o);
    ok(access(path, F_OK) != 0 && count_entries(dir) == 1, "output 2.2: dropped output leaves nothing");

    /* injected write fault */
    ok(vo_output_open_file(ctx, path, &o) == VO_OK, "output 3.1: open third file");
    vo_output_fail_after(2);
    ok(vo_output_puts(ctx, o, "x") == VO_OK, "output 3.2: first write passes");
    ok(vo_output_puts(ctx, o, "y") == VO_ERR_IO, "output 3.3: second write fails");
    ok(strstr(vo_last_error(ctx), "b.txt") != NULL, "output 3.4: message names the file");
    vo_output_fail_after(0);
    vo_output_drop(o);
    ok(count_entries(dir) == 1, "output 3.5: failed output leaves nothing");

    /* unwritable directory */
    ok(vo_output_open_file(ctx, "/nonexistent-dir/x.txt", &o) == VO_ERR_IO && o == NULL,
       "output 4.1: missing directory is an i/o error");

    /* never through a link; nothing but a regular file is replaced */
    char target[256], link[256];
    snprintf(target, sizeof target, "%s/target", dir);
    snprintf(link, sizeof link, "%s/link.txt", dir);
    FILE *tf = fopen(target, "w");
    ok(tf && fputs("precious", tf) >= 0 && fclose(tf) == 0 && symlink(target, link) == 0,
       "output 4.2: a file and a link to it");
    ok(vo_output_open_file(ctx, link, &o) == VO_ERR_IO && o == NULL &&
           strstr(vo_last_error(ctx), "symbolic link") != NULL,
       "output 4.3: a link at the path is refused, said so");
    ok(vo_read_file(ctx, target, 0, &b) == VO_OK && strcmp(b.data, "precious") == 0,
       "output 4.4: the file it names is untouched");
    vo_buf_free(&b);
    char fifo[256];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    ok(mkfifo(fifo, 0600) == 0 && vo_output_open_file(ctx, fifo, &o) == VO_ERR_IO &&
           strstr(vo_last_error(ctx), "named pipe") != NULL,
       "output 4.5: a named pipe is refused, not opened");
    ok(vo_output_open_named(ctx, link, VO_OUTPUT_FOLLOW_LINK, &o) == VO_OK &&
           vo_output_puts(ctx, o, "new") == VO_OK && vo_output_close(ctx, o) == VO_OK,
       "output 4.6: the user's own link (-o): written");
    vo_output_drop(o);
    struct stat lb;
    ok(lstat(link, &lb) == 0 && S_ISLNK(lb.st_mode) && vo_read_file(ctx, target, 0, &b) == VO_OK &&
           strcmp(b.data, "new") == 0,
       "output 4.7: ... its target replaced, the link kept");
    vo_buf_free(&b);
    ok(vo_output_open_named(ctx, "/dev/null", VO_OUTPUT_DEVICES_IN_PLACE, &o) == VO_OK &&
           vo_output_puts(ctx, o, "x") == VO_OK && vo_output_close(ctx, o) == VO_OK &&
           stat("/dev/null", &lb) == 0 && S_ISCHR(lb.st_mode),
       "output 4.8: a device allowed in place is written, left a device");
    vo_output_drop(o);

    /* a fatal signal's handler removes the temp files of open outputs */
    ok(vo_output_open_file(ctx, path, &o) == VO_OK && count_entries(dir) == 5,
       "output 4.9: an open output has its temp file");
    vo_temp_remove_tracked();
    ok(count_entries(dir) == 4, "output 4.10: vo_temp_remove_tracked removed it");
    vo_output_drop(o);
    unlink(link);
    unlink(target);
    unlink(fifo);

    /* buffer */
    ok(vo_output_open_buffer(ctx, &o) == VO_OK, "output 5.1: buffer");
    vo_output_puts(ctx, o, "abc");
    size_t n = 0;
    const char *d = vo_output_data(o, &n);
    ok(n == 3 && memcmp(d, "abc", 3) == 0, "output 5.2: buffer keeps bytes");
    vo_output_drop(o);

    /* allocation faults in vo_buf */
    int clean = 1;
    for (long k = 1; k < 20; k++) {
        vo_alloc_fail_after(k);
        vo_buf t = VO_BUF_INIT;
        vo_status st = VO_OK;
        for (int i = 0; i < 100 && !st; i++)
            st = vo_buf_printf(&t, "line %d of a growing buffer\n", i);
        int fired = vo_alloc_fault_fired();
        vo_alloc_fail_after(0);
        if (fired && st != VO_ERR_NOMEM)
            clean = 0;
        vo_buf_free(&t);
        if (!fired)
            break;
    }
    ok(clean, "alloc 1.1: every injected allocation fault gives VO_ERR_NOMEM");
    size_t s;
    ok(vo_mul_size(&s, SIZE_MAX / 2, 3) == VO_ERR_LIMIT, "alloc 1.2: size overflow detected");
    ok(vo_mul_size(&s, 1000, 1000) == VO_OK && s == 1000000, "alloc 1.3: size product");

    unlink(path);
    snprintf(path, sizeof path, "%s/a.txt", dir);
    unlink(path);
    rmdir(dir);
    vo_drop_ctx(ctx);
    return done_testing();
}
