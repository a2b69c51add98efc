/* The integer reference: executes a quantized model with integer arithmetic
 * only (no floats, no division). This is the contract the RTL, HLS and OpenCL
 * back-ends are tested against, bit for bit. */
#include "quant.h"

#include "exec.h"

#include <stdlib.h>
#include <string.h>

struct ff_qplan {
    const ff_qmodel *q;
    int32_t **buf;
    int64_t *exps; /* softmax scratch */
};

ff_qplan *ff_qplan_new(const ff_qmodel *q)
{
    const ff_graph *g = q->g;
    ff_qplan *p = ff_calloc(1, sizeof *p);
    p->q = q;
    p->buf = ff_calloc((size_t)g->nt, sizeof *p->buf);
    int64_t maxsz = 1;
    for (int i = 0; i < g->nt; i++) {
        if (g->t[i].data)
            continue;
        int64_t sz = ff_tensor_size(&g->t[i]);
        p->buf[i] = ff_calloc((size_t)sz, sizeof(int32_t));
        maxsz = sz > maxsz ? sz : maxsz;
    }
    p->exps = ff_calloc((size_t)maxsz, sizeof *p->exps);
    return p;
}

void ff_qplan_free(ff_qplan *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->q->g->nt; i++)
        free(p->buf[i]);
    free(p->buf);
    free(p->exps);
    free(p);
}

const int32_t *ff_qplan_tensor(const ff_qplan *p, int ti)
{
    return p->buf[ti];
}

/* Requantize, activate, saturate: the tail of every computing layer. */
static int32_t finish(int64_t v, ff_rq rq, const ff_node *n, const ff_qnode *qn, const ff_qtensor *out)
{
    int64_t t = ff_q_requant(v, rq.m, rq.s);
    switch (n->act) {
    case FF_ACT_NONE:
        return ff_q_sat(t, out->qmin, out->qmax);
    case FF_ACT_RELU:
        return ff_q_sat(t < 0 ? 0 : t, out->qmin, out->qmax);
    case FF_ACT_LEAKY:
        if (t < 0) {
            t = t < INT32_MIN ? INT32_MIN : t;
            t = ff_q_requant(t, qn->leaky.m, qn->leaky.s);
        }
        return ff_q_sat(t, out->qmin, out->qmax);
    case FF_ACT_CLIP:
        return ff_q_sat(t, qn->clip_lo, qn->clip_hi);
    case FF_ACT_SIGMOID:
    case FF_ACT_TANH:
    case FF_ACT_SELU:
    case FF_ACT_ELU: {
        int32_t half = 1 << (qn->cfg.lut_bits - 1);
        return qn->lut[ff_q_sat(t, -half, half - 1) + half];
    }
    case FF_ACT__COUNT:
        break;
    }
    return 0;
}

static void dense(const ff_qmodel *q, int ni, const int32_t *x, int32_t *y)
{
    const ff_node *n = &q->g->n[ni];
    const ff_qnode *qn = &q->qn[ni];
    const ff_qtensor *out = &q->qt[n->out];
    const int64_t nin = n->n_in_f, nout = n->n_out_f;
    for (int64_t o = 0; o < nout; o++) {
        const int32_t *w = qn->qw + o * nin;
        int64_t p[4] = {qn->qb[o], 0, 0, 0}, i = 0;
        for (; i + 4 <= nin; i += 4)
            for (int l = 0; l < 4; l++)
                p[l] += (int64_t)w[i + l] * x[i + l];
        int64_t acc = (p[0] + p[1]) + (p[2] + p[3]);
        for (; i < nin; i++)
            acc += (int64_t)w[i] * x[i];
        y[o] = finish(ff_q_wrap(acc, qn->cfg.acc_bits), qn->rq[o], n, qn, out);
    }
}

static void conv(const ff_qmodel *q, int ni, const int32_t *x, int32_t *y)
{
    const ff_graph *g = q->g;
    const ff_node *n = &g->n[ni];
    const ff_qnode *qn = &q->qn[ni];
    const ff_qtensor *out = &q->qt[n->out];
    ff_geom r = ff_node_geom(g, n);
    const int64_t cin_g = r.C / n->group, cout_g = r.OC / n->group;
    const int kh = n->kernel[0], kw = n->kernel[1];
    for (int64_t oh = 0; oh < r.OH; oh++)
        for (int64_t ow = 0; ow < r.OW; ow++)
            for (int64_t oc = 0; oc < r.OC; oc++) {
                const int64_t gi = oc / cout_g;
                const int32_t *w = qn->qw + oc * kh * kw * cin_g;
                int64_t acc = qn->qb[oc];
                for (int i = 0; i < kh; i++) {
                    int64_t ih = oh * n->stride[0] - n->pad[0] + (int64_t)i * n->dil[0];
                    if (ih < 0 || ih >= r.H)
                        continue;
                    for (int j = 0; j < kw; j++) {
                        int64_t iw = ow * n->stride[1] - n->pad[1] + (int64_t)j * n->dil[1];
                        if (iw < 0 || iw >= r.W)
                            continue;
                        const int32_t *xp = x + (ih * r.W + iw) * r.C + gi * cin_g;
                        const int32_t *wp = w + ((int64_t)i * kw + j) * cin_g;
                        for (int64_t c = 0; c < cin_g; c++)
                            acc += (int64_t)wp[c] * xp[c];
                    }
                }
                y[(oh * r.OW + ow) * r.OC + oc] =
                    finish(ff_q_wrap(acc, qn->cfg.acc_bits), qn->rq[oc], n, qn, out);
            }
}

