/* The public runtime API (include/fogforge/fogforge.h): bundles, device
 * discovery, sessions over the backend vtable, float boundary conversions,
 * the bounded asynchronous queue and the counters. Names no device. */
#include "backend.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

const char *ff_strerror(int code)
{
    switch (code) {
    case FF_OK: return "ok";
    case FF_EINTERNAL: return "internal error";
    case FF_EINPUT: return "bad input";
    case FF_EUNAVAILABLE: return "unavailable";
    case FF_EFULL: return "queue full";
    case FF_EPENDING: return "pending";
    case FF_EDEVICE: return "device error";
    default: return "unknown error";
    }
}

const char *ff_version(void) { return FF_VERSION; }

/* ---- bundles ---- */

int ff_bundle_open(const char *path, ff_bundle **out, ff_err *e)
{
    if (!path || !out)
        return ff_errf(e, FF_EINPUT, "ff_bundle_open: NULL argument");
    return ff_bundle_load(path, 1, out, e);
}

int ff_bundle_open_named(const char *dir, const char *name, ff_bundle **out, ff_err *e)
{
    if (!dir || !name || !out || !name[0] || strchr(name, '/'))
        return ff_errf(e, FF_EINPUT, "ff_bundle_open_named: bad bundle name '%s'", name ? name : "(null)");
    char p[4096];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    if (stat(p, &st) != 0)
        snprintf(p, sizeof p, "%s/%s.tar", dir, name);
    if (stat(p, &st) != 0)
        return ff_errf(e, FF_EINPUT, "no bundle '%s' in %s (neither %s/%s nor %s/%s.tar)", name, dir, dir, name, dir,
                       name);
    return ff_bundle_load(p, 1, out, e);
}

const char *ff_bundle_name(const ff_bundle *b) { return b->name; }
const char *ff_bundle_path(const ff_bundle *b) { return b->path; }

static void io_info(const ff_bundle *b, int ti, ff_io_info *info)
{
    const ff_tensor *t = &b->q->g->t[ti];
    const ff_qtensor *qt = &b->q->qt[ti];
    memset(info, 0, sizeof *info);
    info->rank = t->rank;
    for (int d = 0; d < t->rank && d < FF_IO_MAX_RANK; d++)
        info->dims[d] = t->dims[d];
    info->size = ff_tensor_size(t);
    info->scale = qt->scale;
    info->bits = qt->bits;
    info->is_signed = qt->is_signed;
    info->qmin = qt->qmin;
    info->qmax = qt->qmax;
}

void ff_bundle_input(const ff_bundle *b, ff_io_info *info) { io_info(b, b->q->g->input, info); }
void ff_bundle_output(const ff_bundle *b, ff_io_info *info) { io_info(b, b->q->g->output, info); }

void ff_bundle_quantize(const ff_bundle *b, const float *x, int32_t *q, int64_t n)
{
    int64_t isz = ff_graph_in_size(b->q->g);
    for (int64_t k = 0; k < n; k++)
        ff_quantize_input(b->q, x + k * isz, q + k * isz);
}

void ff_bundle_dequantize(const ff_bundle *b, const int32_t *q, float *y, int64_t n)
{
    int64_t osz = ff_graph_out_size(b->q->g);
    for (int64_t k = 0; k < n; k++)
        ff_dequantize_output(b->q, q + k * osz, y + k * osz);
}

