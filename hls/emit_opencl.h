/* OpenCL back-end: OpenCL C 1.2 source for a quantized model, with the same
 * integer arithmetic as the reference (hls/qexec.c) bit for bit. The source
 * holds two entry points over the same layer functions:
 *   ff_model   (fused)     one work-item per sample runs every layer;
 *   ff_layer_K (per layer) a 2-D range (sample, part) per layer, enqueued in
 *                          order (K = node index; aliased nodes have none).
 * Every kernel takes (__global const int *in, __global int *out,
 * __global int *arena, int n): n samples of raw integers, and a scratch
 * arena of n * ff_opencl_arena_size() ints. docs/opencl.md. */
#ifndef FF_EMIT_OPENCL_H
#define FF_EMIT_OPENCL_H
#include "emit.h"

extern const ff_emitter ff_emitter_opencl;

/* The whole OpenCL C source (caller frees). model_name goes in the header
 * comment. */
char *ff_opencl_source(const ff_qmodel *q, const char *model_name);
/* Scratch ints per sample. */
int64_t ff_opencl_arena_size(const ff_qmodel *q);
/* Work items per sample of node ni's kernel ff_layer_<ni>; 0 when the node
 * has no kernel (a reshape that aliases its input). */
int64_t ff_opencl_layer_parts(const ff_qmodel *q, int ni);
#endif
