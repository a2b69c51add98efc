/* Dataset records: parsing, loading, and completing older records. */
#include "dsrec.h"

#include "dsgen.h"
#include "sim.h"
#include "surrogate.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const ff_target_names[FF_T__COUNT] = {"lut", "ff", "dsp", "bram18", "latency", "ii"};
const char *const ff_target_labels[FF_T__COUNT] = {"LUT", "FF", "DSP", "BRAM18", "latency", "II"};

void ff_dsrec_free(ff_dsrec *r)
{
    free(r->l);
    memset(r, 0, sizeof *r);
}

int ff_dsrec_depth(const ff_dsrec *r)
{
    int d = 0;
    for (int i = 0; i < r->nl; i++)
        d += r->l[i].op == FF_OP_DENSE || r->l[i].op == FF_OP_CONV;
    return d;
}

static int num(const cJSON *o, const char *k, double *v)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble))
        return 0;
    *v = x->valuedouble;
    return 1;
}

/* integer feature within [lo, hi] */
static int inum(const cJSON *o, const char *k, int64_t lo, int64_t hi, int64_t *v)
{
    double d;
    if (!num(o, k, &d) || d < (double)lo || d > (double)hi || d != floor(d))
        return 0;
    *v = (int64_t)d;
    return 1;
}

