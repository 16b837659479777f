/* pipeline-lock.c: a page's --page-timeout deadline does not run while the
 * page waits for its document's lock (the pages of a document are made side
 * by side and read it one at a time; under a slow build, the third page of
 * a batch was abandoned for its wait alone). */
#include "src/pipeline/run_impl.h"
#include "src/util/clock.h"
#include "tests/tap.h"

#include <pthread.h>
#include <time.h>

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static pthread_mutex_t *held;

/* another page: holds the document for 0.3 s */
static void *holder(void *arg)
{
    (void)arg;
    pthread_mutex_lock(held);
    sleep_s(0.3);
    pthread_mutex_unlock(held);
    return NULL;
}

int main(void)
{
    static provider pv;
    pthread_mutex_init(&pv.doc_lock, NULL);
    held = &pv.doc_lock;
    pthread_t t;
    pthread_mutex_lock(&pv.doc_lock);       /* the holder starts behind us */
    if (pthread_create(&t, NULL, holder, NULL) != 0)
        skip_all("cannot start a thread");
    pthread_mutex_unlock(&pv.doc_lock);
    sleep_s(0.05);                          /* the holder has the lock now */
    double start = vo_monotonic_seconds(), deadline = start + 0.1;
    run_lock_doc(&pv, &deadline);
    double waited = vo_monotonic_seconds() - start;
    pthread_mutex_unlock(&pv.doc_lock);
    pthread_join(t, NULL);
    ok(waited >= 0.15 && deadline >= start + 0.1 + waited - 0.01,
       "lock 1.1: a wait of %.3f s for the document moves the deadline by as much (%.3f s "
       "past the start, was 0.100)", waited, deadline - start);
    double none = 0;
    run_lock_doc(&pv, &none);
    pthread_mutex_unlock(&pv.doc_lock);
    run_lock_doc(&pv, NULL);
    pthread_mutex_unlock(&pv.doc_lock);
    ok(none == 0, "lock 1.2: no deadline (0 or NULL) stays none");
    pthread_mutex_destroy(&pv.doc_lock);
    return done_testing();
}
