/* Task/Result codec: round trips, size limits checked before allocation,
 * malformed input rejected with a reason, ids salvaged for error replies. */
#include "testutil.h"

#include <string.h>

#include "fog_msg.h"
#include "msg.pb-c.h"

static void make_task(ff_msg_task *t, size_t n)
{
    memset(t, 0, sizeof *t);
    t->task_id = 0x123456789abcull;
    strcpy(t->robot_id, "robot-7");
    strcpy(t->bundle, "jet-tagger");
    t->deadline_us = 1700000000000000ull;
    t->priority = 3;
    t->sent_us = 1699999999999000ull;
    t->attempt = 2;
    t->has_sha256 = 1;
    for (int i = 0; i < 32; i++) t->bundle_sha256[i] = (uint8_t)i;
    assert_int_equal(ff_msg_tensor_alloc(&t->input, n, NULL), 0);
    for (size_t i = 0; i < n; i++) t->input.data[i] = (int32_t)(i * 1000003u) - 500;
    t->input.data[0] = INT32_MIN;
}

static void test_task_round_trip_preserves_every_field(void **s)
{
    (void)s;
    ff_msg_task t, u;
    char err[FF_FOG_ERRLEN];
    make_task(&t, 16);
    t.input.ndim = 2;
    t.input.shape[0] = 1;
    t.input.shape[1] = 16;
    uint8_t *buf;
    size_t len;
    assert_int_equal(ff_msg_task_encode(&t, &buf, &len, err), 0);
    assert_int_equal(ff_msg_task_decode(buf, len, &u, err), 0);
    assert_int_equal(u.task_id, t.task_id);
    assert_string_equal(u.robot_id, "robot-7");
    assert_string_equal(u.bundle, "jet-tagger");
    assert_int_equal(u.has_sha256, 1);
    assert_memory_equal(u.bundle_sha256, t.bundle_sha256, 32);
    assert_int_equal(u.deadline_us, t.deadline_us);
    assert_int_equal(u.priority, 3);
    assert_int_equal(u.sent_us, t.sent_us);
    assert_int_equal(u.attempt, 2);
    assert_int_equal(u.input.ndim, 2);
    assert_int_equal(u.input.shape[1], 16);
    assert_int_equal(u.input.n, 16);
    assert_memory_equal(u.input.data, t.input.data, 16 * sizeof(int32_t));
    free(buf);
    ff_msg_task_free(&t);
    ff_msg_task_free(&u);
}

static void test_result_round_trip_preserves_every_field(void **s)
{
    (void)s;
    ff_msg_result r, q;
    char err[FF_FOG_ERRLEN];
    memset(&r, 0, sizeof r);
    r.task_id = 99;
    strcpy(r.robot_id, "r1");
    r.status = FF_STATUS_REJECTED_QUEUE_FULL;
    strcpy(r.detail, "rejected: queue full");
    strcpy(r.node_id, "edge-a");
    r.tier = FF_TIER_CLOUD;
    r.queue_ns = 1;
    r.compute_ns = 2;
    r.network_ns = 3;
    r.queue_depth = 4;
    assert_int_equal(ff_msg_tensor_alloc(&r.output, 5, NULL), 0);
    for (int i = 0; i < 5; i++) r.output.data[i] = -i * 70000;
    uint8_t *buf;
    size_t len;
    assert_int_equal(ff_msg_result_encode(&r, &buf, &len, err), 0);
    assert_int_equal(ff_msg_result_decode(buf, len, &q, err), 0);
    assert_int_equal(q.task_id, 99);
    assert_int_equal(q.status, FF_STATUS_REJECTED_QUEUE_FULL);
    assert_string_equal(q.detail, "rejected: queue full");
    assert_string_equal(q.node_id, "edge-a");
    assert_int_equal(q.tier, FF_TIER_CLOUD);
    assert_int_equal(q.queue_ns + q.compute_ns + q.network_ns + q.queue_depth, 10);
    assert_int_equal(q.output.n, 5);
    assert_memory_equal(q.output.data, r.output.data, 5 * sizeof(int32_t));
    free(buf);
    ff_msg_result_free(&r);
    ff_msg_result_free(&q);
}

/* A tensor whose declared data length is over the limit is rejected by the
 * pre-scan: the wire bytes are a header claiming 16 MiB followed by nothing,
 * so protobuf-c would fail too, but the message must name the limit. */
