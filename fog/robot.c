/* Device agent (fog/robot.h): schedules each task to local / edge (MQTT
 * shared subscription) / cloud (ZeroMQ), tracks it until a result arrives,
 * retries, hedges, rescues overdue tasks on another tier, de-duplicates,
 * re-routes rejected tasks through the policy, and keeps per-tier latency
 * statistics. Paho's thread only records results and node reports; local
 * inference runs on the agent's worker thread; all sending and retrying
 * happens on the caller's thread (the ZeroMQ socket lives there). */
#include "robot.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "fog_log.h"
#include "fog_mqtt.h"
#include "fog_sched.h"
#include "fog_zmq.h"

#define PEND_CAP 65536u
#define DONE_CAP 4096u
#define MAX_NODES 32
/* a node that published status is declared gone after this many of its
 * status periods of silence (its Last Will is faster when the broker sees
 * the connection drop; this catches a hung node) */
#define SILENT_PERIODS 4.0
#define SILENT_MIN_NS 1000000000ull

enum { P_FREE = 0, P_PENDING = 1 };

struct pend {
    uint64_t id;
    int state;
    int32_t *in;
    size_t n;
    uint64_t deadline_us;
    uint64_t submit_ns, submit_us;
    uint64_t last_send_ns;
    uint64_t primary_ns;     /* when the primary tier got it */
    double pred_us, pred_sd; /* the primary's predicted finish at that time */
    int tier, hedge;
    int attempts;
    int reroute;             /* the primary rejected it or went away: decide again */
    unsigned failed;         /* tiers that rejected it */
    int local_queued;        /* a local run is queued or running */
    int twin;                /* a second copy went over the cloud's second connection */
    int path0_seen;          /* the first connection's answer was counted */
    /* a copy on another tier (a hedge, a rescue or a probe) whose answer
     * is evidence about that tier like a primary's */
    int copy;                /* its tier, or -1 */
    int copy_probe;          /* 1: a probe (ff_sched_observe_probe) */
    int copy_open;           /* a probe still counted in its tier's in-flight tasks */
    uint64_t copy_ns;        /* when it was sent */
    double copy_pred, copy_sd; /* its tier's predicted finish then */
};

struct nodeinfo {
    char id[FF_MSG_MAX_ID + 1];
    int online;
    uint32_t queue, workers;
    double svc_us;
    uint64_t last_status_ns;
    double status_gap_ns;    /* EWMA of the time between status reports */
};

struct lat {
    double *v;
    size_t n, cap;
    double max;
};

struct ljob {
    uint64_t id;
    int32_t *in;
    size_t n;
};

struct ff_robot {
    ff_robot_cfg cfg;
    ff_mqtt *mq;
    void *zctx;
    ff_zmq_client *zc;
    ff_zmq_client *zc2;      /* second connection to the cloud (cfg.cloud_paths == 2) */
    ff_zmq_client *ze;       /* direct ZeroMQ path to an edge node (cfg.edge_zmq) */
    int ze_up;
    ff_exec local;
    pthread_mutex_t mu;
    ff_sched_state sched;
    struct pend *pend;
    size_t outstanding;
    uint64_t next_id, low_id;
    ff_robot_completion *done;
    size_t done_head, done_count;
    struct lat lat[FF_TIER_COUNT];
    struct nodeinfo nodes[MAX_NODES];
    int n_nodes;
    int mqtt_up;
    int retry_all;
    char result_topic[160];
    char task_topic[160];
    /* local worker: bounded queue, one thread (the robot's CPU) */
    pthread_t lthr;
    int lthr_started, lstop;
    pthread_cond_t lcv;
    struct ljob *lq;
    size_t lq_cap, lq_head, lq_count;
    int l_running;
    /* counters */
    uint64_t sent, completed, ok, errors, lost, missed, rejected, retries, hedged, twinned, probes, rescued, rerouted, duplicates,
        local_fallbacks, local_rejected, refused, completions_dropped, silent_nodes;
    uint64_t node_count[MAX_NODES];
    uint64_t first_submit_ns, last_done_ns;
    uint64_t by_tier[FF_TIER_COUNT];
    uint64_t last_answer_ns[FF_TIER_COUNT]; /* any answer from the tier */
};

void ff_robot_cfg_init(ff_robot_cfg *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->robot_id, sizeof c->robot_id, "robot-%d", (int)getpid());
    snprintf(c->bundle, sizeof c->bundle, "%s", FF_EXEC_MLP_BUNDLE);
    c->nodelay = 1;
    c->policy = FF_POLICY_FOGFORGE;
    c->deadline_ms = 50;
    c->grace_ms = 1000;
    c->local_queue = 64;
    c->cloud_paths = 2;
    c->probe_after = 50;
    c->seed = 1;
}

static void lat_add(struct lat *l, double ms)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 1024;
        double *nv = realloc(l->v, nc * sizeof *nv);
        if (!nv) return;
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n++] = ms;
    if (ms > l->max) l->max = ms;
}

/* Recomputes the edge tier's state from node reports; caller holds mu. */
static void update_edge_tier(ff_robot *r)
{
    uint32_t q = 0, w = 0;
    double svc = 0;
    int online = 0;
    for (int i = 0; i < r->n_nodes; i++)
        if (r->nodes[i].online) {
            online++;
            q += r->nodes[i].queue;
            w += r->nodes[i].workers ? r->nodes[i].workers : 1;
            svc += r->nodes[i].svc_us;
        }
    ff_sched_set_available(&r->sched, FF_TIER_EDGE, r->ze ? r->ze_up : r->mqtt_up && online > 0);
    ff_sched_observe_load(&r->sched, FF_TIER_EDGE, q, w);
    if (online && svc > 0) ff_sched_set_compute(&r->sched, FF_TIER_EDGE, svc / online);
}

static int node_index(ff_robot *r, const char *id)
{
    for (int i = 0; i < r->n_nodes; i++)
        if (strcmp(r->nodes[i].id, id) == 0) return i;
    if (r->n_nodes >= MAX_NODES) return -1;
    memset(&r->nodes[r->n_nodes], 0, sizeof r->nodes[0]);
    snprintf(r->nodes[r->n_nodes].id, sizeof r->nodes[0].id, "%s", id);
    return r->n_nodes++;
}

static void push_completion(ff_robot *r, const ff_robot_completion *c)
{
    if (r->done_count == DONE_CAP) { /* the caller does not drain: keep the newest */
        r->done_head = (r->done_head + 1) % DONE_CAP;
        r->done_count--;
        r->completions_dropped++;
    }
    r->done[(r->done_head + r->done_count) % DONE_CAP] = *c;
    r->done_count++;
}

/* The input stays allocated until the slot is reused by ff_robot_submit()
 * (caller's thread), so sends running outside the lock never see it freed. */
static void free_pend(ff_robot *r, struct pend *p)
{
    p->state = P_FREE;
    r->outstanding--;
}

static void local_load(ff_robot *r)
{
    ff_sched_observe_load(&r->sched, FF_TIER_LOCAL, (uint32_t)(r->lq_count + (size_t)r->l_running), 1);
}

