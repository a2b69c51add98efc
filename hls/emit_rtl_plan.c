/* RTL back-end, planning: which hardware each layer becomes, its
 * multiply-accumulate units and their schedule over the reuse factor, its
 * pipeline depth (latency) and initiation interval. */
#include "emit_rtl.h"

#include "exec.h"
#include "rtl_dot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ff_rtl_dot_free(ff_rtl_dot *d)
{
    if (!d)
        return;
    for (int64_t u = 0; u < d->nu; u++)
        free(d->u[u].t);
    free(d->u);
    memset(d, 0, sizeof *d);
}

static void add_term(ff_rtl_unit *u, int64_t k, int32_t w, int64_t x)
{
    if (u->nt == u->cap) {
        u->cap = u->cap ? u->cap * 2 : 8;
        u->t = ff_realloc(u->t, (size_t)u->cap * sizeof *u->t);
    }
    u->t[u->nt++] = (ff_rtl_term){k, w, x, 0, -1};
}

/* Slot (cycle, local multiplier) of term k of output class o under reuse R:
 * R divides n_in: each output uses n_in/R multipliers every cycle;
 * otherwise (R a multiple of n_in): n_out/(R/n_in) multipliers serve groups
 * of outputs one after the other, one product per cycle each. */
static void slot(int64_t o, int64_t k, int64_t nin, int64_t nout, int R, int64_t *cyc, int64_t *m)
{
    if (nin % R == 0) {
        int64_t per = nin / R;
        *cyc = k / per;
        *m = o * per + k % per;
    } else {
        int64_t groups = R / nin, gsize = nout / groups;
        *cyc = (o / gsize) * nin + k;
        *m = o % gsize;
    }
}

static void schedule(ff_rtl_dot *d, int R);

int64_t ff_rtl_mults_per_pos(int64_t nin, int64_t nout, int R)
{
    return (nin * nout + R - 1) / R;
}

void ff_rtl_dot_build(const ff_qmodel *q, int ni, int R, ff_rtl_dot *d)
{
    const ff_graph *g = q->g;
    const ff_node *n = &g->n[ni];
    const ff_qnode *qn = &q->qn[ni];
    memset(d, 0, sizeof *d);
    ff_layer_mac_shape(g, n, &d->nin, &d->nout);
    d->R = R;
    if (n->op == FF_OP_DENSE) {
        d->nu = n->n_out_f;
        d->u = ff_calloc((size_t)d->nu, sizeof *d->u);
        for (int64_t o = 0; o < d->nu; o++) {
            d->u[o].ch = o;
            d->u[o].cap = n->n_in_f; /* sized once: no reallocation per term */
            d->u[o].t = ff_malloc((size_t)(n->n_in_f ? n->n_in_f : 1) * sizeof *d->u[o].t);
            for (int64_t i = 0; i < n->n_in_f; i++)
                add_term(&d->u[o], i, qn->qw[o * n->n_in_f + i], i);
        }
    } else if (n->op == FF_OP_CONV) {
        const ff_tensor *x = &g->t[n->in[0]], *y = &g->t[n->out];
        int sp = x->rank - 2;
        int64_t H = sp == 2 ? x->dims[1] : 1, W = x->dims[sp], C = x->dims[sp + 1];
        int64_t OH = sp == 2 ? y->dims[1] : 1, OW = y->dims[sp], OC = y->dims[sp + 1];
        int64_t cin_g = C / n->group, cout_g = OC / n->group;
        int kh = n->kernel[0], kw = n->kernel[1];
        d->nu = OH * OW * OC;
        d->u = ff_calloc((size_t)d->nu, sizeof *d->u);
        for (int64_t oh = 0; oh < OH; oh++)
            for (int64_t ow = 0; ow < OW; ow++)
                for (int64_t oc = 0; oc < OC; oc++) {
                    ff_rtl_unit *u = &d->u[(oh * OW + ow) * OC + oc];
                    u->ch = oc;
                    u->cap = (int64_t)kh * kw * cin_g;
                    u->t = ff_malloc((size_t)(u->cap ? u->cap : 1) * sizeof *u->t);
                    u->pos = oh * OW + ow;
                    int64_t gi = oc / cout_g;
                    const int32_t *w = qn->qw + oc * kh * kw * cin_g;
                    for (int i = 0; i < kh; i++) {
                        int64_t ih = oh * n->stride[0] - n->pad[0] + (int64_t)i * n->dil[0];
                        for (int j = 0; j < kw; j++) {
                            int64_t iw = ow * n->stride[1] - n->pad[1] + (int64_t)j * n->dil[1];
                            if (ih < 0 || ih >= H || iw < 0 || iw >= W)
                                continue;
                            for (int64_t c = 0; c < cin_g; c++) {
                                int64_t k = ((int64_t)i * kw + j) * cin_g + c;
                                add_term(u, k, w[k], (ih * W + iw) * C + gi * cin_g + c);
                            }
                        }
                    }
                }
    } else { /* SCALE */
        const ff_tensor *t = &g->t[n->in[0]];
        int64_t st[FF_MAX_RANK];
        ff_strides(t, st);
        d->nu = ff_tensor_size(t);
        d->u = ff_calloc((size_t)d->nu, sizeof *d->u);
        int64_t *seen = ff_calloc((size_t)n->n_out_f, sizeof *seen);
        for (int64_t i = 0; i < d->nu; i++) {
            int64_t c = n->n_out_f == 1 ? 0 : (i / st[n->axis]) % t->dims[n->axis];
            d->u[i].ch = c;
            d->u[i].pos = seen[c]++;
            add_term(&d->u[i], 0, qn->qw[c], i);
        }
        free(seen);
    }
    schedule(d, R);
}

