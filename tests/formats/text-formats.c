/* text-formats.c: txt and TSV byte-exact against golden files, JSON read
 * back with jansson, format names, and the shared text/box helpers. */
#include "formats/common.h"
#include "formats/writer.h"
#include "src/util/alloc.h"
#include "tests/formats/sample-pages.h"
#include "tests/tap.h"

#include <jansson.h>
#include <math.h>

static char *write_doc(vo_ctx *ctx, vo_format fmt, vo_page **pages, int n, vo_status *st)
{
    vo_output *out = NULL;
    vo_doc_info info = sample_info();
    char *data = NULL;
    *st = vo_output_open_buffer(ctx, &out);
    if (!*st)
        *st = vo_write_document(ctx, fmt, out, NULL, &info, pages, n);
    if (!*st)
        *st = vo_output_close(ctx, out);
    if (!*st) {
        size_t len = 0;
        const char *d = vo_output_data(out, &len);
        data = vo_strndup(d ? d : "", len);
    }
    vo_output_drop(out);
    return data;
}

static int same_as_golden(vo_ctx *ctx, const char *got, const char *name)
{
    const char *top = getenv("top_srcdir");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/formats/%s", top ? top : ".", name);
    vo_buf want = VO_BUF_INIT;
    if (vo_read_file(ctx, path, 0, &want)) {
        diag("cannot read %s: %s", path, vo_last_error(ctx));
        return 0;
    }
    int same = got && want.len == strlen(got) && !memcmp(want.data, got, want.len);
    if (!same && got) { /* show the first difference */
        size_t i = 0;
        while (i < want.len && got[i] == want.data[i])
            i++;
        diag("%s differs at byte %zu: got \"%.40s\" want \"%.40s\"", name, i, got + i,
             want.data + i);
    }
    vo_buf_free(&want);
    return same;
}

static void test_names(void)
{
    ok(!strcmp(vo_format_name(VO_FORMAT_ALTO), "alto") &&
       !strcmp(vo_format_suffix(VO_FORMAT_ALTO), ".alto.xml"), "names 1.1: alto, .alto.xml");
    ok(!strcmp(vo_format_suffix(VO_FORMAT_PAGE), ".page.xml") &&
       !strcmp(vo_format_suffix(VO_FORMAT_HOCR), ".hocr") &&
       !strcmp(vo_format_suffix(VO_FORMAT_TSV), ".tsv") &&
       !strcmp(vo_format_suffix(VO_FORMAT_TXT), ".txt") &&
       !strcmp(vo_format_suffix(VO_FORMAT_JSON), ".json") &&
       !strcmp(vo_format_suffix(VO_FORMAT_PDF), ".pdf"), "names 1.2: every suffix");
    ok(vo_format_from_name("hocr,alto", 4) == VO_FORMAT_HOCR &&
       vo_format_from_name("page", 4) == VO_FORMAT_PAGE &&
       vo_format_from_name("pdf", 3) == VO_FORMAT_PDF, "names 1.3: parse names (with length)");
    ok(vo_format_from_name("xml", 3) == VO_FORMAT_COUNT_ &&
       vo_format_from_name("hocrx", 5) == VO_FORMAT_COUNT_, "names 1.4: unknown names");
    for (int f = 0; f < VO_FORMAT_COUNT_; f++)
        if (vo_format_from_name(vo_format_name(f), strlen(vo_format_name(f))) != (vo_format)f)
            ok(0, "names 1.5: %s round-trips", vo_format_name(f));
}

