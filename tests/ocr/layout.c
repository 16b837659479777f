/* layout.c (test): spans → words, lines, paragraphs, blocks and reading
 * order, as tables of {spans, expected structure}. */
#include "src/ocr/layout.h"
#include "src/util/alloc.h"
#include "src/util/buf.h"
#include "tests/tap.h"

#include <math.h>

/* Blocks joined by " || ", paragraphs by " | ", lines by " / ", words by " ". */
static char *
structure(const vo_page *pg)
{
    static char out[8192];
    vo_buf b = VO_BUF_INIT;
    for (int i = 0; i < pg->n_blocks; i++) {
        if (i)
            vo_buf_puts(&b, " || ");
        for (int p = 0; p < pg->blocks[i].n_pars; p++) {
            if (p)
                vo_buf_puts(&b, " | ");
            const vo_par *P = &pg->blocks[i].pars[p];
            for (int l = 0; l < P->n_lines; l++) {
                if (l)
                    vo_buf_puts(&b, " / ");
                for (int w = 0; w < P->lines[l].n_words; w++)
                    vo_buf_printf(&b, w ? " %s" : "%s", P->lines[l].words[w].text);
            }
        }
    }
    snprintf(out, sizeof out, "%s", b.data ? b.data : "");
    vo_buf_free(&b);
    return out;
}

#define SP(t, x0, y0, x1, y1) {(char *)(t), {x0, y0, x1, y1}, VO_CONF_NONE}
#define SPC(t, x0, y0, x1, y1, c) {(char *)(t), {x0, y0, x1, y1}, c}

static vo_page *
lay(vo_ctx *ctx, const vo_span *s, size_t n, int w, int h)
{
    vo_page *pg = vo_new_page(1, w, h, 300, 300, "test");
    if (vo_layout_page(ctx, s, n, NULL, pg)) {
        vo_drop_page(pg);
        return NULL;
    }
    return pg;
}

typedef struct {
    const char *name;
    vo_span spans[16];
    size_t n;
    const char *want;
} layout_case;

