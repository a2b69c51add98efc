/* Feature extraction for the surrogate models. */
#include "layerfeat.h"

#include "emit_rtl.h"
#include "rtl_dot.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int ff_csd_digits(int64_t v)
{
    int n = 0;
    uint64_t x = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
    while (x) {
        if (x & 1) {
            /* digit +1 when x = 1 (mod 4), -1 when x = 3 (mod 4) */
            if ((x & 3) == 3)
                x += 1;
            else
                x -= 1;
            n++;
        }
        x >>= 1;
    }
    return n;
}

static int is_pow2(int64_t v)
{
    uint64_t a = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
    return a && !(a & (a - 1));
}

static int bitlen(uint64_t v)
{
    return v ? 64 - __builtin_clzll(v) : 0;
}

/* What Yosys 0.23's synth_xilinx makes of one constant product of the R = 1
 * plan of RTL revision 1, x * w written in pj bits ({sign-extended x} * pj'h(w)): DSP48E1
 * tiles, or 0 when it stays in logic. The rule, read off Yosys's results:
 * it sees an unsigned pj x pj multiply kept to pj bits; the constant's
 * trailing zeros (a shift) and the input's constant-zero top bits (an
 * unsigned input is zero-extended; a signed one's replicated sign bit is not
 * constant) are dropped, and the product's width shrinks to the operands'
 * sum; it becomes DSPs when the result keeps at least 9 bits (synth_xilinx's
 * DSP_Y_MINWIDTH) and both operands at least 2, in 24 x 17-bit unsigned tiles (those whose partial product lands
 * wholly above the kept bits are dropped). Checked against Yosys on 101 single
 * products (inputs u4/u6/u8/s4/s8/s16 bits times 17 constants from -33 to
 * 127: all match), the jet's four R = 1 layers (w8a8: 834 / 1,801 / 907 /
 * 145 DSPs with the requantization's, all exact; w16a16: the last three
 * exact, the 16x64 one 2,499 against 2,542) and the two R = 1 layers of the
 * demo's design (w3 and w5 weights: 28 and 16, both exact; the model had
 * said 56 and 21). *ybits: the product's width after wreduce, for the
 * ones left in logic (0 for a plain shift or wire); *dbits the same for
 * the ones in DSPs (0 for the others): synthesis flow 2 keeps their
 * product registers in fabric (sim/sim.h FF_SYNTH_FLOW). */
static int r1_product_dsps_rev1(int64_t w, int pj, int xb, int in_signed, int *ybits, int *dbits)
{
    *dbits = 0;
    uint64_t u = (uint64_t)w & (pj >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << pj) - 1));
    *ybits = 0;
    if (!u)
        return 0;
    int tz = __builtin_ctzll(u);
    u >>= tz;
    int b = bitlen(u);
    int y = pj - tz, a = in_signed ? pj : xb;
    if (a > y)
        a = y;
    if (y > a + b)
        y = a + b;
    if (b < 2 || a < 2)
        return 0;                     /* a shift of x: wiring */
    if (y < 9) {
        *ybits = y;
        return 0;
    }
    int big = a > b ? a : b, small = a > b ? b : a, n = 0;
    for (int i = 0; 24 * i < big; i++)   /* tiles wholly above the kept y bits are dropped */
        for (int j = 0; 17 * j < small && 24 * i + 17 * j < y; j++)
            n++;
    *dbits = y;
    return n;
}

/* The same for RTL revision 2, which writes the product signed:
 * $signed({sign-extended x}) * $signed(pj'h(w)). Yosys drops the
 * constant's redundant sign bits and trailing zeros (a shift) and the
 * input's replicated sign bit; when both are known non-negative (an
 * unsigned input, a positive constant) it multiplies unsigned: xb x
 * bitlen(w) bits. The product keeps y = min(pj - zeros, a + c) bits; it
 * becomes DSPs at y >= 9 with both operands at least 2 bits, one DSP48E1
 * per 25 x 18 tile, else logic (a +-1 constant: a wire, or a negation of y
 * bits). Checked against Yosys 0.23 on 270 single products (inputs
 * u/s 4, 6, 8, 12, 16 bits times 27 constants from -32768 to 32767): all
 * match. A 16-bit constant times a 16-bit signed input is one DSP48E1
 * here, three (and 17 fabric FFs) in revision 1. */
