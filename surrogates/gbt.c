/* XGBoost training through its C API, and our evaluator of its JSON models. */
#include "gbt.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

typedef struct {
    int32_t *left, *right, *feat;
    float *cond;
    uint8_t *dleft;
    int n;
} tree;

struct ff_gbt {
    tree *t;
    int nt, nf;
    double base;
};

static int xgb_fail(ff_err *e, const char *what)
{
    return ff_errf(e, FF_EINTERNAL, "XGBoost: %s: %s", what, XGBGetLastError());
}

int ff_gbt_train(const float *X, int64_t n, int nf, const float *y, const ff_gbt_params *p, const char *json_path,
                 ff_err *e)
{
    DMatrixHandle d;
    if (XGDMatrixCreateFromMat(X, (bst_ulong)n, (bst_ulong)nf, NAN, &d))
        return xgb_fail(e, "creating the training matrix");
    if (XGDMatrixSetFloatInfo(d, "label", y, (bst_ulong)n)) {
        XGDMatrixFree(d);
        return xgb_fail(e, "setting labels");
    }
    BoosterHandle b;
    if (XGBoosterCreate(&d, 1, &b)) {
        XGDMatrixFree(d);
        return xgb_fail(e, "creating the booster");
    }
    int rc = FF_OK;
    struct {
        const char *k;
        char v[32];
    } ps[] = {{"objective", "reg:squarederror"}, {"tree_method", "hist"}, {"nthread", "1"},
              {"max_depth", ""}, {"eta", ""}, {"subsample", ""}, {"seed", ""}, {"verbosity", "0"}};
    snprintf(ps[3].v, sizeof ps[3].v, "%d", p->max_depth);
    snprintf(ps[4].v, sizeof ps[4].v, "%g", p->eta);
    snprintf(ps[5].v, sizeof ps[5].v, "%g", p->subsample);
    snprintf(ps[6].v, sizeof ps[6].v, "%llu", (unsigned long long)(p->seed % 2147483647));
    for (size_t i = 0; i < sizeof ps / sizeof ps[0] && !rc; i++)
        if (XGBoosterSetParam(b, ps[i].k, ps[i].v))
            rc = xgb_fail(e, ps[i].k);
    for (int it = 0; it < p->rounds && !rc; it++)
        if (XGBoosterUpdateOneIter(b, it, d))
            rc = xgb_fail(e, "training");
    if (!rc && XGBoosterSaveModel(b, json_path))
        rc = xgb_fail(e, json_path);
    XGBoosterFree(b);
    XGDMatrixFree(d);
    return rc;
}

int ff_gbt_xgb_predict(const char *json_path, const float *X, int64_t n, int nf, float *out, ff_err *e)
{
    BoosterHandle b;
    if (XGBoosterCreate(NULL, 0, &b))
        return xgb_fail(e, "creating the booster");
    int rc = FF_OK;
    DMatrixHandle d = NULL;
    bst_ulong len;
    const float *res;
    if (XGBoosterLoadModel(b, json_path))
        rc = xgb_fail(e, json_path);
    else if (XGDMatrixCreateFromMat(X, (bst_ulong)n, (bst_ulong)nf, NAN, &d))
        rc = xgb_fail(e, "creating the matrix");
    else if (XGBoosterPredict(b, d, 0, 0, 0, &len, &res))
        rc = xgb_fail(e, "predicting");
    else if ((int64_t)len != n)
        rc = ff_errf(e, FF_EINTERNAL, "XGBoost returned %llu predictions for %lld rows", (unsigned long long)len,
                     (long long)n);
    else
        memcpy(out, res, sizeof(float) * (size_t)n);
    if (d)
        XGDMatrixFree(d);
    XGBoosterFree(b);
    return rc;
}

void ff_gbt_free(ff_gbt *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->nt; i++) {
        free(m->t[i].left);
        free(m->t[i].right);
        free(m->t[i].feat);
        free(m->t[i].cond);
        free(m->t[i].dleft);
    }
    free(m->t);
    free(m);
}

static const cJSON *path(const cJSON *o, const char *const *keys)
{
    for (; *keys && o; keys++)
        o = cJSON_GetObjectItemCaseSensitive(o, *keys);
    return o;
}

/* Reads a numeric array of exactly n entries (or n = -1: any, returned in *n). */
static int arr(const cJSON *t, const char *k, int *n, double **out)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(t, k);
    if (!cJSON_IsArray(a))
        return 0;
    int len = cJSON_GetArraySize(a);
    if (*n >= 0 && len != *n)
        return 0;
    *n = len;
    *out = ff_malloc(sizeof(double) * (size_t)(len ? len : 1));
    int i = 0;
    for (const cJSON *x = a->child; x; x = x->next, i++) {
        if (!cJSON_IsNumber(x)) {
            free(*out);
            *out = NULL;
            return 0;
        }
        (*out)[i] = x->valuedouble;
    }
    return 1;
}

