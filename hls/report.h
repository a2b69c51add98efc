/* Reading vendor tool reports back: Vitis HLS csynth XML (<top>_csynth.xml)
 * and Vivado utilization reports, into the resource/latency JSON shape that
 * `fogforge estimate`, `synth` and `report` share:
 *   {"design", "source", "part", "total": {"lut","ff","dsp","bram18","uram"},
 *    "latency_cycles", "ii", "clock_ns", ...}  (docs/hls-backend.md) */
#ifndef FF_REPORT_H
#define FF_REPORT_H
#include "common.h"

typedef struct ff_res {
    double lut, ff, dsp, bram18, uram;
} ff_res;

typedef struct ff_report {
    char design[128];        /* top function */
    char part[64];
    char tool[64];           /* "Vitis HLS 2023.2" */
    char csynth_path[1024];
    char vivado_path[1024];  /* empty when no utilization report was found */
    double clock_target_ns, clock_est_ns, clock_uncertainty_ns;
    int64_t lat_best, lat_avg, lat_worst; /* -1: undefined (e.g. data-dependent) */
    int64_t ii_min, ii_max;               /* -1: undefined */
    ff_res csynth, avail;
    int has_avail, has_vivado;
    ff_res vivado;
} ff_report;

/* Parses one csynth XML file. */
int ff_report_csynth(const char *path, ff_report *r, ff_err *e);
/* Parses a Vivado report_utilization text report into r->vivado. */
int ff_report_vivado(const char *path, ff_report *r, ff_err *e);
/* The same from memory (path names the source in messages). */
int ff_report_csynth_mem(const char *data, size_t len, const char *path, ff_report *r, ff_err *e);
int ff_report_vivado_mem(const char *data, size_t len, const char *path, ff_report *r, ff_err *e);
/* Finds and reads the reports under dir (or the one file given): the
 * top-level <top>_csynth.xml (top: NULL = the only one there is) and any
 * Vivado utilization report beside it. */
int ff_report_load(const char *path, const char *top, ff_report *r, ff_err *e);
/* The shared JSON shape (caller frees). */
char *ff_report_json(const ff_report *r);
#endif
