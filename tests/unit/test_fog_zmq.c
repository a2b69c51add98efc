/* ZeroMQ links over real libzmq sockets on loopback: round trip, explicit
 * rejection when no peer or the high-water mark is hit, connection state and
 * reconnect after the server restarts. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "fog_zmq.h"

static int wait_connected(ff_zmq_client *c, int want, int ms)
{
    for (int i = 0; i < ms; i++) {
        if (ff_zmq_client_connected(c) == want) return 1;
        usleep(1000);
    }
    return 0;
}

static void test_round_trip_through_router(void **st)
{
    (void)st;
    void *z = zmq_ctx_new();
    ff_zmq_cfg cfg;
    ff_zmq_cfg_init(&cfg);
    ff_zmq_server *s;
    ff_zmq_client *c;
    char err[FF_FOG_ERRLEN];
    assert_int_equal(ff_zmq_server_open(&s, z, "tcp://127.0.0.1:*", &cfg, err), 0);
    assert_non_null(strstr(ff_zmq_server_endpoint(s), "tcp://127.0.0.1:"));
    assert_int_equal(ff_zmq_client_open(&c, z, ff_zmq_server_endpoint(s), &cfg, err), 0);
    assert_true(wait_connected(c, 1, 2000));
    for (int i = 0; i < 50; i++) {
        char msg[32];
        int n = snprintf(msg, sizeof msg, "task-%d", i);
        assert_int_equal(ff_zmq_client_send(c, (uint8_t *)msg, (size_t)n, err), 0);
        ff_zmq_peer p;
        uint8_t *b;
        size_t l;
        assert_int_equal(ff_zmq_server_recv(s, &p, &b, &l, 2000, err), 0);
        assert_int_equal(l, (size_t)n);
        assert_memory_equal(b, msg, l);
        b[0] = 'R';
        assert_int_equal(ff_zmq_server_send(s, &p, b, l, err), 0);
        free(b);
        assert_int_equal(ff_zmq_client_recv(c, &b, &l, 2000, err), 0);
        assert_int_equal(b[0], 'R');
        free(b);
    }
    uint8_t *b;
    size_t l;
    assert_int_equal(ff_zmq_client_recv(c, &b, &l, 10, err), FF_FOG_ETIMEOUT);
    ff_zmq_client_close(c);
    ff_zmq_server_close(s);
    zmq_ctx_term(z);
}

static void test_send_without_peer_is_rejected_not_queued(void **st)
{
    (void)st;
    void *z = zmq_ctx_new();
    ff_zmq_cfg cfg;
    ff_zmq_cfg_init(&cfg);
    ff_zmq_client *c;
    char err[FF_FOG_ERRLEN] = "";
    assert_int_equal(ff_zmq_client_open(&c, z, "tcp://127.0.0.1:1", &cfg, err), 0);
    assert_int_equal(ff_zmq_client_connected(c), 0);
    assert_int_equal(ff_zmq_client_send(c, (const uint8_t *)"x", 1, err), FF_FOG_EFULL);
    assert_non_null(strstr(err, "rejected: queue full"));
    ff_zmq_client_close(c);
    zmq_ctx_term(z);
}

static void test_high_water_mark_rejects_explicitly(void **st)
{
    (void)st;
    void *z = zmq_ctx_new();
    ff_zmq_cfg cfg;
    ff_zmq_cfg_init(&cfg);
    cfg.hwm = 8;
    ff_zmq_server *s;
    ff_zmq_client *c;
    char err[FF_FOG_ERRLEN] = "";
    assert_int_equal(ff_zmq_server_open(&s, z, "tcp://127.0.0.1:*", &cfg, err), 0);
    assert_int_equal(ff_zmq_client_open(&c, z, ff_zmq_server_endpoint(s), &cfg, err), 0);
    assert_true(wait_connected(c, 1, 2000));
    static uint8_t payload[16384];
    int sent = 0, rc = 0;
    for (int i = 0; i < 200000 && rc == 0; i++) {
        rc = ff_zmq_client_send(c, payload, sizeof payload, err);
        if (rc == 0) sent++;
    }
    assert_int_equal(rc, FF_FOG_EFULL); /* the server never reads: bounded */
    assert_true(sent >= 8);
    ff_zmq_client_close(c);
    ff_zmq_server_close(s);
    zmq_ctx_term(z);
}

