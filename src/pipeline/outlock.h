/* outlock.h: one run per output tree at a time. An advisory lock (flock)
 * on DIR/.varco-ocr/run.lock: a run takes it exclusive, so a second run on
 * the same folder stops at once with a message instead of deleting the
 * first one's temp files. The shards of one job (--shard I/N) take it
 * shared and their own part's lock (run-I-of-N.lock) exclusive, so they
 * run side by side and the same part twice does not. */
#ifndef VO_OUTLOCK_H
#define VO_OUTLOCK_H

#include <signal.h>
#include "src/util/status.h"

typedef struct vo_out_lock {
    int fd_tree;    /* run.lock, or -1 */
    int fd_part;    /* run-I-of-N.lock, or -1 */
} vo_out_lock;

#define VO_OUT_LOCK_INIT {-1, -1}

/* How long to wait for a lock another run holds: seconds 0 not at all,
 * < 0 without limit; a wait ends early when *stop becomes set. */
typedef struct vo_out_lock_wait {
    double seconds;
    volatile sig_atomic_t *stop;
} vo_out_lock_wait;

/* Take the locks in cache_dir (DIR/.varco-ocr, made and checked by the
 * caller); shard_count 0: not sharded; wait NULL: as seconds 0. A lock that
 * stays taken: VO_ERR_IO naming the folder and the process that holds it
 * (VO_ERR_ABORT when *stop ended the wait). */
vo_status vo_out_lock_take(vo_ctx *ctx, const char *out_dir, const char *cache_dir,
                           int shard_index, int shard_count, const vo_out_lock_wait *wait,
                           vo_out_lock *lk);
/* Accepts an untaken lock. */
void vo_out_lock_release(vo_out_lock *lk);

#endif