static int r1_product_dsps(int64_t w, int pj, int xb, int in_signed, int rev, int *ybits, int *dbits)
{
    if (rev == 1)
        return r1_product_dsps_rev1(w, pj, xb, in_signed, ybits, dbits);
    *ybits = *dbits = 0;
    uint64_t mask = pj >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << pj) - 1), u = (uint64_t)w & mask;
    if (!u)
        return 0;
    /* the pj-bit constant as Yosys reads it: signed */
    int64_t v = pj < 64 && (u >> (pj - 1)) ? (int64_t)(u | ~mask) : (int64_t)u;
    int tz = 0;
    while (!(v & 1)) {
        v >>= 1; /* arithmetic: v is even, so exact */
        tz++;
    }
    int a = in_signed ? xb : xb + 1, c = ff_rtl_swidth(v, v);
    if (!in_signed && v > 0)
        a = xb, c = bitlen((uint64_t)v);
    if (a > pj)
        a = pj;
    int y = pj - tz;
    if (y > a + c)
        y = a + c;
    if (v == 1)
        return 0;              /* a shift of x: wiring */
    if (v == -1) {
        *ybits = y;            /* a negation */
        return 0;
    }
    if (a < 2 || c < 2)
        return 0;
    if (y < 9) {
        *ybits = y;
        return 0;
    }
    int big = a > c ? a : c, small = a > c ? c : a;
    *dbits = y;
    return ((big + 24) / 25) * ((small + 17) / 18);
}

/* The distinct (input, weight, width) keys of an R = 1 layer's kept
 * products (Yosys's opt_merge makes identical constant products one cell):
 * an open-addressing set of cap slots, a power of two at least twice the
 * keys it will hold, so it never fills. 1 when key was not there. */
static int keyset_add(uint64_t *slot, size_t cap, uint64_t key)
{
    key += 1; /* 0 marks an empty slot */
    size_t i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (cap - 1);
    while (slot[i]) {
        if (slot[i] == key)
            return 0;
        i = (i + 1) & (cap - 1);
    }
    slot[i] = key;
    return 1;
}

/* the signed width of unit u's sum, |bias| + sum |w| max|x|, at most acc
 * bits: the Verilog writer's (ff_rtl_unit_width) */
static int unit_width(const ff_qmodel *q, int ni, const ff_rtl_unit *un, int64_t xmax, int with_bias)
{
    const ff_qnode *qn = &q->qn[ni];
    return ff_rtl_unit_width(un, with_bias ? qn->qb[un->ch] : 0, xmax, qn->cfg.acc_bits);
}

static int64_t in_max(const ff_qmodel *q, int ni)
{
    const ff_qtensor *qi = &q->qt[q->g->n[ni].in[0]];
    return qi->is_signed ? (int64_t)1 << (qi->bits - 1) : ((int64_t)1 << qi->bits) - 1;
}

/* Over the RTL plan's own units (padding and zero weights drop terms): the
 * most nonzero products one output sums, and the widest output sum, the
 * signed width of |bias| + sum |w| max|x| at most acc_bits, as the Verilog
 * writer sizes sums; *sum_nobias: the same with every bias zero. uw, when
 * given (2 d->nu ints): each unit's two widths, with and without its bias. */
static void dot_stats(const ff_qmodel *q, int ni, const ff_rtl_dot *d, int64_t *max_terms, int *sum_bits,
                      int *sum_nobias, double *rq_t_bits, int *uw)
{
    const ff_qnode *qn = &q->qn[ni];
    int64_t xmax = in_max(q, ni);
    *max_terms = 0;
    *sum_bits = *sum_nobias = 0;
    for (int64_t u = 0; u < d->nu; u++) {
        int64_t c = 0;
        for (int64_t j = 0; j < d->u[u].nt; j++)
            c += d->u[u].t[j].w != 0;
        if (c > *max_terms)
            *max_terms = c;
        int wb = unit_width(q, ni, &d->u[u], xmax, 1), w0 = unit_width(q, ni, &d->u[u], xmax, 0);
        if (uw)
            uw[2 * u] = wb, uw[2 * u + 1] = w0;
        if (wb > *sum_bits)
            *sum_bits = wb;
        if (w0 > *sum_nobias)
            *sum_nobias = w0;
        if (rq_t_bits && d->u[u].ch < qn->n_rq) {
            int tw = wb + 19 - qn->rq[d->u[u].ch].s;
            *rq_t_bits += (tw > 3 ? tw : 3) / (double)d->nu;
        }
    }
}

