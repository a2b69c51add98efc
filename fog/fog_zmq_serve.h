/* A serving ZeroMQ ROUTER in front of a node (fog/node.c): receives encoded
 * tasks, submits them with the sender's identity as the route, and sends
 * results back. Used by the cloud (on its main thread) and by an edge's
 * direct robot -> edge path (on a thread of its own). The socket belongs
 * to one owner thread: a reply made there (a task run inline) goes out at
 * once; a worker's reply is queued and the owner woken through a pipe. */
#ifndef FF_FOG_ZMQ_SERVE_H
#define FF_FOG_ZMQ_SERVE_H
#include <stddef.h>
#include <stdint.h>

#include "fog_node.h"
#include "fog_zmq.h"

typedef struct ff_zmq_serve ff_zmq_serve;

/* route_tag >= 0: every route starts with this byte (so a node fed by two
 * transports can tell them apart); -1: the route is the bare identity. */
int ff_zmq_serve_open(ff_zmq_serve **out, void *zctx, const char *bind, const ff_zmq_cfg *cfg, int route_tag,
                      const char *log_id, char *err);
/* Makes the calling thread the socket's owner (before its first step). */
void ff_zmq_serve_own(ff_zmq_serve *s);
/* Owner only: waits up to timeout_ms for tasks or queued replies, submits
 * what arrived to node, sends what is queued. */
void ff_zmq_serve_step(ff_zmq_serve *s, ff_fog_node *node, int timeout_ms);
/* Sends queued replies (owner only; also after the node is closed). */
void ff_zmq_serve_flush(ff_zmq_serve *s);
/* The node's reply callback for this server's routes (any thread). */
void ff_zmq_serve_reply(ff_zmq_serve *s, const uint8_t *route, size_t rl, const uint8_t *buf, size_t len);
/* 1 on the owner thread when a further task is already waiting. */
int ff_zmq_serve_input_waiting(ff_zmq_serve *s);
int ff_zmq_serve_is_owner(ff_zmq_serve *s);
const char *ff_zmq_serve_endpoint(ff_zmq_serve *s);
void ff_zmq_serve_close(ff_zmq_serve *s);
#endif
