/* font.c: the glyphless TrueType of the PDF text layer, written table by
 * table at run time, character widths, and fontconfig font lookup. */
#include "formats/font.h"
#include "src/util/alloc.h"

#include <fontconfig/fontconfig.h>
#include <pthread.h>
#include <string.h>
#include <utf8proc.h>

/* --- big-endian table builder --- */

typedef struct tt_table {
    char tag[5];
    unsigned char data[512]; /* the largest table, name, takes about 240 */
    size_t len;
} tt_table;

static void put16(tt_table *t, unsigned v)
{
    t->data[t->len++] = (unsigned char)(v >> 8);
    t->data[t->len++] = (unsigned char)v;
}

static void put32(tt_table *t, uint32_t v)
{
    put16(t, v >> 16);
    put16(t, v & 0xffff);
}

static void putbytes(tt_table *t, const char *s, size_t n)
{
    memcpy(t->data + t->len, s, n);
    t->len += n;
}

static uint32_t tt_checksum(const unsigned char *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i += 4) {
        uint32_t v = 0;
        for (size_t k = 0; k < 4; k++)
            v = (v << 8) | (i + k < len ? p[i + k] : 0);
        sum += v;
    }
    return sum;
}

/* --- the tables, in the directory's tag order --- */

static void make_os2(tt_table *t)
{
    put16(t, 4);                 /* version */
    put16(t, 500);               /* xAvgCharWidth */
    put16(t, 400);               /* usWeightClass */
    put16(t, 5);                 /* usWidthClass */
    put16(t, 0);                 /* fsType: installable, embedding allowed */
    put16(t, 650); put16(t, 700); put16(t, 0); put16(t, 140);  /* subscript */
    put16(t, 650); put16(t, 700); put16(t, 0); put16(t, 480);  /* superscript */
    put16(t, 50); put16(t, 250); /* strikeout size, position */
    put16(t, 0);                 /* sFamilyClass */
    for (int i = 0; i < 10; i++) /* panose */
        t->data[t->len++] = 0;
    for (int i = 0; i < 4; i++)  /* ulUnicodeRange1..4 */
        put32(t, 0);
    putbytes(t, "NONE", 4);      /* achVendID */
    put16(t, 0x40);              /* fsSelection: REGULAR */
    put16(t, 0x20); put16(t, 0x20);              /* first, last char */
    put16(t, VO_GLYPHLESS_ASCENT);
    put16(t, (unsigned)(VO_GLYPHLESS_DESCENT & 0xffff));
    put16(t, 0);                                 /* sTypoLineGap */
    put16(t, VO_GLYPHLESS_ASCENT); put16(t, -VO_GLYPHLESS_DESCENT); /* win */
    put32(t, 0); put32(t, 0);                    /* code page ranges */
    put16(t, 500); put16(t, 700);                /* x-height, cap height */
    put16(t, 0); put16(t, 0x20); put16(t, 0);    /* default, break, context */
}

/* One format-4 subtable mapping U+0020 to glyph 1: PDF text reaches the
 * glyph through CIDToGIDMap, the cmap only keeps font tools content. */
static void make_cmap(tt_table *t)
{
    put16(t, 0); put16(t, 1);            /* version, one subtable */
    put16(t, 3); put16(t, 1); put32(t, 12); /* Windows, Unicode BMP */
    put16(t, 4); put16(t, 32); put16(t, 0); /* format, length, language */
    put16(t, 4); put16(t, 4); put16(t, 1); put16(t, 0); /* segCountX2 … */
    put16(t, 0x20); put16(t, 0xffff);    /* endCode */
    put16(t, 0);                         /* reservedPad */
    put16(t, 0x20); put16(t, 0xffff);    /* startCode */
    put16(t, (1 - 0x20) & 0xffff); put16(t, 1); /* idDelta */
    put16(t, 0); put16(t, 0);            /* idRangeOffset */
}

