/* pool.c: a small fixed pthread pool; cpu_pool_run splits n tasks over the
 * workers (the caller is worker 0) and returns when all are done.
 *
 * Built for shared 2-vCPU hosts, where the other vCPU is often busy with
 * someone else's work. A decode step runs some 300 jobs of tens of
 * microseconds each, so:
 * - the caller waits only for tasks that a worker has claimed, never for a
 *   worker to notice a job: a worker whose CPU is taken claims nothing, and
 *   the caller runs the job alone;
 * - a worker that has finished spins on the job word for a while (SPIN_NS)
 *   before it sleeps, since waking a sleeping thread costs a futex call and,
 *   on a virtual machine, an interrupt to a halted vCPU;
 * - both yield the CPU now and then while they spin.
 *
 * The job word packs the job's generation, its number of tasks and the next
 * task to claim: a task is claimed by one compare-and-swap, which fails for a
 * worker that comes late to a job that is over. */
#include "src/backend/cpu/cpu_internal.h"
#include "src/util/alloc.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

#define SPIN_NS 2000000L      /* a worker's spin after a job before it sleeps: 2 ms */
#define YIELD_EVERY 1024      /* spins between two sched_yield calls */
#define JOB_TASKS 0xffff      /* tasks per job word; more run as several jobs */

/* the job word: generation (32 bits) | tasks (16) | next task (16) */
#define W_GEN(w) ((uint32_t)((w) >> 32))
#define W_TASKS(w) ((uint32_t)((w) >> 16) & 0xffff)
#define W_NEXT(w) ((uint32_t)(w)&0xffff)

struct cpu_pool {
    int n;                       /* workers including the caller */
    pthread_t *threads;
    pthread_mutex_t mu;
    pthread_cond_t go;
    _Atomic uint64_t job;        /* the job word */
    atomic_uint done;            /* tasks of the current job finished */
    atomic_int sleepers;         /* helpers asleep on `go` (or about to be) */
    atomic_bool quit;
    /* the current job: written by the caller only while no task of it can
     * be claimed; read by a worker only after it claimed one */
    cpu_task_fn *fn;
    void *arg;
    int64_t base;                /* task index of the job's task 0 */
};

typedef struct { cpu_pool *p; int id; } worker_arg;

/* claim and run tasks of generation gen until none is left */
static void work(cpu_pool *p, uint32_t gen, int id)
{
    uint64_t w = atomic_load_explicit(&p->job, memory_order_acquire);
    while (W_GEN(w) == gen && W_NEXT(w) < W_TASKS(w)) {
        if (!atomic_compare_exchange_weak_explicit(&p->job, &w, w + 1, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue;
        p->fn(p->arg, p->base + W_NEXT(w), id);
        atomic_fetch_add_explicit(&p->done, 1, memory_order_release);
        w = atomic_load_explicit(&p->job, memory_order_acquire);
    }
}

static long elapsed_ns(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000000000L + (t.tv_nsec - t0->tv_nsec);
}

/* the generation of the next job after `seen`: spinning first, then asleep */
static uint32_t wait_job(cpu_pool *p, uint32_t seen)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned i = 1;; i++) {
        uint32_t g = W_GEN(atomic_load_explicit(&p->job, memory_order_acquire));
        if (g != seen || atomic_load_explicit(&p->quit, memory_order_relaxed))
            return g;
        CPU_RELAX();
        if (i % YIELD_EVERY == 0) {
            if (elapsed_ns(&t0) > SPIN_NS)
                break;
            sched_yield();
        }
    }
    /* sleepers is raised before the job word is read again: a caller that
     * writes the word then reads sleepers (both sequentially consistent)
     * either is seen here or sees us and broadcasts under the mutex */
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add(&p->sleepers, 1);
    uint32_t g;
    while ((g = W_GEN(atomic_load(&p->job))) == seen && !atomic_load(&p->quit))
        pthread_cond_wait(&p->go, &p->mu);
    atomic_fetch_sub(&p->sleepers, 1);
    pthread_mutex_unlock(&p->mu);
    return g;
}

static void *worker_main(void *v)
{
    worker_arg wa = *(worker_arg *)v;
    vo_free(v);
    cpu_pool *p = wa.p;
    uint32_t seen = 0;
    for (;;) {
        seen = wait_job(p, seen);
        if (atomic_load(&p->quit))
            break;
        work(p, seen, wa.id);
    }
    return NULL;
}

cpu_pool *cpu_pool_new(int n_threads)
{
    cpu_pool *p = vo_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->n = n_threads < 1 ? 1 : n_threads;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->go, NULL);
    p->threads = vo_calloc((size_t)p->n, sizeof *p->threads);
    if (!p->threads) {
        p->n = 1;
        cpu_pool_drop(p);
        return NULL;
    }
    for (int i = 1; i < p->n; i++) {
        worker_arg *wa = vo_malloc(sizeof *wa);
        if (!wa || (wa->p = p, wa->id = i, pthread_create(&p->threads[i], NULL, worker_main, wa))) {
            vo_free(wa);
            p->n = i;       /* only threads 1..i-1 exist */
            cpu_pool_drop(p);
            return NULL;
        }
    }
    return p;
}

int cpu_pool_size(const cpu_pool *p) { return p->n; }

void cpu_pool_run(cpu_pool *p, int64_t n_tasks, cpu_task_fn *fn, void *arg)
{
    if (p->n == 1 || n_tasks <= 1) {
        for (int64_t t = 0; t < n_tasks; t++)
            fn(arg, t, 0);
        return;
    }
    for (int64_t base = 0; base < n_tasks; base += JOB_TASKS) {
        uint32_t tasks = n_tasks - base < JOB_TASKS ? (uint32_t)(n_tasks - base) : JOB_TASKS;
        /* every task of the last job is done: no worker reads these now */
        p->fn = fn;
        p->arg = arg;
        p->base = base;
        atomic_store_explicit(&p->done, 0, memory_order_relaxed);
        uint32_t gen = W_GEN(atomic_load_explicit(&p->job, memory_order_relaxed)) + 1;
        atomic_store(&p->job, (uint64_t)gen << 32 | (uint64_t)tasks << 16);   /* publishes */
        if (atomic_load(&p->sleepers) > 0) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_broadcast(&p->go);
            pthread_mutex_unlock(&p->mu);
        }
        work(p, gen, 0);
        /* only tasks that a worker claimed are waited for */
        for (unsigned i = 1; atomic_load_explicit(&p->done, memory_order_acquire) < tasks; i++) {
            CPU_RELAX();
            if (i % YIELD_EVERY == 0)
                sched_yield();
        }
    }
}

void cpu_pool_drop(cpu_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->quit, true);
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->n; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->go);
    vo_free(p->threads);
    vo_free(p);
}