static void test_client_sees_disconnect_and_reconnects(void **st)
{
    (void)st;
    void *z = zmq_ctx_new();
    ff_zmq_cfg cfg;
    ff_zmq_cfg_init(&cfg);
    ff_zmq_server *s;
    ff_zmq_client *c;
    char err[FF_FOG_ERRLEN] = "", ep[256];
    assert_int_equal(ff_zmq_server_open(&s, z, "tcp://127.0.0.1:*", &cfg, err), 0);
    snprintf(ep, sizeof ep, "%s", ff_zmq_server_endpoint(s));
    assert_int_equal(ff_zmq_client_open(&c, z, ep, &cfg, err), 0);
    assert_true(wait_connected(c, 1, 2000));
    ff_zmq_server_close(s);
    assert_true(wait_connected(c, 0, 3000));
    assert_int_equal(ff_zmq_client_send(c, (const uint8_t *)"x", 1, err), FF_FOG_EFULL);
    assert_int_equal(ff_zmq_server_open(&s, z, ep, &cfg, err), 0);
    assert_true(wait_connected(c, 1, 5000));
    assert_int_equal(ff_zmq_client_send(c, (const uint8_t *)"y", 1, err), 0);
    ff_zmq_peer p;
    uint8_t *b;
    size_t l;
    assert_int_equal(ff_zmq_server_recv(s, &p, &b, &l, 2000, err), 0);
    assert_int_equal(b[0], 'y');
    free(b);
    ff_zmq_client_close(c);
    ff_zmq_server_close(s);
    zmq_ctx_term(z);
}

/* The microsecond wait: times out after (not long after) its timeout with
 * nothing to read, returns at once for a waiting reply, across two links. */
static void test_wait_us_times_out_and_wakes_for_a_reply(void **st)
{
    (void)st;
    void *z = zmq_ctx_new();
    ff_zmq_cfg cfg;
    ff_zmq_cfg_init(&cfg);
    ff_zmq_server *s;
    ff_zmq_client *c, *idle;
    char err[FF_FOG_ERRLEN];
    assert_int_equal(ff_zmq_server_open(&s, z, "tcp://127.0.0.1:*", &cfg, err), 0);
    assert_int_equal(ff_zmq_client_open(&c, z, ff_zmq_server_endpoint(s), &cfg, err), 0);
    assert_int_equal(ff_zmq_client_open(&idle, z, ff_zmq_server_endpoint(s), &cfg, err), 0);
    assert_true(wait_connected(c, 1, 2000));
    uint64_t t0 = ff_fog_mono_ns();
    assert_int_equal(ff_zmq_client_wait_us(c, 3000), 0);
    uint64_t waited = ff_fog_mono_ns() - t0;
    assert_true(waited >= 3000000u);
    assert_true(waited < 500000000u);
    assert_int_equal(ff_zmq_client_send(c, (const uint8_t *)"ping", 4, err), 0);
    ff_zmq_peer p;
    uint8_t *b;
    size_t l;
    assert_int_equal(ff_zmq_server_recv(s, &p, &b, &l, 2000, err), 0);
    assert_int_equal(ff_zmq_server_send(s, &p, b, l, err), 0);
    free(b);
    ff_zmq_client *both[2] = {idle, c};
    t0 = ff_fog_mono_ns();
    assert_int_equal(ff_zmq_client_wait_any_us(both, 2, 2000000), 1);
    assert_true(ff_fog_mono_ns() - t0 < 1000000000u);
    assert_int_equal(ff_zmq_client_recv(c, &b, &l, 0, err), 0);
    assert_memory_equal(b, "ping", 4);
    free(b);
    assert_int_equal(ff_zmq_client_wait_us(c, 0), 0); /* nothing left: a zero wait polls */
    ff_zmq_client_close(idle);
    ff_zmq_client_close(c);
    ff_zmq_server_close(s);
    zmq_ctx_term(z);
}

static void test_bad_endpoints_are_input_errors(void **st)
{
    (void)st;
    void *z = zmq_ctx_new();
    ff_zmq_cfg cfg;
    ff_zmq_cfg_init(&cfg);
    ff_zmq_server *s;
    ff_zmq_client *c;
    char err[FF_FOG_ERRLEN] = "";
    assert_int_equal(ff_zmq_server_open(&s, z, "bogus://x", &cfg, err), FF_FOG_EINPUT);
    assert_non_null(strstr(err, "bogus://x"));
    assert_int_equal(ff_zmq_client_open(&c, z, "nope", &cfg, err), FF_FOG_EINPUT);
    zmq_ctx_term(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_through_router),
        cmocka_unit_test(test_send_without_peer_is_rejected_not_queued),
        cmocka_unit_test(test_high_water_mark_rejects_explicitly),
        cmocka_unit_test(test_client_sees_disconnect_and_reconnects),
        cmocka_unit_test(test_wait_us_times_out_and_wakes_for_a_reply),
        cmocka_unit_test(test_bad_endpoints_are_input_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
