/* .ffq reader and writer (cJSON). The reader trusts nothing: every index,
 * length and range is checked before use. */
#include "ffq.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writer ---- */

/* Version 2 writes the long numeric arrays (w, b, qw, qb, lut, exp_lut)
 * packed: {"dtype": "int8", "count": n, "base64": "..."} of little-endian
 * values, the narrowest integer type that holds them all. Parsing a JSON
 * number costs ~100 ns (strtod); the jet's 4,256 float weights were 1 ms of
 * a 1.7 ms estimate. FF_FFQ_PLAIN writes JSON arrays, which readers take too. */
static cJSON *packed(const unsigned char *bytes, size_t nbytes, const char *dtype, int64_t n)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "dtype", dtype);
    cJSON_AddNumberToObject(o, "count", (double)n);
    char *b64 = ff_malloc(4 * ((nbytes + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)b64, bytes, (int)nbytes);
    cJSON_AddStringToObject(o, "base64", b64);
    free(b64);
    return o;
}

/* the low w bytes of u, little-endian */
static void put_le(unsigned char *dst, uint64_t u, int w)
{
    for (int k = 0; k < w; k++)
        dst[k] = (unsigned char)(u >> (8 * k));
}

static cJSON *i64_array(const int64_t *v, int64_t n, int flags)
{
    if (flags & FF_FFQ_PLAIN) {
        cJSON *a = cJSON_CreateArray();
        for (int64_t i = 0; i < n; i++)
            cJSON_AddItemToArray(a, cJSON_CreateNumber((double)v[i]));
        return a;
    }
    int64_t lo = 0, hi = 0;
    for (int64_t i = 0; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    int w = lo >= INT8_MIN && hi <= INT8_MAX ? 1 : lo >= INT16_MIN && hi <= INT16_MAX ? 2
          : lo >= INT32_MIN && hi <= INT32_MAX                                     ? 4
                                                                                   : 8;
    unsigned char *b = ff_malloc((size_t)(n ? n : 1) * (size_t)w);
    for (int64_t i = 0; i < n; i++)
        put_le(b + i * w, (uint64_t)v[i], w);
    static const char *names[9] = {[1] = "int8", [2] = "int16", [4] = "int32", [8] = "int64"};
    cJSON *o = packed(b, (size_t)n * (size_t)w, names[w], n);
    free(b);
    return o;
}

static cJSON *int_array(const int32_t *v, int64_t n, int flags)
{
    int64_t *t = ff_malloc((size_t)(n ? n : 1) * sizeof *t);
    for (int64_t i = 0; i < n; i++)
        t[i] = v[i];
    cJSON *a = i64_array(t, n, flags);
    free(t);
    return a;
}

static cJSON *float_array(const float *v, int64_t n, int flags)
{
    if (flags & FF_FFQ_PLAIN) {
        cJSON *a = cJSON_CreateArray();
        for (int64_t i = 0; i < n; i++)
            cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
        return a;
    }
    unsigned char *b = ff_malloc((size_t)(n ? n : 1) * 4);
    for (int64_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &v[i], 4);
        put_le(b + i * 4, u, 4);
    }
    cJSON *o = packed(b, (size_t)n * 4, "float32", n);
    free(b);
    return o;
}

static cJSON *rq_array(const ff_rq *r, int64_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (int64_t i = 0; i < n; i++) {
        cJSON *p = cJSON_CreateArray();
        cJSON_AddItemToArray(p, cJSON_CreateNumber(r[i].m));
        cJSON_AddItemToArray(p, cJSON_CreateNumber(r[i].s));
        cJSON_AddItemToArray(a, p);
    }
    return a;
}

static cJSON *int_list(const int *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
    return a;
}

