/* fogforge estimate's engine: features of a quantized model, one surrogate
 * over its layers, utilization, JSON. */
#include "estimate.h"

#include "analytic.h"
#include "emit_rtl.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ff_model_features(const ff_qmodel *q, ff_layer_feat **fs, ff_err *e)
{
    ff_rtl_plan p;
    *fs = NULL;
    int rc = ff_rtl_plan_build(q, NULL, &p, e);
    if (rc)
        return rc;
    ff_layer_feat *f = ff_calloc((size_t)(q->g->nn ? q->g->nn : 1), sizeof *f);
    ff_live live;
    ff_live_compute(q, &live);
    for (int i = 0; i < q->g->nn; i++)
        ff_layer_features(q, i, &live, &f[i]);
    ff_live_free(&live);
    /* the plan and the features compute timing with the same function */
    for (int k = 0; k < p.nl; k++)
        if (f[p.l[k].ni].latency != p.l[k].latency || f[p.l[k].ni].ii != p.l[k].ii)
            rc = ff_errf(e, FF_EINTERNAL, "layer '%s': feature timing %d/%d differs from the RTL plan's %d/%d",
                         q->g->n[p.l[k].ni].name, f[p.l[k].ni].latency, f[p.l[k].ni].ii, p.l[k].latency, p.l[k].ii);
    ff_rtl_plan_free(&p);
    if (rc) {
        free(f);
        return rc;
    }
    *fs = f;
    return FF_OK;
}

/* The calibration cache. Quantizing an .onnx runs the float model on the
 * calibration inputs (1,000 synthetic ones by default), most of an
 * estimate's time (the jet: 2.6 ms of 3), and what it measures, each
 * tensor's range, depends only on the model file and the inputs, not on
 * the bit widths or reuse factors a config sets. So estimate keeps the
 * ranges in the user's cache (hls/calcache.h: keyed by the model file's
 * sha256, the inputs and fogforge's version), and the next estimate of the
 * same model quantizes from them: the very model `gen` builds, without the
 * run. (Until session 20 estimate calibrated on the first 32 samples
 * instead, exact for every feature but a Softmax's exp table: the jet's
 * Softmax came out 2,590 LUTs against 3,160 for the model gen builds,
 * Yosys 3,071.) */
static int cache_dir(char *buf, size_t n)
{
    const char *d = getenv("FOGFORGE_CACHE"), *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
    int w;
    if (d && *d) {
        if (!strcmp(d, "off"))
            return 0;
        w = snprintf(buf, n, "%s", d);
    } else if (x && *x) {
        w = snprintf(buf, n, "%s/fogforge", x);
    } else if (h && *h) {
        w = snprintf(buf, n, "%s/.cache/fogforge", h);
    } else {
        return 0;
    }
    return w > 0 && (size_t)w < n;
}

int ff_estimate_load(const char *path, const ff_quant_opts *o, ff_qmodel **out, int *cached, ff_err *e)
{
    ff_quant_opts qo = o ? *o : (ff_quant_opts){0};
    char dir[1000];
    int hit = 0;
    if (cache_dir(dir, sizeof dir)) {
        qo.calib_cache = dir;
        qo.calib_cached = &hit;
    }
    int rc = ff_model_load_quant(path, &qo, out, e);
    if (cached)
        *cached = !rc && hit;
    return rc;
}

int ff_estimate_model(const ff_qmodel *q, const char *model_path, const ff_surrogate *s, const ff_part *part,
                      double clock_ns, ff_estimate *out, ff_err *e)
{
    return ff_estimate_model_io(q, model_path, s, part, clock_ns, 0, 0, out, e);
}

void ff_stream_blocks(const ff_qmodel *q, const ff_rtl_plan *p, ff_stream_feat *st)
{
    const ff_graph *g = q->g;
    for (int k = 0; k < p->nl; k++) {
        const ff_rtl_layer *L = &p->l[k];
        ff_stream_feat *sl = &st[L->ni];
        if (k == p->nseg && p->nseg < p->nl) {
            const ff_tensor *t = &g->t[g->n[L->ni].in[0]];
            int64_t px = t->rank >= 3 ? t->dims[t->rank - 1] : ff_tensor_size(t);
            sl->collect_pixels = ff_tensor_size(t) / px;
            sl->collect_elems = px;
            sl->in_bits = q->qt[g->n[L->ni].in[0]].bits;
        }
        if (!L->stream)
            continue;
        sl->has_pad = L->w.has_pad;
        sl->has_win = L->w.has_win;
        sl->PH = L->w.PH;
        sl->PW = L->w.PW;
        sl->C = L->w.C;
        sl->kh = L->w.kh;
        sl->kw = L->w.kw;
        sl->in_bits = q->qt[g->n[L->ni].in[0]].bits;
    }
}

