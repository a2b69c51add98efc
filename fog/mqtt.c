/* MQTT v5 transport over Paho C async. Owns: connection life cycle (first
 * connect with retries, automatic reconnect with backoff, re-subscription),
 * v5 properties in both directions, and TCP_NODELAY on the client socket,
 * found through /proc/self/fd because Paho exposes no socket. */
#include "fog_mqtt.h"

#include <MQTTAsync.h>
#include <dirent.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fog_log.h"

#define MAX_SUBS 16

struct ff_mqtt {
    MQTTAsync h;
    ff_mqtt_cfg cfg;
    char host[256];
    int port;
    ff_mqtt_on_msg on_msg;
    ff_mqtt_on_conn on_conn;
    void *user;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int connected;
    int connect_done;    /* first connect attempt finished */
    int connect_ok;
    int disconnect_done;
    char last_error[128];
    int nodelay_count;
    int nsubs;
    char subs[MAX_SUBS][256];
    int sub_qos[MAX_SUBS];
    int pending;         /* QoS>0 publishes handed to Paho and not yet acknowledged */
    int sock_fd;         /* the broker connection (-1: unknown), for ff_mqtt_input_pending */
    uint64_t pending_waits;
    int pending_waiting; /* publishers blocked in pending_enter */
};

/* Set while Paho's threads run our callbacks: those must never wait for an
 * ack, since acks are read by the very thread that would be waiting. */
static __thread int in_paho_cb;

void ff_mqtt_cfg_init(ff_mqtt_cfg *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->uri, sizeof c->uri, "tcp://127.0.0.1:1883");
    c->keepalive_s = 10;
    c->clean_start = 1;
    c->nodelay = 1;
    c->connect_timeout_ms = 5000;
    c->max_buffered = 10000;
    c->max_pending = 128;
    c->pending_wait_ms = 100;
}

int ff_mqtt_parse_uri(const char *uri, char *host, size_t hostlen, int *port, int *tls, char *err)
{
    const char *p;
    *tls = 0;
    if (!strncmp(uri, "tcp://", 6) || !strncmp(uri, "mqtt://", 7)) {
        p = strstr(uri, "://") + 3;
        *port = 1883;
    } else if (!strncmp(uri, "ssl://", 6) || !strncmp(uri, "mqtts://", 8)) {
        p = strstr(uri, "://") + 3;
        *port = 8883;
        *tls = 1;
    } else {
        return ff_fog_fail(err, FF_FOG_EINPUT, "bad broker URL (want tcp://, mqtt://, ssl:// or mqtts://): %s", uri);
    }
    const char *colon = strrchr(p, ':');
    size_t hl = colon ? (size_t)(colon - p) : strlen(p);
    if (hl == 0 || hl >= hostlen) return ff_fog_fail(err, FF_FOG_EINPUT, "bad broker host in URL: %s", uri);
    memcpy(host, p, hl);
    host[hl] = 0;
    if (colon) {
        char *end;
        long v = strtol(colon + 1, &end, 10);
        if (*end || v <= 0 || v > 65535) return ff_fog_fail(err, FF_FOG_EINPUT, "bad broker port in URL: %s", uri);
        *port = (int)v;
    }
    return FF_FOG_OK;
}

static int same_peer(const struct sockaddr_storage *a, const struct addrinfo *ai)
{
    for (; ai; ai = ai->ai_next) {
        if (ai->ai_family != a->ss_family) continue;
        if (a->ss_family == AF_INET) {
            const struct sockaddr_in *x = (const void *)a, *y = (const void *)ai->ai_addr;
            if (x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr) return 1;
        } else if (a->ss_family == AF_INET6) {
            const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)ai->ai_addr;
            if (x->sin6_port == y->sin6_port && !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr)) return 1;
        }
    }
    return 0;
}

/* Every stream socket of this process connected to host:port gets
 * TCP_NODELAY when set_nodelay; *only_fd is the socket when exactly one
 * matches (else -1). Returns how many matched (or were set). */
