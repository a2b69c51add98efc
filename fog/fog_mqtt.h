/* MQTT v5 client for the fog runtime, over Eclipse Paho C (async API):
 * QoS 1, Response Topic + Correlation Data, Message Expiry, retained status
 * with a Last Will, username/password and TLS, automatic reconnect with
 * backoff and re-subscription, and TCP_NODELAY on the client socket (Paho
 * never sets it; without it a QoS 1 request/response takes ~88 ms). */
#ifndef FF_FOG_MQTT_H
#define FF_FOG_MQTT_H
#include <stddef.h>
#include <stdint.h>

#include "fog_err.h"

typedef struct ff_mqtt ff_mqtt;

typedef struct ff_mqtt_cfg {
    char uri[256];          /* tcp://host:port, ssl://host:port (mqtt:// and mqtts:// accepted) */
    char client_id[64];     /* empty: generated */
    char username[64];
    char password[128];
    char ca_file[256];      /* TLS trust store (PEM) */
    char cert_file[256];    /* TLS client certificate (PEM) */
    char key_file[256];     /* TLS client key (PEM) */
    int tls_insecure;       /* 1: do not verify the server certificate */
    int keepalive_s;        /* default 10 */
    int clean_start;        /* default 1 */
    uint32_t session_expiry_s;
    char will_topic[192];   /* empty: no Last Will */
    char will_payload[256];
    int nodelay;            /* default 1: set TCP_NODELAY on the client socket */
    int connect_timeout_ms; /* how long ff_mqtt_open keeps retrying the first connect (default 5000) */
    int max_buffered;       /* publishes buffered while disconnected (default 10000) */
    int max_pending;        /* QoS>0 publishes awaiting their ack before ff_mqtt_publish waits (default 128,
                             * 0 = unbounded): Paho scans every pending publish to pick a message id, so an
                             * unbounded backlog makes each publish O(backlog) */
    int pending_wait_ms;    /* longest such wait (default 100); never on Paho's own threads */
} ff_mqtt_cfg;

/* Fills defaults (keepalive, clean start, nodelay, timeouts). */
void ff_mqtt_cfg_init(ff_mqtt_cfg *c);

typedef struct ff_mqtt_props {
    const char *response_topic;   /* NULL: none */
    const uint8_t *corr;          /* correlation data */
    size_t corr_len;
    uint32_t expiry_s;            /* message expiry interval */
    int has_expiry;
} ff_mqtt_props;

/* Called on Paho's thread for every message; payload is only valid during
 * the call. */
typedef void (*ff_mqtt_on_msg)(void *user, const char *topic, const uint8_t *payload, size_t len,
                               const ff_mqtt_props *props);
/* Called on connect (1, also after each automatic reconnect) and on loss (0). */
typedef void (*ff_mqtt_on_conn)(void *user, int connected);

int ff_mqtt_open(ff_mqtt **out, const ff_mqtt_cfg *cfg, ff_mqtt_on_msg on_msg, ff_mqtt_on_conn on_conn, void *user,
                 char *err);
/* Subscribes now (if connected) and again after every reconnect. */
int ff_mqtt_subscribe(ff_mqtt *m, const char *topic, int qos, char *err);
/* Hands one message to Paho. From a thread of the caller (not from inside
 * an on_msg/on_conn callback), a QoS>0 publish first waits up to
 * pending_wait_ms while max_pending publishes are unacknowledged. */
int ff_mqtt_publish(ff_mqtt *m, const char *topic, const void *payload, size_t len, int qos, int retained,
                    const ff_mqtt_props *props, char *err);
int ff_mqtt_is_connected(ff_mqtt *m);
/* Sockets set to TCP_NODELAY at the last (re)connect. */
int ff_mqtt_nodelay_sockets(ff_mqtt *m);
/* 1 when bytes from the broker are already waiting on the connection (or
 * the socket is unknown): a message callback that finds more input
 * waiting should hand its work off rather than hold the receive thread. */
int ff_mqtt_input_pending(ff_mqtt *m);
/* Waits until every publish handed to Paho is acknowledged (or timeout). */
int ff_mqtt_flush(ff_mqtt *m, int timeout_ms);
/* Clean disconnect (no Last Will) and free. NULL is fine. */
void ff_mqtt_close(ff_mqtt *m);

/* Sets TCP_NODELAY on every stream socket of this process connected to
 * host:port; returns how many (exposed for tests). */
int ff_mqtt_set_nodelay_to(const char *host, int port);
/* Splits an MQTT URI into host and port. */
int ff_mqtt_parse_uri(const char *uri, char *host, size_t hostlen, int *port, int *tls, char *err);
#endif
