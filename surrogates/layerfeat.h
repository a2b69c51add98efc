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
    int64_t mults;         /* multipliers: nonzero weights that are not powers of two, / reuse */
    double csd_per_nz;     /* mean CSD nonzero digits per nonzero weight */
} ff_layer_feat;

/* Nonzero digits of v in canonical signed-digit form. */
int ff_csd_digits(int64_t v);
void ff_layer_features(const ff_qmodel *q, int ni, ff_layer_feat *f);
#endif
