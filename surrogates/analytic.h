/* The analytical estimator: closed-form resources of one layer from its
 * features (docs/surrogates.md states every formula), and its latency and
 * II exactly as the RTL plan computes them. */
#ifndef FF_ANALYTIC_H
#define FF_ANALYTIC_H
#include "dsrec.h"

/* out[FF_T_*]: LUT, FF, DSP, BRAM18, latency (cycles), II */
void ff_analytic_layer(const ff_layer_feat *f, double out[FF_T__COUNT]);
#endif
