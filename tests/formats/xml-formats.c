/* xml-formats.c: ALTO and PAGE valid under their XSDs (xmllint, offline),
 * hOCR well-formed with Tesseract's classes, read by python3 and OCRmyPDF. */
#include "formats/writer.h"
#include "src/util/alloc.h"
#include "src/util/buf.h"
#include "tests/formats/sample-pages.h"
#include "tests/tap.h"

#include <unistd.h>

static char dir[] = "/tmp/vo-test-formats-XXXXXX";
static char schemas[1024];

/* Skip one check, with its reason (TAP "# SKIP"). */
static void skip_one(const char *name, const char *why)
{
    printf("ok %d - %s # SKIP %s\n", ++tap_n_, name, why);
}

static int have(const char *cmd)
{
    char c[512];
    snprintf(c, sizeof c, "command -v %s >/dev/null 2>&1", cmd);
    return system(c) == 0;
}

/* Write pages[first .. first+n-1] as `fmt` into dir/name. */
static vo_status write_file(vo_ctx *ctx, vo_format fmt, const vo_writer_opts *opts,
                            vo_page **pages, int n, const char *name, char path[1024])
{
    vo_output *out = NULL;
    vo_doc_info info = sample_info();
    snprintf(path, 1024, "%s/%s", dir, name);
    vo_status st = vo_output_open_file(ctx, path, &out);
    if (!st)
        st = vo_write_document(ctx, fmt, out, opts, &info, pages, n);
    if (!st)
        st = vo_output_close(ctx, out);
    vo_output_drop(out);
    if (st)
        diag("%s: %s", name, vo_last_error(ctx));
    return st;
}

/* Run a shell command made from fmt, a, b; its output goes to a log that
 * is shown (as TAP diagnostics) only when it fails. */
static int run(const char *fmt, const char *a, const char *b)
{
    char c[4096], log[1100], full[5300];
    snprintf(c, sizeof c, fmt, a, b);
    snprintf(log, sizeof log, "%s/run.log", dir);
    snprintf(full, sizeof full, "( %s\n) >'%s' 2>&1", c, log); /* \n ends a heredoc */
    int rc = system(full);
    if (rc) {
        diag("failed (%d): %s", rc, c);
        snprintf(full, sizeof full, "sed 's/^/# /' '%s'", log);
        if (system(full) != 0)
            diag("no log");
    }
    return rc == 0;
}

static int file_has(const char *path, const char *needle)
{
    vo_ctx *ctx = vo_new_ctx();
    vo_buf b = VO_BUF_INIT;
    int found = !vo_read_file(ctx, path, 0, &b) && b.data && strstr(b.data, needle);
    if (!found)
        diag("%s lacks: %s", path, needle);
    vo_buf_free(&b);
    vo_drop_ctx(ctx);
    return found;
}

/* 1 (a failure) when the file holds `needle`. */
static int file_lacks_fails(const char *path, const char *needle)
{
    vo_ctx *ctx = vo_new_ctx();
    vo_buf b = VO_BUF_INIT;
    int fails = vo_read_file(ctx, path, 0, &b) || !b.data || strstr(b.data, needle);
    if (fails)
        diag("%s holds or cannot read: %s", path, needle);
    vo_buf_free(&b);
    vo_drop_ctx(ctx);
    return fails;
}

