/* api.c: the calls of include/varco-ocr.h that the demo programs do not
 * make, and every call's refusals: vo_recognize_image against
 * vo_recognize_file of the same image, vo_page_write in each format (and
 * never through a symbolic link), vo_file_page_count, the text-layer modes,
 * arguments that are refused. Uses only the public header, as a program
 * outside the tree would. */

#include "config.h"
#include "include/varco-ocr.h"
#include "tests/tap.h"
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char path_[4096];

static const char *src_path(const char *rel)
{
    const char *top = getenv("top_srcdir");
    snprintf(path_, sizeof path_, "%s/%s", top ? top : "..", rel);
    return path_;
}

/* The page's JSON from its first '"page"' on (the document's source left out). */
static char *page_json(vo_ctx *ctx, const vo_page *page)
{
    char *json = NULL;
    if (vo_page_to_json(ctx, page, &json, NULL))
        return NULL;
    char *p = strstr(json, "{\"page\"");
    char *s = p ? strdup(p) : NULL;
    vo_free_string(json);
    return s;
}

static int file_starts(const char *path, const char *prefix)
{
    char buf[256] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    return n >= strlen(prefix) && memcmp(buf, prefix, strlen(prefix)) == 0;
}

int main(void)
{
    vo_ctx *ctx = vo_new_ctx();
    vo_set_verbosity(ctx, 0);
    char tmp[] = "/tmp/vo-api-XXXXXX";
    if (!ctx || !mkdtemp(tmp))
        return 1;
    char model_dir[4096], png[4096], pdf[4096], out[4200], link[4200];
    snprintf(model_dir, sizeof model_dir, "%s", src_path("tests/data/fixtures/tiny-varco"));
    snprintf(png, sizeof png, "%s", src_path("samples/hello.png"));
    snprintf(pdf, sizeof pdf, "%s", src_path("samples/four-pages.pdf"));

    ok(strcmp(vo_version(), PACKAGE_VERSION) == 0, "api 1.1: vo_version is %s", vo_version());
    int n = 0;
    vo_status st = vo_file_page_count(ctx, pdf, NULL, &n);
    ok(st == VO_OK && n == 4, "api 1.2: vo_file_page_count: four-pages.pdf has %d pages", n);
    st = vo_file_page_count(ctx, "/nonexistent.pdf", NULL, &n);
    ok(st == VO_ERR_IO && n == 0 && strstr(vo_last_error(ctx), "/nonexistent.pdf"),
       "api 1.3: a missing file is VO_ERR_IO, named");

    vo_model_opts opts = {.threads = 1, .max_tokens = 16};
    vo_model *model = NULL;
    ok(vo_model_open(ctx, model_dir, &opts, &model) == VO_OK && model,
       "api 2.1: vo_model_open of the tiny fixture model");

    /* hello.png as the file and as pixels: the same page */
    vo_page *from_file = NULL, *from_pixels = NULL;
    st = vo_recognize_file(ctx, model, png, NULL, 1, 0, VO_TEXT_LAYER_NEVER, &from_file);
    ok(st == VO_OK && from_file && from_file->origin == VO_PAGE_FROM_OCR,
       "api 2.2: vo_recognize_file of hello.png by OCR");
    /* pixels of the same size: white (blank), then with a black bar */
    int w = from_file ? from_file->width : 0, h = from_file ? from_file->height : 0;
    uint8_t *rgb = calloc((size_t)w * h * 3 + 1, 1);
    if (rgb)
        memset(rgb, 255, (size_t)w * h * 3);
    st = rgb ? vo_recognize_image(ctx, model, rgb, w, h, w * 3, from_file->dpi_x, &from_pixels)
             : VO_ERR_NOMEM;
    ok(st == VO_OK && from_pixels && from_pixels->width == w && from_pixels->height == h &&
           from_pixels->n_blocks == 0 && from_pixels->dpi_x == from_file->dpi_x,
       "api 2.3: vo_recognize_image of a white %dx%d image: an empty page of that size "
       "(blank: not given to the model)", w, h);
    vo_drop_page(from_pixels);
    from_pixels = NULL;
    /* a black bar on white is not blank: the model runs */
    for (int y = h / 3; rgb && y < h / 3 + 12 && y < h; y++)
        memset(rgb + (size_t)y * w * 3 + 30, 0, (size_t)(w - 60) * 3);
    st = rgb ? vo_recognize_image(ctx, model, rgb, w, h, w * 3, 0, &from_pixels) : VO_ERR_NOMEM;
    ok(st == VO_OK && from_pixels && from_pixels->origin == VO_PAGE_FROM_OCR &&
           from_pixels->dpi_x == 300 && strcmp(from_pixels->source, "image") == 0,
       "api 2.4: vo_recognize_image of a bar: by OCR, dpi 0 taken as 300, source \"image\"");
    vo_drop_page(from_pixels);
    from_pixels = NULL;
    ok(vo_recognize_image(ctx, model, rgb, w, h, w * 3 - 1, 0, &from_pixels) == VO_ERR_ARGUMENT &&
           !from_pixels && strstr(vo_last_error(ctx), "stride"),
       "api 2.5: a stride under 3 x width is refused, said");
    ok(vo_recognize_image(ctx, model, NULL, w, h, w * 3, 0, &from_pixels) == VO_ERR_ARGUMENT &&
           vo_recognize_image(ctx, model, rgb, 0, h, 0, 0, &from_pixels) == VO_ERR_ARGUMENT &&
           vo_recognize_image(ctx, NULL, rgb, w, h, w * 3, 0, &from_pixels) == VO_ERR_ARGUMENT,
       "api 2.6: no pixels, no width or no model is refused");
    free(rgb);

    /* the text-layer modes on a born-digital page */
    vo_page *layer = NULL, *only = NULL, *ocr = NULL;
    ok(vo_recognize_file(ctx, NULL, pdf, NULL, 2, 0, VO_TEXT_LAYER_AUTO, &layer) == VO_OK &&
           layer->origin == VO_PAGE_FROM_TEXT_LAYER && layer->n_blocks > 0,
       "api 3.1: AUTO takes page 2's text layer, no model needed");
    ok(vo_recognize_file(ctx, NULL, pdf, NULL, 2, 0, VO_TEXT_LAYER_ONLY, &only) == VO_OK &&
           only->origin == VO_PAGE_FROM_TEXT_LAYER,
       "api 3.2: ONLY takes it too");
    ok(vo_recognize_file(ctx, NULL, png, NULL, 1, 0, VO_TEXT_LAYER_ONLY, &ocr) == VO_OK && ocr &&
           ocr->n_blocks == 0 && ocr->width == w,
       "api 3.3: ONLY on an image: an empty page of its size, no model needed");
    vo_drop_page(ocr);
    ocr = NULL;
    ok(vo_recognize_file(ctx, NULL, pdf, NULL, 2, 0, VO_TEXT_LAYER_NEVER, &ocr) == VO_ERR_MISSING &&
           !ocr && strstr(vo_last_error(ctx), "page 2"),
       "api 3.4: NEVER without a model is VO_ERR_MISSING naming the page");
    ok(vo_recognize_file(ctx, NULL, pdf, NULL, 2, 0, (vo_text_layer)7, &ocr) == VO_ERR_ARGUMENT,
       "api 3.5: an unknown text-layer mode is refused");
    ok(vo_recognize_file(ctx, NULL, pdf, NULL, 0, 0, VO_TEXT_LAYER_AUTO, &ocr) == VO_ERR_ARGUMENT &&
           vo_recognize_file(ctx, NULL, pdf, NULL, 5, 0, VO_TEXT_LAYER_AUTO, &ocr) == VO_ERR_ARGUMENT,
       "api 3.6: pages 0 and 5 of 4 are refused");
    char *a = page_json(ctx, layer), *b = page_json(ctx, only);
    ok(a && b && strcmp(a, b) == 0, "api 3.7: AUTO and ONLY give the same page model");
    free(a);
    free(b);

    /* vo_page_write: each format, atomically, never through a link */
    static const char *const formats[] = {"txt", "hocr", "alto", "page", "tsv", "json"};
    static const char *const starts[] = {"information.", "<?xml", "<?xml", "<?xml", "level", "{"};
    for (int i = 0; i < 6; i++) {
        snprintf(out, sizeof out, "%s/p2.%s", tmp, formats[i]);
        st = vo_page_write(ctx, layer, formats[i], out);
        ok(st == VO_OK && file_starts(out, starts[i]), "api 4.%d: vo_page_write %s", i + 1,
           formats[i]);
    }
    snprintf(out, sizeof out, "%s/p2.pdf", tmp);
    ok(vo_page_write(ctx, layer, "pdf", out) == VO_ERR_ARGUMENT && access(out, F_OK) != 0 &&
           vo_page_write(ctx, layer, "docx", out) == VO_ERR_ARGUMENT &&
           vo_page_write(ctx, layer, NULL, out) == VO_ERR_ARGUMENT,
       "api 4.7: pdf, an unknown format and none are refused, nothing written");
    snprintf(out, sizeof out, "%s/target", tmp);
    snprintf(link, sizeof link, "%s/link.txt", tmp);
    FILE *f = fopen(out, "w");
    if (f) {
        fputs("keep", f);
        fclose(f);
    }
    ok(symlink(out, link) == 0 && vo_page_write(ctx, layer, "txt", link) == VO_ERR_IO &&
           file_starts(out, "keep"),
       "api 4.8: a symbolic link is not written through, the file it names kept");
    snprintf(out, sizeof out, "%s/no/such/dir/p.txt", tmp);
    ok(vo_page_write(ctx, layer, "txt", out) == VO_ERR_IO && strstr(vo_last_error(ctx), out),
       "api 4.9: an unwritable path is VO_ERR_IO, named");

    vo_model_close(model);
    model = NULL;
    ok(vo_model_open(ctx, tmp, NULL, &model) == VO_ERR_MISSING && !model &&
           strstr(vo_last_error(ctx), "not a model folder"),
       "api 5.1: a folder without config.json is refused, named");
    vo_drop_page(layer);
    vo_drop_page(only);
    vo_drop_page(from_file);
    vo_drop_page(from_pixels);
    vo_drop_ctx(ctx);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        diag("could not remove %s", tmp);
    return done_testing();
}
