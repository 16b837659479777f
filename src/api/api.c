/* api.c: the public calls of include/varco-ocr.h that are not the
 * internal ones themselves: the model, a page image or a document page
 * recognised into a page model, and a page written out. */

#include "config.h"
#include "include/varco-ocr.h"
#include "formats/writer.h"
#include "src/api/model_dir.h"
#include "src/api/recognize.h"
#include "src/ocr/raw.h"
#include "src/page/page.h"
#include "src/source/blank.h"
#include "src/source/document.h"
#include "src/util/alloc.h"
#include "src/util/output.h"
#include <string.h>

struct vo_model {
    vo_engine *engine;
    char *dir;
    vo_model_opts opts;
};

const char *vo_version(void)
{
    return PACKAGE_VERSION;
}

vo_status vo_model_open(vo_ctx *ctx, const char *model_dir, const vo_model_opts *opts,
                        vo_model **out)
{
    *out = NULL;
    vo_model *m = vo_calloc(1, sizeof *m);
    if (!m)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    if (opts)
        m->opts = *opts;
    m->opts.device = NULL; /* borrowed: not kept past the open */
    m->dir = vo_find_model_dir(model_dir);
    if (!m->dir) {
        vo_free(m);
        if (model_dir)
            return vo_fail(ctx, VO_ERR_MISSING, "%s: not a model folder (no readable "
                           "config.json): give the folder of VARCO-VISION-2.0-1.7B-OCR",
                           model_dir);
        return vo_fail(ctx, VO_ERR_MISSING,
                       "no model folder was found: download it with 'huggingface-cli download "
                       "NCSOFT/VARCO-VISION-2.0-1.7B-OCR --local-dir "
                       "~/.local/share/varco-ocr/VARCO-VISION-2.0-1.7B-OCR' or name it");
    }
    vo_engine_opts eo = {opts ? opts->threads : 0, opts ? opts->max_tokens : 0, 0,
                         opts ? opts->device : NULL, opts ? opts->kv_type : VO_KV_F32, 1, 0,
                         opts ? opts->weights : VO_WEIGHTS_AUTO,
                         opts ? opts->matmul : VO_MATMUL_EXACT};
    vo_status st = vo_engine_open(ctx, m->dir, &eo, &m->engine);
    if (st) {
        vo_fail_where(ctx, "%s: cannot load the model: ", m->dir);
        vo_model_close(m);
        return st;
    }
    *out = m;
    return VO_OK;
}

void vo_model_close(vo_model *model)
{
    if (!model)
        return;
    vo_engine_close(model->engine);
    vo_free(model->dir);
    vo_free(model);
}

/* The model's page of raster r (blank: an empty page, no model). */
static vo_status recognize_raster_page(vo_ctx *ctx, vo_model *m, const vo_raster *r,
                                       const char *source, int page, vo_page **out)
{
    vo_blank_check blank;
    vo_status st = vo_check_blank(ctx, r, &blank);
    if (st)
        return st;
    if (blank.blank) {
        *out = vo_new_page(page, r->width, r->height, r->dpi_x, r->dpi_y, source);
        return *out ? VO_OK : vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    }
    if (!m)
        return vo_fail(ctx, VO_ERR_MISSING, "%s: page %d has no text layer and needs OCR, but "
                       "no model was given: open one with vo_model_open", source, page);
    vo_buf text = VO_BUF_INIT;
    vo_token_lp *tokens = NULL;
    size_t n_tokens = 0;
    vo_recognize_note note;
    vo_recognize_opts ro = {source, page, 0, m->opts.no_band,
                            m->opts.max_tokens > 0 ? "max_tokens" : "the model's context",
                            NULL, NULL, NULL};
    st = vo_recognize_raster(ctx, m->engine, r, &ro, &text, &tokens, &n_tokens, &note);
    if (!st) {
        vo_raw_page raw = vo_recognize_raw_page(source, page, r, &text, tokens, n_tokens);
        st = vo_raw_to_page(ctx, &raw, NULL, NULL, out);
    }
    vo_free(tokens);
    vo_buf_free(&text);
    return st;
}

vo_status vo_recognize_image(vo_ctx *ctx, vo_model *model, const uint8_t *rgb, int width,
                             int height, int stride, float dpi, vo_page **out)
{
    *out = NULL;
    if (!model || !rgb || width < 1 || height < 1 || stride < 3 * width)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "vo_recognize_image: a model and an RGB image of "
                       "at least 1x1 pixels with a stride of 3 x width bytes or more are needed "
                       "(got %dx%d, stride %d)", width, height, stride);
    if (!(dpi > 0))
        dpi = 300;
    vo_raster r = {width, height, stride, (uint8_t *)rgb, dpi, dpi, 1};
    return recognize_raster_page(ctx, model, &r, "image", 1, out);
}

