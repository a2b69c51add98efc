/* `fogforge edge`: an edge node. Consumes tasks from the MQTT shared
 * subscription $share/edge/fogforge/v1/task/<bundle>, runs them on a worker
 * pool, replies on each task's Response Topic with its Correlation Data,
 * forwards to the cloud over ZeroMQ when its queue would miss a deadline,
 * and keeps a retained status (with a Last Will marking it offline). */
#include <fcntl.h>
#include <pthread.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "fog_cmds.h"
#include "fog_daemon.h"
#include "fog_log.h"
#include "fog_mqtt.h"
#include "fog_node.h"
#include "fog_opts.h"
#include "fog_zmq.h"
#include "fog_zmq_serve.h"

#define FWD_CAP 4096

struct edge {
    char id[FF_MSG_MAX_ID + 1];
    char status_topic[160];
    ff_fog_node *node;
    ff_mqtt *mq;
    pthread_rwlock_t life;   /* readers: message callbacks; writer: shutdown */
    int closing;
    /* edge -> cloud forwarding */
    void *zctx;
    ff_zmq_client *zc;
    pthread_t zthr;
    int zthr_started;
    int pipe_fd[2];
    pthread_mutex_t fmu;
    uint8_t *fq[FWD_CAP];
    size_t fq_len[FWD_CAP];
    int fq_head, fq_count;
    volatile int zstop;
    int cloud_up; /* written by the link thread, read by the forwarder (atomic) */
    /* direct robot -> edge path: a ROUTER served on its own thread */
    ff_zmq_serve *zs;
    pthread_t zsthr;
    int zsthr_started;
    volatile int zsstop;
};

/* Routes of tasks that came over the direct ZeroMQ path start with this
 * byte; MQTT routes start with the response topic, never empty. */
#define ROUTE_ZMQ 0

static void edge_reply(void *user, const uint8_t *route, size_t rl, const uint8_t *buf, size_t len)
{
    struct edge *e = user;
    if (rl && route[0] == ROUTE_ZMQ) {
        if (e->zs) ff_zmq_serve_reply(e->zs, route, rl, buf, len);
        return;
    }
    const uint8_t *nul = memchr(route, 0, rl);
    if (!nul) return;
    ff_mqtt_props p;
    memset(&p, 0, sizeof p);
    p.corr = nul + 1;
    p.corr_len = rl - (size_t)(nul + 1 - route);
    char err[FF_FOG_ERRLEN];
    if (ff_mqtt_publish(e->mq, (const char *)route, buf, len, 1, 0, &p, err))
        ff_fog_log(FF_FOG_LOG_WARN, e->id, "reply_failed", "error=\"%s\"", err);
}

static int edge_input_waiting(void *user)
{
    struct edge *e = user;
    if (e->zs && ff_zmq_serve_is_owner(e->zs)) return ff_zmq_serve_input_waiting(e->zs);
    return !e->mq || ff_mqtt_input_pending(e->mq);
}

static void *zmq_serve_thread(void *arg)
{
    struct edge *e = arg;
    ff_zmq_serve_own(e->zs);
    while (!e->zsstop) ff_zmq_serve_step(e->zs, e->node, 100);
    return NULL;
}

static int edge_forward(void *user, const uint8_t *task, size_t len)
{
    struct edge *e = user;
    if (!e->zc || !__atomic_load_n(&e->cloud_up, __ATOMIC_ACQUIRE)) return FF_FOG_EFULL;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) return FF_FOG_ENOMEM;
    memcpy(copy, task, len);
    pthread_mutex_lock(&e->fmu);
    if (e->fq_count >= FWD_CAP) {
        pthread_mutex_unlock(&e->fmu);
        free(copy);
        return FF_FOG_EFULL;
    }
    int slot = (e->fq_head + e->fq_count) % FWD_CAP;
    int was_empty = e->fq_count == 0;
    e->fq[slot] = copy;
    e->fq_len[slot] = len;
    e->fq_count++;
    pthread_mutex_unlock(&e->fmu);
    char b = 1;
    /* one wake-up per batch: a non-empty queue already has one pending */
    if (was_empty && write(e->pipe_fd[1], &b, 1) < 0) { /* pipe full: the thread is awake anyway */ }
    return FF_FOG_OK;
}

