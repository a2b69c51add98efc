/* Offloading policies. Everything here is a pure function of the observed
 * state (plus the state's own PRNG and round-robin cursor): no sockets, no
 * clocks, so every policy is unit-testable. */
#include "fog_sched.h"

#include <math.h>
#include <string.h>

static const char *const policy_names[FF_POLICY_COUNT] = {
    "local", "edge", "cloud", "random", "round-robin", "greedy", "fogforge",
};

int ff_sched_policy_parse(const char *name, int *policy)
{
    for (int i = 0; i < FF_POLICY_COUNT; i++)
        if (name && strcmp(name, policy_names[i]) == 0) {
            *policy = i;
            return FF_FOG_OK;
        }
    return FF_FOG_EINPUT;
}

const char *ff_sched_policy_name(int p)
{
    return p >= 0 && p < FF_POLICY_COUNT ? policy_names[p] : "unknown";
}

void ff_sched_init(ff_sched_state *s, uint64_t seed, double local_compute_us)
{
    memset(s, 0, sizeof *s);
    s->rng = seed ? seed : 0x2545f4914f6cdd1dull;
    s->alpha = 0.125;
    s->beta = 0.25;
    s->hedge_threshold = 0.05;
    s->admit_threshold = 0.999;
    for (int t = 0; t < FF_TIER_COUNT; t++) {
        s->tier[t].workers = 1;
        s->tier[t].rtt_mean_us = t == FF_TIER_LOCAL ? 0.0 : FF_SCHED_PRIOR_RTT_US;
        s->tier[t].rtt_var_us2 = t == FF_TIER_LOCAL ? 0.0 : FF_SCHED_PRIOR_RTT_US * FF_SCHED_PRIOR_RTT_US;
        /* a remote tier's compute time is unknown until it answers: assume it
         * is fast (optimism explores it; its first result corrects this) */
        s->tier[t].compute_us = t == FF_TIER_LOCAL ? local_compute_us : 0.0;
    }
    s->tier[FF_TIER_LOCAL].available = 1;
}

static int valid_tier(int t) { return t >= 0 && t < FF_TIER_COUNT; }

void ff_sched_set_available(ff_sched_state *s, int t, int available)
{
    if (!valid_tier(t) || t == FF_TIER_LOCAL) return;
    s->tier[t].available = available ? 1 : 0;
    if (!available) s->tier[t].inflight = 0;
}

void ff_sched_set_compute(ff_sched_state *s, int t, double compute_us)
{
    if (valid_tier(t) && compute_us >= 0 && isfinite(compute_us)) s->tier[t].compute_us = compute_us;
}

void ff_sched_observe_rtt(ff_sched_state *s, int t, double rtt_us)
{
    if (!valid_tier(t) || !(rtt_us >= 0) || !isfinite(rtt_us)) return;
    ff_tier_state *ts = &s->tier[t];
    if (ts->samples == 0) {
        ts->rtt_mean_us = rtt_us;
        ts->rtt_var_us2 = (rtt_us / 2) * (rtt_us / 2);
    } else {
        double dev = rtt_us - ts->rtt_mean_us;
        ts->rtt_var_us2 = (1 - s->beta) * ts->rtt_var_us2 + s->beta * dev * dev;
        ts->rtt_mean_us += s->alpha * dev;
    }
    ts->samples++;
}

void ff_sched_observe_compute(ff_sched_state *s, int t, double us)
{
    if (!valid_tier(t) || t == FF_TIER_LOCAL || !(us >= 0) || !isfinite(us)) return;
    ff_tier_state *ts = &s->tier[t];
    if (!ts->compute_samples) ts->compute_us = us;
    else ts->compute_us += s->alpha * (us - ts->compute_us);
    ts->compute_samples++;
}

void ff_sched_observe_load(ff_sched_state *s, int t, uint32_t queue_depth, uint32_t workers)
{
    if (!valid_tier(t)) return;
    s->tier[t].queue_depth = queue_depth;
    s->tier[t].workers = workers ? workers : 1;
}

void ff_sched_task_sent(ff_sched_state *s, int t)
{
    if (valid_tier(t)) s->tier[t].inflight++;
}

void ff_sched_task_done(ff_sched_state *s, int t)
{
    if (valid_tier(t) && s->tier[t].inflight) s->tier[t].inflight--;
}