/* Page 1000 × 1000 px, so 0.001 = 1 px. Characters 20 px high. */
static const layout_case cases[] = {
    {"1.1: one span per word", {SP("Hello", .10, .10, .15, .12), SP("world", .16, .10, .21, .12)}, 2, "Hello world"},
    {"1.2: word spans that touch stay two words", {SP("ab", .10, .10, .12, .12), SP("cd", .12, .10, .14, .12)}, 2, "ab cd"},
    {"1.3: one span per character with space spans",
     {SP("a", .100, .10, .110, .12), SP(" ", .110, .10, .111, .12), SP("b", .111, .10, .121, .12), SP("c", .122, .10, .132, .12)}, 4, "a bc"},
    {"1.4: characters without spaces: a wide gap starts a word",
     {SP("a", .100, .10, .110, .12), SP("b", .111, .10, .121, .12), SP("c", .135, .10, .145, .12), SP("d", .146, .10, .156, .12)}, 4, "ab cd"},
    {"1.5: characters without spaces: a gap of 0.3 char height is not a break",
     {SP("가", .100, .10, .120, .12), SP("나", .125, .10, .145, .12)}, 2, "가나"},
    {"1.6: a span with inner spaces is split", {SP("Hello world", .10, .10, .21, .12)}, 1, "Hello world"},
    {"1.7: spans given right to left come out left to right",
     {SP("c", .16, .10, .18, .12), SP("b", .13, .10, .15, .12), SP("a", .10, .10, .12, .12)}, 3, "a b c"},
    {"1.8: a line starting with a comma stays one line",
     {SP(",", .100, .118, .103, .123), SP("가", .104, .10, .124, .12), SP("나", .126, .10, .146, .12)}, 3, ",가나"},
    {"1.9: whitespace spans alone give nothing", {SP(" ", .1, .1, .2, .2), SP("  ", .3, .1, .4, .2)}, 2, ""},
    /* 1.10-1.14: character spans without spaces, where a character's cell
     * (not its ink) decides the gap: each case breaks under a plain ink-box
     * gap of 0.3 char height */
    {"1.10: a full-width colon's side bearings are not spaces",
     {SP("가", .100, .10, .120, .12), SP("：", .127, .10, .129, .12), SP("나", .136, .10, .156, .12)}, 3, "가：나"},
    {"1.11: a space beside a full-width sign still breaks",
     {SP("가", .100, .10, .120, .12), SP("：", .138, .10, .140, .12), SP("나", .143, .10, .163, .12)}, 3, "가 ：나"},
    {"1.12: a CJK bracket's cell lies on the far side of its ink",
     {SP("가", .100, .10, .120, .12), SP("』", .122, .10, .130, .12), SP("나", .142, .10, .162, .12),
      SP("「", .174, .10, .182, .12), SP("다", .184, .10, .204, .12)}, 5, "가』나「다"},
    {"1.13: a narrow 1 among digits has a digit's cell",
     {SP("2", .100, .10, .110, .12), SP("0", .112, .10, .122, .12), SP("1", .129, .10, .131, .12),
      SP("9", .138, .10, .148, .12)}, 4, "2019"},
    {"1.14: a 1 with no other digit has half a char height",
     {SP("(", .100, .10, .104, .12), SP("1", .111, .10, .114, .12), SP("1", .121, .10, .124, .12),
      SP(")", .131, .10, .135, .12)}, 4, "(11)"},
    /* 2: lines and reading order */
    {"2.1: two lines, top first", {SP("down", .10, .13, .15, .15), SP("up", .10, .10, .15, .12)}, 2, "up / down"},
    {"2.2: two columns: left column before right",
     {SP("L1", .05, .10, .40, .12), SP("R1", .55, .10, .90, .12), SP("L2", .05, .13, .40, .15),
      SP("R2", .55, .13, .90, .15), SP("L3", .05, .16, .40, .18), SP("R3", .55, .16, .90, .18)}, 6,
     "L1 / L2 / L3 || R1 / R2 / R3"},
    {"2.3: a title across two columns, then the columns",
     {SP("Title", .05, .05, .90, .07), SP("L1", .05, .10, .40, .12), SP("R1", .55, .10, .90, .12),
      SP("L2", .05, .13, .40, .15), SP("R2", .55, .13, .90, .15)}, 5, "Title || L1 / L2 || R1 / R2"},
    {"2.4: a gap of 3 line heights starts a paragraph",
     {SP("a", .10, .10, .30, .12), SP("b", .10, .13, .30, .15), SP("c", .10, .21, .30, .23), SP("d", .10, .24, .30, .26)}, 4,
     "a / b | c / d"},
    {"2.5: a footer across the page after two columns",
     {SP("L1", .05, .10, .40, .12), SP("R1", .55, .10, .90, .12), SP("L2", .05, .13, .40, .15),
      SP("R2", .55, .13, .90, .15), SP("Footer", .05, .90, .90, .92)}, 5, "L1 / L2 || R1 / R2 || Footer"},
    /* 2.6-2.8: a raised or oversized character keeps its line one line */
    {"2.6: a superscript overlapping its line by a third stays in it",
     {SP("Text", .10, .10, .14, .12), SP("1", .141, .092, .146, .104), SP("here", .156, .10, .19, .12),
      SP("Next", .10, .13, .14, .15)}, 4, "Text 1 here / Next"},
    {"2.7: a raised bullet before each line stays on its line",
     {SP(">", .08, .091, .09, .105), SP("Hello", .10, .10, .15, .12), SP(">", .08, .121, .09, .135),
      SP("World", .10, .13, .15, .15)}, 4, "> Hello / > World"},
    {"2.8: a large initial beside two lines joins the first, and they stay two lines",
     {SP("T", .06, .10, .09, .15), SP("his", .10, .10, .13, .12), SP("is", .14, .10, .16, .12),
      SP("second", .10, .13, .16, .15), SP("third", .06, .16, .16, .18)}, 5, "T his is / second / third"},
    {"2.9: a paragraph's last word close under its line (overlapping it by 0.45) stays a line",
     {SP("Words", .10, .100, .15, .122), SP("more", .16, .100, .20, .122), SP("end.", .10, .112, .14, .134)},
     3, "Words more / end."},
};

static void
log_quiet(void *user, int level, const char *msg)
{
    (void)user, (void)level, (void)msg;
}

static const vo_word *
word_at(const vo_page *pg, int b, int l, int w)
{
    return &pg->blocks[b].pars[0].lines[l].words[w];
}

static int
near(float a, float b)
{
    return fabsf(a - b) < 0.01f;
}

