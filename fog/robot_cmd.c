/* `fogforge robot`: a device agent driving fog/robot.h from the command
 * line. Generates (or replays) a sensor stream at a fixed rate -- with
 * --imu, the demo's IMU windows (fog/imu.c) with their ground-truth labels,
 * classified by the bundle -- prints live stats as log lines on stderr
 * (and, with --publish-ms, as JSON on MQTT for `fogforge monitor`), one line
 * per task with --tasks, and one JSON summary on stdout at the end. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fog_cmds.h"
#include "fog_daemon.h"
#include "fog_exec_bundle.h"
#include "fog_log.h"
#include "fog_opts.h"
#include "fog_sched.h"
#include "fogforge/fogforge.h"
#include "imu.h"
#include "robot.h"

#define MAX_INPUT_VALUES (1u << 20)

/* Reads whitespace-separated integers; n_in values make one task input. */
static int read_inputs(const char *path, size_t n_in, int32_t **out, size_t *n_vec, char *err)
{
    FILE *f = fopen(path, "r");
    if (!f) return ff_fog_fail(err, FF_FOG_EINPUT, "cannot open input: %s: %s", strerror(errno), path);
    size_t cap = 1024, n = 0;
    int32_t *v = malloc(cap * sizeof *v);
    long x;
    int rc = v ? FF_FOG_OK : ff_fog_fail(err, FF_FOG_ENOMEM, "out of memory reading %s", path);
    while (!rc && fscanf(f, "%ld", &x) == 1) {
        if (x < INT32_MIN || x > INT32_MAX || n >= MAX_INPUT_VALUES) {
            rc = ff_fog_fail(err, FF_FOG_EINPUT, "input value out of range or file too large: %s", path);
            break;
        }
        if (n == cap) {
            int32_t *nv = realloc(v, 2 * cap * sizeof *v);
            if (!nv) {
                rc = ff_fog_fail(err, FF_FOG_ENOMEM, "out of memory reading %s", path);
                break;
            }
            v = nv;
            cap *= 2;
        }
        v[n++] = (int32_t)x;
    }
    if (!rc && !feof(f)) rc = ff_fog_fail(err, FF_FOG_EINPUT, "input is not a list of integers: %s", path);
    fclose(f);
    if (!rc && (n == 0 || n % n_in))
        rc = ff_fog_fail(err, FF_FOG_EINPUT, "input has %zu values, not a positive multiple of %zu: %s", n, n_in, path);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    *n_vec = n / n_in;
    return FF_FOG_OK;
}

static void sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    nanosleep(&ts, NULL);
}

static void write_result(FILE *f, const ff_robot_completion *d, uint64_t first_id)
{
    if (!f || d->status != FF_STATUS_OK) return;
    fprintf(f, "%llu %s", (unsigned long long)(d->task_id - first_id), ff_msg_tier_name(d->tier));
    for (size_t i = 0; i < d->n_out; i++) fprintf(f, " %d", (int)d->out[i]);
    fputc('\n', f);
}

/* One word per status, for the whitespace-separated --tasks file. */
static const char *status_word(int st)
{
    switch (st) {
    case FF_STATUS_OK: return "ok";
    case FF_STATUS_REJECTED_QUEUE_FULL: return "rejected";
    case FF_STATUS_EXPIRED: return "expired";
    case FF_STATUS_MALFORMED: return "malformed";
    case FF_STATUS_UNKNOWN_BUNDLE: return "unknown_bundle";
    default: return "internal";
    }
}

static int argmax(const int32_t *v, size_t n)
{
    int best = 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] > v[(size_t)best]) best = (int)i;
    return best;
}

/* Per-task bookkeeping of the command: labels of the windows sent (IMU
 * mode), the files, and the live statistics of the current period. */
struct run {
    FILE *latf, *rf, *tf;
    uint64_t first_id;
    signed char *labels;
    size_t n_labels, cap_labels;
    uint64_t done, missed, correct, judged;
    /* live period, published on MQTT */
    char *pub;
    size_t pub_len, pub_cap;
    uint64_t p_count[FF_TIER_COUNT], p_missed[FF_TIER_COUNT], p_failed;
};

static void pub_add(struct run *u, const char *fmt, double v)
{
    if (u->pub_cap - u->pub_len < 32) {
        size_t nc = u->pub_cap ? u->pub_cap * 2 : 4096;
        char *nb = realloc(u->pub, nc);
        if (!nb) return;
        u->pub = nb;
        u->pub_cap = nc;
    }
    u->pub_len += (size_t)snprintf(u->pub + u->pub_len, u->pub_cap - u->pub_len, fmt, v);
}

