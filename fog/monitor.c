/* `fogforge monitor`: a live one-screen view of a running fleet. Reads the
 * robots' periodic statistics (fogforge/v1/robot/<id>/stats, published with
 * `fogforge robot --publish-ms`) and the nodes' retained status topics
 * (their Last Will turns them "offline"), probes the cloud node's ZeroMQ
 * endpoint, and redraws per tier: tasks/s, p50/p99 latency and misses over
 * a sliding window, plus which nodes are up. On a terminal it redraws in
 * place with plain ANSI; otherwise it prints one line per refresh. */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "fog_cmds.h"
#include "fog_daemon.h"
#include "fog_log.h"
#include "fog_mqtt.h"
#include "fog_msg.h"
#include "fog_opts.h"
#include "fog_zmq.h"

#define MON_NODES 32
#define MON_ROBOTS 256
#define SAMPLE_CAP (1u << 18)

struct sample {
    uint64_t t_ns;   /* when the monitor received it */
    float ms;
    uint8_t tier;
};

struct mnode {
    char id[FF_MSG_MAX_ID + 1];
    int online;
    unsigned queue;
    uint64_t executed;
};

struct mrobot {
    char id[FF_MSG_MAX_ID + 1];
    unsigned long long sent, completed, missed;
};

/* per message: counts and misses per tier, and failed tasks */
struct period {
    uint64_t t_ns;
    unsigned count[FF_TIER_COUNT], misses[FF_TIER_COUNT], failed;
};

struct mon {
    pthread_mutex_t mu;
    struct sample *s;
    size_t head, n;          /* ring of the last SAMPLE_CAP latencies */
    struct period *p;
    size_t phead, pn, pcap;
    struct mnode nodes[MON_NODES];
    int n_nodes;
    struct mrobot robots[MON_ROBOTS];
    int n_robots;
    unsigned long long tot_count[FF_TIER_COUNT], tot_miss[FF_TIER_COUNT], tot_failed;
};

static struct mnode *find_node(struct mon *m, const char *id)
{
    for (int i = 0; i < m->n_nodes; i++)
        if (!strcmp(m->nodes[i].id, id)) return &m->nodes[i];
    if (m->n_nodes == MON_NODES) return NULL;
    struct mnode *n = &m->nodes[m->n_nodes++];
    memset(n, 0, sizeof *n);
    snprintf(n->id, sizeof n->id, "%s", id);
    return n;
}

static struct mrobot *find_robot(struct mon *m, const char *id)
{
    for (int i = 0; i < m->n_robots; i++)
        if (!strcmp(m->robots[i].id, id)) return &m->robots[i];
    if (m->n_robots == MON_ROBOTS) return NULL;
    struct mrobot *r = &m->robots[m->n_robots++];
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "%s", id);
    return r;
}

static unsigned json_uint(const cJSON *o, const char *k)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(x) && x->valuedouble >= 0 ? (unsigned)x->valuedouble : 0;
}

