/* provider.c: where a document's pages come from (a document, or the
 * pages saved by --raw-out) and how each page model is made: text layer,
 * blank, OCR or saved raw output. */

#include "config.h"
#include "src/pipeline/run_impl.h"
#include "src/ocr/raw.h"
#include "src/source/blank.h"
#include "src/util/alloc.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

int run_provider_has_page(const provider *pv, const vo_run_opts *opts, int page)
{
    if (pv->raw) {
        for (int i = 0; i < pv->raw->n; i++)
            if (pv->raw->refs[i].page == page)
                return vo_page_ranges_contains(&opts->pages, page, pv->n_pages);
        return 0;
    }
    return vo_page_ranges_contains(&opts->pages, page, pv->n_pages);
}

/* An empty page of the right size, for pages kept without text (text-layer
 * only mode; a failed page in a multi-page stream, so numbering stays). */
vo_page *run_empty_page(vo_ctx *ctx, provider *pv, int page, float dpi, const char *source)
{
    if (!pv->doc)
        return vo_new_page(page, 1, 1, 72, 72, source);
    vo_page_info info;
    memset(&info, 0, sizeof info);
    pthread_mutex_lock(&pv->doc_lock);
    vo_document_page_info(ctx, pv->doc, page, &info);
    pthread_mutex_unlock(&pv->doc_lock);
    float dx = dpi, dy = dpi;
    if (dpi <= 0) {
        dx = info.native_dpi_x > 0 ? info.native_dpi_x : 300;
        dy = info.native_dpi_y > 0 ? info.native_dpi_y : dx;
    }
    int w = (int)ceilf(info.width_pt * dx / 72.0f - 0.01f);
    int h = (int)ceilf(info.height_pt * dy / 72.0f - 0.01f);
    vo_page *p = vo_new_page(page, w > 0 ? w : 1, h > 0 ? h : 1, dx, dy, source);
    if (p)
        p->origin = VO_PAGE_FROM_TEXT_LAYER;
    return p;
}

/* A page without text in --text-layer only mode: written empty, but looked
 * at first (at 100 dpi, as the blank check would reduce it anyway) so that
 * a page that shows something, a scan, says that its text is not there. */
static vo_status text_only_page(vo_ctx *ctx, run_job *job, provider *pv, int page,
                                const char *source, vo_page **out, page_source *kind)
{
    const vo_run_opts *opts = job->opts;
    vo_raster *r = NULL;
    vo_source_limits limits = {opts->max_pixels};
    *kind = SOURCE_EMPTY;
    run_progress_stage(job, source, page, "render");
    vo_status st = run_render_page(ctx, pv, page, 100, &limits, NULL, &r);
    if (st == VO_ERR_NOMEM || st == VO_ERR_ABORT)
        return st;
    if (st && vo_run_stop) /* the stop ended MuPDF's reads: not the page's fault */
        return vo_fail(ctx, VO_ERR_ABORT, "%s: stopped at page %d", source, page);
    if (st) {
        vo_warn(ctx, "%s: page %d has no text layer and could not be rendered to see what it "
                "shows (%s): it is written without text", source, page, vo_last_error(ctx));
        vo_clear_error(ctx);
    } else {
        vo_blank_check blank;
        st = vo_check_blank(ctx, r, &blank);
        vo_drop_raster(r);
        if (st)
            return st;
        if (blank.blank)
            *kind = SOURCE_BLANK;
        else
            vo_warn(ctx, "%s: page %d has no text layer but is not blank (%d marks: a scan or "
                    "a drawing?): it is written without text (--text-layer only); --text-layer "
                    "auto and a model recognise it", source, page, blank.marks);
    }
    *out = run_empty_page(ctx, pv, page, opts->dpi, source);
    if (*out && vo_run_stop) { /* its size may come from reads the stop cut short */
        vo_drop_page(*out);
        *out = NULL;
        return vo_fail(ctx, VO_ERR_ABORT, "%s: stopped at page %d", source, page);
    }
    return *out ? VO_OK : vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
}

/* The page model of one page; *kind says where it came from. */
vo_status run_get_page(vo_ctx *ctx, run_job *job, provider *pv, int page, const vo_input *in,
                       double *deadline, vo_page **out, page_source *kind, ocr_note *note,
                       vo_model_error *model_error)
{
    const char *source = in->path;
    const vo_run_opts *opts = job->opts;
    *out = NULL;
    vo_status st;
    if (pv->raw) {
        for (int i = 0; i < pv->raw->n; i++) {
            if (pv->raw->refs[i].page != page)
                continue;
            vo_raw_page raw;
            if ((st = vo_raw_read(ctx, pv->raw->refs[i].path, &raw)))
                return st;
            /* the source as found from the raw file's folder (collect_raw) */
            char *found = vo_strdup(source);
            if (!found) {
                vo_raw_free(&raw);
                return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
            }
            vo_free(raw.source);
            raw.source = found;
            st = vo_raw_to_page(ctx, &raw, NULL, NULL, out);
            vo_raw_free(&raw);
            *kind = SOURCE_RAW;
            return st;
        }
        return vo_fail(ctx, VO_ERR_ARGUMENT, "%s: no saved page %d", source, page);
    }
    if (opts->text_layer != VO_TEXT_IGNORE) {
        vo_page_info info;
        run_lock_doc(pv, deadline);
        st = vo_document_page_info(ctx, pv->doc, page, &info);
        pthread_mutex_unlock(&pv->doc_lock);
        if (st)
            return st;
        if (info.has_text) {
            vo_text_quality q;
            run_progress_stage(job, in->path, page, "text-layer");
            run_lock_doc(pv, deadline);
            st = vo_extract_text_layer_checked(ctx, pv->doc, page, opts->dpi, out, &q);
            pthread_mutex_unlock(&pv->doc_lock);
            if (st)
                return st;
            if (*out && q.problem && opts->text_layer == VO_TEXT_AUTO) {
                vo_warn(ctx, "%s: page %d: its text layer is unreliable (%s: %d of %d "
                        "characters); the page is recognised by the model instead", source,
                        page, q.problem, q.problem_n, q.problem_of);
                note->text_layer_problem = q.problem;
                vo_drop_page(*out);
                *out = NULL;
            } else if (*out) {
                if (q.problem) {
                    vo_warn(ctx, "%s: page %d: its text layer is unreliable (%s: %d of %d "
                            "characters); kept as it is (--text-layer only)", source, page,
                            q.problem, q.problem_n, q.problem_of);
                    note->text_layer_problem = q.problem;
                }
                *kind = SOURCE_TEXT_LAYER;
                return VO_OK;
            }
        }
        if (opts->text_layer == VO_TEXT_ONLY)
            return text_only_page(ctx, job, pv, page, source, out, kind);
    }
    *kind = SOURCE_OCR;
    st = run_ocr_page(ctx, job, pv, page, in, deadline, out, note, model_error);
    if (note->blank)
        *kind = SOURCE_BLANK;
    return st;
}

