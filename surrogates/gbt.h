/* Gradient-boosted trees: trained with XGBoost's C API, saved in XGBoost's
 * JSON model format, and evaluated here from that JSON or its binary cache
 * (a tree walk costs well under a microsecond; XGBoost's own predict call
 * costs tens). */
#ifndef FF_GBT_H
#define FF_GBT_H
#include "common.h"

typedef struct ff_gbt ff_gbt;

typedef struct ff_gbt_params {
    int rounds;        /* boosting rounds */
    int max_depth;
    double eta;
    double subsample;
    uint64_t seed;
    const float *weight; /* per row (n of them), or NULL: all 1 */
} ff_gbt_params;

/* Trains a regressor (reg:squarederror, rows weighted by p->weight) on n
 * rows of nf features and writes the model to json_path (XGBoost JSON). */
int ff_gbt_train(const float *X, int64_t n, int nf, const float *y, const ff_gbt_params *p, const char *json_path,
                 ff_err *e);
/* Predictions of XGBoost itself for the same rows (tests compare). */
int ff_gbt_xgb_predict(const char *json_path, const float *X, int64_t n, int nf, float *out, ff_err *e);

/* Loads a model; checks its format version and feature count (nf). The
 * JSON is the source of truth: its binary cache (the same name with .bin,
 * written by ff_gbt_write_cache) is used instead only when it was made from
 * this very file (same size, mtime and ctime, or same size and sha256). */
int ff_gbt_load(const char *json_path, int nf, ff_gbt **out, ff_err *e);
/* Parses json_path and writes its binary cache beside it. */
int ff_gbt_write_cache(const char *json_path, int nf, ff_err *e);
/* 1 when json_path's cache is present and current by size, mtime and ctime,
 * 0 when not, -1 when json_path does not exist. */
int ff_gbt_cache_state(const char *json_path, int nf);
int ff_gbt_parse(const char *json, const char *where, int nf, ff_gbt **out, ff_err *e);
void ff_gbt_free(ff_gbt *m);
double ff_gbt_predict(const ff_gbt *m, const float *x);
#endif