char *ff_ffq_dump(const ff_qmodel *q, int flags)
{
    const ff_graph *g = q->g;
    int *remap = ff_malloc((size_t)g->nt * sizeof *remap);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "format", "fogforge-ffq");
    cJSON_AddNumberToObject(root, "version", FF_FFQ_VERSION);
    cJSON_AddStringToObject(root, "fogforge", FF_VERSION);
    cJSON *src = cJSON_AddObjectToObject(root, "source");
    cJSON_AddStringToObject(src, "path", g->source ? g->source : "");
    cJSON_AddStringToObject(src, "sha256", g->source_sha256);
    cJSON_AddNumberToObject(src, "opset", (double)g->opset);
    cJSON_AddStringToObject(src, "producer", g->producer);
    cJSON_AddStringToObject(root, "calibration", q->calib_desc);
    cJSON_AddStringToObject(root, "folded", g->folded ? g->folded : "");
    cJSON *ts = cJSON_AddArrayToObject(root, "tensors");
    int k = 0;
    for (int i = 0; i < g->nt; i++) {
        remap[i] = -1;
        if (g->t[i].data || (g->t[i].producer < 0 && i != g->input))
            continue;
        remap[i] = k++;
        const ff_qtensor *qt = &q->qt[i];
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "name", g->t[i].name);
        int64_t dims[FF_MAX_RANK];
        memcpy(dims, g->t[i].dims, sizeof dims);
        cJSON_AddItemToObject(t, "dims", i64_array(dims, g->t[i].rank, FF_FFQ_PLAIN));
        cJSON_AddNumberToObject(t, "bits", qt->bits);
        cJSON_AddBoolToObject(t, "signed", qt->is_signed);
        cJSON_AddNumberToObject(t, "scale", qt->scale);
        cJSON_AddItemToArray(ts, t);
    }
    cJSON_AddNumberToObject(root, "input", remap[g->input]);
    cJSON_AddNumberToObject(root, "output", remap[g->output]);
    cJSON *ls = cJSON_AddArrayToObject(root, "layers");
    for (int i = 0; i < g->nn; i++) {
        const ff_node *n = &g->n[i];
        const ff_qnode *qn = &q->qn[i];
        cJSON *l = cJSON_CreateObject();
        cJSON_AddStringToObject(l, "name", n->name);
        cJSON_AddStringToObject(l, "op", ff_op_name(n->op));
        cJSON_AddStringToObject(l, "onnx_op", n->onnx_op);
        int ins[FF_MAX_IN];
        for (int j = 0; j < n->n_in; j++)
            ins[j] = remap[n->in[j]];
        cJSON_AddItemToObject(l, "inputs", int_list(ins, n->n_in));
        cJSON_AddNumberToObject(l, "output", remap[n->out]);
        cJSON_AddStringToObject(l, "act", ff_act_name(n->act));
        cJSON_AddNumberToObject(l, "alpha", isfinite(n->alpha) ? n->alpha : (n->alpha > 0 ? 3e38 : -3e38));
        cJSON_AddNumberToObject(l, "beta", isfinite(n->beta) ? n->beta : (n->beta > 0 ? 3e38 : -3e38));
        cJSON *c = cJSON_AddObjectToObject(l, "config");
        cJSON_AddNumberToObject(c, "weight_bits", qn->cfg.weight_bits);
        cJSON_AddNumberToObject(c, "act_bits", qn->cfg.act_bits);
        cJSON_AddNumberToObject(c, "acc_bits", qn->cfg.acc_bits);
        cJSON_AddNumberToObject(c, "lut_bits", qn->cfg.lut_bits);
        cJSON_AddNumberToObject(c, "reuse", qn->cfg.reuse);
        cJSON_AddNumberToObject(l, "n_in", (double)n->n_in_f);
        cJSON_AddNumberToObject(l, "n_out", (double)n->n_out_f);
        cJSON_AddItemToObject(l, "kernel", int_list(n->kernel, 2));
        cJSON_AddItemToObject(l, "stride", int_list(n->stride, 2));
        cJSON_AddItemToObject(l, "dilation", int_list(n->dil, 2));
        cJSON_AddItemToObject(l, "pad", int_list(n->pad, 4));
        cJSON_AddNumberToObject(l, "group", n->group);
        cJSON_AddNumberToObject(l, "count_include_pad", n->count_include_pad);
        cJSON_AddNumberToObject(l, "axis", n->axis);
        cJSON_AddItemToObject(l, "perm", int_list(n->perm, g->t[n->in[0]].rank));
        int64_t wc = ff_node_wcount(g, n);
        if (n->w && wc) {
            cJSON_AddItemToObject(l, "w", float_array(n->w, wc, flags));
            cJSON_AddItemToObject(l, "qw", int_array(qn->qw, wc, flags));
            if (n->b)
                cJSON_AddItemToObject(l, "b", float_array(n->b, n->n_out_f, flags));
            cJSON_AddItemToObject(l, "qb", i64_array(qn->qb, n->n_out_f, flags));
        }
        if (qn->rq)
            cJSON_AddItemToObject(l, "rq", rq_array(qn->rq, qn->n_rq));
        if (n->op == FF_OP_ADD || n->op == FF_OP_SUB || n->op == FF_OP_CONCAT)
            cJSON_AddItemToObject(l, "in_rq", rq_array(qn->in_rq, n->n_in));
        if (n->act == FF_ACT_LEAKY)
            cJSON_AddItemToObject(l, "leaky", rq_array(&qn->leaky, 1));
        if (n->act == FF_ACT_CLIP) {
            int32_t cl[2] = {qn->clip_lo, qn->clip_hi};
            cJSON_AddItemToObject(l, "clip", int_array(cl, 2, FF_FFQ_PLAIN));
        }
        if (qn->lut) {
            cJSON_AddItemToObject(l, "lut", int_array(qn->lut, (int64_t)1 << qn->cfg.lut_bits, flags));
            cJSON_AddNumberToObject(l, "pre_scale", qn->pre_scale);
        }
        if (qn->exp_lut) {
            int64_t sz = ((int64_t)1 << qn->cfg.lut_bits) + 1;
            int64_t *t = ff_malloc((size_t)sz * sizeof *t);
            for (int64_t j = 0; j < sz; j++)
                t[j] = qn->exp_lut[j];
            cJSON_AddItemToObject(l, "exp_lut", i64_array(t, sz, flags));
            free(t);
            cJSON_AddNumberToObject(l, "exp_shift", qn->exp_shift);
        }
        if (qn->avg_rq)
            cJSON_AddItemToObject(l, "avg_rq", rq_array(qn->avg_rq, qn->n_avg));
        cJSON_AddItemToArray(ls, l);
    }
    free(remap);
    char *s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return s;
}

