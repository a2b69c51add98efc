/* The pass pipeline: graph rewrites applied after import, in the order listed
 * in passes.c. Each pass lives in its own hls/pass_*.c file, returns the number
 * of rewrites it made (>= 0) or a negative error, and logs what it removed
 * with ff_graph_note. */
#ifndef FF_PASSES_H
#define FF_PASSES_H
#include "ir.h"

/* Runs every pass to a fixed point, then compacts and re-infers shapes. */
int ff_passes_run(ff_graph *g, ff_err *e);

/* Individual passes (exposed for tests). */
int ff_pass_remove_identity(ff_graph *g);
int ff_pass_transpose(ff_graph *g);
int ff_pass_fold_scale(ff_graph *g);
int ff_pass_fuse_act(ff_graph *g);
int ff_pass_reshape(ff_graph *g);

/* Shared rewiring helpers for passes. */
void ff_pass_replace_uses(ff_graph *g, int old_t, int new_t);
void ff_pass_kill(ff_graph *g, int ni);
/* Index of the only live consumer node of tensor ti, or -1 (also -1 when ti
 * is the graph output or has several consumers). */
int ff_pass_sole_consumer(const ff_graph *g, int ti);
#endif
