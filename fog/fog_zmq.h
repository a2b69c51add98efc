/* ZeroMQ transport (libzmq) for edge <-> cloud and optional direct robot ->
 * node links: a DEALER client and a ROUTER server, one message per frame
 * (an encoded Task or Result). Heartbeats (ZMQ_HEARTBEAT_IVL/TTL/TIMEOUT)
 * drop dead peers, reconnects back off exponentially, and high-water marks
 * bound every queue: a send that would block fails with FF_FOG_EFULL so the
 * caller can answer "rejected: queue full" instead of waiting. */
#ifndef FF_FOG_ZMQ_H
#define FF_FOG_ZMQ_H
#include <stddef.h>
#include <stdint.h>

#include "fog_err.h"

typedef struct ff_zmq_cfg {
    int hwm;                   /* messages queued per peer each way (default 1000) */
    int heartbeat_ivl_ms;      /* default 250 */
    int heartbeat_timeout_ms;  /* default 1000 */
    int heartbeat_ttl_ms;      /* default 2000 */
    int reconnect_ivl_ms;      /* default 50 */
    int reconnect_ivl_max_ms;  /* default 2000 */
} ff_zmq_cfg;

void ff_zmq_cfg_init(ff_zmq_cfg *c);

typedef struct ff_zmq_client ff_zmq_client;
typedef struct ff_zmq_server ff_zmq_server;

typedef struct ff_zmq_peer {
    uint8_t id[256];
    size_t len;
} ff_zmq_peer;

/* zctx: a zmq context shared by the caller (zmq_ctx_new()). */
int ff_zmq_client_open(ff_zmq_client **out, void *zctx, const char *endpoint, const ff_zmq_cfg *cfg, char *err);
/* Never blocks: FF_FOG_EFULL when the peer is absent or its queue is full. */
int ff_zmq_client_send(ff_zmq_client *c, const uint8_t *buf, size_t len, char *err);
/* Receives one message (malloc'd) within timeout_ms (0: poll, -1: forever). */
int ff_zmq_client_recv(ff_zmq_client *c, uint8_t **buf, size_t *len, int timeout_ms, char *err);
/* Waits up to timeout_us (microseconds, not zmq_poll's milliseconds: a
 * robot waiting for a reply until its next send time must not oversleep)
 * until a message can be received: 1, 0 on timeout. */
int ff_zmq_client_wait_us(ff_zmq_client *c, int64_t timeout_us);
/* Same for any of n (at most 4) clients. */
int ff_zmq_client_wait_any_us(ff_zmq_client *const *cs, int n, int64_t timeout_us);
/* 1 while a connection to the server is up (from socket monitor events). */
int ff_zmq_client_connected(ff_zmq_client *c);
/* Time from zmq_connect() until the first ZMTP handshake was seen (TCP's
 * handshake, then the greetings and READY commands: about two round trips,
 * plus however long the caller took to look), µs; -1 before it. */
double ff_zmq_client_handshake_us(ff_zmq_client *c);
void *ff_zmq_client_socket(ff_zmq_client *c);
void ff_zmq_client_close(ff_zmq_client *c);

int ff_zmq_server_open(ff_zmq_server **out, void *zctx, const char *endpoint, const ff_zmq_cfg *cfg, char *err);
int ff_zmq_server_recv(ff_zmq_server *s, ff_zmq_peer *peer, uint8_t **buf, size_t *len, int timeout_ms, char *err);
/* Never blocks: FF_FOG_EFULL when the peer's queue is full, FF_FOG_EINPUT
 * when the peer is gone. */
int ff_zmq_server_send(ff_zmq_server *s, const ff_zmq_peer *peer, const uint8_t *buf, size_t len, char *err);
void *ff_zmq_server_socket(ff_zmq_server *s);
/* Actual endpoint (resolves a tcp://127.0.0.1:* wildcard port). */
const char *ff_zmq_server_endpoint(ff_zmq_server *s);
void ff_zmq_server_close(ff_zmq_server *s);
#endif
