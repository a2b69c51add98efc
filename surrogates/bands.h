/* Error bands of a learned surrogate: how far synthesis landed from the
 * estimate on designs the model did not see. `fogforge surrogate eval --cv
 * --bands` measures them (5-fold cross-validation) and writes
 * MODELDIR/bands.json; `estimate` prints the interval they give around an
 * estimate and `explore --margin auto` keeps their upper end in the budget.
 * Per class of design (one layer; one layer summing several products an
 * output a cycle, R < n_in: "parallel"; a network) and resource: of actual /
 * estimate over the m records whose estimate is positive, the order
 * statistics of ranks floor(0.05 (m+1)) and ceil(0.95 (m+1)), a
 * distribution-free 90% prediction interval for one more such design. */
#ifndef FF_BANDS_H
#define FF_BANDS_H
#include "dsrec.h"

#define FF_BANDS_FILE "bands.json"
#define FF_BANDS_FORMAT "fogforge-surrogate-bands"
#define FF_BANDS_LO 0.05 /* the interval: 5% below it, 5% above (bands.c: the ranks) */
#define FF_BANDS_HI 0.95
#define FF_BANDS_MIN_N 20 /* fewer records of a class and resource: no band (its 5% tail is one record) */

#define FF_BANDS_VERSION 2 /* 2: the parallel class (version 1 files: their layer band covers it) */

enum { FF_BAND_LAYER, FF_BAND_NETWORK, FF_BAND_PARALLEL, FF_BAND__COUNT };
extern const char *const ff_band_class_names[FF_BAND__COUNT]; /* "layer", "network", "parallel" */
extern const char *const ff_band_class_labels[FF_BAND__COUNT]; /* as printed: "single-layer", ... */

typedef struct ff_bands {
    char index_sha256[65];          /* the model's index.json they were measured for */
    int64_t records;                /* records cross-validated */
    int64_t n[FF_BAND__COUNT][FF_T_RES];            /* records behind each band (0: none) */
    double lo[FF_BAND__COUNT][FF_T_RES], hi[FF_BAND__COUNT][FF_T_RES]; /* ratios actual / estimate */
} ff_bands;

/* Class of a design of nl layers f with estimates per: a network when more
 * than one of its layers has resources (reshapes and flattens have none);
 * else parallel when that layer sums several products an output a cycle
 * (ff_layer_parallel: the class whose estimates miss by the most,
 * docs/surrogates.md "Error bands"), else layer. */
int ff_bands_class(const ff_layer_feat *f, const double (*per)[FF_T__COUNT], int nl);
/* The same for a dataset record: a network's (kind network), else by its
 * layers as above */
int ff_bands_record_class(const ff_dsrec *r);

/* Bands from n designs: est[i] and act[i] per resource, cls[i] their class.
 * Records with an estimate of 0 (nothing to scale) are left out; a class
 * and resource with fewer than FF_BANDS_MIN_N records left gets no band. */
void ff_bands_compute(const double (*est)[FF_T__COUNT], const double (*act)[FF_T__COUNT], const int *cls, int64_t n,
                      ff_bands *b);

/* The interval [*lo, *hi] of estimate v of resource k for a design of class
 * cls; 0 when the bands have no such class (then *lo = *hi = v). */
int ff_bands_interval(const ff_bands *b, int cls, int k, double v, double *lo, double *hi);

/* Whether the bands hold a band of any resource for class cls, and the
 * line saying why not (estimate's "no interval", explore --margin auto) */
int ff_bands_has_class(const ff_bands *b, int cls);
const char *ff_bands_no_class_why(int cls);

char *ff_bands_json(const ff_bands *b); /* caller frees */
/* Parses a bands file's text; FF_EINPUT naming `where` when malformed, and
 * when index_sha256 (may be NULL) is not the one it was measured for. */
int ff_bands_parse(const char *text, const char *where, const char *index_sha256, ff_bands *b, ff_err *e);
#endif
