/* Host runtime benchmarks: the cpu backend's overhead per ff_session_infer_raw
 * call beside the raw kernel (ff_qplan_run on the same thread) for one sample
 * and for a batch of 64, and its throughput on all cores. Measurements are
 * interleaved (raw, session, raw, ...) in many short windows (~2 ms, shorter
 * than a scheduler time slice) and the best window of each side is kept:
 * preemption by other jobs only ever adds time, so the minimum is the clean
 * figure for both sides alike. Prints one JSON object.
 *   bench_host BUNDLE [seconds] */
#include "bundle.h"
#include "exec.h"
#include "fogforge/fogforge.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct {
    ff_qplan *p;
    ff_session *s;
    const int32_t *x;
    int32_t *y;
    int64_t isz, osz, batch;
} ctx;

/* ns per call of one side, over about `secs` seconds */
static double time_raw(ctx *c, double secs)
{
    long n = 0;
    double t0 = now(), t;
    do {
        for (int r = 0; r < 8; r++, n++)
            for (int64_t k = 0; k < c->batch; k++)
                ff_qplan_run(c->p, c->x + k * c->isz, c->y + k * c->osz);
        t = now() - t0;
    } while (t < secs);
    return t / (double)n * 1e9;
}

static double time_session(ctx *c, double secs)
{
    long n = 0;
    ff_err e;
    double t0 = now(), t;
    do {
        for (int r = 0; r < 8; r++, n++)
            if (ff_session_infer_raw(c->s, c->x, c->y, c->batch, &e)) {
                fprintf(stderr, "bench_host: %s\n", e.msg);
                exit(1);
            }
        t = now() - t0;
    } while (t < secs);
    return t / (double)n * 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_host BUNDLE [seconds]\n");
        return 2;
    }
    double secs = argc > 2 ? atof(argv[2]) : 2.0;
    ff_err e;
    ff_bundle *b;
    ff_session *s1, *sall;
    if (ff_bundle_open(argv[1], &b, &e) || ff_session_open(b, "cpu", &(ff_session_opts){.threads = 1}, &s1, &e) ||
        ff_session_open(b, "cpu", NULL, &sall, &e)) {
        fprintf(stderr, "bench_host: %s\n", e.msg);
        return 1;
    }
    enum { NB = 1024 };
    ff_io_info ii, oi;
    ff_bundle_input(b, &ii);
    ff_bundle_output(b, &oi);
    int32_t *x = malloc(sizeof(int32_t) * (size_t)(NB * ii.size)), *y = malloc(sizeof(int32_t) * (size_t)(NB * oi.size));
    srand(3);
    for (int64_t i = 0; i < NB * ii.size; i++)
        x[i] = ii.qmin + rand() % (ii.qmax - ii.qmin + 1);
    ctx c = {ff_qplan_new(b->q), s1, x, y, ii.size, oi.size, 1};
    double best[2][2] = {{1e30, 1e30}, {1e30, 1e30}}; /* [batch 1/64][raw/session] */
    const double win = 0.002;
    const int rounds = (int)(secs / 2 / (4 * win));
    for (int r = 0; r < rounds; r++) {
        for (int bi = 0; bi < 2; bi++) {
            c.batch = bi ? 64 : 1;
            double a = time_raw(&c, win);
            double s = time_session(&c, win);
            best[bi][0] = a < best[bi][0] ? a : best[bi][0];
            best[bi][1] = s < best[bi][1] ? s : best[bi][1];
        }
    }
    /* sustained throughput (long windows, best of 3), one thread and all cores */
    double thr[3];
    int64_t bsz[3] = {NB, 64, NB};
    ff_session *ss[3] = {s1, sall, sall};
    for (int i = 0; i < 3; i++) {
        c.s = ss[i];
        c.batch = bsz[i];
        double t = 1e30;
        for (int r = 0; r < 3; r++) {
            double v = time_session(&c, secs / 9);
            t = v < t ? v : t;
        }
        thr[i] = (double)bsz[i] / (t * 1e-9);
    }
    printf("{\"bundle\":\"%s\",\"cores\":%d,"
           "\"raw_ns_1\":%.1f,\"session_ns_1\":%.1f,\"overhead_ns_1\":%.1f,"
           "\"raw_ns_64\":%.1f,\"session_ns_64\":%.1f,\"overhead_pct_64\":%.2f,"
           "\"cpu1_per_s\":%.0f,\"one_thread_per_s_1024\":%.0f,\"all_cores_per_s_64\":%.0f,\"all_cores_per_s_1024\":%.0f}\n",
           ff_bundle_name(b), (int)sysconf(_SC_NPROCESSORS_ONLN), best[0][0], best[0][1],
           best[0][1] - best[0][0], best[1][0], best[1][1], 100.0 * (best[1][1] - best[1][0]) / best[1][0],
           1e9 / best[0][0], thr[0], thr[1], thr[2]);
    ff_qplan_free(c.p);
    free(x);
    free(y);
    ff_session_close(s1);
    ff_session_close(sall);
    ff_bundle_close(b);
    return 0;
}
