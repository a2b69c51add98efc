/* Analytical per-layer resource model. Each term counts a structure the
 * RTL back-end writes (hls/emit_rtl_verilog.c) as Yosys 0.23 maps it for
 * xc7 with -flatten: constant multipliers by a power of two become wiring,
 * other multipliers DSP48E1s, which also absorb adders (post-adder,
 * pre-adder) and registers (MREG, A/D input registers); fabric adders one
 * LUT per bit, an n:1 multiplexer n/4 LUT6 per bit (MUXF7/F8 widen), a ROM
 * of depth D ceil(D/64) LUT6 per output bit plus its mux, a ROM read
 * through a registered address of depth > FF_AN_BRAM_DEPTH block RAM;
 * identical logic (muxes selecting the same inputs by the same count) is
 * shared. docs/surrogates.md states every formula and where the
 * constants were measured. */
#include "analytic.h"

#include "emit_rtl.h"
#include "rtl_dot.h"

#include <math.h>

#define FF_AN_RQ_M_BITS 17      /* requantization multiplier M */
#define FF_AN_ROM_BIT_COST (1.0 / 64) /* synth_xilinx's memory_libmap -logic-cost-rom */
#define FF_AN_RAMB18_COST 129.0       /* a RAMB18's cost in Yosys's xc7 block RAM library */
#define FF_AN_TABLE_LUTS 10.0         /* LUT6s per output bit of an activation table in logic, uncounted */
#define FF_AN_TABLE_BLK_LUTS 2.8      /* LUTs per varying 64-entry block of a table in logic (tab_blk) */
#define FF_AN_SM_BLK_LUTS 1.5         /* a Softmax exp-table read: LUTs per varying 64-entry block */
#define FF_AN_SM_ELEM_LUTS 246.0      /* a Softmax element's interpolation and normalization beyond the parts counted */
#define FF_AN_LEAKY_LUTS 27.0         /* LeakyReLU per output beyond vw (37 alone; 27 in context, see requant) */
#define FF_AN_LEAKY_TILE_LUTS 49.0    /* ... and its 52 x 17 product's partial sums in fabric (flow 2; measured alone) */
#define FF_AN_R1_LPROD_LUTS 1.0       /* LUTs per bit of an R = 1 constant product left in logic */
#define FF_AN_ROMREG_DEPTH 8          /* ROMs this deep keep their (distinct) read registers in fabric */
#define FF_AN_BINOM_MAX 64            /* reuse up to which mux sizes are summed over Binomial(R, rho) */
#define FF_AN_MUX_POW2 0.375         /* LUTs per bit and input of a 2^k:1 case select (sel_mux_luts) */
#define FF_AN_MUX_OTHER 0.45          /* ... of any other n:1 one */
#define FF_AN_SOFT_MUL_LUTS 1.9       /* a product under 9 bits in logic: LUTs per xw (wb - 1) */
#define FF_AN_MAX_LUTS_NARROW 1.42    /* max pooling: LUTs a bit a stage, up to 5 bits */
#define FF_AN_MAX_LUTS_BIT 1.55       /* the same, wider, one stage */
#define FF_AN_MAX_LUTS_DEPTH 0.95     /* its rise over the first 8 stages */
#define FF_AN_AVG_RQ_DSP_BIT 0.75     /* average pooling's tail after a division DSP, LUTs a bit */
#define FF_AN_FA_ROW_LUTS 1.6         /* LUTs per bit of a row of full adders in a sum (sum_luts) */
#define FF_AN_ACC_LUTS 2.0            /* LUTs per bit of an accumulator after a tree: adder + first-cycle mux (flow 2) */
#define FF_AN_ACC1_LUTS 1.5           /* ... of one taking one product a cycle: 1 or 2 by the operand Yosys makes A (the expectation) */
#define FF_AN_ACC_WIDER_LUTS 2.0      /* ... of one wider than its product, RTL revision 2 (the concatenated sign extension: the mux is A) */
#define FF_AN_ACC_WIDER3_LUTS 1.0     /* ... revision 3 (the product added signed: the product is A) */
#define FF_AN_ACC1_REV4_LUTS 1.0      /* ... of any one taking one product a cycle, revision 4 (the mux in two chunks: the product is A) */
#define FF_AN_OUT_DECODE_LUTS 3.0     /* per output of a grouped layer: its slot's cycle-range and first-cycle decode */
#define FF_AN_SLICE_CTRL_LUTS 4.0     /* per register slice: the count, pointers, in_ready and out_valid */

static double clog2d(double n)
{
    return n <= 1 ? 0 : ceil(log2(n));
}

static int is_lut_act(int a)
{
    return a == FF_ACT_SIGMOID || a == FF_ACT_TANH || a == FF_ACT_SELU || a == FF_ACT_ELU;
}

/* DSP48E1 slices for a signed a x b product (A port 25, B port 18 bits) */
static double dsp_for(int a, int b)
{
    if (a < b) {
        int t = a;
        a = b;
        b = t;
    }
    return ceil(a / 25.0) * ceil(b / 18.0);
}

/* DSP48E1s for a pw x pw product kept to its low pw bits whose operands
 * are sign-extended by replication (the Verilog writer's resize; RTL
 * revision 1, see FF_RTL_REV): Yosys sees an unsigned pw x pw multiply and
 * tiles it 24 x 17 bits (the unsigned part of the 25 x 18 ports), dropping
 * the tiles wholly above bit pw. Revision 2 writes the product signed:
 * dsp_for(xw, wb) tiles. */
static double dsp_tiles(int pw)
{
    double n = 0;
    for (int i = 0; 24 * i < pw; i++)
        for (int j = 0; 24 * i + 17 * j < pw; j++)
            n++;
    return n;
}

/* LUT6s per bit of an n:1 multiplexer: a LUT6 is a 4:1 mux, MUXF7/MUXF8
 * widen it to 16:1 in a slice; wider ones are trees of those */
static double mux_luts(double n)
{
    if (n <= 1)
        return 0;
    double l = ceil(n / 4.0);
    return n <= 16 ? l : l + mux_luts(ceil(n / 16.0));
}

