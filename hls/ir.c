/* Graph IR: construction, topological order, shape inference, and the
 * per-node figures (MACs, parameters) reported by inspect and estimate. */
#include "ir.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_names[FF_OP__COUNT] = {
    [FF_OP_DENSE] = "Dense",        [FF_OP_CONV] = "Conv",
    [FF_OP_MAXPOOL] = "MaxPool",    [FF_OP_AVGPOOL] = "AveragePool",
    [FF_OP_GMAXPOOL] = "GlobalMaxPool", [FF_OP_GAVGPOOL] = "GlobalAveragePool",
    [FF_OP_SCALE] = "Scale",        [FF_OP_ADD] = "Add",
    [FF_OP_SUB] = "Sub",            [FF_OP_CONCAT] = "Concat",
    [FF_OP_ACT] = "Activation",     [FF_OP_SOFTMAX] = "Softmax",
    [FF_OP_RESHAPE] = "Reshape",    [FF_OP_TRANSPOSE] = "Transpose",
    [FF_OP_IDENTITY] = "Identity",
};

static const char *const act_names[FF_ACT__COUNT] = {
    [FF_ACT_NONE] = "none",       [FF_ACT_RELU] = "relu",   [FF_ACT_LEAKY] = "leaky_relu",
    [FF_ACT_CLIP] = "clip",       [FF_ACT_SIGMOID] = "sigmoid", [FF_ACT_TANH] = "tanh",
    [FF_ACT_SELU] = "selu",       [FF_ACT_ELU] = "elu",
};

const char *ff_op_name(ff_op op)
{
    return (op >= 0 && op < FF_OP__COUNT) ? op_names[op] : "?";
}

const char *ff_act_name(ff_act a)
{
    return (a >= 0 && a < FF_ACT__COUNT) ? act_names[a] : "?";
}

int ff_act_from_name(const char *s, ff_act *out)
{
    for (int i = 0; i < FF_ACT__COUNT; i++)
        if (strcmp(s, act_names[i]) == 0) {
            *out = (ff_act)i;
            return 1;
        }
    return 0;
}

ff_graph *ff_graph_new(void)
{
    ff_graph *g = ff_calloc(1, sizeof *g);
    g->input = g->output = -1;
    return g;
}

void ff_graph_free(ff_graph *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->nt; i++) {
        free(g->t[i].name);
        free(g->t[i].data);
    }
    for (int i = 0; i < g->nn; i++) {
        free(g->n[i].name);
        free(g->n[i].w);
        free(g->n[i].b);
    }
    free(g->t);
    free(g->n);
    free(g->source);
    free(g->folded);
    free(g);
}

int ff_graph_add_tensor(ff_graph *g, const char *name, int rank, const int64_t *dims, float *data)
{
    if (g->nt == g->cap_t) {
        g->cap_t = g->cap_t ? 2 * g->cap_t : 32;
        g->t = ff_realloc(g->t, (size_t)g->cap_t * sizeof *g->t);
    }
    ff_tensor *t = &g->t[g->nt];
    memset(t, 0, sizeof *t);
    t->name = ff_strdup(name ? name : "");
    t->rank = rank < 0 ? 0 : (rank > FF_MAX_RANK ? FF_MAX_RANK : rank);
    for (int i = 0; i < t->rank; i++)
        t->dims[i] = dims ? dims[i] : 0;
    t->data = data;
    t->producer = -1;
    return g->nt++;
}

int ff_graph_find_tensor(const ff_graph *g, const char *name)
{
    for (int i = g->nt - 1; i >= 0; i--)
        if (strcmp(g->t[i].name, name) == 0)
            return i;
    return -1;
}

int ff_graph_add_node(ff_graph *g, ff_op op, const char *name, const char *onnx_op)
{
    if (g->nn == g->cap_n) {
        g->cap_n = g->cap_n ? 2 * g->cap_n : 32;
        g->n = ff_realloc(g->n, (size_t)g->cap_n * sizeof *g->n);
    }
    ff_node *n = &g->n[g->nn];
    memset(n, 0, sizeof *n);
    n->op = op;
    n->name = ff_strdup(name ? name : "");
    snprintf(n->onnx_op, sizeof n->onnx_op, "%s", onnx_op ? onnx_op : ff_op_name(op));
    n->out = -1;
    n->group = 1;
    for (int i = 0; i < 2; i++) {
        n->kernel[i] = n->stride[i] = n->dil[i] = 1;
    }
    return g->nn++;
}

int64_t ff_tensor_size(const ff_tensor *t)
{
    int64_t s = 1;
    for (int i = 0; i < t->rank; i++)
        s *= t->dims[i];
    return s;
}