static void on_robot_stats(struct mon *m, const cJSON *js, uint64_t now)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(js, "robot");
    const cJSON *count = cJSON_GetObjectItemCaseSensitive(js, "count");
    const cJSON *miss = cJSON_GetObjectItemCaseSensitive(js, "misses");
    const cJSON *lat = cJSON_GetObjectItemCaseSensitive(js, "lat");
    if (!cJSON_IsString(id) || !cJSON_IsArray(count) || !cJSON_IsArray(miss) || !cJSON_IsArray(lat)) return;
    struct mrobot *r = find_robot(m, id->valuestring);
    if (r) {
        r->sent = json_uint(js, "sent");
        r->completed = json_uint(js, "completed");
        r->missed = json_uint(js, "missed");
    }
    if (m->pn == m->pcap) { /* drop the oldest */
        m->phead = (m->phead + 1) % m->pcap;
        m->pn--;
    }
    struct period *p = &m->p[(m->phead + m->pn++) % m->pcap];
    memset(p, 0, sizeof *p);
    p->t_ns = now;
    for (int t = 0; t < FF_TIER_COUNT; t++) {
        const cJSON *c = cJSON_GetArrayItem(count, t), *x = cJSON_GetArrayItem(miss, t);
        p->count[t] = cJSON_IsNumber(c) && c->valuedouble >= 0 ? (unsigned)c->valuedouble : 0;
        p->misses[t] = cJSON_IsNumber(x) && x->valuedouble >= 0 ? (unsigned)x->valuedouble : 0;
        m->tot_count[t] += p->count[t];
        m->tot_miss[t] += p->misses[t];
    }
    p->failed = json_uint(js, "failed");
    m->tot_failed += p->failed;
    const cJSON *it = lat->child;
    while (it && it->next) {
        const cJSON *tier = it->next;
        if (cJSON_IsNumber(it) && cJSON_IsNumber(tier) && tier->valuedouble >= 0 && tier->valuedouble < FF_TIER_COUNT) {
            struct sample *s = &m->s[(m->head + m->n) % SAMPLE_CAP];
            if (m->n == SAMPLE_CAP) m->head = (m->head + 1) % SAMPLE_CAP;
            else m->n++;
            s->t_ns = now;
            s->ms = (float)it->valuedouble;
            s->tier = (uint8_t)tier->valuedouble;
        }
        it = tier->next;
    }
}

