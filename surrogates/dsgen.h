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
    int64_t max_cost;    /* cap on a design's synthesis cost (ff_dsgen_cost); 0: none */
    int reuse;           /* > 0: every multiply-accumulate layer at this reuse factor where it is
                          * valid and keeps n_in*n_out*positions/reuse <= max_mults (else drawn) */
    int uniform;         /* networks as hls4ml users write them: one reuse factor for the model (a
                          * power of two, 1-64; per layer the nearest valid one within max_mults),
                          * MLPs of power-of-two widths 8-64, a final Softmax half the time */
    int log_reuse;       /* a drawn reuse factor uniform in log2 R over the valid factors within
                          * max_mults itself (nearest valid one to a log-uniform target), instead
                          * of uniform over those within a cap drawn from 16..max_mults: most
                          * valid factors of a layer are multiples of its inputs (one multiplier
                          * serving outputs in turn), and the cap rarely leaves the factors users
                          * choose, a few products a cycle */
} ff_dsgen_opts;

/* Synthesis cost of a layer in bits of logic Yosys has to build and optimize:
 * R > 1: each multiplier's weight and input-index ROMs (R words) and its input
 * mux; R = 1: the constant multipliers (4 x (weight + input bits) each); plus the layer's input and output
 * registers. Yosys time grows with it (measured: 2k -> 10 s, 14k -> 19 s,
 * 290k -> 420 s on one core); the dataset redraws designs above its cap. */
struct ff_layer_feat;
int64_t ff_dsgen_cost(const struct ff_layer_feat *f);

#define FF_DSGEN_ATTEMPTS 64

/* Builds and quantizes design `index` (network != 0: a 2-6 layer network);
 * draws again (up to FF_DSGEN_ATTEMPTS times, deterministically) while its
 * cost exceeds max_cost, and fails (FF_EINPUT, naming the design and the
 * cheapest draw) when none fits: a design it returns always respects
 * max_cost.
 * desc receives a one-line description ("dense 64x32 w6a8 R4 relu sparse"). */
int ff_dsgen_design(const ff_dsgen_opts *o, int64_t index, int network, ff_qmodel **out, char *desc, size_t n,
                    ff_err *e);
#endif
