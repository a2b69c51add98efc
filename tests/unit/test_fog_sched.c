/* Scheduler policies as pure functions of observed state. */
#include "testutil.h"

#include <math.h>
#include <string.h>

#include "fog_sched.h"

static void all_up(ff_sched_state *s, double local_us)
{
    ff_sched_init(s, 42, local_us);
    ff_sched_set_available(s, FF_TIER_EDGE, 1);
    ff_sched_set_available(s, FF_TIER_CLOUD, 1);
    ff_sched_set_compute(s, FF_TIER_EDGE, 50);
    ff_sched_set_compute(s, FF_TIER_CLOUD, 20);
    ff_sched_observe_load(s, FF_TIER_EDGE, 0, 4);
    ff_sched_observe_load(s, FF_TIER_CLOUD, 0, 16);
}

static void feed(ff_sched_state *s, int tier, double rtt, int n)
{
    for (int i = 0; i < n; i++) ff_sched_observe_rtt(s, tier, rtt + (i % 2 ? 10 : -10));
}

static void test_policy_names_round_trip_and_unknown_is_rejected(void **st)
{
    (void)st;
    for (int p = 0; p < FF_POLICY_COUNT; p++) {
        int q = -1;
        assert_int_equal(ff_sched_policy_parse(ff_sched_policy_name(p), &q), 0);
        assert_int_equal(q, p);
    }
    int q;
    assert_int_equal(ff_sched_policy_parse("fastest", &q), FF_FOG_EINPUT);
    assert_int_equal(ff_sched_policy_parse(NULL, &q), FF_FOG_EINPUT);
}

static void test_ewma_converges_and_variance_tracks_jitter(void **st)
{
    (void)st;
    ff_sched_state s;
    all_up(&s, 100);
    ff_sched_observe_rtt(&s, FF_TIER_EDGE, 1000);
    assert_true(fabs(s.tier[FF_TIER_EDGE].rtt_mean_us - 1000) < 1e-9);
    for (int i = 0; i < 200; i++) ff_sched_observe_rtt(&s, FF_TIER_EDGE, 200);
    assert_true(fabs(s.tier[FF_TIER_EDGE].rtt_mean_us - 200) < 1);
    assert_true(s.tier[FF_TIER_EDGE].rtt_var_us2 < 1);
    for (int i = 0; i < 200; i++) ff_sched_observe_rtt(&s, FF_TIER_EDGE, i % 2 ? 100 : 300);
    double sd = sqrt(s.tier[FF_TIER_EDGE].rtt_var_us2);
    assert_true(sd > 50 && sd < 150);
    /* garbage samples are ignored */
    double before = s.tier[FF_TIER_EDGE].rtt_mean_us;
    ff_sched_observe_rtt(&s, FF_TIER_EDGE, -5);
    ff_sched_observe_rtt(&s, FF_TIER_EDGE, NAN);
    ff_sched_observe_rtt(&s, 7, 10);
    assert_true(s.tier[FF_TIER_EDGE].rtt_mean_us == before);
}

static void test_prediction_grows_with_queue_depth(void **st)
{
    (void)st;
    ff_sched_state s;
    all_up(&s, 100);
    feed(&s, FF_TIER_EDGE, 200, 50);
    double a = ff_sched_predict_us(&s, FF_TIER_EDGE, NULL);
    ff_sched_observe_load(&s, FF_TIER_EDGE, 40, 4);
    double b = ff_sched_predict_us(&s, FF_TIER_EDGE, NULL);
    assert_true(fabs((b - a) - 40.0 / 4 * 50) < 1e-6);
    ff_sched_task_sent(&s, FF_TIER_EDGE);
    assert_true(ff_sched_predict_us(&s, FF_TIER_EDGE, NULL) > b);
    ff_sched_task_done(&s, FF_TIER_EDGE);
    ff_sched_task_done(&s, FF_TIER_EDGE); /* never underflows */
    assert_int_equal(s.tier[FF_TIER_EDGE].inflight, 0);
}

