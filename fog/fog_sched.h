/* Offloading scheduler: pure functions over an observed-state struct (no
 * sockets, no clocks). The robot feeds it measured round trips, reported queue
 * depths and availability; it answers where the next task should run, whether
 * to admit it, and whether to hedge to a second tier. */
#ifndef FF_FOG_SCHED_H
#define FF_FOG_SCHED_H
#include <stdint.h>

#include "fog_msg.h"

enum ff_policy {
    FF_POLICY_LOCAL,
    FF_POLICY_EDGE,
    FF_POLICY_CLOUD,
    FF_POLICY_RANDOM,
    FF_POLICY_ROUND_ROBIN,
    FF_POLICY_GREEDY,
    FF_POLICY_FOGFORGE,
    FF_POLICY_COUNT
};

/* Answers of a tier's first connection remembered for twinning. */
#define FF_SCHED_PATH_HIST 128

/* Residuals kept per tier for the empirical miss probability. */
#define FF_SCHED_RESID 128

/* Answers in a row, all in time, after which the misses before them no
 * longer count (a spell that ended): with the 5% miss rate of 6 stalled
 * answers in 128, a run of 32 clean ones has a 21% chance. A wrong call
 * costs little: the first miss inside the run brings the old ones back. */
#define FF_SCHED_CLEAN_RUN 32

typedef struct ff_tier_state {
    int available;           /* connected and usable */
    double rtt_mean_us;      /* EWMA of network round trip (without compute) */
    double rtt_var_us2;      /* EWMA of squared deviation */
    uint32_t samples;
    double compute_us;       /* predicted compute latency of one task there */
    uint32_t queue_depth;    /* queue depth the tier reported */
    uint32_t workers;        /* tasks it serves in parallel (>= 1) */
    uint32_t inflight;       /* our tasks outstanding there */
    uint32_t compute_samples;
    uint32_t load_reports;   /* queue-depth reports seen (status or results) */
    uint32_t since_report;   /* our tasks sent there since the last report */
    double tail_rate;        /* EWMA of outcomes beyond the model (lost frames, stalls) */
    uint32_t outcomes;
    uint32_t overdue;        /* our tasks there far past their prediction right now */
    double err_mean_us;      /* EWMA of (actual - predicted) finish: the model's bias */
    uint32_t err_samples;
    float resid_us[FF_SCHED_RESID]; /* the last answers' (actual - predicted), unbiased */
    uint32_t n_resid, resid_next;
    uint32_t paths;          /* independent connections to the tier (>= 1) */
    uint8_t path_hist[FF_SCHED_PATH_HIST]; /* the last answers on the first connection: 1 = after the deadline */
    uint32_t path_outcomes, path_misses;   /* answers counted; misses among the last FF_SCHED_PATH_HIST */
    double wait_us;          /* EWMA of the time our tasks waited in the tier's queue (node-reported) */
    uint32_t wait_samples;
    uint32_t idle;           /* decisions since a task (primary or copy) last went to the tier */
    uint32_t probes_ok;      /* probes answered in time since the last late one */
} ff_tier_state;

typedef struct ff_sched_state {
    ff_tier_state tier[FF_TIER_COUNT];
    uint32_t rr_next;
    uint64_t rng;
    double alpha;            /* EWMA gain for the mean (default 1/8) */
    double beta;             /* EWMA gain for the variance (default 1/4) */
    double hedge_threshold;  /* hedge when the primary's miss probability exceeds this */
    double admit_threshold;  /* refuse a task when every tier misses with at least this probability */
    double tail_gain;        /* EWMA gain of tail_rate (default 1/32) */
    double stall_miss;       /* miss probability of a tier with an overdue task (default 0.5) */
    double twin_threshold;   /* twin a task when one connection alone missed at least this share of its
                              * last FF_SCHED_PATH_HIST answers (default 0.005: any one of them) */
    uint32_t probe_after;    /* probe a tier left unused for this many decisions (default 50; 0: never) */
    uint32_t probes_to_forget; /* probes in time, in a row, that clear a tier's record of misses (default 3) */
} ff_sched_state;

typedef struct ff_sched_decision {
    int admit;               /* 0: the deadline cannot be met anywhere; do not send */
    int tier;                /* primary tier */
    int hedge_tier;          /* second tier for a duplicate, or -1 */
    int twin;                /* 1: a second copy to the primary tier over its second connection */
    int probe_tier;          /* remote tier to send a copy to as a probe, or -1 */
    double finish_us[FF_TIER_COUNT];   /* predicted finish (mean), -1 when unavailable */
    double miss_prob[FF_TIER_COUNT];   /* predicted deadline-miss probability */
} ff_sched_decision;

/* Prior round trip assumed for a tier with no samples yet. */
#define FF_SCHED_PRIOR_RTT_US 2000.0

int ff_sched_policy_parse(const char *name, int *policy);
const char *ff_sched_policy_name(int policy);

/* Local tier available with the given compute latency; remote tiers
 * unavailable until ff_sched_set_available(). */