static void test_helpers(vo_ctx *ctx)
{
    vo_buf b = VO_BUF_INIT;
    ok(!fmt_clean_text(ctx, "\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB", &b) &&
       !strcmp(b.data, "한"), "text 2.1: decomposed Hangul becomes NFC");
    ok(!fmt_clean_text(ctx, "a\x01\tb\nc\x7f\xC2\x85" "d", &b) && !strcmp(b.data, "abcd"),
       "text 2.2: C0, tab, newline, DEL and C1 controls dropped");
    ok(!fmt_clean_text(ctx, "x\xC3(y\xED\xA0\x80z", &b) &&
       !strcmp(b.data, "x\xEF\xBF\xBD(y\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz"),
       "text 2.3: invalid UTF-8 and surrogates become U+FFFD per byte");
    ok(!fmt_clean_text(ctx, "\xEF\xBF\xBE\xEF\xBF\xBF", &b) && b.len == 0,
       "text 2.4: U+FFFE/U+FFFF dropped");
    ok(!fmt_clean_text(ctx, "\xE3\x88\x9C\xE3\x84\xB1", &b) &&
       !strcmp(b.data, "\xE3\x88\x9C\xE3\x84\xB1"), "text 2.5: NFC keeps ㈜ and ㄱ (no NFKC)");
    ok(!fmt_clean_text(ctx, NULL, &b) && b.len == 0 && b.data && !b.data[0],
       "text 2.6: NULL gives empty string");
    vo_buf_free(&b);
    ok(fmt_count_code_points("한a\xE1\x84\x92") == 3, "text 2.7: code points counted");

    vo_page *p = vo_new_page(1, 100, 50, 300, 300, NULL);
    fmt_ibox i = fmt_int_box((vo_box){1.7f, 2.2f, 10.1f, 60}, p);
    ok(i.x0 == 1 && i.y0 == 2 && i.x1 == 11 && i.y1 == 50, "box 3.1: floor/ceil/clip");
    i = fmt_int_box((vo_box){-5, -3, -1, -2}, p);
    ok(i.x0 == 0 && i.y0 == 0 && i.x1 == 0 && i.y1 == 0, "box 3.2: box left of the page");
    vo_drop_page(p);
    ok(fmt_conf100(VO_CONF_NONE) == -1 && fmt_conf100(0.915f) == 92 && fmt_conf100(1.5f) == 100,
       "conf 3.3: 0..100 scale, -1 unknown, clamped");
    char s[32];
    ok(!strcmp(fmt_num(s, 12.50, 2), "12.5") && !strcmp(fmt_num(s, -0.001, 2), "0") &&
       !strcmp(fmt_num(s, 3.0, 2), "3") && !strcmp(fmt_num(s, 0.96875, 4), "0.9688"),
       "num 3.4: trimmed decimals, no -0");
    ok(!strcmp(fmt_num(s, 3e38, 2), "1000000000000000") &&
           !strcmp(fmt_num(s, -1e300, 4), "-1000000000000000") &&
           !strcmp(fmt_num(s, NAN, 2), "0") && !strcmp(fmt_num(s, 0.5, 40), "0.5"),
       "num 3.4b: huge values held to 1e15, NaN 0, whole digits never cut");
    ok(!strcmp(fmt_iso_time(s, 1735689600), "2025-01-01T00:00:00Z"), "time 3.5: ISO 8601 UTC");
}

static json_t *word_at(json_t *page, int b, int p, int l, int w)
{
    json_t *blocks = json_object_get(page, "blocks");
    json_t *par = json_array_get(json_object_get(json_array_get(blocks, b), "paragraphs"), p);
    json_t *line = json_array_get(json_object_get(par, "lines"), l);
    return json_array_get(json_object_get(line, "words"), w);
}

