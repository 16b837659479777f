/* layout.c: spans → words → lines → blocks in reading order (rules in
 * layout.h); pure functions over the page model's builders. */
#include "src/ocr/layout.h"
#include "src/util/alloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define LAYOUT_XYCUT_MAX 3000 /* more lines than this: plain top-to-bottom order */

/* A piece of a span without whitespace (or a whole whitespace span). */
typedef struct layout_unit {
    vo_box box;       /* page pixels */
    const char *text; /* borrowed from the span */
    size_t len;
    float conf;
    int n_cp;         /* code points */
    int is_break;     /* a whitespace-only span: a word break */
    int inner_break;  /* whitespace before it inside the same span */
    size_t seq;       /* creation order, to keep sorts stable */
} layout_unit;

typedef struct layout_line {
    vo_box box;       /* union of its non-break units */
    size_t *units;    /* indices into the unit array, left to right */
    size_t n, cap;
    int real;         /* holds at least one non-break unit */
    int region;       /* reading-order region (a column) */
} layout_line;

typedef struct layout {
    vo_ctx *ctx;
    vo_layout_opts o;
    layout_unit *units;
    size_t n_units, cap_units;
    layout_line *lines;
    size_t n_lines, cap_lines;
} layout;

static float box_w(vo_box b) { return b.x1 - b.x0; }
static float box_h(vo_box b) { return b.y1 - b.y0; }

static int
layout_is_space(utf8proc_int32_t cp)
{
    utf8proc_category_t c = utf8proc_category(cp);
    return cp == '\t' || cp == '\n' || cp == '\r' || c == UTF8PROC_CATEGORY_ZS ||
           c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
}

/* Estimated advance of a code point, in em (layout.h). */
static float
layout_advance(utf8proc_int32_t cp)
{
    int w = utf8proc_charwidth(cp);
    return w >= 2 ? 1.0f : w == 1 ? 0.5f : 0.25f;
}

/* Decode the next code point of valid (or not) UTF-8; returns its length. */
static size_t
layout_next_cp(const char *s, size_t len, utf8proc_int32_t *cp)
{
    utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, cp);
    if (n <= 0) {
        *cp = 0xfffd;
        return 1;
    }
    return (size_t)n;
}

static int
layout_in(utf8proc_int32_t cp, utf8proc_int32_t lo, utf8proc_int32_t hi)
{
    return cp >= lo && cp <= hi;
}

const char *
vo_layout_word_lang(const char *text, size_t len)
{
    int latin = 0;
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        i += layout_next_cp(text + i, len - i, &cp);
        if (layout_in(cp, 0xac00, 0xd7a3) || layout_in(cp, 0x1100, 0x11ff) ||
            layout_in(cp, 0x3130, 0x318f) || layout_in(cp, 0xa960, 0xa97f) ||
            layout_in(cp, 0xd7b0, 0xd7ff))
            return "kor";
        if (layout_in(cp, 'A', 'Z') || layout_in(cp, 'a', 'z') || layout_in(cp, 0xc0, 0x24f))
            latin = latin || (cp != 0xd7 && cp != 0xf7); /* × and ÷ are not letters */
    }
    return latin ? "eng" : NULL;
}

/* --- spans → units ----------------------------------------------------- */

static vo_status
layout_push_unit(layout *L, layout_unit u)
{
    if (vo_grow((void **)&L->units, &L->cap_units, L->n_units + 1, sizeof *L->units))
        return VO_ERR_NOMEM;
    u.seq = L->n_units;
    L->units[L->n_units++] = u;
    return VO_OK;
}

/* Split one span at its whitespace; each piece gets the part of the span
 * box its code points' advances cover. */