static int parse_layer(const cJSON *o, ff_layer_feat *f, int *timing, char *why, size_t wn)
{
    memset(f, 0, sizeof *f);
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(o, "op"), *act = cJSON_GetObjectItemCaseSensitive(o, "act");
    if (!cJSON_IsString(op) || !cJSON_IsString(act)) {
        snprintf(why, wn, "a layer without op/act");
        return 0;
    }
    f->op = -1;
    for (int i = 0; i < FF_OP__COUNT; i++)
        if (!strcmp(ff_op_name((ff_op)i), op->valuestring))
            f->op = i;
    ff_act a;
    if (f->op < 0 || !ff_act_from_name(act->valuestring, &a)) {
        snprintf(why, wn, "unknown op or activation '%.40s'/'%.40s'", op->valuestring, act->valuestring);
        return 0;
    }
    f->act = a;
    const int64_t BIG = (int64_t)1 << 40;
    struct {
        const char *k;
        int64_t lo, hi;
        int64_t *p64;
        int *p32;
    } fs[] = {
        {"n_in", 0, 1 << 30, &f->n_in, NULL},      {"n_out", 0, 1 << 30, &f->n_out, NULL},
        {"pixels", 0, BIG, &f->pixels, NULL},      {"in_size", 0, BIG, &f->in_size, NULL},
        {"out_size", 0, BIG, &f->out_size, NULL},  {"kernel", 0, 1 << 20, NULL, &f->kernel},
        {"channels_in", 0, 1 << 30, NULL, &f->channels_in}, {"channels_out", 0, 1 << 30, NULL, &f->channels_out},
        {"wbits", 0, 64, NULL, &f->wbits},         {"in_bits", 1, 64, NULL, &f->in_bits},
        {"out_bits", 1, 64, NULL, &f->out_bits},   {"acc_bits", 0, 64, NULL, &f->acc_bits},
        {"lut_bits", 0, 24, NULL, &f->lut_bits},   {"reuse", 1, 1 << 30, NULL, &f->reuse},
        {"in_signed", 0, 1, NULL, &f->in_signed},  {"weights", 0, BIG, &f->weights, NULL},
        {"nonzero", 0, BIG, &f->nonzero, NULL},    {"pow2", 0, BIG, &f->pow2, NULL},
        {"csd_digits", 0, BIG, &f->csd_digits, NULL}, {"mults", 0, BIG, &f->mults, NULL},
    };
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++) {
        int64_t v;
        if (!inum(o, fs[i].k, fs[i].lo, fs[i].hi, &v)) {
            snprintf(why, wn, "layer feature '%s' missing or out of range", fs[i].k);
            return 0;
        }
        if (fs[i].p64)
            *fs[i].p64 = v;
        else
            *fs[i].p32 = (int)v;
    }
    if (f->nonzero > f->weights || f->pow2 > f->nonzero) {
        snprintf(why, wn, "layer with nonzero > weights or pow2 > nonzero");
        return 0;
    }
    f->csd_per_nz = f->nonzero ? (double)f->csd_digits / (double)f->nonzero : 0.0;
    int64_t mt, lv, lat, ii, sb;
    if (inum(o, "max_terms", 0, BIG, &mt) && inum(o, "sum_bits", 0, 64, &sb) && inum(o, "tree_levels", 0, 64, &lv) &&
        inum(o, "latency", 0, 1 << 30, &lat) && inum(o, "ii", 0, 1 << 30, &ii)) {
        f->max_terms = mt;
        f->sum_bits = (int)sb;
        f->tree_levels = (int)lv;
        f->latency = (int)lat;
        f->ii = (int)ii;
    } else {
        /* older record: completed later (ff_dataset_load); meanwhile the
         * largest possible fan-in */
        f->max_terms = f->n_in < f->nonzero ? f->n_in : f->nonzero;
        f->sum_bits = f->acc_bits;
        ff_layer_feat_set_reuse(f, f->reuse);
        *timing = 1;
    }
    /* what synthesis keeps (ff_live); older records: everything until
     * completed from the regenerated design */
    double lo, li, sm;
    int64_t tl, nzl, p2l, rw, afb, anb, r1d, r1l;
    if (num(o, "live_out", &lo) && lo >= 0 && lo <= 1 && num(o, "live_in", &li) && li >= 0 && li <= 1 &&
        inum(o, "terms_live", 0, BIG, &tl) && inum(o, "nz_live", 0, BIG, &nzl) && inum(o, "p2_live", 0, BIG, &p2l) &&
        p2l <= nzl && nzl <= tl && num(o, "sum_bits_mean", &sm) && sm >= 0 && sm <= 64 &&
        inum(o, "rq_wide", 0, BIG, &rw) && inum(o, "acc_fab_bits", 0, BIG, &afb) &&
        inum(o, "acc_narrow_bits", 0, BIG, &anb) && anb <= afb && inum(o, "r1_dsp", 0, BIG, &r1d) &&
        inum(o, "r1_lprod_bits", 0, BIG, &r1l)) {
        f->live_out = lo, f->live_in = li;
        f->terms_live = tl, f->nz_live = nzl, f->p2_live = p2l;
        f->sum_bits_mean = sm, f->rq_wide = rw, f->acc_fab_bits = afb, f->acc_narrow_bits = anb;
        f->r1_dsp = r1d, f->r1_lprod_bits = r1l;
        int64_t r1g; /* features revision 6; absent: not counted */
        if (inum(o, "r1_reg_bits", 0, BIG, &r1g))
            f->r1_reg_bits = r1g;
        /* the ROM columns, multiplier kinds and input selects (features
         * revisions 3-5); absent: not counted */
        int64_t wc, xc, rr, md, ms, mn, mi, mp;
        if (inum(o, "rom_wcols", 0, BIG, &wc) && inum(o, "rom_xcols", 0, BIG, &xc) &&
            inum(o, "rom_reuse", 0, 1 << 24, &rr) && inum(o, "mults_dsp", 0, BIG, &md) &&
            inum(o, "mults_soft", 0, BIG, &ms) && inum(o, "mux_n", 0, BIG, &mn) && inum(o, "mux_in", 0, BIG, &mi) &&
            inum(o, "mux_in_p2", 0, BIG, &mp) && mp <= mi)
            f->rom_wcols = wc, f->rom_xcols = xc, f->rom_reuse = (int)rr, f->mults_dsp = md, f->mults_soft = ms,
            f->mux_n = mn, f->mux_in = mi, f->mux_in_p2 = mp;
        /* the activation table's varying blocks (revision 5); absent: not counted */
        double tb;
        if (num(o, "tab_blk", &tb) && tb >= 0 && tb < 1e9)
            f->tab_blk = tb;
        int64_t aeb; /* revision 9; absent: recomputed (FF_FEAT_REV) */
        if (inum(o, "acc_ext_bits", 0, BIG, &aeb))
            f->acc_ext_bits = aeb;
        int64_t rqs; /* revision 10; absent: all kept outputs (recomputed, FF_FEAT_REV) */
        f->rq_sat = (int64_t)llround((double)f->out_size * f->live_out);
        if (inum(o, "rq_sat", 0, BIG, &rqs))
            f->rq_sat = rqs;
    } else {
        ff_layer_feat_keep_all(f);
        *timing = 1;
    }
    return 1;
}