static void test_miss_probability_is_monotone_in_budget(void **st)
{
    (void)st;
    ff_sched_state s;
    all_up(&s, 100);
    feed(&s, FF_TIER_EDGE, 500, 50);
    double prev = 1.1;
    for (double b = 0; b < 3000; b += 50) {
        double p = ff_sched_miss_prob(&s, FF_TIER_EDGE, b);
        assert_true(p >= 0 && p <= 1 && p <= prev + 1e-12);
        prev = p;
    }
    assert_true(ff_sched_miss_prob(&s, FF_TIER_EDGE, 100) > 0.99);
    assert_true(ff_sched_miss_prob(&s, FF_TIER_EDGE, 3000) < 0.01);
    /* local has no network variance: deterministic */
    assert_true(ff_sched_miss_prob(&s, FF_TIER_LOCAL, 99) > 0.5);
    assert_true(ff_sched_miss_prob(&s, FF_TIER_LOCAL, 1000) < 1e-6);
}

static void test_fixed_policies_fall_back_to_local_on_disconnect(void **st)
{
    (void)st;
    ff_sched_state s;
    ff_sched_decision d;
    all_up(&s, 100);
    ff_sched_decide(&s, FF_POLICY_EDGE, 1e6, &d);
    assert_int_equal(d.tier, FF_TIER_EDGE);
    ff_sched_decide(&s, FF_POLICY_CLOUD, 1e6, &d);
    assert_int_equal(d.tier, FF_TIER_CLOUD);
    ff_sched_decide(&s, FF_POLICY_LOCAL, 1e6, &d);
    assert_int_equal(d.tier, FF_TIER_LOCAL);
    ff_sched_set_available(&s, FF_TIER_EDGE, 0);
    ff_sched_set_available(&s, FF_TIER_CLOUD, 0);
    ff_sched_set_available(&s, FF_TIER_LOCAL, 0); /* local cannot be disabled */
    for (int p = 0; p < FF_POLICY_COUNT; p++) {
        ff_sched_decide(&s, p, 1e6, &d);
        assert_int_equal(d.tier, FF_TIER_LOCAL);
        assert_int_equal(d.hedge_tier, -1);
    }
}

static void test_round_robin_cycles_over_available_tiers(void **st)
{
    (void)st;
    ff_sched_state s;
    ff_sched_decision d;
    all_up(&s, 100);
    int seen[FF_TIER_COUNT] = {0};
    for (int i = 0; i < 30; i++) {
        ff_sched_decide(&s, FF_POLICY_ROUND_ROBIN, 1e6, &d);
        seen[d.tier]++;
    }
    assert_int_equal(seen[0], 10);
    assert_int_equal(seen[1], 10);
    assert_int_equal(seen[2], 10);
}

static void test_random_uses_every_available_tier_and_only_those(void **st)
{
    (void)st;
    ff_sched_state s;
    ff_sched_decision d;
    all_up(&s, 100);
    ff_sched_set_available(&s, FF_TIER_CLOUD, 0);
    int seen[FF_TIER_COUNT] = {0};
    for (int i = 0; i < 1000; i++) {
        ff_sched_decide(&s, FF_POLICY_RANDOM, 1e6, &d);
        seen[d.tier]++;
    }
    assert_int_equal(seen[FF_TIER_CLOUD], 0);
    assert_true(seen[FF_TIER_LOCAL] > 400 && seen[FF_TIER_EDGE] > 400);
}

static void test_greedy_picks_earliest_finish(void **st)
{
    (void)st;
    ff_sched_state s;
    ff_sched_decision d;
    all_up(&s, 5000); /* slow local CPU */
    feed(&s, FF_TIER_EDGE, 300, 20);
    feed(&s, FF_TIER_CLOUD, 3000, 20);
    ff_sched_decide(&s, FF_POLICY_GREEDY, 1e6, &d);
    assert_int_equal(d.tier, FF_TIER_EDGE);
    ff_sched_observe_load(&s, FF_TIER_EDGE, 1000, 4); /* edge swamped */
    ff_sched_decide(&s, FF_POLICY_GREEDY, 1e6, &d);
    assert_int_equal(d.tier, FF_TIER_CLOUD);
}

