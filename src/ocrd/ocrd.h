/* ocrd.h: ocrd-varco-ocr, the OCR-D processor: the METS workspace read
 * and updated (ocrd_mets.c), the processor's command line and its page
 * loop (ocrd_main.c). */
#ifndef VO_OCRD_H
#define VO_OCRD_H

#include "src/util/status.h"

/* One page of the input file group, in the physical order of the METS. */
typedef struct ocrd_input {
    char *page_id;   /* mets:div[@TYPE='page']/@ID */
    char *file_id;   /* the input mets:file's ID */
    char *href;      /* its FLocat xlink:href, as written (relative to the workspace) */
    char *mimetype;  /* its MIMETYPE, or "" */
} ocrd_input;

typedef struct ocrd_mets ocrd_mets;

/* Read the METS at `path` (untrusted: no network, no entities). Errors:
 * VO_ERR_IO, VO_ERR_FORMAT naming the file. */
vo_status ocrd_mets_open(vo_ctx *ctx, const char *path, ocrd_mets **out);
void ocrd_mets_close(ocrd_mets *m);

/* The pages that have a file in group `grp`, in physical order; with
 * `page_ids` (comma-separated, or NULL: all) only those, and each of them
 * must exist. *in is an array of *n to free with ocrd_free_inputs. */
vo_status ocrd_mets_inputs(vo_ctx *ctx, ocrd_mets *m, const char *grp, const char *page_ids,
                           ocrd_input **in, int *n);
void ocrd_free_inputs(ocrd_input *in, int n);

/* The ID of page_id's file in group `grp` (borrowed), or NULL. */
const char *ocrd_mets_page_file(ocrd_mets *m, const char *grp, const char *page_id);
/* Remove file `file_id` and the page's pointer to it. */
void ocrd_mets_remove_file(ocrd_mets *m, const char *file_id);
/* Add a file of group `grp` for page `page_id`: its mets:file with an
 * FLocat to `href`, and a mets:fptr from the page. */
vo_status ocrd_mets_add_file(vo_ctx *ctx, ocrd_mets *m, const char *grp, const char *file_id,
                             const char *page_id, const char *href, const char *mimetype);
/* The processor's agent in metsHdr: its name, version, groups and
 * parameters. */
vo_status ocrd_mets_add_agent(vo_ctx *ctx, ocrd_mets *m, const char *in_grp,
                              const char *out_grp, const char *params_json);
/* Write the METS back in place (atomically). */
vo_status ocrd_mets_save(vo_ctx *ctx, ocrd_mets *m);

/* The imageFilename of a PAGE-XML file (a new string), for an input group
 * of PAGE files. */
vo_status ocrd_page_image(vo_ctx *ctx, const char *path, char **image);

#endif
