/* DEALER/ROUTER links over libzmq with heartbeats, reconnect backoff,
 * high-water marks and non-blocking sends (full queue = explicit error).
 * Connection state of a client comes from a socket monitor. */
#include "fog_zmq.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define MAX_MSG (2u << 20)

struct ff_zmq_client {
    void *sock;
    void *mon;
    int connected;
    uint64_t open_ns, hs_ns; /* zmq_connect() and the first handshake seen */
};

struct ff_zmq_server {
    void *sock;
    char endpoint[256];
};

void ff_zmq_cfg_init(ff_zmq_cfg *c)
{
    c->hwm = 1000;
    c->heartbeat_ivl_ms = 250;
    c->heartbeat_timeout_ms = 1000;
    c->heartbeat_ttl_ms = 2000;
    c->reconnect_ivl_ms = 50;
    c->reconnect_ivl_max_ms = 2000;
}

static int set_int(void *s, int opt, int v) { return zmq_setsockopt(s, opt, &v, sizeof v); }

static int apply_common(void *s, const ff_zmq_cfg *cfg)
{
    int64_t maxsz = MAX_MSG;
    return set_int(s, ZMQ_SNDHWM, cfg->hwm) || set_int(s, ZMQ_RCVHWM, cfg->hwm) || set_int(s, ZMQ_LINGER, 0) ||
           set_int(s, ZMQ_HEARTBEAT_IVL, cfg->heartbeat_ivl_ms) ||
           set_int(s, ZMQ_HEARTBEAT_TIMEOUT, cfg->heartbeat_timeout_ms) ||
           set_int(s, ZMQ_HEARTBEAT_TTL, cfg->heartbeat_ttl_ms) ||
           zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &maxsz, sizeof maxsz);
}

int ff_zmq_client_open(ff_zmq_client **out, void *zctx, const char *endpoint, const ff_zmq_cfg *cfg, char *err)
{
    static int mon_seq;
    *out = NULL;
    ff_zmq_client *c = calloc(1, sizeof *c);
    if (!c) return ff_fog_fail(err, FF_FOG_ENOMEM, "out of memory: zmq client");
    c->sock = zmq_socket(zctx, ZMQ_DEALER);
    if (!c->sock) goto syserr;
    if (apply_common(c->sock, cfg) || set_int(c->sock, ZMQ_IMMEDIATE, 1) ||
        set_int(c->sock, ZMQ_RECONNECT_IVL, cfg->reconnect_ivl_ms) ||
        set_int(c->sock, ZMQ_RECONNECT_IVL_MAX, cfg->reconnect_ivl_max_ms))
        goto syserr;
    char mon_ep[64];
    snprintf(mon_ep, sizeof mon_ep, "inproc://ff-zmq-mon-%p-%d", (void *)c, __atomic_fetch_add(&mon_seq, 1, __ATOMIC_RELAXED));
    if (zmq_socket_monitor(c->sock, mon_ep, ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED)) goto syserr;
    c->mon = zmq_socket(zctx, ZMQ_PAIR);
    if (!c->mon || set_int(c->mon, ZMQ_LINGER, 0) || zmq_connect(c->mon, mon_ep)) goto syserr;
    c->open_ns = ff_fog_mono_ns();
    if (zmq_connect(c->sock, endpoint)) {
        int rc = ff_fog_fail(err, FF_FOG_EINPUT, "cannot connect: %s: %s", zmq_strerror(errno), endpoint);
        ff_zmq_client_close(c);
        return rc;
    }
    *out = c;
    return FF_FOG_OK;
syserr: {
    int rc = ff_fog_fail(err, FF_FOG_ESYS, "zmq client setup failed: %s: %s", zmq_strerror(errno), endpoint);
    ff_zmq_client_close(c);
    return rc;
}
}

static void drain_monitor(ff_zmq_client *c)
{
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, c->mon, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            return;
        }
        if (zmq_msg_size(&m) >= 2) {
            uint16_t ev;
            memcpy(&ev, zmq_msg_data(&m), 2);
            if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) { /* ready for messages, not just TCP */
                c->connected++;
                if (!c->hs_ns) c->hs_ns = ff_fog_mono_ns();
            }
            if (ev == ZMQ_EVENT_DISCONNECTED && c->connected > 0) c->connected--;
        }
        int more = zmq_msg_more(&m);
        zmq_msg_close(&m);
        if (more) { /* second frame: endpoint address */
            zmq_msg_init(&m);
            zmq_msg_recv(&m, c->mon, 0);
            zmq_msg_close(&m);
        }
    }
}

