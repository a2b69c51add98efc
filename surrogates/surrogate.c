/* The estimator interface, the learned model's files and its training. */
#include "surrogate.h"

#include "analytic.h"
#include "emit.h"
#include "emit_rtl.h"
#include "gbt.h"
#include "sim.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xgboost/c_api.h>

/* TR_NONE: no tree; the target is the analytical model's (what auto picks
 * when neither tree beats it on the held-out fifth) */
enum { TR_LOG = 1, TR_RESID = 2, TR_NONE = 3, TR__COUNT = 4 };
#define FF_SURR_TREE_MARGIN 0.9
/* --parallel 2: the alone trees apply at R > 1 up to this many products an
 * output a cycle (docs/surrogates.md, "Parallel layers in the trees?") */
#define FF_SURR_ALONE_MAX_PER 8
#define FF_SURR_FOLDS 5         /* cross-validation folds that choose each target's transform */
static const char *const tr_names[] = {"auto", "log", "log-residual", "analytical"};

struct ff_surrogate {
    int learned;
    char dir[1024];
    ff_gbt *m[FF_T_RES];
    ff_gbt *ma[FF_T_RES]; /* training.parallel 2: the trees of a design that is one parallel layer */
    int tr[FF_T_RES];
    double glue[FF_T_RES][2]; /* a + b * (layers - 1): only in models trained before session 17 */
    char file[FF_T_RES][1200]; /* model file of each target */
    char file_alone[FF_T_RES][1200]; /* training.parallel 2: its alone_model */
    char index_sha256[65];     /* of index.json: what bands.json names */
    ff_bands bands;            /* error bands (bands.json), when has_bands */
    int has_bands;
    int has_training;          /* index.json's "training": the options it was trained with */
    int t_rounds, t_depth, t_decompose;
    double t_hash; /* training.hash_weight (0 when absent: trained before session 31) */
    int t_parallel; /* training.parallel (0 when absent: before session 32): 1 its trees correct parallel
                     * layers too, 2 trees of their own do in a design of that one layer */
    double t_eta, t_seed;
    int synth_flow;            /* training.synth_flow: the synthesis flow of its records (1 when absent) */
};

/* ---- features ---- */

static const char *const feat_names[] = {
    "op", "act", "n_in", "n_out", "pixels", "in_size", "out_size", "kernel", "channels_in", "channels_out",
    "wbits", "in_bits", "out_bits", "acc_bits", "lut_bits", "reuse", "in_signed", "weights", "nonzero", "pow2",
    "csd_digits", "mults", "csd_per_nz", "max_terms", "sum_bits", "tree_levels", "latency", "ii",
    "live_out", "live_in", "nz_live", "p2_live", "sum_bits_mean", "rq_wide", "acc_fab_bits",
    "acc_narrow_bits", "r1_dsp", "r1_lprod_bits", "an_lut", "an_ff", "an_dsp", "an_bram18",
    "an_lut_mult", "an_lut_mux", "an_lut_rom", "an_lut_tree", "an_lut_acc", "an_lut_tail",
};
#define NFEAT ((int)(sizeof feat_names / sizeof feat_names[0]))

int ff_surrogate_nfeat(void)
{
    return NFEAT;
}

const char *ff_surrogate_feat_name(int i)
{
    return i >= 0 && i < NFEAT ? feat_names[i] : NULL;
}

/* The features of f, given its analytical estimate a and LUT parts (ff_analytic_layer_parts).
 * The parts let a tree correct the part a design is made of (accumulators,
 * ROMs, ...): 5-fold cross-validated learned LUT SMAPE on the 735-record
 * snapshot 9.03% without them, 8.91% with them (as shares of the LUTs or as
 * LUTs); held-out fifth 9.54% -> 8.94% as LUTs (9.16% as shares), depth
 * split 7.19% -> 6.80% (7.31%). */
static void featvec_of(const ff_layer_feat *f, const double *a, const double *part, float *x)
{
    const double v[] = {f->op, f->act, (double)f->n_in, (double)f->n_out, (double)f->pixels, (double)f->in_size,
                        (double)f->out_size, f->kernel, f->channels_in, f->channels_out, f->wbits, f->in_bits,
                        f->out_bits, f->acc_bits, f->lut_bits, f->reuse, f->in_signed, (double)f->weights,
                        (double)f->nonzero, (double)f->pow2, (double)f->csd_digits, (double)f->mults, f->csd_per_nz,
                        (double)f->max_terms, f->sum_bits, f->tree_levels, f->latency, f->ii,
                        f->live_out, f->live_in, (double)f->nz_live, (double)f->p2_live, f->sum_bits_mean,
                        (double)f->rq_wide, (double)f->acc_fab_bits, (double)f->acc_narrow_bits,
                        (double)f->r1_dsp, (double)f->r1_lprod_bits,
                        a[FF_T_LUT], a[FF_T_FF], a[FF_T_DSP], a[FF_T_BRAM],
                        part[FF_AN_PART_MULT], part[FF_AN_PART_MUX], part[FF_AN_PART_ROM], part[FF_AN_PART_TREE],
                        part[FF_AN_PART_ACC], part[FF_AN_PART_TAIL]};
    for (int i = 0; i < NFEAT; i++)
        x[i] = (float)v[i];
}

