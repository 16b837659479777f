/* outputs.c: a document's outputs: streamed formats opened once,
 * per-page files, the page cache, the overlay, the assembled files. */

#include "config.h"
#include "src/pipeline/run_impl.h"
#include "formats/overlay.h"
#include "src/util/alloc.h"
#include <string.h>

void run_drop_doc_state(doc_state *d)
{
    for (int f = 0; f < VO_FORMAT_COUNT_; f++) {
        vo_drop_writer(d->w[f]);
        vo_output_drop(d->out[f]);
    }
    vo_drop_writer(d->side_w);
    vo_output_drop(d->side_out);
    vo_free(d->base);
    vo_free(d->cache);
    vo_free(d->stamp);
    vo_free(d->done_stamp);
    memset(d, 0, sizeof *d);
}

/* Streamed outputs (no --output-dir, or standard input, which is not kept
 * for resuming, into it): open them and write the headers. */
vo_status run_open_stream_outputs(vo_ctx *ctx, run_job *job, const char *input,
                                  const vo_doc_info *info, const vo_writer_opts *wopts,
                                  doc_state *d)
{
    const vo_run_opts *opts = job->opts;
    vo_status st;
    for (int i = 0; i < opts->n_formats; i++) {
        vo_format f = opts->formats[i];
        if (run_per_page_format(opts, f))
            continue;
        char *path = d->base ? run_path_printf("%s%s", d->base, vo_format_suffix(f))
                             : vo_strdup(opts->output ? opts->output : "-");
        if (!path)
            return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        st = run_open_output(ctx, job, path, input, &d->out[f]);
        vo_free(path);
        if (st)
            return st;
        if ((st = vo_new_writer(ctx, f, d->out[f], wopts, &d->w[f])))
            return st;
        if ((st = d->w[f]->begin(ctx, d->w[f], info)))
            return st;
    }
    if (opts->sidecar) {
        if ((st = run_open_output(ctx, job, opts->sidecar, input, &d->side_out)) ||
            (st = vo_new_writer(ctx, VO_FORMAT_TXT, d->side_out, wopts, &d->side_w)) ||
            (st = d->side_w->begin(ctx, d->side_w, info)))
            return st;
    }
    return VO_OK;
}

vo_status run_write_per_page_files(vo_ctx *ctx, run_job *job, const char *input,
                                   const doc_state *d, const vo_doc_info *info,
                                   const vo_writer_opts *wopts, vo_page *page)
{
    const vo_run_opts *opts = job->opts;
    vo_status st = VO_OK;
    vo_doc_info one = *info;
    one.n_pages = 1;
    for (int i = 0; i < opts->n_formats && !st; i++) {
        vo_format f = opts->formats[i];
        if (!run_per_page_format(opts, f))
            continue;
        const char *suffix = vo_format_suffix(f);
        char *path = d->base ? run_path_printf("%s.p%04d%s", d->base, page->number, suffix)
                             : vo_strdup(opts->output ? opts->output : "-");
        if (!path)
            return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        st = run_write_file(ctx, job, path, input, f, &one, wopts, &page, 1);
        vo_free(path);
    }
    return st;
}

/* --output-dir: every page is cached; the per-document files are written
 * from the caches once every page is there, then the caches are removed
 * and a done marker written. */
vo_status run_assemble_outputs(vo_ctx *ctx, run_job *job, const char *input, doc_state *d,
                               const vo_doc_info *info, const vo_writer_opts *wopts,
                               const int *pages, int n)
{
    const vo_run_opts *opts = job->opts;
    vo_status st = VO_OK;
    for (int i = 0; i < opts->n_formats && !st; i++) {
        vo_format f = opts->formats[i];
        if (run_per_page_format(opts, f))
            continue;
        char *path = run_path_printf("%s%s", d->base, vo_format_suffix(f));
        vo_output *out = NULL;
        vo_writer *w = NULL;
        if (!path)
            return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        st = run_open_output(ctx, job, path, input, &out);
        if (!st)
            st = vo_new_writer(ctx, f, out, wopts, &w);
        if (!st)
            st = w->begin(ctx, w, info);
        for (int k = 0; k < n && !st; k++) {
            vo_page *p = run_load_page_cache(ctx, d, pages[k]);
            if (!p) {
                st = vo_fail(ctx, VO_ERR_IO, "%s: page %d: its cached result disappeared", input,
                             pages[k]);
                break;
            }
            st = w->page(ctx, w, p);
            vo_drop_page(p);
        }
        if (!st)
            st = w->end(ctx, w);
        if (!st)
            st = vo_output_close(ctx, out);
        vo_drop_writer(w);
        vo_output_drop(out);
        vo_free(path);
    }
    if (st)
        return st;
    /* the marker first, so a crash between the two leaves only stale caches */
    char *marker = run_path_printf("%s.done", d->cache);
    vo_output *mo = NULL;
    if (!marker)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    st = run_make_parent_dirs(ctx, opts->output_dir, marker);
    if (!st)
        st = vo_output_open_file(ctx, marker, &mo);
    if (!st)
        st = vo_output_printf(ctx, mo, "%s\npages", d->done_stamp);
    for (int k = 0; k < n && !st; k++)
        st = vo_output_printf(ctx, mo, " %d", pages[k]);
    if (!st)
        st = vo_output_printf(ctx, mo, "\n");
    if (!st)
        st = run_write_marker_outputs(ctx, job, d, pages, n, mo);
    if (!st)
        st = vo_output_close(ctx, mo);
    vo_output_drop(mo);
    vo_free(marker);
    /* last page first: while the first page's cache is there, some may be
     * left (a crash here), and a rerun removes them (drop_done_caches) */
    for (int k = n - 1; k >= 0 && !st; k--) {
        char *path = run_path_printf("%s.p%04d.json", d->cache, pages[k]);
        if (path)
            unlink(path);
        vo_free(path);
    }
    return st;
}

/* --overlay: the page image with the boxes and text drawn, for a person to
 * check. Pages from saved raw output open their source again. */
vo_status run_write_overlay(vo_ctx *ctx, run_job *job, provider *pv, const vo_input *in,
                            const vo_page *page)
{
    const vo_run_opts *opts = job->opts;
    vo_status st;
    if (!pv->doc) {
        if (pv->overlay_failed)
            return VO_OK;
        if ((st = vo_open_document(ctx, in->path, opts->password, &pv->doc))) {
            pv->overlay_failed = 1;
            vo_warn(ctx, "%s: no overlay: %s", in->path, vo_last_error(ctx));
            return VO_OK;
        }
    }
    vo_raster *r = NULL;
    vo_source_limits limits = {opts->max_pixels};
    st = run_render_page(ctx, pv, page->number, page->dpi_x, &limits, NULL, &r);
    char *path = st ? NULL : run_path_printf("%s/%s.p%04d.overlay.png", opts->overlay, in->rel,
                                             page->number);
    if (!st && !path)
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    if (!st)
        st = run_make_parent_dirs(ctx, opts->overlay, path);
    if (!st)
        st = vo_write_overlay(ctx, r, page, opts->font, path);
    vo_free(path);
    vo_drop_raster(r);
    return st;
}
