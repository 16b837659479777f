/* pdf_redo.c: invisible text (3 Tr) removed from a PDF page for --redo-ocr.
 * Each content stream goes through MuPDF's interpreter into its buffer
 * processor, which writes every operator back as it came; the
 * text-showing operators met while the render mode is 3 are not passed on.
 * MuPDF 1.21's filter processor cannot do this: its text filter is not
 * told the render mode. */
#include "formats/pdf_redo.h"

#include <string.h>

#define REDO_DEPTH 64       /* q levels whose render mode is kept */
#define REDO_MAX_DEPTH 32   /* forms inside forms */
#define REDO_MAX_VISITS 4096

typedef struct redo_state {
    /* the buffer processor's own operators, called for what stays */
    void (*q)(fz_context *, pdf_processor *);
    void (*Q)(fz_context *, pdf_processor *);
    void (*BT)(fz_context *, pdf_processor *);
    void (*ET)(fz_context *, pdf_processor *);
    void (*Tr)(fz_context *, pdf_processor *, int);
    void (*Tc)(fz_context *, pdf_processor *, float);
    void (*Tw)(fz_context *, pdf_processor *, float);
    void (*Td)(fz_context *, pdf_processor *, float, float);
    void (*TD)(fz_context *, pdf_processor *, float, float);
    void (*Tm)(fz_context *, pdf_processor *, float, float, float, float, float, float);
    void (*Tstar)(fz_context *, pdf_processor *);
    void (*TJ)(fz_context *, pdf_processor *, pdf_obj *);
    void (*Tj)(fz_context *, pdf_processor *, char *, size_t);
    void (*squote)(fz_context *, pdf_processor *, char *, size_t);
    void (*dquote)(fz_context *, pdf_processor *, float, float, char *, size_t);
    int render;
    int stack[REDO_DEPTH];
    int depth;
    int moved;   /* a removed text advanced the position in this text object */
    int removed;
    int mixed;
} redo_state;

/* The processor's callbacks get only the processor, which MuPDF allocates
 * and we cannot extend: the state of the stream in progress is here. */
static _Thread_local redo_state *redo_now;

static void redo_q(fz_context *fz, pdf_processor *p)
{
    redo_state *s = redo_now;
    if (s->depth < REDO_DEPTH)
        s->stack[s->depth] = s->render;
    s->depth++;
    s->q(fz, p);
}

static void redo_Q(fz_context *fz, pdf_processor *p)
{
    redo_state *s = redo_now;
    if (s->depth > 0 && --s->depth < REDO_DEPTH)
        s->render = s->stack[s->depth];
    s->Q(fz, p);
}

static void redo_BT(fz_context *fz, pdf_processor *p)
{
    redo_now->moved = 0;
    redo_now->BT(fz, p);
}

static void redo_ET(fz_context *fz, pdf_processor *p)
{
    redo_now->moved = 0;
    redo_now->ET(fz, p);
}

static void redo_Tr(fz_context *fz, pdf_processor *p, int render)
{
    redo_now->render = render;
    redo_now->Tr(fz, p, render);
}

/* Td, TD, Tm and T* place the text from the line matrix, which showing
 * text does not move: after them a removed text changes nothing. */
static void redo_Td(fz_context *fz, pdf_processor *p, float tx, float ty)
{
    redo_now->moved = 0;
    redo_now->Td(fz, p, tx, ty);
}

static void redo_TD(fz_context *fz, pdf_processor *p, float tx, float ty)
{
    redo_now->moved = 0;
    redo_now->TD(fz, p, tx, ty);
}

static void redo_Tm(fz_context *fz, pdf_processor *p, float a, float b, float c, float d,
                    float e, float f)
{
    redo_now->moved = 0;
    redo_now->Tm(fz, p, a, b, c, d, e, f);
}

static void redo_Tstar(fz_context *fz, pdf_processor *p)
{
    redo_now->moved = 0;
    redo_now->Tstar(fz, p);
}

/* 1: the text about to be shown is invisible and goes. */
static int redo_hide(redo_state *s)
{
    if (s->render == 3) {
        s->removed++;
        s->moved = 1;
        return 1;
    }
    if (s->moved)
        s->mixed = 1;
    return 0;
}

static void redo_TJ(fz_context *fz, pdf_processor *p, pdf_obj *array)
{
    if (!redo_hide(redo_now))
        redo_now->TJ(fz, p, array);
}

static void redo_Tj(fz_context *fz, pdf_processor *p, char *str, size_t len)
{
    if (!redo_hide(redo_now))
        redo_now->Tj(fz, p, str, len);
}

static void redo_squote(fz_context *fz, pdf_processor *p, char *str, size_t len)
{
    redo_state *s = redo_now;
    s->moved = 0; /* ' starts with T* */
    if (redo_hide(s))
        s->Tstar(fz, p);
    else
        s->squote(fz, p, str, len);
}

static void redo_dquote(fz_context *fz, pdf_processor *p, float aw, float ac, char *str,
                        size_t len)
{
    redo_state *s = redo_now;
    s->moved = 0; /* " sets the spacings, then does T* */
    if (redo_hide(s)) {
        s->Tw(fz, p, aw);
        s->Tc(fz, p, ac);
        s->Tstar(fz, p);
    } else
        s->dquote(fz, p, aw, ac, str, len);
}

