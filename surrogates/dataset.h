/* The surrogate dataset: random designs (surrogates/dsgen.c) generated as RTL,
 * synthesized with Yosys (xc7) and co-simulated with Verilator, one JSON line
 * per design. Resumable, parallel, per-design timeout, failures recorded. */
#ifndef FF_DATASET_H
#define FF_DATASET_H
#include "common.h"

typedef struct ff_dataset_opts {
    const char *out;      /* directory: designs.jsonl, command.txt, work/ */
    int64_t layers;       /* single-layer designs */
    int64_t networks;     /* 2-6 layer networks */
    int jobs;
    uint64_t seed;
    int timeout_s;        /* per design */
    int sim_every;        /* co-simulate every k-th design (1 = all) */
    int netlist_every;    /* co-simulate Yosys's netlist of every k-th design (0 = none) */
    long vectors;         /* co-simulation vectors */
    int64_t max_mults;
    int64_t max_cost;     /* ff_dsgen_cost cap per design; 0: none */
    int reuse;            /* > 0: every layer at this reuse factor where valid (ff_dsgen_opts) */
    int uniform;          /* networks at one reuse factor, hls4ml-like MLPs (ff_dsgen_opts) */
    int log_reuse;        /* reuse factors drawn uniformly in log2 (ff_dsgen_opts) */
    int retry_timeouts;   /* designs recorded as timed out are generated again, but not those
                           * that used up a CPU limit at least timeout_s */
    int quiet;
    int dry_run;          /* print the designs, build nothing */
    int keep;             /* keep each design's work directory (work/<id>) */
    int mem_limit_gb;     /* address-space cap per design (Yosys, Verilator); 0: none */
} ff_dataset_opts;

/* A CPU timeout's record says "timeout after SEC" FF_GEN_CPU_TIMEOUT "N s elapsed)" */
#define FF_GEN_CPU_TIMEOUT " s of CPU ("
int ff_dataset_generate(const ff_dataset_opts *o, ff_err *e);

/* Reads designs.jsonl-style records, calling fn for each valid one (as a
 * cJSON object); counts lines that are corrupt or truncated. */
typedef void (*ff_dataset_fn)(void *ctx, const void *record);
int ff_dataset_read(const char *path, ff_dataset_fn fn, void *ctx, int64_t *ok, int64_t *bad, ff_err *e);
#endif