/* A primary answer later than this is beyond what the tier's model
 * explains (a lost frame waiting for a TCP retransmission, a stalled node),
 * not just a queue that grew: twice the prediction plus three sigmas. */
static double beyond(double pred_us, double sd_us) { return 2.0 * pred_us + 3.0 * sd_us; }
static double beyond_us(const struct pend *p) { return beyond(p->pred_us, p->pred_sd); }

/* Watches the copy of p about to be sent to tier (before
 * ff_sched_task_sent, as a primary's prediction is taken); one per task.
 * A probe counts in the tier's in-flight tasks until it answers, the task
 * completes or its send fails. Caller holds mu. */
static void watch_copy(ff_robot *r, struct pend *p, int tier, int probe, uint64_t now)
{
    if (p->copy >= 0) return;
    p->copy = tier;
    p->copy_probe = probe;
    p->copy_ns = now;
    p->copy_pred = ff_sched_predict_us(&r->sched, tier, &p->copy_sd);
    if (probe) {
        r->probes++;
        p->copy_open = 1;
        ff_sched_task_sent(&r->sched, tier);
    }
}

/* A probe of p no longer counts in its tier's in-flight tasks; caller holds mu. */
static void release_copy(ff_robot *r, struct pend *p)
{
    if (p->copy_open) ff_sched_task_done(&r->sched, p->copy);
    p->copy_open = 0;
}

/* Stops watching the copy of p (answered, unsent, or its tier became the
 * primary); caller holds mu. */
static void drop_copy(ff_robot *r, struct pend *p)
{
    release_copy(r, p);
    p->copy = -1;
}

/* Records the outcome of task p and frees its slot; caller holds mu. */
static void finish(ff_robot *r, struct pend *p, int status, int tier, const char *node, const int32_t *out,
                   size_t n_out, uint64_t queue_ns, uint64_t compute_ns, uint64_t now_ns)
{
    ff_sched_task_done(&r->sched, p->tier);
    if (p->hedge >= 0) ff_sched_task_done(&r->sched, p->hedge);
    release_copy(r, p); /* still watched: its answer counts when it comes */
    ff_robot_completion c;
    memset(&c, 0, sizeof c);
    c.task_id = p->id;
    c.status = status;
    c.tier = tier;
    snprintf(c.node_id, sizeof c.node_id, "%s", node ? node : "");
    c.latency_ms = (double)(now_ns - p->submit_ns) / 1e6;
    c.submit_us = p->submit_us;
    c.queue_ms = (double)queue_ns / 1e6;
    c.compute_ms = (double)compute_ns / 1e6;
    c.missed = ff_fog_wall_us() > p->deadline_us || status != FF_STATUS_OK;
    c.n_out = n_out < 16 ? n_out : 16;
    if (out && c.n_out) memcpy(c.out, out, c.n_out * sizeof(int32_t));
    r->completed++;
    r->last_done_ns = now_ns;
    if (status == FF_STATUS_OK) {
        r->ok++;
        if (tier >= 0 && tier < FF_TIER_COUNT) {
            lat_add(&r->lat[tier], c.latency_ms);
            r->by_tier[tier]++;
        }
        if (node && node[0]) {
            int k = node_index(r, node);
            if (k >= 0) r->node_count[k]++;
        }
    } else {
        r->errors++;
    }
    if (c.missed) r->missed++;
    push_completion(r, &c);
    free_pend(r, p);
}

/* Queues a local run of p on the robot's worker (the primary, a fallback
 * or a hedge). A full queue rejects a primary run (the task completes as
 * rejected: a miss, never a silent loss). Caller holds mu. */
static void local_enqueue(ff_robot *r, struct pend *p, int as_hedge)
{
    if (p->local_queued) return;
    int32_t *copy = r->lq_count < r->lq_cap ? malloc(p->n * sizeof *copy) : NULL;
    if (!copy) {
        if (as_hedge) return;
        r->local_rejected++;
        finish(r, p, FF_STATUS_REJECTED_QUEUE_FULL, FF_TIER_LOCAL, "local", NULL, 0, 0, 0, ff_fog_mono_ns());
        return;
    }
    memcpy(copy, p->in, p->n * sizeof *copy);
    r->lq[(r->lq_head + r->lq_count) % r->lq_cap] = (struct ljob){p->id, copy, p->n};
    r->lq_count++;
    p->local_queued = 1;
    local_load(r);
    pthread_cond_signal(&r->lcv);
}

static void *local_main(void *arg)
{
    ff_robot *r = arg;
    size_t n_out = r->local.ops->n_out(r->local.ctx);
    int32_t *out = calloc(n_out ? n_out : 1, sizeof *out);
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (!r->lq_count && !r->lstop) pthread_cond_wait(&r->lcv, &r->mu);
        if (r->lstop) break;
        struct ljob j = r->lq[r->lq_head];
        r->lq_head = (r->lq_head + 1) % r->lq_cap;
        r->lq_count--;
        r->l_running = 1;
        struct pend *p = &r->pend[j.id & (PEND_CAP - 1)];
        int live = p->state == P_PENDING && p->id == j.id;
        if (live && ff_fog_wall_us() > p->deadline_us) {
            /* as a node does: a task whose deadline passed in the queue is
             * answered "expired" instead of holding the CPU */
            finish(r, p, FF_STATUS_EXPIRED, FF_TIER_LOCAL, "local", NULL, 0, 0, 0, ff_fog_mono_ns());
            live = 0;
        }
        if (live) {
            pthread_mutex_unlock(&r->mu);
            char err[FF_FOG_ERRLEN];
            uint64_t cns = 0;
            int rc = out ? ff_exec_infer(&r->local, j.in, j.n, out, n_out, &cns, err) : FF_FOG_ENOMEM;
            pthread_mutex_lock(&r->mu);
            uint64_t now = ff_fog_mono_ns();
            p = &r->pend[j.id & (PEND_CAP - 1)];
            if (p->state == P_PENDING && p->id == j.id) {
                p->local_queued = 0;
                finish(r, p, rc ? FF_STATUS_MALFORMED : FF_STATUS_OK, FF_TIER_LOCAL, "local", out, rc ? 0 : n_out, 0, cns, now);
            } else {
                r->duplicates++; /* a remote copy answered first */
            }
        }
        free(j.in);
        r->l_running = 0;
        local_load(r);
    }
    pthread_mutex_unlock(&r->mu);
    free(out);
    return NULL;
}

/* A remote result for task id; caller holds mu, and read now_ns under it
 * (so every stamp of the task, such as a resend housekeeping just made, is
 * at or before it: now_ns - stamp does not wrap). */
