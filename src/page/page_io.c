/* page_io.c: the page model as JSON with exact floats (jansson), for the
 * per-page cache of batches; untrusted on load: every field is checked. */
#include "src/page/page_io.h"
#include "src/util/alloc.h"
#include "src/util/buf.h"

#include <jansson.h>
#include <string.h>

/* --- save --- */

static json_t *box_json(vo_box b)
{
    return json_pack("[ffff]", (double)b.x0, (double)b.y0, (double)b.x1, (double)b.y1);
}

/* json_object_set_new that fails on NULL values */
static int set(json_t *o, const char *k, json_t *v)
{
    return v ? json_object_set_new(o, k, v) : -1;
}

static int append(json_t *a, json_t *v) { return v ? json_array_append_new(a, v) : -1; }

static json_t *word_json(const vo_word *w)
{
    json_t *o = json_object(), *g = json_array();
    int bad = !o || !g;
    bad |= set(o, "t", json_string(w->text ? w->text : ""));
    bad |= set(o, "b", box_json(w->box));
    bad |= set(o, "c", json_real(w->conf));
    if (w->lang)
        bad |= set(o, "l", json_string(w->lang));
    for (int i = 0; i < w->n_glyphs && !bad; i++)
        bad |= append(g, json_pack("{s:s,s:o,s:f}", "t", w->glyphs[i].text ? w->glyphs[i].text : "",
                                   "b", box_json(w->glyphs[i].box), "c",
                                   (double)w->glyphs[i].conf));
    bad |= set(o, "g", g);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *page_json(const vo_page *p, const char *stamp)
{
    json_t *o = json_object(), *blocks = json_array();
    int bad = !o || !blocks;
    bad |= set(o, "stamp", json_string(stamp ? stamp : ""));
    bad |= set(o, "number", json_integer(p->number));
    bad |= set(o, "width", json_integer(p->width));
    bad |= set(o, "height", json_integer(p->height));
    bad |= set(o, "dpi", json_pack("[ff]", (double)p->dpi_x, (double)p->dpi_y));
    bad |= set(o, "origin", json_integer(p->origin));
    if (p->source)
        bad |= set(o, "source", json_string(p->source));
    if (p->image_name)
        bad |= set(o, "image", json_string(p->image_name));
    if (p->lang)
        bad |= set(o, "lang", json_string(p->lang));
    for (int b = 0; b < p->n_blocks && !bad; b++) {
        json_t *pars = json_array();
        bad |= append(blocks, pars);
        for (int q = 0; q < p->blocks[b].n_pars && !bad; q++) {
            const vo_par *P = &p->blocks[b].pars[q];
            json_t *lines = json_array();
            bad |= append(pars, lines);
            for (int l = 0; l < P->n_lines && !bad; l++) {
                const vo_line *L = &P->lines[l];
                json_t *lo = json_object(), *words = json_array();
                bad |= append(lines, lo) || !words;
                bad |= set(lo, "c", json_real(L->conf));
                if (L->has_baseline)
                    bad |= set(lo, "bl", json_pack("[ff]", (double)L->baseline_slope,
                                                   (double)L->baseline_offset));
                for (int w = 0; w < L->n_words && !bad; w++)
                    bad |= append(words, word_json(&L->words[w]));
                bad |= set(lo, "w", words);
            }
        }
    }
    bad |= set(o, "blocks", blocks);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

vo_status vo_page_save(vo_ctx *ctx, const vo_page *page, const char *stamp, vo_output *out)
{
    json_t *j = page_json(page, stamp);
    if (!j)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory saving page %d", page->number);
    /* %.9g keeps every float exact; JSON_REAL_PRECISION(17) for doubles */
    char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(j);
    if (!s)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory saving page %d", page->number);
    vo_status st = vo_output_write(ctx, out, s, strlen(s));
    if (!st)
        st = vo_output_write(ctx, out, "\n", 1);
    free(s);
    return st;
}

vo_status vo_page_save_file(vo_ctx *ctx, const vo_page *page, const char *stamp, const char *path)
{
    vo_output *out = NULL;
    vo_status st = vo_output_open_file(ctx, path, &out);
    if (!st)
        st = vo_page_save(ctx, page, stamp, out);
    if (!st)
        st = vo_output_close(ctx, out);
    vo_output_drop(out);
    return st;
}

/* --- load --- */

static int get_box(json_t *a, vo_box *b)
{
    if (!json_is_array(a) || json_array_size(a) != 4)
        return 0;
    float v[4];
    for (int i = 0; i < 4; i++) {
        json_t *x = json_array_get(a, (size_t)i);
        if (!json_is_number(x))
            return 0;
        v[i] = (float)json_number_value(x);
    }
    *b = (vo_box){v[0], v[1], v[2], v[3]};
    return 1;
}

/* Static language names, so words keep `const char *lang` semantics. */
static const char *intern_lang(const char *l)
{
    static const char *const known[] = {"kor", "eng", "jpn", "chi", "zho", "deu", "fra", "spa",
                                        "ita", "por", "rus", "lat", NULL};
    for (int i = 0; known[i]; i++)
        if (strcmp(l, known[i]) == 0)
            return known[i];
    return NULL;
}

static vo_status load_word(vo_page *page, json_t *w)
{
    const char *t = json_string_value(json_object_get(w, "t"));
    vo_box box;
    json_t *c = json_object_get(w, "c");
    json_t *g = json_object_get(w, "g");
    const char *l = json_string_value(json_object_get(w, "l"));
    if (!t || !get_box(json_object_get(w, "b"), &box) || !json_is_number(c) || !json_is_array(g))
        return VO_ERR_FORMAT;
    vo_status st = vo_page_add_word(page, t, strlen(t), box, (float)json_number_value(c),
                                    l ? intern_lang(l) : NULL);
    size_t i;
    json_t *gl;
    json_array_foreach(g, i, gl) {
        if (st)
            break;
        const char *gt = json_string_value(json_object_get(gl, "t"));
        json_t *gc = json_object_get(gl, "c");
        vo_box gb;
        if (!gt || !get_box(json_object_get(gl, "b"), &gb) || !json_is_number(gc))
            return VO_ERR_FORMAT;
        st = vo_page_add_glyph(page, gt, strlen(gt), gb, (float)json_number_value(gc));
    }
    return st;
}

static vo_status load_blocks(vo_page *page, json_t *blocks)
{
    if (!json_is_array(blocks))
        return VO_ERR_FORMAT;
    size_t bi, pi, li, wi;
    json_t *pars, *lines, *line, *word;
    vo_status st = VO_OK;
    json_array_foreach(blocks, bi, pars) {
        if (!json_is_array(pars) || (st = vo_page_add_block(page)))
            return st ? st : VO_ERR_FORMAT;
        json_array_foreach(pars, pi, lines) {
            if (!json_is_array(lines) || (st = vo_page_add_par(page)))
                return st ? st : VO_ERR_FORMAT;
            json_array_foreach(lines, li, line) {
                json_t *words = json_object_get(line, "w");
                json_t *c = json_object_get(line, "c");
                json_t *bl = json_object_get(line, "bl");
                if (!json_is_array(words) || !json_is_number(c) || (st = vo_page_add_line(page)))
                    return st ? st : VO_ERR_FORMAT;
                vo_block *B = &page->blocks[page->n_blocks - 1];
                vo_par *P = &B->pars[B->n_pars - 1];
                vo_line *L = &P->lines[P->n_lines - 1];
                L->conf = (float)json_number_value(c);
                if (json_is_array(bl) && json_array_size(bl) == 2) {
                    L->has_baseline = 1;
                    L->baseline_slope = (float)json_number_value(json_array_get(bl, 0));
                    L->baseline_offset = (float)json_number_value(json_array_get(bl, 1));
                }
                json_array_foreach(words, wi, word) {
                    if ((st = load_word(page, word)))
                        return st;
                }
            }
        }
    }
    return VO_OK;
}

vo_status vo_page_load(vo_ctx *ctx, const char *path, const char *stamp, vo_page **out)
{
    *out = NULL;
    vo_buf data = VO_BUF_INIT;
    vo_status st = vo_read_file(ctx, path, (size_t)256 << 20, &data);
    if (st) {
        vo_buf_free(&data);
        return st;
    }
    json_error_t err;
    json_t *j = json_loadb(data.data, data.len, 0, &err);
    vo_buf_free(&data);
    if (!j)
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: not a saved page: %s (line %d)", path, err.text,
                       err.line);
    const char *s = json_string_value(json_object_get(j, "stamp"));
    json_t *n = json_object_get(j, "number"), *w = json_object_get(j, "width");
    json_t *h = json_object_get(j, "height"), *dpi = json_object_get(j, "dpi");
    json_t *origin = json_object_get(j, "origin");
    if (!s || !json_is_integer(n) || !json_is_integer(w) || !json_is_integer(h) ||
        !json_is_array(dpi) || json_array_size(dpi) != 2 || !json_is_integer(origin) ||
        json_integer_value(w) < 1 || json_integer_value(h) < 1 ||
        json_integer_value(w) > (1 << 24) || json_integer_value(h) > (1 << 24) ||
        json_integer_value(n) < 1 || json_integer_value(n) > (1 << 24)) {
        json_decref(j);
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: not a saved page (missing or bad fields)", path);
    }
    if (stamp && strcmp(stamp, s) != 0) {
        json_decref(j);
        return vo_fail(ctx, VO_ERR_ARGUMENT, "%s: made from another input or other settings",
                       path);
    }
    vo_page *p = vo_new_page((int)json_integer_value(n), (int)json_integer_value(w),
                             (int)json_integer_value(h),
                             (float)json_number_value(json_array_get(dpi, 0)),
                             (float)json_number_value(json_array_get(dpi, 1)),
                             json_string_value(json_object_get(j, "source")));
    if (!p) {
        json_decref(j);
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    }
    p->origin = (int)json_integer_value(origin);
    const char *lang = json_string_value(json_object_get(j, "lang"));
    p->lang = lang ? intern_lang(lang) : NULL;
    const char *img = json_string_value(json_object_get(j, "image"));
    if (img && !(p->image_name = vo_strdup(img)))
        st = VO_ERR_NOMEM;
    if (!st)
        st = load_blocks(p, json_object_get(j, "blocks"));
    json_decref(j);
    if (st) {
        vo_drop_page(p);
        return st == VO_ERR_NOMEM ? vo_fail(ctx, st, "out of memory")
                                  : vo_fail(ctx, VO_ERR_FORMAT, "%s: not a saved page (bad blocks)",
                                            path);
    }
    /* lines/pars/blocks keep the saved structure; boxes are recomputed the
     * same way they were before saving */
    vo_page_finish(p);
    *out = p;
    return VO_OK;
}