void ff_layer_sum_bits_range(const ff_qmodel *q, int ni, int *with_bias, int *without, int *narrowest)
{
    int64_t mt;
    ff_rtl_dot d;
    ff_rtl_dot_build(q, ni, 1, &d);
    int *uw = ff_calloc((size_t)(d.nu ? 2 * d.nu : 1), sizeof *uw);
    dot_stats(q, ni, &d, &mt, with_bias, without, NULL, uw);
    *narrowest = d.nu ? INT32_MAX : 0;
    for (int64_t u = 0; u < d.nu; u++)
        if (uw[2 * u + 1] < *narrowest)
            *narrowest = uw[2 * u + 1];
    free(uw);
    ff_rtl_dot_free(&d);
}

/* a shared multiplier's product width at R > 1: the input with a sign bit
 * times the weight (emit_rtl_verilog.c, write_dot's pw) */
static int shared_product_bits(const ff_layer_feat *f)
{
    return f->in_bits + 1 + f->wbits;
}

void ff_layer_feat_keep_all(ff_layer_feat *f)
{
    int64_t P = f->pixels ? f->pixels : 1, U = f->out_size;
    int sb = f->sum_bits > 0 ? f->sum_bits : f->acc_bits;
    f->live_out = f->live_in = 1.0;
    f->terms_live = f->weights * P, f->nz_live = f->nonzero * P, f->p2_live = f->pow2 * P;
    f->sum_bits_mean = sb;
    f->rq_wide = f->weights && sb > 25 ? U : 0;
    /* without the requantization constants: narrow under 16 bits, as for an
     * odd M (ff_acc_narrower_than_m) */
    f->acc_fab_bits = f->weights && (sb < 16 || sb > 25) ? U * sb : 0;
    f->acc_narrow_bits = f->weights && sb < 16 ? U * sb : 0;
    f->acc_ext_bits = f->weights && sb > shared_product_bits(f) ? U * sb : 0;
    f->rq_sat = U;
    f->r1_dsp = f->nz_live - f->p2_live; /* every product not a power of two, none merged */
    f->r1_lprod_bits = 0;
    f->r1_reg_bits = 0;
    f->rom_wcols = f->rom_xcols = 0;
    f->mults_dsp = f->mults_soft = 0;
    f->mux_n = f->mux_in = f->mux_in_p2 = 0;
    f->rom_reuse = 0; /* ROM columns not counted */
}

/* the share of a tensor's elements that vary and are needed (a constant
 * tensor: none) */
static double share(const uint8_t *v, const uint8_t *n, int64_t size)
{
    if (!v || !n)
        return 0.0;
    if (size <= 0)
        return 1.0;
    int64_t k = 0;
    for (int64_t i = 0; i < size; i++)
        k += v[i] && n[i];
    return (double)k / (double)size;
}

/* Whether an output's accumulator stays in fabric at R > 1 for want of a
 * DSP port (w: the sum's width without the bias, as for the other per-output
 * widths). Yosys multiplies the accumulator by the requantization constant
 * M (|M| in [2^14, 2^15), ff_rq_from_real) with M's trailing zeros dropped,
 * and gives the wider operand the DSP's A port, whose pre-adder and AD
 * register then take the accumulator in; a narrower accumulator goes to
 * the B port and keeps its fabric register and adder (docs/surrogates.md,
 * "Accumulators"). Only widths under 16 bits depend on M. */
int ff_acc_narrower_than_m(int w, int32_t m)
{
    uint32_t a = m < 0 ? (uint32_t)-(int64_t)m : (uint32_t)m;
    if (!a)
        return w < 16;
    while (!(a & 1))
        a >>= 1;
    int mw = 2; /* signed width: magnitude bits and a sign bit */
    while (a >> (mw - 1))
        mw++;
    return w < mw;
}

