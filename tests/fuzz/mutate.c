/* mutate.c: every single-byte change of the two files a batch reads back
 * from disk, the per-page cache (src/page/page_io.c) and the raw output
 * (src/ocr/raw.c, --from-raw), and of the model folder's chat template
 * (src/model/prompt.c): each prefix, each byte replaced by bytes that
 * matter to JSON, and each position given a number suffix that overflows a
 * float. A load either fails with a message naming the file, or gives a page
 * that every writer turns into well-formed output (tests/fuzz/targets.c), or
 * a template that renders the OCR prompt.
 * Exhaustive and deterministic, so it runs in make check (and under ASan). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/model/prompt.h"
#include "src/ocr/raw.h"
#include "src/page/page_io.h"
#include "tests/formats/sample-pages.h"
#include "tests/fuzz/targets.h"
#include "tests/tap.h"

#define bail_out(...) (printf("Bail out! "), printf(__VA_ARGS__), printf("\n"), exit(1))

static const char subst[] = {'0', '9', '-', '.', 'e', '"', '[', ']', '{', '}', ',', '\\', 'x', '\x80'};
static const char *const inserts[] = {"e39", "e-46", "-", "9999999999", "[]", "null"};

typedef struct sweep {
    const char *what;
    const char *path;
    const char *stamp;       /* page cache: the stamp loads ask for; chat
                                template: the model folder */
    unsigned char *good;     /* the valid file */
    size_t n;
    int (*load)(struct sweep *, vo_ctx *, unsigned variant); /* 0 or -1, message in problem */
    long loads, accepted;
    char problem[600];
} sweep;

static int write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int bad = fwrite(data, 1, n, f) != n;
    return fclose(f) || bad ? -1 : 0;
}

static unsigned char *read_bytes(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *data = malloc(1 << 20);
    *n = data ? fread(data, 1, 1 << 20, f) : 0;
    fclose(f);
    return data;
}

/* A failed load must leave nothing and say which file. */
static int check_refusal(sweep *s, vo_ctx *ctx, vo_status st, const void *left)
{
    const char *msg = vo_last_error(ctx);
    if (left || !msg || !strstr(msg, s->path)) {
        snprintf(s->problem, sizeof s->problem, "status %d: %s (%s)", (int)st,
                 left ? "an output was left" : "the message does not name the file",
                 msg ? msg : "no message");
        return -1;
    }
    return 0;
}

static int written_ok(sweep *s, vo_ctx *ctx, vo_page *page, unsigned variant)
{
    s->accepted++;
    if (fuzz_write_page(ctx, page, variant) == 0)
        return 0;
    snprintf(s->problem, sizeof s->problem, "accepted, then the writers failed: %s",
             fuzz_last_problem());
    return -1;
}

static int load_cache(sweep *s, vo_ctx *ctx, unsigned variant)
{
    vo_page *page = NULL;
    vo_status st = vo_page_load(ctx, s->path, s->stamp, &page);
    int r;
    if (st == VO_OK && page)
        r = written_ok(s, ctx, page, variant);
    else if (st == VO_ERR_FORMAT || st == VO_ERR_ARGUMENT)
        r = check_refusal(s, ctx, st, page);
    else {
        snprintf(s->problem, sizeof s->problem, "unexpected status %d", (int)st);
        r = -1;
    }
    vo_drop_page(page);
    return r;
}

static int load_raw(sweep *s, vo_ctx *ctx, unsigned variant)
{
    vo_raw_page raw;
    vo_status st = vo_raw_read(ctx, s->path, &raw);
    int r;
    if (st == VO_OK) {
        vo_page *page = NULL;
        st = vo_raw_to_page(ctx, &raw, NULL, NULL, &page);
        if (st == VO_OK && page)
            r = written_ok(s, ctx, page, variant);
        else
            r = check_refusal(s, ctx, st, page);
        vo_drop_page(page);
    } else if (st == VO_ERR_FORMAT || st == VO_ERR_UNSUPPORTED || st == VO_ERR_LIMIT) {
        r = check_refusal(s, ctx, st, raw.text);
    } else {
        snprintf(s->problem, sizeof s->problem, "unexpected status %d", (int)st);
        r = -1;
    }
    vo_raw_free(&raw);
    return r;
}