int
main(void)
{
    vo_ctx *ctx = vo_new_ctx();
    vo_set_log(ctx, log_quiet, NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const layout_case *c = &cases[i];
        vo_page *pg = lay(ctx, c->spans, c->n, 1000, 1000);
        const char *got = pg ? structure(pg) : "(failed)";
        if (!ok(pg && !strcmp(got, c->want), "layout %s", c->name))
            diag("got \"%s\", want \"%s\"", got, c->want);
        vo_drop_page(pg);
    }

    /* 3: estimated boxes, glyphs, confidence, language */
    {
        vo_span s[] = {SPC("Hello world", .0f, .1f, .11f, .12f, 0.9f)};
        vo_page *pg = lay(ctx, s, 1, 1000, 1000);
        const vo_word *a = word_at(pg, 0, 0, 0), *b = word_at(pg, 0, 0, 1);
        ok(near(a->box.x0, 0) && near(a->box.x1, 50) && near(b->box.x0, 60) && near(b->box.x1, 110),
           "layout 3.1: inner space splits the box by advance (Latin 1/2)");
        ok(a->n_glyphs == 5 && near(a->glyphs[1].box.x0, 10) && near(a->glyphs[1].box.x1, 20),
           "layout 3.2: one estimated glyph per code point");
        ok(a->conf == 0.9f && !strcmp(a->lang, "eng"), "layout 3.3: word keeps the span's confidence; lang eng");
        vo_drop_page(pg);
    }
    {
        vo_span s[] = {SP("가a", .0f, .1f, .15f, .12f)};
        vo_page *pg = lay(ctx, s, 1, 1000, 1000);
        const vo_word *w = word_at(pg, 0, 0, 0);
        ok(w->n_glyphs == 2 && near(w->glyphs[0].box.x1, 100) && near(w->glyphs[1].box.x0, 100) &&
               !strcmp(w->lang, "kor") && !strcmp(pg->lang, "kor"),
           "layout 3.4: Hangul advances 1, Latin 1/2; a word with Hangul is kor");
        vo_drop_page(pg);
    }
    {
        vo_span s[] = {SPC("가", .100f, .1f, .120f, .12f, 0.9f), SPC("나", .121f, .1f, .141f, .12f, 0.5f),
                       SPC("다", .150f, .1f, .170f, .12f, 0.7f)};
        vo_page *pg = lay(ctx, s, 3, 1000, 1000);
        const vo_line *ln = &pg->blocks[0].pars[0].lines[0];
        ok(ln->n_words == 2 && ln->words[0].conf == 0.5f && ln->words[0].glyphs[0].conf == 0.9f,
           "layout 3.5: word confidence is the minimum of its glyphs'");
        ok(near(ln->conf, 0.6f), "layout 3.6: line confidence is the mean of its words'");
        ok(pg->origin == VO_PAGE_FROM_OCR, "layout 3.7: page origin is OCR");
        vo_drop_page(pg);
    }
    ok(vo_layout_word_lang("123", 3) == NULL && !strcmp(vo_layout_word_lang("x1", 2), "eng") &&
           !strcmp(vo_layout_word_lang("ㄱ", 3), "kor") && vo_layout_word_lang("×÷", 4) == NULL,
       "layout 3.8: languages of digits, Latin, jamo, signs");
    {
        vo_page *pg = lay(ctx, NULL, 0, 100, 100);
        ok(pg && pg->n_blocks == 0, "layout 3.9: no spans, empty page");
        vo_drop_page(pg);
        vo_span s[] = {SP("a", .1f, .1f, .2f, .2f)};
        pg = lay(ctx, s, 1, 0, 0);
        ok(pg && pg->n_blocks == 0, "layout 3.10: a page of zero size keeps nothing");
        vo_drop_page(pg);
    }

    /* 4: out of memory anywhere: VO_ERR_NOMEM and a page that can be dropped */
    {
        const layout_case *c = &cases[11];
        int clean = 1;
        for (long n = 1; n < 500; n++) {
            vo_page *pg = vo_new_page(1, 1000, 1000, 300, 300, "t");
            if (!pg)
                return 1;
            vo_alloc_fail_after(n);
            vo_status st = vo_layout_page(ctx, c->spans, c->n, NULL, pg);
            int fired = vo_alloc_fault_fired();
            vo_alloc_fail_after(0);
            clean &= fired ? st == VO_ERR_NOMEM : st == VO_OK;
            vo_drop_page(pg);
            if (!fired)
                break;
        }
        ok(clean, "layout 4.1: every failed allocation gives VO_ERR_NOMEM");
    }
    vo_drop_ctx(ctx);
    return done_testing();
}
