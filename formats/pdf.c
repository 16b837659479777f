/* pdf.c: searchable PDF (FORMATS.md §5): the page image or the original PDF
 * page, plus an invisible text layer (3 Tr) in a glyphless Type0 font. */
#include "formats/pdf.h"
#include "src/source/mupdf_alloc.h"
#include "src/source/document.h"
#include "src/source/sniff.h"
#include "formats/font.h"
#include "formats/pdf_image.h"
#include "formats/pdf_keep.h"
#include "formats/pdf_pdfa.h"
#include "formats/pdf_png.h"
#include "formats/pdf_redo.h"
#include "src/util/alloc.h"
#include "src/util/buf.h"
#include "src/util/infile.h"
#include "config.h"

#include <errno.h>
#include <math.h>
#include <mupdf/fitz.h>
#include <mupdf/pdf.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <utf8proc.h>

#define FONT_RES "VoOCR"
#define FIRST_ASTRAL_CID 0xD800 /* surrogate code units: never a character */
#define MAX_ASTRAL 0x800

typedef struct pdf_writer {
    vo_writer super;       /* first: a vo_writer * is cast to pdf_writer * */
    mupdf_budget budget; /* MuPDF memory of this writer (grafted input pages too) */
    vo_ctx *vctx;          /* context of the current call, for warnings */
    const char *reading;   /* the source of the page being added, for warnings */
    fz_context *fz;
    pdf_document *doc;
    pdf_obj *font;         /* Type0 font (indirect) */
    pdf_obj *cidfont;      /* its descendant; /W is written by end() */
    pdf_obj *tounicode;    /* ToUnicode stream; filled by end() */
    pdf_obj *cid_to_gid;   /* CIDToGIDMap stream; filled by end() */
    uint8_t used[0x10000 / 8]; /* CIDs used, one bit each */
    uint32_t astral[MAX_ASTRAL]; /* code point of CID FIRST_ASTRAL_CID + i */
    int n_astral;
    char *title;
    long long timestamp;
    int no_pdfa;           /* vo_writer_opts.no_pdfa: a plain PDF, not PDF/A-2b */
    int redo_ocr;          /* vo_writer_opts.redo_ocr: a PDF page's invisible text goes */
    int lang_kor, lang_other;
    unsigned char *ttf;    /* the glyphless font, until the document is started */
    size_t ttf_len;
    /* the PDF input whose own document is the output (all pages from it) */
    char *kept_path;
    unsigned char *written; /* one per page of it: 1 when written */
    int n_kept_pages, last_written;
    /* the open PDF source, kept while consecutive pages come from it */
    char *src_path;
    char *password;        /* of an encrypted source, or NULL */
    pdf_document *src;
    pdf_graft_map *graft;
    /* the PDF input could not be kept or copied (a damaged file MuPDF reads
     * but cannot write back): its pages are redrawn into a new document */
    int redraw;
} pdf_writer;

/* --- MuPDF errors and warnings into our error model --- */

static void fz_warning_to_vo(void *user, const char *msg)
{
    pdf_writer *pw = user;
    /* what MuPDF says about a source file (a repaired xref...) is shown with
     * -vv and names the file, as when the source is read for its pages */
    if (pw->vctx && pw->reading && vo_verbosity(pw->vctx) >= 2)
        vo_warn(pw->vctx, "%s: mupdf: %s", pw->reading, msg);
    else if (pw->vctx && !pw->reading)
        vo_warn(pw->vctx, "MuPDF: %s", msg);
}

static void fz_error_quiet(void *user, const char *msg)
{
    (void)user;
    (void)msg; /* reported through fz_caught_message() */
}

static vo_status fz_to_vo(vo_ctx *ctx, fz_context *fz, const char *what)
{
    vo_status st = fz_caught(fz) == FZ_ERROR_MEMORY ? VO_ERR_NOMEM : VO_ERR_LIBRARY;
    return vo_fail(ctx, st, "%s: %s", what, fz_caught_message(fz));
}

/* --- numbers in content streams: locale-independent, 3 decimals --- */

static vo_status put_num(vo_buf *b, double v)
{
    if (!isfinite(v))
        v = 0;
    long long m = llround(v * 1000.0);
    const char *sign = m < 0 ? "-" : "";
    if (m < 0)
        m = -m;
    long long ip = m / 1000, fp = m % 1000;
    if (fp == 0)
        return vo_buf_printf(b, "%s%lld ", m ? sign : "", ip);
    char frac[4];
    snprintf(frac, sizeof frac, "%03lld", fp);
    for (int i = 2; i > 0 && frac[i] == '0'; i--)
        frac[i] = 0;
    return vo_buf_printf(b, "%s%lld.%s ", sign, ip, frac);
}

/* --- codes of the glyphless font --- */

/* CID for code point cp: the code point itself in the BMP, a private CID
 * from the surrogate range for the astral planes (mapped back to the
 * surrogate pair by ToUnicode). */
static unsigned cid_for(pdf_writer *pw, uint32_t cp)
{
    unsigned cid;
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        cid = 0xFFFD;
    else if (cp < 0x10000)
        cid = cp;
    else {
        int i = 0;
        while (i < pw->n_astral && pw->astral[i] != cp)
            i++;
        if (i == pw->n_astral) {
            if (pw->n_astral == MAX_ASTRAL) {
                vo_warn(pw->vctx, "more than %d distinct characters beyond U+FFFF: "
                        "the rest are written as U+FFFD", MAX_ASTRAL);
                cid = 0xFFFD;
                goto done;
            }
            pw->astral[pw->n_astral++] = cp;
        }
        cid = FIRST_ASTRAL_CID + (unsigned)i;
    }
done:
    pw->used[cid >> 3] |= (uint8_t)(1u << (cid & 7));
    return cid;
}

static uint32_t cp_of_cid(const pdf_writer *pw, unsigned cid)
{
    if (cid >= FIRST_ASTRAL_CID && cid < FIRST_ASTRAL_CID + (unsigned)pw->n_astral)
        return pw->astral[cid - FIRST_ASTRAL_CID];
    return cid;
}

static int is_used(const pdf_writer *pw, unsigned cid)
{
    return (pw->used[cid >> 3] >> (cid & 7)) & 1;
}

/* --- font objects --- */

/* CIDToGIDMap, written by end(): every CID shows the glyph whose advance
 * is the character's /W width (never .notdef, which some viewers refuse to
 * extract); compressed on write, this is a few hundred bytes. */