static void mon_on_msg(void *user, const char *topic, const uint8_t *payload, size_t len, const ff_mqtt_props *props)
{
    struct mon *m = user;
    (void)props;
    if (len > (1u << 20)) return;
    cJSON *js = cJSON_ParseWithLength((const char *)payload, len);
    if (!js) return;
    uint64_t now = ff_fog_mono_ns();
    pthread_mutex_lock(&m->mu);
    if (!strncmp(topic, "fogforge/v1/robot/", 18)) {
        on_robot_stats(m, js, now);
    } else if (!strncmp(topic, "fogforge/v1/node/", 17)) {
        const cJSON *node = cJSON_GetObjectItemCaseSensitive(js, "node");
        const cJSON *state = cJSON_GetObjectItemCaseSensitive(js, "state");
        struct mnode *n = cJSON_IsString(node) && cJSON_IsString(state) ? find_node(m, node->valuestring) : NULL;
        if (n) {
            n->online = !strcmp(state->valuestring, "online");
            n->queue = json_uint(js, "queue");
            n->executed = json_uint(js, "executed");
        }
    }
    pthread_mutex_unlock(&m->mu);
    cJSON_Delete(js);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

static double pct(const float *v, size_t n, double q)
{
    if (!n) return 0;
    size_t k = (size_t)(q * (double)n + 0.999999);
    if (k < 1) k = 1;
    if (k > n) k = n;
    return v[k - 1];
}

/* Renders the window ending now into buf (lines); tty: with a header. */
static void render(struct mon *m, char *buf, size_t cap, double t_s, double window_s, int cloud_state, const char *cloud_id,
                   int tty)
{
    uint64_t now = ff_fog_mono_ns(), from = now - (uint64_t)(window_s * 1e9);
    size_t o = 0;
#define OUT(...)                                                                       \
    do {                                                                               \
        int w_ = snprintf(buf + o, o < cap ? cap - o : 0, __VA_ARGS__);                \
        if (w_ > 0) o += (size_t)w_;                                                   \
    } while (0)
    pthread_mutex_lock(&m->mu);
    float *v = malloc((m->n ? m->n : 1) * sizeof *v);
    unsigned cnt[FF_TIER_COUNT] = {0}, mis[FF_TIER_COUNT] = {0};
    for (size_t i = 0; i < m->pn; i++) {
        const struct period *p = &m->p[(m->phead + i) % m->pcap];
        if (p->t_ns < from) continue;
        for (int t = 0; t < FF_TIER_COUNT; t++) {
            cnt[t] += p->count[t];
            mis[t] += p->misses[t];
        }
    }
    unsigned long long sent = 0, done = 0, missed = 0;
    for (int i = 0; i < m->n_robots; i++) {
        sent += m->robots[i].sent;
        done += m->robots[i].completed;
        missed += m->robots[i].missed;
    }
    if (tty) {
        OUT("fogforge fleet   t=%6.1f s   robots %d   window %.0f s\n\n", t_s, m->n_robots, window_s);
        OUT("%-7s %9s %9s %9s %8s %12s\n", "tier", "tasks/s", "p50 ms", "p99 ms", "misses", "total/missed");
    } else {
        OUT("t=%.1fs", t_s);
    }
    for (int t = 0; t < FF_TIER_COUNT; t++) {
        size_t n = 0;
        for (size_t i = 0; v && i < m->n; i++) {
            const struct sample *s = &m->s[(m->head + i) % SAMPLE_CAP];
            if (s->t_ns >= from && s->tier == t) v[n++] = s->ms;
        }
        qsort(v, n, sizeof *v, cmp_float);
        double rate = cnt[t] / window_s;
        if (tty)
            OUT("%-7s %9.1f %9.2f %9.2f %8u %6llu/%-5llu\n", ff_msg_tier_name(t), rate, pct(v, n, 0.5), pct(v, n, 0.99),
                mis[t], m->tot_count[t], m->tot_miss[t]);
        else
            OUT(" | %s %.0f/s p50 %.2f p99 %.2f miss %u", ff_msg_tier_name(t), rate, pct(v, n, 0.5), pct(v, n, 0.99), mis[t]);
    }
    OUT(tty ? "\nnodes: " : " | nodes");
    for (int i = 0; i < m->n_nodes; i++) {
        const struct mnode *n = &m->nodes[i];
        if (tty && n->online) OUT(" %s \033[32mup\033[0m (queue %u)", n->id, n->queue);
        else if (tty) OUT(" %s \033[31;1mDOWN\033[0m", n->id);
        else OUT(" %s %s", n->id, n->online ? "up" : "down");
    }
    if (cloud_state >= 0) {
        if (tty) OUT(" %s %s", cloud_id, cloud_state ? "\033[32mup\033[0m" : "\033[31;1mDOWN\033[0m");
        else OUT(" %s %s", cloud_id, cloud_state ? "up" : "down");
    }
    if (tty)
        OUT("\n\ntasks: sent %llu, completed %llu, missed %llu (%.2f%%), failed %llu\n", sent, done, missed,
            done ? 100.0 * (double)missed / (double)done : 0.0, m->tot_failed);
    else
        OUT(" | sent %llu done %llu missed %llu\n", sent, done, missed);
    pthread_mutex_unlock(&m->mu);
    free(v);
#undef OUT
}

int ff_cmd_monitor(int argc, char **argv)
{
    char broker[256] = "", cloud[256] = "", cloud_id[FF_MSG_MAX_ID + 1] = "cloud", logpath[512] = "";
    double duration_s = 0, window_s = 2;
    int refresh_ms = 500, plain = 0;
    const ff_fog_opt opts[] = {
        {"broker", FF_FOG_OPT_STR, broker, sizeof broker, 0, 0, "URL", "MQTT broker of the fleet (required)"},
        {"cloud", FF_FOG_OPT_STR, cloud, sizeof cloud, 0, 0, "tcp://HOST:PORT", "probe a cloud node's ZeroMQ endpoint (up/down)"},
        {"cloud-id", FF_FOG_OPT_STR, cloud_id, sizeof cloud_id, 0, 0, "NAME", "name shown for the cloud node (default cloud)"},
        {"duration-s", FF_FOG_OPT_DOUBLE, &duration_s, 0, 0, 86400, "S", "stop after S seconds (default 0: until SIGINT/SIGTERM)"},
        {"window-s", FF_FOG_OPT_DOUBLE, &window_s, 0, 0.2, 600, "S", "sliding window of the rates and percentiles (default 2)"},
        {"refresh-ms", FF_FOG_OPT_INT, &refresh_ms, 0, 50, 600000, "MS", "redraw period (default 500)"},
        {"plain", FF_FOG_OPT_FLAG, &plain, 0, 0, 0, NULL, "one line per refresh even on a terminal"},
        {"log", FF_FOG_OPT_STR, logpath, sizeof logpath, 0, 0, "FILE", "also append one line per refresh to FILE"},
    };
    char err[FF_FOG_ERRLEN];
    int rc = ff_fog_opts_parse(opts, (int)(sizeof opts / sizeof opts[0]), argc, argv, "monitor",
                               "--broker URL [--cloud tcp://HOST:PORT] [--duration-s S] [--window-s S] [--refresh-ms MS]", err);
    if (rc == 1) return 0;
    if (rc) return ff_daemon_fail(rc, err);
    if (!broker[0]) return ff_daemon_fail(FF_FOG_EINPUT, "missing option: --broker URL");
    ff_fog_log_set_level(FF_FOG_LOG_WARN);
    FILE *logf = NULL;
    if (logpath[0] && !(logf = fopen(logpath, "a"))) {
        snprintf(err, sizeof err, "cannot write %.200s", logpath);
        return ff_daemon_fail(FF_FOG_EINPUT, err);
    }
    struct mon *m = calloc(1, sizeof *m);
    if (m) {
        m->s = calloc(SAMPLE_CAP, sizeof *m->s);
        m->pcap = 65536;
        m->p = calloc(m->pcap, sizeof *m->p);
    }
    if (!m || !m->s || !m->p) {
        if (m) {
            free(m->s);
            free(m->p);
        }
        free(m);
        if (logf) fclose(logf);
        return ff_daemon_fail(FF_FOG_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&m->mu, NULL);
    int exit_code = 0;
    ff_mqtt *mq = NULL;
    void *zctx = NULL;
    ff_zmq_client *zc = NULL;
    ff_mqtt_cfg mc;
    ff_mqtt_cfg_init(&mc);
    snprintf(mc.uri, sizeof mc.uri, "%s", broker);
    snprintf(mc.client_id, sizeof mc.client_id, "monitor-%d", (int)getpid());
    if ((rc = ff_mqtt_open(&mq, &mc, mon_on_msg, NULL, m, err)) ||
        (rc = ff_mqtt_subscribe(mq, "fogforge/v1/node/+/status", 0, err)) ||
        (rc = ff_mqtt_subscribe(mq, "fogforge/v1/robot/+/stats", 0, err))) {
        exit_code = ff_daemon_fail(rc, err);
        goto out;
    }
    if (cloud[0]) {
        ff_zmq_cfg zcfg;
        ff_zmq_cfg_init(&zcfg);
        zctx = zmq_ctx_new();
        if ((rc = ff_zmq_client_open(&zc, zctx, cloud, &zcfg, err))) {
            exit_code = ff_daemon_fail(rc, err);
            goto out;
        }
    }
    int tty = isatty(STDOUT_FILENO) && !plain;
    ff_daemon_signals_install();
    uint64_t t0 = ff_fog_mono_ns();
    char *buf = malloc(8192);
    if (tty) fputs("\033[?25l", stdout); /* hide the cursor while redrawing */
    while (buf && !ff_daemon_stop) {
        double t = (double)(ff_fog_mono_ns() - t0) / 1e9;
        int cs = zc ? ff_zmq_client_connected(zc) : -1;
        render(m, buf, 8192, t, window_s, cs, cloud_id, tty);
        if (tty) printf("\033[H\033[J%s", buf);
        else fputs(buf, stdout);
        fflush(stdout);
        if (logf) {
            render(m, buf, 8192, t, window_s, cs, cloud_id, 0);
            fputs(buf, logf);
            fflush(logf);
        }
        if (duration_s > 0 && t >= duration_s) break;
        for (int k = 0; k < refresh_ms / 10 && !ff_daemon_stop; k++) usleep(10000);
    }
    if (tty) fputs("\033[?25h", stdout);
    fflush(stdout);
    free(buf);
    ff_daemon_signals_restore();
out:
    ff_mqtt_close(mq);
    ff_zmq_client_close(zc);
    if (zctx) zmq_ctx_term(zctx);
    if (logf) fclose(logf);
    pthread_mutex_destroy(&m->mu);
    free(m->s);
    free(m->p);
    free(m);
    return exit_code;
}