int ff_ffq_write(const ff_qmodel *q, const char *path, int flags, ff_err *e)
{
    char *s = ff_ffq_dump(q, flags);
    if (!s)
        return ff_errf(e, FF_EINTERNAL, "cannot serialize the model");
    int rc = ff_write_file_atomic(path, s, strlen(s), e);
    cJSON_free(s);
    return rc;
}

/* ---- reader ---- */

typedef struct {
    const char *where;
    ff_err *e;
    int rc;
    char ctx[96];
} rd;

static int bad(rd *r, const char *fmt, const char *what)
{
    if (!r->rc) {
        char m[256];
        snprintf(m, sizeof m, fmt, what);
        r->rc = ff_errf(r->e, FF_EINPUT, "%s: %s%s%s", r->where, r->ctx, r->ctx[0] ? ": " : "", m);
    }
    return 0;
}

static const cJSON *field(rd *r, const cJSON *o, const char *k, int need)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!x && need)
        bad(r, "missing field '%s'", k);
    return x;
}

static double num(rd *r, const cJSON *o, const char *k, double lo, double hi, double dflt)
{
    const cJSON *x = field(r, o, k, dflt != dflt); /* NaN default: required */
    if (!x)
        return dflt == dflt ? dflt : lo;
    if (!cJSON_IsNumber(x) || x->valuedouble < lo || x->valuedouble > hi) {
        bad(r, "field '%s' out of range", k);
        return lo;
    }
    return x->valuedouble;
}

static int64_t inum(rd *r, const cJSON *o, const char *k, int64_t lo, int64_t hi, int need)
{
    double v = num(r, o, k, (double)lo, (double)hi, need ? NAN : (double)lo);
    if (v != floor(v))
        bad(r, "field '%s' must be an integer", k);
    return (int64_t)v;
}

/* A packed array (version 2): dtype, count and the base64 of exactly
 * count little-endian values. */
