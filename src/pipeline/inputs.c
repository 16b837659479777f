/* inputs.c: expand operands (files, directories, @LIST, --files-from) into
 * documents with safe, stable output names. */
#include "src/pipeline/inputs.h"
#include "src/source/sniff.h"
#include "src/util/alloc.h"
#include "src/util/buf.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DEPTH 64

int vo_input_glob_match(const char *pattern, const char *rel_path)
{
    if (strchr(pattern, '/'))
        return fnmatch(pattern, rel_path, FNM_PATHNAME) == 0;
    const char *slash = strrchr(rel_path, '/');
    return fnmatch(pattern, slash ? slash + 1 : rel_path, 0) == 0;
}

/* A file of a directory walk is taken when the globs say so, else when
 * its name or its content says it is a document (a scan saved as "x.dat"
 * is found too). */
static int wanted(const vo_input_filter *f, const char *path, const char *rel)
{
    if (f && f->exclude)
        for (int i = 0; f->exclude[i]; i++)
            if (vo_input_glob_match(f->exclude[i], rel))
                return 0;
    if (f && f->include) {
        for (int i = 0; f->include[i]; i++)
            if (vo_input_glob_match(f->include[i], rel))
                return 1;
        return 0;
    }
    return vo_format_of_name(rel) != VO_DOC_UNKNOWN || vo_sniff_file(path) != VO_DOC_UNKNOWN;
}

/* The output name: strip the suffix and make it safe below -O DIR: no
 * leading '/', no "." or ".." components, no empty components. */
static char *safe_rel(const char *rel)
{
    vo_buf b = VO_BUF_INIT;
    const char *p = rel;
    while (*p) {
        while (*p == '/')
            p++;
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0)
            break;
        int dots = (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.');
        if (!dots) {
            if (b.len && vo_buf_putc(&b, '/'))
                goto oom;
            if (vo_buf_append(&b, p, len))
                goto oom;
        }
        p += len;
    }
    if (b.len == 0 && vo_buf_puts(&b, "input"))
        goto oom;
    /* drop the suffix of the last component */
    char *slash = strrchr(b.data, '/');
    char *name = slash ? slash + 1 : b.data;
    char *dot = strrchr(name, '.');
    if (dot && dot != name)
        *dot = 0;
    return vo_buf_take(&b);
oom:
    vo_buf_free(&b);
    return NULL;
}

vo_status vo_inputs_add_file(vo_ctx *ctx, vo_input_list *list, const char *path, const char *rel)
{
    if (vo_grow((void **)&list->items, &list->cap, (size_t)list->n + 1, sizeof(vo_input)))
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    vo_input *in = &list->items[list->n];
    in->path = vo_strdup(path);
    in->rel = safe_rel(rel);
    if (!in->path || !in->rel) {
        vo_free(in->path);
        vo_free(in->rel);
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    }
    list->n++;
    return VO_OK;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static vo_status walk(vo_ctx *ctx, vo_input_list *list, const char *dir, const char *rel,
                      const vo_input_filter *filter, int depth)
{
    if (depth > MAX_DEPTH)
        return vo_fail(ctx, VO_ERR_LIMIT, "%s: directories nested deeper than %d", dir, MAX_DEPTH);
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, by_name);
    if (n < 0)
        return vo_fail(ctx, VO_ERR_IO, "%s: cannot read the directory: %s", dir, strerror(errno));
    vo_status st = VO_OK;
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        if (!st && name[0] != '.') { /* hidden files and our own .varco-ocr */
            vo_buf path = VO_BUF_INIT, r = VO_BUF_INIT;
            size_t dl = strlen(dir); /* "scans/" gives scans/a.tif, not scans//a.tif */
            if (vo_buf_printf(&path, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", name) ||
                vo_buf_printf(&r, "%s%s%s", rel, *rel ? "/" : "", name)) {
                st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
            } else {
                struct stat sb;
                /* stat follows links to files; lstat keeps us out of link loops */
                struct stat lb;
                if (lstat(path.data, &lb) == 0 && S_ISDIR(lb.st_mode))
                    st = walk(ctx, list, path.data, r.data, filter, depth + 1);
                else if (stat(path.data, &sb) == 0 && S_ISREG(sb.st_mode) &&
                         wanted(filter, path.data, r.data))
                    st = vo_inputs_add_file(ctx, list, path.data, r.data);
            }
            vo_buf_free(&path);
            vo_buf_free(&r);
        }
        free(names[i]);
    }
    free(names);
    return st;
}

vo_status vo_inputs_add(vo_ctx *ctx, vo_input_list *list, const char *operand,
                        const vo_input_filter *filter)
{
    if (operand[0] == '@' && operand[1])
        return vo_inputs_add_list(ctx, list, operand + 1, filter);
    if (strcmp(operand, "-") == 0)
        return vo_inputs_add_file(ctx, list, "-", "stdin");
    struct stat sb;
    if (stat(operand, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        int before = list->n;
        vo_status st = walk(ctx, list, operand, "", filter, 0);
        if (!st && list->n == before)
            vo_warn(ctx, "%s: no document found in the directory", operand);
        return st;
    }
    /* a plain file (or a missing one: opening it will say so) */
    const char *slash = strrchr(operand, '/');
    return vo_inputs_add_file(ctx, list, operand, slash ? slash + 1 : operand);
}

vo_status vo_inputs_add_list(vo_ctx *ctx, vo_input_list *list, const char *file,
                             const vo_input_filter *filter)
{
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
    if (!f)
        return vo_fail(ctx, VO_ERR_IO, "%s: cannot open the list of inputs: %s", file,
                       strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    vo_status st = VO_OK;
    while (!st && (len = getline(&line, &cap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (len == 0 || line[0] == '#')
            continue;
        if (line[0] == '@' || strcmp(line, "-") == 0) {
            st = vo_fail(ctx, VO_ERR_ARGUMENT, "%s: a list may not name '%s'", file, line);
            break;
        }
        st = vo_inputs_add(ctx, list, line, filter);
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return st;
}

vo_status vo_inputs_check_names(vo_ctx *ctx, const vo_input_list *list)
{
    /* sort indexes by name would be faster; lists of a few 10k are fine */
    for (int i = 0; i < list->n; i++)
        for (int j = i + 1; j < list->n; j++)
            if (strcmp(list->items[i].rel, list->items[j].rel) == 0)
                return vo_fail(ctx, VO_ERR_ARGUMENT,
                               "%s and %s would write the same outputs (%s.*): rename one or "
                               "process them separately",
                               list->items[i].path, list->items[j].path, list->items[i].rel);
    return VO_OK;
}

void vo_inputs_free(vo_input_list *list)
{
    for (int i = 0; i < list->n; i++) {
        vo_free(list->items[i].path);
        vo_free(list->items[i].rel);
    }
    vo_free(list->items);
    memset(list, 0, sizeof *list);
}