void ff_surrogate_featvec(const ff_layer_feat *f, float *x)
{
    double a[FF_T__COUNT], part[FF_AN_PARTS];
    ff_analytic_layer_parts(f, a, part);
    featvec_of(f, a, part, x);
}

/* ---- estimating ---- */

ff_surrogate *ff_surrogate_analytic(void)
{
    return ff_calloc(1, sizeof(ff_surrogate));
}

void ff_surrogate_free(ff_surrogate *s)
{
    if (!s)
        return;
    for (int k = 0; k < FF_T_RES; k++)
        ff_gbt_free(s->m[k]), ff_gbt_free(s->ma[k]);
    free(s);
}

const char *ff_surrogate_kind(const ff_surrogate *s)
{
    return s->learned ? "learned" : "analytical";
}

const char *ff_surrogate_dir(const ff_surrogate *s)
{
    return s->learned ? s->dir : NULL;
}

static double untransform(int tr, double p, double a)
{
    double y = tr == TR_RESID ? (a + 1) * exp(p) - 1 : expm1(p);
    return y > 0 ? y : 0;
}

/* Whether the trees correct this layer: multiply-accumulate layers.
 * Pooling, Softmax, joins and activations keep the analytical estimate,
 * their structures being few and read off netlists whole; trees trained on
 * them too made them worse (5-fold cross-validation on the 735-record
 * snapshot: max pool LUT SMAPE 7.3% against the analytical 4.8%, average
 * pool 10.9% against 9.2%). Layers summing several products an output a
 * cycle (R < n_in, R = 1 included) are corrected by these trees only when
 * the model was trained on them (train --parallel 1, training.parallel);
 * by default (--parallel 2) a second set of trees, trained so, corrects
 * them in a design of that one layer (alone_layer below), and in networks
 * they keep the analytical estimate.
 * Session 20 left them out: on the 929-record snapshot (features of that
 * time) trees trained on them moved them away from Yosys (LUT SMAPE 17.3%
 * against the analytical 15.4% on Dense). On session 31's 504 distinct
 * designs they gain on the dataset (cross-validated LUT SMAPE 7.04% ->
 * 6.76%, the random fifth 8.21% -> 6.98%, the depth split 6.28% -> 5.85%)
 * but lose on the real networks at R = 8, every layer of which is
 * parallel: the jet +2.8% -> +26.2%, the batch-norm MLP +8.6% -> +30.5%
 * (the dataset's parallel layers alone are mapped shallow by ABC and
 * under-estimated, docs/surrogates.md, "Known limits"; in a network they
 * are not). */
static int tree_layer(const ff_layer_feat *f, int parallel)
{
    return ff_rtl_kind_of((ff_op)f->op) == FF_RTL_DOT && (parallel == 1 || !ff_layer_parallel(f));
}

/* a training row of its own: a single multiply-accumulate layer */
static int layer_row(const ff_dsrec *rec, int parallel)
{
    return !rec->network && rec->nl == 1 && tree_layer(&rec->l[0], parallel);
}

static void layer_with(const ff_gbt *const *m, const int *tr, int parallel, const ff_layer_feat *f,
                       double out[FF_T__COUNT])
{
    double part[FF_AN_PARTS];
    ff_analytic_layer_parts(f, out, part);
    if (!m || !tree_layer(f, parallel))
        return;
    float x[NFEAT];
    featvec_of(f, out, part, x); /* the analytical estimate, before the trees replace it */
    for (int k = 0; k < FF_T_RES; k++)
        if (m[k])
            out[k] = untransform(tr[k], ff_gbt_predict(m[k], x), out[k]);
    /* DSP slices and block RAMs come in whole units */
    out[FF_T_DSP] = round(out[FF_T_DSP]);
    out[FF_T_BRAM] = round(out[FF_T_BRAM]);
}

/* A design that is one layer summing several products an output a cycle
 * (training.parallel 2): ABC maps such a layer alone at the smallest depth
 * (nothing deeper beside it gives its paths slack), so the layer costs more
 * than in a network, where the analytical estimate stands; trees trained as
 * --parallel 1 correct it (docs/surrogates.md, "Parallel layers in the
 * trees?"). */
static int alone_layer(const ff_surrogate *s, const ff_layer_feat *f)
{
    if (!s->learned || s->t_parallel != 2 || ff_rtl_kind_of((ff_op)f->op) != FF_RTL_DOT || !ff_layer_parallel(f))
        return 0;
    /* at R > 1, more than FF_SURR_ALONE_MAX_PER products an output a cycle
     * make an adder tree deep enough for ABC to recover area elsewhere in
     * the layer: the analytical estimate stands */
    int64_t per = f->reuse > 1 ? (f->n_in + (int64_t)f->reuse - 1) / (int64_t)f->reuse : 0;
    return per <= FF_SURR_ALONE_MAX_PER;
}

void ff_surrogate_layer(const ff_surrogate *s, const ff_layer_feat *f, double out[FF_T__COUNT])
{
    layer_with(s->learned ? (const ff_gbt *const *)s->m : NULL, s->tr, s->t_parallel, f, out);
}

