/* cpu backend: the integer reference (ff_qplan_run), one sample on the
 * caller's thread, a batch split over a persistent pthread pool. Scratch
 * plans come from a free list, so concurrent callers never share one.
 * Workers claim chunks of a batch with a compare-and-swap on (generation,
 * next index), and the caller works too and waits only for chunks actually
 * claimed: a worker that the scheduler wakes late (other jobs on the cores)
 * finds nothing left and costs nothing. */
#include "backend.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>

typedef struct cpu_ctx {
    const ff_qmodel *q;
    int64_t isz, osz;
    /* free scratch plans */
    pthread_mutex_t plan_lk;
    ff_qplan **plans;
    int nplans, capplans;
    /* worker pool (threads - 1 workers; the caller works too) */
    int nworkers;
    pthread_t *th;
    ff_qplan **wplan;
    pthread_mutex_t busy; /* one batch in the pool at a time */
    pthread_mutex_t lk;
    pthread_cond_t go;
    uint32_t gen;
    int quit;
    const int32_t *in;
    int32_t *out;
    int64_t n, chunk;
    atomic_ullong ticket; /* gen << 32 | next sample index */
    atomic_llong done;    /* samples finished in the current batch */
} cpu_ctx;

static ff_qplan *take_plan(cpu_ctx *c)
{
    pthread_mutex_lock(&c->plan_lk);
    ff_qplan *p = c->nplans ? c->plans[--c->nplans] : NULL;
    pthread_mutex_unlock(&c->plan_lk);
    return p ? p : ff_qplan_new(c->q);
}

static void put_plan(cpu_ctx *c, ff_qplan *p)
{
    pthread_mutex_lock(&c->plan_lk);
    if (c->nplans == c->capplans) {
        c->capplans = c->capplans ? c->capplans * 2 : 8;
        c->plans = ff_realloc(c->plans, (size_t)c->capplans * sizeof *c->plans);
    }
    c->plans[c->nplans++] = p;
    pthread_mutex_unlock(&c->plan_lk);
}

/* Takes chunks of batch `gen` until none is left (or another batch began). */
static void work(cpu_ctx *c, ff_qplan *p, uint32_t gen, const int32_t *in, int32_t *out, int64_t n, int64_t chunk)
{
    unsigned long long v = atomic_load(&c->ticket);
    for (;;) {
        if ((uint32_t)(v >> 32) != gen)
            return;
        int64_t k0 = (int64_t)(v & 0xffffffffu);
        if (k0 >= n)
            return;
        int64_t k1 = k0 + chunk < n ? k0 + chunk : n;
        if (!atomic_compare_exchange_weak(&c->ticket, &v, ((unsigned long long)gen << 32) | (unsigned long long)k1))
            continue; /* v reloaded */
        for (int64_t k = k0; k < k1; k++)
            ff_qplan_run(p, in + k * c->isz, out + k * c->osz);
        atomic_fetch_add(&c->done, k1 - k0);
        v = atomic_load(&c->ticket);
    }
}

static void *worker(void *arg)
{
    void **a = arg;
    cpu_ctx *c = a[0];
    ff_qplan *p = a[1];
    free(a);
    uint32_t seen = 0;
    for (;;) {
        pthread_mutex_lock(&c->lk);
        while (!c->quit && c->gen == seen)
            pthread_cond_wait(&c->go, &c->lk);
        if (c->quit) {
            pthread_mutex_unlock(&c->lk);
            return NULL;
        }
        seen = c->gen;
        const int32_t *in = c->in;
        int32_t *out = c->out;
        int64_t n = c->n, chunk = c->chunk;
        pthread_mutex_unlock(&c->lk);
        work(c, p, seen, in, out, n, chunk);
    }
}

static int cpu_probe(char *detail, size_t n)
{
    snprintf(detail, n, "integer reference on %d core%s", ff_ncpus(), ff_ncpus() > 1 ? "s" : "");
    return 1;
}

static int cpu_auto_ok(void) { return 1; }

static void cpu_close(void *ctx);