int ff_gbt_parse(const char *json, const char *where, int nf, ff_gbt **out, ff_err *e)
{
    *out = NULL;
    cJSON *root = cJSON_Parse(json);
    if (!root)
        return ff_errf(e, FF_EINPUT, "%s: not an XGBoost JSON model (invalid JSON)", where);
    int rc = FF_OK;
    ff_gbt *m = ff_calloc(1, sizeof *m);
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    static const char *const kp[] = {"learner", "learner_model_param", NULL};
    static const char *const kt[] = {"learner", "gradient_booster", "model", "trees", NULL};
    static const char *const kb[] = {"learner", "gradient_booster", "name", NULL};
    const cJSON *lp = path(root, kp), *trees = path(root, kt), *gb = path(root, kb);
    if (!cJSON_IsArray(ver) || cJSON_GetArraySize(ver) < 1 || !cJSON_IsNumber(ver->child)) {
        rc = ff_errf(e, FF_EINPUT, "%s: not an XGBoost JSON model (no version)", where);
    } else if (ver->child->valueint != 1) {
        rc = ff_errf(e, FF_EINPUT, "%s: XGBoost model format version %d.x; this build reads 1.x (retrain with fogforge surrogate train)",
                     where, ver->child->valueint);
    } else if (!lp || !cJSON_IsArray(trees) || !cJSON_IsString(gb) || strcmp(gb->valuestring, "gbtree")) {
        rc = ff_errf(e, FF_EINPUT, "%s: not a gbtree XGBoost model", where);
    } else {
        const cJSON *bs = cJSON_GetObjectItemCaseSensitive(lp, "base_score");
        const cJSON *nfe = cJSON_GetObjectItemCaseSensitive(lp, "num_feature");
        m->base = cJSON_IsString(bs) ? atof(bs->valuestring) : 0.5;
        m->nf = cJSON_IsString(nfe) ? atoi(nfe->valuestring) : -1;
        if (nf >= 0 && m->nf != nf)
            rc = ff_errf(e, FF_EINPUT, "%s: model expects %d features, this fogforge computes %d (retrain)", where,
                         m->nf, nf);
    }
    if (!rc) {
        m->nt = cJSON_GetArraySize(trees);
        m->t = ff_calloc((size_t)(m->nt ? m->nt : 1), sizeof *m->t);
        int i = 0;
        for (const cJSON *t = trees->child; t && !rc; t = t->next, i++) {
            double *l = NULL, *r = NULL, *f = NULL, *c = NULL, *dl = NULL;
            int n = -1;
            if (!arr(t, "left_children", &n, &l) || !arr(t, "right_children", &n, &r) ||
                !arr(t, "split_indices", &n, &f) || !arr(t, "split_conditions", &n, &c) ||
                !arr(t, "default_left", &n, &dl) || n < 1) {
                rc = ff_errf(e, FF_EINPUT, "%s: tree %d is malformed", where, i);
            } else {
                tree *tr = &m->t[i];
                tr->n = n;
                tr->left = ff_malloc(sizeof(int32_t) * (size_t)n);
                tr->right = ff_malloc(sizeof(int32_t) * (size_t)n);
                tr->feat = ff_malloc(sizeof(int32_t) * (size_t)n);
                tr->cond = ff_malloc(sizeof(float) * (size_t)n);
                tr->dleft = ff_malloc((size_t)n);
                for (int k = 0; k < n && !rc; k++) {
                    tr->left[k] = (int32_t)l[k];
                    tr->right[k] = (int32_t)r[k];
                    tr->feat[k] = (int32_t)f[k];
                    tr->cond[k] = (float)c[k];
                    tr->dleft[k] = dl[k] != 0;
                    int leaf = tr->left[k] == -1;
                    if (!leaf && (tr->left[k] <= k || tr->left[k] >= n || tr->right[k] <= k || tr->right[k] >= n ||
                                  tr->feat[k] < 0 || tr->feat[k] >= m->nf))
                        rc = ff_errf(e, FF_EINPUT, "%s: tree %d node %d is malformed", where, i, k);
                }
            }
            free(l), free(r), free(f), free(c), free(dl);
        }
    }
    cJSON_Delete(root);
    if (rc) {
        ff_gbt_free(m);
        return rc;
    }
    *out = m;
    return FF_OK;
}

int ff_gbt_load(const char *json_path, int nf, ff_gbt **out, ff_err *e)
{
    char *data;
    size_t len;
    *out = NULL;
    int rc = ff_read_file(json_path, (size_t)256 << 20, &data, &len, e);
    if (rc)
        return rc;
    rc = ff_gbt_parse(data, json_path, nf, out, e);
    free(data);
    return rc;
}

double ff_gbt_predict(const ff_gbt *m, const float *x)
{
    double s = m->base;
    for (int i = 0; i < m->nt; i++) {
        const tree *t = &m->t[i];
        int k = 0;
        while (t->left[k] != -1) {
            float v = x[t->feat[k]];
            k = isnan(v) ? (t->dleft[k] ? t->left[k] : t->right[k]) : (v < t->cond[k] ? t->left[k] : t->right[k]);
        }
        s += t->cond[k];
    }
    return s;
}