static void complete(ff_robot *r, uint64_t id, int status, int tier, const char *node, const int32_t *out, size_t n_out,
                     uint64_t queue_ns, uint64_t compute_ns, uint32_t queue_depth, uint64_t now_ns, int path)
{
    /* the answering node's queue, as fresh as it gets (the depth counts
     * this task, which has just left it) */
    if (tier == FF_TIER_EDGE && node && node[0] && status == FF_STATUS_OK) {
        int k = node_index(r, node);
        if (k >= 0 && r->nodes[k].online) {
            r->nodes[k].queue = queue_depth ? queue_depth - 1 : 0;
            update_edge_tier(r);
        }
    }
    if (tier > FF_TIER_LOCAL && tier < FF_TIER_COUNT) r->last_answer_ns[tier] = now_ns;
    struct pend *p = &r->pend[id & (PEND_CAP - 1)];
    /* how one cloud connection alone fares: its answer to a task the cloud
     * was primary for, whether or not a twin, hedge or rescue answered
     * first (the slot keeps the task until it is reused) */
    if (tier == FF_TIER_CLOUD && path == 0 && p->id == id && !p->path0_seen && status == FF_STATUS_OK &&
        p->tier == FF_TIER_CLOUD) {
        p->path0_seen = 1;
        ff_sched_observe_path_miss(&r->sched, FF_TIER_CLOUD, ff_fog_wall_us() > p->deadline_us);
    }
    if (tier > FF_TIER_LOCAL && tier < FF_TIER_COUNT && status == FF_STATUS_OK)
        ff_sched_observe_wait(&r->sched, tier, (double)queue_ns / 1000.0);
    /* a copy's answer is evidence about its tier, whether or not the task
     * was answered before: without it a tier used only for copies (or not at
     * all) keeps the record of its worst moment. A probe refused or expired
     * there is late and leaves the task to its primary. */
    int from_copy = p->id == id && p->copy > FF_TIER_LOCAL && tier == p->copy;
    if (from_copy) {
        int probe = p->copy_probe;
        drop_copy(r, p);
        if (probe) ff_sched_observe_probe(&r->sched, tier, status != FF_STATUS_OK || ff_fog_wall_us() > p->deadline_us);
        if (status == FF_STATUS_OK && now_ns > p->copy_ns) {
            double took = (double)(now_ns - p->copy_ns) / 1000.0;
            double rtt_us = took - (double)(queue_ns + compute_ns) / 1000.0;
            ff_sched_observe_rtt(&r->sched, tier, rtt_us > 0 ? rtt_us : 0);
            ff_sched_observe_outcome(&r->sched, tier, took > beyond(p->copy_pred, p->copy_sd));
            ff_sched_observe_error(&r->sched, tier, took, p->copy_pred);
        } else if (status != FF_STATUS_OK) {
            ff_sched_observe_outcome(&r->sched, tier, 1);
        }
        if (status != FF_STATUS_OK && probe) return;
    }
    if (p->state != P_PENDING || p->id != id) {
        r->duplicates++;
        return;
    }
    if (status == FF_STATUS_REJECTED_QUEUE_FULL || status == FF_STATUS_INTERNAL) {
        if (status == FF_STATUS_REJECTED_QUEUE_FULL) r->rejected++;
        int t = tier > FF_TIER_LOCAL && tier < FF_TIER_COUNT ? tier : p->tier;
        /* a node forwards through its own tier's link: blame the tier we sent to */
        if (t != p->tier && t != p->hedge) t = p->tier;
        p->failed |= 1u << t;
        if (t == p->hedge) {
            ff_sched_task_done(&r->sched, p->hedge);
            p->hedge = -1;
        } else if (p->hedge > FF_TIER_LOCAL) { /* the hedge becomes the primary */
            ff_sched_task_done(&r->sched, p->tier);
            p->tier = p->hedge;
            p->hedge = -1;
            if (p->copy == p->tier) drop_copy(r, p);
        } else {
            p->reroute = 1;
        }
        return;
    }
    if (tier == p->tier && p->attempts == 1 && now_ns > p->last_send_ns) {
        double rtt_us = (double)(now_ns - p->last_send_ns) / 1000.0 - (double)(queue_ns + compute_ns) / 1000.0;
        ff_sched_observe_rtt(&r->sched, p->tier, rtt_us > 0 ? rtt_us : 0);
    }
    /* the tier that answered learns its compute time (the cloud reports no status) */
    if (tier > FF_TIER_LOCAL && tier < FF_TIER_COUNT && compute_ns)
        ff_sched_observe_compute(&r->sched, tier, (double)compute_ns / 1000.0);
    if (p->tier > FF_TIER_LOCAL && p->primary_ns) {
        double took = (double)(now_ns - p->primary_ns) / 1000.0, bound = beyond_us(p);
        /* an answer from the primary (or forwarded by it) is its outcome; a
         * hedge answering first tells only that the primary was overdue */
        if (tier != p->hedge && !from_copy) {
            ff_sched_observe_outcome(&r->sched, p->tier, took > bound);
            ff_sched_observe_error(&r->sched, p->tier, took, p->pred_us);
        } else if (took > bound) { /* at least this late */
            ff_sched_observe_outcome(&r->sched, p->tier, 1);
            ff_sched_observe_error(&r->sched, p->tier, took, p->pred_us);
        }
    }
    finish(r, p, status, tier, node, out, n_out, queue_ns, compute_ns, now_ns);
}

static void on_msg(void *user, const char *topic, const uint8_t *payload, size_t len, const ff_mqtt_props *props)
{
    ff_robot *r = user;
    if (strcmp(topic, r->result_topic) == 0) {
        ff_msg_result res;
        char err[FF_FOG_ERRLEN];
        if (ff_msg_result_decode(payload, len, &res, err)) {
            ff_fog_log(FF_FOG_LOG_WARN, r->cfg.robot_id, "bad_result", "bytes=%zu error=\"%s\"", len, err);
            return;
        }
        pthread_mutex_lock(&r->mu);
        complete(r, res.task_id, res.status, res.tier, res.node_id, res.output.data, res.output.n, res.queue_ns,
                 res.compute_ns, res.queue_depth, ff_fog_mono_ns(), 0);
        pthread_mutex_unlock(&r->mu);
        ff_msg_result_free(&res);
        return;
    }
    if (strncmp(topic, "fogforge/v1/node/", 17) != 0 || len > 8192) return;
    cJSON *js = cJSON_ParseWithLength((const char *)payload, len);
    if (!js) return;
    const cJSON *node = cJSON_GetObjectItemCaseSensitive(js, "node");
    const cJSON *tier = cJSON_GetObjectItemCaseSensitive(js, "tier");
    const cJSON *state = cJSON_GetObjectItemCaseSensitive(js, "state");
    if (cJSON_IsString(node) && cJSON_IsString(state) && cJSON_IsString(tier) && !strcmp(tier->valuestring, "edge")) {
        pthread_mutex_lock(&r->mu);
        uint64_t now = ff_fog_mono_ns(); /* under the lock, as housekeeping's */
        int k = node_index(r, node->valuestring);
        if (k >= 0) {
            struct nodeinfo *ni = &r->nodes[k];
            int was = ni->online;
            ni->online = strcmp(state->valuestring, "online") == 0;
            const cJSON *q = cJSON_GetObjectItemCaseSensitive(js, "queue");
            const cJSON *w = cJSON_GetObjectItemCaseSensitive(js, "workers");
            const cJSON *s = cJSON_GetObjectItemCaseSensitive(js, "service_ewma_us");
            if (cJSON_IsNumber(q) && q->valuedouble >= 0) ni->queue = (uint32_t)q->valuedouble;
            if (cJSON_IsNumber(w) && w->valuedouble >= 1) ni->workers = (uint32_t)w->valuedouble;
            if (cJSON_IsNumber(s) && s->valuedouble >= 0) ni->svc_us = s->valuedouble;
            if (ni->online) {
                /* learn the node's status period for the silence check: a
                 * slowly decaying maximum of the gaps (a retained status and
                 * the next live one can arrive back to back) */
                if (was && ni->last_status_ns) {
                    double gap = (double)(now - ni->last_status_ns), decayed = 0.95 * ni->status_gap_ns;
                    ni->status_gap_ns = gap > decayed ? gap : decayed;
                }
                ni->last_status_ns = now;
            } else {
                ni->last_status_ns = 0;
                ni->status_gap_ns = 0;
            }
            if (was && !ni->online) {
                r->retry_all = 1; /* its unfinished tasks go elsewhere now */
                ff_fog_log(FF_FOG_LOG_WARN, r->cfg.robot_id, "node_offline", "node=%s outstanding=%zu", node->valuestring,
                       r->outstanding);
            }
            update_edge_tier(r);
        }
        pthread_mutex_unlock(&r->mu);
    }
    cJSON_Delete(js);
}

