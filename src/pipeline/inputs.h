/* inputs.h: turn the command's operands into the list of documents to
 * process: files, directories (recursive, filtered by globs), @LIST files
 * and --files-from lists; each with the output name it gets under -O. */
#ifndef VO_INPUTS_H
#define VO_INPUTS_H

#include "src/util/status.h"

typedef struct vo_input {
    char *path;   /* as opened ("-" for standard input) */
    char *rel;    /* output name under --output-dir, without suffix: the
                     path below a directory operand, else the file name;
                     never absolute, never with ".." */
    int renamed;  /* rel keeps the suffix (and "-N"): another input had the same name */
    int duplicate; /* the same file as an earlier input: not processed again */
    char *error;  /* not a document to open: why (a folder that cannot be read); the
                     input fails with this, the others go on */
} vo_input;

typedef struct vo_input_list {
    vo_input *items;
    int n;
    size_t cap;
} vo_input_list;

typedef struct vo_input_filter {
    const char *const *include; /* globs; NULL-terminated; NULL = defaults */
    const char *const *exclude; /* globs; NULL-terminated or NULL */
} vo_input_filter;

/* Add one operand: a file, "-", a directory (walked in sorted order, files
 * that match the filter: by default those whose name or content says they
 * are documents, src/source/sniff.h), or "@LIST" (one path per line).
 * Errors name the operand. */
vo_status vo_inputs_add(vo_ctx *ctx, vo_input_list *list, const char *operand,
                        const vo_input_filter *filter);
/* Add one file as it is (no directory walk, no @LIST), named `rel`
 * (made safe, suffix dropped) under --output-dir. */
vo_status vo_inputs_add_file(vo_ctx *ctx, vo_input_list *list, const char *path, const char *rel);
/* Add every path listed in FILE ("-": standard input), one per line. */
vo_status vo_inputs_add_list(vo_ctx *ctx, vo_input_list *list, const char *file,
                             const vo_input_filter *filter);
/* Inputs that would write the same outputs under --output-dir: the same
 * file twice is marked duplicate (processed once); other documents keep
 * their suffixes in their output names ("a.pdf", "a.tif"), then "-2", "-3"
 * in input order, and are marked renamed; each is warned about. A clash
 * left after that is VO_ERR_ARGUMENT naming both. */
vo_status vo_inputs_resolve_names(vo_ctx *ctx, vo_input_list *list);
void vo_inputs_free(vo_input_list *list);

/* Glob match of a path: a pattern with '/' matches the whole relative
 * path, one without matches the file name. */
int vo_input_glob_match(const char *pattern, const char *rel_path);

#endif
