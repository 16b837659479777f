/* raster.h: raster helpers shared by the source back ends: allocation
 * under the pixel limit, EXIF/TIFF orientation, resampling to a DPI. */
#ifndef VO_SOURCE_RASTER_H
#define VO_SOURCE_RASTER_H

#include "src/source/document.h"

#define SOURCE_DEFAULT_DPI 300.0f
#define SOURCE_DEFAULT_MAX_PIXELS ((uint64_t)1 << 28)
/* The longest side of a page in pixels (and so of its text layer's boxes,
 * which MuPDF's integer rectangles clamp at 2^24): a page that would be
 * larger (a huge /UserUnit) is taken at a lower resolution. */
#define SOURCE_MAX_SIDE 1048576.0f

/* The effective pixel limit of `limits` (NULL or 0: the default). */
uint64_t source_max_pixels(const vo_source_limits *limits);

/* v when it is a usable resolution (1 < v <= 10000 dots per inch), else 0. */
float source_sane_dpi(double v);

/* Pixel count of a raster of `dpi` made from `n` pixels at `native_dpi`
 * (rounded, at least 1). */
uint64_t source_scaled_size(uint64_t n, float native_dpi, float dpi);

/* A white raster of w x h, refused with VO_ERR_LIMIT (message naming path
 * and page) before any allocation when w*h exceeds the limit. */
vo_status source_new_raster(vo_ctx *ctx, const char *path, int page, uint64_t w,
                            uint64_t h, const vo_source_limits *limits, vo_raster **out);

/* Turn a raster stored with TIFF/EXIF Orientation `orientation` (1..8) into
 * what a viewer shows; 5..8 swap width and height (and dpi_x/dpi_y).
 * Replaces *r; on failure *r is left as it was. */
vo_status source_orient_raster(vo_ctx *ctx, const char *path, vo_raster **r, int orientation);

/* Resample *r (at r->dpi_x x r->dpi_y) to `dpi` on both axes, so that the
 * result has square pixels (triangle filter, widened when shrinking).
 * No-op when both resolutions already equal dpi. Replaces *r. */
vo_status source_resample_raster(vo_ctx *ctx, const char *path, vo_raster **r, float dpi,
                                 const vo_source_limits *limits);

#endif