static int scan_broker_sockets(const char *host, int port, int set_nodelay, int *only_fd)
{
    struct addrinfo hints, *res = NULL;
    char ps[16];
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    snprintf(ps, sizeof ps, "%d", port);
    *only_fd = -1;
    if (getaddrinfo(host, ps, &hints, &res) != 0) return 0;
    int count = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            char *end;
            long fd = strtol(e->d_name, &end, 10);
            if (*end || fd < 0 || fd == dirfd(d)) continue;
            struct stat st;
            if (fstat((int)fd, &st) || !S_ISSOCK(st.st_mode)) continue;
            int type = 0;
            socklen_t tl = sizeof type;
            if (getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type, &tl) || type != SOCK_STREAM) continue;
            struct sockaddr_storage ss;
            socklen_t sl = sizeof ss;
            if (getpeername((int)fd, (struct sockaddr *)&ss, &sl) || !same_peer(&ss, res)) continue;
            int one = 1;
            if (set_nodelay && setsockopt((int)fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one)) continue;
            count++;
            *only_fd = count == 1 ? (int)fd : -1;
        }
        closedir(d);
    }
    freeaddrinfo(res);
    return count;
}

int ff_mqtt_set_nodelay_to(const char *host, int port)
{
    int fd;
    return scan_broker_sockets(host, port, 1, &fd);
}

int ff_mqtt_input_pending(ff_mqtt *m)
{
    int fd = __atomic_load_n(&m->sock_fd, __ATOMIC_ACQUIRE), n = 0;
    if (fd < 0 || ioctl(fd, FIONREAD, &n)) return 1;
    return n > 0;
}

static void do_subscribe(ff_mqtt *m, const char *topic, int qos)
{
    MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
    int rc = MQTTAsync_subscribe(m->h, topic, qos, &ro);
    if (rc != MQTTASYNC_SUCCESS)
        ff_fog_log(FF_FOG_LOG_WARN, "mqtt", "subscribe_failed", "topic=%s rc=%d", topic, rc);
}

static void on_connected(void *ctx, char *cause)
{
    ff_mqtt *m = ctx;
    in_paho_cb = 1;
    int nd = 0, fd = -1;
    int matched = scan_broker_sockets(m->host, m->port, m->cfg.nodelay, &fd);
    if (m->cfg.nodelay) nd = matched;
    __atomic_store_n(&m->sock_fd, fd, __ATOMIC_RELEASE);
    pthread_mutex_lock(&m->mu);
    m->connected = 1;
    m->nodelay_count = nd;
    m->pending = 0; /* acks of the old connection will not come; late ones are clamped */
    pthread_cond_broadcast(&m->cv);
    int n = m->nsubs;
    pthread_mutex_unlock(&m->mu);
    for (int i = 0; i < n; i++) do_subscribe(m, m->subs[i], m->sub_qos[i]);
    ff_fog_log(FF_FOG_LOG_INFO, "mqtt", "connected", "client=%s broker=%s nodelay_sockets=%d reconnect=%d", m->cfg.client_id,
           m->cfg.uri, nd, cause && strstr(cause, "reconnect") ? 1 : 0);
    if (m->on_conn) m->on_conn(m->user, 1);
}

static void on_lost(void *ctx, char *cause)
{
    ff_mqtt *m = ctx;
    in_paho_cb = 1;
    __atomic_store_n(&m->sock_fd, -1, __ATOMIC_RELEASE);
    pthread_mutex_lock(&m->mu);
    m->connected = 0;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
    ff_fog_log(FF_FOG_LOG_WARN, "mqtt", "connection_lost", "client=%s cause=\"%s\"", m->cfg.client_id, cause ? cause : "");
    if (m->on_conn) m->on_conn(m->user, 0);
}

static void on_disconnected(void *ctx, MQTTProperties *props, enum MQTTReasonCodes rc)
{
    ff_mqtt *m = ctx;
    in_paho_cb = 1;
    pthread_mutex_lock(&m->mu);
    m->connected = 0;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
    ff_fog_log(FF_FOG_LOG_WARN, "mqtt", "server_disconnect", "client=%s reason=%d", m->cfg.client_id, (int)rc);
    if (m->on_conn) m->on_conn(m->user, 0);
}