/* Latencies of the period per tier, as "t:ms" items, for the monitor. */
static void record(struct run *u, const ff_robot_completion *d, int publish)
{
    u->done++;
    u->missed += (uint64_t)d->missed;
    if (u->latf) fprintf(u->latf, "%.4f %d %d\n", d->latency_ms, d->tier, d->missed);
    write_result(u->rf, d, u->first_id);
    uint64_t idx = d->task_id - u->first_id;
    int label = idx < u->n_labels ? u->labels[idx] : -1;
    int pred = d->status == FF_STATUS_OK && d->n_out ? argmax(d->out, d->n_out) : -1;
    if (label >= 0 && pred >= 0) {
        u->judged++;
        u->correct += (uint64_t)(pred == label);
    }
    if (u->tf)
        fprintf(u->tf, "%llu %d %d %s %s %.4f %d %.6f %s %.4f %.4f\n", (unsigned long long)idx, label, pred,
                ff_msg_tier_name(d->tier), d->node_id[0] ? d->node_id : "-", d->latency_ms, d->missed,
                (double)d->submit_us / 1e6, status_word(d->status), d->queue_ms, d->compute_ms);
    if (!publish) return;
    if (d->status != FF_STATUS_OK || d->tier < 0 || d->tier >= FF_TIER_COUNT) {
        u->p_failed++;
        return;
    }
    u->p_count[d->tier]++;
    u->p_missed[d->tier] += (uint64_t)d->missed;
    pub_add(u, u->pub_len ? ",%.3f" : "%.3f", d->latency_ms);
    pub_add(u, ",%.0f", (double)d->tier);
}

/* One JSON message per period: counts per tier and every latency with its
 * tier ([ms, tier, ms, tier, ...]), so the monitor computes exact fleet
 * percentiles. */
static void publish_stats(ff_robot *r, struct run *u, const char *id, int sent)
{
    size_t cap = u->pub_len + 512;
    char *js = malloc(cap);
    if (js) {
        int n = snprintf(js, cap,
                         "{\"robot\":\"%s\",\"ts_us\":%llu,\"sent\":%d,\"completed\":%llu,\"missed\":%llu,\"failed\":%llu,"
                         "\"count\":[%llu,%llu,%llu],\"misses\":[%llu,%llu,%llu],\"lat\":[%s]}",
                         id, (unsigned long long)ff_fog_wall_us(), sent, (unsigned long long)u->done,
                         (unsigned long long)u->missed, (unsigned long long)u->p_failed,
                         (unsigned long long)u->p_count[0], (unsigned long long)u->p_count[1],
                         (unsigned long long)u->p_count[2], (unsigned long long)u->p_missed[0],
                         (unsigned long long)u->p_missed[1], (unsigned long long)u->p_missed[2],
                         u->pub_len ? u->pub : "");
        char topic[160], err[FF_FOG_ERRLEN];
        snprintf(topic, sizeof topic, "fogforge/v1/robot/%s/stats", id);
        if (n > 0 && (size_t)n < cap) ff_robot_publish(r, topic, js, (size_t)n, 0, err);
        free(js);
    }
    u->pub_len = 0;
    memset(u->p_count, 0, sizeof u->p_count);
    memset(u->p_missed, 0, sizeof u->p_missed);
    u->p_failed = 0;
}

static int remember_label(struct run *u, int label)
{
    if (u->n_labels == u->cap_labels) {
        size_t nc = u->cap_labels ? u->cap_labels * 2 : 4096;
        signed char *nl = realloc(u->labels, nc);
        if (!nl) return FF_FOG_ENOMEM;
        u->labels = nl;
        u->cap_labels = nc;
    }
    u->labels[u->n_labels++] = (signed char)label;
    return FF_FOG_OK;
}

/* The IMU stream: the robot's generator (seeded), the 24 features of each
 * window quantized with the bundle's input scale. */
struct imu_src {
    ff_imu gen;
    ff_bundle *b;
};

