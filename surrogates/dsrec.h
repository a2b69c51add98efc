/* One record of the surrogate dataset (a line of designs.jsonl, written by
 * surrogates/dataset.c) parsed into per-layer features and the design's
 * ground truth. The parser is the one place that reads outside text for
 * training and evaluation (fuzzed by tests/fuzz/fuzz_dsrec.c). */
#ifndef FF_DSREC_H
#define FF_DSREC_H
#include "layerfeat.h"

enum { FF_T_LUT, FF_T_FF, FF_T_DSP, FF_T_BRAM, FF_T_LATENCY, FF_T_II, FF_T__COUNT };
extern const char *const ff_target_names[FF_T__COUNT]; /* "lut", "ff", "dsp", "bram18", "latency", "ii" */
extern const char *const ff_target_labels[FF_T__COUNT]; /* as printed: "LUT", "FF", "DSP", "BRAM18", ... */
#define FF_T_RES 4 /* the first four targets are resources */

typedef struct ff_dsrec {
    char id[32];
    int network;          /* kind "network" */
    int ok;               /* synthesized: targets valid */
    int nl;
    ff_layer_feat *l;     /* nl layers */
    double t[FF_T__COUNT];
    double synth_seconds;
    int64_t seed, index, max_mults, max_cost; /* -1 when the record does not say */
    int gen_reuse;        /* surrogate gen --reuse of its run (0: drawn) */
    int gen_uniform;      /* surrogate gen --uniform of its run */
    int gen_log_reuse;    /* surrogate gen --log-reuse of its run */
    int rtl_rev;          /* tools.rtl: the RTL revision synthesized (1 when absent; FF_RTL_REV) */
    int synth_flow;       /* tools.synth_flow: fogforge synth's Yosys flow (1 when absent; FF_SYNTH_FLOW) */
    int timing_missing;   /* older records: max_terms/latency/ii or the live features not stored,
                             or stored at an older FF_FEAT_REV */
} ff_dsrec;

/* Parses one line. FF_EINPUT (and a message) when the line is not a
 * complete record: invalid JSON, missing id/kind/ok, a layer missing a
 * feature, an unknown op or activation, or ok without targets. */
int ff_dsrec_parse(const char *line, size_t len, ff_dsrec *r, ff_err *e);
void ff_dsrec_free(ff_dsrec *r);
/* Number of multiply-accumulate layers (Dense/Conv): the depth the
 * depth-extrapolation split uses. */
int ff_dsrec_depth(const ff_dsrec *r);

typedef struct ff_dataset {
    ff_dsrec *r;
    int64_t n;            /* usable records (ok, with targets) */
    int64_t failed;       /* records of designs that did not synthesize */
    int64_t bad;          /* corrupt or truncated lines, skipped */
    int64_t regenerated;  /* older records whose timing features were recomputed */
    int64_t other_flow;   /* records of another synthesis flow than FF_SYNTH_FLOW, left out */
    int64_t duplicates;   /* records of a design recorded before (same seed, index, kind and
                             features: two runs' draws that met), left out */
    int64_t first_bad_line;
    char first_bad[160];
} ff_dataset;

/* Loads a designs.jsonl. Records of a synthesis flow other than fogforge
 * synth's (tools.synth_flow != FF_SYNTH_FLOW: flow 1's netlists were
 * broken, docs/rtl.md "Synthesis flow") are left out and counted, as are
 * failures. Records from before the timing features existed
 * are completed by regenerating their design (surrogates/dsgen.c; seed,
 * index and --max-mults from the record or from command.txt beside the
 * file) and checking it matches. A design recorded twice (the same seed,
 * draw index, kind and features in every layer, as two runs of one seed
 * drawing reuse factors differently can record it) is kept once, its first
 * record, and the others counted in duplicates. */
int ff_dataset_load(const char *path, ff_dataset *d, ff_err *e);
void ff_dataset_free(ff_dataset *d);
#endif
