/* Serving core of edge and cloud nodes: admission, de-duplication, expiry,
 * bounded queue + worker pool over an executor, optional forwarding, and
 * result replies through the caller's transport. */
#include "fog_node.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fog_log.h"

#define DEDUP_BUCKETS 4096u
#define DEDUP_MAX 8192u

enum { ENT_RUNNING = 1, ENT_FORWARDED = 2, ENT_DONE = 3 };

struct ent {
    char robot[FF_MSG_MAX_ID + 1];
    uint64_t task_id;
    int state;
    uint8_t route[FF_FOG_NODE_MAX_ROUTE];
    size_t route_len;
    uint8_t route2[FF_FOG_NODE_MAX_ROUTE]; /* a second connection that sent the task while it ran (a twin) */
    size_t route2_len;
    uint64_t fwd_ns;       /* when it was forwarded */
    uint8_t *result;
    size_t result_len;
    struct ent *next;      /* bucket chain */
    struct ent *fifo_next; /* eviction order */
};

struct job {
    ff_msg_task task;
    ff_exec *exec;
    uint8_t route[FF_FOG_NODE_MAX_ROUTE];
    size_t route_len;
    uint64_t recv_ns;
};

struct ff_fog_node {
    ff_fog_node_cfg cfg;
    ff_exec execs[FF_FOG_NODE_MAX_BUNDLES];
    int n_exec;
    pthread_mutex_t mu;
    pthread_cond_t cv_work;
    pthread_cond_t cv_idle;
    struct job **ring;
    int cap, head, count, running;
    int stopping;
    pthread_t *threads;
    int n_threads;
    struct ent *buckets[DEDUP_BUCKETS];
    struct ent *fifo_head, *fifo_tail;
    size_t n_ent;
    ff_fog_node_stats st;
};

static uint32_t key_hash(const char *robot, uint64_t id)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = robot; *p; p++) h = (h ^ (uint8_t)*p) * 1099511628211ull;
    h ^= id * 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
    return (uint32_t)(h % DEDUP_BUCKETS);
}

static struct ent *ent_find(ff_fog_node *n, const char *robot, uint64_t id)
{
    for (struct ent *e = n->buckets[key_hash(robot, id)]; e; e = e->next)
        if (e->task_id == id && strcmp(e->robot, robot) == 0) return e;
    return NULL;
}

static void ent_unlink(ff_fog_node *n, struct ent *e)
{
    struct ent **pp = &n->buckets[key_hash(e->robot, e->task_id)];
    while (*pp && *pp != e) pp = &(*pp)->next;
    if (*pp) *pp = e->next;
}

static struct ent *ent_add(ff_fog_node *n, const char *robot, uint64_t id)
{
    while (n->n_ent >= DEDUP_MAX && n->fifo_head) {
        struct ent *old = n->fifo_head;
        n->fifo_head = old->fifo_next;
        if (!n->fifo_head) n->fifo_tail = NULL;
        ent_unlink(n, old);
        free(old->result);
        free(old);
        n->n_ent--;
    }
    struct ent *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    snprintf(e->robot, sizeof e->robot, "%s", robot);
    e->task_id = id;
    uint32_t h = key_hash(robot, id);
    e->next = n->buckets[h];
    n->buckets[h] = e;
    if (n->fifo_tail) n->fifo_tail->fifo_next = e; else n->fifo_head = e;
    n->fifo_tail = e;
    n->n_ent++;
    return e;
}

/* Encodes a result; on failure falls back to a bare INTERNAL result. */
static int encode_result(const ff_msg_result *r, uint8_t **buf, size_t *len)
{
    char err[FF_FOG_ERRLEN];
    if (ff_msg_result_encode(r, buf, len, err) == FF_FOG_OK) return 0;
    ff_msg_result f;
    memset(&f, 0, sizeof f);
    f.task_id = r->task_id;
    snprintf(f.robot_id, sizeof f.robot_id, "%s", r->robot_id);
    f.status = FF_STATUS_INTERNAL;
    snprintf(f.detail, sizeof f.detail, "cannot encode result: %.200s", err);
    return ff_msg_result_encode(&f, buf, len, NULL);
}

