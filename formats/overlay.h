/* overlay.h: a PNG to check OCR by eye: the page image with glyph, word,
 * line and block boxes, and the recognized text set beside it. */
#ifndef VO_OVERLAY_H
#define VO_OVERLAY_H

#include "src/page/page.h"
#include "src/source/document.h"

/* Write png_path (atomically): on the left the page image with block
 * (blue), line (green), word (orange, tinted) boxes and glyph limits
 * (magenta ticks); on the right, each line's words set at their positions in a
 * Korean-capable font (font_path, or fontconfig's Noto Sans CJK KR when
 * NULL), shaped with HarfBuzz and rasterized with FreeType. Boxes are in
 * page pixels; the image is scaled when its size differs from the page's.
 * Without any usable font the text is left out with a warning. Errors:
 * VO_ERR_ARGUMENT (empty image), VO_ERR_LIMIT (too large), VO_ERR_NOMEM,
 * VO_ERR_IO / VO_ERR_LIBRARY naming png_path. */
vo_status vo_write_overlay(vo_ctx *ctx, const vo_raster *page_image, const vo_page *page,
                           const char *font_path, const char *png_path);

#endif
