/* Post-training quantization: calibrates ranges with the float executor and
 * derives every integer parameter of the contract (weights, biases,
 * requantization multipliers, activation tables). */
#include "quant.h"

#include "exec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ff_rq ff_rq_from_real(double r)
{
    ff_rq q = {0, 0};
    if (r == 0.0 || !isfinite(r))
        return q;
    double a = fabs(r);
    int s = 14 - (int)floor(log2(a));
    if (s < 0) {
        /* ratio >= 2^15: saturate (documented; never happens for sane models) */
        double m = floor(a + 0.5);
        q.m = m > 32767 ? 32767 : (int32_t)m;
        q.s = 0;
    } else {
        if (s > 62)
            s = 62;
        double m = floor(ldexp(a, s) + 0.5);
        if (m >= 32768.0 && s > 0) {
            s--;
            m = floor(ldexp(a, s) + 0.5);
        }
        if (m > 32767)
            m = 32767;
        q.m = (int32_t)m;
        q.s = s;
    }
    if (r < 0)
        q.m = -q.m;
    return q;
}

void ff_calib_ranges_alloc(ff_calib_ranges *r, int nt, int nn)
{
    r->nt = nt;
    r->nn = nn;
    r->tmin = ff_malloc(sizeof(double) * (size_t)(nt ? nt : 1));
    r->tmax = ff_malloc(sizeof(double) * (size_t)(nt ? nt : 1));
    r->pabs = ff_malloc(sizeof(double) * (size_t)(nn ? nn : 1));
}

void ff_calib_ranges_free(ff_calib_ranges *r)
{
    free(r->tmin);
    free(r->tmax);
    free(r->pabs);
    memset(r, 0, sizeof *r);
}

void ff_qmodel_free(ff_qmodel *q)
{
    if (!q)
        return;
    if (q->qn)
        for (int i = 0; i < q->g->nn; i++) {
            ff_qnode *n = &q->qn[i];
            free(n->qw);
            free(n->qb);
            free(n->wscale);
            free(n->rq);
            free(n->lut);
            free(n->exp_lut);
            free(n->avg_rq);
        }
    free(q->qn);
    free(q->qt);
    ff_graph_free(q->g);
    free(q);
}

/* ---- calibration ---- */

typedef struct {
    double *tmin, *tmax; /* per tensor */
    double *pabs;        /* per node: max |pre-activation| */
    /* percentile pass */
    int hist_pass;
    uint32_t (*hist)[1024];
    uint64_t *count;
    int mse_levels;      /* > 0: MSE-optimal clipping with this many levels */
    const ff_graph *g;
} calib;

static void observe(void *ctx, int node, const float *pre, const float *out, int64_t n)
{
    calib *c = ctx;
    const ff_graph *g = c->g;
    int ti = node < 0 ? g->input : g->n[node].out;
    if (c->hist_pass) {
        double top = fmax(fabs(c->tmin[ti]), fabs(c->tmax[ti]));
        if (top <= 0)
            return;
        for (int64_t i = 0; i < n; i++) {
            int b = (int)(fabs(out[i]) / top * 1023.0);
            c->hist[ti][b < 0 ? 0 : (b > 1023 ? 1023 : b)]++;
        }
        c->count[ti] += (uint64_t)n;
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        if (out[i] < c->tmin[ti])
            c->tmin[ti] = out[i];
        if (out[i] > c->tmax[ti])
            c->tmax[ti] = out[i];
    }
    if (pre && node >= 0)
        for (int64_t i = 0; i < n; i++)
            if (fabs(pre[i]) > c->pabs[node])
                c->pabs[node] = fabs(pre[i]);
}

