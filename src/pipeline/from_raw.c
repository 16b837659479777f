/* from_raw.c: --from-raw: saved raw pages found and grouped by the
 * document they came from. */

#include "config.h"
#include "src/pipeline/run_impl.h"
#include "src/ocr/raw.h"
#include "src/util/alloc.h"
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int by_page(const void *a, const void *b)
{
    return ((const raw_ref *)a)->page - ((const raw_ref *)b)->page;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A relative `source` names the document from the raw file's folder (where
 * --raw-out beside the input and the samples keep it), else from the
 * current folder as before. Returns an allocated path, or NULL. */
static char *raw_source_path(const char *raw_path, const char *source)
{
    const char *slash = strrchr(raw_path, '/');
    if (source[0] != '/' && slash) {
        struct stat sb;
        char *beside = run_path_printf("%.*s/%s", (int)(slash - raw_path), raw_path, source);
        if (!beside || stat(beside, &sb) == 0)
            return beside;
        vo_free(beside);
    }
    return vo_strdup(source);
}

static vo_status add_raw_file(vo_ctx *ctx, run_job *job, const char *path, vo_input_list *sources)
{
    vo_raw_page raw;
    vo_status st = vo_raw_read(ctx, path, &raw);
    if (st)
        return st;
    char *src_path = raw_source_path(path, raw.source);
    if (!src_path) {
        vo_raw_free(&raw);
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    }
    int g = 0;
    while (g < sources->n && strcmp(sources->items[g].path, src_path) != 0)
        g++;
    if (g == sources->n) {
        const char *slash = strrchr(raw.source, '/');
        st = vo_inputs_add_file(ctx, sources, src_path, slash ? slash + 1 : raw.source);
        vo_free(src_path);
        src_path = NULL;
        if (st) {
            vo_raw_free(&raw);
            return st;
        }
        raw_group *grown = vo_realloc(job->groups, sizeof(raw_group) * (size_t)sources->n);
        if (!grown) {
            vo_raw_free(&raw);
            return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        }
        job->groups = grown;
        memset(&job->groups[g], 0, sizeof(raw_group));
    }
    vo_free(src_path);
    raw_group *grp = &job->groups[g];
    for (int i = 0; i < grp->n; i++)
        if (grp->refs[i].page == raw.page) {
            st = vo_fail(ctx, VO_ERR_ARGUMENT, "%s and %s both hold page %d of %s",
                         grp->refs[i].path, path, raw.page, raw.source);
            vo_raw_free(&raw);
            return st;
        }
    if (vo_grow((void **)&grp->refs, &grp->cap, (size_t)grp->n + 1, sizeof(raw_ref)) ||
        !(grp->refs[grp->n].path = vo_strdup(path))) {
        vo_raw_free(&raw);
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    }
    grp->refs[grp->n++].page = raw.page;
    vo_raw_free(&raw);
    return VO_OK;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

vo_status run_collect_raw(vo_ctx *ctx, run_job *job)
{
    const vo_run_opts *opts = job->opts;
    vo_status st = VO_OK;
    for (int i = 0; i < opts->n_from_raw && !st; i++) {
        const char *arg = opts->from_raw[i];
        struct stat sb;
        if (stat(arg, &sb) != 0)
            return vo_fail(ctx, VO_ERR_IO, "%s: cannot open: %s", arg, strerror(errno));
        if (!S_ISDIR(sb.st_mode)) {
            st = add_raw_file(ctx, job, arg, &job->inputs);
            if (st && st != VO_ERR_NOMEM) { /* a broken file costs only itself */
                run_log(job, VO_LOG_ERROR, vo_last_error(ctx));
                job->raw_errors++;
                st = VO_OK;
            }
            continue;
        }
        struct dirent **names = NULL;
        int n = scandir(arg, &names, NULL, by_name);
        if (n < 0)
            return vo_fail(ctx, VO_ERR_IO, "%s: cannot read the directory: %s", arg,
                           strerror(errno));
        for (int k = 0; k < n; k++) {
            if (!st && has_suffix(names[k]->d_name, ".raw.json")) {
                char *path = run_path_printf("%s/%s", arg, names[k]->d_name);
                st = path ? add_raw_file(ctx, job, path, &job->inputs)
                          : vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
                vo_free(path);
                if (st && st != VO_ERR_NOMEM) {
                    run_log(job, VO_LOG_ERROR, vo_last_error(ctx));
                    job->raw_errors++;
                    st = VO_OK;
                }
            }
            free(names[k]);
        }
        free(names);
    }
    for (int g = 0; g < job->inputs.n && job->groups; g++)
        qsort(job->groups[g].refs, (size_t)job->groups[g].n, sizeof(raw_ref), by_page);
    if (!st && job->inputs.n == 0)
        st = vo_fail(ctx, VO_ERR_ARGUMENT, "--from-raw: no NAME.pNNNN.raw.json file found");
    return st;
}

/* What the saved pages of a document say of how they were made (read from
 * its first one), so a re-render writes the same metadata as the run that
 * saved them. Pages saved without it: the model's name when known, and a
 * method that says the text was replayed. */
vo_status run_raw_method(vo_ctx *ctx, const raw_group *g, char **model, char **method,
                         char **settings)
{
    *model = *method = *settings = NULL;
    if (!g->n)
        return VO_OK;
    vo_raw_page raw;
    vo_status st = vo_raw_read(ctx, g->refs[0].path, &raw);
    if (st)
        return st;
    if (raw.model && !(*model = run_model_name(raw.model)))
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    if (!st) {
        *method = raw.method ? raw.method
                             : vo_strdup("grounded OCR output of the VARCO-VISION-2.0 model, "
                                         "re-rendered from saved raw pages (--from-raw)");
        *settings = raw.settings;
        raw.method = raw.settings = NULL;
        if (!*method)
            st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    }
    vo_raw_free(&raw);
    return st;
}
