/* Per-layer features for the surrogate models: what synthesis sees. Our
 * weights are constants in the hardware, so beside shapes, bits and reuse
 * the features describe the weight values: nonzeros, powers of two, and
 * canonical-signed-digit (CSD) nonzero digits (the adders a constant
 * multiplier costs). */
#ifndef FF_LAYERFEAT_H
#define FF_LAYERFEAT_H
#include "live.h"
#include "quant.h"

/* Revision of the computed features (records: tools.features, 1 when
 * absent). A record of an older revision has its stored features
 * recomputed from its regenerated design when loaded (dsrec.c). 2: an
 * accumulator is narrow (acc_narrow_bits) when narrower than its
 * requantization constant, not when under 16 bits. 3: the R > 1 ROM
 * columns counted (rom_wcols, rom_xcols, rom_reuse). 4: with them the
 * multipliers in DSPs and in logic (mults_dsp, mults_soft). 5: the
 * activation table's varying blocks (tab_blk). 6: the R = 1 product
 * registers in fabric (r1_reg_bits), a Softmax's exp-table blocks (tab_blk).
 * 7: r1_reg_bits counts the DSP products' registers too (synthesis flow 2
 * leaves every register in fabric). 8: at R > 1 an output reading no
 * built multiplier is folded (live_out, ff_live); tab_blk is the mean over
 * the kept outputs, of the index range the widths allow; rq_wide counts
 * the accumulator's width with its bias, as the RTL sizes it. 9: the
 * accumulators wider than the layer's product (acc_ext_bits). 10: the
 * kept outputs whose requantized value can leave the output's range
 * (rq_sat). */
#define FF_FEAT_REV 10

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
    /* What synthesis keeps (ff_live): the share of output elements that reach
     * the graph output and vary, the share of input elements that kept logic
     * reads, and over the kept outputs' products at R = 1: the term slots
     * (zero weights included, padding not), the nonzero products of varying
     * inputs and the powers of two among them. All outputs of a single layer
     * are kept unless their weights are all zero. */
    double live_out, live_in;
    int64_t terms_live, nz_live, p2_live;
    /* over the kept outputs, each sum at its own width (sum_bits is the
     * widest): the mean width counted without the biases (so weights and
     * input bits decide it, not the calibration; the bias moves a width by
     * a bit or so, and only where it dominates), the outputs wider than a
     * DSP's 25-bit A port counted with them, as the RTL sizes the
     * requantizer's input (a second DSP: L000056, whose biases dominate,
     * has 13 such outputs with them, 6 without: 43 DSPs, 36 counted without)
     * and the bits of the accumulators that synthesis flow 1 left in fabric
     * at R > 1: those wider than 25 bits and, acc_narrow_bits, those
     * narrower than their requantization constant (ff_acc_narrower_than_m),
     * unless the output has a multiplier of its own. Flow 2 keeps every
     * accumulator in fabric and the analytical model no longer reads these
     * two (sum_bits_mean counts them all); they stay features of the learned
     * model. Features revision 1 (FF_FEAT_REV) took every accumulator under
     * 16 bits as narrow. */
    double sum_bits_mean;
    int64_t rq_wide, acc_fab_bits, acc_narrow_bits;
    /* the bits of the kept outputs' accumulators (each its width with the
     * bias, as the RTL sizes it) wider than the layer's product (xw + wb
     * bits): where an output takes one product a cycle (R > 1, a
     * multiplier of its own or one serving outputs in turn), that product
     * enters its accumulator sign-extended (analytic.c, "accumulator").
     * Features revision 9; 0 in older records until recomputed */
    int64_t acc_ext_bits;
    /* the kept outputs whose requantized value t = (v M + 2^(s-1)) >> s can
     * leave the output's range [lo, hi] as far as Yosys can tell from the
     * widths (v's uw bits times M's mw: the product's uw + mw bits; for a
     * ReLU only above hi): the others need no saturation compares or mux,
     * which ABC folds (layerfeat.c, saturating). Features revision 10; all
     * kept outputs when not counted (older records, ff_layer_feat_keep_all) */
    int64_t rq_sat;
    /* the R = 1 plan's constant products as Yosys maps them (layerfeat.c,
     * r1_product_dsps), identical ones merged: their DSP48 tiles, and the
     * summed widths of those left in logic (shifts and wires excluded) */
    int64_t r1_dsp, r1_lprod_bits;
    /* the R = 1 plan's product registers, all in fabric with synthesis
     * flow 2 (which packs no register into a DSP): per input with a
     * power-of-two weight its bits once (x << k registers x; Yosys merges
     * the equal flip-flops), per input with a negative power of two
     * in_bits + 1 once (-x), and each distinct product, in logic or in
     * DSPs, its width; 0 when not counted */
    int64_t r1_reg_bits;
    /* R > 1: the distinct columns of the weight ROMs and of the index ROMs
     * that vary (constant columns are wires; identical ones, read with the
     * same cycle count, one LUT), as the RTL writes them at reuse rom_reuse
     * (0: not counted; the analytical model then estimates them) */
    int64_t rom_wcols, rom_xcols;
    int rom_reuse;
    /* R > 1, counted with the ROM columns: the built shared multipliers
     * whose product keeps at least 9 bits (DSP48s) and those narrower,
     * which Yosys leaves in logic (synth_xilinx's DSP_Y_MINWIDTH=9) */
    int64_t mults_dsp, mults_soft;
    /* R > 1, counted with the ROM columns: the distinct input selects of
     * the built multipliers (an nd:1 mux over its distinct inputs, selected
     * by the cycle count or by its index ROM; alike ones are one), their
     * inputs summed, and summed over those of a power-of-two size from 4 */
    int64_t mux_n, mux_in, mux_in_p2;
    /* a table activation (Sigmoid, Tanh, ...): per kept output, summed over the
     * table's output bits, the 64-entry blocks (one LUT6's address space)
     * in which the bit varies over the indices the output's sum can reach
     * (its exact range, bias + sum of min/max w x, requantized and
     * saturated as the RTL does); 0 without a table or when not counted */
    double tab_blk;
    /* the RTL revision the features describe (FF_RTL_REV; records say which
     * one they measured, tools.rtl, 1 when absent). 0 (features built by
     * hand) reads as the current one. Not a feature of the learned models:
     * the analytical model applies what the revision changed. */
    int rtl_rev;
} ff_layer_feat;