static void test_oversized_tensor_is_rejected_before_unpack(void **s)
{
    (void)s;
    uint8_t buf[64];
    size_t n = 0;
    buf[n++] = 0x08; buf[n++] = 1;           /* version 1 */
    buf[n++] = 0x10; buf[n++] = 5;           /* task id 5 */
    buf[n++] = 0x42; buf[n++] = 8;           /* input, 8 bytes */
    buf[n++] = 0x1a;                          /* data: length 16 MiB (varint) */
    buf[n++] = 0x80; buf[n++] = 0x80; buf[n++] = 0x80; buf[n++] = 0x08;
    buf[n++] = 0; buf[n++] = 0; buf[n++] = 0;
    ff_msg_task t;
    char err[FF_FOG_ERRLEN] = "";
    assert_int_equal(ff_msg_task_decode(buf, n, &t, err), FF_FOG_EINPUT);
    assert_non_null(strstr(err, "malformed"));
    assert_int_equal(t.task_id, 5); /* salvaged for the error reply */
}

static void test_large_but_valid_data_field_over_limit_names_the_limit(void **s)
{
    (void)s;
    size_t dl = (size_t)FF_MSG_MAX_ELEMS * 4 + 4;
    uint8_t *buf = calloc(1, dl + 32);
    size_t n = 0;
    buf[n++] = 0x42;
    size_t inner = 1 + 3 + dl; /* tag + 3-byte varint + data */
    buf[n++] = (uint8_t)(0x80 | (inner & 0x7f));
    buf[n++] = (uint8_t)(0x80 | ((inner >> 7) & 0x7f));
    buf[n++] = (uint8_t)(inner >> 14);
    buf[n++] = 0x1a;
    buf[n++] = (uint8_t)(0x80 | (dl & 0x7f));
    buf[n++] = (uint8_t)(0x80 | ((dl >> 7) & 0x7f));
    buf[n++] = (uint8_t)(dl >> 14);
    n += dl;
    ff_msg_task t;
    char err[FF_FOG_ERRLEN] = "";
    assert_int_equal(ff_msg_task_decode(buf, n, &t, err), FF_FOG_EINPUT);
    assert_non_null(strstr(err, "tensor data too large"));
    free(buf);
}

static void test_wire_over_max_is_rejected(void **s)
{
    (void)s;
    size_t n = FF_MSG_MAX_WIRE + 1;
    uint8_t *buf = calloc(1, n);
    ff_msg_task t;
    char err[FF_FOG_ERRLEN] = "";
    assert_int_equal(ff_msg_task_decode(buf, n, &t, err), FF_FOG_EINPUT);
    assert_non_null(strstr(err, "message too large"));
    free(buf);
}

static void test_too_many_dims_rejected(void **s)
{
    (void)s;
    uint8_t buf[64];
    size_t n = 0;
    buf[n++] = 0x08; buf[n++] = 1;
    buf[n++] = 0x42; buf[n++] = 11;
    buf[n++] = 0x12; buf[n++] = 9;           /* packed shape, 9 dims */
    for (int i = 0; i < 9; i++) buf[n++] = 1;
    ff_msg_task t;
    char err[FF_FOG_ERRLEN] = "";
    assert_int_equal(ff_msg_task_decode(buf, n, &t, err), FF_FOG_EINPUT);
    assert_non_null(strstr(err, "dimensions"));
}

static void test_long_robot_id_rejected(void **s)
{
    (void)s;
    uint8_t buf[128];
    size_t n = 0;
    buf[n++] = 0x08; buf[n++] = 1;
    buf[n++] = 0x1a; buf[n++] = 64;
    memset(buf + n, 'x', 64);
    n += 64;
    ff_msg_task t;
    char err[FF_FOG_ERRLEN] = "";
    assert_int_equal(ff_msg_task_decode(buf, n, &t, err), FF_FOG_EINPUT);
    assert_non_null(strstr(err, "too long"));
}

static void test_shape_mismatch_and_bad_version_rejected(void **s)
{
    (void)s;
    ff_msg_task t, u;
    char err[FF_FOG_ERRLEN] = "";
    uint8_t *buf;
    size_t len;
    make_task(&t, 4);
    t.input.ndim = 1;
    t.input.shape[0] = 5;
    assert_int_equal(ff_msg_task_encode(&t, &buf, &len, err), FF_FOG_EINPUT);
    t.input.shape[0] = 4;
    assert_int_equal(ff_msg_task_encode(&t, &buf, &len, err), 0);
    /* patch the version byte (first field, 0x08 0x01) to 2 */
    assert_int_equal(buf[0], 0x08);
    buf[1] = 2;
    assert_int_equal(ff_msg_task_decode(buf, len, &u, err), FF_FOG_EINPUT);
    assert_non_null(strstr(err, "version"));
    free(buf);
    ff_msg_task_free(&t);
}