int ff_graph_uses(const ff_graph *g, int ti)
{
    int uses = (ti == g->output);
    for (int i = 0; i < g->nn; i++) {
        if (g->n[i].op == FF_OP__COUNT)
            continue;
        for (int k = 0; k < g->n[i].n_in; k++)
            uses += (g->n[i].in[k] == ti);
    }
    return uses;
}

void ff_graph_note(ff_graph *g, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t old = g->folded ? strlen(g->folded) : 0, add = strlen(line);
    g->folded = ff_realloc(g->folded, old + add + 2);
    memcpy(g->folded + old, line, add);
    g->folded[old + add] = '\n';
    g->folded[old + add + 1] = 0;
}

int ff_graph_compact(ff_graph *g, ff_err *e)
{
    /* drop dead nodes */
    int live = 0;
    for (int i = 0; i < g->nn; i++) {
        if (g->n[i].op == FF_OP__COUNT) {
            free(g->n[i].name);
            free(g->n[i].w);
            free(g->n[i].b);
            continue;
        }
        g->n[live++] = g->n[i];
    }
    g->nn = live;
    for (int i = 0; i < g->nt; i++)
        g->t[i].producer = -1;
    for (int i = 0; i < g->nn; i++) {
        int o = g->n[i].out;
        if (o < 0 || o >= g->nt)
            return ff_errf(e, FF_EINTERNAL, "node '%s' has no output", g->n[i].name);
        if (g->t[o].producer >= 0)
            return ff_errf(e, FF_EINPUT, "tensor '%s' is produced by two nodes ('%s' and '%s')",
                           g->t[o].name, g->n[g->t[o].producer].name, g->n[i].name);
        g->t[o].producer = i;
    }
    /* Kahn's algorithm over node indices */
    int *order = ff_malloc((size_t)(g->nn ? g->nn : 1) * sizeof *order);
    char *placed = ff_calloc((size_t)(g->nn ? g->nn : 1), 1);
    char *ready = ff_calloc((size_t)(g->nt ? g->nt : 1), 1);
    for (int i = 0; i < g->nt; i++)
        ready[i] = (g->t[i].producer < 0); /* input and constants */
    int count = 0, progress = 1;
    while (progress) {
        progress = 0;
        for (int i = 0; i < g->nn; i++) {
            if (placed[i])
                continue;
            int ok = 1;
            for (int k = 0; k < g->n[i].n_in && ok; k++) {
                int ti = g->n[i].in[k];
                ok = ti >= 0 && ti < g->nt && ready[ti];
            }
            if (ok) {
                placed[i] = 1;
                ready[g->n[i].out] = 1;
                order[count++] = i;
                progress = 1;
            }
        }
    }
    int rc = FF_OK;
    if (count != g->nn) {
        for (int i = 0; i < g->nn; i++)
            if (!placed[i]) {
                rc = ff_errf(e, FF_EINPUT, "cycle in the graph at node '%s'", g->n[i].name);
                break;
            }
    } else {
        ff_node *sorted = ff_malloc((size_t)(g->nn ? g->nn : 1) * sizeof *sorted);
        for (int i = 0; i < g->nn; i++)
            sorted[i] = g->n[order[i]];
        if (g->nn) /* an empty graph has no node array (memcpy's pointer must not be NULL) */
            memcpy(g->n, sorted, (size_t)g->nn * sizeof *sorted);
        free(sorted);
        for (int i = 0; i < g->nn; i++)
            g->t[g->n[i].out].producer = i;
    }
    free(order);
    free(placed);
    free(ready);
    return rc;
}

static int set_dims(ff_tensor *t, int rank, const int64_t *dims, const ff_node *n, ff_err *e)
{
    int64_t total = 1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] <= 0)
            return ff_errf(e, FF_EINPUT, "node '%s' (%s): output dimension %d is %lld", n->name,
                           n->onnx_op, i, (long long)dims[i]);
        if (!ff_mul_ok(total, dims[i], &total) || total > FF_MAX_ELEMS)
            return ff_errf(e, FF_EINPUT, "node '%s' (%s): output tensor too large", n->name,
                           n->onnx_op);
    }
    t->rank = rank;
    for (int i = 0; i < rank; i++)
        t->dims[i] = dims[i];
    return FF_OK;
}

/* Output extent of a window op along one axis. */
static int64_t window_out(int64_t in, int pad0, int pad1, int k, int s, int d)
{
    int64_t span = (int64_t)d * (k - 1) + 1;
    int64_t padded = in + pad0 + pad1;
    if (s <= 0 || padded < span)
        return 0;
    return (padded - span) / s + 1;
}

