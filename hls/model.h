/* Loading a model by path, whatever its kind: .onnx (imported and optimized
 * by the pass pipeline) or .ffq (already quantized). */
#ifndef FF_MODEL_H
#define FF_MODEL_H
#include "dataio.h"
#include "ffq.h"

/* Optimized float graph of an .onnx or .ffq file. */
int ff_model_load_graph(const char *path, ff_graph **out, ff_err *e);

typedef struct ff_quant_opts {
    const char *config;   /* per-layer config file, or NULL */
    int wbits, abits;     /* model-level overrides (0 = keep) */
    int reuse;            /* model-level reuse override (0 = keep) */
    const char *calib;    /* calibration samples file, or NULL */
    double percentile;    /* 0 or 100: min/max */
    int mse;              /* MSE-optimal clipping */
    int64_t calib_limit;  /* > 0: calibrate on only the first this many samples */
    /* a directory for the calibration-range cache (calcache.h), or NULL:
     * min/max calibrations of an .onnx read their ranges from it when they
     * are there (then *calib_cached = 1, if set) and store them otherwise */
    const char *calib_cache;
    int *calib_cached;
} ff_quant_opts;

/* Quantized model: an .ffq as stored (options other than reuse must be
 * unset), or an .onnx quantized with the options. */
int ff_model_load_quant(const char *path, const ff_quant_opts *o, ff_qmodel **out, ff_err *e);

int ff_path_is_ffq(const char *path);
#endif