static vo_status
layout_add_span(layout *L, const vo_span *sp, vo_box box)
{
    const char *s = sp->text;
    size_t len = strlen(s);
    float total = 0;
    int inked = 0;
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        i += layout_next_cp(s + i, len - i, &cp);
        total += layout_advance(cp);
        inked |= !layout_is_space(cp);
    }
    if (!inked)
        return layout_push_unit(L, (layout_unit){box, s, len, sp->conf, 0, 1, 0, 0});
    float scale = box_w(box) / total, at = 0;
    int seen_space = 0;
    layout_unit u = {0};
    int in_piece = 0;
    for (size_t i = 0; i <= len;) {
        utf8proc_int32_t cp = ' ';
        size_t n = i < len ? layout_next_cp(s + i, len - i, &cp) : 1;
        int space = layout_is_space(cp);
        if (space && in_piece) { /* the piece ends here */
            u.box.x1 = box.x0 + at * scale;
            vo_status st = layout_push_unit(L, u);
            if (st)
                return st;
            in_piece = 0;
        }
        if (!space && !in_piece) {
            u = (layout_unit){box, s + i, 0, sp->conf, 0, 0, seen_space, 0};
            u.box.x0 = box.x0 + at * scale;
            in_piece = 1;
        }
        if (!space) {
            u.len += n;
            u.n_cp++;
        }
        seen_space |= space;
        if (i < len)
            at += layout_advance(cp);
        i += n;
    }
    return VO_OK;
}

/* --- units → lines ----------------------------------------------------- */

static int
layout_cmp_x(const void *a, const void *b)
{
    const layout_unit *p = a, *q = b;
    if (p->box.x0 != q->box.x0)
        return p->box.x0 < q->box.x0 ? -1 : 1;
    if (p->box.y0 != q->box.y0)
        return p->box.y0 < q->box.y0 ? -1 : 1;
    return p->seq < q->seq ? -1 : p->seq > q->seq;
}

static int layout_cmp_float(const void *a, const void *b);

/* qsort that accepts an empty (NULL) array. */
static void
layout_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (n > 1)
        qsort(base, n, size, cmp);
}

/* Which line a unit joins: the most overlapping one within reach; with
 * `near`, else the vertically nearest one within half a line. -1: none. */
static long
layout_pick_line(const layout *L, const layout_unit *u, int near)
{
    long best = -1;
    float best_r = 0, best_gap = 0, best_d = 0;
    float uh = box_h(u->box);
    for (size_t i = 0; i < L->n_lines; i++) {
        const layout_line *ln = &L->lines[i];
        vo_box b = ln->box;
        float lh = box_h(b);
        float gap = fmaxf(u->box.x0 - b.x1, b.x0 - u->box.x1);
        if (gap > L->o.col_gap * fmaxf(uh, lh))
            continue;
        float ov = fminf(u->box.y1, b.y1) - fmaxf(u->box.y0, b.y0);
        float mh = fminf(uh, lh);
        if (mh > 0 && ov >= 0.5f * mh) {
            float r = ov / mh;
            if (best < 0 || best_d > 0 || r > best_r || (r == best_r && fabsf(gap) < best_gap)) {
                best = (long)i;
                best_r = r;
                best_gap = fabsf(gap);
                best_d = 0;
            }
            continue;
        }
        float d = fmaxf(0, fmaxf(b.y0 - u->box.y1, u->box.y0 - b.y1));
        if (near && d <= 0.5f * lh && (best < 0 || (best_d > 0 && d < best_d))) {
            best = (long)i;
            best_d = d > 0 ? d : 1e-6f;
        }
    }
    return best;
}

/* A unit twice the usual height (a large initial): the line within reach
 * that it spans whose top is nearest its own (the first line it stands
 * beside). Chosen after every other unit has its line, so that lines
 * below it never join through it. -1: none. */
