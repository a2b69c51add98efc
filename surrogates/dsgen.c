/* Random design sampler for the surrogate dataset. */
#include "dsgen.h"
#include "layerfeat.h"

#include "emit.h"
#include "passes.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t s;
} rng;

static uint64_t nx(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static double un(rng *r) { return (double)(nx(r) >> 11) / 9007199254740992.0; }
static int irange(rng *r, int lo, int hi) { return lo + (int)(un(r) * (hi - lo + 1)); }
static int logrange(rng *r, int lo, int hi) { return (int)floor(exp(log(lo) + un(r) * (log(hi + 1) - log(lo)))); }
static double gauss(rng *r)
{
    double u1 = un(r) + 1e-12, u2 = un(r);
    return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

enum { W_DENSE, W_SPARSE, W_LOWPREC, W_POW2 };
static const char *const wnames[] = {"dense", "sparse", "lowprec", "pow2"};

static void fill_weights(rng *r, float *w, int64_t n, int regime, double zero_frac)
{
    for (int64_t i = 0; i < n; i++) {
        double v;
        switch (regime) {
        case W_SPARSE: v = un(r) < zero_frac ? 0.0 : gauss(r) * 0.5; break;
        case W_LOWPREC: v = irange(r, -3, 3) * 0.25; break;
        case W_POW2: v = (un(r) < 0.5 ? -1 : 1) * ldexp(1.0, -irange(r, 0, 4)); break;
        default: v = gauss(r) * 0.5;
        }
        w[i] = (float)v;
    }
}

typedef struct {
    ff_graph *g;
    int cur; /* current tensor */
    char name[32];
    int count;
} builder;

static int new_tensor(builder *b)
{
    char nm[32];
    snprintf(nm, sizeof nm, "t%d", b->g->nt);
    return ff_graph_add_tensor(b->g, nm, 0, NULL, NULL);
}

static int add_node(builder *b, ff_op op, const char *kind)
{
    char nm[48];
    snprintf(nm, sizeof nm, "%s_%d", kind, b->count++);
    int ni = ff_graph_add_node(b->g, op, nm, kind);
    ff_node *n = &b->g->n[ni];
    n->n_in = 1;
    n->in[0] = b->cur;
    n->out = new_tensor(b);
    b->cur = n->out;
    return ni;
}

static ff_act pick_act(rng *r, int single)
{
    double u = un(r);
    if (u < 0.5)
        return FF_ACT_RELU;
    if (u < 0.65)
        return FF_ACT_NONE;
    if (u < 0.75)
        return FF_ACT_LEAKY;
    if (!single || u < 0.85)
        return u < 0.8 ? FF_ACT_CLIP : FF_ACT_RELU;
    return u < 0.93 ? FF_ACT_SIGMOID : FF_ACT_TANH;
}

static void set_act(ff_node *n, ff_act a)
{
    n->act = a;
    n->alpha = a == FF_ACT_LEAKY ? 0.1f : (a == FF_ACT_CLIP ? 0.0f : 0.0f);
    n->beta = a == FF_ACT_CLIP ? 6.0f : 0.0f;
}

/* Dense layer from the current [1, n] tensor. */
static int dense(builder *b, rng *r, int64_t nin, int64_t nout, ff_act a, int regime, double zf)
{
    int ni = add_node(b, FF_OP_DENSE, "dense");
    ff_node *n = &b->g->n[ni];
    n->n_in_f = nin;
    n->n_out_f = nout;
    n->w = ff_malloc(sizeof(float) * (size_t)(nin * nout));
    n->b = ff_malloc(sizeof(float) * (size_t)nout);
    fill_weights(r, n->w, nin * nout, regime, zf);
    for (int64_t o = 0; o < nout; o++)
        n->b[o] = (float)(gauss(r) * 0.1);
    set_act(n, a);
    return ni;
}

static int conv(builder *b, rng *r, int spatial, int cin, int cout, int k, int same, ff_act a, int regime, double zf)
{
    int ni = add_node(b, FF_OP_CONV, spatial == 2 ? "conv2d" : "conv1d");
    ff_node *n = &b->g->n[ni];
    n->n_in_f = cin;
    n->n_out_f = cout;
    n->kernel[0] = spatial == 2 ? k : 1;
    n->kernel[1] = k;
    if (same) {
        int p0 = (k - 1) / 2, p1 = k - 1 - p0;
        if (spatial == 2) {
            n->pad[0] = p0;
            n->pad[2] = p1;
        }
        n->pad[1] = p0;
        n->pad[3] = p1;
    }
    int64_t wc = (int64_t)cout * n->kernel[0] * n->kernel[1] * cin;
    n->w = ff_malloc(sizeof(float) * (size_t)wc);
    n->b = ff_malloc(sizeof(float) * (size_t)cout);
    fill_weights(r, n->w, wc, regime, zf);
    for (int o = 0; o < cout; o++)
        n->b[o] = (float)(gauss(r) * 0.1);
    set_act(n, a);
    return ni;
}

static int pool(builder *b, int spatial, int is_max, int k)
{
    int ni = add_node(b, is_max ? FF_OP_MAXPOOL : FF_OP_AVGPOOL, is_max ? "maxpool" : "avgpool");
    ff_node *n = &b->g->n[ni];
    n->kernel[0] = spatial == 2 ? k : 1;
    n->kernel[1] = k;
    n->stride[0] = spatial == 2 ? k : 1;
    n->stride[1] = k;
    return ni;
}

static int flatten(builder *b)
{
    return add_node(b, FF_OP_RESHAPE, "flatten");
}

/* The largest valid reuse factor: when no factor keeps the multipliers under a cap */
static int largest_valid_reuse(int64_t ni, int64_t total)
{
    for (int64_t rf = total; rf >= 1; rf--)
        if (ff_reuse_valid(ni, total, rf))
            return (int)rf;
    return 1;
}

/* A valid reuse factor keeping multipliers <= cap, chosen at random among
 * the valid ones that fit: uniformly, or (log_reuse) the one nearest in
 * log2 to a target drawn uniformly in log2 between the smallest and the
 * largest of them (on a tie the smaller). */
static int pick_reuse(rng *r, const ff_graph *g, const ff_node *n, int64_t cap, int forced, int64_t forced_cap,
                      int log_reuse)
{
    int64_t ni, no;
    ff_layer_mac_shape(g, n, &ni, &no);
    if (!ni)
        return 1;
    int64_t total = ni * no;
    /* the RTL gives every output position its own units */
    int64_t pixels = ff_tensor_size(&g->t[n->out]) / no;
    if (forced > 0 && ff_reuse_valid(ni, total, forced) && total / forced * (pixels ? pixels : 1) <= forced_cap)
        return forced;
    cap = cap / (pixels ? pixels : 1);
    if (cap < 1)
        cap = 1;
    int cand[64], nc = 0;
    for (int64_t rf = 1; rf <= total && nc < 64; rf++)
        if (ff_reuse_valid(ni, total, rf) && total / rf <= cap)
            cand[nc++] = (int)rf;
    if (!nc)
        return largest_valid_reuse(ni, total);
    if (!log_reuse)
        return cand[irange(r, 0, nc - 1)];
    double lo = log2((double)cand[0]), t = lo + un(r) * (log2((double)cand[nc - 1]) - lo);
    int best = cand[0];
    for (int i = 1; i < nc; i++)
        if (fabs(log2((double)cand[i]) - t) < fabs(log2((double)best) - t) - 1e-9)
            best = cand[i];
    return best;
}

/* The valid reuse factor nearest to the model's (hls4ml's Model ReuseFactor,
 * which it moves to the closest valid one per layer), in log2 and preferring
 * the smaller on a tie, among those keeping multipliers <= cap; the largest
 * valid factor when none fits. */
static int uniform_reuse(const ff_graph *g, const ff_node *n, int want, int64_t cap)
{
    int64_t ni, no;
    ff_layer_mac_shape(g, n, &ni, &no);
    if (!ni)
        return 1;
    int64_t total = ni * no, pixels = ff_tensor_size(&g->t[n->out]) / no;
    if (pixels < 1)
        pixels = 1;
    int best = 0;
    double bd = 0;
    for (int64_t rf = 1; rf <= total; rf++) {
        if (!ff_reuse_valid(ni, total, rf) || total / rf * pixels > cap)
            continue;
        double dist = fabs(log2((double)rf) - log2((double)want));
        if (!best || dist < bd - 1e-9) {
            best = (int)rf;
            bd = dist;
        }
    }
    return best ? best : largest_valid_reuse(ni, total);
}

static int64_t clog2i(int64_t v)
{
    int64_t b = 0;
    while (((int64_t)1 << b) < v)
        b++;
    return b;
}

int64_t ff_dsgen_cost(const ff_layer_feat *f)
{
    int64_t c = f->in_size * f->in_bits + f->out_size * f->out_bits;
    if (f->reuse > 1) {
        int64_t nd = f->n_in < f->reuse ? f->n_in : f->reuse;
        c += f->mults * (f->reuse * (f->wbits + clog2i(f->n_in)) + nd * f->in_bits);
    } else {
        c += f->mults * 4 * (f->wbits + f->in_bits);
    }
    return c;
}

static int draw_design(const ff_dsgen_opts *o, int64_t index, int network, int attempt, ff_qmodel **out, char *desc,
                       size_t dn, ff_err *e)
{
    rng r = {o->seed * 0x2545f4914f6cdd1dull ^ ((uint64_t)index * 0x9e3779b97f4a7c15ull) ^ (network ? 0xabcdef : 0) ^
             ((uint64_t)attempt * 0xd1b54a32d192ed03ull)};
    for (int i = 0; i < 4; i++)
        nx(&r);
    builder b = {ff_graph_new(), -1, "", 0};
    int wbits = irange(&r, 2, 16), abits = irange(&r, 4, 16);
    int regime = (int)(un(&r) * 4) & 3;
    double zf = 0.5 + 0.45 * un(&r);
    int64_t cap = logrange(&r, 16, (int)(o->max_mults > 16 ? o->max_mults : 16));
    size_t dl = 0;
    desc[0] = 0;
    int64_t d[4];
    if (!network) {
        double u = un(&r);
        if (u < 0.55) {
            int nin = logrange(&r, 8, 256), nout = logrange(&r, 8, 256);
            d[0] = 1, d[1] = nin;
            b.g->input = b.cur = ff_graph_add_tensor(b.g, "x", 2, d, NULL);
            ff_act a = pick_act(&r, 1);
            dense(&b, &r, nin, nout, a, regime, zf);
            dl += (size_t)snprintf(desc + dl, dn - dl, "dense %dx%d %s", nin, nout, ff_act_name(a));
        } else if (u < 0.95) {
            int sp = u < 0.75 ? 1 : 2;
            int cin = logrange(&r, 4, sp == 2 ? 32 : 64), cout = logrange(&r, 4, sp == 2 ? 32 : 64);
            int len = sp == 2 ? irange(&r, 3, 8) : irange(&r, 4, 24), k = irange(&r, 1, 5), same = un(&r) < 0.5;
            if (k > len)
                k = len;
            d[0] = 1;
            if (sp == 2)
                d[1] = len, d[2] = len, d[3] = cin;
            else
                d[1] = len, d[2] = cin;
            b.g->input = b.cur = ff_graph_add_tensor(b.g, "x", sp + 2, d, NULL);
            ff_act a = pick_act(&r, 1);
            conv(&b, &r, sp, cin, cout, k, same, a, regime, zf);
            dl += (size_t)snprintf(desc + dl, dn - dl, "conv%dd %dx%d k%d %s %s", sp, cin, cout, k,
                                   same ? "same" : "valid", ff_act_name(a));
        } else {
            int sp = un(&r) < 0.5 ? 1 : 2, c = logrange(&r, 4, 64), k = irange(&r, 2, 3), len = k * irange(&r, 2, 8);
            d[0] = 1;
            if (sp == 2)
                d[1] = len, d[2] = len, d[3] = c;
            else
                d[1] = len, d[2] = c;
            b.g->input = b.cur = ff_graph_add_tensor(b.g, "x", sp + 2, d, NULL);
            int is_max = un(&r) < 0.6;
            pool(&b, sp, is_max, k);
            dl += (size_t)snprintf(desc + dl, dn - dl, "%spool%dd c%d k%d", is_max ? "max" : "avg", sp, c, k);
        }
    } else {
        int layers = irange(&r, 2, 6);
        if (o->uniform && un(&r) < 0.8) {
            /* as hls4ml users write an MLP: power-of-two widths, one reuse
             * factor for the model (below), a classifier's Softmax half the time */
            int width = 1 << irange(&r, 3, 6);
            d[0] = 1, d[1] = width;
            b.g->input = b.cur = ff_graph_add_tensor(b.g, "x", 2, d, NULL);
            dl += (size_t)snprintf(desc + dl, dn - dl, "pow2-mlp %d", width);
            int softmax = un(&r) < 0.5;
            for (int l = 0; l < layers; l++) {
                int nout = l == layers - 1 ? irange(&r, 2, 10) : 1 << irange(&r, 3, 6);
                ff_act a = l == layers - 1 ? FF_ACT_NONE : (un(&r) < 0.8 ? FF_ACT_RELU : pick_act(&r, 0));
                dense(&b, &r, width, nout, a, regime, zf);
                dl += (size_t)snprintf(desc + dl, dn - dl, "-%d", nout);
                width = nout;
            }
            if (softmax) {
                b.g->n[add_node(&b, FF_OP_SOFTMAX, "softmax")].axis = 1;
                dl += (size_t)snprintf(desc + dl, dn - dl, " softmax");
            }
        } else if (un(&r) < 0.7) {
            int width = logrange(&r, 8, 64);
            d[0] = 1, d[1] = width;
            b.g->input = b.cur = ff_graph_add_tensor(b.g, "x", 2, d, NULL);
            dl += (size_t)snprintf(desc + dl, dn - dl, "mlp %d", width);
            for (int l = 0; l < layers; l++) {
                int nout = l == layers - 1 ? irange(&r, 2, 10) : logrange(&r, 8, 64);
                ff_act a = l == layers - 1 ? FF_ACT_NONE : pick_act(&r, 0);
                dense(&b, &r, width, nout, a, regime, zf);
                dl += (size_t)snprintf(desc + dl, dn - dl, "-%d", nout);
                width = nout;
            }
        } else {
            int sp = un(&r) < 0.6 ? 1 : 2, c = irange(&r, 1, 8), len = sp == 2 ? irange(&r, 4, 8) : irange(&r, 8, 24);
            d[0] = 1;
            if (sp == 2)
                d[1] = len, d[2] = len, d[3] = c;
            else
                d[1] = len, d[2] = c;
            b.g->input = b.cur = ff_graph_add_tensor(b.g, "x", sp + 2, d, NULL);
            dl += (size_t)snprintf(desc + dl, dn - dl, "cnn%dd %dx%d", sp, len, c);
            int convs = layers - 1;
            for (int l = 0; l < convs; l++) {
                int cout = logrange(&r, 4, 16), k = irange(&r, 1, 3);
                conv(&b, &r, sp, c, cout, k, 1, FF_ACT_RELU, regime, zf);
                dl += (size_t)snprintf(desc + dl, dn - dl, " c%dk%d", cout, k);
                c = cout;
                if (len >= 4 && un(&r) < 0.3) {
                    pool(&b, sp, 1, 2);
                    len /= 2;
                    dl += (size_t)snprintf(desc + dl, dn - dl, " pool");
                }
            }
            flatten(&b);
            int64_t feat = (int64_t)c * len * (sp == 2 ? len : 1);
            int nout = irange(&r, 2, 10);
            dense(&b, &r, feat, nout, FF_ACT_NONE, regime, zf);
            dl += (size_t)snprintf(desc + dl, dn - dl, " dense%d", nout);
        }
    }
    b.g->output = b.cur;
    int rc = ff_graph_compact(b.g, e);
    if (!rc)
        rc = ff_graph_infer_shapes(b.g, e);
    if (rc) {
        ff_graph_free(b.g);
        return ff_err_prefix(e, "design %lld", (long long)index);
    }
    /* per-layer reuse through a LayerName config */
    char js[8192];
    size_t jl = (size_t)snprintf(js, sizeof js, "{\"Model\":{\"weight_bits\":%d,\"act_bits\":%d},\"LayerName\":{",
                                 wbits, abits);
    int first = 1;
    int model_rf = network && o->uniform ? 1 << irange(&r, 0, 6) : 0;
    if (model_rf)
        dl += (size_t)snprintf(desc + dl, dn - dl, " R%d", model_rf);
    for (int i = 0; i < b.g->nn && jl < sizeof js - 128; i++) {
        int rf = model_rf ? uniform_reuse(b.g, &b.g->n[i], model_rf, o->max_mults)
                          : pick_reuse(&r, b.g, &b.g->n[i], o->log_reuse ? o->max_mults : cap, o->reuse, o->max_mults,
                                       o->log_reuse);
        jl += (size_t)snprintf(js + jl, sizeof js - jl, "%s\"%s\":{\"reuse\":%d}", first ? "" : ",", b.g->n[i].name, rf);
        first = 0;
        if (!network)
            dl += (size_t)snprintf(desc + dl, dn - dl, " R%d", rf);
    }
    snprintf(js + jl, sizeof js - jl, "}}");
    dl += (size_t)snprintf(desc + dl, dn - dl, " w%da%d %s", wbits, abits, wnames[regime]);
    ff_qconfig *cfg;
    rc = ff_qconfig_parse(js, "dsgen", &cfg, e);
    if (rc) {
        ff_graph_free(b.g);
        return rc;
    }
    ff_calib_opts co = {0};
    co.seed = o->seed + (uint64_t)index + 1;
    rc = ff_quantize(b.g, cfg, &co, out, e);
    ff_qconfig_free(cfg);
    return rc;
}

int ff_dsgen_design(const ff_dsgen_opts *o, int64_t index, int network, ff_qmodel **out, char *desc, size_t dn,
                    ff_err *e)
{
    int64_t cheapest = INT64_MAX;
    for (int attempt = 0; attempt < FF_DSGEN_ATTEMPTS; attempt++) {
        int rc = draw_design(o, index, network, attempt, out, desc, dn, e);
        if (rc || o->max_cost <= 0)
            return rc;
        int64_t cost = 0;
        for (int i = 0; i < (*out)->g->nn; i++) {
            ff_layer_feat f;
            ff_layer_features(*out, i, NULL, &f);
            cost += ff_dsgen_cost(&f);
        }
        if (cost <= o->max_cost)
            return FF_OK;
        if (cost < cheapest)
            cheapest = cost;
        ff_qmodel_free(*out);
        *out = NULL;
    }
    return ff_errf(e, FF_EINPUT, "design %s%lld: none of %d draws fits --max-cost %lld (the cheapest costs %lld)",
                   network ? "N" : "L", (long long)index, FF_DSGEN_ATTEMPTS, (long long)o->max_cost,
                   (long long)cheapest);
}