void ff_surrogate_layer_alone(const ff_surrogate *s, const ff_layer_feat *f, double out[FF_T__COUNT])
{
    if (alone_layer(s, f))
        layer_with((const ff_gbt *const *)s->ma, s->tr, 1, f, out);
    else
        ff_surrogate_layer(s, f, out);
}

static void compose(const double glue[FF_T_RES][2], const double (*per)[FF_T__COUNT], int nl,
                    double total[FF_T__COUNT])
{
    for (int k = 0; k < FF_T__COUNT; k++)
        total[k] = 0;
    for (int i = 0; i < nl; i++) {
        for (int k = 0; k < FF_T_RES; k++)
            total[k] += per[i][k];
        total[FF_T_LATENCY] += per[i][FF_T_LATENCY];
        if (per[i][FF_T_II] > total[FF_T_II])
            total[FF_T_II] = per[i][FF_T_II];
    }
    if (total[FF_T_II] < 1)
        total[FF_T_II] = 1;
    /* a single layer's top level is wiring: its totals are the layer's (its
     * records are the layer models' training rows); an older model's glue
     * joins layers */
    if (glue && nl > 1)
        for (int k = 0; k < FF_T_RES; k++) {
            total[k] += glue[k][0] + glue[k][1] * (nl - 1);
            if (total[k] < 0)
                total[k] = 0;
        }
    total[FF_T_DSP] = round(total[FF_T_DSP]);
    total[FF_T_BRAM] = round(total[FF_T_BRAM]);
}

void ff_surrogate_network(const ff_surrogate *s, const ff_layer_feat *l, int nl, double (*per)[FF_T__COUNT],
                          double total[FF_T__COUNT])
{
    double (*p)[FF_T__COUNT] = per ? per : ff_malloc(sizeof *p * (size_t)(nl ? nl : 1));
    int logic = 0; /* layers with logic: one makes the design that layer (Transposes, Reshapes beside it) */
    for (int i = 0; i < nl; i++)
        logic += ff_rtl_kind_of((ff_op)l[i].op) != FF_RTL_WIRE;
    for (int i = 0; i < nl; i++)
        if (logic == 1)
            ff_surrogate_layer_alone(s, &l[i], p[i]);
        else
            ff_surrogate_layer(s, &l[i], p[i]);
    compose(s->learned ? (const double(*)[2])s->glue : NULL, (const double(*)[FF_T__COUNT])p, nl, total);
    if (!per)
        free(p);
}

void ff_surrogate_add_glue(const ff_surrogate *s, int nl, double out[FF_T__COUNT])
{
    if (!s->learned || nl < 2)
        return;
    for (int k = 0; k < FF_T_RES; k++) {
        out[k] += s->glue[k][0] + s->glue[k][1] * (nl - 1);
        if (out[k] < 0)
            out[k] = 0;
    }
}

/* ---- model files ---- */