static long
layout_pick_initial(const layout *L, const layout_unit *u)
{
    long best = -1;
    float best_d = 0, uh = box_h(u->box);
    for (size_t i = 0; i < L->n_lines; i++) {
        vo_box b = L->lines[i].box;
        float lh = box_h(b);
        float gap = fmaxf(u->box.x0 - b.x1, b.x0 - u->box.x1);
        if (!L->lines[i].real || gap > L->o.col_gap * lh)
            continue;
        if (b.y0 < u->box.y0 - 0.5f * lh || b.y1 > u->box.y1 + 0.5f * lh || lh >= 0.5f * uh)
            continue;
        float d = fabsf(b.y0 - u->box.y0);
        if (best < 0 || d < best_d) {
            best = (long)i;
            best_d = d;
        }
    }
    return best;
}

static vo_status
layout_join_line(layout *L, size_t k, long li)
{
    layout_unit *u = &L->units[k];
    if (li < 0) {
        if (vo_grow((void **)&L->lines, &L->cap_lines, L->n_lines + 1, sizeof *L->lines))
            return VO_ERR_NOMEM;
        li = (long)L->n_lines++;
        memset(&L->lines[li], 0, sizeof L->lines[li]);
        L->lines[li].box = u->box;
    }
    layout_line *ln = &L->lines[li];
    if (vo_grow((void **)&ln->units, &ln->cap, ln->n + 1, sizeof *ln->units))
        return VO_ERR_NOMEM;
    ln->units[ln->n++] = k;
    if (!u->is_break)
        ln->box = ln->real ? vo_box_union(ln->box, u->box) : u->box;
    ln->real |= !u->is_break;
    return VO_OK;
}

/* A line of one or two units, lower than a wider line within reach that
 * it partly overlaps by 0.3 of its height (a superscript, a raised bullet,
 * which overlap their line by less than half): their units go into that
 * line, and the short line is removed. A paragraph's last word set close
 * under its line is as high as that line: it stays a line. */
static vo_status
layout_fold_raised(layout *L)
{
    long *into = vo_malloc((L->n_lines ? L->n_lines : 1) * sizeof *into);
    if (!into)
        return VO_ERR_NOMEM;
    for (size_t i = 0; i < L->n_lines; i++) {
        const layout_line *ln = &L->lines[i];
        float best_ov = 0, h = box_h(ln->box);
        into[i] = -1;
        for (size_t j = 0; j < L->n_lines && ln->n <= 2; j++) {
            const layout_line *o = &L->lines[j];
            if (j == i || box_w(o->box) <= box_w(ln->box))
                continue;
            float gap = fmaxf(ln->box.x0 - o->box.x1, o->box.x0 - ln->box.x1);
            float ov = fminf(ln->box.y1, o->box.y1) - fmaxf(ln->box.y0, o->box.y0);
            if (gap <= L->o.col_gap * fmaxf(h, box_h(o->box)) && ov >= 0.3f * h &&
                h <= 0.85f * box_h(o->box) && ov > best_ov) {
                into[i] = (long)j;
                best_ov = ov;
            }
        }
    }
    vo_status st = VO_OK;
    for (size_t i = 0; i < L->n_lines && !st; i++) {
        long t = into[i];
        while (t >= 0 && into[t] >= 0) /* a chain ends: each step is wider */
            t = into[t];
        for (size_t u = 0; t >= 0 && u < L->lines[i].n && !st; u++)
            st = layout_join_line(L, L->lines[i].units[u], t);
    }
    size_t kept = 0;
    for (size_t i = 0; i < L->n_lines; i++)
        if (into[i] < 0)
            L->lines[kept++] = L->lines[i];
        else
            vo_free(L->lines[i].units);
    L->n_lines = st ? L->n_lines : kept;
    vo_free(into);
    return st;
}

static int
layout_cmp_index(const void *a, const void *b)
{
    size_t p = *(const size_t *)a, q = *(const size_t *)b;
    return p < q ? -1 : p > q;
}

/* Lines grow left to right; a small unit (dot, dash, underscore) that fits
 * no line yet, and every word break, joins afterwards, so that a line never
 * starts from a comma. A short line that partly overlaps a longer one (a
 * superscript, a raised bullet) is folded into it first; a large initial
 * joins last, beside its first line: it would otherwise join the lines it
 * spans into one. */