/* Assigns every term its cycle and shared multiplier under reuse R. */
static void schedule(ff_rtl_dot *d, int R)
{
    int64_t per_pos = ff_rtl_mults_per_pos(d->nin, d->nout, R), npos = 0;
    for (int64_t u = 0; u < d->nu; u++)
        if (d->u[u].pos + 1 > npos)
            npos = d->u[u].pos + 1;
    d->nmult = per_pos * npos;
    for (int64_t u = 0; u < d->nu; u++) {
        ff_rtl_unit *un = &d->u[u];
        un->first = R;
        un->last = -1;
        for (int64_t j = 0; j < un->nt; j++) {
            int64_t cyc, m;
            if (R == 1) {
                cyc = 0;
                m = -1;
            } else {
                slot(un->ch % d->nout, un->t[j].k, d->nin, d->nout, R, &cyc, &m);
                m += un->pos * per_pos;
            }
            un->t[j].cyc = cyc;
            un->t[j].mult = m;
            if (cyc < un->first)
                un->first = cyc;
            if (cyc > un->last)
                un->last = cyc;
        }
        /* an output whose terms all fall outside the input (padding) or a
         * reuse that gives it no product keeps first/last at the extremes */
        if (un->nt == 0) {
            un->first = 0;
            un->last = R - 1;
        }
    }
}