static void on_conn(void *user, int up)
{
    ff_robot *r = user;
    pthread_mutex_lock(&r->mu);
    /* anything in flight across an outage is resent; the first connect's
     * callback (it may land after the first tasks went out) is no outage */
    if (up && !r->mqtt_up) r->retry_all = 1;
    r->mqtt_up = up;
    update_edge_tier(r);
    pthread_mutex_unlock(&r->mu);
}

int ff_robot_open(ff_robot **out, const ff_robot_cfg *cfg, char *err)
{
    *out = NULL;
    int rc;
    if (!cfg->robot_id[0] || strlen(cfg->robot_id) > FF_MSG_MAX_ID || strchr(cfg->robot_id, '/') ||
        strchr(cfg->robot_id, '+') || strchr(cfg->robot_id, '#'))
        return ff_fog_fail(err, FF_FOG_EINPUT, "bad robot id (1-63 chars, no / + #): %s", cfg->robot_id);
    if (!(cfg->deadline_ms > 0)) return ff_fog_fail(err, FF_FOG_EINPUT, "deadline must be positive: %g ms", cfg->deadline_ms);
    ff_robot *r = calloc(1, sizeof *r);
    if (!r) return ff_fog_fail(err, FF_FOG_ENOMEM, "out of memory: robot");
    r->cfg = *cfg;
    r->pend = calloc(PEND_CAP, sizeof *r->pend);
    r->done = calloc(DONE_CAP, sizeof *r->done);
    if (!r->pend || !r->done) {
        free(r->pend);
        free(r->done);
        free(r);
        return ff_fog_fail(err, FF_FOG_ENOMEM, "out of memory: robot tables");
    }
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->lcv, NULL);
    r->lq_cap = cfg->local_queue > 0 ? (size_t)cfg->local_queue : 64;
    r->next_id = r->low_id = ff_fog_wall_us(); /* unique across restarts of the same robot id */
    snprintf(r->result_topic, sizeof r->result_topic, "fogforge/v1/result/%s", cfg->robot_id);
    snprintf(r->task_topic, sizeof r->task_topic, "fogforge/v1/task/%s", cfg->bundle);
    if ((rc = ff_exec_open(&r->local, cfg->local_ops, cfg->bundle_dir[0] ? cfg->bundle_dir : ".", cfg->bundle, "cpu", err))) goto fail;
    ff_sched_init(&r->sched, cfg->seed, (double)r->local.ops->predicted_latency_us(r->local.ctx));
    r->sched.probe_after = cfg->probe_after > 0 ? (uint32_t)cfg->probe_after : 0;
    if (!(r->lq = calloc(r->lq_cap, sizeof *r->lq))) {
        rc = ff_fog_fail(err, FF_FOG_ENOMEM, "out of memory: local queue");
        goto fail;
    }
    if (pthread_create(&r->lthr, NULL, local_main, r)) {
        rc = ff_fog_fail(err, FF_FOG_ESYS, "cannot start the local worker thread");
        goto fail;
    }
    r->lthr_started = 1;
    if (cfg->broker[0]) {
        ff_mqtt_cfg mc;
        ff_mqtt_cfg_init(&mc);
        snprintf(mc.uri, sizeof mc.uri, "%s", cfg->broker);
        snprintf(mc.client_id, sizeof mc.client_id, "%s", cfg->robot_id);
        snprintf(mc.username, sizeof mc.username, "%s", cfg->username);
        snprintf(mc.password, sizeof mc.password, "%s", cfg->password);
        snprintf(mc.ca_file, sizeof mc.ca_file, "%s", cfg->ca_file);
        snprintf(mc.cert_file, sizeof mc.cert_file, "%s", cfg->cert_file);
        snprintf(mc.key_file, sizeof mc.key_file, "%s", cfg->key_file);
        mc.tls_insecure = cfg->tls_insecure;
        mc.nodelay = cfg->nodelay;
        if ((rc = ff_mqtt_open(&r->mq, &mc, on_msg, on_conn, r, err))) goto fail;
        pthread_mutex_lock(&r->mu);
        r->mqtt_up = ff_mqtt_is_connected(r->mq);
        r->retry_all = 0; /* set if the first connect's callback came first: nothing was in flight */
        pthread_mutex_unlock(&r->mu);
        if ((rc = ff_mqtt_subscribe(r->mq, r->result_topic, 1, err)) ||
            (rc = ff_mqtt_subscribe(r->mq, "fogforge/v1/node/+/status", 1, err)))
            goto fail;
    }
    /* ZeroMQ last: its handshake is timed from here (a prior for the
     * cloud's round trip; see ff_robot_wait_ready) */
    if (cfg->cloud[0]) {
        ff_zmq_cfg zc;
        ff_zmq_cfg_init(&zc);
        r->zctx = zmq_ctx_new();
        if ((rc = ff_zmq_client_open(&r->zc, r->zctx, cfg->cloud, &zc, err))) goto fail;
        /* only the fogforge policy twins; the others keep one connection */
        if (cfg->cloud_paths >= 2 && cfg->policy == FF_POLICY_FOGFORGE &&
            (rc = ff_zmq_client_open(&r->zc2, r->zctx, cfg->cloud, &zc, err)))
            goto fail;
    }
    if (cfg->edge_zmq[0]) {
        ff_zmq_cfg zc;
        ff_zmq_cfg_init(&zc);
        if (!r->zctx) r->zctx = zmq_ctx_new();
        if ((rc = ff_zmq_client_open(&r->ze, r->zctx, cfg->edge_zmq, &zc, err))) goto fail;
    }
    *out = r;
    return FF_FOG_OK;