static vo_status
layout_make_lines(layout *L)
{
    layout_sort(L->units, L->n_units, sizeof *L->units, layout_cmp_x);
    float *h = vo_malloc((L->n_units ? L->n_units : 1) * sizeof *h);
    if (!h)
        return VO_ERR_NOMEM;
    size_t nh = 0;
    for (size_t k = 0; k < L->n_units; k++)
        if (!L->units[k].is_break)
            h[nh++] = box_h(L->units[k].box);
    layout_sort(h, nh, sizeof *h, layout_cmp_float);
    float small = nh ? 0.5f * h[nh / 2] : 0, big = nh ? 2.0f * h[nh / 2] : 0;
    vo_free(h);
    vo_status st = VO_OK;
    enum { NOW, LATER_SMALL, LATER_INITIAL };
    char *later = vo_calloc(L->n_units ? L->n_units : 1, 1);
    if (!later)
        return VO_ERR_NOMEM;
    for (size_t k = 0; k < L->n_units && !st; k++) {
        const layout_unit *u = &L->units[k];
        long li = -1;
        if (!u->is_break && nh >= 3 && box_h(u->box) > big)
            later[k] = LATER_INITIAL;
        else if (!u->is_break && (li = layout_pick_line(L, u, 0)) >= 0)
            st = layout_join_line(L, k, li);
        else if (u->is_break || box_h(u->box) < small)
            later[k] = LATER_SMALL;
        else
            st = layout_join_line(L, k, -1);
    }
    if (!st)
        st = layout_fold_raised(L);
    for (size_t k = 0; k < L->n_units && !st; k++)
        if (later[k] == LATER_SMALL)
            st = layout_join_line(L, k, layout_pick_line(L, &L->units[k], 1));
    for (size_t k = 0; k < L->n_units && !st; k++)
        if (later[k] == LATER_INITIAL)
            st = layout_join_line(L, k, layout_pick_initial(L, &L->units[k]));
    vo_free(later);
    /* units are sorted by x, so index order is left to right */
    for (size_t i = 0; i < L->n_lines; i++)
        layout_sort(L->lines[i].units, L->lines[i].n, sizeof *L->lines[i].units, layout_cmp_index);
    return st;
}

/* --- reading order: recursive XY-cut on line boxes ----------------------- */

static int
layout_cmp_float(const void *a, const void *b)
{
    float p = *(const float *)a, q = *(const float *)b;
    return p < q ? -1 : p > q;
}

typedef struct xy_item {
    size_t line;
    vo_box box;
} xy_item;

static int xy_cmp_x(const void *a, const void *b)
{
    const xy_item *p = a, *q = b;
    if (p->box.x0 != q->box.x0)
        return p->box.x0 < q->box.x0 ? -1 : 1;
    return p->line < q->line ? -1 : p->line > q->line;
}

static int xy_cmp_y(const void *a, const void *b)
{
    const xy_item *p = a, *q = b;
    if (p->box.y0 != q->box.y0)
        return p->box.y0 < q->box.y0 ? -1 : 1;
    if (p->box.x0 != q->box.x0)
        return p->box.x0 < q->box.x0 ? -1 : 1;
    return p->line < q->line ? -1 : p->line > q->line;
}

typedef struct xy_node {
    size_t lo, hi; /* range of the item array */
    int region;
} xy_node;

/* Put the real lines in reading order: out[] gets line indices, and each
 * line its region. Returns the count. */