/* splitmix64 + Box-Muller: synthetic N(0,1) calibration data */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double normal(uint64_t *s)
{
    double u1 = ((double)(next_u64(s) >> 11) + 0.5) / 9007199254740992.0;
    double u2 = (double)(next_u64(s) >> 11) / 9007199254740992.0;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static void run_calibration(const ff_graph *g, const ff_calib_opts *co, calib *c)
{
    int64_t in_sz = ff_graph_in_size(g), out_sz = ff_graph_out_size(g);
    ff_fplan *p = ff_fplan_new(g);
    float *x = ff_malloc((size_t)in_sz * sizeof(float)), *y = ff_malloc((size_t)out_sz * sizeof(float));
    int64_t n = co && co->samples ? co->n : (co && co->n > 0 ? co->n : FF_CALIB_SYNTHETIC);
    int passes = c->hist ? 2 : 1;
    for (int pass = 0; pass < passes; pass++) {
        c->hist_pass = pass;
        uint64_t seed = co && co->seed ? co->seed : 12345;
        for (int64_t k = 0; k < n; k++) {
            const float *xs = x;
            if (co && co->samples)
                xs = co->samples + k * in_sz;
            else
                for (int64_t i = 0; i < in_sz; i++)
                    x[i] = (float)normal(&seed);
            ff_fplan_run(p, xs, y, observe, c);
        }
    }
    free(x);
    free(y);
    ff_fplan_free(p);
}

/* Clip threshold minimizing the quantization MSE of tensor ti's histogram
 * (rounding noise step^2/12 inside the range, squared excess outside). */
static double mse_clip(const calib *c, int ti, double top)
{
    int levels = c->mse_levels;
    double best = top, best_err = INFINITY;
    for (int k = 32; k <= 1024; k++) {
        double t = top * k / 1024.0, step = t / levels, err = 0;
        for (int b = 0; b < 1024; b++) {
            if (!c->hist[ti][b])
                continue;
            double v = top * (b + 0.5) / 1024.0;
            double d = v > t ? (v - t) * (v - t) : step * step / 12.0;
            err += d * c->hist[ti][b];
        }
        if (err < best_err) {
            best_err = err;
            best = t;
        }
    }
    return best;
}

/* Clipped |range| of tensor ti at the percentile (from the histogram). */
static double tensor_absmax(const calib *c, int ti, double percentile)
{
    double top = fmax(fabs(c->tmin[ti]), fabs(c->tmax[ti]));
    if (!c->hist || c->count[ti] == 0 || !isfinite(top) || top <= 0)
        return top;
    if (c->mse_levels)
        return mse_clip(c, ti, top);
    if (percentile >= 100)
        return top;
    uint64_t want = (uint64_t)ceil(percentile / 100.0 * (double)c->count[ti]), acc = 0;
    for (int b = 0; b < 1024; b++) {
        acc += c->hist[ti][b];
        if (acc >= want)
            return top * (b + 1) / 1024.0;
    }
    return top;
}

/* ---- parameter derivation ---- */

static void set_qt(ff_qtensor *t, int bits, int is_signed, double scale)
{
    t->bits = bits;
    t->is_signed = is_signed;
    t->qmin = is_signed ? -(1 << (bits - 1)) : 0;
    t->qmax = is_signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
    t->scale = scale > 0 && isfinite(scale) ? scale : 1.0;
}

static void calibrated_qt(ff_qtensor *t, int bits, int is_signed, double absmax)
{
    double qmax = is_signed ? (double)((1 << (bits - 1)) - 1) : (double)((1 << bits) - 1);
    set_qt(t, bits, is_signed, absmax > 0 ? absmax / qmax : 1.0);
}

static int32_t round_q(double v, int32_t lo, int32_t hi)
{
    double r = floor(v + 0.5);
    return r < lo ? lo : (r > hi ? hi : (int32_t)r);
}

static int is_lut_act(ff_act a)
{
    return a == FF_ACT_SIGMOID || a == FF_ACT_TANH || a == FF_ACT_SELU || a == FF_ACT_ELU;
}

/* Output quantization of node ni (also sets pre_scale for LUT activations). */
static void output_qt(ff_qmodel *q, int ni, const calib *c, double pct)
{
    const ff_graph *g = q->g;
    const ff_node *n = &g->n[ni];
    ff_qnode *qn = &q->qn[ni];
    ff_qtensor *out = &q->qt[n->out];
    const ff_qtensor *in = &q->qt[n->in[0]];
    int b = qn->cfg.act_bits;
    switch (n->op) {
    case FF_OP_RESHAPE:
    case FF_OP_TRANSPOSE:
    case FF_OP_IDENTITY:
    case FF_OP_MAXPOOL:
    case FF_OP_GMAXPOOL:
    case FF_OP_AVGPOOL:
    case FF_OP_GAVGPOOL:
        *out = *in;
        return;
    case FF_OP_SOFTMAX:
        set_qt(out, b, 0, ldexp(1.0, -b));
        return;
    case FF_OP_CONCAT: {
        int sgn = 0;
        for (int k = 0; k < n->n_in; k++)
            sgn |= q->qt[n->in[k]].is_signed;
        calibrated_qt(out, b, sgn, tensor_absmax(c, n->out, pct));
        return;
    }
    default:
        break;
    }
    double absmax = tensor_absmax(c, n->out, pct);
    switch (n->act) {
    case FF_ACT_SIGMOID:
        set_qt(out, b, 0, ldexp(1.0, -b));
        break;
    case FF_ACT_TANH:
        set_qt(out, b, 1, ldexp(1.0, -(b - 1)));
        break;
    case FF_ACT_RELU:
        calibrated_qt(out, b, 0, absmax);
        break;
    case FF_ACT_CLIP:
        calibrated_qt(out, b, !(n->alpha >= 0.0f), absmax);
        break;
    default:
        calibrated_qt(out, b, 1, absmax);
        break;
    }
    if (is_lut_act(n->act)) {
        int L = qn->cfg.lut_bits;
        double pabs = c->pabs[ni];
        qn->pre_scale = pabs > 0 ? pabs / (double)((1 << (L - 1)) - 1) : 1.0;
    }
}

/* Scale the layer's requantization targets: the LUT index domain for LUT
 * activations, else the output tensor. */
static double target_scale(const ff_qmodel *q, int ni)
{
    const ff_node *n = &q->g->n[ni];
    return is_lut_act(n->act) ? q->qn[ni].pre_scale : q->qt[n->out].scale;
}

/* Bits a signed integer needs to hold v. */
static int bits_for(double v)
{
    int b = 1;
    while (b < 62 && ldexp(1.0, b - 1) <= fabs(v))
        b++;
    return b;
}

static void quantize_weights(ff_qmodel *q, int ni, int auto_acc)
{
    const ff_graph *g = q->g;
    const ff_node *n = &g->n[ni];
    ff_qnode *qn = &q->qn[ni];
    int64_t nout = n->n_out_f, total = ff_node_wcount(g, n), per = total / nout;
    int32_t wmax = (1 << (qn->cfg.weight_bits - 1)) - 1;
    double sx = q->qt[n->in[0]].scale, st = target_scale(q, ni);
    if (auto_acc && n->b) {
        /* an automatic accumulator also holds the largest bias (plus a bit of headroom) */
        for (int64_t o = 0; o < nout; o++) {
            double mx = 0;
            for (int64_t k = 0; k < per; k++)
                mx = fmax(mx, fabs(n->w[o * per + k]));
            double sw = mx > 0 ? mx / wmax : 1.0;
            int need = bits_for(n->b[o] / (sx * sw)) + 1;
            if (need > qn->cfg.acc_bits)
                qn->cfg.acc_bits = need > 48 ? 48 : need;
        }
    }
    int64_t accmax = ((int64_t)1 << (qn->cfg.acc_bits - 1)) - 1;
    qn->qw = ff_malloc((size_t)total * sizeof *qn->qw);
    qn->qb = ff_calloc((size_t)nout, sizeof *qn->qb);
    qn->wscale = ff_malloc((size_t)nout * sizeof *qn->wscale);
    qn->rq = ff_malloc((size_t)nout * sizeof *qn->rq);
    qn->n_rq = (int)nout;
    for (int64_t o = 0; o < nout; o++) {
        double mx = 0;
        for (int64_t k = 0; k < per; k++)
            mx = fmax(mx, fabs(n->w[o * per + k]));
        double sw = mx > 0 ? mx / wmax : 1.0;
        /* A bias too large for the accumulator at this scale (bias-dominated
         * channels) coarsens the weight scale instead of saturating the bias. */
        double bmin = n->b ? fabs(n->b[o]) / (sx * ldexp(1.0, qn->cfg.acc_bits - 3)) : 0.0;
        if (bmin > sw)
            sw = bmin;
        qn->wscale[o] = sw;
        for (int64_t k = 0; k < per; k++) {
            double v = n->w[o * per + k] / sw;
            /* round half away from zero, symmetric */
            double r = v >= 0 ? floor(v + 0.5) : -floor(-v + 0.5);
            qn->qw[o * per + k] = (int32_t)(r > wmax ? wmax : (r < -wmax ? -wmax : r));
        }
        double bv = n->b ? n->b[o] / (sx * sw) : 0.0;
        double br = bv >= 0 ? floor(bv + 0.5) : -floor(-bv + 0.5);
        qn->qb[o] = br > (double)accmax ? accmax : (br < -(double)accmax ? -accmax : (int64_t)br);
        qn->rq[o] = ff_rq_from_real(sx * sw / st);
    }
}

static void activation_params(ff_qmodel *q, int ni)
{
    const ff_node *n = &q->g->n[ni];
    ff_qnode *qn = &q->qn[ni];
    const ff_qtensor *out = &q->qt[n->out];
    if (n->act == FF_ACT_LEAKY)
        qn->leaky = ff_rq_from_real(n->alpha);
    if (n->act == FF_ACT_CLIP) {
        qn->clip_lo = isinf(n->alpha) ? out->qmin : round_q(n->alpha / out->scale, out->qmin, out->qmax);
        qn->clip_hi = isinf(n->beta) ? out->qmax : round_q(n->beta / out->scale, out->qmin, out->qmax);
    }
    if (is_lut_act(n->act)) {
        int L = qn->cfg.lut_bits, size = 1 << L, half = size / 2;
        qn->lut = ff_malloc((size_t)size * sizeof *qn->lut);
        for (int k = 0; k < size; k++) {
            double x = (double)(k - half) * qn->pre_scale;
            double f = ff_act_float(n->act, n->alpha, n->beta, (float)x);
            qn->lut[k] = round_q(f / out->scale, out->qmin, out->qmax);
        }
    }
}

static void softmax_params(ff_qmodel *q, int ni)
{
    const ff_node *n = &q->g->n[ni];
    ff_qnode *qn = &q->qn[ni];
    double sin = q->qt[n->in[0]].scale;
    int L = qn->cfg.lut_bits, size = 1 << L, k = 0;
    while ((double)size * ldexp(1.0, k) * sin < 16.0 && k < 30)
        k++;
    qn->exp_shift = k;
    qn->exp_lut = ff_malloc((size_t)(size + 1) * sizeof *qn->exp_lut);
    for (int j = 0; j <= size; j++)
        qn->exp_lut[j] = (uint16_t)floor(32768.0 * exp(-ldexp((double)j, k) * sin) + 0.5);
}

static void pool_params(ff_qmodel *q, int ni)
{
    const ff_node *n = &q->g->n[ni];
    ff_qnode *qn = &q->qn[ni];
    if (n->op == FF_OP_GAVGPOOL) {
        const ff_tensor *t = &q->g->t[n->in[0]];
        int64_t P = ff_tensor_size(t) / t->dims[t->rank - 1];
        qn->n_avg = 1;
        qn->avg_rq = ff_malloc(sizeof *qn->avg_rq);
        qn->avg_rq[0] = ff_rq_from_real(1.0 / (double)P);
        return;
    }
    int K = n->kernel[0] * n->kernel[1];
    qn->n_avg = K + 1;
    qn->avg_rq = ff_calloc((size_t)K + 1, sizeof *qn->avg_rq);
    for (int c = 1; c <= K; c++)
        qn->avg_rq[c] = ff_rq_from_real(1.0 / c);
}

/* Shared-shift multipliers for v = qa*Ma + qb*Mb (Add/Sub). */
static void add_params(ff_qmodel *q, int ni)
{
    const ff_node *n = &q->g->n[ni];
    ff_qnode *qn = &q->qn[ni];
    double st = target_scale(q, ni);
    double ra = q->qt[n->in[0]].scale / st, rb = q->qt[n->in[1]].scale / st;
    if (n->op == FF_OP_SUB)
        rb = -rb;
    double big = fmax(fabs(ra), fabs(rb));
    int s = 14 - (int)floor(log2(big));
    if (s < 0)
        s = 0;
    if (s > 40)
        s = 40;
    while (s > 0 && (floor(ldexp(fabs(ra), s) + 0.5) > 32767 || floor(ldexp(fabs(rb), s) + 0.5) > 32767))
        s--;
    double ma = floor(ldexp(fabs(ra), s) + 0.5), mb = floor(ldexp(fabs(rb), s) + 0.5);
    qn->in_rq[0].m = (int32_t)fmin(ma, 32767) * (ra < 0 ? -1 : 1);
    qn->in_rq[1].m = (int32_t)fmin(mb, 32767) * (rb < 0 ? -1 : 1);
    qn->in_rq[0].s = qn->in_rq[1].s = s;
    qn->rq = ff_malloc(sizeof *qn->rq);
    qn->rq[0] = (ff_rq){1, s};
    qn->n_rq = 1;
}

/* Accumulator width that cannot overflow: wbits + in_bits + ceil(log2(K+1))
 * for K products plus the bias; at least 32, at most 48. */
static int auto_acc_bits(const ff_qmodel *q, int ni)
{
    const ff_node *n = &q->g->n[ni];
    int64_t k = 1;
    if (n->op == FF_OP_DENSE || n->op == FF_OP_CONV)
        k = ff_node_wcount(q->g, n) / n->n_out_f;
    int lg = 0;
    while (((int64_t)1 << lg) < k + 1)
        lg++;
    int need = q->qn[ni].cfg.weight_bits + q->qt[n->in[0]].bits + lg;
    return need < 32 ? 32 : (need > 48 ? 48 : need);
}

int ff_quantize(ff_graph *g, const ff_qconfig *cfg, const ff_calib_opts *co, ff_qmodel **out, ff_err *e)
{
    *out = NULL;
    ff_qmodel *q = ff_calloc(1, sizeof *q);
    q->g = g;
    int rc = ff_qconfig_check(cfg, g, e);
    if (rc) {
        ff_qmodel_free(q);
        return rc;
    }
    calib c = {0};
    c.g = g;
    c.tmin = ff_malloc((size_t)g->nt * sizeof(double));
    c.tmax = ff_malloc((size_t)g->nt * sizeof(double));
    c.pabs = ff_calloc((size_t)(g->nn ? g->nn : 1), sizeof(double));
    for (int i = 0; i < g->nt; i++) {
        c.tmin[i] = INFINITY;
        c.tmax[i] = -INFINITY;
    }
    double pct = co && co->percentile > 0 ? co->percentile : 100.0;
    if (co && co->mse)
        c.mse_levels = 127; /* refined per tensor below is not needed: 8-bit-like levels */
    if (pct < 100 || c.mse_levels) {
        c.hist = ff_calloc((size_t)g->nt, sizeof *c.hist);
        c.count = ff_calloc((size_t)g->nt, sizeof *c.count);
    }
    const ff_calib_ranges *rg = co && !c.hist ? co->ranges : NULL;
    if (rg && rg->nt == g->nt && rg->nn == g->nn) {
        memcpy(c.tmin, rg->tmin, (size_t)g->nt * sizeof(double));
        memcpy(c.tmax, rg->tmax, (size_t)g->nt * sizeof(double));
        memcpy(c.pabs, rg->pabs, (size_t)g->nn * sizeof(double));
    } else {
        run_calibration(g, co, &c);
    }
    if (co && co->ranges_out && !c.hist) {
        ff_calib_ranges *o = co->ranges_out;
        ff_calib_ranges_free(o);
        ff_calib_ranges_alloc(o, g->nt, g->nn);
        memcpy(o->tmin, c.tmin, (size_t)g->nt * sizeof(double));
        memcpy(o->tmax, c.tmax, (size_t)g->nt * sizeof(double));
        memcpy(o->pabs, c.pabs, (size_t)g->nn * sizeof(double));
    }
    snprintf(q->calib_desc, sizeof q->calib_desc, "%s, %lld samples, %s",
             co && co->samples ? "file" : "synthetic N(0,1)",
             (long long)(co && co->n > 0 ? co->n : FF_CALIB_SYNTHETIC),
             c.mse_levels ? "MSE-optimal clipping" : pct < 100 ? "percentile" : "min/max");

    q->qt = ff_calloc((size_t)g->nt, sizeof *q->qt);
    q->qn = ff_calloc((size_t)(g->nn ? g->nn : 1), sizeof *q->qn);
    ff_layer_cfg model = ff_qconfig_resolve(cfg, NULL);
    calibrated_qt(&q->qt[g->input], model.act_bits, 1, tensor_absmax(&c, g->input, pct));

    for (int ni = 0; ni < g->nn; ni++) {
        ff_node *n = &g->n[ni];
        ff_qnode *qn = &q->qn[ni];
        qn->cfg = ff_qconfig_resolve(cfg, n);
        /* Decisions are read off the logits and probabilities, whose top
         * values often differ by less than an 8-bit step: a Softmax and the
         * layer feeding it default to at least 16 bits, like the wider first
         * and last layers of common quantization practice. An explicit
         * LayerType or LayerName act_bits wins. */
        int ci = -1;
        for (int k = ni + 1; k < g->nn && ci < 0; k++)
            if (g->n[k].in[0] == n->out && g->n[k].op == FF_OP_SOFTMAX)
                ci = k;
        if ((n->op == FF_OP_SOFTMAX || (ci >= 0 && ff_graph_uses(g, n->out) == 1)) && qn->cfg.act_bits < 16 &&
            !ff_qconfig_sets_act_bits(cfg, n))
            qn->cfg.act_bits = 16;
        int auto_acc = !qn->cfg.acc_bits;
        if (auto_acc)
            qn->cfg.acc_bits = auto_acc_bits(q, ni);
        output_qt(q, ni, &c, pct);
        switch (n->op) {
        case FF_OP_DENSE:
        case FF_OP_CONV:
        case FF_OP_SCALE:
            quantize_weights(q, ni, auto_acc);
            break;
        case FF_OP_ADD:
        case FF_OP_SUB:
            add_params(q, ni);
            break;
        case FF_OP_ACT:
            qn->rq = ff_malloc(sizeof *qn->rq);
            qn->rq[0] = ff_rq_from_real(q->qt[n->in[0]].scale / target_scale(q, ni));
            qn->n_rq = 1;
            break;
        case FF_OP_CONCAT:
            for (int k = 0; k < n->n_in; k++) {
                double r = q->qt[n->in[k]].scale / q->qt[n->out].scale;
                qn->in_rq[k] = fabs(r - 1.0) < 1e-12 ? (ff_rq){1, 0} : ff_rq_from_real(r);
            }
            break;
        case FF_OP_SOFTMAX:
            softmax_params(q, ni);
            break;
        case FF_OP_AVGPOOL:
        case FF_OP_GAVGPOOL:
            pool_params(q, ni);
            break;
        default:
            break;
        }
        activation_params(q, ni);
    }
    free(c.tmin);
    free(c.tmax);
    free(c.pabs);
    free(c.hist);
    free(c.count);
    *out = q;
    return FF_OK;
}

void ff_quantize_input(const ff_qmodel *q, const float *x, int32_t *qx)
{
    const ff_qtensor *t = &q->qt[q->g->input];
    int64_t n = ff_graph_in_size(q->g);
    for (int64_t i = 0; i < n; i++)
        qx[i] = round_q((double)x[i] / t->scale, t->qmin, t->qmax);
}

void ff_dequantize_output(const ff_qmodel *q, const int32_t *qy, float *y)
{
    const ff_qtensor *t = &q->qt[q->g->output];
    int64_t n = ff_graph_out_size(q->g);
    for (int64_t i = 0; i < n; i++)
        y[i] = (float)(qy[i] * t->scale);
}

int64_t ff_argmax_f(const float *v, int64_t n)
{
    int64_t best = 0;
    for (int64_t i = 1; i < n; i++)
        if (v[i] > v[best])
            best = i;
    return best;
}