fail:
    ff_robot_close(r);
    return rc;
}

static int cloud_ready(ff_robot *r) { return r->zc && ff_zmq_client_connected(r->zc); }
static uint32_t cloud_paths(ff_robot *r) { return r->zc2 && ff_zmq_client_connected(r->zc2) ? 2 : 1; }

/* Direct edge path: its connection state is the edge tier's availability. */
static void refresh_edge_zmq(ff_robot *r)
{
    if (!r->ze) return;
    int up = ff_zmq_client_connected(r->ze);
    pthread_mutex_lock(&r->mu);
    r->ze_up = up;
    update_edge_tier(r);
    pthread_mutex_unlock(&r->mu);
}

int ff_robot_wait_ready(ff_robot *r, int timeout_ms)
{
    uint64_t end = ff_fog_mono_ns() + (uint64_t)timeout_ms * 1000000u;
    int need_edge = (r->mq || r->ze) && r->cfg.policy != FF_POLICY_LOCAL && r->cfg.policy != FF_POLICY_CLOUD;
    int need_cloud = r->zc && r->cfg.policy != FF_POLICY_LOCAL && r->cfg.policy != FF_POLICY_EDGE;
    for (;;) {
        refresh_edge_zmq(r);
        int c = cloud_ready(r);
        /* the cloud's handshake took about two round trips: a measured
         * prior, so the first tasks do not take a far cloud for a near one */
        double hs = c ? ff_zmq_client_handshake_us(r->zc) : -1;
        pthread_mutex_lock(&r->mu);
        ff_sched_set_available(&r->sched, FF_TIER_CLOUD, c);
        if (hs >= 0) ff_sched_set_prior_rtt(&r->sched, FF_TIER_CLOUD, hs / 2);
        int e = r->sched.tier[FF_TIER_EDGE].available;
        pthread_mutex_unlock(&r->mu);
        /* the cloud's second connection (twins) is waited for too, within
         * the same time: on a lossy link its SYN can be lost (a second's
         * retransmission), and tasks sent before it is up go without a twin */
        int c2 = !r->zc2 || !need_cloud || ff_zmq_client_connected(r->zc2);
        int up = (!need_edge || e) && (!need_cloud || c);
        if (up && c2) return 1;
        if (ff_fog_mono_ns() > end) {
            if (up)
                ff_fog_log(FF_FOG_LOG_WARN, r->cfg.robot_id, "second_path_not_ready",
                           "waited_ms=%d (the cloud's tasks go without twins until it is)", timeout_ms);
            return up;
        }
        usleep(2000);
    }
}

/* Sends p to a remote tier (path 1: the cloud's second connection);
 * FF_FOG_OK or an error (caller falls back). */
static int send_remote_on(ff_robot *r, uint64_t id, const int32_t *in, size_t n, uint64_t deadline_us, uint32_t attempt,
                          int tier, int path)
{
    ff_msg_task t;
    memset(&t, 0, sizeof t);
    t.task_id = id;
    snprintf(t.robot_id, sizeof t.robot_id, "%s", r->cfg.robot_id);
    snprintf(t.bundle, sizeof t.bundle, "%s", r->cfg.bundle);
    t.deadline_us = deadline_us;
    t.sent_us = ff_fog_wall_us();
    t.attempt = attempt;
    t.input.data = (int32_t *)in;
    t.input.n = n;
    t.input.ndim = 1;
    t.input.shape[0] = (uint32_t)n;
    if (r->local.has_sha256) { /* nodes refuse a different bundle of the same name */
        memcpy(t.bundle_sha256, r->local.sha256, 32);
        t.has_sha256 = 1;
    }
    uint8_t *buf;
    size_t len;
    char err[FF_FOG_ERRLEN];
    int rc = ff_msg_task_encode(&t, &buf, &len, err);
    if (rc) return rc;
    if (tier == FF_TIER_EDGE && r->ze) {
        rc = ff_zmq_client_send(r->ze, buf, len, err);
    } else if (tier == FF_TIER_EDGE) {
        uint8_t corr[8];
        for (int i = 0; i < 8; i++) corr[i] = (uint8_t)(id >> (8 * i));
        uint64_t now = ff_fog_wall_us();
        uint64_t left_s = deadline_us > now ? (deadline_us - now + 999999u) / 1000000u : 1;
        ff_mqtt_props p = {r->result_topic, corr, 8, (uint32_t)(left_s ? left_s : 1), 1};
        rc = ff_mqtt_publish(r->mq, r->task_topic, buf, len, 1, 0, &p, err);
    } else if (tier == FF_TIER_CLOUD && path == 1 && r->zc2) {
        rc = ff_zmq_client_send(r->zc2, buf, len, err);
    } else if (tier == FF_TIER_CLOUD && r->zc) {
        rc = ff_zmq_client_send(r->zc, buf, len, err);
    } else {
        rc = FF_FOG_EINPUT;
    }
    free(buf);
    return rc;
}

static int send_remote(ff_robot *r, uint64_t id, const int32_t *in, size_t n, uint64_t deadline_us, uint32_t attempt,
                       int tier)
{
    return send_remote_on(r, id, in, n, deadline_us, attempt, tier, 0);
}

void ff_robot_log_local(ff_robot *r)
{
    ff_fog_log(FF_FOG_LOG_INFO, r->cfg.robot_id, "local_open", "bundle=%s executor=%s predicted_us=%llu%s%s", r->cfg.bundle,
               r->local.ops->name, (unsigned long long)r->local.ops->predicted_latency_us(r->local.ctx),
               r->local.ops->describe ? " " : "", r->local.ops->describe ? r->local.ops->describe(r->local.ctx) : "");
}

size_t ff_robot_n_in(const ff_robot *r) { return r->local.ops->n_in(r->local.ctx); }
size_t ff_robot_n_out(const ff_robot *r) { return r->local.ops->n_out(r->local.ctx); }

/* Makes tier the primary of p (sent now) and remembers its prediction;
 * caller holds mu. */
static void set_primary(ff_robot *r, struct pend *p, int tier, uint64_t now)
{
    p->tier = tier;
    p->primary_ns = now;
    p->pred_us = ff_sched_predict_us(&r->sched, tier, &p->pred_sd);
    ff_sched_task_sent(&r->sched, tier);
}

/* Sends the probe copy of task id (outside mu); a probe that cannot be
 * sent is no longer watched. */
static void send_probe(ff_robot *r, struct pend *p, uint64_t id, const int32_t *in, size_t n, uint64_t deadline,
                       int tier)
{
    if (!send_remote(r, id, in, n, deadline, 0, tier)) return;
    pthread_mutex_lock(&r->mu);
    if (p->id == id && p->copy == tier) drop_copy(r, p);
    pthread_mutex_unlock(&r->mu);
}

