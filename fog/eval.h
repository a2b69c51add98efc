/* `fogforge eval`: runs one fleet scenario once per scheduling policy and
 * compares them. eval_scn.c parses scenario files, eval_net.c builds and
 * removes the emulated network (namespaces + link emulator), eval.c starts
 * the daemons through fogforge's own CLI and aggregates the results. */
#ifndef FF_FOG_EVAL_H
#define FF_FOG_EVAL_H
#include <sys/types.h>

#include "fog_err.h"
#include "linkem.h"

#define FF_EVAL_MAX_FAIL 8

typedef struct ff_eval_failure {
    int edge;          /* 0-based edge index */
    double kill_s;     /* kill -9 at this time after the robots start */
    double restart_s;  /* restart at this time; < 0: never */
} ff_eval_failure;

typedef struct ff_eval_scn {
    char name[64];
    char dir[512];               /* directory of the scenario file (traces are relative to it) */
    int robots;
    double rate_hz, deadline_ms, duration_s;
    int bursts;                  /* 0 steady, 1 bursts */
    double burst_period_s, burst_duty, burst_factor;
    int edges, edge_workers, cloud_workers;
    int robot_compute_us, edge_compute_us, cloud_compute_us;
    int namespaces;              /* 0 loopback, 1 namespaces + emulated links */
    ff_linkem_link edge_link, cloud_link;
    char edge_trace[512], cloud_trace[512];
    int n_fail;
    ff_eval_failure fail[FF_EVAL_MAX_FAIL];
} ff_eval_scn;

int ff_eval_scn_parse(const char *json, const char *dir, ff_eval_scn *s, char *err);
int ff_eval_scn_load(const char *path, ff_eval_scn *s, char *err);

/* The emulated network of one run. */
typedef struct ff_eval_net {
    int up;
    char prefix[32];             /* namespace name prefix, "ffev<pid>" */
    int netem;                   /* 1: kernel netem shapes the links */
    pid_t linkem_pid;
    ff_linkem_trace edge_trace, cloud_trace;
} ff_eval_net;

#define FF_EVAL_NS_PREFIX "ffev"
#define FF_EVAL_IP_DEV "10.203.0.1"
#define FF_EVAL_IP_EDGE "10.203.0.2"
#define FF_EVAL_IP_CLOUD "10.203.0.3"

/* Removes namespaces (and the processes in them) left by eval runs whose
 * process is gone; returns how many were removed. */
int ff_eval_net_reap_stale(void);
int ff_eval_net_up(ff_eval_net *n, ff_eval_scn *s, char *err);
void ff_eval_net_down(ff_eval_net *n);
/* Path of namespace role ("dev", "edge", "cloud") for setns(), or NULL on loopback. */
const char *ff_eval_net_ns(const ff_eval_net *n, const char *role, char *buf, size_t cap);
/* Median UDP round trip (ms) from the dev namespace to ip; < 0 on failure. */
double ff_eval_net_probe(const ff_eval_net *n, const char *role, const char *ip, int count);
/* Enters the named namespace (in a child process). */
int ff_eval_setns(const char *nspath);
#endif
