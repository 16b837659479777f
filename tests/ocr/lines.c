/* lines.c (test): 610 text lines with exact character boxes, written in the
 * model's grammar in three granularities, must come back as the same text. */
#include "src/ocr/ground.h"
#include "src/ocr/layout.h"
#include "src/util/buf.h"
#include "tests/tap.h"

#include <jansson.h>
#include <math.h>
#include <utf8proc.h>

enum { ENC_WORD, ENC_CHAR_SPACES, ENC_CHAR_NO_SPACES, ENC_COUNT };
static const char *const enc_names[ENC_COUNT] = {
    "one span per word", "one span per character with space spans",
    "one span per character, no spaces"};

static int
is_space_text(const char *s)
{
    for (; *s; s++)
        if (*s != ' ')
            return 0;
    return 1;
}

/* NFC text with runs of whitespace as one space, trimmed. */
static char *
norm_text(const char *s)
{
    char *nfc = (char *)utf8proc_NFC((const utf8proc_uint8_t *)s);
    char *o = nfc, *r = nfc;
    int space = 0;
    for (; nfc && *r; r++) {
        if (*r == ' ' || *r == '\t' || *r == '\n') {
            space = o != nfc;
            continue;
        }
        if (space)
            *o++ = ' ';
        space = 0;
        *o++ = *r;
    }
    if (nfc)
        *o = 0;
    return nfc;
}

static void
add_item(vo_buf *b, const char *text, double x0, double y0, double x1, double y1, int w, int h)
{
    vo_buf_printf(b, "<char>%s</char><bbox>%.6f, %.6f, %.6f, %.6f</bbox>\n", text, x0 / w,
                  y0 / h, x1 / w, y1 / h);
}

/* The characters' vertical ranges chain into one interval (one image holds
 * an '@' drawn far above its line: no layout can call that one line). */
static int
one_visual_line(json_t *chars)
{
    double y0[512], y1[512];
    size_t i, n = 0;
    json_t *c;
    json_array_foreach(chars, i, c) {
        if (is_space_text(json_string_value(json_object_get(c, "text"))) || n == 512)
            continue;
        y0[n] = json_number_value(json_object_get(c, "y0"));
        y1[n++] = json_number_value(json_object_get(c, "y1"));
    }
    for (size_t k = 1; k < n; k++) /* insertion sort by top */
        for (size_t q = k; q > 0 && y0[q] < y0[q - 1]; q--) {
            double t0 = y0[q], t1 = y1[q];
            y0[q] = y0[q - 1], y1[q] = y1[q - 1], y0[q - 1] = t0, y1[q - 1] = t1;
        }
    double reach = n ? y1[0] : 0;
    for (size_t k = 1; k < n; k++) {
        if (y0[k] >= reach)
            return 0;
        reach = fmax(reach, y1[k]);
    }
    return 1;
}

/* The model's output for one line in one encoding. */
static void
encode(vo_buf *b, json_t *chars, int w, int h, int enc)
{
    size_t i;
    json_t *c;
    vo_buf word = VO_BUF_INIT;
    double wx0 = 0, wy0 = 0, wx1 = 0, wy1 = 0;
    vo_buf_reset(b);
    json_array_foreach(chars, i, c) {
        const char *t = json_string_value(json_object_get(c, "text"));
        double x0 = json_number_value(json_object_get(c, "x0"));
        double y0 = json_number_value(json_object_get(c, "y0"));
        double x1 = json_number_value(json_object_get(c, "x1"));
        double y1 = json_number_value(json_object_get(c, "y1"));
        int space = is_space_text(t);
        if (enc == ENC_CHAR_SPACES || (enc == ENC_CHAR_NO_SPACES && !space)) {
            add_item(b, t, x0, y0, x1, y1, w, h);
            continue;
        }
        if (enc != ENC_WORD)
            continue;
        if (space) {
            if (word.len)
                add_item(b, word.data, wx0, wy0, wx1, wy1, w, h);
            vo_buf_reset(&word);
            continue;
        }
        if (!word.len) {
            wx0 = x0, wy0 = y0, wx1 = x1, wy1 = y1;
        } else {
            wx0 = fmin(wx0, x0), wy0 = fmin(wy0, y0), wx1 = fmax(wx1, x1), wy1 = fmax(wy1, y1);
        }
        vo_buf_puts(&word, t);
    }
    if (enc == ENC_WORD && word.len)
        add_item(b, word.data, wx0, wy0, wx1, wy1, w, h);
    vo_buf_free(&word);
}

static int
box_eq(vo_box a, vo_box b)
{
    return fabsf(a.x0 - b.x0) < 1e-3f && fabsf(a.y0 - b.y0) < 1e-3f &&
           fabsf(a.x1 - b.x1) < 1e-3f && fabsf(a.y1 - b.y1) < 1e-3f;
}

