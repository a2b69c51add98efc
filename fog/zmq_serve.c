/* ROUTER front of a node: owner-thread sends, a pipe-woken outbox for
 * replies made on worker threads (fog/fog_zmq_serve.h). */
#include "fog_zmq_serve.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "fog_log.h"

struct outmsg {
    struct outmsg *next;
    ff_zmq_peer peer;
    size_t len;
    uint8_t data[];
};

struct ff_zmq_serve {
    ff_zmq_server *srv;
    int route_tag;
    char id[FF_MSG_MAX_ID + 1];
    pthread_t owner;
    int pipe_fd[2];
    pthread_mutex_t mu;
    struct outmsg *head, *tail;
};

int ff_zmq_serve_open(ff_zmq_serve **out, void *zctx, const char *bind, const ff_zmq_cfg *cfg, int route_tag,
                      const char *log_id, char *err)
{
    *out = NULL;
    ff_zmq_serve *s = calloc(1, sizeof *s);
    if (!s) return ff_fog_fail(err, FF_FOG_ENOMEM, "out of memory: zmq server");
    s->route_tag = route_tag;
    s->owner = pthread_self();
    snprintf(s->id, sizeof s->id, "%s", log_id ? log_id : "zmq");
    if (pipe(s->pipe_fd)) {
        free(s);
        return ff_fog_fail(err, FF_FOG_ESYS, "cannot create pipe");
    }
    for (int i = 0; i < 2; i++) fcntl(s->pipe_fd[i], F_SETFL, fcntl(s->pipe_fd[i], F_GETFL) | O_NONBLOCK);
    pthread_mutex_init(&s->mu, NULL);
    int rc = ff_zmq_server_open(&s->srv, zctx, bind, cfg, err);
    if (rc) {
        ff_zmq_serve_close(s);
        return rc;
    }
    *out = s;
    return FF_FOG_OK;
}

void ff_zmq_serve_own(ff_zmq_serve *s) { s->owner = pthread_self(); }
int ff_zmq_serve_is_owner(ff_zmq_serve *s) { return pthread_equal(pthread_self(), s->owner); }
const char *ff_zmq_serve_endpoint(ff_zmq_serve *s) { return ff_zmq_server_endpoint(s->srv); }

static void send_now(ff_zmq_serve *s, const ff_zmq_peer *peer, const uint8_t *buf, size_t len)
{
    char err[FF_FOG_ERRLEN];
    if (ff_zmq_server_send(s->srv, peer, buf, len, err))
        ff_fog_log(FF_FOG_LOG_WARN, s->id, "reply_dropped", "error=\"%s\"", err);
}

void ff_zmq_serve_reply(ff_zmq_serve *s, const uint8_t *route, size_t rl, const uint8_t *buf, size_t len)
{
    if (s->route_tag >= 0) {
        if (rl < 1 || route[0] != (uint8_t)s->route_tag) return;
        route++;
        rl--;
    }
    if (rl == 0 || rl > sizeof ((ff_zmq_peer *)0)->id) return;
    if (ff_zmq_serve_is_owner(s)) {
        ff_zmq_peer peer;
        memcpy(peer.id, route, rl);
        peer.len = rl;
        send_now(s, &peer, buf, len);
        return;
    }
    struct outmsg *m = malloc(sizeof *m + len);
    if (!m) return;
    m->next = NULL;
    memcpy(m->peer.id, route, rl);
    m->peer.len = rl;
    m->len = len;
    memcpy(m->data, buf, len);
    pthread_mutex_lock(&s->mu);
    int was_empty = !s->head;
    if (s->tail) s->tail->next = m; else s->head = m;
    s->tail = m;
    pthread_mutex_unlock(&s->mu);
    char b = 1;
    /* one wake-up per batch: a non-empty outbox already has one pending */
    if (was_empty && write(s->pipe_fd[1], &b, 1) < 0) { /* pipe full: the owner is awake anyway */ }
}

void ff_zmq_serve_flush(ff_zmq_serve *s)
{
    pthread_mutex_lock(&s->mu);
    struct outmsg *m = s->head;
    s->head = s->tail = NULL;
    pthread_mutex_unlock(&s->mu);
    while (m) {
        struct outmsg *nx = m->next;
        send_now(s, &m->peer, m->data, m->len);
        free(m);
        m = nx;
    }
}

int ff_zmq_serve_input_waiting(ff_zmq_serve *s)
{
    int ev = 0;
    size_t l = sizeof ev;
    if (zmq_getsockopt(ff_zmq_server_socket(s->srv), ZMQ_EVENTS, &ev, &l)) return 1;
    return (ev & ZMQ_POLLIN) != 0;
}

void ff_zmq_serve_step(ff_zmq_serve *s, ff_fog_node *node, int timeout_ms)
{
    zmq_pollitem_t it[2] = {{ff_zmq_server_socket(s->srv), 0, ZMQ_POLLIN, 0}, {NULL, s->pipe_fd[0], ZMQ_POLLIN, 0}};
    zmq_poll(it, 2, timeout_ms);
    if (it[1].revents & ZMQ_POLLIN) {
        char d[256];
        while (read(s->pipe_fd[0], d, sizeof d) > 0) {}
    }
    for (int k = 0; k < 256; k++) {
        ff_zmq_peer peer;
        uint8_t *b;
        size_t l;
        if (ff_zmq_server_recv(s->srv, &peer, &b, &l, 0, NULL)) break;
        uint8_t route[1 + sizeof peer.id];
        size_t rl = 0;
        if (s->route_tag >= 0) route[rl++] = (uint8_t)s->route_tag;
        memcpy(route + rl, peer.id, peer.len);
        rl += peer.len;
        ff_fog_node_submit(node, b, l, route, rl);
        free(b);
    }
    ff_zmq_serve_flush(s);
}

void ff_zmq_serve_close(ff_zmq_serve *s)
{
    if (!s) return;
    struct outmsg *m = s->head;
    while (m) {
        struct outmsg *nx = m->next;
        free(m);
        m = nx;
    }
    ff_zmq_server_close(s->srv);
    close(s->pipe_fd[0]);
    close(s->pipe_fd[1]);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