static int on_message(void *ctx, char *topic, int topic_len, MQTTAsync_message *msg)
{
    ff_mqtt *m = ctx;
    in_paho_cb = 1;
    ff_mqtt_props p;
    memset(&p, 0, sizeof p);
    char rt[256];
    MQTTProperty *pr = MQTTProperties_getProperty(&msg->properties, MQTTPROPERTY_CODE_RESPONSE_TOPIC);
    if (pr && pr->value.data.len > 0 && (size_t)pr->value.data.len < sizeof rt) {
        memcpy(rt, pr->value.data.data, (size_t)pr->value.data.len);
        rt[pr->value.data.len] = 0;
        p.response_topic = rt;
    }
    pr = MQTTProperties_getProperty(&msg->properties, MQTTPROPERTY_CODE_CORRELATION_DATA);
    if (pr) {
        p.corr = (const uint8_t *)pr->value.data.data;
        p.corr_len = (size_t)pr->value.data.len;
    }
    pr = MQTTProperties_getProperty(&msg->properties, MQTTPROPERTY_CODE_MESSAGE_EXPIRY_INTERVAL);
    if (pr) {
        p.has_expiry = 1;
        p.expiry_s = (uint32_t)pr->value.integer4;
    }
    char tbuf[256];
    const char *t = topic;
    if (topic_len > 0) {
        size_t tl = (size_t)topic_len < sizeof tbuf - 1 ? (size_t)topic_len : sizeof tbuf - 1;
        memcpy(tbuf, topic, tl);
        tbuf[tl] = 0;
        t = tbuf;
    }
    if (m->on_msg) m->on_msg(m->user, t, msg->payload, (size_t)(msg->payloadlen > 0 ? msg->payloadlen : 0), &p);
    MQTTAsync_freeMessage(&msg);
    MQTTAsync_free(topic);
    return 1;
}

static void on_connect_ok(void *ctx, MQTTAsync_successData5 *resp)
{
    ff_mqtt *m = ctx;
    pthread_mutex_lock(&m->mu);
    m->connect_done = 1;
    m->connect_ok = 1;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
}

static void on_connect_fail(void *ctx, MQTTAsync_failureData5 *resp)
{
    ff_mqtt *m = ctx;
    pthread_mutex_lock(&m->mu);
    m->connect_done = 1;
    m->connect_ok = 0;
    snprintf(m->last_error, sizeof m->last_error, "%s (rc %d)",
             resp && resp->message ? resp->message : MQTTAsync_strerror(resp ? resp->code : -1), resp ? resp->code : -1);
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
}