/* a column of R bits: 64-bit hash, and whether it is constant */
static uint64_t col_hash(const uint8_t *bits, int64_t R, int *constant)
{
    uint64_t h = 0xcbf29ce484222325ull;
    int64_t ones = 0;
    for (int64_t r = 0; r < R; r++) {
        h = (h ^ bits[r]) * 0x100000001b3ull;
        ones += bits[r];
    }
    *constant = ones == 0 || ones == R;
    return h ^ (h >> 29);
}

/* tab_blk (layerfeat.h): per kept unit, the index range [t(lo), t(hi)]
 * that Yosys can tell from the widths, t(v) = sat((v M + 2^(s-1)) >> s) as
 * the RTL's requantizer computes the table index over the product's uw + mw
 * bits; and over each output bit, the 64-entry blocks of the table in which
 * the bit changes inside that range. A whole table is 2^lut_bits / 64
 * blocks per bit; what a unit cannot read, ABC folds away with the
 * saturation logic. Flow 2, against the unit's exact range (bias + the sum
 * of min/max w x): the same blocks in every dataset layer but one, whose
 * outputs have one or two weights each: L000022 was -24.8% in LUT with the
 * exact range, -9.6% with the accumulator's width times M, +5.7% by the
 * product's width, +16.8% with the whole table. */
static double floor_shift(double v, int s)
{
    return floor(v / ldexp(1.0, s));
}

/* The range [*t0, *t1] of t = (v M + 2^(s-1)) >> s that Yosys can tell
 * from the widths: the accumulator's uw bits times M's mw make a product
 * Yosys sizes to uw + mw bits (wreduce); what lies beyond, the DSP hides. */
static void rq_range(ff_rq r, int uw, double *t0, double *t1)
{
    double half = r.s > 0 ? ldexp(1.0, r.s - 1) : 0, am = fabs((double)r.m);
    int mw = 1;
    while (mw < 40 && ldexp(1.0, mw - 1) <= am)
        mw++;
    int pw = uw + mw;
    *t0 = floor_shift(-ldexp(1.0, pw - 1) + half, r.s);
    *t1 = floor_shift(ldexp(1.0, pw - 1) - 1 + half, r.s);
    if (*t0 > *t1) {
        double x = *t0;
        *t0 = *t1, *t1 = x;
    }
}

/* Over output bits 0..bits-1 of a table (t32, or t16 when t32 is NULL),
 * the 64-entry blocks in which the bit varies over entries k0..k1. */
static int64_t varying_blocks(const int32_t *t32, const uint16_t *t16, int bits, int64_t k0, int64_t k1)
{
    int64_t blk = 0;
    for (int b = 0; b < bits; b++)
        for (int64_t B = k0 / 64; B <= k1 / 64; B++) {
            int64_t s = B * 64 > k0 ? B * 64 : k0, e = B * 64 + 63 < k1 ? B * 64 + 63 : k1;
            for (int64_t k = s; k < e; k++) {
                uint32_t v0 = t32 ? (uint32_t)t32[k] : t16[k], v1 = t32 ? (uint32_t)t32[k + 1] : t16[k + 1];
                if (((v0 ^ v1) >> b) & 1) {
                    blk++;
                    break;
                }
            }
        }
    return blk;
}

static void table_blocks(const ff_qmodel *q, int ni, const ff_rtl_dot *d, const int *uw, const ff_live *l, ff_layer_feat *f)
{
    const ff_qnode *qn = &q->qn[ni];
    int lb = qn->cfg.lut_bits, ob = f->out_bits;
    if (!qn->lut || lb < 6 || lb > 20 || !d->nu)
        return;
    int64_t N = (int64_t)1 << lb;
    /* per channel the last range counted: a Conv's positions mostly share it */
    int64_t nch = qn->n_rq > 0 ? qn->n_rq : 1;
    for (int64_t u = 0; u < d->nu; u++)
        if (d->u[u].ch >= nch)
            nch = d->u[u].ch + 1;
    int64_t *memo = ff_malloc(sizeof *memo * (size_t)(3 * nch));
    for (int64_t c = 0; c < nch; c++)
        memo[3 * c] = -1;
    double sum = 0;
    int64_t kept = 0;
    for (int64_t u = 0; u < d->nu; u++) {
        const ff_rtl_unit *un = &d->u[u];
        if (l && !ff_live_out(l, q, ni, u))
            continue; /* folded or removed: the mean is over the kept outputs (live_out) */
        kept++;
        /* the index range by widths */
        double t0, t1;
        rq_range(qn->rq[un->ch < qn->n_rq ? un->ch : 0], uw[2 * u], &t0, &t1);
        int64_t k0 = (int64_t)fmax(fmin(t0, (double)(N / 2 - 1)), (double)(-N / 2)) + N / 2;
        int64_t k1 = (int64_t)fmax(fmin(t1, (double)(N / 2 - 1)), (double)(-N / 2)) + N / 2;
        int64_t *m = &memo[3 * un->ch];
        if (m[0] == k0 && m[1] == k1) {
            sum += (double)m[2];
            continue;
        }
        int64_t blk = varying_blocks(qn->lut, NULL, ob < 31 ? ob : 31, k0, k1);
        m[0] = k0, m[1] = k1, m[2] = blk;
        sum += (double)blk;
    }
    free(memo);
    f->tab_blk = kept ? sum / (double)kept : 0.0;
}