void ff_stream_pe_features(const ff_rtl_layer *L, int reuse, ff_layer_feat *fl)
{
    /* the PE: one window (or pixel) in, its channels out */
    fl->in_size = L->n_in;
    fl->out_size = L->n_out;
    fl->pixels = L->kind == FF_RTL_DOT && fl->n_out ? L->n_out / fl->n_out : 1;
    if (fl->pixels < 1)
        fl->pixels = 1;
    /* the PE's products are the weights themselves (padding comes in as
     * zeros from the pad block); the kept-logic analysis is the parallel
     * plan's, so the PE counts everything */
    ff_layer_feat_keep_all(fl);
    ff_layer_feat_set_reuse(fl, reuse);
}

/* io stream: the streaming layers' features become their PE's (one window
 * or pixel in, pixels 1), checked against the stream plan's timing; st[ni]
 * receives each layer's stream blocks (the collector at the layer it feeds). */
static int stream_features(const ff_qmodel *q, const ff_rtl_plan *p, ff_layer_feat *f, ff_stream_feat *st, ff_err *e)
{
    const ff_graph *g = q->g;
    ff_stream_blocks(q, p, st);
    for (int k = 0; k < p->nl; k++) {
        const ff_rtl_layer *L = &p->l[k];
        ff_layer_feat *fl = &f[L->ni];
        if (!L->stream || L->kind == FF_RTL_WIRE)
            continue;
        ff_stream_pe_features(L, L->reuse, fl);
        if (fl->latency != L->latency || fl->ii != L->ii || (L->kind == FF_RTL_DOT && fl->mults != L->mults))
            return ff_errf(e, FF_EINTERNAL,
                           "layer '%s': io stream PE features (latency %d, II %d, %lld multipliers) differ from the "
                           "RTL plan's (%d, %d, %lld)",
                           g->n[L->ni].name, fl->latency, fl->ii, (long long)fl->mults, L->latency, L->ii,
                           (long long)L->mults);
    }
    return FF_OK;
}

int ff_estimate_model_io(const ff_qmodel *q, const char *model_path, const ff_surrogate *s, const ff_part *part,
                         double clock_ns, double pipe_clock_ns, int io_stream, ff_estimate *out, ff_err *e)
{
    return ff_estimate_model_slices(q, model_path, s, part, clock_ns, pipe_clock_ns, io_stream, 0, out, e);
}