void ff_rtl_dot_build_pe(const ff_qmodel *q, const ff_rtl_layer *L, int R, ff_rtl_dot *d)
{
    const ff_graph *g = q->g;
    const ff_node *n = &g->n[L->ni];
    const ff_qnode *qn = &q->qn[L->ni];
    memset(d, 0, sizeof *d);
    ff_layer_mac_shape(g, n, &d->nin, &d->nout);
    d->R = R;
    if (n->op == FF_OP_CONV) {
        int64_t C = L->w.C, OC = L->n_out, cin_g = C / n->group, cout_g = OC / n->group;
        int kh = L->w.kh, kw = L->w.kw;
        d->nu = OC;
        d->u = ff_calloc((size_t)d->nu, sizeof *d->u);
        for (int64_t oc = 0; oc < OC; oc++) {
            ff_rtl_unit *u = &d->u[oc];
            u->ch = oc;
            u->cap = (int64_t)kh * kw * cin_g;
            u->t = ff_malloc((size_t)(u->cap ? u->cap : 1) * sizeof *u->t);
            int64_t gi = oc / cout_g;
            const int32_t *w = qn->qw + oc * kh * kw * cin_g;
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++)
                    for (int64_t c = 0; c < cin_g; c++) {
                        int64_t k = ((int64_t)i * kw + j) * cin_g + c;
                        add_term(u, k, w[k], ((int64_t)i * kw + j) * C + gi * cin_g + c);
                    }
        }
    } else { /* SCALE on the channel axis (or by a scalar), one pixel */
        int64_t C = L->n_in;
        d->nu = C;
        d->u = ff_calloc((size_t)d->nu, sizeof *d->u);
        int64_t *seen = ff_calloc((size_t)n->n_out_f, sizeof *seen);
        for (int64_t i = 0; i < C; i++) {
            int64_t c = n->n_out_f == 1 ? 0 : i;
            d->u[i].ch = c;
            d->u[i].pos = seen[c]++;
            add_term(&d->u[i], 0, qn->qw[c], i);
        }
        free(seen);
    }
    schedule(d, R);
}

int ff_rtl_swidth(int64_t lo, int64_t hi)
{
    int w = 1;
    while (w < 63 && (lo < -((int64_t)1 << (w - 1)) || hi > ((int64_t)1 << (w - 1)) - 1))
        w++;
    return w;
}

int ff_rtl_unit_width(const ff_rtl_unit *u, int64_t bias, int64_t xmax, int acc_bits)
{
    int64_t b = bias < 0 ? -bias : bias;
    for (int64_t j = 0; j < u->nt; j++) {
        int64_t w = u->t[j].w < 0 ? -(int64_t)u->t[j].w : u->t[j].w;
        b += w * xmax;
        if (b > ((int64_t)1 << 47))
            return acc_bits;
    }
    int sw = ff_rtl_swidth(-b, b);
    return sw < acc_bits ? sw : acc_bits;
}

int ff_rtl_product_width(int64_t w, int64_t xmin, int64_t xmax, int uw)
{
    int64_t a = w * xmin, c = w * xmax;
    int pj = ff_rtl_swidth(a < c ? a : c, a < c ? c : a);
    return pj < uw ? pj : uw;
}

int64_t ff_rtl_mult_select(const int64_t *w, const int64_t *x, int64_t R, int64_t *loc, int64_t *dx, int *ident)
{
    int64_t nd = 0;
    *ident = 1;
    for (int64_t r = 0; r < R; r++) {
        loc[r] = 0;
        if (!w[r])
            continue;
        int64_t j = 0;
        while (j < nd && dx[j] != x[r])
            j++;
        if (j == nd)
            dx[nd++] = x[r];
        loc[r] = j;
        if (j != r)
            *ident = 0;
    }
    return nd;
}

/* ceil(log2(n)) for n >= 1 */
int ff_rtl_clog2(int64_t n)
{
    int l = 0;
    while (((int64_t)1 << l) < n)
        l++;
    return l;
}

/* Pipeline registers taken by an adder tree of `levels` levels: one after
 * every FF_RTL_LEVELS_PER_STAGE levels, the last group feeding the next stage
 * combinationally. */
int ff_rtl_tree_stages(int levels)
{
    return levels <= 0 ? 0 : (levels + FF_RTL_LEVELS_PER_STAGE - 1) / FF_RTL_LEVELS_PER_STAGE - 1;
}

int ff_rtl_graph_branch(const ff_graph *g)
{
    int cur = g->input;
    for (int ni = 0; ni < g->nn; ni++) {
        if (g->n[ni].n_in != 1 || g->n[ni].in[0] != cur)
            return ni;
        cur = g->n[ni].out;
    }
    return -1;
}