double ff_bundle_predicted_latency_us(const ff_bundle *b, const char *backend)
{
    const cJSON *pl = cJSON_GetObjectItemCaseSensitive(b->manifest, "predicted_latency_us");
    const char *order[] = {backend, "fpga", "xrt", "verilator", "cpu"};
    for (int i = backend ? 0 : 1; i < 5; i++) {
        if (!order[i])
            continue;
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(pl, order[i]);
        if (cJSON_IsNumber(v))
            return v->valuedouble;
        if (backend)
            break;
    }
    /* no figure for this device: the best one known, except that an emulated
     * FPGA (verilator) runs nowhere near the real device's speed */
    if (backend && strcmp(backend, "cpu") && strcmp(backend, "verilator"))
        return ff_bundle_predicted_latency_us(b, NULL);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(pl, "cpu");
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* ---- devices ---- */

int ff_devices(ff_device_info *out, int max)
{
    int n = 0;
    for (int i = 0; ff_backends[i]; i++, n++) {
        if (n >= max || !out)
            continue;
        ff_device_info *d = &out[n];
        memset(d, 0, sizeof *d);
        snprintf(d->backend, sizeof d->backend, "%s", ff_backends[i]->name);
        d->available = ff_backends[i]->probe(d->detail, sizeof d->detail);
    }
    return n;
}

/* ---- sessions ---- */

enum { JOB_FREE, JOB_QUEUED, JOB_RUNNING, JOB_DONE };

typedef struct job {
    int state, raw;
    ff_ticket ticket;
    const void *in;
    void *out;
    int64_t n;
    int rc;
    ff_err err;
} job;

struct ff_session {
    ff_bundle *b;
    const ff_backend *be;
    void *ctx;
    char device[256];
    int64_t isz, osz;
    atomic_ullong calls, samples, device_ns, cycles;
    /* asynchronous queue */
    pthread_mutex_t qlk;
    pthread_cond_t work, done;
    job *ring;
    int depth, quit, started;
    ff_ticket head, tail; /* next ticket to hand out / to run */
    pthread_t worker;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int open_on(ff_bundle *b, const ff_backend *be, const ff_session_opts *o, ff_session **out, ff_err *e)
{
    char why[256];
    if (!be->probe(why, sizeof why))
        return ff_errf(e, FF_EUNAVAILABLE, "%s: unavailable: %s", be->name, why);
    ff_session *s = ff_calloc(1, sizeof *s);
    int rc = be->open(b, o, &s->ctx, s->device, sizeof s->device, e);
    if (rc) {
        free(s);
        return rc;
    }
    s->b = b;
    s->be = be;
    s->isz = ff_graph_in_size(b->q->g);
    s->osz = ff_graph_out_size(b->q->g);
    s->depth = o && o->queue_depth > 0 ? o->queue_depth : 64;
    s->ring = ff_calloc((size_t)s->depth, sizeof *s->ring);
    pthread_mutex_init(&s->qlk, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->work, &ca);
    pthread_cond_init(&s->done, &ca);
    pthread_condattr_destroy(&ca);
    *out = s;
    return FF_OK;
}

int ff_session_open(ff_bundle *b, const char *backend, const ff_session_opts *o, ff_session **out, ff_err *e)
{
    if (!b || !backend || !out)
        return ff_errf(e, FF_EINPUT, "ff_session_open: NULL argument");
    *out = NULL;
    if (!strcmp(backend, "auto")) {
        for (int i = 0; ff_backends[i]; i++) {
            const ff_backend *be = ff_backends[i];
            char why[256];
            if (!be->auto_ok() || !be->probe(why, sizeof why))
                continue;
            int rc = open_on(b, be, o, out, e);
            if (rc != FF_EUNAVAILABLE)
                return rc;
        }
        return ff_errf(e, FF_EUNAVAILABLE, "auto: no backend can run bundle %s", b->path);
    }
    const ff_backend *be = ff_backend_find(backend);
    if (!be) {
        char names[128] = "";
        for (int i = 0; ff_backends[i]; i++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s, ", ff_backends[i]->name);
        return ff_errf(e, FF_EINPUT, "unknown backend '%s' (known: %sauto)", backend, names);
    }
    return open_on(b, be, o, out, e);
}

const char *ff_session_backend(const ff_session *s) { return s->be->name; }
const char *ff_session_device(const ff_session *s) { return s->device; }

int ff_session_infer_raw(ff_session *s, const int32_t *in, int32_t *out, int64_t n, ff_err *e)
{
    if (!s || (n > 0 && (!in || !out)) || n < 0)
        return ff_errf(e, FF_EINPUT, "ff_session_infer: bad arguments (n = %lld)", (long long)n);
    if (n == 0)
        return FF_OK;
    uint64_t cyc = 0, t0 = now_ns();
    int rc = s->be->run(s->ctx, in, out, n, &cyc, e);
    atomic_fetch_add_explicit(&s->device_ns, now_ns() - t0, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->calls, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->samples, (unsigned long long)n, memory_order_relaxed);
    if (cyc)
        atomic_fetch_add_explicit(&s->cycles, cyc, memory_order_relaxed);
    return rc;
}

int ff_session_infer(ff_session *s, const float *in, float *out, int64_t n, ff_err *e)
{
    if (!s || (n > 0 && (!in || !out)) || n < 0)
        return ff_errf(e, FF_EINPUT, "ff_session_infer: bad arguments (n = %lld)", (long long)n);
    if (n == 0)
        return FF_OK;
    enum { STACK = 2048 };
    int32_t sx[STACK], sy[STACK];
    int64_t ni = n * s->isz, no = n * s->osz;
    int32_t *qx = ni <= STACK ? sx : ff_malloc((size_t)ni * sizeof *qx);
    int32_t *qy = no <= STACK ? sy : ff_malloc((size_t)no * sizeof *qy);
    const ff_qmodel *q = s->b->q;
    for (int64_t k = 0; k < n; k++)
        ff_quantize_input(q, in + k * s->isz, qx + k * s->isz);
    int rc = ff_session_infer_raw(s, qx, qy, n, e);
    if (!rc)
        for (int64_t k = 0; k < n; k++)
            ff_dequantize_output(q, qy + k * s->osz, out + k * s->osz);
    if (qx != sx)
        free(qx);
    if (qy != sy)
        free(qy);
    return rc;
}

static void *async_worker(void *arg)
{
    ff_session *s = arg;
    pthread_mutex_lock(&s->qlk);
    for (;;) {
        while (!s->quit && s->tail == s->head)
            pthread_cond_wait(&s->work, &s->qlk);
        if (s->tail == s->head) /* quit with nothing left */
            break;
        job *j = &s->ring[s->tail % (ff_ticket)s->depth];
        j->state = JOB_RUNNING;
        pthread_mutex_unlock(&s->qlk);
        ff_err err = {0};
        int rc = j->raw ? ff_session_infer_raw(s, j->in, j->out, j->n, &err)
                        : ff_session_infer(s, j->in, j->out, j->n, &err);
        pthread_mutex_lock(&s->qlk);
        j->rc = rc;
        j->err = err;
        j->state = JOB_DONE;
        s->tail++;
        pthread_cond_broadcast(&s->done);
    }
    pthread_mutex_unlock(&s->qlk);
    return NULL;
}

static int submit(ff_session *s, int raw, const void *in, void *out, int64_t n, ff_ticket *t, ff_err *e)
{
    if (!s || !t || n < 0 || (n > 0 && (!in || !out)))
        return ff_errf(e, FF_EINPUT, "ff_session_submit: bad arguments");
    pthread_mutex_lock(&s->qlk);
    if (!s->started) {
        if (pthread_create(&s->worker, NULL, async_worker, s) != 0) {
            pthread_mutex_unlock(&s->qlk);
            return ff_errf(e, FF_EINTERNAL, "ff_session_submit: cannot start the worker thread");
        }
        s->started = 1;
    }
    job *j = &s->ring[s->head % (ff_ticket)s->depth];
    if (j->state != JOB_FREE) {
        pthread_mutex_unlock(&s->qlk);
        return ff_errf(e, FF_EFULL, "ff_session_submit: queue full (%d batches pending or unpolled)", s->depth);
    }
    j->state = JOB_QUEUED;
    j->raw = raw;
    j->in = in;
    j->out = out;
    j->n = n;
    j->ticket = s->head;
    *t = s->head++;
    pthread_cond_signal(&s->work);
    pthread_mutex_unlock(&s->qlk);
    return FF_OK;
}

int ff_session_submit(ff_session *s, const float *in, float *out, int64_t n, ff_ticket *t, ff_err *e)
{
    return submit(s, 0, in, out, n, t, e);
}

int ff_session_submit_raw(ff_session *s, const int32_t *in, int32_t *out, int64_t n, ff_ticket *t, ff_err *e)
{
    return submit(s, 1, in, out, n, t, e);
}

int ff_session_poll(ff_session *s, ff_ticket t, int timeout_ms, ff_err *e)
{
    if (!s)
        return ff_errf(e, FF_EINPUT, "ff_session_poll: NULL session");
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    if (timeout_ms > 0) {
        dl.tv_sec += timeout_ms / 1000;
        dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (dl.tv_nsec >= 1000000000L) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&s->qlk);
    job *j = s->depth ? &s->ring[t % (ff_ticket)s->depth] : NULL;
    if (!j || t >= s->head || j->state == JOB_FREE || j->ticket != t) {
        pthread_mutex_unlock(&s->qlk);
        return ff_errf(e, FF_EINPUT, "ff_session_poll: unknown ticket %llu", (unsigned long long)t);
    }
    while (j->state != JOB_DONE && timeout_ms != 0) {
        if (timeout_ms < 0)
            pthread_cond_wait(&s->done, &s->qlk);
        else if (pthread_cond_timedwait(&s->done, &s->qlk, &dl) != 0)
            break;
    }
    int rc;
    if (j->state != JOB_DONE) {
        rc = ff_errf(e, FF_EPENDING, "ticket %llu is not finished", (unsigned long long)t);
    } else {
        rc = j->rc;
        if (rc && e)
            *e = j->err;
        j->state = JOB_FREE;
    }
    pthread_mutex_unlock(&s->qlk);
    return rc;
}

void ff_session_get_stats(ff_session *s, ff_session_stats *st)
{
    st->calls = atomic_load(&s->calls);
    st->samples = atomic_load(&s->samples);
    st->device_ns = atomic_load(&s->device_ns);
    st->cycles = atomic_load(&s->cycles);
}

void ff_session_close(ff_session *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->qlk);
    s->quit = 1;
    pthread_cond_broadcast(&s->work);
    int started = s->started;
    pthread_mutex_unlock(&s->qlk);
    if (started)
        pthread_join(s->worker, NULL);
    s->be->close(s->ctx);
    pthread_mutex_destroy(&s->qlk);
    pthread_cond_destroy(&s->work);
    pthread_cond_destroy(&s->done);
    free(s->ring);
    free(s);
}
