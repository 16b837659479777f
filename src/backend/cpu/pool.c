/* pool.c: a small fixed pthread pool; cpu_pool_run splits n tasks over the
 * workers (the caller is worker 0) and returns when all are done. */
#include "src/backend/cpu/cpu_internal.h"
#include "src/util/alloc.h"

#include <pthread.h>
#include <stdatomic.h>

struct cpu_pool {
    int n;                       /* workers including the caller */
    pthread_t *threads;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    unsigned long generation;    /* bumped per job */
    int running;                 /* helper threads still busy with the job */
    bool quit;
    /* the current job */
    cpu_task_fn *fn;
    void *arg;
    int64_t n_tasks;
    atomic_llong next;
};

typedef struct { cpu_pool *p; int id; } worker_arg;

static void work(cpu_pool *p, int id)
{
    for (;;) {
        int64_t t = atomic_fetch_add(&p->next, 1);
        if (t >= p->n_tasks)
            break;
        p->fn(p->arg, t, id);
    }
}

static void *worker_main(void *v)
{
    worker_arg wa = *(worker_arg *)v;
    vo_free(v);
    cpu_pool *p = wa.p;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->quit && p->generation == seen)
            pthread_cond_wait(&p->go, &p->mu);
        if (p->quit)
            break;
        seen = p->generation;
        pthread_mutex_unlock(&p->mu);
        work(p, wa.id);
        pthread_mutex_lock(&p->mu);
        if (--p->running == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
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
    pthread_cond_init(&p->done, NULL);
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
    p->fn = fn;
    p->arg = arg;
    p->n_tasks = n_tasks;
    atomic_store(&p->next, 0);
    if (p->n == 1 || n_tasks <= 1) {
        work(p, 0);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->running = p->n - 1;
    p->generation++;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    work(p, 0);
    pthread_mutex_lock(&p->mu);
    while (p->running > 0)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

void cpu_pool_drop(cpu_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->quit = true;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->n; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->go);
    pthread_cond_destroy(&p->done);
    vo_free(p->threads);
    vo_free(p);
}