/* tools.<key>: a revision number, 1 when absent; 0 (why says so) when not one */
static int tool_rev(const cJSON *tools, const char *key, int *rev, char *why, size_t wn)
{
    int64_t v;
    *rev = 1;
    if (!cJSON_IsObject(tools) || !cJSON_GetObjectItemCaseSensitive(tools, key))
        return 1;
    if (!inum(tools, key, 1, 1000, &v)) {
        snprintf(why, wn, "tools.%s is not a revision number", key);
        return 0;
    }
    *rev = (int)v;
    return 1;
}

int ff_dsrec_parse(const char *line, size_t len, ff_dsrec *r, ff_err *e)
{
    memset(r, 0, sizeof *r);
    r->seed = r->index = r->max_mults = r->max_cost = -1;
    cJSON *j = cJSON_ParseWithLength(line, len);
    char why[160] = "";
    int ok = 0;
    if (!j || !cJSON_IsObject(j)) {
        snprintf(why, sizeof why, "not a JSON object");
        goto out;
    }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id"), *kind = cJSON_GetObjectItemCaseSensitive(j, "kind");
    const cJSON *okj = cJSON_GetObjectItemCaseSensitive(j, "ok");
    if (!cJSON_IsString(id) || !cJSON_IsString(kind) || !cJSON_IsBool(okj) ||
        (strcmp(kind->valuestring, "layer") && strcmp(kind->valuestring, "network"))) {
        snprintf(why, sizeof why, "no id, kind (layer|network) or ok");
        goto out;
    }
    snprintf(r->id, sizeof r->id, "%s", id->valuestring);
    r->network = !strcmp(kind->valuestring, "network");
    r->ok = cJSON_IsTrue(okj);
    int64_t v;
    if (inum(j, "seed", 0, INT64_MAX / 2, &v))
        r->seed = v;
    if (inum(j, "index", 0, INT64_MAX / 2, &v))
        r->index = v;
    if (inum(j, "max_mults", 1, INT64_MAX / 2, &v))
        r->max_mults = v;
    if (inum(j, "max_cost", 0, INT64_MAX / 2, &v))
        r->max_cost = v;
    if (inum(j, "gen_reuse", 1, 1 << 24, &v))
        r->gen_reuse = (int)v;
    if (inum(j, "gen_uniform", 0, 1, &v))
        r->gen_uniform = (int)v;
    if (inum(j, "gen_log_reuse", 0, 1, &v))
        r->gen_log_reuse = (int)v;
    num(j, "synth_seconds", &r->synth_seconds);
    const cJSON *tools = cJSON_GetObjectItemCaseSensitive(j, "tools");
    int feat_rev;
    if (!tool_rev(tools, "rtl", &r->rtl_rev, why, sizeof why) ||
        !tool_rev(tools, "features", &feat_rev, why, sizeof why) ||
        !tool_rev(tools, "synth_flow", &r->synth_flow, why, sizeof why))
        goto out;
    const cJSON *ls = cJSON_GetObjectItemCaseSensitive(j, "layers");
    if (!r->ok && !cJSON_IsArray(ls)) {
        ok = 1; /* a failure recorded before its design was described */
        goto out;
    }
    if (!cJSON_IsArray(ls) || cJSON_GetArraySize(ls) < 1 || cJSON_GetArraySize(ls) > 4096) {
        snprintf(why, sizeof why, "no layers");
        goto out;
    }
    r->nl = cJSON_GetArraySize(ls);
    r->l = ff_calloc((size_t)r->nl, sizeof *r->l);
    int i = 0;
    for (const cJSON *o = ls->child; o; o = o->next, i++)
        if (!cJSON_IsObject(o) || !parse_layer(o, &r->l[i], &r->timing_missing, why, sizeof why)) {
            if (!why[0])
                snprintf(why, sizeof why, "layer %d is not an object", i);
            goto out;
        }
    for (i = 0; i < r->nl; i++)
        r->l[i].rtl_rev = r->rtl_rev;
    if (feat_rev < FF_FEAT_REV)
        r->timing_missing = 1; /* stored features of an older definition: recomputed */
    if (r->ok) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "targets");
        for (int k = 0; k < FF_T__COUNT; k++)
            if (!num(t, ff_target_names[k], &r->t[k]) || r->t[k] < 0) {
                snprintf(why, sizeof why, "ok record without target '%s'", ff_target_names[k]);
                goto out;
            }
        /* what Verilator measured, when the design was co-simulated */
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "sim");
        double lat, ii;
        if (num(s, "latency", &lat) && num(s, "ii", &ii) && lat >= 0 && ii >= 0)
            r->t[FF_T_LATENCY] = lat, r->t[FF_T_II] = ii;
    }
    ok = 1;
