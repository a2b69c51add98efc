/* Link emulator model: delay ± jitter, delay traces, loss, FIFO release.
 * Pure functions; the packet I/O is in linkem_run.c. */
#include "linkem.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double ff_linkem_uniform(uint64_t *rng)
{
    uint64_t x = *rng ? *rng : 0x9e3779b97f4a7c15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *rng = x;
    return (double)((x * 0x2545f4914f6cdd1dull) >> 11) / 9007199254740992.0;
}

double ff_linkem_trace_rtt(const ff_linkem_trace *t, double t_s)
{
    if (!t || !t->n) return 0;
    if (t->n == 1) return t->rtt_ms[0];
    double t0 = t->t_s[0], span = t->t_s[t->n - 1] - t0;
    double x = t_s - t0;
    if (span > 0) x = fmod(x, span);
    if (x < 0) x += span;
    x += t0;
    size_t lo = 0, hi = t->n - 1;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (t->t_s[mid] <= x) lo = mid;
        else hi = mid;
    }
    double dt = t->t_s[hi] - t->t_s[lo];
    double f = dt > 0 ? (x - t->t_s[lo]) / dt : 0;
    if (f < 0) f = 0;
    if (f > 1) f = 1;
    return t->rtt_ms[lo] + f * (t->rtt_ms[hi] - t->rtt_ms[lo]);
}

double ff_linkem_oneway_us(const ff_linkem_link *l, double t_s, uint64_t *rng)
{
    double rtt = l->trace ? ff_linkem_trace_rtt(l->trace, t_s) : l->rtt_ms;
    double us = rtt * 500.0;
    if (l->jitter_ms > 0) us += (ff_linkem_uniform(rng) * 2.0 - 1.0) * l->jitter_ms * 500.0;
    return us > 0 ? us : 0;
}

int ff_linkem_drops(const ff_linkem_link *l, uint64_t *rng)
{
    return l->loss > 0 && ff_linkem_uniform(rng) < l->loss;
}

uint64_t ff_linkem_release_ns(uint64_t now_ns, double delay_us, uint64_t *last_ns)
{
    uint64_t at = now_ns + (uint64_t)(delay_us * 1000.0);
    if (at < *last_ns) at = *last_ns;
    *last_ns = at;
    return at;
}

int ff_linkem_trace_parse(const char *text, ff_linkem_trace *t, char *err)
{
    memset(t, 0, sizeof *t);
    size_t cap = 0;
    int line = 0;
    const char *p = text;
    while (*p) {
        line++;
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        char buf[256];
        if (len >= sizeof buf) {
            ff_linkem_trace_free(t);
            return ff_fog_fail(err, FF_FOG_EINPUT, "trace line too long: line %d", line);
        }
        memcpy(buf, p, len);
        buf[len] = 0;
        p += len + (eol ? 1 : 0);
        char *h = strchr(buf, '#');
        if (h) *h = 0;
        double ts, rtt;
        char extra;
        int k = sscanf(buf, "%lf %lf %c", &ts, &rtt, &extra);
        if (k <= 0) continue; /* blank or comment */
        if (k != 2 || !isfinite(ts) || !isfinite(rtt) || rtt < 0 || rtt > 60000 ||
            (t->n && !(ts > t->t_s[t->n - 1]))) {
            ff_linkem_trace_free(t);
            return ff_fog_fail(err, FF_FOG_EINPUT,
                               "trace wants \"t_s rtt_ms\" with increasing t and 0 <= rtt <= 60000: line %d", line);
        }
        if (t->n == FF_LINKEM_TRACE_MAX) {
            ff_linkem_trace_free(t);
            return ff_fog_fail(err, FF_FOG_EINPUT, "trace has more than %d points", FF_LINKEM_TRACE_MAX);
        }
        if (t->n == cap) {
            cap = cap ? cap * 2 : 64;
            double *a = realloc(t->t_s, cap * sizeof *a), *b = a ? realloc(t->rtt_ms, cap * sizeof *b) : NULL;
            if (a) t->t_s = a;
            if (!a || !b) {
                ff_linkem_trace_free(t);
                return ff_fog_fail(err, FF_FOG_ENOMEM, "out of memory: trace");
            }
            t->rtt_ms = b;
        }
        t->t_s[t->n] = ts;
        t->rtt_ms[t->n] = rtt;
        t->n++;
    }
    if (!t->n) return ff_fog_fail(err, FF_FOG_EINPUT, "trace has no points");
    return FF_FOG_OK;
}

int ff_linkem_trace_load(const char *path, ff_linkem_trace *t, char *err)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "r");
    if (!f) return ff_fog_fail(err, FF_FOG_EINPUT, "cannot open trace: %s: %s", strerror(errno), path);
    char *text = malloc(8u << 20);
    size_t n = text ? fread(text, 1, (8u << 20) - 1, f) : 0;
    int big = text && !feof(f);
    fclose(f);
    if (!text) return ff_fog_fail(err, FF_FOG_ENOMEM, "out of memory: trace");
    if (big) {
        free(text);
        return ff_fog_fail(err, FF_FOG_EINPUT, "trace larger than 8 MiB: %s", path);
    }
    text[n] = 0;
    char e2[FF_FOG_ERRLEN];
    int rc = ff_linkem_trace_parse(text, t, e2);
    free(text);
    if (rc) return ff_fog_fail(err, rc, "%s: %s", e2, path);
    return FF_FOG_OK;
}

void ff_linkem_trace_free(ff_linkem_trace *t)
{
    free(t->t_s);
    free(t->rtt_ms);
    memset(t, 0, sizeof *t);
}
