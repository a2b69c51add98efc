/* Verilator co-simulation and Yosys synthesis of an rtl project directory
 * written by `fogforge gen --backend rtl`. */
#ifndef FF_SIM_H
#define FF_SIM_H
#include "common.h"

#include <stdint.h>

typedef struct ff_sim_opts {
    const char *dir;
    long vectors;         /* random vectors (ignored with input) */
    const char *input;    /* float samples file, or NULL */
    const char *trace;    /* FST file, or NULL */
    const char *cache;    /* build cache dir (default DIR/.build) */
    uint64_t seed;
    int stall_pct;        /* probability (%) that valid or ready is low in a cycle */
    int quiet;            /* no progress on stderr */
    const char *cxxopt;   /* C++ optimization of the Verilated model (NULL: default) */
    const char *netlist;  /* simulate this Yosys netlist (fogforge synth's netlist.v, with Yosys's
                           * Xilinx cell models) instead of the RTL; NULL: the RTL */
} ff_sim_opts;

typedef struct ff_sim_result {
    char design[128];
    long vectors, mismatches;
    char first_mismatch[256];
    int latency, ii;           /* measured */
    int exp_latency, exp_ii;   /* manifest */
    int cached;
    double build_seconds, samples_per_second;
    uint64_t cycles;           /* of the back-pressure run */
    char lib[4096];
} ff_sim_result;

/* Builds (or finds in the cache) DIR's Verilated shared library; lib gets
 * its path. */
int ff_sim_build(const char *dir, const char *cache, int trace, int quiet, char *lib, size_t libsz, int *cached,
                 double *secs, ff_err *e);
/* The same with the C++ optimization flag of the Verilated model (NULL:
 * FF_SIM_CXXOPT_DEFAULT); part of the cache key. -O0 compiles fastest
 * but simulates ~10x slower; -O1 builds about as fast as -O0 on large
 * designs and simulates as fast as -Os. */
#define FF_SIM_CXXOPT_DEFAULT "-O1"
int ff_sim_build_opt(const char *dir, const char *cache, int trace, const char *cxxopt, int quiet, char *lib,
                     size_t libsz, int *cached, double *secs, ff_err *e);
/* The same for a netlist (NULL: the RTL): Yosys's netlist.v of DIR, built
 * with Yosys's Xilinx simulation models (ff_yosys_cells_sim). */
int ff_sim_build_net(const char *dir, const char *netlist, const char *cache, int trace, const char *cxxopt,
                     int quiet, char *lib, size_t libsz, int *cached, double *secs, ff_err *e);
/* 1 when the netlist instantiates a cell Yosys's cells_sim.v declares
 * without behaviour (the block RAMs), naming it in cell; 0 when not; -1 when
 * the file cannot be read (e filled). */
int ff_netlist_unsimulable(const char *netlist, char *cell, size_t n, ff_err *e);
/* Path of Yosys's Xilinx cell simulation models (share/yosys/xilinx/cells_sim.v
 * beside the yosys on PATH). */
int ff_yosys_cells_sim(char *out, size_t n, ff_err *e);
/* DIR/.build/synth_<family>/netlist.v, the netlist fogforge synth wrote */
void ff_synth_netlist_path(const char *dir, const char *family, char *out, size_t n);
/* Builds, then drives the vectors with random stalls and checks every
 * output against the integer reference; measures latency and II. */
int ff_sim_run(const ff_sim_opts *o, ff_sim_result *r, ff_err *e);

/* Revision of fogforge synth's Yosys flow, recorded in the surrogate
 * dataset (tools.synth_flow; 1 when absent). 1: synth_xilinx as is, whose
 * xilinx_dsp (Yosys 0.23) broke the accumulators of every layer at R > 1;
 * 2: xilinx_dsp.multonly (DSP48s for the multipliers only) with a check
 * for undriven nets after DSP mapping, and (session 22) the fine step's
 * `opt -full` without opt_share, which broke a join FIFO's counter; on the
 * designs the dataset holds opt_share merges nothing, so their netlists are
 * unchanged and the number stayed (docs/rtl.md, "Synthesis flow"). */
#define FF_SYNTH_FLOW 2

typedef struct ff_synth_opts {
    const char *dir;
    const char *family; /* xc7 (default) */
    int quiet;
} ff_synth_opts;

typedef struct ff_synth_result {
    char design[128];
    char family[16];
    long lut, ff, dsp, bram18, bram36, carry, cells;
    long lutram;               /* of lut: LUT sites used as distributed RAM or shift registers */
    int logic_levels;          /* ltp -noff */
    double critical_path_ns;   /* estimate, no routing */
    int latency, ii;
    double clock_ns, seconds;
} ff_synth_result;

/* LUT sites of a Yosys `stat -json` num_cells_by_type object (a cJSON *):
 * LUT1-6 plus the sites distributed RAM and shift registers take (RAM32M:
 * 4, RAM64X1D: 2, SRL16E: 1, ...); *lutram receives the latter. */
long ff_synth_lut_sites(const void *cells_json, long *lutram);

int ff_synth_run(const ff_synth_opts *o, ff_synth_result *r, ff_err *e);

/* Shared helpers (sim/util.c). */
typedef struct ff_manifest ff_manifest;
struct ff_manifest {
    char top[128];
    int latency, ii;
    double clock_ns;
    char **files; /* rtl files, relative to dir */
    int nfiles;
    /* io stream: elements per beat and beats per sample (io parallel: one
     * beat of the whole tensor) */
    int stream;
    long in_beat, in_beats, out_beat, out_beats;
    long ii_burst; /* > 0: II is measured over a full-rate burst of this many samples, rounded up
                    * ("ii_burst_samples": designs that buffer samples, gen --slices) */
};
int ff_manifest_read(const char *dir, ff_manifest *m, ff_err *e);
void ff_manifest_free(ff_manifest *m);
/* Runs argv (argv[0] looked up in PATH) with stdout+stderr to log; shows
 * elapsed seconds on stderr while it runs unless quiet. Returns the exit
 * status (or -1 when it could not start). */
int ff_run_logged(char *const argv[], const char *log, const char *what, int quiet);
double ff_now(void);
#endif
