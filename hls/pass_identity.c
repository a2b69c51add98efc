/* Pass: remove Identity and Dropout (inference-time no-ops). */
#include "passes.h"

int ff_pass_remove_identity(ff_graph *g)
{
    int changed = 0;
    for (int i = 0; i < g->nn; i++) {
        ff_node *n = &g->n[i];
        if (n->op != FF_OP_IDENTITY)
            continue;
        ff_graph_note(g, "removed %s '%s'", n->onnx_op, n->name);
        ff_pass_replace_uses(g, n->out, n->in[0]);
        ff_pass_kill(g, i);
        changed++;
    }
    return changed;
}
