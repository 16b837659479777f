/* report.c: what happened to each input and page, the --report JSON
 * and the summary behind the exit code. */

#include "config.h"
#include "src/pipeline/run_impl.h"
#include "src/util/alloc.h"
#include <jansson.h>
#include <string.h>
#include <time.h>

page_rec *run_add_page_rec(input_rec *r, int page)
{
    if (vo_grow((void **)&r->pages, &r->cap_pages, (size_t)r->n_pages + 1, sizeof(page_rec)))
        return NULL;
    page_rec *p = &r->pages[r->n_pages++];
    memset(p, 0, sizeof *p);
    p->page = page;
    return p;
}

/* the page just added is not kept (a stop, or read from a changing file) */
void run_forget_last_page_rec(input_rec *r)
{
    warn_list *l = &r->pages[--r->n_pages].warnings;
    for (int i = 0; i < l->n; i++)
        vo_free(l->items[i]);
    vo_free(l->items);
    if (r->current_page > r->n_pages)
        r->current_page = 0;
}

/* Where r's warnings go now: its current page's record, else its own. */
warn_list *run_warnings_now(input_rec *r)
{
    return r->current_page ? &r->pages[r->current_page - 1].warnings : &r->warnings;
}

void run_add_warning(warn_list *l, const char *msg)
{
    char *copy = NULL;
    if (l->n < RUN_MAX_WARNINGS && (copy = vo_strdup(msg))) {
        char **items = vo_realloc(l->items, (size_t)(l->n + 1) * sizeof *items);
        if (items) {
            l->items = items;
            l->items[l->n++] = copy;
            return;
        }
        vo_free(copy);
    }
    l->more++; /* past the limit, or no memory: counted */
}

void run_free_warnings(warn_list *l)
{
    for (int i = 0; i < l->n; i++)
        vo_free(l->items[i]);
    vo_free(l->items);
    memset(l, 0, sizeof *l);
}

void run_free_input_rec(input_rec *r)
{
    for (int k = 0; k < r->n_pages; k++) {
        vo_free(r->pages[k].error);
        run_free_warnings(&r->pages[k].warnings);
    }
    vo_free(r->pages);
    vo_free(r->error);
    run_free_warnings(&r->warnings);
}

/* "warnings": [...] and "warnings_more": N into o, when there are any */
static int set_warnings(json_t *o, const warn_list *l)
{
    if (l->n == 0 && l->more == 0)
        return 0;
    json_t *a = json_array();
    int bad = !a;
    for (int i = 0; i < l->n && !bad; i++)
        bad |= json_array_append_new(a, json_string(l->items[i]));
    bad |= json_object_set_new(o, "warnings", a);
    if (l->more)
        bad |= json_object_set_new(o, "warnings_more", json_integer(l->more));
    return bad;
}

const char *run_page_status_name(page_status s)
{
    switch (s) {
    case PAGE_DONE: return "done";
    case PAGE_RESUMED: return "resumed";
    case PAGE_FAILED: return "failed";
    case PAGE_PENDING: break;
    }
    return "unknown";
}

const char *run_page_source_name(page_source s)
{
    switch (s) {
    case SOURCE_TEXT_LAYER: return "text-layer";
    case SOURCE_OCR: return "ocr";
    case SOURCE_RAW: return "raw";
    case SOURCE_EMPTY: return "empty";
    case SOURCE_BLANK: return "blank";
    case SOURCE_NONE: break;
    }
    return NULL;
}

/* The report's word for what became of an input. */
const char *run_input_status_name(const input_rec *r)
{
    if (!r->started)
        return "not-started";
    switch (r->skipped) {
    case SKIP_OTHER_SHARD: return "other-shard";
    case SKIP_DONE: return "already-done";
    case SKIP_DUPLICATE: return "duplicate";
    case SKIP_NONE: break;
    }
    return r->status == VO_OK ? "done" : r->status == VO_ERR_ABORT ? "interrupted" : "failed";
}