static void deadline_after(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

int ff_mqtt_open(ff_mqtt **out, const ff_mqtt_cfg *cfg, ff_mqtt_on_msg on_msg, ff_mqtt_on_conn on_conn, void *user,
                 char *err)
{
    *out = NULL;
    int tls, rc;
    ff_mqtt *m = calloc(1, sizeof *m);
    if (!m) return ff_fog_fail(err, FF_FOG_ENOMEM, "out of memory: mqtt client");
    m->cfg = *cfg;
    if ((rc = ff_mqtt_parse_uri(cfg->uri, m->host, sizeof m->host, &m->port, &tls, err))) {
        free(m);
        return rc;
    }
    if (!m->cfg.client_id[0])
        snprintf(m->cfg.client_id, sizeof m->cfg.client_id, "ff-%d-%llx", (int)getpid(),
                 (unsigned long long)ff_fog_mono_ns());
    char uri[300];
    snprintf(uri, sizeof uri, "%s://%s:%d", tls ? "ssl" : "tcp", m->host, m->port);
    m->sock_fd = -1;
    m->on_msg = on_msg;
    m->on_conn = on_conn;
    m->user = user;
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv, NULL);

    MQTTAsync_createOptions co = MQTTAsync_createOptions_initializer5;
    co.sendWhileDisconnected = 1;
    co.maxBufferedMessages = cfg->max_buffered > 0 ? cfg->max_buffered : 10000;
    rc = MQTTAsync_createWithOptions(&m->h, uri, m->cfg.client_id, MQTTCLIENT_PERSISTENCE_NONE, NULL, &co);
    if (rc != MQTTASYNC_SUCCESS) {
        pthread_mutex_destroy(&m->mu);
        pthread_cond_destroy(&m->cv);
        free(m);
        return ff_fog_fail(err, FF_FOG_EINPUT, "cannot create MQTT client: %s: %s", MQTTAsync_strerror(rc), cfg->uri);
    }
    MQTTAsync_setCallbacks(m->h, m, on_lost, on_message, NULL);
    MQTTAsync_setConnected(m->h, m, on_connected);
    MQTTAsync_setDisconnected(m->h, m, on_disconnected);

    MQTTAsync_connectOptions o = MQTTAsync_connectOptions_initializer5;
    MQTTAsync_willOptions will = MQTTAsync_willOptions_initializer;
    MQTTAsync_SSLOptions ssl = MQTTAsync_SSLOptions_initializer;
    MQTTProperties cprops = MQTTProperties_initializer;
    o.keepAliveInterval = cfg->keepalive_s > 0 ? cfg->keepalive_s : 10;
    o.cleanstart = cfg->clean_start;
    o.automaticReconnect = 1;
    o.minRetryInterval = 1;
    o.maxRetryInterval = 8;
    o.connectTimeout = 5;
    o.onSuccess5 = on_connect_ok;
    o.onFailure5 = on_connect_fail;
    o.context = m;
    if (cfg->session_expiry_s) {
        MQTTProperty p;
        p.identifier = MQTTPROPERTY_CODE_SESSION_EXPIRY_INTERVAL;
        p.value.integer4 = cfg->session_expiry_s;
        MQTTProperties_add(&cprops, &p);
        o.connectProperties = &cprops;
    }
    if (cfg->username[0]) o.username = cfg->username;
    if (cfg->password[0]) o.password = cfg->password;
    if (cfg->will_topic[0]) {
        will.topicName = cfg->will_topic;
        will.message = cfg->will_payload;
        will.retained = 1;
        will.qos = 1;
        o.will = &will;
    }
    if (tls || cfg->ca_file[0]) {
        if (cfg->ca_file[0]) ssl.trustStore = cfg->ca_file;
        if (cfg->cert_file[0]) ssl.keyStore = cfg->cert_file;
        if (cfg->key_file[0]) ssl.privateKey = cfg->key_file;
        ssl.enableServerCertAuth = cfg->tls_insecure ? 0 : 1;
        ssl.verify = cfg->tls_insecure ? 0 : 1;
        o.ssl = &ssl;
    }
    /* First connect: retry with exponential backoff until connect_timeout_ms. */
    uint64_t give_up = ff_fog_mono_ns() + (uint64_t)(cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 5000) * 1000000u;
    int backoff_ms = 50;
    for (;;) {
        pthread_mutex_lock(&m->mu);
        m->connect_done = 0;
        pthread_mutex_unlock(&m->mu);
        rc = MQTTAsync_connect(m->h, &o);
        if (rc != MQTTASYNC_SUCCESS) {
            snprintf(m->last_error, sizeof m->last_error, "%s", MQTTAsync_strerror(rc));
            break;
        }
        pthread_mutex_lock(&m->mu);
        struct timespec ts;
        deadline_after(&ts, 10000);
        while (!m->connect_done)
            if (pthread_cond_timedwait(&m->cv, &m->mu, &ts)) break;
        int ok = m->connect_ok;
        pthread_mutex_unlock(&m->mu);
        if (ok) break;
        if (ff_fog_mono_ns() + (uint64_t)backoff_ms * 1000000u > give_up) break;
        ff_fog_log(FF_FOG_LOG_INFO, "mqtt", "connect_retry", "client=%s broker=%s error=\"%s\" backoff_ms=%d",
               m->cfg.client_id, cfg->uri, m->last_error, backoff_ms);
        usleep((useconds_t)backoff_ms * 1000u);
        backoff_ms = backoff_ms * 2 > 2000 ? 2000 : backoff_ms * 2;
    }
    MQTTProperties_free(&cprops);
    if (m->connect_ok) {
        /* the connected callback (TCP_NODELAY, subscriptions) runs after
         * onSuccess; wait for it so callers see a fully set-up client */
        pthread_mutex_lock(&m->mu);
        struct timespec ts;
        deadline_after(&ts, 2000);
        while (!m->connected)
            if (pthread_cond_timedwait(&m->cv, &m->mu, &ts)) break;
        pthread_mutex_unlock(&m->mu);
    }
    if (!m->connect_ok) {
        rc = ff_fog_fail(err, FF_FOG_ESYS, "cannot connect to broker: %s: %s", m->last_error, cfg->uri);
        MQTTAsync_destroy(&m->h);
        pthread_mutex_destroy(&m->mu);
        pthread_cond_destroy(&m->cv);
        free(m);
        return rc;
    }
    *out = m;
    return FF_FOG_OK;
}

