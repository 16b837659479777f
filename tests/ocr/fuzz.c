/* fuzz.c (test): 10,000 random and mutated model outputs, streamed in
 * random pieces, through parser and layout: no crash, boxes on the page,
 * valid UTF-8 everywhere, confidences in range. */
#include "src/ocr/ground.h"
#include "src/ocr/layout.h"
#include "src/util/buf.h"
#include "tests/tap.h"

#include <math.h>
#include <utf8proc.h>

static unsigned long long rng_state = 0x9e3779b97f4a7c15ull;

static unsigned
rnd(unsigned n) /* 0..n-1, xorshift64* */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return n ? (unsigned)((rng_state * 2685821657736338717ull) >> 33) % n : 0;
}

static const char *const vocab[] = {
    "<char>", "</char>", "<bbox>", "</bbox>", "<obj>", "</obj>", "<delim>", "<|im_end|>",
    "<ref>", "가", "나", "a", "B", " ", "\n", ",", ", ", "0.", "1", "-", "0.123", "1.5",
    "-0.01", "1.01", "\xff", "\xea\xb0", "<", ">", "&", "\\times", "ﬂ", "\xcc\x81", "\t",
    "1e5", "..", "]", "[", "9999999999999999999999", "<char", "/bbox>", "\x01"};
#define N_VOCAB (sizeof vocab / sizeof vocab[0])

static void
valid_item(vo_buf *b)
{
    static const char *const texts[] = {"백범로", "124번길", "a", "word", " ", "가", "x y", "&<>\""};
    double x = rnd(1000) / 1000.0, y = rnd(1000) / 1000.0;
    vo_buf_printf(b, "<char>%s</char><bbox>%.3f, %.3f, %.3f, %.3f</bbox>\n", texts[rnd(8)], x, y,
                  x + rnd(200) / 1000.0 - 0.02, y + rnd(100) / 1000.0 - 0.01);
}

/* One test input: random bytes, random tokens, or a mutated valid output. */
static void
make_input(vo_buf *b, int kind)
{
    vo_buf_reset(b);
    if (kind == 0) {
        unsigned n = rnd(300);
        for (unsigned i = 0; i < n; i++)
            vo_buf_putc(b, (char)rnd(256));
    } else if (kind == 1) {
        unsigned n = rnd(120);
        for (unsigned i = 0; i < n; i++)
            vo_buf_puts(b, vocab[rnd(N_VOCAB)]);
    } else {
        unsigned n = 1 + rnd(40);
        for (unsigned i = 0; i < n; i++)
            valid_item(b);
        unsigned m = rnd(6);
        for (unsigned i = 0; i < m && b->len; i++) {
            size_t at = rnd((unsigned)b->len);
            switch (rnd(5)) {
            case 0: /* delete a range */
            {
                size_t k = rnd(20);
                if (at + k > b->len)
                    k = b->len - at;
                memmove(b->data + at, b->data + at + k, b->len - at - k + 1);
                b->len -= k;
                break;
            }
            case 1: /* flip a byte */
                b->data[at] = (char)rnd(256);
                break;
            case 2: /* insert a token */
            {
                vo_buf t = VO_BUF_INIT;
                vo_buf_append(&t, b->data, at);
                vo_buf_puts(&t, vocab[rnd(N_VOCAB)]);
                vo_buf_append(&t, b->data + at, b->len - at);
                vo_buf_free(b);
                *b = t;
                break;
            }
            case 3: /* truncate (max tokens) */
                b->len = at;
                b->data[at] = 0;
                break;
            default: /* duplicate a range */
            {
                size_t k = rnd(60);
                if (at + k > b->len)
                    k = b->len - at;
                vo_buf t = VO_BUF_INIT;
                vo_buf_append(&t, b->data, at + k);
                vo_buf_append(&t, b->data + at, b->len - at);
                vo_buf_free(b);
                *b = t;
            }
            }
        }
    }
    if (!b->data)
        vo_buf_append(b, "", 0);
}

static int
utf8_ok(const char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0 || cp < 0x20 || cp == 0x7f)
            return 0;
        i += (size_t)n;
    }
    return 1;
}

static int
box_in(vo_box b, const vo_page *pg)
{
    return b.x0 >= 0 && b.y0 >= 0 && b.x1 <= pg->width && b.y1 <= pg->height && b.x0 <= b.x1 &&
           b.y0 <= b.y1;
}

static int
conf_ok(float c)
{
    return c == VO_CONF_NONE || (c >= 0 && c <= 1);
}