static void redo_hook(pdf_processor *p, redo_state *s)
{
    s->q = p->op_q, p->op_q = redo_q;
    s->Q = p->op_Q, p->op_Q = redo_Q;
    s->BT = p->op_BT, p->op_BT = redo_BT;
    s->ET = p->op_ET, p->op_ET = redo_ET;
    s->Tr = p->op_Tr, p->op_Tr = redo_Tr;
    s->Tc = p->op_Tc;
    s->Tw = p->op_Tw;
    s->Td = p->op_Td, p->op_Td = redo_Td;
    s->TD = p->op_TD, p->op_TD = redo_TD;
    s->Tm = p->op_Tm, p->op_Tm = redo_Tm;
    s->Tstar = p->op_Tstar, p->op_Tstar = redo_Tstar;
    s->TJ = p->op_TJ, p->op_TJ = redo_TJ;
    s->Tj = p->op_Tj, p->op_Tj = redo_Tj;
    s->squote = p->op_squote, p->op_squote = redo_squote;
    s->dquote = p->op_dquote, p->op_dquote = redo_dquote;
}

/* The content stm (a stream; for a page, an array of them too) drawn with
 * resources res, less its invisible text, or NULL where nothing is removed
 * (nothing invisible, or a stream that must stay: see kept_mixed). */
static fz_buffer *redo_filter(fz_context *fz, pdf_document *doc, pdf_obj *res, pdf_obj *stm,
                              pdfredo_result *r)
{
    redo_state s;
    memset(&s, 0, sizeof s);
    fz_buffer *buf = fz_new_buffer(fz, 4096);
    pdf_processor *out = NULL;
    redo_state *outer = redo_now;
    fz_var(out);
    fz_try(fz) {
        out = pdf_new_buffer_processor(fz, buf, 0);
        redo_hook(out, &s);
        redo_now = &s;
        pdf_process_contents(fz, out, doc, res, stm, NULL);
        pdf_close_processor(fz, out);
    }
    fz_always(fz) {
        redo_now = outer;
        pdf_drop_processor(fz, out);
    }
    fz_catch(fz) {
        fz_drop_buffer(fz, buf);
        fz_rethrow(fz);
    }
    if (s.removed == 0 || s.mixed) {
        if (s.removed)
            r->kept_mixed++;
        fz_drop_buffer(fz, buf);
        return NULL;
    }
    r->removed += s.removed;
    r->streams++;
    return buf;
}

/* The Form XObjects of res, and theirs, at any depth (each form once per
 * path: a form that draws itself is not followed). */
static void redo_forms(fz_context *fz, pdf_document *doc, pdf_obj *res, pdfredo_result *r,
                       int depth, int *visits)
{
    pdf_obj *xobjs = pdf_dict_get(fz, res, PDF_NAME(XObject));
    int n = pdf_dict_len(fz, xobjs);
    for (int i = 0; i < n && depth < REDO_MAX_DEPTH; i++) {
        pdf_obj *xobj = pdf_dict_get_val(fz, xobjs, i);
        if (!pdf_is_stream(fz, xobj) ||
            !pdf_name_eq(fz, pdf_dict_get(fz, xobj, PDF_NAME(Subtype)), PDF_NAME(Form)))
            continue;
        if (++*visits > REDO_MAX_VISITS || pdf_mark_obj(fz, xobj))
            continue;
        fz_try(fz) {
            pdf_obj *own = pdf_dict_get(fz, xobj, PDF_NAME(Resources));
            fz_buffer *buf = redo_filter(fz, doc, own ? own : res, xobj, r);
            if (buf) {
                fz_try(fz)
                    pdf_update_stream(fz, doc, xobj, buf, 0);
                fz_always(fz)
                    fz_drop_buffer(fz, buf);
                fz_catch(fz)
                    fz_rethrow(fz);
            }
            if (own && own != res)
                redo_forms(fz, doc, own, r, depth + 1, visits);
        }
        fz_always(fz)
            pdf_unmark_obj(fz, xobj);
        fz_catch(fz)
            fz_rethrow(fz);
    }
}

void pdfredo_strip_page(fz_context *fz, pdf_document *doc, pdf_obj *page, pdfredo_result *r)
{
    memset(r, 0, sizeof *r);
    pdf_obj *res = pdf_dict_get_inheritable(fz, page, PDF_NAME(Resources));
    pdf_obj *contents = pdf_dict_get(fz, page, PDF_NAME(Contents));
    fz_buffer *buf = contents ? redo_filter(fz, doc, res, contents, r) : NULL;
    if (buf) {
        fz_try(fz) {
            pdf_obj *stm = pdf_add_stream(fz, doc, buf, NULL, 0);
            pdf_dict_put_drop(fz, page, PDF_NAME(Contents), stm);
        }
        fz_always(fz)
            fz_drop_buffer(fz, buf);
        fz_catch(fz)
            fz_rethrow(fz);
    }
    int visits = 0;
    redo_forms(fz, doc, res, r, 0, &visits);
}
