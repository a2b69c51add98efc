/* Exploration: bit widths under the accuracy floor (uniform, then a greedy
 * per-layer descent of weight bits), and for each, every valid reuse factor
 * of every layer combined by a dynamic program over the layers that keeps
 * the non-dominated partial designs (latency, II, LUT, FF, DSP, BRAM). */
#include "explore.h"

#include "exec.h"
#include "model.h"
#include "estimate.h"
#include "live.h"
#include "analytic.h"
#include "emit_rtl.h"
#include "strbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_STATES 3000

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct {
    const ff_explore_opts *o;
    ff_graph *fg;        /* float model */
    float *xs;           /* calibration inputs */
    int64_t n, in_size, out_size;
    int64_t *ref;        /* float argmax per input */
    int nn;
    char **names;
    int *dot;            /* node has multipliers */
    int logic_nodes;     /* nodes that build logic (not wiring): one makes the design that node */
    ff_calib_ranges *ranges; /* gen's calibration of the model, measured by the first quantize */
} ctx;

/* {"Model": {...}, "LayerName": {...}} for bits (w, a, per-node wl), reuse,
 * Model.slices and Model.io */
static char *cfg_json_of(int nn, char *const *names, const int *dot, int w, int a, const int *wl, const int *reuse,
                         int slices, int io_stream)
{
    ff_sb b = {0};
    ff_sb_printf(&b, "{\n  \"Model\": {\"weight_bits\": %d, \"act_bits\": %d%s%s},\n  \"LayerName\": {", w, a,
                 slices ? ", \"slices\": true" : "", io_stream ? ", \"io\": \"stream\"" : "");
    int first = 1;
    for (int i = 0; i < nn; i++) {
        if (!dot[i])
            continue;
        int ow = wl && wl[i] != w, orr = reuse && reuse[i] != 1;
        if (!ow && !orr)
            continue;
        ff_sb_printf(&b, "%s\n    \"%s\": {", first ? "" : ",", names[i]);
        if (ow)
            ff_sb_printf(&b, "\"weight_bits\": %d%s", wl[i], orr ? ", " : "");
        if (orr)
            ff_sb_printf(&b, "\"reuse\": %d", reuse[i]);
        ff_sb_printf(&b, "}");
        first = 0;
    }
    ff_sb_printf(&b, "%s}\n}\n", first ? "" : "\n  ");
    return b.s;
}

static char *cfg_json(const ctx *c, int w, int a, const int *wl, const int *reuse)
{
    return cfg_json_of(c->nn, c->names, c->dot, w, a, wl, reuse, 0, 0);
}

static int quantize(const ctx *c, const char *json, ff_qmodel **q, ff_err *e)
{
    ff_qconfig *cfg;
    int rc = ff_qconfig_parse(json, "explore", &cfg, e);
    if (rc)
        return rc;
    ff_graph *g;
    rc = ff_model_load_graph(c->o->model, &g, e);
    if (!rc) {
        /* calibrated as `gen --config` will (its synthetic inputs, or the same
         * --calib file), so the design estimated is the one gen builds; the
         * explore's own inputs only measure the agreement */
        ff_calib_opts co = {0};
        if (c->o->calib) {
            co.samples = c->xs;
            co.n = c->n;
        }
        /* the ranges depend on the inputs, not on the bits: measured once */
        if (c->ranges->tmin)
            co.ranges = c->ranges;
        else
            co.ranges_out = c->ranges;
        rc = ff_quantize(g, cfg, &co, q, e);
    }
    ff_qconfig_free(cfg);
    return rc;
}

static double agreement(const ctx *c, const ff_qmodel *q)
{
    ff_qplan *p = ff_qplan_new(q);
    int32_t *qx = ff_malloc(sizeof(int32_t) * (size_t)c->in_size), *qy = ff_malloc(sizeof(int32_t) * (size_t)c->out_size);
    float *y = ff_malloc(sizeof(float) * (size_t)c->out_size);
    int64_t same = 0;
    for (int64_t i = 0; i < c->n; i++) {
        ff_quantize_input(q, c->xs + i * c->in_size, qx);
        ff_qplan_run(p, qx, qy);
        ff_dequantize_output(q, qy, y);
        same += ff_argmax_f(y, c->out_size) == c->ref[i];
    }
    ff_qplan_free(p);
    free(qx), free(qy), free(y);
    return c->n ? (double)same / (double)c->n : 1.0;
}

