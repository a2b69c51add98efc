/* Raw transport floors for scripts/bench_fog.sh, measured with the same
 * transport code the daemons use but no codec, scheduler or compute:
 *   fogbench mqtt URI N [nodelay 0|1]  QoS 1 request/response through the broker
 *   fogbench zmq N [HZ [2]]            DEALER/ROUTER round trip on loopback tcp, back to back
 *                                      (HZ 0) or paced at HZ (as the robot sends); 2: the
 *                                      echo side in a second process
 *   fogbench burst URI N               one publisher, one subscriber: QoS 1 messages/s
 *   fogbench pipeline URI N            QoS 1 request/response throughput, two echo processes
 * Prints one JSON object: {"what":..,"n":..,"p50_ms":..,"p99_ms":..,"max_ms":..}. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "fog_log.h"
#include "fog_mqtt.h"
#include "fog_zmq.h"

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmpd);
    printf("{\"what\":\"%s\",\"n\":%d,\"p50_ms\":%.4f,\"p99_ms\":%.4f,\"max_ms\":%.4f}\n", what, n, v[n / 2],
           v[(int)(0.99 * (n - 1))], v[n - 1]);
}

static ff_mqtt *server;
static volatile int replies;

static void echo(void *u, const char *t, const uint8_t *p, size_t l, const ff_mqtt_props *pr)
{
    if (pr->response_topic) {
        ff_mqtt_props rp = {NULL, pr->corr, pr->corr_len, 0, 0};
        ff_mqtt_publish(server, pr->response_topic, p, l, 1, 0, &rp, NULL);
    }
}

static void got(void *u, const char *t, const uint8_t *p, size_t l, const ff_mqtt_props *pr)
{
    __atomic_add_fetch(&replies, 1, __ATOMIC_RELEASE);
}

static int mqtt_floor(const char *uri, int n, int nodelay)
{
    ff_mqtt_cfg c;
    char err[FF_FOG_ERRLEN];
    ff_mqtt_cfg_init(&c);
    snprintf(c.uri, sizeof c.uri, "%s", uri);
    c.nodelay = nodelay;
    snprintf(c.client_id, sizeof c.client_id, "bench-srv-%d", (int)getpid());
    if (ff_mqtt_open(&server, &c, echo, NULL, NULL, err)) return fprintf(stderr, "fogbench: %s\n", err), 1;
    ff_mqtt *cli;
    snprintf(c.client_id, sizeof c.client_id, "bench-cli-%d", (int)getpid());
    if (ff_mqtt_open(&cli, &c, got, NULL, NULL, err)) return fprintf(stderr, "fogbench: %s\n", err), 1;
    ff_mqtt_subscribe(server, "fogforge/v1/bench/req", 1, err);
    ff_mqtt_subscribe(cli, "fogforge/v1/bench/rep", 1, err);
    double *v = calloc((size_t)n, sizeof *v);
    uint8_t payload[96] = {0};
    for (int i = 0; i < n + 20; i++) {
        int before = __atomic_load_n(&replies, __ATOMIC_ACQUIRE);
        ff_mqtt_props p = {"fogforge/v1/bench/rep", (const uint8_t *)&i, sizeof i, 0, 0};
        uint64_t t0 = ff_fog_mono_ns();
        ff_mqtt_publish(cli, "fogforge/v1/bench/req", payload, sizeof payload, 1, 0, &p, NULL);
        while (__atomic_load_n(&replies, __ATOMIC_ACQUIRE) == before && ff_fog_mono_ns() - t0 < 2000000000ull) {}
        if (i >= 20) v[i - 20] = (double)(ff_fog_mono_ns() - t0) / 1e6; /* first 20: warm-up */
    }
    report(nodelay ? "mqtt_qos1_floor" : "mqtt_qos1_floor_without_nodelay", v, n);
    free(v);
    ff_mqtt_close(cli);
    ff_mqtt_close(server);
    return 0;
}

static volatile int arrived;
static void count_msg(void *u, const char *t, const uint8_t *p, size_t l, const ff_mqtt_props *pr)
{
    __atomic_add_fetch(&arrived, 1, __ATOMIC_RELEASE);
}