int ff_estimate_model_slices(const ff_qmodel *q, const char *model_path, const ff_surrogate *s, const ff_part *part,
                             double clock_ns, double pipe_clock_ns, int io_stream, int slices, ff_estimate *out,
                             ff_err *e)
{
    memset(out, 0, sizeof *out);
    if (slices && io_stream)
        return ff_errf(e, FF_EINPUT, FF_RTL_SLICES_NOT_STREAM);
    ff_layer_feat *f;
    int rc = ff_model_features(q, &f, e);
    if (rc)
        return rc;
    ff_rtl_plan sp = {0};
    ff_stream_feat *st = NULL;
    if (io_stream) {
        /* as gen builds it: the fixed plan (--clock does not pipeline io stream) */
        pipe_clock_ns = 0;
        rc = ff_rtl_plan_build_opts(q, model_path, 1, 0, &sp, e);
        if (!rc) {
            st = ff_calloc((size_t)(q->g->nn ? q->g->nn : 1), sizeof *st);
            rc = stream_features(q, &sp, f, st, e);
        }
        if (rc) {
            ff_rtl_plan_free(&sp);
            free(st);
            free(f);
            return rc;
        }
    }
    if (pipe_clock_ns > 0)
        for (int i = 0; i < q->g->nn; i++) {
            f[i].clock_ns = pipe_clock_ns;
            f[i].rq_t_bits = ff_layer_rq_t_bits(q, i);
            ff_layer_feat_set_reuse(&f[i], f[i].reuse > 0 ? f[i].reuse : 1);
        }
    const char *base = model_path ? strrchr(model_path, '/') : NULL;
    base = base ? base + 1 : (model_path ? model_path : "model");
    snprintf(out->design, sizeof out->design, "%s", base);
    char *dot = strrchr(out->design, '.');
    if (dot && dot != out->design)
        *dot = 0;
    out->part = part;
    out->clock_ns = clock_ns;
    out->nl = q->g->nn;
    out->l = ff_calloc((size_t)(out->nl ? out->nl : 1), sizeof *out->l);
    double (*per)[FF_T__COUNT] = ff_malloc(sizeof *per * (size_t)(out->nl ? out->nl : 1));
    ff_surrogate_network(s, f, out->nl, per, out->total);
    /* a single chain's latency is the sum of the layers', its II their
     * maximum; a branching graph's, or a sliced one's, are the plan's (the
     * longest path and the FIFOs that balance the branches; the slices) */
    if (!io_stream && (slices || ff_rtl_graph_branch(q->g) >= 0)) {
        ff_rtl_plan bp;
        rc = ff_rtl_plan_build_slices(q, model_path, 0, pipe_clock_ns, slices, &bp, e);
        if (rc) {
            free(per);
            free(f);
            ff_estimate_free(out);
            return rc;
        }
        out->total[FF_T_LATENCY] = bp.latency;
        out->total[FF_T_II] = bp.ii;
        ff_analytic_slices(&bp, per, out->total); /* each slice's cost on the layer it feeds */
        out->slices = slices;
        ff_rtl_plan_free(&bp);
    }
    if (io_stream) {
        for (int i = 0; i < out->nl; i++) {
            double x[FF_T__COUNT] = {0};
            ff_analytic_stream(&st[i], x);
            for (int k = 0; k < FF_T_RES; k++) {
                per[i][k] += x[k];
                out->total[k] += x[k];
            }
        }
        out->total[FF_T_LATENCY] = sp.latency;
        out->total[FF_T_II] = sp.ii;
        ff_rtl_plan_free(&sp);
        free(st);
    }
    /* the interval: the bands were measured on io parallel designs at the
     * fixed plan (the dataset's), and only hold for those */
    const ff_bands *b = ff_surrogate_bands(s);
    if (!b)
        out->no_interval = ff_surrogate_dir(s) ? "the surrogate has no error bands (surrogate eval --cv --bands)"
                                               : "the analytical model has no error bands";
    else if (io_stream)
        out->no_interval = "the error bands were measured on io parallel designs";
    else if (pipe_clock_ns > 0)
        out->no_interval = "the error bands were measured at the fixed plan, not --clock";
    else if (slices)
        out->no_interval = "the error bands were measured on designs without --slices";
    else {
        out->has_interval = 1;
        out->band_class = ff_bands_class(f, (const double (*)[FF_T__COUNT])per, out->nl);
        for (int k = 0; k < FF_T_RES; k++) {
            ff_bands_interval(b, out->band_class, k, out->total[k], &out->lo[k], &out->hi[k]);
            out->band_n[k] = b->n[out->band_class][k];
        }
        if (!ff_bands_has_class(b, out->band_class)) { /* too few cross-validated records of the class */
            out->has_interval = 0;
            out->no_interval = ff_bands_no_class_why(out->band_class);
        }
    }
    for (int i = 0; i < out->nl; i++) {
        snprintf(out->l[i].name, sizeof out->l[i].name, "%s", q->g->n[i].name);
        out->l[i].op = f[i].op;
        out->l[i].reuse = f[i].reuse;
        memcpy(out->l[i].v, per[i], sizeof per[i]);
    }
    free(per);
    free(f);
    out->estimator = ff_surrogate_kind(s);
    out->surrogate = ff_surrogate_dir(s);
    return FF_OK;
}

void ff_estimate_free(ff_estimate *r)
{
    free(r->l);
    r->l = NULL;
}

double ff_est_utilization(const double t[FF_T__COUNT], const ff_part *p, double u[4])
{
    const double cap[4] = {(double)p->lut, (double)p->ff, (double)p->dsp, (double)p->bram18};
    double m = 0;
    for (int k = 0; k < 4; k++) {
        u[k] = cap[k] > 0 ? t[k] / cap[k] : 0;
        if (u[k] > m)
            m = u[k];
    }
    return m;
}

static void add_res(cJSON *o, const char *k, const double *v)
{
    cJSON *r = cJSON_AddObjectToObject(o, k);
    for (int i = 0; i < FF_T_RES; i++)
        cJSON_AddNumberToObject(r, ff_target_names[i], (double)(int64_t)(v[i] + 0.5));
}