out:
    cJSON_Delete(j);
    if (ok)
        return FF_OK;
    ff_dsrec_free(r);
    return ff_errf(e, FF_EINPUT, "%s", why);
}

static int64_t opt_value(const char *data, const char *opt, int64_t dflt)
{
    const char *p = data ? strstr(data, opt) : NULL;
    if (!p)
        return dflt;
    p += strlen(opt);
    while (*p == ' ' || *p == '=')
        p++;
    long long v = strtoll(p, NULL, 10);
    return v >= 0 ? v : dflt;
}

/* --max-mults and --max-cost of the run that wrote `path`, from command.txt
 * beside it (runs before --max-cost existed had no cap: 0) */
static void run_settings(const char *path, int64_t *max_mults, int64_t *max_cost)
{
    char dir[4096], *data = NULL;
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[1] = 0;
    else
        dir[0] = 0;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "%scommand.txt", dir);
    size_t len;
    ff_err e;
    *max_mults = 256; /* surrogate gen's default */
    *max_cost = 0;
    if (ff_read_file(cmd, 1 << 16, &data, &len, &e) == FF_OK) {
        *max_mults = opt_value(data, "--max-mults", 256);
        *max_cost = opt_value(data, "--max-cost", 0);
    }
    free(data);
}

/* Recomputes the features of an older record from its regenerated design;
 * 1 when the design is the same (every stored feature agrees). */
static int complete(ff_dsrec *r, int64_t max_mults, int64_t max_cost)
{
    if (r->seed < 0 || r->index < 0)
        return 0;
    ff_qmodel *q;
    char desc[512];
    ff_err e = {0};
    ff_dsgen_opts go = {.seed = (uint64_t)r->seed,
                        .max_mults = r->max_mults > 0 ? r->max_mults : max_mults,
                        .max_cost = r->max_cost >= 0 ? r->max_cost : max_cost,
                        .reuse = r->gen_reuse,
                        .uniform = r->gen_uniform,
                        .log_reuse = r->gen_log_reuse};
    if (ff_dsgen_design(&go, r->index, r->network, &q, desc, sizeof desc, &e))
        return 0;
    int same = q->g->nn == r->nl;
    ff_live live;
    ff_live_compute(q, &live);
    for (int i = 0; same && i < r->nl; i++) {
        ff_layer_feat f;
        ff_layer_features_rev(q, i, &live, r->rtl_rev, &f);
        const ff_layer_feat *o = &r->l[i];
        same = f.op == o->op && f.n_in == o->n_in && f.n_out == o->n_out && f.reuse == o->reuse &&
               f.nonzero == o->nonzero && f.csd_digits == o->csd_digits && f.wbits == o->wbits &&
               f.in_bits == o->in_bits;
        if (same)
            r->l[i] = f;
    }
    ff_live_free(&live);
    ff_qmodel_free(q);
    return same;
}