/* The model folder's chat template, then the OCR prompt rendered from it. */
static int load_template(sweep *s, vo_ctx *ctx, unsigned variant)
{
    vo_chat_template *t = NULL;
    vo_status st = vo_load_chat_template(ctx, s->stamp, &t);
    int r = 0;
    if (st == VO_OK && t) {
        s->accepted++;
        vo_buf prompt = VO_BUF_INIT;
        st = vo_prompt_render(ctx, t, variant % 2 ? NULL : "You read documents.", "<ocr>",
                              1 + (int)(variant % 3), &prompt);
        if (st != VO_OK || !prompt.data || !strstr(prompt.data, "<ocr>")) {
            snprintf(s->problem, sizeof s->problem, "template accepted, prompt not rendered: %s",
                     st ? vo_last_error(ctx) : "the user text is missing");
            r = -1;
        }
        vo_buf_free(&prompt);
    } else if (st == VO_ERR_FORMAT) {
        r = check_refusal(s, ctx, st, t);
    } else {
        snprintf(s->problem, sizeof s->problem, "unexpected status %d", (int)st);
        r = -1;
    }
    vo_drop_chat_template(t);
    return r;
}

/* Writes `len` bytes of buf and loads them; reports the first failure. */
static int try_bytes(sweep *s, vo_ctx *ctx, const unsigned char *buf, size_t len, const char *how,
                     size_t at, unsigned variant)
{
    s->loads++;
    if (write_bytes(s->path, buf, len)) {
        snprintf(s->problem, sizeof s->problem, "cannot write %s", s->path);
        return -1;
    }
    if (s->load(s, ctx, variant) == 0)
        return 0;
    diag("%s, %s at byte %zu of %zu: %s", s->what, how, at, s->n, s->problem);
    return -1;
}

static int sweep_prefixes(sweep *s, vo_ctx *ctx)
{
    int bad = 0;
    for (size_t len = 0; len < s->n && bad < 3; len++)
        bad += try_bytes(s, ctx, s->good, len, "cut", len, (unsigned)len) != 0;
    return bad;
}

static int sweep_substitutions(sweep *s, vo_ctx *ctx, unsigned char *buf)
{
    int bad = 0;
    for (size_t at = 0; at < s->n && bad < 3; at++)
        for (size_t k = 0; k < sizeof subst && bad < 3; k++) {
            if (s->good[at] == (unsigned char)subst[k])
                continue;
            memcpy(buf, s->good, s->n);
            buf[at] = (unsigned char)subst[k];
            bad += try_bytes(s, ctx, buf, s->n, "one byte replaced", at, (unsigned)(at + k)) != 0;
        }
    return bad;
}

static int sweep_insertions(sweep *s, vo_ctx *ctx, unsigned char *buf)
{
    int bad = 0;
    for (size_t at = 0; at <= s->n && bad < 3; at++)
        for (size_t k = 0; k < sizeof inserts / sizeof *inserts && bad < 3; k++) {
            size_t m = strlen(inserts[k]);
            memcpy(buf, s->good, at);
            memcpy(buf + at, inserts[k], m);
            memcpy(buf + at + m, s->good + at, s->n - at);
            bad += try_bytes(s, ctx, buf, s->n + m, inserts[k], at, (unsigned)(at + k)) != 0;
        }
    return bad;
}

