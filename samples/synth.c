/* synth.c: vo-synth, the ground-truth page synthesizer: lays Korean/English
 * text out on a page with a real font (HarfBuzz + FreeType), writes the PNG,
 * the exact glyph/word/line boxes (JSON), the text and a raw model output.
 *
 * Usage: vo-synth [options] OUTBASE TEXTFILE...
 *   --dpi N        raster resolution (150)      --page a4|a5|a6|WxH (mm; a5)
 *   --columns 1|2  (1)                          --size PT  body size (10)
 *   --mixed        a large heading per file and some smaller paragraphs
 *   --noise A      add pixel noise of amplitude A (0..255; 0)
 *   --skew DEG     rotate the page (boxes become the rotated boxes' hulls)
 *   --chars N      characters taken per text file (600)
 *   --skip N       paragraphs skipped at the start of each file (0)
 *   --seed N       noise seed (1)               --font FILE  (fontconfig:
 *                                               Noto Sans CJK KR)
 * Writes OUTBASE.png, OUTBASE.gt.json, OUTBASE.txt, OUTBASE.raw.json.
 * Boxes are in page pixels, origin top-left; a glyph box is the character's
 * cell: its advance across, the font's em box (0.88 up, 0.12 down) high. */
#include "formats/font.h"
#include "src/util/alloc.h"
#include "src/util/buf.h"

#include <ft2build.h>
#include FT_FREETYPE_H
#include <hb-ft.h>
#include <hb.h>
#include <jansson.h>
#include <math.h>
#include <mupdf/fitz.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fontconfig/fontconfig.h>
#include <utf8proc.h>

typedef struct opts {
    float dpi, page_w_mm, page_h_mm, size_pt, noise, skew_deg;
    int columns, mixed, chars, skip;
    unsigned seed;
    const char *font, *out;
} opts;

typedef struct synth {
    opts o;
    int w, h;
    unsigned char *gray;       /* page, 8-bit, 255 = white */
    FT_Library ft;
    FT_Face face;
    hb_font_t *hb;
    char *font_path;
    json_t *blocks;            /* ground truth being built */
    vo_buf text;               /* plain text, reading order */
    vo_buf raw;                /* model-grammar text */
    int col, n_cols;
    double x_left, col_w, y;   /* current column left edge, width, pen y */
    double top, bottom;
} synth;

/* --- shaping and drawing --- */

typedef struct cell {      /* one cluster: its text and advance box */
    char text[32];
    double x0, x1;
} cell;

/* Shape `word` at size px; fills cells (one per cluster) with x relative to
 * the pen, returns the advance, or -1 when there are more than max. */
static double shape(synth *s, const char *word, size_t len, double px, cell *cells, int max,
                    int *n_cells, hb_buffer_t *buf)
{
    hb_buffer_clear_contents(buf);
    hb_buffer_add_utf8(buf, word, (int)len, 0, (int)len);
    hb_buffer_guess_segment_properties(buf);
    FT_Set_Char_Size(s->face, 0, (FT_F26Dot6)lround(px * 64), 72, 72);
    hb_ft_font_changed(s->hb);
    /* no ligatures: one cluster per character keeps glyph boxes per character */
    hb_feature_t feats[2];
    hb_feature_from_string("-liga", -1, &feats[0]);
    hb_feature_from_string("-clig", -1, &feats[1]);
    hb_shape(s->hb, buf, feats, 2);
    unsigned n;
    hb_glyph_info_t *info = hb_buffer_get_glyph_infos(buf, &n);
    hb_glyph_position_t *pos = hb_buffer_get_glyph_positions(buf, &n);
    double pen = 0;
    int nc = 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned cl = info[i].cluster;
        if (nc == 0 || cl != info[i - 1].cluster) {
            if (nc == max)
                return -1;
            unsigned end = (unsigned)len;
            for (unsigned k = i + 1; k < n; k++)
                if (info[k].cluster != cl) {
                    end = info[k].cluster;
                    break;
                }
            size_t tl = end - cl < sizeof cells[nc].text ? end - cl : sizeof cells[nc].text - 1;
            memcpy(cells[nc].text, word + cl, tl);
            cells[nc].text[tl] = 0;
            cells[nc].x0 = pen;
            nc++;
        }
        pen += pos[i].x_advance / 64.0;
        cells[nc - 1].x1 = pen;
    }
    *n_cells = nc;
    return pen;
}

