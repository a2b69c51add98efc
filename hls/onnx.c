/* ONNX front-end: unpacks a ModelProto with protobuf-c, turns initializers and
 * Constant nodes into float constants, and lowers each node, in topological
 * order, to the IR: data movement of constants is folded at import, NCHW
 * convolutions and pools are wrapped in Transposes to the IR's channels-last. */
#include "onnx.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.pb-c.h"

#define ONNX_MAX_BYTES ((size_t)256 << 20)
#define MAX_GEOM (1 << 16) /* bound on kernel, stride, dilation and padding */

enum {
    T_FLOAT = 1, T_UINT8 = 2, T_INT8 = 3, T_UINT16 = 4, T_INT16 = 5, T_INT32 = 6,
    T_INT64 = 7, T_BOOL = 9, T_FLOAT16 = 10, T_DOUBLE = 11, T_UINT32 = 12, T_UINT64 = 13,
    T_BFLOAT16 = 16,
};

/* One ONNX value name: the IR tensor holding it once available, the index of
 * the node that produces it, and whether anything reads it. */
typedef struct {
    const char *key;
    int tensor;
    int producer;
    int used;
} name_ent;

typedef struct {
    ff_graph *g;
    ff_err *e;
    const Onnx__ModelProto *m;
    int64_t opset;
    name_ent *tab;
    size_t cap;
} ctx;

/* The node being lowered. */
typedef struct {
    const Onnx__NodeProto *np;
    char *name;         /* ONNX name or "<op>_<index>" */
    const char *op;
    const char *domain; /* for messages */
    int64_t opset;      /* of the node's domain */
} onode;

static const char *S(const char *s)
{
    return s ? s : "";
}

/* ---------- name table (open addressing, FNV-1a) ---------- */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static name_ent *lookup(ctx *c, const char *key, int create)
{
    size_t mask = c->cap - 1, i = (size_t)hash_str(key) & mask;
    for (;;) {
        name_ent *ent = &c->tab[i];
        if (!ent->key) {
            if (!create)
                return NULL;
            ent->key = key;
            ent->tensor = ent->producer = -1;
            return ent;
        }
        if (strcmp(ent->key, key) == 0)
            return ent;
        i = (i + 1) & mask;
    }
}

/* ---------- messages ---------- */

static void dims_str(int rank, const int64_t *d, char *buf, size_t n)
{
    size_t k = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < rank && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, i ? ",%lld" : "%lld", (long long)d[i]);
    if (k < n)
        snprintf(buf + k, n - k, "]");
}

static int unsupported(ctx *c, const onode *o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int unsupported(ctx *c, const onode *o, const char *fmt, ...)
{
    char why[256] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, sizeof why, fmt, ap);
        va_end(ap);
    }
    return ff_errf(c->e, FF_EINPUT, "unsupported op '%s' (node '%s', domain '%s', opset %lld)%s%s",
                   o->op, o->name, o->domain, (long long)o->opset, why[0] ? ": " : "", why);
}

