/* pdf-font.c: the generated glyphless TrueType loads in FreeType with the
 * promised metrics, and character widths follow East-Asian width. */
#include "formats/font.h"
#include "src/util/alloc.h"
#include "tests/tap.h"

#include <fontconfig/fontconfig.h>

#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_TRUETYPE_TABLES_H
#include FT_OUTLINE_H

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int main(void)
{
    vo_ctx *ctx = vo_new_ctx();
    unsigned char *ttf = NULL;
    size_t len = 0;
    ok(vo_glyphless_ttf(ctx, &ttf, &len) == VO_OK && ttf && len > 12, "font 1.1: generated");

    /* whole-font checksum is the magic constant once checkSumAdjustment is in */
    uint32_t sum = 0;
    for (size_t i = 0; i + 4 <= len; i += 4)
        sum += be32(ttf + i);
    ok(len % 4 == 0 && sum == 0xB1B0AFBAu, "font 1.2: checkSumAdjustment makes the sum B1B0AFBA");

    FT_Library lib;
    FT_Face face = NULL;
    ok(FT_Init_FreeType(&lib) == 0, "font 1.3: FreeType starts");
    ok(FT_New_Memory_Face(lib, ttf, (FT_Long)len, 0, &face) == 0, "font 1.4: FreeType loads it");
    if (face) {
        ok(face->num_glyphs == VO_GLYPHLESS_N_GLYPHS, "font 1.5: %d glyphs (got %ld)",
           VO_GLYPHLESS_N_GLYPHS, (long)face->num_glyphs);
        ok(face->units_per_EM == 1000, "font 1.6: 1000 units per em");
        ok(face->ascender == VO_GLYPHLESS_ASCENT && face->descender == VO_GLYPHLESS_DESCENT,
           "font 1.7: ascent/descent %d/%d", face->ascender, face->descender);
        /* each glyph's own advance is the /W width of the characters shown
         * with it (MuPDF takes the font's, poppler and pdf.js /W), and its
         * box spans that advance and the em (MuPDF culls empty glyphs) */
        static const struct { int gid, adv; } glyphs[] = {
            {VO_GLYPHLESS_GID_HALF, 500}, {VO_GLYPHLESS_GID_WIDE, 1000},
            {VO_GLYPHLESS_GID_ZERO, 0},
        };
        for (int i = 0; i < 3; i++) {
            int gid = glyphs[i].gid, adv = glyphs[i].adv;
            FT_BBox b = {0, 0, 0, 0};
            int loaded = FT_Load_Glyph(face, (FT_UInt)gid, FT_LOAD_NO_SCALE) == 0;
            if (loaded)
                FT_Outline_Get_CBox(&face->glyph->outline, &b);
            ok(loaded && face->glyph->metrics.horiAdvance == adv &&
               (adv ? b.xMin == 0 && b.xMax == adv && b.yMin == VO_GLYPHLESS_DESCENT &&
                      b.yMax == VO_GLYPHLESS_ASCENT
                    : face->glyph->outline.n_points == 0),
               "font 1.8.%d: glyph %d advances %d (got %ld), box %ld..%ld x %ld..%ld", i + 1, gid,
               adv, loaded ? (long)face->glyph->metrics.horiAdvance : -1L, (long)b.xMin,
               (long)b.xMax, (long)b.yMin, (long)b.yMax);
        }
        ok(FT_Get_Char_Index(face, 0x20) == 1, "font 1.9: cmap maps U+0020 to glyph 1");
        TT_OS2 *os2 = FT_Get_Sfnt_Table(face, FT_SFNT_OS2);
        ok(os2 && os2->fsType == 0, "font 1.10: OS/2 allows embedding");
        ok(face->family_name && !strcmp(face->family_name, VO_GLYPHLESS_NAME),
           "font 1.11: family name %s", face->family_name ? face->family_name : "(none)");
        FT_Done_Face(face);
    }
    FT_Done_FreeType(lib);
    vo_free(ttf);

    static const struct { uint32_t cp; int w; } widths[] = {
        {'a', 500}, {' ', 500}, {0xAC00, 1000}, {0xD7A3, 1000}, {0x3131, 1000},
        {0x4E00, 1000}, {0xFF21, 1000}, {0x20000, 1000}, {0x0301, 0}, {0x1161, 0},
        {0x1100, 1000}, {0x00E9, 500}, {0x2460, 500},
    };
    for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++) {
        int gid = vo_glyphless_gid(widths[i].cp);
        int want = widths[i].w == 1000 ? VO_GLYPHLESS_GID_WIDE
                   : widths[i].w == 0  ? VO_GLYPHLESS_GID_ZERO : VO_GLYPHLESS_GID_HALF;
        ok(vo_glyph_width(widths[i].cp) == widths[i].w && gid == want,
           "font 2.%zu: width of U+%04X is %d (got %d), glyph %d (got %d)", i + 1,
           (unsigned)widths[i].cp, widths[i].w, vo_glyph_width(widths[i].cp), want, gid);
    }

    char *path = NULL;
    int index = -1;
    vo_status st = vo_find_font(ctx, NULL, 0xAC00, &path, &index);
    ok(st == VO_OK ? path && index >= 0 : st == VO_ERR_MISSING && strstr(vo_last_error(ctx), "fonts-noto-cjk") != NULL,
       "font 3.1: Korean font lookup gives a file or says what to install (%s)", path ? path : vo_last_error(ctx));
    vo_free(path);
    vo_drop_ctx(ctx);
    FcFini(); /* fontconfig keeps its parsed configuration until then */
    return done_testing();
}