int ff_surrogate_open(const char *dir, ff_surrogate **out, ff_err *e)
{
    *out = NULL;
    char path[1200];
    snprintf(path, sizeof path, "%s/index.json", dir);
    char *data;
    size_t len;
    int rc = ff_read_file(path, 1 << 20, &data, &len, e);
    if (rc)
        return rc;
    cJSON *j = cJSON_Parse(data);
    ff_surrogate *s = ff_calloc(1, sizeof *s);
    ff_sha256_hex(data, len, s->index_sha256);
    free(data);
    s->learned = 1;
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(j, "format"), *ver = cJSON_GetObjectItemCaseSensitive(j, "version");
    const cJSON *feats = cJSON_GetObjectItemCaseSensitive(j, "features"), *tg = cJSON_GetObjectItemCaseSensitive(j, "targets");
    if (!j || !cJSON_IsString(fmt) || strcmp(fmt->valuestring, FF_SURR_FORMAT)) {
        rc = ff_errf(e, FF_EINPUT, "%s: not a fogforge surrogate index (no \"format\": \"%s\")", path, FF_SURR_FORMAT);
    } else if (!cJSON_IsNumber(ver) || ver->valueint != FF_SURR_VERSION) {
        rc = ff_errf(e, FF_EINPUT, "%s: surrogate format version %d; this fogforge reads version %d (retrain with fogforge surrogate train)",
                     path, cJSON_IsNumber(ver) ? ver->valueint : -1, FF_SURR_VERSION);
    } else if (!cJSON_IsArray(feats) || cJSON_GetArraySize(feats) != NFEAT) {
        rc = ff_errf(e, FF_EINPUT, "%s: the model was trained on %d features, this fogforge computes %d (retrain)", path,
                     cJSON_IsArray(feats) ? cJSON_GetArraySize(feats) : 0, NFEAT);
    } else {
        int i = 0;
        for (const cJSON *f = feats->child; f && !rc; f = f->next, i++)
            if (!cJSON_IsString(f) || strcmp(f->valuestring, feat_names[i]))
                rc = ff_errf(e, FF_EINPUT, "%s: feature %d is '%s', this fogforge computes '%s' there (retrain)", path, i,
                             cJSON_IsString(f) ? f->valuestring : "?", feat_names[i]);
    }
    for (int k = 0; k < FF_T_RES && !rc; k++) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(tg, ff_target_names[k]);
        const cJSON *file = cJSON_GetObjectItemCaseSensitive(t, "model"), *tr = cJSON_GetObjectItemCaseSensitive(t, "transform");
        const cJSON *gl = cJSON_GetObjectItemCaseSensitive(t, "glue");
        int none = cJSON_IsString(tr) && !strcmp(tr->valuestring, tr_names[TR_NONE]);
        if (!cJSON_IsString(tr) || (!none && (!cJSON_IsString(file) || strchr(file->valuestring, '/')))) {
            rc = ff_errf(e, FF_EINPUT, "%s: target '%s' is missing (retrain with fogforge surrogate train)", path,
                         ff_target_names[k]);
            break;
        }
        s->tr[k] = !strcmp(tr->valuestring, tr_names[TR_LOG])     ? TR_LOG
                   : !strcmp(tr->valuestring, tr_names[TR_RESID]) ? TR_RESID
                   : none                                         ? TR_NONE
                                                                  : 0;
        if (!s->tr[k]) {
            rc = ff_errf(e, FF_EINPUT, "%s: target '%s': unknown transform '%s'", path, ff_target_names[k], tr->valuestring);
            break;
        }
        if (cJSON_IsArray(gl) && cJSON_GetArraySize(gl) == 2 && cJSON_IsNumber(gl->child) &&
            cJSON_IsNumber(gl->child->next)) {
            s->glue[k][0] = gl->child->valuedouble;
            s->glue[k][1] = gl->child->next->valuedouble;
        }
        if (none)
            continue; /* the analytical estimate stands */
        snprintf(s->file[k], sizeof s->file[k], "%s/%s", dir, file->valuestring);
        rc = ff_gbt_load(s->file[k], NFEAT, &s->m[k], e);
        const cJSON *am = cJSON_GetObjectItemCaseSensitive(t, "alone_model");
        if (!rc && am) {
            if (!cJSON_IsString(am) || strchr(am->valuestring, '/')) {
                rc = ff_errf(e, FF_EINPUT, "%s: target '%s': \"alone_model\" is not a file name", path, ff_target_names[k]);
                break;
            }
            snprintf(s->file_alone[k], sizeof s->file_alone[k], "%s/%s", dir, am->valuestring);
            rc = ff_gbt_load(s->file_alone[k], NFEAT, &s->ma[k], e);
        }
    }
    const cJSON *tj = cJSON_GetObjectItemCaseSensitive(j, "training");
    const cJSON *tro = cJSON_GetObjectItemCaseSensitive(tj, "rounds"), *tmd = cJSON_GetObjectItemCaseSensitive(tj, "max_depth");
    const cJSON *tet = cJSON_GetObjectItemCaseSensitive(tj, "eta"), *tsd = cJSON_GetObjectItemCaseSensitive(tj, "seed");
    const cJSON *tdc = cJSON_GetObjectItemCaseSensitive(tj, "decompose");
    const cJSON *tfl = cJSON_GetObjectItemCaseSensitive(tj, "synth_flow");
    s->synth_flow = cJSON_IsNumber(tfl) ? tfl->valueint : 1;
    if (cJSON_IsNumber(tro) && cJSON_IsNumber(tmd) && cJSON_IsNumber(tet) && cJSON_IsNumber(tsd) && cJSON_IsBool(tdc)) {
        s->has_training = 1;
        s->t_rounds = tro->valueint, s->t_depth = tmd->valueint, s->t_eta = tet->valuedouble;
        s->t_seed = tsd->valuedouble, s->t_decompose = cJSON_IsTrue(tdc);
        const cJSON *thw = cJSON_GetObjectItemCaseSensitive(tj, "hash_weight");
        s->t_hash = cJSON_IsNumber(thw) ? thw->valuedouble : 0;
        const cJSON *tpa = cJSON_GetObjectItemCaseSensitive(tj, "parallel");
        s->t_parallel = cJSON_IsNumber(tpa) ? tpa->valueint : cJSON_IsTrue(tpa);
    }
    if (!rc && (s->t_parallel < 0 || s->t_parallel > 2))
        rc = ff_errf(e, FF_EINPUT, "%s: training.parallel is %d (0, 1 or 2)", path, s->t_parallel);
    for (int k = 0; k < FF_T_RES && !rc; k++)
        if (s->t_parallel == 2 ? s->m[k] && !s->ma[k] : s->ma[k] != NULL)
            rc = ff_errf(e, FF_EINPUT, "%s: target '%s' %s", path, ff_target_names[k],
                         s->ma[k] ? "has an \"alone_model\", but training.parallel is not 2"
                                  : "has no \"alone_model\" (training.parallel 2: retrain)");
    cJSON_Delete(j);
    if (!rc) {
        /* the error bands, when measured (eval --cv --bands) */
        snprintf(path, sizeof path, "%s/%s", dir, FF_BANDS_FILE);
        if (access(path, F_OK) == 0 && !(rc = ff_read_file(path, 1 << 20, &data, &len, e))) {
            rc = ff_bands_parse(data, path, s->index_sha256, &s->bands, e);
            s->has_bands = !rc;
            free(data);
        }
    }
    if (rc) {
        ff_surrogate_free(s);
        return rc;
    }
    *out = s;
    return FF_OK;
}