/* agreement of bits (w, a, wl); -1 on a quantization error */
static double try_bits(const ctx *c, int w, int a, const int *wl, ff_explore *x)
{
    char *js = cfg_json(c, w, a, wl, NULL);
    ff_qmodel *q;
    ff_err e = {0};
    double ag = -1;
    x->tried++;
    if (!quantize(c, js, &q, &e)) {
        ag = agreement(c, q);
        ff_qmodel_free(q);
    }
    free(js);
    return ag;
}

static void accept(ff_explore *x, const ctx *c, int w, int a, const int *wl, double ag)
{
    x->cfgs = ff_realloc(x->cfgs, sizeof(char *) * (size_t)(x->ncfg + 1));
    x->cfg_agree = ff_realloc(x->cfg_agree, sizeof(double) * (size_t)(x->ncfg + 1));
    x->cfg_w = ff_realloc(x->cfg_w, sizeof(int) * (size_t)(x->ncfg + 1));
    x->cfg_a = ff_realloc(x->cfg_a, sizeof(int) * (size_t)(x->ncfg + 1));
    x->cfg_wl = ff_realloc(x->cfg_wl, sizeof(int *) * (size_t)(x->ncfg + 1));
    x->cfg_w[x->ncfg] = w;
    x->cfg_a[x->ncfg] = a;
    x->cfg_wl[x->ncfg] = NULL;
    if (wl) {
        x->cfg_wl[x->ncfg] = ff_malloc(sizeof(int) * (size_t)c->nn);
        memcpy(x->cfg_wl[x->ncfg], wl, sizeof(int) * (size_t)c->nn);
    }
    x->cfgs[x->ncfg] = cfg_json(c, w, a, wl, NULL);
    x->cfg_agree[x->ncfg++] = ag;
}

typedef struct {
    double v[FF_T__COUNT]; /* latency: the latest arrival so far */
    int *ch;   /* reuse per node */
    int *arr;  /* per node (in ch's allocation): the cycle its output is valid for a sample
                * entering the empty design, as ff_rtl_dag_critical counts it */
} state;

/* b dominates a: no target worse, and no output that later nodes still
 * read arrives later (open[m]: node m's output feeds a node not yet chosen;
 * in a chain only the last node's, whose arrival is the latency) */
static int dominated(const state *a, const state *b, const unsigned char *open, int nn)
{
    for (int k = 0; k < FF_T__COUNT; k++)
        if (b->v[k] > a->v[k])
            return 0;
    for (int m = 0; m < nn; m++)
        if (open[m] && b->arr[m] > a->arr[m])
            return 0;
    return 1;
}

/* Node i's arrival for latency lat: its latest input (a register slice on
 * it adds a cycle) plus lat; the design's latency is the output's, the
 * longest path (p: the RTL plan of the model, for its buses and slices). */
static int arrival(const ff_rtl_plan *p, int i, const int *arr, int lat)
{
    if (!p->dag) /* a chain: the plan lists no buses */
        return (i ? arr[i - 1] : 0) + lat;
    const ff_rtl_layer *L = &p->l[i];
    int a = 0;
    for (int j = 0; j < L->nsrc; j++) {
        int s = L->src[j], as = (s ? arr[s - 1] : 0) + L->slice[j];
        a = as > a ? as : a;
    }
    return a + lat;
}

static double cost_of(const ff_explore_opts *o, const double *v)
{
    double m = 0;
    for (int k = 0; k < FF_T_RES; k++) {
        double w = v[k] * (o->margin[k] > 0 ? o->margin[k] : 1);
        double u = o->budget[k] > 0 ? w / o->budget[k] : (w > 0 ? INFINITY : 0);
        if (u > m)
            m = u;
    }
    return m;
}

static int cmp_cost(const void *a, const void *b, void *o)
{
    double x = cost_of(o, ((const state *)a)->v) + ((const state *)a)->v[FF_T_LATENCY] * 1e-9;
    double y = cost_of(o, ((const state *)b)->v) + ((const state *)b)->v[FF_T_LATENCY] * 1e-9;
    return x < y ? -1 : x > y;
}

