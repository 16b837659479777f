/* mupdf_stream.c: the file stream MuPDF reads a document through, which
 * ends when the run is cancelled (vo_source_set_cancel): xref repair of a
 * huge damaged PDF, page loading and drawing all read through it, so a
 * SIGTERM ends them at their next read instead of after the whole file. */
#include "src/source/mupdf_doc.h"

#include <stdio.h>

typedef struct cancel_stream {
    fz_stream *file;
    mupdf_document *md;
} cancel_stream;

static int
cancel_next(fz_context *fz, fz_stream *stm, size_t max)
{
    cancel_stream *cs = stm->state;
    if (source_cancelled()) {
        /* the end of the file: every parser loop stops; what it made is
         * discarded because md->cancelled says why it ended */
        cs->md->cancelled = 1;
        return EOF;
    }
    size_t n = fz_available(fz, cs->file, max);
    if (n == 0)
        return EOF;
    stm->rp = cs->file->rp;
    stm->wp = cs->file->rp + n;
    cs->file->rp += n; /* taken over: valid until the file's next read */
    stm->pos = fz_tell(fz, cs->file);
    return *stm->rp++;
}

static void
cancel_seek(fz_context *fz, fz_stream *stm, int64_t offset, int whence)
{
    cancel_stream *cs = stm->state;
    fz_seek(fz, cs->file, offset, whence);
    stm->pos = fz_tell(fz, cs->file);
    stm->rp = stm->wp = cs->file->rp; /* empty: the next read asks cancel_next */
}

static void
cancel_drop(fz_context *fz, void *state)
{
    cancel_stream *cs = state;
    fz_drop_stream(fz, cs->file);
    fz_free(fz, cs);
}

fz_stream *
mupdf_open_cancellable(fz_context *fz, mupdf_document *md, const char *path)
{
    fz_stream *file = fz_open_file(fz, path);
    cancel_stream *cs = NULL;
    fz_try(fz) {
        cs = fz_malloc_struct(fz, cancel_stream);
        cs->file = file;
        cs->md = md;
    }
    fz_catch(fz) {
        fz_drop_stream(fz, file);
        fz_rethrow(fz);
    }
    /* on failure fz_new_stream drops cs (and the file) itself */
    fz_stream *stm = fz_new_stream(fz, cs, cancel_next, cancel_drop);
    stm->seek = cancel_seek;
    return stm;
}