static int cpu_open(ff_bundle *b, const ff_session_opts *o, void **ctx, char *device, size_t ndev, ff_err *e)
{
    cpu_ctx *c = ff_calloc(1, sizeof *c);
    c->q = b->q;
    c->isz = ff_graph_in_size(b->q->g);
    c->osz = ff_graph_out_size(b->q->g);
    pthread_mutex_init(&c->plan_lk, NULL);
    pthread_mutex_init(&c->busy, NULL);
    pthread_mutex_init(&c->lk, NULL);
    pthread_cond_init(&c->go, NULL);
    int threads = o && o->threads > 0 ? o->threads : ff_ncpus();
    c->nworkers = threads - 1;
    c->th = ff_calloc((size_t)(c->nworkers + 1), sizeof *c->th);
    c->wplan = ff_calloc((size_t)(c->nworkers + 1), sizeof *c->wplan);
    for (int i = 0; i < c->nworkers; i++) {
        void **a = ff_malloc(2 * sizeof *a);
        a[0] = c;
        a[1] = c->wplan[i] = ff_qplan_new(c->q);
        if (pthread_create(&c->th[i], NULL, worker, a) != 0) {
            free(a);
            ff_qplan_free(c->wplan[i]);
            c->wplan[i] = NULL;
            c->nworkers = i;
            cpu_close(c);
            return ff_errf(e, FF_EINTERNAL, "cpu backend: cannot start worker threads");
        }
    }
    snprintf(device, ndev, "integer reference, %d thread%s", threads, threads > 1 ? "s" : "");
    *ctx = c;
    return FF_OK;
}

static int cpu_run(void *ctx, const int32_t *in, int32_t *out, int64_t n, uint64_t *cycles, ff_err *e)
{
    cpu_ctx *c = ctx;
    ff_qplan *p = take_plan(c);
    if (n < 8 || c->nworkers == 0 || pthread_mutex_trylock(&c->busy) != 0) {
        /* small batch, no pool, or the pool is busy with another caller's batch */
        for (int64_t k = 0; k < n; k++)
            ff_qplan_run(p, in + k * c->isz, out + k * c->osz);
        put_plan(c, p);
        return FF_OK;
    }
    int64_t chunk = n / (8 * (c->nworkers + 1)); /* small chunks: a descheduled worker delays little */
    chunk = chunk < 1 ? 1 : chunk;
    pthread_mutex_lock(&c->lk);
    uint32_t gen = ++c->gen;
    c->in = in;
    c->out = out;
    c->n = n;
    c->chunk = chunk;
    atomic_store(&c->done, 0);
    atomic_store(&c->ticket, (unsigned long long)gen << 32);
    pthread_cond_broadcast(&c->go);
    pthread_mutex_unlock(&c->lk);
    work(c, p, gen, in, out, n, chunk);
    /* only chunks a running worker claimed can be outstanding: short waits */
    while (atomic_load(&c->done) < n)
        sched_yield();
    pthread_mutex_unlock(&c->busy);
    put_plan(c, p);
    return FF_OK;
}

static void cpu_close(void *ctx)
{
    cpu_ctx *c = ctx;
    if (!c)
        return;
    pthread_mutex_lock(&c->lk);
    c->quit = 1;
    pthread_cond_broadcast(&c->go);
    pthread_mutex_unlock(&c->lk);
    for (int i = 0; i < c->nworkers; i++) {
        pthread_join(c->th[i], NULL);
        ff_qplan_free(c->wplan[i]);
    }
    for (int i = 0; i < c->nplans; i++)
        ff_qplan_free(c->plans[i]);
    free(c->plans);
    free(c->th);
    free(c->wplan);
    pthread_mutex_destroy(&c->plan_lk);
    pthread_mutex_destroy(&c->busy);
    pthread_mutex_destroy(&c->lk);
    pthread_cond_destroy(&c->go);
    free(c);
}

const ff_backend ff_backend_cpu = {
    "cpu", "integer reference on CPU threads (bit-exact by definition)", cpu_probe, cpu_auto_ok, cpu_open,
    cpu_run, cpu_close,
};
