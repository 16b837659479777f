/* recognise.c: a page through the model: the model folder, the engine
 * opened once, the page image rendered and given to vo_recognize_raster
 * (src/api/recognize.c: whole or in bands), its raw output kept. */

#include "config.h"
#include "src/pipeline/run_impl.h"
#include "src/api/recognize.h"
#include "src/ocr/raw.h"
#include "src/source/blank.h"
#include "src/source/straighten.h"
#include "src/util/alloc.h"
#include "src/util/clock.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A model's name for the outputs: its folder's last component (a copy). */
char *run_model_name(const char *model_dir)
{
    size_t n = strlen(model_dir);
    while (n > 1 && model_dir[n - 1] == '/')
        n--;
    const char *start = model_dir + n;
    while (start > model_dir && start[-1] != '/')
        start--;
    char *name = vo_malloc((size_t)(model_dir + n - start) + 1);
    if (name) {
        memcpy(name, start, (size_t)(model_dir + n - start));
        name[model_dir + n - start] = 0;
    }
    return name;
}

/* What the outputs say of how their pages were made (ALTO's Processing,
 * hOCR's ocr-system): the model by its folder's name, the mode in words,
 * the settings the text depends on. */
vo_status run_describe_method(run_job *job)
{
    const vo_run_opts *opts = job->opts;
    int uses_model = job->model_dir && opts->text_layer != VO_TEXT_ONLY;
    if (uses_model && !(job->model_name = run_model_name(job->model_dir)))
        return VO_ERR_NOMEM;
    vo_buf m = VO_BUF_INIT, s = VO_BUF_INIT;
    vo_status st;
    if (opts->text_layer == VO_TEXT_ONLY)
        st = vo_buf_puts(&m, "each page's own text layer (--text-layer only: no model used)");
    else if (!uses_model)
        st = vo_buf_puts(&m, "each page's own text layer (no model folder was found: pages "
                             "without a reliable one fail)");
    else if (opts->text_layer == VO_TEXT_IGNORE)
        st = vo_buf_printf(&m, "grounded OCR of every page by the VARCO-VISION-2.0 model %s",
                           job->model_name);
    else
        st = vo_buf_printf(&m, "each page's own text layer where it is reliable, else grounded "
                           "OCR by the VARCO-VISION-2.0 model %s", job->model_name);
    static const char *const modes[] = {"auto", "only", "ignore"};
    static const char *const kv[] = {"f32", "bf16", "f16", "q8"};
    if (!st)
        st = vo_buf_printf(&s, "text-layer=%s; dpi=", modes[opts->text_layer]);
    if (!st)
        st = opts->dpi > 0 ? vo_buf_printf(&s, "%g", (double)opts->dpi)
                           : vo_buf_puts(&s, "default");
    if (!st && opts->image_dpi > 0)
        st = vo_buf_printf(&s, "; image-dpi=%g", (double)opts->image_dpi);
    if (!st && opts->redo_ocr)
        st = vo_buf_puts(&s, "; redo-ocr");
    if (!st && uses_model && opts->deskew)
        st = vo_buf_puts(&s, "; deskew");
    if (!st && uses_model && opts->rotate_pages)
        st = vo_buf_puts(&s, "; rotate-pages");
    if (!st && uses_model)
        st = vo_buf_printf(&s, "; device=%s; kv-type=%s; bands=%s; blank-skip=%s",
                           opts->device ? opts->device : "auto",
                           opts->kv_type >= 0 && opts->kv_type < 4 ? kv[opts->kv_type] : "?",
                           opts->no_band ? "off" : "on", opts->no_blank_skip ? "off" : "on");
    static const char *const weights[] = {"auto", "q8", "q4", "bf16", "as-stored"};
    if (!st && uses_model)
        st = vo_buf_printf(&s, "; weights=%s", opts->weights >= 0 && opts->weights < 5
                                                   ? weights[opts->weights] : "?");
    if (!st && uses_model && opts->matmul == VO_MATMUL_BF16)
        st = vo_buf_puts(&s, "; matmul=bf16");
    if (!st && uses_model && opts->max_tokens > 0)
        st = vo_buf_printf(&s, "; max-tokens=%d", opts->max_tokens);
    if (st) {
        vo_buf_free(&m);
        vo_buf_free(&s);
        return st;
    }
    job->method = vo_buf_take(&m);
    job->settings = vo_buf_take(&s);
    return VO_OK;
}

