/* Accuracy metrics (SMAPE, MAPE, R^2, percentiles of the absolute
 * percentage error, share within 10%, share exact). */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* nearest-rank percentile of sorted v */
static double pct(const double *v, int64_t n, double q)
{
    if (n == 0)
        return 0;
    int64_t k = (int64_t)ceil(q * (double)n) - 1;
    return v[k < 0 ? 0 : (k >= n ? n - 1 : k)];
}

void ff_metrics_compute(const double *p, const double *a, int64_t n, ff_metrics *m)
{
    memset(m, 0, sizeof *m);
    m->n = n;
    if (n == 0)
        return;
    double *ape = ff_malloc(sizeof(double) * (size_t)n), mean = 0, ss_res = 0, ss_tot = 0;
    int64_t np = 0;
    for (int64_t i = 0; i < n; i++)
        mean += a[i];
    mean /= (double)n;
    for (int64_t i = 0; i < n; i++) {
        double d = fabs(p[i]) + fabs(a[i]), err = fabs(p[i] - a[i]);
        m->smape += d > 0 ? 2 * err / d : 0;
        if (a[i] > 0) {
            m->mape += err / a[i];
            np++;
        }
        ape[i] = a[i] > 0 ? err / a[i] : (err > 0 ? 1.0 : 0.0);
        m->within10 += err <= 0.1 * fabs(a[i]);
        m->exact += round(p[i]) == a[i];
        ss_res += err * err;
        ss_tot += (a[i] - mean) * (a[i] - mean);
    }
    m->smape /= (double)n;
    m->mape = np ? m->mape / (double)np : 0;
    m->within10 /= (double)n;
    m->exact /= (double)n;
    m->r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : (ss_res == 0 ? 1 : 0);
    qsort(ape, (size_t)n, sizeof *ape, cmp_d);
    m->med_ape = pct(ape, n, 0.5);
    m->p90_ape = pct(ape, n, 0.9);
    free(ape);
}