/* Whether an accumulator of w bits (without the bias) stays in fabric at
 * R > 1: narrower than its requantization constant m (layerfeat.c). */
int ff_acc_narrower_than_m(int w, int32_t m);
/* Nonzero digits of v in canonical signed-digit form. */
int ff_csd_digits(int64_t v);
/* live: ff_live_compute's analysis of q, or NULL to take every element as
 * kept (the RTL as written, before Yosys removes anything) */
void ff_layer_features(const ff_qmodel *q, int ni, const ff_live *live, ff_layer_feat *f);
/* The same for an older RTL revision (rev: FF_RTL_REV's history), as a
 * record of that revision measured it. */
void ff_layer_features_rev(const ff_qmodel *q, int ni, const ff_live *live, int rev, ff_layer_feat *f);
/* sum_bits of a Dense/Conv/Scale layer with its biases and with every bias
 * zero: the range sum_bits can take over biases of smaller magnitude;
 * narrowest: the narrowest output's sum without its bias. */
void ff_layer_sum_bits_range(const ff_qmodel *q, int ni, int *with_bias, int *without, int *narrowest);
/* Sets the kept-logic fields as if everything were kept, each output at the
 * widest sum, from the layer-wide statistics: for features built by hand or
 * read from records that predate them. */
void ff_layer_feat_keep_all(ff_layer_feat *f);
/* Whether f is a multiply-accumulate layer summing several products an
 * output a cycle (R < n_in, R = 1 included): the layers the learned trees
 * leave to the analytical model (surrogate.c) and whose estimates get an
 * error band of their own (bands.h, "parallel"). */
int ff_layer_parallel(const ff_layer_feat *f);
/* Re-derives what depends on the reuse factor (mults, tree, latency, II)
 * after f->reuse (or f->clock_ns) changed; the weight statistics stay. */
void ff_layer_feat_set_reuse(ff_layer_feat *f, int reuse);
/* rq_t_bits of a Dense/Conv/Scale layer (0 for others): depends on the
 * requantization shifts, so on the activation scales (the calibration). */
double ff_layer_rq_t_bits(const ff_qmodel *q, int ni);
#endif