static void test_garbage_and_empty_rejected(void **s)
{
    (void)s;
    ff_msg_task t;
    ff_msg_result r;
    char err[FF_FOG_ERRLEN];
    const uint8_t junk[] = "this is not protobuf \xff\xff\xff\xff";
    assert_int_equal(ff_msg_task_decode(junk, sizeof junk, &t, err), FF_FOG_EINPUT);
    assert_int_equal(ff_msg_result_decode(junk, sizeof junk, &r, err), FF_FOG_EINPUT);
    /* empty buffer: version 0 */
    assert_int_equal(ff_msg_task_decode((const uint8_t *)"", 0, &t, err), FF_FOG_EINPUT);
    /* group wire type */
    const uint8_t grp[] = {0x0b, 0x0c};
    assert_int_equal(ff_msg_task_decode(grp, sizeof grp, &t, err), FF_FOG_EINPUT);
}

static void test_int8_tensor_is_widened(void **s)
{
    (void)s;
    Fogforge__V1__Task m = FOGFORGE__V1__TASK__INIT;
    Fogforge__V1__Tensor tn = FOGFORGE__V1__TENSOR__INIT;
    uint8_t data[3] = {0x7f, 0x80, 0xff};
    m.version = 1;
    m.robot_id = "r";
    m.bundle = "b";
    tn.dtype = FOGFORGE__V1__DTYPE__DTYPE_INT8;
    tn.data.data = data;
    tn.data.len = 3;
    m.input = &tn;
    uint8_t buf[128];
    size_t len = fogforge__v1__task__pack(&m, buf);
    ff_msg_task t;
    char err[FF_FOG_ERRLEN];
    assert_int_equal(ff_msg_task_decode(buf, len, &t, err), 0);
    assert_int_equal(t.input.n, 3);
    assert_int_equal(t.input.data[0], 127);
    assert_int_equal(t.input.data[1], -128);
    assert_int_equal(t.input.data[2], -1);
    ff_msg_task_free(&t);
    tn.dtype = FOGFORGE__V1__DTYPE__DTYPE_FLOAT32;
    tn.data.len = 4;
    uint8_t d4[4] = {0};
    tn.data.data = d4;
    len = fogforge__v1__task__pack(&m, buf);
    assert_int_equal(ff_msg_task_decode(buf, len, &t, err), FF_FOG_EINPUT);
    assert_non_null(strstr(err, "float32"));
}

static void test_every_truncation_of_a_valid_task_is_handled(void **s)
{
    (void)s;
    ff_msg_task t, u;
    char err[FF_FOG_ERRLEN];
    uint8_t *buf;
    size_t len;
    make_task(&t, 16);
    assert_int_equal(ff_msg_task_encode(&t, &buf, &len, err), 0);
    int ok = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t *c = malloc(i ? i : 1);
        memcpy(c, buf, i);
        int rc = ff_msg_task_decode(c, i, &u, err);
        if (rc == 0) {
            ok++;
            ff_msg_task_free(&u);
        } else {
            assert_int_equal(rc, FF_FOG_EINPUT);
        }
        free(c);
    }
    assert_true(ok < (int)len); /* most prefixes are invalid */
    free(buf);
    ff_msg_task_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_task_round_trip_preserves_every_field),
        cmocka_unit_test(test_result_round_trip_preserves_every_field),
        cmocka_unit_test(test_oversized_tensor_is_rejected_before_unpack),
        cmocka_unit_test(test_large_but_valid_data_field_over_limit_names_the_limit),
        cmocka_unit_test(test_wire_over_max_is_rejected),
        cmocka_unit_test(test_too_many_dims_rejected),
        cmocka_unit_test(test_long_robot_id_rejected),
        cmocka_unit_test(test_shape_mismatch_and_bad_version_rejected),
        cmocka_unit_test(test_garbage_and_empty_rejected),
        cmocka_unit_test(test_int8_tensor_is_widened),
        cmocka_unit_test(test_every_truncation_of_a_valid_task_is_handled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
