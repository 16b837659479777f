/* doc_lock.c: a document's lock for a page with a --page-timeout deadline
 * (NULL or 0: none). The pages of a document are made side by side and read
 * it one at a time: the time a page waits while the others are read does
 * not count against it. */
#include "config.h"
#include "src/pipeline/run_impl.h"
#include "src/util/clock.h"

void run_lock_doc(provider *pv, double *deadline)
{
    double t0 = deadline && *deadline > 0 ? vo_monotonic_seconds() : 0;
    pthread_mutex_lock(&pv->doc_lock);
    if (t0 > 0)
        *deadline += vo_monotonic_seconds() - t0;
}