static void put_cid_to_gid_map(pdf_writer *pw)
{
    fz_context *fz = pw->fz;
    fz_buffer *buf = fz_new_buffer(fz, 0x20000);
    fz_try(fz) {
        for (unsigned c = 0; c < 0x10000; c++) {
            int gid = vo_glyphless_gid(cp_of_cid(pw, c));
            fz_append_byte(fz, buf, gid >> 8);
            fz_append_byte(fz, buf, gid & 0xff);
        }
        pdf_update_stream(fz, pw->doc, pw->cid_to_gid, buf, 0);
    }
    fz_always(fz)
        fz_drop_buffer(fz, buf);
    fz_catch(fz)
        fz_rethrow(fz);
}

static void add_font(pdf_writer *pw, const unsigned char *ttf, size_t ttf_len)
{
    fz_context *fz = pw->fz;
    pdf_document *doc = pw->doc;
    fz_buffer *fontbuf = fz_new_buffer_from_copied_data(fz, ttf, ttf_len);
    pdf_obj *file = NULL, *desc = NULL, *sysinfo = NULL, *bbox = NULL, *arr = NULL;
    fz_var(file);
    fz_var(desc);
    fz_var(sysinfo);
    fz_var(bbox);
    fz_var(arr);
    fz_try(fz) {
        file = pdf_add_stream(fz, doc, fontbuf, NULL, 0);
        pdf_dict_put_int(fz, file, PDF_NAME(Length1), (int64_t)ttf_len);

        desc = pdf_add_new_dict(fz, doc, 10);
        pdf_dict_put(fz, desc, PDF_NAME(Type), PDF_NAME(FontDescriptor));
        pdf_dict_put_name(fz, desc, PDF_NAME(FontName), VO_GLYPHLESS_NAME);
        pdf_dict_put_int(fz, desc, PDF_NAME(Flags), 4); /* symbolic */
        bbox = pdf_new_array(fz, doc, 4);
        pdf_array_push_int(fz, bbox, 0);
        pdf_array_push_int(fz, bbox, VO_GLYPHLESS_DESCENT);
        pdf_array_push_int(fz, bbox, 1000);
        pdf_array_push_int(fz, bbox, VO_GLYPHLESS_ASCENT);
        pdf_dict_put(fz, desc, PDF_NAME(FontBBox), bbox);
        pdf_dict_put_int(fz, desc, PDF_NAME(ItalicAngle), 0);
        pdf_dict_put_int(fz, desc, PDF_NAME(Ascent), VO_GLYPHLESS_ASCENT);
        pdf_dict_put_int(fz, desc, PDF_NAME(Descent), VO_GLYPHLESS_DESCENT);
        pdf_dict_put_int(fz, desc, PDF_NAME(CapHeight), 700);
        pdf_dict_put_int(fz, desc, PDF_NAME(StemV), 80);
        pdf_dict_put(fz, desc, PDF_NAME(FontFile2), file);

        pw->cidfont = pdf_add_new_dict(fz, doc, 8);
        pdf_dict_put(fz, pw->cidfont, PDF_NAME(Type), PDF_NAME(Font));
        pdf_dict_put(fz, pw->cidfont, PDF_NAME(Subtype), PDF_NAME(CIDFontType2));
        pdf_dict_put_name(fz, pw->cidfont, PDF_NAME(BaseFont), VO_GLYPHLESS_NAME);
        sysinfo = pdf_new_dict(fz, doc, 3);
        pdf_dict_put_string(fz, sysinfo, PDF_NAME(Registry), "Adobe", 5);
        pdf_dict_put_string(fz, sysinfo, PDF_NAME(Ordering), "Identity", 8);
        pdf_dict_put_int(fz, sysinfo, PDF_NAME(Supplement), 0);
        pdf_dict_put(fz, pw->cidfont, PDF_NAME(CIDSystemInfo), sysinfo);
        pdf_dict_put(fz, pw->cidfont, PDF_NAME(FontDescriptor), desc);
        pdf_dict_put_int(fz, pw->cidfont, PDF_NAME(DW), 500);
        pw->cid_to_gid = pdf_add_stream(fz, doc, NULL, NULL, 0);
        pdf_dict_put(fz, pw->cidfont, PDF_NAME(CIDToGIDMap), pw->cid_to_gid);

        pw->tounicode = pdf_add_stream(fz, doc, NULL, NULL, 0);

        pw->font = pdf_add_new_dict(fz, doc, 6);
        pdf_dict_put(fz, pw->font, PDF_NAME(Type), PDF_NAME(Font));
        pdf_dict_put(fz, pw->font, PDF_NAME(Subtype), PDF_NAME(Type0));
        pdf_dict_put_name(fz, pw->font, PDF_NAME(BaseFont), VO_GLYPHLESS_NAME);
        pdf_dict_put(fz, pw->font, PDF_NAME(Encoding), PDF_NAME(Identity_H));
        arr = pdf_new_array(fz, doc, 1);
        pdf_array_push(fz, arr, pw->cidfont);
        pdf_dict_put(fz, pw->font, PDF_NAME(DescendantFonts), arr);
        pdf_dict_put(fz, pw->font, PDF_NAME(ToUnicode), pw->tounicode);
    }
    fz_always(fz) {
        fz_drop_buffer(fz, fontbuf);
        pdf_drop_obj(fz, file);
        pdf_drop_obj(fz, desc);
        pdf_drop_obj(fz, sysinfo);
        pdf_drop_obj(fz, bbox);
        pdf_drop_obj(fz, arr);
    }
    fz_catch(fz)
        fz_rethrow(fz);
}

/* The ToUnicode CMap for the codes actually used: runs of consecutive BMP
 * codes that share the high byte as bfrange, the rest as bfchar (at most
 * 100 entries per section, as the CMap format requires). */
