/* Embeddable device agent of the fog runtime: a robot program submits
 * inference tasks with deadlines; the agent schedules each one (local CPU,
 * edge pool over MQTT, cloud over ZeroMQ), retries unanswered tasks (node
 * Last Will or silence, per-task timeout), hedges risky ones, rescues
 * overdue ones on another tier, de-duplicates results, re-routes a task
 * through the policy when a node rejects it or its tier goes away, and
 * keeps latency statistics per tier. Local inference runs on the agent's
 * own worker thread (bounded queue), so it never blocks submitting or
 * receiving.
 *
 *   ff_robot_cfg c; ff_robot_cfg_init(&c);
 *   snprintf(c.broker, sizeof c.broker, "tcp://127.0.0.1:1883");
 *   ff_robot *r; if (ff_robot_open(&r, &c, err)) ...
 *   ff_robot_submit(r, input, 16, &id, err);
 *   while (ff_robot_poll(r, 1) ...) { ff_robot_completion done; while (ff_robot_next(r, &done)) ...; }
 *   ff_robot_summary_json(r, buf, sizeof buf); ff_robot_close(r);
 */
#ifndef FF_FOG_ROBOT_H
#define FF_FOG_ROBOT_H
#include <stddef.h>
#include <stdint.h>

#include "fog_err.h"
#include "fog_exec.h"
#include "fog_msg.h"

typedef struct ff_robot ff_robot;

typedef struct ff_robot_cfg {
    char broker[256];        /* MQTT broker URL; empty: no edge tier */
    char cloud[256];         /* ZeroMQ endpoint of a cloud node; empty: no cloud tier */
    int cloud_paths;         /* ZeroMQ connections to the cloud node (1 or 2, default 2): with two,
                              * the fogforge policy twins tasks when one connection loses frames */
    char edge_zmq[256];      /* ZeroMQ endpoint of an edge node (its --zmq-bind): the edge tier is
                              * reached directly instead of through the broker; empty: MQTT */
    char robot_id[FF_MSG_MAX_ID + 1];
    char bundle[FF_MSG_MAX_ID + 1];
    char username[64], password[128], ca_file[256], cert_file[256], key_file[256];
    int tls_insecure;
    int nodelay;             /* default 1 */
    int policy;              /* enum ff_policy, default fogforge */
    double deadline_ms;      /* relative deadline of each task (default 50) */
    double retry_ms;         /* resend an unanswered remote task after this; 0 = adaptive */
    double grace_ms;         /* after the deadline, a task with no result is lost (default 1000) */
    int local_queue;         /* local tasks waiting for the robot's CPU (default 64); beyond: rejected */
    int probe_after;         /* fogforge policy: probe a remote tier left unused for this many
                              * decisions with a copy of a task (default 50; 0: never) */
    uint64_t seed;
    const ff_exec_ops *local_ops; /* local executor (NULL: built-in MLP) */
    char bundle_dir[512];    /* where local_ops finds the bundle (empty: ".") */
} ff_robot_cfg;

typedef struct ff_robot_completion {
    uint64_t task_id;
    int status;              /* enum ff_status */
    int tier;                /* where it ran */
    char node_id[FF_MSG_MAX_ID + 1];
    double latency_ms;       /* submit -> result */
    uint64_t submit_us;      /* wall clock (CLOCK_REALTIME, µs) at submit */
    double queue_ms, compute_ms; /* what the answering node reported (0 for local) */
    int missed;              /* finished after its deadline, or without a result (status != OK) */
    int32_t out[16];
    size_t n_out;
} ff_robot_completion;

void ff_robot_cfg_init(ff_robot_cfg *c);
int ff_robot_open(ff_robot **out, const ff_robot_cfg *cfg, char *err);
/* Waits up to timeout_ms until the remote tiers the policy needs are up,
 * and the cloud's second connection when the policy twins; 1 when the
 * tiers are up (the second connection may still be coming), else 0. */
int ff_robot_wait_ready(ff_robot *r, int timeout_ms);
/* One "local_open" log line: the local executor, its backend. */
void ff_robot_log_local(ff_robot *r);
/* Integers per task input / per result of the bundle (local executor's). */
size_t ff_robot_n_in(const ff_robot *r);
size_t ff_robot_n_out(const ff_robot *r);
int ff_robot_submit(ff_robot *r, const int32_t *in, size_t n, uint64_t *task_id, char *err);
/* Drives the agent (cloud replies, retries, local fallbacks, loss
 * accounting) for up to timeout_ms; returns the number of tasks still
 * outstanding. */
size_t ff_robot_poll(ff_robot *r, int timeout_ms);
/* Same with a microsecond timeout (a caller pacing a sensor stream waits
 * exactly until its next sample). */
size_t ff_robot_poll_us(ff_robot *r, int64_t timeout_us);
/* Pops one completion (1) or returns 0 when none is waiting. */
int ff_robot_next(ff_robot *r, ff_robot_completion *c);
/* One JSON object: sent, completed, lost, deadline_misses, ..., per tier
 * count/p50_ms/p99_ms/max_ms, per node counts. */
int ff_robot_summary_json(ff_robot *r, char *buf, size_t cap);
/* Publishes buf on topic through the agent's MQTT connection (QoS 0), e.g.
 * live statistics for a fleet monitor. FF_FOG_EINPUT without a broker. */
int ff_robot_publish(ff_robot *r, const char *topic, const void *buf, size_t len, int retain, char *err);
void ff_robot_close(ff_robot *r);
#endif