/* A Softmax's exp table (emit_rtl_verilog.c write_softmax): over its 16
 * output bits, the 64-entry blocks in which the bit varies, over the
 * entries the RTL can read. j = d >> exp_shift of d = max - x (in_bits + 2
 * bits) and j + 1 are read; j beyond the table gives 0 without a read. */
static void exp_table_blocks(const ff_qmodel *q, int ni, ff_layer_feat *f)
{
    const ff_qnode *qn = &q->qn[ni];
    int lb = qn->cfg.lut_bits, dw = f->in_bits + 2, jb = dw - qn->exp_shift;
    if (!qn->exp_lut || lb < 1 || lb > 20)
        return;
    int64_t last = (int64_t)1 << lb; /* the table's last index */
    if (jb < lb)
        last = jb > 0 ? ((int64_t)1 << jb) : 1;
    f->tab_blk = (double)varying_blocks(NULL, qn->exp_lut, 16, 0, last);
}

/* The R > 1 plan's shared multipliers as emit_rtl_verilog.c writes them:
 * the kept ones in DSPs and in logic (mults_dsp, mults_soft) and the
 * distinct varying columns of their weight ROMs (wb bits per cycle) and,
 * where one reads its inputs out of cycle order, of its index ROM
 * (ceil(log2 nd) bits): rom_wcols, rom_xcols. uw: the units' sum widths
 * (dot_stats). Leaves them uncounted (rom_reuse 0) past 2^24 table cells. */