/* One client publishes n QoS 1 messages back to back; another counts them. */
static int mqtt_burst(const char *uri, int n)
{
    ff_mqtt_cfg c;
    char err[FF_FOG_ERRLEN];
    ff_mqtt_cfg_init(&c);
    snprintf(c.uri, sizeof c.uri, "%s", uri);
    ff_mqtt *sub, *pub;
    snprintf(c.client_id, sizeof c.client_id, "burst-sub-%d", (int)getpid());
    if (ff_mqtt_open(&sub, &c, count_msg, NULL, NULL, err)) return fprintf(stderr, "fogbench: %s\n", err), 1;
    snprintf(c.client_id, sizeof c.client_id, "burst-pub-%d", (int)getpid());
    if (ff_mqtt_open(&pub, &c, NULL, NULL, NULL, err)) return fprintf(stderr, "fogbench: %s\n", err), 1;
    ff_mqtt_subscribe(sub, "fogforge/v1/bench/burst", 1, err);
    uint8_t payload[96] = {0};
    uint64_t t0 = ff_fog_mono_ns();
    int failed = 0;
    for (int i = 0; i < n; i++)
        if (ff_mqtt_publish(pub, "fogforge/v1/bench/burst", payload, sizeof payload, 1, 0, NULL, NULL)) failed++;
    uint64_t t1 = ff_fog_mono_ns();
    while (__atomic_load_n(&arrived, __ATOMIC_ACQUIRE) < n - failed && ff_fog_mono_ns() - t0 < 30000000000ull) usleep(100);
    uint64_t t2 = ff_fog_mono_ns();
    printf("{\"what\":\"mqtt_qos1_burst\",\"n\":%d,\"publish_failed\":%d,\"arrived\":%d,\"enqueue_s\":%.4f,\"all_arrived_s\":%.4f,\"msgs_per_s\":%.0f}\n",
           n, failed, arrived, (double)(t1 - t0) / 1e9, (double)(t2 - t0) / 1e9, (double)arrived / ((double)(t2 - t0) / 1e9));
    ff_mqtt_close(pub);
    ff_mqtt_close(sub);
    return 0;
}

/* Request/response throughput floor through the broker: two echo
 * processes share the request topic ($share), one requester publishes n
 * QoS 1 requests (Response Topic + Correlation Data, like fogforge's
 * tasks) as fast as the transport takes them and counts the QoS 1 replies. */
static volatile int echo_stop;
static void on_term(int sig) { echo_stop = 1; }

static int echo_process(const char *uri, int idx, int ready_fd)
{
    ff_mqtt_cfg c;
    char err[FF_FOG_ERRLEN];
    ff_mqtt_cfg_init(&c);
    snprintf(c.uri, sizeof c.uri, "%s", uri);
    snprintf(c.client_id, sizeof c.client_id, "bench-echo%d-%d", idx, (int)getpid());
    if (ff_mqtt_open(&server, &c, echo, NULL, NULL, err)) return fprintf(stderr, "fogbench: %s\n", err), 1;
    ff_mqtt_subscribe(server, "$share/bench/fogforge/v1/bench/preq", 1, err);
    signal(SIGTERM, on_term);
    if (write(ready_fd, "r", 1) != 1) return 1;
    while (!echo_stop) usleep(10000);
    ff_mqtt_close(server);
    return 0;
}

static int mqtt_pipeline(const char *uri, int n)
{
    int fds[2];
    pid_t kids[2];
    if (pipe(fds)) return 1;
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        if (kids[k] == 0) _exit(echo_process(uri, k, fds[1]));
    }
    char b;
    for (int k = 0; k < 2; k++)
        if (read(fds[0], &b, 1) != 1) return fprintf(stderr, "fogbench: echo process failed\n"), 1;
    ff_mqtt_cfg c;
    char err[FF_FOG_ERRLEN];
    ff_mqtt_cfg_init(&c);
    snprintf(c.uri, sizeof c.uri, "%s", uri);
    snprintf(c.client_id, sizeof c.client_id, "bench-req-%d", (int)getpid());
    ff_mqtt *cli;
    if (ff_mqtt_open(&cli, &c, got, NULL, NULL, err)) return fprintf(stderr, "fogbench: %s\n", err), 1;
    ff_mqtt_subscribe(cli, "fogforge/v1/bench/prep", 1, err);
    uint8_t payload[96] = {0};
    uint64_t t0 = ff_fog_mono_ns();
    for (int i = 0; i < n; i++) {
        ff_mqtt_props p = {"fogforge/v1/bench/prep", (const uint8_t *)&i, sizeof i, 10, 1};
        ff_mqtt_publish(cli, "fogforge/v1/bench/preq", payload, sizeof payload, 1, 0, &p, NULL);
    }
    while (__atomic_load_n(&replies, __ATOMIC_ACQUIRE) < n && ff_fog_mono_ns() - t0 < 60000000000ull) usleep(100);
    uint64_t t1 = ff_fog_mono_ns();
    int got_n = __atomic_load_n(&replies, __ATOMIC_ACQUIRE);
    printf("{\"what\":\"mqtt_qos1_request_response_throughput_floor\",\"responders\":2,\"n\":%d,\"replies\":%d,\"s\":%.4f,"
           "\"per_s\":%.0f}\n", n, got_n, (double)(t1 - t0) / 1e9, (double)got_n / ((double)(t1 - t0) / 1e9));
    ff_mqtt_close(cli);
    for (int k = 0; k < 2; k++) kill(kids[k], SIGTERM);
    for (int k = 0; k < 2; k++) waitpid(kids[k], NULL, 0);
    close(fds[0]);
    close(fds[1]);
    return 0;
}

static void *router_echo(void *arg)
{
    ff_zmq_server *s = arg;
    for (;;) {
        ff_zmq_peer p;
        uint8_t *b;
        size_t l;
        if (ff_zmq_server_recv(s, &p, &b, &l, 1000, NULL)) return NULL;
        int stop = l == 4 && !memcmp(b, "stop", 4);
        ff_zmq_server_send(s, &p, b, l, NULL);
        free(b);
        if (stop) return NULL;
    }
}

