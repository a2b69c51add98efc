/* The link emulator's model: delay ± jitter, loss, FIFO release, traces. */
#include "testutil.h"

#include <math.h>
#include <string.h>

#include "linkem.h"

static void test_delay_is_half_rtt_each_way_with_bounded_uniform_jitter(void **st)
{
    (void)st;
    ff_linkem_link l = {30.0, 10.0, 0, NULL};
    uint64_t rng = 7;
    double sum = 0, lo = 1e9, hi = 0;
    for (int i = 0; i < 100000; i++) {
        double d = ff_linkem_oneway_us(&l, 0, &rng);
        sum += d;
        if (d < lo) lo = d;
        if (d > hi) hi = d;
    }
    assert_true(fabs(sum / 100000 - 15000) < 50);
    assert_true(lo >= 10000 && lo < 10100 && hi <= 20000 && hi > 19900);
    ff_linkem_link z = {1.0, 50.0, 0, NULL}; /* jitter larger than delay: never negative */
    for (int i = 0; i < 1000; i++) assert_true(ff_linkem_oneway_us(&z, 0, &rng) >= 0);
}

static void test_loss_rate_matches_probability(void **st)
{
    (void)st;
    ff_linkem_link l = {0, 0, 0.01, NULL}, none = {0, 0, 0, NULL}, all = {0, 0, 1.0, NULL};
    uint64_t rng = 3;
    int n = 0;
    for (int i = 0; i < 200000; i++) n += ff_linkem_drops(&l, &rng);
    assert_true(n > 1800 && n < 2200);
    for (int i = 0; i < 1000; i++) assert_false(ff_linkem_drops(&none, &rng));
    for (int i = 0; i < 1000; i++) assert_true(ff_linkem_drops(&all, &rng));
}

static void test_release_keeps_fifo_order_under_jitter(void **st)
{
    (void)st;
    uint64_t last = 0;
    assert_int_equal(ff_linkem_release_ns(1000, 5.0, &last), 6000);
    /* a later frame with a smaller delay waits for the one before it */
    assert_int_equal(ff_linkem_release_ns(2000, 1.0, &last), 6000);
    assert_int_equal(ff_linkem_release_ns(10000, 1.0, &last), 11000);
}

static void test_trace_interpolates_and_loops(void **st)
{
    (void)st;
    ff_linkem_trace t;
    char err[FF_FOG_ERRLEN];
    assert_int_equal(ff_linkem_trace_parse("# t rtt\n0 10\n1 30\n\n2 10 # back\n", &t, err), 0);
    assert_int_equal(t.n, 3);
    assert_true(fabs(ff_linkem_trace_rtt(&t, 0.5) - 20) < 1e-9);
    assert_true(fabs(ff_linkem_trace_rtt(&t, 1.0) - 30) < 1e-9);
    assert_true(fabs(ff_linkem_trace_rtt(&t, 2.5) - 20) < 1e-9); /* looped */
    ff_linkem_link l = {999, 0, 0, &t};
    uint64_t rng = 1;
    assert_true(fabs(ff_linkem_oneway_us(&l, 1.0, &rng) - 15000) < 1e-6);
    ff_linkem_trace_free(&t);
}

static void test_bad_traces_are_rejected_with_line(void **st)
{
    (void)st;
    ff_linkem_trace t;
    char err[FF_FOG_ERRLEN];
    assert_int_equal(ff_linkem_trace_parse("0 10\n0 20\n", &t, err), FF_FOG_EINPUT);
    assert_non_null(strstr(err, "line 2"));
    assert_int_equal(ff_linkem_trace_parse("0 -1\n", &t, err), FF_FOG_EINPUT);
    assert_int_equal(ff_linkem_trace_parse("0 10 x\n", &t, err), FF_FOG_EINPUT);
    assert_int_equal(ff_linkem_trace_parse("# nothing\n", &t, err), FF_FOG_EINPUT);
    assert_int_equal(ff_linkem_trace_load("/nonexistent/trace", &t, err), FF_FOG_EINPUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delay_is_half_rtt_each_way_with_bounded_uniform_jitter),
        cmocka_unit_test(test_loss_rate_matches_probability),
        cmocka_unit_test(test_release_keeps_fifo_order_under_jitter),
        cmocka_unit_test(test_trace_interpolates_and_loops),
        cmocka_unit_test(test_bad_traces_are_rejected_with_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