static void rom_columns(const ff_qmodel *q, int ni, const int *uw, const ff_live *l, ff_layer_feat *f)
{
    const uint8_t *vx = l ? l->vary[q->g->n[ni].in[0]] : NULL;
    int R = f->reuse, wb = f->wbits;
    if (R <= 1 || !f->weights)
        return;
    ff_rtl_dot d;
    ff_rtl_dot_build(q, ni, R, &d);
    int64_t nm = d.nmult;
    if (nm <= 0 || nm > ((int64_t)1 << 24) / R) {
        ff_rtl_dot_free(&d);
        return;
    }
    int64_t *tw = ff_calloc((size_t)(nm * R), sizeof *tw), *tx = ff_calloc((size_t)(nm * R), sizeof *tx);
    uint8_t *used = ff_calloc((size_t)nm, 1);
    /* each multiplier's product keeps the bits its widest output reads:
     * min(xw + wb, that output's sum width) */
    int *yw = ff_calloc((size_t)nm, sizeof *yw);
    for (int64_t u = 0; u < d.nu; u++) {
        /* a multiplier is kept while a kept output reads a varying input
         * through it (ff_live); its ROMs hold every cycle's entry */
        int kept = !l || ff_live_out(l, q, ni, u);
        for (int64_t j = 0; j < d.u[u].nt; j++) {
            const ff_rtl_term *t = &d.u[u].t[j];
            if (t->mult < 0 || t->cyc < 0 || t->cyc >= R)
                continue;
            tw[t->mult * R + t->cyc] = t->w;
            tx[t->mult * R + t->cyc] = t->x;
            if (t->w && kept && (!l || (vx && vx[t->x]))) {
                used[t->mult] = 1;
                if (uw[2 * u] > yw[t->mult])
                    yw[t->mult] = uw[2 * u];
            }
        }
    }
    int pw = f->in_bits + 1 + wb;
    for (int64_t k = 0; k < nm; k++)
        if (used[k]) {
            if ((yw[k] < pw ? yw[k] : pw) >= 9)
                f->mults_dsp++;
            else
                f->mults_soft++;
        }
    free(yw);
    size_t cap = 1024;
    while (cap < 4 * (size_t)nm * (size_t)(wb + 24))
        cap *= 2;
    uint64_t *ws = ff_calloc(cap, sizeof *ws), *xs = ff_calloc(cap, sizeof *xs);
    size_t mcap = 1024;
    while (mcap < 4 * (size_t)nm)
        mcap *= 2;
    uint64_t *ms = ff_calloc(mcap, sizeof *ms);
    int64_t *loc = ff_calloc((size_t)R, sizeof *loc), *dx = ff_calloc((size_t)R, sizeof *dx);
    uint8_t *bits = ff_calloc((size_t)R, 1);
    for (int64_t k = 0; k < nm; k++) {
        if (!used[k])
            continue;
        const int64_t *w = tw + k * R;
        int ident, c;
        int64_t nd = ff_rtl_mult_select(w, tx + k * R, R, loc, dx, &ident);
        for (int b = 0; b < wb; b++) {
            for (int64_t r = 0; r < R; r++)
                bits[r] = (uint8_t)(((uint64_t)w[r] >> b) & 1);
            uint64_t h = col_hash(bits, R, &c);
            if (!c && keyset_add(ws, cap, h))
                f->rom_wcols++;
        }
        if (nd > 1) {
            /* its input select: an nd:1 mux over dx, selected by the cycle
             * count (ident) or by its index ROM (the loc pattern); muxes
             * alike in both are one in the netlist */
            uint64_t h = 0x84222325cbf29ce4ull ^ (uint64_t)ident;
            for (int64_t i = 0; i < nd; i++)
                h = (h ^ (uint64_t)dx[i]) * 0x100000001b3ull;
            for (int64_t r = 0; r < R && !ident; r++)
                h = (h ^ (uint64_t)loc[r]) * 0x100000001b3ull;
            if (keyset_add(ms, mcap, h ^ (h >> 31))) {
                f->mux_n++;
                f->mux_in += nd;
                if (nd >= 4 && !(nd & (nd - 1)))
                    f->mux_in_p2 += nd;
            }
        }
        if (nd > 1 && !ident) {
            int iw = ff_rtl_clog2(nd);
            for (int b = 0; b < iw; b++) {
                for (int64_t r = 0; r < R; r++)
                    bits[r] = (uint8_t)((loc[r] >> b) & 1);
                uint64_t h = col_hash(bits, R, &c);
                if (!c && keyset_add(xs, cap, h))
                    f->rom_xcols++;
            }
        }
    }
    f->rom_reuse = R;
    free(bits);
    free(loc);
    free(dx);
    free(ws);
    free(xs);
    free(ms);
    free(tw);
    free(tx);
    free(used);
    ff_rtl_dot_free(&d);
}

/* Whether unit u's requantized value can leave its output range, as Yosys
 * sees it (layerfeat.h, rq_sat; rq_range); a ReLU clamps t < 0 itself, a
 * table activation and LeakyReLU always saturate (their own logic
 * follows). */
static int saturating(const ff_qmodel *q, int ni, int ch, int uw)
{
    const ff_node *n = &q->g->n[ni];
    const ff_qnode *qn = &q->qn[ni];
    const ff_qtensor *qo = &q->qt[n->out];
    if (n->act != FF_ACT_NONE && n->act != FF_ACT_RELU && n->act != FF_ACT_CLIP)
        return 1;
    if (qn->n_rq <= 0)
        return 1;
    double t0, t1;
    rq_range(qn->rq[ch < qn->n_rq ? ch : 0], uw, &t0, &t1);
    double lo = qo->qmin, hi = qo->qmax;
    if (n->act == FF_ACT_CLIP)
        lo = qn->clip_lo, hi = qn->clip_hi;
    return t1 > hi || (n->act != FF_ACT_RELU && t0 < lo);
}

