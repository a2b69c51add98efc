/* Serving core: every admission outcome produces the right Result, and
 * de-duplication, expiry, rejection and forwarding behave. A gated executor
 * (through the ff_exec_ops seam) makes queue states deterministic. */
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fog_node.h"

#define MAXR 64
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static ff_msg_result got[MAXR];
static char routes[MAXR][32];
static int ngot;
static int nforward;
static int forward_ok = 1;
static uint8_t fwd_buf[4096];
static size_t fwd_len;

static void reply(void *user, const uint8_t *route, size_t rl, const uint8_t *buf, size_t len)
{
    (void)user;
    pthread_mutex_lock(&mu);
    if (ngot < MAXR && ff_msg_result_decode(buf, len, &got[ngot], NULL) == 0) {
        snprintf(routes[ngot], sizeof routes[0], "%.*s", (int)rl, (const char *)route);
        ngot++;
    }
    pthread_mutex_unlock(&mu);
}

static int forward(void *user, const uint8_t *task, size_t len)
{
    (void)user;
    if (!forward_ok) return FF_FOG_EFULL;
    memcpy(fwd_buf, task, len < sizeof fwd_buf ? len : sizeof fwd_buf);
    fwd_len = len;
    nforward++;
    return FF_FOG_OK;
}

static int wait_got(int n)
{
    for (int i = 0; i < 3000; i++) {
        pthread_mutex_lock(&mu);
        int k = ngot;
        pthread_mutex_unlock(&mu);
        if (k >= n) return 1;
        usleep(1000);
    }
    return 0;
}

static void reset(void)
{
    for (int i = 0; i < ngot; i++) ff_msg_result_free(&got[i]);
    ngot = 0;
    nforward = 0;
    forward_ok = 1;
}

/* gated executor: infer blocks until the gate opens */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_open = 1;
static int gate_entered;
static int g_open(const char *d, const char *name, const char *b, void **ctx, char *err)
{
    *ctx = NULL;
    return strcmp(name, "gated") == 0 ? 0 : ff_fog_fail(err, FF_FOG_EINPUT, "unknown bundle: %s", name);
}
static size_t g_nin(void *c) { return 16; }
static size_t g_nout(void *c) { return 5; }
static int g_infer(void *c, const int32_t *in, size_t ni, int32_t *out, size_t no, uint64_t *ns, char *err)
{
    pthread_mutex_lock(&gate_mu);
    gate_entered++;
    while (!gate_open) pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
    ff_exec_mlp_forward(in, out);
    if (ns) *ns = 1000;
    return 0;
}
static uint64_t g_pred(void *c) { return 1; }
static void g_close(void *c) {}
static const ff_exec_ops gated_ops = {"gated", g_open, g_nin, g_nout, g_infer, g_pred, g_close, NULL, NULL};

static void wait_entered(int k)
{
    for (int i = 0; i < 3000; i++) {
        pthread_mutex_lock(&gate_mu);
        int e = gate_entered;
        pthread_mutex_unlock(&gate_mu);
        if (e >= k) return;
        usleep(1000);
    }
    fail_msg("worker never started");
}

static void set_gate(int open)
{
    pthread_mutex_lock(&gate_mu);
    gate_entered = 0;
    gate_open = open;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
}

static ff_fog_node *open_node(const ff_exec_ops *ops, const char *bundle, int workers, int cap, int fwd)
{
    ff_fog_node_cfg c;
    memset(&c, 0, sizeof c);
    snprintf(c.node_id, sizeof c.node_id, "edge-t");
    c.tier = FF_TIER_EDGE;
    c.workers = workers;
    c.queue_cap = cap;
    c.bundles[0] = bundle;
    c.n_bundles = 1;
    c.exec_ops = ops;
    c.reply = reply;
    c.forward = fwd ? forward : NULL;
    ff_fog_node *n = NULL;
    char err[FF_FOG_ERRLEN];
    if (ff_fog_node_open(&n, &c, err)) fail_msg("%s", err);
    return n;
}

static void submit(ff_fog_node *n, uint64_t id, const char *bundle, int64_t deadline_from_now_us, const char *route)
{
    ff_msg_task t;
    memset(&t, 0, sizeof t);
    t.task_id = id;
    snprintf(t.robot_id, sizeof t.robot_id, "robot-1");
    snprintf(t.bundle, sizeof t.bundle, "%s", bundle);
    t.deadline_us = (uint64_t)((int64_t)ff_fog_wall_us() + deadline_from_now_us);
    assert_int_equal(ff_msg_tensor_alloc(&t.input, 16, NULL), 0);
    for (int i = 0; i < 16; i++) t.input.data[i] = (int32_t)(id * 3 + (uint64_t)i) % 100 - 50;
    uint8_t *buf;
    size_t len;
    assert_int_equal(ff_msg_task_encode(&t, &buf, &len, NULL), 0);
    ff_fog_node_submit(n, buf, len, (const uint8_t *)route, strlen(route));
    free(buf);
    ff_msg_task_free(&t);
}