int ff_robot_submit(ff_robot *r, const int32_t *in, size_t n, uint64_t *task_id, char *err)
{
    if (n == 0 || n > FF_MSG_MAX_ELEMS) return ff_fog_fail(err, FF_FOG_EINPUT, "input has %zu elements", n);
    int32_t *copy = malloc(n * sizeof *copy);
    if (!copy) return ff_fog_fail(err, FF_FOG_ENOMEM, "out of memory: task input");
    memcpy(copy, in, n * sizeof *copy);
    refresh_edge_zmq(r);
    int cloud_up = cloud_ready(r);
    uint32_t cpaths = cloud_paths(r);
    pthread_mutex_lock(&r->mu);
    uint64_t id = r->next_id;
    struct pend *p = &r->pend[id & (PEND_CAP - 1)];
    if (p->state != P_FREE) {
        pthread_mutex_unlock(&r->mu);
        free(copy);
        return ff_fog_fail(err, FF_FOG_EFULL, "too many outstanding tasks (%u)", PEND_CAP);
    }
    r->next_id++;
    free(p->in);
    memset(p, 0, sizeof *p);
    p->copy = -1;
    p->id = id;
    p->state = P_PENDING;
    p->in = copy;
    p->n = n;
    p->submit_ns = ff_fog_mono_ns();
    p->submit_us = ff_fog_wall_us();
    if (!r->first_submit_ns) r->first_submit_ns = p->submit_ns;
    p->deadline_us = p->submit_us + (uint64_t)(r->cfg.deadline_ms * 1000.0);
    p->hedge = -1;
    r->outstanding++;
    r->sent++;
    if (task_id) *task_id = id;
    ff_sched_set_available(&r->sched, FF_TIER_CLOUD, cloud_up);
    ff_sched_set_paths(&r->sched, FF_TIER_CLOUD, cpaths);
    ff_sched_decision d;
    ff_sched_decide(&r->sched, r->cfg.policy, r->cfg.deadline_ms * 1000.0, &d);
    if (!d.admit) {
        r->refused++;
        p->tier = FF_TIER_LOCAL;
        finish(r, p, FF_STATUS_EXPIRED, FF_TIER_LOCAL, "refused", NULL, 0, 0, 0, ff_fog_mono_ns());
        pthread_mutex_unlock(&r->mu);
        return FF_FOG_OK;
    }
    uint64_t deadline = p->deadline_us;
    int probe = d.probe_tier; /* a remote tier or -1 */
    if (probe >= 0) watch_copy(r, p, probe, 1, ff_fog_mono_ns());
    if (d.tier == FF_TIER_LOCAL) {
        p->tier = FF_TIER_LOCAL;
        local_enqueue(r, p, 0);
        pthread_mutex_unlock(&r->mu);
        if (probe >= 0) send_probe(r, p, id, copy, n, deadline, probe);
        return FF_FOG_OK;
    }
    p->attempts = 1;
    p->last_send_ns = ff_fog_mono_ns();
    set_primary(r, p, d.tier, p->last_send_ns);
    if (d.hedge_tier == FF_TIER_LOCAL) {
        local_enqueue(r, p, 1);
    } else if (d.hedge_tier > FF_TIER_LOCAL) {
        r->hedged++;
        p->hedge = d.hedge_tier;
        watch_copy(r, p, d.hedge_tier, 0, p->last_send_ns);
        ff_sched_task_sent(&r->sched, d.hedge_tier);
    }
    int twin = d.twin && d.tier == FF_TIER_CLOUD && d.hedge_tier < 0;
    if (twin) {
        p->twin = 1;
        r->twinned++;
    }
    pthread_mutex_unlock(&r->mu);
    /* copy stays valid: inputs are freed only when this thread reuses the slot */
    int rc = send_remote(r, id, copy, n, deadline, 0, d.tier);
    int hrc = d.hedge_tier > FF_TIER_LOCAL ? send_remote(r, id, copy, n, deadline, 0, d.hedge_tier) : 0;
    /* the twin's answer is a duplicate like any other; its failure to send
     * changes nothing (the primary carries the task) */
    if (twin) send_remote_on(r, id, copy, n, deadline, 0, d.tier, 1);
    if (probe >= 0) send_probe(r, p, id, copy, n, deadline, probe);
    if (rc || hrc) {
        pthread_mutex_lock(&r->mu);
        if (p->state == P_PENDING && p->id == id) {
            if (hrc && p->hedge == d.hedge_tier) {
                ff_sched_task_done(&r->sched, p->hedge);
                p->hedge = -1;
                if (p->copy == d.hedge_tier) drop_copy(r, p);
            }
            if (rc) {
                p->failed |= 1u << d.tier;
                p->reroute = 1;
            }
        }
        pthread_mutex_unlock(&r->mu);
    }
    return FF_FOG_OK;
}

struct resend {
    uint64_t id;
    int32_t *in;
    size_t n;
    uint64_t deadline;
    uint32_t attempt;
    int tier;
    int primary;            /* 1: the primary's send (a failure re-routes); 0: a duplicate */
};

static double retry_after_ns(ff_robot *r, int tier)
{
    if (r->cfg.retry_ms > 0) return r->cfg.retry_ms * 1e6;
    double sd;
    double mean = ff_sched_predict_us(&r->sched, tier, &sd);
    double us = 3.0 * (mean + 4.0 * sd);
    if (us < 5000) us = 5000;
    if (us > 250000) us = 250000;
    return us * 1000.0;
}

/* Decides again where p runs (its primary rejected it, went away, or a node
 * died): through the robot's policy with the remaining budget, never on a
 * tier that rejected it. Returns the remote tier to send to, or -1 when it
 * went to the local worker (or completed). Caller holds mu. */
static int reroute(ff_robot *r, struct pend *p, uint64_t now, uint64_t wall)
{
    ff_sched_task_done(&r->sched, p->tier);
    p->reroute = 0;
    double left = p->deadline_us > wall ? (double)(p->deadline_us - wall) : 0.0;
    ff_sched_decision d;
    ff_sched_decide_ex(&r->sched, r->cfg.policy, left, p->failed, &d);
    if (d.tier == FF_TIER_LOCAL || !d.admit) {
        r->local_fallbacks++;
        p->tier = FF_TIER_LOCAL;
        local_enqueue(r, p, 0);
        return -1;
    }
    r->rerouted++;
    p->attempts++;
    p->last_send_ns = now;
    if (d.tier == p->copy) drop_copy(r, p); /* its answers are the primary's now */
    set_primary(r, p, d.tier, now);
    return d.tier;
}

/* Nodes that published status and then fell silent (hung, or cut off
 * without the broker noticing) are treated as gone; caller holds mu. */
static void check_silent_nodes(ff_robot *r, uint64_t now)
{
    int changed = 0;
    for (int i = 0; i < r->n_nodes; i++) {
        struct nodeinfo *ni = &r->nodes[i];
        if (!ni->online || !ni->last_status_ns || !(ni->status_gap_ns > 0)) continue;
        double limit = SILENT_PERIODS * ni->status_gap_ns;
        if (limit < SILENT_MIN_NS) limit = SILENT_MIN_NS;
        if ((double)(now - ni->last_status_ns) > limit) {
            ni->online = 0;
            r->silent_nodes++;
            r->retry_all = 1;
            changed = 1;
            ff_fog_log(FF_FOG_LOG_WARN, r->cfg.robot_id, "node_silent", "node=%s silent_ms=%.0f", ni->id,
                       (double)(now - ni->last_status_ns) / 1e6);
        }
    }
    if (changed) update_edge_tier(r);
}