static void add_point(ff_explore *x, const ff_explore_opts *o, const state *s, int nl_model, int nn, int cfg,
                      double ag, int feasible_only, ff_design_pt **pts, int *np)
{
    (void)nl_model;
    ff_design_pt d = {{0}, 0, ag, cfg, NULL};
    memcpy(d.v, s->v, sizeof d.v);
    ff_surrogate_add_glue(o->s, nn, d.v);
    d.v[FF_T_DSP] = round(d.v[FF_T_DSP]);
    d.v[FF_T_BRAM] = round(d.v[FF_T_BRAM]);
    if (d.v[FF_T_II] < 1)
        d.v[FF_T_II] = 1;
    d.cost = cost_of(o, d.v);
    int fits = d.cost <= 1.0 && (o->max_latency <= 0 || d.v[FF_T_LATENCY] <= o->max_latency);
    if (feasible_only && !fits)
        return;
    if (!feasible_only) {
        /* how far from fitting: the worst ratio, latency included */
        double miss = d.cost;
        if (o->max_latency > 0 && d.v[FF_T_LATENCY] / o->max_latency > miss)
            miss = d.v[FF_T_LATENCY] / o->max_latency;
        double best = x->closest.reuse ? fmax(x->closest.cost, o->max_latency > 0 ? x->closest.v[FF_T_LATENCY] / o->max_latency : 0) : INFINITY;
        if (miss < best) {
            free(x->closest.reuse);
            x->closest = d;
            x->closest.reuse = ff_malloc(sizeof(int) * (size_t)nn);
            memcpy(x->closest.reuse, s->ch, sizeof(int) * (size_t)nn);
        }
        return;
    }
    d.reuse = ff_malloc(sizeof(int) * (size_t)nn);
    memcpy(d.reuse, s->ch, sizeof(int) * (size_t)nn);
    *pts = ff_realloc(*pts, sizeof **pts * (size_t)(*np + 1));
    (*pts)[(*np)++] = d;
}


/* io stream: a candidate's latency and II, exact: the stream plan of its
 * reuse factors (reuse[] per node) and its handshake model, as gen and
 * estimate build them. Nonzero when the plan cannot be built. */
static int stream_timing(ff_qmodel *q, const int *reuse, int nn, double v[FF_T__COUNT])
{
    int *was = ff_malloc(sizeof(int) * (size_t)(nn ? nn : 1));
    for (int i = 0; i < nn; i++) {
        was[i] = q->qn[i].cfg.reuse;
        q->qn[i].cfg.reuse = reuse[i] > 0 ? reuse[i] : 1;
    }
    ff_rtl_plan p;
    ff_err e = {0};
    int rc = ff_rtl_plan_build_opts(q, NULL, 1, 0, &p, &e);
    if (!rc) {
        v[FF_T_LATENCY] = p.latency;
        v[FF_T_II] = p.ii;
        ff_rtl_plan_free(&p);
    }
    for (int i = 0; i < nn; i++)
        q->qn[i].cfg.reuse = was[i];
    free(was);
    return rc;
}

/* What the search of one bits configuration needs of the design's RTL
 * plan, beside the layers' features */
typedef struct {
    ff_rtl_plan pl;     /* as gen builds it (sliced with --slices): the buses feeding each node */
    ff_rtl_plan sp;     /* io stream: the stream plan (the PEs' shapes, the stream blocks) */
    ff_stream_feat *st; /* io stream: each node's stream blocks; NULL for io parallel */
    int64_t *beats;     /* windows (or pixels) a node takes per sample: 1 unless it streams */
    int *last_use;      /* the last node that reads node m's output */
} shape;

static void shape_free(shape *h)
{
    free(h->st);
    free(h->beats);
    free(h->last_use);
    ff_rtl_plan_free(&h->sp);
    ff_rtl_plan_free(&h->pl);
}