vo_status vo_file_page_count(vo_ctx *ctx, const char *path, const char *password, int *n_pages)
{
    vo_document *doc = NULL;
    *n_pages = 0;
    vo_status st = vo_open_document(ctx, path, password, &doc);
    if (!st)
        *n_pages = vo_document_page_count(doc);
    vo_drop_document(doc);
    return st;
}

vo_status vo_recognize_file(vo_ctx *ctx, vo_model *model, const char *path, const char *password,
                            int page, float dpi, vo_text_layer mode, vo_page **out)
{
    *out = NULL;
    if (mode != VO_TEXT_LAYER_AUTO && mode != VO_TEXT_LAYER_NEVER && mode != VO_TEXT_LAYER_ONLY)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "%s: text-layer mode %d is none of "
                       "VO_TEXT_LAYER_AUTO, _NEVER, _ONLY", path, (int)mode);
    vo_document *doc = NULL;
    vo_status st = vo_open_document(ctx, path, password, &doc);
    if (st)
        return st;
    int n = vo_document_page_count(doc);
    if (page < 1 || page > n) {
        vo_drop_document(doc);
        return vo_fail(ctx, VO_ERR_ARGUMENT, "%s: there is no page %d: it has %d page%s", path,
                       page, n, n == 1 ? "" : "s");
    }
    if (mode != VO_TEXT_LAYER_NEVER) {
        vo_text_quality q;
        st = vo_extract_text_layer_checked(ctx, doc, page, dpi, out, &q);
        if (!st && *out && q.problem && mode == VO_TEXT_LAYER_AUTO) {
            vo_warn(ctx, "%s: page %d: its text layer is not used (%s): the page is recognised",
                    path, page, q.problem);
            vo_drop_page(*out);
            *out = NULL;
        }
        if (st || *out) {
            vo_drop_document(doc);
            return st;
        }
    }
    vo_raster *r = NULL;
    st = vo_render_page(ctx, doc, page, dpi, NULL, &r);
    if (!st && mode == VO_TEXT_LAYER_ONLY) {
        *out = vo_new_page(page, r->width, r->height, r->dpi_x, r->dpi_y, path);
        if (!*out)
            st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    } else if (!st) {
        st = recognize_raster_page(ctx, model, r, path, page, out);
    }
    vo_drop_raster(r);
    vo_drop_document(doc);
    return st;
}

static const vo_writer_opts page_writer_opts = {.alto_unit = VO_ALTO_PIXEL, .hocr_char_boxes = 1};

static vo_status write_page(vo_ctx *ctx, const vo_page *page, vo_format fmt, vo_output *out)
{
    vo_doc_info info = {page->source, NULL, 1, 0, NULL, NULL, NULL};
    vo_page *pages[1] = {(vo_page *)page};
    vo_status st = vo_write_document(ctx, fmt, out, &page_writer_opts, &info, pages, 1);
    return st ? st : vo_output_close(ctx, out);
}

vo_status vo_page_to_json(vo_ctx *ctx, const vo_page *page, char **json, size_t *len)
{
    *json = NULL;
    if (len)
        *len = 0;
    vo_output *out = NULL;
    vo_status st = vo_output_open_buffer(ctx, &out);
    if (!st)
        st = write_page(ctx, page, VO_FORMAT_JSON, out);
    size_t n = 0;
    const char *data = st ? NULL : vo_output_data(out, &n);
    if (!st && !(*json = vo_malloc(n + 1)))
        st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    if (!st) {
        memcpy(*json, data, n);
        (*json)[n] = 0;
        if (len)
            *len = n;
    }
    vo_output_drop(out);
    return st;
}

vo_status vo_page_write(vo_ctx *ctx, const vo_page *page, const char *format, const char *path)
{
    vo_format fmt = format ? vo_format_from_name(format, strlen(format)) : VO_FORMAT_COUNT_;
    if (fmt == VO_FORMAT_COUNT_ || fmt == VO_FORMAT_PDF)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "%s: cannot write a page as '%s': the formats are "
                       "txt, hocr, alto, page, tsv and json", path, format ? format : "(null)");
    vo_output *out = NULL;
    vo_status st = vo_output_open_file(ctx, path, &out);
    if (!st)
        st = write_page(ctx, page, fmt, out);
    vo_output_drop(out);
    return st;
}

void vo_free_string(char *s)
{
    vo_free(s);
}
