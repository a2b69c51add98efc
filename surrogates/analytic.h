/* The analytical estimator: closed-form resources of one layer from its
 * features (docs/surrogates.md states every formula), and its latency and
 * II exactly as the RTL plan computes them. */
#ifndef FF_ANALYTIC_H
#define FF_ANALYTIC_H
#include "dsrec.h"

/* out[FF_T_*]: LUT, FF, DSP, BRAM18, latency (cycles), II */
void ff_analytic_layer(const ff_layer_feat *f, double out[FF_T__COUNT]);

/* The same, and a multiply-accumulate layer's LUTs by part (their sum is
 * out[FF_T_LUT]; all zero for other layers): the learned model's features
 * (surrogate.c), so its trees can correct one part and not the others. */
enum {
    FF_AN_PART_MULT, /* products in logic: R = 1 constant products, narrow products, DSP tiles' partial sums */
    FF_AN_PART_MUX,  /* input selects */
    FF_AN_PART_ROM,  /* weight and input-index ROMs in logic */
    FF_AN_PART_TREE, /* fabric adders of the cycle's tree */
    FF_AN_PART_ACC,  /* fabric accumulators and their first-cycle bias mux */
    FF_AN_PART_TAIL, /* requantization, activation, saturation */
    FF_AN_PARTS
};
void ff_analytic_layer_parts(const ff_layer_feat *f, double out[FF_T__COUNT], double parts[FF_AN_PARTS]);
/* The same, returning how many of the layer's LUTs a hash in Yosys
 * decided, either way (RTL revisions before 4: an accumulator as wide as
 * its one product a cycle costs 1 or 2 LUTs a bit, counted 1.5): half a
 * LUT per such bit, the count's uncertainty; 0 at revision 4 and for every
 * other layer. */
double ff_analytic_layer_parts_hash(const ff_layer_feat *f, double out[FF_T__COUNT], double parts[FF_AN_PARTS]);

/* io stream (gen --io stream): the blocks a streaming layer adds around its
 * PE (whose features, one window in and its channels out, go through
 * ff_analytic_layer or the learned model like any layer): zero padding,
 * line buffers and the window registers; and the collector in front of the
 * first io parallel layer. Geometry as the RTL plan's (ff_rtl_layer.w). */
typedef struct ff_stream_feat {
    int has_pad, has_win;
    int64_t PH, PW, C;     /* padded image streamed into the line buffers, channels */
    int kh, kw, in_bits;
    int64_t collect_pixels; /* > 0: a collector of that many pixels sits in front of this layer */
    int64_t collect_elems;  /* ... of that many elements (of in_bits) each */
} ff_stream_feat;

/* Adds the stream blocks' LUT, FF and BRAM18 to out[] (latency and II are
 * the plan's: ff_rtl_stream_timing). */
void ff_analytic_stream(const ff_stream_feat *s, double out[FF_T__COUNT]);
/* A register slice of `bits` data bits (gen --slices: the 2-entry FIFO at
 * a layer boundary): its LUT-RAM sites, pointer logic and registers, in
 * out[] (LUT, FF; the rest 0). */
void ff_analytic_slice(int64_t bits, double out[FF_T__COUNT]);
struct ff_rtl_plan;
/* Adds every register slice of a sliced plan to total[] and, when per is
 * not NULL, to the row of the node it feeds (per[node]). */
void ff_analytic_slices(const struct ff_rtl_plan *p, double (*per)[FF_T__COUNT], double total[FF_T__COUNT]);
#endif