static vo_status open_engine_locked(vo_ctx *ctx, run_job *job)
{
    if (job->engine_tried) {
        if (job->engine)
            return VO_OK;
        return vo_fail(ctx, job->engine_status, "%s", job->engine_error ? job->engine_error : "");
    }
    job->engine_tried = 1;
    int batch = run_pages_in_flight(job);
    vo_engine_opts eo = {job->opts->threads, job->opts->max_tokens, 0, job->opts->device,
                         job->opts->kv_type, batch, job->opts->no_draft, job->opts->weights,
                         job->opts->matmul};
    vo_status st = vo_engine_open(ctx, job->model_dir, &eo, &job->engine);
    vo_engine_set_cancel(job->engine, &vo_run_stop); /* SIGINT/SIGTERM: the page is dropped */
    if (job->opts->signals_install) /* ours again: PoCL's LLVM installs its own */
        job->opts->signals_install();
    if (!st && job->opts->batch <= 0 && job->batch_default > 0)
        vo_info(ctx, "up to %d pages in flight (--batch's default: the KV caches of %d pages of "
                "%d tokens, %.2f GiB each, fit in half of the %.1f GiB of memory available)",
                batch, job->batch_default, VO_ENGINE_PAGE_TOKENS,
                (double)job->batch_page_bytes / (1 << 30), (double)job->batch_mem / (1 << 30));
    else if (!st)
        vo_info(ctx, "up to %d pages in flight (--batch; several pages of each document the %d "
                "--jobs workers have open)", batch, job->opts->jobs);
    if (st) {
        job->engine_status = st;
        vo_fail_where(ctx, "%s: cannot load the model: ", job->model_dir);
        job->engine_error = vo_strdup(vo_last_error(ctx));
    }
    return st;
}

/* --page-timeout: a page past its deadline is abandoned between stages
 * (the engine's piece callback stops generation at the deadline). */
vo_status run_check_deadline(vo_ctx *ctx, const run_job *job, double deadline,
                             const char *source, int page, const char *stage)
{
    if (deadline <= 0 || vo_monotonic_seconds() <= deadline)
        return VO_OK;
    return vo_fail(ctx, VO_ERR_LIMIT,
                   "%s: page %d: abandoned %s: it took longer than --page-timeout %g s; the "
                   "other pages go on (raise --page-timeout to allow it more time)",
                   source, page, stage, job->opts->page_timeout);
}

/* --deskew, --rotate-pages: *r replaced by the raster straightened and
 * turned upright, *turn saying how (the identity when not asked, or when
 * straight and upright already). */
static vo_status straighten_page(vo_ctx *ctx, run_job *job, const char *source, int page,
                                 vo_raster **r, vo_page_turn *turn)
{
    const vo_run_opts *opts = job->opts;
    vo_raster *turned = NULL;
    vo_straighten_note sn;
    vo_status st = vo_straighten_raster(ctx, source, *r, opts->rotate_pages, opts->deskew, turn,
                                        &turned, &sn);
    if (st)
        return st;
    if (opts->rotate_pages) {
        static const char *const by[] = {"unclear lines", "Leptonica, Latin lines",
                                         "the strokes of Hangul lines"};
        if (!sn.orientation_known)
            vo_info(ctx, "%s: page %d: orientation not decided (%s): left as it is", source,
                    page, by[sn.script]);
        else if (turn->quarter_turns)
            vo_info(ctx, "%s: page %d: turned %d degrees clockwise to stand upright (%s)",
                    source, page, 90 * turn->quarter_turns, by[sn.script]);
        else
            vo_info(ctx, "%s: page %d: upright already (%s)", source, page, by[sn.script]);
    }
    if (opts->deskew) {
        if (turn->skew_deg != 0)
            vo_info(ctx, "%s: page %d: deskewed by %.2f degrees clockwise (confidence %.1f)",
                    source, page, (double)turn->skew_deg, (double)sn.skew_conf);
        else
            vo_info(ctx, "%s: page %d: not deskewed (%s)", source, page,
                    sn.skew_found ? "straight already" : "no skew found with confidence");
    }
    if (turned) {
        vo_drop_raster(*r);
        *r = turned;
    }
    return VO_OK;
}

/* progress hooks of vo_recognize_raster */
typedef struct ocr_progress {
    run_job *job;
    const char *source;
    int page;
} ocr_progress;

static void ocr_on_stage(void *user, const char *stage)
{
    ocr_progress *p = user;
    run_progress_stage(p->job, p->source, p->page, stage);
}

static void ocr_on_tokens(void *user, int n, double since, double *last)
{
    ocr_progress *p = user;
    run_progress_tokens(p->job, p->source, p->page, n, since, last);
}