int ff_mqtt_subscribe(ff_mqtt *m, const char *topic, int qos, char *err)
{
    pthread_mutex_lock(&m->mu);
    if (m->nsubs >= MAX_SUBS || strlen(topic) >= sizeof m->subs[0]) {
        pthread_mutex_unlock(&m->mu);
        return ff_fog_fail(err, FF_FOG_EINPUT, "cannot subscribe (too many or too long): %s", topic);
    }
    snprintf(m->subs[m->nsubs], sizeof m->subs[0], "%s", topic);
    m->sub_qos[m->nsubs] = qos;
    m->nsubs++;
    int conn = m->connected;
    pthread_mutex_unlock(&m->mu);
    if (!conn) return FF_FOG_OK;
    MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
    int rc = MQTTAsync_subscribe(m->h, topic, qos, &ro);
    if (rc != MQTTASYNC_SUCCESS)
        return ff_fog_fail(err, FF_FOG_ESYS, "subscribe failed: %s: %s", MQTTAsync_strerror(rc), topic);
    /* wait for the SUBACK so callers can rely on the subscription */
    if (ro.token) MQTTAsync_waitForCompletion(m->h, ro.token, 5000);
    return FF_FOG_OK;
}

static void on_pub_done(void *ctx, MQTTAsync_successData5 *r)
{
    ff_mqtt *m = ctx;
    in_paho_cb = 1;
    pthread_mutex_lock(&m->mu);
    if (m->pending > 0) m->pending--;
    /* a publisher waiting for room wakes once half the window is free, not
     * once per ack (each wake-up is a context switch) */
    if (m->pending_waiting && m->pending <= m->cfg.max_pending / 2) pthread_cond_signal(&m->cv);
    pthread_mutex_unlock(&m->mu);
}

static void on_pub_fail(void *ctx, MQTTAsync_failureData5 *r) { on_pub_done(ctx, NULL); }

/* Waits (bounded) until fewer than max_pending QoS>0 publishes are pending,
 * then counts this one in. */
static void pending_enter(ff_mqtt *m)
{
    pthread_mutex_lock(&m->mu);
    if (m->cfg.max_pending > 0 && m->pending >= m->cfg.max_pending && m->connected && !in_paho_cb) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long ns = ts.tv_nsec + (long)(m->cfg.pending_wait_ms > 0 ? m->cfg.pending_wait_ms : 0) * 1000000L;
        ts.tv_sec += ns / 1000000000L;
        ts.tv_nsec = ns % 1000000000L;
        m->pending_waits++;
        m->pending_waiting++;
        while (m->pending >= m->cfg.max_pending && m->connected)
            if (pthread_cond_timedwait(&m->cv, &m->mu, &ts)) break;
        m->pending_waiting--;
    }
    m->pending++;
    pthread_mutex_unlock(&m->mu);
}