static void draw(synth *s, hb_buffer_t *buf, double x, double base, double px)
{
    unsigned n;
    hb_glyph_info_t *info = hb_buffer_get_glyph_infos(buf, &n);
    hb_glyph_position_t *pos = hb_buffer_get_glyph_positions(buf, &n);
    FT_Set_Char_Size(s->face, 0, (FT_F26Dot6)lround(px * 64), 72, 72);
    for (unsigned i = 0; i < n; i++) {
        if (FT_Load_Glyph(s->face, info[i].codepoint, FT_LOAD_RENDER) == 0) {
            FT_GlyphSlot g = s->face->glyph;
            int gx = (int)lround(x + pos[i].x_offset / 64.0) + g->bitmap_left;
            int gy = (int)lround(base - pos[i].y_offset / 64.0) - g->bitmap_top;
            for (unsigned r = 0; r < g->bitmap.rows; r++)
                for (unsigned c = 0; c < g->bitmap.width; c++) {
                    int X = gx + (int)c, Y = gy + (int)r;
                    if (X < 0 || Y < 0 || X >= s->w || Y >= s->h)
                        continue;
                    unsigned a = g->bitmap.buffer[r * (unsigned)g->bitmap.pitch + c];
                    unsigned char *d = &s->gray[(size_t)Y * s->w + X];
                    *d = (unsigned char)(*d * (255 - a) / 255);
                }
        }
        x += pos[i].x_advance / 64.0;
    }
}

/* --- ground truth --- */

static json_t *box_json(double x0, double y0, double x1, double y1)
{
    return json_pack("[f,f,f,f]", round(x0 * 100) / 100, round(y0 * 100) / 100,
                     round(x1 * 100) / 100, round(y1 * 100) / 100);
}

static void raw_span(synth *s, const char *t, double x0, double y0, double x1, double y1)
{
    vo_buf_printf(&s->raw, "<char>%s</char><bbox>%.3f, %.3f, %.3f, %.3f</bbox>", t,
                  x0 / s->w, y0 / s->h, x1 / s->w, y1 / s->h);
}

static int has_hangul(const char *t)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)t;
    utf8proc_int32_t cp;
    utf8proc_ssize_t k;
    while (*p && (k = utf8proc_iterate(p, -1, &cp)) > 0) {
        if ((cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0x1100 && cp <= 0x11FF) ||
            (cp >= 0x3130 && cp <= 0x318F))
            return 1;
        p += k;
    }
    return 0;
}

/* --- layout --- */

typedef struct pword {     /* a word placed on the current line */
    const char *t;
    size_t len;
    double x, adv;
} pword;

/* Move to the next column when `need` pixels do not fit; 0 when the page
 * is full. */
static int room(synth *s, double need)
{
    if (s->y + need <= s->bottom)
        return 1;
    if (s->col + 1 >= s->n_cols)
        return 0;
    s->col++;
    s->x_left += s->col_w + s->o.dpi * 6 / 25.4;
    s->y = s->top;
    return 1;
}