/* LUT6s per bit of the RTL's input select, a `case` over n inputs with a
 * zero default, as Yosys 0.23 maps it for xc7 (measured alone for n = 2..256
 * at 2-16 bits, docs/surrogates.md "Input multiplexers": linear in the
 * width; per bit 0.375 n at powers of two, 0.31-0.60 n otherwise, mean 0.45 n
 * over the other sizes, where the default adds its compare) */
static double sel_mux_luts(double n)
{
    if (n <= 1)
        return 0;
    if (n <= 2)
        return 1;
    double p = pow(2.0, round(log2(n)));
    return (fabs(p - n) < 0.5 ? FF_AN_MUX_POW2 : FF_AN_MUX_OTHER) * n;
}

/* LUT6s per output bit of a ROM of depth d: a LUT6 per 64 words, the
 * slice's MUXF7/MUXF8 joining four of them (256 words) for free, LUT muxes
 * only above that (L000335, 68 words: 2 LUT6s and a MUXF7 a column, where
 * 3 LUTs had been counted) */
static double rom_luts(double d)
{
    double n = ceil(d / 64.0);
    return d <= 64 ? 1 : n + mux_luts(ceil(n / 4.0));
}

/* RAMB18s for a depth x width ROM: the cheapest of the aspect ratios
 * (16K x 1 ... 1K x 18 true dual port, 512 x 36 simple dual port) */
static double ramb18_for(double depth, double width)
{
    static const int w[] = {1, 2, 4, 9, 18, 36}, data[] = {1, 2, 4, 8, 16, 32};
    double best = 0;
    for (int i = 0; i < 6; i++) {
        double n = ceil(width / w[i]) * ceil(depth / (16384.0 / data[i]));
        if (i == 0 || n < best)
            best = n;
    }
    return best;
}

/* A ROM read through a register (a registered address or output): Yosys's
 * memory_libmap puts it in block RAM when that is cheaper than logic at
 * 1/64 per bit (what synth_xilinx passes), else it becomes LUTs. Adds the
 * RAMB18s of `copies` such ROMs; returns 1 when they are logic (the caller
 * counts their LUTs and read registers). */
static int rom_place(double depth, double width, double copies, double *bram)
{
    if (depth <= 1 || width <= 0 || copies <= 0)
        return 0;
    double nb = ramb18_for(depth, width);
    if (depth * width * FF_AN_ROM_BIT_COST > nb * FF_AN_RAMB18_COST) {
        *bram += copies * nb;
        return 0;
    }
    return 1;
}

/* All the ROMs a layer reads with the same cycle count share the address,
 * so identical output columns are one LUT (and one read register) after
 * Yosys merges them: of n columns of a depth-D ROM, as random patterns of
 * 2^D, about 2^D (1 - e^(-n / 2^D)) are distinct. Measured on the jet at R = 8
 * (depth 8): 261 and 270 weight-ROM read registers for 1,024 and 2,048
 * columns (the formula: 251 and 256); at R >= 16 nearly every column is
 * distinct (253 of 256 at R = 32), and the dataset's R < 16 layers showed
 * no such registers to speak of. */
static double distinct_cols(double depth, double n)
{
    if (depth >= 24 || n <= 0)
        return n;
    double pat = pow(2.0, depth), d = pat * -expm1(-n / pat);
    return d < n ? d : n;
}

/* one requantize/activate/saturate tail (the <top>_requant module) on a
 * vw-bit value. DSP: v*M (the accumulator or tree register feeding it
 * becomes the DSP's A/D input register, and the rounding constant its
 * post-add); LeakyReLU multiplies the clamped PW = max(vw+18, 52)-bit value
 * once more. LUT, measured by synthesizing the module alone (Yosys 0.23,
 * xc7, vw 12-32, ob 4-16, realistic M and S): the two saturation compares
 * on the shifted product and the output mux, 1.5 ob + 3; ReLU's zero clamp
 * 3 more; LeakyReLU's clamp, product and select 37 + vw more alone, 10
 * fewer in context (FF_AN_LEAKY_LUTS: the dataset's 19 LeakyReLU layers
 * had a median residual of -9 LUTs per output, mean -13, at 37), and
 * with flow 2 the partial sums of its 52 x 17-bit product's DSP tiles in
 * fabric, FF_AN_LEAKY_TILE_LUTS (the module alone at vw 12 and 20: 49 LUTs
 * more than flow 1 at both); a table activation's ROM (2^lut_bits entries
 * of ob bits). sat: the share of the outputs whose saturation is built
 * (1 but where rq_sat says otherwise, see dot()). */
static void requant(const ff_layer_feat *f, int vw, double sat, double *lut, double *dsp, double *bram)
{
    int ob = f->out_bits;
    *dsp += dsp_for(vw, FF_AN_RQ_M_BITS);
    *lut += sat * (1.5 * ob + 3);
    if (f->act == FF_ACT_RELU)
        *lut += 3;
    if (f->act == FF_ACT_LEAKY) {
        int pw = vw + 18 > 52 ? vw + 18 : 52;
        *dsp += dsp_for(pw, FF_AN_RQ_M_BITS);
        *lut += FF_AN_LEAKY_LUTS + vw + FF_AN_LEAKY_TILE_LUTS;
    }
    /* the table is read into the output register: block RAM or logic by
     * memory_libmap's costs. In logic, FF_AN_TABLE_BLK_LUTS per 64-entry
     * block in which an output bit varies over the indices the output can
     * reach (tab_blk; fit on the dataset's 18 layers, 25 records, with tables in logic:
     * the rms error per output went from 29 LUTs, at a cost per bit, to 8);
     * uncounted, FF_AN_TABLE_LUTS per bit (their mean) */
    if (is_lut_act(f->act))
        if (rom_place(pow(2.0, f->lut_bits), ob, 1, bram))
            *lut += f->tab_blk > 0 ? FF_AN_TABLE_BLK_LUTS * f->tab_blk : ob * FF_AN_TABLE_LUTS;
}

/* The output register's FFs for U outputs whose requantization tail put
 * bram RAMB18s per output: none when that is a table activation's block
 * RAM, whose output register it becomes (measured: the dataset's sigmoid
 * and tanh layers with a RAMB18 per output have U out_bits FFs fewer than
 * the same layers' other registers predict). */
