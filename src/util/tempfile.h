/* tempfile.h: temporary files made in a directory descriptor without
 * following links, and the list of live ones that a fatal signal's handler
 * removes (SIGHUP, SIGPIPE, a second SIGINT), so no exit the process sees
 * leaves one behind. */
#ifndef VO_TEMPFILE_H
#define VO_TEMPFILE_H

#include <stddef.h>

/* Create PREFIX + six random characters + SUFFIX in dirfd, exclusively
 * (O_CREAT | O_EXCL | O_NOFOLLOW), mode 0644. The name made is written to
 * name[cap]. Returns the descriptor, or -1 with errno set. */
int vo_temp_create(int dirfd, const char *prefix, const char *suffix, char *name, size_t cap);

/* Remember a live temporary file (dirfd stays open while it is listed).
 * Returns its slot, or -1 when the list is full or the name too long (the
 * file is then only removed by its owner or by the next run). */
int vo_temp_track(int dirfd, const char *name);
/* Forget a slot (after the file was renamed or removed). -1 is ignored. */
void vo_temp_untrack(int slot);
/* Remove every listed file. Async-signal-safe: for signal handlers. */
void vo_temp_remove_tracked(void);

#endif