static void test_alto(vo_ctx *ctx, vo_page **pages, int xmllint)
{
    static const char *const units[] = {"pixel", "mm10", "inch1200"};
    char path[1024], name[64];
    for (int u = 0; u < 3; u++) {
        vo_writer_opts opts = {.alto_unit = u, .hocr_char_boxes = 1};
        snprintf(name, sizeof name, "doc-%s.alto.xml", units[u]);
        ok(!write_file(ctx, VO_FORMAT_ALTO, &opts, pages, SAMPLE_N_PAGES, name, path),
           "alto 1.%d: three pages written in %s", u + 1, units[u]);
        if (xmllint)
            ok(run("xmllint --noout --nonet --schema '%s/alto-4-4-offline.xsd' '%s'", schemas,
                   path), "alto 2.%d: %s file valid under ALTO 4.4", u + 1, units[u]);
        else
            skip_one("alto 2: schema validation", "xmllint not installed (libxml2-utils)");
    }
    for (int p = 0; p < SAMPLE_N_PAGES; p++) {
        snprintf(name, sizeof name, "page-%d.alto.xml", p + 1);
        ok(!write_file(ctx, VO_FORMAT_ALTO, NULL, pages + p, 1, name, path) &&
           (!xmllint || run("xmllint --noout --nonet --schema '%s/alto-4-4-offline.xsd' '%s'",
                            schemas, path)), "alto 2.%d: per-page file %d valid", p + 4, p + 1);
    }
    snprintf(path, sizeof path, "%s/doc-pixel.alto.xml", dir);
    ok(file_has(path, "<Glyph CONTENT=\"국\" HPOS=\"40\" VPOS=\"20\" WIDTH=\"30\" HEIGHT=\"30\" "
                      "GC=\"0.98\"/>"), "alto 2.7: Glyph CONTENT is one code point, with GC");
    ok(file_has(path, "CONTENT=\"한\" WC=\"0.625\" LANG=\"ko\"/>"),
       "alto 2.8: NFC word whose glyphs are jamo has no Glyph elements");
    ok(file_has(path, "<String ID=\"string_1_2\" HPOS=\"110\" VPOS=\"20\" WIDTH=\"121\" "
                      "HEIGHT=\"30\" CONTENT=\"OCR&amp;ALTO\" WC=\"0.9123\" LANG=\"en\"/>") &&
       file_has(path, "<SP HPOS=\"100\" VPOS=\"20\" WIDTH=\"10\"/>"),
       "alto 2.9: String with WC 0-1 and SP between strings");
    ok(file_has(path, "BASELINE=\"10,45 231,45\"") &&
       file_has(path, "<processingDateTime>2025-01-01T00:00:00Z</processingDateTime>") &&
       file_has(path, "<MeasurementUnit>pixel</MeasurementUnit>") &&
       file_has(path, "<Page ID=\"page_2\" PHYSICAL_IMG_NR=\"2\""),
       "alto 2.10: baseline, date, unit, page ids");
    ok(file_has(path, "CONTENT=\"ctlx\"") &&
       file_has(path, "CONTENT=\"bad\xEF\xBF\xBD\xEF\xBF\xBDutf\""),
       "alto 2.11: control characters dropped, bad bytes replaced");
    ok(file_has(path, "<processingStepDescription>grounded OCR by the model &lt;&amp;&gt;"
                      "</processingStepDescription>") &&
       file_has(path, "<processingStepSettings>text-layer=auto; dpi=300"
                      "</processingStepSettings>"),
       "alto 2.13: Processing says how the text was made and with which settings");
    snprintf(path, sizeof path, "%s/doc-mm10.alto.xml", dir);
    ok(file_has(path, "<Page ID=\"page_2\" PHYSICAL_IMG_NR=\"2\" PROCESSINGREFS=\"proc_1\" "
                      "WIDTH=\"762\" HEIGHT=\"1016\""),
       "alto 2.12: mm10 uses each axis' resolution (600 px at 200 dpi = 762)");
}

static void test_page(vo_ctx *ctx, vo_page **pages, int xmllint)
{
    char path[1024], name[64];
    for (int p = 0; p < SAMPLE_N_PAGES; p++) {
        snprintf(name, sizeof name, "page-%d.page.xml", p + 1);
        ok(!write_file(ctx, VO_FORMAT_PAGE, NULL, pages + p, 1, name, path),
           "page 1.%d: page %d written", p + 1, p + 1);
        if (xmllint)
            ok(run("xmllint --noout --nonet --schema '%s/pagecontent-2019-07-15.xsd' '%s'",
                   schemas, path), "page 2.%d: page %d valid under PAGE 2019-07-15", p + 1,
               p + 1);
        else
            skip_one("page 2: schema validation", "xmllint not installed (libxml2-utils)");
    }
    snprintf(path, sizeof path, "%s/page-1.page.xml", dir);
    ok(file_has(path, "<TextEquiv><Unicode>한국어 OCR&amp;ALTO\n&lt;tag&gt; &quot;quoted&quot; "
                      "it's</Unicode></TextEquiv>") &&
       file_has(path, "<TextEquiv conf=\"0.9405\"><Unicode>한국어 OCR&amp;ALTO</Unicode>"),
       "page 3.1: region text = lines joined by newline, line = words and conf");
    ok(file_has(path, "<Word id=\"r1l1w1\" language=\"Korean\">\n          <Coords points=\"10,20 "
                      "100,20 100,50 10,50\"/>") &&
       file_has(path, "primaryLanguage=\"Korean\"") && file_has(path, "regionRef=\"r3\""),
       "page 3.2: Coords first, language names, reading order");
    ok(write_file(ctx, VO_FORMAT_PAGE, NULL, pages, 2, "two.page.xml", path) == VO_ERR_ARGUMENT &&
       strstr(vo_last_error(ctx), "one page per file") && access(path, F_OK) != 0,
       "page 3.3: a second page is refused with a message, no file left");
}