static int unpack(rd *r, const cJSON *a, const char *k, int64_t n, double lo, double hi, double *out)
{
    static const struct {
        const char *name;
        int size, is_float;
    } types[] = {{"int8", 1, 0}, {"int16", 2, 0}, {"int32", 4, 0}, {"int64", 8, 0}, {"float32", 4, 1}};
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(a, "dtype");
    const cJSON *ct = cJSON_GetObjectItemCaseSensitive(a, "count");
    const cJSON *bs = cJSON_GetObjectItemCaseSensitive(a, "base64");
    if (!cJSON_IsString(dt) || !cJSON_IsNumber(ct) || !cJSON_IsString(bs))
        return bad(r, "packed field '%s' needs dtype, count and base64", k);
    int t = -1;
    for (int i = 0; i < (int)(sizeof types / sizeof types[0]); i++)
        if (!strcmp(dt->valuestring, types[i].name))
            t = i;
    if (t < 0)
        return bad(r, "packed field '%s' has an unknown dtype", k);
    if (ct->valuedouble != (double)n)
        return bad(r, "field '%s' has the wrong length", k);
    size_t nbytes = (size_t)n * (size_t)types[t].size, len = strlen(bs->valuestring);
    size_t pad = (3 - nbytes % 3) % 3;
    if (len != 4 * ((nbytes + 2) / 3) || (pad && (bs->valuestring[len - pad] != '=' || bs->valuestring[len - 1] != '=')) ||
        (len && bs->valuestring[len - 1 - pad] == '='))
        return bad(r, "packed field '%s': base64 of the wrong length", k);
    unsigned char *b = ff_malloc(len / 4 * 3 + 1);
    int got = len ? EVP_DecodeBlock(b, (const unsigned char *)bs->valuestring, (int)len) : 0;
    if (got != (int)(len / 4 * 3)) {
        free(b);
        return bad(r, "packed field '%s': invalid base64", k);
    }
    int sz = types[t].size;
    for (int64_t i = 0; i < n; i++) {
        uint64_t u = 0;
        for (int j = 0; j < sz; j++)
            u |= (uint64_t)b[i * sz + j] << (8 * j);
        double v;
        if (types[t].is_float) {
            uint32_t u32 = (uint32_t)u;
            float f;
            memcpy(&f, &u32, 4);
            v = f;
        } else {
            /* sign-extend the sz-byte value */
            int64_t sv = sz == 8 ? (int64_t)u : (int64_t)(u ^ ((uint64_t)1 << (8 * sz - 1))) - ((int64_t)1 << (8 * sz - 1));
            v = (double)sv;
        }
        if (!(v >= lo && v <= hi)) {
            free(b);
            return bad(r, "field '%s' holds a value out of range", k);
        }
        out[i] = v;
    }
    free(b);
    return 1;
}

/* Reads exactly n numbers in [lo, hi] as doubles into out, from a JSON array
 * or a packed array. */
static int num_array(rd *r, const cJSON *o, const char *k, int64_t n, double lo, double hi, double *out)
{
    const cJSON *a = field(r, o, k, 1);
    if (!a)
        return 0;
    if (cJSON_IsObject(a))
        return unpack(r, a, k, n, lo, hi, out);
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n)
        return bad(r, "field '%s' has the wrong length", k);
    int64_t i = 0;
    for (const cJSON *x = a->child; x; x = x->next, i++) {
        if (!cJSON_IsNumber(x) || !(x->valuedouble >= lo && x->valuedouble <= hi))
            return bad(r, "field '%s' holds a value out of range", k);
        out[i] = x->valuedouble;
    }
    return 1;
}

static int32_t *read_i32(rd *r, const cJSON *o, const char *k, int64_t n, int32_t lo, int32_t hi)
{
    double *tmp = ff_malloc((size_t)(n ? n : 1) * sizeof *tmp);
    int32_t *v = NULL;
    if (num_array(r, o, k, n, lo, hi, tmp)) {
        v = ff_malloc((size_t)(n ? n : 1) * sizeof *v);
        for (int64_t i = 0; i < n; i++) {
            if (tmp[i] != floor(tmp[i]))
                bad(r, "field '%s' must hold integers", k);
            v[i] = (int32_t)tmp[i];
        }
    }
    free(tmp);
    return v;
}

static float *read_f32(rd *r, const cJSON *o, const char *k, int64_t n)
{
    double *tmp = ff_malloc((size_t)(n ? n : 1) * sizeof *tmp);
    float *v = NULL;
    if (num_array(r, o, k, n, -3.4e38, 3.4e38, tmp)) {
        v = ff_malloc((size_t)(n ? n : 1) * sizeof *v);
        for (int64_t i = 0; i < n; i++)
            v[i] = (float)tmp[i];
    }
    free(tmp);
    return v;
}

static ff_rq *read_rq(rd *r, const cJSON *o, const char *k, int64_t n)
{
    const cJSON *a = field(r, o, k, 1);
    if (!a)
        return NULL;
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != n) {
        bad(r, "field '%s' has the wrong length", k);
        return NULL;
    }
    ff_rq *v = ff_calloc((size_t)(n ? n : 1), sizeof *v);
    int64_t i = 0;
    for (const cJSON *x = a->child; x; x = x->next, i++) {
        if (!cJSON_IsArray(x) || cJSON_GetArraySize(x) != 2) {
            bad(r, "field '%s' must hold [M, shift] pairs", k);
            break;
        }
        const cJSON *m = x->child, *s = m->next;
        if (!cJSON_IsNumber(m) || !cJSON_IsNumber(s) || fabs(m->valuedouble) > 32767 || s->valuedouble < 0 ||
            s->valuedouble > 62) {
            bad(r, "field '%s' holds an [M, shift] pair out of range", k);
            break;
        }
        v[i].m = (int32_t)m->valuedouble;
        v[i].s = (int)s->valuedouble;
    }
    return v;
}

