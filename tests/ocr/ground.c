/* ground.c (test): the grounded-output parser on well-formed, malformed,
 * streamed and scored model outputs (tables of {input, expected spans}). */
#include "src/ocr/ground.h"
#include "src/util/alloc.h"
#include "tests/tap.h"

#include <math.h>

/* "text@x0,y0,x1,y1\n" per span (3 decimals), for comparisons. */
static char *
spans_str(const vo_ground *g)
{
    static char out[65536];
    size_t n, o = 0;
    const vo_span *s = vo_ground_spans(g, &n);
    out[0] = 0;
    for (size_t i = 0; i < n && o < sizeof out - 200; i++)
        o += (size_t)snprintf(out + o, sizeof out - o, "%.*s@%.3f,%.3f,%.3f,%.3f\n",
                              (int)(sizeof out - o - 100), s[i].text, s[i].box.x0, s[i].box.y0,
                              s[i].box.x1, s[i].box.y1);
    return out;
}

static void
counts_str(const vo_ground *g, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = 0;
    for (int e = 0; e < VO_GROUND_EVENT_COUNT_; e++)
        if (vo_ground_count(g, e) && o < cap)
            o += (size_t)snprintf(out + o, cap - o, "%d=%zu ", e, vo_ground_count(g, e));
}

#define B1 "<bbox>0.1, 0.2, 0.3, 0.4</bbox>"
#define R1 "@0.100,0.200,0.300,0.400\n"
#define S(x) x, sizeof(x) - 1

typedef struct {
    const char *name, *in;
    size_t len;
    const char *want;  /* spans_str of the result */
    int ev1;           /* an event expected with count n1 (-1: none) */
    size_t n1;
    int ev2;
    size_t n2;
} ground_case;

enum { NONE = -1 };

