/* fuzz-writers.c (test): 10,000 random and mutated model outputs through the
 * parser, the layout and every writer: ALTO and PAGE schema-valid, hOCR well-formed. */
#include "formats/pdf.h"
#include "formats/writer.h"
#include "src/ocr/ground.h"
#include "src/ocr/layout.h"
#include "src/util/buf.h"
#include "src/util/output.h"
#include "tests/tap.h"

#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <utf8proc.h>

static unsigned long long rng = 0x2545f4914f6cdd1dull;

static unsigned
rnd(unsigned n) /* 0..n-1 (xorshift64*) */
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return n ? (unsigned)((rng * 0x2545f4914f6cdd1dull) >> 33) % n : 0;
}

/* Pieces the model might emit, and pieces that break XML, JSON or TSV. */
static const char *const pieces[] = {
    "<char>", "</char>", "<bbox>", "</bbox>", "<obj>", "</obj>", "<delim>", "<|im_end|>",
    "<|im_start|>", "가", "한국어", "Word", " ", "\n", "\t", ",", ", ", "0.", "0.5", "1", "-",
    "0.25, 0.25, 0.75, 0.5", "-0.3", "1.02", "nan", "inf", "\xff", "\xed\xa0\x80", "\xea\xb0",
    "<", ">", "&", "&amp;", "\"", "'", "]]>", "<!--", "-->", "<?xml", "\x01", "\x7f", "\xc2\x85",
    "\xef\xbf\xbe", "\xf0\x9f\x98\x80", "\xe2\x80\xae", "\xcc\x81", "ﬂ", "𝐀", "\\", "\r\n",
    "9999999999999999", "1e-300", "<char", "/bbox>", "\xe3\x80\x80"};
#define N_PIECES (sizeof pieces / sizeof pieces[0])

static void
item(vo_buf *b)
{
    static const char *const texts[] = {"대한민국", "헌법", "a", "OCR-test", " ", "가", "x y",
                                        "<&>\"'", "]]>", "𝐀𝐁", "e\xcc\x81", "\xc2\xa0", "--"};
    double x = rnd(1000) / 1000.0, y = rnd(1000) / 1000.0;
    vo_buf_printf(b, "<char>%s</char><bbox>%.3f, %.3f, %.3f, %.3f</bbox>",
                  texts[rnd(sizeof texts / sizeof texts[0])], x, y, x + rnd(150) / 1000.0 - 0.01,
                  y + rnd(60) / 1000.0 - 0.005);
}

/* kind 0: random bytes; 1: random pieces; 2..3: a mutated valid output. */
static void
make_input(vo_buf *b, int kind)
{
    vo_buf_reset(b);
    if (kind == 0) {
        for (unsigned i = 0, n = rnd(400); i < n; i++)
            vo_buf_putc(b, (char)rnd(256));
    } else if (kind == 1) {
        for (unsigned i = 0, n = rnd(150); i < n; i++)
            vo_buf_puts(b, pieces[rnd(N_PIECES)]);
    } else {
        for (unsigned i = 0, n = 1 + rnd(60); i < n; i++)
            item(b);
        for (unsigned i = 0, m = rnd(8); i < m && b->len; i++) {
            size_t at = rnd((unsigned)b->len), k = rnd(30);
            vo_buf t = VO_BUF_INIT;
            switch (rnd(4)) {
            case 0: /* delete */
                vo_buf_append(&t, b->data, at);
                if (at + k < b->len)
                    vo_buf_append(&t, b->data + at + k, b->len - at - k);
                break;
            case 1: /* insert a piece */
                vo_buf_append(&t, b->data, at);
                vo_buf_puts(&t, pieces[rnd(N_PIECES)]);
                vo_buf_append(&t, b->data + at, b->len - at);
                break;
            case 2: /* cut (the max-token limit) */
                vo_buf_append(&t, b->data, at);
                break;
            default: /* overwrite a byte */
                vo_buf_append(&t, b->data, b->len);
                t.data[at] = (char)rnd(256);
            }
            vo_buf_free(b);
            *b = t;
        }
    }
    if (!b->data)
        vo_buf_append(b, "", 0);
}

