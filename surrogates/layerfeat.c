/* Feature extraction for the surrogate models. */
#include "layerfeat.h"

#include "emit.h"

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

void ff_layer_features(const ff_qmodel *q, int ni, ff_layer_feat *f)
{
    const ff_graph *g = q->g;
    const ff_node *n = &g->n[ni];
    const ff_qnode *qn = &q->qn[ni];
    const ff_tensor *x = &g->t[n->in[0]], *y = &g->t[n->out];
    memset(f, 0, sizeof *f);
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
        /* as the RTL builds it: at R = 1 one constant multiplier per nonzero
         * weight, at R > 1 ceil(n_in*n_out/R) shared ones; per output position */
        int64_t per = f->reuse == 1 ? f->nonzero : (f->n_in * f->n_out + f->reuse - 1) / f->reuse;
        f->mults = per * (f->pixels ? f->pixels : 1);
        f->csd_per_nz = f->nonzero ? (double)f->csd_digits / (double)f->nonzero : 0.0;
    }
}
