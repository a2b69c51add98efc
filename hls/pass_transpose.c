/* Pass: Transposes. Sinks each Transpose below element-wise layers
 * (activations, per-channel Scale with its axis remapped), cancels inverse
 * pairs (the NHWC<->NCHW pairs of Keras channels-last exports and of our own
 * Conv lowering) or merges them, and turns Transposes that move no data
 * (only size-1 axes change place) into free Reshapes. */
#include "passes.h"

#include <string.h>

static int is_identity_perm(const int *p, int rank)
{
    for (int i = 0; i < rank; i++)
        if (p[i] != i)
            return 0;
    return 1;
}

/* A transpose moves no data when the non-1 axes keep their order. */
static int moves_no_data(const ff_graph *g, const ff_node *n)
{
    const ff_tensor *x = &g->t[n->in[0]];
    int last = -1;
    for (int i = 0; i < x->rank; i++) {
        int src = n->perm[i];
        if (x->dims[src] == 1)
            continue;
        if (src < last)
            return 0;
        last = src;
    }
    return 1;
}

int ff_pass_transpose(ff_graph *g)
{
    int changed = 0;
    for (int i = 0; i < g->nn; i++) {
        ff_node *t = &g->n[i];
        if (t->op != FF_OP_TRANSPOSE)
            continue;
        int rank = g->t[t->in[0]].rank;
        if (is_identity_perm(t->perm, rank)) {
            ff_pass_replace_uses(g, t->out, t->in[0]);
            ff_pass_kill(g, i);
            changed++;
            continue;
        }
        int ci = ff_pass_sole_consumer(g, t->out);
        ff_node *c = ci >= 0 ? &g->n[ci] : NULL;
        if (c && c->op == FF_OP_TRANSPOSE) {
            int comp[FF_MAX_RANK];
            for (int k = 0; k < rank; k++)
                comp[k] = t->perm[c->perm[k]];
            c->in[0] = t->in[0];
            memcpy(c->perm, comp, sizeof comp);
            if (is_identity_perm(comp, rank)) {
                ff_graph_note(g, "cancelled Transpose pair '%s', '%s'", t->name, c->name);
                ff_pass_replace_uses(g, c->out, t->in[0]);
                ff_pass_kill(g, ci);
            }
            ff_pass_kill(g, i);
            changed++;
            continue;
        }
        if (c && (c->op == FF_OP_ACT || c->op == FF_OP_SCALE) && c->n_in == 1) {
            /* x -T-> t1 -E-> t2   becomes   x -E-> t1 -T-> t2 */
            int x = t->in[0], t1 = t->out, t2 = c->out;
            if (c->op == FF_OP_SCALE && c->n_out_f != 1)
                c->axis = t->perm[c->axis];
            c->in[0] = x;
            c->out = t1;
            t->in[0] = t1;
            t->out = t2;
            g->t[t1].rank = 0; /* re-inferred */
            changed++;
            continue;
        }
        if (moves_no_data(g, t)) {
            ff_graph_note(g, "Transpose '%s' moves no data: now a Reshape", t->name);
            t->op = FF_OP_RESHAPE;
            changed++;
        }
    }
    return changed;
}