/* The output of one format for the pages, in a malloc'ed string. */
static char *
render(vo_ctx *ctx, vo_format fmt, vo_page **pages, int n, size_t *len)
{
    vo_output *out = NULL;
    vo_writer_opts wo = {.alto_unit = (int)rnd(3), .hocr_char_boxes = 1};
    vo_doc_info info = {.source = "fuzz <&> \"page\".png", .n_pages = n, .timestamp = 1700000000};
    char *res = NULL;
    if (!vo_output_open_buffer(ctx, &out) &&
        !vo_write_document(ctx, fmt, out, &wo, &info, pages, n) && !vo_output_close(ctx, out)) {
        const char *d = vo_output_data(out, len);
        if (d && (res = malloc(*len + 1)))
            memcpy(res, d, *len + 1);
    }
    vo_output_drop(out);
    return res;
}

static int
schema_valid(xmlSchemaValidCtxtPtr v, const char *s, size_t n)
{
    xmlDocPtr doc = xmlReadMemory(s, (int)n, "fuzz.xml", NULL, XML_PARSE_NONET);
    int good = doc && xmlSchemaValidateDoc(v, doc) == 0;
    xmlFreeDoc(doc);
    return good;
}

static int
well_formed(const char *s, size_t n)
{
    xmlDocPtr doc = xmlReadMemory(s, (int)n, "fuzz.hocr", NULL, XML_PARSE_NONET);
    xmlFreeDoc(doc);
    return doc != NULL;
}

/* Every line of the TSV has the header's number of columns, all UTF-8. */
static int
tsv_ok(const char *s, size_t n)
{
    if (utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, NULL, 0, 0) < 0)
        return 0;
    int cols = -1;
    for (const char *p = s; p < s + n;) {
        const char *e = memchr(p, '\n', (size_t)(s + n - p));
        if (!e)
            return 0; /* every line ends with a newline */
        int c = 1;
        for (const char *q = p; q < e; q++)
            c += *q == '\t';
        if (cols < 0)
            cols = c;
        else if (c != cols)
            return 0;
        p = e + 1;
    }
    return cols > 1;
}

static void
quiet(void *user, int level, const char *msg)
{
    (void)user, (void)level, (void)msg;
}

static void
xml_quiet(void *user, const char *fmt, ...)
{
    (void)user, (void)fmt;
}

static xmlSchemaPtr
load_schema(const char *top, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/schemas/%s", top, name);
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(path);
    xmlSchemaPtr s = pc ? xmlSchemaParse(pc) : NULL;
    xmlSchemaFreeParserCtxt(pc);
    return s;
}

enum { F_PARSE, F_ALTO, F_PAGE, F_HOCR, F_TSV, F_TXT, F_JSON, F_PDF, F_COUNT };
static const char *const check_names[F_COUNT] = {
    "parsed and laid out", "ALTO schema-valid", "PAGE schema-valid", "hOCR well-formed",
    "TSV columns", "txt UTF-8", "JSON parses", "PDF written"};