static void test_fogforge_prefers_fast_edge_and_skips_jittery_tier(void **st)
{
    (void)st;
    ff_sched_state s;
    ff_sched_decision d;
    all_up(&s, 5000);
    feed(&s, FF_TIER_EDGE, 300, 30);
    feed(&s, FF_TIER_CLOUD, 1500, 30);
    ff_sched_decide(&s, FF_POLICY_FOGFORGE, 4000, &d);
    assert_int_equal(d.admit, 1);
    assert_int_equal(d.tier, FF_TIER_EDGE);
    assert_int_equal(d.hedge_tier, -1);
    /* edge mean gets slightly better but wildly jittery: greedy still takes
     * it, fogforge takes the reliable cloud. */
    for (int i = 0; i < 60; i++) ff_sched_observe_rtt(&s, FF_TIER_EDGE, i % 2 ? 20 : 2400);
    ff_sched_decide(&s, FF_POLICY_GREEDY, 2500, &d);
    assert_int_equal(d.tier, FF_TIER_EDGE);
    ff_sched_decide(&s, FF_POLICY_FOGFORGE, 2500, &d);
    assert_int_equal(d.tier, FF_TIER_CLOUD);
}

static void test_fogforge_hedges_when_miss_probability_is_high(void **st)
{
    (void)st;
    ff_sched_state s;
    ff_sched_decision d;
    all_up(&s, 5000);
    ff_sched_set_available(&s, FF_TIER_CLOUD, 0);
    feed(&s, FF_TIER_EDGE, 1000, 30);
    for (int i = 0; i < 60; i++) ff_sched_observe_rtt(&s, FF_TIER_EDGE, i % 2 ? 400 : 1600);
    /* budget near the edge mean: ~50% miss on edge; local (5 ms) misses surely */
    ff_sched_decide(&s, FF_POLICY_FOGFORGE, 1100, &d);
    assert_int_equal(d.tier, FF_TIER_EDGE);
    assert_int_equal(d.hedge_tier, -1); /* local cannot help: no hedge */
    ff_sched_set_available(&s, FF_TIER_CLOUD, 1);
    for (int i = 0; i < 60; i++) ff_sched_observe_rtt(&s, FF_TIER_CLOUD, i % 2 ? 500 : 1500);
    ff_sched_decide(&s, FF_POLICY_FOGFORGE, 1100, &d);
    assert_true(d.miss_prob[d.tier] > s.hedge_threshold);
    assert_int_not_equal(d.hedge_tier, -1);
    assert_int_not_equal(d.hedge_tier, d.tier);
}

static void test_fogforge_refuses_hopeless_tasks(void **st)
{
    (void)st;
    ff_sched_state s;
    ff_sched_decision d;
    all_up(&s, 5000);
    feed(&s, FF_TIER_EDGE, 3000, 30);
    feed(&s, FF_TIER_CLOUD, 8000, 30);
    ff_sched_decide(&s, FF_POLICY_FOGFORGE, 100, &d);
    assert_int_equal(d.admit, 0);
    /* baselines always admit */
    ff_sched_decide(&s, FF_POLICY_GREEDY, 100, &d);
    assert_int_equal(d.admit, 1);
}

static void test_fogforge_uses_local_when_network_is_gone(void **st)
{
    (void)st;
    ff_sched_state s;
    ff_sched_decision d;
    all_up(&s, 40);
    feed(&s, FF_TIER_EDGE, 300, 30);
    ff_sched_decide(&s, FF_POLICY_FOGFORGE, 10000, &d);
    assert_int_equal(d.tier, FF_TIER_LOCAL); /* 40 µs local beats 350 µs edge */
    all_up(&s, 5000);
    feed(&s, FF_TIER_EDGE, 300, 30);
    ff_sched_decide(&s, FF_POLICY_FOGFORGE, 10000, &d);
    assert_int_equal(d.tier, FF_TIER_EDGE);
    ff_sched_set_available(&s, FF_TIER_EDGE, 0);
    ff_sched_set_available(&s, FF_TIER_CLOUD, 0);
    ff_sched_decide(&s, FF_POLICY_FOGFORGE, 10000, &d);
    assert_int_equal(d.tier, FF_TIER_LOCAL);
    assert_int_equal(d.admit, 1);
}

static void test_unknown_tier_prior_is_pessimistic_but_finite(void **st)
{
    (void)st;
    ff_sched_state s;
    all_up(&s, 100);
    double sd;
    double m = ff_sched_predict_us(&s, FF_TIER_EDGE, &sd);
    assert_true(m >= FF_SCHED_PRIOR_RTT_US && isfinite(m) && sd > 0);
    assert_true(isinf(ff_sched_predict_us(&s, 9, &sd)));
    assert_true(ff_sched_miss_prob(&s, 9, 1e9) == 1.0);
}