void ff_sched_init(ff_sched_state *s, uint64_t seed, double local_compute_us);
void ff_sched_set_available(ff_sched_state *s, int tier, int available);
void ff_sched_set_compute(ff_sched_state *s, int tier, double compute_us);
void ff_sched_observe_rtt(ff_sched_state *s, int tier, double rtt_us);
/* A measured round trip from before any answer (a connection's handshake):
 * replaces the prior of a tier that has no sample yet, without counting as
 * one (its first answer replaces it in turn). */
void ff_sched_set_prior_rtt(ff_sched_state *s, int tier, double rtt_us);
/* A remote tier's measured compute time of one task (EWMA with gain alpha;
 * the first sample replaces the prior, which is the local compute time). */
void ff_sched_observe_compute(ff_sched_state *s, int tier, double compute_us);
/* A fresh queue-depth report of the tier (queued + running, summed over
 * its nodes): resets the count of our tasks sent since the last report. */
void ff_sched_observe_load(ff_sched_state *s, int tier, uint32_t queue_depth, uint32_t workers);
/* Outcome of a task sent to tier: beyond = 1 when it finished far later
 * than its prediction at send time allowed (the robot uses twice the mean
 * plus 3 sd) or never; 0 otherwise.
 * The rate of such tails (lost frames, stalled nodes) adds to the tier's
 * miss probability. */
void ff_sched_observe_outcome(ff_sched_state *s, int tier, int beyond);
/* A primary answer: actual vs predicted finish (µs) at send time (a task
 * never answered counts with a very large actual). The tier's prediction
 * learns its bias from these, and its miss probability becomes the share of
 * recent answers that would have missed with the current prediction: an
 * empirical distribution that keeps heavy tails (jitter, TCP stalls after a
 * lost frame, queues growing unseen) which a normal model hides. Misses
 * older than the last FF_SCHED_CLEAN_RUN answers, when those would all have
 * made it, no longer count, nor does the tail rate then. */
void ff_sched_observe_error(ff_sched_state *s, int tier, double actual_us, double predicted_us);
/* How many of our tasks on tier are far past their prediction now. One
 * overdue task means the tier is slower than its model (a TCP stream
 * waiting for a retransmission holds everything sent after it; a queue
 * grew faster than reported): its miss probability is at least stall_miss
 * until they are answered. */
void ff_sched_set_overdue(ff_sched_state *s, int tier, uint32_t n);
/* Number of independent connections the caller has to tier (separate TCP
 * streams: a frame lost on one does not hold up the other). */
void ff_sched_set_paths(ff_sched_state *s, int tier, uint32_t paths);
/* Whether the answer that came over the tier's first connection arrived
 * after the task's deadline (counted even when a twin on the second
 * connection answered first): how often one connection alone misses. */
void ff_sched_observe_path_miss(ff_sched_state *s, int tier, int missed);
/* Time a task waited in the answering node's queue (its own report). */
void ff_sched_observe_wait(ff_sched_state *s, int tier, double wait_us);
void ff_sched_task_sent(ff_sched_state *s, int tier);
void ff_sched_task_done(ff_sched_state *s, int tier);

/* Predicted finish time (mean and standard deviation, µs from now). */
double ff_sched_predict_us(const ff_sched_state *s, int tier, double *stddev_us);
/* Probability that a task sent now to tier finishes after budget_us. */
double ff_sched_miss_prob(const ff_sched_state *s, int tier, double budget_us);

/* The answer of a probe to tier t: late = 1 when it came after the task's
 * deadline, or was refused or expired there. A tier's record (tail rate,
 * residuals, bias, round trip) learns only from answers of tasks sent to it,
 * so a tier that missed in a bad spell (a slow first second, a stalled node)
 * and was then left unused would never show that it recovered. fogforge
 * therefore probes a tier left unused for probe_after decisions with a copy
 * of a task (the primary still carries it). The caller records the probe's
 * answer as it does any answer (round trip, outcome, error), after this
 * call; after probes_to_forget probes in a row answered in time, the tier's
 * record of misses is forgotten first, and its answers from then on build a
 * fresh one. */
void ff_sched_observe_probe(ff_sched_state *s, int t, int late);

/* Decides where a task with budget_us until its deadline runs under policy.
 * fogforge also twins a task (d->twin) sent to a tier reached over two
 * independent connections when one connection alone missed at least
 * twin_threshold of its deadlines (lost frames: TCP holds the stream until
 * the retransmission) and the tier has room (its tasks waited less than one
 * service time in its queue): the first answer of the two counts.
 * Always returns a usable tier (local when nothing else is available). */
void ff_sched_decide(ff_sched_state *s, int policy, double budget_us, ff_sched_decision *d);
/* Same, with the tiers in exclude_mask (bit 1 << tier) treated as
 * unavailable (a tier that rejected the task); local is never excluded. */
void ff_sched_decide_ex(ff_sched_state *s, int policy, double budget_us, unsigned exclude_mask, ff_sched_decision *d);
/* Rescue of an overdue task (fogforge policy only): a task sent to primary
 * with predicted finish pred_us ± pred_sd_us has had no answer for
 * elapsed_us and has left_us until its deadline. Returns the tier to send a
 * duplicate to when the primary is past its predicted tail (a lost frame or
 * a stalled node) and another tier can still likely make the deadline, else
 * -1. */
int ff_sched_rescue(const ff_sched_state *s, int policy, int primary, double pred_us, double pred_sd_us,
                    double elapsed_us, double left_us);
#endif
