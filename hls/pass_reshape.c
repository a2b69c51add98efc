/* Pass: Reshapes (Flatten, Squeeze, no-op Transposes) move no data, so a
 * chain of them becomes one, and one that keeps its input's shape goes. */
#include "passes.h"

#include <string.h>

static int same_shape(const ff_tensor *a, const ff_tensor *b)
{
    return a->rank == b->rank && !memcmp(a->dims, b->dims, sizeof(int64_t) * (size_t)a->rank);
}

int ff_pass_reshape(ff_graph *g)
{
    int changed = 0;
    for (int i = 0; i < g->nn; i++) {
        ff_node *r = &g->n[i];
        if (r->op != FF_OP_RESHAPE)
            continue;
        int ci = ff_pass_sole_consumer(g, r->out);
        if (ci >= 0 && g->n[ci].op == FF_OP_RESHAPE) {
            g->n[ci].in[0] = r->in[0]; /* the consumer keeps its own output shape */
            ff_pass_kill(g, i);
            changed++;
            continue;
        }
        if (same_shape(&g->t[r->in[0]], &g->t[r->out]) && r->out != g->output) {
            ff_graph_note(g, "removed no-op %s '%s'", r->onnx_op, r->name);
            ff_pass_replace_uses(g, r->out, r->in[0]);
            ff_pass_kill(g, i);
            changed++;
        }
    }
    return changed;
}