static double out_reg_ff(const ff_layer_feat *f, double U, double bram)
{
    return is_lut_act(f->act) && bram > 0 ? 0 : U * f->out_bits;
}

/* LUTs a bit of summing an output's k values in fabric (flow 2 packs no
 * adder into a DSP), as Yosys maps the RTL's sum (session 24): alumacc
 * merges the tree's adders into one $macc, which maccmap builds as rows of
 * full adders (a carry-save tree, LUT logic) ending in one carry-chain
 * adder. Up to three operands are one carry chain at a LUT a bit; each
 * further operand adds a row of full adders, FF_AN_FA_ROW_LUTS a bit.
 * Where the plan registers the tree's sums (cuts, bit lv - 1: after level
 * lv, as ff_rtl_pipe_choose places them: the fixed plan every
 * FF_RTL_LEVELS_PER_STAGE levels, groups of 8 values; --clock where the
 * period needs them), a sum is its groups' sums, each ending in its own carry chain, and the sum of their
 * registers.
 *   into_acc: the sum feeds the output's accumulator (R > 1), whose adder
 *   and first-cycle bias mux the accumulator part counts; the accumulator
 *   is the sum's last operand. Else (R = 1) the sum, with its constant
 *   bias folded in, is the output's register: its last carry chain is
 *   counted here.
 * Measured on adder trees of k 17-bit values into a 19-bit accumulator
 * (8 outputs, synthesized as fogforge synth runs Yosys, beside a deep
 * unrelated path so that ABC maps them for area; LUTs a bit with the
 * accumulator's 2): k = 2 2.0, 3 3.7, 4 5.5, 6 6.7, 7 10.1, 8 13.4,
 * 10 12.7, 12 15.5, 16 23.5, 32 43.8; synthesized alone, 2.8, 7.8, 7.9,
 * 9.0, 9.2, 13.0, 11.2, 13.9, 20.3, 38.1; this formula 2, 3.6, 5.2, 8.4,
 * 10, 11.6, 12, 13.6, 20, 41.2. The previous count, k - 1 adders at a LUT
 * a bit (9 for 8 products), was 30-40% low from 8 products up: the jet's
 * second layer at R = 8, the dataset's L000018-s1-g (19 products a cycle,
 * -14.4%) and L000026-s1-g (31, -13.5%). Alone, where the tree is the
 * design's deepest logic, ABC maps 3-6 products for depth at 2-4 LUTs a
 * bit more (docs/surrogates.md, "Known limits"). */
static double sum_rows(int n)
{
    return n > 3 ? FF_AN_FA_ROW_LUTS * (n - 3) : 0;
}

static double sum_luts(int k, int into_acc, uint64_t cuts)
{
    int levels = 0;
    while (levels < 62 && (1LL << levels) < k)
        levels++;
    int cut = 0; /* the first register below the root */
    for (int lv = 1; lv < levels && !cut; lv++)
        if ((cuts >> (lv - 1)) & 1)
            cut = lv;
    if (!cut)
        return into_acc ? sum_rows(k + 1) : (k > 1 ? sum_rows(k) + 1 : 0);
    const int g = 1 << cut;
    double c = 0;
    int groups = 0;
    for (int left = k; left > 0; left -= g, groups++)
        c += left > 1 ? sum_rows(left < g ? left : g) + 1 : 0;
    return c + sum_luts(groups, into_acc, cuts >> cut);
}

/* The fabric LUTs a bit of one output's tree over the products it has
 * built of its per products a cycle, each built with probability b (a
 * multiplier whose weights are all zero is not built): the expectation of
 * sum_luts over Binomial(per, b). A pair costs nothing beyond the
 * accumulator it feeds (one three-input carry chain: the dataset's layers
 * with 2 products a cycle, L000005 and L000018, and the demo's R = 12
 * layer, alone: +22..+24% with the pair's adder counted, +2..+14%
 * without). */
static double tree_fabric_adders(double per, double b, uint64_t cuts)
{
    int n = (int)lround(per);
    if (b >= 1)
        return sum_luts(n, 1, cuts);
    double e = 0, pk = pow(1 - b, n); /* P(k = 0) */
    for (int k = 1; k <= n; k++) {
        pk *= (double)(n - k + 1) / k * b / (1 - b);
        e += pk * sum_luts(k, 1, cuts);
    }
    return e;
}

/* ---- --clock: the registers of the clock-driven plan (ff_rtl_pipe_choose) ----
 * Counted from the layer's own placement (the same function gen calls):
 * every tree register a cut places, all in fabric; a second
 * requantization split registers the rounded, shifted value (f->rq_t_bits
 * per output). */
static int popcount_u64(uint64_t v)
{
    int c = 0;
    for (; v; v &= v - 1)
        c++;
    return c;
}

static void pipe_of(const ff_layer_feat *f, ff_rtl_pipe *pp)
{
    int levels, stages, lat, ii;
    ff_rtl_layer_timing_clk(ff_rtl_kind_of((ff_op)f->op), f->reuse > 0 ? f->reuse : 1, f->n_in, f->max_terms, f->act,
                            f->clock_ns, &levels, &stages, &lat, &ii, pp);
}

/* FFs of the tree registers and the requantization split of a pipelined
 * multiply-accumulate layer, terms = sums entering the tree per output */
static double pipe_tree_ff(const ff_layer_feat *f, const ff_rtl_pipe *pp, double terms, double sb)
{
    double U = (double)f->out_size * f->live_out, ff = 0;
    for (int lv = 1; lv <= f->tree_levels && lv <= 64; lv++)
        if ((pp->cuts >> (lv - 1)) & 1)
            ff += U * ceil(terms / pow(2.0, lv)) * sb;
    if (pp->rq_split == 2)
        ff += U * f->rq_t_bits; /* rounded, shifted value */
    return ff;
}

/* parts: the LUTs by part (ff_analytic_layer_parts, zeroed); o[FF_T_LUT]
 * is their sum. As synthesis flow 2 maps the RTL (sim/sim.h
 * FF_SYNTH_FLOW): a multiplier is a DSP48E1 and nothing more; its product
 * register, the adders, the accumulators and every other register stay in
 * fabric (docs/rtl.md, "Synthesis flow"). */