ff_rtl_kind ff_rtl_kind_of(ff_op op)
{
    switch (op) {
    case FF_OP_DENSE:
    case FF_OP_CONV:
    case FF_OP_SCALE: return FF_RTL_DOT;
    case FF_OP_ACT: return FF_RTL_ACT;
    case FF_OP_SOFTMAX: return FF_RTL_SOFTMAX;
    case FF_OP_MAXPOOL:
    case FF_OP_AVGPOOL:
    case FF_OP_GMAXPOOL:
    case FF_OP_GAVGPOOL: return FF_RTL_POOL;
    case FF_OP_ADD:
    case FF_OP_SUB: return FF_RTL_ADD;
    case FF_OP_CONCAT: return FF_RTL_CONCAT;
    default: return FF_RTL_WIRE;
    }
}

/* Delay model for clock-driven pipelining (xc7, ns, as Yosys `sta` counts
 * them: the cells' specify delays and DSP input setup, no placement or
 * routing). Calibrated on critical paths of designs synthesized here
 * (docs/rtl.md, "Clock-driven pipelining"). What Yosys does to the RTL
 * shapes it: a registered constant product becomes a DSP48 with its M
 * register, and the first adder level that DSP's post-adder (C->P); the
 * adder levels between two registers become one multi-operand adder (LUT
 * compressor and one carry chain); the requantization product takes the
 * tree's last adder into its pre-adder and, when split, its register as the
 * DSP's M register, so a register right before it is folded away: the
 * stage ends at the DSP's A input (its setup counted). */
#define D_REG 0.45   /* clock buffer and fabric register clock-to-out: where a stage starts */
#define D_MREG 1.67  /* a DSP48 M register's clock-to-out (registered products, split requantization) */
#define D_MUL 2.8    /* constant product, DSP48 A->P */
#define D_POST 1.3   /* the first adder level: the product DSP's post-adder, C->P */
#define D_TREE 1.2   /* the carry chain of an adder group */
#define D_LEVEL 0.85 /* per adder level in a group (compressor LUTs) */
#define D_ACC 0.3    /* R > 1: the accumulator's first-cycle bias mux */
#define D_RQMUL 3.8  /* requantization product v*M through the DSP (pre-adder, A->P) */
#define D_RQSET 2.4  /* ... or up to its A input when its product is registered (setup) */
#define D_AREG 0.25  /* setup of a DSP48's A (or D) register */
#define D_ADQ 4.0    /* from the DSP's A/AD registers through the multiplier to P, unregistered */
#define D_TAIL 2.4   /* rounding add, shift, saturating compares and select */
#define D_RND 1.5    /* ... plus the rounding add's carry chain in fabric after a split (the DSP keeps it otherwise);
                      * a second split registers (p + rnd) >>> S before the compares */
#define D_CMP 1.8    /* after the product: v*M against two constants, the rounded bits, select (<top>_rqsat) */
#define D_TABLE 1.6  /* activation table read (Sigmoid, Tanh, Selu, Elu) */
#define D_LEAKY 3.0  /* LeakyReLU's second multiply */
#define D_SM4 11.7   /* the longest stage of the 4-stage Softmax (normalize: product, 64-bit shift, compare) */
#define D_SM8 4.9    /* the longest stage of the 8-stage one (max as a comparator tree; measured 6.2 with a chain) */

static double tail_delay(int act)
{
    double d = D_TAIL;
    if (act == FF_ACT_LEAKY)
        d += D_LEAKY;
    if (act == FF_ACT_SIGMOID || act == FF_ACT_TANH || act == FF_ACT_SELU || act == FF_ACT_ELU)
        d += D_TABLE;
    return d;
}

/* legacy register placement: after every FF_RTL_LEVELS_PER_STAGE levels but the last group */
static uint64_t fixed_cuts(int levels)
{
    uint64_t c = 0;
    for (int lv = FF_RTL_LEVELS_PER_STAGE; lv < levels && lv <= 64; lv += FF_RTL_LEVELS_PER_STAGE)
        c |= (uint64_t)1 << (lv - 1);
    return c;
}

static int popcount64(uint64_t v)
{
    int c = 0;
    for (; v; v &= v - 1)
        c++;
    return c;
}

