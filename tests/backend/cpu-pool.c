/* cpu-pool.c: the CPU backend's thread pool (src/backend/cpu/pool.c): every
 * task of a job runs exactly once, whatever the number of tasks (past the
 * 65,535 of one job word) and however many jobs follow each other; two
 * tasks of one job run at once on two threads, both right after a job and
 * after the workers have gone to sleep; a busy loop on one CPU neither
 * loses nor repeats a task; a pool is dropped while its workers spin and
 * while they sleep. */
#include "src/backend/cpu/cpu_internal.h"
#include "tests/tap.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    atomic_int *runs;       /* per task: how many times it ran */
    int n_workers;
    atomic_int bad_worker;  /* a worker id outside [0, n_workers) */
} count_job;

static void count_task(void *arg, int64_t task, int worker)
{
    count_job *j = arg;
    atomic_fetch_add(&j->runs[task], 1);
    if (worker < 0 || worker >= j->n_workers)
        atomic_store(&j->bad_worker, 1);
}

/* one job of n tasks: the number of tasks that did not run exactly once */
static int64_t run_counted(cpu_pool *p, int64_t n, int *bad_worker)
{
    count_job j = {calloc((size_t)(n ? n : 1), sizeof(atomic_int)), cpu_pool_size(p), 0};
    if (!j.runs)
        return -1;
    cpu_pool_run(p, n, count_task, &j);
    int64_t wrong = 0;
    for (int64_t i = 0; i < n; i++)
        wrong += atomic_load(&j.runs[i]) != 1;
    *bad_worker = atomic_load(&j.bad_worker);
    free(j.runs);
    return wrong;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* two tasks that each wait (5 s at most) until both have started: they
 * can only both finish in time when two threads run them at once */
typedef struct {
    atomic_int started;
    atomic_int timed_out;
    atomic_int worker_mask;
} meet_job;

static void meet_task(void *arg, int64_t task, int worker)
{
    (void)task;
    meet_job *j = arg;
    atomic_fetch_or(&j->worker_mask, 1 << worker);
    atomic_fetch_add(&j->started, 1);
    double t0 = now();
    while (atomic_load(&j->started) < 2)
        if (now() - t0 > 5.0) {
            atomic_store(&j->timed_out, 1);
            return;
        }
}

static bool meet(cpu_pool *p)
{
    meet_job j = {0, 0, 0};
    cpu_pool_run(p, 2, meet_task, &j);
    return !atomic_load(&j.timed_out) && atomic_load(&j.worker_mask) == 3;
}

static atomic_bool spinning;

static void *spin_main(void *arg)
{
    (void)arg;
    volatile unsigned long n = 0;
    while (atomic_load_explicit(&spinning, memory_order_relaxed))
        n++;
    return NULL;
}

int main(void)
{
    static const int64_t sizes[] = {0, 1, 2, 3, 7, 64, 1000, 65535, 65536, 65537, 140000};
    for (int threads = 2; threads <= 4; threads += 2) {
        cpu_pool *p = cpu_pool_new(threads);
        int t0 = (threads / 2 - 1) * 3;
        ok(p != NULL, "1.%d a pool of %d threads", t0 + 1, threads);
        if (!p)
            continue;
        int64_t wrong = 0;
        int bad = 0;
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            int b = 0;
            int64_t w = run_counted(p, sizes[i], &b);
            if (w != 0)
                diag("%lld tasks: %lld did not run exactly once", (long long)sizes[i],
                         (long long)w);
            wrong += w != 0;
            bad |= b;
        }
        ok(wrong == 0 && !bad, "1.%d every task of jobs of 0 to 140,000 tasks runs once, "
               "on a worker id below %d", t0 + 2, threads);
        /* the decode pattern: many small jobs back to back */
        wrong = 0;
        for (int r = 0; r < 20000 && wrong == 0; r++) {
            int b = 0;
            wrong += run_counted(p, 1 + r % 5, &b) != 0 || b;
        }
        ok(wrong == 0, "1.%d 20,000 jobs of 1-5 tasks back to back: each task once",
               t0 + 3);
        cpu_pool_drop(p);   /* the workers are spinning now */
    }

    cpu_pool *p = cpu_pool_new(2);
    ok(p && meet(p), "2.1 two tasks of one job run at once on the two threads");
    usleep(50000);          /* past the spin: the worker sleeps */
    ok(p && meet(p), "2.2 the same after the worker has gone to sleep (the wake-up)");
    if (p) {
        int b = 0;
        usleep(50000);
        ok(run_counted(p, 1000, &b) == 0 && !b, "2.3 a job right after the sleep: each "
               "task once");
        usleep(50000);
    }
    cpu_pool_drop(p);       /* while the worker sleeps */
    ok(1, "2.4 a pool dropped while its worker sleeps returns");

    /* a busy loop on the last CPU (where there are two): nothing lost */
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    pthread_t spinner;
    atomic_store(&spinning, true);
    bool spin = ncpu >= 2 && pthread_create(&spinner, NULL, spin_main, NULL) == 0;
    if (spin) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET((int)ncpu - 1, &set);
        pthread_setaffinity_np(spinner, sizeof set, &set);
    }
    p = cpu_pool_new(2);
    int64_t wrong = p ? 0 : 1;
    for (int r = 0; p && r < 2000 && wrong == 0; r++) {
        int b = 0;
        wrong += run_counted(p, 1 + r % 97, &b) != 0 || b;
    }
    ok(wrong == 0, "3.1 2,000 jobs with %s: each task once",
           spin ? "a busy loop on the last CPU" : "one CPU (no busy loop: one CPU only)");
    cpu_pool_drop(p);
    if (spin) {
        atomic_store(&spinning, false);
        pthread_join(spinner, NULL);
    }
    return done_testing();
}
