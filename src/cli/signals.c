/* signals.c: the handlers of SIGINT, SIGTERM, SIGHUP and SIGPIPE. */
#include "src/cli/signals.h"
#include "src/pipeline/run.h"
#include "src/util/tempfile.h"

#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

/* First SIGINT/SIGTERM: stop (the page in flight is dropped). A second
 * SIGINT: leave at once (finished files are complete anyway; temp files
 * are removed). */
static void on_stop_signal(int sig)
{
    if (vo_run_stop && sig == SIGINT) {
        vo_temp_remove_tracked();
        _exit(VO_EXIT_INTERRUPTED);
    }
    vo_run_stop = 1;
}

/* SIGHUP, SIGPIPE: the temp files go, then the process dies of the signal
 * as it would have (SA_RESETHAND: the raise lands on the default). */
static void on_fatal_signal(int sig)
{
    vo_temp_remove_tracked();
    raise(sig);
}

/* sig's handler becomes fn, unless it was inherited as ignored. */
static void set_handler(int sig, void (*fn)(int), int flags)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    static int ignored[NSIG]; /* as found at the first install */
    static int looked[NSIG];
    if (!looked[sig]) {
        looked[sig] = 1;
        ignored[sig] = sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN;
    }
    if (!ignored[sig])
        sigaction(sig, &sa, NULL);
}

void vo_signals_install(void)
{
    set_handler(SIGINT, on_stop_signal, 0);
    set_handler(SIGTERM, on_stop_signal, 0);
    set_handler(SIGHUP, on_fatal_signal, SA_RESETHAND);
    set_handler(SIGPIPE, on_fatal_signal, SA_RESETHAND);
}