static void test_valid_task_runs_and_replies_on_its_route(void **st)
{
    (void)st;
    reset();
    ff_fog_node *n = open_node(NULL, FF_EXEC_MLP_BUNDLE, 2, 16, 0);
    submit(n, 7, FF_EXEC_MLP_BUNDLE, 1000000, "route-a");
    assert_true(wait_got(1));
    assert_int_equal(got[0].status, FF_STATUS_OK);
    assert_int_equal(got[0].task_id, 7);
    assert_string_equal(got[0].node_id, "edge-t");
    assert_string_equal(routes[0], "route-a");
    int32_t in[16], ref[5];
    for (int i = 0; i < 16; i++) in[i] = (int32_t)(7 * 3 + i) % 100 - 50;
    ff_exec_mlp_forward(in, ref);
    assert_int_equal(got[0].output.n, 5);
    assert_memory_equal(got[0].output.data, ref, sizeof ref);
    ff_fog_node_close(n, 1000);
}

static void test_duplicate_gets_cached_result_and_runs_once(void **st)
{
    (void)st;
    reset();
    ff_fog_node *n = open_node(NULL, FF_EXEC_MLP_BUNDLE, 1, 16, 0);
    submit(n, 9, FF_EXEC_MLP_BUNDLE, 1000000, "r1");
    assert_true(wait_got(1));
    submit(n, 9, FF_EXEC_MLP_BUNDLE, 1000000, "r2");
    assert_true(wait_got(2));
    assert_string_equal(routes[1], "r2");
    assert_memory_equal(got[1].output.data, got[0].output.data, 5 * sizeof(int32_t));
    ff_fog_node_stats s;
    ff_fog_node_get_stats(n, &s);
    assert_int_equal(s.executed, 1);
    assert_int_equal(s.duplicates, 1);
    assert_int_equal(s.received, 2);
    ff_fog_node_close(n, 1000);
}

/* A twin (same task from a second connection) arriving while the first copy
 * runs is not run again, and its connection gets the answer too; a retry on
 * the first connection is not answered twice. */
static void test_twin_while_running_is_answered_on_both_routes(void **st)
{
    (void)st;
    reset();
    set_gate(0);
    ff_fog_node *n = open_node(&gated_ops, "gated", 1, 16, 0);
    submit(n, 11, "gated", 1000000, "path0");
    wait_entered(1);
    submit(n, 11, "gated", 1000000, "path0");
    submit(n, 11, "gated", 1000000, "path1");
    set_gate(1);
    assert_true(wait_got(2));
    usleep(20000);
    pthread_mutex_lock(&mu);
    int k = ngot;
    pthread_mutex_unlock(&mu);
    assert_int_equal(k, 2);
    assert_string_equal(routes[0], "path0");
    assert_string_equal(routes[1], "path1");
    assert_int_equal(got[1].status, FF_STATUS_OK);
    assert_memory_equal(got[1].output.data, got[0].output.data, 5 * sizeof(int32_t));
    ff_fog_node_stats s;
    ff_fog_node_get_stats(n, &s);
    assert_int_equal(s.executed, 1);
    assert_int_equal(s.duplicates, 2);
    ff_fog_node_close(n, 1000);
}

static void test_expired_task_is_not_run(void **st)
{
    (void)st;
    reset();
    ff_fog_node *n = open_node(NULL, FF_EXEC_MLP_BUNDLE, 1, 16, 0);
    submit(n, 11, FF_EXEC_MLP_BUNDLE, -1000, "r");
    assert_true(wait_got(1));
    assert_int_equal(got[0].status, FF_STATUS_EXPIRED);
    ff_fog_node_stats s;
    ff_fog_node_get_stats(n, &s);
    assert_int_equal(s.executed, 0);
    assert_int_equal(s.expired, 1);
    ff_fog_node_close(n, 1000);
}

static void test_malformed_and_unknown_bundle_answered(void **st)
{
    (void)st;
    reset();
    ff_fog_node *n = open_node(NULL, FF_EXEC_MLP_BUNDLE, 1, 16, 0);
    const uint8_t junk[] = {0x10, 0x2a, 0x1a, 0x01, 'r', 0xff, 0xff};
    ff_fog_node_submit(n, junk, sizeof junk, (const uint8_t *)"rj", 2);
    submit(n, 12, "resnet", 1000000, "ru");
    assert_true(wait_got(2));
    assert_int_equal(got[0].status, FF_STATUS_MALFORMED);
    assert_int_equal(got[0].task_id, 42);
    assert_true(strlen(got[0].detail) > 0);
    assert_int_equal(got[1].status, FF_STATUS_UNKNOWN_BUNDLE);
    assert_non_null(strstr(got[1].detail, "resnet"));
    ff_fog_node_stats s;
    ff_fog_node_get_stats(n, &s);
    assert_int_equal(s.malformed, 1);
    assert_int_equal(s.unknown_bundle, 1);
    ff_fog_node_close(n, 1000);
}