static void make_head(tt_table *t)
{
    put32(t, 0x00010000); put32(t, 0x00010000); /* version, revision */
    put32(t, 0);                 /* checkSumAdjustment, set at the end */
    put32(t, 0x5F0F3CF5);        /* magic */
    put16(t, 0x000B);            /* flags: baseline y=0, lsb x=0, int ppem */
    put16(t, 1000);              /* unitsPerEm */
    put32(t, 0); put32(t, 0); put32(t, 0); put32(t, 0); /* created, modified */
    put16(t, 0); put16(t, (unsigned)(VO_GLYPHLESS_DESCENT & 0xffff));
    put16(t, 1000); put16(t, VO_GLYPHLESS_ASCENT); /* font bbox */
    put16(t, 0); put16(t, 8); put16(t, 2); /* macStyle, lowestRecPPEM, hint */
    put16(t, 0); put16(t, 0);    /* short loca, glyphDataFormat */
}

static void make_hhea(tt_table *t)
{
    put32(t, 0x00010000);
    put16(t, VO_GLYPHLESS_ASCENT);
    put16(t, (unsigned)(VO_GLYPHLESS_DESCENT & 0xffff));
    put16(t, 0); put16(t, 1000); /* lineGap, advanceWidthMax */
    put16(t, 0); put16(t, 0); put16(t, 1000); /* minLSB, minRSB, xMaxExtent */
    put16(t, 1); put16(t, 0); put16(t, 0); /* caret slope rise, run, offset */
    for (int i = 0; i < 4; i++)
        put16(t, 0);
    put16(t, 0); put16(t, VO_GLYPHLESS_N_GLYPHS); /* metricDataFormat, numberOfHMetrics */
}

/* Each glyph's advance is the width /W gives the characters drawn with it
 * (vo_glyphless_gid): readers that take the font's own advance (MuPDF)
 * and those that take /W (poppler, pdf.js) see the same boxes. */
static void make_hmtx(tt_table *t)
{
    put16(t, 500); put16(t, 0);  /* .notdef */
    put16(t, 500); put16(t, 0);  /* VO_GLYPHLESS_GID_HALF */
    put16(t, 1000); put16(t, 0); /* VO_GLYPHLESS_GID_WIDE */
    put16(t, 0); put16(t, 0);    /* VO_GLYPHLESS_GID_ZERO */
}

/* Glyph outlines: each glyph is its advance-wide em box (one contour of
 * four on-curve points), never drawn (the text layer is 3 Tr) but giving
 * the glyph the bounds readers cull and select text by (MuPDF drops text
 * whose glyphs bound nothing); .notdef and the zero-width glyph are empty. */
enum { GLYF_BOX_LEN = 36 }; /* 34 bytes, padded to even (short loca) */

static void make_glyf(tt_table *t)
{
    static const int adv[] = {1000 / 2, 1000}; /* GID_HALF, GID_WIDE */
    for (int i = 0; i < 2; i++) {
        int w = adv[i], lo = VO_GLYPHLESS_DESCENT, hi = VO_GLYPHLESS_ASCENT;
        put16(t, 1);                                  /* numberOfContours */
        put16(t, 0); put16(t, (unsigned)(lo & 0xffff)); put16(t, (unsigned)w);
        put16(t, (unsigned)hi);                       /* xMin yMin xMax yMax */
        put16(t, 3);                                  /* endPtsOfContours */
        put16(t, 0);                                  /* no instructions */
        for (int k = 0; k < 4; k++)
            t->data[t->len++] = 1;                    /* on curve, 16-bit deltas */
        put16(t, 0); put16(t, (unsigned)w); put16(t, 0); put16(t, (unsigned)(-w & 0xffff));
        put16(t, (unsigned)(lo & 0xffff)); put16(t, 0); put16(t, (unsigned)(hi - lo));
        put16(t, 0);
        put16(t, 0);                                  /* pad */
    }
}

