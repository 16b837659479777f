/* process.c: one input from start to end: open it, each page from the
 * cache or made anew, every output written, its record for the report. */

#include "config.h"
#include "src/pipeline/run_impl.h"
#include "src/util/alloc.h"
#include "src/util/clock.h"
#include <stdio.h>
#include <string.h>

void run_process_input(vo_ctx *ctx, run_job *job, int idx)
{
    const vo_run_opts *opts = job->opts;
    const vo_input *in = &job->inputs.items[idx];
    const char *input = in->path;
    input_rec *rec = &job->recs[idx];
    double t0 = vo_monotonic_seconds();
    provider pv;
    doc_state d;
    page_makers mk;
    memset(&pv, 0, sizeof pv);
    memset(&d, 0, sizeof d);
    memset(&mk, 0, sizeof mk);
    int *pages = NULL;
    char *raw_model = NULL, *raw_method = NULL, *raw_settings = NULL; /* --from-raw */
    vo_status st = VO_OK;

    rec->started = 1;
    if (!run_in_shard(opts, in)) {
        rec->skipped = SKIP_OTHER_SHARD;
        run_progress_file(job, input, rec);
        return;
    }
    if (in->duplicate) {
        rec->skipped = SKIP_DUPLICATE;
        run_progress_file(job, input, rec);
        return;
    }
    if (opts->output_dir) {
        d.base = run_path_printf("%s/%s", opts->output_dir, in->rel);
        d.cache = run_path_printf("%s/.varco-ocr/%s", opts->output_dir, in->rel);
        d.stamp = run_make_stamp(job, in, 0);
        d.done_stamp = run_make_stamp(job, in, 1);
        if (!d.base || !d.cache || !d.stamp || !d.done_stamp) {
            st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
            goto fail;
        }
        char *marker = run_path_printf("%s.done", d.cache);
        int done = opts->resume && marker && strcmp(input, "-") != 0 &&
                   run_done_marker_matches(ctx, opts->output_dir, marker, d.done_stamp, d.cache,
                                           d.base, input);
        vo_free(marker);
        if (done) {
            rec->skipped = SKIP_DONE;
            run_drop_doc_state(&d);
            run_progress_file(job, input, rec);
            return;
        }
    }
    if ((st = run_open_provider(ctx, job, idx, &pv))) {
        rec->input_error = 1;
        if (st == VO_ERR_ABORT && vo_run_stop)
            goto fail_quiet; /* interrupted reading standard input */
        goto fail;
    }
    int n_sel = 0;
    pages = vo_calloc((size_t)(pv.n_pages > 0 ? pv.n_pages : 1), sizeof *pages);
    if (!pages) {
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (int p = 1; p <= pv.n_pages; p++)
        if (run_provider_has_page(&pv, opts, p))
            pages[n_sel++] = p;
    if (n_sel == 0) {
        st = pv.n_pages == 0 ? vo_fail(ctx, VO_ERR_FORMAT, "%s: the document has no pages", input)
                             : vo_fail(ctx, VO_ERR_ARGUMENT,
                                       "%s: no page is in --pages %s (the document has %d pages)",
                                       input, opts->pages_spec, pv.n_pages);
        rec->input_error = 1;
        goto fail;
    }
    for (int i = 0; i < opts->pages.n; i++) /* said, not silently dropped */
        if (opts->pages.items[i].last > pv.n_pages || opts->pages.items[i].first > pv.n_pages) {
            vo_warn(ctx, "%s: --pages %s names pages past the end; the document has %d pages: "
                    "only those it has are in the output", input, opts->pages_spec, pv.n_pages);
            break;
        }
    for (int i = 0; i < opts->n_formats; i++)
        if (opts->formats[i] == VO_FORMAT_PAGE && !opts->output_dir && n_sel > 1) {
            st = vo_fail(ctx, VO_ERR_ARGUMENT,
                         "%s: PAGE-XML holds one page per file: use --output-dir, or --pages "
                         "to pick one page", input);
            goto fail;
        }

    if (pv.raw && (st = run_raw_method(ctx, pv.raw, &raw_model, &raw_method, &raw_settings))) {
        rec->input_error = 1;
        goto fail;
    }
    vo_doc_info info = {.source = input,
                        .title = pv.doc ? vo_document_title(pv.doc) : NULL,
                        .n_pages = n_sel,
                        .timestamp = job->timestamp,
                        .model = pv.raw ? raw_model : job->model_name,
                        .method = pv.raw ? raw_method : job->method,
                        .settings = pv.raw ? raw_settings : job->settings};
    vo_writer_opts wopts = {.alto_unit = opts->alto_unit, .hocr_char_boxes = 1,
                           .password = opts->password, .no_pdfa = opts->no_pdfa,
                           .redo_ocr = opts->redo_ocr};
    int cached = opts->output_dir && !pv.spool.path;
    if (!cached && (st = run_open_stream_outputs(ctx, job, input, &info, &wopts, &d)))
        goto fail;

    int n_ok = 0, n_failed = 0;
    vo_status first_fail = VO_OK;
    run_makers_start(ctx, &mk, job, &pv, in, &d, cached, pages, n_sel);
    for (int k = 0; k < n_sel; k++) {
        int p = pages[k];
        if (vo_run_stop) {
            st = vo_fail(ctx, VO_ERR_ABORT, "%s: interrupted before page %d", input, p);
            goto fail_quiet;
        }
        vo_flush_warnings(ctx); /* the last page's repeats are the last page's */
        made_page *m = run_makers_take(&mk, k);
        page_rec *pr = run_add_page_rec(rec, p);
        if (!pr) {
            st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
            goto fail;
        }
        rec->current_page = rec->n_pages; /* its warnings go to its record */
        made_page own;
        if (m) { /* a maker's: what it heard is the page's */
            pr->warnings = m->rec.warnings;
            memset(&m->rec.warnings, 0, sizeof m->rec.warnings);
            if (m->st)
                vo_fail(ctx, m->st, "%s", m->error ? m->error : "out of memory");
        } else {
            m = &own;
            memset(m, 0, sizeof *m);
            m->page = p;
            run_make_page(ctx, job, &pv, in, &d, cached, m);
        }
        double tp = m->t0;
        vo_page *page = m->out;
        m->out = NULL;
        if (m->resumed) {
            /* done by an earlier run: its per-page files are written again
             * from the saved page (the same bytes; one deleted or damaged
             * since is made whole) */
            pr->status = PAGE_RESUMED;
            st = run_write_per_page_files(ctx, job, input, &d, &info, &wopts, page);
            vo_drop_page(page);
            run_makers_release(&mk, k);
            if (st)
                goto fail;
            if (opts->verbosity >= 2) {
                char line[PATH_MAX + 100];
                snprintf(line, sizeof line, "%s: page %d resumed (kept from an earlier run)",
                         input, p);
                run_log(job, VO_LOG_INFO, line);
            }
            n_ok++;
            pr->seconds = (float)(vo_monotonic_seconds() - tp);
            run_progress_page(job, input, pr);
            continue;
        }
        st = m->st;
        pr->source = m->rec.source;
        pr->text_layer_problem = m->rec.text_layer_problem;
        pr->bands = m->rec.bands;
        pr->cut = m->rec.cut;
        pr->looped = m->rec.looped;
        pr->tokens = m->rec.tokens;
        pr->passes = m->rec.passes;
        pr->stages = m->rec.stages;
        if (m->model_error && !rec->model_error)
            rec->model_error = m->model_error;
        int changed = m->changed;
        run_makers_release(&mk, k);
        if (changed) {
            vo_drop_page(page); /* read from a file that was changing: not kept */
            run_forget_last_page_rec(rec);
            rec->input_error = 1;
            goto fail;
        }
        if (st == VO_ERR_ABORT && vo_run_stop) {
            /* stopped by SIGINT/SIGTERM mid-page: not a failure of the page,
             * which is left undone (a rerun does it) */
            vo_drop_page(page);
            run_forget_last_page_rec(rec);
            goto fail_quiet;
        }
        if (st) {
            char where[PATH_MAX + 32];
            snprintf(where, sizeof where, "%s: page %d", input, p);
            run_report_error(ctx, job, where, &pr->error);
            if (!first_fail)
                first_fail = st;
            pr->status = PAGE_FAILED;
            n_failed++;
            vo_drop_page(page);
            page = NULL;
            if (!cached) { /* keep page numbering of streamed files */
                if (!(page = run_empty_page(ctx, &pv, p, opts->dpi, input))) {
                    st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
                    goto fail;
                }
            }
        } else {
            pr->status = PAGE_DONE;
            n_ok++;
        }
        st = VO_OK;
        double t_write = vo_monotonic_seconds();
        if (page) {
            if (!page->image_name)
                page->image_name = vo_strdup(input);
            /* the cache first: once any output of the page exists, a rerun
             * finds the page done (and writes only its missing files) */
            if (cached && pr->status == PAGE_DONE)
                st = run_save_page_cache(ctx, job, &d, page);
            if (!st && pr->status == PAGE_DONE)
                st = run_write_per_page_files(ctx, job, input, &d, &info, &wopts, page);
            if (!st && pr->status == PAGE_DONE && opts->overlay)
                st = run_write_overlay(ctx, job, &pv, in, page);
            for (int i = 0; i < opts->n_formats && !st && !cached; i++) {
                vo_format f = opts->formats[i];
                if (d.w[f])
                    st = d.w[f]->page(ctx, d.w[f], page);
            }
            if (!st && !cached && d.side_w)
                st = d.side_w->page(ctx, d.side_w, page);
            vo_drop_page(page);
        }
        pr->stages.write = vo_monotonic_seconds() - t_write;
        pr->seconds = (float)(vo_monotonic_seconds() - tp);
        if (!st && pr->status == PAGE_DONE && opts->verbosity >= 2) {
            char line[PATH_MAX + 100];
            snprintf(line, sizeof line, "%s: page %d done (%s, %.3f s)", input, p,
                     run_page_source_name(pr->source) ? run_page_source_name(pr->source) : "-",
                     (double)pr->seconds);
            run_log(job, VO_LOG_INFO, line);
        }
        run_progress_page(job, input, pr);
        if (st) { /* a write failure ends this input; the page is not done */
            if (pr->status == PAGE_DONE) {
                pr->status = PAGE_FAILED;
                n_ok--;
            }
            goto fail;
        }
    }
    run_makers_stop(&mk);
    vo_flush_warnings(ctx);
    rec->current_page = 0;
    if (n_ok == 0) {
        /* nothing recognised: leave no misleading empty outputs behind */
        st = first_fail;
        goto fail_quiet;
    }
    if ((st = run_check_unchanged(ctx, &pv, input))) {
        rec->input_error = 1;
        goto fail;
    }
    if (cached) {
        if (n_failed == 0)
            st = run_assemble_outputs(ctx, job, input, &d, &info, &wopts, pages, n_sel);
        if (!st && n_failed == 0)
            run_remove_stale_page_files(ctx, job, &d, pv.n_pages);
    } else {
        for (int i = 0; i < opts->n_formats && !st; i++) {
            vo_format f = opts->formats[i];
            if (d.w[f]) {
                st = d.w[f]->end(ctx, d.w[f]);
                if (!st)
                    st = vo_output_close(ctx, d.out[f]);
            }
        }
        if (!st && d.side_w) {
            st = d.side_w->end(ctx, d.side_w);
            if (!st)
                st = vo_output_close(ctx, d.side_out);
        }
    }
    if (st)
        goto fail;
    rec->status = first_fail;
    if (opts->verbosity >= 2 || (opts->verbosity >= 1 && !job->progress && job->inputs.n > 1)) {
        char line[PATH_MAX + 200];
        snprintf(line, sizeof line, "%s: %d of %d pages done%s", input, n_ok, n_sel,
                 n_failed ? " (see the errors above)" : "");
        run_log(job, VO_LOG_INFO, line);
    }
    goto out;

fail:
    run_report_error(ctx, job, input, &rec->error);
fail_quiet:
    run_makers_stop(&mk); /* the pages made past this one are not written */
    vo_flush_warnings(ctx);
    rec->current_page = 0;
    rec->status = st ? st : VO_ERR_ABORT;
    if (!rec->error && st)
        rec->error = vo_strdup(vo_last_error(ctx));
out:
    vo_free(raw_model);
    vo_free(raw_method);
    vo_free(raw_settings);
    rec->seconds = vo_monotonic_seconds() - t0;
    run_progress_file(job, input, rec);
    vo_free(pages);
    run_drop_doc_state(&d);
    run_close_provider(&pv);
}
