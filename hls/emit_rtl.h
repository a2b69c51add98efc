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

/* Revision of the hardware the Verilog writer emits, stamped in the
 * surrogate dataset's records (tools.rtl) so each record's targets are
 * read against the RTL they measured. 1: products (the shared multipliers
 * at R > 1, the constant ones at R = 1) as unsigned multiplies of
 * replicated-sign operands (Yosys tiles them as a pw x pw unsigned
 * multiply: 2-4 DSP48s once pw > 17 bits); 2: the same products as signed
 * ones (one DSP48 up to 25 x 18 bits); 3: an accumulator wider than the
 * one product it adds a cycle adds it as a signed operand, not as a
 * concatenated sign extension (1 LUT a bit rather than 2 in Yosys); 4:
 * every other accumulator of one product a cycle writes its first-cycle
 * bias mux as two chunks, so that Yosys takes the product as the carry
 * chain's operand A (1 LUT a bit rather than 1 or 2 by a hash); 5: the
 * first-cycle select of a tag of FF_RTL_FIRST_REG_BITS bits or more is a
 * register, loaded with the compare a cycle early (1 LUT an accumulator bit
 * rather than 2). */
#define FF_RTL_REV 5

/* Tag width from which the accumulators' first-cycle select is registered
 * (revision 5): below it the compare, the accumulator bit and the product
 * bit fit one LUT6. */
#ifndef FF_RTL_FIRST_REG_BITS
#define FF_RTL_FIRST_REG_BITS 5
#endif

typedef enum {
    FF_RTL_DOT,     /* Dense, Conv, Scale: multiply-accumulate units */
    FF_RTL_ACT,     /* standalone activation */
    FF_RTL_SOFTMAX,
    FF_RTL_POOL,    /* Max/Avg pooling and the global ones */
    FF_RTL_WIRE,    /* Reshape, Transpose, Identity: wiring only */
    FF_RTL_ADD,     /* Add/Sub of two activation tensors (a join; branching graphs) */
    FF_RTL_CONCAT,  /* Concat of activation tensors (a join; branching graphs) */
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
    int rq_cmp;        /* saturation by comparing v*M with constants (<top>_rqmul and <top>_rqsat,
                        * no wide rounding add; no activation, ReLU, Clip; only with a clock) */
    int sm_deep;       /* Softmax in 8 stages (table reads, sum, product and shift registered) instead of 4 */
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
    /* io stream: the layer runs once per pixel (per-pixel layers) or per
     * window (Conv, pooling: zero padding, line buffers, then the PE) */
    int stream;
    struct {
        int has_pad, has_win;
        int64_t H, W, C;      /* input image */
        int64_t PH, PW;       /* padded image streamed into the line buffers */
        int64_t pt, pl;       /* top and left padding */
        int64_t OH, OW;       /* windows (outputs) */
        int kh, kw, sh, sw;
        int32_t pad_value;    /* 0, or the input's minimum for MaxPool */
    } w;
    /* branching graphs (plan.dag): where each input comes from and the FIFO
     * in front of it (emit_rtl_dag.c) */
    int nsrc;
    int src[FF_MAX_IN];   /* bus of input j: 0 the design's input, k+1 layer k's output */
    int fifo[FF_MAX_IN];  /* entries of the FIFO on input j (0: none) */
    unsigned char slice[FF_MAX_IN]; /* --slices: input j is a layer boundary (its FIFO is at least the
                                     * 2-entry register slice; latency 1) */
    int arrive;           /* cycle its output is valid for one sample into the empty design */
} ff_rtl_layer;

/* io stream: the hardware blocks of the design in stream order (a layer
 * becomes up to three: padding, line buffers, compute). The top level wires
 * them and ff_rtl_stream_timing models their handshakes. */
typedef enum {
    FF_RTL_ST_WIRE,    /* no logic */
    FF_RTL_ST_PAD,     /* zero padding around the image, combinational */
    FF_RTL_ST_WIN,     /* line buffers + window, 1 register stage */
    FF_RTL_ST_PIPE,    /* stall-all pipeline of `depth` stages, II 1 */
    FF_RTL_ST_DOTR,    /* shared-multiplier dot, reuse > 1 */
    FF_RTL_ST_COLLECT, /* gathers the pixels of a sample into one vector */
} ff_rtl_st_kind;