static void make_loca(tt_table *t)
{
    /* short offsets (half the byte offset): .notdef empty, HALF and WIDE
     * boxes, ZERO empty */
    put16(t, 0); put16(t, 0); put16(t, GLYF_BOX_LEN / 2); put16(t, GLYF_BOX_LEN);
    put16(t, GLYF_BOX_LEN);
}

static void make_maxp(tt_table *t)
{
    put32(t, 0x00010000);
    put16(t, VO_GLYPHLESS_N_GLYPHS); /* numGlyphs */
    put16(t, 4); put16(t, 1); put16(t, 0); put16(t, 0); /* points, contours */
    put16(t, 2);                 /* maxZones */
    for (int i = 0; i < 8; i++)
        put16(t, 0);
}

static void make_name(tt_table *t)
{
    static const char *const names[] = {
        NULL, VO_GLYPHLESS_NAME, "Regular", VO_GLYPHLESS_NAME, VO_GLYPHLESS_NAME,
        "Version 1.0", VO_GLYPHLESS_NAME,
    };
    enum { N = 6 };
    put16(t, 0); put16(t, N); put16(t, 6 + 12 * N);
    unsigned off = 0;
    for (int id = 1; id <= N; id++) {
        unsigned len = (unsigned)strlen(names[id]) * 2;
        put16(t, 3); put16(t, 1); put16(t, 0x409); put16(t, (unsigned)id);
        put16(t, len); put16(t, off);
        off += len;
    }
    for (int id = 1; id <= N; id++)
        for (const char *s = names[id]; *s; s++)
            put16(t, (unsigned char)*s); /* ASCII as UTF-16BE */
}

static void make_post(tt_table *t)
{
    put32(t, 0x00030000);        /* format 3: no glyph names */
    put32(t, 0);                 /* italicAngle */
    put16(t, (unsigned)(-100 & 0xffff)); put16(t, 50); /* underline */
    put32(t, 0);                 /* isFixedPitch */
    for (int i = 0; i < 4; i++)
        put32(t, 0);
}

vo_status
vo_glyphless_ttf(vo_ctx *ctx, unsigned char **data, size_t *len)
{
    typedef void (*maker)(tt_table *);
    static const struct { const char *tag; maker make; } spec[] = {
        {"OS/2", make_os2}, {"cmap", make_cmap}, {"glyf", make_glyf}, {"head", make_head},
        {"hhea", make_hhea}, {"hmtx", make_hmtx}, {"loca", make_loca},
        {"maxp", make_maxp}, {"name", make_name}, {"post", make_post},
    };
    enum { N = sizeof spec / sizeof spec[0] };
    tt_table *tabs = vo_calloc(N, sizeof *tabs);
    if (!tabs)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory building the glyphless font");
    size_t total = 12 + 16 * N;
    for (int i = 0; i < N; i++) {
        memcpy(tabs[i].tag, spec[i].tag, 4);
        if (spec[i].make)
            spec[i].make(&tabs[i]);
        total += (tabs[i].len + 3) & ~(size_t)3;
    }
    unsigned char *p = vo_calloc(1, total);
    if (!p) {
        vo_free(tabs);
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory building the glyphless font");
    }
    tt_table dir = {{0}, {0}, 0};
    /* offset table: 10 tables, searchRange 8*16, entrySelector 3 */
    put32(&dir, 0x00010000); put16(&dir, N); put16(&dir, 128); put16(&dir, 3);
    put16(&dir, N * 16 - 128);
    memcpy(p, dir.data, dir.len);
    size_t off = 12 + 16 * N, head_off = 0;
    for (int i = 0; i < N; i++) {
        tt_table rec = {{0}, {0}, 0};
        putbytes(&rec, tabs[i].tag, 4);
        put32(&rec, tt_checksum(tabs[i].data, tabs[i].len));
        put32(&rec, (uint32_t)off);
        put32(&rec, (uint32_t)tabs[i].len);
        memcpy(p + 12 + 16 * i, rec.data, 16);
        memcpy(p + off, tabs[i].data, tabs[i].len);
        if (!strcmp(spec[i].tag, "head"))
            head_off = off;
        off += (tabs[i].len + 3) & ~(size_t)3;
    }
    uint32_t adj = 0xB1B0AFBAu - tt_checksum(p, total);
    p[head_off + 8] = (unsigned char)(adj >> 24);
    p[head_off + 9] = (unsigned char)(adj >> 16);
    p[head_off + 10] = (unsigned char)(adj >> 8);
    p[head_off + 11] = (unsigned char)adj;
    vo_free(tabs);
    *data = p;
    *len = total;
    return VO_OK;
}