static int shape_init(const ff_qmodel *q, const ff_explore_opts *o, int nn, shape *h, ff_err *e)
{
    memset(h, 0, sizeof *h);
    /* a chain without slices needs no plan: its buses are its order (pl.dag
     * 0), and ff_model_features has already checked that it builds */
    int rc = o->slices || ff_rtl_graph_branch(q->g) >= 0 ? ff_rtl_plan_build_slices(q, NULL, 0, 0, o->slices, &h->pl, e)
                                                          : FF_OK;
    if (rc)
        return rc;
    /* io stream: the stream plan at this configuration's reuse, for the
     * PEs' shapes and the stream blocks (padding, line buffers, collector),
     * whose cost does not depend on the reuse factors */
    if (o->io_stream) {
        if ((rc = ff_rtl_plan_build_opts(q, NULL, 1, 0, &h->sp, e))) {
            ff_rtl_plan_free(&h->pl);
            return rc;
        }
        h->st = ff_calloc((size_t)(nn ? nn : 1), sizeof *h->st);
        ff_stream_blocks(q, &h->sp, h->st);
    }
    h->beats = ff_malloc(sizeof(int64_t) * (size_t)(nn ? nn : 1));
    h->last_use = ff_malloc(sizeof(int) * (size_t)(nn ? nn : 1));
    for (int i = 0; i < nn; i++) {
        const ff_rtl_layer *L = h->st ? &h->sp.l[i] : NULL;
        h->beats[i] = L && L->stream && L->n_out ? ff_tensor_size(&q->g->t[q->g->n[i].out]) / L->n_out : 1;
        h->last_use[i] = h->pl.dag ? i : i + 1 < nn ? i + 1 : i;
    }
    for (int i = 0; h->pl.dag && i < nn; i++)
        for (int j = 0; j < h->pl.l[i].nsrc; j++)
            if (h->pl.l[i].src[j] > 0 && h->last_use[h->pl.l[i].src[j] - 1] < i)
                h->last_use[h->pl.l[i].src[j] - 1] = i;
    return FF_OK;
}

/* What every candidate starts with: the register slices (--slices) and the
 * stream blocks (io stream), which do not depend on the reuse factors */
static void shape_start(const shape *h, const ff_explore_opts *o, int nn, double v[FF_T__COUNT])
{
    if (o->slices)
        ff_analytic_slices(&h->pl, NULL, v);
    for (int i = 0; h->st && i < nn; i++) {
        double x[FF_T__COUNT] = {0};
        ff_analytic_stream(&h->st[i], x);
        for (int k = 0; k < FF_T_RES; k++)
            v[k] += x[k];
    }
    v[FF_T_LATENCY] = 0;
}

/* Node i's options: its valid reuse factors (*ropt) and the surrogate's
 * estimate at each (*vopt), from its features at that factor as `estimate`
 * computes them for the config explore writes (the ROM columns, input
 * selects and multipliers counted at that factor, not only the timing
 * re-derived), pipelined for --clock, as the stream PE for io stream.
 * Returns how many. */
static int node_options(const ctx *c, ff_qmodel *q, const ff_layer_feat *f, const ff_live *live, const shape *h,
                        int i, int **ropt, double (**vopt)[FF_T__COUNT], ff_explore *x)
{
    const ff_explore_opts *o = c->o;
    int nopt = 0;
    int64_t ni = f[i].n_in, total = f[i].n_in * f[i].n_out;
    int dot = c->dot[i] && ni > 0;
    /* --clock: the layer's pipeline for that period, as estimate --clock sets it */
    double rq_t = o->clock_ns > 0 ? ff_layer_rq_t_bits(q, i) : 0;
    const ff_rtl_layer *L = h->st ? &h->sp.l[i] : NULL;
    *ropt = NULL;
    *vopt = NULL;
    for (int64_t r = 1; r <= (dot ? total : 1); r++) {
        if (dot && !(ni % r == 0 || (r % ni == 0 && total % r == 0)))
            continue;
        ff_layer_feat g = f[i];
        if (dot && r != f[i].reuse) {
            int was = q->qn[i].cfg.reuse;
            q->qn[i].cfg.reuse = (int)r;
            ff_layer_features(q, i, live, &g);
            q->qn[i].cfg.reuse = was;
        } else {
            ff_layer_feat_set_reuse(&g, (int)r);
        }
        if (o->clock_ns > 0) {
            g.clock_ns = o->clock_ns;
            g.rq_t_bits = rq_t;
            ff_layer_feat_set_reuse(&g, (int)r);
        }
        if (L && L->stream && L->kind != FF_RTL_WIRE)
            ff_stream_pe_features(L, (int)r, &g);
        *ropt = ff_realloc(*ropt, sizeof(int) * (size_t)(nopt + 1));
        *vopt = ff_realloc(*vopt, sizeof **vopt * (size_t)(nopt + 1));
        (*ropt)[nopt] = (int)r;
        /* a design of this one node with logic is estimated as estimate does (ff_surrogate_network) */
        if (c->logic_nodes == 1)
            ff_surrogate_layer_alone(o->s, &g, (*vopt)[nopt]);
        else
            ff_surrogate_layer(o->s, &g, (*vopt)[nopt]);
        x->evaluated++;
        nopt++;
    }
    return nopt;
}

