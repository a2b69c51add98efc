/* Design-space exploration with a surrogate: per-layer reuse factors and
 * bit widths (kept where the integer reference's argmax agrees with the
 * float model's on calibration inputs at least min_agreement of the time),
 * the Pareto front of latency against resources under a budget, and the
 * config `fogforge gen --config` reads for the chosen design. */
#ifndef FF_EXPLORE_H
#define FF_EXPLORE_H
#include "emit.h"
#include "surrogate.h"

typedef struct ff_explore_opts {
    const char *model;
    const ff_part *part;
    double budget[FF_T_RES];   /* LUT, FF, DSP, BRAM18 (the part's capacity when not given) */
    double max_latency;        /* cycles; 0 = none */
    const char *calib;         /* calibration samples; NULL = 256 synthetic N(0,1) */
    double min_agreement;      /* fraction, e.g. 0.99 */
    const ff_surrogate *s;
    /* headroom: each resource estimate is multiplied by margin[k] (0: 1)
     * before the budget check; with margin_auto, by the high end of the
     * surrogate's error band for the model's class (bands.h; at least 1) */
    double margin[FF_T_RES];
    const ff_bands *margin_auto;
    int slices;                /* the design gen --slices builds: each bits configuration's register
                                * slices (LUT RAM, pointers, their cycles) in every candidate */
    double clock_ns;           /* > 0: the design gen --clock builds, each layer pipelined for it */
    int io_stream;             /* the design gen --io stream builds (stream PEs, line buffers, the
                                * collector); latency and II from its handshake model */
    int quiet;
} ff_explore_opts;

typedef struct ff_design_pt {
    double v[FF_T__COUNT];     /* totals (an older model's glue included) */
    double cost;               /* max utilization of the budget */
    double agreement;
    int bits;                  /* index into ff_explore.cfgs */
    int *reuse;                /* per node */
} ff_design_pt;

typedef struct ff_explore {
    ff_design_pt *front;       /* fitting designs: latency ascending, cost descending */
    int nfront;
    ff_design_pt closest;      /* when nothing fits: the design that misses least */
    int found;
    int chosen;                /* index into front: the lowest latency */
    char **cfgs;               /* the bits configurations accepted (config JSON, reuse 1) */
    int *cfg_w, *cfg_a, **cfg_wl; /* their model-level and per-node weight bits */
    double *cfg_agree;
    int ncfg, tried;
    int nn;                    /* nodes */
    char **names;              /* node names */
    int *dot;                  /* node has multipliers (takes a reuse factor) */
    int slices;                /* explored with register slices: the configs say Model.slices */
    int io_stream;             /* explored as io stream: the configs say Model.io */
    double margin[FF_T_RES];   /* the multipliers applied (1: none) */
    int margin_class;          /* with margin_auto: the band class used */
    int64_t evaluated;         /* layer estimates made */
    double seconds;
} ff_explore;

int ff_explore_run(const ff_explore_opts *o, ff_explore *out, ff_err *e);
/* The config JSON of a design (caller frees); with Model.slices true when
 * explored with slices, so gen, estimate and bundle create build that design. */
char *ff_explore_config(const ff_explore *x, const ff_design_pt *d);
void ff_explore_free(ff_explore *x);
#endif