static int imu_open(struct imu_src *m, const char *dir, const char *bundle, size_t n_in, int seed, char *err)
{
    ff_err e;
    if (!dir[0]) return ff_fog_fail(err, FF_FOG_EINPUT, "--imu needs --bundles DIR (the classifier and its input scale)");
    if (n_in != FF_IMU_FEATURES)
        return ff_fog_fail(err, FF_FOG_EINPUT, "--imu sends %d features per window; bundle %s takes %zu: %s", FF_IMU_FEATURES,
                           bundle, n_in, dir);
    if (ff_bundle_open_named(dir, bundle, &m->b, &e)) return ff_fog_fail(err, FF_FOG_EINPUT, "%s", e.msg);
    ff_imu_init(&m->gen, (uint64_t)seed);
    return FF_FOG_OK;
}

static int imu_next(struct imu_src *m, int32_t *in)
{
    float win[FF_IMU_WINDOW * FF_IMU_AXES], feat[FF_IMU_FEATURES];
    int label = ff_imu_window(&m->gen, win, -1);
    ff_imu_features(win, feat);
    ff_bundle_quantize(m->b, feat, in, 1);
    return label;
}

int ff_cmd_robot(int argc, char **argv)
{
    ff_robot_cfg c;
    ff_robot_cfg_init(&c);
    char policy[32] = "fogforge", input[512] = "", loglevel[16] = "info", results[512] = "";
    double rate = 100, wait_ms_d = 3000;
    char lat_path[512] = "";
    double burst_period = 0, burst_duty = 0.5, burst_factor = 1, duration_s = 0;
    int compute_us = 0;
    int count = 100, synthetic = 0, stats_ms = 1000, no_nodelay = 0, seed = 1, closed_loop = 0, imu = 0, publish_ms = 0,
        local_queue = 64;
    char tasks_path[512] = "";
    const ff_fog_opt opts[] = {
        {"broker", FF_FOG_OPT_STR, c.broker, sizeof c.broker, 0, 0, "URL", "MQTT broker of the edge pool (tcp://HOST:PORT)"},
        {"cloud", FF_FOG_OPT_STR, c.cloud, sizeof c.cloud, 0, 0, "tcp://HOST:PORT", "cloud node reached directly over ZeroMQ"},
        {"cloud-paths", FF_FOG_OPT_INT, &c.cloud_paths, 0, 1, 2, "N",
         "connections to the cloud (default 2: the fogforge policy sends a twin over the second when the first loses frames)"},
        {"edge-zmq", FF_FOG_OPT_STR, c.edge_zmq, sizeof c.edge_zmq, 0, 0, "tcp://HOST:PORT",
         "reach the edge tier directly over ZeroMQ (an edge's --zmq-bind) instead of through the broker"},
        {"bundle", FF_FOG_OPT_STR, c.bundle, sizeof c.bundle, 0, 0, "NAME", "bundle to run (default jet-tagger)"},
        {"bundles", FF_FOG_OPT_STR, c.bundle_dir, sizeof c.bundle_dir, 0, 0, "DIR",
         "run locally through libfogforge from DIR/NAME[.tar] (default: the built-in MLP)"},
        {"results", FF_FOG_OPT_STR, results, sizeof results, 0, 0, "FILE",
         "write one line per completed task: INDEX TIER OUTPUTS... (INDEX = position in the stream)"},
        {"rate", FF_FOG_OPT_DOUBLE, &rate, 0, 0.001, 1e6, "HZ", "tasks per second (default 100)"},
        {"deadline", FF_FOG_OPT_DOUBLE, &c.deadline_ms, 0, 0.001, 3.6e6, "MS", "deadline of each task (default 50)"},
        {"policy", FF_FOG_OPT_STR, policy, sizeof policy, 0, 0, "P",
         "local|edge|cloud|random|round-robin|greedy|fogforge (default fogforge)"},
        {"count", FF_FOG_OPT_INT, &count, 0, 1, 100000000, "N", "tasks to send (default 100)"},
        {"closed-loop", FF_FOG_OPT_FLAG, &closed_loop, 0, 0, 0, NULL, "send each task when the previous one completed (ping-pong; --rate is ignored)"},
        {"duration-s", FF_FOG_OPT_DOUBLE, &duration_s, 0, 0, 86400, "S", "stop sending after S seconds even if --count is not reached (default 0: off)"},
        {"burst-period-s", FF_FOG_OPT_DOUBLE, &burst_period, 0, 0, 86400, "S", "bursty load: every S seconds (default 0: steady)"},
        {"burst-duty", FF_FOG_OPT_DOUBLE, &burst_duty, 0, 0, 1, "F", "share of each burst period at the burst rate (default 0.5)"},
        {"burst-factor", FF_FOG_OPT_DOUBLE, &burst_factor, 0, 0.01, 1000, "X", "rate multiplier during a burst (default 1)"},
        {"compute-us", FF_FOG_OPT_INT, &compute_us, 0, 0, 60000000, "US", "emulated device speed: a local inference takes at least US (default 0)"},
        {"latencies", FF_FOG_OPT_STR, lat_path, sizeof lat_path, 0, 0, "FILE", "write one line per completed task: latency_ms tier missed"},
        {"input", FF_FOG_OPT_STR, input, sizeof input, 0, 0, "FILE", "replay integer inputs from FILE (cycled)"},
        {"synthetic", FF_FOG_OPT_FLAG, &synthetic, 0, 0, 0, NULL, "generate a deterministic synthetic stream (default)"},
        {"imu", FF_FOG_OPT_FLAG, &imu, 0, 0, 0, NULL,
         "stream IMU windows of the collision workload (fog/imu.c, seeded by --seed): each task is one 0.5 s "
         "window's 24 features, quantized with the bundle's input scale; needs --bundles"},
        {"tasks", FF_FOG_OPT_STR, tasks_path, sizeof tasks_path, 0, 0, "FILE",
         "write one line per task: INDEX LABEL PREDICTED TIER NODE LATENCY_MS MISSED SUBMIT_S STATUS QUEUE_MS "
         "COMPUTE_MS (LABEL -1 without --imu; STATUS ok|rejected|expired|malformed|unknown_bundle|internal; "
         "QUEUE/COMPUTE as the answering node reported)"},
        {"publish-ms", FF_FOG_OPT_INT, &publish_ms, 0, 0, 3600000, "MS",
         "publish live stats on fogforge/v1/robot/<id>/stats every MS for `fogforge monitor` (default 0: off)"},
        {"probe-after", FF_FOG_OPT_INT, &c.probe_after, 0, 0, 100000000, "N",
         "fogforge policy: send a copy of a task to a remote tier left unused for N decisions, so a tier that "
         "missed in a bad spell can show it recovered (default 50; 0: never)"},
        {"local-queue", FF_FOG_OPT_INT, &local_queue, 0, 1, 1000000, "N",
         "local tasks waiting for the robot's CPU before new ones are rejected (default 64)"},
        {"id", FF_FOG_OPT_STR, c.robot_id, sizeof c.robot_id, 0, 0, "ROBOT", "robot id (default robot-<pid>)"},
        {"retry-ms", FF_FOG_OPT_DOUBLE, &c.retry_ms, 0, 0, 3.6e6, "MS", "resend an unanswered task after MS (default adaptive)"},
        {"grace-ms", FF_FOG_OPT_DOUBLE, &c.grace_ms, 0, 0, 3.6e6, "MS", "after its deadline a task is lost (default 1000)"},
        {"wait-ms", FF_FOG_OPT_DOUBLE, &wait_ms_d, 0, 0, 3.6e6, "MS", "wait for remote tiers (and the cloud's second connection) before starting (default 3000)"},
        {"seed", FF_FOG_OPT_INT, &seed, 0, 0, 2147483647, "N", "seed of the random policy and synthetic data"},
        {"stats-interval-ms", FF_FOG_OPT_INT, &stats_ms, 0, 0, 3600000, "MS", "live stats period, 0 = off (default 1000)"},
        {"username", FF_FOG_OPT_STR, c.username, sizeof c.username, 0, 0, "USER", "MQTT username"},
        {"password", FF_FOG_OPT_STR, c.password, sizeof c.password, 0, 0, "PASS", "MQTT password"},
        {"ca-file", FF_FOG_OPT_STR, c.ca_file, sizeof c.ca_file, 0, 0, "PEM", "TLS trust store"},
        {"cert", FF_FOG_OPT_STR, c.cert_file, sizeof c.cert_file, 0, 0, "PEM", "TLS client certificate"},
        {"key", FF_FOG_OPT_STR, c.key_file, sizeof c.key_file, 0, 0, "PEM", "TLS client key"},
        {"tls-insecure", FF_FOG_OPT_FLAG, &c.tls_insecure, 0, 0, 0, NULL, "do not verify the broker certificate"},
        {"no-nodelay", FF_FOG_OPT_FLAG, &no_nodelay, 0, 0, 0, NULL, "leave Nagle on (for benchmarks only)"},
        {"log-level", FF_FOG_OPT_STR, loglevel, sizeof loglevel, 0, 0, "L", "debug|info|warn|error|off (default info)"},
    };
    char err[FF_FOG_ERRLEN];
    int rc = ff_fog_opts_parse(opts, (int)(sizeof opts / sizeof opts[0]), argc, argv, "robot",
                           "--broker URL --bundle NAME --rate HZ --deadline MS [--policy P] [--count N] "
                           "[--input FILE|--synthetic]",
                           err);
    if (rc == 1) return 0;
    if (rc) return ff_daemon_fail(rc, err);
    if (ff_sched_policy_parse(policy, &c.policy)) {
        snprintf(err, sizeof err, "unknown policy: %s", policy);
        return ff_daemon_fail(FF_FOG_EINPUT, err);
    }
    int lvl;
    if (ff_fog_log_parse_level(loglevel, &lvl)) {
        snprintf(err, sizeof err, "bad log level: %s", loglevel);
        return ff_daemon_fail(FF_FOG_EINPUT, err);
    }
    if ((input[0] != 0) + synthetic + imu > 1) return ff_daemon_fail(FF_FOG_EINPUT, "choose one of --input FILE, --synthetic and --imu");
    if (publish_ms && !c.broker[0]) return ff_daemon_fail(FF_FOG_EINPUT, "--publish-ms needs --broker URL");
    if ((c.policy == FF_POLICY_EDGE && !c.broker[0] && !c.edge_zmq[0]) || (c.policy == FF_POLICY_CLOUD && !c.cloud[0])) {
        snprintf(err, sizeof err, "policy %s needs %s", policy,
                 c.policy == FF_POLICY_EDGE ? "--broker URL or --edge-zmq tcp://HOST:PORT" : "--cloud tcp://HOST:PORT");
        return ff_daemon_fail(FF_FOG_EINPUT, err);
    }
    ff_fog_log_set_level(lvl);
    c.nodelay = !no_nodelay;
    c.seed = (uint64_t)seed + 1;
    c.local_queue = local_queue;
    /* --compute-us models the robot's CPU speed (a microcontroller-class
     * device); the bundle still computes the real answer */
    c.local_ops = ff_exec_emul_ops(c.bundle_dir[0] ? &ff_exec_bundle_ops : NULL, (uint64_t)compute_us);
    struct run u;
    memset(&u, 0, sizeof u);
    struct imu_src msrc;
    memset(&msrc, 0, sizeof msrc);
    ff_robot *r = NULL;
    int32_t *inputs = NULL, *in = NULL;
    int exit_code = 0;
    const char *paths[3] = {lat_path, results, tasks_path};
    FILE **files[3] = {&u.latf, &u.rf, &u.tf};
    for (int i = 0; i < 3; i++)
        if (paths[i][0] && !(*files[i] = fopen(paths[i], "w"))) {
            snprintf(err, sizeof err, "cannot write %.200s: %s", paths[i], strerror(errno));
            exit_code = ff_daemon_fail(FF_FOG_EINPUT, err);
            goto out;
        }
    if ((rc = ff_robot_open(&r, &c, err))) {
        exit_code = ff_daemon_fail(rc, err);
        goto out;
    }
    size_t n_in = ff_robot_n_in(r);
    size_t n_vec = 0;
    if (input[0] && (rc = read_inputs(input, n_in, &inputs, &n_vec, err))) {
        exit_code = ff_daemon_fail(rc, err);
        goto out;
    }
    if (imu && (rc = imu_open(&msrc, c.bundle_dir, c.bundle, n_in, seed, err))) {
        exit_code = ff_daemon_fail(rc, err);
        goto out;
    }
    if (!(in = calloc(n_in, sizeof *in))) {
        exit_code = ff_daemon_fail(FF_FOG_ENOMEM, "out of memory");
        goto out;
    }
    ff_daemon_signals_install();
    if (!ff_robot_wait_ready(r, (int)wait_ms_d))
        ff_fog_log(FF_FOG_LOG_WARN, c.robot_id, "tiers_not_ready", "waited_ms=%g (scheduling with what is up)", wait_ms_d);
    ff_robot_log_local(r);
    ff_fog_log(FF_FOG_LOG_INFO, c.robot_id, "robot_start", "policy=%s rate=%g deadline_ms=%g count=%d stream=%s", policy, rate,
           c.deadline_ms, count, imu ? "imu" : inputs ? "input" : "synthetic");
    uint64_t period = (uint64_t)(1e9 / rate);
    uint64_t start_ns = ff_fog_mono_ns();
    uint64_t next = start_ns, next_stats = next + (uint64_t)stats_ms * 1000000u;
    uint64_t next_pub = next + (uint64_t)publish_ms * 1000000u;
    ff_robot_completion done;
    int sent = 0;
    while (sent < count && !ff_daemon_stop) {
        uint64_t now = ff_fog_mono_ns();
        if (duration_s > 0 && now - start_ns >= (uint64_t)(duration_s * 1e9)) break;
        if (closed_loop && ff_robot_poll_us(r, 0) > 0) {
            ff_robot_poll_us(r, 10000);
        } else if (closed_loop || now >= next) {
            int label = -1;
            if (imu) {
                label = imu_next(&msrc, in);
            } else if (inputs) {
                memcpy(in, inputs + (size_t)(sent % (int)n_vec) * n_in, n_in * sizeof *in);
            } else {
                for (size_t i = 0; i < n_in; i++) in[i] = (int32_t)(((uint32_t)sent * 31u + (uint32_t)i * 17u + (uint32_t)seed) % 200u) - 100;
            }
            uint64_t tid = 0;
            if ((rc = ff_robot_submit(r, in, n_in, &tid, err))) {
                ff_fog_log(FF_FOG_LOG_WARN, c.robot_id, "submit_failed", "error=\"%s\"", err);
                ff_robot_poll(r, 1);
                continue;
            }
            if (!sent) u.first_id = tid; /* ids are consecutive per submit */
            if (remember_label(&u, label)) {
                exit_code = ff_daemon_fail(FF_FOG_ENOMEM, "out of memory");
                break;
            }
            sent++;
            if (burst_period > 0) {
                double ph = fmod((double)(next - start_ns) / 1e9, burst_period);
                next += ph < burst_duty * burst_period ? (uint64_t)((double)period / burst_factor) : period;
            } else {
                next += period;
            }
            if (now > next + 1000000000ull) next = now; /* fell far behind: do not burst */
        } else {
            /* ZeroMQ replies are timed when this thread reads them: it
             * blocks on the socket until the next send (at most 5 ms, so
             * retries and rescues are looked at often) */
            uint64_t wait = next - now;
            ff_robot_poll_us(r, wait > 5000000u ? 5000 : (int64_t)(wait / 1000u));
        }
        while (ff_robot_next(r, &done)) record(&u, &done, publish_ms > 0);
        if (stats_ms && ff_fog_mono_ns() >= next_stats) {
            ff_fog_log(FF_FOG_LOG_INFO, c.robot_id, "stats", "sent=%d completed=%llu missed=%llu", sent,
                   (unsigned long long)u.done, (unsigned long long)u.missed);
            next_stats += (uint64_t)stats_ms * 1000000u;
        }
        if (publish_ms && ff_fog_mono_ns() >= next_pub) {
            publish_stats(r, &u, c.robot_id, sent);
            next_pub += (uint64_t)publish_ms * 1000000u;
        }
    }
    /* drain: every task either completes or is declared lost after its grace */
    uint64_t drain_end = ff_fog_mono_ns() + (uint64_t)((c.deadline_ms + c.grace_ms) * 1e6) + 500000000ull;
    while (ff_robot_poll(r, 0) > 0 && !ff_daemon_stop && ff_fog_mono_ns() < drain_end) {
        while (ff_robot_next(r, &done)) record(&u, &done, publish_ms > 0);
        if (publish_ms && ff_fog_mono_ns() >= next_pub) {
            publish_stats(r, &u, c.robot_id, sent);
            next_pub += (uint64_t)publish_ms * 1000000u;
        }
        sleep_ns(50000u);
    }
    while (ff_robot_next(r, &done)) record(&u, &done, publish_ms > 0);
    if (publish_ms) publish_stats(r, &u, c.robot_id, sent);
    if (imu && u.judged)
        ff_fog_log(FF_FOG_LOG_INFO, c.robot_id, "imu_accuracy", "windows=%llu correct=%llu accuracy=%.4f",
                   (unsigned long long)u.judged, (unsigned long long)u.correct, (double)u.correct / (double)u.judged);
    char *js = malloc(8192);
    if (js && ff_robot_summary_json(r, js, 8192) == FF_FOG_OK) printf("%s\n", js);
    fflush(stdout);
    free(js);
    ff_daemon_signals_restore();
out:
    for (int i = 0; i < 3; i++)
        if (*files[i]) fclose(*files[i]);
    free(in);
    free(inputs);
    free(u.labels);
    free(u.pub);
    if (msrc.b) ff_bundle_close(msrc.b);
    ff_robot_close(r);
    return exit_code;
}