/* Walks adder-tree levels 1..upto of a tree of `levels` levels, placing a
 * register where the next operation would overrun the period P: R = 1
 * (pp->preg not yet set by the caller's reuse) starts at the products, the
 * first level being the product DSP's post-adder. before_last: the room the
 * level before the last leaves (R = 1). Returns the delay of the open stage;
 * *est the longest closed stage. */
static double walk_levels_r(int reuse, int upto, int levels, double P, double before_last, ff_rtl_pipe *pp, double *est)
{
    int r1 = reuse <= 1;
    double cur = r1 ? D_REG + D_MUL : D_REG;
    int grp = 0; /* an adder group is open in this stage (its carry chain paid) */
    for (int lv = 1; lv <= upto; lv++) {
        int post = r1 && lv == 1; /* the product DSP's post-adder */
        double here = post ? D_POST : D_LEVEL + (grp ? 0 : D_TREE);
        /* the last level leaves room for the requantization DSP's setup (R > 1:
         * and the accumulator) */
        double need = here + (lv == levels ? D_RQSET + (r1 ? 0 : D_ACC) : 0) +
                      (r1 && lv >= 2 && lv == levels - 1 ? before_last : 0);
        if (cur + need > P && cur > D_REG) {
            if (lv == 1)
                pp->preg = 1;
            else
                pp->cuts |= (uint64_t)1 << (lv - 2);
            if (cur > *est)
                *est = cur;
            cur = post ? D_MREG : D_REG;
            grp = 0;
            here = post ? D_POST : D_LEVEL + D_TREE;
        }
        cur += here;
        grp = !post;
    }
    return cur;
}

void ff_rtl_pipe_choose(ff_rtl_kind kind, int reuse, int levels, int act, double clock_ns, ff_rtl_pipe *pp)
{
    memset(pp, 0, sizeof *pp);
    if (levels > 64)
        levels = 64;
    if (clock_ns <= 0) {
        pp->preg = 1;
        pp->cuts = fixed_cuts(levels);
        return;
    }
    if (kind == FF_RTL_SOFTMAX) {
        pp->sm_deep = D_SM4 > clock_ns;
        pp->est_ns = pp->sm_deep ? D_SM8 : D_SM4;
        return;
    }
    if (kind != FF_RTL_DOT)
        return;
    double P = clock_ns, est = 0, tail = tail_delay(act);
    /* requantization: without the activations that need the rounded value
     * (LeakyReLU, tables) the saturation compares v*M with constants
     * (<top>_rqsat), else the rounding add comes first (D_TAIL) */
    pp->rq_cmp = act == FF_ACT_NONE || act == FF_ACT_RELU || act == FF_ACT_CLIP;
    double tail_u = pp->rq_cmp ? D_CMP : tail;        /* after the product, unregistered */
    double after = pp->rq_cmp ? D_CMP : D_RND + tail; /* after the product register */
    int r1 = reuse <= 1;
    double cur = 0;
    int start = 0; /* the requantization product starts: 0 in this stage, 1 at the DSP's input registers */
    if (r1 && levels >= 2) {
        /* The last level: Yosys packs it into the requantization DSP's
         * pre-adder whatever the registers around it. A register in front of
         * it becomes the DSP's A/D register or, moved past the pre-adder, its
         * AD register (the stage before then pays the pre-adder's setup,
         * D_RQSET); a register after it (the root) the AD register. So the
         * last level is the pre-adder in its stage (0), or a register goes
         * in front of it (1), or it sits alone between two registers (2, the
         * stage before paying the A register's setup). Walk the levels
         * before it leaving room for the one or the other and keep the
         * fewest registers. */
        ff_rtl_pipe best = *pp;
        double bcur = 0, best_est = 0;
        int bregs = 1 << 30, bstart = 0;
        for (int lookahead = 0; lookahead < 2; lookahead++) {
            ff_rtl_pipe t = *pp;
            double e = 0, c = walk_levels_r(reuse, levels - 1, levels, P, lookahead ? D_RQSET : D_AREG, &t, &e);
            /* the walk ends in an open adder group unless level 1, the product DSP's post-adder, was its last */
            double here = D_LEVEL + (levels - 1 == 1 ? D_TREE : 0);
            int st = 0;
            if (c + here + D_RQSET <= P) {
                c += here;
            } else if (c + D_RQSET <= P || c <= D_REG) {
                t.cuts |= (uint64_t)1 << (levels - 2);
                if (c + D_RQSET > e)
                    e = c + D_RQSET;
                st = 1;
            } else {
                t.cuts |= (uint64_t)1 << (levels - 2) | (uint64_t)1 << (levels - 1);
                if (c + D_AREG > e)
                    e = c + D_AREG;
                st = 1;
            }
            int regs = t.preg + popcount64(t.cuts);
            if (regs < bregs) {
                bregs = regs;
                best = t;
                bcur = c;
                best_est = e;
                bstart = st;
            }
        }
        *pp = best;
        cur = bcur;
        est = best_est;
        start = bstart;
    } else {
        cur = walk_levels_r(reuse, levels, levels, P, 0, pp, &est);
    }
    if (!r1) {
        /* the accumulator's adder (with the root when there is no level) and its register */
        cur += D_ACC + (levels ? 0 : D_TREE + D_LEVEL);
        if (cur > est)
            est = cur;
        cur = D_REG;
    } else if (levels == 0 && cur + D_RQSET > P) {
        pp->preg = 1; /* products straight into requantization */
        if (cur > est)
            est = cur;
        cur = D_MREG;
    }
    /* in one stage, or split at the DSP's product register, or (round
     * first) with the rounded, shifted value registered too */
    if (start ? D_ADQ + tail_u <= P : cur + D_RQMUL + tail_u <= P) {
        cur = start ? D_ADQ + tail_u : cur + D_RQMUL + tail_u;
    } else {
        pp->rq_split = pp->rq_cmp || D_MREG + after <= P ? 1 : 2;
        if (!start) {
            cur += D_RQSET;
            if (cur > est)
                est = cur;
        }
        if (pp->rq_split == 2) {
            cur = D_MREG + D_RND;
            if (cur > est)
                est = cur;
            cur = D_REG + tail;
        } else {
            cur = D_MREG + after;
        }
    }
    if (cur > est)
        est = cur;
    pp->est_ns = est;
}