/* all reuse combinations of one bits configuration */
static int search(const ctx *c, ff_explore *x, int cfg, int feasible_only, ff_design_pt **pts, int *np, ff_err *e)
{
    const ff_explore_opts *o = c->o;
    ff_qmodel *q;
    int rc = quantize(c, x->cfgs[cfg], &q, e);
    if (rc)
        return rc;
    ff_layer_feat *f;
    rc = ff_model_features(q, &f, e);
    if (rc) {
        ff_qmodel_free(q);
        return rc;
    }
    int nn = c->nn;
    shape h;
    if ((rc = shape_init(q, o, nn, &h, e))) {
        free(f);
        ff_qmodel_free(q);
        return rc;
    }
    unsigned char *open = ff_calloc((size_t)(nn ? nn : 1), 1); /* node m's output feeds a node not chosen yet */
    ff_live live;
    ff_live_compute(q, &live);
    state *cur = ff_calloc(1, sizeof *cur);
    int ncur = 1;
    cur[0].ch = ff_calloc((size_t)(2 * nn), sizeof(int));
    cur[0].arr = cur[0].ch + nn;
    shape_start(&h, o, nn, cur[0].v);
    for (int i = 0; i < nn; i++) {
        int *ropt;
        double (*vopt)[FF_T__COUNT];
        int nopt = node_options(c, q, f, &live, &h, i, &ropt, &vopt, x);
        for (int m = 0; m <= i; m++)
            open[m] = h.last_use[m] > i;
        state *nx = ff_malloc(sizeof *nx * (size_t)ncur * (size_t)nopt);
        int nnx = 0;
        for (int s = 0; s < ncur; s++)
            for (int k = 0; k < nopt; k++) {
                state t;
                for (int m = 0; m < FF_T_RES; m++)
                    t.v[m] = cur[s].v[m] + vopt[k][m];
                /* the longest path so far: in a chain, the sum of the latencies */
                int a = arrival(&h.pl, i, cur[s].arr, (int)lround(vopt[k][FF_T_LATENCY]));
                t.v[FF_T_LATENCY] = fmax(cur[s].v[FF_T_LATENCY], a);
                /* io stream: a layer's II is per window or pixel, so its share of
                 * the sample's II is that times its windows (the stream's
                 * bottleneck); latency and II are made exact below, and only
                 * then held to --max-latency */
                t.v[FF_T_II] = fmax(cur[s].v[FF_T_II], vopt[k][FF_T_II] * h.beats[i]);
                if (feasible_only && (cost_of(o, t.v) > 1.0 ||
                                      (!h.st && o->max_latency > 0 && t.v[FF_T_LATENCY] > o->max_latency)))
                    continue;
                t.ch = ff_malloc(sizeof(int) * (size_t)(2 * nn));
                memcpy(t.ch, cur[s].ch, sizeof(int) * (size_t)(2 * nn));
                t.arr = t.ch + nn;
                t.ch[i] = ropt[k];
                t.arr[i] = a;
                nx[nnx++] = t;
            }
        for (int s = 0; s < ncur; s++)
            free(cur[s].ch);
        free(cur);
        free(ropt);
        free(vopt);
        /* keep the non-dominated ones, at most MAX_STATES (cheapest first) */
        qsort_r(nx, (size_t)nnx, sizeof *nx, cmp_cost, (void *)o);
        int keep = 0;
        for (int s = 0; s < nnx; s++) {
            int dom = 0;
            for (int k = 0; k < keep && !dom; k++)
                dom = dominated(&nx[s], &nx[k], open, nn);
            if (dom || keep >= MAX_STATES) {
                free(nx[s].ch);
                continue;
            }
            nx[keep++] = nx[s];
        }
        cur = nx;
        ncur = keep;
        if (!ncur)
            break;
    }
    for (int s = 0; s < ncur; s++) {
        if (!h.st || !stream_timing(q, cur[s].ch, nn, cur[s].v))
            add_point(x, o, &cur[s], q->g->nn, nn, cfg, x->cfg_agree[cfg], feasible_only, pts, np);
        free(cur[s].ch);
    }
    free(cur);
    free(f);
    free(open);
    shape_free(&h);
    ff_live_free(&live);
    ff_qmodel_free(q);
    return FF_OK;
}