static void run_sweep(sweep *s, vo_ctx *ctx, const char *id)
{
    unsigned char *buf = malloc(s->n + 64);
    if (!ok(buf && s->good && s->n > 0, "mutate %s.0: a valid %s to start from", id, s->what)) {
        free(buf);
        return;
    }
    ok(try_bytes(s, ctx, s->good, s->n, "unchanged", 0, 0) == 0 && s->accepted == 1,
       "mutate %s.1: the unchanged %s loads and writes", id, s->what);
    long before = s->loads;
    ok(sweep_prefixes(s, ctx) == 0, "mutate %s.2: each of %zu cuts refused or written", id, s->n);
    ok(sweep_substitutions(s, ctx, buf) == 0,
       "mutate %s.3: each byte replaced by %zu others: refused or written", id, sizeof subst);
    ok(sweep_insertions(s, ctx, buf) == 0,
       "mutate %s.4: %zu insertions at each position: refused or written", id,
       sizeof inserts / sizeof *inserts);
    /* both outcomes must occur, or the sweep did not reach the loader */
    ok(s->accepted > 1 && s->accepted < s->loads, "mutate %s.5: %ld of %ld changed files accepted",
       id, s->accepted - 1, s->loads - before);
    free(buf);
}

int main(void)
{
    vo_ctx *ctx = vo_new_ctx();
    vo_set_verbosity(ctx, 0);
    char dir[] = "/tmp/vo-mutate-XXXXXX";
    if (!ctx || !mkdtemp(dir))
        bail_out("no context or temp folder");
    char good[600], path[600];
    snprintf(good, sizeof good, "%s/good.json", dir);
    snprintf(path, sizeof path, "%s/changed.json", dir);

    /* 1: the page cache of the first sample page (glyphs, baselines, XML
     * specials, a decomposed Hangul word, a word past the page edge) */
    vo_page *pages[SAMPLE_N_PAGES];
    if (sample_pages(pages) || vo_page_save_file(ctx, pages[0], "scan.pdf|300|v1", good))
        bail_out("cannot save the sample page: %s", vo_last_error(ctx));
    sample_pages_drop(pages);
    sweep cache = {"page cache", path, "scan.pdf|300|v1", NULL, 0, load_cache, 0, 0, ""};
    cache.good = read_bytes(good, &cache.n);
    run_sweep(&cache, ctx, "1");
    free(cache.good);

    /* 2: a raw page: Korean and English spans, log-probs, a model name */
    const char *text = "<char>백범로</char><bbox>0.1, 0.2, 0.3, 0.4</bbox>\n"
                       "<char>124번길</char><bbox>0.35, 0.2, 0.6, 0.4</bbox>"
                       "<char>OCR</char><bbox>0.1,0.5,0.3,0.6</bbox><|im_end|>";
    vo_token_lp toks[] = {{0, -0.5f}, {6, -0.1f}, {15, -0.2f}, {22, -0.3f}};
    vo_raw_page w = {(char *)"scan.pdf", 3, 1000, 500, 150.0f, (char *)text, strlen(text),
                     (char *)"NCSOFT/VARCO-VISION-2.0-1.7B-OCR", toks, 4, 12.5,
                     (char *)"grounded OCR", (char *)"text-layer=auto", 0, 0};
    if (vo_raw_write(ctx, good, &w))
        bail_out("cannot write the raw page: %s", vo_last_error(ctx));
    sweep raw = {"raw page", path, NULL, NULL, 0, load_raw, 0, 0, ""};
    raw.good = read_bytes(good, &raw.n);
    run_sweep(&raw, ctx, "2");
    free(raw.good);

    /* 3: the tiny-varco chat template (the real model's shape) */
    char tmpl_src[600], tmpl[600];
    const char *srcdir = getenv("top_srcdir");
    snprintf(tmpl_src, sizeof tmpl_src, "%s/tests/data/fixtures/tiny-varco/chat_template.jinja",
             srcdir ? srcdir : ".");
    snprintf(tmpl, sizeof tmpl, "%s/chat_template.jinja", dir);
    sweep chat = {"chat template", tmpl, dir, NULL, 0, load_template, 0, 0, ""};
    chat.good = read_bytes(tmpl_src, &chat.n);
    run_sweep(&chat, ctx, "3");
    free(chat.good);

    unlink(good);
    unlink(path);
    unlink(tmpl);
    rmdir(dir);
    vo_drop_ctx(ctx);
    fuzz_cleanup();
    return done_testing();
}
