/* Per-layer features for the surrogate models: what synthesis sees. Our
 * weights are constants in the hardware, so beside shapes, bits and reuse
 * the features describe the weight values: nonzeros, powers of two, and
 * canonical-signed-digit (CSD) nonzero digits (the adders a constant
 * multiplier costs). */
#ifndef FF_LAYERFEAT_H
#define FF_LAYERFEAT_H
#include "quant.h"

typedef struct ff_layer_feat {
    int op;                /* ff_op */
    int act;               /* ff_act */
    int64_t n_in, n_out;   /* MAC shape: products per output, outputs per step */
    int64_t pixels;        /* output positions (1 for Dense) */
    int64_t in_size, out_size;
    int kernel, channels_in, channels_out;
    int wbits, in_bits, out_bits, acc_bits, lut_bits, reuse;
    int in_signed;
    int64_t weights, nonzero, pow2, csd_digits; /* over all weights */
    int64_t mults;         /* multipliers the RTL instantiates: (R = 1: nonzero weights;
                            * R > 1: ceil(n_in*n_out/R)) x output positions */
    double csd_per_nz;     /* mean CSD nonzero digits per nonzero weight */
    int64_t max_terms;     /* most nonzero products one output sums (sizes the adder tree at R = 1) */
    int sum_bits;          /* widest output sum: bits of |bias| + sum |w| * max|x|, at most acc_bits */
    int tree_levels;       /* adder-tree levels, and the pipeline depth and II of the layer, */
    int latency, ii;       /* as the RTL plan computes them (ff_rtl_layer_timing) */
    double clock_ns;       /* the RTL's pipelining clock (gen --clock); 0: its fixed plan. Not a
                            * feature: it reaches the models through latency */
    double rq_t_bits;      /* mean bits per output of the rounded, shifted requantization value
                            * (max(sum width + 19 - S, 3)): the register a twice-split requantization
                            * (--clock) adds. Not a feature: 0 unless set with ff_layer_rq_t_bits */
} ff_layer_feat;

/* Nonzero digits of v in canonical signed-digit form. */
int ff_csd_digits(int64_t v);
void ff_layer_features(const ff_qmodel *q, int ni, ff_layer_feat *f);
/* sum_bits of a Dense/Conv/Scale layer with its biases and with every bias
 * zero: the range sum_bits can take over biases of smaller magnitude. */
void ff_layer_sum_bits_range(const ff_qmodel *q, int ni, int *with_bias, int *without);
/* Re-derives what depends on the reuse factor (mults, tree, latency, II)
 * after f->reuse (or f->clock_ns) changed; the weight statistics stay. */
void ff_layer_feat_set_reuse(ff_layer_feat *f, int reuse);
/* rq_t_bits of a Dense/Conv/Scale layer (0 for others): depends on the
 * requantization shifts, so on the activation scales (hence not among the
 * features the estimate's prefix calibration keeps exact). */
double ff_layer_rq_t_bits(const ff_qmodel *q, int ni);
#endif