static void dot(const ff_layer_feat *f, double *o, double *parts, double *hash)
{
    /* only the kept outputs and products (ff_live): Yosys removes what no
     * output reads and folds what never changes */
    double U = (double)f->out_size * f->live_out, P = f->pixels ? (double)f->pixels : 1.0;
    int xb = f->in_bits, xw = xb + 1, wb = f->wbits, sb = f->sum_bits > 0 ? f->sum_bits : f->acc_bits;
    double ff = 0, dsp = 0, bram = 0;
    int R = f->reuse, stages = ff_rtl_tree_stages(f->tree_levels);
    /* each output's sum has its own width (the features' mean over the kept
     * outputs; sb is the widest) */
    double sm = f->sum_bits_mean > 0 ? f->sum_bits_mean : sb;
    if (R <= 1) {
        /* one constant multiplier per nonzero weight and output position,
         * identical ones merged: DSP tiles, logic for narrow products,
         * wiring for shifts (features r1_dsp and r1_lprod_bits,
         * layerfeat.c's r1_product_dsps); their registers (r1_reg_bits:
         * each distinct product its width, a shifted input its bits once) */
        double nz = (double)f->nz_live;
        ff_rtl_pipe pp; /* the plan's registers: --clock's, or the fixed plan's */
        pipe_of(f, &pp);
        dsp += (double)f->r1_dsp;
        parts[FF_AN_PART_MULT] += FF_AN_R1_LPROD_LUTS * (double)f->r1_lprod_bits;
        if (f->clock_ns <= 0 || pp.preg)
            ff += (double)f->r1_reg_bits;
        /* adder tree: an output's m products and its constant bias
         * summed as Yosys builds the sum (sum_luts: rows of full adders,
         * in the groups the plan registers: of 8 in the fixed plan), at
         * the mean of the leaves' and the root's width; m is the kept outputs' mean count,
         * interpolated between its neighbours. Was m carry-chain adders
         * (bias included): two_layer_keras and conv1d_small_keras at R = 1
         * went from -12.4% and -11.4% to -3.8% and -5.9% (session 24) */
        if (U > 0) {
            double mt = nz / U;
            int lo = (int)floor(mt);
            double fr = mt - lo;
            parts[FF_AN_PART_TREE] +=
                U * ((1 - fr) * sum_luts(lo, 0, pp.cuts) + fr * sum_luts(lo + 1, 0, pp.cuts)) * (sm + xw + wb) / 2.0;
        }
        /* tree registers: a stage after every 3 levels registers the sums
         * of 8^s products (an output's mean count); a node holding the bias
         * alone is a constant Yosys removes */
        double mean_terms = U > 0 && f->nz_live > 0 ? (double)f->nz_live / U : (double)f->max_terms;
        if (f->clock_ns > 0)
            ff += pipe_tree_ff(f, &pp, (double)f->max_terms + 1, sm);
        else
            for (int s = 1; s <= stages; s++)
                ff += U * ceil(fmax(1.0, mean_terms) / pow(8.0, s)) * sm;
        ff += f->latency; /* valid bits */
    } else {
        double M = (double)f->mults, per = f->n_in % R == 0 ? (double)f->n_in / R : 1.0;
        int grouped = f->n_in % R != 0;       /* R a multiple of n_in: a multiplier serves outputs in turn */
        /* a multiplier is kept while one of the outputs it serves is */
        M *= grouped ? 1 - pow(1 - f->live_out, (double)R / (double)f->n_in) : f->live_out;
        int cw = ff_rtl_clog2(R) > 0 ? ff_rtl_clog2(R) : 1;
        int rev = f->rtl_rev ? f->rtl_rev : FF_RTL_REV; /* 0: features built by hand, the current revision */
        double tiles = rev == 1 ? dsp_tiles(xw + wb) : dsp_for(xw, wb), ppos = M / P; /* multipliers per position */
        double rho = f->terms_live ? (double)f->nz_live / (double)f->terms_live : 0.0;
        /* a multiplier whose weights are all zero is not built: expected
         * share (1 - rho)^R at weight density rho */
        double built = 1 - pow(1 - rho, R);
        /* a product of fewer than 9 bits (its operands', or the widest sum
         * it feeds) stays in logic (synth_xilinx's DSP_Y_MINWIDTH = 9): as
         * counted from the design at this reuse (mults_dsp, mults_soft), at
         * FF_AN_SOFT_MUL_LUTS xw (wb - 1) LUTs each; at another reuse the
         * operand widths alone decide */
        int counted = f->rom_reuse == R;
        double soft = counted ? (double)f->mults_soft : (xw + wb < 9 ? M * built : 0);
        double nbuilt = counted ? (double)(f->mults_dsp + f->mults_soft) : M * built;
        if (counted)
            dsp += (double)f->mults_dsp * tiles;
        else
            dsp += (M * built - soft) * tiles;
        parts[FF_AN_PART_MULT] += soft * FF_AN_SOFT_MUL_LUTS * xw * (wb > 1 ? wb - 1 : 1);
        /* a product spread over several DSP tiles has its partial products
         * summed by fabric adders (flow 2 builds no DSP cascade) */
        parts[FF_AN_PART_MULT] += (nbuilt - soft) * (tiles - 1) * (xw + wb);
        /* each multiplier's product register, the kept product bits */
        ff += nbuilt * fmin((double)(xw + wb), (double)sb);
        /* each multiplier's weight ROM (R words read by the cycle count; the
         * same at every position, so shared) and its input select. A
         * multiplier skips its zero weights: its distinct inputs nd (rho R
         * expected at density rho) come through an index ROM and an nd:1 mux
         * of its own. Only one with no zero weight (probability rho^R) reads
         * its inputs in cycle order: the mux selects by the count and is the
         * same for every multiplier taking the same inputs, so it is shared. */
        double nsh, nown, nidx, nd;
        /* counted at this reuse: the distinct input selects, as measured
         * alone (sel_mux_luts; a 2:1 one as 0.9) */
        double mux_counted = xw * (FF_AN_MUX_POW2 * (double)f->mux_in_p2 +
                                   FF_AN_MUX_OTHER * (double)(f->mux_in - f->mux_in_p2));
        if (!grouped) {
            double pid = pow(rho, R);
            nd = rho * R > 1 ? rho * R : 1;
            nsh = per * P * (1 - pow(1 - pid, (double)f->n_out * f->live_out));
            nown = M * (1 - pid);
            nidx = (double)f->n_out * f->live_out * per * (1 - pid);
            if (R <= FF_AN_BINOM_MAX && rho < 1) {
                /* few slots: the number k of nonzero weights a multiplier
                 * has is Binomial(R, rho); k <= 1 needs no mux or index ROM
                 * (a wire), k = R is the shared count-selected mux */
                double emux = 0, eidx = 0, eiw = 0, pk = pow(1 - rho, R); /* P(k = 0) */
                for (int k = 1; k < R; k++) {
                    pk *= (double)(R - k + 1) / k * rho / (1 - rho);
                    if (k >= 2) {
                        emux += pk * sel_mux_luts(k);
                        eidx += pk;
                        eiw += pk * clog2d(k);
                    }
                }
                nd = eidx > 0 ? pow(2.0, eiw / eidx) : 1; /* index width clog2(nd) = the mean width */
                nidx = (double)f->n_out * f->live_out * per * eidx;
                parts[FF_AN_PART_MUX] += counted ? mux_counted : xw * (nsh * sel_mux_luts(R) + M * emux);
            } else
                parts[FF_AN_PART_MUX] += counted ? mux_counted : xw * (nsh * sel_mux_luts(R) + nown * sel_mux_luts(round(nd)));
        } else {
            nd = (double)f->n_in * (1 - pow(1 - rho, (double)R / (double)f->n_in));
            nsh = rho >= 1 ? P : 0;
            nown = rho >= 1 ? 0 : M;
            nidx = rho >= 1 ? 1 : ppos;
            parts[FF_AN_PART_MUX] += counted ? mux_counted : xw * (nsh * sel_mux_luts((double)f->n_in) + nown * sel_mux_luts(round(nd)));
        }
        /* a ROM in logic of FF_AN_ROMREG_DEPTH words or more keeps its read
         * register (the address register moved behind the ROM) in fabric,
         * one per distinct column. Its LUTs are per distinct column too. The
         * columns are the features' exact count (rom_wcols, rom_xcols:
         * constant ones are wires) when they were counted at this reuse,
         * else distinct_cols's expectation for random columns (explore
         * trying another reuse factor). */
        double cols = 0; /* distinct weight- and index-ROM columns in logic */
        if (rom_place(R, wb, ppos, &bram))
            cols += counted ? (double)f->rom_wcols : distinct_cols(R, ppos * wb);
        if (nd > 1 && rom_place(R, clog2d(nd), nidx, &bram))
            cols += counted ? (double)f->rom_xcols : distinct_cols(R, nidx * clog2d(nd));
        parts[FF_AN_PART_ROM] += cols * rom_luts(R);
        double romff = R >= FF_AN_ROMREG_DEPTH ? cols : 0;
        /* per output: the cycle's tree and the accumulator with its
         * first-cycle bias mux, acc <= (first ? bias : acc) + sum, all in
         * fabric. After a tree (per >= 2) FF_AN_ACC_LUTS a bit. An output
         * taking one product a cycle (per = 1, or grouped: a multiplier
         * serving outputs in turn) adds it alone, and how Yosys maps that
         * depends on the widths (session 25, the L000025 and L000058
         * netlists, every accumulator bit traced to its CARRY4): when the
         * accumulator is no wider than the product, the product register
         * drives the carry chain's DI and the mux merges into the LUT
         * making its S (1.00 LUT a bit over 5,136 bits); when it is wider
         * (the product sign-extended, acc_ext_bits) the mux is a LUT of its
         * own driving both (2.00 a bit over 1,260 bits). At 2 a bit for
         * both the grouped layers came out 8.9% (Conv) and 3.1% (Dense)
         * high, L000058 (240 of its 264 accumulators as wide as the
         * product) 65% high. Cross-validated analytical LUT SMAPE over 208
         * records: 7.84% -> 7.01% (with the decode below at 3). The as-wide
         * case is per design: of 12 dataset layers traced (session 29), 5
         * at 1 LUT a bit and 7 at 2 (Yosys made the mux operand A), and
         * nothing in the RTL tells which, so it counts the expectation,
         * FF_AN_ACC1_LUTS = 1.5, the wider bits 2. Session 25 kept 1, the
         * expectation then fitting worse, but on a snapshot with designs
         * recorded twice; on the 365 distinct designs of session 29 the
         * cross-validated analytical LUT SMAPE went 8.00% -> 7.72%, the
         * learned 7.21% -> 7.20%, the random fifth's learned 9.33% -> 8.64%
         * (depth split 6.42% -> 6.60%; 1.25 gave 7.69%, 7.15%, 9.15%).
         * Why (session 30): alumacc makes the smaller operand A, by width,
         * then number of chunks, then a hash of the wires; the concatenated
         * sign extension lost to the mux every time, equal single chunks go
         * by the hash. RTL revision 3 adds a wider accumulator's product as
         * a signed operand, narrower than the mux: 1 a bit, always.
         * Revision 4 (session 31) writes the mux of the others as two
         * chunks, {bits 1.., bit 0}, against the product's one: the product
         * is A, 1 a bit, always (the jet at R = 16: its 6 such accumulators,
         * 102 bits, took 98 LUTs fewer). */
        ff_rtl_pipe pp; /* the plan's registers: --clock's, or the fixed plan's */
        pipe_of(f, &pp);
        parts[FF_AN_PART_TREE] += U * tree_fabric_adders(per, built, pp.cuts) * sm; /* grouped: per = 1, no tree */
        double acc = U * sm;
        if (per <= 1) { /* one product a cycle (grouped too: per = 1); the wider ones at their revision's count */
            double wider = rev >= 3 ? FF_AN_ACC_WIDER3_LUTS : FF_AN_ACC_WIDER_LUTS;
            double one = rev >= 4 ? FF_AN_ACC1_REV4_LUTS : FF_AN_ACC1_LUTS;
            parts[FF_AN_PART_ACC] += acc * one + (double)f->acc_ext_bits * (wider - one);
            /* the as-wide bits of revisions before 4 cost 1 or 2 by the hash: +-0.5 around the 1.5 counted */
            double aswide = acc - (double)f->acc_ext_bits;
            if (rev < 4 && aswide > 0)
                *hash = (FF_AN_ACC1_LUTS - FF_AN_ACC1_REV4_LUTS) * aswide;
        } else
            parts[FF_AN_PART_ACC] += acc * FF_AN_ACC_LUTS;
        /* each output's share of the cycle count's decode: the range of
         * cycles its accumulator takes the shared product in, and its first
         * cycle (L000243, L000301 netlists): 3.3-3.6 LUTs an output for 8
         * and 16 accumulators of a shared product synthesized beside a
         * deeper path (session 25; it was 1.5, fitted while the
         * accumulators counted 2 a bit). In the dataset layers traced it
         * ranged from 0.4 to 8 an output (scripts/experiments/layer_luts.py);
         * 3 fits the records best */
        if (grouped)
            parts[FF_AN_PART_ACC] += FF_AN_OUT_DECODE_LUTS * U;
        /* registers: the input vector, the counter and cycle tags (busy,
         * cnt, pv, pc, a tag per tree stage, adone, valid), the ROM read
         * registers, the accumulators, the tree stages */
        if (f->clock_ns > 0) {
            stages = popcount_u64(pp.cuts);
            ff += pipe_tree_ff(f, &pp, per, sm);
        } else
            for (int s = 1; s <= stages; s++)
                ff += U * ceil(per / pow(8.0, s)) * sm;
        ff += (double)f->in_size * f->live_in * xb + 1 + cw + 1 + cw + stages * (1.0 + cw) + 1 + 1 + romff;
        ff += acc;
        /* revision 5: one product a cycle from a wide tag has a registered
         * first-cycle select per distinct first cycle (emit_rtl_verilog.c):
         * all outputs start in cycle 0, grouped ones in R / n_in turns */
        if (rev >= 5 && cw >= FF_RTL_FIRST_REG_BITS && per <= 1)
            ff += grouped ? floor((double)R / (double)f->n_in) : 1;
    }
    /* requantization: v*M in one DSP up to 25 bits of v, the rq_wide
     * outputs' wider ones in more; the rounding adder and the saturation in
     * fabric (the same LUTs in both flows: the tail synthesized alone at
     * 16 and 24 bits, S = 15 and 23, ReLU or none) */
    /* an output whose requantized value cannot leave its range (rq_sat:
     * as far as the widths tell) has no saturation compares or mux: its
     * bits are the DSP's, wired (L000001-s2-g's netlist, session 29: the
     * 114 outputs of its 6 channels that cannot saturate have no LUT, the
     * other 171 have 12-13 at 11 output bits, this count's 19.5 being the
     * module's alone: "Known limits", ABC). A ReLU's outputs keep the
     * count: priced at their clamp alone, or by the bits of t's positive
     * range, the dataset's ReLU layers moved away from Yosys
     * (docs/surrogates.md, "Requantization tail") */
    double sat = 1;
    if ((f->act == FF_ACT_NONE || f->act == FF_ACT_CLIP) && U > 0)
        sat = fmin(1.0, (double)f->rq_sat / U);
    double l = 0, d = 0, b = 0;
    requant(f, sb < 25 ? (int)lround(sm) : 25, sat, &l, &d, &b);
    parts[FF_AN_PART_TAIL] += U * l;
    dsp += U * d + (double)f->rq_wide * (dsp_for(sb, FF_AN_RQ_M_BITS) - dsp_for(25, FF_AN_RQ_M_BITS));
    /* a wider one's two tiles meet in a fabric adder (flow 2: no DSP
     * cascade) of about its width: the tail synthesized alone at v of 26,
     * 30, 34 and 40 bits has 24, 28, 32 and 38 LUTs more than in flow 1 */
    if (sb > 25)
        parts[FF_AN_PART_TAIL] += (double)f->rq_wide * (sb - 2);
    bram += U * b;
    ff += out_reg_ff(f, U, b);
    double lut = 0;
    for (int k = 0; k < FF_AN_PARTS; k++)
        lut += parts[k];
    o[FF_T_LUT] = lut, o[FF_T_FF] = ff, o[FF_T_DSP] = dsp, o[FF_T_BRAM] = bram;
}