typedef struct ff_rtl_stage {
    ff_rtl_st_kind kind;
    int layer;         /* index into plan.l (-1: the collector) */
    int depth;         /* PIPE */
    int reuse, tree;   /* DOTR: reuse factor, adder-tree registers */
    int64_t pixels;    /* COLLECT: pixels per sample */
} ff_rtl_stage;

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
    /* io stream (0: io parallel, one beat per sample) */
    int io_stream;
    int nseg;                 /* layers 0..nseg-1 stream per pixel; the collector sits before layer nseg */
    int64_t in_beat, out_beat;   /* elements per AXI-Stream beat */
    int64_t in_beats, out_beats; /* beats per sample */
    ff_rtl_stage *st;
    int nst;
    /* a branching graph (a tensor feeds several layers, or a layer has
     * several inputs): the top forks and joins, FIFOs on short branches */
    int dag;
    int slices;            /* --slices: a register slice (2-entry FIFO, registered ready) on every input
                            * one layer's output feeds; built as a graph (dag) so the handshake model
                            * times it */
    int ii_burst;          /* > 0: II is the steady state, measured over a full-rate burst of this many
                            * samples (slices buffer samples, so the 12-sample burst `fogforge sim`
                            * otherwise uses ends before the buffers fill); the manifest states it */
    int out_bus;           /* bus of the design's output (chain: nl) */
    int critical;          /* the longest path's latency (ff_rtl_dag_critical) */
} ff_rtl_plan;

/* The first node that does not take the previous node's output as its
 * only input (the graph branches there), or -1 for a single chain. */
int ff_rtl_graph_branch(const ff_graph *g);
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
/* Builds the plan, checking every layer (supported op, valid reuse). */
int ff_rtl_plan_build(const ff_qmodel *q, const char *model_path, ff_rtl_plan *p, ff_err *e);
/* The same with the I/O mode: io_stream 1 streams pixels (docs/rtl.md,
 * "io stream"); a layer that cannot stream is an FF_EINPUT error naming it. */
int ff_rtl_plan_build_io(const ff_qmodel *q, const char *model_path, int io_stream, ff_rtl_plan *p, ff_err *e);
/* ... and the clock period the io parallel stages are chosen for (0: the
 * fixed plan; io stream designs always keep it). */
int ff_rtl_plan_build_opts(const ff_qmodel *q, const char *model_path, int io_stream, double clock_ns,
                           ff_rtl_plan *p, ff_err *e);
/* ... and register slices at the layer boundaries (io parallel only; with
 * io_stream it is an FF_EINPUT error, FF_RTL_SLICES_NOT_STREAM). */
#define FF_RTL_SLICES_NOT_STREAM                                                                            \
    "--slices applies to io parallel designs (io stream layers already meet through their line buffers " \
    "and the collector); drop one of --slices and --io stream"
int ff_rtl_plan_build_slices(const ff_qmodel *q, const char *model_path, int io_stream, double clock_ns,
                             int slices, ff_rtl_plan *p, ff_err *e);
/* Samples of the full-rate burst over which the handshake models measure the
 * steady-state II of a design whose one-sample latency is `latency`
 * cycles (64 + 4 latency, at most 2048; the interval over its second half,
 * rounded up). */
int ff_rtl_steady_burst(int latency);
/* Data bits of the register slice on input j of layer k (0: none). */
int64_t ff_rtl_slice_bits(const ff_rtl_plan *p, int k, int j);
/* Register slices of a plan and their data bits (the FIFOs of 2 entries a
 * slice adds: surrogates count them). */
int ff_rtl_slice_count(const ff_rtl_plan *p, int64_t *bits);

/* io stream planning (emit_rtl_stream.c): how many leading layers stream
 * (-1 and e filled when a layer cannot), each streaming layer's geometry and
 * PE, the block list, and the timing. */
int ff_rtl_stream_segment(const ff_qmodel *q, ff_err *e);
void ff_rtl_stream_layer(const ff_qmodel *q, ff_rtl_layer *L);
void ff_rtl_stream_finish(ff_rtl_plan *p);
/* The streaming twin of ff_rtl_layer_timing: latency (first input beat to
 * the last output beat of one sample through the empty design, output
 * always ready) and II (cycles between the first beats of samples in a
 * full-rate burst, as `fogforge sim` measures them) of a planned io stream
 * design, from a cycle-level model of its blocks' handshakes (no data). */