static void fill_result_head(ff_fog_node *n, ff_msg_result *r, uint64_t task_id, const char *robot, int status,
                             const char *detail)
{
    memset(r, 0, sizeof *r);
    r->task_id = task_id;
    snprintf(r->robot_id, sizeof r->robot_id, "%s", robot);
    r->status = status;
    if (detail) snprintf(r->detail, sizeof r->detail, "%s", detail);
    snprintf(r->node_id, sizeof r->node_id, "%s", n->cfg.node_id);
    r->tier = n->cfg.tier;
}

/* Replies with a non-OK status. When cache is set, the (robot, task) entry
 * keeps the reply so a retry gets the same answer. Caller holds no lock. */
static void reply_status(ff_fog_node *n, uint64_t task_id, const char *robot, int status, const char *detail,
                         const uint8_t *route, size_t route_len, int cache)
{
    ff_msg_result r;
    fill_result_head(n, &r, task_id, robot, status, detail);
    uint8_t *buf;
    size_t len;
    if (encode_result(&r, &buf, &len)) return;
    if (cache && robot[0]) {
        pthread_mutex_lock(&n->mu);
        struct ent *e = ent_find(n, robot, task_id);
        if (e && e->state != ENT_DONE) {
            e->state = ENT_DONE;
            e->result = malloc(len);
            if (e->result) {
                memcpy(e->result, buf, len);
                e->result_len = len;
            }
        }
        pthread_mutex_unlock(&n->mu);
    }
    if (route_len) n->cfg.reply(n->cfg.user, route, route_len, buf, len);
    free(buf);
}

static ff_exec *find_exec(ff_fog_node *n, const char *bundle)
{
    for (int i = 0; i < n->n_exec; i++)
        if (strcmp(n->execs[i].bundle, bundle) == 0) return &n->execs[i];
    return NULL;
}

static void run_job(ff_fog_node *n, struct job *j)
{
    ff_msg_result r;
    uint64_t start = ff_fog_mono_ns();
    if (ff_fog_wall_us() > j->task.deadline_us) {
        pthread_mutex_lock(&n->mu);
        n->st.expired++;
        pthread_mutex_unlock(&n->mu);
        reply_status(n, j->task.task_id, j->task.robot_id, FF_STATUS_EXPIRED, "expired in queue", j->route,
                     j->route_len, 1);
        return;
    }
    fill_result_head(n, &r, j->task.task_id, j->task.robot_id, FF_STATUS_OK, NULL);
    size_t n_out = j->exec->ops->n_out(j->exec->ctx);
    char err[FF_FOG_ERRLEN];
    uint64_t compute_ns = 0;
    int rc = ff_msg_tensor_alloc(&r.output, n_out, err);
    if (rc == 0)
        rc = ff_exec_infer(j->exec, j->task.input.data, j->task.input.n, r.output.data, n_out, &compute_ns, err);
    if (rc) {
        ff_msg_tensor_free(&r.output);
        pthread_mutex_lock(&n->mu);
        n->st.errors++;
        pthread_mutex_unlock(&n->mu);
        reply_status(n, j->task.task_id, j->task.robot_id, rc == FF_FOG_EINPUT ? FF_STATUS_MALFORMED : FF_STATUS_INTERNAL,
                     err, j->route, j->route_len, 1);
        return;
    }
    r.queue_ns = start - j->recv_ns;
    r.compute_ns = compute_ns;
    pthread_mutex_lock(&n->mu);
    r.queue_depth = (uint32_t)(n->count + n->running);
    pthread_mutex_unlock(&n->mu);
    uint8_t *buf;
    size_t len;
    int enc = encode_result(&r, &buf, &len);
    ff_msg_result_free(&r);
    if (enc) return;
    pthread_mutex_lock(&n->mu);
    n->st.executed++;
    double us = (double)compute_ns / 1000.0;
    n->st.service_ewma_us = n->st.service_ewma_us <= 0 ? us : 0.9 * n->st.service_ewma_us + 0.1 * us;
    struct ent *e = ent_find(n, j->task.robot_id, j->task.task_id);
    uint8_t route2[FF_FOG_NODE_MAX_ROUTE];
    size_t r2 = 0;
    if (e && e->state != ENT_DONE) {
        e->state = ENT_DONE;
        e->result = malloc(len);
        if (e->result) {
            memcpy(e->result, buf, len);
            e->result_len = len;
        }
        r2 = e->route2_len;
        memcpy(route2, e->route2, r2);
    }
    pthread_mutex_unlock(&n->mu);
    n->cfg.reply(n->cfg.user, j->route, j->route_len, buf, len);
    /* the twin's connection gets the answer too: the first connection may
     * be the one waiting for a retransmission */
    if (r2) n->cfg.reply(n->cfg.user, route2, r2, buf, len);
    free(buf);
}

