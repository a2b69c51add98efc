/* Float reference executor: runs the IR in float32, one sample at a time,
 * over buffers planned once per graph. The calibration hook observes every
 * tensor and every layer's pre-activation values (what quantization needs). */
#ifndef FF_EXEC_H
#define FF_EXEC_H
#include "ir.h"

typedef struct ff_fplan ff_fplan;

/* Observer called after each node with its output (and, for layers with a
 * fused activation, the values before it; NULL otherwise). */
typedef void (*ff_observe_fn)(void *ctx, int node, const float *pre, const float *out, int64_t n);

ff_fplan *ff_fplan_new(const ff_graph *g);
void ff_fplan_free(ff_fplan *p);
/* in: input tensor size floats; out: output tensor size floats. */
void ff_fplan_run(ff_fplan *p, const float *in, float *out, ff_observe_fn obs, void *ctx);

/* Sample sizes (elements per sample). */
int64_t ff_graph_in_size(const ff_graph *g);
int64_t ff_graph_out_size(const ff_graph *g);

/* Activation functions in float (shared by the LUT builder). */
float ff_act_float(ff_act a, float alpha, float beta, float x);

/* Data movement shared by the float and integer executors (esz: element
 * size in bytes). */
void ff_move_transpose(const ff_tensor *in, const ff_tensor *out, const int *perm, const void *x,
                       void *y, size_t esz);
void ff_move_concat(const ff_graph *g, const ff_node *n, const void *const *xs, void *y, size_t esz);

/* Strides of a tensor (row-major), for index arithmetic. */
void ff_strides(const ff_tensor *t, int64_t *strides);
#endif
