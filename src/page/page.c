/* page.c: building and finishing the page model. */
#include "src/page/page.h"
#include "../util/alloc.h"

#include <math.h>
#include <string.h>

vo_page *vo_new_page(int number, int width, int height, float dpi_x, float dpi_y,
                     const char *source)
{
    vo_page *p = vo_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->number = number;
    p->width = width;
    p->height = height;
    p->dpi_x = dpi_x;
    p->dpi_y = dpi_y;
    if (source && !(p->source = vo_strdup(source))) {
        vo_free(p);
        return NULL;
    }
    return p;
}

static void free_word(vo_word *w)
{
    for (int i = 0; i < w->n_glyphs; i++)
        vo_free(w->glyphs[i].text);
    vo_free(w->glyphs);
    vo_free(w->text);
}

static void free_line(vo_line *l)
{
    for (int i = 0; i < l->n_words; i++)
        free_word(&l->words[i]);
    vo_free(l->words);
}

static void free_par(vo_par *p)
{
    for (int i = 0; i < p->n_lines; i++)
        free_line(&p->lines[i]);
    vo_free(p->lines);
}

static void free_block(vo_block *b)
{
    for (int i = 0; i < b->n_pars; i++)
        free_par(&b->pars[i]);
    vo_free(b->pars);
}

void vo_drop_page(vo_page *page)
{
    if (!page)
        return;
    for (int i = 0; i < page->n_blocks; i++)
        free_block(&page->blocks[i]);
    vo_free(page->blocks);
    vo_free(page->source);
    vo_free(page->image_name);
    vo_free(page);
}

/* Append one zeroed item to a counted array. */
static vo_status push(void **arr, int *n, size_t *cap, size_t size)
{
    vo_status st = vo_grow(arr, cap, (size_t)*n + 1, size);
    if (st)
        return st;
    memset((char *)*arr + (size_t)*n * size, 0, size);
    (*n)++;
    return VO_OK;
}

vo_status vo_page_add_block(vo_page *page)
{
    return push((void **)&page->blocks, &page->n_blocks, &page->cap_blocks_, sizeof(vo_block));
}

vo_status vo_page_add_par(vo_page *page)
{
    vo_status st;
    if (page->n_blocks == 0 && (st = vo_page_add_block(page)))
        return st;
    vo_block *b = &page->blocks[page->n_blocks - 1];
    return push((void **)&b->pars, &b->n_pars, &b->cap_pars_, sizeof(vo_par));
}

static vo_par *last_par(vo_page *page)
{
    if (page->n_blocks == 0)
        return NULL;
    vo_block *b = &page->blocks[page->n_blocks - 1];
    return b->n_pars ? &b->pars[b->n_pars - 1] : NULL;
}

vo_status vo_page_add_line(vo_page *page)
{
    vo_status st;
    if (!last_par(page) && (st = vo_page_add_par(page)))
        return st;
    vo_par *p = last_par(page);
    st = push((void **)&p->lines, &p->n_lines, &p->cap_lines_, sizeof(vo_line));
    if (!st)
        p->lines[p->n_lines - 1].conf = VO_CONF_NONE;
    return st;
}

static vo_line *last_line(vo_page *page)
{
    vo_par *p = last_par(page);
    return p && p->n_lines ? &p->lines[p->n_lines - 1] : NULL;
}

vo_status vo_page_add_word(vo_page *page, const char *text, size_t len, vo_box box,
                           float conf, const char *lang)
{
    vo_status st;
    if (!last_line(page) && (st = vo_page_add_line(page)))
        return st;
    vo_line *l = last_line(page);
    char *copy = vo_strndup(text, len);
    if (!copy)
        return VO_ERR_NOMEM;
    if ((st = push((void **)&l->words, &l->n_words, &l->cap_words_, sizeof(vo_word)))) {
        vo_free(copy);
        return st;
    }
    vo_word *w = &l->words[l->n_words - 1];
    w->text = copy;
    w->box = box;
    w->conf = conf;
    w->lang = lang;
    return VO_OK;
}