/* Runs j outside the lock and frees it; called and returns with n->mu held,
 * counted in n->running meanwhile (drain waits on cv_idle for it). */
static void run_counted(ff_fog_node *n, struct job *j)
{
    n->running++;
    pthread_mutex_unlock(&n->mu);
    run_job(n, j);
    ff_msg_task_free(&j->task);
    free(j);
    pthread_mutex_lock(&n->mu);
    n->running--;
    if (n->count == 0 && n->running == 0) pthread_cond_broadcast(&n->cv_idle);
}

static void *worker_main(void *arg)
{
    ff_fog_node *n = arg;
    pthread_mutex_lock(&n->mu);
    for (;;) {
        while (n->count == 0 && !n->stopping) pthread_cond_wait(&n->cv_work, &n->mu);
        if (n->count == 0 && n->stopping) break;
        struct job *j = n->ring[n->head];
        n->head = (n->head + 1) % n->cap;
        n->count--;
        run_counted(n, j);
    }
    pthread_mutex_unlock(&n->mu);
    return NULL;
}

int ff_fog_node_open(ff_fog_node **out, const ff_fog_node_cfg *cfg, char *err)
{
    *out = NULL;
    if (!cfg->reply) return ff_fog_fail(err, FF_FOG_EINPUT, "node needs a reply callback");
    if (cfg->n_bundles < 1 || cfg->n_bundles > FF_FOG_NODE_MAX_BUNDLES)
        return ff_fog_fail(err, FF_FOG_EINPUT, "node needs 1..%d bundles, got %d", FF_FOG_NODE_MAX_BUNDLES, cfg->n_bundles);
    ff_fog_node *n = calloc(1, sizeof *n);
    if (!n) return ff_fog_fail(err, FF_FOG_ENOMEM, "out of memory: node");
    n->cfg = *cfg;
    if (n->cfg.workers <= 0) n->cfg.workers = 2;
    if (n->cfg.queue_cap <= 0) n->cfg.queue_cap = 256;
    n->cap = n->cfg.queue_cap;
    n->st.workers = (uint32_t)n->cfg.workers;
    int rc;
    for (int i = 0; i < cfg->n_bundles; i++) {
        rc = ff_exec_open(&n->execs[i], cfg->exec_ops, cfg->bundle_dir ? cfg->bundle_dir : ".", cfg->bundles[i],
                          cfg->backend ? cfg->backend : "auto", err);
        if (rc) {
            for (int k = 0; k < i; k++) ff_exec_close(&n->execs[k]);
            free(n);
            return rc;
        }
        n->n_exec++;
    }
    n->ring = calloc((size_t)n->cap, sizeof *n->ring);
    n->threads = calloc((size_t)n->cfg.workers, sizeof *n->threads);
    if (!n->ring || !n->threads) {
        rc = ff_fog_fail(err, FF_FOG_ENOMEM, "out of memory: node queue");
        goto fail;
    }
    pthread_mutex_init(&n->mu, NULL);
    pthread_cond_init(&n->cv_work, NULL);
    pthread_cond_init(&n->cv_idle, NULL);
    for (int i = 0; i < n->cfg.workers; i++) {
        if (pthread_create(&n->threads[i], NULL, worker_main, n)) {
            ff_fog_node_close(n, 0);
            return ff_fog_fail(err, FF_FOG_ESYS, "cannot start worker thread %d", i);
        }
        n->n_threads++;
    }
    *out = n;
    return FF_FOG_OK;
fail:
    for (int k = 0; k < n->n_exec; k++) ff_exec_close(&n->execs[k]);
    free(n->ring);
    free(n->threads);
    free(n);
    return rc;
}