/* Windows of 2, 2x2 and 3x3 inputs of an average pool (the dataset's
 * average pools but its 3-windows): an output's LUTs, adds and tail, as a
 * line in the input bits fitted on the dataset's 19 such layers (session
 * 15). The formulas in pool(), read off windows synthesized alone, were up
 * to 16% off there (a 3x3 window of 10 bits: 130 LUTs an output against
 * 151; its nine inputs sum in a carry-save tree of LUT full adders, 15 LUTs
 * a bit). Leave-one-out error of the lines: 7.9 / 2.6 / 4.9% for 2 / 4 / 9
 * inputs. The 3-windows (20 / 33 / 34 / 38 LUTs an output at 5 / 9 / 13 /
 * 15 bits) fit no line (leave-one-out 12.3%) and keep the formulas, as do
 * other windows and global pooling. 0 when no line applies. */
static int avg_line(const ff_layer_feat *f, int64_t k, double *lut)
{
    static const struct {
        int k;
        double a, c;
    } fit[] = {{2, 4.44, 2.34}, {4, -6.92, 7.74}, {9, -4.86, 15.21}};
    if (f->op == FF_OP_GAVGPOOL)
        return 0;
    for (size_t i = 0; i < sizeof fit / sizeof fit[0]; i++)
        if (k == fit[i].k) {
            *lut = fit[i].a + fit[i].c * f->in_bits;
            return 1;
        }
    return 0;
}