int ff_zmq_client_connected(ff_zmq_client *c)
{
    drain_monitor(c);
    return c->connected > 0;
}

double ff_zmq_client_handshake_us(ff_zmq_client *c)
{
    drain_monitor(c);
    return c->hs_ns ? (double)(c->hs_ns - c->open_ns) / 1000.0 : -1.0;
}

int ff_zmq_client_send(ff_zmq_client *c, const uint8_t *buf, size_t len, char *err)
{
    if (zmq_send(c->sock, buf, len, ZMQ_DONTWAIT) < 0) {
        if (errno == EAGAIN) return ff_fog_fail(err, FF_FOG_EFULL, "rejected: queue full (no peer or high-water mark)");
        return ff_fog_fail(err, FF_FOG_ESYS, "zmq send failed: %s", zmq_strerror(errno));
    }
    return FF_FOG_OK;
}

/* Waits up to timeout_ms for input; 0 does not wait (and costs no poll
 * system call: the receive itself says EAGAIN). */
static int wait_in(void *sock, int timeout_ms, char *err)
{
    if (timeout_ms == 0) return FF_FOG_OK;
    zmq_pollitem_t it = {sock, 0, ZMQ_POLLIN, 0};
    int n = zmq_poll(&it, 1, timeout_ms);
    if (n < 0) return ff_fog_fail(err, errno == EINTR ? FF_FOG_ETIMEOUT : FF_FOG_ESYS, "zmq poll: %s", zmq_strerror(errno));
    return n == 0 ? FF_FOG_ETIMEOUT : FF_FOG_OK;
}

static int recv_one(void *sock, uint8_t **buf, size_t *len, int timeout_ms, char *err)
{
    int rc = wait_in(sock, timeout_ms, err);
    if (rc) return rc;
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m);
        return errno == EAGAIN ? FF_FOG_ETIMEOUT : ff_fog_fail(err, FF_FOG_ESYS, "zmq recv: %s", zmq_strerror(errno));
    }
    size_t l = zmq_msg_size(&m);
    uint8_t *b = malloc(l ? l : 1);
    if (!b) {
        zmq_msg_close(&m);
        return ff_fog_fail(err, FF_FOG_ENOMEM, "out of memory receiving %zu bytes", l);
    }
    memcpy(b, zmq_msg_data(&m), l);
    int more = zmq_msg_more(&m);
    zmq_msg_close(&m);
    while (more) { /* drop unexpected extra frames */
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, 0) < 0) more = 0; else more = zmq_msg_more(&m);
        zmq_msg_close(&m);
    }
    *buf = b;
    *len = l;
    return FF_FOG_OK;
}

int ff_zmq_client_recv(ff_zmq_client *c, uint8_t **buf, size_t *len, int timeout_ms, char *err)
{
    return recv_one(c->sock, buf, len, timeout_ms, err);
}

int ff_zmq_client_wait_any_us(ff_zmq_client *const *cs, int n, int64_t timeout_us)
{
    /* ZMQ_FD only signals that ZMQ_EVENTS may have changed: read the events
     * first (which also resets the fd), block only while nothing is there */
    enum { MAXC = 4 };
    if (n < 1 || n > MAXC) return 0;
    uint64_t end = ff_fog_mono_ns() + (uint64_t)(timeout_us > 0 ? timeout_us : 0) * 1000u;
    struct pollfd p[MAXC];
    for (int i = 0; i < n; i++) {
        size_t fl = sizeof p[i].fd;
        if (zmq_getsockopt(cs[i]->sock, ZMQ_FD, &p[i].fd, &fl)) return 0;
        p[i].events = POLLIN;
    }
    for (;;) {
        for (int i = 0; i < n; i++) {
            int ev = 0;
            size_t el = sizeof ev;
            if (zmq_getsockopt(cs[i]->sock, ZMQ_EVENTS, &ev, &el)) return 0;
            if (ev & ZMQ_POLLIN) return 1;
        }
        uint64_t now = ff_fog_mono_ns();
        if (now >= end) return 0;
        uint64_t left = end - now;
        struct timespec ts = {(time_t)(left / 1000000000u), (long)(left % 1000000000u)};
        if (ppoll(p, (nfds_t)n, &ts, NULL) < 0 && errno != EINTR) return 0;
    }
}