static int op_from_name(const char *s, ff_op *op)
{
    for (int i = 0; i < FF_OP__COUNT; i++)
        if (!strcmp(s, ff_op_name((ff_op)i))) {
            *op = (ff_op)i;
            return 1;
        }
    return 0;
}

static const char *str(rd *r, const cJSON *o, const char *k)
{
    const cJSON *x = field(r, o, k, 1);
    if (x && !cJSON_IsString(x)) {
        bad(r, "field '%s' must be a string", k);
        return "";
    }
    return x ? x->valuestring : "";
}

static void read_ints(rd *r, const cJSON *o, const char *k, int *dst, int n, int lo, int hi)
{
    double tmp[FF_MAX_RANK + 4];
    if (num_array(r, o, k, n, lo, hi, tmp))
        for (int i = 0; i < n; i++)
            dst[i] = (int)tmp[i];
}

static void read_layer(rd *r, ff_qmodel *q, int li, const cJSON *l, int ntens)
{
    ff_graph *g = q->g;
    const char *name = str(r, l, "name");
    snprintf(r->ctx, sizeof r->ctx, "layer %d '%.60s'", li, name);
    ff_op op = FF_OP_IDENTITY;
    if (!op_from_name(str(r, l, "op"), &op)) {
        bad(r, "unknown op '%s'", str(r, l, "op"));
        return;
    }
    int ni = ff_graph_add_node(g, op, name, str(r, l, "onnx_op"));
    ff_node *n = &g->n[ni];
    ff_qnode *qn = &q->qn[ni];
    const cJSON *ins = field(r, l, "inputs", 1);
    if (!ins || !cJSON_IsArray(ins) || cJSON_GetArraySize(ins) < 1 || cJSON_GetArraySize(ins) > FF_MAX_IN) {
        bad(r, "bad field '%s'", "inputs");
        return;
    }
    n->n_in = cJSON_GetArraySize(ins);
    read_ints(r, l, "inputs", n->in, n->n_in, 0, ntens - 1);
    n->out = (int)inum(r, l, "output", 0, ntens - 1, 1);
    if (!ff_act_from_name(str(r, l, "act"), &n->act))
        bad(r, "unknown activation '%s'", str(r, l, "act"));
    n->alpha = (float)num(r, l, "alpha", -3.4e38, 3.4e38, 0);
    n->beta = (float)num(r, l, "beta", -3.4e38, 3.4e38, 0);
    if (n->act == FF_ACT_CLIP) {
        if (n->alpha <= -3e38f)
            n->alpha = -INFINITY;
        if (n->beta >= 3e38f)
            n->beta = INFINITY;
    }
    const cJSON *c = field(r, l, "config", 1);
    if (!c)
        return;
    qn->cfg.weight_bits = (int)inum(r, c, "weight_bits", 2, 16, 1);
    qn->cfg.act_bits = (int)inum(r, c, "act_bits", 2, 16, 1);
    qn->cfg.acc_bits = (int)inum(r, c, "acc_bits", 8, 48, 1);
    qn->cfg.lut_bits = (int)inum(r, c, "lut_bits", 6, 14, 1);
    qn->cfg.reuse = (int)inum(r, c, "reuse", 1, 1 << 20, 1);
    n->n_in_f = inum(r, l, "n_in", 0, FF_MAX_ELEMS, 1);
    n->n_out_f = inum(r, l, "n_out", 0, FF_MAX_ELEMS, 1);
    read_ints(r, l, "kernel", n->kernel, 2, 1, 4096);
    read_ints(r, l, "stride", n->stride, 2, 1, 1 << 16);
    read_ints(r, l, "dilation", n->dil, 2, 1, 1 << 16);
    read_ints(r, l, "pad", n->pad, 4, 0, 1 << 16);
    n->group = (int)inum(r, l, "group", 1, 1 << 20, 1);
    n->count_include_pad = (int)inum(r, l, "count_include_pad", 0, 1, 1);
    n->axis = (int)inum(r, l, "axis", 0, FF_MAX_RANK - 1, 1);
    if (r->rc)
        return;
    const cJSON *perm = field(r, l, "perm", 1);
    if (perm && cJSON_IsArray(perm) && cJSON_GetArraySize(perm) <= FF_MAX_RANK)
        read_ints(r, l, "perm", n->perm, cJSON_GetArraySize(perm), 0, FF_MAX_RANK - 1);
    else
        bad(r, "bad field '%s'", "perm");
    if (r->rc)
        return;
    if (op == FF_OP_DENSE || op == FF_OP_CONV || op == FF_OP_SCALE) {
        if (n->n_out_f < 1 || n->n_in_f < (op == FF_OP_SCALE ? 0 : 1) || n->group < 1 ||
            (op == FF_OP_CONV && (n->n_in_f % n->group || n->n_out_f % n->group))) {
            bad(r, "bad layer dimensions%s", "");
            return;
        }
        int64_t wc = ff_node_wcount(g, n);
        if (wc < 1 || wc > FF_MAX_ELEMS) {
            bad(r, "bad weight count%s", "");
            return;
        }
        n->w = read_f32(r, l, "w", wc);
        if (field(r, l, "b", 0))
            n->b = read_f32(r, l, "b", n->n_out_f);
        int32_t wmax = (1 << (qn->cfg.weight_bits - 1)) - 1;
        qn->qw = read_i32(r, l, "qw", wc, -wmax, wmax);
        double *tmp = ff_malloc((size_t)n->n_out_f * sizeof *tmp);
        double am = ldexp(1.0, qn->cfg.acc_bits - 1);
        if (num_array(r, l, "qb", n->n_out_f, -am, am, tmp)) {
            qn->qb = ff_malloc((size_t)n->n_out_f * sizeof *qn->qb);
            for (int64_t i = 0; i < n->n_out_f; i++)
                qn->qb[i] = (int64_t)tmp[i];
        }
        free(tmp);
        qn->n_rq = (int)n->n_out_f;
        qn->rq = read_rq(r, l, "rq", qn->n_rq);
    } else if (op == FF_OP_ADD || op == FF_OP_SUB || op == FF_OP_ACT) {
        qn->n_rq = 1;
        qn->rq = read_rq(r, l, "rq", 1);
    }
    if (op == FF_OP_ADD || op == FF_OP_SUB || op == FF_OP_CONCAT) {
        ff_rq *v = read_rq(r, l, "in_rq", n->n_in);
        if (v)
            memcpy(qn->in_rq, v, (size_t)n->n_in * sizeof *v);
        free(v);
    }
    if (n->act == FF_ACT_LEAKY) {
        ff_rq *v = read_rq(r, l, "leaky", 1);
        if (v)
            qn->leaky = v[0];
        free(v);
    }
    if (n->act == FF_ACT_CLIP) {
        int32_t *cl = read_i32(r, l, "clip", 2, -65536, 65536);
        if (cl) {
            qn->clip_lo = cl[0];
            qn->clip_hi = cl[1];
        }
        free(cl);
    }
    int64_t lsz = (int64_t)1 << qn->cfg.lut_bits;
    if (n->act == FF_ACT_SIGMOID || n->act == FF_ACT_TANH || n->act == FF_ACT_SELU || n->act == FF_ACT_ELU) {
        qn->lut = read_i32(r, l, "lut", lsz, -65536, 65536);
        qn->pre_scale = num(r, l, "pre_scale", 0, 1e30, NAN);
    }
    if (op == FF_OP_SOFTMAX) {
        int32_t *v = read_i32(r, l, "exp_lut", lsz + 1, 0, 32768);
        if (v) {
            qn->exp_lut = ff_malloc((size_t)(lsz + 1) * sizeof *qn->exp_lut);
            for (int64_t i = 0; i <= lsz; i++)
                qn->exp_lut[i] = (uint16_t)v[i];
        }
        free(v);
        qn->exp_shift = (int)inum(r, l, "exp_shift", 0, 30, 1);
    }
    if (op == FF_OP_AVGPOOL || op == FF_OP_GAVGPOOL) {
        qn->n_avg = op == FF_OP_GAVGPOOL ? 1 : n->kernel[0] * n->kernel[1] + 1;
        qn->avg_rq = read_rq(r, l, "avg_rq", qn->n_avg);
    }
}