/* Completing a record regenerates its design, calibration included: tens of
 * milliseconds each, so the records are shared out among the processors. */
typedef struct {
    ff_dataset *d;
    int64_t max_mults, max_cost;
    atomic_llong next;
} completion;

static void *complete_some(void *arg)
{
    completion *c = arg;
    for (int64_t i; (i = atomic_fetch_add(&c->next, 1)) < c->d->n;) {
        ff_dsrec *r = &c->d->r[i];
        if (r->timing_missing && complete(r, c->max_mults, c->max_cost))
            r->timing_missing = 0;
    }
    return NULL;
}

static void complete_all(ff_dataset *d, int64_t max_mults, int64_t max_cost)
{
    int64_t todo = 0;
    for (int64_t i = 0; i < d->n; i++)
        todo += d->r[i].timing_missing;
    if (!todo)
        return;
    completion c = {d, max_mults, max_cost, 0};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int nt = cpus < 1 ? 1 : (cpus > 8 ? 8 : (int)cpus);
    if (nt > todo)
        nt = (int)todo;
    pthread_t th[8];
    int started = 0;
    for (; started < nt - 1; started++)
        if (pthread_create(&th[started], NULL, complete_some, &c))
            break; /* fewer helpers: this thread does the rest */
    complete_some(&c);
    for (int k = 0; k < started; k++)
        pthread_join(th[k], NULL);
    for (int64_t i = 0; i < d->n; i++)
        todo -= d->r[i].timing_missing; /* left as they were: another design now */
    d->regenerated += todo;
}

static int cmp_id(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void drop_duplicates(ff_dataset *d);

int ff_dataset_load(const char *path, ff_dataset *d, ff_err *e)
{
    memset(d, 0, sizeof *d);
    FILE *f = fopen(path, "r");
    if (!f)
        return ff_errf(e, FF_EINPUT, "cannot open dataset %s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0, rcap = 0;
    ssize_t n;
    int64_t lineno = 0, mm = -1, mc = -1;
    char (*fid)[32] = NULL; /* ids of the failure records */
    size_t nfid = 0, fcap = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (n == 1 && line[0] == '\n')
            continue;
        ff_dsrec r;
        ff_err le = {0};
        /* a last line without its newline was cut short */
        int rc = line[n - 1] != '\n' ? ff_errf(&le, FF_EINPUT, "truncated (no newline)")
                                     : ff_dsrec_parse(line, (size_t)n, &r, &le);
        if (rc) {
            if (!d->bad++) {
                d->first_bad_line = lineno;
                snprintf(d->first_bad, sizeof d->first_bad, "%.150s", le.msg);
            }
            continue;
        }
        if (!r.ok || r.nl == 0) {
            d->failed++;
            if (nfid == fcap) {
                fcap = fcap ? 2 * fcap : 64;
                fid = ff_realloc(fid, fcap * sizeof *fid);
            }
            memcpy(fid[nfid++], r.id, sizeof r.id);
            ff_dsrec_free(&r);
            continue;
        }
        if (r.synth_flow != FF_SYNTH_FLOW) {
            d->other_flow++; /* counted by another synthesis flow: not the netlists fogforge synth makes */
            ff_dsrec_free(&r);
            continue;
        }
        if (r.timing_missing && mm < 0)
            run_settings(path, &mm, &mc);
        if ((size_t)d->n == rcap) {
            rcap = rcap ? 2 * rcap : 256;
            d->r = ff_realloc(d->r, rcap * sizeof *d->r);
        }
        d->r[d->n++] = r;
    }
    free(line);
    fclose(f);
    complete_all(d, mm, mc);
    /* a design that failed (a timeout) and was tried again with success
     * (surrogate gen --retry-timeouts) is not a failure */
    if (nfid) {
        qsort(fid, nfid, sizeof *fid, cmp_id);
        for (int64_t i = 0; i < d->n; i++)
            if (bsearch(d->r[i].id, fid, nfid, sizeof *fid, cmp_id))
                d->failed--;
    }
    free(fid);
    drop_duplicates(d);
    return FF_OK;
}

/* The features every layer of r shows the models (ff_surrogate_featvec),
 * nl * nfeat floats */
static float *model_inputs(const ff_dsrec *r)
{
    int nf = ff_surrogate_nfeat();
    float *x = ff_malloc(sizeof(float) * (size_t)nf * (size_t)(r->nl ? r->nl : 1));
    for (int i = 0; i < r->nl; i++)
        ff_surrogate_featvec(&r->l[i], x + (size_t)i * (size_t)nf);
    return x;
}

typedef struct {
    uint64_t h;
    int64_t i; /* position in the file */
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->h != y->h)
        return x->h < y->h ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t k = 0; k < n; k++)
        h = (h ^ c[k]) * 0x100000001b3ull;
    return h;
}