static void housekeeping(ff_robot *r)
{
    static const size_t MAXRS = 4096;
    struct resend *rs = NULL;
    size_t nrs = 0;
    refresh_edge_zmq(r);
    int cloud_up = cloud_ready(r);
    pthread_mutex_lock(&r->mu);
    /* the clock read under the lock: every stamp the other threads wrote
     * (a node's status, a task's send) is then at or before it. Read
     * before the lock, a status that arrived while housekeeping waited for
     * it made now - last_status_ns wrap around, and the node "fell silent"
     * (seen in make demo on a loaded machine: edge-1 taken offline at once) */
    uint64_t now = ff_fog_mono_ns(), wall = ff_fog_wall_us();
    ff_sched_set_available(&r->sched, FF_TIER_CLOUD, cloud_up);
    if (r->mq) check_silent_nodes(r, now);
    int retry_all = r->retry_all;
    r->retry_all = 0;
    while (r->low_id < r->next_id) {
        struct pend *p = &r->pend[r->low_id & (PEND_CAP - 1)];
        if (p->state == P_PENDING && p->id == r->low_id) break;
        r->low_id++;
    }
    double ra[FF_TIER_COUNT];
    uint32_t overdue[FF_TIER_COUNT] = {0};
    for (int t = 0; t < FF_TIER_COUNT; t++) ra[t] = retry_after_ns(r, t);
    for (uint64_t id = r->low_id; id < r->next_id; id++) {
        struct pend *p = &r->pend[id & (PEND_CAP - 1)];
        if (p->state != P_PENDING || p->id != id) continue;
        if (wall > p->deadline_us + (uint64_t)(r->cfg.grace_ms * 1000.0)) {
            r->lost++;
            ff_fog_log(FF_FOG_LOG_WARN, r->cfg.robot_id, "task_lost", "task=%llu tier=%s attempts=%d", (unsigned long long)id,
                   ff_msg_tier_name(p->tier), p->attempts);
            if (p->tier > FF_TIER_LOCAL) {
                ff_sched_observe_outcome(&r->sched, p->tier, 1);
                ff_sched_observe_error(&r->sched, p->tier, 1e9, p->pred_us);
            }
            ff_sched_task_done(&r->sched, p->tier);
            if (p->hedge >= 0) ff_sched_task_done(&r->sched, p->hedge);
            drop_copy(r, p);
            free_pend(r, p);
            continue;
        }
        if (p->tier == FF_TIER_LOCAL) continue; /* the local worker answers it */
        /* stalled, not just queued: far past its prediction and nothing
         * at all came back from that tier since it should have (a TCP
         * stream waiting for a retransmission; a hung node) */
        if (p->primary_ns && (double)(now - p->primary_ns) / 1000.0 > beyond_us(p) &&
            (double)r->last_answer_ns[p->tier] < (double)p->primary_ns + p->pred_us * 1000.0)
            overdue[p->tier]++;
        if (!rs) rs = malloc(MAXRS * sizeof *rs);
        if (!rs || nrs + 2 > MAXRS) break;
        int tier_up = r->sched.tier[p->tier].available;
        if (p->hedge > FF_TIER_LOCAL && !r->sched.tier[p->hedge].available) {
            ff_sched_task_done(&r->sched, p->hedge);
            p->hedge = -1;
        }
        if (!tier_up && p->hedge > FF_TIER_LOCAL) { /* the hedge carries on as the primary */
            ff_sched_task_done(&r->sched, p->tier);
            p->tier = p->hedge;
            p->hedge = -1;
            if (p->copy == p->tier) drop_copy(r, p);
            continue;
        }
        if (p->reroute || !tier_up || retry_all) {
            /* after a node death every unfinished task is decided again:
             * the same tier resends (the broker picks a live node) */
            if (!p->reroute && tier_up) p->failed &= ~(1u << p->tier);
            int t = reroute(r, p, now, wall);
            if (t > FF_TIER_LOCAL) {
                rs[nrs++] = (struct resend){id, p->in, p->n, p->deadline_us, (uint32_t)(p->attempts - 1), t, 1};
                r->retries++;
            }
            continue;
        }
        /* rescue: the primary is overdue past its predicted tail; a
         * duplicate on another tier may still make the deadline */
        if (p->hedge < 0 && !p->local_queued && p->primary_ns && wall < p->deadline_us) {
            int h = ff_sched_rescue(&r->sched, r->cfg.policy, p->tier, p->pred_us, p->pred_sd,
                                    (double)(now - p->primary_ns) / 1000.0, (double)(p->deadline_us - wall));
            if (h == FF_TIER_LOCAL) {
                r->rescued++;
                local_enqueue(r, p, 1);
            } else if (h > FF_TIER_LOCAL) {
                r->rescued++;
                p->hedge = h;
                watch_copy(r, p, h, 0, now);
                ff_sched_task_sent(&r->sched, h);
                rs[nrs++] = (struct resend){id, p->in, p->n, p->deadline_us, (uint32_t)p->attempts, h, 0};
            }
        }
        /* exponential backoff per task, so an overloaded pool is not hit by
         * a retry storm; after the deadline a resend still gets an answer
         * (the node replies "expired") instead of the task going silent */
        double backoff = ra[p->tier] * (double)(1u << (p->attempts > 6 ? 6 : p->attempts - 1));
        if ((double)(now - p->last_send_ns) > backoff) {
            rs[nrs++] = (struct resend){id, p->in, p->n, p->deadline_us, (uint32_t)p->attempts, p->tier, 1};
            p->attempts++;
            p->last_send_ns = now;
            r->retries++;
        }
    }
    for (int t = FF_TIER_LOCAL + 1; t < FF_TIER_COUNT; t++) ff_sched_set_overdue(&r->sched, t, overdue[t]);
    pthread_mutex_unlock(&r->mu);
    for (size_t i = 0; i < nrs; i++) {
        int rc = send_remote(r, rs[i].id, rs[i].in, rs[i].n, rs[i].deadline, rs[i].attempt, rs[i].tier);
        if (!rc) continue;
        pthread_mutex_lock(&r->mu);
        struct pend *p = &r->pend[rs[i].id & (PEND_CAP - 1)];
        if (p->state == P_PENDING && p->id == rs[i].id) {
            if (rs[i].primary && p->tier == rs[i].tier) {
                p->failed |= 1u << rs[i].tier;
                p->reroute = 1;
            } else if (!rs[i].primary && p->hedge == rs[i].tier) {
                ff_sched_task_done(&r->sched, p->hedge);
                p->hedge = -1;
                if (p->copy == rs[i].tier) drop_copy(r, p);
            }
        }
        pthread_mutex_unlock(&r->mu);
    }
    free(rs);
}

size_t ff_robot_poll(ff_robot *r, int timeout_ms) { return ff_robot_poll_us(r, (int64_t)timeout_ms * 1000); }