static void pool(const ff_layer_feat *f, double *o)
{
    int xw = f->in_bits + 1;
    double U = (double)f->out_size * f->live_out;
    double k = f->op == FF_OP_GMAXPOOL || f->op == FF_OP_GAVGPOOL
                   ? (f->out_size ? (double)f->in_size / (double)f->out_size : 1)
                   : (double)f->kernel;
    int is_max = f->op == FF_OP_MAXPOOL || f->op == FF_OP_GMAXPOOL;
    double lut = 0, dsp = 0, ff = 0;
    if (is_max) {
        /* compare and select, a chain of k - 1 (emit_rtl_verilog.c
         * write_pool): per stage FF_AN_MAX_LUTS_NARROW LUTs a bit up to 5
         * bits (the compare fits the select's LUTs), else
         * FF_AN_MAX_LUTS_BIT rising by FF_AN_MAX_LUTS_DEPTH over the first
         * 8 stages (ABC duplicates the chain for depth). Measured on chains
         * synthesized alone, 1-15 stages of 5-17 bits: within 0.2 LUT a
         * bit, e.g. 9 bits 1.56 / 1.72 / 1.62 / 1.85 / 2.53 / 2.40 at 1, 2,
         * 3, 4, 8, 15 stages */
        double c = k - 1, g = xw <= 5 ? FF_AN_MAX_LUTS_NARROW
                                      : FF_AN_MAX_LUTS_BIT + FF_AN_MAX_LUTS_DEPTH * fmin(1.0, fmax(0.0, (c - 1) / 7.0));
        lut += U * c * g * xw;
        ff += U * f->in_bits; /* the maximum's sign extension is not kept */
    } else {
        int sw = xw + (int)clog2d(k + 1);
        double l = 0, d = 0, b = 0;
        ff_layer_feat g = *f;
        g.act = FF_ACT_NONE;
        requant(&g, sw, 1, &l, &d, &b);
        int64_t kk = llround(k);
        int pow2 = kk >= 1 && (kk & (kk - 1)) == 0;
        if (!avg_line(f, kk, &l)) {
            /* the window's adds, then the saturating tail of an average,
             * measured on windows of 2-9 of 4-16 bits synthesized alone
             * (with the stage enable): after a division DSP
             * FF_AN_AVG_RQ_DSP_BIT a bit (its rounding is the DSP's); after
             * a shift 1.5 a bit - 1 (the rounding adder), and for 4-windows
             * 1.1 a bit - 9 more per extra input (the adds merge into a
             * multi-operand adder that is not all carry chain) */
            lut += U * (k - 1) * sw;
            l = pow2 ? 1.5 * f->out_bits - 1 + fmax(0.0, (double)kk - 2) * fmax(0.0, 1.1 * f->out_bits - 9)
                     : FF_AN_AVG_RQ_DSP_BIT * f->out_bits + 2.4;
        }
        lut += U * l;
        /* dividing by a power-of-two window is a shift: no DSP (measured on
         * the dataset's 2 and 2x2 windows); otherwise a division DSP. The
         * sum keeps its register in fabric either way with flow 2 (flow 1
         * had made it the division DSP's A register) */
        if (!pow2)
            dsp += U * d;
        ff += U * sw;
    }
    ff += U * f->out_bits + 2;
    o[FF_T_LUT] = lut, o[FF_T_FF] = ff, o[FF_T_DSP] = dsp, o[FF_T_BRAM] = 0;
}