/* the kept share of a Dense/Conv/Scale layer's outputs, inputs and products;
 * uw: the units' sum widths (dot_stats) */
static void live_dot(const ff_qmodel *q, int ni, const ff_rtl_dot *d, const int *uw, const ff_live *l,
                     ff_layer_feat *f)
{
    const ff_node *n = &q->g->n[ni];
    const ff_qnode *qn = &q->qn[ni];
    int64_t nx = ff_tensor_size(&q->g->t[n->in[0]]), kept = 0;
    const uint8_t *vx = l ? l->vary[n->in[0]] : NULL;
    uint8_t *read = ff_calloc((size_t)(nx ? nx : 1), 1);
    int64_t xmax = in_max(q, ni);
    const ff_qtensor *qi = &q->qt[n->in[0]];
    int64_t xmin = qi->is_signed ? -xmax : 0;
    int pw = shared_product_bits(f);
    int64_t nt = 0;
    for (int64_t u = 0; u < d->nu; u++)
        nt += d->u[u].nt;
    size_t cap = 1024;
    while (cap < 2 * (size_t)nt)
        cap *= 2;
    uint64_t *prod = ff_calloc(cap, sizeof *prod);
    uint8_t *shifted = ff_calloc((size_t)(nx ? nx : 1), 2); /* [x]: x << k; [nx + x]: -(x << k) */
    double wsum = 0;
    for (int64_t u = 0; u < d->nu; u++) {
        if (l && !ff_live_out(l, q, ni, u))
            continue;
        kept++;
        f->terms_live += d->u[u].nt;
        int w = uw[2 * u];
        wsum += uw[2 * u + 1];
        f->rq_wide += w > 25;
        int narrow = ff_acc_narrower_than_m(w, d->u[u].ch < qn->n_rq ? qn->rq[d->u[u].ch].m : 0);
        if (narrow || w > 25)
            f->acc_fab_bits += w;
        if (narrow)
            f->acc_narrow_bits += w;
        if (w > pw)
            f->acc_ext_bits += w;
        f->rq_sat += saturating(q, ni, d->u[u].ch, w);
        for (int64_t j = 0; j < d->u[u].nt; j++) {
            const ff_rtl_term *t = &d->u[u].t[j];
            if (!t->w || (l && !(vx && vx[t->x])))
                continue;
            f->nz_live++;
            int p2 = is_pow2(t->w);
            f->p2_live += p2;
            read[t->x] = 1;
            if (p2)
                shifted[(t->w < 0 ? nx : 0) + t->x] = 1;
            int pj = ff_rtl_product_width(t->w, xmin, xmax, uw[2 * u]), yb, db;
            if (keyset_add(prod, cap, ((uint64_t)t->x << 24) | (((uint64_t)t->w & 0x3FFFF) << 6) | (uint64_t)pj)) {
                f->r1_dsp += r1_product_dsps(t->w, pj, qi->bits, qi->is_signed, f->rtl_rev, &yb, &db);
                f->r1_lprod_bits += yb;
                if (!p2)
                    f->r1_reg_bits += yb + db;
            }
        }
    }
    int64_t r = 0;
    for (int64_t i = 0; i < nx; i++) {
        r += read[i];
        f->r1_reg_bits += shifted[i] * (int64_t)qi->bits + shifted[nx + i] * (int64_t)(qi->bits + 1);
    }
    free(read);
    free(prod);
    free(shifted);
    f->live_out = d->nu ? (double)kept / (double)d->nu : 1.0;
    f->sum_bits_mean = kept ? wsum / (double)kept : 0.0;
    f->live_in = nx ? (double)r / (double)nx : 1.0;
}

void ff_layer_features(const ff_qmodel *q, int ni, const ff_live *live, ff_layer_feat *f)
{
    ff_layer_features_rev(q, ni, live, FF_RTL_REV, f);
}