void ff_rtl_layer_timing_clk(ff_rtl_kind kind, int reuse, int64_t mac_in, int64_t max_terms, int act,
                             double clock_ns, int *levels, int *stages, int *latency, int *ii, ff_rtl_pipe *pp)
{
    ff_rtl_pipe local;
    if (!pp)
        pp = &local;
    *levels = *stages = 0;
    *ii = 1;
    switch (kind) {
    case FF_RTL_DOT:
        if (reuse <= 1) {
            /* products + bias per unit, summed in a tree */
            *levels = ff_rtl_clog2(max_terms + 1);
            ff_rtl_pipe_choose(kind, reuse, *levels, act, clock_ns, pp);
            *stages = popcount64(pp->cuts);
            *latency = pp->preg + *stages + pp->rq_split + 1; /* products, tree, requant */
        } else {
            int64_t per_cycle = mac_in % reuse == 0 ? mac_in / reuse : 1;
            *levels = ff_rtl_clog2(per_cycle);
            ff_rtl_pipe_choose(kind, reuse, *levels, act, clock_ns, pp);
            *stages = popcount64(pp->cuts);
            /* input register, R product cycles, tree, accumulate, requant */
            *latency = 1 + reuse + *stages + 1 + pp->rq_split + 1;
            *ii = reuse;
        }
        break;
    case FF_RTL_ACT: ff_rtl_pipe_choose(kind, reuse, 0, act, clock_ns, pp); *latency = 1; break;
    case FF_RTL_SOFTMAX: /* max, exp, sum/reciprocal, normalize (deep: exp, sum and normalize in two each) */
        ff_rtl_pipe_choose(kind, reuse, 0, act, clock_ns, pp);
        *latency = pp->sm_deep ? 8 : 4;
        break;
    case FF_RTL_POOL: ff_rtl_pipe_choose(kind, reuse, 0, act, clock_ns, pp); *latency = 2; break; /* reduce, requantize */
    case FF_RTL_ADD:    /* x0*M0 + x1*M1, requantize (one stage; --clock does not split it) */
    case FF_RTL_CONCAT: /* requantize each input to the output scale */
        ff_rtl_pipe_choose(kind, reuse, 0, act, clock_ns, pp);
        *latency = 1;
        break;
    default: ff_rtl_pipe_choose(kind, reuse, 0, act, clock_ns, pp); *latency = 0; break;
    }
}

