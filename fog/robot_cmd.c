/* `fogforge robot`: a device agent driving fog/robot.h from the command
 * line. Generates (or replays) a sensor stream at a fixed rate, prints live
 * stats as log lines on stderr and one JSON summary on stdout at the end. */
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
    int rc = FF_FOG_OK;
    while (v && fscanf(f, "%ld", &x) == 1) {
        if (x < INT32_MIN || x > INT32_MAX || n >= MAX_INPUT_VALUES) {
            rc = ff_fog_fail(err, FF_FOG_EINPUT, "input value out of range or file too large: %s", path);
            break;
        }
        if (n == cap) {
            int32_t *nv = realloc(v, 2 * cap * sizeof *v);
            if (!nv) break;
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

int ff_cmd_robot(int argc, char **argv)
{
    ff_robot_cfg c;
    ff_robot_cfg_init(&c);
    char policy[32] = "fogforge", input[512] = "", loglevel[16] = "info", results[512] = "";
    double rate = 100, wait_ms_d = 3000;
    char lat_path[512] = "";
    double burst_period = 0, burst_duty = 0.5, burst_factor = 1, duration_s = 0;
    int compute_us = 0;
    int count = 100, synthetic = 0, stats_ms = 1000, no_nodelay = 0, seed = 1, closed_loop = 0;
    const ff_fog_opt opts[] = {
        {"broker", FF_FOG_OPT_STR, c.broker, sizeof c.broker, 0, 0, "URL", "MQTT broker of the edge pool (tcp://HOST:PORT)"},
        {"cloud", FF_FOG_OPT_STR, c.cloud, sizeof c.cloud, 0, 0, "tcp://HOST:PORT", "cloud node reached directly over ZeroMQ"},
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
        {"id", FF_FOG_OPT_STR, c.robot_id, sizeof c.robot_id, 0, 0, "ROBOT", "robot id (default robot-<pid>)"},
        {"retry-ms", FF_FOG_OPT_DOUBLE, &c.retry_ms, 0, 0, 3.6e6, "MS", "resend an unanswered task after MS (default adaptive)"},
        {"grace-ms", FF_FOG_OPT_DOUBLE, &c.grace_ms, 0, 0, 3.6e6, "MS", "after its deadline a task is lost (default 1000)"},
        {"wait-ms", FF_FOG_OPT_DOUBLE, &wait_ms_d, 0, 0, 3.6e6, "MS", "wait for remote tiers before starting (default 3000)"},
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
    if (input[0] && synthetic) return ff_daemon_fail(FF_FOG_EINPUT, "choose one of --input FILE and --synthetic");
    if ((c.policy == FF_POLICY_EDGE && !c.broker[0] && !c.edge_zmq[0]) || (c.policy == FF_POLICY_CLOUD && !c.cloud[0])) {
        snprintf(err, sizeof err, "policy %s needs %s", policy,
                 c.policy == FF_POLICY_EDGE ? "--broker URL or --edge-zmq tcp://HOST:PORT" : "--cloud tcp://HOST:PORT");
        return ff_daemon_fail(FF_FOG_EINPUT, err);
    }
    ff_fog_log_set_level(lvl);
    c.nodelay = !no_nodelay;
    c.seed = (uint64_t)seed + 1;
    c.local_ops = ff_exec_emul_ops(c.bundle_dir[0] ? &ff_exec_bundle_ops : NULL, (uint64_t)compute_us);
    FILE *latf = NULL;
    if (lat_path[0] && !(latf = fopen(lat_path, "w"))) {
        snprintf(err, sizeof err, "cannot write latencies: %.200s", lat_path);
        return ff_daemon_fail(FF_FOG_EINPUT, err);
    }
    ff_robot *r;
    if ((rc = ff_robot_open(&r, &c, err))) {
        if (latf) fclose(latf);
        return ff_daemon_fail(rc, err);
    }
    size_t n_in = ff_robot_n_in(r);
    int32_t *inputs = NULL;
    size_t n_vec = 0;
    if (input[0] && (rc = read_inputs(input, n_in, &inputs, &n_vec, err))) {
        if (latf) fclose(latf);
        ff_robot_close(r);
        return ff_daemon_fail(rc, err);
    }
    FILE *rf = NULL;
    if (results[0] && !(rf = fopen(results, "w"))) {
        snprintf(err, sizeof err, "cannot write %.200s: %s", results, strerror(errno));
        if (latf) fclose(latf);
        free(inputs);
        ff_robot_close(r);
        return ff_daemon_fail(FF_FOG_EINPUT, err);
    }
    ff_daemon_signals_install();
    if (!ff_robot_wait_ready(r, (int)wait_ms_d))
        ff_fog_log(FF_FOG_LOG_WARN, c.robot_id, "tiers_not_ready", "waited_ms=%g (scheduling with what is up)", wait_ms_d);
    ff_robot_log_local(r);
    ff_fog_log(FF_FOG_LOG_INFO, c.robot_id, "robot_start", "policy=%s rate=%g deadline_ms=%g count=%d", policy, rate,
           c.deadline_ms, count);
    uint64_t period = (uint64_t)(1e9 / rate);
    uint64_t start_ns = ff_fog_mono_ns();
    uint64_t next = ff_fog_mono_ns(), next_stats = next + (uint64_t)stats_ms * 1000000u;
    int32_t *in = calloc(n_in, sizeof *in);
    if (!in) {
        if (latf) fclose(latf);
        if (rf) fclose(rf);
        free(inputs);
        ff_robot_close(r);
        return ff_daemon_fail(FF_FOG_ENOMEM, "out of memory");
    }
    uint64_t first_id = 0;
    ff_robot_completion done;
    uint64_t live_done = 0, live_missed = 0;
    int sent = 0;
    while (sent < count && !ff_daemon_stop) {
        uint64_t now = ff_fog_mono_ns();
        if (duration_s > 0 && now - start_ns >= (uint64_t)(duration_s * 1e9)) break;
        if (closed_loop && ff_robot_poll_us(r, 0) > 0) {
            ff_robot_poll_us(r, 10000);
        } else if (closed_loop || now >= next) {
            if (inputs) {
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
            if (!sent) first_id = tid; /* ids are consecutive per submit */
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
             * blocks on the socket until the next send (at most 10 ms) */
            uint64_t wait = next - now;
            ff_robot_poll_us(r, wait > 10000000u ? 10000 : (int64_t)(wait / 1000u));
        }
        while (ff_robot_next(r, &done)) {
            if (latf) fprintf(latf, "%.4f %d %d\n", done.latency_ms, done.tier, done.missed);
            write_result(rf, &done, first_id);
            live_done++;
            live_missed += (uint64_t)done.missed;
        }
        if (stats_ms && ff_fog_mono_ns() >= next_stats) {
            ff_fog_log(FF_FOG_LOG_INFO, c.robot_id, "stats", "sent=%d completed=%llu missed=%llu", sent,
                   (unsigned long long)live_done, (unsigned long long)live_missed);
            next_stats += (uint64_t)stats_ms * 1000000u;
        }
    }
    /* drain: every task either completes or is declared lost after its grace */
    uint64_t drain_end = ff_fog_mono_ns() + (uint64_t)((c.deadline_ms + c.grace_ms) * 1e6) + 500000000ull;
    while (ff_robot_poll(r, 0) > 0 && !ff_daemon_stop && ff_fog_mono_ns() < drain_end) {
        while (ff_robot_next(r, &done)) {
            if (latf) fprintf(latf, "%.4f %d %d\n", done.latency_ms, done.tier, done.missed);
            write_result(rf, &done, first_id);
        }
        sleep_ns(50000u);
    }
    while (ff_robot_next(r, &done)) {
        if (latf) fprintf(latf, "%.4f %d %d\n", done.latency_ms, done.tier, done.missed);
        write_result(rf, &done, first_id);
    }
    if (latf) fclose(latf);
    if (rf) fclose(rf);
    free(in);
    char *js = malloc(8192);
    if (js && ff_robot_summary_json(r, js, 8192) == FF_FOG_OK) printf("%s\n", js);
    fflush(stdout);
    free(js);
    ff_robot_close(r);
    ff_daemon_signals_restore();
    free(inputs);
    return 0;
}