/* Inline only while the pool is idle enough that queueing would not help:
 * nothing queued here or on the transport, a worker free, and a short
 * measured service time (a long task would stall the transport thread that
 * receives the next one). Under a backlog tasks go through the queue, so
 * admission sees the load and forwards or rejects. Caller holds mu. */
static int run_inline(ff_fog_node *n, const ff_exec *ex)
{
    if (n->cfg.inline_max_us <= 0 || !n->cfg.input_waiting || n->count > 0 || n->running >= n->cfg.workers) return 0;
    double svc = n->st.service_ewma_us > 0 ? n->st.service_ewma_us : (double)ex->ops->predicted_latency_us(ex->ctx);
    return svc <= (double)n->cfg.inline_max_us && !n->cfg.input_waiting(n->cfg.user);
}

void ff_fog_node_submit(ff_fog_node *n, const uint8_t *wire, size_t len, const uint8_t *route, size_t route_len)
{
    char err[FF_FOG_ERRLEN];
    uint64_t recv_ns = ff_fog_mono_ns();
    if (route_len > FF_FOG_NODE_MAX_ROUTE) route_len = 0; /* cannot answer */
    struct job *j = calloc(1, sizeof *j);
    if (!j) return;
    int rc = ff_msg_task_decode(wire, len, &j->task, err);
    pthread_mutex_lock(&n->mu);
    n->st.received++;
    if (rc) {
        n->st.malformed++;
        pthread_mutex_unlock(&n->mu);
        ff_fog_log(FF_FOG_LOG_WARN, n->cfg.node_id, "malformed_task", "bytes=%zu error=\"%s\"", len, err);
        reply_status(n, j->task.task_id, j->task.robot_id, FF_STATUS_MALFORMED, err, route, route_len, 0);
        free(j);
        return;
    }
    ff_msg_task *t = &j->task;
    struct ent *e = ent_find(n, t->robot_id, t->task_id);
    if (e) {
        n->st.duplicates++;
        uint8_t *cached = NULL;
        size_t cl = e->result_len;
        if (e->state == ENT_DONE && e->result && (cached = malloc(cl))) memcpy(cached, e->result, cl);
        /* still running: a copy from another connection of the same robot
         * (a twin) is answered on that connection too when it finishes */
        if (e->state == ENT_RUNNING && route_len && !e->route2_len &&
            (route_len != e->route_len || memcmp(route, e->route, route_len))) {
            memcpy(e->route2, route, route_len);
            e->route2_len = route_len;
        }
        pthread_mutex_unlock(&n->mu);
        if (cached) {
            if (route_len) n->cfg.reply(n->cfg.user, route, route_len, cached, cl);
            free(cached);
        }
        ff_msg_task_free(t);
        free(j);
        return;
    }
    e = ent_add(n, t->robot_id, t->task_id);
    if (e) {
        e->state = ENT_RUNNING;
        memcpy(e->route, route, route_len);
        e->route_len = route_len;
        e->route2_len = 0;
    }
    ff_exec *ex = find_exec(n, t->bundle);
    int verdict; /* 0 enqueue, 1 expired, 2 unknown bundle, 3 forward, 4 reject, 5 bundle sha256 mismatch */
    if (!ex) {
        verdict = 2;
        n->st.unknown_bundle++;
    } else if (t->has_sha256 && (!ex->has_sha256 || memcmp(t->bundle_sha256, ex->sha256, 32))) {
        /* same name, other model: running it would answer with the wrong one */
        verdict = 5;
        n->st.bundle_mismatch++;
    } else if (ff_fog_wall_us() > t->deadline_us) {
        verdict = 1;
        n->st.expired++;
    } else {
        double svc = n->st.service_ewma_us > 0 ? n->st.service_ewma_us : (double)ex->ops->predicted_latency_us(ex->ctx);
        double wait_us = svc * (1.0 + (double)(n->count + n->running) / (double)n->cfg.workers);
        int full = n->count >= n->cap;
        int late = (double)ff_fog_wall_us() + wait_us > (double)t->deadline_us;
        verdict = n->cfg.forward && (full || late) ? 3 : full ? 4 : 0;
    }
    if (verdict == 0) {
        j->exec = ex;
        memcpy(j->route, route, route_len);
        j->route_len = route_len;
        j->recv_ns = recv_ns;
        if (run_inline(n, ex)) {
            /* a worker would be woken only to do what this thread can do now:
             * skipping the hand-off saves two thread wake-ups per task */
            n->st.inlined++;
            run_counted(n, j);
            pthread_mutex_unlock(&n->mu);
            return;
        }
        n->ring[(n->head + n->count) % n->cap] = j;
        n->count++;
        pthread_cond_signal(&n->cv_work);
        pthread_mutex_unlock(&n->mu);
        return;
    }
    if (verdict == 3 && e) {
        e->state = ENT_FORWARDED;
        e->fwd_ns = ff_fog_mono_ns();
    }
    pthread_mutex_unlock(&n->mu);
    if (verdict == 3) {
        if (n->cfg.forward(n->cfg.user, wire, len) == FF_FOG_OK) {
            pthread_mutex_lock(&n->mu);
            n->st.forwarded++;
            pthread_mutex_unlock(&n->mu);
        } else {
            pthread_mutex_lock(&n->mu);
            n->st.rejected++;
            if (e) e->state = ENT_RUNNING;
            pthread_mutex_unlock(&n->mu);
            reply_status(n, t->task_id, t->robot_id, FF_STATUS_REJECTED_QUEUE_FULL,
                         "rejected: queue full (node and forward link)", route, route_len, 0);
            /* not cached: a retry may find room */
            pthread_mutex_lock(&n->mu);
            e = ent_find(n, t->robot_id, t->task_id);
            if (e) {
                ent_unlink(n, e);
                e->task_id = UINT64_MAX; /* stays in the FIFO, unreachable */
                e->robot[0] = 0;
            }
            pthread_mutex_unlock(&n->mu);
        }
    } else if (verdict == 4) {
        pthread_mutex_lock(&n->mu);
        n->st.rejected++;
        e = ent_find(n, t->robot_id, t->task_id);
        if (e) {
            ent_unlink(n, e);
            e->task_id = UINT64_MAX;
            e->robot[0] = 0;
        }
        pthread_mutex_unlock(&n->mu);
        reply_status(n, t->task_id, t->robot_id, FF_STATUS_REJECTED_QUEUE_FULL, "rejected: queue full", route,
                     route_len, 0);
    } else if (verdict == 1) {
        ff_fog_log(FF_FOG_LOG_INFO, n->cfg.node_id, "task_expired", "robot=%s task=%llu late_us=%llu", t->robot_id,
               (unsigned long long)t->task_id, (unsigned long long)(ff_fog_wall_us() - t->deadline_us));
        reply_status(n, t->task_id, t->robot_id, FF_STATUS_EXPIRED, "expired before it could run", route, route_len, 1);
    } else if (verdict == 5) {
        char d[FF_MSG_MAX_DETAIL + 1], want[17], have[17] = "none";
        for (int i = 0; i < 8; i++) snprintf(want + 2 * i, 3, "%02x", t->bundle_sha256[i]);
        if (ex->has_sha256)
            for (int i = 0; i < 8; i++) snprintf(have + 2 * i, 3, "%02x", ex->sha256[i]);
        snprintf(d, sizeof d, "bundle sha256 mismatch: %s: task wants %s..., this node serves %s%s", t->bundle, want, have,
                 ex->has_sha256 ? "..." : " (no sha256)");
        ff_fog_log(FF_FOG_LOG_WARN, n->cfg.node_id, "bundle_mismatch", "robot=%s task=%llu detail=\"%s\"", t->robot_id,
                   (unsigned long long)t->task_id, d);
        reply_status(n, t->task_id, t->robot_id, FF_STATUS_BUNDLE_MISMATCH, d, route, route_len, 1);
    } else {
        char d[FF_MSG_MAX_DETAIL + 1];
        snprintf(d, sizeof d, "bundle not served here: %s", t->bundle);
        reply_status(n, t->task_id, t->robot_id, FF_STATUS_UNKNOWN_BUNDLE, d, route, route_len, 1);
    }
    ff_msg_task_free(t);
    free(j);
}

