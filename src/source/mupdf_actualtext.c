/* mupdf_actualtext.c: a page's text run into a text device with the
 * /ActualText of marked content taking the place of the glyphs it covers
 * (MuPDF 1.21 ignores it: flag emoji drawn from a private-use glyph came
 * out as U+F03D9, a hyphen marked as no text stayed). The contents go
 * through MuPDF's run processor with its marked-content operators hooked
 * (a span's start and end also flush the text object, which the processor
 * otherwise gives the device only at ET: a device that extracts text does
 * not mind); the text goes through a device in front of the text device,
 * which rewrites what a marked span shows. Annotations and widgets are run as
 * they are. */
#include "src/source/mupdf_doc.h"

#include <mupdf/pdf.h>
#include <string.h>

#define AT_MAX_CHARS 256 /* code points of one ActualText used */

typedef struct at_state {
    int depth;        /* marked-content nesting */
    int span_depth;   /* the depth the ActualText span began at; 0: none */
    int emitted;      /* its text was given already */
    int n;            /* its code points */
    int cps[AT_MAX_CHARS];
    /* the run processor's own operators */
    void (*BMC)(fz_context *, pdf_processor *, const char *);
    void (*BDC)(fz_context *, pdf_processor *, const char *, pdf_obj *, pdf_obj *);
    void (*EMC)(fz_context *, pdf_processor *);
    void (*ET)(fz_context *, pdf_processor *);
} at_state;

typedef struct at_device {
    fz_device super;
    fz_device *target;
    int skip_invisible;
    mupdf_text_census *census; /* NULL: not asked */
    at_state *st;
} at_device;

/* The processor's callbacks get only the processor, which MuPDF allocates
 * and we cannot extend: the state of the page in progress is here. */
static _Thread_local at_state *at_now;

static void at_BMC(fz_context *fz, pdf_processor *p, const char *tag)
{
    at_now->depth++;
    at_now->BMC(fz, p, tag);
}

static void at_BDC(fz_context *fz, pdf_processor *p, const char *tag, pdf_obj *raw,
                   pdf_obj *cooked)
{
    at_state *s = at_now;
    s->depth++;
    pdf_obj *at = pdf_dict_get(fz, cooked, PDF_NAME(ActualText));
    if (!s->span_depth && pdf_is_string(fz, at)) { /* an inner one is covered by this one */
        /* the run processor gives a text object's glyphs to the device at
         * its end: what came before the span goes now (its ET only flushes) */
        s->ET(fz, p);
        const char *u = pdf_to_text_string(fz, at);
        s->n = 0;
        while (*u && s->n < AT_MAX_CHARS) {
            int c;
            u += fz_chartorune(&c, u);
            s->cps[s->n++] = c;
        }
        s->span_depth = s->depth;
        s->emitted = 0;
    }
    s->BDC(fz, p, tag, raw, cooked);
}

static void at_EMC(fz_context *fz, pdf_processor *p)
{
    at_state *s = at_now;
    if (s->depth > 0 && s->depth == s->span_depth) {
        s->ET(fz, p); /* the span's glyphs go while it is known */
        s->span_depth = 0;
    }
    if (s->depth > 0)
        s->depth--;
    s->EMC(fz, p);
}

/* The text to give for `text`: itself, or inside a span the ActualText's
 * characters on its glyphs in order (the first character on the first
 * glyph, ...; characters beyond the glyphs on the last one, glyphs beyond
 * the characters dropped), once a span; NULL when nothing is to be given. */
