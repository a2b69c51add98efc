/* Analytical per-layer resource model. Each term counts a structure the
 * RTL back-end writes (hls/emit_rtl_verilog.c) as Yosys maps it for xc7:
 * constant multipliers by a power of two become wiring, other multipliers
 * DSP48E1s (operands up to 25x18), adders one LUT and a quarter CARRY4 per
 * bit, an n:1 multiplexer (n-1)/3 LUT6 per bit, a ROM of depth D read
 * combinationally ceil(D/64) LUT6 per output bit, a ROM read through a
 * registered address of depth > FF_AN_BRAM_DEPTH block RAM. */
#include "analytic.h"

#include "emit_rtl.h"
#include "rtl_dot.h"

#include <math.h>

#define FF_AN_BRAM_DEPTH 1024   /* deeper registered-address ROMs go to BRAM */
#define FF_AN_BRAM_BITS 18432.0 /* bits per RAMB18 */
#define FF_AN_RQ_M_BITS 17      /* requantization multiplier M */

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

/* one requantize/activate/saturate tail (the <top>_requant module) on a
 * vw-bit value: DSP for v*M (and the LeakyReLU product), LUTs for the two
 * saturation comparators and the output multiplexer, the LUT-activation ROM */
static void requant(const ff_layer_feat *f, int vw, double *lut, double *dsp)
{
    int ob = f->out_bits;
    *dsp += dsp_for(vw, FF_AN_RQ_M_BITS);
    if (f->act == FF_ACT_LEAKY)
        *dsp += dsp_for(32, FF_AN_RQ_M_BITS);
    double t = vw + FF_AN_RQ_M_BITS;  /* product width after the shift's rounding add */
    *lut += t / 2.0 + 2.0 * ob;      /* carry-chain compares (2 bits a LUT) and the result mux */
    if (f->act == FF_ACT_RELU || f->act == FF_ACT_LEAKY)
        *lut += ob;
    if (is_lut_act(f->act)) {
        int lb = f->lut_bits;
        *lut += ceil(pow(2.0, lb) / 64.0) * ob * (1.0 + 1.0 / 3.0); /* ROM leaves + 4:1 muxes */
    }
}

static void dot(const ff_layer_feat *f, double *o)
{
    double U = (double)f->out_size, P = f->pixels ? (double)f->pixels : 1.0;
    int xb = f->in_bits, xw = xb + 1, wb = f->wbits, sb = f->sum_bits > 0 ? f->sum_bits : f->acc_bits;
    double lut = 0, ff = 0, dsp = 0, bram = 0;
    int R = f->reuse;
    if (R <= 1) {
        /* one constant multiplier per nonzero weight and output position */
        double nz = (double)f->nonzero * P, p2 = (double)f->pow2 * P;
        dsp += nz - p2;                       /* products register in the DSP (MREG) */
        ff += p2 * xw;                        /* shifted copies keep their register */
        /* adder tree: (terms + bias - 1) adders per output, half the sum width on average */
        double leaves = nz + U;
        lut += (leaves - U) * (sb + xw + wb) / 2.0;
        /* tree registers: a stage after every 3 levels */
        double terms = (double)f->max_terms + 1;
        for (int s = 1; s <= ff_rtl_tree_stages(f->tree_levels); s++)
            ff += U * ceil(terms / pow(8.0, s)) * sb;
    } else {
        double M = (double)f->mults, per_cycle = f->n_in % R == 0 ? (double)f->n_in / R : 1.0;
        double nd = f->n_in % R == 0 ? (double)R : (double)f->n_in; /* inputs one multiplier sees */
        dsp += M * dsp_for(xw, wb);
        /* weight ROM and input index ROM, addressed by the registered cycle counter */
        double iw = clog2d(nd);
        if (R > FF_AN_BRAM_DEPTH) {
            bram += M * ceil(R * (double)wb / FF_AN_BRAM_BITS);
            if (nd > 1 && f->n_in % R)
                bram += M * ceil(R * iw / FF_AN_BRAM_BITS);
        } else {
            lut += M * wb * ceil(R / 64.0);
            if (nd > 1 && f->n_in % R)
                lut += M * iw * ceil(R / 64.0);
        }
        lut += M * xw * (nd - 1) / 3.0;       /* input multiplexers */
        /* per output: the cycle's tree, the accumulator and its first-cycle mux */
        lut += U * ((per_cycle - 1) + 1.5) * sb;
        ff += (double)f->in_size * xb;        /* input register */
        ff += U * sb;                         /* accumulators */
        for (int s = 1; s <= ff_rtl_tree_stages(f->tree_levels); s++)
            ff += U * ceil(per_cycle / pow(8.0, s)) * sb;
        ff += 2 * clog2d(R) + 4;              /* counter and cycle tags */
    }
    double l = 0, d = 0;
    requant(f, sb, &l, &d);
    lut += U * l;
    dsp += U * d;
    ff += U * f->out_bits + f->latency;       /* output register, valid bits */
    o[FF_T_LUT] = lut, o[FF_T_FF] = ff, o[FF_T_DSP] = dsp, o[FF_T_BRAM] = bram;
}

