/* signals.h: what varco-ocr does on a signal. SIGINT/SIGTERM stop the run
 * (vo_run_stop: pages in flight are dropped, the run ends with exit 130; a
 * second SIGINT exits at once); SIGHUP and SIGPIPE remove the live temp
 * files, then the process dies of the signal as before. A disposition
 * inherited as ignored (nohup) stays ignored. */
#ifndef VO_SIGNALS_H
#define VO_SIGNALS_H

/* The exit code of an interrupted run (CLI-CONVENTIONS.md §4). */
#define VO_EXIT_INTERRUPTED 130

/* Install the handlers. Called again once the recognition engine is open:
 * libraries it loads (LLVM inside PoCL) put their own handlers in place,
 * and a SIGTERM then killed the run outright. */
void vo_signals_install(void);

#endif
