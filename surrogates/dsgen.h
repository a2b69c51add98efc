/* Random designs for the surrogate dataset, in the spirit of wa-hls4ml:
 * single layers (Dense 8-256 in/out, Conv1D/Conv2D with 4-64 channels and
 * kernels 1-5, pooling) and whole networks of 2-6 layers, with weight bits
 * 2-16, activation bits 4-16, reuse factors over each layer's valid range,
 * and weights drawn dense, pruned, low-precision or powers of two. Design k
 * of a seed is always the same design. */
#ifndef FF_DSGEN_H
#define FF_DSGEN_H
#include "quant.h"

typedef struct ff_dsgen_opts {
    uint64_t seed;
    int64_t max_mults;   /* cap on multipliers per layer (n_in*n_out/reuse) */
} ff_dsgen_opts;

/* Builds and quantizes design `index` (network != 0: a 2-6 layer network).
 * desc receives a one-line description ("dense 64x32 w6a8 R4 relu sparse"). */
int ff_dsgen_design(const ff_dsgen_opts *o, int64_t index, int network, ff_qmodel **out, char *desc, size_t n,
                    ff_err *e);
#endif
