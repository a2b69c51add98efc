/* RTL back-end: multiply-accumulate units of Dense/Conv/Scale layers and
 * their schedule over the reuse factor (emit_rtl_plan.c). */
#ifndef FF_RTL_DOT_H
#define FF_RTL_DOT_H
#include "emit_rtl.h"
#include "quant.h"

typedef struct ff_rtl_term {
    int64_t k;     /* product index within the output's fan-in (0..n_in-1) */
    int32_t w;     /* integer weight */
    int64_t x;     /* input vector element */
    int64_t cyc;   /* cycle 0..R-1 it is computed in */
    int64_t mult;  /* shared multiplier (R > 1), -1 at R = 1 */
} ff_rtl_term;

typedef struct ff_rtl_unit {
    int64_t ch;    /* output channel: bias and requantization index */
    int64_t pos;   /* position (Conv/Scale), 0 for Dense */
    ff_rtl_term *t;
    int64_t nt, cap;
    int64_t first, last; /* cycles of its first and last product */
} ff_rtl_unit;

typedef struct ff_rtl_dot {
    int64_t nin, nout; /* MAC shape */
    int R;
    ff_rtl_unit *u;    /* one per output element, in output order */
    int64_t nu;
    int64_t nmult;     /* shared multipliers (R > 1) */
} ff_rtl_dot;

void ff_rtl_dot_build(const ff_qmodel *q, int ni, int R, ff_rtl_dot *d);
/* io stream: the PE of a streaming layer, one window (Conv: kh*kw*C
 * inputs, element (i*kw + j)*C + c) or one pixel (Scale) in, its
 * channels out. */
void ff_rtl_dot_build_pe(const ff_qmodel *q, const ff_rtl_layer *L, int R, ff_rtl_dot *d);
void ff_rtl_dot_free(ff_rtl_dot *d);
int64_t ff_rtl_mults_per_pos(int64_t nin, int64_t nout, int R);
/* The signed width that holds [lo, hi] (at most 63 bits). */
int ff_rtl_swidth(int64_t lo, int64_t hi);
/* Bound on |sum| of a unit: |bias| + sum |w| * max|x|, as a signed width:
 * the width of every node of its tree. When it exceeds the accumulator, the
 * accumulator's width is used and sums wrap as the reference's do. */
int ff_rtl_unit_width(const ff_rtl_unit *u, int64_t bias, int64_t xmax, int acc_bits);
/* The exact signed width of the constant product w * x for x in
 * [xmin, xmax], at most the unit's width uw (the R = 1 plan's registers). */
int ff_rtl_product_width(int64_t w, int64_t xmin, int64_t xmax, int uw);
/* A shared multiplier's input select over its R cycles (w[r] its weight,
 * x[r] its input): the distinct inputs of its nonzero weights in order of
 * first use (dx; returns their number nd) and each cycle's index into them
 * (loc; 0 at a zero weight). *ident: every nonzero cycle r reads its r-th
 * distinct input, so the cycle count itself selects (no index ROM). What
 * the Verilog writer builds and the surrogate features count. */
int64_t ff_rtl_mult_select(const int64_t *w, const int64_t *x, int64_t R, int64_t *loc, int64_t *dx, int *ident);
int ff_rtl_clog2(int64_t n);
int ff_rtl_tree_stages(int levels);
#endif