int ff_surrogate_synth_flow(const ff_surrogate *s)
{
    return s && s->learned ? s->synth_flow : FF_SYNTH_FLOW;
}

const ff_bands *ff_surrogate_bands(const ff_surrogate *s)
{
    return s && s->has_bands ? &s->bands : NULL;
}

int ff_surrogate_trained_like(const ff_surrogate *s, const ff_surrogate *m, const ff_train_opts *o, char *why, size_t n)
{
    *why = 0;
    if (!s->learned || !s->has_training) {
        snprintf(why, n, "its index.json does not record how it was trained");
        return 0;
    }
    if (o && (o->rounds != s->t_rounds || o->max_depth != s->t_depth || fabs(o->eta - s->t_eta) > 1e-12 ||
              (double)o->seed != s->t_seed || o->decompose != s->t_decompose || fabs(o->hash_sigma - s->t_hash) > 1e-12 ||
              o->parallel != s->t_parallel)) {
        snprintf(why, n,
                 "it was trained with --rounds %d --depth %d --eta %g --seed %.0f --decompose %d --hash-weight %g --parallel %d",
                 s->t_rounds, s->t_depth, s->t_eta, s->t_seed, s->t_decompose, s->t_hash, s->t_parallel);
        return 0;
    }
    for (int k = 0; m && k < FF_T_RES; k++)
        if (s->tr[k] != m->tr[k]) {
            snprintf(why, n, "it estimates %s by %s, the retrained model by %s (--analytical, --mode)", ff_target_names[k],
                     tr_names[s->tr[k]], tr_names[m->tr[k]]);
            return 0;
        }
    return 1;
}

const char *ff_surrogate_index_sha256(const ff_surrogate *s)
{
    return s && s->learned ? s->index_sha256 : NULL;
}

int ff_surrogate_write_caches(const char *dir, int *written, int *current, ff_err *e)
{
    ff_surrogate *s;
    *written = *current = 0;
    int rc = ff_surrogate_open(dir, &s, e); /* checks the index and every model */
    if (rc)
        return rc;
    for (int k = 0; k < FF_T_RES && !rc; k++) {
        for (int set = 0; set < 2 && !rc; set++) {
            const char *file = set ? s->file_alone[k] : s->file[k];
            if (!(set ? s->ma[k] : s->m[k]))
                continue;
            if (ff_gbt_cache_state(file, NFEAT) == 1) {
                ++*current;
                continue;
            }
            rc = ff_gbt_write_cache(file, NFEAT, e);
            *written += !rc;
        }
    }
    ff_surrogate_free(s);
    return rc;
}

/* ---- training ---- */

void ff_train_opts_default(ff_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->rounds = 400;
    o->max_depth = 3;
    o->eta = 0.05;
    o->seed = 1;
    o->decompose = 1;
    o->parallel = 2;
    o->mode = 0;
    o->hash_sigma = FF_TRAIN_HASH_SIGMA;
}

void ff_train_opts_fix_like(ff_train_opts *o, const ff_surrogate *s)
{
    for (int k = 0; k < FF_T_RES; k++)
        o->fixed[k] = s && s->learned ? s->tr[k] : 0;
}

typedef struct {
    float *X;   /* n x NFEAT */
    double *a;  /* analytical estimate per row and target: n x FF_T_RES */
    double *y;  /* target per row: n x FF_T_RES */
    double *h;  /* LUTs a hash in Yosys decided, either way (ff_analytic_layer_parts_hash) */
    int64_t n, cap;
} rows;

static void rows_add(rows *r, const ff_layer_feat *f, const double *y)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 256;
        r->X = ff_realloc(r->X, sizeof(float) * NFEAT * (size_t)r->cap);
        r->a = ff_realloc(r->a, sizeof(double) * FF_T_RES * (size_t)r->cap);
        r->y = ff_realloc(r->y, sizeof(double) * FF_T_RES * (size_t)r->cap);
        r->h = ff_realloc(r->h, sizeof(double) * (size_t)r->cap);
    }
    double a[FF_T__COUNT], part[FF_AN_PARTS];
    r->h[r->n] = ff_analytic_layer_parts_hash(f, a, part);
    featvec_of(f, a, part, r->X + r->n * NFEAT);
    for (int k = 0; k < FF_T_RES; k++) {
        r->a[r->n * FF_T_RES + k] = a[k];
        r->y[r->n * FF_T_RES + k] = y[k];
    }
    r->n++;
}

static void rows_free(rows *r)
{
    free(r->X), free(r->a), free(r->y), free(r->h);
    memset(r, 0, sizeof *r);
}

