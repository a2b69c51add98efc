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

/* Adder-tree levels computed between two pipeline registers when no clock
 * is given (the fixed plan; --clock NS chooses the stages instead). */
#define FF_RTL_LEVELS_PER_STAGE 3

typedef enum {
    FF_RTL_DOT,     /* Dense, Conv, Scale: multiply-accumulate units */
    FF_RTL_ACT,     /* standalone activation */
    FF_RTL_SOFTMAX,
    FF_RTL_POOL,    /* Max/Avg pooling and the global ones */
    FF_RTL_WIRE,    /* Reshape, Transpose, Identity: wiring only */
} ff_rtl_kind;

/* Where the pipeline registers of a multiply-accumulate layer sit (and how
 * deep a Softmax is). ff_rtl_pipe_choose derives it from the clock period;
 * clock 0 gives the fixed plan (products registered, a register after every
 * 3 adder levels but the last group, requantization in one stage). */
typedef struct ff_rtl_pipe {
    int preg;          /* R = 1: the products are registered before the tree */
    uint64_t cuts;     /* bit lv-1: a register after adder-tree level lv (lv = levels: the root) */
    int rq_split;      /* requantization's extra stages: 0; 1: v*M | round, shift, activate, saturate;
                        * 2: v*M | round, shift | activate, saturate */
    int sm_deep;       /* Softmax in 7 stages (table reads, sum and product registered) instead of 4 */
    double est_ns;     /* the delay model's longest stage (0 for the fixed plan) */
} ff_rtl_pipe;

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
    ff_rtl_pipe pipe;
} ff_rtl_layer;

typedef struct ff_rtl_plan {
    const ff_qmodel *q;
    char top[96];
    ff_rtl_layer *l;
    int nl;
    int64_t mults, nonzero;
    int latency, ii;
    int in_lane, out_lane; /* AXI-Stream lane bits per element (8 or 16) */
    double clock_ns;       /* target period that chose the stages; 0: the fixed plan */
    double est_ns;         /* the delay model's longest stage over layers (clock_ns > 0) */
} ff_rtl_plan;

/* The hardware kind of an op (FF_RTL_WIRE for ops without logic). */
ff_rtl_kind ff_rtl_kind_of(ff_op op);
/* Adder-tree levels and registers, pipeline depth and II of one layer: the
 * formula the manifest states. mac_in is the products per output,
 * max_terms the largest number of nonzero products one output sums (it
 * sizes the tree at R = 1). The plan and the surrogate estimators use it. */
void ff_rtl_layer_timing(ff_rtl_kind kind, int reuse, int64_t mac_in, int64_t max_terms, int *levels, int *stages,
                         int *latency, int *ii);
/* The same for a target clock period (ns; <= 0: the fixed plan, exactly
 * ff_rtl_layer_timing) and the layer's activation (ff_act: the tail's
 * delay), filling the register placement in *pp when pp is not NULL. */
void ff_rtl_layer_timing_clk(ff_rtl_kind kind, int reuse, int64_t mac_in, int64_t max_terms, int act,
                             double clock_ns, int *levels, int *stages, int *latency, int *ii, ff_rtl_pipe *pp);
/* Register placement of one layer with `levels` adder-tree levels for a
 * clock period (ns) from the per-operation delay model (docs/rtl.md,
 * "Clock-driven pipelining"): greedy, a register only where the next
 * operation would overrun the period. clock_ns <= 0: the fixed plan. */
void ff_rtl_pipe_choose(ff_rtl_kind kind, int reuse, int levels, int act, double clock_ns, ff_rtl_pipe *pp);
/* Builds the plan, checking every layer (supported op, valid reuse);
 * clock_ns > 0 chooses the pipeline stages for that period. */
int ff_rtl_plan_build(const ff_qmodel *q, const char *model_path, ff_rtl_plan *p, ff_err *e);
int ff_rtl_plan_build_clk(const ff_qmodel *q, const char *model_path, double clock_ns, ff_rtl_plan *p, ff_err *e);
void ff_rtl_plan_free(ff_rtl_plan *p);
/* The largest rq_split of the plan's layers (1: the <top>_rqmul and
 * <top>_rqact modules are written too; 2: and <top>_rqrnd). */
int ff_rtl_plan_splits(const ff_rtl_plan *p);
/* Writes one DIR/rtl/NAME.v per module. */
int ff_rtl_write_verilog(const ff_rtl_plan *p, const ff_gen_opts *o, ff_err *e);
/* Writes the Verilator shim (DIR/verilator/). */
int ff_rtl_write_shim(const ff_rtl_plan *p, const ff_gen_opts *o, ff_err *e);

extern const ff_emitter ff_emitter_rtl;
#endif
