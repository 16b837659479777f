/* raw.c (test): raw-output files: naming, write/read round trip, re-render
 * through parser + layout, and broken files refused with clear messages. */
#include "src/ocr/raw.h"
#include "src/util/alloc.h"
#include "src/util/buf.h"
#include "src/util/infile.h"
#include "tests/tap.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/vo-raw-test-XXXXXX";

static void
put_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
}

static void
log_quiet(void *user, int level, const char *msg)
{
    (void)user, (void)level, (void)msg;
}

typedef struct {
    const char *name, *json;
    vo_status want;
    const char *msg; /* a part of the message */
} broken_case;

#define OKP "\"source\": \"s.pdf\", \"page\": 1, \"width\": 100, \"height\": 50, \"dpi\": 150"
static const broken_case broken[] = {
    {"4.1: empty file", "", VO_ERR_FORMAT, "not valid JSON"},
    {"4.2: cut in the middle", "{\"source\": \"s.pdf\", \"pa", VO_ERR_FORMAT, "not valid JSON"},
    {"4.3: an array", "[]", VO_ERR_FORMAT, "not a JSON object"},
    {"4.4: no source", "{\"page\": 1}", VO_ERR_FORMAT, "\"source\" is missing"},
    {"4.5: no text", "{" OKP "}", VO_ERR_FORMAT, "\"text\" is missing"},
    {"4.6: text a number", "{" OKP ", \"text\": 5}", VO_ERR_FORMAT, "\"text\""},
    {"4.7: width a string", "{\"source\": \"s\", \"page\": 1, \"width\": \"100\", \"height\": 50, \"dpi\": 1, \"text\": \"\"}", VO_ERR_FORMAT, "\"width\" must be an integer"},
    {"4.8: width 0", "{\"source\": \"s\", \"page\": 1, \"width\": 0, \"height\": 50, \"dpi\": 1, \"text\": \"\"}", VO_ERR_FORMAT, "\"width\""},
    {"4.9: height huge", "{\"source\": \"s\", \"page\": 1, \"width\": 10, \"height\": 5000000000, \"dpi\": 1, \"text\": \"\"}", VO_ERR_FORMAT, "\"height\""},
    {"4.10: page 0", "{\"source\": \"s\", \"page\": 0, \"width\": 10, \"height\": 5, \"dpi\": 1, \"text\": \"\"}", VO_ERR_FORMAT, "\"page\""},
    {"4.11: dpi negative", "{\"source\": \"s\", \"page\": 1, \"width\": 10, \"height\": 5, \"dpi\": -3, \"text\": \"\"}", VO_ERR_FORMAT, "\"dpi\""},
    {"4.12: logprobs not an array", "{" OKP ", \"text\": \"ab\", \"logprobs\": 3}", VO_ERR_FORMAT, "\"logprobs\""},
    {"4.13: logprob entry of one number", "{" OKP ", \"text\": \"ab\", \"logprobs\": [[0]]}", VO_ERR_FORMAT, "logprobs[0]"},
    {"4.14: offset past the text", "{" OKP ", \"text\": \"ab\", \"logprobs\": [[0, -1], [7, -1]]}", VO_ERR_FORMAT, "logprobs[1] offset 7"},
    {"4.15: offsets going back", "{" OKP ", \"text\": \"ab\", \"logprobs\": [[1, -1], [0, -1]]}", VO_ERR_FORMAT, "goes backwards"},
    {"4.16: newer version", "{\"version\": 3, " OKP ", \"text\": \"\"}", VO_ERR_UNSUPPORTED, "use a newer varco-ocr"},
    {"4.17: other format", "{\"format\": \"hocr\", " OKP ", \"text\": \"\"}", VO_ERR_FORMAT, "\"format\""},
    {"4.18: duplicate key", "{" OKP ", \"text\": \"a\", \"text\": \"b\"}", VO_ERR_FORMAT, "not valid JSON"},
    {"4.19: NUL in source", "{\"source\": \"a\\u0000b\", \"page\": 1, \"width\": 10, \"height\": 5, \"dpi\": 1, \"text\": \"\"}", VO_ERR_FORMAT, "without NUL"},
    {"4.20: generation time negative", "{" OKP ", \"text\": \"\", \"generation_seconds\": -1}", VO_ERR_FORMAT, "generation_seconds"},
};

