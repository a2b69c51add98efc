/* Passes that merge a node into the layer before it:
 *  - fold-scale: a per-channel affine (BatchNorm, bias Add, Sub, Mul by a
 *    constant) after a Dense or Conv becomes part of its weights and bias;
 *  - fuse-act: an activation after Dense, Conv, Scale, Add or Sub becomes the
 *    layer's fused activation. */
#include "passes.h"

#include <stdlib.h>

/* Channel axis of a layer's output: always the last one (channels-last). */
static int out_channel_axis(const ff_graph *g, const ff_node *n)
{
    return g->t[n->out].rank - 1;
}

int ff_pass_fold_scale(ff_graph *g)
{
    int changed = 0;
    for (int i = 0; i < g->nn; i++) {
        ff_node *p = &g->n[i];
        if ((p->op != FF_OP_DENSE && p->op != FF_OP_CONV) || p->act != FF_ACT_NONE)
            continue;
        int ci = ff_pass_sole_consumer(g, p->out);
        if (ci < 0 || g->n[ci].op != FF_OP_SCALE)
            continue;
        ff_node *s = &g->n[ci];
        if (s->n_out_f != 1 && s->axis != out_channel_axis(g, p))
            continue;
        int64_t nout = p->n_out_f, per = ff_node_wcount(g, p) / nout;
        if (!p->b)
            p->b = ff_calloc((size_t)nout, sizeof *p->b);
        for (int64_t o = 0; o < nout; o++) {
            float sc = s->w[s->n_out_f == 1 ? 0 : o];
            float sh = s->b ? s->b[s->n_out_f == 1 ? 0 : o] : 0.0f;
            for (int64_t k = 0; k < per; k++)
                p->w[o * per + k] *= sc;
            p->b[o] = p->b[o] * sc + sh;
        }
        ff_graph_note(g, "folded %s '%s' into %s '%s'", s->onnx_op, s->name, p->onnx_op, p->name);
        ff_pass_replace_uses(g, s->out, p->out);
        ff_pass_kill(g, ci);
        changed++;
    }
    return changed;
}

int ff_pass_fuse_act(ff_graph *g)
{
    int changed = 0;
    for (int i = 0; i < g->nn; i++) {
        ff_node *p = &g->n[i];
        if (p->op != FF_OP_DENSE && p->op != FF_OP_CONV && p->op != FF_OP_SCALE &&
            p->op != FF_OP_ADD && p->op != FF_OP_SUB)
            continue;
        if (p->act != FF_ACT_NONE)
            continue;
        int ci = ff_pass_sole_consumer(g, p->out);
        if (ci < 0 || g->n[ci].op != FF_OP_ACT)
            continue;
        ff_node *a = &g->n[ci];
        p->act = a->act;
        p->alpha = a->alpha;
        p->beta = a->beta;
        ff_graph_note(g, "fused %s '%s' into %s '%s'", a->onnx_op, a->name, p->onnx_op, p->name);
        ff_pass_replace_uses(g, a->out, p->out);
        ff_pass_kill(g, ci);
        changed++;
    }
    return changed;
}