/* A slow device must not make the cloud look slow: a remote tier's compute
 * is unknown (optimistic) until results report what it really takes. */
static void test_remote_compute_is_learned_from_results(void **st)
{
    (void)st;
    ff_sched_state s;
    ff_sched_init(&s, 1, 60000); /* the robot needs 60 ms */
    ff_sched_set_available(&s, FF_TIER_CLOUD, 1);
    ff_sched_observe_load(&s, FF_TIER_CLOUD, 0, 8);
    feed(&s, FF_TIER_CLOUD, 10000, 16);
    ff_sched_decision d;
    ff_sched_decide(&s, FF_POLICY_FOGFORGE, 50000, &d);
    assert_int_equal(d.tier, FF_TIER_CLOUD); /* unknown compute: explored, not assumed as slow as local */
    ff_sched_observe_compute(&s, FF_TIER_CLOUD, 80000);
    ff_sched_decide(&s, FF_POLICY_FOGFORGE, 50000, &d);
    assert_true(d.finish_us[FF_TIER_CLOUD] > 80000);
    ff_sched_observe_compute(&s, FF_TIER_CLOUD, 1000);
    for (int i = 0; i < 80; i++) ff_sched_observe_compute(&s, FF_TIER_CLOUD, 1000 + (i % 2) * 100);
    assert_true(fabs(s.tier[FF_TIER_CLOUD].compute_us - 1050) < 60);
    ff_sched_decide(&s, FF_POLICY_FOGFORGE, 50000, &d);
    assert_int_equal(d.tier, FF_TIER_CLOUD);
    assert_true(d.finish_us[FF_TIER_CLOUD] < 15000);
    ff_sched_observe_compute(&s, FF_TIER_LOCAL, 1); /* local stays what the executor predicts */
    ff_sched_observe_compute(&s, FF_TIER_CLOUD, NAN);
    assert_true(s.tier[FF_TIER_LOCAL].compute_us == 60000 && isfinite(s.tier[FF_TIER_CLOUD].compute_us));
}


/* A queue-depth report replaces our own in-flight count: our tasks that had
 * arrived are in the report; the ones sent since are added on top. */
static void test_load_report_counts_tasks_sent_since(void **st)
{
    (void)st;
    ff_sched_state s;
    all_up(&s, 100);
    feed(&s, FF_TIER_EDGE, 200, 50);
    ff_sched_observe_load(&s, FF_TIER_EDGE, 8, 2);
    double a = ff_sched_predict_us(&s, FF_TIER_EDGE, NULL);
    for (int i = 0; i < 4; i++) ff_sched_task_sent(&s, FF_TIER_EDGE);
    double b = ff_sched_predict_us(&s, FF_TIER_EDGE, NULL);
    assert_true(fabs((b - a) - 4.0 / 2 * 50) < 1e-6);
    ff_sched_observe_load(&s, FF_TIER_EDGE, 8, 2); /* the four are in the new report */
    assert_true(fabs(ff_sched_predict_us(&s, FF_TIER_EDGE, NULL) - a) < 1e-6);
    assert_int_equal(s.tier[FF_TIER_EDGE].inflight, 4);
}

/* Lost frames make a tier miss in ways its RTT model cannot see: the
 * observed tail rate enters the miss probability, and fogforge then keeps
 * tasks on the tier without such tails while it can. */
static void test_tail_rate_enters_miss_probability(void **st)
{
    (void)st;
    ff_sched_state s;
    ff_sched_decision d;
    all_up(&s, 60000);
    feed(&s, FF_TIER_EDGE, 2000, 40);
    feed(&s, FF_TIER_CLOUD, 30000, 40);
    ff_sched_set_compute(&s, FF_TIER_EDGE, 4000);
    ff_sched_set_compute(&s, FF_TIER_CLOUD, 1000);
    ff_sched_observe_load(&s, FF_TIER_EDGE, 6, 2); /* 12 ms of queue: ~18 ms */
    double before = ff_sched_miss_prob(&s, FF_TIER_CLOUD, 50000);
    for (int i = 0; i < 200; i++) ff_sched_observe_outcome(&s, FF_TIER_CLOUD, i % 20 == 0); /* 5% tails */
    double after = ff_sched_miss_prob(&s, FF_TIER_CLOUD, 50000);
    assert_true(after > before + 0.03 && after < 0.1);
    ff_sched_decide(&s, FF_POLICY_FOGFORGE, 50000, &d);
    assert_int_equal(d.tier, FF_TIER_EDGE);
    /* a deep edge queue (~90 ms) is worse than the cloud's tails */
    ff_sched_observe_load(&s, FF_TIER_EDGE, 44, 2);
    ff_sched_decide(&s, FF_POLICY_FOGFORGE, 50000, &d);
    assert_int_equal(d.tier, FF_TIER_CLOUD);
    ff_sched_observe_outcome(&s, 9, 1); /* ignored */
}