/* Output tensors must match what the layers compute; quant params checked. */
static void check_model(rd *r, ff_qmodel *q, const int64_t (*stored)[FF_MAX_RANK], const int *srank)
{
    ff_graph *g = q->g;
    r->ctx[0] = 0;
    if (r->rc)
        return;
    ff_err e2;
    if (ff_graph_compact(g, &e2) || ff_graph_infer_shapes(g, &e2)) {
        r->rc = ff_errf(r->e, FF_EINPUT, "%s: inconsistent model: %s", r->where, e2.msg);
        return;
    }
    for (int i = 0; i < g->nt; i++) {
        if (g->t[i].producer < 0 && i != g->input) {
            int used = ff_graph_uses(g, i);
            if (used) {
                r->rc = ff_errf(r->e, FF_EINPUT, "%s: tensor '%s' is used but nothing produces it", r->where,
                                g->t[i].name);
                return;
            }
            continue;
        }
        if (g->t[i].rank != srank[i] || memcmp(g->t[i].dims, stored[i], sizeof(int64_t) * (size_t)srank[i])) {
            r->rc = ff_errf(r->e, FF_EINPUT, "%s: tensor '%s' has stored dims that disagree with its layer",
                            r->where, g->t[i].name);
            return;
        }
    }
    for (int i = 0; i < g->nn; i++) {
        const ff_qnode *qn = &q->qn[i];
        ff_op op = g->n[i].op;
        if ((op == FF_OP_DENSE || op == FF_OP_CONV || op == FF_OP_SCALE) && (!qn->qw || !qn->qb || !qn->rq)) {
            r->rc = ff_errf(r->e, FF_EINPUT, "%s: layer '%s' lacks its integer parameters", r->where, g->n[i].name);
            return;
        }
        const ff_qtensor *qo = &q->qt[g->n[i].out];
        if (op == FF_OP_SOFTMAX && (qo->is_signed || !qn->exp_lut)) {
            r->rc = ff_errf(r->e, FF_EINPUT, "%s: layer '%s': softmax needs an unsigned output and its table",
                            r->where, g->n[i].name);
            return;
        }
        if (qn->lut)
            for (int64_t k = 0; k < ((int64_t)1 << qn->cfg.lut_bits); k++)
                if (qn->lut[k] < qo->qmin || qn->lut[k] > qo->qmax) {
                    r->rc = ff_errf(r->e, FF_EINPUT, "%s: layer '%s': table entry %lld outside the output range",
                                    r->where, g->n[i].name, (long long)k);
                    return;
                }
    }
}