static void test_full_queue_rejects_explicitly(void **st)
{
    (void)st;
    reset();
    set_gate(0);
    ff_fog_node *n = open_node(&gated_ops, "gated", 1, 2, 0);
    submit(n, 1, "gated", 5000000, "a");
    wait_entered(1); /* the worker holds task 1 */
    submit(n, 2, "gated", 5000000, "b");
    submit(n, 3, "gated", 5000000, "c");
    submit(n, 4, "gated", 5000000, "d"); /* over capacity */
    assert_true(wait_got(1));
    assert_int_equal(got[0].task_id, 4);
    assert_int_equal(got[0].status, FF_STATUS_REJECTED_QUEUE_FULL);
    assert_non_null(strstr(got[0].detail, "rejected: queue full"));
    set_gate(1);
    assert_true(wait_got(4));
    /* a rejected task may be retried and then runs */
    submit(n, 4, "gated", 5000000, "d2");
    assert_true(wait_got(5));
    assert_int_equal(got[4].status, FF_STATUS_OK);
    ff_fog_node_close(n, 1000);
}

static void test_late_task_is_forwarded_and_result_relayed(void **st)
{
    (void)st;
    reset();
    set_gate(0);
    ff_fog_node *n = open_node(&gated_ops, "gated", 1, 4, 1);
    submit(n, 1, "gated", 5000000, "a");
    wait_entered(1); /* the worker holds task 1 */
    for (uint64_t k = 2; k <= 6; k++) submit(n, k, "gated", 5000000, "q"); /* 2-4 queue, 5 full->forward */
    assert_true(nforward >= 1);
    ff_msg_task ft;
    assert_int_equal(ff_msg_task_decode(fwd_buf, fwd_len, &ft, NULL), 0);
    /* the cloud answers the forwarded task */
    ff_msg_result r;
    memset(&r, 0, sizeof r);
    r.task_id = ft.task_id;
    snprintf(r.robot_id, sizeof r.robot_id, "%s", ft.robot_id);
    snprintf(r.node_id, sizeof r.node_id, "cloud-1");
    r.tier = FF_TIER_CLOUD;
    r.compute_ns = 0;
    uint8_t *buf;
    size_t len;
    assert_int_equal(ff_msg_result_encode(&r, &buf, &len, NULL), 0);
    usleep(2000);
    ff_fog_node_forward_done(n, buf, len);
    free(buf);
    assert_true(wait_got(1));
    assert_int_equal(got[0].task_id, ft.task_id);
    assert_string_equal(got[0].node_id, "cloud-1");
    assert_int_equal(got[0].tier, FF_TIER_CLOUD);
    assert_true(got[0].network_ns >= 2000000u && got[0].network_ns < 2000000000u);
    assert_string_equal(routes[0], "q");
    ff_msg_task_free(&ft);
    /* the other forwarded tasks fail over when the link dies */
    int failed = ff_fog_node_fail_forwarded(n, FF_STATUS_REJECTED_QUEUE_FULL, "rejected: cloud link down");
    assert_int_equal(failed, nforward - 1);
    set_gate(1);
    ff_fog_node_close(n, 2000);
}

/* Inline execution: on an idle node whose transport has nothing else
 * waiting, the task runs (and is answered) on the submitting thread; with
 * input waiting it goes through the queue so admission sees the backlog. */
static int waiting_flag;
static int input_waiting(void *user)
{
    (void)user;
    return waiting_flag;
}

static ff_fog_node *open_inline_node(void)
{
    ff_fog_node_cfg c;
    memset(&c, 0, sizeof c);
    snprintf(c.node_id, sizeof c.node_id, "edge-i");
    c.tier = FF_TIER_EDGE;
    c.workers = 1;
    c.queue_cap = 16;
    c.bundles[0] = FF_EXEC_MLP_BUNDLE;
    c.n_bundles = 1;
    c.reply = reply;
    c.inline_max_us = 1000;
    c.input_waiting = input_waiting;
    ff_fog_node *n = NULL;
    char err[FF_FOG_ERRLEN];
    if (ff_fog_node_open(&n, &c, err)) fail_msg("%s", err);
    return n;
}

