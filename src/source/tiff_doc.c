/* tiff_doc.c: TIFF files through libtiff (placeholder until the libtiff
 * back end lands). */
#include "src/source/source_impl.h"

vo_status
source_open_tiff(vo_ctx *ctx, const char *path, vo_document **doc)
{
    *doc = NULL;
    return vo_fail(ctx, VO_ERR_UNSUPPORTED, "%s: TIFF input is not supported yet", path);
}