static void test_excluded_tier_is_not_chosen(void **st)
{
    (void)st;
    ff_sched_state s;
    ff_sched_decision d;
    all_up(&s, 5000);
    feed(&s, FF_TIER_EDGE, 300, 30);
    feed(&s, FF_TIER_CLOUD, 1500, 30);
    for (int p = 0; p < FF_POLICY_COUNT; p++) {
        for (int i = 0; i < 20; i++) {
            ff_sched_decide_ex(&s, p, 1e6, 1u << FF_TIER_EDGE, &d);
            assert_int_not_equal(d.tier, FF_TIER_EDGE);
            assert_int_not_equal(d.hedge_tier, FF_TIER_EDGE);
        }
    }
    ff_sched_decide_ex(&s, FF_POLICY_EDGE, 1e6, 1u << FF_TIER_EDGE, &d);
    assert_int_equal(d.tier, FF_TIER_LOCAL);
    ff_sched_decide_ex(&s, FF_POLICY_FOGFORGE, 1e6, 1u << FF_TIER_EDGE, &d);
    assert_int_equal(d.tier, FF_TIER_CLOUD);
    ff_sched_decide_ex(&s, FF_POLICY_LOCAL, 1e6, 1u << FF_TIER_LOCAL, &d); /* local cannot be excluded */
    assert_int_equal(d.tier, FF_TIER_LOCAL);
}

/* An edge task that has not answered long after its predicted tail (its
 * node hung) is duplicated to the cloud if the cloud can still make it; a
 * task that is merely a little late, or that no tier can save, is not. */
static void test_rescue_only_overdue_tasks_that_can_be_saved(void **st)
{
    (void)st;
    ff_sched_state s;
    all_up(&s, 60000);
    feed(&s, FF_TIER_EDGE, 2000, 40);
    feed(&s, FF_TIER_CLOUD, 20000, 40);
    ff_sched_set_compute(&s, FF_TIER_CLOUD, 1000);
    /* predicted 6 ms ± 0.5 ms on the edge, deadline 100 ms */
    assert_int_equal(ff_sched_rescue(&s, FF_POLICY_FOGFORGE, FF_TIER_EDGE, 6000, 500, 5000, 95000), -1);
    assert_int_equal(ff_sched_rescue(&s, FF_POLICY_FOGFORGE, FF_TIER_EDGE, 6000, 500, 7000, 93000), -1);
    assert_int_equal(ff_sched_rescue(&s, FF_POLICY_FOGFORGE, FF_TIER_EDGE, 6000, 500, 20000, 80000), FF_TIER_CLOUD);
    /* 10 ms left: the cloud (~21 ms) cannot make it, local (60 ms) neither */
    assert_int_equal(ff_sched_rescue(&s, FF_POLICY_FOGFORGE, FF_TIER_EDGE, 6000, 500, 90000, 10000), -1);
    /* only the fogforge policy rescues */
    assert_int_equal(ff_sched_rescue(&s, FF_POLICY_EDGE, FF_TIER_EDGE, 6000, 500, 20000, 80000), -1);
    assert_int_equal(ff_sched_rescue(&s, FF_POLICY_GREEDY, FF_TIER_EDGE, 6000, 500, 20000, 80000), -1);
}

/* Twinning: only the fogforge policy, only over a second connection, while
 * the first one is unproven or missed recently, and never into a queue. */