static const ground_case cases[] = {
    /* 1: well-formed */
    {"1.1: one <char> item", S("<char>백범로</char><bbox>0.172, 0.266, 0.328, 0.341</bbox>"),
     "백범로@0.172,0.266,0.328,0.341\n", NONE, 0, NONE, 0},
    {"1.2: items one per line", S("<char>백범로</char>" B1 "\n<char>124번길</char><bbox>0.347, 0.266, 0.512, 0.341</bbox>\n"),
     "백범로" R1 "124번길@0.347,0.266,0.512,0.341\n", NONE, 0, NONE, 0},
    {"1.3: <obj> with <delim>: one span per box", S("<obj>사과</obj>" B1 "<delim><bbox>0.5, 0.6, 0.7, 0.8</bbox>"),
     "사과" R1 "사과@0.500,0.600,0.700,0.800\n", NONE, 0, NONE, 0},
    {"1.4: <delim> inside <bbox>", S("<obj>a</obj><bbox>0.1,0.2,0.3,0.4<delim>0.5,0.6,0.7,0.8</bbox>"),
     "a" R1 "a@0.500,0.600,0.700,0.800\n", NONE, 0, NONE, 0},
    {"1.5: a space as its own span", S("<char>a</char>" B1 "<char> </char><bbox>0.3, 0.2, 0.35, 0.4</bbox>"),
     "a" R1 " @0.300,0.200,0.350,0.400\n", NONE, 0, NONE, 0},
    {"1.6: special tokens skipped, not counted", S("<|im_start|><char>x</char>" B1 "<|im_end|><|endoftext|>"),
     "x" R1, VO_GROUND_UNKNOWN_TAG, 0, VO_GROUND_STRAY_TEXT, 0},
    {"1.7: LaTeX escapes kept", S("<char>3\\times4 \\div</char>" B1), "3\\times4 \\div" R1, NONE, 0, NONE, 0},
    {"1.8: integers, no spaces, brackets", S("<char>a</char><bbox>[0,0,1,1]</bbox>"), "a@0.000,0.000,1.000,1.000\n", NONE, 0, NONE, 0},
    {"1.9: decomposed jamo become NFC", S("<char>\xe1\x84\x80\xe1\x85\xa1</char>" B1), "가" R1, NONE, 0, NONE, 0},
    {"1.10: empty output", S(""), "", VO_GROUND_STRAY_TEXT, 0, NONE, 0},
    {"1.11: many decimals and + sign", S("<char>a</char><bbox>+0.1000001, 0.2, 0.30000, .4</bbox>"), "a" R1, NONE, 0, NONE, 0},
    /* 2: malformed */
    {"2.1: text outside items dropped and counted", S("hello <char>a</char>" B1 " world"), "a" R1, VO_GROUND_STRAY_TEXT, 2, NONE, 0},
    {"2.2: missing </char>", S("<char>a" B1), "a" R1, NONE, 0, NONE, 0},
    {"2.3: missing </bbox> before next item", S("<char>a</char><bbox>0.1, 0.2, 0.3, 0.4\n<char>b</char>" B1),
     "a" R1 "b" R1, NONE, 0, NONE, 0},
    {"2.4: missing <bbox>", S("<char>a</char>0.1, 0.2, 0.3, 0.4</bbox>"), "a" R1, NONE, 0, NONE, 0},
    {"2.5: missing <char>", S("<char>a</char>" B1 "\nb</char>" B1), "a" R1 "b" R1, VO_GROUND_STRAY_TEXT, 0, NONE, 0},
    {"2.6: doubled <char> and </char>", S("<char><char>a</char></char>" B1), "a" R1, VO_GROUND_UNKNOWN_TAG, 2, NONE, 0},
    {"2.7: doubled <bbox> and </bbox>", S("<char>a</char><bbox><bbox>0.1, 0.2, 0.3, 0.4</bbox></bbox>"), "a" R1, VO_GROUND_UNKNOWN_TAG, 2, NONE, 0},
    {"2.8: numbers cut at the token limit", S("<char>a</char>" B1 "<char>b</char><bbox>0.5, 0.2, 0."), "a" R1, VO_GROUND_TRUNCATED, 1, NONE, 0},
    {"2.9: text cut at the token limit", S("<char>a</char>" B1 "<char>bc"), "a" R1, VO_GROUND_TRUNCATED, 1, NONE, 0},
    {"2.10: text without box cut at the limit", S("<char>a</char>" B1 "<char>b</char>"), "a" R1, VO_GROUND_TRUNCATED, 1, NONE, 0},
    {"2.11: a tag cut at the limit", S("<char>a</char>" B1 "<cha"), "a" R1, VO_GROUND_STRAY_TEXT, 1, NONE, 0},
    {"2.12: non-numeric coordinate", S("<char>a</char><bbox>x, 0.2, 0.3, 0.4</bbox>"), "", VO_GROUND_BAD_NUMBER, 1, NONE, 0},
    {"2.13: three numbers", S("<char>a</char><bbox>0.1, 0.2, 0.3</bbox>"), "", VO_GROUND_BAD_NUMBER, 1, NONE, 0},
    {"2.14: five numbers", S("<char>a</char><bbox>0.1, 0.2, 0.3, 0.4, 0.5</bbox>"), "", VO_GROUND_BAD_NUMBER, 1, NONE, 0},
    {"2.15: two dots", S("<char>a</char><bbox>0.1.5, 0.2, 0.3, 0.4</bbox>"), "", VO_GROUND_BAD_NUMBER, 1, NONE, 0},
    {"2.16: empty box", S("<char>a</char><bbox></bbox>"), "", VO_GROUND_BAD_NUMBER, 1, NONE, 0},
    {"2.17: slightly out of range clamped", S("<char>a</char><bbox>-0.002, 0.2, 1.01, 0.4</bbox>"), "a@0.000,0.200,1.000,0.400\n", VO_GROUND_CLAMPED, 1, NONE, 0},
    {"2.18: wild values dropped", S("<char>a</char><bbox>0.1, 0.2, 3.5, 0.4</bbox><char>b</char><bbox>-1, 0.2, 0.3, 0.4</bbox>"), "", VO_GROUND_OUT_OF_RANGE, 2, NONE, 0},
    {"2.19: 0-1000 scale dropped", S("<char>a</char><bbox>100, 200, 300, 400</bbox>"), "", VO_GROUND_OUT_OF_RANGE, 1, NONE, 0},
    {"2.20: swapped corners swapped back", S("<char>a</char><bbox>0.3, 0.4, 0.1, 0.2</bbox>"), "a" R1, VO_GROUND_SWAPPED, 1, NONE, 0},
    {"2.21: zero-area box dropped", S("<char>a</char><bbox>0.1, 0.2, 0.1, 0.4</bbox>"), "", VO_GROUND_ZERO_AREA, 1, NONE, 0},
    {"2.22: XML specials kept as text", S("<char>a&b<\"x'>1 < 2</char>" B1), "a&b<\"x'>1 < 2" R1, VO_GROUND_UNKNOWN_TAG, 0, NONE, 0},
    {"2.23: unknown tag inside text kept as text", S("<char>x<i>z</i></char>" B1), "x<i>z</i>" R1, VO_GROUND_UNKNOWN_TAG, 0, NONE, 0},
    {"2.24: invalid UTF-8 replaced", S("<char>a\xff\xfe" "b</char>" B1), "a\xef\xbf\xbd\xef\xbf\xbd" "b" R1, VO_GROUND_BAD_UTF8, 1, NONE, 0},
    {"2.25: NUL and controls removed", S("<char>a\0b\x01\x7f" "c</char>" B1), "abc" R1, VO_GROUND_CONTROL_CHAR, 1, NONE, 0},
    {"2.26: tab and newline become spaces", S("<char>a\tb\nc</char>" B1), "a b c" R1, NONE, 0, NONE, 0},
    {"2.27: empty text", S("<char></char>" B1), "", VO_GROUND_NO_TEXT, 1, NONE, 0},
    {"2.28: box without text", S(B1 "<char>a</char>" B1), "a" R1, VO_GROUND_NO_TEXT, 1, NONE, 0},
    {"2.29: text without box", S("<char>a</char> junk <char>b</char>" B1), "b" R1, VO_GROUND_NO_BOX, 1, VO_GROUND_STRAY_TEXT, 1},
    {"2.30: hallucinated filler only", S("VARCO VISION"), "", VO_GROUND_STRAY_TEXT, 1, NONE, 0},
    {"2.31: box after box without <delim>", S("<char>a</char>" B1 B1), "a" R1, VO_GROUND_NO_TEXT, 1, NONE, 0},
    {"2.32: closing tags alone", S("</bbox></char><delim>"), "", VO_GROUND_UNKNOWN_TAG, 3, NONE, 0},
    {"2.33: long garbage inside <bbox>", S("<char>a</char><bbox>0.1, 0.2, 0.3, 0.4 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</bbox>"), "", VO_GROUND_BAD_NUMBER, 1, NONE, 0},
    {"2.34: '<' at the end of text", S("<char>a<</char>" B1), "a<" R1, NONE, 0, NONE, 0},
    {"2.35: <char> inside <bbox>", S("<char>a</char><bbox>0.1, 0.2<char>b</char>" B1), "b" R1, VO_GROUND_BAD_NUMBER, 1, NONE, 0},
};