void ff_fog_node_forward_done(ff_fog_node *n, const uint8_t *result, size_t len)
{
    ff_msg_result r;
    char err[FF_FOG_ERRLEN];
    if (ff_msg_result_decode(result, len, &r, err)) {
        pthread_mutex_lock(&n->mu);
        n->st.errors++;
        pthread_mutex_unlock(&n->mu);
        ff_fog_log(FF_FOG_LOG_WARN, n->cfg.node_id, "bad_forward_result", "bytes=%zu error=\"%s\"", len, err);
        return;
    }
    pthread_mutex_lock(&n->mu);
    struct ent *e = ent_find(n, r.robot_id, r.task_id);
    uint64_t forward_ns = e && e->state == ENT_FORWARDED ? ff_fog_mono_ns() - e->fwd_ns : 0;
    pthread_mutex_unlock(&n->mu);
    uint64_t inner = r.queue_ns + r.compute_ns + r.network_ns;
    r.network_ns += forward_ns > inner ? forward_ns - inner : 0;
    uint8_t *buf;
    size_t blen;
    int enc = encode_result(&r, &buf, &blen);
    pthread_mutex_lock(&n->mu);
    e = ent_find(n, r.robot_id, r.task_id);
    uint8_t route[FF_FOG_NODE_MAX_ROUTE];
    size_t rl = 0;
    if (e && e->state == ENT_FORWARDED && !enc) {
        rl = e->route_len;
        memcpy(route, e->route, rl);
        if (r.status == FF_STATUS_OK) {
            e->state = ENT_DONE;
            e->result = malloc(blen);
            if (e->result) {
                memcpy(e->result, buf, blen);
                e->result_len = blen;
            }
        } else {
            e->state = ENT_RUNNING; /* let a retry be admitted again later */
            ent_unlink(n, e);
            e->task_id = UINT64_MAX;
            e->robot[0] = 0;
        }
    }
    pthread_mutex_unlock(&n->mu);
    if (rl) n->cfg.reply(n->cfg.user, route, rl, buf, blen);
    if (!enc) free(buf);
    ff_msg_result_free(&r);
}