vo_status run_open_provider(vo_ctx *ctx, run_job *job, int idx, provider *pv)
{
    const vo_input *in = &job->inputs.items[idx];
    memset(pv, 0, sizeof *pv);
    pv->has_lock = pthread_mutex_init(&pv->doc_lock, NULL) == 0;
    if (!pv->has_lock)
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: cannot make a lock: out of resources", in->path);
    if (job->groups) {
        pv->raw = &job->groups[idx];
        pv->n_pages = pv->raw->n ? pv->raw->refs[pv->raw->n - 1].page : 0;
        return VO_OK;
    }
    const char *path = in->path;
    vo_status st;
    if (in->error)
        return vo_fail(ctx, VO_ERR_IO, "%s: %s", path, in->error);
    if (strcmp(path, "-") == 0) {
        if ((st = run_spool_stdin(ctx, job->opts->max_input_size, &pv->spool)))
            return st;
        path = pv->spool.path;
    } else { /* what it is now, to find a rewrite while its pages are read */
        pv->watched = stat(path, &pv->opened) == 0;
    }
    if ((st = vo_open_document(ctx, path, job->opts->password, &pv->doc))) {
        if (pv->spool.path) { /* name the input as the user gave it, not the spool file */
            char msg[2048];
            const char *m = vo_last_error(ctx);
            size_t n = strlen(pv->spool.path);
            if (strncmp(m, pv->spool.path, n) == 0 && m[n] == ':')
                snprintf(msg, sizeof msg, "-%s", m + n);
            else
                snprintf(msg, sizeof msg, "-: %s", m);
            vo_fail(ctx, st, "%s", msg); /* msg: the error buffer is rewritten here */
        }
        return st;
    }
    vo_document_set_image_dpi(pv->doc, job->opts->image_dpi);
    vo_document_set_skip_invisible_text(pv->doc, job->opts->redo_ocr);
    pv->n_pages = vo_document_page_count(pv->doc);
    int max = job->opts->max_pages > 0 ? job->opts->max_pages : 100000;
    if (pv->n_pages > max)
        return vo_fail(ctx, VO_ERR_LIMIT,
                       "%s: the document has %d pages, more than the limit of %d: raise it with "
                       "--max-pages if the document is genuine",
                       in->path, pv->n_pages, max);
    return VO_OK;
}

/* An input rewritten while its pages are read would give pages of two
 * versions: it is compared with what it was when opened, after every page
 * and before the outputs are finished (VO_OK: the same file, unchanged). */
vo_status run_check_unchanged(vo_ctx *ctx, const provider *pv, const char *input)
{
    if (!pv->watched)
        return VO_OK;
    struct stat now;
    char what[160];
    const struct stat *was = &pv->opened;
    if (stat(input, &now) != 0)
        snprintf(what, sizeof what, "it was removed");
    else if (now.st_dev != was->st_dev || now.st_ino != was->st_ino)
        snprintf(what, sizeof what, "another file took its name");
    else if (now.st_size != was->st_size)
        snprintf(what, sizeof what, "its size went from %lld to %lld bytes",
                 (long long)was->st_size, (long long)now.st_size);
    else if (now.st_mtim.tv_sec != was->st_mtim.tv_sec ||
             now.st_mtim.tv_nsec != was->st_mtim.tv_nsec)
        snprintf(what, sizeof what, "it was modified");
    else
        return VO_OK;
    return vo_fail(ctx, VO_ERR_IO,
                   "%s: the file changed while its pages were read (%s): it fails, so that pages "
                   "of two versions are never mixed; run again once the file is complete",
                   input, what);
}

/* vo_render_page under the document's lock. */
vo_status run_render_page(vo_ctx *ctx, provider *pv, int page, float dpi,
                          const vo_source_limits *limits, double *deadline, vo_raster **out)
{
    run_lock_doc(pv, deadline);
    vo_status st = vo_render_page(ctx, pv->doc, page, dpi, limits, out);
    pthread_mutex_unlock(&pv->doc_lock);
    return st;
}

void run_close_provider(provider *pv)
{
    vo_drop_document(pv->doc);
    run_remove_spool(&pv->spool);
    if (pv->has_lock)
        pthread_mutex_destroy(&pv->doc_lock);
    memset(pv, 0, sizeof *pv);
}