static void softmax(const ff_layer_feat *f, double *o)
{
    double len = f->channels_out > 0 ? f->channels_out : 1, n = (double)f->out_size, rows = n / len;
    int xw = f->in_bits + 1, lb = f->lut_bits, sw = 16 + (int)clog2d(len + 1), ob = f->out_bits;
    double lut = 0, ff = 0, dsp = 0, bram = 0;
    lut += rows * (len - 1) * (xw / 2.0 + xw);            /* max */
    lut += n * (xw + 1);                                   /* d = max - x */
    /* two exp-table reads an element (j and j + 1, or j and the difference
     * table): a read is FF_AN_SM_BLK_LUTS per 64-entry block in which a bit
     * of the table varies over the entries the RTL can read (tab_blk; the
     * rest Yosys folds to constants). Measured on the table alone, one
     * read: 80 / 85 / 117 / 130 LUTs for 52 / 55 / 73 / 91 blocks (the
     * demo's and the three MLPs' tables), 1.43-1.60 a block. Without the
     * blocks (features built by hand), the whole table. */
    double blk = f->tab_blk > 0 ? f->tab_blk : 16 * ceil((pow(2.0, lb) + 1) / 64.0);
    lut += n * 2 * FF_AN_SM_BLK_LUTS * blk;
    dsp += n * 2;                                          /* interpolation, normalization */
    lut += rows * (len * sw + 2 * sw);                     /* sum, leading one, shift */
    bram += rows;                                          /* reciprocal table, registered read */
    lut += n * (2.0 * ob + 16);                            /* normalize, round, saturate */
    /* what the parts above leave out, an element: the interpolation's
     * differences and product tail, the rounding by a variable shift and the
     * normalizing barrel shift of the 28-bit product (1 << (sh - 1) and
     * >> sh over 64 bits), the saturation compare. Fitted on the four
     * Softmax modules synthesized alone (Yosys 0.23, 16-bit inputs and
     * outputs, 3 and 5 elements; 216-289 a element, mean 246): within
     * -9..+6% of the four; on two more not fitted, dense_big_keras and
     * conv1d_small_keras, see docs/surrogates.md. Other widths unmeasured. */
    lut += n * FF_AN_SM_ELEM_LUTS;
    ff += rows * xw + n * (xw + 16) + rows * 18 + n * ob + 4;
    o[FF_T_LUT] = lut, o[FF_T_FF] = ff, o[FF_T_DSP] = dsp, o[FF_T_BRAM] = bram;
}

/* Add/Sub and Concat joins (branching graphs): per output element the
 * inputs' rescaling products (Add/Sub: a*M0 + b*M1, a DSP each with the sum
 * as the second one's post-adder; Concat: one), the requantization tail's
 * saturation LUTs and the output register. The FIFOs in front of early
 * inputs are not counted (their depths are the plan's, not features).
 * Unchecked against Yosys except the one residual design in docs/rtl.md. */
static void join(const ff_layer_feat *f, double *o)
{
    double U = (double)f->out_size * f->live_out, l = 1.5 * f->out_bits + 3 + (f->act == FF_ACT_RELU ? 3 : 0);
    o[FF_T_DSP] = U * (ff_rtl_kind_of((ff_op)f->op) == FF_RTL_ADD ? 2 : 1);
    o[FF_T_LUT] = U * l;
    o[FF_T_FF] = U * f->out_bits + 1;
}