static vo_status write_tounicode(const pdf_writer *pw, vo_buf *b)
{
    vo_status st = vo_buf_puts(b,
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
    unsigned lo[100], hi[100];
    int n = 0;
    for (unsigned c = 0; c <= 0x10000 && st == VO_OK; c++) {
        int flush = c == 0x10000;
        if (!flush && is_used(pw, c)) {
            int bmp = c < FIRST_ASTRAL_CID || c >= FIRST_ASTRAL_CID + MAX_ASTRAL;
            if (n > 0 && bmp && hi[n - 1] + 1 == c && (c & 0xff) != 0 &&
                (hi[n - 1] < FIRST_ASTRAL_CID || hi[n - 1] >= FIRST_ASTRAL_CID + MAX_ASTRAL))
                hi[n - 1] = c;
            else {
                lo[n] = hi[n] = c;
                n++;
            }
            flush = n == 100;
        }
        if (!flush || n == 0)
            continue;
        int n_range = 0;
        for (int i = 0; i < n; i++)
            n_range += lo[i] != hi[i];
        if (n_range) {
            st = vo_buf_printf(b, "%d beginbfrange\n", n_range);
            for (int i = 0; i < n && st == VO_OK; i++)
                if (lo[i] != hi[i])
                    st = vo_buf_printf(b, "<%04X> <%04X> <%04X>\n", lo[i], hi[i], lo[i]);
            if (st == VO_OK)
                st = vo_buf_puts(b, "endbfrange\n");
        }
        if (n - n_range && st == VO_OK) {
            st = vo_buf_printf(b, "%d beginbfchar\n", n - n_range);
            for (int i = 0; i < n && st == VO_OK; i++) {
                if (lo[i] != hi[i])
                    continue;
                uint32_t cp = cp_of_cid(pw, lo[i]);
                if (cp >= 0x10000) /* UTF-16 surrogate pair */
                    st = vo_buf_printf(b, "<%04X> <%04X%04X>\n", lo[i],
                                       0xD800 + ((cp - 0x10000) >> 10),
                                       0xDC00 + ((cp - 0x10000) & 0x3ff));
                else
                    st = vo_buf_printf(b, "<%04X> <%04X>\n", lo[i], cp);
            }
            if (st == VO_OK)
                st = vo_buf_puts(b, "endbfchar\n");
        }
        n = 0;
    }
    if (st == VO_OK)
        st = vo_buf_puts(b, "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    return st;
}

/* /W: the used CIDs whose width differs from /DW 500, runs of equal width
 * as "first last width". */
static void put_widths(pdf_writer *pw)
{
    fz_context *fz = pw->fz;
    pdf_obj *w = pdf_new_array(fz, pw->doc, 16);
    fz_try(fz) {
        unsigned c = 0;
        while (c < 0x10000) {
            int wd = is_used(pw, c) ? vo_glyph_width(cp_of_cid(pw, c)) : 500;
            if (wd == 500) {
                c++;
                continue;
            }
            unsigned end = c;
            while (end + 1 < 0x10000 && is_used(pw, end + 1) &&
                   vo_glyph_width(cp_of_cid(pw, end + 1)) == wd)
                end++;
            pdf_array_push_int(fz, w, c);
            pdf_array_push_int(fz, w, end);
            pdf_array_push_int(fz, w, wd);
            c = end + 1;
        }
        pdf_dict_put(fz, pw->cidfont, PDF_NAME(W), w);
    }
    fz_always(fz)
        pdf_drop_obj(fz, w);
    fz_catch(fz)
        fz_rethrow(fz);
}

/* --- the text layer of one page --- */

/* Code points of a UTF-8 string; returns the count (at most max). */
static int decode_utf8(const char *s, uint32_t *cps, int max)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t left = (utf8proc_ssize_t)strlen(s);
    int n = 0;
    while (left > 0 && n < max) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p, left, &cp);
        if (k <= 0) { /* invalid byte: U+FFFD, go on */
            cp = 0xFFFD;
            k = 1;
        }
        cps[n++] = (uint32_t)cp;
        p += k;
        left -= k;
    }
    return n;
}

/* When every glyph is one code point of non-zero width, the glyphs spell
 * the word and their boxes run left to right, each character can get its
 * own advance: from its box to the next one (the last: its own width). */
static int glyph_advances(const vo_word *w, const uint32_t *cps, int n, double *adv)
{
    if (w->n_glyphs != n)
        return 0;
    for (int i = 0; i < n; i++) {
        uint32_t one[2];
        if (!w->glyphs[i].text || decode_utf8(w->glyphs[i].text, one, 2) != 1 ||
            one[0] != cps[i] || vo_glyph_width(cps[i]) == 0)
            return 0;
        double end = i + 1 < n ? w->glyphs[i + 1].box.x0 : w->glyphs[i].box.x1;
        adv[i] = end - w->glyphs[i].box.x0;
        if (!(adv[i] > 0))
            return 0;
    }
    return 1;
}

typedef struct line_geom {
    double cos_a, sin_a; /* baseline direction in raster pixels (y down) */
    double fs;           /* font size in pixels */
    const vo_line *line;
} line_geom;

static line_geom line_geometry(const vo_line *l)
{
    line_geom g = {1, 0, 0, l};
    double h = l->box.y1 - l->box.y0, wd = l->box.x1 - l->box.x0;
    g.fs = h;
    if (l->has_baseline && fabs(l->baseline_slope) > 1e-4 && fabs(l->baseline_slope) < 1) {
        double a = atan(l->baseline_slope);
        g.cos_a = cos(a);
        g.sin_a = sin(a);
        /* the axis-aligned box of a tilted line is taller than its text */
        g.fs = fmax(h - fabs(l->baseline_slope) * wd, 0.5 * h) * g.cos_a;
    }
    return g;
}

/* Baseline point under raster x. Without a model baseline, the baseline
 * sits so that the font's em box (ascent 0.88, descent 0.12) fills the
 * line box. */
static double baseline_y(const line_geom *g, double x)
{
    const vo_line *l = g->line;
    if (l->has_baseline)
        return l->box.y1 + l->baseline_offset + l->baseline_slope * (x - l->box.x0);
    return l->box.y1 + VO_GLYPHLESS_DESCENT / 1000.0 * g->fs;
}

static vo_status put_hex(pdf_writer *pw, vo_buf *b, const uint32_t *cps, int n)
{
    vo_status st = vo_buf_putc(b, '<');
    for (int i = 0; i < n && st == VO_OK; i++)
        st = vo_buf_printf(b, "%04X", cid_for(pw, cps[i]));
    if (st == VO_OK)
        st = vo_buf_puts(b, ">");
    return st;
}

static vo_status put_tm(vo_buf *b, const line_geom *g, double x, double y)
{
    /* text space y up, raster y down: the text matrix flips y */
    vo_status st = VO_OK;
    double m[6] = {g->cos_a, g->sin_a, g->sin_a, -g->cos_a, x, y};
    for (int i = 0; i < 6 && st == VO_OK; i++)
        st = put_num(b, m[i]);
    return st ? st : vo_buf_puts(b, "Tm ");
}

static vo_status put_tz(vo_buf *b, double tz)
{
    vo_status st = put_num(b, tz);
    return st ? st : vo_buf_puts(b, "Tz ");
}

/* One word: Tm on its baseline, then Tz so that its advance equals the box
 * width; with glyph boxes, a Tz per character so that each character's
 * advance covers its own box (selection follows every syllable, and no
 * gap opens inside the word for an extractor to read as a space). Then a
 * U+0020 stretched over the gap to the next word of the line, if any. */