static void test_json(vo_ctx *ctx, vo_page **pages)
{
    vo_status st;
    char *got = write_doc(ctx, VO_FORMAT_JSON, pages, SAMPLE_N_PAGES, &st);
    ok(st == VO_OK && got, "json 4.1: written");
    json_error_t err;
    json_t *root = got ? json_loads(got, 0, &err) : NULL;
    ok(root != NULL, "json 4.2: parsed back by jansson");
    if (!root) {
        diag("%s line %d", err.text, err.line);
        vo_free(got);
        return;
    }
    json_t *pg = json_object_get(root, "pages");
    ok(json_integer_value(json_object_get(root, "version")) == 1 &&
       !strcmp(json_string_value(json_object_get(root, "source")), "scan.pdf") &&
       json_array_size(pg) == 3, "json 4.3: version, source, three pages");
    json_t *p1 = json_array_get(pg, 0), *p2 = json_array_get(pg, 1), *p3 = json_array_get(pg, 2);
    json_t *dpi = json_object_get(json_array_get(pg, 1), "dpi");
    ok(json_integer_value(json_object_get(p1, "page")) == 1 &&
       json_integer_value(json_object_get(p1, "width")) == 600 &&
       json_number_value(json_array_get(dpi, 0)) == 200 &&
       json_number_value(json_array_get(dpi, 1)) == 100 &&
       !strcmp(json_string_value(json_object_get(p1, "origin")), "ocr") &&
       !strcmp(json_string_value(json_object_get(p2, "origin")), "text-layer"),
       "json 4.4: page number, size, dpi, origin");
    json_t *w = word_at(p1, 0, 0, 0, 0), *bbox = json_object_get(w, "bbox");
    ok(!strcmp(json_string_value(json_object_get(w, "text")), "한국어") &&
       json_number_value(json_array_get(bbox, 0)) == 10.4 &&
       json_number_value(json_array_get(bbox, 1)) == 20.6 &&
       json_number_value(json_array_get(bbox, 2)) == 99.2 &&
       json_number_value(json_array_get(bbox, 3)) == 50, "json 4.5: word text and box (0.01 px)");
    ok(json_number_value(json_object_get(w, "conf")) == 0.9688 &&
       !strcmp(json_string_value(json_object_get(w, "lang")), "kor") &&
       json_array_size(json_object_get(w, "glyphs")) == 3 &&
       !strcmp(json_string_value(json_object_get(json_array_get(json_object_get(w, "glyphs"), 1),
                                                 "text")), "국"), "json 4.6: conf, lang, glyphs");
    w = word_at(p1, 0, 0, 1, 0);
    ok(!strcmp(json_string_value(json_object_get(w, "text")), "<tag>") &&
       !json_object_get(w, "conf") && !json_object_get(w, "glyphs"),
       "json 4.7: unknown conf and no glyphs are omitted");
    ok(!strcmp(json_string_value(json_object_get(word_at(p1, 1, 1, 0, 0), "text")), "한"),
       "json 4.8: NFC text");
    ok(!strcmp(json_string_value(json_object_get(word_at(p2, 0, 0, 0, 1), "text")),
               "bad\xEF\xBF\xBD\xEF\xBF\xBDutf") &&
       !strcmp(json_string_value(json_object_get(word_at(p2, 0, 0, 0, 2), "text")), "tabin") &&
       !word_at(p2, 0, 0, 0, 3), "json 4.9: bad bytes replaced, control-only word skipped");
    ok(json_array_size(json_object_get(p3, "blocks")) == 0, "json 4.10: empty page");
    json_decref(root);
    vo_free(got);
}

int main(void)
{
    vo_ctx *ctx = vo_new_ctx();
    vo_set_verbosity(ctx, 0);
    vo_page *pages[SAMPLE_N_PAGES];
    if (sample_pages(pages))
        skip_all("out of memory building the sample pages");
    test_names();
    test_helpers(ctx);

    vo_status st;
    char *got = write_doc(ctx, VO_FORMAT_TXT, pages, SAMPLE_N_PAGES, &st);
    ok(st == VO_OK && same_as_golden(ctx, got, "sample.txt"), "txt 5.1: byte-exact golden");
    vo_free(got);
    got = write_doc(ctx, VO_FORMAT_TXT, pages, 1, &st);
    ok(st == VO_OK && got && got[0] != '\f' && !strchr(got, '\f'),
       "txt 5.2: no form feed before the first or after the last page");
    vo_free(got);
    got = write_doc(ctx, VO_FORMAT_TSV, pages, SAMPLE_N_PAGES, &st);
    ok(st == VO_OK && same_as_golden(ctx, got, "sample.tsv"), "tsv 6.1: byte-exact golden");
    vo_free(got);

    test_json(ctx, pages);

    vo_output *out = NULL;
    vo_writer *w = (vo_writer *)1;
    vo_output_open_buffer(ctx, &out);
    ok(vo_new_writer(ctx, VO_FORMAT_PDF, out, NULL, &w) == VO_OK && w != NULL,
       "writer 7.1: the PDF writer is reached through the dispatch");
    if (w != (vo_writer *)1)
        vo_drop_writer(w);
    vo_output_drop(out);

    sample_pages_drop(pages);
    vo_drop_ctx(ctx);
    return done_testing();
}