static vo_ground *
parse_whole(vo_ctx *ctx, const char *s, size_t len)
{
    vo_ground *g = NULL;
    if (vo_ground_parse(ctx, NULL, s, len, NULL, 0, &g))
        return NULL;
    return g;
}

/* Feed the text cut at `cut` (and at every byte when cut == 0). */
static vo_ground *
parse_split(vo_ctx *ctx, const char *s, size_t len, size_t cut, float lp)
{
    vo_ground *g = NULL;
    if (vo_ground_new(ctx, NULL, &g))
        return NULL;
    if (cut == 0) {
        for (size_t i = 0; i < len; i++)
            vo_ground_feed(g, s + i, 1, lp);
    } else {
        vo_ground_feed(g, s, cut, lp);
        vo_ground_feed(g, s + cut, len - cut, lp);
    }
    vo_ground_finish(g);
    return g;
}

static void
log_quiet(void *user, int level, const char *msg)
{
    (void)user, (void)level, (void)msg;
}

/* The warnings of a parse, one a line. */
static void
log_keep(void *user, int level, const char *msg)
{
    char *buf = user;
    size_t n = strlen(buf);
    if (level == VO_LOG_WARN)
        snprintf(buf + n, 4096 - n, "%s\n", msg);
}

int
main(void)
{
    vo_ctx *ctx = vo_new_ctx();
    vo_set_log(ctx, log_quiet, NULL);
    size_t n_cases = sizeof cases / sizeof cases[0];

    /* 1, 2: the table */
    for (size_t i = 0; i < n_cases; i++) {
        const ground_case *c = &cases[i];
        vo_ground *g = parse_whole(ctx, c->in, c->len);
        const char *got = g ? spans_str(g) : "(parse failed)";
        int pass = g && !strcmp(got, c->want);
        if (c->ev1 != NONE)
            pass = pass && vo_ground_count(g, c->ev1) == c->n1;
        if (c->ev2 != NONE)
            pass = pass && vo_ground_count(g, c->ev2) == c->n2;
        if (!ok(pass, "ground %s", c->name)) {
            char cs[512];
            if (g)
                counts_str(g, cs, sizeof cs);
            diag("got: %s  counts: %s", got, g ? cs : "");
        }
        vo_drop_ground(g);
    }

    /* 3: the same text cut anywhere gives the same spans and counts */
    for (size_t i = 0; i < n_cases; i++) {
        const ground_case *c = &cases[i];
        vo_ground *whole = parse_whole(ctx, c->in, c->len);
        char want[65536], wc[512], gc[512];
        snprintf(want, sizeof want, "%s", spans_str(whole));
        counts_str(whole, wc, sizeof wc);
        int same = 1;
        for (size_t cut = 0; cut < c->len && same; cut++) {
            vo_ground *g = parse_split(ctx, c->in, c->len, cut, -0.5f);
            counts_str(g, gc, sizeof gc);
            same = g && !strcmp(spans_str(g), want) && !strcmp(gc, wc);
            size_t n;
            const vo_span *s = vo_ground_spans(g, &n);
            for (size_t k = 0; k < n && same; k++) /* one constant log-prob: exp(-0.5) */
                same = fabsf(s[k].conf - expf(-0.5f)) < 1e-5f;
            if (!same)
                diag("differs when cut at %zu: %s", cut, g ? spans_str(g) : "");
            vo_drop_ground(g);
        }
        ok(same, "ground 3.%zu: case %s streamed at every cut", i + 1, c->name);
        vo_drop_ground(whole);
    }

    /* 4: confidence from the text's tokens */
    {
        vo_ground *g = NULL;
        vo_ground_new(ctx, NULL, &g);
        vo_ground_feed(g, S("<char>"), -0.1f);
        vo_ground_feed(g, S("가"), -0.2f);
        vo_ground_feed(g, S("나</char>"), -0.4f);
        vo_ground_feed(g, S(B1), -3.0f);
        vo_ground_feed(g, S("<char>"), -0.1f);
        vo_ground_feed(g, S("x"), VO_LOGPROB_NONE);
        vo_ground_feed(g, S("</char>" B1), -1.0f);
        vo_ground_finish(g);
        size_t n;
        const vo_span *s = vo_ground_spans(g, &n);
        ok(n == 2 && fabsf(s[0].conf - expf(-0.3f)) < 1e-6f,
           "ground 4.1: confidence = exp(mean log-prob of the text's tokens)");
        ok(n == 2 && s[1].conf == VO_CONF_NONE, "ground 4.2: no log-probs gives VO_CONF_NONE");
        ok(vo_ground_feed(g, S("x"), 0) == VO_ERR_ARGUMENT, "ground 4.3: feed after finish refused");
        vo_drop_ground(g);

        const char *txt = "<char>가</char>" B1 "<char>ab</char>" B1;
        vo_token_lp toks[] = {{0, -0.1f}, {6, -0.2f}, {9, -0.1f}, {16, -0.1f}, {47, -0.1f},
                              {53, -0.5f}, {54, -1.5f}, {55, -0.1f}};
        vo_ground_parse(ctx, NULL, txt, strlen(txt), toks, 8, &g);
        s = vo_ground_spans(g, &n);
        ok(n == 2 && fabsf(s[0].conf - expf(-0.2f)) < 1e-6f && fabsf(s[1].conf - expf(-1.0f)) < 1e-6f,
           "ground 4.4: one-shot parse takes per-token offsets");
        vo_drop_ground(g);
    }

    /* 5: limits */
    {
        static char big[8192];
        size_t o = (size_t)snprintf(big, sizeof big, "<char>");
        for (int i = 0; i < 1000; i++)
            o += (size_t)snprintf(big + o, sizeof big - o, "가");
        o += (size_t)snprintf(big + o, sizeof big - o, "</char>" B1);
        vo_ground *g = parse_whole(ctx, big, o);
        size_t n;
        const vo_span *s = vo_ground_spans(g, &n);
        ok(n == 1 && strlen(s[0].text) == 1023 && vo_ground_count(g, VO_GROUND_LONG_TEXT) == 1 &&
               !vo_ground_count(g, VO_GROUND_BAD_UTF8),
           "ground 5.1: an enormous span is cut at a character boundary");
        vo_drop_ground(g);

        vo_ground_opts opts = {.max_spans = 2};
        const char *three = "<char>a</char>" B1 "<char>b</char>" B1 "<char>c</char>" B1;
        vo_ground_parse(ctx, &opts, three, strlen(three), NULL, 0, &g);
        s = vo_ground_spans(g, &n);
        ok(n == 2 && vo_ground_count(g, VO_GROUND_TOO_MANY) == 1, "ground 5.2: spans beyond max_spans dropped");
        vo_drop_ground(g);
    }

    /* 6: mapping to page pixels */
    {
        vo_box b = vo_ground_box_to_page((vo_box){0.25f, 0.5f, 0.75f, 1.0f}, 200, 100);
        ok(b.x0 == 50 && b.y0 == 50 && b.x1 == 150 && b.y1 == 100, "ground 6.1: X = x*W, Y = y*H");
        b = vo_ground_box_to_page((vo_box){-0.5f, 0, 2, 1}, 200, 100);
        ok(b.x0 == 0 && b.x1 == 200, "ground 6.2: clamped to the page");
    }

    /* 7: out of memory anywhere: an error, never a crash or a leak */
    {
        const char *txt = "x<char>가나</char>" B1 "<obj>b</obj>" B1 "<delim>" B1;
        int clean = 1;
        for (long n = 1; n < 200; n++) {
            vo_ground *g = NULL;
            vo_alloc_fail_after(n);
            vo_status st = vo_ground_parse(ctx, NULL, txt, strlen(txt), NULL, 0, &g);
            int fired = vo_alloc_fault_fired();
            vo_alloc_fail_after(0);
            if (fired && (st != VO_ERR_NOMEM || g))
                clean = 0;
            vo_drop_ground(g);
            if (!fired)
                break;
        }
        ok(clean, "ground 7.1: every failed allocation gives VO_ERR_NOMEM");
    }
    /* 9: the warnings say the page, how many were dropped, why, and what it
     * means for the outputs */
    {
        static char said[4096];
        said[0] = 0;
        vo_set_log(ctx, log_keep, said);
        vo_set_verbosity(ctx, 1);
        vo_ground_opts go = {0};
        go.where = "scan.pdf: page 3";
        vo_ground *g = NULL;
        static const char out[] = "stray<char>a</char>" B1 "<char></char>" B1 "<char>b</char>" B1;
        int okk = vo_ground_new(ctx, &go, &g) == VO_OK &&
                  vo_ground_feed(g, out, sizeof out - 1, VO_LOGPROB_NONE) == VO_OK &&
                  vo_ground_finish(g) == VO_OK;
        if (!ok(okk && strstr(said, "scan.pdf: page 3: model output: 1 dropped (text outside "
                                    "items): not in any output file\n") &&
                    strstr(said, "scan.pdf: page 3: model output: 1 dropped (boxes without "
                                 "text): not in any output file\n"),
                "ground 9.1: dropped model output is said with its page, count, reason and "
                "meaning"))
            diag("said: %s", said);
        vo_drop_ground(g);
        vo_set_log(ctx, log_quiet, NULL);
    }
    vo_drop_ctx(ctx);
    return done_testing();
}