/* The echo side of the ZeroMQ floor in its own process and zmq context (as
 * a cloud node is): binds, reports its endpoint on fd, echoes until "stop". */
static int zmq_echo_process(int fd)
{
    void *z = zmq_ctx_new();
    ff_zmq_cfg cfg;
    ff_zmq_cfg_init(&cfg);
    ff_zmq_server *s;
    char err[FF_FOG_ERRLEN];
    if (ff_zmq_server_open(&s, z, "tcp://127.0.0.1:*", &cfg, err)) return fprintf(stderr, "fogbench: %s\n", err), 1;
    char ep[256];
    snprintf(ep, sizeof ep, "%s", ff_zmq_server_endpoint(s));
    if (write(fd, ep, sizeof ep) != (ssize_t)sizeof ep) return 1;
    router_echo(s);
    ff_zmq_server_close(s);
    zmq_ctx_term(z);
    return 0;
}

/* rate_hz > 0: one request per period, like a robot's sensor stream (the
 * threads on both sides go idle between requests); 0: back to back.
 * two_proc: the echo ROUTER runs in a child process with its own context
 * (and I/O thread), as robot and cloud do; else both ends share one. */
static int zmq_floor(int n, double rate_hz, int two_proc)
{
    void *z = zmq_ctx_new();
    ff_zmq_cfg cfg;
    ff_zmq_cfg_init(&cfg);
    ff_zmq_server *s = NULL;
    ff_zmq_client *c;
    char err[FF_FOG_ERRLEN], ep[256];
    pid_t kid = -1;
    if (two_proc) {
        int fds[2];
        if (pipe(fds)) return 1;
        kid = fork();
        if (kid == 0) _exit(zmq_echo_process(fds[1]));
        if (read(fds[0], ep, sizeof ep) != (ssize_t)sizeof ep) return fprintf(stderr, "fogbench: echo process failed\n"), 1;
        close(fds[0]);
        close(fds[1]);
    } else {
        if (ff_zmq_server_open(&s, z, "tcp://127.0.0.1:*", &cfg, err)) return fprintf(stderr, "fogbench: %s\n", err), 1;
        snprintf(ep, sizeof ep, "%s", ff_zmq_server_endpoint(s));
    }
    if (ff_zmq_client_open(&c, z, ep, &cfg, err)) return fprintf(stderr, "fogbench: %s\n", err), 1;
    for (int i = 0; i < 2000 && !ff_zmq_client_connected(c); i++) usleep(1000);
    pthread_t th;
    if (s) pthread_create(&th, NULL, router_echo, s);
    double *v = calloc((size_t)n, sizeof *v);
    uint8_t payload[96] = {0};
    uint64_t period = rate_hz > 0 ? (uint64_t)(1e9 / rate_hz) : 0, next = ff_fog_mono_ns();
    for (int i = 0; i < n + 20; i++) {
        if (period) {
            uint64_t now = ff_fog_mono_ns();
            if (now < next) {
                struct timespec ts = {0, (long)(next - now)};
                nanosleep(&ts, NULL);
            }
            next += period;
        }
        uint64_t t0 = ff_fog_mono_ns();
        ff_zmq_client_send(c, payload, sizeof payload, NULL);
        uint8_t *b;
        size_t l;
        if (ff_zmq_client_recv(c, &b, &l, 2000, NULL) == 0) free(b);
        if (i >= 20) v[i - 20] = (double)(ff_fog_mono_ns() - t0) / 1e6;
    }
    ff_zmq_client_send(c, (const uint8_t *)"stop", 4, NULL);
    if (s) pthread_join(th, NULL);
    if (kid > 0) waitpid(kid, NULL, 0);
    char what[96];
    snprintf(what, sizeof what, "zmq_dealer_router_floor%s%s", two_proc ? "_two_processes" : "", period ? "_paced" : "");
    report(what, v, n);
    free(v);
    ff_zmq_client_close(c);
    ff_zmq_server_close(s);
    zmq_ctx_term(z);
    return 0;
}

int main(int argc, char **argv)
{
    ff_fog_log_set_level(FF_FOG_LOG_WARN);
    if (argc >= 4 && !strcmp(argv[1], "mqtt")) return mqtt_floor(argv[2], atoi(argv[3]), argc >= 5 ? atoi(argv[4]) : 1);
    if (argc >= 4 && !strcmp(argv[1], "burst")) return mqtt_burst(argv[2], atoi(argv[3]));
    if (argc >= 3 && !strcmp(argv[1], "zmq")) return zmq_floor(atoi(argv[2]), argc >= 4 ? atof(argv[3]) : 0, argc >= 5 && !strcmp(argv[4], "2"));
    if (argc >= 4 && !strcmp(argv[1], "pipeline")) return mqtt_pipeline(argv[2], atoi(argv[3]));
    fprintf(stderr, "usage: fogbench mqtt URI N [nodelay] | zmq N | burst URI N | pipeline URI N\n");
    return 2;
}