int ff_fog_node_fail_forwarded(ff_fog_node *n, int status, const char *detail)
{
    int count = 0;
    for (;;) {
        uint8_t route[FF_FOG_NODE_MAX_ROUTE];
        size_t rl = 0;
        char robot[FF_MSG_MAX_ID + 1];
        uint64_t id = 0;
        pthread_mutex_lock(&n->mu);
        struct ent *e;
        for (e = n->fifo_head; e; e = e->fifo_next)
            if (e->state == ENT_FORWARDED && e->robot[0]) break;
        if (e) {
            rl = e->route_len;
            memcpy(route, e->route, rl);
            snprintf(robot, sizeof robot, "%s", e->robot);
            id = e->task_id;
            ent_unlink(n, e);
            e->state = ENT_DONE;
            e->task_id = UINT64_MAX;
            e->robot[0] = 0;
        }
        pthread_mutex_unlock(&n->mu);
        if (!e) break;
        reply_status(n, id, robot, status, detail, route, rl, 0);
        count++;
    }
    return count;
}

void ff_fog_node_get_stats(ff_fog_node *n, ff_fog_node_stats *s)
{
    pthread_mutex_lock(&n->mu);
    *s = n->st;
    s->queue_depth = (uint32_t)(n->count + n->running);
    pthread_mutex_unlock(&n->mu);
}