static vo_status
layout_order(layout *L, size_t *out, size_t *n_out)
{
    size_t n = 0;
    xy_item *it = vo_calloc(L->n_lines ? L->n_lines : 1, sizeof *it);
    xy_node *stack = vo_calloc(L->n_lines * 2 + 1, sizeof *stack);
    size_t *starts = vo_calloc(L->n_lines + 1, sizeof *starts); /* column starts of one cut */
    if (!it || !stack || !starts) {
        vo_free(it);
        vo_free(stack);
        vo_free(starts);
        return VO_ERR_NOMEM;
    }
    for (size_t i = 0; i < L->n_lines; i++)
        if (L->lines[i].real)
            it[n++] = (xy_item){i, L->lines[i].box};
    *n_out = 0;
    int regions = 1;
    if (n > LAYOUT_XYCUT_MAX) { /* bounded time on absurd inputs */
        layout_sort(it, n, sizeof *it, xy_cmp_y);
        for (size_t i = 0; i < n; i++)
            out[(*n_out)++] = it[i].line;
        goto done;
    }
    size_t sp = 0;
    if (n)
        stack[sp++] = (xy_node){0, n, 0};
    while (sp) {
        xy_node nd = stack[--sp];
        size_t cnt = nd.hi - nd.lo;
        xy_item *a = it + nd.lo;
        if (cnt == 1) {
            L->lines[a[0].line].region = nd.region;
            out[(*n_out)++] = a[0].line;
            continue;
        }
        /* Columns first: cut at every gap of the x projection. */
        layout_sort(a, cnt, sizeof *a, xy_cmp_x);
        size_t cuts = 0;
        float reach = a[0].box.x1;
        for (size_t i = 1; i < cnt; i++) {
            if (a[i].box.x0 > reach)
                cuts++;
            reach = fmaxf(reach, a[i].box.x1);
        }
        if (cuts) {
            /* push right to left so that the leftmost column pops first */
            size_t end = cnt, k = 0;
            reach = a[0].box.x1;
            starts[k++] = 0;
            for (size_t i = 1; i < cnt; i++) {
                if (a[i].box.x0 > reach)
                    starts[k++] = i;
                reach = fmaxf(reach, a[i].box.x1);
            }
            for (size_t c = k; c-- > 0;) {
                stack[sp++] = (xy_node){nd.lo + starts[c], nd.lo + end, regions + (int)c};
                end = starts[c];
            }
            regions += (int)k;
            continue;
        }
        /* Then rows: cut at the widest gap of the y projection. */
        layout_sort(a, cnt, sizeof *a, xy_cmp_y);
        size_t at = 0;
        float best = 0;
        reach = a[0].box.y1;
        for (size_t i = 1; i < cnt; i++) {
            float gap = a[i].box.y0 - reach;
            if (gap > best) {
                best = gap;
                at = i;
            }
            reach = fmaxf(reach, a[i].box.y1);
        }
        if (at) {
            stack[sp++] = (xy_node){nd.lo + at, nd.hi, nd.region};
            stack[sp++] = (xy_node){nd.lo, nd.lo + at, nd.region};
            continue;
        }
        /* Lines that touch both ways: top to bottom. */
        for (size_t i = 0; i < cnt; i++) {
            L->lines[a[i].line].region = nd.region;
            out[(*n_out)++] = a[i].line;
        }
    }
done:
    vo_free(it);
    vo_free(stack);
    vo_free(starts);
    return VO_OK;
}

/* --- lines → words → page ---------------------------------------------- */