int
main(void)
{
    const char *top = getenv("top_srcdir");
    const char *env_n = getenv("VO_E2E_FUZZ_N");
    int n_inputs = env_n ? atoi(env_n) : 10000;
    if (!top)
        top = ".";
    xmlSetGenericErrorFunc(NULL, xml_quiet);
    xmlSchemaPtr alto = load_schema(top, "alto-4-4-offline.xsd");
    xmlSchemaPtr pagex = load_schema(top, "pagecontent-2019-07-15.xsd");
    ok(alto && pagex, "fuzz-writers 0.1: ALTO and PAGE schemas parsed from tests/data/schemas");
    if (!alto || !pagex)
        return done_testing();
    xmlSchemaValidCtxtPtr va = xmlSchemaNewValidCtxt(alto), vp = xmlSchemaNewValidCtxt(pagex);
    xmlSchemaSetValidErrors(va, xml_quiet, xml_quiet, NULL);
    xmlSchemaSetValidErrors(vp, xml_quiet, xml_quiet, NULL);

    vo_ctx *ctx = vo_new_ctx();
    vo_set_log(ctx, quiet, NULL);
    vo_buf in = VO_BUF_INIT;
    int fails[F_COUNT] = {0}, runs[F_COUNT] = {0};
    size_t words = 0;
    for (int iter = 0; iter < n_inputs; iter++) {
        int n_pages = rnd(10) ? 1 : 2;
        vo_page *pages[2] = {NULL, NULL};
        int bad = 0;
        for (int p = 0; p < n_pages; p++) {
            make_input(&in, (int)rnd(4));
            vo_ground *g = NULL;
            size_t n = 0;
            const vo_span *s = NULL;
            int w = 1 + (int)rnd(rnd(4) ? 3000 : 20), h = 1 + (int)rnd(rnd(4) ? 4000 : 20);
            pages[p] = vo_new_page(p + 1, w, h, 300, 300, "fuzz.png");
            if (vo_ground_parse(ctx, NULL, in.data, in.len, NULL, 0, &g) || !pages[p] ||
                !(s = vo_ground_spans(g, &n), 1) || vo_layout_page(ctx, s, n, NULL, pages[p]))
                bad = 1;
            vo_drop_ground(g);
        }
        runs[F_PARSE]++;
        if (bad) {
            if (fails[F_PARSE]++ < 3)
                diag("input %d: %s", iter, vo_last_error(ctx));
            goto next;
        }
        for (int p = 0; p < n_pages; p++)
            for (int b = 0; b < pages[p]->n_blocks; b++)
                for (int q = 0; q < pages[p]->blocks[b].n_pars; q++)
                    for (int l = 0; l < pages[p]->blocks[b].pars[q].n_lines; l++)
                        words += (size_t)pages[p]->blocks[b].pars[q].lines[l].n_words;
        static const struct { vo_format fmt; int check; } plan[] = {
            {VO_FORMAT_ALTO, F_ALTO}, {VO_FORMAT_PAGE, F_PAGE}, {VO_FORMAT_HOCR, F_HOCR},
            {VO_FORMAT_TSV, F_TSV},   {VO_FORMAT_TXT, F_TXT},   {VO_FORMAT_JSON, F_JSON},
            {VO_FORMAT_PDF, F_PDF}};
        for (size_t k = 0; k < sizeof plan / sizeof plan[0]; k++) {
            int c = plan[k].check;
            if (c == F_PDF && iter % 100) /* the PDF writer is slow: every 100th input */
                continue;
            /* PAGE-XML holds one page per file */
            int np = c == F_PAGE ? 1 : n_pages;
            size_t len = 0;
            char *s = render(ctx, plan[k].fmt, pages, np, &len);
            int good = s != NULL;
            if (good && c == F_ALTO)
                good = schema_valid(va, s, len);
            else if (good && c == F_PAGE)
                good = schema_valid(vp, s, len);
            else if (good && c == F_HOCR)
                good = well_formed(s, len);
            else if (good && c == F_TSV)
                good = tsv_ok(s, len);
            else if (good && c == F_TXT)
                good = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len,
                                          NULL, 0, 0) >= 0;
            else if (good && c == F_JSON) {
                json_t *j = json_loadb(s, len, 0, NULL);
                good = j != NULL;
                json_decref(j);
            } else if (good && c == F_PDF)
                good = len > 20 && !memcmp(s, "%PDF-", 5) && strstr(s + len - 8, "%%EOF");
            runs[c]++;
            if (!good && fails[c]++ < 3)
                diag("input %d: %s failed (%s)", iter, check_names[c],
                     s ? "output kept" : vo_last_error(ctx));
            free(s);
        }
    next:
        vo_drop_page(pages[0]);
        vo_drop_page(pages[1]);
    }
    for (int c = 0; c < F_COUNT; c++)
        ok(!fails[c] && runs[c] > 0, "fuzz-writers 1.%d: %s (%d of %d failed)", c + 1,
           check_names[c], fails[c], runs[c]);
    /* the checks can fail: broken documents are rejected */
    static const char bad_alto[] = "<alto xmlns=\"http://www.loc.gov/standards/alto/ns-v4#\">"
                                   "<Layout/></alto>";
    static const char bad_page[] = "<PcGts xmlns=\"http://schema.primaresearch.org/PAGE/gts/"
                                   "pagecontent/2019-07-15\"><Page/></PcGts>";
    ok(!schema_valid(va, bad_alto, strlen(bad_alto)) &&
           !schema_valid(vp, bad_page, strlen(bad_page)) && !well_formed("<p><b></p>", 10) &&
           !tsv_ok("a\tb\nc\n", 6),
       "fuzz-writers 1.9: the checks reject an invalid ALTO, PAGE, hOCR and TSV");
    ok(words > (size_t)n_inputs, "fuzz-writers 2.1: the inputs reached the writers (%zu words)",
       words);
    vo_buf_free(&in);
    vo_drop_ctx(ctx);
    xmlSchemaFreeValidCtxt(va);
    xmlSchemaFreeValidCtxt(vp);
    xmlSchemaFree(alto);
    xmlSchemaFree(pagex);
    xmlCleanupParser();
    return done_testing();
}