/* The forward link refused a task: answer it as rejected through the node. */
static void reject_forward(struct edge *e, const uint8_t *task, size_t len, const char *why)
{
    ff_msg_task t;
    char err[FF_FOG_ERRLEN];
    if (ff_msg_task_decode(task, len, &t, err)) return;
    ff_msg_result r;
    memset(&r, 0, sizeof r);
    r.task_id = t.task_id;
    snprintf(r.robot_id, sizeof r.robot_id, "%s", t.robot_id);
    r.status = FF_STATUS_REJECTED_QUEUE_FULL;
    snprintf(r.detail, sizeof r.detail, "%s", why);
    snprintf(r.node_id, sizeof r.node_id, "%s", e->id);
    r.tier = FF_TIER_EDGE;
    uint8_t *buf;
    size_t blen;
    if (ff_msg_result_encode(&r, &buf, &blen, NULL) == 0) {
        ff_fog_node_forward_done(e->node, buf, blen);
        free(buf);
    }
    ff_msg_task_free(&t);
}

static void *zmq_thread(void *arg)
{
    struct edge *e = arg;
    uint64_t down_since = 0;
    while (!e->zstop) {
        zmq_pollitem_t it[2] = {{ff_zmq_client_socket(e->zc), 0, ZMQ_POLLIN, 0}, {NULL, e->pipe_fd[0], ZMQ_POLLIN, 0}};
        zmq_poll(it, 2, 100);
        if (it[1].revents & ZMQ_POLLIN) {
            char drain[256];
            while (read(e->pipe_fd[0], drain, sizeof drain) > 0) {}
        }
        for (;;) {
            pthread_mutex_lock(&e->fmu);
            if (!e->fq_count) {
                pthread_mutex_unlock(&e->fmu);
                break;
            }
            uint8_t *b = e->fq[e->fq_head];
            size_t l = e->fq_len[e->fq_head];
            e->fq_head = (e->fq_head + 1) % FWD_CAP;
            e->fq_count--;
            pthread_mutex_unlock(&e->fmu);
            char err[FF_FOG_ERRLEN];
            if (ff_zmq_client_send(e->zc, b, l, err)) reject_forward(e, b, l, "rejected: queue full (cloud link)");
            free(b);
        }
        for (;;) {
            uint8_t *b;
            size_t l;
            if (ff_zmq_client_recv(e->zc, &b, &l, 0, NULL)) break;
            ff_fog_node_forward_done(e->node, b, l);
            free(b);
        }
        int up = ff_zmq_client_connected(e->zc);
        __atomic_store_n(&e->cloud_up, up, __ATOMIC_RELEASE);
        if (up) {
            down_since = 0;
        } else if (!down_since) {
            down_since = ff_fog_mono_ns();
        } else if (ff_fog_mono_ns() - down_since > 1000000000ull) {
            int n = ff_fog_node_fail_forwarded(e->node, FF_STATUS_REJECTED_QUEUE_FULL, "rejected: cloud link down");
            if (n) ff_fog_log(FF_FOG_LOG_WARN, e->id, "cloud_down", "failed_forwarded=%d", n);
        }
    }
    return NULL;
}

static void edge_on_msg(void *user, const char *topic, const uint8_t *payload, size_t len, const ff_mqtt_props *p)
{
    struct edge *e = user;
    uint8_t route[FF_FOG_NODE_MAX_ROUTE];
    size_t rl = 0;
    if (p->response_topic) {
        size_t tl = strlen(p->response_topic);
        if (tl + 1 + p->corr_len <= sizeof route) {
            memcpy(route, p->response_topic, tl + 1);
            if (p->corr_len) memcpy(route + tl + 1, p->corr, p->corr_len);
            rl = tl + 1 + p->corr_len;
        }
    }
    pthread_rwlock_rdlock(&e->life);
    if (!e->closing) ff_fog_node_submit(e->node, payload, len, route, rl);
    pthread_rwlock_unlock(&e->life);
}

static void publish_status(struct edge *e, const char *state)
{
    char js[1500], err[FF_FOG_ERRLEN];
    if (ff_fog_node_status_json(e->node, state, js, sizeof js)) return;
    if (ff_mqtt_publish(e->mq, e->status_topic, js, strlen(js), 1, 1, NULL, err))
        ff_fog_log(FF_FOG_LOG_WARN, e->id, "status_failed", "error=\"%s\"", err);
}

