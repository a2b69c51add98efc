/* Estimates of a quantized model with a surrogate: per layer and total
 * resources, latency and II, utilization of a part; the JSON shape that
 * `fogforge synth` and `fogforge report` print. */
#ifndef FF_ESTIMATE_H
#define FF_ESTIMATE_H
#include "emit.h"
#include "model.h"
#include "surrogate.h"

typedef struct ff_est_layer {
    char name[96];
    int op, reuse;
    double v[FF_T__COUNT];
} ff_est_layer;

typedef struct ff_estimate {
    char design[96];
    const ff_part *part;
    double clock_ns;
    int nl;
    ff_est_layer *l;
    double total[FF_T__COUNT];
    const char *estimator;  /* "learned" or "analytical" */
    const char *surrogate;  /* model directory, or NULL */
    /* the surrogate's error bands around total[] (bands.h): when
     * has_interval, [lo, hi] is a 90% prediction interval from the band_n
     * cross-validated designs of this class; otherwise no_interval says why
     * there is none */
    int has_interval, band_class;
    double lo[FF_T__COUNT], hi[FF_T__COUNT]; /* resources only */
    int64_t band_n[FF_T_RES];
    const char *no_interval;
    int slices;             /* register slices counted (gen --slices) */
} ff_estimate;

/* MODEL quantized as `fogforge gen` would quantize it (ff_model_load_quant
 * with o), for estimating. An .onnx's calibration ranges (min/max runs)
 * are kept in the user's cache ($FOGFORGE_CACHE, "off" for none; else
 * $XDG_CACHE_HOME/fogforge or ~/.cache/fogforge; hls/calcache.h), so
 * estimating the same model again skips the float run. *cached (may be
 * NULL): 1 when the ranges came from the cache. */
int ff_estimate_load(const char *path, const ff_quant_opts *o, ff_qmodel **out, int *cached, ff_err *e);

/* Features of every layer of q (as the RTL back-end plans it: errors for
 * what it cannot build). *fs has q->g->nn entries. */
int ff_model_features(const ff_qmodel *q, ff_layer_feat **fs, ff_err *e);
int ff_estimate_model(const ff_qmodel *q, const char *model_path, const ff_surrogate *s, const ff_part *part,
                      double clock_ns, ff_estimate *out, ff_err *e);
/* The same for an RTL pipelined for pipe_clock_ns (gen --clock; 0: the
 * fixed plan, as ff_estimate_model): latency and II as that RTL's; and the
 * I/O mode (gen --io): io_stream 1 estimates the streaming
 * design: each streaming layer as its PE (one window in) plus its padding,
 * line buffers and window (ff_analytic_stream), the collector with the
 * first io parallel layer, latency and II of the whole design from the
 * plan's handshake model (ff_rtl_stream_timing, exact). io stream designs
 * keep the fixed plan (gen ignores --clock for them), so pipe_clock_ns is
 * ignored there. Per-layer latency and II are then per window (or pixel),
 * as the manifest states them. */
int ff_estimate_model_io(const ff_qmodel *q, const char *model_path, const ff_surrogate *s, const ff_part *part,
                         double clock_ns, double pipe_clock_ns, int io_stream, ff_estimate *out, ff_err *e);
/* ... and register slices at the layer boundaries (gen --slices, io
 * parallel): each slice's LUT-RAM and pointers (ff_analytic_slice) are
 * added to the layer it feeds, latency and II are the sliced plan's
 * handshake model's; no interval (the bands were measured without). */
int ff_estimate_model_slices(const ff_qmodel *q, const char *model_path, const ff_surrogate *s, const ff_part *part,
                             double clock_ns, double pipe_clock_ns, int io_stream, int slices, ff_estimate *out,
                             ff_err *e);
void ff_estimate_free(ff_estimate *r);
/* io stream (plan p built with io_stream): each layer's stream blocks
 * (padding, line buffers, the collector at the layer it feeds) into st[ni],
 * which do not depend on the reuse factors; and a streaming layer's
 * features turned into its PE's at `reuse` (one window or pixel in). */
struct ff_rtl_layer;
struct ff_rtl_plan;
struct ff_stream_feat;
void ff_stream_blocks(const ff_qmodel *q, const struct ff_rtl_plan *p, struct ff_stream_feat *st);
void ff_stream_pe_features(const struct ff_rtl_layer *L, int reuse, ff_layer_feat *fl);
/* Utilization of the part by total[]: max over LUT, FF, DSP, BRAM (fractions) */
double ff_est_utilization(const double total[FF_T__COUNT], const ff_part *p, double u[4]);
char *ff_estimate_json(const ff_estimate *r);

/* The default learned model directory: $FOGFORGE_SURROGATE, else
 * surrogates/models beside the build (../surrogates/models from the
 * executable), else PREFIX/share/fogforge/surrogates; NULL when none has
 * an index.json. buf receives the path. */
const char *ff_surrogate_default_dir(char *buf, size_t n);
#endif