/* Add a word made of units [a, b) of a line (non-break ones). */
static vo_status
layout_emit_word(layout *L, vo_page *page, const layout_line *ln, size_t a, size_t b)
{
    vo_status st = VO_OK;
    size_t len = 0;
    for (size_t k = a; k < b; k++)
        len += L->units[ln->units[k]].len;
    char *text = vo_malloc(len + 1);
    if (!text)
        return VO_ERR_NOMEM;
    size_t o = 0;
    vo_box box = {0, 0, 0, 0};
    float conf = VO_CONF_NONE;
    for (size_t k = a; k < b; k++) {
        const layout_unit *u = &L->units[ln->units[k]];
        memcpy(text + o, u->text, u->len);
        o += u->len;
        box = vo_box_union(box, u->box);
        if (u->conf >= 0 && (conf < 0 || u->conf < conf))
            conf = u->conf;
    }
    text[o] = 0;
    if ((st = vo_page_add_word(page, text, len, box, conf, vo_layout_word_lang(text, len))))
        goto out;
    /* One glyph per code point; several per unit are spread by advance. */
    for (size_t k = a; k < b && !st; k++) {
        const layout_unit *u = &L->units[ln->units[k]];
        float total = 0, at = 0;
        for (size_t i = 0; i < u->len;) {
            utf8proc_int32_t cp;
            i += layout_next_cp(u->text + i, u->len - i, &cp);
            total += layout_advance(cp);
        }
        float scale = box_w(u->box) / total;
        for (size_t i = 0; i < u->len && !st;) {
            utf8proc_int32_t cp;
            size_t n = layout_next_cp(u->text + i, u->len - i, &cp);
            vo_box g = u->box;
            if (u->n_cp > 1) {
                g.x0 = u->box.x0 + at * scale;
                at += layout_advance(cp);
                g.x1 = i + n >= u->len ? u->box.x1 : u->box.x0 + at * scale;
            }
            st = vo_page_add_glyph(page, u->text + i, n, g, u->conf);
            i += n;
        }
    }
out:
    vo_free(text);
    return st;
}

/* --- word breaks from gaps: each character's cell ----------------------- */

/* A character box holds ink only, but the gap that a reader sees as a space
 * lies between advances: a full-width sign (： ～ ㆍ 』 ／ ㅣ) or a narrow
 * tabular digit (1) has a cell much wider than its ink, and its side
 * bearings would otherwise read as spaces. The cell of such a character is
 * widened to the line's typical width for its kind (layout.h). */

static int
layout_is_syllable(utf8proc_int32_t cp)
{
    return layout_in(cp, 0xac00, 0xd7a3) || layout_in(cp, 0x4e00, 0x9fff) ||
           layout_in(cp, 0x3400, 0x4dbf) || layout_in(cp, 0xf900, 0xfaff);
}

/* CJK brackets and stops, whose ink sits against the text they belong to:
 * 1 for ink on the left of the cell (closing, 、 。), -1 on the right
 * (opening), 0 for a sign with its ink in the middle (full-width forms of
 * ASCII, jamo, ㆍ, 〃, ～: their placement varies by font). */
static int
layout_ink_side(utf8proc_int32_t cp)
{
    if (!(layout_in(cp, 0x3001, 0x3002) || layout_in(cp, 0x3008, 0x3011) ||
          layout_in(cp, 0x3014, 0x301b)))
        return 0;
    return utf8proc_category(cp) == UTF8PROC_CATEGORY_PS ? -1 : 1;
}

/* The first code point of a one-code-point unit, or 0. */
static utf8proc_int32_t
layout_unit_cp(const layout_unit *u)
{
    utf8proc_int32_t cp = 0;
    if (u->is_break || u->n_cp != 1)
        return 0;
    layout_next_cp(u->text, u->len, &cp);
    return cp;
}

/* Median of v[0..n) (sorts v); `none` when n is 0. */
static float
layout_median(float *v, size_t n, float none)
{
    if (!n)
        return none;
    layout_sort(v, n, sizeof *v, layout_cmp_float);
    return n % 2 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
}

/* Cells (x0, x1 pairs into cell[2k], cell[2k + 1]) of a line's units:
 * a wide character narrower than the line's median Hangul or Han syllable
 * (else 0.9 char heights) gets that width, placed by layout_ink_side; an
 * ASCII digit narrower than the line's median digit other than 1 (else
 * half a char height) gets that width, centred. Other units keep their
 * box. */