static void test_twin_follows_first_connection_misses_and_queue(void **st)
{
    (void)st;
    ff_sched_state s;
    ff_sched_decision d;
    all_up(&s, 1e6);
    ff_sched_set_available(&s, FF_TIER_EDGE, 0);
    feed(&s, FF_TIER_CLOUD, 20000, 32);
    /* one connection: never */
    ff_sched_decide(&s, FF_POLICY_FOGFORGE, 50000, &d);
    assert_int_equal(d.tier, FF_TIER_CLOUD);
    assert_int_equal(d.twin, 0);
    /* two, nothing known yet: twin until the first connection has a record */
    ff_sched_set_paths(&s, FF_TIER_CLOUD, 2);
    ff_sched_decide(&s, FF_POLICY_FOGFORGE, 50000, &d);
    assert_int_equal(d.twin, 1);
    ff_sched_decide(&s, FF_POLICY_GREEDY, 50000, &d);
    assert_int_equal(d.tier, FF_TIER_CLOUD);
    assert_int_equal(d.twin, 0);
    /* a clean record: no twin */
    for (int i = 0; i < FF_SCHED_PATH_HIST; i++) ff_sched_observe_path_miss(&s, FF_TIER_CLOUD, 0);
    ff_sched_decide(&s, FF_POLICY_FOGFORGE, 50000, &d);
    assert_int_equal(d.twin, 0);
    /* one miss among the last answers: twin, until it leaves the window */
    ff_sched_observe_path_miss(&s, FF_TIER_CLOUD, 1);
    ff_sched_decide(&s, FF_POLICY_FOGFORGE, 50000, &d);
    assert_int_equal(d.twin, 1);
    for (int i = 0; i < FF_SCHED_PATH_HIST - 1; i++) ff_sched_observe_path_miss(&s, FF_TIER_CLOUD, 0);
    ff_sched_decide(&s, FF_POLICY_FOGFORGE, 50000, &d);
    assert_int_equal(d.twin, 1);
    ff_sched_observe_path_miss(&s, FF_TIER_CLOUD, 0);
    ff_sched_decide(&s, FF_POLICY_FOGFORGE, 50000, &d);
    assert_int_equal(d.twin, 0);
    /* missing again, but the tier's tasks queue longer than a service time:
     * a copy would take capacity the fleet needs */
    ff_sched_observe_path_miss(&s, FF_TIER_CLOUD, 1);
    ff_sched_set_compute(&s, FF_TIER_CLOUD, 1000);
    for (int i = 0; i < 40; i++) ff_sched_observe_wait(&s, FF_TIER_CLOUD, 200);
    ff_sched_decide(&s, FF_POLICY_FOGFORGE, 50000, &d);
    assert_int_equal(d.twin, 1);
    for (int i = 0; i < 40; i++) ff_sched_observe_wait(&s, FF_TIER_CLOUD, 3000);
    ff_sched_decide(&s, FF_POLICY_FOGFORGE, 50000, &d);
    assert_int_equal(d.tier, FF_TIER_CLOUD);
    assert_int_equal(d.twin, 0);
}

/* A handshake-measured prior replaces the default only until the first
 * answer, and never counts as a sample. */
static void test_prior_rtt_until_first_answer(void **st)
{
    (void)st;
    ff_sched_state s;
    all_up(&s, 1e6);
    ff_sched_set_prior_rtt(&s, FF_TIER_CLOUD, 30000);
    assert_int_equal(s.tier[FF_TIER_CLOUD].samples, 0);
    double sd, p = ff_sched_predict_us(&s, FF_TIER_CLOUD, &sd);
    assert_true(p >= 30000 && p < 31000);
    ff_sched_decision d;
    ff_sched_decide(&s, FF_POLICY_FOGFORGE, 20000, &d);
    assert_int_equal(d.tier, FF_TIER_EDGE);
    ff_sched_observe_rtt(&s, FF_TIER_CLOUD, 500);
    assert_true(fabs(s.tier[FF_TIER_CLOUD].rtt_mean_us - 500) < 1e-9);
    ff_sched_set_prior_rtt(&s, FF_TIER_CLOUD, 30000); /* ignored once answered */
    assert_true(fabs(s.tier[FF_TIER_CLOUD].rtt_mean_us - 500) < 1e-9);
    ff_sched_set_prior_rtt(&s, FF_TIER_LOCAL, 30000);
    assert_true(s.tier[FF_TIER_LOCAL].rtt_mean_us == 0);
}

/* The demo's fleet (robot 15 ms, edge 2 ms + 4 ms): an edge that missed in
 * a bad first spell. Nothing refreshes an unused tier's record but tasks
 * sent to it, so without probes the edge never comes back; with probes it
 * does once probes_to_forget of them answer in time, and late probes keep
 * it out at one copy per probe_after decisions. Returns the decision at
 * which the edge became primary again (-1: never in n) and counts probes. */