int
main(void)
{
    vo_ctx *ctx = vo_new_ctx();
    vo_set_log(ctx, log_quiet, NULL);
    if (!mkdtemp(dir))
        skip_all("cannot make a temporary directory in /tmp");
    char path[512], *name = NULL;

    /* 1: names */
    ok(!vo_raw_file_name(ctx, "out/scan", 3, &name) && !strcmp(name, "out/scan.p0003.raw.json"),
       "raw 1.1: NAME.pNNNN.raw.json");
    vo_free(name);
    ok(!vo_raw_file_name(ctx, "a", 12345, &name) && !strcmp(name, "a.p12345.raw.json"),
       "raw 1.2: more than 4 digits when needed");
    vo_free(name);
    ok(vo_raw_file_name(ctx, "a", 0, &name) == VO_ERR_ARGUMENT && !name, "raw 1.3: page 0 refused");

    /* 2: round trip */
    const char *text = "<char>백범로</char><bbox>0.1, 0.2, 0.3, 0.4</bbox>\n"
                       "<char>124번길</char><bbox>0.35, 0.2, 0.6, 0.4</bbox><|im_end|>";
    vo_token_lp toks[] = {{0, -0.5f}, {6, -0.1f}, {15, -0.2f}, {22, -0.3f}};
    vo_raw_page w = {(char *)"scan.pdf", 3, 1000, 500, 150.0f, (char *)text, strlen(text),
                     (char *)"NCSOFT/VARCO-VISION-2.0-1.7B-OCR", toks, 4, 12.5,
                     (char *)"grounded OCR <&> \"quoted\"", (char *)"text-layer=auto; dpi=300",
                     0, 0};
    snprintf(path, sizeof path, "%s/scan.p0003.raw.json", dir);
    vo_status st = vo_raw_write(ctx, path, &w);
    ok(!st, "raw 2.1: written (%s)", st ? vo_last_error(ctx) : "ok");
    vo_raw_page r;
    st = vo_raw_read(ctx, path, &r);
    ok(!st && !strcmp(r.source, "scan.pdf") && r.page == 3 && r.width == 1000 && r.height == 500 &&
           r.dpi == 150.0f && r.text_len == strlen(text) && !memcmp(r.text, text, r.text_len) &&
           !strcmp(r.model, w.model) && r.gen_seconds == 12.5 && r.method &&
           !strcmp(r.method, w.method) && r.settings && !strcmp(r.settings, w.settings),
       "raw 2.2: every field read back (method and settings too)");
    ok(!st && r.n_tokens == 4 && r.tokens[2].offset == 15 && r.tokens[2].logprob == -0.2f,
       "raw 2.3: per-token log-probs read back");
    vo_page *pg = NULL;
    st = vo_raw_to_page(ctx, &r, NULL, NULL, &pg);
    const vo_line *ln = pg && pg->n_blocks ? &pg->blocks[0].pars[0].lines[0] : NULL;
    ok(!st && ln && ln->n_words == 2 && !strcmp(ln->words[0].text, "백범로") &&
           !strcmp(ln->words[1].text, "124번길") && ln->words[0].box.x0 == 100 &&
           ln->words[0].box.y1 == 200 && pg->number == 3 && !strcmp(pg->source, "scan.pdf"),
       "raw 2.4: re-rendered page has the words, in page pixels");
    ok(ln && ln->n_words == 2 && fabsf(ln->words[0].conf - expf(-0.1f)) < 1e-5f &&
           fabsf(ln->words[1].conf - expf(-0.3f)) < 1e-5f,
       "raw 2.5: confidences survive the round trip");
    vo_drop_page(pg);
    vo_raw_free(&r);
    /* 2.6: a page recognised from a turned raster (--deskew; rotation) */
    w.quarter_turns = 1;
    w.skew_deg = 2.5f;
    snprintf(path, sizeof path, "%s/turned.p0003.raw.json", dir);
    st = vo_raw_write(ctx, path, &w);
    w.quarter_turns = 0;
    w.skew_deg = 0;
    vo_buf tb = VO_BUF_INIT;
    int v2 = !st && !vo_read_file(ctx, path, 1 << 20, &tb) && tb.data &&
             strstr(tb.data, "\"version\": 2") && strstr(tb.data, "\"rotation\": 90") &&
             strstr(tb.data, "\"skew\": 2.5");
    vo_buf_free(&tb);
    ok(v2, "raw 2.6: a turned page is written as version 2 with rotation and skew");
    st = st ? st : vo_raw_read(ctx, path, &r);
    ok(!st && r.quarter_turns == 1 && r.skew_deg == 2.5f, "raw 2.7: rotation and skew read back");
    pg = NULL;
    st = st ? st : vo_raw_to_page(ctx, &r, NULL, NULL, &pg);
    ln = pg && pg->n_blocks ? &pg->blocks[0].pars[0].lines[0] : NULL;
    /* the turned raster (1000 x 500) is the page (500 x 1000) turned a
     * quarter clockwise: its top left was the page's bottom left */
    ok(!st && pg && pg->width == 500 && pg->height == 1000 && ln &&
           ln->words[0].box.x1 < 250 && ln->words[0].box.y0 > 600,
       "raw 2.8: the page is brought back to its own raster (%dx%d, first word at %.0f,%.0f)",
       pg ? pg->width : 0, pg ? pg->height : 0, ln ? (double)ln->words[0].box.x0 : 0.0,
       ln ? (double)ln->words[0].box.y0 : 0.0);
    vo_drop_page(pg);
    vo_raw_free(&r);
    static const char *const bad_turns[] = {"\"rotation\": 45", "\"skew\": 90",
                                            "\"rotation\": \"90\""};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/badturn.p0001.raw.json", dir);
        FILE *f = fopen(path, "w");
        if (f) {
            fprintf(f, "{\"format\": \"varco-ocr-raw\", \"version\": 2, \"source\": \"a.png\", "
                       "\"page\": 1, \"width\": 10, \"height\": 10, \"dpi\": 72, "
                       "\"text\": \"\", %s}\n", bad_turns[i]);
            fclose(f);
        }
        st = vo_raw_read(ctx, path, &r);
        ok(st == VO_ERR_FORMAT && strstr(vo_last_error(ctx), i == 1 ? "skew" : "rotation"),
           "raw 2.9.%d: %s is refused: %s", i + 1, bad_turns[i], vo_last_error(ctx));
    }

    /* 3: what JSON cannot hold */
    const char bad[] = "<char>a\xff\0b</char><bbox>0.1, 0.2, 0.3, 0.4</bbox>";
    vo_token_lp bt[] = {{0, -1}, {6, -0.25f}, {10, -1}};
    vo_raw_page wb = {(char *)"x.png", 1,  100, 100, 72, (char *)bad, sizeof bad - 1,
                      NULL,            bt, 3,   -1,  NULL, NULL, 0, 0};
    snprintf(path, sizeof path, "%s/bad.p0001.raw.json", dir);
    st = vo_raw_write(ctx, path, &wb);
    st = st ? st : vo_raw_read(ctx, path, &r);
    ok(!st && r.text_len == sizeof bad + 1 && !memcmp(r.text + 7, "\xef\xbf\xbd\0b", 5) &&
           r.tokens[2].offset == 12 && !r.model && r.gen_seconds < 0,
       "raw 3.1: invalid UTF-8 stored as U+FFFD, NUL kept, offsets moved");
    st = st ? st : vo_raw_to_page(ctx, &r, NULL, NULL, &pg);
    ok(!st && pg->n_blocks == 1 && !strcmp(pg->blocks[0].pars[0].lines[0].words[0].text, "a\xef\xbf\xbd" "b") &&
           fabsf(pg->blocks[0].pars[0].lines[0].words[0].conf - expf(-0.25f)) < 1e-5f,
       "raw 3.2: it renders as the parser reads the original");
    vo_drop_page(pg);
    vo_raw_free(&r);
    snprintf(path, sizeof path, "%s/none/x.raw.json", dir);
    ok(vo_raw_write(ctx, path, &w) == VO_ERR_IO && strstr(vo_last_error(ctx), path),
       "raw 3.3: unwritable path: VO_ERR_IO naming it");
    vo_raw_page empty = {0};
    ok(vo_raw_write(ctx, path, &empty) == VO_ERR_ARGUMENT, "raw 3.4: missing fields refused");

    /* 4: broken files */
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        const broken_case *c = &broken[i];
        snprintf(path, sizeof path, "%s/broken.raw.json", dir);
        put_file(path, c->json, strlen(c->json));
        st = vo_raw_read(ctx, path, &r);
        int pass = st == c->want && strstr(vo_last_error(ctx), path) &&
                   strstr(vo_last_error(ctx), c->msg) && !r.text && !r.source;
        if (!ok(pass, "raw %s refused", c->name))
            diag("status %d: %s", st, vo_last_error(ctx));
        vo_raw_free(&r);
    }
    snprintf(path, sizeof path, "%s/missing.raw.json", dir);
    ok(vo_raw_read(ctx, path, &r) == VO_ERR_IO && strstr(vo_last_error(ctx), path),
       "raw 4.21: a missing file: VO_ERR_IO naming it");
    snprintf(path, sizeof path, "%s/huge.raw.json", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int made = fd >= 0 && ftruncate(fd, (off_t)VO_RAW_MAX_BYTES + 1) == 0;
    if (fd >= 0)
        close(fd);
    ok(made && vo_raw_read(ctx, path, &r) == VO_ERR_LIMIT, "raw 4.22: a file over the size limit refused");
    unlink(path);

    /* 5: out of memory while reading and re-rendering */
    {
        snprintf(path, sizeof path, "%s/scan.p0003.raw.json", dir);
        int clean = 1;
        for (long n = 1; n < 2000; n++) {
            vo_alloc_fail_after(n);
            st = vo_raw_read(ctx, path, &r);
            if (!st) {
                st = vo_raw_to_page(ctx, &r, NULL, NULL, &pg);
                vo_drop_page(pg);
            }
            int fired = vo_alloc_fault_fired();
            vo_alloc_fail_after(0);
            vo_raw_free(&r);
            clean &= fired ? st == VO_ERR_NOMEM : st == VO_OK;
            if (!fired)
                break;
        }
        ok(clean, "raw 5.1: every failed allocation gives VO_ERR_NOMEM");
    }

    const char *files[] = {"scan.p0003.raw.json", "bad.p0001.raw.json", "broken.raw.json"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
    vo_drop_ctx(ctx);
    return done_testing();
}
