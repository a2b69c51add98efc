/* Error bands of a learned surrogate (bands.h): computed from
 * cross-validated estimates, written and read as MODELDIR/bands.json. */
#include "bands.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ff_band_class_names[FF_BAND__COUNT] = {"layer", "network", "parallel"};
const char *const ff_band_class_labels[FF_BAND__COUNT] = {"single-layer", "network",
                                                          "parallel single-layer (R < n_in)"};

int ff_bands_class(const ff_layer_feat *f, const double (*per)[FF_T__COUNT], int nl)
{
    int with = 0, last = -1;
    for (int i = 0; i < nl; i++)
        for (int k = 0; k < FF_T_RES; k++)
            if (per[i][k] > 0) {
                with++;
                last = i;
                break;
            }
    if (with > 1)
        return FF_BAND_NETWORK;
    return last >= 0 && ff_layer_parallel(&f[last]) ? FF_BAND_PARALLEL : FF_BAND_LAYER;
}

int ff_bands_record_class(const ff_dsrec *r)
{
    if (r->network)
        return FF_BAND_NETWORK;
    for (int l = 0; l < r->nl; l++)
        if (ff_layer_parallel(&r->l[l]))
            return FF_BAND_PARALLEL;
    return FF_BAND_LAYER;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void ff_bands_compute(const double (*est)[FF_T__COUNT], const double (*act)[FF_T__COUNT], const int *cls, int64_t n,
                      ff_bands *b)
{
    memset(b, 0, sizeof *b);
    b->records = n;
    double *r = ff_malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
    for (int c = 0; c < FF_BAND__COUNT; c++)
        for (int k = 0; k < FF_T_RES; k++) {
            int64_t m = 0;
            for (int64_t i = 0; i < n; i++)
                if (cls[i] == c && est[i][k] > 0 && act[i][k] >= 0)
                    r[m++] = act[i][k] / est[i][k];
            if (m < FF_BANDS_MIN_N)
                continue;
            qsort(r, (size_t)m, sizeof *r, cmp_d);
            b->n[c][k] = m;
            /* a distribution-free prediction interval: for one more design
             * exchangeable with these m, P(below the j-th smallest) =
             * j/(m+1), so the ranks floor(0.05 (m+1)) and ceil(0.95 (m+1))
             * hold it with probability >= 90% */
            int64_t jl = (int64_t)floor(FF_BANDS_LO * (double)(m + 1) + 1e-9);
            int64_t jh = (int64_t)ceil(FF_BANDS_HI * (double)(m + 1) - 1e-9);
            jl = jl < 1 ? 1 : jl;
            jh = jh > m ? m : jh;
            b->lo[c][k] = r[jl - 1];
            b->hi[c][k] = r[jh - 1];
        }
    free(r);
}

int ff_bands_interval(const ff_bands *b, int cls, int k, double v, double *lo, double *hi)
{
    *lo = *hi = v;
    if (!b || cls < 0 || cls >= FF_BAND__COUNT || k < 0 || k >= FF_T_RES || !b->n[cls][k])
        return 0;
    *lo = v * b->lo[cls][k];
    *hi = v * b->hi[cls][k];
    return 1;
}

int ff_bands_has_class(const ff_bands *b, int cls)
{
    for (int k = 0; b && cls >= 0 && cls < FF_BAND__COUNT && k < FF_T_RES; k++)
        if (b->n[cls][k])
            return 1;
    return 0;
}

#define FF_BANDS_STR(x) #x
#define FF_BANDS_XSTR(x) FF_BANDS_STR(x)
#define FF_BANDS_NO_CLASS(kind)                                                                                        \
    "the error bands have no band for " kind " designs (fewer than " FF_BANDS_XSTR(FF_BANDS_MIN_N) " were "           \
                                                                                                   "cross-validated)"
const char *ff_bands_no_class_why(int cls)
{
    return cls == FF_BAND_NETWORK    ? FF_BANDS_NO_CLASS("network")
           : cls == FF_BAND_PARALLEL ? FF_BANDS_NO_CLASS("parallel single-layer (R < n_in)")
                                     : FF_BANDS_NO_CLASS("single-layer");
}

char *ff_bands_json(const ff_bands *b)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "format", FF_BANDS_FORMAT);
    cJSON_AddNumberToObject(j, "version", FF_BANDS_VERSION);
    cJSON_AddStringToObject(j, "index_sha256", b->index_sha256);
    cJSON_AddStringToObject(j, "measured", "5-fold cross-validation (fogforge surrogate eval --cv --bands): "
                                           "actual / estimate of held-out records; the ranks floor(0.05 (n+1)) and ceil(0.95 (n+1)) "
                                           "of n: a distribution-free 90% prediction interval");
    cJSON_AddNumberToObject(j, "records", (double)b->records);
    cJSON *q = cJSON_AddArrayToObject(j, "quantiles");
    cJSON_AddItemToArray(q, cJSON_CreateNumber(FF_BANDS_LO));
    cJSON_AddItemToArray(q, cJSON_CreateNumber(FF_BANDS_HI));
    cJSON *cl = cJSON_AddObjectToObject(j, "classes");
    for (int c = 0; c < FF_BAND__COUNT; c++) {
        cJSON *o = NULL;
        for (int k = 0; k < FF_T_RES; k++) {
            if (!b->n[c][k])
                continue;
            if (!o)
                o = cJSON_AddObjectToObject(cl, ff_band_class_names[c]);
            cJSON *t = cJSON_AddObjectToObject(o, ff_target_names[k]);
            cJSON_AddNumberToObject(t, "n", (double)b->n[c][k]);
            cJSON *ra = cJSON_AddArrayToObject(t, "ratio");
            /* 6 significant digits: what the file says is what estimate applies */
            char buf[32];
            snprintf(buf, sizeof buf, "%.6g", b->lo[c][k]);
            cJSON_AddItemToArray(ra, cJSON_CreateNumber(strtod(buf, NULL)));
            snprintf(buf, sizeof buf, "%.6g", b->hi[c][k]);
            cJSON_AddItemToArray(ra, cJSON_CreateNumber(strtod(buf, NULL)));
        }
    }
    char *s = cJSON_Print(j);
    cJSON_Delete(j);
    size_t n = strlen(s);
    char *out = ff_malloc(n + 2);
    memcpy(out, s, n);
    out[n] = '\n';
    out[n + 1] = 0;
    cJSON_free(s);
    return out;
}