static vo_status put_word(pdf_writer *pw, vo_buf *b, const line_geom *g, const vo_word *w,
                          const vo_word *next)
{
    enum { MAXCP = 512 };
    uint32_t cps[MAXCP];
    double adv[MAXCP];
    int n = w->text ? decode_utf8(w->text, cps, MAXCP) : 0;
    if (n == 0)
        return VO_OK;
    double x0 = w->box.x0, y0 = baseline_y(g, x0);
    vo_status st = put_tm(b, g, x0, y0);
    double pen = 0; /* advance along the baseline, raster pixels */
    if (glyph_advances(w, cps, n, adv)) {
        double last_tz = -1;
        for (int i = 0; i < n && st == VO_OK; i++) {
            double a = adv[i] / g->cos_a;
            double tz = 100.0 * a / (g->fs * vo_glyph_width(cps[i]) / 1000.0);
            if (fabs(tz - last_tz) >= 0.001)
                st = put_tz(b, tz);
            last_tz = tz;
            if (st == VO_OK)
                st = put_hex(pw, b, cps + i, 1);
            if (st == VO_OK)
                st = vo_buf_puts(b, " Tj\n");
            pen += a;
        }
    } else {
        double width = (w->box.x1 - w->box.x0) / g->cos_a;
        int em = 0;
        for (int i = 0; i < n; i++)
            em += vo_glyph_width(cps[i]);
        double th = em > 0 && width > 0 ? width / (g->fs * em / 1000.0) : 1.0;
        if (st == VO_OK)
            st = put_tz(b, 100.0 * th);
        if (st == VO_OK)
            st = put_hex(pw, b, cps, n);
        pen = em / 1000.0 * g->fs * th;
        if (st == VO_OK)
            st = vo_buf_puts(b, " Tj\n");
    }
    if (st != VO_OK || !next)
        return st;
    /* the space fills the gap, so extractors see one word boundary here */
    double gap = (next->box.x0 - x0) / g->cos_a - pen;
    uint32_t space = 0x20;
    st = put_tz(b, 100.0 * fmax(gap, 0.05 * g->fs) / (g->fs * 0.5));
    if (st == VO_OK)
        st = put_hex(pw, b, &space, 1);
    return st ? st : vo_buf_puts(b, " Tj\n");
}

static vo_status text_layer(pdf_writer *pw, const vo_page *page, fz_matrix px_to_user,
                            const char *font_name, vo_buf *b)
{
    vo_status st = vo_buf_puts(b, "q\n");
    double m[6] = {px_to_user.a, px_to_user.b, px_to_user.c,
                   px_to_user.d, px_to_user.e, px_to_user.f};
    for (int i = 0; i < 6 && st == VO_OK; i++)
        st = vo_buf_printf(b, "%.6f ", m[i]);
    if (st == VO_OK)
        st = vo_buf_puts(b, "cm\n");
    for (int bi = 0; bi < page->n_blocks && st == VO_OK; bi++)
        for (int pi = 0; pi < page->blocks[bi].n_pars && st == VO_OK; pi++) {
            const vo_par *par = &page->blocks[bi].pars[pi];
            for (int li = 0; li < par->n_lines && st == VO_OK; li++) {
                const vo_line *l = &par->lines[li];
                line_geom g = line_geometry(l);
                if (l->n_words == 0 || !(g.fs > 0))
                    continue;
                st = vo_buf_printf(b, "BT\n3 Tr\n/%s ", font_name);
                if (st == VO_OK)
                    st = put_num(b, g.fs);
                if (st == VO_OK)
                    st = vo_buf_puts(b, "Tf\n");
                for (int wi = 0; wi < l->n_words && st == VO_OK; wi++) {
                    const vo_word *w = &l->words[wi];
                    if (w->lang && !strcmp(w->lang, "kor"))
                        pw->lang_kor++;
                    else if (w->lang)
                        pw->lang_other++;
                    st = put_word(pw, b, &g, w, wi + 1 < l->n_words ? &l->words[wi + 1] : NULL);
                }
                if (st == VO_OK)
                    st = vo_buf_puts(b, "ET\n");
            }
        }
    if (st == VO_OK)
        st = vo_buf_puts(b, "Q\n");
    if (st != VO_OK)
        return vo_fail(pw->vctx, st, "out of memory writing the PDF text layer");
    return VO_OK;
}

/* --- pages --- */

typedef enum { SRC_NONE, SRC_PDF, SRC_TIFF, SRC_IMAGE } source_kind;

static source_kind source_kind_of(vo_ctx *ctx, const char *path)
{
    if (!path || !strcmp(path, "-"))
        return SRC_NONE;
    /* a device or pipe (a hostile raw page's source) would never end */
    int fd = vo_open_regular(ctx, path, NULL);
    if (fd < 0)
        return SRC_NONE;
    char magic[5] = {0};
    ssize_t n;
    while ((n = read(fd, magic, sizeof magic)) < 0 && errno == EINTR)
        ;
    close(fd);
    if (n == 5 && !memcmp(magic, "%PDF-", 5))
        return SRC_PDF;
    /* TIFF and BigTIFF, both byte orders: read by libtiff, as the source does */
    if (n >= 4 && ((!memcmp(magic, "II", 2) && (magic[2] == 42 || magic[2] == 43) && !magic[3]) ||
                   (!memcmp(magic, "MM", 2) && !magic[2] && (magic[3] == 42 || magic[3] == 43))))
        return SRC_TIFF;
    return SRC_IMAGE;
}

/* Make the page's contents [q, original…, Q, text] and give it a private
 * copy of its resources with our font added; the original streams and
 * resources stay untouched. font_name is free in the page's fonts. */
static void attach_text_layer(pdf_writer *pw, pdf_obj *pageobj, fz_buffer *text,
                              const char *font_name)
{
    fz_context *fz = pw->fz;
    pdf_document *doc = pw->doc;
    pdf_obj *res = NULL, *fonts = NULL, *contents = NULL, *s = NULL;
    fz_buffer *q = NULL;
    fz_var(res);
    fz_var(fonts);
    fz_var(contents);
    fz_var(s);
    fz_var(q);
    fz_try(fz) {
        pdf_obj *old_res = pdf_dict_get_inheritable(fz, pageobj, PDF_NAME(Resources));
        res = pdf_is_dict(fz, old_res) ? pdf_copy_dict(fz, old_res) : pdf_new_dict(fz, doc, 2);
        pdf_obj *old_fonts = pdf_dict_get(fz, res, PDF_NAME(Font));
        fonts = pdf_is_dict(fz, old_fonts) ? pdf_copy_dict(fz, old_fonts)
                                           : pdf_new_dict(fz, doc, 1);
        pdf_dict_puts(fz, fonts, font_name, pw->font);
        pdf_dict_put(fz, res, PDF_NAME(Font), fonts);
        pdf_dict_put(fz, pageobj, PDF_NAME(Resources), res);

        contents = pdf_new_array(fz, doc, 4);
        pdf_obj *old = pdf_dict_get(fz, pageobj, PDF_NAME(Contents));
        if (old) {
            q = fz_new_buffer_from_copied_data(fz, (const unsigned char *)"q\n", 2);
            pdf_array_push_drop(fz, contents, pdf_add_stream(fz, doc, q, NULL, 0));
            if (pdf_is_array(fz, old))
                for (int i = 0; i < pdf_array_len(fz, old); i++)
                    pdf_array_push(fz, contents, pdf_array_get(fz, old, i));
            else
                pdf_array_push(fz, contents, old);
            fz_drop_buffer(fz, q);
            q = NULL;
            q = fz_new_buffer_from_copied_data(fz, (const unsigned char *)"Q\n", 2);
            pdf_array_push_drop(fz, contents, pdf_add_stream(fz, doc, q, NULL, 0));
        }
        s = pdf_add_stream(fz, doc, text, NULL, 0);
        pdf_array_push(fz, contents, s);
        pdf_dict_put(fz, pageobj, PDF_NAME(Contents), contents);
    }
    fz_always(fz) {
        pdf_drop_obj(fz, res);
        pdf_drop_obj(fz, fonts);
        pdf_drop_obj(fz, contents);
        pdf_drop_obj(fz, s);
        fz_drop_buffer(fz, q);
    }
    fz_catch(fz)
        fz_rethrow(fz);
}