static void test_idle_node_runs_task_inline(void **st)
{
    (void)st;
    reset();
    ff_fog_node *n = open_inline_node();
    waiting_flag = 0;
    submit(n, 21, FF_EXEC_MLP_BUNDLE, 1000000, "ri");
    pthread_mutex_lock(&mu);
    int answered = ngot; /* no wait: answered before submit returned */
    pthread_mutex_unlock(&mu);
    assert_int_equal(answered, 1);
    assert_int_equal(got[0].status, FF_STATUS_OK);
    waiting_flag = 1;
    submit(n, 22, FF_EXEC_MLP_BUNDLE, 1000000, "rq");
    assert_true(wait_got(2));
    assert_int_equal(got[1].status, FF_STATUS_OK);
    ff_fog_node_stats s;
    ff_fog_node_get_stats(n, &s);
    assert_int_equal(s.executed, 2);
    assert_int_equal(s.inlined, 1);
    ff_fog_node_close(n, 1000);
    waiting_flag = 0;
}

/* An executor that knows its bundle's sha256 (as libfogforge bundles do). */
static const uint8_t served_sha[32] = {0xab, 0xcd, 1, 2, 3};
static int s_sha(void *c, uint8_t out[32])
{
    memcpy(out, served_sha, 32);
    return FF_FOG_OK;
}
static const ff_exec_ops sha_ops = {"gated", g_open, g_nin, g_nout, g_infer, g_pred, g_close, NULL, s_sha};

static void submit_sha(ff_fog_node *n, uint64_t id, const uint8_t *sha, const char *route)
{
    ff_msg_task t;
    memset(&t, 0, sizeof t);
    t.task_id = id;
    snprintf(t.robot_id, sizeof t.robot_id, "robot-1");
    snprintf(t.bundle, sizeof t.bundle, "gated");
    t.deadline_us = ff_fog_wall_us() + 1000000;
    if (sha) {
        memcpy(t.bundle_sha256, sha, 32);
        t.has_sha256 = 1;
    }
    assert_int_equal(ff_msg_tensor_alloc(&t.input, 16, NULL), 0);
    uint8_t *buf;
    size_t len;
    assert_int_equal(ff_msg_task_encode(&t, &buf, &len, NULL), 0);
    ff_fog_node_submit(n, buf, len, (const uint8_t *)route, strlen(route));
    free(buf);
    ff_msg_task_free(&t);
}

static void test_bundle_sha256_mismatch_is_refused_and_counted(void **st)
{
    (void)st;
    reset();
    set_gate(1);
    ff_fog_node *n = open_node(&sha_ops, "gated", 1, 16, 0);
    uint8_t other[32];
    memcpy(other, served_sha, 32);
    other[31] ^= 1;
    submit_sha(n, 31, served_sha, "same");
    submit_sha(n, 32, other, "other");
    submit_sha(n, 33, NULL, "none");
    assert_true(wait_got(3));
    int ok = 0, mismatch = 0;
    for (int i = 0; i < 3; i++) {
        if (got[i].status == FF_STATUS_OK) ok++;
        if (got[i].status == FF_STATUS_BUNDLE_MISMATCH) {
            mismatch++;
            assert_int_equal(got[i].task_id, 32);
            assert_non_null(strstr(got[i].detail, "bundle sha256 mismatch: gated: task wants abcd010203000000..., this node serves abcd010203000000..."));
        }
    }
    assert_int_equal(ok, 2);
    assert_int_equal(mismatch, 1);
    ff_fog_node_stats s;
    ff_fog_node_get_stats(n, &s);
    assert_int_equal(s.bundle_mismatch, 1);
    assert_int_equal(s.executed, 2);
    ff_fog_node_close(n, 1000);
}

/* An executor without a sha256 cannot vouch for a task that names one. */
static void test_task_sha256_against_executor_without_one_is_refused(void **st)
{
    (void)st;
    reset();
    set_gate(1);
    ff_fog_node *n = open_node(&gated_ops, "gated", 1, 16, 0);
    submit_sha(n, 41, served_sha, "r");
    assert_true(wait_got(1));
    assert_int_equal(got[0].status, FF_STATUS_BUNDLE_MISMATCH);
    assert_non_null(strstr(got[0].detail, "(no sha256)"));
    ff_fog_node_close(n, 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_task_runs_and_replies_on_its_route),
        cmocka_unit_test(test_duplicate_gets_cached_result_and_runs_once),
        cmocka_unit_test(test_twin_while_running_is_answered_on_both_routes),
        cmocka_unit_test(test_expired_task_is_not_run),
        cmocka_unit_test(test_malformed_and_unknown_bundle_answered),
        cmocka_unit_test(test_full_queue_rejects_explicitly),
        cmocka_unit_test(test_late_task_is_forwarded_and_result_relayed),
        cmocka_unit_test(test_idle_node_runs_task_inline),
        cmocka_unit_test(test_bundle_sha256_mismatch_is_refused_and_counted),
        cmocka_unit_test(test_task_sha256_against_executor_without_one_is_refused),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    reset();
    return rc;
}
