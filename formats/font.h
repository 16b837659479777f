/* font.h: fonts for the writers: a glyphless TrueType generated at run time
 * for invisible PDF text, per-character widths, and a fontconfig lookup. */
#ifndef VO_FONT_H
#define VO_FONT_H

#include <stddef.h>
#include <stdint.h>
#include "../src/util/status.h"

/* Metrics of the glyphless font, in 1/1000 em (PDF glyph space). Its glyph
 * box spans exactly one em: VO_GLYPHLESS_ASCENT above the baseline and
 * -VO_GLYPHLESS_DESCENT below. */
#define VO_GLYPHLESS_ASCENT 880
#define VO_GLYPHLESS_DESCENT (-120)
#define VO_GLYPHLESS_NAME "VarcoGlyphless"

/* The glyphs of the glyphless font, all empty; each one's advance is one
 * of the widths of vo_glyph_width. */
enum {
    VO_GLYPHLESS_GID_HALF = 1, /* 500 */
    VO_GLYPHLESS_GID_WIDE = 2, /* 1000 */
    VO_GLYPHLESS_GID_ZERO = 3, /* 0 */
    VO_GLYPHLESS_N_GLYPHS = 4  /* with .notdef (500) */
};

/* Build the bytes of a TrueType font with the empty glyphs above, every table needed by PDF viewers (head, hhea, maxp, cmap,
 * hmtx, loca, glyf, name, post, OS/2), checksums filled. *data is
 * vo_malloc'ed, the caller vo_frees it. Returns VO_ERR_NOMEM on failure. */
vo_status vo_glyphless_ttf(vo_ctx *ctx, unsigned char **data, size_t *len);

/* Advance of code point cp in the glyphless font, in 1/1000 em: 1000 for
 * East-Asian wide and full-width characters (Hangul, Hanja, kana, full-width
 * forms), 0 for combining marks and other zero-width characters, 500 for
 * the rest. Thread-safe. */
int vo_glyph_width(uint32_t cp);

/* The glyph whose advance is vo_glyph_width(cp). Thread-safe. */
int vo_glyphless_gid(uint32_t cp);

/* Find a font file through fontconfig: the best match for `family` (NULL:
 * "Noto Sans CJK KR") that covers code point `must_cover` (0: any).
 * *path is vo_malloc'ed; *index is the face index inside a collection.
 * Returns VO_ERR_MISSING, with a message naming the Debian package to
 * install, when no such font is installed. Fontconfig keeps its parsed
 * configuration until the program calls FcFini(). */
vo_status vo_find_font(vo_ctx *ctx, const char *family, uint32_t must_cover, char **path,
                       int *index);

#endif