/* The raster pixel → PDF user space matrix of a PDF page: the raster
 * covers the shown (cropped, rotated) page at page->dpi. */
static fz_matrix page_px_to_user(fz_context *fz, pdf_obj *pageobj, const vo_page *page)
{
    fz_rect box;
    fz_matrix ctm;
    pdf_page_obj_transform(fz, pageobj, &box, &ctm);
    fz_rect shown = fz_transform_rect(box, ctm);
    fz_matrix scale = fz_scale((shown.x1 - shown.x0) / page->width,
                               (shown.y1 - shown.y0) / page->height);
    scale = fz_concat(scale, fz_translate(shown.x0, shown.y0));
    return fz_concat(scale, fz_invert_matrix(ctm));
}

/* --redo-ocr: the page's invisible text (an earlier OCR layer) removed,
 * and said. Throws. */
static void strip_old_layer(pdf_writer *pw, const vo_page *page, pdf_obj *pageobj)
{
    pdfredo_result r;
    pdfredo_strip_page(pw->fz, pw->doc, pageobj, &r);
    if (r.removed)
        vo_info(pw->vctx, "%s: page %d: its invisible text layer is removed (%d text "
                "operators in %d content stream%s): --redo-ocr", page->source, page->number,
                r.removed, r.streams, r.streams == 1 ? "" : "s");
    if (r.kept_mixed)
        vo_warn(pw->vctx, "%s: page %d: %d content stream%s place%s visible text by the advance "
                "of invisible text in one text object; kept as %s, so the old invisible "
                "text there stays in the PDF", page->source, page->number, r.kept_mixed,
                r.kept_mixed == 1 ? "" : "s", r.kept_mixed == 1 ? "s" : "",
                r.kept_mixed == 1 ? "it was" : "they were");
}

/* Copy page `number` of the PDF source into a new document; returns its
 * page object and the raster pixel → PDF user space matrix. */
static pdf_obj *graft_pdf_page(pdf_writer *pw, const vo_page *page, fz_matrix *px_to_user)
{
    fz_context *fz = pw->fz;
    if (!pw->src_path || strcmp(pw->src_path, page->source)) {
        pdf_drop_graft_map(fz, pw->graft);
        pw->graft = NULL;
        pdf_drop_document(fz, pw->src);
        pw->src = NULL;
        vo_free(pw->src_path);
        pw->src_path = NULL;
        pw->src = pdf_open_document(fz, page->source);
        /* an encrypted source: without authentication its streams would be
         * copied undecrypted (the page comes out blank) */
        if (pdf_needs_password(fz, pw->src) &&
            !pdf_authenticate_password(fz, pw->src, pw->password ? pw->password : ""))
            fz_throw(fz, FZ_ERROR_GENERIC, "%s: wrong password; use --password with the "
                     "document's password", page->source);
        pw->graft = pdf_new_graft_map(fz, pw->doc);
        pw->src_path = vo_strdup(page->source);
        if (!pw->src_path)
            fz_throw(fz, FZ_ERROR_MEMORY, "out of memory");
    }
    int n_src = pdf_count_pages(fz, pw->src);
    if (page->number < 1 || page->number > n_src)
        fz_throw(fz, FZ_ERROR_GENERIC, "page %d does not exist (the document has %d)",
                 page->number, n_src);
    pdf_graft_mapped_page(fz, pw->graft, -1, pw->src, page->number - 1);
    int at = pdf_count_pages(fz, pw->doc) - 1;
    pdf_obj *pageobj = pdf_lookup_page_obj(fz, pw->doc, at);
    *px_to_user = page_px_to_user(fz, pageobj, page);
    return pageobj;
}

/* Page `number` of the kept PDF input, itself: the pages of one PDF input
 * come once each, in order (the pipeline writes them so). */
static pdf_obj *kept_pdf_page(pdf_writer *pw, const vo_page *page, fz_matrix *px_to_user)
{
    fz_context *fz = pw->fz;
    if (!page->source || strcmp(pw->kept_path, page->source))
        fz_throw(fz, FZ_ERROR_GENERIC, "this PDF is %s with a text layer added: a page of "
                 "another file cannot join it (write each input to a PDF of its own)",
                 pw->kept_path);
    if (page->number < 1 || page->number > pw->n_kept_pages)
        fz_throw(fz, FZ_ERROR_GENERIC, "page %d does not exist (the document has %d)",
                 page->number, pw->n_kept_pages);
    if (page->number <= pw->last_written)
        fz_throw(fz, FZ_ERROR_GENERIC, "the pages of a PDF input are written once each, in "
                 "order (page %d came after page %d)", page->number, pw->last_written);
    pdf_obj *pageobj = pdf_lookup_page_obj(fz, pw->doc, page->number - 1);
    pw->written[page->number - 1] = 1;
    pw->last_written = page->number;
    *px_to_user = page_px_to_user(fz, pageobj, page);
    return pageobj;
}

/* The output document, at the first page (first: NULL when there is
 * none): a PDF input's own document, so that it keeps what it had, else
 * a new one; then our font. */