/* trains target k of rows [sel] with transform tr into path */
static int fit(const rows *r, const uint8_t *sel, int k, int tr, const ff_train_opts *o, const char *path, ff_err *e)
{
    int64_t m = 0;
    for (int64_t i = 0; i < r->n; i++)
        m += !sel || sel[i];
    float *X = ff_malloc(sizeof(float) * NFEAT * (size_t)(m ? m : 1)), *y = ff_malloc(sizeof(float) * (size_t)(m ? m : 1));
    float *w = ff_malloc(sizeof(float) * (size_t)(m ? m : 1));
    int64_t j = 0;
    for (int64_t i = 0; i < r->n; i++) {
        if (sel && !sel[i])
            continue;
        memcpy(X + j * NFEAT, r->X + i * NFEAT, sizeof(float) * NFEAT);
        double t = log1p(r->y[i * FF_T_RES + k]);
        if (tr == TR_RESID)
            t -= log1p(r->a[i * FF_T_RES + k]);
        /* a row whose LUTs a hash decided by +-h carries that much noise
         * the features cannot explain (log scale h / a): weighted by the
         * inverse of its variance beside the model's own, hash_sigma */
        double rel = k == FF_T_LUT && r->a[i * FF_T_RES + k] > 0 ? r->h[i] / r->a[i * FF_T_RES + k] : 0;
        w[j] = o->hash_sigma > 0 ? (float)(1 / (1 + rel * rel / (o->hash_sigma * o->hash_sigma))) : 1.0f;
        y[j++] = (float)t;
    }
    ff_gbt_params p = {o->rounds, o->max_depth, o->eta, 1.0, o->seed, o->hash_sigma > 0 ? w : NULL};
    int rc = m ? ff_gbt_train(X, m, NFEAT, y, &p, path, e) : ff_errf(e, FF_EINPUT, "no training rows");
    free(X), free(y), free(w);
    return rc;
}

static double smape1(double p, double a)
{
    double d = fabs(p) + fabs(a);
    return d > 0 ? 2 * fabs(p - a) / d : 0;
}

static uint64_t id_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

static int write_index(const char *outdir, const ff_train_opts *o, const int *tr, const double *vsmape,
                       const double (*cand)[TR__COUNT], const char (*alone)[64], int64_t nrec, int64_t nlayer_rows, int64_t nnet,
                       int64_t npseudo, ff_err *e)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "format", FF_SURR_FORMAT);
    cJSON_AddNumberToObject(j, "version", FF_SURR_VERSION);
    int ma, mi, pa;
    XGBoostVersion(&ma, &mi, &pa);
    char xv[32];
    snprintf(xv, sizeof xv, "%d.%d.%d", ma, mi, pa);
    cJSON_AddStringToObject(j, "xgboost", xv);
    cJSON_AddStringToObject(j, "fogforge", FF_VERSION);
    cJSON *f = cJSON_AddArrayToObject(j, "features");
    for (int i = 0; i < NFEAT; i++)
        cJSON_AddItemToArray(f, cJSON_CreateString(feat_names[i]));
    cJSON *t = cJSON_AddObjectToObject(j, "targets");
    for (int k = 0; k < FF_T_RES; k++) {
        cJSON *x = cJSON_AddObjectToObject(t, ff_target_names[k]);
        char file[64];
        snprintf(file, sizeof file, "%s.json", ff_target_names[k]);
        if (tr[k] != TR_NONE)
            cJSON_AddStringToObject(x, "model", file);
        if (alone[k][0])
            cJSON_AddStringToObject(x, "alone_model", alone[k]);
        cJSON_AddStringToObject(x, "transform", tr_names[tr[k]]);
        if (vsmape[k] >= 0)
            cJSON_AddNumberToObject(x, "selection_smape", vsmape[k]);
        if (cand[k][TR_NONE] >= 0) { /* --mode auto: what each candidate cross-validated to */
            cJSON *c = cJSON_AddObjectToObject(x, "selection");
            for (int t = 0; t < TR__COUNT; t++)
                if (cand[k][t] >= 0)
                    cJSON_AddNumberToObject(c, tr_names[t], cand[k][t]);
        }
    }
    cJSON *tj = cJSON_AddObjectToObject(j, "training");
    cJSON_AddNumberToObject(tj, "records", (double)nrec);
    cJSON_AddNumberToObject(tj, "layer_rows", (double)nlayer_rows);
    cJSON_AddNumberToObject(tj, "network_records", (double)nnet);
    cJSON_AddNumberToObject(tj, "network_layer_rows", (double)npseudo);
    cJSON_AddNumberToObject(tj, "rounds", o->rounds);
    cJSON_AddNumberToObject(tj, "max_depth", o->max_depth);
    cJSON_AddNumberToObject(tj, "eta", o->eta);
    cJSON_AddNumberToObject(tj, "seed", (double)o->seed);
    cJSON_AddBoolToObject(tj, "decompose", o->decompose);
    cJSON_AddNumberToObject(tj, "parallel", o->parallel);
    cJSON_AddNumberToObject(tj, "hash_weight", o->hash_sigma);
    cJSON_AddNumberToObject(tj, "synth_flow", FF_SYNTH_FLOW); /* the loader keeps only this flow's records */
    cJSON_AddStringToObject(j, "network", "network total = sum of layer estimates");
    char *s = cJSON_Print(j);
    cJSON_Delete(j);
    char path[1200];
    snprintf(path, sizeof path, "%s/index.json", outdir);
    size_t n = strlen(s);
    s = ff_realloc(s, n + 2);
    s[n] = '\n', s[n + 1] = 0;
    int rc = ff_write_file_atomic(path, s, n + 1, e);
    free(s);
    /* error bands measured for the model this one replaces no longer hold */
    snprintf(path, sizeof path, "%s/%s", outdir, FF_BANDS_FILE);
    if (!rc && unlink(path) && errno != ENOENT)
        rc = ff_errf(e, FF_EINTERNAL, "%s: cannot remove the old model's error bands: %s", path, strerror(errno));
    return rc;
}