double ff_sched_predict_us(const ff_sched_state *s, int t, double *stddev_us)
{
    if (!valid_tier(t)) {
        if (stddev_us) *stddev_us = 0;
        return INFINITY;
    }
    const ff_tier_state *ts = &s->tier[t];
    double waiting = (double)ts->queue_depth + (double)ts->inflight;
    double mean = ts->rtt_mean_us + ts->compute_us * (1.0 + waiting / (double)(ts->workers ? ts->workers : 1));
    /* compute jitter: 10% of the compute part */
    double cj = 0.1 * (mean - ts->rtt_mean_us);
    if (stddev_us) *stddev_us = sqrt(ts->rtt_var_us2 + cj * cj);
    return mean;
}

double ff_sched_miss_prob(const ff_sched_state *s, int t, double budget_us)
{
    double sd;
    double mean = ff_sched_predict_us(s, t, &sd);
    if (!isfinite(mean)) return 1.0;
    if (sd < 1e-9) return mean > budget_us ? 1.0 : 0.0;
    /* normal approximation: P(X > budget) */
    return 0.5 * erfc((budget_us - mean) / (sd * M_SQRT2));
}

static uint64_t rng_next(ff_sched_state *s)
{
    uint64_t x = s->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return s->rng = x;
}

static int fixed_or_local(const ff_sched_state *s, int t)
{
    return s->tier[t].available ? t : FF_TIER_LOCAL;
}

void ff_sched_decide(ff_sched_state *s, int policy, double budget_us, ff_sched_decision *d)
{
    int avail[FF_TIER_COUNT], n = 0;
    d->admit = 1;
    d->tier = FF_TIER_LOCAL;
    d->hedge_tier = -1;
    for (int t = 0; t < FF_TIER_COUNT; t++) {
        if (s->tier[t].available) {
            avail[n++] = t;
            d->finish_us[t] = ff_sched_predict_us(s, t, NULL);
            d->miss_prob[t] = ff_sched_miss_prob(s, t, budget_us);
        } else {
            d->finish_us[t] = -1;
            d->miss_prob[t] = 1.0;
        }
    }
    switch (policy) {
    case FF_POLICY_LOCAL: d->tier = FF_TIER_LOCAL; return;
    case FF_POLICY_EDGE: d->tier = fixed_or_local(s, FF_TIER_EDGE); return;
    case FF_POLICY_CLOUD: d->tier = fixed_or_local(s, FF_TIER_CLOUD); return;
    case FF_POLICY_RANDOM: d->tier = avail[rng_next(s) % (uint64_t)n]; return;
    case FF_POLICY_ROUND_ROBIN: d->tier = avail[s->rr_next++ % (uint32_t)n]; return;
    case FF_POLICY_GREEDY: {
        int best = avail[0];
        for (int i = 1; i < n; i++)
            if (d->finish_us[avail[i]] < d->finish_us[best]) best = avail[i];
        d->tier = best;
        return;
    }
    case FF_POLICY_FOGFORGE:
    default: break;
    }
    /* fogforge: earliest predicted finish among tiers likely to meet the
     * deadline; otherwise the tier least likely to miss. */
    int best = -1;
    for (int i = 0; i < n; i++) {
        int t = avail[i];
        if (d->miss_prob[t] > s->hedge_threshold) continue;
        if (best < 0 || d->finish_us[t] < d->finish_us[best]) best = t;
    }
    if (best < 0) {
        best = avail[0];
        for (int i = 1; i < n; i++) {
            int t = avail[i];
            if (d->miss_prob[t] < d->miss_prob[best] ||
                (d->miss_prob[t] == d->miss_prob[best] && d->finish_us[t] < d->finish_us[best]))
                best = t;
        }
    }
    d->tier = best;
    if (d->miss_prob[best] >= s->admit_threshold) {
        d->admit = 0;
        return;
    }
    /* hedge: a duplicate on a second tier when the primary is risky and the
     * pair (independent tiers) misses at most half as often. */
    if (d->miss_prob[best] > s->hedge_threshold) {
        int h = -1;
        for (int i = 0; i < n; i++) {
            int t = avail[i];
            if (t == best) continue;
            if (h < 0 || d->miss_prob[t] < d->miss_prob[h]) h = t;
        }
        if (h >= 0 && d->miss_prob[best] * d->miss_prob[h] <= 0.5 * d->miss_prob[best]) d->hedge_tier = h;
    }
}