static void start_doc(pdf_writer *pw, const vo_page *first)
{
    fz_context *fz = pw->fz;
    fz_try(fz) {
        if (first && source_kind_of(pw->vctx, first->source) == SRC_PDF) {
            pw->reading = first->source;
            fz_try(fz)
                pw->doc = pdfkeep_open(fz, first->source, pw->password);
            fz_catch(fz) {
                /* a wrong password or no memory stays an error; a document
                 * MuPDF reads but cannot write back has its pages redrawn */
                if (fz_caught(fz) == FZ_ERROR_MEMORY || strstr(fz_caught_message(fz), "password"))
                    fz_rethrow(fz);
                vo_warn(pw->vctx, "%s: the document cannot be copied into the PDF (MuPDF: %s): "
                        "its pages are redrawn into a new plain PDF instead, with their text, "
                        "vector graphics and images as shown, and without the document's "
                        "outlines, links, forms and metadata", first->source,
                        fz_caught_message(fz));
                pw->redraw = 1;
                pw->no_pdfa = 1;
            }
        }
        if (pw->doc) {
            pw->n_kept_pages = pdf_count_pages(fz, pw->doc);
            pw->written = vo_calloc((size_t)(pw->n_kept_pages > 0 ? pw->n_kept_pages : 1), 1);
            pw->kept_path = vo_strdup(first->source);
            if (!pw->written || !pw->kept_path)
                fz_throw(fz, FZ_ERROR_MEMORY, "out of memory");
        } else
            pw->doc = pdf_create_document(fz);
        add_font(pw, pw->ttf, pw->ttf_len);
    }
    fz_catch(fz) {
        pdf_obj **objs[] = {&pw->font, &pw->cidfont, &pw->tounicode, &pw->cid_to_gid};
        for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++) {
            pdf_drop_obj(fz, *objs[i]);
            *objs[i] = NULL;
        }
        pdf_drop_document(fz, pw->doc);
        pw->doc = NULL;
        vo_free(pw->written);
        vo_free(pw->kept_path);
        pw->written = NULL;
        pw->kept_path = NULL;
        fz_rethrow(fz);
    }
    vo_free(pw->ttf);
    pw->ttf = NULL;
}

/* The stored image of a TIFF page (our libtiff decode, the pixels the
 * page raster came from) and the page contents that show it on `media`,
 * Orientation applied; the resources name it /Im0. */
static void tiff_page_contents(pdf_writer *pw, const vo_page *page, fz_rect media,
                               pdf_obj *res, fz_buffer *contents)
{
    fz_context *fz = pw->fz;
    vo_document *doc = NULL;
    vo_page_image *img = NULL;
    vo_status st = vo_open_document(pw->vctx, page->source, NULL, &doc);
    if (!st)
        st = vo_get_page_image(pw->vctx, doc, page->number, NULL, &img);
    vo_drop_document(doc);
    if (st)
        fz_throw(fz, st == VO_ERR_NOMEM ? FZ_ERROR_MEMORY : FZ_ERROR_GENERIC, "%s",
                 vo_last_error(pw->vctx));
    pdf_obj *ref = NULL;
    fz_var(ref);
    fz_try(fz) {
        pdfimg_kept kept;
        ref = pdfimg_add(fz, pw->doc, img, page->source, page->number, &kept);
        vo_debug(pw->vctx, "%s: page %d: image kept as %s", page->source, page->number,
                 kept == PDFIMG_CODED ? "the file's CCITT fax bytes"
                 : img->colors == VO_IMAGE_BILEVEL ? "1-bit pixels" : "lossless pixels");
        pdf_obj *xobj = pdf_dict_put_dict(fz, res, PDF_NAME(XObject), 1);
        pdf_dict_puts(fz, xobj, "Im0", ref);
        fz_matrix m = pdfimg_matrix(img->orientation, media.x1 - media.x0,
                                    media.y1 - media.y0);
        fz_append_printf(fz, contents, "q %g %g %g %g %g %g cm /Im0 Do Q\n", m.a, m.b, m.c,
                         m.d, m.e, m.f);
    }
    fz_always(fz) {
        pdf_drop_obj(fz, ref);
        vo_drop_page_image(img);
    }
    fz_catch(fz)
        fz_rethrow(fz);
}

/* An image source opened by what it holds, as the source layer reads it
 * (MuPDF picks its reader by the name: a PNG named .pdf is no PDF). Throws. */
static fz_document *open_by_content(fz_context *fz, const char *path)
{
    vo_doc_format f = vo_sniff_file(path);
    const char *as = f != VO_DOC_UNKNOWN ? vo_doc_format_suffix(f) : path;
    fz_document *doc = NULL;
    fz_stream *stm = fz_open_file(fz, path);
    fz_try(fz)
        doc = fz_open_document_with_stream(fz, as, stm);
    fz_always(fz)
        fz_drop_stream(fz, stm);
    fz_catch(fz)
        fz_rethrow(fz);
    return doc;
}

/* A new page showing the image source (or nothing) at the raster's size. */
static pdf_obj *image_page(pdf_writer *pw, const vo_page *page, source_kind kind,
                           fz_matrix *px_to_user)
{
    fz_context *fz = pw->fz;
    float w_pt = page->width * 72.0f / (page->dpi_x > 0 ? page->dpi_x : 300);
    float h_pt = page->height * 72.0f / (page->dpi_y > 0 ? page->dpi_y : 300);
    fz_rect media = fz_make_rect(0, 0, w_pt, h_pt);
    fz_document *src = NULL;
    fz_page *sp = NULL;
    fz_device *dev = NULL;
    pdf_obj *res = NULL, *pageobj = NULL;
    fz_buffer *contents = NULL;
    fz_var(src);
    fz_var(sp);
    fz_var(dev);
    fz_var(res);
    fz_var(contents);
    fz_var(pageobj);
    fz_try(fz) {
        pdfpng_way png_way = PDFPNG_NONE;
        pdf_obj *png = kind == SRC_IMAGE && vo_sniff_file(page->source) == VO_DOC_PNG
                           ? pdfpng_add(fz, pw->doc, page->source, &png_way)
                           : NULL;
        if (kind == SRC_TIFF) {
            /* our own decode, never MuPDF's TIFF reader (it turns fax pages
             * with an Orientation, G4 pages and old-style JPEG wrong) */
            res = pdf_new_dict(fz, pw->doc, 1);
            contents = fz_new_buffer(fz, 64);
            tiff_page_contents(pw, page, media, res, contents);
        } else if (png) {
            /* the PNG's own compressed bytes, checked (pdf_png.c) */
            vo_debug(pw->vctx, "%s: page %d: image kept as %s", page->source, page->number,
                     png_way == PDFPNG_IDAT ? "the PNG's IDAT bytes" : "its lossless pixels");
            res = pdf_new_dict(fz, pw->doc, 1);
            pdf_obj *xobj = pdf_dict_put_dict(fz, res, PDF_NAME(XObject), 1);
            pdf_dict_puts_drop(fz, xobj, "Im0", png);
            contents = fz_new_buffer(fz, 64);
            fz_append_printf(fz, contents, "q %g 0 0 %g 0 0 cm /Im0 Do Q\n", w_pt, h_pt);
        } else {
            dev = pdf_page_write(fz, pw->doc, media, &res, &contents);
            if (kind == SRC_IMAGE) {
                /* MuPDF decodes these for the page raster too; it keeps the
                 * image's own coding (a JPEG stays DCT) */
                src = open_by_content(fz, page->source);
                sp = fz_load_page(fz, src, page->number - 1);
                fz_rect b = fz_bound_page(fz, sp);
                /* fit the image page (sized by its own dpi) to the raster size */
                fz_matrix m = fz_translate(-b.x0, -b.y0);
                m = fz_concat(m, fz_scale(w_pt / (b.x1 - b.x0), h_pt / (b.y1 - b.y0)));
                fz_run_page(fz, sp, dev, m, NULL);
            }
            fz_close_device(fz, dev);
        }
        pageobj = pdf_add_page(fz, pw->doc, media, 0, res, contents);
        pdf_insert_page(fz, pw->doc, -1, pageobj);
    }
    fz_always(fz) {
        fz_drop_device(fz, dev);
        fz_drop_page(fz, sp);
        fz_drop_document(fz, src);
        pdf_drop_obj(fz, res);
        fz_drop_buffer(fz, contents);
    }
    fz_catch(fz) {
        pdf_drop_obj(fz, pageobj);
        fz_rethrow(fz);
    }
    *px_to_user = fz_make_matrix(w_pt / page->width, 0, 0, -h_pt / page->height, 0, h_pt);
    return pageobj; /* kept: the caller drops it */
}

