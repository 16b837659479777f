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
    return vo_format_of_name(rel) != VO_DOC_UNKNOWN ||
           (path && vo_sniff_file(path) != VO_DOC_UNKNOWN);
}

/* Why an entry of a folder that is named as a document is none that can be
 * read (lb: its lstat, lstat_ok: whether that worked; err: errno of the
 * failed stat). */
static void unreadable_reason(const struct stat *lb, int lstat_ok, int err, char *out, size_t cap)
{
    if (!lstat_ok)
        snprintf(out, cap, "it went away while the folder was read: %s", strerror(err));
    else if (S_ISLNK(lb->st_mode) && err == ELOOP)
        snprintf(out, cap, "a symbolic link that loops: not followed");
    else if (S_ISLNK(lb->st_mode) && err == ENOENT)
        snprintf(out, cap, "a symbolic link to nothing: its target is missing");
    else if (S_ISLNK(lb->st_mode) && err)
        snprintf(out, cap, "a symbolic link that cannot be followed: %s", strerror(err));
    else if (S_ISFIFO(lb->st_mode))
        snprintf(out, cap, "a named pipe, not a file: not read (it could wait for ever)");
    else if (S_ISSOCK(lb->st_mode))
        snprintf(out, cap, "a socket, not a file: not read");
    else if (S_ISCHR(lb->st_mode) || S_ISBLK(lb->st_mode))
        snprintf(out, cap, "a device, not a file: not read");
    else
        snprintf(out, cap, "not a regular file: not read");
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
    memset(in, 0, sizeof *in);
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

/* An input that fails with `reason` when its turn comes (the run goes on) */
static vo_status add_failed(vo_ctx *ctx, vo_input_list *list, const char *path, const char *rel,
                            const char *reason)
{
    vo_status st = vo_inputs_add_file(ctx, list, path, rel);
    if (st)
        return st;
    vo_input *in = &list->items[list->n - 1];
    if (!(in->error = vo_strdup(reason)))
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    return VO_OK;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static vo_status walk(vo_ctx *ctx, vo_input_list *list, const char *dir, const char *rel,
                      const vo_input_filter *filter, int depth)
{
    if (depth > MAX_DEPTH) {
        char reason[128];
        snprintf(reason, sizeof reason, "directories nested deeper than %d: not walked", MAX_DEPTH);
        return add_failed(ctx, list, dir, rel, reason);
    }
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, by_name);
    if (n < 0) { /* that folder's failure, not the run's */
        char reason[512];
        snprintf(reason, sizeof reason, "cannot read the directory: %s", strerror(errno));
        return add_failed(ctx, list, dir, *rel ? rel : dir, reason);
    }
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
                struct stat sb, lb;
                /* stat follows links to files; lstat keeps us out of link loops */
                int lstat_ok = lstat(path.data, &lb) == 0;
                int err = lstat_ok ? 0 : errno;
                int stat_ok = lstat_ok && stat(path.data, &sb) == 0;
                if (lstat_ok && !stat_ok)
                    err = errno;
                if (lstat_ok && S_ISDIR(lb.st_mode)) {
                    st = walk(ctx, list, path.data, r.data, filter, depth + 1);
                } else if (stat_ok && S_ISREG(sb.st_mode)) {
                    if (wanted(filter, path.data, r.data))
                        st = vo_inputs_add_file(ctx, list, path.data, r.data);
                } else if (!(stat_ok && S_ISDIR(sb.st_mode)) && wanted(filter, NULL, r.data)) {
                    /* named as a document but none that can be read: that
                     * entry's failure, said (a link to a folder is not walked) */
                    char reason[160];
                    unreadable_reason(&lb, lstat_ok, err, reason, sizeof reason);
                    st = add_failed(ctx, list, path.data, r.data, reason);
                }
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

static int by_rel(const void *a, const void *b)
{
    const vo_input *const *x = a, *const *y = b;
    int c = strcmp((*x)->rel, (*y)->rel);
    return c ? c : (*x < *y ? -1 : *x > *y); /* input order within a name */
}

/* the inputs sorted by output name, input order within one name */
static vo_input **sorted_by_rel(const vo_input_list *list)
{
    vo_input **v = vo_calloc((size_t)list->n + 1, sizeof *v);
    for (int i = 0; v && i < list->n; i++)
        v[i] = &list->items[i];
    if (v)
        qsort(v, (size_t)list->n, sizeof *v, by_rel);
    return v;
}

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (strcmp(a, b) == 0)
        return 1;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* rel with the suffix of path's file name kept ("a" + "x/a.pdf": "a.pdf"),
 * and "-N" after it when N > 1 */
static char *rel_with_suffix(const char *rel, const char *path, int n)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash + 1 : path, '.');
    vo_buf b = VO_BUF_INIT;
    const char *suffix = dot && dot[1] && dot != (slash ? slash + 1 : path) ? dot : "";
    if (vo_buf_printf(&b, "%s%s", rel, suffix) ||
        (n > 1 && vo_buf_printf(&b, "-%d", n))) {
        vo_buf_free(&b);
        return NULL;
    }
    return vo_buf_take(&b);
}

