/* page-io.c: the page cache round-trips exactly; stale and broken files
 * are refused with clear errors. */
#include "src/page/page_io.h"
#include "src/util/alloc.h"
#include "tests/tap.h"

#include <math.h>
#include <unistd.h>

static int same_box(vo_box a, vo_box b)
{
    return a.x0 == b.x0 && a.y0 == b.y0 && a.x1 == b.x1 && a.y1 == b.y1;
}

static int same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static int same_page(const vo_page *a, const vo_page *b)
{
    if (a->number != b->number || a->width != b->width || a->height != b->height ||
        a->dpi_x != b->dpi_x || a->dpi_y != b->dpi_y || a->n_blocks != b->n_blocks ||
        a->origin != b->origin)
        return 0;
    for (int i = 0; i < a->n_blocks; i++) {
        const vo_block *A = &a->blocks[i], *B = &b->blocks[i];
        if (A->n_pars != B->n_pars || !same_box(A->box, B->box))
            return 0;
        for (int j = 0; j < A->n_pars; j++) {
            const vo_par *P = &A->pars[j], *Q = &B->pars[j];
            if (P->n_lines != Q->n_lines || !same_str(P->lang, Q->lang))
                return 0;
            for (int k = 0; k < P->n_lines; k++) {
                const vo_line *L = &P->lines[k], *M = &Q->lines[k];
                if (L->n_words != M->n_words || L->conf != M->conf ||
                    L->has_baseline != M->has_baseline || L->baseline_slope != M->baseline_slope)
                    return 0;
                for (int w = 0; w < L->n_words; w++) {
                    const vo_word *W = &L->words[w], *X = &M->words[w];
                    if (strcmp(W->text, X->text) || !same_box(W->box, X->box) ||
                        W->conf != X->conf || !same_str(W->lang, X->lang) || W->n_glyphs != X->n_glyphs)
                        return 0;
                    for (int g = 0; g < W->n_glyphs; g++)
                        if (strcmp(W->glyphs[g].text, X->glyphs[g].text) ||
                            !same_box(W->glyphs[g].box, X->glyphs[g].box) ||
                            W->glyphs[g].conf != X->glyphs[g].conf)
                            return 0;
                }
            }
        }
    }
    return 1;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
}

int main(void)
{
    vo_ctx *ctx = vo_new_ctx();
    vo_set_verbosity(ctx, 0);
    char path[] = "/tmp/vo-page-io-XXXXXX";
    int fd = mkstemp(path);
    close(fd);

    vo_page *p = vo_new_page(7, 2480, 3508, 300, 299.5f, "scan \"1\".pdf");
    p->origin = VO_PAGE_FROM_OCR;
    p->image_name = vo_strdup("scan.pdf#7");
    vo_page_add_word(p, "한국어", strlen("한국어"), (vo_box){10.004f, 11.3333f, 50.996f, 30.1f},
                     0.987654321f, "kor");
    vo_page_add_glyph(p, "한", 3, (vo_box){10.004f, 11.3333f, 23.7f, 30.1f}, 0.9f);
    vo_page_add_glyph(p, "국", 3, (vo_box){23.7f, 11.5f, 37.2f, 30}, 0.91f);
    vo_page_add_glyph(p, "어", 3, (vo_box){37.2f, 11.5f, 50.996f, 30}, 1.0f / 3);
    vo_page_add_word(p, "<OCR&\"'>", 8, (vo_box){60, 12, 90, 32}, VO_CONF_NONE, "eng");
    vo_page_add_par(p);
    vo_page_add_word(p, "x", 1, (vo_box){1e-7f, 0.1f, 2479.99f, 3507.5f}, 0.5f, NULL);
    p->blocks[0].pars[1].lines[0].has_baseline = 1;
    p->blocks[0].pars[1].lines[0].baseline_slope = 0.0123f;
    p->blocks[0].pars[1].lines[0].baseline_offset = -3.5f;
    vo_page_add_block(p);
    vo_page_add_word(p, "end", 3, (vo_box){5, 3000, 40, 3020}, 0.1f, "eng");
    vo_page_finish(p);

    ok(vo_page_save_file(ctx, p, "a.pdf|300|v1", path) == VO_OK, "page-io 1.1: saved");
    vo_page *q = NULL;
    ok(vo_page_load(ctx, path, "a.pdf|300|v1", &q) == VO_OK && q, "page-io 1.2: loaded (%s)",
       vo_last_error(ctx));
    ok(q && same_page(p, q), "page-io 1.3: every field equal after the round trip");
    ok(q && q->source && strcmp(q->source, "scan \"1\".pdf") == 0 && strcmp(q->image_name, "scan.pdf#7") == 0,
       "page-io 1.4: source and image names kept");
    vo_drop_page(q);
    q = NULL;
    ok(vo_page_load(ctx, path, "a.pdf|300|v2", &q) == VO_ERR_ARGUMENT && !q,
       "page-io 2.1: another stamp means a stale cache");
    ok(vo_page_load(ctx, path, NULL, &q) == VO_OK && q, "page-io 2.2: NULL stamp accepts any");
    vo_drop_page(q);

    static const char *const broken[] = {
        "", "{", "[]", "{\"stamp\":\"s\"}",
        "{\"stamp\":\"s\",\"number\":1,\"width\":10,\"height\":10,\"dpi\":[72,72],\"origin\":1,\"blocks\":[[[{\"w\":[{\"t\":\"a\"}],\"c\":1}]]]}",
        "{\"stamp\":\"s\",\"number\":1,\"width\":-5,\"height\":10,\"dpi\":[72,72],\"origin\":1,\"blocks\":[]}",
        "{\"stamp\":\"s\",\"number\":1,\"width\":10,\"height\":10,\"dpi\":[72,72],\"origin\":1,\"blocks\":7}",
        "{\"stamp\":\"s\",\"number\":1,\"width\":10,\"height\":10,\"dpi\":[72,72],\"origin\":1,\"blocks\":[[[{\"w\":[{\"t\":\"a\",\"b\":[0,0,1,1],\"c\":1,\"g\":[{\"t\":7}]}],\"c\":1}]]]}",
    };
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        write_text(path, broken[i]);
        q = NULL;
        vo_status st = vo_page_load(ctx, path, NULL, &q);
        ok(st == VO_ERR_FORMAT && !q && strstr(vo_last_error(ctx), path),
           "page-io 3.%zu: broken cache refused naming the file", i);
        vo_drop_page(q);
    }

    /* allocation faults while saving and loading */
    vo_page_save_file(ctx, p, "s", path);
    int clean = 1;
    for (long k = 1; k < 400; k++) {
        vo_alloc_fail_after(k);
        q = NULL;
        vo_status st = vo_page_load(ctx, path, "s", &q);
        int fired = vo_alloc_fault_fired();
        vo_alloc_fail_after(0);
        if (fired && (st != VO_ERR_NOMEM || q))
            clean = 0;
        vo_drop_page(q);
        if (!fired)
            break;
    }
    ok(clean, "page-io 4.1: allocation faults while loading give VO_ERR_NOMEM");

    vo_drop_page(p);
    unlink(path);
    vo_drop_ctx(ctx);
    return done_testing();
}