/* No glue: a network is the sum of its layers. The top level has no logic
 * of its own (synthesized with the layers as black boxes: only their
 * instances), and what joining layers changes in Yosys's mapping (the
 * flattening gap, docs/rtl.md) lands in the layers' ROM columns, not in a
 * cost per join. A fitted glue, b (layers - 1) LUTs (sessions 16-17: 64-72
 * a join), took the depth split (trained on 2-3 layers, tested on 4-6) to
 * 10.2% LUT SMAPE on 1,286 records, 6.8% without; the random fifth 8.77% /
 * 8.74%, cross-validated 9.23% / 9.21%. Network records still train the
 * layer models through --decompose. */
typedef struct {
    int tr[FF_T_RES];
    double vs[FF_T_RES], cand[FF_T_RES][TR__COUNT];
    int64_t nrec, nsingle, nnet, npseudo;
} train_out;

/* One set of trees, trained as --parallel `parallel` (0 or 1) says, into
 * OUTDIR/<target><suffix>.json and their caches. */
static int train_set(const ff_dataset *d, const int64_t *idx, int64_t n, const ff_train_opts *o, int parallel,
                     const char *outdir, const char *suffix, train_out *out, ff_err *e)
{
    int rc = 0;
    int *tr = out->tr;
    double *vs = out->vs, (*cand)[TR__COUNT] = out->cand;
    rows r = {0};
    int64_t nrec = 0;
    for (int64_t i = 0; i < n; i++) {
        const ff_dsrec *rec = &d->r[idx ? idx[i] : i];
        if (!layer_row(rec, parallel))
            continue;
        rows_add(&r, &rec->l[0], rec->t);
        nrec++;
    }
    if (r.n < 2) {
        rows_free(&r);
        return ff_errf(e, FF_EINPUT, "training needs at least 2 single multiply-accumulate layer records with targets, got %lld",
                       (long long)r.n);
    }
    /* transform per target: the best of the two trees and the analytical
     * estimate alone, by 5-fold cross-validation over the records (folds by
     * a hash of the id): every row is held out once, so the choice does not
     * hang on one small fifth */
    uint8_t *fold = ff_malloc((size_t)r.n), *sel = ff_malloc((size_t)r.n);
    {
        int64_t j = 0;
        for (int64_t i = 0; i < n; i++) {
            const ff_dsrec *rec = &d->r[idx ? idx[i] : i];
            if (!layer_row(rec, parallel))
                continue;
            fold[j++] = (uint8_t)(id_hash(rec->id) % FF_SURR_FOLDS);
        }
    }
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s/.train-tmp.json", outdir);
    for (int k = 0; k < FF_T_RES; k++)
        for (int t = 0; t < TR__COUNT; t++)
            cand[k][t] = -1;
    for (int k = 0; k < FF_T_RES && !rc; k++) {
        vs[k] = -1;
        if (o->fixed[k]) {
            tr[k] = o->fixed[k];
            continue;
        }
        if (o->analytical & (1u << k)) {
            tr[k] = TR_NONE;
            continue;
        }
        if (o->mode) {
            tr[k] = o->mode;
            continue;
        }
        double best = 0; /* the analytical estimate's error over every row (r.n >= 2) */
        for (int64_t i = 0; i < r.n; i++) {
            double p = r.a[i * FF_T_RES + k];
            best += smape1(k == FF_T_DSP || k == FF_T_BRAM ? round(p) : p, r.y[i * FF_T_RES + k]);
        }
        best /= (double)r.n;
        cand[k][TR_NONE] = best;
        tr[k] = isfinite(best) ? TR_NONE : TR_RESID;
        for (int t = TR_LOG; t <= TR_RESID && !rc; t++) {
            double s = 0;
            int64_t c = 0;
            for (int f = 0; f < FF_SURR_FOLDS && !rc; f++) {
                int64_t held = 0;
                for (int64_t i = 0; i < r.n; i++) {
                    sel[i] = fold[i] != f;
                    held += !sel[i];
                }
                if (!held || held == r.n)
                    continue;
                rc = fit(&r, sel, k, t, o, tmp, e);
                ff_gbt *m = NULL;
                if (!rc)
                    rc = ff_gbt_load(tmp, NFEAT, &m, e);
                if (rc)
                    break;
                for (int64_t i = 0; i < r.n; i++)
                    if (!sel[i]) {
                        double p = untransform(t, ff_gbt_predict(m, r.X + i * NFEAT), r.a[i * FF_T_RES + k]);
                        if (k == FF_T_DSP || k == FF_T_BRAM)
                            p = round(p);
                        s += smape1(p, r.y[i * FF_T_RES + k]);
                        c++;
                    }
                ff_gbt_free(m);
            }
            if (rc)
                break;
            s = c ? s / c : INFINITY;
            cand[k][t] = s;
            /* a tree must beat the analytical estimate by a tenth of its error
             * (the data are few: a closer call is noise) */
            if (tr[k] == TR_NONE ? s < FF_SURR_TREE_MARGIN * best - 1e-9 : s < best - 1e-9) {
                best = s;
                tr[k] = t;
            }
        }
        vs[k] = best;
    }
    free(sel);
    free(fold);
    unlink(tmp);
    int64_t nnet = 0, npseudo = 0, nsingle = r.n;
    for (int64_t i = 0; i < n; i++)
        nnet += d->r[idx ? idx[i] : i].network;
    int decompose = o->decompose && nnet > 0;
    /* layer models on single-layer records (loaded back when the networks
     * are to be shared among their layers by them) */
    ff_gbt *m[FF_T_RES] = {0};
    char path[FF_T_RES][1200];
    for (int k = 0; k < FF_T_RES && !rc; k++) {
        snprintf(path[k], sizeof path[k], "%s/%s%s.json", outdir, ff_target_names[k], suffix);
        if (tr[k] == TR_NONE) { /* no tree: remove one a previous training left */
            unlink(path[k]);
            continue;
        }
        rc = fit(&r, NULL, k, tr[k], o, path[k], e);
        if (!rc && decompose)
            rc = ff_gbt_load(path[k], NFEAT, &m[k], e);
    }
    if (!rc && decompose) {
        /* each network's measured total shared among its layers in
         * proportion to their estimates: more layer rows */
        for (int64_t i = 0; i < n; i++) {
            const ff_dsrec *rec = &d->r[idx ? idx[i] : i];
            if (!rec->network)
                continue;
            double (*p)[FF_T__COUNT] = ff_malloc(sizeof *p * (size_t)rec->nl), sum[FF_T_RES] = {0};
            for (int l = 0; l < rec->nl; l++) {
                layer_with((const ff_gbt *const *)m, tr, parallel, &rec->l[l], p[l]);
                for (int k = 0; k < FF_T_RES; k++)
                    sum[k] += p[l][k];
            }
            for (int l = 0; l < rec->nl; l++) {
                double y[FF_T_RES];
                for (int k = 0; k < FF_T_RES; k++)
                    y[k] = sum[k] > 0 ? p[l][k] * rec->t[k] / sum[k] : 0;
                if (!tree_layer(&rec->l[l], parallel))
                    continue;
                rows_add(&r, &rec->l[l], y);
                npseudo++;
            }
            free(p);
        }
        for (int k = 0; k < FF_T_RES && !rc; k++) {
            ff_gbt_free(m[k]);
            m[k] = NULL;
            if (tr[k] != TR_NONE)
                rc = fit(&r, NULL, k, tr[k], o, path[k], e);
        }
    }
    out->nrec = nrec, out->nsingle = nsingle, out->nnet = nnet, out->npseudo = npseudo;
    /* the binary caches of the final models: estimate loads those */
    for (int k = 0; k < FF_T_RES && !rc; k++)
        if (tr[k] != TR_NONE)
            rc = ff_gbt_write_cache(path[k], NFEAT, e);
        else { /* and no stale cache beside it */
            char bin[1300];
            snprintf(bin, sizeof bin, "%.*s.bin", (int)(strlen(path[k]) - 5), path[k]);
            unlink(bin);
        }
    for (int k = 0; k < FF_T_RES; k++)
        ff_gbt_free(m[k]);
    rows_free(&r);
    return rc;
}