static int after_bad_spell(uint32_t probe_after, int probes_late, int n, int *probes)
{
    ff_sched_state s;
    ff_sched_decision d;
    all_up(&s, 15000);
    s.probe_after = probe_after;
    ff_sched_set_available(&s, FF_TIER_CLOUD, 0);
    ff_sched_set_compute(&s, FF_TIER_EDGE, 4000);
    ff_sched_observe_load(&s, FF_TIER_EDGE, 0, 2);
    for (int i = 0; i < 20; i++) {
        ff_sched_task_sent(&s, FF_TIER_EDGE);
        ff_sched_observe_rtt(&s, FF_TIER_EDGE, 13000);
        ff_sched_observe_outcome(&s, FF_TIER_EDGE, 1);
        ff_sched_observe_error(&s, FF_TIER_EDGE, 66000, 6000);
        ff_sched_task_done(&s, FF_TIER_EDGE);
    }
    ff_sched_observe_load(&s, FF_TIER_EDGE, 0, 2); /* the edges' status: idle */
    *probes = 0;
    for (int i = 0; i < n; i++) {
        ff_sched_decide(&s, FF_POLICY_FOGFORGE, 50000, &d);
        if (d.tier == FF_TIER_EDGE) return i;
        assert_int_equal(d.tier, FF_TIER_LOCAL);
        if (d.probe_tier < 0) continue;
        assert_int_equal(d.probe_tier, FF_TIER_EDGE);
        (*probes)++;
        ff_sched_task_sent(&s, FF_TIER_EDGE);
        ff_sched_observe_probe(&s, FF_TIER_EDGE, probes_late);
        ff_sched_observe_rtt(&s, FF_TIER_EDGE, probes_late ? 60000 : 2000);
        ff_sched_task_done(&s, FF_TIER_EDGE);
        ff_sched_observe_load(&s, FF_TIER_EDGE, 0, 2);
    }
    return -1;
}

static void test_probes_bring_back_a_tier_after_a_bad_spell(void **st)
{
    (void)st;
    int probes;
    assert_int_equal(after_bad_spell(0, 0, 2000, &probes), -1);
    assert_int_equal(probes, 0);
    int back = after_bad_spell(50, 0, 2000, &probes);
    assert_int_equal(probes, 3);
    assert_true(back >= 3 * 50 && back <= 3 * 51);
    assert_int_equal(after_bad_spell(50, 1, 2000, &probes), -1);
    assert_true(probes >= 2000 / 51 - 1 && probes <= 2000 / 50);
}

static void test_no_probe_without_room_or_beside_a_hedge_or_outside_fogforge(void **st)
{
    (void)st;
    ff_sched_state s;
    ff_sched_decision d;
    all_up(&s, 5000);
    feed(&s, FF_TIER_EDGE, 500, 40);
    feed(&s, FF_TIER_CLOUD, 30000, 40);
    for (int i = 0; i < 60; i++) {
        ff_sched_decide(&s, FF_POLICY_FOGFORGE, 50000, &d);
        assert_int_equal(d.tier, FF_TIER_EDGE);
        ff_sched_task_sent(&s, d.tier);
        ff_sched_task_done(&s, d.tier);
        if (d.probe_tier >= 0) break;
    }
    assert_int_equal(d.probe_tier, FF_TIER_CLOUD); /* the slower, unused tier */
    ff_sched_state busy = s;
    ff_sched_observe_load(&busy, FF_TIER_CLOUD, 16, 16);
    ff_sched_decide(&busy, FF_POLICY_FOGFORGE, 50000, &d);
    assert_int_equal(d.probe_tier, -1);
    ff_sched_state fixed = s;
    ff_sched_decide(&fixed, FF_POLICY_EDGE, 50000, &d);
    assert_int_equal(d.probe_tier, -1);
    ff_sched_decide(&fixed, FF_POLICY_GREEDY, 50000, &d);
    assert_int_equal(d.probe_tier, -1);
    /* a risky primary is hedged: the hedge is the copy, no probe beside it */
    ff_sched_state risky = s;
    for (int i = 0; i < 60; i++) ff_sched_observe_rtt(&risky, FF_TIER_EDGE, i % 2 ? 400 : 1600);
    for (int i = 0; i < 60; i++) ff_sched_observe_rtt(&risky, FF_TIER_CLOUD, i % 2 ? 500 : 1500);
    ff_sched_observe_load(&risky, FF_TIER_EDGE, 0, 4);
    ff_sched_decide(&risky, FF_POLICY_FOGFORGE, 1100, &d);
    assert_int_not_equal(d.hedge_tier, -1);
    assert_int_equal(d.probe_tier, -1);
    /* the local tier is never probed, an unknown tier is no tier: both ignored */
    ff_sched_state before;
    memcpy(&before, &s, sizeof s);
    ff_sched_observe_probe(&s, FF_TIER_LOCAL, 0);
    ff_sched_observe_probe(&s, 9, 1);
    assert_memory_equal(&before, &s, sizeof s);
}