int ff_zmq_client_wait_us(ff_zmq_client *c, int64_t timeout_us) { return ff_zmq_client_wait_any_us(&c, 1, timeout_us); }

void *ff_zmq_client_socket(ff_zmq_client *c) { return c->sock; }

void ff_zmq_client_close(ff_zmq_client *c)
{
    if (!c) return;
    if (c->sock) {
        zmq_socket_monitor(c->sock, NULL, 0);
        zmq_close(c->sock);
    }
    if (c->mon) zmq_close(c->mon);
    free(c);
}

int ff_zmq_server_open(ff_zmq_server **out, void *zctx, const char *endpoint, const ff_zmq_cfg *cfg, char *err)
{
    *out = NULL;
    ff_zmq_server *s = calloc(1, sizeof *s);
    if (!s) return ff_fog_fail(err, FF_FOG_ENOMEM, "out of memory: zmq server");
    s->sock = zmq_socket(zctx, ZMQ_ROUTER);
    if (!s->sock || apply_common(s->sock, cfg) || set_int(s->sock, ZMQ_ROUTER_MANDATORY, 1)) {
        int rc = ff_fog_fail(err, FF_FOG_ESYS, "zmq server setup failed: %s", zmq_strerror(errno));
        ff_zmq_server_close(s);
        return rc;
    }
    if (zmq_bind(s->sock, endpoint)) {
        int rc = ff_fog_fail(err, FF_FOG_EINPUT, "cannot bind: %s: %s", zmq_strerror(errno), endpoint);
        ff_zmq_server_close(s);
        return rc;
    }
    size_t l = sizeof s->endpoint;
    if (zmq_getsockopt(s->sock, ZMQ_LAST_ENDPOINT, s->endpoint, &l)) snprintf(s->endpoint, sizeof s->endpoint, "%s", endpoint);
    *out = s;
    return FF_FOG_OK;
}

int ff_zmq_server_recv(ff_zmq_server *s, ff_zmq_peer *peer, uint8_t **buf, size_t *len, int timeout_ms, char *err)
{
    int rc = wait_in(s->sock, timeout_ms, err);
    if (rc) return rc;
    int r = zmq_recv(s->sock, peer->id, sizeof peer->id, ZMQ_DONTWAIT);
    if (r < 0) return errno == EAGAIN ? FF_FOG_ETIMEOUT : ff_fog_fail(err, FF_FOG_ESYS, "zmq recv: %s", zmq_strerror(errno));
    peer->len = (size_t)r > sizeof peer->id ? sizeof peer->id : (size_t)r;
    int more = 0;
    size_t ml = sizeof more;
    zmq_getsockopt(s->sock, ZMQ_RCVMORE, &more, &ml);
    if (!more) return ff_fog_fail(err, FF_FOG_EINPUT, "zmq message without payload frame");
    return recv_one(s->sock, buf, len, 0, err);
}

int ff_zmq_server_send(ff_zmq_server *s, const ff_zmq_peer *peer, const uint8_t *buf, size_t len, char *err)
{
    if (zmq_send(s->sock, peer->id, peer->len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        if (errno == EAGAIN) return ff_fog_fail(err, FF_FOG_EFULL, "rejected: queue full (peer high-water mark)");
        if (errno == EHOSTUNREACH) return ff_fog_fail(err, FF_FOG_EINPUT, "peer gone");
        return ff_fog_fail(err, FF_FOG_ESYS, "zmq send failed: %s", zmq_strerror(errno));
    }
    if (zmq_send(s->sock, buf, len, ZMQ_DONTWAIT) < 0)
        return ff_fog_fail(err, FF_FOG_ESYS, "zmq send failed: %s", zmq_strerror(errno));
    return FF_FOG_OK;
}

void *ff_zmq_server_socket(ff_zmq_server *s) { return s->sock; }
const char *ff_zmq_server_endpoint(ff_zmq_server *s) { return s->endpoint; }

void ff_zmq_server_close(ff_zmq_server *s)
{
    if (!s) return;
    if (s->sock) zmq_close(s->sock);
    free(s);
}
