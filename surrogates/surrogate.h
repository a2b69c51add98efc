/* One interface for both estimators: the analytical model (analytic.c) and
 * the learned one (XGBoost regressors per target over layer features and
 * the analytical estimate). A network is the sum of its layers' resources
 * (models trained before session 17 add a top-level glue per join); its
 * latency the sum of the layers', its II their maximum (as the RTL plan
 * composes them). */
#ifndef FF_SURROGATE_H
#define FF_SURROGATE_H
#include "bands.h"
#include "dsrec.h"

#define FF_SURR_FORMAT "fogforge-surrogate"
#define FF_SURR_VERSION 1
/* training.parallel 2: the trees of a design that is one parallel layer,
 * <target>-alone.json, named by the target's "alone_model" */
#define FF_SURR_ALONE_SUFFIX "-alone"

typedef struct ff_surrogate ff_surrogate;

/* The analytical estimator (never fails). */
ff_surrogate *ff_surrogate_analytic(void);
/* A learned model directory (index.json + one XGBoost JSON per target):
 * FF_EINPUT naming the file when its format version, feature list or a
 * target is wrong or missing. */
int ff_surrogate_open(const char *dir, ff_surrogate **out, ff_err *e);
/* The synthesis flow (sim.h FF_SYNTH_FLOW) of the records a learned model
 * was trained on (index.json's training.synth_flow; 1 when absent: models
 * trained before session 22); the analytical model's is the current one. */
int ff_surrogate_synth_flow(const ff_surrogate *s);
void ff_surrogate_free(ff_surrogate *s);
/* (Re)writes the binary caches of dir's tree models (both sets of a
 * --parallel 2 model) that are missing or out of date (after a checkout or
 * a copy); *written counts them, *current the ones left as they were. */
int ff_surrogate_write_caches(const char *dir, int *written, int *current, ff_err *e);
const char *ff_surrogate_kind(const ff_surrogate *s); /* "analytical" or "learned" */
const char *ff_surrogate_dir(const ff_surrogate *s);  /* NULL for the analytical one */
/* The model's error bands (MODELDIR/bands.json, read and checked against
 * its index.json by ff_surrogate_open), or NULL when it has none. */
const ff_bands *ff_surrogate_bands(const ff_surrogate *s);
/* sha256 of the learned model's index.json (NULL for the analytical one) */
const char *ff_surrogate_index_sha256(const ff_surrogate *s);

/* out[FF_T_*] of one layer; latency and II always the RTL plan's. */
void ff_surrogate_layer(const ff_surrogate *s, const ff_layer_feat *f, double out[FF_T__COUNT]);
/* The same for a layer that is the whole design: a model trained with
 * --parallel 2 has trees of its own for such a layer when it sums several
 * products an output a cycle (ABC maps it alone at the smallest depth);
 * otherwise ff_surrogate_layer. ff_surrogate_network uses it when the design has one layer with logic
 * (wiring such as Transposes and Reshapes beside it). */
void ff_surrogate_layer_alone(const ff_surrogate *s, const ff_layer_feat *f, double out[FF_T__COUNT]);
/* A network of nl layers: per-layer estimates (per may be NULL) and the
 * total (an older model's glue included). */
void ff_surrogate_network(const ff_surrogate *s, const ff_layer_feat *l, int nl, double (*per)[FF_T__COUNT],
                          double total[FF_T__COUNT]);

/* An older model's top-level glue of a network of nl layers, added to
 * out[0..FF_T_RES); none in models trained since session 17. */
void ff_surrogate_add_glue(const ff_surrogate *s, int nl, double out[FF_T__COUNT]);

/* Feature vector the trees see (ff_surrogate_nfeat() floats). */
int ff_surrogate_nfeat(void);
const char *ff_surrogate_feat_name(int i);
void ff_surrogate_featvec(const ff_layer_feat *f, float *x);

/* The default --hash-weight: a LUT row's log-scale noise from Yosys's hash
 * is set against 0.05 of the model's own (docs/surrogates.md, session 31) */
#define FF_TRAIN_HASH_SIGMA 0.05
typedef struct ff_train_opts {
    int rounds, max_depth;
    double eta;
    uint64_t seed;
    int decompose;     /* 1: network layers join the training set (proportional attribution) */
    int parallel;      /* parallel layers (R < n_in; --parallel): 0 the analytical estimate, 1 the trees are trained
                        * on and correct them too, 2 (default) a second set of trees trained as 1 corrects them in a
                        * design of that one layer (ff_surrogate_layer_alone), the analytical estimate elsewhere */
    int mode;          /* 0 auto (per target, by 5-fold cross-validation: log, log-residual, or no tree when the
                        * analytical model alone is best), 1 log, 2 log-residual of the analytical model */
    unsigned analytical; /* bit k: target k keeps the analytical model, no tree (--analytical) */
    int fixed[FF_T_RES]; /* nonzero: target k's transform, as a trained model's (ff_train_opts_fix_like) */
    double hash_sigma;   /* > 0: LUT rows weighted 1 / (1 + (h / a / hash_sigma)^2), h their LUTs a hash in
                          * Yosys decided (ff_analytic_layer_parts_hash), a the analytical LUTs (--hash-weight) */
    int quiet;
} ff_train_opts;
void ff_train_opts_default(ff_train_opts *o);
/* Fixes o's transform of every target to s's (a tree of the same kind, or
 * the analytical model), so that a model trained on part of the data is
 * trained as s is, whatever --mode auto would choose there: the folds of
 * surrogate eval --bands. */
void ff_train_opts_fix_like(ff_train_opts *o, const ff_surrogate *s);

/* Whether m (may be NULL) was trained as s was: s's recorded training
 * options equal o (may be NULL) and m estimates each resource the way s
 * does (a tree or the analytical model). 0 with *why saying how not. */
int ff_surrogate_trained_like(const ff_surrogate *s, const ff_surrogate *m, const ff_train_opts *o, char *why, size_t n);
/* Trains on records idx[0..n) of d (all when idx is NULL) and writes
 * outdir/index.json and outdir/<target>.json. */
int ff_surrogate_train(const ff_dataset *d, const int64_t *idx, int64_t n, const ff_train_opts *o,
                       const char *outdir, ff_err *e);
#endif