int ff_cmd_edge(int argc, char **argv)
{
    char broker[256] = "", bundles[512] = "", bundle_dir[512] = "", backend[32] = "auto";
    char cloud[256] = "", zbind[256] = "", id[FF_MSG_MAX_ID + 1] = "", user[64] = "", pass[128] = "", ca[256] = "", cert[256] = "",
         key[256] = "", loglevel[16] = "info";
    int compute_us = 0, inline_us = 200;
    int workers = 2, queue = 256, status_ms = 500, insecure = 0, nodelay = 1, no_nodelay = 0;
    const ff_fog_opt opts[] = {
        {"broker", FF_FOG_OPT_STR, broker, sizeof broker, 0, 0, "URL", "MQTT broker, tcp://HOST:PORT or ssl://HOST:PORT (required)"},
        {"bundles", FF_FOG_OPT_STR, bundle_dir, sizeof bundle_dir, 0, 0, "DIR", "serve DIR's bundles through libfogforge (default: the built-in MLP)"},
        {"bundle", FF_FOG_OPT_STR, bundles, sizeof bundles, 0, 0, "NAMES", "comma-separated bundles to serve (default: every bundle in DIR; jet-tagger without --bundles)"},
        {"backend", FF_FOG_OPT_STR, backend, sizeof backend, 0, 0, "B", "auto|cpu|opencl|verilator|xrt (default auto)"},
        {"compute-us", FF_FOG_OPT_INT, &compute_us, 0, 0, 60000000, "US", "emulated device speed: each inference takes at least US (default 0: as fast as it runs)"},
        {"inline-us", FF_FOG_OPT_INT, &inline_us, 0, 0, 1000000, "US", "run a task on the thread that received it when a worker is idle and the measured service time is at most US (default 200; 0: always hand to a worker)"},
        {"workers", FF_FOG_OPT_INT, &workers, 0, 1, 256, "N", "worker threads (default 2)"},
        {"queue", FF_FOG_OPT_INT, &queue, 0, 1, 1000000, "N", "queue capacity before forwarding/rejecting (default 256)"},
        {"cloud", FF_FOG_OPT_STR, cloud, sizeof cloud, 0, 0, "tcp://HOST:PORT", "cloud tier to forward to over ZeroMQ"},
        {"zmq-bind", FF_FOG_OPT_STR, zbind, sizeof zbind, 0, 0, "tcp://HOST:PORT", "also take tasks from robots directly over ZeroMQ (ROUTER) at this endpoint"},
        {"id", FF_FOG_OPT_STR, id, sizeof id, 0, 0, "NODE", "node id (default edge-<pid>)"},
        {"status-interval-ms", FF_FOG_OPT_INT, &status_ms, 0, 10, 600000, "MS", "status publish period (default 500)"},
        {"username", FF_FOG_OPT_STR, user, sizeof user, 0, 0, "USER", "MQTT username"},
        {"password", FF_FOG_OPT_STR, pass, sizeof pass, 0, 0, "PASS", "MQTT password"},
        {"ca-file", FF_FOG_OPT_STR, ca, sizeof ca, 0, 0, "PEM", "TLS trust store"},
        {"cert", FF_FOG_OPT_STR, cert, sizeof cert, 0, 0, "PEM", "TLS client certificate"},
        {"key", FF_FOG_OPT_STR, key, sizeof key, 0, 0, "PEM", "TLS client key"},
        {"tls-insecure", FF_FOG_OPT_FLAG, &insecure, 0, 0, 0, NULL, "do not verify the broker certificate"},
        {"no-nodelay", FF_FOG_OPT_FLAG, &no_nodelay, 0, 0, 0, NULL, "leave Nagle on (for benchmarks only)"},
        {"log-level", FF_FOG_OPT_STR, loglevel, sizeof loglevel, 0, 0, "L", "debug|info|warn|error|off (default info)"},
    };
    char err[FF_FOG_ERRLEN];
    int rc = ff_fog_opts_parse(opts, (int)(sizeof opts / sizeof opts[0]), argc, argv, "edge",
                           "--broker URL [--bundles DIR] [--backend B] [--workers N] [--cloud tcp://HOST:PORT] [--zmq-bind tcp://HOST:PORT]", err);
    if (rc == 1) return 0;
    if (rc) return ff_daemon_fail(rc, err);
    if (!broker[0]) return ff_daemon_fail(FF_FOG_EINPUT, "missing option: --broker URL");
    int lvl;
    if (ff_fog_log_parse_level(loglevel, &lvl)) {
        snprintf(err, sizeof err, "bad log level: %s", loglevel);
        return ff_daemon_fail(FF_FOG_EINPUT, err);
    }
    ff_fog_log_set_level(lvl);
    nodelay = !no_nodelay;
    if (!id[0]) snprintf(id, sizeof id, "edge-%d", (int)getpid());

    struct edge *e = calloc(1, sizeof *e);
    if (!e) return ff_daemon_fail(FF_FOG_ENOMEM, "out of memory");
    snprintf(e->id, sizeof e->id, "%s", id);
    snprintf(e->status_topic, sizeof e->status_topic, "fogforge/v1/node/%s/status", id);
    pthread_rwlock_init(&e->life, NULL);
    pthread_mutex_init(&e->fmu, NULL);
    e->pipe_fd[0] = e->pipe_fd[1] = -1;
    int exit_code = 0, started = 0;

    /* node */
    ff_fog_node_cfg nc;
    char blist[512];
    if ((rc = ff_fog_node_setup(&nc, id, FF_TIER_EDGE, workers, queue, compute_us, bundle_dir, backend, bundles, sizeof bundles,
                                blist, sizeof blist, err))) {
        exit_code = ff_daemon_fail(rc, err);
        goto out;
    }
    nc.inline_max_us = inline_us;
    nc.input_waiting = edge_input_waiting;
    nc.reply = edge_reply;
    nc.forward = cloud[0] ? edge_forward : NULL;
    nc.user = e;
    if ((rc = ff_fog_node_open(&e->node, &nc, err))) {
        exit_code = ff_daemon_fail(rc, err);
        goto out;
    }
    if (cloud[0] || zbind[0]) e->zctx = zmq_ctx_new();
    /* direct path: robots send tasks here over ZeroMQ */
    if (zbind[0]) {
        ff_zmq_cfg zc;
        ff_zmq_cfg_init(&zc);
        if ((rc = ff_zmq_serve_open(&e->zs, e->zctx, zbind, &zc, ROUTE_ZMQ, id, err))) {
            exit_code = ff_daemon_fail(rc, err);
            goto out;
        }
        if (pthread_create(&e->zsthr, NULL, zmq_serve_thread, e)) {
            exit_code = ff_daemon_fail(FF_FOG_ESYS, "cannot start the ZeroMQ serving thread");
            goto out;
        }
        e->zsthr_started = 1;
    }
    /* cloud link */
    if (cloud[0]) {
        ff_zmq_cfg zc;
        ff_zmq_cfg_init(&zc);
        if (pipe(e->pipe_fd)) {
            exit_code = ff_daemon_fail(FF_FOG_ESYS, "cannot create pipe");
            goto out;
        }
        for (int i = 0; i < 2; i++) {
            int fl = fcntl(e->pipe_fd[i], F_GETFL);
            fcntl(e->pipe_fd[i], F_SETFL, fl | O_NONBLOCK);
        }
        if ((rc = ff_zmq_client_open(&e->zc, e->zctx, cloud, &zc, err))) {
            exit_code = ff_daemon_fail(rc, err);
            goto out;
        }
        if (pthread_create(&e->zthr, NULL, zmq_thread, e)) {
            exit_code = ff_daemon_fail(FF_FOG_ESYS, "cannot start the cloud link thread");
            goto out;
        }
        e->zthr_started = 1;
    }
    /* MQTT */
    ff_mqtt_cfg mc;
    ff_mqtt_cfg_init(&mc);
    snprintf(mc.uri, sizeof mc.uri, "%s", broker);
    snprintf(mc.client_id, sizeof mc.client_id, "%s", id);
    snprintf(mc.username, sizeof mc.username, "%s", user);
    snprintf(mc.password, sizeof mc.password, "%s", pass);
    snprintf(mc.ca_file, sizeof mc.ca_file, "%s", ca);
    snprintf(mc.cert_file, sizeof mc.cert_file, "%s", cert);
    snprintf(mc.key_file, sizeof mc.key_file, "%s", key);
    mc.tls_insecure = insecure;
    mc.nodelay = nodelay;
    snprintf(mc.will_topic, sizeof mc.will_topic, "%s", e->status_topic);
    snprintf(mc.will_payload, sizeof mc.will_payload, "{\"node\":\"%s\",\"tier\":\"edge\",\"state\":\"offline\"}", id);
    ff_daemon_signals_install();
    if ((rc = ff_mqtt_open(&e->mq, &mc, edge_on_msg, NULL, e, err))) {
        exit_code = ff_daemon_fail(rc, err);
        goto out;
    }
    for (int i = 0; i < nc.n_bundles; i++) {
        char topic[256];
        snprintf(topic, sizeof topic, "$share/edge/fogforge/v1/task/%s", nc.bundles[i]);
        if ((rc = ff_mqtt_subscribe(e->mq, topic, 1, err))) {
            exit_code = ff_daemon_fail(rc, err);
            goto out;
        }
    }
    publish_status(e, "online");
    ff_fog_node_log_execs(e->node);
    ff_fog_log(FF_FOG_LOG_INFO, id, "edge_start", "broker=%s bundles=%s workers=%d queue=%d cloud=%s zmq=%s", broker, bundles,
           workers, queue, cloud[0] ? cloud : "none", e->zs ? ff_zmq_serve_endpoint(e->zs) : "none");
    started = 1;
    uint64_t next_status = ff_fog_mono_ns() + (uint64_t)status_ms * 1000000u;
    while (!ff_daemon_stop) {
        usleep(20000);
        if (ff_fog_mono_ns() >= next_status) {
            publish_status(e, "online");
            next_status = ff_fog_mono_ns() + (uint64_t)status_ms * 1000000u;
        }
    }
    ff_fog_log(FF_FOG_LOG_INFO, id, "edge_stopping", NULL);
out:
    if (e->node) {
        pthread_rwlock_wrlock(&e->life);
        e->closing = 1;
        pthread_rwlock_unlock(&e->life);
    }
    if (e->zthr_started) {
        e->zstop = 1;
        pthread_join(e->zthr, NULL);
    }
    if (e->zsthr_started) {
        e->zsstop = 1;
        pthread_join(e->zsthr, NULL);
        ff_zmq_serve_own(e->zs); /* replies of the drain below are sent from here */
    }
    char final_js[1500] = "";
    if (e->node) {
        ff_fog_node_fail_forwarded(e->node, FF_STATUS_REJECTED_QUEUE_FULL, "rejected: edge shutting down");
        ff_fog_node_stats s;
        uint64_t end = ff_fog_mono_ns() + 2000000000ull;
        do {
            ff_fog_node_get_stats(e->node, &s);
            if (s.queue_depth) usleep(1000);
        } while (s.queue_depth && ff_fog_mono_ns() < end);
        ff_fog_node_status_json(e->node, "offline", final_js, sizeof final_js);
        if (started)
            ff_fog_log(FF_FOG_LOG_INFO, id, "edge_stop", "received=%llu executed=%llu expired=%llu malformed=%llu duplicates=%llu "
               "rejected=%llu forwarded=%llu unknown_bundle=%llu bundle_mismatch=%llu errors=%llu inlined=%llu",
               (unsigned long long)s.received, (unsigned long long)s.executed, (unsigned long long)s.expired,
               (unsigned long long)s.malformed, (unsigned long long)s.duplicates, (unsigned long long)s.rejected,
               (unsigned long long)s.forwarded, (unsigned long long)s.unknown_bundle, (unsigned long long)s.bundle_mismatch,
               (unsigned long long)s.errors, (unsigned long long)s.inlined);
        ff_fog_node_close(e->node, 0);
    }
    if (e->mq) {
        char js[256];
        snprintf(js, sizeof js, "{\"node\":\"%s\",\"tier\":\"edge\",\"state\":\"offline\"}", id);
        if (final_js[0]) snprintf(js, sizeof js, "%.255s", final_js);
        const char *payload = final_js[0] ? final_js : js;
        ff_mqtt_publish(e->mq, e->status_topic, payload, strlen(payload), 1, 1, NULL, NULL);
        ff_mqtt_flush(e->mq, 2000);
        ff_mqtt_close(e->mq);
    }
    pthread_mutex_lock(&e->fmu);
    while (e->fq_count) {
        free(e->fq[e->fq_head]);
        e->fq_head = (e->fq_head + 1) % FWD_CAP;
        e->fq_count--;
    }
    pthread_mutex_unlock(&e->fmu);
    ff_zmq_client_close(e->zc);
    if (e->zs) ff_zmq_serve_flush(e->zs);
    ff_zmq_serve_close(e->zs);
    if (e->zctx) zmq_ctx_term(e->zctx);
    if (e->pipe_fd[0] >= 0) close(e->pipe_fd[0]);
    if (e->pipe_fd[1] >= 0) close(e->pipe_fd[1]);
    ff_daemon_signals_restore();
    pthread_rwlock_destroy(&e->life);
    pthread_mutex_destroy(&e->fmu);
    free(e);
    return exit_code;
}