static void pool(const ff_qmodel *q, int ni, const int32_t *x, int32_t *y)
{
    const ff_graph *g = q->g;
    const ff_node *n = &g->n[ni];
    const ff_qnode *qn = &q->qn[ni];
    const ff_qtensor *out = &q->qt[n->out];
    ff_geom r = ff_node_geom(g, n);
    const int is_max = n->op == FF_OP_MAXPOOL;
    for (int64_t oh = 0; oh < r.OH; oh++)
        for (int64_t ow = 0; ow < r.OW; ow++)
            for (int64_t c = 0; c < r.C; c++) {
                int64_t acc = is_max ? INT64_MIN : 0;
                int count = 0;
                for (int i = 0; i < n->kernel[0]; i++) {
                    int64_t ih = oh * n->stride[0] - n->pad[0] + i;
                    if (ih < 0 || ih >= r.H)
                        continue;
                    for (int j = 0; j < n->kernel[1]; j++) {
                        int64_t iw = ow * n->stride[1] - n->pad[1] + j;
                        if (iw < 0 || iw >= r.W)
                            continue;
                        int32_t v = x[(ih * r.W + iw) * r.C + c];
                        acc = is_max ? (v > acc ? v : acc) : acc + v;
                        count++;
                    }
                }
                int32_t res;
                if (is_max) {
                    res = (int32_t)acc;
                } else {
                    int cnt = n->count_include_pad ? n->kernel[0] * n->kernel[1] : count;
                    ff_rq rq = qn->avg_rq[cnt];
                    res = ff_q_sat(ff_q_requant(acc, rq.m, rq.s), out->qmin, out->qmax);
                }
                y[(oh * r.OW + ow) * r.C + c] = res;
            }
}

static void gpool(const ff_qmodel *q, int ni, const int32_t *x, int32_t *y)
{
    const ff_graph *g = q->g;
    const ff_node *n = &g->n[ni];
    const ff_qtensor *out = &q->qt[n->out];
    const ff_tensor *t = &g->t[n->in[0]];
    int64_t C = t->dims[t->rank - 1], P = ff_tensor_size(t) / C;
    for (int64_t c = 0; c < C; c++) {
        int64_t acc = n->op == FF_OP_GMAXPOOL ? INT64_MIN : 0;
        for (int64_t p = 0; p < P; p++) {
            int32_t v = x[p * C + c];
            acc = n->op == FF_OP_GMAXPOOL ? (v > acc ? v : acc) : acc + v;
        }
        if (n->op == FF_OP_GAVGPOOL) {
            ff_rq rq = q->qn[ni].avg_rq[0];
            acc = ff_q_sat(ff_q_requant(acc, rq.m, rq.s), out->qmin, out->qmax);
        }
        y[c] = (int32_t)acc;
    }
}

static void scale(const ff_qmodel *q, int ni, const int32_t *x, int32_t *y)
{
    const ff_graph *g = q->g;
    const ff_node *n = &g->n[ni];
    const ff_qnode *qn = &q->qn[ni];
    const ff_tensor *t = &g->t[n->in[0]];
    int64_t st[FF_MAX_RANK];
    ff_strides(t, st);
    int64_t sz = ff_tensor_size(t);
    for (int64_t i = 0; i < sz; i++) {
        int64_t c = n->n_out_f == 1 ? 0 : (i / st[n->axis]) % t->dims[n->axis];
        int64_t acc = ff_q_wrap((int64_t)x[i] * qn->qw[c] + qn->qb[c], qn->cfg.acc_bits);
        y[i] = finish(acc, qn->rq[c], n, qn, &q->qt[n->out]);
    }
}