void ff_rtl_layer_timing(ff_rtl_kind kind, int reuse, int64_t mac_in, int64_t max_terms, int *levels, int *stages,
                         int *latency, int *ii)
{
    ff_rtl_layer_timing_clk(kind, reuse, mac_in, max_terms, FF_ACT_NONE, 0, levels, stages, latency, ii, NULL);
}

static int supported(const ff_node *n, ff_err *e)
{
    switch (n->op) {
    case FF_OP_DENSE:
    case FF_OP_CONV:
    case FF_OP_SCALE:
    case FF_OP_ACT:
    case FF_OP_SOFTMAX:
    case FF_OP_MAXPOOL:
    case FF_OP_AVGPOOL:
    case FF_OP_GMAXPOOL:
    case FF_OP_GAVGPOOL:
    case FF_OP_RESHAPE:
    case FF_OP_TRANSPOSE:
    case FF_OP_IDENTITY:
    case FF_OP_ADD:
    case FF_OP_SUB:
    case FF_OP_CONCAT:
        return 1;
    default:
        ff_errf(e, FF_EINPUT,
                "layer '%s' (%s): not supported by the rtl back-end yet "
                "(supported: Dense, Conv, Scale/BatchNorm, activations, Softmax, pooling, Reshape, Transpose, "
                "Add/Sub/Concat of activations)",
                n->name, ff_op_name(n->op));
        return 0;
    }
}

int ff_rtl_plan_build(const ff_qmodel *q, const char *model_path, ff_rtl_plan *p, ff_err *e)
{
    return ff_rtl_plan_build_io(q, model_path, 0, p, e);
}

int ff_rtl_plan_build_io(const ff_qmodel *q, const char *model_path, int io_stream, ff_rtl_plan *p, ff_err *e)
{
    return ff_rtl_plan_build_opts(q, model_path, io_stream, 0, p, e);
}

int ff_rtl_plan_build_opts(const ff_qmodel *q, const char *model_path, int io_stream, double clock_ns,
                           ff_rtl_plan *p, ff_err *e)
{
    return ff_rtl_plan_build_slices(q, model_path, io_stream, clock_ns, 0, p, e);
}