static void emit_line(synth *s, json_t *lines, pword *pw, int n, double px, hb_buffer_t *buf)
{
    double line_h = px * 1.0, base = s->y + 0.88 * px;
    double y0 = base - 0.88 * px, y1 = base + 0.12 * px;
    json_t *words = json_array();
    cell cells[256];
    for (int i = 0; i < n; i++) {
        int nc = 0;
        shape(s, pw[i].t, pw[i].len, px, cells, 256, &nc, buf);
        draw(s, buf, pw[i].x, base, px);
        json_t *glyphs = json_array();
        for (int c = 0; c < nc; c++) {
            json_array_append_new(glyphs, json_pack("{s:s,s:o}", "text", cells[c].text, "box",
                                  box_json(pw[i].x + cells[c].x0, y0, pw[i].x + cells[c].x1, y1)));
            raw_span(s, cells[c].text, pw[i].x + cells[c].x0, y0, pw[i].x + cells[c].x1, y1);
        }
        char *wt = vo_strndup(pw[i].t, pw[i].len);
        json_array_append_new(words, json_pack("{s:s,s:s,s:o,s:o}", "text", wt, "lang",
                              has_hangul(wt) ? "kor" : "eng", "box",
                              box_json(pw[i].x, y0, pw[i].x + pw[i].adv, y1), "glyphs", glyphs));
        vo_buf_puts(&s->text, wt);
        vo_free(wt);
        if (i + 1 < n) {
            vo_buf_putc(&s->text, ' ');
            raw_span(s, " ", pw[i].x + pw[i].adv, y0, pw[i + 1].x, y1);
        }
    }
    vo_buf_putc(&s->text, '\n');
    json_array_append_new(lines, json_pack("{s:o,s:f,s:f,s:o}", "box",
                          box_json(pw[0].x, y0, pw[n - 1].x + pw[n - 1].adv, y1), "baseline",
                          round(base * 100) / 100, "size_px", px, "words", words));
    s->y += line_h * 1.45;
}

/* Lay out one paragraph at size px; returns 0 when the page is full. */
static int paragraph(synth *s, const char *p, size_t len, double px, hb_buffer_t *buf)
{
    cell cells[256];
    int nc;
    double space = shape(s, " ", 1, px, cells, 256, &nc, buf);
    pword pw[256];
    int n = 0;
    json_t *lines = json_array();
    int full = 0;
    size_t i = 0;
    if (!room(s, px * 1.45))
        full = 1;
    while (i < len && !full) {
        while (i < len && p[i] == ' ')
            i++;
        size_t j = i;
        while (j < len && p[j] != ' ')
            j++;
        if (j == i)
            break;
        double adv = shape(s, p + i, j - i, px, cells, 256, &nc, buf);
        if (adv < 0 || adv > s->col_w) { /* an overlong word is dropped */
            i = j;
            continue;
        }
        double x = n ? pw[n - 1].x + pw[n - 1].adv + space : s->x_left;
        if (n && (x + adv > s->x_left + s->col_w || n == 256)) {
            double col_before = s->col;
            emit_line(s, lines, pw, n, px, buf);
            n = 0;
            if (!room(s, px * 1.45))
                full = 1;
            if (s->col != col_before) { /* a paragraph piece per column */
                json_array_append_new(s->blocks, json_pack("{s:o}", "lines", lines));
                lines = json_array();
            }
            continue;
        }
        pw[n++] = (pword){p + i, j - i, x, adv};
        i = j;
    }
    if (n && !full)
        emit_line(s, lines, pw, n, px, buf);
    if (json_array_size(lines)) {
        json_array_append_new(s->blocks, json_pack("{s:o}", "lines", lines));
        vo_buf_putc(&s->text, '\n');
    } else
        json_decref(lines);
    s->y += px * 0.6;
    return !full;
}

/* --- noise, skew, output --- */

static unsigned rnd(unsigned *st)
{
    *st ^= *st << 13;
    *st ^= *st >> 17;
    *st ^= *st << 5;
    return *st;
}