static fz_text *at_text(fz_context *fz, at_state *s, const fz_text *text)
{
    if (!s->span_depth)
        return fz_keep_text(fz, text);
    if (s->emitted)
        return NULL;
    const fz_text_span *span = text->head;
    while (span && span->len == 0)
        span = span->next;
    if (!span)
        return NULL;
    s->emitted = 1;
    if (s->n == 0)
        return NULL; /* marked as no text */
    fz_text *t = fz_new_text(fz);
    fz_try(fz) {
        const fz_text_span *sp = span;
        int k = 0; /* glyph of sp */
        for (int i = 0; i < s->n; i++) {
            fz_matrix trm = sp->trm;
            trm.e = sp->items[k].x;
            trm.f = sp->items[k].y;
            int gid = sp->items[k].gid;
            /* the next glyph for the next character, if there is one */
            const fz_text_span *next = sp;
            int nk = k + 1;
            while (next && nk >= next->len) {
                next = next->next;
                nk = 0;
            }
            int last = !next;
            fz_show_glyph(fz, t, sp->font, trm, gid, s->cps[i], sp->wmode, sp->bidi_level,
                          sp->markup_dir, sp->language);
            if (last) { /* the other characters on this glyph, glyphless */
                for (i++; i < s->n; i++)
                    fz_show_glyph(fz, t, sp->font, trm, -1, s->cps[i], sp->wmode,
                                  sp->bidi_level, sp->markup_dir, sp->language);
                sp = NULL;
                break;
            }
            sp = next;
            k = nk;
        }
        /* glyphs beyond the characters stay as spaces: dropped, their gap
         * would read as a line's end */
        for (; sp; sp = sp->next, k = 0)
            for (; k < sp->len; k++) {
                fz_matrix trm = sp->trm;
                trm.e = sp->items[k].x;
                trm.f = sp->items[k].y;
                fz_show_glyph(fz, t, sp->font, trm, sp->items[k].gid, ' ', sp->wmode,
                              sp->bidi_level, sp->markup_dir, sp->language);
            }
    }
    fz_catch(fz) {
        fz_drop_text(fz, t);
        fz_rethrow(fz);
    }
    return t;
}

#define AT_FORWARD(CALL)                                                        \
    do {                                                                        \
        at_device *d = (at_device *)dev;                                        \
        fz_text *t = at_text(fz, d->st, text);                                  \
        if (!t)                                                                 \
            return;                                                             \
        fz_try(fz) { CALL; }                                                    \
        fz_always(fz) fz_drop_text(fz, t);                                      \
        fz_catch(fz) fz_rethrow(fz);                                            \
    } while (0)

/* text's glyphs (not white space) counted into c, those wholly off the
 * page too, and the boxes of invisible ones kept. Throws. */
static void at_census(fz_context *fz, const fz_text *text, fz_matrix ctm, int invisible,
                      mupdf_text_census *c)
{
    for (const fz_text_span *span = text->head; span; span = span->next)
        for (int i = 0; i < span->len; i++) {
            const fz_text_item *it = &span->items[i];
            if (it->gid < 0 || it->ucs <= 32 || it->ucs == 0xa0 || it->ucs == 0x3000)
                continue;
            fz_matrix trm = span->trm;
            trm.e = it->x, trm.f = it->y;
            fz_rect r = fz_bound_glyph(fz, span->font, it->gid, fz_concat(trm, ctm));
            c->glyphs++;
            if (fz_is_empty_rect(r) || fz_is_infinite_rect(r))
                continue;
            c->outside += fz_is_empty_rect(fz_intersect_rect(r, c->page));
            if (!invisible)
                continue;
            mupdf_glyph_boxes *b = &c->invisible;
            if (b->n == b->cap) {
                int cap = b->cap ? 2 * b->cap : 256;
                b->r = fz_realloc_array(fz, b->r, cap, fz_rect);
                b->cap = cap;
            }
            b->r[b->n++] = r;
        }
}

static void at_fill_text(fz_context *fz, fz_device *dev, const fz_text *text, fz_matrix ctm,
                         fz_colorspace *cs, const float *color, float alpha, fz_color_params cp)
{
    fz_device *tg = ((at_device *)dev)->target;
    if (((at_device *)dev)->census)
        at_census(fz, text, ctm, 0, ((at_device *)dev)->census);
    if (tg->fill_text)
        AT_FORWARD(tg->fill_text(fz, tg, t, ctm, cs, color, alpha, cp));
}

static void at_stroke_text(fz_context *fz, fz_device *dev, const fz_text *text,
                           const fz_stroke_state *ss, fz_matrix ctm, fz_colorspace *cs,
                           const float *color, float alpha, fz_color_params cp)
{
    fz_device *tg = ((at_device *)dev)->target;
    if (((at_device *)dev)->census)
        at_census(fz, text, ctm, 0, ((at_device *)dev)->census);
    if (tg->stroke_text)
        AT_FORWARD(tg->stroke_text(fz, tg, t, ss, ctm, cs, color, alpha, cp));
}