vo_status run_write_report(vo_ctx *ctx, run_job *job, const vo_run_summary *sum)
{
    json_t *root = json_object(), *inputs = json_array();
    int bad = !root || !inputs;
    for (int i = 0; i < job->inputs.n && !bad; i++) {
        const input_rec *r = &job->recs[i];
        json_t *o = json_object(), *pages = json_array();
        const char *status = run_input_status_name(r);
        bad |= !o || !pages || json_array_append_new(inputs, o);
        bad |= json_object_set_new(o, "input", json_string(job->inputs.items[i].path));
        bad |= json_object_set_new(o, "output", json_string(job->inputs.items[i].rel));
        if (job->inputs.items[i].renamed) /* another input had the same name */
            bad |= json_object_set_new(o, "output_renamed", json_true());
        bad |= json_object_set_new(o, "status", json_string(status));
        bad |= json_object_set_new(o, "seconds", json_real(r->seconds));
        if (r->error)
            bad |= json_object_set_new(o, "error", json_string(r->error));
        for (int k = 0; k < r->n_pages && !bad; k++) {
            const page_rec *p = &r->pages[k];
            json_t *po = json_pack("{s:i,s:s,s:f}", "page", p->page, "status",
                                   run_page_status_name(p->status), "seconds", (double)p->seconds);
            bad |= !po || json_array_append_new(pages, po);
            const char *source = run_page_source_name(p->source);
            if (!bad && source)
                bad |= json_object_set_new(po, "source", json_string(source));
            if (!bad && p->error)
                bad |= json_object_set_new(po, "error", json_string(p->error));
            if (!bad && p->bands > 1)
                bad |= json_object_set_new(po, "bands", json_integer(p->bands));
            if (!bad && p->cut)
                bad |= json_object_set_new(po, "cut", json_true());
            if (!bad && p->looped)
                bad |= json_object_set_new(po, "looped", json_true());
            if (!bad && p->text_layer_problem)
                bad |= json_object_set_new(po, "text_layer_problem",
                                           json_string(p->text_layer_problem));
            if (!bad && p->bands > 0) {
                bad |= json_object_set_new(po, "tokens", json_integer(p->tokens));
                bad |= json_object_set_new(po, "passes", json_integer(p->passes));
            }
            if (!bad)
                bad |= set_warnings(po, &p->warnings);
        }
        if (!bad)
            bad |= set_warnings(o, &r->warnings);
        bad |= json_object_set_new(o, "pages", pages);
    }
    json_t *s = json_pack("{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:b}", "inputs", sum->inputs,
                          "inputs_done", sum->inputs_ok, "inputs_failed", sum->inputs_failed,
                          "inputs_skipped", sum->inputs_skipped, "inputs_not_started",
                          sum->inputs_not_started, "pages_done", sum->pages_done, "pages_failed",
                          sum->pages_failed, "pages_resumed", sum->pages_resumed, "interrupted",
                          sum->interrupted);
    bad |= !s || json_object_set_new(root, "summary", s);
    bad |= json_object_set_new(root, "version", json_integer(1));
    if (job->opts->shard_count)
        bad |= json_object_set_new(root, "shard", json_pack("[ii]", job->opts->shard_index,
                                                            job->opts->shard_count));
    bad |= json_object_set_new(root, "files", inputs);
    char *text = bad ? NULL : json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
    json_decref(root);
    if (!text)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory writing the report");
    vo_output *out = NULL;
    vo_status st = run_check_report_path(ctx, job); /* again: what exists now */
    if (st) {
        free(text);
        return st;
    }
    /* never through a link; a device or named pipe is written in place */
    st = vo_output_open_named(ctx, job->opts->report, VO_OUTPUT_DEVICES_IN_PLACE, &out);
    if (!st)
        st = vo_output_printf(ctx, out, "%s\n", text);
    if (!st)
        st = vo_output_close(ctx, out);
    vo_output_drop(out);
    free(text);
    return st;
}

long long run_output_timestamp(void)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        long long v = strtoll(sde, &end, 10);
        if (*end == 0 && v >= 0)
            return v;
    }
    return (long long)time(NULL);
}

/* Total pages for the progress line (documents are opened once more). */
long run_count_pages(run_job *job)
{
    vo_ctx *ctx = vo_new_ctx();
    long total = 0;
    if (!ctx)
        return -1;
    vo_set_verbosity(ctx, 0);
    for (int i = 0; i < job->inputs.n; i++) {
        if (job->groups) {
            total += job->groups[i].n;
            continue;
        }
        const vo_input *in = &job->inputs.items[i];
        if (!run_in_shard(job->opts, in) || strcmp(in->path, "-") == 0)
            continue;
        vo_document *doc = NULL;
        if (vo_open_document(ctx, job->inputs.items[i].path, job->opts->password, &doc) == VO_OK) {
            int n = vo_document_page_count(doc);
            for (int p = 1; p <= n; p++)
                total += vo_page_ranges_contains(&job->opts->pages, p, n);
        }
        vo_drop_document(doc);
    }
    vo_drop_ctx(ctx);
    return total;
}

void run_summarize(run_job *job, vo_run_summary *sum)
{
    sum->inputs = job->inputs.n;
    sum->all_failed_alike = 1;
    for (int i = 0; i < job->inputs.n; i++) {
        const input_rec *r = &job->recs[i];
        if (!r->started) { /* a stop came first */
            sum->inputs_not_started++;
            sum->interrupted = 1;
            continue;
        }
        if (r->skipped) {
            sum->inputs_skipped++;
            continue;
        }
        int done = 0, failed = 0;
        for (int k = 0; k < r->n_pages; k++) {
            done += r->pages[k].status == PAGE_DONE || r->pages[k].status == PAGE_RESUMED;
            failed += r->pages[k].status == PAGE_FAILED;
            sum->pages_resumed += r->pages[k].status == PAGE_RESUMED;
        }
        sum->pages_done += done;
        sum->pages_failed += failed;
        if (r->status == VO_ERR_ABORT && vo_run_stop)
            sum->interrupted = 1;
        if (r->status == VO_OK && failed == 0) {
            sum->inputs_ok++;
            continue;
        }
        sum->inputs_failed++;
        if (done && failed)
            sum->any_partial = 1;
        vo_status st = r->status ? r->status : VO_ERR_ABORT;
        if (!sum->first_error) {
            sum->first_error = st;
            sum->input_error = r->input_error;
            sum->model_error = r->model_error;
        } else if (st != sum->first_error) {
            sum->all_failed_alike = 0;
        }
    }
    if (job->raw_errors) {
        sum->inputs_failed += job->raw_errors;
        if (!sum->first_error)
            sum->first_error = VO_ERR_FORMAT;
        else if (sum->first_error != VO_ERR_FORMAT)
            sum->all_failed_alike = 0;
    }
    /* a stop that came after every input was done interrupted nothing: no
     * 130 then; else what failed may have failed because of it (a read
     * cancelled inside MuPDF), and a rerun does it */
    if (vo_run_stop && (sum->inputs_failed || sum->inputs_not_started))
        sum->interrupted = 1;
}
