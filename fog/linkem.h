/* Userspace link emulator (the kernel here has no netem): a switch that
 * forwards Ethernet frames between veth ports and delays each frame by the
 * one-way delay of its source link plus that of its destination link (delay
 * ± jitter, or a delay trace), or drops it with the links' loss
 * probabilities. Dropped frames are really gone (TCP retransmits them).
 *
 * A link's rtt_ms is the round trip it adds: each direction gets rtt/2 and
 * ± jitter/2 (uniform); loss is per frame and per direction. Frames leave a
 * port in arrival order (delays never reorder a flow). The model below is
 * pure (no sockets, no clocks); ff_linkem_run() does the I/O. */
#ifndef FF_FOG_LINKEM_H
#define FF_FOG_LINKEM_H
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "fog_err.h"

#define FF_LINKEM_MAX_PORTS 8
#define FF_LINKEM_TRACE_MAX 100000

/* Piecewise-linear RTT over time, looped: lines "t_s rtt_ms", t increasing. */
typedef struct ff_linkem_trace {
    size_t n;
    double *t_s, *rtt_ms;
} ff_linkem_trace;

typedef struct ff_linkem_link {
    double rtt_ms, jitter_ms, loss;
    const ff_linkem_trace *trace; /* overrides rtt_ms when set */
} ff_linkem_link;

int ff_linkem_trace_load(const char *path, ff_linkem_trace *t, char *err);
int ff_linkem_trace_parse(const char *text, ff_linkem_trace *t, char *err);
void ff_linkem_trace_free(ff_linkem_trace *t);
/* RTT of the trace at t_s (linear between points, looped over its span). */
double ff_linkem_trace_rtt(const ff_linkem_trace *t, double t_s);

/* xorshift64* state; uniform in [0,1). */
double ff_linkem_uniform(uint64_t *rng);
/* One-way delay (µs) a frame gets on this link at time t_s. */
double ff_linkem_oneway_us(const ff_linkem_link *l, double t_s, uint64_t *rng);
/* 1 when this link drops the frame. */
int ff_linkem_drops(const ff_linkem_link *l, uint64_t *rng);
/* FIFO release time of a frame arriving at now_ns with delay_us on an egress
 * whose previous frame leaves at *last_ns; updates *last_ns. */
uint64_t ff_linkem_release_ns(uint64_t now_ns, double delay_us, uint64_t *last_ns);

typedef struct ff_linkem_port {
    char ifname[16];
    ff_linkem_link link;
} ff_linkem_port;

typedef struct ff_linkem_stats {
    uint64_t frames, dropped, overflow;
} ff_linkem_stats;

/* Runs the switch on n ports (interfaces in the current network namespace)
 * until *stop is set; frames to unknown or broadcast MACs are flooded. */
int ff_linkem_run(const ff_linkem_port *ports, int n, uint64_t seed, volatile sig_atomic_t *stop,
                  ff_linkem_stats *st, char *err);
#endif