static vo_status pdfw_page(vo_ctx *ctx, vo_writer *w, const vo_page *page)
{
    pdf_writer *pw = (pdf_writer *)w;
    fz_context *fz = pw->fz;
    pw->vctx = ctx;
    if (page->width <= 0 || page->height <= 0)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "page %d has no size (%dx%d)", page->number,
                       page->width, page->height);
    source_kind kind = source_kind_of(ctx, page->source);
    if (kind == SRC_NONE) {
        vo_warn(ctx, "%s: page %d: source cannot be read (missing, or not a regular file); its "
                "PDF page has the text layer on a blank page",
                page->source ? page->source : "(none)", page->number);
        vo_clear_error(ctx);
    }
    vo_buf text = VO_BUF_INIT;
    fz_buffer *tbuf = NULL;
    pdf_obj *pageobj = NULL;
    int owned = 0;
    vo_status st = VO_OK;
    fz_var(tbuf);
    fz_var(pageobj);
    fz_var(owned);
    fz_var(st);
    pw->reading = page->source;
    fz_try(fz) {
        fz_matrix px_to_user;
        if (!pw->doc)
            start_doc(pw, page);
        if (pw->kept_path)
            pageobj = kept_pdf_page(pw, page, &px_to_user);
        else if (kind == SRC_PDF && !pw->redraw)
            pageobj = graft_pdf_page(pw, page, &px_to_user);
        else {
            /* a redrawn PDF page is drawn as MuPDF shows it, like an image */
            pageobj = image_page(pw, page, kind == SRC_PDF ? SRC_IMAGE : kind, &px_to_user);
            owned = 1;
        }
        if (pw->redo_ocr && kind == SRC_PDF && !owned)
            strip_old_layer(pw, page, pageobj);
        /* a PDF page whose words came from its own text already carries
         * them: a second, invisible copy would double every word found */
        int own_text = kind == SRC_PDF && page->origin == VO_PAGE_FROM_TEXT_LAYER;
        char font_name[32];
        snprintf(font_name, sizeof font_name, "%s", FONT_RES);
        /* the resource name must be known before the stream is written */
        pdf_obj *res = pdf_dict_get_inheritable(fz, pageobj, PDF_NAME(Resources));
        pdf_obj *fonts = pdf_dict_get(fz, res, PDF_NAME(Font));
        for (int i = 1; pdf_dict_gets(fz, fonts, font_name); i++)
            snprintf(font_name, sizeof font_name, "%s%d", FONT_RES, i);
        st = own_text ? VO_OK : text_layer(pw, page, px_to_user, font_name, &text);
        if (st == VO_OK && !own_text) {
            tbuf = fz_new_buffer_from_copied_data(fz, (const unsigned char *)text.data,
                                                  text.len);
            attach_text_layer(pw, pageobj, tbuf, font_name);
        }
    }
    fz_always(fz) {
        fz_flush_warnings(fz); /* "... repeated N times..." of this source, too */
        pw->reading = NULL;
        fz_drop_buffer(fz, tbuf);
        if (owned)
            pdf_drop_obj(fz, pageobj);
    }
    fz_catch(fz) {
        st = fz_to_vo(ctx, fz, "cannot add the page to the PDF");
        if (kind != SRC_NONE)
            st = vo_fail_where(ctx, "%s: page %d: ", page->source, page->number);
    }
    vo_buf_free(&text);
    return st;
}

/* --- document --- */

static vo_status pdfw_begin(vo_ctx *ctx, vo_writer *w, const vo_doc_info *info)
{
    pdf_writer *pw = (pdf_writer *)w;
    pw->vctx = ctx;
    pw->timestamp = info ? info->timestamp : 0;
    const char *title = info ? info->title : NULL;
    if (!title && info && info->source && strcmp(info->source, "-")) {
        const char *slash = strrchr(info->source, '/');
        title = slash ? slash + 1 : info->source;
    }
    if (title && !(pw->title = vo_strdup(title)))
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory starting the PDF");
    /* the document is started at the first page: a PDF input's own */
    return vo_glyphless_ttf(ctx, &pw->ttf, &pw->ttf_len);
}

/* The document's language from its words, unless it says one already. */
static void put_lang(pdf_writer *pw)
{
    fz_context *fz = pw->fz;
    pdf_obj *root = pdf_dict_get(fz, pdf_trailer(fz, pw->doc), PDF_NAME(Root));
    if (pw->lang_kor + pw->lang_other > 0 && !pdf_dict_get(fz, root, PDF_NAME(Lang)))
        pdf_dict_put_text_string(fz, root, PDF_NAME(Lang),
                                 pw->lang_kor >= pw->lang_other ? "ko-KR" : "en-US");
}