static void test_hocr(vo_ctx *ctx, vo_page **pages, int xmllint)
{
    char path[1024];
    ok(!write_file(ctx, VO_FORMAT_HOCR, NULL, pages, SAMPLE_N_PAGES, "doc.hocr", path),
       "hocr 1.1: three pages written");
    if (xmllint)
        ok(run("xmllint --noout --nonet '%s'%s", path, ""), "hocr 1.2: well-formed XML");
    else
        skip_one("hocr 1.2: well-formed XML", "xmllint not installed (libxml2-utils)");
    ok(file_has(path, "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"ko\" "
                      "lang=\"ko\">") &&
       file_has(path, "<meta name=\"ocr-capabilities\" content=\"ocr_page ocr_carea ocr_par "
                      "ocr_line ocrx_word ocrx_cinfo ocrp_lang ocrp_wconf\"/>") &&
       file_has(path, "<meta name=\"ocr-number-of-pages\" content=\"3\"/>") &&
       file_has(path, "<meta name=\"ocr-langs\" content=\"ko en\"/>") &&
       file_has(path, "<meta name=\"ocr-scripts\" content=\"Hang Latn\"/>") &&
       file_has(path, "<meta name=\"ocr-system\" content=\"varco-ocr ") &&
       file_has(path, " (VARCO-VISION-2.0-1.7B-OCR)\"/>"),
       "hocr 2.1: shell with xmlns and the five metas");
    ok(file_has(path, "<div class=\"ocr_page\" id=\"page_2\" title=\"image &quot;scan.pdf&quot;; "
                      "bbox 0 0 600 400; ppageno 1; scan_res 200 100\">"),
       "hocr 2.2: ocr_page id, image, bbox, 0-based ppageno, scan_res");
    ok(file_has(path, "<p class=\"ocr_par\" id=\"par_1_1\" lang=\"kor\" "
                      "title=\"bbox 10 20 260 90\">") &&
       file_has(path, "<span class=\"ocr_line\" id=\"line_1_1\" title=\"bbox 10 20 231 50; "
                      "baseline 0 -5\"><span class=\"ocrx_word\" id=\"word_1_1\" "
                      "title=\"bbox 10 20 100 50; x_wconf 97\"><span class=\"ocrx_cinfo\" "
                      "title=\"x_bboxes 10 20 40 50; x_conf 99\">한</span><span"),
       "hocr 2.3: par lang, line baseline, word x_wconf, cinfo without whitespace");
    ok(file_has(path, "x_conf 95\">어</span></span> <span class=\"ocrx_word\" id=\"word_1_2\" "
                      "title=\"bbox 110 20 231 50; x_wconf 91\" lang=\"eng\">OCR&amp;ALTO</span>"),
       "hocr 2.4: one space between words, lang only where it differs");
    ok(file_has(path, "title=\"bbox 10 60 80 90\">&lt;tag&gt;</span>") &&
       file_has(path, "<div class=\"ocr_page\" id=\"page_3\""),
       "hocr 2.5: unknown conf has no x_wconf; empty page still has its div");
    ok(file_has(path, "</html>\n") && !file_lacks_fails(path, "&nbsp;"),
       "hocr 2.6: no &nbsp; entity");

    vo_writer_opts no_cinfo = {.alto_unit = VO_ALTO_PIXEL, .hocr_char_boxes = 0};
    char path2[1024];
    ok(!write_file(ctx, VO_FORMAT_HOCR, &no_cinfo, pages, 1, "nocinfo.hocr", path2) &&
       !file_lacks_fails(path2, "ocrx_cinfo") &&
       file_has(path2, "x_wconf 97\">한국어</span>"),
       "hocr 2.7: without char boxes, no ocrx_cinfo anywhere (not even in capabilities)");

    const char *py = have("python3") ? "python3" : NULL;
    if (!py) {
        skip_one("hocr 3.1: python3 ElementTree", "python3 not installed");
    } else {
        ok(run("%s - '%s' <<'EOF'\n"
               "import sys, xml.etree.ElementTree as ET\n"
               "ns = '{http://www.w3.org/1999/xhtml}'\n"
               "r = ET.parse(sys.argv[1]).getroot()\n"
               "pages = [d for d in r.iter(ns + 'div') if d.get('class') == 'ocr_page']\n"
               "words = [''.join(w.itertext()) for w in r.iter(ns + 'span') "
               "if w.get('class') == 'ocrx_word']\n"
               "assert len(pages) == 3, pages\n"
               "assert words[:3] == ['\\ud55c\\uad6d\\uc5b4', 'OCR&ALTO', '<tag>'], words\n"
               "assert len(words) == 12, words\n"
               "EOF", py, path), "hocr 3.1: python3 ElementTree reads pages and words");
    }
    /* OCRmyPDF's parser: Debian installs it for /usr/bin/python3 */
    const char *opy = NULL;
    if (py && system("python3 -c 'import ocrmypdf.hocrtransform' >/dev/null 2>&1") == 0)
        opy = "python3";
    else if (access("/usr/bin/python3", X_OK) == 0 &&
             system("/usr/bin/python3 -c 'import ocrmypdf.hocrtransform' >/dev/null 2>&1") == 0)
        opy = "/usr/bin/python3";
    if (!opy) {
        skip_one("hocr 4.1: OCRmyPDF hocrtransform", "ocrmypdf not installed (apt ocrmypdf)");
        return;
    }
    char pdf[1024], cmd[4096];
    snprintf(pdf, sizeof pdf, "%s/doc.pdf", dir);
    snprintf(cmd, sizeof cmd,
             "%s - '%s' '%s' <<'EOF'\n"
             "import sys\n"
             "from ocrmypdf.hocrtransform import HocrTransform\n"
             "HocrTransform(hocr_filename=sys.argv[1], dpi=300).to_pdf("
             "out_filename=sys.argv[2], invisible_text=True, interword_spaces=True)\n"
             "EOF", opy, path, pdf);
    ok(run("%s%s", cmd, "") && access(pdf, F_OK) == 0,
       "hocr 4.1: OCRmyPDF's HocrTransform turns it into a PDF");
    if (!have("pdftotext")) {
        skip_one("hocr 4.2: words in the PDF", "pdftotext not installed (poppler-utils)");
        return;
    }
    snprintf(cmd, sizeof cmd, "pdftotext '%s' - | grep -q 'Hello world' && "
             "pdftotext '%s' - | grep -q 'OCR&ALTO'", pdf, pdf);
    ok(run("%s%s", cmd, ""), "hocr 4.2: pdftotext gives back our Latin words");
}

int main(void)
{
    const char *top = getenv("top_srcdir");
    snprintf(schemas, sizeof schemas, "%s/tests/data/schemas", top ? top : ".");
    if (access(schemas, R_OK) != 0)
        skip_all("schemas not found at %s (set top_srcdir)", schemas);
    if (!mkdtemp(dir))
        skip_all("cannot make a temporary directory");
    vo_ctx *ctx = vo_new_ctx();
    vo_set_verbosity(ctx, 0);
    vo_page *pages[SAMPLE_N_PAGES];
    if (sample_pages(pages))
        skip_all("out of memory building the sample pages");
    int xmllint = have("xmllint");

    test_alto(ctx, pages, xmllint);
    test_page(ctx, pages, xmllint);
    test_hocr(ctx, pages, xmllint);

    sample_pages_drop(pages);
    vo_drop_ctx(ctx);
    char rm[1100];
    snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
    if (system(rm) != 0)
        diag("could not remove %s", dir);
    return done_testing();
}