int
vo_glyph_width(uint32_t cp)
{
    if (cp > 0x10FFFF)
        return 500;
    if ((cp >= 0x1160 && cp <= 0x11FF) || (cp >= 0xD7B0 && cp <= 0xD7FF))
        return 0; /* medial and final conjoining jamo join the initial's cell */
    int w = utf8proc_charwidth((utf8proc_int32_t)cp);
    if (w >= 2)
        return 1000;
    if (w == 0 && cp != 0x20)
        return 0; /* combining marks, Hangul medial/final jamo, format chars */
    return 500;
}

int
vo_glyphless_gid(uint32_t cp)
{
    int w = vo_glyph_width(cp);
    return w == 1000 ? VO_GLYPHLESS_GID_WIDE : w == 0 ? VO_GLYPHLESS_GID_ZERO
                                                      : VO_GLYPHLESS_GID_HALF;
}

/* fontconfig's lookups share lazily made state; one lookup at a time keeps
 * worker threads (-j) from racing on it. */
static pthread_mutex_t font_lock = PTHREAD_MUTEX_INITIALIZER;

static vo_status find_font_locked(vo_ctx *ctx, const char *family, uint32_t must_cover,
                                  char **path, int *index);

vo_status
vo_find_font(vo_ctx *ctx, const char *family, uint32_t must_cover, char **path, int *index)
{
    pthread_mutex_lock(&font_lock);
    vo_status st = find_font_locked(ctx, family, must_cover, path, index);
    pthread_mutex_unlock(&font_lock);
    return st;
}

static vo_status
find_font_locked(vo_ctx *ctx, const char *family, uint32_t must_cover, char **path, int *index)
{
    const char *want = family ? family : "Noto Sans CJK KR";
    *path = NULL;
    *index = 0;
    if (!FcInit())
        return vo_fail(ctx, VO_ERR_LIBRARY, "fontconfig failed to initialise");
    FcPattern *pat = FcNameParse((const FcChar8 *)want);
    if (!pat)
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory looking up font \"%s\"", want);
    if (must_cover) {
        FcCharSet *cs = FcCharSetCreate();
        if (cs) {
            FcCharSetAddChar(cs, must_cover);
            FcPatternAddCharSet(pat, FC_CHARSET, cs);
            FcCharSetDestroy(cs);
        }
    }
    FcConfigSubstitute(NULL, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult res;
    FcPattern *match = FcFontMatch(NULL, pat, &res);
    FcPatternDestroy(pat);
    vo_status st = VO_OK;
    FcChar8 *file = NULL;
    FcCharSet *have = NULL;
    int idx = 0;
    if (!match || FcPatternGetString(match, FC_FILE, 0, &file) != FcResultMatch ||
        (must_cover && (FcPatternGetCharSet(match, FC_CHARSET, 0, &have) != FcResultMatch ||
                        !FcCharSetHasChar(have, must_cover)))) {
        st = vo_fail(ctx, VO_ERR_MISSING,
                     "no installed font like \"%s\" covers U+%04X; install fonts-noto-cjk "
                     "(or fonts-nanum) or name a font file",
                     want, (unsigned)must_cover);
    } else {
        FcPatternGetInteger(match, FC_INDEX, 0, &idx);
        *path = vo_strdup((const char *)file);
        *index = idx;
        if (!*path)
            st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory looking up font \"%s\"", want);
    }
    if (match)
        FcPatternDestroy(match);
    return st;
}