static void pool(const ff_layer_feat *f, double *o)
{
    int xw = f->in_bits + 1;
    double U = (double)f->out_size;
    double k = f->op == FF_OP_GMAXPOOL || f->op == FF_OP_GAVGPOOL
                   ? (f->out_size ? (double)f->in_size / (double)f->out_size : 1)
                   : (double)f->kernel;
    int is_max = f->op == FF_OP_MAXPOOL || f->op == FF_OP_GMAXPOOL;
    double lut = 0, dsp = 0, ff = 0;
    if (is_max) {
        lut += U * (k - 1) * (xw / 2.0 + xw); /* compare and select */
        ff += U * xw;
    } else {
        int sw = xw + (int)clog2d(k + 1);
        lut += U * (k - 1) * sw;
        ff += U * sw;
        double l = 0, d = 0;
        ff_layer_feat g = *f;
        g.act = FF_ACT_NONE;
        requant(&g, sw, &l, &d);
        lut += U * l;
        dsp += U * d;
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
    lut += n * 2 * 16 * ceil((pow(2.0, lb) + 1) / 64.0);  /* two exp-table reads */
    dsp += n * 2;                                          /* interpolation, normalization */
    lut += rows * (len * sw + 2 * sw);                     /* sum, leading one, shift */
    bram += rows;                                          /* reciprocal table, registered read */
    lut += n * (2.0 * ob + 16);                            /* normalize, round, saturate */
    ff += rows * xw + n * (xw + 16) + rows * 18 + n * ob + 4;
    o[FF_T_LUT] = lut, o[FF_T_FF] = ff, o[FF_T_DSP] = dsp, o[FF_T_BRAM] = bram;
}

void ff_analytic_layer(const ff_layer_feat *f, double out[FF_T__COUNT])
{
    for (int k = 0; k < FF_T__COUNT; k++)
        out[k] = 0;
    switch (ff_rtl_kind_of((ff_op)f->op)) {
    case FF_RTL_DOT: dot(f, out); break;
    case FF_RTL_POOL: pool(f, out); break;
    case FF_RTL_SOFTMAX: softmax(f, out); break;
    case FF_RTL_ACT: {
        double l = 0, d = 0;
        requant(f, f->in_bits + 1, &l, &d);
        out[FF_T_LUT] = (double)f->out_size * l;
        out[FF_T_DSP] = (double)f->out_size * d;
        out[FF_T_FF] = (double)f->out_size * f->out_bits + 1;
        break;
    }
    default: break;
    }
    out[FF_T_LATENCY] = f->latency;
    out[FF_T_II] = f->ii;
}
