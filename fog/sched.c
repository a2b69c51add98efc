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
    s->tail_gain = 1.0 / 32;
    s->stall_miss = 0.5;
    s->twin_threshold = 0.005;
    s->probe_after = 50;
    s->probes_to_forget = 3;
    for (int t = 0; t < FF_TIER_COUNT; t++) {
        s->tier[t].workers = 1;
        s->tier[t].paths = 1;
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

void ff_sched_set_prior_rtt(ff_sched_state *s, int t, double rtt_us)
{
    if (!valid_tier(t) || t == FF_TIER_LOCAL || s->tier[t].samples || !(rtt_us >= 0) || !isfinite(rtt_us)) return;
    s->tier[t].rtt_mean_us = rtt_us;
    s->tier[t].rtt_var_us2 = (rtt_us / 2) * (rtt_us / 2);
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
    s->tier[t].load_reports++;
    s->tier[t].since_report = 0;
}

void ff_sched_observe_outcome(ff_sched_state *s, int t, int beyond)
{
    if (!valid_tier(t)) return;
    ff_tier_state *ts = &s->tier[t];
    ts->tail_rate += s->tail_gain * ((beyond ? 1.0 : 0.0) - ts->tail_rate);
    ts->outcomes++;
}

void ff_sched_set_overdue(ff_sched_state *s, int t, uint32_t n)
{
    if (valid_tier(t)) s->tier[t].overdue = n;
}

void ff_sched_observe_error(ff_sched_state *s, int t, double actual_us, double predicted_us)
{
    if (!valid_tier(t) || !isfinite(actual_us) || !isfinite(predicted_us)) return;
    ff_tier_state *ts = &s->tier[t];
    double e = actual_us - predicted_us;
    /* the bias learns from ordinary answers only (a stall is not a bias) */
    if (e < 4.0 * (predicted_us > 1000 ? predicted_us : 1000)) {
        ts->err_mean_us = ts->err_samples ? ts->err_mean_us + s->alpha * (e - ts->err_mean_us) : e;
        ts->err_samples++;
    }
    /* residuals relative to the (bias-corrected) prediction of their time */
    ts->resid_us[ts->resid_next] = (float)(e < 1e9 ? e : 1e9);
    ts->resid_next = (ts->resid_next + 1) % FF_SCHED_RESID;
    if (ts->n_resid < FF_SCHED_RESID) ts->n_resid++;
}

void ff_sched_set_paths(ff_sched_state *s, int t, uint32_t paths)
{
    if (valid_tier(t)) s->tier[t].paths = paths ? paths : 1;
}

void ff_sched_observe_path_miss(ff_sched_state *s, int t, int missed)
{
    if (!valid_tier(t)) return;
    ff_tier_state *ts = &s->tier[t];
    uint32_t k = ts->path_outcomes % FF_SCHED_PATH_HIST;
    if (ts->path_outcomes >= FF_SCHED_PATH_HIST) ts->path_misses -= ts->path_hist[k];
    ts->path_hist[k] = missed ? 1 : 0;
    ts->path_misses += ts->path_hist[k];
    ts->path_outcomes++;
}

void ff_sched_observe_wait(ff_sched_state *s, int t, double wait_us)
{
    if (!valid_tier(t) || !(wait_us >= 0) || !isfinite(wait_us)) return;
    ff_tier_state *ts = &s->tier[t];
    ts->wait_us = ts->wait_samples ? ts->wait_us + s->alpha * (wait_us - ts->wait_us) : wait_us;
    ts->wait_samples++;
}

void ff_sched_task_sent(ff_sched_state *s, int t)
{
    if (!valid_tier(t)) return;
    s->tier[t].inflight++;
    s->tier[t].since_report++;
    s->tier[t].idle = 0;
}

void ff_sched_observe_probe(ff_sched_state *s, int t, int late)
{
    if (!valid_tier(t) || t == FF_TIER_LOCAL) return;
    ff_tier_state *ts = &s->tier[t];
    if (late) {
        ts->probes_ok = 0;
        return;
    }
    if (++ts->probes_ok < (s->probes_to_forget ? s->probes_to_forget : 1)) return;
    /* the tier answers in time again: what it did before it was left
     * unused no longer describes it (the next round trip replaces the
     * mean, as a first sample does) */
    ts->probes_ok = 0;
    ts->tail_rate = 0;
    ts->n_resid = ts->resid_next = 0;
    ts->err_mean_us = 0;
    ts->err_samples = 0;
    ts->samples = 0;
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
    /* tasks ahead of ours: the last reported depth (it already counts the
     * ones of ours that had arrived) plus ours sent since; a tier that never
     * reports: our own outstanding tasks */
    double waiting = ts->load_reports ? (double)ts->queue_depth + (double)ts->since_report : (double)ts->inflight;
    double w = (double)(ts->workers ? ts->workers : 1);
    double queue_us = ts->compute_us * waiting / w;
    double mean = ts->rtt_mean_us + ts->compute_us + queue_us;
    /* compute jitter (10% of a service time) and queue uncertainty: other
     * robots' tasks arrive between the report and ours (10% of the wait) */
    double cj = 0.1 * ts->compute_us, qj = 0.1 * queue_us;
    double var = ts->rtt_var_us2 + cj * cj + qj * qj;
    /* once enough answers came back, the model's own bias is added */
    if (ts->err_samples >= 16) {
        double m = mean + ts->err_mean_us;
        mean = m > ts->rtt_mean_us ? m : ts->rtt_mean_us;
    }
    if (stddev_us) *stddev_us = sqrt(var);
    return mean;
}

double ff_sched_miss_prob(const ff_sched_state *s, int t, double budget_us)
{
    double sd;
    double mean = ff_sched_predict_us(s, t, &sd);
    if (!isfinite(mean)) return 1.0;
    const ff_tier_state *ts = &s->tier[t];
    /* normal approximation P(X > budget), plus the tier's observed rate of
     * tails the model does not see (a lost frame waits for a TCP timeout) */
    double p = sd < 1e-9 ? (mean > budget_us ? 1.0 : 0.0) : 0.5 * erfc((budget_us - mean) / (sd * M_SQRT2));
    double tail = ts->tail_rate;
    /* with enough answers: the share of recent residuals that would miss
     * from today's prediction (the normal model as one pseudo-sample) */
    double over = 0;
    uint32_t used = 0;
    if (ts->n_resid >= 16) {
        /* newest first; misses before FF_SCHED_CLEAN_RUN answers in a row
         * that would all make it belong to a spell that has ended, and so
         * do the tails counted then (a lost answer is a residual too) */
        uint32_t newest_miss = ts->n_resid;
        used = ts->n_resid;
        for (uint32_t k = 0; k < ts->n_resid; k++)
            if (mean + ts->resid_us[(ts->resid_next + 2 * FF_SCHED_RESID - 1 - k) % FF_SCHED_RESID] > budget_us) {
                if (newest_miss == ts->n_resid) newest_miss = k;
                over += 1;
            }
        if (newest_miss >= FF_SCHED_CLEAN_RUN && newest_miss < ts->n_resid) {
            used = newest_miss;
            over = 0;
            tail = 0;
        }
    }
    p = 1.0 - (1.0 - p) * (1.0 - tail);
    if (used) p = (over + p) / ((double)used + 1.0);
    if (ts->overdue && p < s->stall_miss) p = s->stall_miss;
    return p;
}

/* A tier has room for a duplicate when it is not stalled and our copy would
 * wait less than one service time: a hedge must not take the capacity the
 * primaries of the fleet need. */
static int has_room(const ff_sched_state *s, int t)
{
    const ff_tier_state *ts = &s->tier[t];
    if (ts->overdue) return 0;
    double waiting = ts->load_reports ? (double)ts->queue_depth + (double)ts->since_report : (double)ts->inflight;
    return waiting < (double)(ts->workers ? ts->workers : 1);
}

/* P(X > x) under the tier's model: normal around mean plus the tail rate. */
static double survive(double mean, double sd, double tail, double x)
{
    double p = sd < 1e-9 ? (mean > x ? 1.0 : 0.0) : 0.5 * erfc((x - mean) / (sd * M_SQRT2));
    return (1.0 - tail) * p + tail;
}

int ff_sched_rescue(const ff_sched_state *s, int policy, int primary, double pred_us, double pred_sd_us,
                    double elapsed_us, double left_us)
{
    if (policy != FF_POLICY_FOGFORGE || !valid_tier(primary) || primary == FF_TIER_LOCAL || left_us <= 0) return -1;
    /* every tier loses an answer now and then: at least 0.1% (so that far
     * past its prediction the model says "lost", not "impossible") */
    double tail = s->tier[primary].tail_rate > 1e-3 ? s->tier[primary].tail_rate : 1e-3;
    /* miss probability of the primary given that it has not answered yet */
    double alive = survive(pred_us, pred_sd_us, tail, elapsed_us);
    double late = survive(pred_us, pred_sd_us, tail, elapsed_us + left_us);
    double p_miss = alive > 0 ? late / alive : 1.0;
    if (p_miss < 0.5) return -1;
    int best = -1;
    double pb = p_miss;
    for (int t = 0; t < FF_TIER_COUNT; t++) {
        if (t == primary || !s->tier[t].available || !has_room(s, t)) continue;
        double p = ff_sched_miss_prob(s, t, left_us);
        if (p < 0.5 && p < pb) {
            best = t;
            pb = p;
        }
    }
    return best;
}

static uint64_t rng_next(ff_sched_state *s)
{
    uint64_t x = s->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return s->rng = x;
}

static int usable(const ff_sched_state *s, int t, unsigned mask)
{
    return t == FF_TIER_LOCAL || (s->tier[t].available && !(mask & (1u << t)));
}

void ff_sched_decide(ff_sched_state *s, int policy, double budget_us, ff_sched_decision *d)
{
    ff_sched_decide_ex(s, policy, budget_us, 0, d);
}

void ff_sched_decide_ex(ff_sched_state *s, int policy, double budget_us, unsigned mask, ff_sched_decision *d)
{
    int avail[FF_TIER_COUNT], n = 0;
    d->admit = 1;
    d->tier = FF_TIER_LOCAL;
    d->hedge_tier = -1;
    d->twin = 0;
    d->probe_tier = -1;
    for (int t = 0; t < FF_TIER_COUNT; t++) {
        if (usable(s, t, mask)) {
            if (t != FF_TIER_LOCAL && s->tier[t].idle < UINT32_MAX) s->tier[t].idle++;
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
    case FF_POLICY_EDGE: d->tier = usable(s, FF_TIER_EDGE, mask) ? FF_TIER_EDGE : FF_TIER_LOCAL; return;
    case FF_POLICY_CLOUD: d->tier = usable(s, FF_TIER_CLOUD, mask) ? FF_TIER_CLOUD : FF_TIER_LOCAL; return;
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
    /* fogforge: the tier least likely to miss; among those within half a
     * point of it, the earliest finish. */
    double pmin = 1.0;
    for (int i = 0; i < n; i++)
        if (d->miss_prob[avail[i]] < pmin) pmin = d->miss_prob[avail[i]];
    double ok = pmin + 0.005;
    int best = -1;
    for (int i = 0; i < n; i++) {
        int t = avail[i];
        if (d->miss_prob[t] > ok) continue;
        if (best < 0 || d->finish_us[t] < d->finish_us[best]) best = t;
    }
    d->tier = best;
    if (d->miss_prob[best] >= s->admit_threshold) {
        d->admit = 0;
        return;
    }
    /* hedge: a duplicate on a second tier with room to spare when the
     * primary is risky and the pair (independent tiers) misses at most half
     * as often. */
    if (d->miss_prob[best] > s->hedge_threshold) {
        int h = -1;
        for (int i = 0; i < n; i++) {
            int t = avail[i];
            if (t == best || !has_room(s, t)) continue;
            if (h < 0 || d->miss_prob[t] < d->miss_prob[h]) h = t;
        }
        if (h >= 0 && d->miss_prob[best] * d->miss_prob[h] <= 0.5 * d->miss_prob[best]) d->hedge_tier = h;
    }
    /* twin: the same tier over its second connection, when one connection
     * alone misses often enough (a lost frame holds its TCP stream for a
     * retransmission; two streams rarely lose at once) and the tier's
     * queue is short (its tasks waited less than a service time), so the
     * copy costs its spare capacity, not the fleet's deadlines; until the
     * first connection has shown how it fares, twin */
    const ff_tier_state *bs = &s->tier[best];
    if (d->hedge_tier < 0 && best != FF_TIER_LOCAL && bs->paths >= 2 &&
        (bs->path_outcomes < 16 ||
         (double)bs->path_misses >=
             s->twin_threshold * (bs->path_outcomes < FF_SCHED_PATH_HIST ? bs->path_outcomes : FF_SCHED_PATH_HIST)) &&
        (!bs->wait_samples || bs->wait_us <= bs->compute_us))
        d->twin = 1;
    /* probe: a copy to the remote tier left unused longest, once it has
     * been idle for probe_after decisions and has room (see
     * ff_sched_observe_probe); never beside a hedge or a twin */
    if (d->hedge_tier >= 0 || d->twin || !s->probe_after) return;
    for (int i = 0; i < n; i++) {
        int t = avail[i];
        if (t == best || t == FF_TIER_LOCAL || s->tier[t].idle < s->probe_after || !has_room(s, t)) continue;
        if (d->probe_tier < 0 || s->tier[t].idle > s->tier[d->probe_tier].idle) d->probe_tier = t;
    }
}
