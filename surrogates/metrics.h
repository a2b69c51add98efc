/* Accuracy metrics of an estimator against ground truth. Percentages are
 * fractions (0.05 = 5%). */
#ifndef FF_METRICS_H
#define FF_METRICS_H
#include "common.h"

typedef struct ff_metrics {
    int64_t n;
    double smape;     /* mean 2|p-a|/(|p|+|a|); 0 when both are 0 */
    double mape;      /* mean |p-a|/a over a > 0 */
    double r2;        /* 1 - SS_res/SS_tot (1 when SS_tot = 0 and exact) */
    double med_ape, p90_ape; /* median and 90th percentile of |p-a|/a (a = 0: 0 if p = 0, else 1) */
    double within10;  /* share with |p-a| <= 0.1 a */
    double exact;     /* share with round(p) == a */
} ff_metrics;

void ff_metrics_compute(const double *pred, const double *act, int64_t n, ff_metrics *m);
#endif