vo_status run_ocr_page(vo_ctx *ctx, run_job *job, provider *pv, int page, const vo_input *in,
                       double *deadline, vo_page **out, ocr_note *note, vo_model_error *model_error)
{
    const char *source = in->path;
    vo_raster *r = NULL;
    vo_source_limits limits = {job->opts->max_pixels};
    run_progress_stage(job, in->path, page, "render");
    double t_render = vo_monotonic_seconds();
    vo_status st = run_render_page(ctx, pv, page, job->opts->dpi, &limits, deadline, &r);
    note->stages.render = vo_monotonic_seconds() - t_render;
    if (!st)
        st = run_check_deadline(ctx, job, *deadline, source, page, "after rendering");
    if (!st && !job->opts->no_blank_skip) { /* a blank page needs no model */
        vo_blank_check blank;
        st = vo_check_blank(ctx, r, &blank);
        if (!st && blank.blank) {
            note->blank = 1;
            vo_info(ctx, "%s: page %d is blank (%d specks, borders or holes set aside): written "
                    "empty, not recognised", source, page, blank.set_aside);
            *out = vo_new_page(page, r->width, r->height, r->dpi_x, r->dpi_y, source);
            vo_drop_raster(r);
            return *out ? VO_OK : vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        }
    }
    if (st) {
        vo_drop_raster(r);
        return st;
    }
    if (!job->model_dir) {
        vo_drop_raster(r);
        *model_error = VO_MODEL_ERROR_FOLDER;
        /* how to get the model: said once a run, not for every page */
        if (!atomic_exchange(&job->model_advice, 1)) {
            const char *xdg = getenv("XDG_DATA_HOME");
            char advice[PATH_MAX + 512];
            snprintf(advice, sizeof advice,
                     "pages without a text layer need OCR, but no model folder was found: "
                     "download it with 'huggingface-cli download "
                     "NCSOFT/VARCO-VISION-2.0-1.7B-OCR --local-dir "
                     "%s/varco-ocr/VARCO-VISION-2.0-1.7B-OCR' or pass --model DIR "
                     "(--text-layer only never needs the model)",
                     xdg && *xdg ? xdg : "~/.local/share");
            run_log(job, VO_LOG_ERROR, advice);
        }
        return vo_fail(ctx, VO_ERR_MISSING,
                       "%s: page %d has no text layer and needs OCR, but no model folder was "
                       "found", source, page);
    }
    vo_page_turn turn;
    if ((st = straighten_page(ctx, job, source, page, &r, &turn))) {
        vo_drop_raster(r);
        return st;
    }
    vo_buf text = VO_BUF_INIT;
    vo_token_lp *tokens = NULL;
    size_t n_tokens = 0;
    vo_recognize_note rn;
    memset(&rn, 0, sizeof rn);
    ocr_progress prog = {job, source, page};
    vo_recognize_opts ro = {source, page, 0, job->opts->no_band,
                            job->opts->max_tokens > 0 ? "--max-tokens" : "the model's context",
                            ocr_on_stage, ocr_on_tokens, &prog};
    double t0 = vo_monotonic_seconds();
    pthread_mutex_lock(&job->engine_lock);
    if (*deadline > 0) { /* waiting for the model to load does not count */
        *deadline += vo_monotonic_seconds() - t0;
        ro.deadline = *deadline;
    }
    st = open_engine_locked(ctx, job);
    pthread_mutex_unlock(&job->engine_lock);
    if (st) {
        *model_error = VO_MODEL_ERROR_FOLDER;
    } else {
        st = vo_recognize_raster(ctx, job->engine, r, &ro, &text, &tokens, &n_tokens, &rn);
        note->bands = rn.bands;
        note->cut = rn.cut;
        note->looped = rn.looped;
        note->tokens += rn.tokens;
        note->passes += rn.passes;
        note->stages.wait = rn.wait_s;
        note->stages.preprocess = rn.preprocess_s;
        note->stages.vision = rn.vision_s;
        note->stages.prefill = rn.prefill_s;
        note->stages.decode = rn.decode_s;
        if (st && !(st == VO_ERR_ABORT && vo_run_stop))
            *model_error = VO_MODEL_ERROR_ENGINE;
    }
    if (!st && rn.timed_out)
        st = run_check_deadline(ctx, job, ro.deadline, source, page, "during recognition");
    vo_raw_page raw = vo_recognize_raw_page(source, page, r, &text, tokens, n_tokens);
    raw.quarter_turns = turn.quarter_turns;
    raw.skew_deg = turn.skew_deg;
    raw.model = job->model_dir;
    raw.method = job->method;
    raw.settings = job->settings;
    raw.gen_seconds = vo_monotonic_seconds() - t0;
    if (!st && job->opts->raw_out) {
        char *base = run_path_printf("%s/%s", job->opts->raw_out, in->rel);
        char *path = NULL;
        st = base ? vo_raw_file_name(ctx, base, page, &path)
                  : vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        if (!st)
            st = run_make_parent_dirs(ctx, job->opts->raw_out, path);
        if (!st)
            st = vo_raw_write(ctx, path, &raw);
        vo_free(base);
        vo_free(path);
    }
    double t_layout = vo_monotonic_seconds();
    if (!st)
        st = vo_raw_to_page(ctx, &raw, NULL, NULL, out);
    note->stages.layout = vo_monotonic_seconds() - t_layout;
    vo_free(tokens);
    vo_buf_free(&text);
    vo_drop_raster(r);
    return st;
}