static void at_clip_text(fz_context *fz, fz_device *dev, const fz_text *text, fz_matrix ctm,
                         fz_rect scissor)
{
    fz_device *tg = ((at_device *)dev)->target;
    if (((at_device *)dev)->census)
        at_census(fz, text, ctm, 0, ((at_device *)dev)->census);
    if (tg->clip_text)
        AT_FORWARD(tg->clip_text(fz, tg, t, ctm, scissor));
}

static void at_clip_stroke_text(fz_context *fz, fz_device *dev, const fz_text *text,
                                const fz_stroke_state *ss, fz_matrix ctm, fz_rect scissor)
{
    fz_device *tg = ((at_device *)dev)->target;
    if (((at_device *)dev)->census)
        at_census(fz, text, ctm, 0, ((at_device *)dev)->census);
    if (tg->clip_stroke_text)
        AT_FORWARD(tg->clip_stroke_text(fz, tg, t, ss, ctm, scissor));
}

static void at_ignore_text(fz_context *fz, fz_device *dev, const fz_text *text, fz_matrix ctm)
{
    fz_device *tg = ((at_device *)dev)->target;
    if (((at_device *)dev)->census && !((at_device *)dev)->skip_invisible)
        at_census(fz, text, ctm, 1, ((at_device *)dev)->census);
    if (tg->ignore_text && !((at_device *)dev)->skip_invisible)
        AT_FORWARD(tg->ignore_text(fz, tg, t, ctm));
}

/* The page's contents through the hooked run processor into dev. */
static void at_run_contents(fz_context *fz, pdf_page *page, fz_device *dev, at_state *st)
{
    pdf_document *doc = page->doc;
    pdf_processor *proc = NULL;
    fz_default_colorspaces *default_cs = NULL;
    at_state *outer = at_now;
    fz_var(proc);
    fz_var(default_cs);
    fz_try(fz) {
        fz_rect mediabox;
        fz_matrix ctm;
        default_cs = pdf_load_default_colorspaces(fz, doc, page);
        pdf_page_transform(fz, page, &mediabox, &ctm);
        proc = pdf_new_run_processor(fz, dev, ctm, "View", NULL, default_cs, NULL);
        st->BMC = proc->op_BMC, proc->op_BMC = at_BMC;
        st->BDC = proc->op_BDC, proc->op_BDC = at_BDC;
        st->EMC = proc->op_EMC, proc->op_EMC = at_EMC;
        st->ET = proc->op_ET;
        at_now = st;
        pdf_process_contents(fz, proc, doc, pdf_page_resources(fz, page),
                             pdf_page_contents(fz, page), NULL);
        pdf_close_processor(fz, proc);
    }
    fz_always(fz) {
        at_now = outer;
        pdf_drop_processor(fz, proc);
        fz_drop_default_colorspaces(fz, default_cs);
    }
    fz_catch(fz)
        fz_rethrow(fz);
}

void mupdf_run_text_contents(fz_context *fz, fz_page *pg, fz_device *dev, int skip_invisible,
                             mupdf_text_census *census)
{
    pdf_page *page = pdf_page_from_fz_page(fz, pg);
    if (!page) { /* not a PDF: no marked content */
        fz_run_page(fz, pg, dev, fz_identity, NULL);
        return;
    }
    at_state st;
    memset(&st, 0, sizeof st);
    at_device *ad = (at_device *)fz_new_device_of_size(fz, sizeof(at_device));
    ad->target = dev;
    ad->skip_invisible = skip_invisible;
    ad->census = census;
    ad->st = &st;
    ad->super.fill_text = at_fill_text;
    ad->super.stroke_text = at_stroke_text;
    ad->super.clip_text = at_clip_text;
    ad->super.clip_stroke_text = at_clip_stroke_text;
    ad->super.ignore_text = at_ignore_text;
    fz_try(fz) {
        at_run_contents(fz, page, &ad->super, &st);
        fz_close_device(fz, &ad->super);
    }
    fz_always(fz)
        fz_drop_device(fz, &ad->super);
    fz_catch(fz)
        fz_rethrow(fz);
}

void mupdf_run_text_annots(fz_context *fz, fz_page *pg, fz_device *dev)
{
    if (!pdf_page_from_fz_page(fz, pg))
        return; /* run whole by mupdf_run_text_contents */
    /* annotations and widgets as they are (their text is what they show) */
    fz_run_page_annots(fz, pg, dev, fz_identity, NULL);
    fz_run_page_widgets(fz, pg, dev, fz_identity, NULL);
}