char *ff_estimate_json(const ff_estimate *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "design", r->design);
    cJSON_AddStringToObject(o, "source", "estimate");
    cJSON_AddStringToObject(o, "estimator", r->estimator);
    if (r->surrogate)
        cJSON_AddStringToObject(o, "surrogate", r->surrogate);
    else
        cJSON_AddNullToObject(o, "surrogate");
    cJSON_AddStringToObject(o, "part", r->part->name);
    cJSON_AddStringToObject(o, "family", r->part->family);
    add_res(o, "total", r->total);
    cJSON_AddNumberToObject(o, "latency_cycles", r->total[FF_T_LATENCY]);
    cJSON_AddNumberToObject(o, "ii", r->total[FF_T_II]);
    cJSON_AddNumberToObject(o, "clock_ns", r->clock_ns);
    if (r->slices)
        cJSON_AddBoolToObject(o, "slices", 1);
    cJSON_AddNumberToObject(o, "latency_ns", r->total[FF_T_LATENCY] * r->clock_ns);
    const double cap[FF_T_RES] = {(double)r->part->lut, (double)r->part->ff, (double)r->part->dsp,
                                  (double)r->part->bram18};
    add_res(o, "available", cap);
    double u[4];
    double m = ff_est_utilization(r->total, r->part, u);
    cJSON *uj = cJSON_AddObjectToObject(o, "utilization");
    for (int k = 0; k < 4; k++)
        cJSON_AddNumberToObject(uj, ff_target_names[k], u[k]);
    cJSON_AddBoolToObject(o, "fits", m <= 1.0);
    if (r->has_interval) {
        /* the 90% prediction interval from the cross-validated designs of this class */
        cJSON *iv = cJSON_AddObjectToObject(o, "interval");
        cJSON *q = cJSON_AddArrayToObject(iv, "quantiles");
        cJSON_AddItemToArray(q, cJSON_CreateNumber(FF_BANDS_LO));
        cJSON_AddItemToArray(q, cJSON_CreateNumber(FF_BANDS_HI));
        cJSON_AddStringToObject(iv, "class", ff_band_class_names[r->band_class]);
        for (int k = 0; k < FF_T_RES; k++) {
            if (!r->band_n[k])
                continue;
            cJSON *t = cJSON_AddObjectToObject(iv, ff_target_names[k]);
            cJSON *lh = cJSON_AddArrayToObject(t, "range");
            cJSON_AddItemToArray(lh, cJSON_CreateNumber((double)(int64_t)floor(r->lo[k])));
            cJSON_AddItemToArray(lh, cJSON_CreateNumber((double)(int64_t)ceil(r->hi[k])));
            cJSON_AddNumberToObject(t, "records", (double)r->band_n[k]);
        }
        double hu[4];
        cJSON_AddBoolToObject(iv, "fits_at_high", ff_est_utilization(r->hi, r->part, hu) <= 1.0);
    } else {
        cJSON_AddNullToObject(o, "interval");
    }
    cJSON *ls = cJSON_AddArrayToObject(o, "layers");
    for (int i = 0; i < r->nl; i++) {
        const ff_est_layer *L = &r->l[i];
        cJSON *l = cJSON_CreateObject();
        cJSON_AddStringToObject(l, "name", L->name);
        cJSON_AddStringToObject(l, "op", ff_op_name((ff_op)L->op));
        cJSON_AddNumberToObject(l, "reuse", L->reuse);
        for (int k = 0; k < FF_T_RES; k++)
            cJSON_AddNumberToObject(l, ff_target_names[k], (double)(int64_t)(L->v[k] + 0.5));
        cJSON_AddNumberToObject(l, "latency_cycles", L->v[FF_T_LATENCY]);
        cJSON_AddNumberToObject(l, "ii", L->v[FF_T_II]);
        cJSON_AddItemToArray(ls, l);
    }
    char *s = cJSON_Print(o);
    cJSON_Delete(o);
    return s;
}

static int has_index(const char *dir)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/index.json", dir);
    return access(p, R_OK) == 0;
}

const char *ff_surrogate_default_dir(char *buf, size_t n)
{
    const char *env = getenv("FOGFORGE_SURROGATE");
    if (env && *env) {
        snprintf(buf, n, "%s", env);
        return buf;
    }
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return NULL;
    exe[len] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = 0;
    static const char *const rel[] = {"../surrogates/models", "../share/fogforge/surrogates"};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        snprintf(buf, n, "%s/%s", exe, rel[i]);
        if (has_index(buf))
            return buf;
    }
    return NULL;
}