int ff_node_infer_shape(ff_graph *g, int ni, ff_err *e)
{
    ff_node *n = &g->n[ni];
    if (n->n_in < 1 || n->out < 0)
        return ff_errf(e, FF_EINTERNAL, "node '%s' is not wired", n->name);
    for (int k = 0; k < n->n_in; k++)
        if (n->in[k] < 0 || n->in[k] >= g->nt)
            return ff_errf(e, FF_EINTERNAL, "node '%s': bad input index", n->name);
    const ff_tensor *x = &g->t[n->in[0]];
    ff_tensor *y = &g->t[n->out];
    int64_t d[FF_MAX_RANK];
    int64_t xs = ff_tensor_size(x);

    switch (n->op) {
    case FF_OP_DENSE:
        if (x->rank < 1 || xs != n->n_in_f)
            return ff_errf(e, FF_EINPUT,
                           "node '%s' (%s): input '%s' has %lld features, weights expect %lld",
                           n->name, n->onnx_op, x->name, (long long)xs, (long long)n->n_in_f);
        d[0] = 1;
        d[1] = n->n_out_f;
        return set_dims(y, 2, d, n, e);
    case FF_OP_CONV:
    case FF_OP_MAXPOOL:
    case FF_OP_AVGPOOL: {
        int sp = x->rank - 2; /* rank 3: [1,L,C], rank 4: [1,H,W,C] */
        if (sp != 1 && sp != 2)
            return ff_errf(e, FF_EINPUT, "node '%s' (%s): input rank %d, want 3 or 4", n->name,
                           n->onnx_op, x->rank);
        int64_t H = sp == 2 ? x->dims[1] : 1, W = x->dims[sp], C = x->dims[sp + 1];
        int64_t oh = window_out(H, n->pad[0], n->pad[2], n->kernel[0], n->stride[0], n->dil[0]);
        int64_t ow = window_out(W, n->pad[1], n->pad[3], n->kernel[1], n->stride[1], n->dil[1]);
        if (oh <= 0 || ow <= 0)
            return ff_errf(e, FF_EINPUT, "node '%s' (%s): window larger than its padded input",
                           n->name, n->onnx_op);
        int64_t oc = C;
        if (n->op == FF_OP_CONV) {
            if (C != n->n_in_f)
                return ff_errf(e, FF_EINPUT,
                               "node '%s' (%s): input has %lld channels, weights expect %lld",
                               n->name, n->onnx_op, (long long)C, (long long)n->n_in_f);
            if (n->group < 1 || n->n_in_f % n->group || n->n_out_f % n->group)
                return ff_errf(e, FF_EINPUT, "node '%s' (%s): bad group %d", n->name, n->onnx_op,
                               n->group);
            oc = n->n_out_f;
        }
        n->spatial = sp;
        d[0] = 1;
        if (sp == 2) {
            d[1] = oh;
            d[2] = ow;
            d[3] = oc;
        } else {
            d[1] = ow;
            d[2] = oc;
        }
        return set_dims(y, x->rank, d, n, e);
    }
    case FF_OP_GMAXPOOL:
    case FF_OP_GAVGPOOL:
        if (x->rank != 3 && x->rank != 4)
            return ff_errf(e, FF_EINPUT, "node '%s' (%s): input rank %d, want 3 or 4", n->name,
                           n->onnx_op, x->rank);
        n->spatial = x->rank - 2;
        for (int i = 0; i < x->rank - 1; i++)
            d[i] = 1;
        d[x->rank - 1] = x->dims[x->rank - 1];
        return set_dims(y, x->rank, d, n, e);
    case FF_OP_SCALE:
        if (n->n_out_f != 1 && (n->axis < 0 || n->axis >= x->rank || x->dims[n->axis] != n->n_out_f))
            return ff_errf(e, FF_EINPUT,
                           "node '%s' (%s): %lld per-channel values do not match axis %d of '%s'",
                           n->name, n->onnx_op, (long long)n->n_out_f, n->axis, x->name);
        return set_dims(y, x->rank, x->dims, n, e);
    case FF_OP_ADD:
    case FF_OP_SUB: {
        if (n->n_in != 2)
            return ff_errf(e, FF_EINPUT, "node '%s' (%s): wants two inputs", n->name, n->onnx_op);
        const ff_tensor *x2 = &g->t[n->in[1]];
        if (ff_tensor_size(x2) != xs || x2->rank != x->rank)
            return ff_errf(e, FF_EINPUT, "node '%s' (%s): shapes of '%s' and '%s' differ", n->name,
                           n->onnx_op, x->name, x2->name);
        return set_dims(y, x->rank, x->dims, n, e);
    }
    case FF_OP_CONCAT: {
        if (n->axis < 0 || n->axis >= x->rank)
            return ff_errf(e, FF_EINPUT, "node '%s' (Concat): bad axis %d", n->name, n->axis);
        for (int i = 0; i < x->rank; i++)
            d[i] = x->dims[i];
        d[n->axis] = 0;
        for (int k = 0; k < n->n_in; k++) {
            const ff_tensor *xk = &g->t[n->in[k]];
            if (xk->rank != x->rank)
                return ff_errf(e, FF_EINPUT, "node '%s' (Concat): ranks differ", n->name);
            for (int i = 0; i < x->rank; i++)
                if (i != n->axis && xk->dims[i] != x->dims[i])
                    return ff_errf(e, FF_EINPUT, "node '%s' (Concat): '%s' and '%s' differ in dim %d",
                                   n->name, x->name, xk->name, i);
            d[n->axis] += xk->dims[n->axis];
        }
        return set_dims(y, x->rank, d, n, e);
    }
    case FF_OP_ACT:
    case FF_OP_IDENTITY:
        return set_dims(y, x->rank, x->dims, n, e);
    case FF_OP_SOFTMAX:
        n->axis = x->rank - 1;
        return set_dims(y, x->rank, x->dims, n, e);
    case FF_OP_RESHAPE:
        if (y->rank == 0) {
            d[0] = 1;
            d[1] = xs;
            return set_dims(y, 2, d, n, e);
        }
        if (ff_tensor_size(y) != xs)
            return ff_errf(e, FF_EINPUT, "node '%s' (%s): cannot reshape %lld elements into %lld",
                           n->name, n->onnx_op, (long long)xs, (long long)ff_tensor_size(y));
        return set_dims(y, y->rank, y->dims, n, e);
    case FF_OP_TRANSPOSE: {
        int seen[FF_MAX_RANK] = {0};
        for (int i = 0; i < x->rank; i++) {
            int p = n->perm[i];
            if (p < 0 || p >= x->rank || seen[p])
                return ff_errf(e, FF_EINPUT, "node '%s' (Transpose): perm is not a permutation",
                               n->name);
            seen[p] = 1;
            d[i] = x->dims[p];
        }
        return set_dims(y, x->rank, d, n, e);
    }
    case FF_OP__COUNT:
        break;
    }
    return ff_errf(e, FF_EINTERNAL, "node '%s': unknown op", n->name);
}