void ff_layer_features_rev(const ff_qmodel *q, int ni, const ff_live *live, int rev, ff_layer_feat *f)
{
    const ff_graph *g = q->g;
    const ff_node *n = &g->n[ni];
    const ff_qnode *qn = &q->qn[ni];
    const ff_tensor *x = &g->t[n->in[0]], *y = &g->t[n->out];
    memset(f, 0, sizeof *f);
    f->rtl_rev = rev;
    f->op = n->op;
    f->act = n->act;
    ff_layer_mac_shape(g, n, &f->n_in, &f->n_out);
    f->in_size = ff_tensor_size(x);
    f->out_size = ff_tensor_size(y);
    f->pixels = f->n_out ? f->out_size / f->n_out : 0;
    f->kernel = n->kernel[0] * n->kernel[1];
    f->channels_in = (int)x->dims[x->rank - 1];
    f->channels_out = (int)y->dims[y->rank - 1];
    f->wbits = qn->cfg.weight_bits;
    f->in_bits = q->qt[n->in[0]].bits;
    f->in_signed = q->qt[n->in[0]].is_signed;
    f->out_bits = q->qt[n->out].bits;
    f->acc_bits = qn->cfg.acc_bits;
    f->lut_bits = qn->cfg.lut_bits;
    f->reuse = qn->cfg.reuse;
    if (qn->qw) {
        f->weights = ff_node_wcount(g, n);
        for (int64_t i = 0; i < f->weights; i++) {
            int32_t w = qn->qw[i];
            if (!w)
                continue;
            f->nonzero++;
            f->csd_digits += ff_csd_digits(w);
            if (is_pow2(w))
                f->pow2++;
        }
        f->csd_per_nz = f->nonzero ? (double)f->csd_digits / (double)f->nonzero : 0.0;
    }
    int sum_nobias;
    f->live_out = f->live_in = 1.0;
    if (ff_rtl_kind_of((ff_op)f->op) == FF_RTL_DOT && qn->qw) {
        ff_rtl_dot d;
        ff_rtl_dot_build(q, ni, 1, &d);
        int *uw = ff_malloc(sizeof *uw * (size_t)(2 * d.nu + 1));
        dot_stats(q, ni, &d, &f->max_terms, &f->sum_bits, &sum_nobias, NULL, uw);
        live_dot(q, ni, &d, uw, live, f);
        rom_columns(q, ni, uw, live, f);
        table_blocks(q, ni, &d, uw, live, f);
        free(uw);
        ff_rtl_dot_free(&d);
    } else if (live) {
        f->live_out = share(live->vary[n->out], live->need[n->out], f->out_size);
        f->live_in = share(live->vary[n->in[0]], live->need[n->in[0]], f->in_size);
    }
    if (ff_rtl_kind_of((ff_op)f->op) == FF_RTL_SOFTMAX)
        exp_table_blocks(q, ni, f);
    ff_layer_feat_set_reuse(f, f->reuse > 0 ? f->reuse : 1);
}

double ff_layer_rq_t_bits(const ff_qmodel *q, int ni)
{
    double t = 0;
    int64_t mt;
    int sb, s0;
    if (ff_rtl_kind_of((ff_op)q->g->n[ni].op) == FF_RTL_DOT && q->qn[ni].qw) {
        ff_rtl_dot d;
        ff_rtl_dot_build(q, ni, 1, &d);
        dot_stats(q, ni, &d, &mt, &sb, &s0, &t, NULL);
        ff_rtl_dot_free(&d);
    }
    return t;
}

int ff_layer_parallel(const ff_layer_feat *f)
{
    return ff_rtl_kind_of((ff_op)f->op) == FF_RTL_DOT && f->reuse < f->n_in;
}

void ff_layer_feat_set_reuse(ff_layer_feat *f, int reuse)
{
    f->reuse = reuse;
    if (f->weights) {
        /* as the RTL builds it: at R = 1 one constant multiplier per nonzero
         * weight, at R > 1 ceil(n_in*n_out/R) shared ones; per output position */
        int64_t tot, per, m;
        if (!ff_mul_ok(f->n_in, f->n_out, &tot))
            tot = INT64_MAX - reuse;
        per = reuse == 1 ? f->nonzero : (tot + reuse - 1) / reuse;
        f->mults = ff_mul_ok(per, f->pixels ? f->pixels : 1, &m) ? m : INT64_MAX;
    }
    int stages;
    ff_rtl_layer_timing_clk(ff_rtl_kind_of((ff_op)f->op), reuse, f->n_in, f->max_terms, f->act, f->clock_ns,
                            &f->tree_levels, &stages, &f->latency, &f->ii, NULL);
}
