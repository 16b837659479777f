/* infile.h: opening a file to read it, when only a regular file will do:
 * a device (/dev/zero), a named pipe, a socket or a directory named as a
 * file would never end, block or fail late, so it is refused up front. */
#ifndef VO_INFILE_H
#define VO_INFILE_H

#include "src/util/status.h"

/* Open `path` read-only (never blocking on a pipe) and check it is a
 * regular file (a symbolic link to one is fine). Returns the descriptor, in
 * blocking mode; or -1 with the error in ctx: VO_ERR_IO when it cannot be
 * opened, VO_ERR_UNSUPPORTED when it is not a regular file ("PATH: is a
 * named pipe, not a regular file; only regular files are read", then
 * `hint` when not NULL). */
int vo_open_regular(vo_ctx *ctx, const char *path, const char *hint);

/* What a file of mode `mode` is, for messages ("a named pipe"). */
const char *vo_file_kind(unsigned mode);

#endif