/* Info of a new document: Producer, Title, CreationDate. */
static void put_metadata(pdf_writer *pw)
{
    fz_context *fz = pw->fz;
    pdf_obj *trailer = pdf_trailer(fz, pw->doc);
    pdf_obj *info = pdf_add_new_dict(fz, pw->doc, 4);
    fz_try(fz) {
        pdf_dict_put(fz, trailer, PDF_NAME(Info), info);
        pdf_dict_put_text_string(fz, info, PDF_NAME(Producer), PACKAGE_NAME " " PACKAGE_VERSION);
        if (pw->title)
            pdf_dict_put_text_string(fz, info, PDF_NAME(Title), pw->title);
        if (pw->timestamp > 0) {
            time_t t = (time_t)pw->timestamp;
            struct tm tm;
            char date[40];
            if (gmtime_r(&t, &tm) && strftime(date, sizeof date, "D:%Y%m%d%H%M%SZ", &tm))
                pdf_dict_put_text_string(fz, info, PDF_NAME(CreationDate), date);
        }
    }
    fz_always(fz)
        pdf_drop_obj(fz, info);
    fz_catch(fz)
        fz_rethrow(fz);
}

static vo_status pdfw_end(vo_ctx *ctx, vo_writer *w)
{
    pdf_writer *pw = (pdf_writer *)w;
    fz_context *fz = pw->fz;
    pw->vctx = ctx;
    vo_buf cmap = VO_BUF_INIT;
    if (write_tounicode(pw, &cmap) != VO_OK)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory writing the PDF font");
    vo_status st = VO_OK;
    fz_buffer *cbuf = NULL, *file = NULL;
    fz_output *fo = NULL;
    fz_var(cbuf);
    fz_var(file);
    fz_var(fo);
    fz_try(fz) {
        if (!pw->doc)
            start_doc(pw, NULL);
        if (pw->kept_path) { /* the pages not chosen go; all else of the input stays */
            int gone = pdfkeep_drop_unwritten(fz, pw->doc, pw->written, pw->n_kept_pages);
            if (gone)
                vo_warn(ctx, "%s: %d outline entr%s and links led to pages left out of the "
                        "PDF; they now lead nowhere", pw->kept_path, gone,
                        gone == 1 ? "y" : "ies");
        }
        if (pdf_count_pages(fz, pw->doc) == 0) /* a PDF needs a page */
            pdf_insert_page(fz, pw->doc, -1, pdf_add_page(fz, pw->doc,
                            fz_make_rect(0, 0, 595, 842), 0, NULL, NULL));
        cbuf = fz_new_buffer_from_copied_data(fz, (const unsigned char *)cmap.data, cmap.len);
        pdf_update_stream(fz, pw->doc, pw->tounicode, cbuf, 0);
        put_widths(pw);
        put_cid_to_gid_map(pw);
        if (pw->kept_path) {
            pdfkeep_update_metadata(fz, pw->doc, PACKAGE_NAME " " PACKAGE_VERSION,
                                    pw->timestamp);
            if (!pw->no_pdfa && !pdfa_is_marked(fz, pw->doc))
                vo_info(ctx, "%s: the input is not PDF/A, nor is its searchable PDF (a PDF "
                        "input keeps what it is)", pw->kept_path);
        } else {
            put_metadata(pw);
            if (!pw->no_pdfa)
                pdfa_mark(fz, pw->doc, PACKAGE_NAME " " PACKAGE_VERSION, pw->title,
                          pw->timestamp);
        }
        put_lang(pw);
        pdf_write_options opts = pdf_default_write_options;
        opts.do_encrypt = PDF_ENCRYPT_NONE; /* an encrypted input is written decrypted */
        opts.do_compress = 1;
        opts.do_compress_images = 1;
        opts.do_compress_fonts = 1;
        opts.do_garbage = 1;
        file = fz_new_buffer(fz, 64 * 1024);
        fo = fz_new_output_with_buffer(fz, file);
        pdf_write_document(fz, pw->doc, fo, &opts);
        fz_close_output(fz, fo);
    }
    fz_always(fz) {
        fz_drop_output(fz, fo);
        fz_drop_buffer(fz, cbuf);
    }
    fz_catch(fz)
        st = fz_to_vo(ctx, fz, "cannot write the PDF");
    vo_buf_free(&cmap);
    if (st == VO_OK) {
        unsigned char *data;
        size_t len = fz_buffer_storage(fz, file, &data);
        size_t fixed_len = 0;
        unsigned char *fixed = pdfa_fix_id(data, len, &fixed_len);
        st = fixed ? vo_output_write(ctx, w->out, fixed, fixed_len)
                   : vo_output_write(ctx, w->out, data, len);
        vo_free(fixed);
    }
    fz_drop_buffer(fz, file);
    return st;
}

static void pdfw_drop(vo_writer *w)
{
    pdf_writer *pw = (pdf_writer *)w;
    if (!pw)
        return;
    if (pw->fz) {
        pdf_drop_obj(pw->fz, pw->font);
        pdf_drop_obj(pw->fz, pw->cidfont);
        pdf_drop_obj(pw->fz, pw->tounicode);
        pdf_drop_obj(pw->fz, pw->cid_to_gid);
        pdf_drop_graft_map(pw->fz, pw->graft);
        pdf_drop_document(pw->fz, pw->src);
        pdf_drop_document(pw->fz, pw->doc);
        fz_drop_context(pw->fz);
    }
    vo_free(pw->src_path);
    vo_free(pw->kept_path);
    vo_free(pw->written);
    vo_free(pw->ttf);
    vo_free(pw->password);
    vo_free(pw->title);
    vo_free(pw);
}

vo_status
vo_new_pdf_writer(vo_ctx *ctx, vo_output *out, const vo_writer_opts *opts, vo_writer **w)
{
    *w = NULL;
    pdf_writer *pw = vo_calloc(1, sizeof *pw);
    if (!pw)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory creating the PDF writer");
    if (opts && opts->password && !(pw->password = vo_strdup(opts->password))) {
        vo_free(pw);
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory creating the PDF writer");
    }
    pw->no_pdfa = opts && opts->no_pdfa;
    pw->redo_ocr = opts && opts->redo_ocr;
    mupdf_budget_init(&pw->budget, 0);
    pw->fz = fz_new_context(&pw->budget.alloc, NULL, FZ_STORE_DEFAULT);
    if (!pw->fz) {
        vo_free(pw);
        return vo_fail(ctx, VO_ERR_NOMEM, "cannot create a MuPDF context (out of memory)");
    }
    fz_set_warning_callback(pw->fz, fz_warning_to_vo, pw);
    fz_set_error_callback(pw->fz, fz_error_quiet, pw);
    fz_try(pw->fz)
        fz_register_document_handlers(pw->fz);
    fz_catch(pw->fz) {
        pdfw_drop(&pw->super);
        return vo_fail(ctx, VO_ERR_LIBRARY, "cannot set up MuPDF document handlers");
    }
    pw->super.begin = pdfw_begin;
    pw->super.page = pdfw_page;
    pw->super.end = pdfw_end;
    pw->super.drop = pdfw_drop;
    pw->super.out = out;
    *w = &pw->super;
    return VO_OK;
}