void ff_rtl_stream_timing(const ff_rtl_plan *p, int *latency, int *ii);
/* The same; periodic 0 runs the whole burst cycle by cycle instead of
 * stopping when the model's registers repeat from one sample to the next
 * (the same figures, slower: for tests). Returns how many of the burst's
 * 12 samples the model stepped before it extrapolated the rest (12: none). */
int ff_rtl_stream_timing_opts(const ff_rtl_plan *p, int periodic, int *latency, int *ii);

/* The control of a reuse > 1 dot (shared multipliers) as its Verilog has
 * it, for the handshake models of io stream and of branching graphs: busy
 * and the product-cycle count, the cycle tags through the product and T
 * tree stages, adone (the last product cycle's sum is in the accumulators). */
typedef struct ff_rtl_dotr_sim {
    int T, reuse;
    int busy, cnt, adone;
    int *tv, *tc; /* tags of the product (0) and tree stages (1..T) */
} ff_rtl_dotr_sim;
void ff_rtl_dotr_sim_init(ff_rtl_dotr_sim *s, int tree_stages, int reuse);
void ff_rtl_dotr_sim_reset(ff_rtl_dotr_sim *s);
void ff_rtl_dotr_sim_free(ff_rtl_dotr_sim *s);
/* in_ready, given that the block advances */
int ff_rtl_dotr_sim_ready(const ff_rtl_dotr_sim *s);
/* one advancing clock edge; returns adone before it (the block's new
 * output valid) */
int ff_rtl_dotr_sim_step(ff_rtl_dotr_sim *s, int in_fire);
void ff_rtl_plan_free(ff_rtl_plan *p);

/* Branching graphs (emit_rtl_dag.c). ff_rtl_dag_build wires a planned
 * io parallel design whose graph is not a single chain: each layer's input
 * buses, the output bus, a FIFO on every input whose branch arrives earlier
 * than the layer's latest input (sized from the handshake model so that the
 * full-rate II is the layers' max), then the exact latency and II. An
 * unusable shape (an unused layer output, the output feeding a layer) is
 * an FF_EINPUT error naming the layer. */
int ff_rtl_dag_build(ff_rtl_plan *p, ff_err *e);
/* The longest path: each layer's output arrives at max over its inputs'
 * arrivals + its latency (the design input at 0); fills L->arrive and
 * returns the output's arrival. */
int ff_rtl_dag_critical(ff_rtl_plan *p);
/* The handshake model of the io parallel DAG design (every layer's, fork's,
 * FIFO's and join's valid/ready logic as in its Verilog, no data): latency
 * of one sample into the empty design and the II of a 12-sample full-rate
 * burst, as `fogforge sim` measures them. ii_steady (NULL or) receives the
 * II over the second half of a long burst (rounded up), occ (NULL or per
 * layer x FF_MAX_IN) the largest FIFO occupancy in it; unbounded ignores
 * the planned depths (a FIFO on every input with fifo[j] != 0 that never
 * fills). */
void ff_rtl_dag_timing(const ff_rtl_plan *p, int unbounded, int *latency, int *ii, int *ii_steady, int *occ);
/* The distinct FIFO depths of the plan (one <top>_fifo<D> module each),
 * allocated (caller frees); *n of them. */
int *ff_rtl_fifo_depths(const ff_rtl_plan *p, int *n);
/* The largest rq_split of the plan's layers (2: <top>_rqrnd is written). */
int ff_rtl_plan_splits(const ff_rtl_plan *p);
/* Whether the plan's layers use <top>_rqmul, <top>_rqact and <top>_rqsat. */
void ff_rtl_plan_halves(const ff_rtl_plan *p, int *rqmul, int *rqact, int *rqsat);
/* Writes one DIR/rtl/NAME.v per module. */
int ff_rtl_write_verilog(const ff_rtl_plan *p, const ff_gen_opts *o, ff_err *e);
/* Writes the Verilator shim (DIR/verilator/). */
int ff_rtl_write_shim(const ff_rtl_plan *p, const ff_gen_opts *o, ff_err *e);

extern const ff_emitter ff_emitter_rtl;
#endif