int ff_graph_infer_shapes(ff_graph *g, ff_err *e)
{
    for (int i = 0; i < g->nn; i++) {
        int rc = ff_node_infer_shape(g, i, e);
        if (rc)
            return rc;
    }
    return FF_OK;
}

int64_t ff_node_wcount(const ff_graph *g, const ff_node *n)
{
    (void)g;
    switch (n->op) {
    case FF_OP_DENSE:
        return n->n_out_f * n->n_in_f;
    case FF_OP_CONV:
        return n->n_out_f * n->kernel[0] * n->kernel[1] * (n->n_in_f / (n->group ? n->group : 1));
    case FF_OP_SCALE:
        return n->n_out_f;
    default:
        return 0;
    }
}

int64_t ff_node_params(const ff_node *n)
{
    switch (n->op) {
    case FF_OP_DENSE:
        return n->n_out_f * n->n_in_f + n->n_out_f;
    case FF_OP_CONV:
        return n->n_out_f * n->kernel[0] * n->kernel[1] * (n->n_in_f / (n->group ? n->group : 1)) +
               n->n_out_f;
    case FF_OP_SCALE:
        return 2 * n->n_out_f;
    default:
        return 0;
    }
}

int64_t ff_node_macs(const ff_graph *g, const ff_node *n)
{
    const ff_tensor *y = &g->t[n->out];
    switch (n->op) {
    case FF_OP_DENSE:
        return n->n_out_f * n->n_in_f;
    case FF_OP_CONV: {
        int64_t pixels = ff_tensor_size(y) / n->n_out_f;
        return pixels * ff_node_wcount(g, n);
    }
    case FF_OP_SCALE:
        return ff_tensor_size(y);
    default:
        return 0;
    }
}

ff_geom ff_node_geom(const ff_graph *g, const ff_node *n)
{
    const ff_tensor *x = &g->t[n->in[0]], *y = &g->t[n->out];
    int sp = x->rank - 2;
    ff_geom r = {sp == 2 ? x->dims[1] : 1, x->dims[sp], x->dims[sp + 1],
                 sp == 2 ? y->dims[1] : 1, y->dims[sp], y->dims[sp + 1]};
    return r;
}