vo_status vo_inputs_resolve_names(vo_ctx *ctx, vo_input_list *list)
{
    vo_input **v = sorted_by_rel(list);
    char **renames = vo_calloc((size_t)list->n + 1, sizeof *renames); /* by position in v */
    if (!v || !renames) {
        vo_free(v);
        vo_free(renames);
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    }
    vo_status st = VO_OK;
    for (int i = 0; i < list->n && !st;) {
        int j = i + 1;
        while (j < list->n && strcmp(v[j]->rel, v[i]->rel) == 0)
            j++;
        for (int k = i + 1; k < j; k++) /* the same file twice: once is enough */
            for (int q = i; q < k; q++)
                if (!v[q]->duplicate && same_file(v[k]->path, v[q]->path)) {
                    v[k]->duplicate = 1;
                    vo_warn(ctx, "%s: given twice (as %s too): recognised once", v[k]->path,
                            v[q]->path);
                    break;
                }
        int left = 0;
        for (int k = i; k < j; k++)
            left += !v[k]->duplicate;
        /* two documents would write the same outputs: each keeps its suffix
         * ("a.pdf.txt", "a.tif.txt"), and "-2", "-3" in input order when
         * that is not enough; the report gives every output name */
        for (int k = i; k < j && left > 1 && !st; k++) {
            if (v[k]->duplicate)
                continue;
            int same_suffix = 0;
            char *name = rel_with_suffix(v[k]->rel, v[k]->path, 1);
            for (int q = i; name && q < k; q++) {
                char *other = v[q]->duplicate ? NULL : rel_with_suffix(v[q]->rel, v[q]->path, 1);
                same_suffix += other && strcmp(other, name) == 0;
                vo_free(other);
            }
            vo_free(name);
            name = rel_with_suffix(v[k]->rel, v[k]->path, same_suffix + 1);
            if (!name) {
                st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
                break;
            }
            vo_warn(ctx, "%s: another input would write the same outputs (%s.*): its outputs are "
                    "%s.*", v[k]->path, v[k]->rel, name);
            renames[k] = name;
        }
        i = j;
    }
    for (int k = 0; k < list->n; k++) /* after: the names above compare old rels */
        if (renames[k]) {
            vo_free(v[k]->rel);
            v[k]->rel = renames[k];
            v[k]->renamed = 1;
        }
    vo_free(renames);
    vo_free(v);
    if (st)
        return st;
    /* a kept suffix may meet another input's plain name ("a.pdf" from a
     * file "a.pdf.tif"): rare; refused rather than written over */
    v = sorted_by_rel(list);
    if (!v)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    for (int i = 0; i + 1 < list->n && !st; i++)
        if (!v[i]->duplicate && !v[i + 1]->duplicate && strcmp(v[i]->rel, v[i + 1]->rel) == 0)
            st = vo_fail(ctx, VO_ERR_ARGUMENT,
                         "%s and %s would write the same outputs (%s.*): rename one or process "
                         "them separately",
                         v[i]->path, v[i + 1]->path, v[i]->rel);
    vo_free(v);
    return st;
}

void vo_inputs_free(vo_input_list *list)
{
    for (int i = 0; i < list->n; i++) {
        vo_free(list->items[i].path);
        vo_free(list->items[i].rel);
        vo_free(list->items[i].error);
    }
    vo_free(list->items);
    memset(list, 0, sizeof *list);
}