/* A stall's misses stop counting once FF_SCHED_CLEAN_RUN answers in a row
 * would all have made it; one miss among them keeps the whole window. */
static void test_misses_before_a_clean_run_no_longer_count(void **st)
{
    (void)st;
    ff_sched_state s;
    all_up(&s, 15000);
    feed(&s, FF_TIER_EDGE, 2000, 40);
    ff_sched_set_compute(&s, FF_TIER_EDGE, 4000);
    for (int i = 0; i < FF_SCHED_RESID - 6 - FF_SCHED_CLEAN_RUN; i++) ff_sched_observe_error(&s, FF_TIER_EDGE, 6000, 6000);
    for (int i = 0; i < 6; i++) ff_sched_observe_error(&s, FF_TIER_EDGE, 500000, 6000); /* the stall */
    for (int i = 0; i < FF_SCHED_CLEAN_RUN - 1; i++) ff_sched_observe_error(&s, FF_TIER_EDGE, 6000, 6000);
    double before = ff_sched_miss_prob(&s, FF_TIER_EDGE, 50000);
    assert_true(before > 0.04 && before < 0.06);
    ff_sched_observe_error(&s, FF_TIER_EDGE, 6000, 6000);
    double after = ff_sched_miss_prob(&s, FF_TIER_EDGE, 50000);
    assert_true(after < 0.001);
    /* a miss inside the run: the stall counts again */
    ff_sched_observe_error(&s, FF_TIER_EDGE, 500000, 6000);
    assert_true(ff_sched_miss_prob(&s, FF_TIER_EDGE, 50000) > 0.05);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_names_round_trip_and_unknown_is_rejected),
        cmocka_unit_test(test_ewma_converges_and_variance_tracks_jitter),
        cmocka_unit_test(test_prediction_grows_with_queue_depth),
        cmocka_unit_test(test_miss_probability_is_monotone_in_budget),
        cmocka_unit_test(test_fixed_policies_fall_back_to_local_on_disconnect),
        cmocka_unit_test(test_round_robin_cycles_over_available_tiers),
        cmocka_unit_test(test_random_uses_every_available_tier_and_only_those),
        cmocka_unit_test(test_greedy_picks_earliest_finish),
        cmocka_unit_test(test_fogforge_prefers_fast_edge_and_skips_jittery_tier),
        cmocka_unit_test(test_fogforge_hedges_when_miss_probability_is_high),
        cmocka_unit_test(test_fogforge_refuses_hopeless_tasks),
        cmocka_unit_test(test_fogforge_uses_local_when_network_is_gone),
        cmocka_unit_test(test_unknown_tier_prior_is_pessimistic_but_finite),
        cmocka_unit_test(test_remote_compute_is_learned_from_results),
        cmocka_unit_test(test_load_report_counts_tasks_sent_since),
        cmocka_unit_test(test_tail_rate_enters_miss_probability),
        cmocka_unit_test(test_excluded_tier_is_not_chosen),
        cmocka_unit_test(test_rescue_only_overdue_tasks_that_can_be_saved),
        cmocka_unit_test(test_twin_follows_first_connection_misses_and_queue),
        cmocka_unit_test(test_prior_rtt_until_first_answer),
        cmocka_unit_test(test_probes_bring_back_a_tier_after_a_bad_spell),
        cmocka_unit_test(test_misses_before_a_clean_run_no_longer_count),
        cmocka_unit_test(test_no_probe_without_room_or_beside_a_hedge_or_outside_fogforge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