static vo_status
layout_cells(const layout *L, const layout_line *ln, float char_h, float *cell)
{
    float *v = vo_malloc((ln->n ? ln->n : 1) * sizeof *v);
    if (!v)
        return VO_ERR_NOMEM;
    size_t nw = 0, nd = 0;
    for (size_t k = 0; k < ln->n; k++) {
        const layout_unit *u = &L->units[ln->units[k]];
        if (layout_is_syllable(layout_unit_cp(u)))
            v[nw++] = box_w(u->box);
    }
    float wide = layout_median(v, nw, 0.9f * char_h);
    for (size_t k = 0; k < ln->n; k++) {
        const layout_unit *u = &L->units[ln->units[k]];
        utf8proc_int32_t cp = layout_unit_cp(u);
        if (layout_in(cp, '0', '9') && cp != '1')
            v[nd++] = box_w(u->box);
    }
    float digit = layout_median(v, nd, 0.5f * char_h);
    vo_free(v);
    for (size_t k = 0; k < ln->n; k++) {
        const layout_unit *u = &L->units[ln->units[k]];
        utf8proc_int32_t cp = layout_unit_cp(u);
        float x0 = u->box.x0, x1 = u->box.x1, w = x1 - x0;
        int is_digit = layout_in(cp, '0', '9');
        float want = is_digit ? digit : cp && utf8proc_charwidth(cp) >= 2 ? wide : 0;
        if (w < want) {
            int side = is_digit ? 0 : layout_ink_side(cp);
            if (side > 0)
                x1 = x0 + want;
            else if (side < 0)
                x0 = x1 - want;
            else
                x0 -= 0.5f * (want - w), x1 += 0.5f * (want - w);
        }
        cell[2 * k] = x0;
        cell[2 * k + 1] = x1;
    }
    return VO_OK;
}

static vo_status
layout_emit_line(layout *L, vo_page *page, const layout_line *ln, int page_breaks)
{
    size_t n_break = 0, n_multi = 0, n_single = 0;
    float *h = vo_malloc(ln->n * sizeof *h);
    if (!h)
        return VO_ERR_NOMEM;
    size_t nh = 0;
    for (size_t k = 0; k < ln->n; k++) {
        const layout_unit *u = &L->units[ln->units[k]];
        if (u->is_break) {
            n_break++;
            continue;
        }
        h[nh++] = box_h(u->box);
        if (u->n_cp > 1)
            n_multi++;
        else
            n_single++;
    }
    layout_sort(h, nh, sizeof *h, layout_cmp_float);
    float char_h = nh ? h[(nh * 3) / 4 < nh ? (nh * 3) / 4 : nh - 1] : 0;
    vo_free(h);
    /* A page with space spans has them wherever words end; otherwise one
     * span per word when most spans are longer than a character; otherwise
     * one span per character and the gaps decide. */
    int by_space = n_break || page_breaks;
    int by_span = !by_space && n_multi >= n_single;
    int by_gap = !by_space && !by_span;

    float *cell = NULL;
    if (by_gap) {
        if (!(cell = vo_malloc((ln->n ? ln->n : 1) * 2 * sizeof *cell)))
            return VO_ERR_NOMEM;
        vo_status cs = layout_cells(L, ln, char_h, cell);
        if (cs) {
            vo_free(cell);
            return cs;
        }
    }

    vo_status st = vo_page_add_line(page);
    size_t start = 0, have = 0; /* current word: units [start, k) */
    float prev_x1 = 0;
    int prev_multi = 0;
    for (size_t k = 0; k <= ln->n && !st; k++) {
        const layout_unit *u = k < ln->n ? &L->units[ln->units[k]] : NULL;
        int cut = !u || u->is_break;
        if (u && !u->is_break && have)
            cut = u->inner_break || by_span ||
                  (by_space && (u->n_cp > 1 || prev_multi)) || /* two word-like spans */
                  (by_gap && cell[2 * k] - prev_x1 > L->o.word_gap * char_h);
        if (cut && have) {
            st = layout_emit_word(L, page, ln, start, k);
            have = 0;
        }
        if (u && u->is_break)
            continue;
        if (u) {
            if (!have)
                start = k;
            have = 1;
            prev_x1 = cell ? cell[2 * k + 1] : u->box.x1;
            prev_multi = u->n_cp > 1;
        }
    }
    vo_free(cell);
    return st;
}