void ff_analytic_layer(const ff_layer_feat *f, double out[FF_T__COUNT])
{
    double parts[FF_AN_PARTS];
    ff_analytic_layer_parts(f, out, parts);
}

double ff_analytic_layer_parts_hash(const ff_layer_feat *f, double out[FF_T__COUNT], double parts[FF_AN_PARTS])
{
    double hash = 0;
    for (int k = 0; k < FF_T__COUNT; k++)
        out[k] = 0;
    for (int k = 0; k < FF_AN_PARTS; k++)
        parts[k] = 0;
    switch (ff_rtl_kind_of((ff_op)f->op)) {
    case FF_RTL_DOT: dot(f, out, parts, &hash); break;
    case FF_RTL_POOL: pool(f, out); break;
    case FF_RTL_SOFTMAX: softmax(f, out); break;
    case FF_RTL_ADD:
    case FF_RTL_CONCAT: join(f, out); break;
    case FF_RTL_ACT: {
        double l = 0, d = 0, b = 0;
        requant(f, f->in_bits + 1, 1, &l, &d, &b);
        double U = (double)f->out_size * f->live_out;
        out[FF_T_LUT] = U * l;
        out[FF_T_DSP] = U * d;
        out[FF_T_BRAM] = U * b;
        out[FF_T_FF] = out_reg_ff(f, U, b) + 1;
        break;
    }
    default: break;
    }
    out[FF_T_LATENCY] = f->latency;
    out[FF_T_II] = f->ii;
    return hash;
}

void ff_analytic_layer_parts(const ff_layer_feat *f, double out[FF_T__COUNT], double parts[FF_AN_PARTS])
{
    ff_analytic_layer_parts_hash(f, out, parts);
}

/* ---- io stream: padding, line buffers, window, collector ----
 * As hls/emit_rtl_verilog.c writes them (write_pad, write_win,
 * write_collect) and Yosys maps them: counters of ceil(log2 n) bits with
 * their compare and increment; the pad value selected per input bit; the
 * kh x kw window registers shift with a clock enable (no LUT); the kh - 1
 * line buffers, arrays of PW pixels written and read (asynchronously) at the
 * same column, become distributed RAM (Yosys merges them into one memory
 * (kh - 1) C in_bits wide): 4 LUT6 sites per RAM32M, 32 deep, 8 bits when
 * there is one buffer (read and write at one address: single port), 6 with
 * two or more (the second written with the first's read: simple dual port);
 * per RAM64M, 64 deep, 4 or 3 bits; deeper, one RAM128X1D (4 LUT6) per bit
 * and 128 words and a read mux. Measured (blocks synthesized alone, docs/
 * surrogates.md): 1 x 32 x 64 bits 8 RAM32M; 2 x 10 x 8 bits 3 RAM32M;
 * 2 x 18 x 64 bits 19 RAM32M (6.7 bits each); 2 x 34 x 24 bits 8 RAM64M +
 * 24 RAM64X1S (56 LUT6 sites; 64 counted). The collector's vector register
 * is written one pixel slot at a time by a decoder of its count. */
static double lutram_luts(double depth, double width, int single)
{
    if (depth <= 32)
        return 4 * ceil(width / (single ? 8 : 6));
    if (depth <= 64)
        return 4 * ceil(width / (single ? 4 : 3));
    double n = ceil(depth / 128);
    return width * (4 * n + mux_luts(n));
}

void ff_analytic_stream(const ff_stream_feat *s, double out[FF_T__COUNT])
{
    double lut = 0, ff = 0;
    double xb = s->in_bits, px = (double)s->C * xb;
    double rw = clog2d((double)s->PH), cw = clog2d((double)s->PW);
    if (rw < 1)
        rw = 1;
    if (cw < 1)
        cw = 1;
    if (s->has_pad) {
        ff += rw + cw;
        lut += px + 2 * (rw + cw);
    }
    if (s->has_win) {
        ff += (double)s->kh * s->kw * px + (s->PH > 1 ? rw : 0) + (s->PW > 1 ? cw : 0) + 1;
        lut += 2 * ((s->PH > 1 ? rw : 0) + (s->PW > 1 ? cw : 0)) + 2;
        if (s->kh > 1)
            lut += lutram_luts((double)s->PW, (s->kh - 1) * px, s->kh == 2);
    }
    if (s->collect_pixels > 0) {
        double kw = clog2d((double)s->collect_pixels);
        if (kw < 1)
            kw = 1;
        ff += (double)s->collect_pixels * (double)s->collect_elems * xb + kw + 1;
        lut += (double)s->collect_pixels + 4 * kw + 5;
    }
    out[FF_T_LUT] += lut;
    out[FF_T_FF] += ff;
}

/* A register slice: `reg [W-1:0] mem [0:1]` written at wp and read at rp
 * (hls/emit_rtl_verilog.c, lib_fifo), which Yosys 0.23 maps to LUT RAM:
 * RAM32M cells of 6 data bits in simple dual port, 4 LUT sites each
 * (two_layer_keras's 256-bit slice: 43 cells, 172 sites); the pointers and
 * the count are FFs, their logic a few LUTs. */
void ff_analytic_slice(int64_t bits, double out[FF_T__COUNT])
{
    for (int k = 0; k < FF_T__COUNT; k++)
        out[k] = 0;
    out[FF_T_LUT] = 4.0 * (double)((bits + 5) / 6) + FF_AN_SLICE_CTRL_LUTS;
    out[FF_T_FF] = 4; /* wp, rp, the 2-bit count */
}

void ff_analytic_slices(const ff_rtl_plan *p, double (*per)[FF_T__COUNT], double total[FF_T__COUNT])
{
    for (int k = 0; k < p->nl; k++)
        for (int j = 0; j < p->l[k].nsrc; j++) {
            if (!p->l[k].slice[j])
                continue;
            double x[FF_T__COUNT];
            ff_analytic_slice(ff_rtl_slice_bits(p, k, j), x);
            for (int t = 0; t < FF_T_RES; t++) {
                if (per)
                    per[p->l[k].ni][t] += x[t];
                total[t] += x[t];
            }
        }
}