int ff_ffq_parse(const char *json, const char *where, ff_qmodel **out, ff_err *e)
{
    *out = NULL;
    cJSON *root = cJSON_Parse(json);
    if (!root)
        return ff_errf(e, FF_EINPUT, "%s: not a .ffq file (invalid JSON)", where);
    rd r = {where, e, 0, ""};
    ff_qmodel *q = ff_calloc(1, sizeof *q);
    q->g = ff_graph_new();
    int64_t(*stored)[FF_MAX_RANK] = NULL;
    int *srank = NULL;
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "fogforge-ffq") != 0) {
        r.rc = ff_errf(e, FF_EINPUT, "%s: not a .ffq file (no \"format\": \"fogforge-ffq\")", where);
        goto done;
    }
    int64_t ver = inum(&r, root, "version", 0, 1000, 1);
    if (!r.rc && (ver < 1 || ver > FF_FFQ_VERSION)) {
        r.rc = ff_errf(e, FF_EINPUT,
                       "%s: .ffq version %lld, this fogforge reads versions 1 to %d (re-run fogforge quantize)", where,
                       (long long)ver, FF_FFQ_VERSION);
        goto done;
    }
    const cJSON *src = field(&r, root, "source", 1);
    if (src) {
        const char *p = str(&r, src, "path"), *h = str(&r, src, "sha256"), *pr = str(&r, src, "producer");
        q->g->source = ff_strdup(p);
        snprintf(q->g->source_sha256, sizeof q->g->source_sha256, "%s", h);
        snprintf(q->g->producer, sizeof q->g->producer, "%s", pr);
        q->g->opset = inum(&r, src, "opset", 0, 1000, 0);
    }
    const cJSON *cal = cJSON_GetObjectItemCaseSensitive(root, "calibration");
    if (cJSON_IsString(cal))
        snprintf(q->calib_desc, sizeof q->calib_desc, "%s", cal->valuestring);
    const cJSON *fold = cJSON_GetObjectItemCaseSensitive(root, "folded");
    if (cJSON_IsString(fold) && fold->valuestring[0])
        q->g->folded = ff_strdup(fold->valuestring);
    const cJSON *ts = field(&r, root, "tensors", 1), *ls = field(&r, root, "layers", 1);
    if (r.rc || !cJSON_IsArray(ts) || !cJSON_IsArray(ls) || cJSON_GetArraySize(ts) < 1 ||
        cJSON_GetArraySize(ts) > 100000 || cJSON_GetArraySize(ls) > 100000) {
        if (!r.rc)
            r.rc = ff_errf(e, FF_EINPUT, "%s: bad tensors or layers list", where);
        goto done;
    }
    int nt = cJSON_GetArraySize(ts), nl = cJSON_GetArraySize(ls);
    q->qt = ff_calloc((size_t)nt, sizeof *q->qt);
    q->qn = ff_calloc((size_t)(nl ? nl : 1), sizeof *q->qn);
    stored = ff_calloc((size_t)nt, sizeof *stored);
    srank = ff_calloc((size_t)nt, sizeof *srank);
    int ti = 0;
    for (const cJSON *t = ts->child; t && !r.rc; t = t->next, ti++) {
        snprintf(r.ctx, sizeof r.ctx, "tensor %d", ti);
        const cJSON *dims = field(&r, t, "dims", 1);
        if (!dims || !cJSON_IsArray(dims) || cJSON_GetArraySize(dims) < 1 || cJSON_GetArraySize(dims) > FF_MAX_RANK) {
            bad(&r, "bad field '%s'", "dims");
            break;
        }
        int rank = cJSON_GetArraySize(dims);
        double dv[FF_MAX_RANK];
        if (!num_array(&r, t, "dims", rank, 1, (double)FF_MAX_ELEMS, dv))
            break;
        for (int k = 0; k < rank; k++)
            stored[ti][k] = (int64_t)dv[k];
        srank[ti] = rank;
        ff_graph_add_tensor(q->g, str(&r, t, "name"), 0, NULL, NULL);
        int bits = (int)inum(&r, t, "bits", 2, 16, 1);
        const cJSON *sg = field(&r, t, "signed", 1);
        double scale = num(&r, t, "scale", 1e-300, 1e300, NAN);
        if (r.rc)
            break;
        int sgn = cJSON_IsTrue(sg);
        ff_qtensor *qt = &q->qt[ti];
        qt->bits = bits;
        qt->is_signed = sgn;
        qt->qmin = sgn ? -(1 << (bits - 1)) : 0;
        qt->qmax = sgn ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
        qt->scale = scale;
    }
    if (r.rc)
        goto done;
    r.ctx[0] = 0;
    q->g->input = (int)inum(&r, root, "input", 0, nt - 1, 1);
    q->g->output = (int)inum(&r, root, "output", 0, nt - 1, 1);
    if (r.rc)
        goto done;
    memcpy(q->g->t[q->g->input].dims, stored[q->g->input], sizeof stored[0]);
    q->g->t[q->g->input].rank = srank[q->g->input];
    for (int i = 0; i < nt; i++)
        if (i != q->g->input) {
            memcpy(q->g->t[i].dims, stored[i], sizeof stored[0]);
            q->g->t[i].rank = srank[i];
        }
    int li = 0;
    for (const cJSON *l = ls->child; l && !r.rc; l = l->next, li++)
        read_layer(&r, q, li, l, nt);
    if (!r.rc) {
        /* Check layers are already in order and wire-consistent, and keep
         * qn aligned with nodes: compact must not reorder. */
        for (int i = 0; i < q->g->nn && !r.rc; i++)
            for (int k = 0; k < q->g->n[i].n_in; k++) {
                int t = q->g->n[i].in[k], prod = -1;
                for (int j = 0; j < q->g->nn; j++)
                    if (q->g->n[j].out == t)
                        prod = j;
                if (t != q->g->input && (prod < 0 || prod >= i))
                    r.rc = ff_errf(e, FF_EINPUT, "%s: layer '%s' reads tensor %d before it is computed", where,
                                   q->g->n[i].name, t);
            }
    }
    check_model(&r, q, (const int64_t(*)[FF_MAX_RANK])stored, srank);
done:
    free(stored);
    free(srank);
    cJSON_Delete(root);
    if (r.rc) {
        ff_qmodel_free(q);
        return r.rc;
    }
    *out = q;
    return FF_OK;
}

int ff_ffq_read(const char *path, ff_qmodel **out, ff_err *e)
{
    char *data;
    size_t len;
    *out = NULL;
    int rc = ff_read_file(path, (size_t)1 << 30, &data, &len, e);
    if (rc)
        return rc;
    rc = ff_ffq_parse(data, path, out, e);
    free(data);
    return rc;
}
