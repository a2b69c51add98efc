/* RTL back-end internals shared by its files: the per-layer hardware plan
 * (what each layer costs and how long it takes) and a small string builder.
 * The plan is computed once from the quantized model; the Verilog writer and
 * the manifest both read it, so the latency the manifest states is the
 * pipeline the Verilog has. docs/rtl.md describes the hardware. */
#ifndef FF_EMIT_RTL_H
#define FF_EMIT_RTL_H
#include "emit.h"

#include <stdarg.h>

#include "strbuf.h"

/* Adder-tree levels computed between two pipeline registers. */
#define FF_RTL_LEVELS_PER_STAGE 3

typedef enum {
    FF_RTL_DOT,     /* Dense, Conv, Scale: multiply-accumulate units */
    FF_RTL_ACT,     /* standalone activation */
    FF_RTL_SOFTMAX,
    FF_RTL_POOL,    /* Max/Avg pooling and the global ones */
    FF_RTL_WIRE,    /* Reshape, Transpose, Identity: wiring only */
} ff_rtl_kind;

typedef struct ff_rtl_layer {
    int ni;            /* node index */
    ff_rtl_kind kind;
    char mod[224];     /* Verilog module name */
    int64_t n_in, n_out;  /* vector elements */
    int reuse;
    int64_t units;        /* outputs computed (DOT) */
    int64_t mac_in, mac_out; /* MAC shape (ff_layer_mac_shape) */
    int64_t mults;        /* multipliers instantiated (nonzero weights at R=1) */
    int tree_levels, tree_stages;
    int latency, ii;      /* cycles */
} ff_rtl_layer;

typedef struct ff_rtl_plan {
    const ff_qmodel *q;
    char top[96];
    ff_rtl_layer *l;
    int nl;
    int64_t mults, nonzero;
    int latency, ii;
    int in_lane, out_lane; /* AXI-Stream lane bits per element (8 or 16) */
} ff_rtl_plan;

/* The hardware kind of an op (FF_RTL_WIRE for ops without logic). */
ff_rtl_kind ff_rtl_kind_of(ff_op op);
/* Adder-tree levels and registers, pipeline depth and II of one layer: the
 * formula the manifest states. mac_in is the products per output,
 * max_terms the largest number of nonzero products one output sums (it
 * sizes the tree at R = 1). The plan and the surrogate estimators use it. */
void ff_rtl_layer_timing(ff_rtl_kind kind, int reuse, int64_t mac_in, int64_t max_terms, int *levels, int *stages,
                         int *latency, int *ii);
/* Builds the plan, checking every layer (supported op, valid reuse). */
int ff_rtl_plan_build(const ff_qmodel *q, const char *model_path, ff_rtl_plan *p, ff_err *e);
void ff_rtl_plan_free(ff_rtl_plan *p);
/* Writes one DIR/rtl/NAME.v per module. */
int ff_rtl_write_verilog(const ff_rtl_plan *p, const ff_gen_opts *o, ff_err *e);
/* Writes the Verilator shim (DIR/verilator/). */
int ff_rtl_write_shim(const ff_rtl_plan *p, const ff_gen_opts *o, ff_err *e);

extern const ff_emitter ff_emitter_rtl;
#endif