int ff_rtl_plan_build_slices(const ff_qmodel *q, const char *model_path, int io_stream, double clock_ns,
                             int slices, ff_rtl_plan *p, ff_err *e)
{
    const ff_graph *g = q->g;
    memset(p, 0, sizeof *p);
    p->q = q;
    if (slices && io_stream)
        return ff_errf(e, FF_EINPUT, FF_RTL_SLICES_NOT_STREAM);
    p->slices = slices;
    /* clock-driven pipelining: io parallel designs (io stream keeps the fixed plan) */
    p->clock_ns = clock_ns > 0 && !io_stream ? clock_ns : 0;
    int nseg = 0;
    if (io_stream) {
        nseg = ff_rtl_stream_segment(q, e);
        if (nseg < 0)
            return e->code ? e->code : FF_EINPUT;
    }
    /* top module name: the model file's base name */
    const char *base = model_path ? strrchr(model_path, '/') : NULL;
    base = base ? base + 1 : (model_path ? model_path : "model");
    char stem[96];
    snprintf(stem, sizeof stem, "%s", base);
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem)
        *dot = 0;
    ff_ident(stem, p->top, sizeof p->top);
    p->l = ff_calloc((size_t)(g->nn ? g->nn : 1), sizeof *p->l);
    /* a single chain, or a branching graph (forks, joins: io parallel only) */
    int br = ff_rtl_graph_branch(g);
    if (br >= 0 && io_stream) {
        ff_errf(e, FF_EINPUT,
                "layer '%s' (%s): io stream supports a single chain of layers and this graph branches; "
                "use io parallel (without --io stream)",
                g->n[br].name, ff_op_name(g->n[br].op));
        goto fail;
    }
    p->dag = br >= 0 || slices;
    if (br < 0 && g->nn && g->n[g->nn - 1].out != g->output) {
        ff_errf(e, FF_EINPUT, "the graph output '%s' is not the last layer's output", g->t[g->output].name);
        goto fail;
    }
    for (int ni = 0; ni < g->nn; ni++) {
        const ff_node *n = &g->n[ni];
        const ff_qnode *qn = &q->qn[ni];
        if (!supported(n, e))
            goto fail;
        ff_rtl_layer *L = &p->l[p->nl++];
        L->ni = ni;
        L->reuse = qn->cfg.reuse > 0 ? qn->cfg.reuse : 1;
        L->n_in = ff_tensor_size(&g->t[n->in[0]]);
        L->n_out = ff_tensor_size(&g->t[n->out]);
        L->ii = 1;
        char id[96];
        ff_ident(n->name, id, sizeof id);
        snprintf(L->mod, sizeof L->mod, "%s_%s", p->top, id);
        /* module names must be unique */
        for (int k = 0; k < p->nl - 1; k++)
            if (!strcmp(p->l[k].mod, L->mod)) {
                snprintf(L->mod, sizeof L->mod, "%s_%s_%d", p->top, id, ni);
                break;
            }
        L->kind = ff_rtl_kind_of((ff_op)n->op);
        if (io_stream && p->nl - 1 < nseg) {
            L->stream = 1;
            ff_rtl_stream_layer(q, L);
        }
        int64_t maxterms = 0;
        if (L->kind == FF_RTL_DOT) {
            if (!ff_reuse_check(g, n, L->reuse, e))
                goto fail;
            ff_layer_mac_shape(g, n, &L->mac_in, &L->mac_out);
            ff_rtl_dot d;
            if (L->stream)
                ff_rtl_dot_build_pe(q, L, L->reuse, &d);
            else
                ff_rtl_dot_build(q, ni, L->reuse, &d);
            L->units = d.nu;
            int64_t nz = 0;
            for (int64_t u = 0; u < d.nu; u++) {
                int64_t c = 0;
                for (int64_t j = 0; j < d.u[u].nt; j++)
                    if (d.u[u].t[j].w)
                        nz++, c++;
                if (c > maxterms)
                    maxterms = c;
            }
            p->nonzero += nz;
            L->mults = L->reuse == 1 ? nz : d.nmult;
            ff_rtl_dot_free(&d);
        }
        ff_rtl_layer_timing_clk(L->kind, L->reuse, L->mac_in, maxterms, n->act, p->clock_ns, &L->tree_levels,
                                &L->tree_stages, &L->latency, &L->ii, &L->pipe);
        if (L->pipe.est_ns > p->est_ns)
            p->est_ns = L->pipe.est_ns;
        p->mults += L->mults;
        p->latency += L->latency;
        if (L->ii > p->ii)
            p->ii = L->ii;
    }
    if (p->ii == 0)
        p->ii = 1;
    p->out_bus = p->nl;
    if (p->dag && ff_rtl_dag_build(p, e))
        goto fail;
    p->in_lane = q->qt[g->input].bits > 8 ? 16 : 8;
    p->out_lane = q->qt[g->output].bits > 8 ? 16 : 8;
    if (io_stream) {
        p->io_stream = 1;
        p->nseg = nseg;
        ff_rtl_stream_finish(p);
    }
    return FF_OK;
fail:
    ff_rtl_plan_free(p);
    return e->code ? e->code : FF_EINPUT;
}

void ff_rtl_plan_free(ff_rtl_plan *p)
{
    free(p->l);
    free(p->st);
    p->st = NULL;
    p->nst = 0;
    p->l = NULL;
    p->nl = 0;
}