void ff_fog_node_log_execs(ff_fog_node *n)
{
    for (int i = 0; i < n->n_exec; i++) {
        const ff_exec *x = &n->execs[i];
        ff_fog_log(FF_FOG_LOG_INFO, n->cfg.node_id, "bundle_open", "bundle=%s executor=%s predicted_us=%llu n_in=%zu n_out=%zu%s%s",
                   x->bundle, x->ops->name, (unsigned long long)x->ops->predicted_latency_us(x->ctx), x->ops->n_in(x->ctx),
                   x->ops->n_out(x->ctx), x->ops->describe ? " " : "", x->ops->describe ? x->ops->describe(x->ctx) : "");
    }
}

int ff_fog_node_status_json(ff_fog_node *n, const char *state, char *buf, size_t cap)
{
    ff_fog_node_stats s;
    ff_fog_node_get_stats(n, &s);
    char bundles[600] = "";
    size_t o = 0;
    for (int i = 0; i < n->n_exec && o < sizeof bundles - 80; i++)
        o += (size_t)snprintf(bundles + o, sizeof bundles - o, "%s\"%s\"", i ? "," : "", n->execs[i].bundle);
    int w = snprintf(buf, cap,
                     "{\"node\":\"%s\",\"tier\":\"%s\",\"state\":\"%s\",\"ts_us\":%llu,\"queue\":%u,\"workers\":%u,"
                     "\"service_ewma_us\":%.1f,\"bundles\":[%s],\"backends\":[\"%s\"],\"received\":%llu,"
                     "\"executed\":%llu,\"expired\":%llu,\"malformed\":%llu,\"duplicates\":%llu,\"rejected\":%llu,"
                     "\"forwarded\":%llu,\"unknown_bundle\":%llu,\"errors\":%llu,\"inlined\":%llu,\"bundle_mismatch\":%llu}",
                     n->cfg.node_id, ff_msg_tier_name(n->cfg.tier), state, (unsigned long long)ff_fog_wall_us(),
                     s.queue_depth, s.workers, s.service_ewma_us, bundles,
                     n->cfg.backend ? n->cfg.backend : "auto", (unsigned long long)s.received,
                     (unsigned long long)s.executed, (unsigned long long)s.expired, (unsigned long long)s.malformed,
                     (unsigned long long)s.duplicates, (unsigned long long)s.rejected,
                     (unsigned long long)s.forwarded, (unsigned long long)s.unknown_bundle,
                     (unsigned long long)s.errors, (unsigned long long)s.inlined, (unsigned long long)s.bundle_mismatch);
    return w > 0 && (size_t)w < cap ? FF_FOG_OK : FF_FOG_EINPUT;
}

void ff_fog_node_close(ff_fog_node *n, int drain_ms)
{
    if (!n) return;
    pthread_mutex_lock(&n->mu);
    if (drain_ms > 0) {
        uint64_t end = ff_fog_mono_ns() + (uint64_t)drain_ms * 1000000u;
        while ((n->count || n->running) && ff_fog_mono_ns() < end) {
            pthread_mutex_unlock(&n->mu);
            usleep(1000);
            pthread_mutex_lock(&n->mu);
        }
    }
    /* whatever is still queued is dropped (its robot retries elsewhere) */
    while (n->count) {
        struct job *j = n->ring[n->head];
        n->head = (n->head + 1) % n->cap;
        n->count--;
        ff_msg_task_free(&j->task);
        free(j);
    }
    n->stopping = 1;
    pthread_cond_broadcast(&n->cv_work);
    pthread_mutex_unlock(&n->mu);
    for (int i = 0; i < n->n_threads; i++) pthread_join(n->threads[i], NULL);
    for (int i = 0; i < n->n_exec; i++) ff_exec_close(&n->execs[i]);
    struct ent *e = n->fifo_head;
    while (e) {
        struct ent *nx = e->fifo_next;
        free(e->result);
        free(e);
        e = nx;
    }
    pthread_mutex_destroy(&n->mu);
    pthread_cond_destroy(&n->cv_work);
    pthread_cond_destroy(&n->cv_idle);
    free(n->ring);
    free(n->threads);
    free(n);
}