int ff_bands_parse(const char *text, const char *where, const char *index_sha256, ff_bands *b, ff_err *e)
{
    memset(b, 0, sizeof *b);
    cJSON *j = cJSON_Parse(text);
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(j, "format"), *ver = cJSON_GetObjectItemCaseSensitive(j, "version");
    const cJSON *sha = cJSON_GetObjectItemCaseSensitive(j, "index_sha256"), *rec = cJSON_GetObjectItemCaseSensitive(j, "records");
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(j, "quantiles"), *cl = cJSON_GetObjectItemCaseSensitive(j, "classes");
    int rc = FF_OK;
    if (!j || !cJSON_IsString(fmt) || strcmp(fmt->valuestring, FF_BANDS_FORMAT))
        rc = ff_errf(e, FF_EINPUT, "%s: not a fogforge bands file (no \"format\": \"%s\")", where, FF_BANDS_FORMAT);
    else if (!cJSON_IsNumber(ver) || (ver->valuedouble != 1 && ver->valuedouble != FF_BANDS_VERSION))
        rc = ff_errf(e, FF_EINPUT, "%s: bands version %g; this fogforge reads versions 1 and %d", where,
                     cJSON_IsNumber(ver) ? ver->valuedouble : -1.0, FF_BANDS_VERSION);
    else if (!cJSON_IsString(sha) || strlen(sha->valuestring) != 64)
        rc = ff_errf(e, FF_EINPUT, "%s: no \"index_sha256\" of the model it was measured for", where);
    else if (index_sha256 && strcmp(sha->valuestring, index_sha256))
        rc = ff_errf(e, FF_EINPUT, "%s: measured for another model (its index.json has changed); measure it again "
                                   "with fogforge surrogate eval --cv --bands, or remove it", where);
    else if (!cJSON_IsNumber(rec) || !(rec->valuedouble >= 0 && rec->valuedouble < 1e12))
        rc = ff_errf(e, FF_EINPUT, "%s: \"records\" is not a count", where);
    else if (!cJSON_IsArray(q) || cJSON_GetArraySize(q) != 2 || !cJSON_IsNumber(q->child) ||
             !cJSON_IsNumber(q->child->next) || fabs(q->child->valuedouble - FF_BANDS_LO) > 1e-9 ||
             fabs(q->child->next->valuedouble - FF_BANDS_HI) > 1e-9)
        rc = ff_errf(e, FF_EINPUT, "%s: \"quantiles\" must be [%g, %g]", where, FF_BANDS_LO, FF_BANDS_HI);
    else if (!cJSON_IsObject(cl))
        rc = ff_errf(e, FF_EINPUT, "%s: no \"classes\" object", where);
    if (!rc) {
        snprintf(b->index_sha256, sizeof b->index_sha256, "%s", sha->valuestring);
        b->records = (int64_t)rec->valuedouble;
    }
    for (const cJSON *c = rc ? NULL : cl->child; c && !rc; c = c->next) {
        int ci = -1;
        for (int i = 0; i < FF_BAND__COUNT; i++)
            if (c->string && !strcmp(c->string, ff_band_class_names[i]))
                ci = i;
        if (ci < 0 || !cJSON_IsObject(c)) {
            rc = ff_errf(e, FF_EINPUT, "%s: unknown class '%s' (known: layer, network, parallel)", where,
                         c->string ? c->string : "?");
            break;
        }
        for (const cJSON *t = c->child; t && !rc; t = t->next) {
            int k = -1;
            for (int i = 0; i < FF_T_RES; i++)
                if (t->string && !strcmp(t->string, ff_target_names[i]))
                    k = i;
            const cJSON *n = cJSON_GetObjectItemCaseSensitive(t, "n"), *ra = cJSON_GetObjectItemCaseSensitive(t, "ratio");
            if (k < 0) {
                rc = ff_errf(e, FF_EINPUT, "%s: %s: unknown resource '%s' (known: lut, ff, dsp, bram18)", where,
                             ff_band_class_names[ci], t->string ? t->string : "?");
            } else if (!cJSON_IsNumber(n) || !(n->valuedouble >= 1 && n->valuedouble < 1e12) ||
                       !cJSON_IsArray(ra) || cJSON_GetArraySize(ra) != 2 || !cJSON_IsNumber(ra->child) ||
                       !cJSON_IsNumber(ra->child->next)) {
                rc = ff_errf(e, FF_EINPUT, "%s: %s.%s: needs \"n\" (a count) and \"ratio\" [low, high]", where,
                             ff_band_class_names[ci], ff_target_names[k]);
            } else {
                double lo = ra->child->valuedouble, hi = ra->child->next->valuedouble;
                if (!(lo >= 0 && lo <= hi && hi <= 1e6))
                    rc = ff_errf(e, FF_EINPUT, "%s: %s.%s: ratio [%g, %g] is not 0 <= low <= high", where,
                                 ff_band_class_names[ci], ff_target_names[k], lo, hi);
                b->n[ci][k] = (int64_t)n->valuedouble;
                b->lo[ci][k] = lo;
                b->hi[ci][k] = hi;
            }
        }
    }
    /* a version 1 file measured every single layer in one class: its layer
     * band is the parallel layers' too (a version 1 file naming the
     * parallel class is not one this fogforge wrote) */
    if (!rc && ver->valuedouble == 1) {
        if (ff_bands_has_class(b, FF_BAND_PARALLEL))
            rc = ff_errf(e, FF_EINPUT, "%s: version 1 has no class 'parallel'", where);
        else
            for (int k = 0; k < FF_T_RES; k++) {
                b->n[FF_BAND_PARALLEL][k] = b->n[FF_BAND_LAYER][k];
                b->lo[FF_BAND_PARALLEL][k] = b->lo[FF_BAND_LAYER][k];
                b->hi[FF_BAND_PARALLEL][k] = b->hi[FF_BAND_LAYER][k];
            }
    }
    cJSON_Delete(j);
    if (rc)
        memset(b, 0, sizeof *b);
    return rc;
}