int ff_surrogate_train(const ff_dataset *d, const int64_t *idx, int64_t n, const ff_train_opts *o,
                       const char *outdir, ff_err *e)
{
    int rc = ff_mkdirs(outdir, e);
    if (rc)
        return rc;
    train_out t, ta;
    rc = train_set(d, idx, n, o, o->parallel == 1, outdir, "", &t, e);
    /* --parallel 2: a second set for designs of one parallel layer, trained
     * as --parallel 1 with the first set's transforms */
    char alone[FF_T_RES][64] = {{0}};
    if (!rc && o->parallel == 2) {
        ff_train_opts oa = *o;
        for (int k = 0; k < FF_T_RES; k++)
            oa.fixed[k] = t.tr[k];
        rc = train_set(d, idx, n, &oa, 1, outdir, FF_SURR_ALONE_SUFFIX, &ta, e);
        for (int k = 0; k < FF_T_RES; k++)
            if (t.tr[k] != TR_NONE)
                snprintf(alone[k], sizeof alone[k], "%s%s.json", ff_target_names[k], FF_SURR_ALONE_SUFFIX);
    }
    /* no stale alone trees beside a model without them */
    for (int k = 0; k < FF_T_RES && !rc; k++)
        if (!alone[k][0])
            for (int b = 0; b < 2; b++) {
                char p[1300];
                snprintf(p, sizeof p, "%s/%s%s.%s", outdir, ff_target_names[k], FF_SURR_ALONE_SUFFIX, b ? "bin" : "json");
                unlink(p);
            }
    if (!rc)
        rc = write_index(outdir, o, t.tr, t.vs, (const double(*)[TR__COUNT])t.cand, (const char(*)[64])alone,
                         t.nrec + t.nnet, t.nsingle, t.nnet, t.npseudo, e);
    return rc;
}