static int bad_node(ctx *c, const onode *o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad_node(ctx *c, const onode *o, const char *fmt, ...)
{
    char why[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return ff_errf(c->e, FF_EINPUT, "node '%s' (%s, opset %lld): %s", o->name, o->op,
                   (long long)o->opset, why);
}

/* ---------- attributes ---------- */

static const Onnx__AttributeProto *attr(const onode *o, const char *name)
{
    for (size_t i = 0; i < o->np->n_attribute; i++) {
        const Onnx__AttributeProto *a = o->np->attribute[i];
        if (a && a->name && strcmp(a->name, name) == 0)
            return a;
    }
    return NULL;
}

static int attr_int(ctx *c, const onode *o, const char *name, int64_t def, int64_t *out)
{
    const Onnx__AttributeProto *a = attr(o, name);
    *out = def;
    if (!a)
        return FF_OK;
    if (!a->has_i && !(a->has_type && a->type == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT))
        return bad_node(c, o, "attribute '%s' is not an integer", name);
    *out = a->i;
    return FF_OK;
}

static int attr_float(ctx *c, const onode *o, const char *name, float def, float *out)
{
    const Onnx__AttributeProto *a = attr(o, name);
    *out = def;
    if (!a)
        return FF_OK;
    if (a->has_f || (a->has_type && a->type == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT))
        *out = a->f;
    else if (a->has_i)
        *out = (float)a->i;
    else
        return bad_node(c, o, "attribute '%s' is not a number", name);
    return FF_OK;
}

/* Integer list attribute; *n = -1 when absent. */
static int attr_ints(ctx *c, const onode *o, const char *name, int64_t *v, int max, int *n)
{
    const Onnx__AttributeProto *a = attr(o, name);
    *n = -1;
    if (!a)
        return FF_OK;
    if (a->n_ints > (size_t)max)
        return bad_node(c, o, "attribute '%s' has %zu values (at most %d)", name, a->n_ints, max);
    for (size_t i = 0; i < a->n_ints; i++)
        v[i] = a->ints[i];
    *n = (int)a->n_ints;
    return FF_OK;
}

static const char *attr_str(const onode *o, const char *name, const char *def)
{
    const Onnx__AttributeProto *a = attr(o, name);
    if (!a || !a->has_s || !a->s.data)
        return def;
    /* protobuf-c bytes are not NUL-terminated: compare through a copy */
    static const char *known[] = {"NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"};
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (a->s.len == strlen(known[i]) && memcmp(a->s.data, known[i], a->s.len) == 0)
            return known[i];
    return "?";
}

/* ---------- tensors ---------- */

static float half_to_float(uint32_t h)
{
    uint32_t s = (h >> 15) & 1, ex = (h >> 10) & 31, m = h & 1023;
    float v;
    if (ex == 0)
        v = ldexpf((float)m, -24);
    else if (ex == 31)
        v = m ? NAN : INFINITY;
    else
        v = ldexpf((float)(m | 1024), (int)ex - 25);
    return s ? -v : v;
}

static float bf16_to_float(uint32_t h)
{
    uint32_t u = (h & 0xffffu) << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static size_t elem_size(int dt)
{
    switch (dt) {
    case T_UINT8: case T_INT8: case T_BOOL: return 1;
    case T_UINT16: case T_INT16: case T_FLOAT16: case T_BFLOAT16: return 2;
    case T_FLOAT: case T_INT32: case T_UINT32: return 4;
    case T_INT64: case T_DOUBLE: case T_UINT64: return 8;
    default: return 0;
    }
}

/* One little-endian element of raw_data as a float. */
static float raw_elem(const uint8_t *p, int dt)
{
    uint64_t u = 0;
    size_t n = elem_size(dt);
    for (size_t i = 0; i < n; i++)
        u |= (uint64_t)p[i] << (8 * i);
    switch (dt) {
    case T_FLOAT: { uint32_t w = (uint32_t)u; float f; memcpy(&f, &w, 4); return f; }
    case T_DOUBLE: { double d; memcpy(&d, &u, 8); return (float)d; }
    case T_INT64: return (float)(int64_t)u;
    case T_UINT64: return (float)u;
    case T_INT32: return (float)(int32_t)(uint32_t)u;
    case T_UINT32: return (float)(uint32_t)u;
    case T_INT16: return (float)(int16_t)(uint16_t)u;
    case T_UINT16: return (float)(uint16_t)u;
    case T_INT8: return (float)(int8_t)(uint8_t)u;
    case T_UINT8: return (float)(uint8_t)u;
    case T_BOOL: return u ? 1.0f : 0.0f;
    case T_FLOAT16: return half_to_float((uint32_t)u);
    case T_BFLOAT16: return bf16_to_float((uint32_t)u);
    }
    return 0;
}

static float i32_elem(int32_t v, int dt)
{
    switch (dt) {
    case T_FLOAT16: return half_to_float((uint32_t)v);
    case T_BFLOAT16: return bf16_to_float((uint32_t)v);
    case T_BOOL: return v ? 1.0f : 0.0f;
    default: return (float)v;
    }
}

/* Converts a TensorProto to float data with its dims; `what` names it. */
static int tensor_to_float(ctx *c, const Onnx__TensorProto *tp, const char *what, int *rank,
                           int64_t *dims, float **out)
{
    *out = NULL;
    char ds[160];
    if (tp->n_dims > FF_MAX_RANK)
        return ff_errf(c->e, FF_EINPUT, "%s has rank %zu (at most %d)", what, tp->n_dims,
                       FF_MAX_RANK);
    *rank = (int)tp->n_dims;
    int64_t n = 1;
    for (size_t i = 0; i < tp->n_dims; i++) {
        dims[i] = tp->dims[i];
        if (dims[i] < 0)
            return ff_errf(c->e, FF_EINPUT, "%s has a negative dimension (%lld)", what,
                           (long long)dims[i]);
    }
    dims_str(*rank, dims, ds, sizeof ds);
    for (size_t i = 0; i < tp->n_dims; i++)
        if (!ff_mul_ok(n, dims[i], &n) || n > FF_MAX_ELEMS)
            return ff_errf(c->e, FF_EINPUT, "%s is too large (dims %s, limit %lld elements)", what,
                           ds, (long long)FF_MAX_ELEMS);
    if (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
        return ff_errf(c->e, FF_EINPUT, "%s uses external data (not supported)", what);
    int dt = tp->has_data_type ? tp->data_type : 0;
    size_t es = elem_size(dt);
    if (!es)
        return ff_errf(c->e, FF_EINPUT, "%s has unsupported element type %d", what, dt);
    float *f = ff_malloc((size_t)n * sizeof *f);
    size_t have;
    if (tp->has_raw_data && tp->raw_data.len > 0) {
        have = tp->raw_data.len / es;
        if (tp->raw_data.len % es || have != (size_t)n) {
            free(f);
            return ff_errf(c->e, FF_EINPUT, "%s: raw_data has %zu bytes, dims %s need %lld", what,
                           tp->raw_data.len, ds, (long long)n * (long long)es);
        }
        for (int64_t i = 0; i < n; i++)
            f[i] = raw_elem(tp->raw_data.data + (size_t)i * es, dt);
    } else {
        switch (dt) {
        case T_FLOAT:
            have = tp->n_float_data;
            if (have == (size_t)n && n > 0)
                memcpy(f, tp->float_data, (size_t)n * sizeof *f);
            break;
        case T_DOUBLE:
            have = tp->n_double_data;
            for (size_t i = 0; have == (size_t)n && i < have; i++)
                f[i] = (float)tp->double_data[i];
            break;
        case T_INT64:
            have = tp->n_int64_data;
            for (size_t i = 0; have == (size_t)n && i < have; i++)
                f[i] = (float)tp->int64_data[i];
            break;
        case T_UINT32:
        case T_UINT64:
            have = tp->n_uint64_data;
            for (size_t i = 0; have == (size_t)n && i < have; i++)
                f[i] = (float)tp->uint64_data[i];
            break;
        default:
            have = tp->n_int32_data;
            for (size_t i = 0; have == (size_t)n && i < have; i++)
                f[i] = i32_elem(tp->int32_data[i], dt);
            break;
        }
        if (have != (size_t)n) {
            free(f);
            return ff_errf(c->e, FF_EINPUT, "%s has %zu values, dims %s need %lld", what, have, ds,
                           (long long)n);
        }
    }
    *out = f;
    return FF_OK;
}

/* A constant's value as an integer (shape and axes inputs). */
static int const_int(ctx *c, const onode *o, float v, int64_t *out)
{
    if (!(v >= -4.0e18f && v <= 4.0e18f) || v != floorf(v))
        return bad_node(c, o, "constant %g is not an integer", (double)v);
    *out = (int64_t)v;
    return FF_OK;
}

static int64_t dims_prod(int rank, const int64_t *d)
{
    int64_t p = 1;
    for (int i = 0; i < rank; i++)
        if (!ff_mul_ok(p, d[i], &p) || p > FF_MAX_ELEMS)
            return -1;
    return p;
}

/* ---------- graph building ---------- */

static int is_const(const ctx *c, int ti)
{
    return ti >= 0 && c->g->t[ti].data != NULL;
}

/* Tensor of input k, or -1 when the input is absent or empty. */
static int in_t(ctx *c, const onode *o, size_t k)
{
    if (k >= o->np->n_input || !o->np->input[k] || !o->np->input[k][0])
        return -1;
    name_ent *ent = lookup(c, o->np->input[k], 0);
    return ent ? ent->tensor : -1;
}

static const char *in_name(const onode *o, size_t k)
{
    return k < o->np->n_input ? S(o->np->input[k]) : "";
}

/* Input k, which must be present; `act` 1: must be an activation, 0: a constant. */
static int need_in(ctx *c, const onode *o, size_t k, int act, int *ti)
{
    *ti = in_t(c, o, k);
    if (*ti < 0)
        return bad_node(c, o, "input %zu is missing", k);
    if (act && is_const(c, *ti))
        return unsupported(c, o, "input '%s' is a constant", in_name(o, k));
    if (!act && !is_const(c, *ti))
        return unsupported(c, o, "input '%s' is not a constant", in_name(o, k));
    return FF_OK;
}

static void bind_output(ctx *c, const onode *o, size_t k, int ti)
{
    name_ent *ent = lookup(c, o->np->output[k], 0);
    if (ent)
        ent->tensor = ti;
}

/* Activation output tensor 0 of the ONNX node (shape filled by inference). */
static int new_output(ctx *c, const onode *o, int rank, const int64_t *dims)
{
    int ti = ff_graph_add_tensor(c->g, o->np->output[0], rank, dims, NULL);
    bind_output(c, o, 0, ti);
    return ti;
}

static int new_const_output(ctx *c, const onode *o, int rank, const int64_t *dims, float *data)
{
    int ti = ff_graph_add_tensor(c->g, o->np->output[0], rank, dims, data);
    bind_output(c, o, 0, ti);
    return ti;
}

/* Internal activation tensor named after the node. */
static int new_temp(ctx *c, const onode *o, const char *suffix)
{
    size_t n = strlen(o->name) + strlen(suffix) + 2;
    char *nm = ff_malloc(n);
    snprintf(nm, n, "%s/%s", o->name, suffix);
    int ti = ff_graph_add_tensor(c->g, nm, 0, NULL, NULL);
    free(nm);
    return ti;
}

static int add_node(ctx *c, const onode *o, ff_op op, const char *name, const int *in, int n_in,
                    int out)
{
    int ni = ff_graph_add_node(c->g, op, name ? name : o->name, o->op);
    ff_node *n = &c->g->n[ni];
    n->n_in = n_in;
    for (int k = 0; k < n_in; k++)
        n->in[k] = in[k];
    n->out = out;
    return ni;
}

static int infer(ctx *c, int ni)
{
    return ff_node_infer_shape(c->g, ni, c->e);
}

/* One-input node whose parameters need no setting. */
static int simple(ctx *c, const onode *o, ff_op op, int x, ff_node **np_out)
{
    int y = new_output(c, o, 0, NULL);
    int ni = add_node(c, o, op, NULL, &x, 1, y);
    if (np_out)
        *np_out = &c->g->n[ni];
    return ni;
}

/* ---------- lowering: data movement (folded for constants) ---------- */

static int normalize_axis(ctx *c, const onode *o, int64_t a, int rank, int64_t *out)
{
    if (a < -rank || a >= rank)
        return bad_node(c, o, "axis %lld is out of range for rank %d", (long long)a, rank);
    *out = a < 0 ? a + rank : a;
    return FF_OK;
}

/* Axes from the 'axes' attribute (opset < 13) or constant input 1. *n = -1: none. */
static int get_axes(ctx *c, const onode *o, int64_t *axes, int *n)
{
    if (o->opset < 13)
        return attr_ints(c, o, "axes", axes, FF_MAX_RANK, n);
    *n = -1;
    int ti = in_t(c, o, 1);
    if (ti < 0)
        return FF_OK;
    if (!is_const(c, ti))
        return unsupported(c, o, "axes input '%s' is not a constant", in_name(o, 1));
    const ff_tensor *t = &c->g->t[ti];
    int64_t cnt = ff_tensor_size(t);
    if (t->rank > 1 || cnt > FF_MAX_RANK)
        return bad_node(c, o, "axes input '%s' has %lld values", t->name, (long long)cnt);
    for (int64_t i = 0; i < cnt; i++) {
        int rc = const_int(c, o, t->data[i], &axes[i]);
        if (rc)
            return rc;
    }
    *n = (int)cnt;
    return FF_OK;
}

/* Output shape of Reshape / Flatten / Squeeze / Unsqueeze for input x. */
static int reshape_dims(ctx *c, const onode *o, const ff_tensor *x, int cst, int *orank,
                        int64_t *od)
{
    char ds[160];
    int64_t total = ff_tensor_size(x);
    int xr = x->rank;
    const char *op = o->op;
    if (strcmp(op, "Flatten") == 0) {
        int64_t a = 0;
        int rc = attr_int(c, o, "axis", 1, &a);
        if (rc)
            return rc;
        if (a < -xr || a > xr)
            return bad_node(c, o, "axis %lld is out of range for rank %d", (long long)a, xr);
        if (a < 0)
            a += xr;
        int64_t lead = dims_prod((int)a, x->dims);
        *orank = 2;
        od[0] = a == 0 ? 1 : lead;
        od[1] = a == 0 ? total : (lead > 0 ? total / lead : 0);
        return FF_OK;
    }
    if (strcmp(op, "Reshape") == 0) {
        int st;
        int rc = need_in(c, o, 1, 0, &st);
        if (rc)
            return rc;
        const ff_tensor *s = &c->g->t[st];
        int64_t n = ff_tensor_size(s);
        if (s->rank > 1 || n > FF_MAX_RANK || n < 1)
            return bad_node(c, o, "shape input '%s' has %lld values (want 1..%d)", s->name,
                            (long long)n, FF_MAX_RANK);
        int64_t allowzero;
        if ((rc = attr_int(c, o, "allowzero", 0, &allowzero)))
            return rc;
        int infer_at = -1;
        for (int i = 0; i < n; i++) {
            int64_t v = 0;
            if ((rc = const_int(c, o, s->data[i], &v)))
                return rc;
            if (v == 0 && !allowzero) {
                if (i >= xr)
                    return bad_node(c, o, "shape entry %d copies a missing input dim", i);
                v = x->dims[i];
            }
            if (v == -1) {
                if (infer_at >= 0)
                    return bad_node(c, o, "shape has more than one -1");
                infer_at = i;
                v = 1; /* placeholder */
            } else if (v <= 0) {
                return bad_node(c, o, "shape entry %d is %lld", i, (long long)v);
            }
            od[i] = v;
        }
        *orank = (int)n;
        int64_t known = dims_prod(*orank, od);
        if (known < 0) {
            dims_str(*orank, od, ds, sizeof ds);
            return bad_node(c, o, "shape %s is too large", ds);
        }
        /* a batch size other than 1 in shape[0] stands for our batch of 1 */
        if (infer_at != 0 && od[0] != 1) {
            int mismatch = infer_at < 0 ? known != total : (total % known) != 0;
            if (mismatch && (infer_at > 0 || known / od[0] == total))
                od[0] = 1;
            known = dims_prod(*orank, od);
        }
        if (infer_at >= 0) {
            if (known <= 0 || total % known)
                return bad_node(c, o, "cannot reshape %lld elements of '%s' (shape entry -1)",
                                (long long)total, x->name);
            od[infer_at] = total / known;
            if (od[infer_at] <= 0)
                return bad_node(c, o, "cannot reshape %lld elements of '%s'", (long long)total,
                                x->name);
        }
        int64_t p = dims_prod(*orank, od);
        if (p != total) {
            dims_str(*orank, od, ds, sizeof ds);
            return bad_node(c, o, "cannot reshape %lld elements of '%s' into %s", (long long)total,
                            x->name, ds);
        }
        return FF_OK;
    }
    int64_t axes[FF_MAX_RANK];
    int na;
    int rc = get_axes(c, o, axes, &na);
    if (rc)
        return rc;
    if (strcmp(op, "Squeeze") == 0) {
        int drop[FF_MAX_RANK] = {0};
        if (na < 0) {
            /* no axes: every size-1 dim, but an activation keeps its batch dim */
            for (int i = cst ? 0 : 1; i < xr; i++)
                drop[i] = x->dims[i] == 1;
        } else {
            for (int k = 0; k < na; k++) {
                int64_t a = 0;
                if ((rc = normalize_axis(c, o, axes[k], xr, &a)))
                    return rc;
                if (x->dims[a] != 1)
                    return bad_node(c, o, "cannot squeeze axis %lld of size %lld", (long long)a,
                                    (long long)x->dims[a]);
                drop[a] = 1;
            }
        }
        *orank = 0;
        for (int i = 0; i < xr; i++)
            if (!drop[i])
                od[(*orank)++] = x->dims[i];
        return FF_OK;
    }
    /* Unsqueeze */
    if (na < 0)
        return bad_node(c, o, "axes are missing");
    int r = xr + na;
    if (r > FF_MAX_RANK)
        return unsupported(c, o, "output rank %d (at most %d)", r, FF_MAX_RANK);
    int ins[FF_MAX_RANK] = {0};
    for (int k = 0; k < na; k++) {
        int64_t a = 0;
        if ((rc = normalize_axis(c, o, axes[k], r, &a)))
            return rc;
        if (ins[a])
            return bad_node(c, o, "axis %lld repeated", (long long)a);
        ins[a] = 1;
    }
    for (int i = 0, j = 0; i < r; i++)
        od[i] = ins[i] ? 1 : x->dims[j++];
    *orank = r;
    return FF_OK;
}

static int transpose_perm(ctx *c, const onode *o, int rank, int *perm)
{
    int64_t p[FF_MAX_RANK];
    int np_;
    int rc = attr_ints(c, o, "perm", p, FF_MAX_RANK, &np_);
    if (rc)
        return rc;
    if (np_ < 0) {
        for (int i = 0; i < rank; i++)
            perm[i] = rank - 1 - i;
        return FF_OK;
    }
    if (np_ != rank)
        return bad_node(c, o, "perm has %d entries for rank %d", np_, rank);
    int seen[FF_MAX_RANK] = {0};
    for (int i = 0; i < rank; i++) {
        if (p[i] < 0 || p[i] >= rank || seen[p[i]])
            return bad_node(c, o, "perm is not a permutation");
        seen[p[i]] = 1;
        perm[i] = (int)p[i];
    }
    return FF_OK;
}

static float *transpose_data(const ff_tensor *x, const int *perm, int64_t *od)
{
    int r = x->rank;
    int64_t total = ff_tensor_size(x);
    int64_t xs[FF_MAX_RANK], idx[FF_MAX_RANK] = {0};
    float *out = ff_malloc((size_t)(total ? total : 1) * sizeof *out);
    for (int i = 0; i < r; i++)
        od[i] = x->dims[perm[i]];
    int64_t s = 1;
    for (int i = r - 1; i >= 0; i--) {
        xs[i] = s;
        s *= x->dims[i];
    }
    for (int64_t k = 0; k < total; k++) {
        int64_t src = 0;
        for (int i = 0; i < r; i++)
            src += idx[i] * xs[perm[i]];
        out[k] = x->data[src];
        for (int i = r - 1; i >= 0; i--) {
            if (++idx[i] < od[i])
                break;
            idx[i] = 0;
        }
    }
    return out;
}

static int lower_data_movement(ctx *c, const onode *o)
{
    int x;
    int rc;
    const char *op = o->op;
    x = in_t(c, o, 0);
    if (x < 0)
        return bad_node(c, o, "input 0 is missing");
    int cst = is_const(c, x);
    int orank = 0;
    int64_t od[FF_MAX_RANK];
    char ds[160];

    if (strcmp(op, "Identity") == 0 || strcmp(op, "Dropout") == 0 || strcmp(op, "Cast") == 0) {
        if (!cst) {
            if (strcmp(op, "Cast") == 0)
                return unsupported(c, o, "Cast of an activation");
            return infer(c, simple(c, o, FF_OP_IDENTITY, x, NULL));
        }
        const ff_tensor *t = &c->g->t[x];
        int64_t n = ff_tensor_size(t);
        float *d = ff_malloc((size_t)(n ? n : 1) * sizeof *d);
        memcpy(d, t->data, (size_t)n * sizeof *d);
        if (strcmp(op, "Cast") == 0) {
            int64_t to;
            if ((rc = attr_int(c, o, "to", T_FLOAT, &to))) {
                free(d);
                return rc;
            }
            if (to == T_BOOL) {
                for (int64_t i = 0; i < n; i++)
                    d[i] = d[i] != 0;
            } else if (to != T_FLOAT && to != T_DOUBLE && to != T_FLOAT16 && to != T_BFLOAT16) {
                if (!elem_size((int)to)) {
                    free(d);
                    return unsupported(c, o, "cast to type %lld", (long long)to);
                }
                for (int64_t i = 0; i < n; i++)
                    d[i] = truncf(d[i]);
            }
        }
        int r = t->rank;
        int64_t dd[FF_MAX_RANK];
        memcpy(dd, t->dims, sizeof dd);
        new_const_output(c, o, r, dd, d);
        ff_graph_note(c->g, "folded %s '%s' of a constant", op, o->name);
        return FF_OK;
    }
    if (strcmp(op, "Transpose") == 0) {
        const ff_tensor *t = &c->g->t[x];
        int perm[FF_MAX_RANK];
        if ((rc = transpose_perm(c, o, t->rank, perm)))
            return rc;
        if (cst) {
            float *d = transpose_data(t, perm, od);
            new_const_output(c, o, t->rank, od, d);
            ff_graph_note(c->g, "folded Transpose '%s' of a constant", o->name);
            return FF_OK;
        }
        ff_node *n;
        int ni = simple(c, o, FF_OP_TRANSPOSE, x, &n);
        memcpy(n->perm, perm, sizeof perm);
        return infer(c, ni);
    }
    /* Reshape, Flatten, Squeeze, Unsqueeze */
    if ((rc = reshape_dims(c, o, &c->g->t[x], cst, &orank, od)))
        return rc;
    const ff_tensor *t = &c->g->t[x];
    if (dims_prod(orank, od) != ff_tensor_size(t)) {
        dims_str(orank, od, ds, sizeof ds);
        return bad_node(c, o, "cannot reshape '%s' into %s", t->name, ds);
    }
    if (cst) {
        int64_t n = ff_tensor_size(t);
        float *d = ff_malloc((size_t)(n ? n : 1) * sizeof *d);
        memcpy(d, t->data, (size_t)n * sizeof *d);
        new_const_output(c, o, orank, od, d);
        ff_graph_note(c->g, "folded %s '%s' of a constant", op, o->name);
        return FF_OK;
    }
    if (orank == 0) {
        /* a scalar activation: keep it as [1] */
        orank = 1;
        od[0] = 1;
    }
    int y = new_output(c, o, orank, od);
    return infer(c, add_node(c, o, FF_OP_RESHAPE, NULL, &x, 1, y));
}

/* ---------- lowering: layers ---------- */

/* Gemm / MatMul -> DENSE */
static int lower_dense(ctx *c, const onode *o)
{
    int gemm = strcmp(o->op, "Gemm") == 0;
    int a, bt, ct = -1, rc;
    if ((rc = need_in(c, o, 0, 1, &a)))
        return rc;
    bt = in_t(c, o, 1);
    if (bt < 0)
        return bad_node(c, o, "input 1 is missing");
    if (!is_const(c, bt))
        return unsupported(c, o, "weight input '%s' is not a constant", in_name(o, 1));
    int64_t transA = 0, transB = 0;
    float alpha = 1, beta = 1;
    if (gemm) {
        if ((rc = attr_int(c, o, "transA", 0, &transA)) || (rc = attr_int(c, o, "transB", 0, &transB)) ||
            (rc = attr_float(c, o, "alpha", 1, &alpha)) || (rc = attr_float(c, o, "beta", 1, &beta)))
            return rc;
        if (transA != 0)
            return unsupported(c, o, "attribute transA=%lld", (long long)transA);
        ct = in_t(c, o, 2);
        if (ct >= 0 && !is_const(c, ct))
            return unsupported(c, o, "bias input '%s' is not a constant", in_name(o, 2));
    }
    const ff_tensor *A = &c->g->t[a], *B = &c->g->t[bt];
    char as[160], bs[160];
    dims_str(A->rank, A->dims, as, sizeof as);
    dims_str(B->rank, B->dims, bs, sizeof bs);
    if (B->rank != 2)
        return bad_node(c, o, "weight '%s' has shape %s, want rank 2", B->name, bs);
    int64_t K = transB ? B->dims[1] : B->dims[0], N = transB ? B->dims[0] : B->dims[1];
    if (A->rank != 2 || A->dims[0] != 1 || A->dims[1] != K)
        return bad_node(c, o, "shape mismatch: input '%s' is %s, weight '%s' is %s (want input [1,%lld])",
                        A->name, as, B->name, bs, (long long)K);
    if (K < 1 || N < 1)
        return bad_node(c, o, "weight '%s' is empty", B->name);
    float *w = ff_malloc((size_t)(N * K) * sizeof *w);
    for (int64_t oo = 0; oo < N; oo++)
        for (int64_t i = 0; i < K; i++)
            w[oo * K + i] = alpha * (transB ? B->data[oo * K + i] : B->data[i * N + oo]);
    float *b = NULL;
    if (ct >= 0) {
        const ff_tensor *C = &c->g->t[ct];
        int64_t cn = ff_tensor_size(C);
        int ok = cn == 1 || (cn == N && (C->rank == 1 || (C->rank == 2 && C->dims[0] == 1)));
        if (!ok) {
            char cs[160];
            dims_str(C->rank, C->dims, cs, sizeof cs);
            free(w);
            return bad_node(c, o, "shape mismatch: bias '%s' is %s for %lld outputs", C->name, cs,
                            (long long)N);
        }
        b = ff_malloc((size_t)N * sizeof *b);
        for (int64_t oo = 0; oo < N; oo++)
            b[oo] = beta * C->data[cn == 1 ? 0 : oo];
    }
    ff_node *n;
    int ni = simple(c, o, FF_OP_DENSE, a, &n);
    n->w = w;
    n->b = b;
    n->n_in_f = K;
    n->n_out_f = N;
    return infer(c, ni);
}

/* Per-channel broadcast of constant k against activation x: n_ch and axis. */
static int broadcast_axis(ctx *c, const onode *o, int x, int k, int64_t *n_ch, int *axis)
{
    const ff_tensor *X = &c->g->t[x], *K = &c->g->t[k];
    int64_t cn = ff_tensor_size(K);
    *axis = X->rank > 0 ? X->rank - 1 : 0;
    *n_ch = 1;
    if (cn == 1)
        return FF_OK;
    char xs[160], ks[160];
    dims_str(X->rank, X->dims, xs, sizeof xs);
    dims_str(K->rank, K->dims, ks, sizeof ks);
    int off = X->rank - K->rank;
    int64_t bcast = 0, baxis;
    if (o->opset < 7 && attr_int(c, o, "broadcast", 0, &bcast) == FF_OK && bcast &&
        attr(o, "axis") && attr_int(c, o, "axis", 0, &baxis) == FF_OK) {
        if (baxis < 0)
            baxis += X->rank;
        if (baxis >= 0 && baxis <= X->rank)
            off = (int)baxis;
    }
    int found = -1;
    for (int i = 0; i < K->rank; i++) {
        int xi = i + off;
        if (K->dims[i] == 1)
            continue;
        if (xi < 0 || xi >= X->rank || K->dims[i] != X->dims[xi])
            return bad_node(c, o, "constant '%s' of shape %s does not broadcast to '%s' of shape %s",
                            K->name, ks, X->name, xs);
        if (found >= 0)
            return unsupported(c, o, "constant '%s' of shape %s varies along more than one axis",
                               K->name, ks);
        found = xi;
    }
    if (found < 0 || cn != X->dims[found])
        return bad_node(c, o, "constant '%s' of shape %s does not broadcast to '%s' of shape %s",
                        K->name, ks, X->name, xs);
    *axis = found;
    *n_ch = cn;
    return FF_OK;
}

static int lower_arith(ctx *c, const onode *o)
{
    int x0 = in_t(c, o, 0), x1 = in_t(c, o, 1);
    if (x0 < 0 || x1 < 0)
        return bad_node(c, o, "wants two inputs");
    int c0 = is_const(c, x0), c1 = is_const(c, x1);
    int mul = strcmp(o->op, "Mul") == 0, sub = strcmp(o->op, "Sub") == 0;
    if (c0 && c1)
        return unsupported(c, o, "both inputs are constants");
    if (!c0 && !c1) {
        if (mul)
            return unsupported(c, o, "product of two activations");
        const ff_tensor *A = &c->g->t[x0], *B = &c->g->t[x1];
        if (A->rank != B->rank || memcmp(A->dims, B->dims, (size_t)A->rank * sizeof A->dims[0])) {
            char as[160], bs[160];
            dims_str(A->rank, A->dims, as, sizeof as);
            dims_str(B->rank, B->dims, bs, sizeof bs);
            return bad_node(c, o, "shape mismatch: '%s' is %s, '%s' is %s", A->name, as, B->name, bs);
        }
        int in[2] = {x0, x1};
        int y = new_output(c, o, 0, NULL);
        return infer(c, add_node(c, o, sub ? FF_OP_SUB : FF_OP_ADD, NULL, in, 2, y));
    }
    int x = c0 ? x1 : x0, k = c0 ? x0 : x1;
    int64_t nch;
    int axis, rc;
    if ((rc = broadcast_axis(c, o, x, k, &nch, &axis)))
        return rc;
    const float *kd = c->g->t[k].data;
    float *w = ff_malloc((size_t)nch * sizeof *w), *b = ff_malloc((size_t)nch * sizeof *b);
    for (int64_t i = 0; i < nch; i++) {
        if (mul) {
            w[i] = kd[i];
            b[i] = 0;
        } else if (sub && !c0) { /* x - c */
            w[i] = 1;
            b[i] = -kd[i];
        } else if (sub) { /* c - x */
            w[i] = -1;
            b[i] = kd[i];
        } else {
            w[i] = 1;
            b[i] = kd[i];
        }
    }
    ff_node *n;
    int ni = simple(c, o, FF_OP_SCALE, x, &n);
    n->w = w;
    n->b = b;
    n->n_out_f = nch;
    n->axis = axis;
    return infer(c, ni);
}

/* A scalar constant input k (Clip min/max from opset 11), or def when absent. */
static int scalar_in(ctx *c, const onode *o, size_t k, float def, float *out)
{
    *out = def;
    int ti = in_t(c, o, k);
    if (ti < 0)
        return FF_OK;
    if (!is_const(c, ti))
        return unsupported(c, o, "input '%s' is not a constant", in_name(o, k));
    if (ff_tensor_size(&c->g->t[ti]) != 1)
        return bad_node(c, o, "input '%s' is not a scalar", in_name(o, k));
    *out = c->g->t[ti].data[0];
    return FF_OK;
}

static int lower_act(ctx *c, const onode *o)
{
    int x, rc;
    if ((rc = need_in(c, o, 0, 1, &x)))
        return rc;
    ff_act act;
    float alpha = 0, beta = 0;
    const char *op = o->op;
    if (strcmp(op, "Relu") == 0) {
        act = FF_ACT_RELU;
    } else if (strcmp(op, "LeakyRelu") == 0) {
        act = FF_ACT_LEAKY;
        rc = attr_float(c, o, "alpha", 0.01f, &alpha);
    } else if (strcmp(op, "Sigmoid") == 0) {
        act = FF_ACT_SIGMOID;
    } else if (strcmp(op, "Tanh") == 0) {
        act = FF_ACT_TANH;
    } else if (strcmp(op, "Selu") == 0) {
        act = FF_ACT_SELU;
        if (!(rc = attr_float(c, o, "alpha", 1.67326319217681884765625f, &alpha)))
            rc = attr_float(c, o, "gamma", 1.05070102214813232421875f, &beta);
    } else if (strcmp(op, "Elu") == 0) {
        act = FF_ACT_ELU;
        rc = attr_float(c, o, "alpha", 1.0f, &alpha);
    } else { /* Clip */
        act = FF_ACT_CLIP;
        if (o->opset < 11) {
            if (!(rc = attr_float(c, o, "min", -INFINITY, &alpha)))
                rc = attr_float(c, o, "max", INFINITY, &beta);
        } else {
            if (!(rc = scalar_in(c, o, 1, -INFINITY, &alpha)))
                rc = scalar_in(c, o, 2, INFINITY, &beta);
        }
    }
    if (rc)
        return rc;
    ff_node *n;
    int ni = simple(c, o, FF_OP_ACT, x, &n);
    n->act = act;
    n->alpha = alpha;
    n->beta = beta;
    return infer(c, ni);
}

static int lower_softmax(ctx *c, const onode *o)
{
    int x, rc;
    if ((rc = need_in(c, o, 0, 1, &x)))
        return rc;
    int r = c->g->t[x].rank;
    int64_t a = 0;
    if ((rc = attr_int(c, o, "axis", o->opset < 13 ? 1 : -1, &a)) ||
        (rc = normalize_axis(c, o, a, r, &a)))
        return rc;
    if (a != r - 1)
        return unsupported(c, o, "softmax along axis %lld of a rank-%d tensor (only the last axis)",
                           (long long)a, r);
    ff_node *n;
    int ni = simple(c, o, FF_OP_SOFTMAX, x, &n);
    n->axis = (int)a;
    return infer(c, ni);
}

static int lower_concat(ctx *c, const onode *o)
{
    int in[FF_MAX_IN], rc;
    size_t nin = o->np->n_input;
    if (nin < 1)
        return bad_node(c, o, "has no inputs");
    if (nin > FF_MAX_IN)
        return unsupported(c, o, "%zu inputs (at most %d)", nin, FF_MAX_IN);
    for (size_t k = 0; k < nin; k++)
        if ((rc = need_in(c, o, k, 1, &in[k])))
            return rc;
    int64_t a = 0;
    if ((rc = attr_int(c, o, "axis", 1, &a)) ||
        (rc = normalize_axis(c, o, a, c->g->t[in[0]].rank, &a)))
        return rc;
    int y = new_output(c, o, 0, NULL);
    int ni = add_node(c, o, FF_OP_CONCAT, NULL, in, (int)nin, y);
    c->g->n[ni].axis = (int)a;
    return infer(c, ni);
}

/* x (NCHW) -> channels-last temp; returns the temp tensor. */
static int to_channels_last(ctx *c, const onode *o, int x, int *xt)
{
    int r = c->g->t[x].rank;
    int t = new_temp(c, o, "nhwc");
    size_t n = strlen(o->name) + 16;
    char *nm = ff_malloc(n);
    snprintf(nm, n, "%s/to_nhwc", o->name);
    int ni = add_node(c, o, FF_OP_TRANSPOSE, nm, &x, 1, t);
    free(nm);
    int *p = c->g->n[ni].perm;
    if (r == 4) {
        p[0] = 0, p[1] = 2, p[2] = 3, p[3] = 1;
    } else {
        p[0] = 0, p[1] = 2, p[2] = 1;
    }
    *xt = t;
    return infer(c, ni);
}

static int from_channels_last(ctx *c, const onode *o, int yt)
{
    int r = c->g->t[yt].rank;
    int y = new_output(c, o, 0, NULL);
    size_t n = strlen(o->name) + 16;
    char *nm = ff_malloc(n);
    snprintf(nm, n, "%s/to_nchw", o->name);
    int ni = add_node(c, o, FF_OP_TRANSPOSE, nm, &yt, 1, y);
    free(nm);
    int *p = c->g->n[ni].perm;
    if (r == 4) {
        p[0] = 0, p[1] = 3, p[2] = 1, p[3] = 2;
    } else {
        p[0] = 0, p[1] = 2, p[2] = 1;
    }
    return infer(c, ni);
}

/* Window geometry shared by Conv and the pools, in the IR's order:
 * index 0 = H (fixed at 1 for 1-D), index 1 = W or L. */
typedef struct {
    int sp;
    int kernel[2], stride[2], dil[2], pad[4];
} geom;

static int get_geom(ctx *c, const onode *o, const ff_tensor *X, const int64_t *kshape, int conv,
                    geom *gm)
{
    int sp = X->rank - 2, rc, n;
    int64_t v[2 * FF_MAX_RANK];
    gm->sp = sp;
    for (int i = 0; i < 2; i++)
        gm->kernel[i] = gm->stride[i] = gm->dil[i] = 1;
    memset(gm->pad, 0, sizeof gm->pad);
    int64_t k[2], s[2] = {1, 1}, d[2] = {1, 1}, pb[2] = {0, 0}, pe[2] = {0, 0};
    /* kernel */
    if ((rc = attr_ints(c, o, "kernel_shape", v, FF_MAX_RANK, &n)))
        return rc;
    if (n >= 0 && n != sp)
        return bad_node(c, o, "kernel_shape has %d values for %d spatial dims", n, sp);
    for (int i = 0; i < sp; i++) {
        k[i] = n >= 0 ? v[i] : (kshape ? kshape[i] : 0);
        if (kshape && k[i] != kshape[i])
            return bad_node(c, o, "kernel_shape does not match the weights");
    }
    if (n < 0 && !kshape)
        return bad_node(c, o, "kernel_shape is missing");
    if ((rc = attr_ints(c, o, "strides", v, FF_MAX_RANK, &n)))
        return rc;
    if (n >= 0 && n != sp)
        return bad_node(c, o, "strides has %d values for %d spatial dims", n, sp);
    for (int i = 0; i < sp && n >= 0; i++)
        s[i] = v[i];
    if ((rc = attr_ints(c, o, "dilations", v, FF_MAX_RANK, &n)))
        return rc;
    if (n >= 0 && n != sp)
        return bad_node(c, o, "dilations has %d values for %d spatial dims", n, sp);
    for (int i = 0; i < sp && n >= 0; i++)
        d[i] = v[i];
    if (!conv)
        for (int i = 0; i < sp; i++)
            if (d[i] != 1)
                return unsupported(c, o, "attribute dilations=%lld", (long long)d[i]);
    for (int i = 0; i < sp; i++)
        if (k[i] < 1 || k[i] > MAX_GEOM || s[i] < 1 || s[i] > MAX_GEOM || d[i] < 1 || d[i] > MAX_GEOM)
            return bad_node(c, o, "kernel %lld, stride %lld, dilation %lld out of range 1..%d",
                            (long long)k[i], (long long)s[i], (long long)d[i], MAX_GEOM);
    const char *ap = attr_str(o, "auto_pad", "NOTSET");
    if (strcmp(ap, "NOTSET") == 0) {
        if ((rc = attr_ints(c, o, "pads", v, 2 * FF_MAX_RANK, &n)))
            return rc;
        if (n >= 0 && n != 2 * sp)
            return bad_node(c, o, "pads has %d values for %d spatial dims", n, sp);
        for (int i = 0; i < sp && n >= 0; i++) {
            pb[i] = v[i];
            pe[i] = v[sp + i];
            if (pb[i] < 0 || pb[i] > MAX_GEOM || pe[i] < 0 || pe[i] > MAX_GEOM)
                return bad_node(c, o, "pads out of range 0..%d", MAX_GEOM);
        }
    } else if (strcmp(ap, "VALID") == 0) {
        /* no padding */
    } else if (strcmp(ap, "SAME_UPPER") == 0 || strcmp(ap, "SAME_LOWER") == 0) {
        for (int i = 0; i < sp; i++) {
            int64_t in = X->dims[2 + i];
            int64_t out = (in + s[i] - 1) / s[i];
            int64_t total = (out - 1) * s[i] + (k[i] - 1) * d[i] + 1 - in;
            if (total < 0)
                total = 0;
            if (total > 2 * MAX_GEOM)
                return bad_node(c, o, "padding out of range");
            int64_t small = total / 2, big = total - small;
            pb[i] = ap[5] == 'U' ? small : big;
            pe[i] = ap[5] == 'U' ? big : small;
        }
    } else {
        return unsupported(c, o, "auto_pad value");
    }
    int base = 2 - sp; /* 1-D uses index 1 only */
    for (int i = 0; i < sp; i++) {
        int j = base + i;
        gm->kernel[j] = (int)k[i];
        gm->stride[j] = (int)s[i];
        gm->dil[j] = (int)d[i];
        gm->pad[j] = (int)pb[i];
        gm->pad[j + 2] = (int)pe[i];
    }
    return FF_OK;
}

static void set_geom(ff_node *n, const geom *gm)
{
    memcpy(n->kernel, gm->kernel, sizeof n->kernel);
    memcpy(n->stride, gm->stride, sizeof n->stride);
    memcpy(n->dil, gm->dil, sizeof n->dil);
    memcpy(n->pad, gm->pad, sizeof n->pad);
    n->spatial = gm->sp;
}

static int spatial_input(ctx *c, const onode *o, int *x)
{
    int rc;
    if ((rc = need_in(c, o, 0, 1, x)))
        return rc;
    int r = c->g->t[*x].rank;
    if (r != 3 && r != 4)
        return unsupported(c, o, "input '%s' has rank %d (want 3 or 4, NCHW)", in_name(o, 0), r);
    return FF_OK;
}

static int lower_conv(ctx *c, const onode *o)
{
    int x, wt, rc;
    if ((rc = spatial_input(c, o, &x)))
        return rc;
    wt = in_t(c, o, 1);
    if (wt < 0)
        return bad_node(c, o, "input 1 is missing");
    if (!is_const(c, wt))
        return unsupported(c, o, "weight input '%s' is not a constant", in_name(o, 1));
    int bt = in_t(c, o, 2);
    if (bt >= 0 && !is_const(c, bt))
        return unsupported(c, o, "bias input '%s' is not a constant", in_name(o, 2));
    const ff_tensor *X = &c->g->t[x], *W = &c->g->t[wt];
    int sp = X->rank - 2;
    char ws[160];
    dims_str(W->rank, W->dims, ws, sizeof ws);
    if (W->rank != X->rank)
        return bad_node(c, o, "weight '%s' has shape %s, want rank %d", W->name, ws, X->rank);
    int64_t group, cin = X->dims[1], M = W->dims[0];
    if ((rc = attr_int(c, o, "group", 1, &group)))
        return rc;
    if (!(group == 1 || (group == cin && group > 0 && M % cin == 0)))
        return unsupported(c, o, "group=%lld with %lld input channels (only 1 or depthwise)",
                           (long long)group, (long long)cin);
    int64_t cpg = cin / group;
    if (W->dims[1] != cpg || M < 1)
        return bad_node(c, o, "shape mismatch: weight '%s' is %s for %lld input channels, group %lld",
                        W->name, ws, (long long)cin, (long long)group);
    geom gm;
    if ((rc = get_geom(c, o, X, &W->dims[2], 1, &gm)))
        return rc;
    int64_t kh = gm.kernel[0], kw = gm.kernel[1];
    float *w = ff_malloc((size_t)ff_tensor_size(W) * sizeof *w);
    for (int64_t oc = 0; oc < M; oc++)
        for (int64_t ci = 0; ci < cpg; ci++)
            for (int64_t ky = 0; ky < kh; ky++)
                for (int64_t kx = 0; kx < kw; kx++)
                    w[((oc * kh + ky) * kw + kx) * cpg + ci] = W->data[((oc * cpg + ci) * kh + ky) * kw + kx];
    float *b = NULL;
    if (bt >= 0) {
        const ff_tensor *B = &c->g->t[bt];
        if (ff_tensor_size(B) != M) {
            free(w);
            return bad_node(c, o, "bias '%s' has %lld values for %lld output channels", B->name,
                            (long long)ff_tensor_size(B), (long long)M);
        }
        b = ff_malloc((size_t)M * sizeof *b);
        memcpy(b, B->data, (size_t)M * sizeof *b);
    }
    int xt;
    if ((rc = to_channels_last(c, o, x, &xt))) {
        free(w);
        free(b);
        return rc;
    }
    int yt = new_temp(c, o, "conv");
    int ni = add_node(c, o, FF_OP_CONV, NULL, &xt, 1, yt);
    ff_node *n = &c->g->n[ni];
    n->w = w;
    n->b = b;
    set_geom(n, &gm);
    n->group = (int)group;
    n->n_in_f = cin;
    n->n_out_f = M;
    (void)sp;
    if ((rc = infer(c, ni)))
        return rc;
    return from_channels_last(c, o, yt);
}

static int lower_pool(ctx *c, const onode *o)
{
    int x, rc;
    if ((rc = spatial_input(c, o, &x)))
        return rc;
    int global = strncmp(o->op, "Global", 6) == 0;
    int avg = strstr(o->op, "Average") != NULL;
    geom gm;
    int64_t cip = 0;
    if (!global) {
        int64_t ceil_mode, storage;
        if ((rc = attr_int(c, o, "ceil_mode", 0, &ceil_mode)) ||
            (rc = attr_int(c, o, "storage_order", 0, &storage)) ||
            (rc = attr_int(c, o, "count_include_pad", 0, &cip)))
            return rc;
        if (ceil_mode)
            return unsupported(c, o, "attribute ceil_mode=%lld", (long long)ceil_mode);
        if (storage)
            return unsupported(c, o, "attribute storage_order=%lld", (long long)storage);
        if ((rc = get_geom(c, o, &c->g->t[x], NULL, 0, &gm)))
            return rc;
    }
    int xt;
    if ((rc = to_channels_last(c, o, x, &xt)))
        return rc;
    int yt = new_temp(c, o, "pool");
    ff_op op = global ? (avg ? FF_OP_GAVGPOOL : FF_OP_GMAXPOOL) : (avg ? FF_OP_AVGPOOL : FF_OP_MAXPOOL);
    int ni = add_node(c, o, op, NULL, &xt, 1, yt);
    if (!global) {
        set_geom(&c->g->n[ni], &gm);
        c->g->n[ni].count_include_pad = cip != 0;
    }
    if ((rc = infer(c, ni)))
        return rc;
    return from_channels_last(c, o, yt);
}

static int lower_batchnorm(ctx *c, const onode *o)
{
    int x, p[4], rc;
    if ((rc = need_in(c, o, 0, 1, &x)))
        return rc;
    for (int k = 0; k < 4; k++)
        if ((rc = need_in(c, o, (size_t)k + 1, 0, &p[k])))
            return rc;
    float eps;
    int64_t spatial;
    if ((rc = attr_float(c, o, "epsilon", 1e-5f, &eps)) || (rc = attr_int(c, o, "spatial", 1, &spatial)))
        return rc;
    const ff_tensor *X = &c->g->t[x];
    int64_t C = ff_tensor_size(&c->g->t[p[0]]);
    for (int k = 1; k < 4; k++)
        if (ff_tensor_size(&c->g->t[p[k]]) != C)
            return bad_node(c, o, "parameter '%s' has %lld values, scale has %lld",
                            c->g->t[p[k]].name, (long long)ff_tensor_size(&c->g->t[p[k]]),
                            (long long)C);
    if (!spatial && X->rank > 2)
        return unsupported(c, o, "attribute spatial=0");
    char xs[160];
    dims_str(X->rank, X->dims, xs, sizeof xs);
    int axis;
    if (X->rank >= 2 && X->dims[1] == C)
        axis = 1;
    else if (X->rank == 2 && X->dims[0] == C)
        axis = 0; /* Keras/onnxmltools: BN on the transposed [C,1] output of a Dense */
    else
        return bad_node(c, o, "shape mismatch: input '%s' is %s for %lld channels", X->name, xs,
                        (long long)C);
    const float *sc = c->g->t[p[0]].data, *bb = c->g->t[p[1]].data, *mu = c->g->t[p[2]].data,
                *var = c->g->t[p[3]].data;
    float *w = ff_malloc((size_t)C * sizeof *w), *b = ff_malloc((size_t)C * sizeof *b);
    for (int64_t i = 0; i < C; i++) {
        double v = (double)var[i] + (double)eps;
        if (!(v > 0)) {
            free(w);
            free(b);
            return bad_node(c, o, "variance + epsilon of channel %lld is not positive", (long long)i);
        }
        double s = (double)sc[i] / sqrt(v);
        w[i] = (float)s;
        b[i] = (float)((double)bb[i] - (double)mu[i] * s);
    }
    ff_node *n;
    int ni = simple(c, o, FF_OP_SCALE, x, &n);
    n->w = w;
    n->b = b;
    n->n_out_f = C;
    n->axis = axis;
    return infer(c, ni);
}

/* Constant node -> constant tensor. */
static int lower_constant(ctx *c, const onode *o)
{
    const Onnx__AttributeProto *a = NULL;
    for (size_t i = 0; i < o->np->n_attribute && !a; i++)
        if (o->np->attribute[i])
            a = o->np->attribute[i];
    if (!a || o->np->n_attribute != 1)
        return bad_node(c, o, "wants exactly one attribute");
    const char *an = S(a->name);
    int rank = 0, rc;
    int64_t dims[FF_MAX_RANK];
    float *d = NULL;
    if (strcmp(an, "value") == 0) {
        if (!a->t)
            return bad_node(c, o, "attribute 'value' holds no tensor");
        char what[300];
        snprintf(what, sizeof what, "constant of node '%s'", o->name);
        if ((rc = tensor_to_float(c, a->t, what, &rank, dims, &d)))
            return rc;
    } else if (strcmp(an, "value_float") == 0 || strcmp(an, "value_int") == 0) {
        d = ff_malloc(sizeof *d);
        d[0] = an[6] == 'f' ? a->f : (float)a->i;
    } else if (strcmp(an, "value_floats") == 0 || strcmp(an, "value_ints") == 0) {
        size_t n = an[6] == 'f' ? a->n_floats : a->n_ints;
        if (n > (size_t)FF_MAX_ELEMS)
            return bad_node(c, o, "too many values");
        d = ff_malloc((n ? n : 1) * sizeof *d);
        for (size_t i = 0; i < n; i++)
            d[i] = an[6] == 'f' ? a->floats[i] : (float)a->ints[i];
        rank = 1;
        dims[0] = (int64_t)n;
    } else {
        return unsupported(c, o, "attribute '%s'", an);
    }
    new_const_output(c, o, rank, dims, d);
    return FF_OK;
}

typedef int (*lower_fn)(ctx *c, const onode *o);
static const struct {
    const char *op;
    lower_fn fn;
} lowerers[] = {
    {"Gemm", lower_dense},           {"MatMul", lower_dense},
    {"Add", lower_arith},            {"Sub", lower_arith},
    {"Mul", lower_arith},            {"Relu", lower_act},
    {"LeakyRelu", lower_act},        {"Sigmoid", lower_act},
    {"Tanh", lower_act},             {"Selu", lower_act},
    {"Elu", lower_act},              {"Clip", lower_act},
    {"Softmax", lower_softmax},      {"Conv", lower_conv},
    {"MaxPool", lower_pool},         {"AveragePool", lower_pool},
    {"GlobalAveragePool", lower_pool}, {"GlobalMaxPool", lower_pool},
    {"BatchNormalization", lower_batchnorm},
    {"Flatten", lower_data_movement}, {"Reshape", lower_data_movement},
    {"Squeeze", lower_data_movement}, {"Unsqueeze", lower_data_movement},
    {"Transpose", lower_data_movement}, {"Identity", lower_data_movement},
    {"Dropout", lower_data_movement}, {"Cast", lower_data_movement},
    {"Concat", lower_concat},        {"Constant", lower_constant},
};

static int64_t domain_opset(const ctx *c, const char *domain)
{
    int dflt = !domain[0] || strcmp(domain, "ai.onnx") == 0;
    for (size_t i = 0; i < c->m->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *op = c->m->opset_import[i];
        if (!op)
            continue;
        const char *d = S(op->domain);
        if (dflt ? (!d[0] || strcmp(d, "ai.onnx") == 0) : strcmp(d, domain) == 0)
            return op->version;
    }
    return dflt ? c->opset : 0;
}

static int lower_node(ctx *c, const Onnx__GraphProto *gp, size_t idx)
{
    const Onnx__NodeProto *np = gp->node[idx];
    onode o;
    o.np = np;
    o.op = S(np->op_type);
    const char *dom = S(np->domain);
    o.domain = dom[0] ? dom : "ai.onnx";
    o.opset = domain_opset(c, dom);
    if (np->name && np->name[0]) {
        o.name = ff_strdup(np->name);
    } else {
        size_t n = strlen(o.op) + 24;
        o.name = ff_malloc(n);
        snprintf(o.name, n, "%s_%zu", o.op, idx);
    }
    int rc;
    lower_fn fn = NULL;
    int dflt = !dom[0] || strcmp(dom, "ai.onnx") == 0;
    for (size_t i = 0; dflt && i < sizeof lowerers / sizeof *lowerers; i++)
        if (strcmp(o.op, lowerers[i].op) == 0)
            fn = lowerers[i].fn;
    if (!fn)
        rc = unsupported(c, &o, NULL);
    else if (np->n_output < 1 || !np->output[0] || !np->output[0][0])
        rc = bad_node(c, &o, "has no output");
    else
        rc = fn(c, &o);
    /* outputs we do not produce (Dropout mask, BN statistics, pool indices) */
    for (size_t k = 1; !rc && k < np->n_output; k++) {
        name_ent *ent = np->output[k] && np->output[k][0] ? lookup(c, np->output[k], 0) : NULL;
        if (ent && ent->tensor < 0 && ent->used)
            rc = unsupported(c, &o, "output %zu ('%s') is used", k, np->output[k]);
    }
    free(o.name);
    return rc;
}

/* ---------- model ---------- */

static int add_input(ctx *c, const Onnx__ValueInfoProto *vi)
{
    const char *nm = S(vi->name);
    const Onnx__TypeProto *tp = vi->type;
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
        return ff_errf(c->e, FF_EINPUT, "model input '%s' is not a tensor", nm);
    const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
    if (tt->has_elem_type && tt->elem_type != T_FLOAT && tt->elem_type != T_DOUBLE &&
        tt->elem_type != T_FLOAT16)
        return ff_errf(c->e, FF_EINPUT, "model input '%s' has element type %d (want float)", nm,
                       tt->elem_type);
    if (!tt->shape)
        return ff_errf(c->e, FF_EINPUT, "model input '%s' has no shape", nm);
    if (tt->shape->n_dim < 1 || tt->shape->n_dim > FF_MAX_RANK)
        return ff_errf(c->e, FF_EINPUT, "model input '%s' has rank %zu (want 1..%d)", nm,
                       tt->shape->n_dim, FF_MAX_RANK);
    int64_t dims[FF_MAX_RANK], total = 1;
    for (size_t i = 0; i < tt->shape->n_dim; i++) {
        const Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];
        if (i == 0) {
            dims[0] = 1; /* the batch, whatever the file says */
            continue;
        }
        if (!d || d->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE)
            return ff_errf(c->e, FF_EINPUT, "model input '%s': dimension %zu is symbolic ('%s')",
                           nm, i,
                           d && d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
                               ? S(d->dim_param)
                               : "?");
        dims[i] = d->dim_value;
        if (dims[i] < 1)
            return ff_errf(c->e, FF_EINPUT, "model input '%s': dimension %zu is %lld", nm, i,
                           (long long)dims[i]);
        if (!ff_mul_ok(total, dims[i], &total) || total > FF_MAX_ELEMS)
            return ff_errf(c->e, FF_EINPUT, "model input '%s' is too large (dimension %zu = %lld)",
                           nm, i, (long long)dims[i]);
    }
    int ti = ff_graph_add_tensor(c->g, nm, (int)tt->shape->n_dim, dims, NULL);
    lookup(c, nm, 1)->tensor = ti;
    c->g->input = ti;
    return FF_OK;
}

static int load_graph(ctx *c, const Onnx__GraphProto *gp)
{
    int rc;
    size_t names = gp->n_initializer + gp->n_input + gp->n_output;
    for (size_t i = 0; i < gp->n_node; i++)
        if (gp->node[i])
            names += gp->node[i]->n_input + gp->node[i]->n_output;
    c->cap = 16;
    while (c->cap < 2 * names + 16)
        c->cap *= 2;
    c->tab = ff_calloc(c->cap, sizeof *c->tab);

    /* initializers */
    for (size_t i = 0; i < gp->n_initializer; i++) {
        const Onnx__TensorProto *tp = gp->initializer[i];
        if (!tp)
            continue;
        const char *nm = S(tp->name);
        if (!nm[0])
            return ff_errf(c->e, FF_EINPUT, "initializer %zu has no name", i);
        name_ent *ent = lookup(c, nm, 1);
        if (ent->tensor >= 0)
            return ff_errf(c->e, FF_EINPUT, "initializer '%s' is defined twice", nm);
        char what[300];
        snprintf(what, sizeof what, "initializer '%s'", nm);
        int rank;
        int64_t dims[FF_MAX_RANK];
        float *d;
        if ((rc = tensor_to_float(c, tp, what, &rank, dims, &d)))
            return rc;
        ent->tensor = ff_graph_add_tensor(c->g, nm, rank, dims, d);
    }
    /* the one real input */
    const Onnx__ValueInfoProto *in = NULL;
    int n_real = 0;
    for (size_t i = 0; i < gp->n_input; i++) {
        const Onnx__ValueInfoProto *vi = gp->input[i];
        if (!vi)
            continue;
        name_ent *ent = lookup(c, S(vi->name), 0);
        if (ent && ent->tensor >= 0)
            continue; /* an initializer listed as input (IR < 4) */
        if (!in)
            in = vi;
        n_real++;
    }
    if (n_real != 1)
        return ff_errf(c->e, FF_EINPUT, "model has %d inputs (want exactly 1)", n_real);
    if (gp->n_output != 1 || !gp->output[0])
        return ff_errf(c->e, FF_EINPUT, "model has %zu outputs (want exactly 1)", gp->n_output);
    if ((rc = add_input(c, in)))
        return rc;

    /* producers and uses */
    for (size_t i = 0; i < gp->n_node; i++) {
        const Onnx__NodeProto *np = gp->node[i];
        if (!np)
            return ff_errf(c->e, FF_EINPUT, "node %zu is empty", i);
        for (size_t k = 0; k < np->n_input; k++)
            if (np->input[k] && np->input[k][0])
                lookup(c, np->input[k], 1)->used = 1;
        for (size_t k = 0; k < np->n_output; k++) {
            if (!np->output[k] || !np->output[k][0])
                continue;
            name_ent *ent = lookup(c, np->output[k], 1);
            if (ent->tensor >= 0 || ent->producer >= 0)
                return ff_errf(c->e, FF_EINPUT, "tensor '%s' is produced twice (node %zu '%s')",
                               np->output[k], i, S(np->name));
            ent->producer = (int)i;
        }
    }
    const char *out_name = S(gp->output[0]->name);
    lookup(c, out_name, 1)->used = 1;

    /* depth-first topological lowering */
    size_t nn = gp->n_node;
    char *state = ff_calloc(nn ? nn : 1, 1); /* 0 new, 1 on stack, 2 done */
    size_t *cursor = ff_calloc(nn ? nn : 1, sizeof *cursor);
    size_t *stack = ff_malloc((nn ? nn : 1) * sizeof *stack);
    rc = FF_OK;
    for (size_t root = 0; root < nn && !rc; root++) {
        if (state[root])
            continue;
        size_t sp = 0;
        stack[sp++] = root;
        state[root] = 1;
        while (sp && !rc) {
            size_t i = stack[sp - 1];
            const Onnx__NodeProto *np = gp->node[i];
            int pushed = 0;
            while (cursor[i] < np->n_input) {
                const char *inn = np->input[cursor[i]];
                if (!inn || !inn[0]) {
                    cursor[i]++;
                    continue;
                }
                name_ent *ent = lookup(c, inn, 0);
                if (ent && ent->producer < 0 && ent->tensor >= 0) {
                    cursor[i]++;
                    continue;
                }
                if (!ent || ent->producer < 0) {
                    rc = ff_errf(c->e, FF_EINPUT,
                                 "missing input '%s' of node '%s' (%s): no initializer, graph "
                                 "input or node produces it",
                                 inn, S(np->name), S(np->op_type));
                    break;
                }
                size_t pi = (size_t)ent->producer;
                if (state[pi] == 2) {
                    if (ent->tensor < 0) {
                        rc = ff_errf(c->e, FF_EINPUT, "missing input '%s' of node '%s' (%s)", inn,
                                     S(np->name), S(np->op_type));
                        break;
                    }
                    cursor[i]++;
                    continue;
                }
                if (state[pi] == 1) {
                    rc = ff_errf(c->e, FF_EINPUT, "cycle or missing input '%s' of node '%s' (%s)",
                                 inn, S(np->name), S(np->op_type));
                    break;
                }
                state[pi] = 1;
                stack[sp++] = pi;
                pushed = 1;
                break;
            }
            if (rc || pushed)
                continue;
            sp--;
            state[i] = 2;
            rc = lower_node(c, gp, i);
        }
    }
    free(state);
    free(cursor);
    free(stack);
    if (rc)
        return rc;

    name_ent *oe = lookup(c, out_name, 0);
    if (!oe || oe->tensor < 0)
        return ff_errf(c->e, FF_EINPUT, "model output '%s' is not computed by any node", out_name);
    if (is_const(c, oe->tensor))
        return ff_errf(c->e, FF_EINPUT, "model output '%s' is a constant", out_name);
    if (oe->tensor == c->g->input)
        return ff_errf(c->e, FF_EINPUT, "model output '%s' is the model input", out_name);
    c->g->output = oe->tensor;
    return ff_graph_compact(c->g, c->e);
}

/* Adds "where: " in front of the message. */
static int fail(ff_err *e, int rc, const char *where)
{
    if (e)
        ff_err_prefix(e, "%s", where);
    return rc;
}

int ff_onnx_load_mem(const void *data, size_t len, const char *where, ff_graph **out, ff_err *e)
{
    *out = NULL;
    if (!where)
        where = "<memory>";
    if (len > ONNX_MAX_BYTES) {
        int rc = ff_errf(e, FF_EINPUT, "model too large (%zu bytes, limit %zu)", len, ONNX_MAX_BYTES);
        return fail(e, rc, where);
    }
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, data);
    if (!m) {
        int rc = ff_errf(e, FF_EINPUT, "not an ONNX model or truncated protobuf");
        return fail(e, rc, where);
    }
    ctx c = {.g = NULL, .e = e, .m = m};
    int rc = FF_OK;
    int have_opset = 0;
    for (size_t i = 0; i < m->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *op = m->opset_import[i];
        if (op && (!op->domain || !op->domain[0] || strcmp(op->domain, "ai.onnx") == 0)) {
            c.opset = op->version;
            have_opset = 1;
        }
    }
    if (!m->graph)
        rc = ff_errf(e, FF_EINPUT, "not an ONNX model: no graph");
    else if (!have_opset)
        rc = ff_errf(e, FF_EINPUT, "no default-domain opset in the model");
    else if (c.opset < 6 || c.opset > 17)
        rc = ff_errf(e, FF_EINPUT, "opset %lld is not supported (want 6..17)", (long long)c.opset);
    if (!rc) {
        c.g = ff_graph_new();
        c.g->opset = c.opset;
        c.g->source = ff_strdup(where);
        snprintf(c.g->producer, sizeof c.g->producer, "%s", S(m->producer_name));
        ff_sha256_hex(data, len, c.g->source_sha256);
        rc = load_graph(&c, m->graph);
    }
    free(c.tab);
    onnx__model_proto__free_unpacked(m, NULL);
    if (rc) {
        ff_graph_free(c.g);
        return fail(e, rc, where);
    }
    *out = c.g;
    return FF_OK;
}

int ff_onnx_load(const char *path, ff_graph **out, ff_err *e)
{
    char *data;
    size_t len;
    *out = NULL;
    int rc = ff_read_file(path, ONNX_MAX_BYTES, &data, &len, e);
    if (rc)
        return rc;
    rc = ff_onnx_load_mem(data, len, path, out, e);
    free(data);
    return rc;
}
