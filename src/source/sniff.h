/* sniff.h: what a file is by its first bytes. Inputs are recognized by
 * their content; the file name's suffix is only a hint, and a suffix that
 * says otherwise is reported. */
#ifndef VO_SOURCE_SNIFF_H
#define VO_SOURCE_SNIFF_H

#include <stddef.h>

#include "src/util/status.h"

typedef enum vo_doc_format {
    VO_DOC_UNKNOWN = 0, /* none of those below (MuPDF may still open it by name) */
    VO_DOC_PDF,
    VO_DOC_TIFF,
    VO_DOC_PNG,
    VO_DOC_JPEG,
    VO_DOC_JPX,         /* JPEG 2000 */
    VO_DOC_PNM,
    VO_DOC_GIF,
    VO_DOC_BMP,
} vo_doc_format;

/* How many first bytes vo_sniff_format wants (a PDF header may follow
 * some junk: readers look for it in the first kilobyte). */
#define VO_SNIFF_BYTES 1024

/* The format of a file that starts with b[0..n). */
vo_doc_format vo_sniff_format(const unsigned char *b, size_t n);

/* The format of the regular file at path; VO_DOC_UNKNOWN for an empty file
 * or one that cannot be read (opening it then says why). */
vo_doc_format vo_sniff_file(const char *path);

/* The format the name's suffix claims (case-insensitive), VO_DOC_UNKNOWN
 * when the suffix names none. */
vo_doc_format vo_format_of_name(const char *name);

/* "PDF", "TIFF", "PNG image", ... for messages. */
const char *vo_doc_format_name(vo_doc_format f);

/* The usual suffix (".pdf", ".tif", ...), by which MuPDF picks its reader;
 * NULL for VO_DOC_UNKNOWN. */
const char *vo_doc_format_suffix(vo_doc_format f);

#endif