static int cmp_pt(const void *a, const void *b)
{
    const ff_design_pt *x = a, *y = b;
    if (x->v[FF_T_LATENCY] != y->v[FF_T_LATENCY])
        return x->v[FF_T_LATENCY] < y->v[FF_T_LATENCY] ? -1 : 1;
    return x->cost < y->cost ? -1 : x->cost > y->cost;
}

int ff_explore_run(const ff_explore_opts *o, ff_explore *x, ff_err *e)
{
    memset(x, 0, sizeof *x);
    double t0 = now_s();
    ff_explore_opts oo = *o; /* with the margins in effect */
    ff_calib_ranges ranges = {0};
    ctx c = {&oo, NULL, NULL, 0, 0, 0, NULL, 0, NULL, NULL, 0, &ranges};
    int rc = ff_model_load_graph(o->model, &c.fg, e);
    if (rc)
        return rc;
    c.in_size = ff_graph_in_size(c.fg);
    c.out_size = ff_graph_out_size(c.fg);
    c.nn = c.fg->nn;
    c.names = ff_calloc((size_t)(c.nn ? c.nn : 1), sizeof(char *));
    c.dot = ff_calloc((size_t)(c.nn ? c.nn : 1), sizeof(int));
    for (int i = 0; i < c.nn; i++) {
        c.names[i] = ff_strdup(c.fg->n[i].name);
        ff_op op = c.fg->n[i].op;
        c.dot[i] = op == FF_OP_DENSE || op == FF_OP_CONV || op == FF_OP_SCALE;
        c.logic_nodes += ff_rtl_kind_of(op) != FF_RTL_WIRE;
    }
    /* a network when more than one node builds logic (bands.h's classes).
     * One layer is a parallel design at the reuse factors below its
     * products per output and a layer design at the others: the search
     * tries both, so its margin is the larger high end of the two bands,
     * and both must be measured */
    x->margin_class = c.logic_nodes > 1 ? FF_BAND_NETWORK : FF_BAND_LAYER;
    for (int k = 0; k < FF_T_RES; k++) {
        double m = o->margin[k] > 0 ? o->margin[k] : 1;
        const ff_bands *b = o->margin_auto;
        if (b && b->n[x->margin_class][k])
            m = fmax(1.0, b->hi[x->margin_class][k]);
        if (b && x->margin_class == FF_BAND_LAYER && b->n[FF_BAND_PARALLEL][k])
            m = fmax(m, b->hi[FF_BAND_PARALLEL][k]);
        oo.margin[k] = x->margin[k] = m;
    }
    if (o->margin_auto && x->margin_class == FF_BAND_LAYER && !ff_bands_has_class(o->margin_auto, FF_BAND_PARALLEL)) {
        rc = ff_errf(e, FF_EINPUT, "explore: --margin auto: %s; give --margin PCT",
                     ff_bands_no_class_why(FF_BAND_PARALLEL));
        goto out;
    }
    if (o->margin_auto && !ff_bands_has_class(o->margin_auto, x->margin_class)) {
        rc = ff_errf(e, FF_EINPUT, "explore: --margin auto: %s; give --margin PCT", ff_bands_no_class_why(x->margin_class));
        goto out;
    }
    if (o->calib) {
        ff_samples s;
        rc = ff_samples_read(o->calib, c.in_size, &s, e);
        if (rc)
            goto out;
        c.xs = s.data;
        c.n = s.n;
    } else {
        c.n = 256;
        c.xs = ff_malloc(sizeof(float) * (size_t)(c.n * c.in_size));
        uint64_t st = 12345;
        for (int64_t i = 0; i < c.n * c.in_size; i += 2) {
            st = st * 6364136223846793005ull + 1442695040888963407ull;
            double u1 = ((double)(st >> 11) + 1) / 9007199254740993.0;
            st = st * 6364136223846793005ull + 1442695040888963407ull;
            double u2 = (double)(st >> 11) / 9007199254740992.0;
            double r = sqrt(-2 * log(u1));
            c.xs[i] = (float)(r * cos(2 * M_PI * u2));
            if (i + 1 < c.n * c.in_size)
                c.xs[i + 1] = (float)(r * sin(2 * M_PI * u2));
        }
    }
    c.ref = ff_malloc(sizeof(int64_t) * (size_t)(c.n ? c.n : 1));
    {
        ff_fplan *fp = ff_fplan_new(c.fg);
        float *y = ff_malloc(sizeof(float) * (size_t)c.out_size);
        for (int64_t i = 0; i < c.n; i++) {
            ff_fplan_run(fp, c.xs + i * c.in_size, y, NULL, NULL);
            c.ref[i] = ff_argmax_f(y, c.out_size);
        }
        free(y);
        ff_fplan_free(fp);
    }
    x->nn = c.nn;
    x->slices = o->slices;
    x->io_stream = o->io_stream;
    x->names = c.names;
    x->dot = c.dot;
    /* bit widths: uniform w = a, widest first, while the floor holds */
    static const int bits[] = {16, 12, 10, 8, 7, 6, 5, 4, 3};
    int bmin = 0;
    for (size_t k = 0; k < sizeof bits / sizeof bits[0]; k++) {
        double ag = try_bits(&c, bits[k], bits[k], NULL, x);
        if (ag < o->min_agreement)
            break;
        bmin = bits[k];
        accept(x, &c, bits[k], bits[k], NULL, ag);
    }
    if (!bmin) {
        rc = ff_errf(e, FF_EINPUT, "%s: even 16-bit weights and activations agree with the float model on only %.1f%% "
                     "of the calibration inputs, below --min-agreement %.1f%%",
                     o->model, 100 * try_bits(&c, 16, 16, NULL, x), 100 * o->min_agreement);
        goto out;
    }
    /* then per layer: lower each layer's weight bits while the floor holds */
    {
        int *wl = ff_malloc(sizeof(int) * (size_t)c.nn);
        for (int i = 0; i < c.nn; i++)
            wl[i] = bmin;
        int lowered = 0;
        double last = x->cfg_agree[x->ncfg - 1];
        for (int i = 0; i < c.nn; i++) {
            if (!c.dot[i])
                continue;
            while (wl[i] > 2) {
                wl[i]--;
                double ag = try_bits(&c, bmin, bmin, wl, x);
                if (ag < o->min_agreement) {
                    wl[i]++;
                    break;
                }
                lowered = 1;
                last = ag;
            }
        }
        if (lowered)
            accept(x, &c, bmin, bmin, wl, last);
        free(wl);
    }
    /* reuse factors for every accepted bits configuration */
    ff_design_pt *pts = NULL;
    int np = 0;
    for (int k = 0; k < x->ncfg && !rc; k++)
        rc = search(&c, x, k, 1, &pts, &np, e);
    if (!rc && np == 0)
        for (int k = 0; k < x->ncfg && !rc; k++)
            rc = search(&c, x, k, 0, &pts, &np, e);
    if (!rc && np) {
        /* Pareto front: latency ascending, each cheaper than all before it */
        qsort(pts, (size_t)np, sizeof *pts, cmp_pt);
        x->front = ff_malloc(sizeof *x->front * (size_t)np);
        double best = INFINITY;
        for (int i = 0; i < np; i++) {
            if (pts[i].cost < best - 1e-12) {
                best = pts[i].cost;
                x->front[x->nfront++] = pts[i];
            } else {
                free(pts[i].reuse);
            }
        }
        x->found = 1;
        x->chosen = 0;
    }
    free(pts);
out:
    x->seconds = now_s() - t0;
    if (c.names != x->names) {
        for (int i = 0; i < c.nn; i++)
            free(c.names[i]);
        free(c.names);
        free(c.dot);
    }
    free(c.xs);
    free(c.ref);
    ff_calib_ranges_free(&ranges);
    ff_graph_free(c.fg);
    return rc;
}

char *ff_explore_config(const ff_explore *x, const ff_design_pt *d)
{
    int k = d->bits;
    return cfg_json_of(x->nn, x->names, x->dot, x->cfg_w[k], x->cfg_a[k], x->cfg_wl[k], d->reuse, x->slices,
                       x->io_stream);
}

void ff_explore_free(ff_explore *x)
{
    for (int i = 0; i < x->nfront; i++)
        free(x->front[i].reuse);
    free(x->front);
    free(x->closest.reuse);
    for (int i = 0; i < x->ncfg; i++) {
        free(x->cfgs[i]);
        free(x->cfg_wl[i]);
    }
    free(x->cfgs);
    free(x->cfg_w), free(x->cfg_a), free(x->cfg_wl);
    free(x->dot);
    free(x->cfg_agree);
    if (x->names)
        for (int i = 0; i < x->nn; i++)
            free(x->names[i]);
    free(x->names);
    memset(x, 0, sizeof *x);
}