static const char *
layout_page_lang(const vo_page *page)
{
    int kor = 0, eng = 0;
    for (int b = 0; b < page->n_blocks; b++)
        for (int p = 0; p < page->blocks[b].n_pars; p++)
            for (int l = 0; l < page->blocks[b].pars[p].n_lines; l++)
                for (int w = 0; w < page->blocks[b].pars[p].lines[l].n_words; w++) {
                    const char *lang = page->blocks[b].pars[p].lines[l].words[w].lang;
                    kor += lang && !strcmp(lang, "kor");
                    eng += lang && !strcmp(lang, "eng");
                }
    return kor || eng ? (kor >= eng ? "kor" : "eng") : NULL;
}

vo_status
vo_layout_page(vo_ctx *ctx, const vo_span *spans, size_t n, const vo_layout_opts *opts,
               vo_page *page)
{
    if (!page || (n && !spans))
        return vo_fail(ctx, VO_ERR_ARGUMENT, "layout: no page or no spans given");
    layout L = {ctx, {0.3f, 1.5f, 1.5f}, NULL, 0, 0, NULL, 0, 0};
    if (opts && opts->word_gap > 0)
        L.o.word_gap = opts->word_gap;
    if (opts && opts->col_gap > 0)
        L.o.col_gap = opts->col_gap;
    if (opts && opts->par_gap > 0)
        L.o.par_gap = opts->par_gap;
    size_t *order = NULL, n_order = 0;
    vo_status st = VO_OK;
    page->origin = VO_PAGE_FROM_OCR;
    for (size_t i = 0; i < n && !st; i++) {
        vo_box b = vo_ground_box_to_page(spans[i].box, page->width, page->height);
        if (!spans[i].text || !spans[i].text[0] || vo_box_is_empty(b))
            continue;
        st = layout_add_span(&L, &spans[i], b);
    }
    int page_breaks = 0;
    for (size_t i = 0; i < L.n_units; i++)
        page_breaks |= L.units[i].is_break;
    if (!st)
        st = layout_make_lines(&L);
    if (!st && !(order = vo_malloc((L.n_lines ? L.n_lines : 1) * sizeof *order)))
        st = VO_ERR_NOMEM;
    if (!st)
        st = layout_order(&L, order, &n_order);
    /* median line height, for paragraph gaps */
    float med_h = 0;
    if (!st && n_order) {
        float *h = vo_malloc(n_order * sizeof *h);
        if (!h) {
            st = VO_ERR_NOMEM;
        } else {
            for (size_t i = 0; i < n_order; i++)
                h[i] = box_h(L.lines[order[i]].box);
            layout_sort(h, n_order, sizeof *h, layout_cmp_float);
            med_h = h[n_order / 2];
            vo_free(h);
        }
    }
    for (size_t i = 0; i < n_order && !st; i++) {
        const layout_line *ln = &L.lines[order[i]];
        if (i == 0 || ln->region != L.lines[order[i - 1]].region) {
            st = vo_page_add_block(page);
        } else {
            vo_box prev = L.lines[order[i - 1]].box;
            if (ln->box.y0 - prev.y1 > L.o.par_gap * med_h)
                st = vo_page_add_par(page);
        }
        if (!st)
            st = layout_emit_line(&L, page, ln, page_breaks);
    }
    vo_page_finish(page);
    page->lang = layout_page_lang(page);
    vo_free(order);
    for (size_t i = 0; i < L.n_lines; i++)
        vo_free(L.lines[i].units);
    vo_free(L.lines);
    vo_free(L.units);
    if (st == VO_ERR_NOMEM)
        return vo_fail(ctx, st, "out of memory laying out page %d", page->number);
    return st;
}