/* Leaves out the second and later records of one design: the same seed,
 * draw index and kind, and the same features in every layer. Two runs of
 * one seed that differ in how they draw reuse factors (--log-reuse) draw
 * the same design wherever both draws pick the same factors (56 of the
 * 304 records of session 27's snapshot were the main run's designs drawn
 * again by the --log-reuse run of its seed). Kept
 * twice, such a design would weigh double in training, and a held-out
 * split could test a record whose twin it trained on. */
static void drop_duplicates(ff_dataset *d)
{
    if (d->n < 2)
        return;
    int nf = ff_surrogate_nfeat();
    float **x = ff_calloc((size_t)d->n, sizeof *x);
    keyed *k = ff_malloc(sizeof *k * (size_t)d->n);
    for (int64_t i = 0; i < d->n; i++) {
        const ff_dsrec *r = &d->r[i];
        x[i] = model_inputs(r);
        uint64_t h = 0xcbf29ce484222325ull;
        int64_t who[4] = {r->seed, r->index, r->network, r->nl};
        h = fnv(h, who, sizeof who);
        h = fnv(h, x[i], sizeof(float) * (size_t)nf * (size_t)r->nl);
        k[i] = (keyed){h, i};
    }
    qsort(k, (size_t)d->n, sizeof *k, cmp_keyed);
    char *drop = ff_calloc((size_t)d->n, 1);
    for (int64_t a = 0; a < d->n; a++) {
        if (drop[k[a].i])
            continue;
        const ff_dsrec *ra = &d->r[k[a].i];
        for (int64_t b = a + 1; b < d->n && k[b].h == k[a].h; b++) {
            const ff_dsrec *rb = &d->r[k[b].i];
            if (!drop[k[b].i] && ra->seed == rb->seed && ra->index == rb->index && ra->network == rb->network &&
                ra->nl == rb->nl && memcmp(x[k[a].i], x[k[b].i], sizeof(float) * (size_t)nf * (size_t)ra->nl) == 0)
                drop[k[b].i] = 1; /* sorted by position: the later one */
        }
    }
    int64_t n = 0;
    for (int64_t i = 0; i < d->n; i++) {
        free(x[i]);
        if (drop[i]) {
            ff_dsrec_free(&d->r[i]);
            d->duplicates++;
        } else {
            d->r[n++] = d->r[i];
        }
    }
    d->n = n;
    free(drop);
    free(k);
    free(x);
}

void ff_dataset_free(ff_dataset *d)
{
    for (int64_t i = 0; i < d->n; i++)
        ff_dsrec_free(&d->r[i]);
    free(d->r);
    memset(d, 0, sizeof *d);
}