/* Takes every result waiting on a ZeroMQ link. */
static void drain_zmq(ff_robot *r, ff_zmq_client *c, int path)
{
    uint8_t *b;
    size_t l;
    while (ff_zmq_client_recv(c, &b, &l, 0, NULL) == FF_FOG_OK) {
        ff_msg_result res;
        if (ff_msg_result_decode(b, l, &res, NULL) == FF_FOG_OK) {
            pthread_mutex_lock(&r->mu);
            complete(r, res.task_id, res.status, res.tier, res.node_id, res.output.data, res.output.n, res.queue_ns,
                     res.compute_ns, res.queue_depth, ff_fog_mono_ns(), path);
            pthread_mutex_unlock(&r->mu);
            ff_msg_result_free(&res);
        }
        free(b);
    }
}

size_t ff_robot_poll_us(ff_robot *r, int64_t timeout_us)
{
    housekeeping(r);
    ff_zmq_client *links[3];
    int paths[3], nl = 0;
    if (r->zc) paths[nl] = 0, links[nl++] = r->zc;
    if (r->zc2) paths[nl] = 1, links[nl++] = r->zc2;
    if (r->ze) paths[nl] = 0, links[nl++] = r->ze;
    if (nl) {
        /* blocks on the sockets themselves: a reply is timed the moment it lands */
        if (timeout_us > 0) ff_zmq_client_wait_any_us(links, nl, timeout_us);
        for (int i = 0; i < nl; i++) drain_zmq(r, links[i], paths[i]);
    } else if (timeout_us > 0) {
        usleep((useconds_t)timeout_us);
    }
    pthread_mutex_lock(&r->mu);
    size_t n = r->outstanding;
    pthread_mutex_unlock(&r->mu);
    return n;
}

int ff_robot_next(ff_robot *r, ff_robot_completion *c)
{
    pthread_mutex_lock(&r->mu);
    int got = r->done_count > 0;
    if (got) {
        *c = r->done[r->done_head];
        r->done_head = (r->done_head + 1) % DONE_CAP;
        r->done_count--;
    }
    pthread_mutex_unlock(&r->mu);
    return got;
}

int ff_robot_summary_json(ff_robot *r, char *buf, size_t cap)
{
    pthread_mutex_lock(&r->mu);
    size_t o = 0;
#define OUT(...)                                                                  \
    do {                                                                          \
        int w_ = snprintf(buf + o, o < cap ? cap - o : 0, __VA_ARGS__);           \
        if (w_ > 0) o += (size_t)w_;                                              \
    } while (0)
    OUT("{\"robot\":\"%s\",\"policy\":\"%s\",\"bundle\":\"%s\",\"deadline_ms\":%g,\"sent\":%llu,\"completed\":%llu,"
        "\"ok\":%llu,\"errors\":%llu,\"lost\":%llu,\"deadline_misses\":%llu,\"outstanding\":%zu,\"rejected\":%llu,"
        "\"retries\":%llu,\"hedged\":%llu,\"twinned\":%llu,\"probes\":%llu,\"rescued\":%llu,\"rerouted\":%llu,\"duplicates\":%llu,"
        "\"local_fallbacks\":%llu,\"local_rejected\":%llu,\"refused\":%llu,\"silent_nodes\":%llu,"
        "\"duration_s\":%.6f,\"tiers\":{",
        r->cfg.robot_id, ff_sched_policy_name(r->cfg.policy), r->cfg.bundle, r->cfg.deadline_ms,
        (unsigned long long)r->sent, (unsigned long long)r->completed, (unsigned long long)r->ok,
        (unsigned long long)r->errors, (unsigned long long)r->lost, (unsigned long long)r->missed, r->outstanding,
        (unsigned long long)r->rejected, (unsigned long long)r->retries, (unsigned long long)r->hedged, (unsigned long long)r->twinned,
        (unsigned long long)r->probes,
        (unsigned long long)r->rescued, (unsigned long long)r->rerouted, (unsigned long long)r->duplicates,
        (unsigned long long)r->local_fallbacks, (unsigned long long)r->local_rejected, (unsigned long long)r->refused,
        (unsigned long long)r->silent_nodes,
        r->last_done_ns > r->first_submit_ns ? (double)(r->last_done_ns - r->first_submit_ns) / 1e9 : 0.0);
    for (int t = 0; t < FF_TIER_COUNT; t++) {
        struct lat *l = &r->lat[t];
        double *s = l->n ? malloc(l->n * sizeof *s) : NULL;
        if (s) {
            memcpy(s, l->v, l->n * sizeof *s);
            ff_fog_sort_doubles(s, l->n);
        }
        OUT("%s\"%s\":{\"count\":%zu,\"p50_ms\":%.4f,\"p99_ms\":%.4f,\"max_ms\":%.4f}", t ? "," : "", ff_msg_tier_name(t),
            l->n, s ? ff_fog_percentile(s, l->n, 0.5) : 0.0, s ? ff_fog_percentile(s, l->n, 0.99) : 0.0, l->max);
        free(s);
    }
    OUT("},\"nodes\":{");
    int first = 1;
    for (int i = 0; i < r->n_nodes; i++) {
        if (!r->node_count[i]) continue;
        OUT("%s\"%s\":%llu", first ? "" : ",", r->nodes[i].id, (unsigned long long)r->node_count[i]);
        first = 0;
    }
    OUT("}}");
#undef OUT
    pthread_mutex_unlock(&r->mu);
    return o < cap ? FF_FOG_OK : FF_FOG_EINPUT;
}

int ff_robot_publish(ff_robot *r, const char *topic, const void *buf, size_t len, int retain, char *err)
{
    if (!r->mq) return ff_fog_fail(err, FF_FOG_EINPUT, "no broker: cannot publish %s", topic);
    return ff_mqtt_publish(r->mq, topic, buf, len, 0, retain, NULL, err);
}

void ff_robot_close(ff_robot *r)
{
    if (!r) return;
    if (r->lthr_started) {
        pthread_mutex_lock(&r->mu);
        r->lstop = 1;
        pthread_cond_broadcast(&r->lcv);
        pthread_mutex_unlock(&r->mu);
        pthread_join(r->lthr, NULL);
    }
    if (r->mq) ff_mqtt_close(r->mq); /* no callbacks after this */
    ff_zmq_client_close(r->zc);
    ff_zmq_client_close(r->zc2);
    ff_zmq_client_close(r->ze);
    if (r->zctx) zmq_ctx_term(r->zctx);
    ff_exec_close(&r->local);
    if (r->pend)
        for (size_t i = 0; i < PEND_CAP; i++) free(r->pend[i].in);
    free(r->pend);
    free(r->done);
    for (int t = 0; t < FF_TIER_COUNT; t++) free(r->lat[t].v);
    if (r->lq)
        for (size_t i = 0; i < r->lq_count; i++) free(r->lq[(r->lq_head + i) % r->lq_cap].in);
    free(r->lq);
    pthread_cond_destroy(&r->lcv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