int ff_mqtt_publish(ff_mqtt *m, const char *topic, const void *payload, size_t len, int qos, int retained,
                    const ff_mqtt_props *props, char *err)
{
    if (len > 256u * 1024u * 1024u) return ff_fog_fail(err, FF_FOG_EINPUT, "payload too large: %zu bytes", len);
    MQTTAsync_message msg = MQTTAsync_message_initializer;
    MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
    if (qos > 0) {
        pending_enter(m);
        ro.onSuccess5 = on_pub_done;
        ro.onFailure5 = on_pub_fail;
        ro.context = m;
    }
    msg.payload = (void *)payload;
    msg.payloadlen = (int)len;
    msg.qos = qos;
    msg.retained = retained;
    if (props) {
        MQTTProperty p;
        if (props->response_topic) {
            p.identifier = MQTTPROPERTY_CODE_RESPONSE_TOPIC;
            p.value.data.data = (char *)props->response_topic;
            p.value.data.len = (int)strlen(props->response_topic);
            MQTTProperties_add(&msg.properties, &p);
        }
        if (props->corr && props->corr_len) {
            p.identifier = MQTTPROPERTY_CODE_CORRELATION_DATA;
            p.value.data.data = (char *)props->corr;
            p.value.data.len = (int)props->corr_len;
            MQTTProperties_add(&msg.properties, &p);
        }
        if (props->has_expiry) {
            p.identifier = MQTTPROPERTY_CODE_MESSAGE_EXPIRY_INTERVAL;
            p.value.integer4 = props->expiry_s;
            MQTTProperties_add(&msg.properties, &p);
        }
    }
    int rc = MQTTAsync_sendMessage(m->h, topic, &msg, &ro);
    MQTTProperties_free(&msg.properties);
    if (rc != MQTTASYNC_SUCCESS && qos > 0) on_pub_done(m, NULL);
    if (rc != MQTTASYNC_SUCCESS)
        return ff_fog_fail(err, rc == MQTTASYNC_MAX_BUFFERED_MESSAGES ? FF_FOG_EFULL : FF_FOG_ESYS,
                           "publish failed: %s: %s", MQTTAsync_strerror(rc), topic);
    return FF_FOG_OK;
}

int ff_mqtt_is_connected(ff_mqtt *m)
{
    pthread_mutex_lock(&m->mu);
    int c = m->connected;
    pthread_mutex_unlock(&m->mu);
    return c;
}

int ff_mqtt_nodelay_sockets(ff_mqtt *m)
{
    pthread_mutex_lock(&m->mu);
    int c = m->nodelay_count;
    pthread_mutex_unlock(&m->mu);
    return c;
}

int ff_mqtt_flush(ff_mqtt *m, int timeout_ms)
{
    uint64_t end = ff_fog_mono_ns() + (uint64_t)timeout_ms * 1000000u;
    for (;;) {
        MQTTAsync_token *toks = NULL;
        MQTTAsync_getPendingTokens(m->h, &toks);
        int pending = toks && toks[0] != -1;
        MQTTAsync_free(toks);
        if (!pending) return FF_FOG_OK;
        if (ff_fog_mono_ns() > end) return FF_FOG_ETIMEOUT;
        usleep(2000);
    }
}

static void on_disc_ok(void *ctx, MQTTAsync_successData5 *r)
{
    ff_mqtt *m = ctx;
    pthread_mutex_lock(&m->mu);
    m->disconnect_done = 1;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
}

static void on_disc_fail(void *ctx, MQTTAsync_failureData5 *r) { on_disc_ok(ctx, NULL); }

void ff_mqtt_close(ff_mqtt *m)
{
    if (!m) return;
    MQTTAsync_disconnectOptions d = MQTTAsync_disconnectOptions_initializer5;
    d.timeout = 1000;
    d.onSuccess5 = on_disc_ok;
    d.onFailure5 = on_disc_fail;
    d.context = m;
    if (MQTTAsync_disconnect(m->h, &d) == MQTTASYNC_SUCCESS) {
        pthread_mutex_lock(&m->mu);
        struct timespec ts;
        deadline_after(&ts, 2000);
        while (!m->disconnect_done)
            if (pthread_cond_timedwait(&m->cv, &m->mu, &ts)) break;
        pthread_mutex_unlock(&m->mu);
    }
    MQTTAsync_destroy(&m->h);
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cv);
    free(m);
}