static int
count_cps(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

typedef struct {
    int lines, text_ok, text_nospace_ok, boxes_ok, glyphs_ok;
    int visual, one_line;  /* lines drawn as one line in the image; of those, found as one */
    int required, req_ok;  /* lines whose words the encoding fixes; of those, exact */
} tally;

/* Check one laid-out page against the line's truth. */
static void
check_page(const vo_page *pg, const char *want, int visual, int required, tally *t)
{
    t->lines++;
    t->visual += visual;
    t->required += required;
    int n_lines = 0;
    vo_buf got = VO_BUF_INIT;
    int boxes = 1, glyphs = 1;
    for (int b = 0; b < pg->n_blocks; b++)
        for (int p = 0; p < pg->blocks[b].n_pars; p++)
            for (int l = 0; l < pg->blocks[b].pars[p].n_lines; l++) {
                const vo_line *ln = &pg->blocks[b].pars[p].lines[l];
                n_lines++;
                for (int w = 0; w < ln->n_words; w++) {
                    const vo_word *wd = &ln->words[w];
                    if (got.len)
                        vo_buf_putc(&got, ' ');
                    vo_buf_puts(&got, wd->text);
                    vo_box u = {0, 0, 0, 0};
                    int single = 1;
                    for (int g = 0; g < wd->n_glyphs; g++) {
                        u = vo_box_union(u, wd->glyphs[g].box);
                        single &= count_cps(wd->glyphs[g].text) == 1;
                    }
                    boxes &= wd->n_glyphs > 0 && box_eq(u, wd->box);
                    glyphs &= single && count_cps(wd->text) == wd->n_glyphs;
                }
            }
    t->one_line += visual && n_lines == 1;
    if (n_lines != 1 && getenv("VO_TEST_VERBOSE"))
        for (int b = 0; b < pg->n_blocks; b++)
            for (int p = 0; p < pg->blocks[b].n_pars; p++)
                for (int l = 0; l < pg->blocks[b].pars[p].n_lines; l++) {
                    const vo_line *ln = &pg->blocks[b].pars[p].lines[l];
                    diag("  line %.0f,%.0f,%.0f,%.0f: %d words, first \"%s\"", ln->box.x0,
                         ln->box.y0, ln->box.x1, ln->box.y1, ln->n_words, ln->words[0].text);
                }
    t->boxes_ok += boxes;
    t->glyphs_ok += glyphs;
    int same = got.data && !strcmp(got.data, want);
    if (!same && getenv("VO_TEST_VERBOSE"))
        diag("  got  \"%s\"", got.data ? got.data : "");
    t->text_ok += same;
    t->req_ok += required && same;
    /* without spaces: the characters at least */
    char *a = got.data ? got.data : (char *)"", *b2 = (char *)want;
    int eq = 1;
    while (*a || *b2) {
        if (*a == ' ') { a++; continue; }
        if (*b2 == ' ') { b2++; continue; }
        if (*a++ != *b2++) { eq = 0; break; }
    }
    t->text_nospace_ok += eq;
    vo_buf_free(&got);
}

static void
log_quiet(void *user, int level, const char *msg)
{
    (void)user, (void)level, (void)msg;
}

/* min_pct: the least share of lines, in %, whose text comes back exactly
 * in every encoding (see main for what the gaps cannot decide). */
static int
run_file(vo_ctx *ctx, const char *path, const char *tag, int part, int min_pct)
{
    vo_buf data = VO_BUF_INIT;
    if (vo_read_file(ctx, path, 0, &data)) {
        ok(0, "lines %d.0: %s read (%s)", part, tag, vo_last_error(ctx));
        return 0;
    }
    tally t[ENC_COUNT] = {{0}};
    int records = 0, shown = 0;
    vo_buf out = VO_BUF_INIT;
    for (char *line = data.data, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        json_t *j = json_loadb(line, nl ? (size_t)(nl - line) : strlen(line), 0, NULL);
        if (!j)
            continue;
        records++;
        int w = (int)json_integer_value(json_object_get(j, "width"));
        int h = (int)json_integer_value(json_object_get(j, "height"));
        char *want = norm_text(json_string_value(json_object_get(j, "text")));
        int visual = one_visual_line(json_object_get(j, "chars"));
        int spaced = strchr(want, ' ') != NULL;
        for (int e = 0; e < ENC_COUNT; e++) {
            encode(&out, json_object_get(j, "chars"), w, h, e);
            vo_ground *g = NULL;
            vo_page *pg = vo_new_page(1, w, h, 300, 300, "line");
            size_t n = 0;
            if (!vo_ground_parse(ctx, NULL, out.data, out.len, NULL, 0, &g)) {
                const vo_span *s = vo_ground_spans(g, &n);
                vo_layout_page(ctx, s, n, NULL, pg);
            }
            /* A line without spaces reads the same in both character encodings:
             * the gaps decide there (see layout.h). */
            int required = visual && (e == ENC_WORD || (e == ENC_CHAR_SPACES && spaced));
            int before = t[e].req_ok, before_text = t[e].text_ok;
            check_page(pg, want, visual, required, &t[e]);
            if (t[e].text_ok == before_text && getenv("VO_TEST_VERBOSE"))
                diag("%s %s (%s%s): missed; want \"%s\"", tag,
                     json_string_value(json_object_get(j, "image")), enc_names[e],
                     visual ? "" : ", two visual lines", want);
            if (t[e].req_ok == before && required && shown++ < 5)
                diag("%s %s (%s): want \"%s\"", tag, json_string_value(json_object_get(j, "image")),
                     enc_names[e], want);
            vo_drop_page(pg);
            vo_drop_ground(g);
        }
        free(want);
        json_decref(j);
    }
    vo_buf_free(&out);
    vo_buf_free(&data);
    ok(records >= 300, "lines %d.0: %s: %d records read", part, tag, records);
    for (int e = 0; e < ENC_COUNT; e++) {
        tally *x = &t[e];
        int sub = e * 10;
        ok(x->one_line == x->visual && x->visual + 2 >= x->lines,
           "lines %d.%d: %s, %s: one line per image (%d/%d drawn as one line)", part, sub + 1,
           tag, enc_names[e], x->one_line, x->visual);
        if (e != ENC_CHAR_NO_SPACES)
            ok(x->req_ok == x->required,
               "lines %d.%d: %s, %s: exact text where spans fix the words (%d/%d)", part,
               sub + 2, tag, enc_names[e], x->req_ok, x->required);
        /* gaps alone cannot always tell words apart: measured, see main */
        ok(x->text_ok * 100 >= x->lines * min_pct,
           "lines %d.%d: %s, %s: exact text in >= %d%% (%d/%d)", part, sub + 6, tag,
           enc_names[e], min_pct, x->text_ok, x->lines);
        ok(x->text_nospace_ok == x->lines, "lines %d.%d: %s, %s: every character back in order (%d/%d)",
           part, sub + 3, tag, enc_names[e], x->text_nospace_ok, x->lines);
        ok(x->boxes_ok == x->lines, "lines %d.%d: %s, %s: word box = union of glyph boxes (%d/%d)",
           part, sub + 4, tag, enc_names[e], x->boxes_ok, x->lines);
        ok(x->glyphs_ok == x->lines, "lines %d.%d: %s, %s: one glyph per code point (%d/%d)",
           part, sub + 5, tag, enc_names[e], x->glyphs_ok, x->lines);
    }
    return 1;
}

int
main(void)
{
    vo_ctx *ctx = vo_new_ctx();
    vo_set_log(ctx, log_quiet, NULL);
    const char *top = getenv("top_srcdir");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/ocr/kor-lines.jsonl", top ? top : ".");
    /* Korean: 310/310 exact in all three encodings (the no-space one was
     * 295/310 with a plain 0.3-height ink gap, before character cells). */
    run_file(ctx, path, "kor", 1, 99);
    snprintf(path, sizeof path, "%s/tests/data/ocr/eng-lines.jsonl", top ? top : ".");
    /* English, one span per character without spaces: 296/300 (was 286).
     * The misses, gaps in units of the line's character height:
     * - eng_0604 holds two visual lines (an '@' drawn far above the text):
     *   no layout can read it as "@Oberflachen" (1.21 leaves it out too);
     * - eng_0087 "PERSONAL ACTION" (L|A 0.24), eng_0353 "WEEK Ave.JPG"
     *   (K|A 0.25), eng_0536 "Of Answers" (f|A 0.24): a space before a
     *   capital A whose foot and the previous letter's foot (or f's hook)
     *   leave a gap no wider than letters leave inside words elsewhere:
     *   J-P 0.22 in the same eng_0353, '.c' 0.29, '..' 0.27, 'U!' 0.27 in
     *   other lines, while true spaces go down to 0.31 (w|Y, s|A).
     *   Neither a fixed threshold (0.26-0.32 tried) nor the gap's ratio to
     *   the line's median gap (1.5-2.25 for these spaces, up to 2.2 for
     *   letter gaps such as '..') takes them without breaking words
     *   elsewhere: ambiguous from boxes alone.
     * With one span per character and space spans, eng_0604 is the one
     * miss; one span per word: none. */
    run_file(ctx, path, "eng", 2, 98);
    vo_drop_ctx(ctx);
    return done_testing();
}