vo_status vo_page_add_glyph(vo_page *page, const char *text, size_t len, vo_box box,
                            float conf)
{
    vo_line *l = last_line(page);
    if (!l || l->n_words == 0)
        return VO_ERR_ARGUMENT;
    vo_word *w = &l->words[l->n_words - 1];
    char *copy = vo_strndup(text, len);
    if (!copy)
        return VO_ERR_NOMEM;
    vo_status st = push((void **)&w->glyphs, &w->n_glyphs, &w->cap_glyphs_, sizeof(vo_glyph));
    if (st) {
        vo_free(copy);
        return st;
    }
    vo_glyph *g = &w->glyphs[w->n_glyphs - 1];
    g->text = copy;
    g->box = box;
    g->conf = conf;
    return VO_OK;
}

int vo_box_is_empty(vo_box b) { return !(b.x1 > b.x0) || !(b.y1 > b.y0); }

vo_box vo_box_union(vo_box a, vo_box b)
{
    if (vo_box_is_empty(a))
        return b;
    if (vo_box_is_empty(b))
        return a;
    vo_box r = {fminf(a.x0, b.x0), fminf(a.y0, b.y0), fmaxf(a.x1, b.x1), fmaxf(a.y1, b.y1)};
    return r;
}

float vo_box_iou(vo_box a, vo_box b)
{
    float ix = fminf(a.x1, b.x1) - fmaxf(a.x0, b.x0);
    float iy = fminf(a.y1, b.y1) - fmaxf(a.y0, b.y0);
    if (ix <= 0 || iy <= 0)
        return 0;
    float inter = ix * iy;
    float ua = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter;
    return ua > 0 ? inter / ua : 0;
}

/* Most frequent word language of a paragraph (NULL if none). */
static const char *dominant_lang(const vo_par *p)
{
    const char *best = NULL;
    int best_n = 0;
    for (int i = 0; i < p->n_lines; i++)
        for (int j = 0; j < p->lines[i].n_words; j++) {
            const char *l = p->lines[i].words[j].lang;
            if (!l || l == best)
                continue;
            int n = 0;
            for (int a = 0; a < p->n_lines; a++)
                for (int b = 0; b < p->lines[a].n_words; b++) {
                    const char *m = p->lines[a].words[b].lang;
                    n += m && strcmp(m, l) == 0;
                }
            if (n > best_n) {
                best = l;
                best_n = n;
            }
        }
    return best;
}

void vo_page_finish(vo_page *page)
{
    int nb = 0;
    for (int b = 0; b < page->n_blocks; b++) {
        vo_block *B = &page->blocks[b];
        int np = 0;
        B->box = (vo_box){0, 0, 0, 0};
        for (int p = 0; p < B->n_pars; p++) {
            vo_par *P = &B->pars[p];
            int nl = 0;
            P->box = (vo_box){0, 0, 0, 0};
            for (int l = 0; l < P->n_lines; l++) {
                vo_line *L = &P->lines[l];
                if (L->n_words == 0) {
                    free_line(L);
                    continue;
                }
                vo_box box = {0, 0, 0, 0};
                double conf = 0;
                int n_conf = 0;
                for (int w = 0; w < L->n_words; w++) {
                    vo_word *W = &L->words[w];
                    if (vo_box_is_empty(W->box))
                        for (int g = 0; g < W->n_glyphs; g++)
                            W->box = vo_box_union(W->box, W->glyphs[g].box);
                    box = vo_box_union(box, W->box);
                    if (W->conf >= 0) {
                        conf += W->conf;
                        n_conf++;
                    }
                }
                L->box = box;
                if (L->conf < 0 && n_conf)
                    L->conf = (float)(conf / n_conf);
                P->lines[nl++] = *L;
                P->box = vo_box_union(P->box, box);
            }
            P->n_lines = nl;
            if (nl == 0) {
                vo_free(P->lines);
                continue;
            }
            if (!P->lang)
                P->lang = dominant_lang(P);
            B->pars[np++] = *P;
            B->box = vo_box_union(B->box, P->box);
        }
        B->n_pars = np;
        if (np == 0) {
            vo_free(B->pars);
            continue;
        }
        page->blocks[nb++] = *B;
    }
    page->n_blocks = nb;
}

int vo_page_count_words(const vo_page *page)
{
    int n = 0;
    for (int b = 0; b < page->n_blocks; b++)
        for (int p = 0; p < page->blocks[b].n_pars; p++)
            for (int l = 0; l < page->blocks[b].pars[p].n_lines; l++)
                n += page->blocks[b].pars[p].lines[l].n_words;
    return n;
}
