/* The pass pipeline, in order. Read top to bottom, this is the optimizer. */
#include "passes.h"

void ff_pass_replace_uses(ff_graph *g, int old_t, int new_t)
{
    for (int i = 0; i < g->nn; i++) {
        if (g->n[i].op == FF_OP__COUNT)
            continue;
        for (int k = 0; k < g->n[i].n_in; k++)
            if (g->n[i].in[k] == old_t)
                g->n[i].in[k] = new_t;
    }
    if (g->output == old_t)
        g->output = new_t;
}

void ff_pass_kill(ff_graph *g, int ni)
{
    g->n[ni].op = FF_OP__COUNT;
}

int ff_pass_sole_consumer(const ff_graph *g, int ti)
{
    if (ti == g->output)
        return -1;
    int found = -1;
    for (int i = 0; i < g->nn; i++) {
        if (g->n[i].op == FF_OP__COUNT)
            continue;
        for (int k = 0; k < g->n[i].n_in; k++)
            if (g->n[i].in[k] == ti) {
                if (found >= 0)
                    return -1;
                found = i;
            }
    }
    return found;
}

typedef int (*pass_fn)(ff_graph *g);

static const struct {
    const char *name;
    pass_fn run;
} pipeline[] = {
    {"remove-identity", ff_pass_remove_identity}, /* Identity, Dropout */
    {"transpose", ff_pass_transpose},             /* sink, cancel and drop no-op Transposes */
    {"fold-scale", ff_pass_fold_scale},           /* BatchNorm, bias Add, Mul into Dense/Conv */
    {"fuse-act", ff_pass_fuse_act},               /* activations into their layer */
    {"reshape", ff_pass_reshape},                 /* merge Reshape chains, drop no-ops */
};

int ff_passes_run(ff_graph *g, ff_err *e)
{
    for (int round = 0; round < 16; round++) {
        int changed = 0;
        for (size_t p = 0; p < sizeof pipeline / sizeof pipeline[0]; p++) {
            int r = pipeline[p].run(g);
            if (r < 0)
                return ff_errf(e, FF_EINTERNAL, "pass %s failed", pipeline[p].name);
            changed += r;
            int rc = ff_graph_compact(g, e);
            if (!rc)
                rc = ff_graph_infer_shapes(g, e);
            if (rc)
                return ff_err_prefix(e, "after pass %s", pipeline[p].name);
        }
        if (!changed)
            return FF_OK;
    }
    return FF_OK;
}