/* Every invariant the writers rely on; returns 0 and says why on failure. */
static int
page_ok(const vo_page *pg, const char **why)
{
    for (int b = 0; b < pg->n_blocks; b++) {
        const vo_block *B = &pg->blocks[b];
        if (!box_in(B->box, pg))
            return *why = "block box off the page", 0;
        for (int p = 0; p < B->n_pars; p++)
            for (int l = 0; l < B->pars[p].n_lines; l++) {
                const vo_line *L = &B->pars[p].lines[l];
                if (!box_in(L->box, pg) || !conf_ok(L->conf) || L->n_words == 0)
                    return *why = "bad line", 0;
                for (int w = 0; w < L->n_words; w++) {
                    const vo_word *W = &L->words[w];
                    if (!box_in(W->box, pg) || !conf_ok(W->conf))
                        return *why = "word box off the page or bad confidence", 0;
                    if (!W->text[0] || !utf8_ok(W->text) || strchr(W->text, ' '))
                        return *why = "word text empty, not UTF-8 or with a space", 0;
                    for (int g = 0; g < W->n_glyphs; g++)
                        if (!box_in(W->glyphs[g].box, pg) || !W->glyphs[g].text[0] ||
                            !utf8_ok(W->glyphs[g].text) || !conf_ok(W->glyphs[g].conf))
                            return *why = "bad glyph", 0;
                }
            }
    }
    return 1;
}

static void
log_quiet(void *user, int level, const char *msg)
{
    (void)user, (void)level, (void)msg;
}

int
main(void)
{
    vo_ctx *ctx = vo_new_ctx();
    vo_set_log(ctx, log_quiet, NULL);
    vo_buf in = VO_BUF_INIT;
    int fails[3] = {0, 0, 0}, runs[3] = {0, 0, 0};
    size_t spans_seen = 0;
    const float lps[] = {-0.1f, 0.0f, -50.0f, VO_LOGPROB_NONE, NAN, -INFINITY, 3.0f};
    for (int iter = 0; iter < 10000; iter++) {
        int kind = iter % 3;
        make_input(&in, kind);
        runs[kind]++;
        vo_ground *g = NULL;
        vo_ground_opts opts = {.max_span_bytes = rnd(4) ? 0 : 1 + rnd(16)};
        const char *why = NULL;
        if (vo_ground_new(ctx, &opts, &g)) {
            why = "parser not made";
        } else {
            for (size_t at = 0; at < in.len;) { /* random pieces, as tokens arrive */
                size_t k = 1 + rnd(12);
                if (at + k > in.len)
                    k = in.len - at;
                if (vo_ground_feed(g, in.data + at, k, lps[rnd(7)]))
                    why = "feed failed";
                at += k;
            }
            if (vo_ground_finish(g))
                why = "finish failed";
            size_t n;
            const vo_span *s = vo_ground_spans(g, &n);
            spans_seen += n;
            for (size_t i = 0; i < n && !why; i++)
                if (!s[i].text[0] || !utf8_ok(s[i].text) || !conf_ok(s[i].conf) ||
                    !(s[i].box.x0 >= 0 && s[i].box.x0 < s[i].box.x1 && s[i].box.x1 <= 1 &&
                      s[i].box.y0 >= 0 && s[i].box.y0 < s[i].box.y1 && s[i].box.y1 <= 1))
                    why = "bad span";
            int w = 1 + (int)rnd(5000), h = 1 + (int)rnd(5000);
            vo_page *pg = vo_new_page(1, w, h, 300, 300, "fuzz");
            if (!why && vo_layout_page(ctx, s, n, NULL, pg))
                why = "layout failed";
            if (!why)
                page_ok(pg, &why);
            vo_drop_page(pg);
        }
        vo_drop_ground(g);
        if (why) {
            if (fails[kind]++ < 3)
                diag("input %d (%s): %s", iter, kind == 0 ? "bytes" : kind == 1 ? "tokens" : "mutated", why);
        }
    }
    ok(!fails[0], "fuzz 1.1: %d random byte strings: spans and pages valid", runs[0]);
    ok(!fails[1], "fuzz 1.2: %d random token strings: spans and pages valid", runs[1]);
    ok(!fails[2], "fuzz 1.3: %d mutated model outputs: spans and pages valid", runs[2]);
    ok(spans_seen > 10000, "fuzz 1.4: the inputs reached the layout (%zu spans)", spans_seen);
    vo_buf_free(&in);
    vo_drop_ctx(ctx);
    return done_testing();
}