/* Integer softmax along the last axis (see docs/integer-arithmetic.md). */
static void softmax(ff_qplan *p, int ni, const int32_t *x, int32_t *y)
{
    const ff_qmodel *q = p->q;
    const ff_node *n = &q->g->n[ni];
    const ff_qnode *qn = &q->qn[ni];
    const ff_qtensor *out = &q->qt[n->out];
    const ff_tensor *t = &q->g->t[n->out];
    int64_t L = t->dims[t->rank - 1], rows = ff_tensor_size(t) / L;
    int64_t size = (int64_t)1 << qn->cfg.lut_bits;
    for (int64_t r = 0; r < rows; r++) {
        const int32_t *xr = x + r * L;
        int32_t *yr = y + r * L;
        int32_t mx = xr[0];
        for (int64_t i = 1; i < L; i++)
            mx = xr[i] > mx ? xr[i] : mx;
        int64_t sum = 0;
        for (int64_t i = 0; i < L; i++) {
            int64_t d = (int64_t)mx - xr[i], j = d >> qn->exp_shift;
            int64_t f = d - (j << qn->exp_shift);
            if (j >= size) {
                p->exps[i] = 0;
            } else {
                /* linear interpolation between table entries j and j+1 */
                int64_t e0 = qn->exp_lut[j], e1 = qn->exp_lut[j + 1];
                p->exps[i] = e0 - ff_q_shift_round((e0 - e1) * f, qn->exp_shift);
            }
            sum += p->exps[i];
        }
        int pos = 63 - __builtin_clzll((unsigned long long)sum); /* sum >= 2^15 */
        int64_t m = sum >> (pos - FF_SOFTMAX_INV_BITS);
        int64_t inv = ff_softmax_inv((int)(m - (1 << FF_SOFTMAX_INV_BITS)));
        int sh = pos + 11 - out->bits;
        for (int64_t i = 0; i < L; i++)
            yr[i] = ff_q_sat(ff_q_shift_round(p->exps[i] * inv, sh), out->qmin, out->qmax);
    }
}

void ff_qplan_run(ff_qplan *p, const int32_t *in, int32_t *out)
{
    const ff_qmodel *q = p->q;
    const ff_graph *g = q->g;
    memcpy(p->buf[g->input], in, (size_t)ff_graph_in_size(g) * sizeof(int32_t));
    for (int ni = 0; ni < g->nn; ni++) {
        const ff_node *n = &g->n[ni];
        const ff_qnode *qn = &q->qn[ni];
        const ff_qtensor *qo = &q->qt[n->out];
        const int32_t *x = p->buf[n->in[0]];
        int32_t *y = p->buf[n->out];
        int64_t sz = ff_tensor_size(&g->t[n->out]);
        switch (n->op) {
        case FF_OP_DENSE: dense(q, ni, x, y); break;
        case FF_OP_CONV: conv(q, ni, x, y); break;
        case FF_OP_MAXPOOL:
        case FF_OP_AVGPOOL: pool(q, ni, x, y); break;
        case FF_OP_GMAXPOOL:
        case FF_OP_GAVGPOOL: gpool(q, ni, x, y); break;
        case FF_OP_SCALE: scale(q, ni, x, y); break;
        case FF_OP_ADD:
        case FF_OP_SUB: {
            const int32_t *x2 = p->buf[n->in[1]];
            for (int64_t i = 0; i < sz; i++) {
                int64_t v = (int64_t)x[i] * qn->in_rq[0].m + (int64_t)x2[i] * qn->in_rq[1].m;
                y[i] = finish(v, qn->rq[0], n, qn, qo);
            }
            break;
        }
        case FF_OP_CONCAT: {
            const ff_tensor *o = &g->t[n->out];
            int64_t outer = 1, inner = 1;
            for (int d = 0; d < n->axis; d++)
                outer *= o->dims[d];
            for (int d = n->axis + 1; d < o->rank; d++)
                inner *= o->dims[d];
            int64_t off = 0, orow = o->dims[n->axis] * inner;
            for (int k = 0; k < n->n_in; k++) {
                int64_t len = g->t[n->in[k]].dims[n->axis] * inner;
                const int32_t *xk = p->buf[n->in[k]];
                ff_rq rq = qn->in_rq[k];
                for (int64_t a = 0; a < outer; a++)
                    for (int64_t i = 0; i < len; i++)
                        y[a * orow + off + i] =
                            ff_q_sat(ff_q_requant(xk[a * len + i], rq.m, rq.s), qo->qmin, qo->qmax);
                off += len;
            }
            break;
        }
        case FF_OP_ACT:
            for (int64_t i = 0; i < sz; i++)
                y[i] = finish(x[i], qn->rq[0], n, qn, qo);
            break;
        case FF_OP_SOFTMAX: softmax(p, ni, x, y); break;
        case FF_OP_RESHAPE:
        case FF_OP_IDENTITY: memcpy(y, x, (size_t)sz * sizeof(int32_t)); break;
        case FF_OP_TRANSPOSE:
            ff_move_transpose(&g->t[n->in[0]], &g->t[n->out], n->perm, x, y, sizeof(int32_t));
            break;
        case FF_OP__COUNT: break;
        }
    }
    memcpy(out, p->buf[g->output], (size_t)ff_graph_out_size(g) * sizeof(int32_t));
}
