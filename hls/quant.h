/* Post-training quantization to integer-only arithmetic (the contract every
 * backend matches bit for bit; see docs/integer-arithmetic.md).
 *
 * Weights: symmetric per output channel, narrow range +-(2^(wb-1)-1).
 * Activations: per tensor, zero point 0, signed [-2^(b-1), 2^(b-1)-1] or,
 * when structurally non-negative (after ReLU, Sigmoid, Softmax, ...),
 * unsigned [0, 2^b-1]. Bias in accumulator precision. Accumulators wrap at
 * acc_bits. Every layer ends with requantization (v*M + 2^(s-1)) >> s, its
 * activation, and saturation. */
#ifndef FF_QUANT_H
#define FF_QUANT_H
#include "ir.h"
#include "qarith.h"

/* Per-layer configuration (hls4ml-style Model / LayerType / LayerName). */
typedef struct ff_layer_cfg {
    int weight_bits; /* 2..16 */
    int act_bits;    /* 2..16: the layer's output tensor */
    int acc_bits;    /* 8..48; 0 in a config = automatic: 32, or wider (at
                      * most 48) when the worst-case sum wbits + in_bits +
                      * ceil(log2(fan_in + 1)) or the largest bias needs it */
    int lut_bits;    /* 6..14: LUT activation index / softmax exp table */
    int reuse;       /* >= 1 */
} ff_layer_cfg;

typedef struct ff_qconfig ff_qconfig; /* parsed config file */

ff_qconfig *ff_qconfig_default(int wbits, int abits);
int ff_qconfig_load(const char *path, ff_qconfig **out, ff_err *e);
int ff_qconfig_parse(const char *json, const char *where, ff_qconfig **out, ff_err *e);
void ff_qconfig_free(ff_qconfig *c);
/* Model.io of the file: 0 not set, 1 "parallel", 2 "stream". */
int ff_qconfig_io(const ff_qconfig *c);
/* Model.slices of the file: 1 when true (the RTL's register slices, gen --slices). */
int ff_qconfig_slices(const ff_qconfig *c);
/* Overrides the reuse factor at model level (CLI --reuse). */
void ff_qconfig_set_reuse(ff_qconfig *c, int reuse);
/* Resolves the configuration of one node: Model, then LayerType (op name,
 * e.g. "Dense"), then LayerName. */
ff_layer_cfg ff_qconfig_resolve(const ff_qconfig *c, const ff_node *n);
/* Whether LayerType or LayerName sets act_bits for n explicitly. */
int ff_qconfig_sets_act_bits(const ff_qconfig *c, const ff_node *n);
/* Checks every LayerName refers to a node of g. */
int ff_qconfig_check(const ff_qconfig *c, const ff_graph *g, ff_err *e);

typedef struct ff_qtensor {
    int bits, is_signed;
    int32_t qmin, qmax;
    double scale;      /* real value = q * scale */
} ff_qtensor;

typedef struct ff_rq {
    int32_t m;
    int s;
} ff_rq;

typedef struct ff_qnode {
    ff_layer_cfg cfg;
    /* DENSE / CONV / SCALE */
    int32_t *qw;       /* same layout as the float weights */
    int64_t *qb;       /* per output channel, accumulator domain */
    double *wscale;    /* per output channel */
    /* requantization to the output (or to the LUT index domain) */
    ff_rq *rq;         /* per output channel (n_rq entries) */
    int n_rq;
    /* per-input requantization: ADD/SUB (shared shift rq[0].s, M here) and CONCAT */
    ff_rq in_rq[FF_MAX_IN];
    /* activations */
    ff_rq leaky;       /* LeakyReLU alpha as M/2^s */
    int32_t clip_lo, clip_hi;
    int32_t *lut;      /* LUT activations: 2^lut_bits entries, output domain */
    double pre_scale;  /* scale of the LUT index domain */
    /* SOFTMAX */
    uint16_t *exp_lut; /* 2^lut_bits + 1 entries: round(2^15 exp(-(j << exp_shift) s_in)) */
    int exp_shift;     /* d = max - q; j = d >> exp_shift, interpolated (see docs) */
    /* AVGPOOL / GAVGPOOL: per window count (1..kernel size) */
    ff_rq *avg_rq;
    int n_avg;
} ff_qnode;

typedef struct ff_qmodel {
    ff_graph *g;       /* owned */
    ff_qtensor *qt;    /* per tensor */
    ff_qnode *qn;      /* per node */
    char calib_desc[128];
} ff_qmodel;

#define FF_SOFTMAX_INV_BITS 10 /* reciprocal table: 1024 entries */

/* What a min/max calibration run measures: per tensor its least and
 * greatest value, per node its greatest |pre-activation|. */
typedef struct ff_calib_ranges {
    int nt, nn;
    double *tmin, *tmax, *pabs;
} ff_calib_ranges;
void ff_calib_ranges_alloc(ff_calib_ranges *r, int nt, int nn); /* uninitialized values */
void ff_calib_ranges_free(ff_calib_ranges *r);

/* Calibration options. */
#define FF_CALIB_SYNTHETIC 1000 /* synthetic samples by default */
typedef struct ff_calib_opts {
    const float *samples; /* n * in_size floats; NULL: synthetic N(0,1) */
    int64_t n;            /* samples (synthetic: 0 = FF_CALIB_SYNTHETIC; a run
                           * with n synthetic samples sees the first n of the
                           * default run's) */
    double percentile;    /* 100 = min/max; e.g. 99.99 clips outliers */
    int mse;              /* clip each range where the quantization MSE is least */
    uint64_t seed;        /* synthetic calibration data */
    /* min/max runs only (no percentile, no MSE): ranges, when set, are the
     * ranges a run with these options measured on this graph, and replace
     * the run; ranges_out, when set, receives the run's (free it) */
    const ff_calib_ranges *ranges;
    ff_calib_ranges *ranges_out;
} ff_calib_opts;

/* Quantizes g (ownership moves into the model, also on failure). */
int ff_quantize(ff_graph *g, const ff_qconfig *cfg, const ff_calib_opts *co, ff_qmodel **out, ff_err *e);
void ff_qmodel_free(ff_qmodel *q);

/* Real ratio -> M/2^s with |M| < 2^15, s in 0..62. */
ff_rq ff_rq_from_real(double r);

/* Softmax reciprocal table entry i (0..1023): floor((2^21 + m/2) / m) with
 * m = 1024 + i, i.e. round(2^21 / m). Every backend builds the same table. */
static inline uint16_t ff_softmax_inv(int i)
{
    uint32_t m = 1024u + (uint32_t)i;
    return (uint16_t)(((1u << 21) + m / 2) / m);
}

/* Integer reference: one sample, raw integers in and out. Scratch buffers
 * come from a plan so the hot path never allocates. */
typedef struct ff_qplan ff_qplan;
ff_qplan *ff_qplan_new(const ff_qmodel *q);
void ff_qplan_free(ff_qplan *p);
void ff_qplan_run(ff_qplan *p, const int32_t *in, int32_t *out);
/* Raw integer of every tensor after the last run (for per-layer debugging). */
const int32_t *ff_qplan_tensor(const ff_qplan *p, int ti);

/* Boundary conversions (host side, float): q = sat(floor(x / scale + 0.5)). */
void ff_quantize_input(const ff_qmodel *q, const float *x, int32_t *qx);
void ff_dequantize_output(const ff_qmodel *q, const int32_t *qy, float *y);

/* Argmax with the first index winning ties. */
int64_t ff_argmax_f(const float *v, int64_t n);
#endif
