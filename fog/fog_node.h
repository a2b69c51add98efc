/* The serving core shared by the edge and cloud daemons: decode a task,
 * de-duplicate by (robot id, task id), drop expired tasks, admit into a
 * bounded queue served by a worker pool (or hand to a forwarder), run the
 * executor, and reply through a transport-specific callback. Replies carry
 * an opaque route (MQTT response topic + correlation data, or a ZeroMQ
 * peer identity) that the node copies and hands back. */
#ifndef FF_FOG_NODE_H
#define FF_FOG_NODE_H
#include <stddef.h>
#include <stdint.h>

#include "fog_exec.h"
#include "fog_msg.h"

#define FF_FOG_NODE_MAX_ROUTE 512u
#define FF_FOG_NODE_MAX_BUNDLES 8

typedef struct ff_fog_node ff_fog_node;

/* Sends an encoded Result back along route. Called from worker threads and
 * from the thread calling ff_fog_node_submit()/ff_fog_node_forward_done()
 * (which is where a task run inline is answered). */
typedef void (*ff_fog_node_reply_fn)(void *user, const uint8_t *route, size_t route_len, const uint8_t *result,
                                 size_t len);
/* Tries to hand the task (still encoded) to another tier; returns FF_FOG_OK
 * when it took it. Its Result must come back through ff_fog_node_forward_done(). */
typedef int (*ff_fog_node_forward_fn)(void *user, const uint8_t *task, size_t len);

typedef struct ff_fog_node_cfg {
    char node_id[FF_MSG_MAX_ID + 1];
    int tier;                     /* FF_TIER_EDGE or FF_TIER_CLOUD */
    int workers;                  /* default 2 */
    int queue_cap;                /* default 256 */
    const char *bundle_dir;
    const char *backend;
    const char *bundles[FF_FOG_NODE_MAX_BUNDLES];
    int n_bundles;
    const ff_exec_ops *exec_ops;  /* NULL: built-in MLP */
    ff_fog_node_reply_fn reply;
    ff_fog_node_forward_fn forward;   /* NULL: no forwarding */
    int inline_max_us;            /* run a task on the submitting thread when a worker is idle, nothing is
                                   * queued, the transport has no further input waiting (input_waiting)
                                   * and the measured service time is at most this (0: never) */
    /* 1 when more input already waits on the transport (so running inline
     * would hide a backlog from admission); NULL: never inline. Called on
     * the submitting thread. */
    int (*input_waiting)(void *user);
    void *user;
} ff_fog_node_cfg;

typedef struct ff_fog_node_stats {
    uint64_t received, executed, expired, malformed, duplicates, rejected, forwarded, unknown_bundle, errors;
    uint64_t inlined;             /* of executed: run on the submitting thread */
    uint64_t bundle_mismatch;     /* tasks whose bundle sha256 is not the served bundle's */
    uint32_t queue_depth;         /* queued + running */
    uint32_t workers;
    double service_ewma_us;       /* measured compute per task */
} ff_fog_node_stats;

int ff_fog_node_open(ff_fog_node **out, const ff_fog_node_cfg *cfg, char *err);
/* One "bundle_open" log line per bundle served (executor, backend, sizes). */
void ff_fog_node_log_execs(ff_fog_node *n);
/* Takes one encoded task that arrived with route. Never fails: every
 * outcome (run, forwarded, duplicate, expired, malformed, rejected) is
 * counted and, where the task could be addressed, answered. */
void ff_fog_node_submit(ff_fog_node *n, const uint8_t *wire, size_t len, const uint8_t *route, size_t route_len);
/* A forwarded task's Result came back (encoded); relays it to the route the
 * task came from, adding the forwarding time to its network_ns. */
void ff_fog_node_forward_done(ff_fog_node *n, const uint8_t *result, size_t len);
/* Answers every forwarded task still unanswered with status (e.g. when the
 * forwarding link died); returns how many. */
int ff_fog_node_fail_forwarded(ff_fog_node *n, int status, const char *detail);
void ff_fog_node_get_stats(ff_fog_node *n, ff_fog_node_stats *s);
/* Status JSON (node, state, queue, workers, service_ewma_us, bundles,
 * backends, counters) into buf. */
int ff_fog_node_status_json(ff_fog_node *n, const char *state, char *buf, size_t cap);
/* Stops accepting, lets the workers finish what is queued (up to
 * drain_ms), joins them and frees everything. */
void ff_fog_node_close(ff_fog_node *n, int drain_ms);
#endif
