/* Gradient-boosted trees: trained with XGBoost's C API, saved in XGBoost's
 * JSON model format, and evaluated here from that JSON (a tree walk costs
 * well under a microsecond; XGBoost's own predict call costs tens). */
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
} ff_gbt_params;

/* Trains a regressor (reg:squarederror) on n rows of nf features and writes
 * the model to json_path (XGBoost JSON). */
int ff_gbt_train(const float *X, int64_t n, int nf, const float *y, const ff_gbt_params *p, const char *json_path,
                 ff_err *e);
/* Predictions of XGBoost itself for the same rows (tests compare). */
int ff_gbt_xgb_predict(const char *json_path, const float *X, int64_t n, int nf, float *out, ff_err *e);

/* Loads a model; checks its format version and feature count (nf). */
int ff_gbt_load(const char *json_path, int nf, ff_gbt **out, ff_err *e);
int ff_gbt_parse(const char *json, const char *where, int nf, ff_gbt **out, ff_err *e);
void ff_gbt_free(ff_gbt *m);
double ff_gbt_predict(const ff_gbt *m, const float *x);
#endif