static void add_noise(synth *s)
{
    unsigned st = s->o.seed ? s->o.seed : 1;
    for (size_t i = 0; i < (size_t)s->w * s->h; i++) {
        int v = s->gray[i] + (int)((rnd(&st) % 2001) - 1000) * (int)s->o.noise / 1000;
        s->gray[i] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
}

/* Rotate the page by skew about its centre (bilinear), and each box to
 * the hull of its rotated corners. */
static void rotate_box(const synth *s, json_t *box)
{
    double a = s->o.skew_deg * M_PI / 180, c = cos(a), sn = sin(a);
    double cx = s->w / 2.0, cy = s->h / 2.0;
    double b[4];
    for (int i = 0; i < 4; i++)
        b[i] = json_real_value(json_array_get(box, (size_t)i));
    double X0 = 1e9, Y0 = 1e9, X1 = -1e9, Y1 = -1e9;
    for (int k = 0; k < 4; k++) {
        double x = (k & 1 ? b[2] : b[0]) - cx, y = (k & 2 ? b[3] : b[1]) - cy;
        double rx = cx + c * x - sn * y, ry = cy + sn * x + c * y;
        X0 = fmin(X0, rx); Y0 = fmin(Y0, ry); X1 = fmax(X1, rx); Y1 = fmax(Y1, ry);
    }
    double v[4] = {X0, Y0, X1, Y1};
    for (int i = 0; i < 4; i++)
        json_array_set_new(box, (size_t)i, json_real(round(v[i] * 100) / 100));
}

static void skew_page(synth *s)
{
    double a = s->o.skew_deg * M_PI / 180, c = cos(a), sn = sin(a);
    double cx = s->w / 2.0, cy = s->h / 2.0;
    unsigned char *out = vo_malloc((size_t)s->w * s->h);
    if (!out)
        return;
    for (int y = 0; y < s->h; y++)
        for (int x = 0; x < s->w; x++) {
            /* inverse rotation: where this output pixel comes from */
            double sx = cx + c * (x - cx) + sn * (y - cy), sy = cy - sn * (x - cx) + c * (y - cy);
            int x0 = (int)floor(sx), y0 = (int)floor(sy);
            double fx = sx - x0, fy = sy - y0, v = 0;
            for (int k = 0; k < 4; k++) {
                int X = x0 + (k & 1), Y = y0 + (k >> 1);
                double wgt = (k & 1 ? fx : 1 - fx) * (k >> 1 ? fy : 1 - fy);
                v += wgt * (X >= 0 && Y >= 0 && X < s->w && Y < s->h ? s->gray[(size_t)Y * s->w + X] : 255);
            }
            out[(size_t)y * s->w + x] = (unsigned char)lround(v);
        }
    vo_free(s->gray);
    s->gray = out;
    size_t bi, li, wi, gi;
    json_t *b, *l, *w, *g;
    json_array_foreach(s->blocks, bi, b) json_array_foreach(json_object_get(b, "lines"), li, l) {
        rotate_box(s, json_object_get(l, "box"));
        json_array_foreach(json_object_get(l, "words"), wi, w) {
            rotate_box(s, json_object_get(w, "box"));
            json_array_foreach(json_object_get(w, "glyphs"), gi, g)
                rotate_box(s, json_object_get(g, "box"));
        }
    }
}

static int save_png(const synth *s, const char *path)
{
    fz_context *fz = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
    if (!fz)
        return -1;
    int rc = 0;
    fz_pixmap *pix = NULL;
    fz_var(pix);
    fz_try(fz) {
        pix = fz_new_pixmap(fz, fz_device_gray(fz), s->w, s->h, NULL, 0);
        fz_set_pixmap_resolution(fz, pix, (int)s->o.dpi, (int)s->o.dpi);
        for (int y = 0; y < s->h; y++)
            memcpy(fz_pixmap_samples(fz, pix) + (size_t)y * fz_pixmap_stride(fz, pix),
                   s->gray + (size_t)y * s->w, (size_t)s->w);
        fz_save_pixmap_as_png(fz, pix, path);
    }
    fz_always(fz)
        fz_drop_pixmap(fz, pix);
    fz_catch(fz) {
        fprintf(stderr, "vo-synth: cannot write %s: %s\n", path, fz_caught_message(fz));
        rc = -1;
    }
    fz_drop_context(fz);
    return rc;
}

static int write_outputs(synth *s)
{
    char path[4096];
    const char *slash = strrchr(s->o.out, '/');
    const char *base = slash ? slash + 1 : s->o.out;
    char png_name[1024];
    snprintf(png_name, sizeof png_name, "%s.png", base);
    snprintf(path, sizeof path, "%s.png", s->o.out);
    if (save_png(s, path))
        return -1;
    json_t *gt = json_pack("{s:s,s:i,s:i,s:i,s:f,s:s,s:f,s:s,s:O}", "source", png_name, "page", 1,
                           "width", s->w, "height", s->h, "dpi", (double)s->o.dpi, "font",
                           s->font_path, "skew_deg", (double)s->o.skew_deg, "text",
                           s->text.data ? s->text.data : "", "blocks", s->blocks);
    snprintf(path, sizeof path, "%s.gt.json", s->o.out);
    int rc = json_dump_file(gt, path, JSON_COMPACT);
    json_decref(gt);
    json_t *raw = json_pack("{s:s,s:i,s:s,s:i,s:i,s:i,s:f,s:s}", "format", "varco-ocr-raw",
                            "version", 1, "source", png_name, "page", 1, "width", s->w,
                            "height", s->h, "dpi", (double)s->o.dpi, "text",
                            s->raw.data ? s->raw.data : "");
    snprintf(path, sizeof path, "%s.raw.json", s->o.out);
    rc |= json_dump_file(raw, path, JSON_COMPACT);
    json_decref(raw);
    snprintf(path, sizeof path, "%s.txt", s->o.out);
    FILE *f = fopen(path, "w");
    if (!f || fwrite(s->text.data ? s->text.data : "", 1, s->text.len, f) != s->text.len)
        rc = -1;
    if (f && fclose(f))
        rc = -1;
    if (rc)
        fprintf(stderr, "vo-synth: cannot write the outputs next to %s\n", s->o.out);
    return rc;
}

/* --- main --- */

static int parse_page(opts *o, const char *v)
{
    static const struct { const char *n; float w, h; } sizes[] = {
        {"a4", 210, 297}, {"a5", 148, 210}, {"a6", 105, 148}, {"letter", 215.9f, 279.4f},
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if (!strcmp(v, sizes[i].n)) {
            o->page_w_mm = sizes[i].w;
            o->page_h_mm = sizes[i].h;
            return 0;
        }
    return sscanf(v, "%fx%f", &o->page_w_mm, &o->page_h_mm) == 2 && o->page_w_mm > 20 &&
                   o->page_h_mm > 20 ? 0 : -1;
}

static int usage(void)
{
    fprintf(stderr, "usage: vo-synth [--dpi N] [--page a4|a5|a6|letter|WxH] [--columns 1|2] "
            "[--size PT] [--mixed] [--noise A] [--skew DEG] [--chars N] [--skip N] [--seed N] "
            "[--font FILE] OUTBASE TEXTFILE...\n");
    return 2;
}

int main(int argc, char **argv)
{
    synth s;
    memset(&s, 0, sizeof s);
    opts *o = &s.o;
    *o = (opts){150, 148, 210, 10, 0, 0, 1, 0, 600, 0, 1, NULL, NULL};
    int i = 1;
    for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--mixed")) {
            o->mixed = 1;
            continue;
        }
        if (!v)
            return usage();
        i++;
        if (!strcmp(a, "--dpi")) o->dpi = strtof(v, NULL);
        else if (!strcmp(a, "--page")) { if (parse_page(o, v)) return usage(); }
        else if (!strcmp(a, "--columns")) o->columns = atoi(v);
        else if (!strcmp(a, "--size")) o->size_pt = strtof(v, NULL);
        else if (!strcmp(a, "--noise")) o->noise = strtof(v, NULL);
        else if (!strcmp(a, "--skew")) o->skew_deg = strtof(v, NULL);
        else if (!strcmp(a, "--chars")) o->chars = atoi(v);
        else if (!strcmp(a, "--skip")) o->skip = atoi(v);
        else if (!strcmp(a, "--seed")) o->seed = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--font")) o->font = v;
        else return usage();
    }
    if (argc - i < 2 || o->dpi < 30 || o->dpi > 1200 || o->columns < 1 || o->columns > 2 ||
        o->size_pt < 4 || o->size_pt > 72)
        return usage();
    o->out = argv[i++];

    vo_ctx *ctx = vo_new_ctx();
    int face_index = 0, rc = 1;
    if (o->font)
        s.font_path = vo_strdup(o->font);
    else if (vo_find_font(ctx, NULL, 0xAC00, &s.font_path, &face_index) != VO_OK) {
        fprintf(stderr, "vo-synth: %s\n", vo_last_error(ctx));
        vo_drop_ctx(ctx);
        return 1;
    }
    if (FT_Init_FreeType(&s.ft) || FT_New_Face(s.ft, s.font_path, face_index, &s.face)) {
        fprintf(stderr, "vo-synth: cannot load font %s\n", s.font_path);
        goto done;
    }
    s.hb = hb_ft_font_create_referenced(s.face);
    s.w = (int)lround(o->page_w_mm / 25.4 * o->dpi);
    s.h = (int)lround(o->page_h_mm / 25.4 * o->dpi);
    s.gray = vo_malloc((size_t)s.w * s.h);
    s.blocks = json_array();
    if (!s.gray || !s.blocks)
        goto done;
    memset(s.gray, 255, (size_t)s.w * s.h);
    double margin = o->dpi * 12 / 25.4, gutter = o->dpi * 6 / 25.4;
    s.n_cols = o->columns;
    s.col_w = (s.w - 2 * margin - (s.n_cols - 1) * gutter) / s.n_cols;
    s.x_left = margin;
    s.top = s.y = margin;
    s.bottom = s.h - margin;
    double body = o->size_pt * o->dpi / 72;
    hb_buffer_t *buf = hb_buffer_create();
    int more = 1;
    for (; i < argc && more; i++) {
        vo_buf file = VO_BUF_INIT;
        if (vo_read_file(ctx, argv[i], 16u << 20, &file) != VO_OK) {
            fprintf(stderr, "vo-synth: %s\n", vo_last_error(ctx));
            vo_buf_free(&file);
            hb_buffer_destroy(buf);
            goto done;
        }
        /* paragraphs are the non-empty lines; take about o->chars characters */
        int taken = 0, para = 0;
        char *save = NULL;
        for (char *p = strtok_r(file.data, "\n", &save); p && more && taken < o->chars;
             p = strtok_r(NULL, "\n", &save), para++) {
            size_t len = strlen(p);
            while (len && (p[len - 1] == '\r' || p[len - 1] == ' '))
                len--;
            if (!len || (para > 0 && para <= o->skip))
                continue;
            /* cut at a space once the budget is spent */
            size_t cut = 0;
            int n_cp = 0;
            while (cut < len && (n_cp < o->chars - taken || p[cut] != ' ')) {
                cut += (size_t)utf8proc_utf8class[(unsigned char)p[cut]] > 0
                           ? (size_t)utf8proc_utf8class[(unsigned char)p[cut]] : 1;
                n_cp++;
            }
            if (cut > len)
                cut = len;
            taken += n_cp;
            double px = body;
            if (o->mixed && para == 0)
                px = body * 1.6;
            else if (o->mixed && para % 3 == 2)
                px = body * 0.85;
            more = paragraph(&s, p, cut, px, buf);
        }
        vo_buf_free(&file);
    }
    hb_buffer_destroy(buf);
    if (o->skew_deg != 0)
        skew_page(&s);
    if (o->noise > 0)
        add_noise(&s);
    rc = write_outputs(&s) ? 1 : 0;
done:
    json_decref(s.blocks);
    vo_buf_free(&s.text);
    vo_buf_free(&s.raw);
    vo_free(s.gray);
    if (s.hb)
        hb_font_destroy(s.hb);
    if (s.face)
        FT_Done_Face(s.face);
    if (s.ft)
        FT_Done_FreeType(s.ft);
    vo_free(s.font_path);
    vo_drop_ctx(ctx);
    FcFini(); /* fontconfig keeps its parsed configuration until then */
    return rc;
}
